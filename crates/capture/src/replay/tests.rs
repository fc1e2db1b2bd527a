//! The player on a hand-made recording (written with the library [`Recorder`], read back through the
//! capture decoder): InvokeIDs rewritten, recorded replies reused in order then FAILURE_CONF, events paced,
//! the tally.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

use cti_proto::Message;
use cti_proto::constants::{
    CTI_SERVICE_ALL_EVENTS, E_CTI_FUNCTION_NOT_AVAILABLE, E_CTI_INVALID_VERSION,
    E_CTI_SESSION_NOT_OPEN,
};
use cti_proto::message::{
    BeginCallEvent, CloseReq, EndCallEvent, FailureConf, HeartbeatConf, HeartbeatReq, OpenConf,
    OpenReq, QueryAgentStateConf, QueryAgentStateReq, SnapshotCallReq,
};

use super::*;
use crate::decoder::DecoderConfig;
use crate::record::{RecordEvent, Recorder};
use crate::timestamp::Timestamp;

const V: u32 = 24;

fn at(ms: u64) -> Timestamp {
    Timestamp::from_units(1_700_000_000_000 + ms, 1000)
}

fn open_req(invoke_id: u32) -> OpenReq {
    let mut r = OpenReq::default();
    r.invoke_id = invoke_id;
    r.version_number = V;
    r.idle_timeout = 20;
    r.services_requested = CTI_SERVICE_ALL_EVENTS;
    r.client_id = Some("replay-test".into());
    r.client_password = Some("secret".into());
    r
}

fn call(id: u32) -> BeginCallEvent {
    let mut b = BeginCallEvent::default();
    b.peripheral_id = 5000;
    b.connection_call_id = id;
    b.ani = Some("4085550123".into());
    b
}

fn end(id: u32) -> EndCallEvent {
    let mut e = EndCallEvent::default();
    e.peripheral_id = 5000;
    e.connection_call_id = id;
    e
}

fn query(invoke_id: u32) -> QueryAgentStateReq {
    let mut q = QueryAgentStateReq::default();
    q.invoke_id = invoke_id;
    q.peripheral_id = 5000;
    q
}

fn query_conf(invoke_id: u32, skill_groups: u32) -> QueryAgentStateConf {
    let mut c = QueryAgentStateConf::default();
    c.invoke_id = invoke_id;
    c.num_tasks = skill_groups;
    c
}

/// The recorded session: (time in ms, from the client?, message).
fn script() -> Vec<(u64, bool, Message)> {
    let mut conf = OpenConf::default();
    conf.invoke_id = 1;
    conf.services_granted = CTI_SERVICE_ALL_EVENTS;
    conf.peripheral_online = true;
    let mut snap = SnapshotCallReq::default();
    snap.invoke_id = 4;
    let mut snap_fail = FailureConf::default();
    snap_fail.invoke_id = 4;
    snap_fail.status = cti_proto::constants::E_CTI_INVALID_CALLID;
    let mut hb = HeartbeatReq::default();
    hb.invoke_id = 5;
    let mut hbc = HeartbeatConf::default();
    hbc.invoke_id = 5;
    vec![
        (0, true, open_req(1).into()),
        (100, false, conf.into()),
        (1100, false, call(11).into()),
        (1500, true, query(2).into()),
        (1600, false, query_conf(2, 1).into()),
        (1700, true, query(3).into()),
        (1800, false, query_conf(3, 2).into()),
        (2000, true, snap.into()),
        (2050, false, snap_fail.into()),
        (2100, true, hb.into()),
        (2150, false, hbc.into()),
        (3100, false, end(11).into()),
        (4000, true, CloseReq::default().into()),
    ]
}

fn pcapng(script: &[(u64, bool, Message)]) -> Vec<u8> {
    let client = "10.0.0.1:40000".parse().unwrap();
    let server = "10.0.0.2:42027".parse().unwrap();
    let mut rec = Recorder::create(Vec::new(), ["side A", "side B"], false).unwrap();
    rec.handle(
        RecordEvent::Open {
            id: 0,
            side: 0,
            client,
            server,
        },
        at(0),
    )
    .unwrap();
    for (ms, from_client, m) in script {
        let bytes = m.to_bytes(V).unwrap().to_vec();
        let data = RecordEvent::Data {
            id: 0,
            from_client: *from_client,
            bytes,
        };
        rec.handle(data, at(*ms)).unwrap();
    }
    rec.into_inner()
}

fn recording() -> Recording {
    let file = pcapng(&script());
    Recording::read(&file[..], DecoderConfig::default()).unwrap()
}

fn names(ms: &[Message]) -> Vec<&'static str> {
    ms.iter().map(Message::name).collect()
}

fn opened(pace: Pace) -> Player {
    let r = recording();
    let mut p = Player::new(r.sessions.first().cloned(), pace, false);
    let a = p.on_message(&open_req(900).into(), Duration::from_secs(10));
    let Some(Message::OpenConf(c)) = a.messages.first() else {
        panic!("{a:?}")
    };
    assert_eq!(c.invoke_id, 900, "OPEN_CONF carries the client's InvokeID");
    assert!(!a.close);
    p
}

#[test]
fn the_session_is_taken_out_of_the_capture() {
    let r = recording();
    assert_eq!(r.omitted, vec![]);
    assert_eq!(r.sessions.len(), 1);
    let s = &r.sessions[0];
    assert_eq!((s.stream, s.version), (0, V));
    assert_eq!(s.server.to_string(), "10.0.0.2:42027");
    // The password is blanked in the file (same length, zero bytes).
    let pw = s.open_req.client_password.as_ref().unwrap();
    assert_eq!(pw.expose(), &[0_u8; 6][..]);
    let ev: Vec<(u128, &str)> = s
        .events
        .iter()
        .map(|e| (e.after.as_millis(), e.message.name()))
        .collect();
    assert_eq!(
        ev,
        vec![(1000, "BEGIN_CALL_EVENT"), (3000, "END_CALL_EVENT")]
    );
    let ex: Vec<(&str, u32, Vec<&str>)> = s
        .exchanges
        .iter()
        .map(|x| (x.request, x.invoke_id, names(&x.replies)))
        .collect();
    assert_eq!(
        ex,
        vec![
            ("QUERY_AGENT_STATE_REQ", 2, vec!["QUERY_AGENT_STATE_CONF"]),
            ("QUERY_AGENT_STATE_REQ", 3, vec!["QUERY_AGENT_STATE_CONF"]),
            ("SNAPSHOT_CALL_REQ", 4, vec!["FAILURE_CONF"]),
        ]
    );
    assert!(s.client_closed);
    assert_eq!(s.client_sent.get("HEARTBEAT_REQ"), Some(&1));
}

#[test]
fn recorded_replies_are_reused_in_order_with_the_clients_invoke_ids_then_failure_conf() {
    let mut p = opened(Pace::AsFastAsPossible);
    let now = Duration::from_secs(11);
    let mut got = Vec::new();
    for id in [70, 71, 72] {
        let a = p.on_message(&query(id).into(), now);
        assert!(!a.close);
        got.extend(a.messages);
    }
    let summary: Vec<(&str, Option<u32>, String)> = got
        .iter()
        .map(|m| {
            let detail = match m {
                Message::QueryAgentStateConf(c) => format!("skill groups {}", c.num_tasks),
                Message::FailureConf(f) => f.status.to_string(),
                _ => String::new(),
            };
            (m.name(), m.invoke_id(), detail)
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "QUERY_AGENT_STATE_CONF",
                Some(70),
                "skill groups 1".to_owned()
            ),
            (
                "QUERY_AGENT_STATE_CONF",
                Some(71),
                "skill groups 2".to_owned()
            ),
            (
                "FAILURE_CONF",
                Some(72),
                "E_CTI_FUNCTION_NOT_AVAILABLE".to_owned()
            ),
        ]
    );
    // The recorded FAILURE_CONF is a reply like any other.
    let a = p.on_message(
        &{
            let mut s = SnapshotCallReq::default();
            s.invoke_id = 73;
            s
        }
        .into(),
        now,
    );
    let Some(Message::FailureConf(f)) = a.messages.first() else {
        panic!()
    };
    assert_eq!(
        (f.invoke_id, f.status),
        (73, cti_proto::constants::E_CTI_INVALID_CALLID)
    );
    let mut hb = HeartbeatReq::default();
    hb.invoke_id = 74;
    let a = p.on_message(&hb.into(), now);
    assert_eq!(
        a.messages,
        vec![{
            let mut c = HeartbeatConf::default();
            c.invoke_id = 74;
            Message::from(c)
        }]
    );
    let a = p.on_message(
        &{
            let mut c = CloseReq::default();
            c.invoke_id = 75;
            c
        }
        .into(),
        now,
    );
    assert_eq!(
        (names(&a.messages), a.messages[0].invoke_id(), a.close),
        (vec!["CLOSE_CONF"], Some(75), true)
    );

    let t = p.tally();
    assert_eq!(t.replies_reused, 3);
    assert_eq!(t.failure_confs.get("QUERY_AGENT_STATE_REQ"), Some(&1));
    assert_eq!(t.failure_confs.len(), 1);
    assert_eq!(
        t.not_in_recording.get("QUERY_AGENT_STATE_REQ"),
        Some(&1),
        "{t:?}"
    );
    assert_eq!(t.not_in_recording.len(), 1, "{t:?}");
    assert_eq!(t.recorded_not_sent.len(), 0, "{t:?}");
    assert_eq!(t.client_sent.get("QUERY_AGENT_STATE_REQ"), Some(&3));
    assert_eq!(t.client_sent.get("CLOSE_REQ"), Some(&1));
    let _ = E_CTI_FUNCTION_NOT_AVAILABLE;
}

#[test]
fn events_keep_their_spacing_scaled_by_the_speed() {
    for (speed, first, second) in [
        (1.0, 11_000, 13_000),
        (2.0, 10_500, 11_500),
        (0.5, 12_000, 16_000),
    ] {
        let mut p = opened(Pace::speed(speed).unwrap());
        let ms = |n: u64| Duration::from_millis(n);
        assert_eq!(p.next_event_at(), Some(ms(first)), "speed {speed}");
        assert_eq!(p.poll_events(ms(first - 1)), vec![]);
        assert_eq!(names(&p.poll_events(ms(first))), vec!["BEGIN_CALL_EVENT"]);
        assert_eq!(p.next_event_at(), Some(ms(second)), "speed {speed}");
        assert_eq!(names(&p.poll_events(ms(second))), vec!["END_CALL_EVENT"]);
        assert_eq!(p.next_event_at(), None);
        assert!(p.exhausted());
        assert_eq!((p.tally().events_sent, p.tally().events_recorded), (2, 2));
    }
    let mut p = opened(Pace::AsFastAsPossible);
    assert_eq!(p.next_event_at(), Some(Duration::from_secs(10)));
    assert_eq!(
        names(&p.poll_events(Duration::from_secs(10))),
        vec!["BEGIN_CALL_EVENT", "END_CALL_EVENT"]
    );
}

#[test]
fn nothing_before_open_and_a_bad_open_is_refused() {
    let r = recording();
    let mut p = Player::new(r.sessions.first().cloned(), Pace::default(), false);
    assert_eq!(p.next_event_at(), None, "no event before OPEN_CONF");
    let a = p.on_message(&query(5).into(), Duration::ZERO);
    let Some(Message::FailureConf(f)) = a.messages.first() else {
        panic!()
    };
    assert_eq!((f.invoke_id, f.status), (5, E_CTI_SESSION_NOT_OPEN));
    let mut old = open_req(6);
    old.version_number = 15;
    let a = p.on_message(&old.into(), Duration::ZERO);
    let Some(Message::FailureConf(f)) = a.messages.first() else {
        panic!()
    };
    assert_eq!(
        (f.invoke_id, f.status, a.close),
        (6, E_CTI_INVALID_VERSION, true)
    );
    assert_eq!(
        p.tally().open_refused.as_deref(),
        Some("E_CTI_INVALID_VERSION")
    );
    assert!(!p.tally().opened);
    assert_eq!(p.next_event_at(), None);
}

#[test]
fn a_session_the_server_left_finishes_when_its_events_are_sent() {
    let r = recording();
    let mut p = Player::new(r.sessions.first().cloned(), Pace::AsFastAsPossible, true);
    assert!(!p.finished());
    p.on_message(&open_req(1).into(), Duration::ZERO);
    assert!(!p.finished());
    p.poll_events(Duration::ZERO);
    assert!(p.finished());
}

#[test]
fn a_capture_without_a_session_has_nothing_to_replay() {
    // Only the server's side of a session: no OPEN_REQ.
    let s: Vec<_> = script().into_iter().filter(|(_, c, _)| !c).collect();
    let r = Recording::read(&pcapng(&s)[..], DecoderConfig::default()).unwrap();
    assert!(r.sessions.is_empty());
    assert!(
        matches!(
            r.omitted.last(),
            Some(Omission::NotASession { stream: 0, .. })
        ),
        "{:?}",
        r.omitted
    );
}

#[test]
fn damaged_recordings_never_panic() {
    // Every byte of the file flipped in turn, and every truncation: read what can be read, play what is found.
    let file = pcapng(&script());
    let mut inputs: Vec<Vec<u8>> = (0..file.len())
        .map(|i| {
            let mut f = file.clone();
            f[i] ^= 0xA5;
            f
        })
        .collect();
    inputs.extend((0..file.len()).step_by(7).map(|n| file[..n].to_vec()));
    let mut played = 0;
    for input in inputs {
        let Ok(r) = Recording::read(&input[..], DecoderConfig::default()) else {
            continue;
        };
        for s in r.sessions {
            let mut p = Player::new(Some(s), Pace::AsFastAsPossible, true);
            p.on_message(&open_req(1).into(), Duration::ZERO);
            p.on_message(&query(2).into(), Duration::ZERO);
            p.poll_events(Duration::MAX);
            let _ = p.tally();
            played += 1;
        }
    }
    assert!(
        played > 100,
        "most damaged files still hold the session: {played}"
    );
}
