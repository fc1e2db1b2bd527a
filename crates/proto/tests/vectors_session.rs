//! Hand-written byte vectors: session management (facts §4.1), SYSTEM_EVENT (§4.4), CLIENT_SESSION_OPENED_EVENT
//! (§4.7), an unknown message type, lenient reading (K1, K13, K20, unknown tags) and the error paths.
//!
//! Every byte below was derived by hand from the facts (§1 MHDR, §2 types, §2.1 floating fields: 1-byte tag and
//! length below v20, 2-byte from v20), never produced by running the encoder.

#![allow(
    clippy::field_reassign_with_default,
    reason = "message structs are #[non_exhaustive]: built field by field"
)]

mod vectors;

use bytes::{Bytes, BytesMut};
use cti_proto::constants::*;
use cti_proto::message::*;
use cti_proto::{
    DecodeErrorKind, EncodeError, EncodeErrorKind, Message, RawBytes, RawField, Secret,
};
use vectors::*;

// ---------------------------------------------------------------------------------------------- OPEN_REQ

/// The SC byte sample of §4.1 (v19, 1-byte tags), with the header length computed by hand:
/// fixed 44 + floats 11 + 2 + 18 + 7 + 7 + 7 + 6 = 102 = 0x66.
#[test]
fn open_req_sc_sample_v19() {
    let bytes = hex(r#"
        00000066 00000003          # MHDR: 102 body bytes, OPEN_REQ
        04030201                   # InvokeID (the sample's bytes, big-endian)
        00000013                   # VersionNumber 19
        FFFFFFFF                   # IdleTimeout: no heartbeats
        02030405                   # PeripheralID
        00000010                   # ServicesRequested: CTI_SERVICE_ALL_EVENTS
        00006000                   # CallMsgMask: BEGIN_CALL | END_CALL
        00000208                   # AgentStateMask: AVAILABLE | HOLD
        00000000                   # ConfigMsgMask
        00000000 00000000 00000000 # Reserved1..3
        01 09 "ClientID" 00        # ClientID(1)
        02 00                      # ClientPassword(2), empty
        03 10 "ClientSignature" 00 # ClientSignature(3), 15 + NUL
        04 05 "3001" 00            # AgentExtension(4)
        05 05 "1001" 00            # AgentID(5)
        06 05 "3001" 00            # AgentInstrument(6)
        61 04 03040506             # ApplicationPathID(97) INT
    "#);
    let mut m = OpenReq::default();
    m.invoke_id = 0x0403_0201;
    m.version_number = 19;
    m.idle_timeout = 0xFFFF_FFFF;
    m.peripheral_id = 0x0203_0405;
    m.services_requested = CTI_SERVICE_ALL_EVENTS;
    m.call_msg_mask = BEGIN_CALL_MASK | END_CALL_MASK;
    m.agent_state_mask = AgentStateMask(0x208);
    m.client_id = s("ClientID");
    m.client_password = Some(Secret::default());
    m.client_signature = s("ClientSignature");
    m.agent_extension = s("3001");
    m.agent_id = s("1001");
    m.agent_instrument = s("3001");
    m.application_path_id = Some(0x0304_0506);
    assert_eq!(OpenReq::fixed_len(19), 44);
    assert_vector(&bytes, 19, &Message::from(m));
}

fn cm_open_req() -> Message {
    let mut m = OpenReq::default();
    m.invoke_id = 1;
    m.version_number = 24;
    m.idle_timeout = 300;
    m.peripheral_id = 5000;
    m.services_requested = ServiceMask(0x94);
    m.call_msg_mask = CallMsgMask(0xFFFF_FFFF);
    m.agent_state_mask = AgentStateMask(0x3FFF);
    m.client_id = s("ctmonitor");
    m.client_password = Some(Secret::default());
    Message::from(m)
}

const CM_OPEN_REQ_V24: &str = r#"
    0000003E 00000003          # MHDR: 44 + 14 + 4 = 62 body bytes, OPEN_REQ
    00000001                   # InvokeID
    00000018                   # VersionNumber 24
    0000012C                   # IdleTimeout 300
    00001388                   # PeripheralID 5000
    00000094                   # SUPERVISOR | ALL_EVENTS | CLIENT_CONTROL
    FFFFFFFF                   # CallMsgMask: everything
    00003FFF                   # AgentStateMask: all 14 states
    00000000                   # ConfigMsgMask
    00000000 00000000 00000000 # Reserved1..3
    0001 000A "ctmonitor" 00   # ClientID(1), 2-byte tag and length
    0002 0000                  # ClientPassword(2), empty
"#;

/// The CM live-client OPEN_REQ of §4.1 (v24, 2-byte tags).
#[test]
fn open_req_cm_live_client_v24() {
    assert_vector(&hex(CM_OPEN_REQ_V24), 24, &cm_open_req());
}

/// K13: the C++ CM client sends ClientID without its NUL; it reads the same and is written back with the NUL.
#[test]
fn open_req_string_without_nul_k13() {
    let wire = hex(r#"
        0000003D 00000003          # 44 + 13 + 4 = 61
        00000001 00000018 0000012C 00001388 00000094 FFFFFFFF 00003FFF 00000000
        00000000 00000000 00000000
        0001 0009 "ctmonitor"      # no NUL
        0002 0000
    "#);
    assert_lenient(&wire, 24, &cm_open_req(), &hex(CM_OPEN_REQ_V24));
}

/// A floating tag OPEN_REQ does not define (112, reserved) is kept and written after the known fields.
#[test]
fn open_req_unknown_tag_is_kept_and_written_last() {
    let wire = hex(r#"
        00000039 00000003          # 44 + 4 + 7 + 2 = 57
        00000007 00000013 FFFFFFFF FFFFFFFF 00000010 00000000 00000000 00000000
        00000000 00000000 00000000
        70 02 ABCD                 # unknown tag 112 first
        01 05 "rec1" 00            # ClientID
        02 00                      # ClientPassword
    "#);
    let rewritten = hex(r#"
        00000039 00000003
        00000007 00000013 FFFFFFFF FFFFFFFF 00000010 00000000 00000000 00000000
        00000000 00000000 00000000
        01 05 "rec1" 00
        02 00
        70 02 ABCD                 # after the known fields
    "#);
    let mut m = OpenReq::default();
    m.invoke_id = 7;
    m.version_number = 19;
    m.idle_timeout = 0xFFFF_FFFF;
    m.peripheral_id = NULL_PERIPHERAL_ID;
    m.services_requested = CTI_SERVICE_ALL_EVENTS;
    m.client_id = s("rec1");
    m.client_password = Some(Secret::default());
    m.unknown_fields = vec![RawField {
        tag: 112,
        data: RawBytes(Bytes::from_static(&[0xAB, 0xCD])),
    }];
    assert_lenient(&wire, 19, &Message::from(m), &rewritten);
}

// --------------------------------------------------------------------------------------------- OPEN_CONF

/// v18: body 26 (no DepartmentID, no SessionType); floats as in the SC sample: NumPeripherals(228),
/// MultilineAgentControl(224).
#[test]
fn open_conf_v18_body_26() {
    let bytes = hex(r"
        00000022 00000004          # 26 + 4 + 4 = 34, OPEN_CONF
        00000001                   # InvokeID
        00000010                   # ServicesGranted ALL_EVENTS
        00000000                   # MonitorID
        00000000                   # PGStatus
        65A0BC00                   # ICMCentralControllerTime
        0001                       # PeripheralOnline TRUE
        0011                       # PeripheralType 17 PT_ENTERPRISE_AGENT
        0000                       # AgentState
        E4 02 0000                 # NumPeripherals(228) = 0
        E0 02 0000                 # MultilineAgentControl(224) = 0
    ");
    let mut m = OpenConf::default();
    m.department_id = None; // not in a v18 body
    m.session_type = None;
    m.invoke_id = 1;
    m.services_granted = CTI_SERVICE_ALL_EVENTS;
    m.icm_central_controller_time = 0x65A0_BC00;
    m.peripheral_online = true;
    m.peripheral_type = PT_ENTERPRISE_AGENT;
    m.num_peripherals = Some(0);
    m.multiline_agent_control = Some(MultilineAgentControl(0));
    assert_eq!(OpenConf::fixed_len(18), 26);
    assert_vector(&bytes, 18, &Message::from(m));
}

/// v19–v23: body 30 (adds DepartmentID), 1-byte tags; one FltPeripheralID(208) + MultilineAgentControl(224)
/// pair per peripheral (§4.1: "repeated, paired with next").
#[test]
fn open_conf_v19_body_30_peripheral_pairs() {
    let bytes = hex(r"
        00000036 00000004          # 30 + 4 + (6 + 4) × 2 = 54
        00000002 00000010 00000000 00000000 65A0BC00 0001 0011 0000
        0000000C                   # DepartmentID 12
        E4 02 0002                 # NumPeripherals 2
        D0 04 00001388             # FltPeripheralID(208) 5000
        E0 02 0000                 # MultilineAgentControl(224) 0: single line
        D0 04 00001389             # FltPeripheralID(208) 5001
        E0 02 0001                 # MultilineAgentControl(224) 1: multiline
    ");
    let mut m = OpenConf::default();
    m.session_type = None; // from v24
    m.invoke_id = 2;
    m.services_granted = CTI_SERVICE_ALL_EVENTS;
    m.icm_central_controller_time = 0x65A0_BC00;
    m.peripheral_online = true;
    m.peripheral_type = PT_ENTERPRISE_AGENT;
    m.department_id = Some(12);
    m.num_peripherals = Some(2);
    m.peripherals = vec![
        Peripheral::new(5000, MULTILINE_AGENT_CONTROL_SINGLE_LINE),
        Peripheral::new(5001, MULTILINE_AGENT_CONTROL_MULTILINE),
    ];
    assert_eq!(OpenConf::fixed_len(19), 30);
    assert_eq!(OpenConf::fixed_len(23), 30);
    assert_vector(&bytes, 19, &Message::from(m.clone()));
    let json = serde_json::to_value(Message::from(m)).unwrap();
    assert_eq!(
        json["peripherals"],
        serde_json::json!([
            {"peripheral_id": 5000, "multiline_agent_control": "MULTILINE_AGENT_CONTROL_SINGLE_LINE"},
            {"peripheral_id": 5001, "multiline_agent_control": "MULTILINE_AGENT_CONTROL_MULTILINE"}
        ])
    );
    assert!(json.get("multiline_agent_control").is_none());
}

/// A MultilineAgentControl after the pairs that follows no FltPeripheralID is the single field; pairs sent
/// out of step (both ids, then one control) are read as they come and written back as they came.
#[test]
fn open_conf_lone_multiline_agent_control_and_pairs_out_of_step() {
    let bytes = hex(r"
        00000030 00000004          # 30 + 4 + 6 + 4 + 4 = 48
        00000002 00000010 00000000 00000000 65A0BC00 0001 0011 0000 0000000C
        E4 02 0001                 # NumPeripherals 1
        D0 04 00001388             # FltPeripheralID 5000
        E0 02 0001                 # its MultilineAgentControl
        E0 02 0000                 # a lone MultilineAgentControl: the single field
    ");
    let mut m = OpenConf::default();
    m.session_type = None;
    m.invoke_id = 2;
    m.services_granted = CTI_SERVICE_ALL_EVENTS;
    m.icm_central_controller_time = 0x65A0_BC00;
    m.peripheral_online = true;
    m.peripheral_type = PT_ENTERPRISE_AGENT;
    m.department_id = Some(12);
    m.num_peripherals = Some(1);
    m.peripherals = vec![Peripheral::new(5000, MULTILINE_AGENT_CONTROL_MULTILINE)];
    m.multiline_agent_control = Some(MULTILINE_AGENT_CONTROL_SINGLE_LINE);
    assert_vector(&bytes, 19, &Message::from(m));

    let out_of_step = hex(r"
        00000032 00000004          # 30 + 4 + 6 + 6 + 4 = 50
        00000002 00000010 00000000 00000000 65A0BC00 0001 0011 0000 0000000C
        E4 02 0002                 # NumPeripherals 2
        D0 04 00001388             # FltPeripheralID 5000
        D0 04 00001389             # FltPeripheralID 5001
        E0 02 0001                 # MultilineAgentControl: follows 5001
    ");
    let Message::OpenConf(got) = decode(&out_of_step, 19).unwrap() else {
        panic!("OPEN_CONF expected")
    };
    assert_eq!(
        got.peripherals,
        vec![
            Peripheral::new(5000, MULTILINE_AGENT_CONTROL_SINGLE_LINE),
            Peripheral::new(5001, MULTILINE_AGENT_CONTROL_MULTILINE)
        ]
    );
    assert_eq!(
        got.wire.as_ref().map(|w| w.order.clone()),
        Some(vec![228, 208, 208, 224])
    );
    let again = Message::from(*got).to_bytes(19).unwrap();
    assert_eq!(show(&again), show(&out_of_step));
}

/// v24+: body 32 (adds SessionType), 2-byte tags; a Client Events agent.
#[test]
fn open_conf_v24_body_32() {
    let bytes = hex(r#"
        00000047 00000004          # 32 + 9 + 9 + 9 + 6 + 6 = 71
        00000003                   # InvokeID
        00000005                   # ServicesGranted CLIENT_EVENTS | CLIENT_CONTROL
        00000000 00000000 65A0BC00 0001 0011
        0002                       # AgentState NOT_READY
        0000000C                   # DepartmentID 12
        0001                       # SessionType 1 active
        0004 0005 "3001" 00        # AgentExtension
        0005 0005 "1001" 00        # AgentID
        0006 0005 "3001" 00        # AgentInstrument
        00E4 0002 0000             # NumPeripherals 0
        00E0 0002 0001             # MultilineAgentControl 1 multiline
    "#);
    let mut m = OpenConf::default();
    m.invoke_id = 3;
    m.services_granted = CTI_SERVICE_CLIENT_EVENTS | CTI_SERVICE_CLIENT_CONTROL;
    m.icm_central_controller_time = 0x65A0_BC00;
    m.peripheral_online = true;
    m.peripheral_type = PT_ENTERPRISE_AGENT;
    m.agent_state = AGENT_STATE_NOT_READY;
    m.department_id = Some(12);
    m.session_type = Some(SessionType(1));
    m.agent_extension = s("3001");
    m.agent_id = s("1001");
    m.agent_instrument = s("3001");
    m.num_peripherals = Some(0);
    m.multiline_agent_control = Some(MultilineAgentControl(1));
    assert_eq!(OpenConf::fixed_len(24), 32);
    assert_vector(&bytes, 24, &Message::from(m));
}

/// K20, no floating part: a peer declaring v19 sends the 26-byte body; it still decodes (`department_id` None)
/// and is written back byte for byte; a message built for v19 (DepartmentID given) is written in the v19 shape.
#[test]
fn open_conf_declared_v19_without_department_id_k20() {
    let wire =
        hex("0000001A 00000004  00000001 00000010 00000000 00000000 65A0BC00 0001 0011 0003");
    let mut m = OpenConf::default();
    m.invoke_id = 1;
    m.services_granted = CTI_SERVICE_ALL_EVENTS;
    m.icm_central_controller_time = 0x65A0_BC00;
    m.peripheral_online = true;
    m.peripheral_type = PT_ENTERPRISE_AGENT;
    m.agent_state = AGENT_STATE_AVAILABLE;
    m.department_id = None;
    m.session_type = None;
    assert_eq!(decode(&wire, 19).ok(), Some(Message::from(m.clone())));
    assert_eq!(
        show(&Message::from(m.clone()).to_bytes(19).unwrap()),
        show(&wire)
    );
    let built = hex(
        "0000001E 00000004  00000001 00000010 00000000 00000000 65A0BC00 0001 0011 0003 00000000",
    );
    let mut v19 = m;
    v19.department_id = Some(0);
    assert_eq!(
        show(&Message::from(v19.clone()).to_bytes(19).unwrap()),
        show(&built)
    );
    assert_eq!(decode(&built, 19).ok(), Some(Message::from(v19)));
}

/// K20 with the SC sample's floating part (`…0,1, 0,17, 0,3` then `228,2,…` `224,2,0,0`), declared v19: the
/// fields after AgentState are NumPeripherals and MultilineAgentControl, not a DepartmentID.
#[test]
fn open_conf_declared_v19_sc_sample_with_floats_k20() {
    let wire = hex(r"
        00000022 00000004
        00000001 00000010 00000000 00000013 65A0BC00 0001 0011 0003
        E4 02 0000                 # NumPeripherals
        E0 02 0000                 # MultilineAgentControl
    ");
    let mut m = OpenConf::default();
    m.department_id = None; // the older shape
    m.session_type = None;
    m.invoke_id = 1;
    m.services_granted = CTI_SERVICE_ALL_EVENTS;
    m.pg_status = PgStatus(0x13);
    m.icm_central_controller_time = 0x65A0_BC00;
    m.peripheral_online = true;
    m.peripheral_type = PT_ENTERPRISE_AGENT;
    m.agent_state = AGENT_STATE_AVAILABLE;
    m.num_peripherals = Some(0);
    m.multiline_agent_control = Some(MultilineAgentControl(0));
    assert_eq!(decode(&wire, 19).ok(), Some(Message::from(m)));
}

// ---------------------------------------------------------------------------------------- FAILURE_CONF

/// The SC sample: InvokeID 0x01020304, Status 97 E_CTI_INVALID_MONITOR_STATUS; body 8 / total 16 (K1).
#[test]
fn failure_conf_sample() {
    let bytes = hex("00000008 00000001  01020304 00000061");
    let mut m = FailureConf::default();
    m.invoke_id = 0x0102_0304;
    m.status = E_CTI_INVALID_MONITOR_STATUS;
    assert_eq!(FailureConf::fixed_len(24), 8);
    assert_vector(&bytes, 19, &Message::from(m.clone()));
    assert_vector(&bytes, 24, &Message::from(m));
}

/// K1: the v24 guide's 10-byte form (InvokeID UI, FailureCode US, PeripheralErrorCode UI) is read leniently:
/// InvokeID + Status from the first 8 bytes, the 2 bytes that are no floating field kept in `tail`.
#[test]
fn failure_conf_ten_byte_body_k1() {
    let bytes = hex(r"
        0000000A 00000001
        01020304                   # InvokeID
        0011 0000                  # FailureCode 17 + high half of PeripheralErrorCode = Status 0x00110000
        1234                       # low half of PeripheralErrorCode: not a floating field
    ");
    let mut m = FailureConf::default();
    m.invoke_id = 0x0102_0304;
    m.status = StatusCode(0x0011_0000);
    m.tail = Some(RawBytes(Bytes::from_static(&[0x12, 0x34])));
    assert_vector(&bytes, 19, &Message::from(m.clone()));
    assert_vector(&bytes, 24, &Message::from(m));
}

// ------------------------------------------------------------------------- FAILURE_EVENT, HEARTBEAT, CLOSE

#[test]
fn failure_event() {
    let mut m = FailureEvent::default();
    m.status = E_CTI_CTI_SERVER_OFFLINE;
    let bytes = hex("00000004 00000002  0000000F");
    assert_vector(&bytes, 19, &Message::from(m.clone()));
    assert_vector(&bytes, 24, &Message::from(m));
}

#[test]
fn heartbeat_req_and_conf() {
    let mut req = HeartbeatReq::default();
    req.invoke_id = 9;
    let mut conf = HeartbeatConf::default();
    conf.invoke_id = 9;
    for v in [19, 24] {
        assert_vector(
            &hex("00000004 00000005  00000009"),
            v,
            &Message::from(req.clone()),
        );
        assert_vector(
            &hex("00000004 00000006  00000009"),
            v,
            &Message::from(conf.clone()),
        );
    }
}

#[test]
fn close_req_and_conf() {
    let mut req = CloseReq::default();
    req.invoke_id = 10;
    req.status = E_CTI_NO_ERROR;
    let mut conf = CloseConf::default();
    conf.invoke_id = 10;
    for v in [19, 24] {
        assert_vector(
            &hex("00000008 00000007  0000000A 00000000"),
            v,
            &Message::from(req.clone()),
        );
        assert_vector(
            &hex("00000004 00000008  0000000A"),
            v,
            &Message::from(conf.clone()),
        );
    }
}

// ---------------------------------------------------------------------------- SYSTEM_EVENT (§4.4)

fn instrument_out_of_service() -> Message {
    let mut m = SystemEvent::default();
    m.icm_central_controller_time = 0x65A0_BC00;
    m.system_event_id = SYS_INSTRUMENT_OUT_OF_SERVICE;
    m.system_event_arg_1 = 5000;
    m.event_device_type = DEVID_DEVICE_IDENTIFIER;
    m.text = s("3001");
    m.event_device_id = s("3001");
    Message::from(m)
}

#[test]
fn system_event_v19() {
    let bytes = hex(r#"
        00000028 0000001F          # 26 + 7 + 7 = 40, SYSTEM_EVENT (31)
        00000000                   # PGStatus
        65A0BC00                   # ICMCentralControllerTime
        0000000A                   # SystemEventID 10 SYS_INSTRUMENT_OUT_OF_SERVICE
        00001388 00000000 00000000 # Arg1 = PeripheralID, Arg2, Arg3
        0000                       # EventDeviceType DEVID_DEVICE_IDENTIFIER
        07 05 "3001" 00            # Text(7)
        CE 05 "3001" 00            # EventDeviceID(206)
    "#);
    assert_vector(&bytes, 19, &instrument_out_of_service());
}

#[test]
fn system_event_v24() {
    let bytes = hex(r#"
        0000002C 0000001F          # 26 + 9 + 9 = 44
        00000000 65A0BC00 0000000A 00001388 00000000 00000000 0000
        0007 0005 "3001" 00
        00CE 0005 "3001" 00
    "#);
    assert_vector(&bytes, 24, &instrument_out_of_service());
}

// --------------------------------------------------------------- CLIENT_SESSION_OPENED_EVENT (§4.7)

#[test]
fn client_session_opened_event_v19() {
    let bytes = hex(r#"
        00000040 00000063          # 24 + 11 + 11 + 18 = 64, CLIENT_SESSION_OPENED_EVENT (99)
        00000101                   # SessionID
        FFFFFFFF                   # PeripheralID: not Client Events
        00000010 00006000 00000208 # ServicesGranted, CallMsgMask, AgentStateMask
        0000C350                   # ClientPort 50000
        51 09 "10.0.0.5" 00        # ClientAddress(81)
        01 09 "ClientID" 00        # ClientID(1)
        03 10 "ClientSignature" 00 # ClientSignature(3)
    "#);
    let mut m = ClientSessionOpenedEvent::default();
    m.session_id = 0x101;
    m.peripheral_id = NULL_PERIPHERAL_ID;
    m.services_granted = CTI_SERVICE_ALL_EVENTS;
    m.call_msg_mask = CallMsgMask(0x6000);
    m.agent_state_mask = AgentStateMask(0x208);
    m.client_port = 50000;
    m.client_address = s("10.0.0.5");
    m.client_id = s("ClientID");
    m.client_signature = s("ClientSignature");
    assert_vector(&bytes, 19, &Message::from(m));
}

// ------------------------------------------------------------------------------- unknown message type

/// MessageType 151 has no typed struct: kept and written back byte for byte, whatever the body.
#[test]
fn unknown_message_type_151_round_trips() {
    let bytes = hex(r#"
        0000000C 00000097          # 12 body bytes, type 151
        00000007 01 05 "abcd" 00 FF
    "#);
    let m = Message::Unknown {
        type_id: 151,
        body: RawBytes(Bytes::copy_from_slice(&bytes[8..])),
    };
    assert_vector(&bytes, 19, &m);
    assert_vector(&bytes, 24, &m);
    assert_eq!(m.name(), "UNKNOWN");
}

// ----------------------------------------------------------------------------------------- error paths

/// A truncated fixed part names the message, the field and its offset from the first header byte.
#[test]
fn truncated_fixed_part_names_field_and_offset() {
    let e = decode_err(&hex("00000006 00000007  0000000A 0000"), 24);
    assert_eq!(e.message_type, MessageType(7));
    assert_eq!(e.field, "status");
    assert_eq!(e.offset, 12);
    assert_eq!(
        e.kind,
        DecodeErrorKind::Truncated {
            needed: 4,
            available: 2
        }
    );
    assert!(e.to_string().contains("status"), "{e}");
}

/// A floating field whose length runs past the body: the error carries the offset of that field's header.
#[test]
fn floating_field_overrunning_the_body() {
    let fixed = "00000001 00000013 FFFFFFFF FFFFFFFF 00000010 00000000 00000000 00000000 00000000 00000000 00000000";
    let narrow = hex(&format!("00000031 00000003 {fixed} 01 20 \"abc\""));
    let e = decode_err(&narrow, 19);
    assert_eq!((e.message_type, e.offset), (MessageType(3), 52));
    assert_eq!(
        e.kind,
        DecodeErrorKind::Truncated {
            needed: 32,
            available: 3
        }
    );

    let wide = hex(&format!("00000032 00000003 {fixed} 0001 0040 \"ab\""));
    let e = decode_err(&wide, 24);
    assert_eq!((e.message_type, e.offset), (MessageType(3), 52));
    assert_eq!(
        e.kind,
        DecodeErrorKind::Truncated {
            needed: 64,
            available: 2
        }
    );
}

/// A numeric floating field with the wrong length (ApplicationPathID INT sent in 2 bytes) does not make the
/// message fail: it is kept as an unknown field, with a warning naming the field, its tag and its offset, and
/// written back unchanged.
#[test]
fn numeric_floating_field_with_wrong_length() {
    let bytes = hex(r"
        00000032 00000003          # 44 + 2 + 4 = 50
        00000001 00000013 FFFFFFFF FFFFFFFF 00000010 00000000 00000000 00000000
        00000000 00000000 00000000
        02 00                      # ClientPassword at body offset 44
        61 02 0001                 # ApplicationPathID(97) with length 2, at body offset 46 = message offset 54
    ");
    let Message::OpenReq(m) = decode(&bytes, 19).unwrap() else {
        panic!("OPEN_REQ expected")
    };
    assert_eq!(m.application_path_id, None);
    assert_eq!(m.client_password, Some(Secret::default()));
    assert_eq!(
        m.unknown_fields,
        vec![RawField {
            tag: 97,
            data: RawBytes::from(&[0x00, 0x01][..])
        }]
    );
    let wire = m.wire.as_deref().unwrap();
    assert_eq!(
        wire.warnings,
        vec![
            "OPEN_REQ: application_path_id: APP_PATH_ID (tag 97) at offset 54: data length 2, expected 4; \
             kept as an unknown field"
                .to_string()
        ]
    );
    assert_eq!(show(&Message::from(*m).to_bytes(19).unwrap()), show(&bytes));
}

/// An over-long string is refused on encode, naming the field, and nothing is written.
#[test]
fn over_long_string_is_refused_and_nothing_written() {
    let mut m = OpenReq::default();
    m.client_id = s("c");
    m.agent_id = s("1234567890123"); // 13 + NUL = 14 > AgentID S[12]
    let mut buf = BytesMut::from(&b"keep"[..]);
    let e = Message::from(m).encode(19, &mut buf).unwrap_err();
    assert_eq!(
        e,
        EncodeError {
            message_type: MessageType(3),
            field: "agent_id",
            kind: EncodeErrorKind::ValueTooLong { len: 14, max: 12 }
        }
    );
    assert_eq!(&buf[..], b"keep");
}

/// 4329 bytes (header included) is the most a v19 message may have; one more is MessageTooLong. v20+ allows 12500.
#[test]
fn message_over_4329_bytes_at_v19() {
    // 12 (MHDR + InvokeID) + 16 × (2 + 255) + (2 + 203) = 12 + 4112 + 205 = 4329.
    let field = |len: usize| RawField {
        tag: 200,
        data: RawBytes(Bytes::from(vec![0x5A; len])),
    };
    let mut m = HeartbeatReq::default();
    m.invoke_id = 1;
    m.unknown_fields = (0..16).map(|_| field(255)).chain([field(203)]).collect();
    let at_limit = Message::from(m.clone()).to_bytes(19).unwrap();
    assert_eq!(at_limit.len(), 4329);
    assert_eq!(&at_limit[..12], &hex("000010E1 00000005 00000001")[..]);

    m.unknown_fields[16] = field(204);
    let mut buf = BytesMut::new();
    let e = Message::from(m.clone()).encode(19, &mut buf).unwrap_err();
    assert_eq!(e.field, "message");
    assert_eq!(
        e.kind,
        EncodeErrorKind::MessageTooLong {
            len: 4330,
            max: 4329
        }
    );
    assert!(buf.is_empty());
    // At v24 the same fields take 4 header bytes each: 12 + 16 × 259 + 208 = 4364, well under 12500.
    assert_eq!(Message::from(m).to_bytes(24).unwrap().len(), 4364);
}
