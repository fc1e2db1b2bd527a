//! Following a source from outside: [`LiveState`] is what a consumer that starts late does to get the live
//! calls and agents and then every change, without a gap — read the position marker, read both KV buckets,
//! then apply the stream from the position on.
//!
//! The gateway writes a batch's KV values only after its stream records are stored, and then the source's
//! position marker (`<source>._position` in `cti_calls`: `cti_seq`, `stream_seq`), in that order. So everything
//! up to the marker's `cti_seq` is in the buckets when the marker is read; values read afterwards may be newer
//! still, which is why every value carries the `cti_seq` of the record that made it and a record is applied to a
//! key only when it is newer than the value held.

use std::collections::BTreeMap;

use async_nats::jetstream;
use futures_util::StreamExt as _;
use serde_json::Value;

use crate::subjects::{AGENTS_BUCKET, CALLS_BUCKET, POSITION_KEY, position_key};

/// The live calls and agents of one source, keyed by their KV keys, as JSON values with `cti_seq`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveState {
    /// Live calls (`cti_calls` keys → the call).
    pub calls: BTreeMap<String, Value>,
    /// Known agents (`cti_agents` keys → the agent).
    pub agents: BTreeMap<String, Value>,
}

/// What [`LiveState::apply`] made of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Applied {
    /// The state changed.
    Changed,
    /// Nothing to do (not a call or agent record, or the state already had it).
    Unchanged,
    /// A `session.gap` record: records were lost before they reached the stream; the buckets were written again
    /// with the whole state, so read them again ([`LiveState::load`]).
    Reload,
}

/// Why the state could not be read.
#[derive(Debug, thiserror::Error)]
#[error("reading the live state: {0}")]
pub struct FollowError(String);

fn err(e: impl std::fmt::Display) -> FollowError {
    FollowError(e.to_string())
}

fn seq_of(v: &Value) -> u64 {
    v.get("cti_seq").and_then(Value::as_u64).unwrap_or(0)
}

impl LiveState {
    /// Reads the position marker, then both buckets; returns the state and the stream sequence to follow from
    /// (1 when the source has published nothing yet).
    pub async fn load(
        js: &jetstream::Context,
        source: &str,
    ) -> Result<(LiveState, u64), FollowError> {
        let calls = js.get_key_value(CALLS_BUCKET).await.map_err(err)?;
        let position: Option<Value> = calls
            .get(position_key(source))
            .await
            .map_err(err)?
            .and_then(|b| serde_json::from_slice(&b).ok());
        let from = position
            .as_ref()
            .and_then(|p| p.get("stream_seq"))
            .and_then(Value::as_u64)
            .map_or(1, |s| s + 1);
        let mut state = LiveState::default();
        for (bucket, map) in [
            (CALLS_BUCKET, &mut state.calls),
            (AGENTS_BUCKET, &mut state.agents),
        ] {
            let kv = js.get_key_value(bucket).await.map_err(err)?;
            let mut keys = kv.keys().await.map_err(err)?;
            let prefix = format!("{source}.");
            let mut wanted = Vec::new();
            while let Some(k) = keys.next().await {
                let k = k.map_err(err)?;
                if k.starts_with(&prefix) && !k.ends_with(POSITION_KEY) {
                    wanted.push(k);
                }
            }
            for k in wanted {
                // A key deleted between the listing and the read is simply gone.
                if let Some(v) = kv.get(&k).await.map_err(err)?
                    && let Ok(v) = serde_json::from_slice(&v)
                {
                    map.insert(k, v);
                }
            }
        }
        Ok((state, from))
    }

    /// Applies one stream record of the source (its subject and JSON body).
    pub fn apply(&mut self, subject: &str, body: &Value) -> Applied {
        let mut parts = subject.splitn(4, '.');
        let (Some("cti"), Some(_), Some(kind), Some(name)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Applied::Unchanged;
        };
        let seq = seq_of(body);
        let key = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
        let (map, field) = match kind {
            "call" => (&mut self.calls, "call"),
            "agent" => (&mut self.agents, "agent"),
            "session" if name == "gap" => return Applied::Reload,
            _ => return Applied::Unchanged,
        };
        let Some(kv_key) = key("kv_key") else {
            return Applied::Unchanged;
        };
        let newer =
            |map: &BTreeMap<String, Value>, k: &str| map.get(k).is_none_or(|v| seq_of(v) < seq);
        let mut changed = false;
        if let Some(from) = key("from_kv_key")
            && newer(map, &from)
        {
            changed |= map.remove(&from).is_some();
        }
        if kind == "call" && name == "ended" {
            if newer(map, &kv_key) {
                changed |= map.remove(&kv_key).is_some();
            }
        } else if let Some(Value::Object(v)) = body.get(field)
            && newer(map, &kv_key)
        {
            let mut v = v.clone();
            v.insert("cti_seq".into(), Value::from(seq));
            map.insert(kv_key, Value::Object(v));
            changed = true;
        }
        if changed {
            Applied::Changed
        } else {
            Applied::Unchanged
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn records_apply_by_key_only_when_newer() {
        let mut s = LiveState::default();
        let began = json!({"cti_seq": 5, "kv_key": "pg1.7.0.3001", "call": {"ani": "1"}});
        assert_eq!(s.apply("cti.pg1.call.began", &began), Applied::Changed);
        assert_eq!(s.calls["pg1.7.0.3001"], json!({"ani": "1", "cti_seq": 5}));
        // An older or equal record changes nothing; a newer one replaces.
        assert_eq!(s.apply("cti.pg1.call.began", &began), Applied::Unchanged);
        let changed = json!({"cti_seq": 9, "kv_key": "pg1.7.0.3001", "call": {"ani": "2"}});
        assert_eq!(s.apply("cti.pg1.call.changed", &changed), Applied::Changed);
        let rekeyed = json!({"cti_seq": 10, "from_kv_key": "pg1.7.0.3001", "kv_key": "pg1.8.0.3001", "call": {"ani": "2"}});
        assert_eq!(s.apply("cti.pg1.call.rekeyed", &rekeyed), Applied::Changed);
        assert_eq!(s.calls.keys().collect::<Vec<_>>(), ["pg1.8.0.3001"]);
        let ended = json!({"cti_seq": 11, "kv_key": "pg1.8.0.3001"});
        assert_eq!(s.apply("cti.pg1.call.ended", &ended), Applied::Changed);
        assert!(s.calls.is_empty());
        let agent =
            json!({"cti_seq": 12, "kv_key": "pg1.1001", "agent": {"state": "AGENT_STATE_TALKING"}});
        assert_eq!(
            s.apply("cti.pg1.agent.AGENT_STATE_TALKING", &agent),
            Applied::Changed
        );
        assert_eq!(s.agents.len(), 1);
        assert_eq!(
            s.apply("cti.pg1.event.BEGIN_CALL_EVENT", &json!({"cti_seq": 13})),
            Applied::Unchanged
        );
        assert_eq!(
            s.apply("cti.pg1.session.gap", &json!({"cti_seq": 14})),
            Applied::Reload
        );
        assert_eq!(s.apply("nonsense", &json!({})), Applied::Unchanged);
    }
}
