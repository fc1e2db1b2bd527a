//! Hand-written byte vectors: agent events and agent-state requests (facts §4.3, §4.6, §4.7), in both floating
//! widths, with the lenient readings K5 (CTIClientSignature under tag 23), K6 (ActiveTerminal under tag 50) and
//! the rule that a tag above 255 cannot be written with 1-byte tags (v19).
//!
//! Every byte below was derived by hand from the facts, never produced by running the encoder.

#![allow(
    clippy::field_reassign_with_default,
    reason = "message structs are #[non_exhaustive]: built field by field"
)]

mod vectors;

use cti_proto::constants::*;
use cti_proto::message::*;
use cti_proto::{Message, SecretString};
use vectors::*;

// ------------------------------------------------------------------------------------ AGENT_STATE_EVENT

/// AGENT_STATE_EVENT fixed fields 1–17 (56 bytes); NumFltSkillGroups and DepartmentID follow per test.
const ASE_HEAD: &str = r"
    00000000                   # MonitorID
    00001388                   # PeripheralID 5000
    00000101                   # SessionID
    0011                       # PeripheralType
    0003                       # SkillGroupState AVAILABLE
    00000000                   # StateDuration
    00000065 00001771 0000     # SkillGroupNumber 101, SkillGroupID 6001, SkillGroupPriority
    0003                       # AgentState AVAILABLE
    0000                       # EventReasonCode
    00000001                   # MRDID
    00000000                   # NumTasks
    0001                       # AgentMode ROUTABLE
    00000001                   # MaxTaskLimit
    00001390                   # ICMAgentID 5008
    00000001                   # AgentAvailabilityStatus ICM_AVAILABLE
";

fn agent_state_event(department_id: Option<i32>) -> AgentStateEvent {
    let mut m = AgentStateEvent::default();
    m.peripheral_id = 5000;
    m.session_id = 0x101;
    m.peripheral_type = PT_ENTERPRISE_AGENT;
    m.skill_group_state = AGENT_STATE_AVAILABLE;
    m.skill_group_number = 101;
    m.skill_group_id = 6001;
    m.agent_state = AGENT_STATE_AVAILABLE;
    m.mrd_id = 1;
    m.agent_mode = AGENT_MODE_ROUTABLE;
    m.max_task_limit = 1;
    m.icm_agent_id = 5008;
    m.agent_availability_status = AGENT_AVAILABILITY_ICM_AVAILABLE;
    m.department_id = department_id;
    m
}

/// v19, 1-byte tags, body 62 (with DepartmentID); two FltSkillGroup tuples (62, 63, 64, 65).
#[test]
fn agent_state_event_v19_body_62_with_flt_skill_groups() {
    let bytes = hex(&format!(
        r#"
        00000091 0000001E          # 62 + 83 = 145, AGENT_STATE_EVENT (30)
        {ASE_HEAD}
        0002                       # NumFltSkillGroups
        0000000C                   # DepartmentID 12
        03 08 "CTIOS_A" 00         # CTIClientSignature(3)
        05 05 "1001" 00            # AgentID(5)
        04 05 "3001" 00            # AgentExtension(4)
        06 05 "3001" 00            # AgentInstrument(6)
        96 04 0000001E             # Duration(150) 30
        F4 04 00000001             # Direction(244) In
        3E 04 00000065  3F 04 00001771  40 02 0000  41 02 0003
        3E 04 00000066  3F 04 00001772  40 02 0001  41 02 0002
    "#
    ));
    let mut m = agent_state_event(Some(12));
    m.cti_client_signature = s("CTIOS_A");
    m.agent_id = s("1001");
    m.agent_extension = s("3001");
    m.agent_instrument = s("3001");
    m.duration = Some(30);
    m.direction = Some(AGENT_DIRECTION_IN);
    m.flt_skill_groups = vec![
        AgentSkillGroup::new(101, 6001, 0, AGENT_STATE_AVAILABLE),
        AgentSkillGroup::new(102, 6002, 1, AGENT_STATE_NOT_READY),
    ];
    assert_eq!(AgentStateEvent::fixed_len(19), 62);
    assert_vector(&bytes, 19, &Message::from(m));
}

/// v24, 2-byte tags: ActiveTerminal(303), NextAgentState(123), one FltSkillGroup tuple, MaxBeyondTaskLimit(266).
#[test]
fn agent_state_event_v24_with_flt_skill_group() {
    let bytes = hex(&format!(
        r#"
        0000009B 0000001E          # 62 + 93 = 155
        {ASE_HEAD}
        0001 0000000C              # NumFltSkillGroups, DepartmentID
        0003 0008 "CTIOS_A" 00
        0005 0005 "1001" 00
        0004 0005 "3001" 00
        012F 0008 "CSF1001" 00     # ActiveTerminal(303)
        0006 0005 "3001" 00
        007B 0002 0003             # NextAgentState(123) AVAILABLE
        003E 0004 00000065  003F 0004 00001771  0040 0002 0000  0041 0002 0003
        010A 0004 00000000         # MaxBeyondTaskLimit(266)
    "#
    ));
    let mut m = agent_state_event(Some(12));
    m.cti_client_signature = s("CTIOS_A");
    m.agent_id = s("1001");
    m.agent_extension = s("3001");
    m.active_terminal = s("CSF1001");
    m.agent_instrument = s("3001");
    m.next_agent_state = Some(AGENT_STATE_AVAILABLE);
    m.flt_skill_groups = vec![AgentSkillGroup::new(101, 6001, 0, AGENT_STATE_AVAILABLE)];
    m.max_beyond_task_limit = Some(0);
    assert_eq!(AgentStateEvent::fixed_len(24), 62);
    assert_vector(&bytes, 24, &Message::from(m));
}

/// v18: body 58, no DepartmentID.
#[test]
fn agent_state_event_v18_body_58() {
    let bytes = hex(&format!(
        r#"00000041 0000001E {ASE_HEAD} 0000  05 05 "1001" 00"#
    ));
    let mut m = agent_state_event(None);
    m.agent_id = s("1001");
    assert_eq!(AgentStateEvent::fixed_len(18), 58);
    assert_vector(&bytes, 18, &Message::from(m));
}

/// K5 + K6: CTIClientSignature under tag 23 and ActiveTerminal under tag 50 are read into the same fields; the
/// decoded message is written back under the tags it came with, one built in code under the documented tags 3
/// and 303.
#[test]
fn agent_state_event_alternate_tags_k5_k6() {
    let wire = hex(&format!(
        r#"
        00000056 0000001E {ASE_HEAD} 0000 0000000C   # 62 + 12 + 12 = 86
        0017 0008 "CTIOS_A" 00     # tag 23 (CM)
        0032 0008 "CSF1001" 00     # tag 50 (CM)
    "#
    ));
    let rewritten = hex(&format!(
        r#"
        00000056 0000001E {ASE_HEAD} 0000 0000000C
        0003 0008 "CTIOS_A" 00     # tag 3
        012F 0008 "CSF1001" 00     # tag 303
    "#
    ));
    let mut m = agent_state_event(Some(12));
    m.cti_client_signature = s("CTIOS_A");
    m.active_terminal = s("CSF1001");
    let layout = assert_lenient(&wire, 24, &Message::from(m), &rewritten);
    assert_eq!(layout.order, vec![23, 50]);
}

/// At v19 (1-byte tags) ActiveTerminal cannot be written under 303 (> 255): it is written under its alias tag
/// 50 (K6, what the CM client sends), so the v19 bytes come back unchanged; MaxBeyondTaskLimit (266) has no
/// alias and is not written.
#[test]
fn agent_state_event_tags_over_255_at_v19() {
    let wire = hex(&format!(
        r#"00000048 0000001E {ASE_HEAD} 0000 0000000C  32 08 "CSF1001" 00"#
    ));
    let mut m = agent_state_event(Some(12));
    m.active_terminal = s("CSF1001");
    assert_eq!(decode(&wire, 19).ok(), Some(Message::from(m.clone())));
    m.max_beyond_task_limit = Some(5);
    let written = Message::from(m).to_bytes(19).unwrap();
    assert_eq!(show(&written), show(&wire));
}

/// K20: a peer declaring v19 sends the 58-byte fixed part (no DepartmentID). Here the v19 reading fails inside
/// the floating part, and the reader falls back to the older shape.
#[test]
fn agent_state_event_declared_v19_without_department_id_k20() {
    let wire = hex(&format!(
        r#"00000048 0000001E {ASE_HEAD} 0000  05 05 "1001" 00  04 05 "3001" 00"#
    ));
    let mut m = agent_state_event(None);
    m.agent_id = s("1001");
    m.agent_extension = s("3001");
    assert_eq!(decode(&wire, 19).ok(), Some(Message::from(m)));
}

/// K20 when both readings parse: NextAgentState(123) then Direction(244) right after the 58-byte fixed part.
#[test]
fn agent_state_event_declared_v19_ambiguous_k20() {
    let wire = hex(&format!(
        "00000044 0000001E {ASE_HEAD} 0000  7B 02 0003  F4 04 00000001"
    ));
    let mut m = agent_state_event(None);
    m.next_agent_state = Some(AGENT_STATE_AVAILABLE);
    m.direction = Some(AGENT_DIRECTION_IN);
    assert_eq!(decode(&wire, 19).ok(), Some(Message::from(m)));
}

// -------------------------------------------------------------------------------- QUERY_AGENT_STATE_*

#[test]
fn query_agent_state_req_v19() {
    let bytes = hex(r#"
        00000017 00000024          # 16 + 7 = 23, QUERY_AGENT_STATE_REQ (36)
        00000011 00001388          # InvokeID, PeripheralID
        00000001 00000000          # MRDID, ICMAgentID
        05 05 "1001" 00            # AgentID
    "#);
    let mut m = QueryAgentStateReq::default();
    m.invoke_id = 0x11;
    m.peripheral_id = 5000;
    m.mrd_id = 1;
    m.agent_id = s("1001");
    assert_vector(&bytes, 19, &Message::from(m));
}

fn query_agent_state_conf() -> QueryAgentStateConf {
    let mut m = QueryAgentStateConf::default();
    m.invoke_id = 0x11;
    m.agent_state = AGENT_STATE_AVAILABLE;
    m.mrd_id = 1;
    m.agent_mode = AGENT_MODE_ROUTABLE;
    m.max_task_limit = 1;
    m.icm_agent_id = 5008;
    m.agent_availability_status = AGENT_AVAILABILITY_ICM_AVAILABLE;
    m.department_id = Some(12);
    m.agent_id = s("1001");
    m
}

/// v24, body 34 (v19+ with DepartmentID), one (62, 63, 64, 65) skill-group tuple.
#[test]
fn query_agent_state_conf_v24_body_34() {
    let bytes = hex(r#"
        00000059 00000025          # 34 + 55 = 89, QUERY_AGENT_STATE_CONF (37)
        00000011                   # InvokeID
        0003 0001                  # AgentState AVAILABLE, NumSkillGroups
        00000001 00000000          # MRDID, NumTasks
        0001 00000001              # AgentMode ROUTABLE, MaxTaskLimit
        00001390 00000001          # ICMAgentID, AgentAvailabilityStatus
        0000000C                   # DepartmentID
        0005 0005 "1001" 00  0004 0005 "3001" 00  0006 0005 "3001" 00
        003E 0004 00000065  003F 0004 00001771  0040 0002 0000  0041 0002 0003
    "#);
    let mut m = query_agent_state_conf();
    m.agent_extension = s("3001");
    m.agent_instrument = s("3001");
    m.skill_groups = vec![QueryAgentSkillGroup::new(
        101,
        6001,
        0,
        AGENT_STATE_AVAILABLE,
    )];
    assert_eq!(QueryAgentStateConf::fixed_len(24), 34);
    assert_vector(&bytes, 24, &Message::from(m));
}

#[test]
fn query_agent_state_conf_v19() {
    let bytes = hex(r#"
        00000029 00000025          # 34 + 7 = 41
        00000011 0003 0000 00000001 00000000 0001 00000001 00001390 00000001 0000000C
        05 05 "1001" 00
    "#);
    assert_vector(&bytes, 19, &Message::from(query_agent_state_conf()));
}

// --------------------------------------------------------------------------------- SET_AGENT_STATE_*

/// Body 21: the UCHAR ForcedFlag makes the fixed part odd-length, no padding (K7).
#[test]
fn set_agent_state_req_v19_body_21() {
    let bytes = hex(r#"
        00000034 00000026          # 21 + 31 = 52, SET_AGENT_STATE_REQ (38)
        00000012 00001388          # InvokeID, PeripheralID
        0000 0000                  # AgentState LOGIN, AgentWorkMode
        0001 0000                  # NumSkillGroups, EventReasonCode
        01                         # ForcedFlag TRUE (UCHAR)
        00000000                   # AgentServiceReq
        06 05 "3001" 00            # AgentInstrument(6)
        05 05 "1001" 00            # AgentID(5)
        31 05 "pass" 00            # AgentPassword(49)
        3E 04 00000065  40 02 0001 # SkillGroupNumber(62), SkillGroupPriority(64)
    "#);
    let mut m = SetAgentStateReq::default();
    m.invoke_id = 0x12;
    m.peripheral_id = 5000;
    m.agent_state = AGENT_STATE_LOGIN;
    m.forced_flag = FORCED_FLAG_TRUE;
    m.agent_instrument = s("3001");
    m.agent_id = s("1001");
    m.agent_password = Some(SecretString::from("pass"));
    m.skill_groups = vec![SkillGroupPriority2::new(101, 1)];
    assert_eq!(SetAgentStateReq::fixed_len(19), 21);
    assert_vector(&bytes, 19, &Message::from(m));
}

#[test]
fn set_agent_state_req_v24_with_active_terminal() {
    let bytes = hex(r#"
        00000033 00000026          # 21 + 30 = 51
        00000013 00001388 0002 0000 0000 0032 00 00000001   # NOT_READY, reason 50, OUTBOUND_SUPPORT
        0006 0005 "3001" 00
        012F 0008 "CSF1001" 00     # ActiveTerminal(303)
        0005 0005 "1001" 00
    "#);
    let mut m = SetAgentStateReq::default();
    m.invoke_id = 0x13;
    m.peripheral_id = 5000;
    m.agent_state = AGENT_STATE_NOT_READY;
    m.event_reason_code = 50;
    m.forced_flag = FORCED_FLAG_FALSE;
    m.agent_service_req = OUTBOUND_SUPPORT;
    m.agent_instrument = s("3001");
    m.active_terminal = s("CSF1001");
    m.agent_id = s("1001");
    assert_vector(&bytes, 24, &Message::from(m));
}

#[test]
fn set_agent_state_conf() {
    let mut m = SetAgentStateConf::default();
    m.invoke_id = 0x12;
    for v in [19, 24] {
        assert_vector(
            &hex("00000004 00000027  00000012"),
            v,
            &Message::from(m.clone()),
        );
    }
}

// --------------------------------------------------------------------------- AGENT_TEAM_CONFIG_EVENT

/// v19 (DepartmentID in the fixed part, body 16); two (86, 87, 88, 89) team-member tuples.
#[test]
fn agent_team_config_event_v19() {
    let bytes = hex(r#"
        00000042 00000080          # 16 + 50 = 66, AGENT_TEAM_CONFIG_EVENT (128)
        00001388 00000005          # PeripheralID, TeamID
        0002 0000                  # NumberOfAgents, ConfigOperation restore permanent
        0000000C                   # DepartmentID
        F3 06 "TeamA" 00           # AgentTeamName(243)
        56 05 "1001" 00  57 02 0000  58 02 0003  59 04 0000003C
        56 05 "1002" 00  57 02 0004  58 02 0002  59 04 00000078
    "#);
    let mut m = AgentTeamConfigEvent::default();
    m.peripheral_id = 5000;
    m.team_id = 5;
    m.department_id = Some(12);
    m.agent_team_name = s("TeamA");
    m.members = vec![
        TeamMember::new(cs("1001"), AgentFlags(0), AGENT_STATE_AVAILABLE, 60),
        TeamMember::new(
            cs("1002"),
            AGENT_FLAG_SUPERVISOR,
            AGENT_STATE_NOT_READY,
            120,
        ),
    ];
    assert_eq!(AgentTeamConfigEvent::fixed_len(19), 16);
    assert_vector(&bytes, 19, &Message::from(m));
}

// ------------------------------------------------------------------------------------ AGENT_PRE_CALL_*

#[test]
fn agent_pre_call_event_v24() {
    let bytes = hex(r#"
        0000004A 00000069          # 34 + 40 = 74, AGENT_PRE_CALL_EVENT (105)
        00000000 0000 0000         # MonitorID, NumNamedVariables, NumNamedArrays
        0000000B 00001770          # ServiceNumber, ServiceID
        00000065 00001771 0000     # SkillGroupNumber, SkillGroupID, SkillGroupPriority
        00000001 00001390          # MRDID, AgentSkillTargetID (v20)
        0006 0005 "3001" 00
        0048 0004 0000D431  0049 0004 00000064
        0008 000B "9195551234" 00
    "#);
    let mut m = AgentPreCallEvent::default();
    m.service_number = 11;
    m.service_id = 6000;
    m.skill_group_number = 101;
    m.skill_group_id = 6001;
    m.mrd_id = 1;
    m.agent_skill_target_id = Some(5008);
    m.agent_instrument = s("3001");
    m.router_call_key_day = Some(54321);
    m.router_call_key_call_id = Some(100);
    m.ani = s("9195551234");
    assert_eq!(AgentPreCallEvent::fixed_len(24), 34);
    assert_vector(&bytes, 24, &Message::from(m));
}

#[test]
fn agent_pre_call_abort_event_v19() {
    let bytes = hex(r#"
        0000001B 0000006A  00000000 00000001   # 8 + 19 = 27: MonitorID, MRDID
        06 05 "3001" 00  48 04 0000D431  49 04 00000064
    "#);
    let mut m = AgentPreCallAbortEvent::default();
    m.mrd_id = 1;
    m.agent_instrument = s("3001");
    m.router_call_key_day = Some(54321);
    m.router_call_key_call_id = Some(100);
    assert_vector(&bytes, 19, &Message::from(m));
}
