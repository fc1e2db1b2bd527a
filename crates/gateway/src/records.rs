//! From session updates to what is published: stream records (subject, headers, JSON body) numbered per source
//! without holes, and the KV writes that keep the live state. Pure: no NATS here.

use std::time::SystemTime;

use bytes::Bytes;
use cti_model::{Change, Model};
use cti_session::lines::{change_json, lifecycle_json, reconciled_json, reconciling_json};
use cti_session::{Update, UpdateKind};
use serde_json::{Value, json};

use crate::rfc3339;
use crate::subjects::{AGENTS_BUCKET, CALLS_BUCKET, agent_key, call_key, subject};

/// One message for the stream.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamRecord {
    /// `cti.<source>.<kind>.<name>`.
    pub subject: String,
    /// The per-source sequence (`Cti-Seq`).
    pub seq: u64,
    /// Headers, in order: `Nats-Msg-Id`, `Cti-Source`, `Cti-Side`, `Cti-Session`, `Cti-Seq`, `Cti-Received`,
    /// `Cti-Version`.
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body.
    pub payload: Bytes,
    /// The body's `type` (`BEGIN_CALL_EVENT`, `CALL_BEGAN`, `CONNECTED`, `GAP`, ...), for filters.
    pub line_type: String,
}

/// One write to a KV bucket.
#[derive(Debug, Clone, PartialEq)]
pub enum KvOp {
    /// Put `value` at `key`.
    Put {
        /// `cti_calls` or `cti_agents`.
        bucket: &'static str,
        /// The key.
        key: String,
        /// The JSON value (with `cti_seq`).
        value: Bytes,
    },
    /// Delete `key`.
    Delete {
        /// `cti_calls` or `cti_agents`.
        bucket: &'static str,
        /// The key.
        key: String,
    },
    /// Delete every key of `bucket` that starts with `prefix` and is not in `keep` (after a resync, the keys
    /// of calls and agents that ended while records were lost).
    Prune {
        /// `cti_calls` or `cti_agents`.
        bucket: &'static str,
        /// `<source>.`
        prefix: String,
        /// The keys written by the resync.
        keep: std::collections::BTreeSet<String>,
    },
}

/// What one update becomes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    /// Stream records, in order.
    pub records: Vec<StreamRecord>,
    /// KV writes, in order, to be made once the records are stored.
    pub kv: Vec<KvOp>,
}

impl Batch {
    /// True when there is nothing to publish.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && self.kv.is_empty()
    }
}

/// The session's state when the update happened, for the headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    /// "A", "B" or "-" (no session open).
    pub side: &'static str,
    /// The CTI session number (sessions opened since the gateway started this source).
    pub session: u64,
    /// The protocol version.
    pub version: u32,
}

/// Numbers the records of one source and turns updates into batches.
#[derive(Debug, Clone)]
pub struct Recorder {
    source: String,
    next_seq: u64,
    /// Add the frame's bytes (`raw`, hex) to each event record, encoded at this protocol version.
    raw_frames: Option<u32>,
}

impl Recorder {
    /// A recorder for `source` whose first record gets `Cti-Seq` `next_seq` (1 for a new source; the sequence
    /// after the last one in the stream when a gateway takes over).
    pub fn new(source: impl Into<String>, next_seq: u64) -> Self {
        Recorder {
            source: source.into(),
            next_seq: next_seq.max(1),
            raw_frames: None,
        }
    }

    /// Adds `raw` to the body of each `event` record: the whole frame (header + body) as lowercase hex, encoded
    /// again from the decoded message at protocol `version`. For a well-formed frame these are the bytes that were
    /// received (the codec writes back what it read); only server-to-client messages are published, and they carry
    /// no password.
    #[must_use]
    pub fn with_raw_frames(mut self, version: u32) -> Self {
        self.raw_frames = Some(version);
        self
    }

    /// The `Cti-Seq` the next record gets.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The records and KV writes of one update. `model` is the session's model right after the update.
    pub fn batch(&mut self, u: &Update, model: &Model, ctx: Context) -> Batch {
        let mut b = Batch::default();
        if let Some((kind, name, line)) = event_line(u, self.raw_frames) {
            self.record(&mut b, u.received, ctx, kind, &name, line);
        }
        for c in &u.changes {
            self.change(&mut b, c, model, u.received, ctx);
        }
        b
    }

    /// The `session.gap` record: records `from..=to` were lost (the buffer overflowed while NATS was away).
    pub fn gap(&mut self, from: u64, to: u64, received: SystemTime, ctx: Context) -> Batch {
        let mut b = Batch::default();
        let line = json!({"type": "GAP", "from_seq": from, "to_seq": to, "lost": to + 1 - from});
        self.record(&mut b, received, ctx, "session", "gap", line);
        b
    }

    /// After a gap: KV writes that make both buckets equal to `model` again (every call and agent written, the
    /// keys of those gone pruned), tagged with the gap record's sequence `seq`.
    pub fn resync(&self, model: &Model, seq: u64) -> Vec<KvOp> {
        let mut ops = Vec::new();
        let mut keep = std::collections::BTreeSet::new();
        for call in model.calls() {
            let key = call_key(&self.source, &call.key);
            keep.insert(key.clone());
            ops.push(put(
                CALLS_BUCKET,
                key,
                serde_json::to_value(call).unwrap_or_default(),
                seq,
            ));
        }
        ops.push(KvOp::Prune {
            bucket: CALLS_BUCKET,
            prefix: format!("{}.", self.source),
            keep: std::mem::take(&mut keep),
        });
        for agent in model.agents() {
            let key = agent_key(&self.source, &agent.agent_id);
            keep.insert(key.clone());
            ops.push(put(
                AGENTS_BUCKET,
                key,
                serde_json::to_value(agent).unwrap_or_default(),
                seq,
            ));
        }
        ops.push(KvOp::Prune {
            bucket: AGENTS_BUCKET,
            prefix: format!("{}.", self.source),
            keep,
        });
        ops
    }

    /// After a gap whose lost records wrote only the keys in `keys` (bucket, key): KV writes that make those
    /// keys equal to `model` again — a put for each call or agent still there, a delete for the others — tagged
    /// with the gap record's sequence `seq`. The rest of the buckets was not touched by the lost records, so it
    /// is right already; this costs the keys lost, not the whole state.
    pub fn refresh(
        &self,
        model: &Model,
        keys: &std::collections::BTreeSet<(&'static str, String)>,
        seq: u64,
    ) -> Vec<KvOp> {
        let mut gone = keys.clone();
        let mut ops = Vec::new();
        for call in model.calls() {
            let key = (CALLS_BUCKET, call_key(&self.source, &call.key));
            if gone.remove(&key) {
                let value = serde_json::to_value(call).unwrap_or_default();
                ops.push(put(key.0, key.1, value, seq));
            }
        }
        for agent in model.agents() {
            let key = (AGENTS_BUCKET, agent_key(&self.source, &agent.agent_id));
            if gone.remove(&key) {
                let value = serde_json::to_value(agent).unwrap_or_default();
                ops.push(put(key.0, key.1, value, seq));
            }
        }
        ops.extend(
            gone.into_iter()
                .map(|(bucket, key)| KvOp::Delete { bucket, key }),
        );
        ops
    }

    /// Skips `n` sequence numbers (records that could not be buffered), returning the range skipped.
    pub fn skip(&mut self, n: u64) -> (u64, u64) {
        let from = self.next_seq;
        self.next_seq += n;
        (from, self.next_seq - 1)
    }

    fn change(&mut self, b: &mut Batch, c: &Change, model: &Model, t: SystemTime, ctx: Context) {
        let src = self.source.clone();
        match c {
            Change::CallBegan(key)
            | Change::CallChanged(key)
            | Change::CallDiscovered { key, .. }
            | Change::CallSuspended(key)
            | Change::CallResumed { key, .. } => {
                if let (Change::CallDiscovered { .. }, None) = (c, model.call(key)) {
                    // Discovered by its END_CALL_EVENT: the record says so, the ended record follows.
                    let line = change_json(c, model).unwrap_or_default();
                    self.record(b, t, ctx, "call", "discovered", line);
                    return;
                }
                let Some(call) = model.call(key) else { return };
                let (name, mut line) = match c {
                    Change::CallBegan(_) => ("began", change_json(c, model).unwrap_or_default()),
                    Change::CallDiscovered { .. } => {
                        ("discovered", change_json(c, model).unwrap_or_default())
                    }
                    Change::CallSuspended(_) => {
                        ("suspended", change_json(c, model).unwrap_or_default())
                    }
                    Change::CallResumed { .. } => {
                        ("resumed", change_json(c, model).unwrap_or_default())
                    }
                    _ => (
                        "changed",
                        json!({
                            "type": "CALL_CHANGED",
                            "connection_call_id": key.connection_call_id,
                            "connection_device_id": key.device_id.to_string(),
                        }),
                    ),
                };
                let call_json = serde_json::to_value(call).unwrap_or_default();
                let kv_key = call_key(&src, key);
                insert(&mut line, "call", call_json.clone());
                insert(&mut line, "kv_key", Value::String(kv_key.clone()));
                let seq = self.record(b, t, ctx, "call", name, line);
                b.kv.push(put(CALLS_BUCKET, kv_key, call_json, seq));
            }
            Change::CallEnded { key, .. } => {
                let mut line = change_json(c, model).unwrap_or_default();
                let kv_key = call_key(&src, key);
                insert(&mut line, "kv_key", Value::String(kv_key.clone()));
                self.record(b, t, ctx, "call", "ended", line);
                b.kv.push(KvOp::Delete {
                    bucket: CALLS_BUCKET,
                    key: kv_key,
                });
            }
            Change::CallRekeyed { from, to } => {
                let mut line = change_json(c, model).unwrap_or_default();
                let (old, new) = (call_key(&src, from), call_key(&src, to));
                let call_json = model
                    .call(to)
                    .and_then(|call| serde_json::to_value(call).ok());
                insert(&mut line, "from_kv_key", Value::String(old.clone()));
                insert(&mut line, "kv_key", Value::String(new.clone()));
                insert(&mut line, "call", call_json.clone().unwrap_or_default());
                let seq = self.record(b, t, ctx, "call", "rekeyed", line);
                b.kv.push(KvOp::Delete {
                    bucket: CALLS_BUCKET,
                    key: old,
                });
                if let Some(call_json) = call_json {
                    b.kv.push(put(CALLS_BUCKET, new, call_json, seq));
                }
            }
            Change::AgentChanged { agent_id, from, to } => {
                let agent_json = model
                    .agent(agent_id)
                    .and_then(|a| serde_json::to_value(a).ok())
                    .unwrap_or_default();
                let kv_key = agent_key(&src, agent_id);
                let line = json!({
                    "type": "AGENT_CHANGED",
                    "agent_id": agent_id,
                    "from": from.map(|s| s.to_string()),
                    "to": to.to_string(),
                    "agent": agent_json.clone(),
                    "kv_key": kv_key,
                });
                let seq = self.record(b, t, ctx, "agent", &to.to_string(), line);
                b.kv.push(put(AGENTS_BUCKET, kv_key, agent_json, seq));
            }
            Change::AgentRekeyed { from, to } => {
                let mut line = change_json(c, model).unwrap_or_default();
                let (old, new) = (agent_key(&src, from), agent_key(&src, to));
                let agent_json = model.agent(to).and_then(|a| serde_json::to_value(a).ok());
                insert(&mut line, "from_kv_key", Value::String(old.clone()));
                insert(&mut line, "kv_key", Value::String(new.clone()));
                insert(&mut line, "agent", agent_json.clone().unwrap_or_default());
                let seq = self.record(b, t, ctx, "agent", "rekeyed", line);
                b.kv.push(KvOp::Delete {
                    bucket: AGENTS_BUCKET,
                    key: old,
                });
                if let Some(agent) = agent_json {
                    b.kv.push(put(AGENTS_BUCKET, new, agent, seq));
                }
            }
            Change::PeripheralStatus { .. } => {
                let line = change_json(c, model).unwrap_or_default();
                self.record(b, t, ctx, "session", "peripheral_status", line);
            }
        }
    }

    /// Appends one stream record; returns its sequence.
    fn record(
        &mut self,
        b: &mut Batch,
        received: SystemTime,
        ctx: Context,
        kind: &str,
        name: &str,
        mut line: Value,
    ) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        insert(&mut line, "source", Value::String(self.source.clone()));
        insert(&mut line, "cti_seq", json!(seq));
        let line_type = line
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let headers = vec![
            ("Nats-Msg-Id", format!("cti:{}:{seq}", self.source)),
            ("Cti-Source", self.source.clone()),
            ("Cti-Side", ctx.side.to_owned()),
            ("Cti-Session", ctx.session.to_string()),
            ("Cti-Seq", seq.to_string()),
            ("Cti-Received", rfc3339::micros(received)),
            ("Cti-Version", ctx.version.to_string()),
        ];
        b.records.push(StreamRecord {
            subject: subject(&self.source, kind, name),
            seq,
            headers,
            payload: Bytes::from(serde_json::to_vec(&line).unwrap_or_default()),
            line_type,
        });
        seq
    }
}

fn insert(v: &mut Value, k: &str, x: Value) {
    if let Value::Object(map) = v {
        map.insert(k.to_owned(), x);
    }
}

fn put(bucket: &'static str, key: String, mut value: Value, seq: u64) -> KvOp {
    insert(&mut value, "cti_seq", json!(seq));
    KvOp::Put {
        bucket,
        key,
        value: Bytes::from(serde_json::to_vec(&value).unwrap_or_default()),
    }
}

/// A message's JSON, with `raw` (the frame in hex, encoded at that version) when asked for.
fn message_line(m: &cti_proto::Message, raw_frames: Option<u32>) -> Option<Value> {
    let mut line = serde_json::to_value(m).ok()?;
    if let Some(version) = raw_frames {
        let raw = m.to_bytes(version).map_or(Value::Null, |b| {
            Value::String(cti_proto::RawBytes(b).to_hex())
        });
        insert(&mut line, "raw", raw);
    }
    Some(line)
}

/// The event's own line: (subject kind, subject name, JSON).
fn event_line(u: &Update, raw_frames: Option<u32>) -> Option<(&'static str, String, Value)> {
    match &u.kind {
        UpdateKind::Client(cti_client::ClientEvent::Message(m)) => {
            Some(("event", m.name().to_owned(), message_line(m, raw_frames)?))
        }
        UpdateKind::Client(e) => {
            let line = lifecycle_json(e)?;
            let name = cti_session::lines::kind(&line).to_ascii_lowercase();
            Some(("session", name, line))
        }
        UpdateKind::Reconciling { cause, side, calls } => Some((
            "session",
            "reconciling".into(),
            reconciling_json(*cause, side.name(), *calls),
        )),
        UpdateKind::Reconciled { answer, applied } => Some((
            "session",
            "reconciled".into(),
            reconciled_json(answer, *applied),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    use cti_proto::message::BeginCallEvent;
    use cti_proto::{Frame, Message};

    #[test]
    fn raw_frames_put_the_received_frame_in_hex_beside_the_json() {
        let mut b = BeginCallEvent::default();
        b.peripheral_id = 5000;
        b.connection_call_id = 77;
        b.ani = Some("5551234".into());
        let bytes = Message::from(b).to_bytes(24).unwrap();
        let frame = Frame {
            message_type: Message::from(BeginCallEvent::default()).message_type(),
            body: bytes.slice(8..),
        };
        let received = Message::decode(&frame, 24).unwrap();

        let plain = message_line(&received, None).unwrap();
        assert_eq!(plain.get("raw"), None);
        assert_eq!(plain["connection_call_id"], 77);
        let raw = message_line(&received, Some(24)).unwrap();
        let hex = raw["raw"].as_str().unwrap();
        assert_eq!(hex.len(), bytes.len() * 2);
        assert_eq!(cti_proto::RawBytes::from_hex(hex).unwrap().0, bytes);
        assert!(
            hex.starts_with("000000"),
            "the header's length first: {hex}"
        );
        assert_eq!(raw["connection_call_id"], 77);
    }

    #[test]
    fn each_record_knows_its_line_type() {
        let ctx = Context {
            side: "A",
            session: 1,
            version: 24,
        };
        let gap = Recorder::new("pg1", 5).gap(1, 4, SystemTime::UNIX_EPOCH, ctx);
        assert_eq!(gap.records[0].line_type, "GAP");
        assert_eq!(gap.records[0].seq, 5);
    }
}
