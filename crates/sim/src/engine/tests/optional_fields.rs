//! The optional fields a real CTI Server fills (issue 13 item 5): each one present at a version that has it,
//! absent below its first version, absent with `[fidelity] optional_fields = false` — as the engine's events are
//! shaped for a session (`crate::fidelity::shape`).

use cti_proto::constants::*;
use cti_proto::message::*;
use cti_proto::{Message, RawBytes};

use super::*;
use crate::config::FidelityConfig;

const FULL: FidelityConfig = FidelityConfig {
    optional_fields: true,
};
const BARE: FidelityConfig = FidelityConfig {
    optional_fields: false,
};

/// The first `name` event of `evs` as a client of `version` reads it: shaped with `f`, written, read back.
#[track_caller]
fn shaped(evs: &[WorldEvent], name: &str, version: u32, f: &FidelityConfig) -> Message {
    let ev = evs
        .iter()
        .find(|e| e.message.name() == name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", names(evs)));
    let m = crate::fidelity::shape(&ev.message, version, f).into_owned();
    // What a client of that version reads: the event written at the version and decoded.
    let frame = m.to_frame(version).unwrap();
    Message::decode(&frame, version).unwrap()
}

/// The CallReferenceID of a call first known as `id` (PeripheralID, start time, ConnectionCallID).
fn reference(id: u32) -> RawBytes {
    let mut b = Vec::new();
    b.extend_from_slice(&P.to_be_bytes());
    b.extend_from_slice(&EPOCH.to_be_bytes());
    b.extend_from_slice(&id.to_be_bytes());
    RawBytes::from(b.as_slice())
}

/// An inbound call on DNIS 8005551000 from 4085550100, to the longest-available agent.
fn inbound(e: &mut Engine) -> (u32, Vec<WorldEvent>) {
    let spec = CallSpec {
        ani: Some("4085550100".into()),
        dnis: Some("8005551000".into()),
        ..CallSpec::default()
    };
    let mut out = Vec::new();
    let id = e.start_call(spec, t(0.0), &mut out).unwrap();
    (id, out)
}

fn begin(m: &Message) -> &BeginCallEvent {
    let Message::BeginCallEvent(b) = m else {
        panic!("{m:?}")
    };
    b
}

#[test]
fn begin_call_dialed_number_router_key_and_call_reference() {
    let mut e = engine(2);
    let (id, evs) = inbound(&mut e);
    let day = EPOCH / 86_400;
    let full = |v| {
        let b = begin(&shaped(&evs, "BEGIN_CALL_EVENT", v, &FULL)).clone();
        (
            b.dialed_number.map(|x| x.to_string()),
            b.router_call_key_day,
            b.router_call_key_call_id,
            b.router_call_key_sequence_number,
            b.call_reference_id,
        )
    };
    let dialed = Some("8005551000".to_owned());
    assert_eq!(
        full(24),
        (
            dialed.clone(),
            Some(day),
            Some(1),
            Some(0),
            Some(reference(id))
        )
    );
    assert_eq!(
        full(14),
        (
            dialed.clone(),
            Some(day),
            Some(1),
            Some(0),
            Some(reference(id))
        )
    );
    assert_eq!(
        full(13),
        (dialed, Some(day), Some(1), Some(0), None),
        "CallReferenceID (223) does not exist before v14"
    );
    let bare = shaped(&evs, "BEGIN_CALL_EVENT", 24, &BARE);
    let b = begin(&bare);
    assert_eq!(
        (
            &b.dialed_number,
            b.router_call_key_day,
            b.router_call_key_call_id,
            b.router_call_key_sequence_number,
            &b.call_reference_id
        ),
        (&None, None, None, None, &None)
    );
    // The call's data and identity stay.
    assert_eq!(b.ani.as_ref().unwrap(), "4085550100");
    assert_eq!(b.dnis.as_ref().unwrap(), "8005551000");
    assert_eq!(b.connection_call_id, id);
    assert!(b.connection_device_id.is_some());
}

#[test]
fn call_delivered_dialed_number() {
    let mut e = engine(2);
    let (_, evs) = inbound(&mut e);
    let dialed = |v, f| {
        let Message::CallDeliveredEvent(d) = shaped(&evs, "CALL_DELIVERED_EVENT", v, f) else {
            panic!()
        };
        (d.dialed_number.map(|x| x.to_string()), d.ani, d.dnis)
    };
    let (number, ani, dnis) = dialed(24, &FULL);
    assert_eq!(number.as_deref(), Some("8005551000"));
    assert_eq!(dialed(13, &FULL).0.as_deref(), Some("8005551000"));
    let (number, bare_ani, bare_dnis) = dialed(24, &BARE);
    assert_eq!(number, None);
    assert_eq!((bare_ani, bare_dnis), (ani, dnis), "ANI and DNIS stay");
}

#[test]
fn agent_state_max_beyond_task_limit_from_v22() {
    let mut e = engine(2);
    let (_, evs) = inbound(&mut e);
    let fields = |v, f| {
        let Message::AgentStateEvent(a) = shaped(&evs, "AGENT_STATE_EVENT", v, f) else {
            panic!()
        };
        (a.max_beyond_task_limit, a.direction)
    };
    let inb = Some(AgentDirection::AGENT_DIRECTION_IN);
    assert_eq!(fields(22, &FULL), (Some(0), inb));
    assert_eq!(fields(25, &FULL), (Some(0), inb));
    assert_eq!(fields(21, &FULL), (None, inb), "tag 266 is v22");
    assert_eq!(fields(15, &FULL), (None, None));
    assert_eq!(fields(24, &BARE), (None, None));
}

fn consult_req(active: u32, dialed: &str) -> ConsultationCallReq {
    let mut r = ConsultationCallReq::default();
    r.invoke_id = 20;
    r.peripheral_id = P;
    r.active_connection_call_id = active;
    r.active_connection_device_id = Some(active.to_string().into());
    r.dialed_number = Some(dialed.into());
    r
}

type Coc = (
    Option<RawBytes>,
    Option<u32>,
    Option<ConnectionDeviceIdType>,
    Option<String>,
);

fn initiated(evs: &[WorldEvent], v: u32, f: &FidelityConfig) -> Coc {
    let Message::CallServiceInitiatedEvent(s) = shaped(evs, "CALL_SERVICE_INITIATED_EVENT", v, f)
    else {
        panic!()
    };
    (
        s.call_reference_id,
        s.coc_connection_call_id,
        s.coc_call_connection_device_id_type,
        s.coc_call_connection_device_id.map(|x| x.to_string()),
    )
}

#[test]
fn service_initiated_call_reference_and_consulted_call() {
    let mut e = engine(3);
    let (p, _) = inbound(&mut e);
    run(&mut e, 3.0);
    let (reply, evs) = ctl(&mut e, consult_req(p, "2002"), &desk(0), 4.0);
    let Message::ConsultationCallConf(c) = conf(reply, 20) else {
        panic!()
    };
    let c = c.new_connection_call_id;
    let coc = (
        Some(reference(c)),
        Some(p),
        Some(ConnectionDeviceIdType::CONNECTION_ID_STATIC),
        Some(p.to_string()),
    );
    assert_eq!(initiated(&evs, 24, &FULL), coc);
    assert_eq!(initiated(&evs, 14, &FULL), coc);
    assert_eq!(initiated(&evs, 13, &FULL), (None, None, None, None));
    assert_eq!(initiated(&evs, 24, &BARE), (None, None, None, None));
    // The consult call has its own CallReferenceID (no RouterCallKey: it was not routed).
    let b = shaped(&evs, "BEGIN_CALL_EVENT", 24, &FULL);
    let b = begin(&b);
    assert_eq!(b.call_reference_id, Some(reference(c)));
    assert_eq!(b.router_call_key_sequence_number, None);
    assert_eq!(b.dialed_number.as_ref().unwrap(), "2002");
}

#[test]
fn make_call_service_initiated_has_no_consulted_call() {
    let mut e = engine(2);
    let mut r = MakeCallReq::default();
    r.invoke_id = 5;
    r.peripheral_id = P;
    r.dialed_number = Some("4085550199".into());
    let (reply, evs) = ctl(&mut e, r, &desk(0), 1.0);
    let Message::MakeCallConf(m) = conf(reply, 5) else {
        panic!()
    };
    let id = m.new_connection_call_id;
    assert_eq!(
        initiated(&evs, 24, &FULL),
        (Some(reference(id)), None, None, None)
    );
    assert_eq!(initiated(&evs, 13, &FULL), (None, None, None, None));
}

#[test]
fn a_transferred_call_is_the_next_leg_of_the_same_call() {
    let mut e = engine(3);
    let (p, _) = inbound(&mut e);
    run(&mut e, 3.0);
    let mut r = TransferCallReq::default();
    r.invoke_id = 26;
    r.peripheral_id = P;
    r.active_connection_call_id = p;
    r.held_connection_call_id = NULL_CALL_ID;
    r.dialed_number = Some("2002".into());
    let (reply, evs) = ctl(&mut e, r, &desk(0), 4.0);
    let Message::TransferCallConf(tc) = conf(reply, 26) else {
        panic!()
    };
    let b = shaped(&evs, "BEGIN_CALL_EVENT", 24, &FULL);
    let b = begin(&b);
    assert_eq!(b.connection_call_id, tc.new_connection_call_id);
    assert_ne!(b.connection_call_id, p);
    assert_eq!(
        (
            b.router_call_key_day,
            b.router_call_key_call_id,
            b.router_call_key_sequence_number
        ),
        (Some(EPOCH / 86_400), Some(1), Some(1)),
        "same RouterCallKey, next sequence number"
    );
    assert_eq!(b.call_reference_id, Some(reference(p)), "same call");
    let b = shaped(&evs, "BEGIN_CALL_EVENT", 24, &BARE);
    assert_eq!(begin(&b).router_call_key_sequence_number, None);
}
