//! Request-reply control over NATS: `cti.<source>.request.<agent|call>.<verb>` with a JSON body, mapped to the
//! client's typed requests (served only for a source whose configuration sets `control = true` and whose
//! session has CLIENT_CONTROL). The reply is `{"ok": true, "conf": {...}}` with the CONF's JSON form, or
//! `{"ok": false, "error": {"kind", "name", "text"}}` with the E_CTI / CF name when the CTI Server refused. A
//! body that does not parse, an unknown verb or a missing field get an error reply and nothing reaches the CTI
//! Server.
//!
//! | subject | body (besides `peripheral_id` and the agent: `agent_id` / `extension` / `instrument`) |
//! |---|---|
//! | `request.agent.query` | — (QUERY_AGENT_STATE_REQ) |
//! | `request.agent.state` | `state` (`AGENT_STATE_READY`, ...), `reason_code`, `password` |
//! | `request.call.make` | `dialed_number` |
//! | `request.call.answer` / `release` / `clear` / `clear_connection` / `hold` / `retrieve` | `call` |
//! | `request.call.consult` | `active`, `dialed_number` |
//! | `request.call.alternate` | `active`, `other` |
//! | `request.call.transfer` / `conference` | `active`, `held` |
//! | `request.call.set_data` | `call`, `variables` (`{"1": "VIP", ...}`), `ecc` (`{"user.tier": "gold"}`) |
//!
//! A call is `{"connection_call_id": N, "device_id": "...", "device_id_type": 0}` (type optional: static).

use std::collections::BTreeMap;

use cti_client::{Agent, CallRef, Client, ClientError};
use cti_proto::constants::{AgentState, ConnectionDeviceIdType};
use futures_util::StreamExt as _;
use serde::Deserialize;
use serde_json::{Value, json};

/// A call as a request names it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CallBody {
    connection_call_id: u32,
    device_id: String,
    #[serde(default)]
    device_id_type: u16,
}

impl CallBody {
    fn to_ref(&self) -> CallRef {
        CallRef {
            connection_call_id: self.connection_call_id,
            device_id_type: ConnectionDeviceIdType(self.device_id_type),
            device_id: self.device_id.clone(),
        }
    }
}

/// Every field any request may carry; each verb checks the ones it needs.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    peripheral_id: u32,
    agent_id: Option<String>,
    extension: Option<String>,
    instrument: Option<String>,
    state: Option<String>,
    #[serde(default)]
    reason_code: u16,
    password: Option<String>,
    dialed_number: Option<String>,
    call: Option<CallBody>,
    active: Option<CallBody>,
    held: Option<CallBody>,
    other: Option<CallBody>,
    #[serde(default)]
    variables: BTreeMap<u8, String>,
    #[serde(default)]
    ecc: BTreeMap<String, String>,
}

/// Why a request was not sent, or what the CTI Server said.
fn error(kind: &str, name: &str, text: impl std::fmt::Display) -> Value {
    json!({"ok": false, "error": {"kind": kind, "name": name, "text": text.to_string()}})
}

fn refused(e: &ClientError) -> Value {
    let name = match e {
        ClientError::Failure(status) => status.to_string(),
        ClientError::ControlFailure { code, .. } => code.to_string(),
        _ => String::new(),
    };
    error(&format!("{:?}", e.kind()), &name, e)
}

fn need<'a, T>(v: Option<&'a T>, field: &str) -> Result<&'a T, Value> {
    v.ok_or_else(|| error("BadRequest", "", format!("missing field `{field}`")))
}

fn ok(conf: Option<Value>) -> Value {
    match conf {
        Some(c) => json!({"ok": true, "conf": c}),
        None => json!({"ok": true}),
    }
}

fn done<T: Into<cti_proto::Message>>(r: Result<T, ClientError>) -> Value {
    match r {
        Ok(conf) => ok(serde_json::to_value(conf.into()).ok()),
        Err(e) => refused(&e),
    }
}

fn done_unit(r: Result<(), ClientError>) -> Value {
    match r {
        Ok(()) => ok(None),
        Err(e) => refused(&e),
    }
}

/// Answers one request: `verb` is `agent.state`, `call.make`, ...
pub(crate) async fn answer(client: &Client, verb: &str, payload: &[u8]) -> Value {
    let body: Body = match serde_json::from_slice(payload) {
        Ok(b) => b,
        Err(e) => return error("BadRequest", "", format!("the body is not a request: {e}")),
    };
    match run(client, verb, &body).await {
        Ok(v) | Err(v) => v,
    }
}

async fn run(client: &Client, verb: &str, b: &Body) -> Result<Value, Value> {
    let agent = Agent {
        peripheral_id: b.peripheral_id,
        agent_id: b.agent_id.clone(),
        extension: b.extension.clone(),
        instrument: b.instrument.clone(),
    };
    let call = || need(b.call.as_ref(), "call").map(CallBody::to_ref);
    let active = || need(b.active.as_ref(), "active").map(CallBody::to_ref);
    Ok(match verb {
        "agent.query" => done(client.query_agent_state(&agent).await),
        "agent.state" => {
            let name = need(b.state.as_ref(), "state")?;
            let state: AgentState = name
                .parse()
                .map_err(|e| error("BadRequest", "", format!("state: {e}")))?;
            done_unit(
                client
                    .set_agent_state(&agent, state, b.reason_code, b.password.as_deref())
                    .await,
            )
        }
        "call.make" => done(
            client
                .make_call(&agent, need(b.dialed_number.as_ref(), "dialed_number")?)
                .await,
        ),
        "call.answer" => done_unit(client.answer_call(&agent, &call()?).await),
        "call.release" => done_unit(client.release_call(&agent, &call()?).await),
        "call.clear" => done_unit(client.clear_call(&agent, &call()?).await),
        "call.clear_connection" => done_unit(client.clear_connection(&agent, &call()?).await),
        "call.hold" => done_unit(client.hold_call(&agent, &call()?).await),
        "call.retrieve" => done_unit(client.retrieve_call(&agent, &call()?).await),
        "call.consult" => done(
            client
                .consultation_call(
                    &agent,
                    &active()?,
                    need(b.dialed_number.as_ref(), "dialed_number")?,
                )
                .await,
        ),
        "call.alternate" => {
            let other = need(b.other.as_ref(), "other")?.to_ref();
            done_unit(client.alternate_call(&agent, &active()?, &other).await)
        }
        "call.transfer" => {
            let held = need(b.held.as_ref(), "held")?.to_ref();
            done(client.transfer_call(&agent, &active()?, &held).await)
        }
        "call.conference" => {
            let held = need(b.held.as_ref(), "held")?.to_ref();
            done(client.conference_call(&agent, &active()?, &held).await)
        }
        "call.set_data" => {
            let vars: Vec<(u8, String)> =
                b.variables.iter().map(|(n, v)| (*n, v.clone())).collect();
            let ecc: Vec<(String, String)> =
                b.ecc.iter().map(|(n, v)| (n.clone(), v.clone())).collect();
            done_unit(
                client
                    .set_call_data(b.peripheral_id, &call()?, &vars, &ecc)
                    .await,
            )
        }
        other => error("BadRequest", "", format!("unknown request {other:?}")),
    })
}

/// Serves `cti.<source>.request.>` until the subscription ends.
pub(crate) async fn serve(nats: async_nats::Client, source: String, client: Client) {
    let prefix = format!("cti.{source}.request.");
    let mut sub = match nats.subscribe(format!("{prefix}>")).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("{source}: cannot serve requests: {e}");
            return;
        }
    };
    while let Some(m) = sub.next().await {
        let Some(reply) = m.reply.clone() else {
            continue;
        };
        let verb = m
            .subject
            .as_str()
            .strip_prefix(&prefix)
            .unwrap_or_default()
            .to_owned();
        let (nats, client) = (nats.clone(), client.clone());
        tokio::spawn(async move {
            let v = answer(&client, &verb, &m.payload).await;
            let _ = nats.publish(reply, v.to_string().into()).await;
        });
    }
}
