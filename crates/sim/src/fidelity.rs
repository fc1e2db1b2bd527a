//! What an event carries on one session. The engine builds every event as a real CTI Server of the newest
//! version fills it; here, when the event is delivered, a field that does not exist at the session's protocol
//! version is left out (the codec writes every field it is given, so this is the only place that keeps, say,
//! tag 223 off a v13 session), and `[fidelity] optional_fields = false` ([`FidelityConfig`]) leaves the optional
//! fields out, to test a client's tolerance of their absence.
//!
//! # Optional fields the simulator fills
//!
//! | event | field (tag) | first version | value | left out by `optional_fields = false` |
//! |---|---|---|---|---|
//! | AGENT_STATE_EVENT | Direction (244) | 16 | the agent's call: IN, OUT or NONE | yes |
//! | AGENT_STATE_EVENT | MaxBeyondTaskLimit (266) | 22 | 0 (never more tasks than MaxTaskLimit) | yes |
//! | BEGIN_CALL_EVENT | DialedNumber (11) | ≤ 13 | the number dialed: the DNIS of an inbound call, the requested number of a placed one | yes |
//! | BEGIN_CALL_EVENT | RouterCallKeyDay (72), RouterCallKeyCallID (73) | ≤ 13 | the routed (inbound) call's key | yes |
//! | BEGIN_CALL_EVENT | RouterCallKeySequenceNumber (110) | ≤ 13 | 0, one more for each later leg (transfer, conference), with the key | yes |
//! | BEGIN_CALL_EVENT | CallReferenceID (223) | 14 | 12 bytes: PeripheralID, simulator start time, first ConnectionCallID; kept by later legs | yes |
//! | CALL_DELIVERED_EVENT | DialedNumber (11) | ≤ 13 | as BEGIN_CALL_EVENT | yes |
//! | CALL_SERVICE_INITIATED_EVENT | CallReferenceID (223) | 14 | as BEGIN_CALL_EVENT | yes |
//! | CALL_SERVICE_INITIATED_EVENT | COCConnectionCallID (229), COCCallConnectionDeviceIDType (230), COCCallConnectionDeviceID (231) | 14 | a consult call's consulted call (STATIC) | yes |
//!
//! "≤ 13": the field is older than the oldest version the simulator speaks (13), so it is never version-gated.
//! `optional_fields = false` also leaves out AGENT_STATE_EVENT's Duration, NextAgentState, ActiveTerminal and
//! AgentIDLong (not filled by the engine). It keeps what identifies the call, the agent and the parties (the
//! ConnectionDeviceID, AgentID, AgentExtension, AgentInstrument, CTIClientSignature, the *DeviceID fields, the
//! skill groups), and the call's data (ANI, DNIS, CallerEnteredDigits, call variables, wrap-up data, ECC
//! variables, CTI client signatures), which are what the simulator's traffic and a client's requests set.
//!
//! The other events the simulator emits (END_CALL, CALL_DATA_UPDATE, CALL_ESTABLISHED, CALL_HELD,
//! CALL_RETRIEVED, CALL_CLEARED, CALL_CONNECTION_CLEARED, CALL_ORIGINATED, CALL_QUEUED, CALL_DEQUEUED,
//! CALL_TRANSFERRED, CALL_CONFERENCED, SYSTEM_EVENT) already carry every optional field it has data for.
//!
//! # Not filled, and why
//!
//! * TrunkNumber (121), TrunkGroupNumber (122) (DELIVERED, ESTABLISHED), ANI_II (215), UserToUserInfo (9),
//!   SecondaryConnectionCallID (202): the simulated calls have no trunks, no ANI II digits, no UUI, and the
//!   facts give 202 for CCX consult calls only.
//! * AGENT_STATE_EVENT Duration (150), NextAgentState (123): the facts give no semantics beyond the type, and
//!   the simulator has no pending state; ActiveTerminal (303): one source only, with a tag conflict (K6);
//!   AgentIDLong (194): no version given, and the configured AgentIDs fit AgentID.
//! * CALL_DATA_UPDATE_EVENT RouterCallKey*, DialedNumber, CallReferenceID: from v22 the event carries only the
//!   changed items (plus the whole ECC set), and these never change.
//! * CALL_QUEUED_EVENT PriorityQueueNumber (203), CALL_DEQUEUED_EVENT DequeueType (124): no published type or
//!   meaning of the values.
//! * SYSTEM_EVENT Text (7): free text, no published content for the peripheral events.
//! * Replies (SNAPSHOT_CALL_CONF, QUERY_AGENT_STATE_CONF) are not shaped here: they carry what they carried
//!   before (no field newer than v13).

use std::borrow::Cow;

use cti_proto::Message;

use crate::config::FidelityConfig;

/// The first protocol version with AGENT_STATE_EVENT's Direction (tag 244).
pub(crate) const DIRECTION_SINCE: u32 = 16;
/// The first protocol version with CallReferenceID (tag 223) and the COC fields (tags 229–231): tags 219–234
/// came with v14 (facts §6.19).
pub(crate) const CALL_REFERENCE_SINCE: u32 = 14;
/// The first protocol version with MaxBeyondTaskLimit (tag 266).
pub(crate) const MAX_BEYOND_TASK_LIMIT_SINCE: u32 = 22;

/// `m` as it is sent on a session of protocol `version` (borrowed when nothing is left out).
pub(crate) fn shape<'a>(m: &'a Message, version: u32, f: &FidelityConfig) -> Cow<'a, Message> {
    let all = f.optional_fields;
    match m {
        Message::AgentStateEvent(e) => {
            let too_new = (version < DIRECTION_SINCE && e.direction.is_some())
                || (version < MAX_BEYOND_TASK_LIMIT_SINCE && e.max_beyond_task_limit.is_some());
            if all && !too_new {
                return Cow::Borrowed(m);
            }
            let mut e = e.clone();
            if !all || version < DIRECTION_SINCE {
                e.direction = None;
            }
            if !all || version < MAX_BEYOND_TASK_LIMIT_SINCE {
                e.max_beyond_task_limit = None;
            }
            if !all {
                e.duration = None;
                e.next_agent_state = None;
                e.active_terminal = None;
                e.agent_id_long = None;
            }
            Cow::Owned(Message::AgentStateEvent(e))
        }
        Message::BeginCallEvent(e) => {
            let too_new = version < CALL_REFERENCE_SINCE && e.call_reference_id.is_some();
            if all && !too_new {
                return Cow::Borrowed(m);
            }
            let mut e = e.clone();
            e.call_reference_id = None;
            if !all {
                e.dialed_number = None;
                e.router_call_key_day = None;
                e.router_call_key_call_id = None;
                e.router_call_key_sequence_number = None;
            }
            Cow::Owned(Message::BeginCallEvent(e))
        }
        Message::CallDeliveredEvent(e) if !all && e.dialed_number.is_some() => {
            let mut e = e.clone();
            e.dialed_number = None;
            Cow::Owned(Message::CallDeliveredEvent(e))
        }
        Message::CallServiceInitiatedEvent(e) => {
            let set = e.call_reference_id.is_some()
                || e.coc_connection_call_id.is_some()
                || e.coc_call_connection_device_id_type.is_some()
                || e.coc_call_connection_device_id.is_some();
            if !set || (all && version >= CALL_REFERENCE_SINCE) {
                return Cow::Borrowed(m);
            }
            let mut e = e.clone();
            e.call_reference_id = None;
            e.coc_connection_call_id = None;
            e.coc_call_connection_device_id_type = None;
            e.coc_call_connection_device_id = None;
            Cow::Owned(Message::CallServiceInitiatedEvent(e))
        }
        _ => Cow::Borrowed(m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cti_proto::constants::AgentDirection;
    use cti_proto::message::AgentStateEvent;

    fn event() -> Message {
        let mut e = AgentStateEvent::default();
        e.agent_id = Some("1001".into());
        e.direction = Some(AgentDirection::AGENT_DIRECTION_IN);
        e.duration = Some(3);
        e.max_beyond_task_limit = Some(0);
        Message::from(e)
    }

    fn fields(m: &Message) -> (Option<AgentDirection>, Option<u32>) {
        match m {
            Message::AgentStateEvent(e) => (e.direction, e.max_beyond_task_limit),
            _ => (None, None),
        }
    }

    #[test]
    fn agent_state_fields_from_their_versions_and_only_with_optional_fields() {
        let m = event();
        let full = FidelityConfig::default();
        assert!(matches!(shape(&m, 22, &full), Cow::Borrowed(_)));
        let dir = Some(AgentDirection::AGENT_DIRECTION_IN);
        assert_eq!(fields(&shape(&m, 24, &full)), (dir, Some(0)));
        assert_eq!(fields(&shape(&m, 21, &full)), (dir, None));
        assert_eq!(fields(&shape(&m, 16, &full)), (dir, None));
        assert_eq!(fields(&shape(&m, 15, &full)), (None, None));
        let bare = FidelityConfig {
            optional_fields: false,
        };
        let shaped = shape(&m, 24, &bare);
        let Message::AgentStateEvent(e) = shaped.as_ref() else {
            unreachable!()
        };
        assert_eq!(
            (e.direction, e.duration, e.max_beyond_task_limit),
            (None, None, None)
        );
        assert_eq!(
            e.agent_id.as_ref().map(ToString::to_string).as_deref(),
            Some("1001")
        );
    }

    #[test]
    fn other_messages_pass_untouched() {
        let m = Message::from(cti_proto::message::EndCallEvent::default());
        let bare = FidelityConfig {
            optional_fields: false,
        };
        assert!(matches!(shape(&m, 13, &bare), Cow::Borrowed(_)));
    }
}
