//! `message_masks`: "CTI Server provides message masks to suppress the transmission of unneeded data … carefully
//! consider the network impact … before deploying a CTI client application that unmasks a large number of
//! messages."
//!
//! Fail when an OPEN_REQ unmasks every call event type (CallMsgMask 0xFFFFFFFF, i.e. all known bits) and every
//! agent state (all 14 AgentStateMask bits); otherwise pass with the counts. The summary also notes call
//! event types beyond BEGIN_CALL / END_CALL / CALL_DATA_UPDATE (the ACD-independent set of the guidelines).

use cti_proto::constants::{AgentStateMask, CallMsgMask};

use super::MESSAGE_MASKS;
use super::record::ConnRecord;
use super::report::{Check, Evidence, Verdict};

/// The call events a generic (ACD-independent) client needs.
const GENERIC: CallMsgMask = CallMsgMask(
    CallMsgMask::BEGIN_CALL_MASK.0
        | CallMsgMask::END_CALL_MASK.0
        | CallMsgMask::CALL_DATA_UPDATE_MASK.0,
);

/// True when the masks let every call event and every agent state through.
fn unmasks_everything(call: CallMsgMask, agent: AgentStateMask) -> bool {
    call.contains(CallMsgMask::KNOWN) && agent.contains(AgentStateMask::KNOWN)
}

/// Known bits set in `mask`, known bits in all.
fn counts(bits: u32, known: u32) -> (u32, u32) {
    ((bits & known).count_ones(), known.count_ones())
}

/// Judges the masks of one client's OPEN_REQs.
pub(super) fn check(conns: &[&ConnRecord]) -> Check {
    let mut evidence = Vec::new();
    let mut seen: Vec<(CallMsgMask, AgentStateMask)> = Vec::new();
    let mut everything = false;
    let mut widest: Option<(u32, CallMsgMask, AgentStateMask)> = None;
    for conn in conns {
        let Some(open) = &conn.open else { continue };
        let pair = (open.call_mask, open.agent_mask);
        if seen.contains(&pair) {
            continue;
        }
        seen.push(pair);
        let (call_n, call_all) = counts(open.call_mask.bits(), CallMsgMask::KNOWN.bits());
        let (agent_n, agent_all) = counts(open.agent_mask.bits(), AgentStateMask::KNOWN.bits());
        let all = unmasks_everything(open.call_mask, open.agent_mask);
        everything |= all;
        evidence.push(Evidence::at(
            open.at,
            conn.side,
            conn.id,
            format!(
                "CallMsgMask {:#010x} ({call_n}/{call_all}: {}), AgentStateMask {:#06x} ({agent_n}/{agent_all}: {}){}",
                open.call_mask.bits(),
                names(&open.call_mask.names()),
                open.agent_mask.bits(),
                names(&open.agent_mask.names()),
                if all { " — everything unmasked" } else { "" }
            ),
        ));
        let total = call_n + agent_n;
        if widest.is_none_or(|(t, _, _)| total > t) {
            widest = Some((total, open.call_mask, open.agent_mask));
        }
    }
    let Some((_, call, agent)) = widest else {
        return Check::new(
            MESSAGE_MASKS,
            Verdict::NotObserved,
            "no OPEN_REQ observed".to_owned(),
            evidence,
        );
    };
    if everything {
        return Check::new(
            MESSAGE_MASKS,
            Verdict::Fail,
            "unmasks every event type; the guideline asks to suppress unneeded data".to_owned(),
            evidence,
        );
    }
    let (call_n, call_all) = counts(call.bits(), CallMsgMask::KNOWN.bits());
    let (agent_n, agent_all) = counts(agent.bits(), AgentStateMask::KNOWN.bits());
    let beyond = (call & !GENERIC).bits().count_ones();
    let generic = if call.is_empty() {
        String::new()
    } else if beyond == 0 {
        " (only BEGIN_CALL / END_CALL / CALL_DATA_UPDATE: ACD-independent)".to_owned()
    } else {
        format!(" ({beyond} beyond BEGIN_CALL / END_CALL / CALL_DATA_UPDATE: ACD-specific detail)")
    };
    Check::new(
        MESSAGE_MASKS,
        Verdict::Pass,
        format!(
            "unmasks {call_n} of {call_all} call event types{generic} and {agent_n} of {agent_all} agent states{}",
            if seen.len() > 1 {
                format!(" (widest of {} mask sets)", seen.len())
            } else {
                String::new()
            }
        ),
        evidence,
    )
}

/// `"A|B"`, or `"none"`.
fn names(list: &[&str]) -> String {
    if list.is_empty() {
        "none".to_owned()
    } else {
        list.join("|")
    }
}
