//! Credentials: `cti decode` redacts ClientPassword / AgentPassword unless given `--show-secrets`, and
//! `cti encode` refuses the redaction placeholder instead of sending the text `<redacted>` as the password.

mod common;

use common::{cti, hex, text};

/// OPEN_REQ v24, ClientID "recorder-1", ClientPassword "hunter2" (tag 2, 7 bytes, last on the line); v24 floating
/// headers are 2-byte tag, 2-byte length.
const OPEN_REQ: &str = "00000046 00000003 00000001 00000018 00000014 ffffffff 00000010 00006000 00000000 \
                        00000000 00000000 00000000 00000000 0001 000b 7265636f726465722d3100 \
                        0002 0007 68756e74657232";

fn open_req_json(password: &str) -> String {
    format!(
        "{{\"type\":\"OPEN_REQ\",\"invoke_id\":1,\"version_number\":24,\"idle_timeout\":20,\
         \"peripheral_id\":4294967295,\"services_requested\":16,\"call_msg_mask\":24576,\
         \"agent_state_mask\":0,\"config_msg_mask\":0,\"reserved_1\":0,\"reserved_2\":0,\"reserved_3\":0,\
         \"client_id\":\"recorder-1\",\"client_password\":\"{password}\"}}\n"
    )
}

/// SET_AGENT_STATE_REQ AGENT_STATE_LOGIN for agent 1001 with AgentPassword "1234" (tag 49, a STRING).
const SET_AGENT_STATE_REQ: &str = "00000027 00000026 00000007 00001388 0000 0000 0000 0000 00 00000000 \
                                   0005 0005 3130303100 0031 0005 3132333400";

fn set_agent_state_json(password: &str) -> String {
    format!(
        "{{\"type\":\"SET_AGENT_STATE_REQ\",\"invoke_id\":7,\"peripheral_id\":5000,\
         \"agent_state\":\"AGENT_STATE_LOGIN\",\"agent_work_mode\":\"AWM_UNSPECIFIED\",\"event_reason_code\":0,\
         \"forced_flag\":\"FORCED_FLAG_FALSE\",\"agent_service_req\":0,\"agent_id\":\"1001\",\
         \"agent_password\":\"{password}\",\"skill_groups\":[]}}\n"
    )
}

#[test]
fn decode_redacts_unless_show_secrets() {
    for (frame, json) in [
        (OPEN_REQ, open_req_json as fn(&str) -> String),
        (SET_AGENT_STATE_REQ, set_agent_state_json),
    ] {
        let (code, out, err) = text(&cti(&["decode"], &hex(frame)));
        assert_eq!(
            (code, out.as_str(), err.as_str()),
            (Some(0), json("<redacted>").as_str(), "")
        );
        let (code, out, err) = text(&cti(&["decode", "--show-secrets"], &hex(frame)));
        let clear = if frame == OPEN_REQ { "hunter2" } else { "1234" };
        assert_eq!(
            (code, out.as_str(), err.as_str()),
            (Some(0), json(clear).as_str(), "")
        );
    }
}

#[test]
fn show_secrets_output_encodes_back_to_the_same_bytes() {
    let mut input = hex(OPEN_REQ);
    input.extend(hex(SET_AGENT_STATE_REQ));
    let decoded = cti(&["decode", "--show-secrets"], &input);
    assert_eq!(decoded.status.code(), Some(0));
    let encoded = cti(&["encode"], &decoded.stdout);
    assert_eq!(encoded.status.code(), Some(0));
    assert_eq!(encoded.stdout, input);
}

#[test]
fn encode_refuses_the_placeholder_and_names_the_field() {
    let cases = [
        (open_req_json("<redacted>"), "OPEN_REQ: client_password"),
        (
            set_agent_state_json("<redacted>"),
            "SET_AGENT_STATE_REQ: agent_password",
        ),
    ];
    for (json, field) in cases {
        // A valid line first: its bytes are written, nothing of the refused line.
        let input = format!("{{\"type\":\"HEARTBEAT_REQ\",\"invoke_id\":9}}\n{json}");
        let out = cti(&["encode"], input.as_bytes());
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(out.stdout, hex("00000004 00000005 00000009"));
        let (_, _, err) = text(&out);
        assert_eq!(
            err,
            format!(
                "cti encode: line 2: {field}: the value is the redaction placeholder \"<redacted>\", not a \
                 credential; give the real value (`cti decode` redacts credentials unless given \
                 --show-secrets)\n"
            )
        );
    }
}

#[test]
fn empty_credentials_stay_empty() {
    // An empty ClientPassword is normal: it is shown as "" (not redacted) and encodes.
    let json = open_req_json("");
    let encoded = cti(&["encode"], json.as_bytes());
    assert_eq!(encoded.status.code(), Some(0));
    let (code, out, _) = text(&cti(&["decode"], &encoded.stdout));
    assert_eq!((code, out), (Some(0), json));
}
