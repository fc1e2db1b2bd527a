//! The sans-IO session core on plain Durations — no sockets, no runtime: the open handshake accepted, refused
//! and timed out; replies out of order matched by InvokeID; a late CONF after its timeout dropped, not reported;
//! heartbeats when idle and three unanswered = failure, with exact bytes; the CLOSE handshake; garbage framing
//! ending the session with one clear error; requests the core refuses.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::time::Duration;

use bytes::BytesMut;
use cti_client::session::{Reply, SessionCore, SessionEvent, SessionState};
use cti_client::{ClientConfig, ClientError, Side};
use cti_proto::constants::*;
use cti_proto::message::{
    CloseConf, FailureConf, HeartbeatConf, OpenConf, QueryAgentStateConf, QueryAgentStateReq,
    SystemEvent,
};
use cti_proto::{FrameDecoder, Message};

const VERSION: u32 = 24;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn s(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn config(heartbeat: i64) -> ClientConfig {
    ClientConfig::builder("cti-a:42027")
        .credentials("core-test", "hunter2")
        .services(CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL)
        .heartbeat_secs(heartbeat)
        .build()
        .unwrap()
}

fn bytes(m: impl Into<Message>) -> Vec<u8> {
    m.into().to_bytes(VERSION).unwrap().to_vec()
}

/// Everything the core wants written, as decoded messages.
fn sent(core: &mut SessionCore) -> Vec<Message> {
    let mut buf = BytesMut::new();
    while let Some(b) = core.poll_transmit() {
        buf.extend_from_slice(&b);
    }
    let mut frames = FrameDecoder::default();
    let mut out = Vec::new();
    while let Some(f) = frames.decode(&mut buf).unwrap() {
        out.push(Message::decode(&f, VERSION).unwrap());
    }
    assert!(buf.is_empty(), "whole frames only");
    out
}

/// Everything the core wants written, as raw bytes.
fn sent_bytes(core: &mut SessionCore) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(b) = core.poll_transmit() {
        out.extend_from_slice(&b);
    }
    out
}

fn events(core: &mut SessionCore) -> Vec<String> {
    std::iter::from_fn(|| core.poll_event())
        .map(|e| match e {
            SessionEvent::Opened { side, conf } => {
                format!("Opened {} {}", side.name(), conf.services_granted)
            }
            SessionEvent::OpenFailed { side, reason } => {
                format!("OpenFailed {} {reason}", side.name())
            }
            SessionEvent::OpenRejected { side, error } => {
                format!("OpenRejected {} {error}", side.name())
            }
            SessionEvent::Message(m) => format!("Message {}", m.name()),
            SessionEvent::Lost { side, reason } => format!("Lost {} {reason}", side.name()),
            SessionEvent::Closed { side } => format!("Closed {}", side.name()),
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

fn replies(core: &mut SessionCore) -> Vec<Reply> {
    std::iter::from_fn(|| core.poll_reply()).collect()
}

fn conf(invoke_id: u32) -> OpenConf {
    let mut c = OpenConf::default();
    c.invoke_id = invoke_id;
    c.services_granted = CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL;
    c.peripheral_online = true;
    c
}

/// A core with a session open on side A at time 0 (OPEN_REQ had InvokeID 1).
fn open_core(heartbeat: i64) -> SessionCore {
    let mut core = SessionCore::new(&config(heartbeat)).unwrap();
    core.open(s(0), Side::A);
    sent(&mut core);
    core.handle_bytes(s(0), &bytes(conf(1)));
    assert_eq!(events(&mut core), ["Opened A 0x14"]);
    core
}

fn query(agent: &str) -> Message {
    let mut q = QueryAgentStateReq::default();
    q.peripheral_id = 5000;
    q.agent_id = Some(agent.into());
    q.into()
}

fn query_conf(invoke_id: u32, agent: &str) -> QueryAgentStateConf {
    let mut c = QueryAgentStateConf::default();
    c.invoke_id = invoke_id;
    c.agent_id = Some(agent.into());
    c
}

fn outcome(r: &Reply) -> String {
    match &r.result {
        Ok(Message::QueryAgentStateConf(c)) => format!(
            "{} QUERY_AGENT_STATE_CONF {}",
            r.invoke_id,
            c.agent_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        ),
        Ok(m) => format!("{} {}", r.invoke_id, m.name()),
        Err(e) => format!("{} {:?}: {e}", r.invoke_id, e.kind()),
    }
}

#[test]
fn open_accepted_sends_the_configured_open_req_then_serves() {
    let cfg = config(-1);
    let mut core = SessionCore::new(&cfg).unwrap();
    assert_eq!(core.state(), SessionState::Idle);
    assert_eq!(core.poll_timeout(), None);
    core.open(ms(1500), Side::B);
    assert_eq!(core.state(), SessionState::Opening(Side::B));
    // Exactly the configuration's OPEN_REQ, InvokeID 1, byte for byte.
    assert_eq!(sent_bytes(&mut core), bytes(cfg.open_req(1).unwrap()));
    assert_eq!(core.poll_timeout(), Some(ms(31_500)), "30 s for OPEN_CONF");
    // Requests wait for the session.
    let early = core.request(ms(1600), query("1001"));
    assert_eq!(early, Err(ClientError::NotConnected("connecting".into())));
    // Anything but the answer to OPEN_REQ is ignored before it.
    core.handle_bytes(ms(1700), &bytes(SystemEvent::default()));
    assert_eq!(events(&mut core), Vec::<String>::new());
    core.handle_bytes(ms(1800), &bytes(conf(1)));
    assert_eq!(events(&mut core), ["Opened B 0x14"]);
    assert_eq!(core.state(), SessionState::Open(Side::B));
    assert_eq!(
        core.poll_timeout(),
        None,
        "no heartbeats, nothing outstanding"
    );
}

#[test]
fn open_refused_retryable_fatal_and_timed_out() {
    let mut core = SessionCore::new(&config(-1)).unwrap();
    let mut fail = FailureConf::default();
    core.open(s(0), Side::A);
    fail.invoke_id = 1;
    fail.status = E_CTI_CTI_SERVER_OFFLINE;
    core.handle_bytes(s(1), &bytes(fail.clone()));
    assert_eq!(events(&mut core), ["OpenFailed A E_CTI_CTI_SERVER_OFFLINE"]);
    assert_eq!(core.state(), SessionState::Idle);

    core.open(s(2), Side::B);
    fail.invoke_id = 2;
    fail.status = E_CTI_INVALID_PASSWORD;
    core.handle_bytes(s(3), &bytes(fail));
    assert_eq!(
        events(&mut core),
        [
            "OpenRejected B the CTI Server refused the session: E_CTI_INVALID_PASSWORD — check the ClientID and ClientPassword"
        ]
    );

    core.open(s(10), Side::A);
    assert_eq!(sent(&mut core).len(), 1);
    core.handle_timeout(ms(39_999));
    assert_eq!(events(&mut core), Vec::<String>::new());
    core.handle_timeout(s(40));
    assert_eq!(events(&mut core), ["OpenFailed A no OPEN_CONF within 30 s"]);
    assert_eq!(
        (core.state(), core.poll_timeout()),
        (SessionState::Idle, None)
    );
    // A late OPEN_CONF after that is no session.
    core.handle_bytes(s(41), &bytes(conf(3)));
    assert_eq!(events(&mut core), Vec::<String>::new());
}

#[test]
fn replies_out_of_order_are_matched_by_invoke_id() {
    let mut core = open_core(-1);
    let ids: Vec<u32> = ["a1", "a2", "a3"]
        .iter()
        .map(|a| core.request(s(1), query(a)).unwrap())
        .collect();
    assert_eq!(ids, [2, 3, 4]);
    let wire: Vec<u32> = sent(&mut core)
        .iter()
        .map(|m| m.invoke_id().unwrap())
        .collect();
    assert_eq!(
        wire, ids,
        "each request went out with the InvokeID returned"
    );
    assert_eq!(core.outstanding(), 3);
    // Answers in reverse order, one FAILURE_CONF, all in one read.
    let mut fail = FailureConf::default();
    fail.invoke_id = 3;
    fail.status = E_CTI_INVALID_PERIPHERAL_ID;
    let mut stream = bytes(query_conf(4, "a3"));
    stream.extend(bytes(fail));
    stream.extend(bytes(query_conf(2, "a1")));
    core.handle_bytes(s(2), &stream);
    let got: Vec<String> = replies(&mut core).iter().map(outcome).collect();
    assert_eq!(
        got,
        [
            "4 QUERY_AGENT_STATE_CONF a3",
            "3 Failure: request failed: E_CTI_INVALID_PERIPHERAL_ID",
            "2 QUERY_AGENT_STATE_CONF a1",
        ]
    );
    assert_eq!(
        events(&mut core),
        Vec::<String>::new(),
        "no reply leaks out"
    );
    assert_eq!(core.outstanding(), 0);
}

#[test]
fn a_late_conf_after_its_timeout_is_not_an_event() {
    let mut core = open_core(-1);
    let id = core.request(s(5), query("a1")).unwrap();
    assert_eq!(core.poll_timeout(), Some(s(35)), "request timeout 30 s");
    core.handle_timeout(ms(34_999));
    assert!(replies(&mut core).is_empty());
    core.handle_timeout(s(35));
    let got: Vec<String> = replies(&mut core).iter().map(outcome).collect();
    assert_eq!(got, [format!("{id} Timeout: no reply within 30 s")]);
    // The CONF arrives late: neither a reply nor an event. A server event after it still is one.
    let mut stream = bytes(query_conf(id, "a1"));
    stream.extend(bytes(SystemEvent::default()));
    core.handle_bytes(s(36), &stream);
    assert!(replies(&mut core).is_empty());
    assert_eq!(events(&mut core), ["Message SYSTEM_EVENT"]);
}

#[test]
fn heartbeats_when_idle_and_three_unanswered_fail_the_session() {
    let mut core = open_core(5);
    assert_eq!(core.poll_timeout(), Some(s(5)));
    // Exactly HEARTBEAT_REQ: length 4, type 5, InvokeID 2 (OPEN_REQ had 1).
    core.handle_timeout(s(5));
    assert_eq!(sent_bytes(&mut core), [0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 2]);
    // Answered: the RTT is measured; the next one is due an interval after the last send.
    let mut hb = HeartbeatConf::default();
    hb.invoke_id = 2;
    core.handle_bytes(ms(5_040), &bytes(hb));
    let stats = core.heartbeat_stats();
    assert_eq!(
        (stats.sent, stats.answered, stats.last_rtt),
        (1, 1, Some(ms(40)))
    );
    // A request at 7 s postpones the next heartbeat to 12 s.
    let id = core.request(s(7), query("a1")).unwrap();
    assert_eq!(id, 3);
    sent(&mut core);
    assert_eq!(core.poll_timeout(), Some(s(12)));
    core.handle_timeout(ms(11_999));
    assert!(sent_bytes(&mut core).is_empty());
    core.handle_timeout(s(12));
    assert_eq!(sent_bytes(&mut core), [0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 4]);
    core.handle_timeout(s(17));
    assert_eq!(sent_bytes(&mut core), [0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 5]);
    core.handle_timeout(s(22));
    assert_eq!(sent_bytes(&mut core), [0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6]);
    assert!(events(&mut core).is_empty());
    // Three unanswered, and another interval of silence: the session failed (half-open connection).
    core.handle_timeout(ms(26_999));
    assert!(events(&mut core).is_empty());
    core.handle_timeout(s(27));
    assert!(sent_bytes(&mut core).is_empty(), "no fourth heartbeat");
    assert_eq!(
        events(&mut core),
        ["Lost A 3 heartbeats unanswered (half-open connection)"]
    );
    let got: Vec<String> = replies(&mut core).iter().map(outcome).collect();
    assert_eq!(
        got,
        [
            "3 NotConnected: not connected: connection lost: 3 heartbeats unanswered (half-open connection)"
        ]
    );
    assert_eq!(
        (core.state(), core.poll_timeout()),
        (SessionState::Idle, None)
    );
    assert_eq!(core.heartbeat_stats().sent, 4);
}

#[test]
fn close_handshake_sends_close_req_and_ends_on_close_conf() {
    let mut core = open_core(-1);
    let id = core.request(s(1), query("a1")).unwrap();
    sent(&mut core);
    core.close(s(2));
    assert_eq!(core.state(), SessionState::Closing(Side::A));
    // CLOSE_REQ: length 8, type 7, InvokeID 3, status E_CTI_NO_ERROR.
    assert_eq!(
        sent_bytes(&mut core),
        [0, 0, 0, 8, 0, 0, 0, 7, 0, 0, 0, 3, 0, 0, 0, 0]
    );
    assert_eq!(core.poll_timeout(), Some(s(7)), "CLOSE_CONF awaited 5 s");
    assert_eq!(core.request(s(3), query("a2")), Err(ClientError::Closed));
    // Events still arrive while closing; CLOSE_CONF ends the session.
    let mut stream = bytes(SystemEvent::default());
    let mut cc = CloseConf::default();
    cc.invoke_id = 3;
    stream.extend(bytes(cc));
    core.handle_bytes(s(4), &stream);
    assert_eq!(events(&mut core), ["Message SYSTEM_EVENT", "Closed A"]);
    let got: Vec<String> = replies(&mut core).iter().map(outcome).collect();
    assert_eq!(got, [format!("{id} Closed: the client is closed")]);
    assert_eq!(core.state(), SessionState::Idle);
}

#[test]
fn close_without_close_conf_ends_after_five_seconds() {
    let mut core = open_core(-1);
    core.close(s(10));
    assert_eq!(sent(&mut core).len(), 1);
    core.handle_timeout(ms(14_999));
    assert!(events(&mut core).is_empty());
    core.handle_timeout(s(15));
    assert_eq!(events(&mut core), ["Closed A"]);
    // Closing a session still opening sends nothing and ends at once.
    core.open(s(20), Side::B);
    sent(&mut core);
    core.close(s(21));
    assert!(sent(&mut core).is_empty());
    assert_eq!(events(&mut core), ["Closed B"]);
}

#[test]
fn garbage_framing_is_one_clear_error_and_the_session_is_reset() {
    let mut core = open_core(5);
    let id = core.request(s(1), query("a1")).unwrap();
    sent(&mut core);
    // An event, then a header announcing 0xFFFFFFFF body bytes, then more garbage.
    let mut stream = bytes(SystemEvent::default());
    // The offset counts from the session's first byte (OPEN_CONF).
    let offset = bytes(conf(1)).len() + stream.len();
    stream.extend([0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 5, 1, 2, 3]);
    core.handle_bytes(s(2), &stream);
    assert_eq!(
        events(&mut core),
        [
            "Message SYSTEM_EVENT".to_owned(),
            format!(
                "Lost A bad framing from the server: message at stream offset {offset} announces 4294967295 body \
                 bytes, over the maximum of 12492 (E_CTI_INVALID_MESSAGE_LENGTH)"
            )
        ]
    );
    let got: Vec<String> = replies(&mut core).iter().map(outcome).collect();
    assert_eq!(got.len(), 1);
    assert!(
        got[0].starts_with(&format!(
            "{id} NotConnected: not connected: connection lost: bad framing"
        )),
        "{got:?}"
    );
    // Reset: idle, nothing to send or wait for, later bytes ignored.
    assert_eq!(
        (core.state(), core.poll_timeout()),
        (SessionState::Idle, None)
    );
    core.handle_bytes(s(3), &[9; 64]);
    core.handle_timeout(s(60));
    assert!(events(&mut core).is_empty() && sent(&mut core).is_empty());
    // A new session starts clean (no leftover bytes) with a fresh InvokeID.
    core.open(s(4), Side::A);
    let open = sent(&mut core);
    assert!(
        matches!(&open[..], [Message::OpenReq(r)] if r.invoke_id == 3),
        "{open:?}"
    );
    core.handle_bytes(s(4), &bytes(conf(3)));
    assert_eq!(events(&mut core).len(), 1);
    assert_eq!(core.state(), SessionState::Open(Side::A));
}

#[test]
fn requests_the_core_refuses_send_nothing() {
    let mut core = open_core(-1);
    let event = Message::from(SystemEvent::default());
    assert_eq!(
        core.request(s(1), event),
        Err(ClientError::NoInvokeId {
            name: "SYSTEM_EVENT"
        })
    );
    let too_long = core.request(s(1), query("an-agent-id-far-too-long-for-its-field"));
    assert!(
        matches!(too_long, Err(ClientError::Encode(_))),
        "{too_long:?}"
    );
    assert!(sent(&mut core).is_empty());
    assert_eq!((core.outstanding(), core.poll_timeout()), (0, None));
    // A session reset by the caller (abort) fails what is outstanding with the caller's error, silently.
    let id = core.request(s(2), query("a1")).unwrap();
    core.handle_bytes(s(2), &bytes(SystemEvent::default()));
    core.abort(&ClientError::Overflow { capacity: 4 });
    let got: Vec<String> = replies(&mut core).iter().map(outcome).collect();
    assert_eq!(
        got,
        [format!(
            "{id} Overflow: event queue full (4 events unread): the session was reset"
        )]
    );
    assert!(events(&mut core).is_empty() && sent(&mut core).is_empty());
    assert_eq!(core.state(), SessionState::Idle);
}

proptest::proptest! {
    /// Whatever bytes arrive, in whatever splits, the core never panics and ends the session at most once.
    #[test]
    fn random_bytes_never_panic_and_end_the_session_at_most_once(
        chunks in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..64), 0..16),
        heartbeat in proptest::bool::ANY,
    ) {
        let mut core = open_core(if heartbeat { 5 } else { -1 });
        let id = core.request(s(0), query("a1")).unwrap();
        sent(&mut core);
        for (i, chunk) in (0_u64..).zip(&chunks) {
            core.handle_bytes(s(i), chunk);
            core.handle_timeout(s(i));
        }
        let ends = std::iter::from_fn(|| core.poll_event())
            .filter(|e| matches!(e, SessionEvent::Lost { .. } | SessionEvent::Closed { .. }))
            .count();
        proptest::prop_assert!(ends <= 1);
        let answered = replies(&mut core).iter().filter(|r| r.invoke_id == id).count();
        proptest::prop_assert!(answered <= 1);
    }
}
