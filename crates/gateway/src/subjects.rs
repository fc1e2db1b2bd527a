//! Subject and KV key names (a contract: documented in the README, never renamed).
//!
//! | subject | what |
//! |---|---|
//! | `cti.<source>.event.<MESSAGE_TYPE>` | every server message, its JSON form (`BEGIN_CALL_EVENT`, `AGENT_STATE_EVENT`, ...) |
//! | `cti.<source>.call.<began\|changed\|ended\|rekeyed>` | the call model's changes, with the whole call |
//! | `cti.<source>.agent.<AGENT_STATE_…>` | an agent's new state (e.g. `agent.AGENT_STATE_TALKING`), with the whole agent |
//! | `cti.<source>.agent.rekeyed` | an agent known by its device is now keyed by its AgentID |
//! | `cti.<source>.session.<connecting\|attempt_failed\|waiting\|connected\|disconnected\|stopped\|reconciling\|reconciled\|peripheral_status\|gap\|…>` | lifecycle and reconciliation |
//! | `cti.<source>.request.<agent\|call>.<verb>` | request-reply control (not stored; see [`crate::config::SourceConfig::control`]) |
//!
//! KV keys: `cti_calls` holds `<source>.<ConnectionCallID>.<ConnectionDeviceIDType>.<ConnectionDeviceID>`,
//! `cti_agents` holds `<source>.<agent key>`; bytes outside `A-Z a-z 0-9 _ -` in an id are written `=XX` (hex).

use cti_model::CallKey;

/// The stream's subjects: what the gateway publishes — not `cti.<source>.request.>`, which is request-reply
/// control (a stream on `cti.>` would store the requests and answer them with its own acks).
pub const STREAM_SUBJECTS: [&str; 4] = [
    "cti.*.event.>",
    "cti.*.call.>",
    "cti.*.agent.>",
    "cti.*.session.>",
];
/// The live calls bucket.
pub const CALLS_BUCKET: &str = "cti_calls";
/// The live agents bucket.
pub const AGENTS_BUCKET: &str = "cti_agents";
/// The key in each bucket, per source, that says up to where the bucket is complete: `<source>._position`.
pub const POSITION_KEY: &str = "_position";

/// `cti.<source>.<kind>.<name>`.
pub fn subject(source: &str, kind: &str, name: &str) -> String {
    let mut s = String::with_capacity(8 + source.len() + kind.len() + name.len());
    s.push_str("cti.");
    s.push_str(source);
    s.push('.');
    s.push_str(kind);
    s.push('.');
    s.push_str(name);
    s
}

/// An id as a KV key part: `A-Z a-z 0-9 _ -` as they are, every other byte `=XX`.
pub fn key_part(id: &str, out: &mut String) {
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            out.push(char::from(b));
        } else {
            out.push('=');
            out.push(hex(b >> 4));
            out.push(hex(b & 0xf));
        }
    }
    if id.is_empty() {
        out.push('=');
    }
}

fn hex(n: u8) -> char {
    char::from(
        b"0123456789ABCDEF"
            .get(usize::from(n))
            .copied()
            .unwrap_or(b'0'),
    )
}

/// The `cti_calls` key of a call.
pub fn call_key(source: &str, key: &CallKey) -> String {
    let mut s = format!(
        "{source}.{}.{}.",
        key.connection_call_id, key.device_id_type.0
    );
    key_part(&key.device_id.to_string(), &mut s);
    s
}

/// The `cti_agents` key of an agent.
pub fn agent_key(source: &str, agent_id: &str) -> String {
    let mut s = format!("{source}.");
    key_part(agent_id, &mut s);
    s
}

/// The position key of a source in either bucket.
pub fn position_key(source: &str) -> String {
    format!("{source}.{POSITION_KEY}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use cti_proto::constants::CONNECTION_ID_STATIC;

    #[test]
    fn names() {
        assert_eq!(
            subject("pg1", "event", "BEGIN_CALL_EVENT"),
            "cti.pg1.event.BEGIN_CALL_EVENT"
        );
        let k = CallKey::new(16_777_244, CONNECTION_ID_STATIC, "3001");
        assert_eq!(call_key("pg1", &k), "pg1.16777244.0.3001");
        let odd = CallKey::new(7, CONNECTION_ID_STATIC, "SIP/3001@x y");
        assert_eq!(call_key("pg1", &odd), "pg1.7.0.SIP=2F3001=40x=20y");
        assert_eq!(agent_key("pg1", "1001"), "pg1.1001");
        assert_eq!(agent_key("pg1", ""), "pg1.=");
        assert_eq!(position_key("pg2"), "pg2._position");
    }
}
