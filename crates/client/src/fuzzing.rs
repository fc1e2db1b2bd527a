//! The `session_core` fuzz target's interpreter and the invariants of [`SessionCore`], here so that the fuzz
//! target (`fuzz/fuzz_targets/session_core.rs`) and the corpus replay (`tests/fuzz_corpus.rs`) check the very
//! same things. Not a public API.

use std::collections::BTreeSet;
use std::time::Duration;

use bytes::BytesMut;
use cti_proto::constants::{
    CTI_SERVICE_ALL_EVENTS, CTI_SERVICE_CLIENT_CONTROL, SYS_PERIPHERAL_ONLINE, StatusCode,
};
use cti_proto::message::{
    BeginCallEvent, CloseConf, FailureConf, HeartbeatConf, OpenConf, QueryAgentStateConf,
    QueryAgentStateReq, SystemEvent,
};
use cti_proto::{FrameDecoder, Message};

use crate::session::{SessionCore, SessionEvent, SessionState};
use crate::{ClientConfig, ClientError, Side};

/// What the driver of one core has seen so far, to check the core's outputs against.
#[derive(Debug, Default)]
struct Seen {
    /// InvokeIDs `request` returned and no reply has come for yet.
    waiting: BTreeSet<u32>,
    /// Every InvokeID `request` returned.
    issued: BTreeSet<u32>,
    /// Between `Opened` and `Lost`/`Closed`.
    open: bool,
}

/// A server message chosen by `kind`, with InvokeID `id` (small, so that it may match a request).
fn server_message(kind: u8, id: u32, x: u8) -> Message {
    match kind % 7 {
        0 => {
            let mut c = OpenConf::default();
            c.invoke_id = id;
            c.services_granted = CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL;
            c.peripheral_online = x & 1 == 0;
            c.into()
        }
        1 => {
            let mut f = FailureConf::default();
            f.invoke_id = id;
            f.status = match x % 3 {
                0 => StatusCode::E_CTI_CTI_SERVER_OFFLINE,
                1 => StatusCode::E_CTI_INVALID_PASSWORD,
                _ => StatusCode::E_CTI_NO_ERROR,
            };
            f.into()
        }
        2 => {
            let mut c = HeartbeatConf::default();
            c.invoke_id = id;
            c.into()
        }
        3 => {
            let mut c = QueryAgentStateConf::default();
            c.invoke_id = id;
            c.agent_id = Some("a1".into());
            c.into()
        }
        4 => {
            let mut c = CloseConf::default();
            c.invoke_id = id;
            c.into()
        }
        5 => {
            let mut e = SystemEvent::default();
            e.system_event_id = SYS_PERIPHERAL_ONLINE;
            e.system_event_arg_1 = 5000;
            e.into()
        }
        _ => {
            let mut e = BeginCallEvent::default();
            e.connection_call_id = id;
            e.into()
        }
    }
}

/// Everything queued for the server is whole frames, each a message that decodes at `version`.
fn check_transmit(core: &mut SessionCore, version: u32) -> Result<(), String> {
    while let Some(bytes) = core.poll_transmit() {
        let mut buf = BytesMut::from(&bytes[..]);
        match FrameDecoder::default().decode(&mut buf) {
            Ok(Some(frame)) if buf.is_empty() => {
                if let Err(e) = Message::decode(&frame, version) {
                    return Err(format!("sent a message that does not decode: {e}"));
                }
            }
            other => {
                return Err(format!(
                    "sent bytes that are not one frame: {other:?} {bytes:02x?}"
                ));
            }
        }
    }
    Ok(())
}

/// Replies answer issued requests, each once; events follow the session's life; an idle core holds nothing.
fn check_outputs(core: &mut SessionCore, seen: &mut Seen) -> Result<(), String> {
    while let Some(reply) = core.poll_reply() {
        if !seen.waiting.remove(&reply.invoke_id) {
            let again = seen.issued.contains(&reply.invoke_id);
            return Err(format!(
                "reply for InvokeID {} (answered before: {again})",
                reply.invoke_id
            ));
        }
    }
    while let Some(event) = core.poll_event() {
        match event {
            SessionEvent::Opened { .. } if seen.open => return Err("Opened while open".into()),
            SessionEvent::Opened { .. } => seen.open = true,
            SessionEvent::Lost { .. } if !seen.open => return Err("Lost while not open".into()),
            SessionEvent::Lost { .. } | SessionEvent::Closed { .. } => seen.open = false,
            SessionEvent::OpenFailed { .. } | SessionEvent::OpenRejected { .. } if seen.open => {
                return Err("open failed while open".into());
            }
            _ => {}
        }
    }
    if core.outstanding() != seen.waiting.len() {
        return Err(format!(
            "{} outstanding, {} awaited",
            core.outstanding(),
            seen.waiting.len()
        ));
    }
    if core.state() == SessionState::Idle && (seen.open || !seen.waiting.is_empty()) {
        return Err(format!(
            "idle, but open: {}, {} awaited",
            seen.open,
            seen.waiting.len()
        ));
    }
    Ok(())
}

/// Target `session_core`: the input is a program driving one [`SessionCore`] with plain Durations — open on a
/// side, requests, close, server messages (OPEN_CONF, FAILURE_CONF, HEARTBEAT_CONF, a CONF, CLOSE_CONF, events;
/// with small InvokeIDs, whole or split), arbitrary bytes, time passing with or without `handle_timeout`, the
/// transport lost, an abort.
///
/// Byte 0: heartbeats (bit 0: every 5 s, else disabled). Then each op is two bytes `(op, x)`; op 3 is followed
/// by `x % 32` raw bytes.
///
/// Holds for every input: nothing panics; every transmitted chunk is one frame that decodes; every reply
/// answers an InvokeID `request` returned, once; `outstanding()` is the number of requests not answered yet;
/// `Opened` never while open (`open` drops a session in progress without an event), `Lost` only while open, open failures never while open (`abort` ends a session without an event); an idle core has
/// nothing outstanding; after `handle_timeout(now)`, `poll_timeout()` is later than `now`.
pub fn session_core(data: &[u8]) -> Result<(), String> {
    let Some((first, mut program)) = data.split_first() else {
        return Ok(());
    };
    let cfg = ClientConfig::builder("cti-a:42027")
        .credentials("fuzz", "fuzz")
        .services(CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL)
        .heartbeat_secs(if first & 1 == 1 { 5 } else { -1 })
        .build()
        .map_err(|e| format!("config: {e}"))?;
    let version = cfg.version;
    let mut core = SessionCore::new(&cfg).map_err(|e| format!("core: {e}"))?;
    let mut seen = Seen::default();
    let mut now = Duration::ZERO;
    let mut step = 0;
    while let [op, x, rest @ ..] = program {
        let (op, x) = (*op, *x);
        program = rest;
        step += 1;
        match op % 10 {
            0 => {
                // A session in progress is dropped without an event (documented).
                seen.open = false;
                core.open(now, if x & 1 == 0 { Side::A } else { Side::B });
            }
            1 => {
                let mut q = QueryAgentStateReq::default();
                q.peripheral_id = 5000;
                q.agent_id = Some("a1".into());
                if let Ok(id) = core.request(now, q.into()) {
                    if !seen.issued.insert(id) {
                        return Err(format!("step {step}: InvokeID {id} issued twice"));
                    }
                    seen.waiting.insert(id);
                }
            }
            2 => core.close(now),
            3 => {
                let n = usize::from(x % 32).min(program.len());
                let (raw, rest) = program.split_at(n);
                program = rest;
                core.handle_bytes(now, raw);
            }
            4 | 5 => {
                let m = server_message(op >> 4, u32::from(x % 8), x);
                let bytes = m
                    .to_bytes(version)
                    .map_err(|e| format!("{}: {e}", m.name()))?;
                if op % 10 == 4 {
                    core.handle_bytes(now, &bytes);
                } else {
                    let (a, b) = bytes.split_at(usize::from(x).min(bytes.len()));
                    core.handle_bytes(now, a);
                    core.handle_bytes(now, b);
                }
            }
            6 => now += Duration::from_millis(u64::from(x) * 50),
            7 => {
                now += Duration::from_millis(u64::from(x) * 50);
                core.handle_timeout(now);
                if let Some(d) = core.poll_timeout().filter(|d| *d <= now) {
                    return Err(format!(
                        "step {step}: after handle_timeout({now:?}) poll_timeout is {d:?}"
                    ));
                }
            }
            8 => core.transport_lost("fuzz"),
            _ => {
                // Ends the session without an event (documented).
                seen.open = false;
                core.abort(&ClientError::NotConnected("fuzz".into()));
            }
        }
        check_transmit(&mut core, version).map_err(|e| format!("step {step}: {e}"))?;
        check_outputs(&mut core, &mut seen).map_err(|e| format!("step {step}: {e}"))?;
    }
    Ok(())
}
