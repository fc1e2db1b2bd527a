//! The invariants of the change stream and the `model` fuzz target's interpreter, here so that the proptests
//! (`tests/order.rs`), the fuzz target (`fuzz/fuzz_targets/model.rs`) and the corpus replay
//! (`tests/fuzz_corpus.rs`) check the very same things. Not a public API.

use std::collections::BTreeSet;
use std::time::Duration;

use cti_proto::Message;
use cti_proto::constants::{
    AGENT_STATE_AVAILABLE, AGENT_STATE_NOT_READY, AGENT_STATE_TALKING, AGENT_STATE_WORK_READY,
    CALLTYPE_ACD_IN, CONNECTION_ID_STATIC, LCS_CONNECT, NULL_SKILL_GROUP, SYS_PERIPHERAL_OFFLINE,
    SYS_PERIPHERAL_ONLINE, SystemEventId,
};
use cti_proto::message::{
    AgentStateEvent, BeginCallEvent, CallClearedEvent, CallDataUpdateEvent, CallDeliveredEvent,
    CallEstablishedEvent, CallHeldEvent, CallQueuedEvent, EndCallEvent, SystemEvent,
};

use crate::{CallKey, CallState, Change, EndReason, Model, ModelConfig};

/// Checks that every key in the stream refers to a live call at that point (no call is changed, suspended,
/// resumed or ended unless live, none begins or is discovered while live, so every `CallEnded` follows a
/// `CallBegan` or `CallDiscovered` of its key) and that agent changes are changes; returns the live keys at the
/// end and the number of `CallBegan`.
pub fn check_stream(changes: &[Change]) -> Result<(BTreeSet<CallKey>, usize), String> {
    let mut live = BTreeSet::new();
    let mut began = 0;
    for c in changes {
        match c {
            Change::CallBegan(k) => {
                began += 1;
                if !live.insert(k.clone()) {
                    return Err(format!("second CallBegan for live {k}"));
                }
            }
            Change::CallDiscovered { key, .. } => {
                if !live.insert(key.clone()) {
                    return Err(format!("CallDiscovered for live {key}"));
                }
            }
            Change::CallChanged(k)
            | Change::CallSuspended(k)
            | Change::CallResumed { key: k, .. } => {
                if !live.contains(k) {
                    return Err(format!("{c:?} for {k}, not live"));
                }
            }
            Change::CallRekeyed { from, to } => {
                if !live.remove(from) || !live.insert(to.clone()) {
                    return Err(format!("bad rekey {from} -> {to}"));
                }
            }
            Change::CallEnded { key, .. } => {
                if !live.remove(key) {
                    return Err(format!("CallEnded for {key}, not live"));
                }
            }
            Change::AgentChanged { from, to, .. } => {
                if *from == Some(*to) {
                    return Err("AgentChanged without a change".into());
                }
            }
            Change::AgentRekeyed { from, to } => {
                if from == to {
                    return Err(format!("AgentRekeyed to the same key {to}"));
                }
            }
            Change::PeripheralStatus { .. } => {}
        }
    }
    Ok((live, began))
}

/// The model's own view agrees with its change stream: the calls it holds (and its snapshot) are exactly the
/// live keys of the stream.
pub fn check_model(model: &Model, changes: &[Change]) -> Result<(), String> {
    let (live, _) = check_stream(changes)?;
    let held: BTreeSet<CallKey> = model.calls().map(|c| c.key.clone()).collect();
    let snap: BTreeSet<CallKey> = model
        .snapshot()
        .calls
        .iter()
        .map(|c| c.key.clone())
        .collect();
    if held != live || snap != live {
        return Err(format!(
            "live by the stream {live:?}, held {held:?}, in the snapshot {snap:?}"
        ));
    }
    Ok(())
}

/// One of two peripherals, by the top bit of `x`.
fn peripheral(x: u8) -> u32 {
    5000 + u32::from(x >> 7)
}

/// One of a handful of call keys (4 calls on 2 devices, and 2 keys only re-keys reach).
fn key_of(b: u8) -> CallKey {
    let dev = if b & 1 == 0 { "d0" } else { "d1" };
    CallKey::new(100 + u32::from(b % 6), CONNECTION_ID_STATIC, dev)
}

macro_rules! keyed {
    ($t:ty, $k:expr, $p:expr) => {{
        let mut m = <$t>::default();
        m.peripheral_id = $p;
        m.connection_call_id = $k.connection_call_id;
        m.connection_device_id_type = $k.device_id_type;
        m.connection_device_id = Some($k.device_id.clone());
        m
    }};
}

fn update(k: &CallKey, to: &CallKey, p: u32, x: u8) -> Message {
    let mut m = keyed!(CallDataUpdateEvent, k, p);
    m.new_connection_call_id = to.connection_call_id;
    m.new_connection_device_id_type = to.device_id_type;
    m.new_connection_device_id = Some(to.device_id.clone());
    m.call_variable_1 = Some(format!("v{}", x % 4).into());
    if x & 4 != 0 {
        m.named_variables = vec![cti_proto::NamedVariable::new(
            "user.x",
            format!("e{}", x % 3),
        )];
    }
    m.into()
}

fn system(id: SystemEventId, p: u32) -> Message {
    let mut m = SystemEvent::default();
    m.system_event_id = id;
    m.system_event_arg_1 = p;
    m.into()
}

fn agent(x: u8) -> Message {
    let states = [
        AGENT_STATE_AVAILABLE,
        AGENT_STATE_TALKING,
        AGENT_STATE_NOT_READY,
        AGENT_STATE_WORK_READY,
    ];
    let mut m = AgentStateEvent::default();
    m.peripheral_id = peripheral(x);
    if x & 8 != 0 {
        m.agent_id = Some(format!("a{}", x % 3).into());
    }
    m.agent_extension = Some(format!("ext{}", x % 3).into());
    m.agent_state = states
        .get(usize::from(x >> 4) % states.len())
        .copied()
        .unwrap_or_default();
    m.skill_group_number = NULL_SKILL_GROUP;
    m.into()
}

/// The message of op `op` (0..=8) about call `k` on peripheral `p`, with argument `x`.
fn call_message(op: u8, k: &CallKey, p: u32, x: u8) -> Message {
    let ext = format!("ext{}", x % 3);
    match op {
        0 => {
            let mut m = keyed!(BeginCallEvent, k, p);
            m.call_type = CALLTYPE_ACD_IN;
            m.ani = Some(format!("ani{}", x % 2).into());
            m.into()
        }
        1 => keyed!(EndCallEvent, k, p).into(),
        2 => {
            let mut m = keyed!(CallEstablishedEvent, k, p);
            m.answering_device_id = Some(ext.into());
            m.local_connection_state = LCS_CONNECT;
            m.into()
        }
        3 => update(k, k, p, x),
        4 => update(k, &key_of(x), p, x),
        5 => {
            let mut m = keyed!(CallDeliveredEvent, k, p);
            m.alerting_device_id = Some(ext.into());
            m.into()
        }
        6 => {
            let mut m = keyed!(CallHeldEvent, k, p);
            m.holding_device_id = Some(ext.into());
            m.into()
        }
        7 => keyed!(CallClearedEvent, k, p).into(),
        _ => keyed!(CallQueuedEvent, k, p).into(),
    }
}

/// Target `model`: the input is a program for a small interpreter driving one [`Model`] — events of a handful
/// of calls (BEGIN_CALL, END_CALL, ESTABLISHED, DATA_UPDATE with and without a re-key, DELIVERED, HELD,
/// CLEARED, QUEUED) on two peripherals, AGENT_STATE events, sessions opened and lost, peripherals offline and
/// online, ticks and time passing, and the client's answers after a reconnect (confirm, end, resume, discover).
///
/// Byte 0 bit 0: a session opens at time 0 (as in `tests/order.rs`). Then each op is two bytes `(op, x)`.
///
/// Holds for every input: nothing panics; after every 8th step and at the end the change stream so far passes [`check_stream`]
/// and the model holds exactly its live calls ([`check_model`]); after a tick, [`Model::next_deadline`] is
/// later than its `now`; at the end, after a tick far in the future, when a session opened at time 0 nothing
/// waits unseen ([`Model::pending_len`] is 0).
pub fn model(data: &[u8]) -> Result<(), String> {
    let Some((first, program)) = data.split_first() else {
        return Ok(());
    };
    let cfg = ModelConfig {
        max_pending: 8,
        max_ended: 8,
        ..ModelConfig::default()
    };
    let mut model = Model::new(cfg);
    let mut out = Vec::new();
    let mut now = Duration::ZERO;
    let opened_first = first & 1 == 1;
    if opened_first {
        model.session_opened(now);
    }
    for (step, pair) in program.chunks_exact(2).enumerate() {
        let (op, x) = match pair {
            [op, x] => (*op, *x),
            _ => continue,
        };
        let k = key_of(op >> 5);
        let p = peripheral(x);
        match op % 20 {
            o @ 0..=8 => model.apply(&call_message(o, &k, p, x), now, &mut out),
            9 => model.apply(&agent(x), now, &mut out),
            10 => model.session_opened(now),
            11 => model.connection_lost(now),
            12 => model.apply(&system(SYS_PERIPHERAL_OFFLINE, p), now, &mut out),
            13 => model.apply(&system(SYS_PERIPHERAL_ONLINE, p), now, &mut out),
            14 => {
                now += Duration::from_millis(u64::from(x) * 250);
                model.tick(now, &mut out);
                if let Some(d) = model.next_deadline().filter(|d| *d <= now) {
                    return Err(format!(
                        "step {step}: after tick({now:?}) the next deadline is {d:?}"
                    ));
                }
            }
            15 => now += Duration::from_millis(u64::from(x) * 10),
            16 => {
                model.confirm_call(&k, now, &mut out);
            }
            17 => {
                model.end_call(&k, EndReason::EndedDuringOutage, &mut out);
            }
            18 => {
                model.resume_call(&k, now, &mut out);
            }
            _ => {
                let state = match x % 3 {
                    0 => None,
                    1 => Some(CallState::Connected),
                    _ => Some(CallState::Held),
                };
                model.discover_call(&k, p, state, Some("ext1"), now, &mut out);
            }
        }
        // The whole stream is checked again each time: every 8th step keeps a run linear enough.
        if step % 8 == 7 {
            check_model(&model, &out).map_err(|e| format!("step {step} (op {}): {e}", op % 20))?;
        }
    }
    now += Duration::from_secs(100_000);
    model.tick(now, &mut out);
    check_model(&model, &out).map_err(|e| format!("at the end: {e}"))?;
    if opened_first && model.pending_len() != 0 {
        return Err(format!(
            "after every deadline {} keys wait unseen",
            model.pending_len()
        ));
    }
    Ok(())
}
