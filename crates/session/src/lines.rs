//! The JSON line format (documented with its compatibility promise in the [crate docs](crate#the-json-line-format)):
//! the lines of each kind of [`Update`](crate::Update), their readable form and their colours.

use cti_client::ClientEvent;
use cti_model::{Change, Model};
use serde_json::{Value, json};

use crate::devices::DeviceAnswer;
use crate::reconcile::{Answer, Cause, Outcome};

/// The version of the line format. It changes only if a field is ever renamed or removed or its meaning
/// changes (never so far): adding fields and line types keeps it (see the compatibility promise in the crate
/// docs). `cti demo`'s SUMMARY line carries it as `line_format`.
pub const LINE_FORMAT_VERSION: u32 = 1;

/// The lifecycle line of a client event (None for server messages).
pub fn lifecycle_json(e: &ClientEvent) -> Option<Value> {
    Some(match e {
        ClientEvent::Connecting { side } => json!({"type": "CONNECTING", "side": side.name()}),
        ClientEvent::AttemptFailed { side, reason } => {
            json!({"type": "ATTEMPT_FAILED", "side": side.name(), "reason": reason})
        }
        ClientEvent::Waiting { secs } => json!({"type": "WAITING", "secs": secs}),
        ClientEvent::Connected {
            side,
            services_requested,
            services_granted,
            pg_status,
            peripheral_online,
        } => json!({
            "type": "CONNECTED",
            "side": side.name(),
            "services_requested": services_requested.0,
            "services_granted": services_granted.0,
            "services_not_granted": services_requested.0 & !services_granted.0,
            "pg_status": pg_status.0,
            "peripheral_online": peripheral_online,
        }),
        ClientEvent::Disconnected { side, reason } => {
            json!({"type": "DISCONNECTED", "side": side.name(), "reason": reason})
        }
        ClientEvent::Stopped(err) => json!({"type": "STOPPED", "error": err.to_string()}),
        ClientEvent::Overflow { side, capacity } => {
            json!({"type": "OVERFLOW", "side": side.name(), "capacity": capacity})
        }
        _ => return None,
    })
}

/// The RECONCILING line: `side` (the session's side), `calls` (SNAPSHOT_CALL_REQs sent), and for a peripheral
/// that came back online its `peripheral_id`.
pub fn reconciling_json(cause: Cause, side: &str, calls: usize) -> Value {
    match cause {
        Cause::Reconnect(_) => json!({"type": "RECONCILING", "side": side, "calls": calls}),
        Cause::PeripheralOnline(id) => json!({
            "type": "RECONCILING",
            "side": side,
            "calls": calls,
            "peripheral_id": id,
        }),
    }
}

/// The CALL_RECONCILED line of an answer: `connection_call_id`, `connection_device_id`, `outcome`, `applied`
/// (whether the model changed), `error` (for `unsettled`).
pub fn reconciled_json(answer: &Answer, applied: bool) -> Value {
    let key = &answer.key;
    json!({
        "type": "CALL_RECONCILED",
        "connection_call_id": key.connection_call_id,
        "connection_device_id": key.device_id.to_string(),
        "outcome": answer.outcome.name(answer.cause),
        "applied": applied,
        "error": match &answer.outcome { Outcome::Unsettled(e) => Some(e.as_str()), _ => None },
    })
}

/// The RECONCILING_DEVICES line: `side` (the session's side), `devices` (SNAPSHOT_DEVICE_REQs sent).
pub fn reconciling_devices_json(side: &str, devices: usize) -> Value {
    json!({"type": "RECONCILING_DEVICES", "side": side, "devices": devices})
}

/// The DEVICE_RECONCILED line of a device answer: `peripheral_id`, `agent_id`, `instrument`, `calls` (the
/// ConnectionCallIDs listed at the device), `discovered` (how many the model did not know), `error` (when no
/// answer settled it).
pub fn device_reconciled_json(answer: &DeviceAnswer, discovered: usize) -> Value {
    let d = &answer.device;
    let calls: Vec<u32> = answer
        .found
        .as_ref()
        .map(|f| f.iter().map(|c| c.key.connection_call_id).collect())
        .unwrap_or_default();
    json!({
        "type": "DEVICE_RECONCILED",
        "peripheral_id": d.peripheral_id,
        "agent_id": d.agent_id,
        "instrument": d.instrument,
        "calls": calls,
        "discovered": discovered,
        "error": answer.found.as_ref().err(),
    })
}

/// The model line of a change (None for changes not shown).
pub fn change_json(c: &Change, model: &Model) -> Option<Value> {
    Some(match c {
        Change::CallBegan(key) => {
            let call = model.call(key);
            let s = |v: Option<&cti_proto::CtiString>| v.map(ToString::to_string);
            json!({
                "type": "CALL_BEGAN",
                "connection_call_id": key.connection_call_id,
                "connection_device_id": key.device_id.to_string(),
                "ani": s(call.and_then(|c| c.ani.as_ref())),
                "dnis": s(call.and_then(|c| c.dnis.as_ref())),
            })
        }
        Change::CallDiscovered {
            key,
            by,
            after_outage,
            known,
            unknown,
        } => {
            let call = model.call(key);
            let s = |v: Option<&cti_proto::CtiString>| v.map(ToString::to_string);
            json!({
                "type": "CALL_DISCOVERED",
                "connection_call_id": key.connection_call_id,
                "connection_device_id": key.device_id.to_string(),
                "by": by,
                "after_outage": after_outage,
                "known": known,
                "unknown": unknown,
                "peripheral_id": call.map(|c| c.peripheral_id),
                "state": call.map(|c| c.state),
                "ani": s(call.and_then(|c| c.ani.as_ref())),
                "dnis": s(call.and_then(|c| c.dnis.as_ref())),
            })
        }
        Change::CallSuspended(key) => json!({
            "type": "CALL_SUSPENDED",
            "connection_call_id": key.connection_call_id,
            "connection_device_id": key.device_id.to_string(),
            "peripheral_id": model.call(key).map(|c| c.peripheral_id),
        }),
        Change::CallResumed { key, gap } => json!({
            "type": "CALL_RESUMED",
            "connection_call_id": key.connection_call_id,
            "connection_device_id": key.device_id.to_string(),
            "gap_secs": gap.as_secs_f64(),
        }),
        Change::CallEnded { key, reason } => json!({
            "type": "CALL_ENDED",
            "connection_call_id": key.connection_call_id,
            "connection_device_id": key.device_id.to_string(),
            "reason": reason.to_string(),
        }),
        Change::CallRekeyed { from, to } => json!({
            "type": "CALL_REKEYED",
            "from": from.connection_call_id,
            "to": to.connection_call_id,
        }),
        Change::AgentRekeyed { from, to } => {
            json!({"type": "AGENT_REKEYED", "from": from, "to": to})
        }
        Change::PeripheralStatus {
            peripheral_id,
            online,
        } => {
            json!({"type": "PERIPHERAL_STATUS", "peripheral_id": peripheral_id, "online": online})
        }
        _ => return None,
    })
}

/// The kind of a line: its `"type"` (empty when it has none).
pub fn kind(v: &Value) -> &str {
    v.get("type").and_then(Value::as_str).unwrap_or_default()
}

/// How a line stands out, by its kind; each renderer (ANSI lines, the dashboard) maps a tone to its colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// The session was lost or the client stopped, a FAILURE_EVENT (red).
    Trouble,
    /// A session opened (green).
    Connected,
    /// Connecting, waiting, SYSTEM_EVENT (yellow).
    Connecting,
    /// A change of the call model or its reconciliation (cyan).
    Model,
    /// BEGIN_CALL_EVENT / END_CALL_EVENT (bold).
    CallEdge,
    /// A fault the demo injected (magenta).
    Injected,
    /// Everything else.
    Plain,
}

/// The tone of a line of kind `kind`.
pub fn tone(kind: &str) -> Tone {
    match kind {
        "DISCONNECTED" | "STOPPED" | "FAILURE_EVENT" | "OVERFLOW" => Tone::Trouble,
        "CONNECTED" => Tone::Connected,
        "CONNECTING" | "ATTEMPT_FAILED" | "WAITING" | "SYSTEM_EVENT" => Tone::Connecting,
        "CALL_BEGAN"
        | "CALL_ENDED"
        | "CALL_REKEYED"
        | "AGENT_REKEYED"
        | "CALL_RECONCILED"
        | "RECONCILING"
        | "PERIPHERAL_STATUS"
        | "CALL_DISCOVERED"
        | "CALL_SUSPENDED"
        | "CALL_RESUMED"
        | "RECONCILING_DEVICES"
        | "DEVICE_RECONCILED" => Tone::Model,
        "BEGIN_CALL_EVENT" | "END_CALL_EVENT" => Tone::CallEdge,
        k if k.ends_with("_INJECTED") => Tone::Injected,
        _ => Tone::Plain,
    }
}

/// The ANSI colour of a tone.
fn ansi(t: Tone) -> Option<&'static str> {
    Some(match t {
        Tone::Trouble => "\x1b[31m",
        Tone::Connected => "\x1b[32m",
        Tone::Connecting => "\x1b[33m",
        Tone::Model => "\x1b[36m",
        Tone::CallEdge => "\x1b[1m",
        Tone::Injected => "\x1b[35m",
        Tone::Plain => return None,
    })
}

/// A readable line, coloured when `colour_on` (standard output is a terminal and NO_COLOR is not set).
pub fn readable_line(v: &Value, colour_on: bool) -> String {
    let text = readable(v);
    match ansi(tone(kind(v))) {
        Some(c) if colour_on => format!("{c}{text}\x1b[0m"),
        _ => text,
    }
}

/// One readable line for a JSON line: the type, then the fields a reader looks for, as `key=value`.
pub fn readable(v: &Value) -> String {
    let k = kind(v);
    let mut parts = vec![if k.is_empty() { "?" } else { k }.to_owned()];
    for key in [
        "side",
        "failed_side",
        "reason",
        "outcome",
        "connection_call_id",
        "by",
        "gap_secs",
        "discovered",
        "agent_id",
        "agent_state",
        "ani",
        "dnis",
        "peripheral_id",
        "online",
        "system_event_id",
        "status",
    ] {
        if let Some(x) = v.get(key).filter(|x| !x.is_null()) {
            parts.push(format!(
                "{key}={}",
                x.as_str().map_or_else(|| x.to_string(), str::to_owned)
            ));
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn suspended_and_resumed_lines() {
        use cti_model::CallKey;
        use cti_proto::constants::CONNECTION_ID_STATIC;
        let key = CallKey::new(7, CONNECTION_ID_STATIC, "7");
        let model = Model::default();
        let gap = std::time::Duration::from_millis(2_500);
        assert_eq!(
            change_json(&Change::CallSuspended(key.clone()), &model),
            Some(json!({"type": "CALL_SUSPENDED", "connection_call_id": 7,
                        "connection_device_id": "7", "peripheral_id": null}))
        );
        assert_eq!(
            change_json(&Change::CallResumed { key, gap }, &model),
            Some(json!({"type": "CALL_RESUMED", "connection_call_id": 7,
                        "connection_device_id": "7", "gap_secs": 2.5}))
        );
    }

    #[test]
    fn readable_lines_and_colours() {
        let v = json!({"type": "DISCONNECTED", "side": "A", "reason": "reset"});
        assert_eq!(readable_line(&v, false), "DISCONNECTED side=A reason=reset");
        assert_eq!(
            readable_line(&v, true),
            "\x1b[31mDISCONNECTED side=A reason=reset\x1b[0m"
        );
        let e =
            json!({"type": "CALL_DELIVERED_EVENT", "connection_call_id": 7, "ani": "4085550100"});
        assert_eq!(
            readable_line(&e, true),
            "CALL_DELIVERED_EVENT connection_call_id=7 ani=4085550100"
        );
        let f = json!({"type": "FAILOVER_INJECTED", "failed_side": "B"});
        assert_eq!(
            readable_line(&f, true),
            "\x1b[35mFAILOVER_INJECTED failed_side=B\x1b[0m"
        );
        assert_eq!(readable(&json!({"x": 1})), "?");
        let r = json!({"type": "CALL_RESUMED", "connection_call_id": 7, "gap_secs": 12.5});
        assert_eq!(
            readable_line(&r, true),
            "\x1b[36mCALL_RESUMED connection_call_id=7 gap_secs=12.5\x1b[0m"
        );
        assert_eq!(kind(&json!({"type": 3})), "");
    }
}
