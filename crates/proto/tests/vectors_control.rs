//! Hand-written byte vectors: Client Control requests and confirmations (facts §4.6) and the Call Data Update
//! service (§4.5), in both floating widths.
//!
//! Every byte below was derived by hand from the facts, never produced by running the encoder. Floating fields
//! are in the writer's order (the order of `defs/messages/control.def` / `call_data.def`).
//! Common values: PeripheralID 5000 = 00001388, ConnectionCallID 123456 = 0001E240, device "3001".

#![allow(
    clippy::field_reassign_with_default,
    reason = "message structs are #[non_exhaustive]: built field by field"
)]

mod vectors;

use bytes::Bytes;
use cti_proto::constants::*;
use cti_proto::message::*;
use cti_proto::{Message, NamedArray, NamedVariable, RawBytes};
use vectors::*;

const CALL_ID: u32 = 0x0001_E240;

// ----------------------------------------------------------------------------------- CONTROL_FAILURE_CONF

#[test]
fn control_failure_conf_both_widths() {
    let mut m = ControlFailureConf::default();
    m.invoke_id = 0x20;
    m.failure_code = CF_INVALID_CSTA_CALL_IDENTIFIER;
    assert_eq!(ControlFailureConf::fixed_len(19), 10);
    // InvokeID, FailureCode 11 (USHORT), PeripheralErrorCode: body 10 / total 18.
    assert_vector(
        &hex("0000000A 00000023  00000020 000B 00000000"),
        19,
        &Message::from(m.clone()),
    );
    m.ctios_cil_client_id = s("cil1");
    let wide = hex(
        r#"00000013 00000023  00000020 000B 00000000  00D9 0005 "cil1" 00   # CTIOS_CIL_CLIENT_ID(217)"#,
    );
    assert_vector(&wide, 24, &Message::from(m));
}

// ------------------------------------------------------------------------------ answer / clear / hold

#[test]
fn answer_call_req_v19_and_conf() {
    let bytes = hex(r#"
        0000001C 0000002A          # 14 + 14 = 28, ANSWER_CALL_REQ (42)
        00000021 00001388 0001E240 0000   # InvokeID, PeripheralID, ConnectionCallID, ConnectionDeviceIDType
        19 05 "3001" 00            # ConnectionDeviceID(25)
        06 05 "3001" 00            # AgentInstrument(6)
    "#);
    let mut m = AnswerCallReq::default();
    m.invoke_id = 0x21;
    m.peripheral_id = 5000;
    m.connection_call_id = CALL_ID;
    m.connection_device_id = s("3001");
    m.agent_instrument = s("3001");
    assert_eq!(AnswerCallReq::fixed_len(19), 14);
    assert_vector(&bytes, 19, &Message::from(m));

    let mut conf = AnswerCallConf::default();
    conf.invoke_id = 0x21;
    assert_vector(
        &hex("00000004 0000002B  00000021"),
        19,
        &Message::from(conf.clone()),
    );
    assert_vector(
        &hex("00000004 0000002B  00000021"),
        24,
        &Message::from(conf),
    );
}

#[test]
fn clear_call_req_v24() {
    let bytes = hex(r#"
        00000020 0000002C  00000022 00001388 0001E240 0000
        0019 0005 "3001" 00  0006 0005 "3001" 00
    "#);
    let mut m = ClearCallReq::default();
    m.invoke_id = 0x22;
    m.peripheral_id = 5000;
    m.connection_call_id = CALL_ID;
    m.connection_device_id = s("3001");
    m.agent_instrument = s("3001");
    assert_vector(&bytes, 24, &Message::from(m));
}

#[test]
fn hold_call_req_v19() {
    let bytes = hex(r#"
        0000001E 00000036          # 16 + 14 = 30, HOLD_CALL_REQ (54)
        00000023 00001388 0001E240 0000
        0000                       # Reservation BOOL false
        19 05 "3001" 00  06 05 "3001" 00
    "#);
    let mut m = HoldCallReq::default();
    m.invoke_id = 0x23;
    m.peripheral_id = 5000;
    m.connection_call_id = CALL_ID;
    m.connection_device_id = s("3001");
    m.agent_instrument = s("3001");
    assert_eq!(HoldCallReq::fixed_len(19), 16);
    assert_vector(&bytes, 19, &Message::from(m));
}

#[test]
fn retrieve_call_req_v24() {
    let bytes = hex(r#"
        00000020 0000003E  00000024 00001388 0001E240 0000   # HeldConnectionCallID, HeldConnectionDeviceIDType
        0035 0005 "3001" 00        # HeldConnectionDeviceID(53)
        0006 0005 "3001" 00
    "#);
    let mut m = RetrieveCallReq::default();
    m.invoke_id = 0x24;
    m.peripheral_id = 5000;
    m.held_connection_call_id = CALL_ID;
    m.held_connection_device_id = s("3001");
    m.agent_instrument = s("3001");
    assert_vector(&bytes, 24, &Message::from(m));
}

// ------------------------------------------------------------------------------------------- MAKE_CALL

#[test]
fn make_call_req_v24() {
    let bytes = hex(r#"
        0000005B 00000038          # 32 + 59 = 91, MAKE_CALL_REQ (56)
        00000025 00001388
        0000 0000 0000 0000 0000 0000   # CallPlacementType, CallMannerType, AlertRings, CallOption, FacilityType, AnsweringMachine
        0000 0000                  # Priority, PostRoute (BOOL)
        0001 0000                  # NumNamedVariables, NumNamedArrays
        FFFFFFFF                   # SkillGroupNumber NULL_SKILL_GROUP
        0006 0005 "3001" 00        # AgentInstrument
        000B 000B "9195551234" 00  # DialedNumber(11)
        0009 0003 010203           # UserToUserInfo(9), UNSPEC
        000D 0004 "abc" 00         # CallVariable1
        0052 0010 "user.cust.id" 00 "42" 00
    "#);
    let mut m = MakeCallReq::default();
    m.invoke_id = 0x25;
    m.peripheral_id = 5000;
    m.skill_group_number = NULL_SKILL_GROUP;
    m.agent_instrument = s("3001");
    m.dialed_number = s("9195551234");
    m.user_to_user_info = Some(RawBytes(Bytes::from_static(&[1, 2, 3])));
    m.call_variable_1 = s("abc");
    m.named_variables = vec![NamedVariable::new("user.cust.id", "42")];
    assert_eq!(MakeCallReq::fixed_len(24), 32);
    assert_vector(&bytes, 24, &Message::from(m));
}

#[test]
fn make_call_conf_v19() {
    let bytes = hex(r#"
        00000015 00000039          # 14 + 7 = 21, MAKE_CALL_CONF (57)
        00000025 0001E242 0000     # InvokeID, NewConnectionCallID, NewConnectionDeviceIDType
        0001 0007                  # LineHandle, LineType OUTBOUND
        2F 05 "3001" 00            # NewConnectionDeviceID(47)
    "#);
    let mut m = MakeCallConf::default();
    m.invoke_id = 0x25;
    m.new_connection_call_id = CALL_ID + 2;
    m.line_handle = 1;
    m.line_type = LINETYPE_OUTBOUND;
    m.new_connection_device_id = s("3001");
    assert_vector(&bytes, 19, &Message::from(m));
}

// ------------------------------------------------------------------------------------ CONSULTATION_CALL

#[test]
fn consultation_call_req_v19() {
    let bytes = hex(r#"
        00000039 00000032          # 36 + 21 = 57, CONSULTATION_CALL_REQ (50)
        00000026 00001388 0001E240 0000   # InvokeID, PeripheralID, ActiveConnectionCallID, its DeviceIDType
        0000 0000 0001 0000        # CallPlacementType, CallMannerType, ConsultType TRANSFER, AlertRings
        0000 0000 0000             # CallOption, FacilityType, AnsweringMachine
        0000 0000 0000 0000        # Priority, PostRoute, NumNamedVariables, NumNamedArrays
        32 05 "3001" 00            # ActiveConnectionDeviceID(50)
        0B 05 "3002" 00            # DialedNumber(11)
        06 05 "3001" 00            # AgentInstrument(6)
    "#);
    let mut m = ConsultationCallReq::default();
    m.invoke_id = 0x26;
    m.peripheral_id = 5000;
    m.active_connection_call_id = CALL_ID;
    m.consult_type = CT_TRANSFER;
    m.active_connection_device_id = s("3001");
    m.dialed_number = s("3002");
    m.agent_instrument = s("3001");
    assert_eq!(ConsultationCallReq::fixed_len(19), 36);
    assert_vector(&bytes, 19, &Message::from(m));
}

#[test]
fn consultation_call_conf_v24() {
    let bytes = hex(r#"
        00000017 00000033  00000026 0001E241 0000 0001 0002   # ..., LineHandle 1, LineType INSIDE
        002F 0005 "3001" 00
    "#);
    let mut m = ConsultationCallConf::default();
    m.invoke_id = 0x26;
    m.new_connection_call_id = CALL_ID + 1;
    m.line_handle = 1;
    m.line_type = LINETYPE_INSIDE;
    m.new_connection_device_id = s("3001");
    assert_vector(&bytes, 24, &Message::from(m));
}

// ----------------------------------------------------------------------------------------- TRANSFER_CALL

fn transfer_call_req() -> TransferCallReq {
    let mut m = TransferCallReq::default();
    m.invoke_id = 0x27;
    m.peripheral_id = 5000;
    m.active_connection_device_id = s("3001");
    m.agent_instrument = s("3001");
    m
}

#[test]
fn transfer_call_req_v24() {
    let bytes = hex(r#"
        00000043 00000040          # 40 + 27 = 67, TRANSFER_CALL_REQ (64)
        00000027 00001388 0001E241 0001E240   # InvokeID, PeripheralID, ActiveConnectionCallID, HeldConnectionCallID
        0000 0000                  # Active/HeldConnectionDeviceIDType
        0000 0000 0000 0000 0000 0000   # CPT, CMT, AlertRings, CallOption, FacilityType, AnsweringMachine
        0000 0000 0000 0000        # Priority, PostRoute, NumNamedVariables, NumNamedArrays
        0032 0005 "3001" 00        # ActiveConnectionDeviceID(50)
        0035 0005 "3001" 00        # HeldConnectionDeviceID(53)
        0006 0005 "3001" 00
    "#);
    let mut m = transfer_call_req();
    m.active_connection_call_id = CALL_ID + 1;
    m.held_connection_call_id = CALL_ID;
    m.held_connection_device_id = s("3001");
    assert_eq!(TransferCallReq::fixed_len(24), 40);
    assert_vector(&bytes, 24, &Message::from(m));
}

/// Single-step (blind) transfer: HeldConnectionCallID 0xFFFFFFFF, CONNECTION_ID_NONE, DialedNumber instead.
#[test]
fn transfer_call_req_single_step_v19() {
    let bytes = hex(r#"
        0000003D 00000040          # 40 + 21 = 61
        00000027 00001388 0001E240 FFFFFFFF 0000 FFFF
        0000 0000 0000 0000 0000 0000  0000 0000 0000 0000
        32 05 "3001" 00  0B 05 "3002" 00  06 05 "3001" 00
    "#);
    let mut m = transfer_call_req();
    m.active_connection_call_id = CALL_ID;
    m.held_connection_call_id = NULL_CALL_ID;
    m.held_connection_device_id_type = CONNECTION_ID_NONE;
    m.dialed_number = s("3002");
    assert_vector(&bytes, 19, &Message::from(m));
}

#[test]
fn transfer_call_conf_v19_with_party_triples() {
    let bytes = hex(r#"
        0000003F 00000041          # 16 + 47 = 63, TRANSFER_CALL_CONF (65)
        00000027 0001E241 0000     # InvokeID, NewConnectionCallID, NewConnectionDeviceIDType
        0002 0000 0002             # NumParties, LineHandle, LineType INSIDE
        2F 05 "3002" 00
        27 04 0001E241  28 02 0000  29 0B "9195551234" 00
        27 04 0001E241  28 02 0000  29 05 "3002" 00
    "#);
    let mut m = TransferCallConf::default();
    m.invoke_id = 0x27;
    m.new_connection_call_id = CALL_ID + 1;
    m.line_type = LINETYPE_INSIDE;
    m.new_connection_device_id = s("3002");
    m.parties = vec![
        ConnectedParty::new(CALL_ID + 1, CONNECTION_ID_STATIC, cs("9195551234")),
        ConnectedParty::new(CALL_ID + 1, CONNECTION_ID_STATIC, cs("3002")),
    ];
    assert_eq!(TransferCallConf::fixed_len(19), 16);
    assert_vector(&bytes, 19, &Message::from(m));
}

#[test]
fn conference_call_req_v19() {
    let bytes = hex(r#"
        0000003D 00000030          # 40 + 21 = 61, CONFERENCE_CALL_REQ (48)
        00000028 00001388 0001E240 0001E241   # InvokeID, PeripheralID, HeldConnectionCallID, ActiveConnectionCallID
        0000 0000                  # Held/ActiveConnectionDeviceIDType
        0000 0000 0000 0000 0000 0000  0000 0000 0000 0000
        32 05 "3001" 00  35 05 "3001" 00  06 05 "3001" 00
    "#);
    let mut m = ConferenceCallReq::default();
    m.invoke_id = 0x28;
    m.peripheral_id = 5000;
    m.held_connection_call_id = CALL_ID;
    m.active_connection_call_id = CALL_ID + 1;
    m.active_connection_device_id = s("3001");
    m.held_connection_device_id = s("3001");
    m.agent_instrument = s("3001");
    assert_eq!(ConferenceCallReq::fixed_len(19), 40);
    assert_vector(&bytes, 19, &Message::from(m));
}

// -------------------------------------------------------------------------------------------- SNAPSHOTS

#[test]
fn snapshot_call_req_v24() {
    let bytes = hex(r#"00000017 00000052  00000029 00001388 0001E240 0000  0019 0005 "3001" 00"#);
    let mut m = SnapshotCallReq::default();
    m.invoke_id = 0x29;
    m.peripheral_id = 5000;
    m.connection_call_id = CALL_ID;
    m.connection_device_id = s("3001");
    assert_vector(&bytes, 24, &Message::from(m));
}

/// One CTI client tuple and two call-device tuples (56, 57, 58, 59, 60, 61).
#[test]
fn snapshot_call_conf_v19_with_call_devices() {
    let bytes = hex(r#"
        0000008C 00000053          # 16 + 124 = 140, SNAPSHOT_CALL_CONF (83)
        00000029                   # InvokeID
        0001 0001 0002             # CallType ACD_IN, NumCTIClients, NumCallDevices
        0000 0000 0000             # NumNamedVariables, NumNamedArrays, CalledPartyDisposition
        08 0B "9195551234" 00      # ANI
        0A 05 "8001" 00            # DNIS
        48 04 0000D431  49 04 00000064
        17 08 "CTIOS_A" 00  18 04 65A0BC10
        38 04 0001E240  39 02 0000  3A 05 "3001" 00  3B 02 0000  3C 05 "3001" 00  3D 02 0003
        38 04 0001E240  39 02 0000  3A 0B "9195551234" 00  3B 02 004B  3C 0B "9195551234" 00  3D 02 0003
    "#);
    let mut m = SnapshotCallConf::default();
    m.invoke_id = 0x29;
    m.call_type = CALLTYPE_ACD_IN;
    m.ani = s("9195551234");
    m.dnis = s("8001");
    m.router_call_key_day = Some(54321);
    m.router_call_key_call_id = Some(100);
    m.cti_clients = vec![ClientSignature::new(cs("CTIOS_A"), 0x65A0_BC10)];
    let party = cs("9195551234");
    m.call_devices = vec![
        CallDevice::new(
            CALL_ID,
            CONNECTION_ID_STATIC,
            cs("3001"),
            DEVID_DEVICE_IDENTIFIER,
            cs("3001"),
            LCS_CONNECT,
        ),
        CallDevice::new(
            CALL_ID,
            CONNECTION_ID_STATIC,
            party.clone(),
            DEVID_EXTERNAL,
            party,
            LCS_CONNECT,
        ),
    ];
    assert_eq!(SnapshotCallConf::fixed_len(19), 16);
    assert_vector(&bytes, 19, &Message::from(m));
}

#[test]
fn snapshot_device_conf_v24() {
    let bytes = hex(r#"
        00000029 00000055          # 6 + 35 = 41, SNAPSHOT_DEVICE_CONF (85)
        0000002A 0001              # InvokeID, NumCalls
        0038 0004 0001E240  0039 0002 0000  003A 0005 "3001" 00
        004B 0002 0003             # CallState(75) CONNECT
        00DA 0002 0000             # SilentMonitorStatus(218) NONE
    "#);
    let mut m = SnapshotDeviceConf::default();
    m.invoke_id = 0x2A;
    m.calls = vec![DeviceCall::new(
        CALL_ID,
        CONNECTION_ID_STATIC,
        cs("3001"),
        CS_CONNECT,
        SILENT_MONITOR_NONE,
    )];
    assert_eq!(SnapshotDeviceConf::fixed_len(24), 6);
    assert_vector(&bytes, 24, &Message::from(m));
}

// ------------------------------------------------------------------------------- Call Data Update (§4.5)

#[test]
fn set_call_data_req_v24() {
    let bytes = hex(r#"
        0000006E 0000001A          # 30 + 80 = 110, SET_CALL_DATA_REQ (26)
        0000002B 00001388          # InvokeID, PeripheralID
        0000 0001E240              # ConnectionDeviceIDType, ConnectionCallID
        0001 0001                  # NumNamedVariables, NumNamedArrays
        0001 0000                  # CallType, CalledPartyDisposition
        00000000 00000000          # CampaignID, QueryRuleID
        0019 0005 "3001" 00
        000D 0004 "abc" 00         # CallVariable1(13)
        0014 0004 "ghi" 00         # CallVariable8(20)
        002E 0005 "done" 00        # CallWrapupData(46)
        0052 0010 "user.cust.id" 00 "42" 00
        0053 0011 01 "user.items" 00 "book" 00
        00E8 0001 44               # CallOriginatedFrom(232) 'D'
    "#);
    let mut m = SetCallDataReq::default();
    m.invoke_id = 0x2B;
    m.peripheral_id = 5000;
    m.connection_call_id = CALL_ID;
    m.call_type = CALLTYPE_ACD_IN;
    m.connection_device_id = s("3001");
    m.call_variable_1 = s("abc");
    m.call_variable_8 = s("ghi");
    m.call_wrapup_data = s("done");
    m.named_variables = vec![NamedVariable::new("user.cust.id", "42")];
    m.named_arrays = vec![NamedArray::new(1, "user.items", "book")];
    m.call_originated_from = Some(b'D');
    assert_eq!(SetCallDataReq::fixed_len(24), 30);
    assert_vector(&bytes, 24, &Message::from(m));
}

#[test]
fn set_call_data_conf() {
    let mut m = SetCallDataConf::default();
    m.invoke_id = 0x2B;
    assert_vector(
        &hex("00000004 0000001B  0000002B"),
        19,
        &Message::from(m.clone()),
    );
    assert_vector(&hex("00000004 0000001B  0000002B"), 24, &Message::from(m));
}

/// Note the order: ConnectionDeviceIDType before ConnectionCallID.
#[test]
fn release_call_req_v19() {
    let bytes = hex(r#"00000015 0000001C  0000002C 00001388 0000 0001E240  19 05 "3001" 00"#);
    let mut m = ReleaseCallReq::default();
    m.invoke_id = 0x2C;
    m.peripheral_id = 5000;
    m.connection_call_id = CALL_ID;
    m.connection_device_id = s("3001");
    assert_eq!(ReleaseCallReq::fixed_len(19), 14);
    assert_vector(&bytes, 19, &Message::from(m));
}
