//! Hand-written byte vectors: Client Events / All Events call events (facts §4.2), in both floating widths.
//!
//! Every byte below was derived by hand from the facts, never produced by running the encoder. Floating fields
//! are in the writer's order (the order of `defs/messages/call_events.def`), tuples adjacent and in order (§2.1).
//! Common values: PeripheralID 5000 = 00001388, PeripheralType 17 = 0011, ConnectionDeviceIDType STATIC = 0000,
//! ConnectionCallID 123456 = 0001E240.

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

/// The common prefix of most call events (§4.2): MonitorID 0, PeripheralID, PeripheralType,
/// ConnectionDeviceIDType, ConnectionCallID.
macro_rules! call_prefix {
    ($m:ident) => {
        $m.peripheral_id = 5000;
        $m.peripheral_type = PT_ENTERPRISE_AGENT;
        $m.connection_device_id_type = CONNECTION_ID_STATIC;
        $m.connection_call_id = CALL_ID;
    };
}

// ------------------------------------------------------------------------------------- BEGIN_CALL_EVENT

/// v19, 1-byte tags: call variables, a named variable (82: name NUL value NUL), a named array (83: index, name
/// NUL, value NUL) and one CTIClientSignature + CTIClientTimestamp tuple.
#[test]
fn begin_call_event_v19() {
    let bytes = hex(r#"
        00000082 00000017          # 26 + 104 = 130, BEGIN_CALL_EVENT (23)
        00000000 00001388 0011     # MonitorID, PeripheralID, PeripheralType
        0001 0001 0001             # NumCTIClients, NumNamedVariables, NumNamedArrays
        0001                       # CallType ACD_IN
        0000 0001E240              # ConnectionDeviceIDType, ConnectionCallID
        0000                       # CalledPartyDisposition
        19 05 "3001" 00            # ConnectionDeviceID(25)
        08 0B "9195551234" 00      # ANI(8)
        0A 05 "8001" 00            # DNIS(10)
        48 04 0000D431             # RouterCallKeyDay(72) 54321
        49 04 00000064             # RouterCallKeyCallID(73) 100
        0D 04 "abc" 00             # CallVariable1(13)
        16 04 "xyz" 00             # CallVariable10(22)
        52 10 "user.cust.id" 00 "42" 00    # NamedVariable(82): 13 + 3
        53 11 02 "user.items" 00 "book" 00 # NamedArray(83): 1 + 11 + 5
        17 08 "CTIOS_A" 00         # CTIClientSignature(23)
        18 04 65A0BC10             # CTIClientTimestamp(24)
    "#);
    let mut m = BeginCallEvent::default();
    m.peripheral_id = 5000;
    m.peripheral_type = PT_ENTERPRISE_AGENT;
    m.call_type = CALLTYPE_ACD_IN;
    m.connection_call_id = CALL_ID;
    m.connection_device_id = s("3001");
    m.ani = s("9195551234");
    m.dnis = s("8001");
    m.router_call_key_day = Some(54321);
    m.router_call_key_call_id = Some(100);
    m.call_variable_1 = s("abc");
    m.call_variable_10 = s("xyz");
    m.named_variables = vec![NamedVariable::new("user.cust.id", "42")];
    m.named_arrays = vec![NamedArray::new(2, "user.items", "book")];
    m.cti_clients = vec![ClientSignature::new(cs("CTIOS_A"), 0x65A0_BC10)];
    assert_eq!(BeginCallEvent::fixed_len(19), 26);
    assert_vector(&bytes, 19, &Message::from(m));
}

/// v24, 2-byte tags: two CTI client tuples, two named-array elements, RouterCallKeySequenceNumber and
/// CallReferenceID (UNSPEC).
#[test]
fn begin_call_event_v24() {
    let bytes = hex(r#"
        000000D5 00000017          # 26 + 187 = 213
        00000000 00001388 0011
        0002 0001 0002             # NumCTIClients 2, NumNamedVariables 1, NumNamedArrays 2
        0001 0000 0001E240 0000
        0019 0005 "3001" 00
        0008 000B "9195551234" 00
        000A 0005 "8001" 00
        0048 0004 0000D431
        0049 0004 00000064
        006E 0004 00000001         # RouterCallKeySequenceNumber(110)
        000D 0004 "abc" 00
        0052 0010 "user.cust.id" 00 "42" 00
        0053 0011 02 "user.items" 00 "book" 00
        0053 0011 03 "user.items" 00 "pens" 00
        0017 0008 "CTIOS_A" 00  0018 0004 65A0BC10
        0017 0008 "CTIOS_B" 00  0018 0004 65A0BC20
        00DF 0010 00112233445566778899AABBCCDDEEFF  # CallReferenceID(223)
    "#);
    let mut m = BeginCallEvent::default();
    m.peripheral_id = 5000;
    m.peripheral_type = PT_ENTERPRISE_AGENT;
    m.call_type = CALLTYPE_ACD_IN;
    m.connection_call_id = CALL_ID;
    m.connection_device_id = s("3001");
    m.ani = s("9195551234");
    m.dnis = s("8001");
    m.router_call_key_day = Some(54321);
    m.router_call_key_call_id = Some(100);
    m.router_call_key_sequence_number = Some(1);
    m.call_variable_1 = s("abc");
    m.named_variables = vec![NamedVariable::new("user.cust.id", "42")];
    m.named_arrays = vec![
        NamedArray::new(2, "user.items", "book"),
        NamedArray::new(3, "user.items", "pens"),
    ];
    m.cti_clients = vec![
        ClientSignature::new(cs("CTIOS_A"), 0x65A0_BC10),
        ClientSignature::new(cs("CTIOS_B"), 0x65A0_BC20),
    ];
    m.call_reference_id = Some(RawBytes(Bytes::from_static(&[
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE,
        0xFF,
    ])));
    assert_vector(&bytes, 24, &Message::from(m));
}

// ----------------------------------------------------------------------------------------- END_CALL_EVENT

fn end_call() -> Message {
    let mut m = EndCallEvent::default();
    call_prefix!(m);
    m.connection_device_id = s("3001");
    Message::from(m)
}

const END_CALL_V24: &str =
    r#"00000019 00000018  00000000 00001388 0011 0000 0001E240  0019 0005 "3001" 00"#;

#[test]
fn end_call_event_both_widths() {
    assert_eq!(EndCallEvent::fixed_len(19), 16);
    assert_vector(
        &hex(r#"00000017 00000018  00000000 00001388 0011 0000 0001E240  19 05 "3001" 00"#),
        19,
        &end_call(),
    );
    assert_vector(&hex(END_CALL_V24), 24, &end_call());
}

/// K13 at 2-byte width: ConnectionDeviceID without its NUL reads the same, and is written back with it.
#[test]
fn end_call_event_string_without_nul_k13() {
    let wire = hex(r#"00000018 00000018  00000000 00001388 0011 0000 0001E240  0019 0004 "3001""#);
    assert_lenient(&wire, 24, &end_call(), &hex(END_CALL_V24));
}

// -------------------------------------------------------------------------------- CALL_DATA_UPDATE_EVENT

#[test]
fn call_data_update_event_v19() {
    let bytes = hex(r#"
        00000064 00000019          # 40 + 60 = 100, CALL_DATA_UPDATE_EVENT (25)
        00000000 00001388 0011
        0000 0001 0000             # NumCTIClients 0, NumNamedVariables 1, NumNamedArrays 0
        0001 0000 0001E240         # CallType, ConnectionDeviceIDType, ConnectionCallID
        0000 0001E241              # NewConnectionDeviceIDType, NewConnectionCallID
        0000 00000000 00000000     # CalledPartyDisposition, CampaignID, QueryRuleID
        19 05 "3001" 00            # ConnectionDeviceID(25)
        2F 05 "3001" 00            # NewConnectionDeviceID(47)
        0E 06 "hello" 00           # CallVariable2(14)
        2E 05 "done" 00            # CallWrapupData(46)
        52 10 "user.cust.id" 00 "43" 00
        5F 0B "9195551234" 00      # CustomerPhoneNumber(95)
    "#);
    let mut m = CallDataUpdateEvent::default();
    call_prefix!(m);
    m.call_type = CALLTYPE_ACD_IN;
    m.new_connection_call_id = CALL_ID + 1;
    m.connection_device_id = s("3001");
    m.new_connection_device_id = s("3001");
    m.call_variable_2 = s("hello");
    m.call_wrapup_data = s("done");
    m.named_variables = vec![NamedVariable::new("user.cust.id", "43")];
    m.customer_phone_number = s("9195551234");
    assert_eq!(CallDataUpdateEvent::fixed_len(19), 40);
    assert_vector(&bytes, 19, &Message::from(m));
}

// ---------------------------------------------------------------------------- DELIVERED / ESTABLISHED

#[test]
fn call_delivered_event_v19_body_54() {
    let bytes = hex(r#"
        0000006C 00000009          # 54 + 54 = 108, CALL_DELIVERED_EVENT (9)
        00000000 00001388 0011 0000 0001E240
        0000 0000                  # LineHandle, LineType INBOUND_ACD
        0000000B 00001770          # ServiceNumber 11, ServiceID 6000
        00000065 00001771 0000     # SkillGroupNumber 101, SkillGroupID 6001, SkillGroupPriority
        0000 0000 0000 FFFF        # Alerting / Calling / Called / LastRedirect DeviceType
        0002 0016                  # LCS_ALERTING, CEC_NEW_CALL
        0000 0000                  # NumNamedVariables, NumNamedArrays
        19 05 "3001" 00            # ConnectionDeviceID(25)
        1A 05 "3001" 00            # AlertingDeviceID(26)
        1B 0B "9195551234" 00      # CallingDeviceID(27)
        1C 05 "8001" 00            # CalledDeviceID(28)
        08 0B "9195551234" 00      # ANI(8)
        0A 05 "8001" 00            # DNIS(10)
    "#);
    let mut m = CallDeliveredEvent::default();
    call_prefix!(m);
    m.line_type = LINETYPE_INBOUND_ACD;
    m.service_number = 11;
    m.service_id = 6000;
    m.skill_group_number = 101;
    m.skill_group_id = 6001;
    m.last_redirect_device_type = DEVID_NONE;
    m.local_connection_state = LCS_ALERTING;
    m.event_cause = CEC_NEW_CALL;
    m.connection_device_id = s("3001");
    m.alerting_device_id = s("3001");
    m.calling_device_id = s("9195551234");
    m.called_device_id = s("8001");
    m.ani = s("9195551234");
    m.dnis = s("8001");
    assert_eq!(CallDeliveredEvent::fixed_len(19), 54);
    assert_vector(&bytes, 19, &Message::from(m));
}

#[test]
fn call_established_event_v24() {
    let bytes = hex(r#"
        0000006C 0000000A          # 50 + 58 = 108, CALL_ESTABLISHED_EVENT (10)
        00000000 00001388 0011 0000 0001E240
        0000 0000 0000000B 00001770 00000065 00001771 0000
        0000 0000 0000 FFFF        # Answering / Calling / Called / LastRedirect DeviceType
        0003 0016                  # LCS_CONNECT, CEC_NEW_CALL
        0019 0005 "3001" 00
        001E 0005 "3001" 00        # AnsweringDeviceID(30)
        001B 000B "9195551234" 00
        001C 0005 "8001" 00
        0079 0004 00000007         # TrunkNumber(121)
        007A 0004 00000002         # TrunkGroupNumber(122)
    "#);
    let mut m = CallEstablishedEvent::default();
    call_prefix!(m);
    m.service_number = 11;
    m.service_id = 6000;
    m.skill_group_number = 101;
    m.skill_group_id = 6001;
    m.last_redirect_device_type = DEVID_NONE;
    m.local_connection_state = LCS_CONNECT;
    m.event_cause = CEC_NEW_CALL;
    m.connection_device_id = s("3001");
    m.answering_device_id = s("3001");
    m.calling_device_id = s("9195551234");
    m.called_device_id = s("8001");
    m.trunk_number = Some(7);
    m.trunk_group_number = Some(2);
    assert_eq!(CallEstablishedEvent::fixed_len(24), 50);
    assert_vector(&bytes, 24, &Message::from(m));
}

// ------------------------------------------------------------- HELD / RETRIEVED / CLEARED / CONN_CLEARED

#[test]
fn call_held_event_v19() {
    let bytes = hex(r#"
        00000024 0000000B  00000000 00001388 0011 0000 0001E240
        0000 0004 FFFF             # HoldingDeviceType, LCS_HOLD, CEC_NONE
        19 05 "3001" 00  1F 05 "3001" 00   # ConnectionDeviceID, HoldingDeviceID(31)
    "#);
    let mut m = CallHeldEvent::default();
    call_prefix!(m);
    m.local_connection_state = LCS_HOLD;
    m.event_cause = CEC_NONE;
    m.connection_device_id = s("3001");
    m.holding_device_id = s("3001");
    assert_vector(&bytes, 19, &Message::from(m));
}

#[test]
fn call_retrieved_event_v24() {
    let bytes = hex(r#"
        00000028 0000000C  00000000 00001388 0011 0000 0001E240
        0000 0003 FFFF             # RetrievingDeviceType, LCS_CONNECT, CEC_NONE
        0019 0005 "3001" 00  0020 0005 "3001" 00   # RetrievingDeviceID(32)
    "#);
    let mut m = CallRetrievedEvent::default();
    call_prefix!(m);
    m.local_connection_state = LCS_CONNECT;
    m.event_cause = CEC_NONE;
    m.connection_device_id = s("3001");
    m.retrieving_device_id = s("3001");
    assert_vector(&bytes, 24, &Message::from(m));
}

#[test]
fn call_cleared_event_v19() {
    let bytes = hex(
        r#"0000001B 0000000D  00000000 00001388 0011 0000 0001E240  0000 FFFF  19 05 "3001" 00"#,
    );
    let mut m = CallClearedEvent::default();
    call_prefix!(m);
    m.local_connection_state = LCS_NULL;
    m.event_cause = CEC_NONE;
    m.connection_device_id = s("3001");
    assert_eq!(CallClearedEvent::fixed_len(19), 20);
    assert_vector(&bytes, 19, &Message::from(m));
}

#[test]
fn call_connection_cleared_event_v24() {
    let bytes = hex(r#"
        00000028 0000000E  00000000 00001388 0011 0000 0001E240
        0000 0000 001C             # ReleasingDeviceType, LCS_NULL, CEC_REDIRECTED (28)
        0019 0005 "3001" 00  0021 0005 "8001" 00   # ReleasingDeviceID(33)
    "#);
    let mut m = CallConnectionClearedEvent::default();
    call_prefix!(m);
    m.local_connection_state = LCS_NULL;
    m.event_cause = CEC_REDIRECTED;
    m.connection_device_id = s("3001");
    m.releasing_device_id = s("8001");
    assert_vector(&bytes, 24, &Message::from(m));
}

// ------------------------------------------------------------------------- CONFERENCED / TRANSFERRED

/// Three ConnectedParty triples (39 CallID, 40 DeviceIDType, 41 DeviceID), adjacent and in order.
#[test]
fn call_conferenced_event_v24_with_party_triples() {
    let bytes = hex(r#"
        0000009D 00000011          # 46 + 111 = 157, CALL_CONFERENCED_EVENT (17)
        00000000 00001388 0011
        0000 0001E240              # PrimaryDeviceIDType, PrimaryCallID
        0000 0002                  # LineHandle, LineType INSIDE
        00000065 00001771 0000     # SkillGroupNumber, SkillGroupID, SkillGroupPriority
        0003                       # NumParties
        0000 0001E241              # SecondaryDeviceIDType, SecondaryCallID
        0000 0000                  # ControllerDeviceType, AddedPartyDeviceType
        0003 0011                  # LCS_CONNECT, CEC_KEY_CONFERENCE (17)
        0023 0005 "3001" 00        # PrimaryDeviceID(35)
        0024 0005 "3001" 00        # SecondaryDeviceID(36)
        0025 0005 "3001" 00        # ControllerDeviceID(37)
        0026 0005 "3002" 00        # AddedPartyDeviceID(38)
        0027 0004 0001E240  0028 0002 0000  0029 000B "9195551234" 00
        0027 0004 0001E240  0028 0002 0000  0029 0005 "3001" 00
        0027 0004 0001E241  0028 0002 0000  0029 0005 "3002" 00
    "#);
    let mut m = CallConferencedEvent::default();
    m.peripheral_id = 5000;
    m.peripheral_type = PT_ENTERPRISE_AGENT;
    m.primary_call_id = CALL_ID;
    m.line_type = LINETYPE_INSIDE;
    m.skill_group_number = 101;
    m.skill_group_id = 6001;
    m.secondary_call_id = CALL_ID + 1;
    m.local_connection_state = LCS_CONNECT;
    m.event_cause = CEC_KEY_CONFERENCE;
    m.primary_device_id = s("3001");
    m.secondary_device_id = s("3001");
    m.controller_device_id = s("3001");
    m.added_party_device_id = s("3002");
    m.connected_parties = vec![
        ConnectedParty::new(CALL_ID, CONNECTION_ID_STATIC, cs("9195551234")),
        ConnectedParty::new(CALL_ID, CONNECTION_ID_STATIC, cs("3001")),
        ConnectedParty::new(CALL_ID + 1, CONNECTION_ID_STATIC, cs("3002")),
    ];
    assert_eq!(CallConferencedEvent::fixed_len(24), 46);
    assert_vector(&bytes, 24, &Message::from(m));
}

#[test]
fn call_transferred_event_v19_with_party_triples() {
    let bytes = hex(r#"
        00000072 00000012          # 46 + 68 = 114, CALL_TRANSFERRED_EVENT (18)
        00000000 00001388 0011 0000 0001E240 0000 0002 00000065 00001771 0000
        0002                       # NumParties
        0000 0001E241              # SecondaryDeviceIDType, SecondaryCallID
        0000 0000 0000 0020        # Transferring/TransferredDeviceType, LCS_NULL, CEC_TRANSFER (32)
        23 05 "3001" 00  24 05 "3001" 00
        2A 05 "3001" 00            # TransferringDeviceID(42)
        2B 05 "3002" 00            # TransferredDeviceID(43)
        27 04 0001E241  28 02 0000  29 0B "9195551234" 00
        27 04 0001E241  28 02 0000  29 05 "3002" 00
    "#);
    let mut m = CallTransferredEvent::default();
    m.peripheral_id = 5000;
    m.peripheral_type = PT_ENTERPRISE_AGENT;
    m.primary_call_id = CALL_ID;
    m.line_type = LINETYPE_INSIDE;
    m.skill_group_number = 101;
    m.skill_group_id = 6001;
    m.secondary_call_id = CALL_ID + 1;
    m.local_connection_state = LCS_NULL;
    m.event_cause = CEC_TRANSFER;
    m.primary_device_id = s("3001");
    m.secondary_device_id = s("3001");
    m.transferring_device_id = s("3001");
    m.transferred_device_id = s("3002");
    m.connected_parties = vec![
        ConnectedParty::new(CALL_ID + 1, CONNECTION_ID_STATIC, cs("9195551234")),
        ConnectedParty::new(CALL_ID + 1, CONNECTION_ID_STATIC, cs("3002")),
    ];
    assert_vector(&bytes, 19, &Message::from(m));
}

// ------------------------------------------------------------------------------------ QUEUED / DEQUEUED

/// Two skill groups as (62 SkillGroupNumber INT, 63 SkillGroupID, 64 SkillGroupPriority) triples.
#[test]
fn call_queued_event_v19_with_skill_groups() {
    let bytes = hex(r#"
        0000006A 00000015          # 40 + 66 = 106, CALL_QUEUED_EVENT (21)
        00000000 00001388 0011 0000 0001E240
        0000000B 00001770          # ServiceNumber, ServiceID
        004D 0000 0000 FFFF        # QueueDeviceType DEVID_QUEUE (77), Calling, Called, LastRedirect
        0001 0002                  # NumQueued, NumSkillGroups
        0005 FFFF                  # LCS_QUEUED, CEC_NONE
        19 05 "8001" 00
        2D 05 "8001" 00            # QueueDeviceID(45)
        1B 0B "9195551234" 00
        1C 05 "8001" 00
        3E 04 00000065  3F 04 00001771  40 02 0000
        3E 04 00000066  3F 04 00001772  40 02 0001
    "#);
    let mut m = CallQueuedEvent::default();
    call_prefix!(m);
    m.service_number = 11;
    m.service_id = 6000;
    m.queue_device_type = DEVID_QUEUE;
    m.last_redirect_device_type = DEVID_NONE;
    m.num_queued = 1;
    m.local_connection_state = LCS_QUEUED;
    m.event_cause = CEC_NONE;
    m.connection_device_id = s("8001");
    m.queue_device_id = s("8001");
    m.calling_device_id = s("9195551234");
    m.called_device_id = s("8001");
    m.skill_groups = vec![
        QueuedSkillGroup::new(101, 6001, 0),
        QueuedSkillGroup::new(102, 6002, 1),
    ];
    assert_eq!(CallQueuedEvent::fixed_len(19), 40);
    assert_vector(&bytes, 19, &Message::from(m));
}

#[test]
fn call_dequeued_event_v24() {
    let bytes = hex(r#"
        00000041 00000056          # 34 + 31 = 65, CALL_DEQUEUED_EVENT (86)
        00000000 00001388 0011 0000 0001E240
        004D 0000000B 00001770     # QueueDeviceType, ServiceNumber, ServiceID
        0000 0001 0000 FFFF        # NumQueued, NumSkillGroups, LCS_NULL, CEC_NONE
        0019 0005 "8001" 00
        003E 0004 00000065  003F 0004 00001771  0040 0002 0000
    "#);
    let mut m = CallDequeuedEvent::default();
    call_prefix!(m);
    m.queue_device_type = DEVID_QUEUE;
    m.service_number = 11;
    m.service_id = 6000;
    m.local_connection_state = LCS_NULL;
    m.event_cause = CEC_NONE;
    m.connection_device_id = s("8001");
    m.skill_groups = vec![DequeuedSkillGroup::new(101, 6001, 0)];
    assert_vector(&bytes, 24, &Message::from(m));
}

// ----------------------------------------------------------------------------------------- other events

#[test]
fn call_originated_event_v24() {
    let bytes = hex(r#"
        0000004F 0000000F          # 46 + 33 = 79, CALL_ORIGINATED_EVENT (15)
        00000000 00001388 0011 0000 0001E240
        0000 0007                  # LineHandle, LineType OUTBOUND
        FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF 0000   # Service/SkillGroup numbers and ids NULL, priority
        0000 0000 0001 0016        # Calling/CalledDeviceType, LCS_INITIATE, CEC_NEW_CALL
        0019 0005 "3001" 00  001B 0005 "3001" 00  001C 000B "9195551234" 00
    "#);
    let mut m = CallOriginatedEvent::default();
    call_prefix!(m);
    m.line_type = LINETYPE_OUTBOUND;
    m.service_number = NULL_SERVICE;
    m.service_id = 0xFFFF_FFFF;
    m.skill_group_number = NULL_SKILL_GROUP;
    m.skill_group_id = 0xFFFF_FFFF;
    m.local_connection_state = LCS_INITIATE;
    m.event_cause = CEC_NEW_CALL;
    m.connection_device_id = s("3001");
    m.calling_device_id = s("3001");
    m.called_device_id = s("9195551234");
    assert_vector(&bytes, 24, &Message::from(m));
}

#[test]
fn call_failed_event_v19() {
    let bytes = hex(r#"
        00000033 00000010  00000000 00001388 0011 0000 0001E240
        0000 0000 0006 0003        # Failing/CalledDeviceType, LCS_FAIL, CEC_BUSY
        19 05 "3001" 00  22 05 "3001" 00  1C 0B "9195551234" 00   # FailingDeviceID(34)
    "#);
    let mut m = CallFailedEvent::default();
    call_prefix!(m);
    m.local_connection_state = LCS_FAIL;
    m.event_cause = CEC_BUSY;
    m.connection_device_id = s("3001");
    m.failing_device_id = s("3001");
    m.called_device_id = s("9195551234");
    assert_vector(&bytes, 19, &Message::from(m));
}

#[test]
fn call_diverted_event_v24() {
    let bytes = hex(r#"
        0000003B 00000013  00000000 00001388 0011 0000 0001E240
        0000000B 00001770 0000 0000 0000 001C   # Service, Diverting/Called type, LCS_NULL, CEC_REDIRECTED
        0019 0005 "8001" 00  002C 0005 "8001" 00  001C 0005 "3001" 00   # DivertingDeviceID(44)
    "#);
    let mut m = CallDivertedEvent::default();
    call_prefix!(m);
    m.service_number = 11;
    m.service_id = 6000;
    m.local_connection_state = LCS_NULL;
    m.event_cause = CEC_REDIRECTED;
    m.connection_device_id = s("8001");
    m.diverting_device_id = s("8001");
    m.called_device_id = s("3001");
    assert_vector(&bytes, 24, &Message::from(m));
}

#[test]
fn call_service_initiated_event_v19() {
    let bytes = hex(r#"
        0000003A 00000014  00000000 00001388 0011 0000 0001E240
        0000 0007 FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF 0000
        0000 0001 0016             # CallingDeviceType, LCS_INITIATE, CEC_NEW_CALL
        19 05 "3001" 00  1B 05 "3001" 00
    "#);
    let mut m = CallServiceInitiatedEvent::default();
    call_prefix!(m);
    m.line_type = LINETYPE_OUTBOUND;
    m.service_number = NULL_SERVICE;
    m.service_id = 0xFFFF_FFFF;
    m.skill_group_number = NULL_SKILL_GROUP;
    m.skill_group_id = 0xFFFF_FFFF;
    m.local_connection_state = LCS_INITIATE;
    m.event_cause = CEC_NEW_CALL;
    m.connection_device_id = s("3001");
    m.calling_device_id = s("3001");
    assert_eq!(CallServiceInitiatedEvent::fixed_len(19), 44);
    assert_vector(&bytes, 19, &Message::from(m));
}

#[test]
fn call_reached_network_event_v19() {
    let bytes = hex(r#"
        00000041 00000022          # 28 + 37 = 65, CALL_REACHED_NETWORK_EVENT (34)
        00000000 00001388 0011 0000 0001E240
        0000 0007 0046 004B        # LineHandle, LineType, TrunkUsedDeviceType TRUNK (70), Called EXTERNAL (75)
        0003 0016
        19 05 "3001" 00
        30 03 "12" 00              # TrunkUsedDeviceID(48)
        1C 0B "9195551234" 00
        79 04 00000007  7A 04 00000002
    "#);
    let mut m = CallReachedNetworkEvent::default();
    call_prefix!(m);
    m.line_type = LINETYPE_OUTBOUND;
    m.trunk_used_device_type = DEVID_TRUNK_IDENTIFIER;
    m.called_device_type = DEVID_EXTERNAL;
    m.local_connection_state = LCS_CONNECT;
    m.event_cause = CEC_NEW_CALL;
    m.connection_device_id = s("3001");
    m.trunk_used_device_id = s("12");
    m.called_device_id = s("9195551234");
    m.trunk_number = Some(7);
    m.trunk_group_number = Some(2);
    assert_vector(&bytes, 19, &Message::from(m));
}

#[test]
fn call_translation_route_event_v24() {
    let bytes = hex(r#"
        0000001D 00000016          # 4 + 25 = 29, CALL_TRANSLATION_ROUTE_EVENT (22)
        0000 0000                  # NumNamedVariables, NumNamedArrays
        000A 0005 "8001" 00  0048 0004 0000D431  0049 0004 00000065
    "#);
    let mut m = CallTranslationRouteEvent::default();
    m.dnis = s("8001");
    m.router_call_key_day = Some(54321);
    m.router_call_key_call_id = Some(101);
    assert_vector(&bytes, 24, &Message::from(m));
}
