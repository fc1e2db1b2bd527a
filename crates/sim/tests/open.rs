//! Session opening per §7.1: every OPEN_REQ fault gets its FAILURE_CONF status, OPEN_CONF has the body size of
//! the negotiated version, ALL_EVENTS gets one SYSTEM_EVENT per peripheral, heartbeats, close, re-open rules.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::type_complexity,
    reason = "tests"
)]

mod support;

use cti_proto::Message;
use cti_proto::constants::*;
use cti_proto::message::{CloseReq, OpenReq, QueryAgentStateReq};
use cti_sim::{Side, Simulator};
use support::{Got, Peer, all_events, client_events, failure_status};

async fn sim() -> Simulator {
    Simulator::builder()
        .calls_per_second(0.0)
        .start()
        .await
        .expect("start")
}

#[tokio::test]
async fn every_open_fault_gets_its_status() {
    let sim = sim().await;
    let cases: Vec<(&str, Box<dyn Fn(&mut OpenReq)>, StatusCode)> = vec![
        (
            "version 12",
            Box::new(|r| r.version_number = 12),
            E_CTI_INVALID_VERSION,
        ),
        (
            "version 26",
            Box::new(|r| r.version_number = 26),
            E_CTI_INVALID_VERSION,
        ),
        (
            "idle 19",
            Box::new(|r| r.idle_timeout = 19),
            E_CTI_INVALID_TIMEOUT,
        ),
        (
            "unused service bit",
            Box::new(|r| r.services_requested = ServiceMask(0x4000)),
            E_CTI_INVALID_SERVICE_MASK,
        ),
        (
            "unused agent bit",
            Box::new(|r| r.agent_state_mask = AgentStateMask(0x8000)),
            E_CTI_INVALID_AGENT_STATE_MASK,
        ),
        (
            "reserved",
            Box::new(|r| r.reserved_1 = 7),
            E_CTI_INVALID_RESERVED_FIELD,
        ),
        (
            "no client id",
            Box::new(|r| r.client_id = None),
            E_CTI_REQUIRED_DATA_MISSING,
        ),
        (
            "no password",
            Box::new(|r| r.client_password = None),
            E_CTI_REQUIRED_DATA_MISSING,
        ),
        (
            "client events without agent",
            Box::new(|r| {
                r.services_requested = CTI_SERVICE_CLIENT_EVENTS;
                r.peripheral_id = 5000;
            }),
            E_CTI_REQUIRED_DATA_MISSING,
        ),
        (
            "wrong peripheral",
            Box::new(|r| {
                r.services_requested = CTI_SERVICE_CLIENT_EVENTS;
                r.peripheral_id = 4999;
                r.agent_id = Some("1001".into());
            }),
            E_CTI_INVALID_PERIPHERAL_ID,
        ),
        (
            "unknown agent",
            Box::new(|r| {
                r.services_requested = CTI_SERVICE_CLIENT_EVENTS;
                r.peripheral_id = 5000;
                r.agent_id = Some("9999".into());
            }),
            E_CTI_INVALID_AGENT_DATA,
        ),
        (
            "inconsistent agent",
            Box::new(|r| {
                r.services_requested = CTI_SERVICE_CLIENT_EVENTS;
                r.peripheral_id = 5000;
                r.agent_id = Some("1001".into());
                r.agent_extension = Some("2002".into());
            }),
            E_CTI_INCONSISTENT_AGENT_DATA,
        ),
    ];
    for (name, change, status) in cases {
        let mut peer = Peer::connect(sim.addr(Side::A)).await;
        let mut req = all_events(24);
        change(&mut req);
        let reply = peer.open(req).await;
        assert_eq!(failure_status(&reply), status, "{name}");
        assert_eq!(reply.invoke_id(), Some(1), "{name}: InvokeID echoed");
        assert!(
            matches!(peer.next().await, Got::Closed),
            "{name}: connection closed after FAILURE_CONF"
        );
    }
}

#[tokio::test]
async fn request_before_open_is_refused_then_open_works() {
    let sim = sim().await;
    let mut peer = Peer::connect(sim.addr(Side::A)).await;
    let mut q = QueryAgentStateReq::default();
    q.invoke_id = 77;
    peer.send(q).await;
    let reply = peer.recv().await;
    assert_eq!(failure_status(&reply), E_CTI_SESSION_NOT_OPEN);
    assert_eq!(reply.invoke_id(), Some(77));
    let conf = peer.open(all_events(24)).await;
    assert!(matches!(conf, Message::OpenConf(_)), "{conf:?}");
}

#[tokio::test]
async fn open_conf_body_size_follows_the_version() {
    let sim = sim().await;
    for (version, body) in [(13, 26), (18, 26), (19, 30), (23, 30), (24, 32), (25, 32)] {
        let mut peer = Peer::connect(sim.addr(Side::A)).await;
        peer.version = version;
        peer.send(all_events(version)).await;
        let Got::Msg(Message::OpenConf(conf), frame) = peer.next().await else {
            panic!("no OPEN_CONF at v{version}")
        };
        assert_eq!(cti_proto::message::OpenConf::fixed_len(version), body);
        assert!(frame.body.len() >= body, "v{version}");
        assert_eq!(conf.department_id.is_some(), version >= 19, "v{version}");
        assert_eq!(conf.session_type.is_some(), version >= 24, "v{version}");
        assert_eq!(
            conf.services_granted,
            CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL | CTI_SERVICE_CALL_DATA_UPDATE
        );
        assert_eq!(conf.peripheral_type, PT_ENTERPRISE_AGENT);
        let ids: Vec<u32> = conf.peripherals.iter().map(|p| p.peripheral_id).collect();
        assert_eq!(ids, vec![5000]);
        assert_eq!(
            conf.peripherals[0].multiline_agent_control,
            MULTILINE_AGENT_CONTROL_SINGLE_LINE
        );
        assert_eq!(conf.multiline_agent_control, None);
        // One SYSTEM_EVENT per peripheral after OPEN_CONF for ALL_EVENTS.
        let Message::SystemEvent(sys) = peer.recv().await else {
            panic!("SYSTEM_EVENT expected")
        };
        assert_eq!(sys.system_event_id, SYS_PERIPHERAL_ONLINE);
        assert_eq!(sys.system_event_arg_1, 5000);
    }
}

#[tokio::test]
async fn heartbeat_close_and_second_open() {
    let sim = sim().await;
    let mut peer = Peer::connect(sim.addr(Side::A)).await;
    assert!(matches!(
        peer.open(all_events(24)).await,
        Message::OpenConf(_)
    ));
    let _sys = peer.recv().await;
    let id = peer.heartbeat().await;
    assert!(matches!(peer.recv().await, Message::HeartbeatConf(h) if h.invoke_id == id));
    peer.send(all_events(24)).await;
    assert_eq!(
        failure_status(&peer.recv().await),
        E_CTI_SESSION_ALREADY_OPEN
    );
    let mut close = CloseReq::default();
    close.invoke_id = 9;
    peer.send(close).await;
    assert!(matches!(peer.recv().await, Message::CloseConf(c) if c.invoke_id == 9));
    assert!(matches!(peer.next().await, Got::Closed));
}

#[tokio::test]
async fn device_in_use_and_same_client_reopening() {
    let sim = sim().await;
    let mut first = Peer::connect(sim.addr(Side::A)).await;
    let conf = first.open(client_events(24, "1001")).await;
    let Message::OpenConf(conf) = conf else {
        panic!("{conf:?}")
    };
    assert_eq!(
        conf.agent_id.as_ref().map(ToString::to_string).as_deref(),
        Some("1001")
    );
    assert_eq!(conf.agent_state, AGENT_STATE_AVAILABLE);

    let mut other = Peer::connect(sim.addr(Side::A)).await;
    let mut req = client_events(24, "1001");
    req.client_id = Some("someone-else".into());
    assert_eq!(failure_status(&other.open(req).await), E_CTI_DEVICE_IN_USE);

    let mut again = Peer::connect(sim.addr(Side::A)).await;
    assert!(matches!(
        again.open(client_events(24, "1001")).await,
        Message::OpenConf(_)
    ));
    let old = first.until_closed().await;
    assert!(
        old.iter()
            .any(|m| matches!(m, Message::FailureEvent(f) if f.status == E_CTI_NEW_SESSION_OPENED)),
        "old session told E_CTI_NEW_SESSION_OPENED: {old:?}"
    );
}

#[tokio::test]
async fn credentials_when_required() {
    let sim = Simulator::builder()
        .calls_per_second(0.0)
        .auth("rec", "s3cret")
        .start()
        .await
        .unwrap();
    let mut peer = Peer::connect(sim.addr(Side::A)).await;
    let mut req = all_events(24);
    req.client_id = Some("rec".into());
    req.client_password = Some("wrong".into());
    assert_eq!(
        failure_status(&peer.open(req.clone()).await),
        E_CTI_INVALID_PASSWORD
    );
    let mut peer = Peer::connect(sim.addr(Side::A)).await;
    req.client_password = Some("s3cret".into());
    assert!(matches!(peer.open(req).await, Message::OpenConf(_)));
}

#[tokio::test(start_paused = true)]
async fn idle_timeout_resets_a_silent_client() {
    let sim = sim().await;
    let mut peer = Peer::connect(sim.addr(Side::A)).await;
    let mut req = all_events(24);
    req.idle_timeout = 20;
    assert!(matches!(peer.open(req).await, Message::OpenConf(_)));
    let start = tokio::time::Instant::now();
    let _ = peer.until_closed().await;
    let waited = start.elapsed();
    assert!(
        waited >= std::time::Duration::from_secs(20) && waited < std::time::Duration::from_secs(21),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn no_idle_timeout_with_0xffffffff() {
    let sim = sim().await;
    let mut peer = Peer::connect(sim.addr(Side::A)).await;
    let mut req = all_events(24);
    req.idle_timeout = 0xFFFF_FFFF;
    assert!(matches!(peer.open(req).await, Message::OpenConf(_)));
    let _sys = peer.recv().await;
    tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    let id = peer.heartbeat().await;
    assert!(matches!(peer.recv().await, Message::HeartbeatConf(h) if h.invoke_id == id));
}
