//! Message kinds and field-group accessors (`kind` and `group` lines of `defs/messages/*.def`): what the
//! setters write is what a peer decodes, and the accessors read back what was set.

#![allow(
    clippy::field_reassign_with_default,
    reason = "message structs are #[non_exhaustive]: built field by field"
)]
#![allow(clippy::panic, reason = "test code")]

use bytes::Bytes;
use cti_proto::constants::ConnectionDeviceIdType;
use cti_proto::message::*;
use cti_proto::{
    Connection, CtiString, DEFAULT_VERSION, Message, MessageKind, NamedArray, NamedVariable,
};

const STATIC: ConnectionDeviceIdType = ConnectionDeviceIdType::CONNECTION_ID_STATIC;

/// Encodes at the default version and decodes again.
fn round_trip(m: impl Into<Message>) -> Message {
    let m = m.into();
    let Ok(frame) = m.to_frame(DEFAULT_VERSION) else {
        panic!("{} does not encode", m.name());
    };
    let Ok(back) = Message::decode(&frame, DEFAULT_VERSION) else {
        panic!("{} does not decode", m.name());
    };
    assert_eq!(back, m);
    back
}

fn vars(tag: &str) -> [Option<CtiString>; 10] {
    std::array::from_fn(|i| (i % 3 != 1).then(|| CtiString::from(format!("{tag}{}", i + 1))))
}

fn text(v: Option<&CtiString>) -> Option<String> {
    v.map(CtiString::to_string)
}

#[test]
fn kinds_from_the_tables() {
    let requests = [
        Message::from(OpenReq::default()),
        Message::from(HeartbeatReq::default()),
        Message::from(CloseReq::default()),
        Message::from(SetCallDataReq::default()),
        Message::from(TransferCallReq::default()),
        Message::from(ActiveMaintenanceReq::default()),
    ];
    let replies = [
        Message::from(OpenConf::default()),
        Message::from(HeartbeatConf::default()),
        Message::from(CloseConf::default()),
        Message::from(FailureConf::default()),
        Message::from(ControlFailureConf::default()),
        Message::from(SnapshotCallConf::default()),
        Message::from(ActiveMaintenanceResp::default()),
    ];
    let events = [
        Message::from(BeginCallEvent::default()),
        Message::from(SystemEvent::default()),
        Message::from(FailureEvent::default()),
        Message::from(AgentStateEvent::default()),
        Message::from(StandbyActiveEvent::default()),
        Message::from(ActiveMaintenanceEvent::default()),
        Message::from(StoppingRequestsToThisSideInd::default()),
    ];
    for (list, kind) in [
        (&requests[..], MessageKind::Request),
        (&replies[..], MessageKind::Reply),
        (&events[..], MessageKind::Event),
    ] {
        for m in list {
            assert_eq!(m.kind(), kind, "{}", m.name());
        }
    }
    assert_eq!(OpenReq::KIND, MessageKind::Request);
    assert_eq!(FailureConf::KIND, MessageKind::Reply);
    assert_eq!(SystemEvent::KIND, MessageKind::Event);
    let unknown = Message::decode_body(cti_proto::MessageType(216), &Bytes::new(), 24);
    assert_eq!(unknown.map(|m| m.kind()), Ok(MessageKind::Unknown));
}

#[test]
fn every_conf_is_a_reply_and_every_req_a_request() {
    let mut checked = 0;
    for t in Message::TYPED {
        // Zeros decode as most messages (fixed part of zeros, then floating fields of tag 0 kept as unknown).
        let Ok(m) = Message::decode_body(*t, &Bytes::from(vec![0; 256]), 24) else {
            continue;
        };
        checked += 1;
        let name = m.name();
        if name.ends_with("_CONF") {
            assert_eq!(m.kind(), MessageKind::Reply, "{name}");
        } else if name.ends_with("_REQ") {
            assert_eq!(m.kind(), MessageKind::Request, "{name}");
        } else if name.ends_with("_EVENT") {
            assert_eq!(m.kind(), MessageKind::Event, "{name}");
        }
    }
    eprintln!(
        "{checked} of {} message types checked",
        Message::TYPED.len()
    );
    assert!(checked * 2 > Message::TYPED.len());
}

#[test]
fn begin_call_event_groups_round_trip() {
    let mut m = BeginCallEvent::default();
    m.set_connection(Connection::new(0x1E240, STATIC, "3001"));
    m.set_call_variables(vars("begin"));
    m.set_ecc(
        vec![NamedVariable::new("user.a", "1")],
        vec![NamedArray::new(2, "user.list", "x")],
    );
    let back = round_trip(m.clone());

    let c = back
        .connection()
        .expect("BEGIN_CALL_EVENT has a connection");
    assert_eq!(c, m.connection());
    assert_eq!((c.call_id, c.device_id_type), (0x1E240, STATIC));
    assert_eq!(text(c.device_id).as_deref(), Some("3001"));
    let Some(read) = back.call_variables() else {
        panic!("BEGIN_CALL_EVENT has call variables");
    };
    assert_eq!(read.map(Option::<&CtiString>::cloned), vars("begin"));
    assert_eq!(text(m.call_variable(1)).as_deref(), Some("begin1"));
    assert_eq!(m.call_variable(2), None);
    assert_eq!(text(m.call_variable(10)).as_deref(), Some("begin10"));
    assert_eq!(m.call_variable(0), None);
    assert_eq!(m.call_variable(11), None);
    let ecc = back.ecc().expect("BEGIN_CALL_EVENT has an ECC set");
    assert_eq!(ecc.named_variables, &[NamedVariable::new("user.a", "1")]);
    assert_eq!(ecc.named_arrays, &[NamedArray::new(2, "user.list", "x")]);
    assert!(!ecc.is_empty());
    assert!(back.active_connection().is_none() && back.held_connection().is_none());
}

#[test]
fn call_data_update_event_groups_round_trip() {
    let mut m = CallDataUpdateEvent::default();
    m.set_connection(Connection::new(9, STATIC, "4002"));
    assert!(m.set_call_variable(3, Some("three".into())));
    assert!(m.set_call_variable(10, Some("ten".into())));
    assert!(!m.set_call_variable(0, Some("none".into())));
    assert!(!m.set_call_variable(11, Some("none".into())));
    assert_eq!(text(m.call_variable_3.as_ref()).as_deref(), Some("three"));
    assert_eq!(text(m.call_variable_10.as_ref()).as_deref(), Some("ten"));
    let back = round_trip(m.clone());
    let Message::CallDataUpdateEvent(back) = back else {
        panic!("decoded as another message");
    };
    let read = back.call_variables();
    assert_eq!(text(read[2]).as_deref(), Some("three"));
    assert_eq!(text(read[9]).as_deref(), Some("ten"));
    assert_eq!(read.iter().flatten().count(), 2);
    assert_eq!(
        back.connection().cloned(),
        Connection::new(9, STATIC, "4002")
    );
    assert!(back.ecc().is_empty());
    // Clearing one variable leaves it out of the message.
    let mut cleared = *back;
    assert!(cleared.set_call_variable(3, None));
    assert_eq!(cleared.call_variables().iter().flatten().count(), 1);
}

#[test]
fn call_control_triples_round_trip() {
    let active = Connection::new(100, STATIC, "5001");
    let held = Connection::new(200, ConnectionDeviceIdType::CONNECTION_ID_DYNAMIC, "5002");
    let mut r = TransferCallReq::default();
    r.invoke_id = 4;
    r.set_active_connection(active.clone());
    r.set_held_connection(held.clone());
    assert_eq!(r.active_connection_call_id, 100);
    assert_eq!(r.held_connection_device_id_type, held.device_id_type);
    let back = round_trip(r);
    assert_eq!(
        back.active_connection()
            .map(cti_proto::ConnectionRef::cloned),
        Some(active.clone())
    );
    assert_eq!(
        back.held_connection().map(cti_proto::ConnectionRef::cloned),
        Some(held.clone())
    );
    assert!(back.connection().is_none() && back.other_connection().is_none());
    assert!(back.call_variables().is_some() && back.ecc().is_some());

    let mut a = AlternateCallReq::default();
    a.set_active_connection(held.clone());
    a.set_other_connection(active.clone());
    let back = round_trip(a);
    assert_eq!(
        back.active_connection()
            .map(cti_proto::ConnectionRef::cloned),
        Some(held.clone())
    );
    assert_eq!(
        back.other_connection()
            .map(cti_proto::ConnectionRef::cloned),
        Some(active)
    );
    assert!(back.held_connection().is_none() && back.call_variables().is_none());

    let mut h = RetrieveCallReq::default();
    h.set_held_connection(Connection {
        device_id: None,
        ..held
    });
    let back = round_trip(h);
    let c = back
        .held_connection()
        .expect("RETRIEVE_CALL_REQ names the held call");
    assert_eq!((c.call_id, c.device_id), (200, None));
}

#[test]
fn messages_without_groups_have_none() {
    let m = Message::from(HeartbeatReq::default());
    assert!(m.call_variables().is_none());
    assert!(m.ecc().is_none());
    assert!(m.connection().is_none());
    assert!(m.active_connection().is_none());
}
