//! # Conformance recorder — what each CTI client does, judged against Cisco's client guidelines
//!
//! Sans-IO: the session layer reports what happens on every connection (accept, OPEN_REQ and its result, each
//! client request, each confirmation the server sent, the close and its cause), with the time since simulator
//! start; [`Recorder::report`] judges every client identity (ClientID + ClientSignature) against the
//! "CTI Client Application Guidelines":
//!
//! | check | passes when |
//! |---|---|
//! | `invoke_ids_unique` | no request reuses the InvokeID of a request still outstanding on its session |
//! | `heartbeat_interval` | heartbeats come every ≥ 5 s, regularly, with IdleTimeout ≈ 4 × the interval |
//! | `message_masks` | the client does not unmask every call event type and every agent state |
//! | `side_selection` | every reconnection after a loss follows the 17-step side A/B algorithm |
//! | `close_before_leaving` | the client sends CLOSE_REQ before ending a session itself |
//! | `open_before_requests` | no request comes before OPEN_CONF |
//!
//! Verdicts are `pass`, `fail` or `not_observed`; each check carries a one-line summary and its evidence.

mod close;
mod heartbeat;
mod invoke_ids;
mod masks;
mod record;
mod report;
mod side_selection;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_side;

use std::collections::BTreeMap;
use std::time::Duration;

use cti_proto::Message;
use cti_proto::constants::StatusCode;
use cti_proto::message::OpenReq;
use serde::{Deserialize, Serialize};

use crate::config::Side;
use record::{
    ClientKey, ConnRecord, EarlyRequest, Heartbeat, MAX_FINDINGS, MAX_HEARTBEATS, OpenInfo,
    OpenResult, Sides,
};
pub use report::{
    Check, ClientReport, ConformanceReport, Evidence, MAX_REFUSED, RefusedConnection, Verdict,
};

/// A connection, numbered by the session layer.
pub type ConnId = u64;

/// Name of the InvokeID check.
pub const INVOKE_IDS_UNIQUE: &str = "invoke_ids_unique";
/// Name of the heartbeat check.
pub const HEARTBEAT_INTERVAL: &str = "heartbeat_interval";
/// Name of the message-mask check.
pub const MESSAGE_MASKS: &str = "message_masks";
/// Name of the side A/B selection check.
pub const SIDE_SELECTION: &str = "side_selection";
/// Name of the CLOSE_REQ check.
pub const CLOSE_BEFORE_LEAVING: &str = "close_before_leaving";
/// Name of the request-before-OPEN_CONF check.
pub const OPEN_BEFORE_REQUESTS: &str = "open_before_requests";
/// Every check name, in report order.
pub const CHECK_NAMES: [&str; 6] = [
    INVOKE_IDS_UNIQUE,
    HEARTBEAT_INTERVAL,
    MESSAGE_MASKS,
    SIDE_SELECTION,
    CLOSE_BEFORE_LEAVING,
    OPEN_BEFORE_REQUESTS,
];

/// Why a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseCause {
    /// The client closed after CLOSE_REQ / CLOSE_CONF.
    ClientClose,
    /// The peer closed or reset the connection without CLOSE_REQ.
    ClientReset,
    /// The server closed the session after IdleTimeout seconds of silence.
    IdleTimeout,
    /// The active side failed: the server closed the connection.
    ServerFailover,
    /// The server answered OPEN_REQ with FAILURE_CONF, then closed.
    ServerReject,
    /// The control plane dropped the connection.
    Dropped,
    /// The client sent malformed input.
    Garbage,
}

/// Records what every CTI client does and judges it at [`Recorder::report`]. Pure: no I/O, no clock; every
/// method takes the time since simulator start.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    conns: BTreeMap<ConnId, ConnRecord>,
    clients: BTreeMap<ClientKey, Vec<ConnId>>,
    sides: Sides,
    refused: Vec<RefusedConnection>,
}

impl Recorder {
    /// An empty recorder.
    pub fn new() -> Self {
        Recorder::default()
    }

    /// A TCP connection was accepted on `side`.
    pub fn connection_accepted(&mut self, conn: ConnId, side: Side, at: Duration) {
        self.sides.accepted(side, at);
        self.conns
            .insert(conn, ConnRecord::new(conn, Some(side), at));
    }

    /// A connection from `peer` was refused on `side` before its session began (a failed TLS handshake, a
    /// client certificate missing or untrusted, a plain-TCP client on a TLS side). Listed in the report, the
    /// first [`MAX_REFUSED`] of them.
    pub fn connection_refused(&mut self, side: Side, peer: String, reason: String, at: Duration) {
        if self.refused.len() < MAX_REFUSED {
            self.refused
                .push(RefusedConnection::new(at, side, peer, reason));
        }
    }

    /// Optional: the session layer says whether `side`'s listener accepts connections. Attempts to a closed
    /// listener never reach the server; without these reports the recorder assumes a side may refuse from a
    /// ServerFailover until it next accepts a connection.
    pub fn listener_state(&mut self, side: Side, listening: bool, at: Duration) {
        self.sides.listener(side, listening, at);
    }

    /// The client sent OPEN_REQ: it names the client (ClientID + ClientSignature, the signature defaulting
    /// to the ClientID). A second OPEN_REQ on the connection counts as an ordinary request.
    pub fn open_request(&mut self, conn: ConnId, req: &OpenReq, at: Duration) {
        let record = self.conn_mut(conn, at);
        if record.client.is_some() {
            record.invoke.request(req.invoke_id, "OPEN_REQ", at);
            return;
        }
        let client_id = req
            .client_id
            .as_ref()
            .map(|s| s.to_str().into_owned())
            .unwrap_or_default();
        let signature = req
            .client_signature
            .as_ref()
            .map_or_else(|| client_id.clone(), |s| s.to_str().into_owned());
        let key = ClientKey {
            client_id,
            signature,
        };
        record.client = Some(key.clone());
        record.open = Some(OpenInfo {
            at,
            idle_timeout: req.idle_timeout,
            services: req.services_requested,
            call_mask: req.call_msg_mask,
            agent_mask: req.agent_state_mask,
        });
        record.invoke.request(req.invoke_id, "OPEN_REQ", at);
        self.clients.entry(key).or_default().push(conn);
    }

    /// The server answered OPEN_REQ: OPEN_CONF (`accepted`) or FAILURE_CONF with `status`.
    pub fn open_result(
        &mut self,
        conn: ConnId,
        accepted: bool,
        status: Option<StatusCode>,
        at: Duration,
    ) {
        let record = self.conn_mut(conn, at);
        if record.result.is_some() {
            return;
        }
        record.result = Some(OpenResult {
            at,
            accepted,
            status,
        });
        // The OPEN_REQ is answered (its InvokeID is free again).
        let open_ids: Vec<u32> = record
            .invoke
            .outstanding
            .iter()
            .filter(|(_, list)| list.iter().any(|&(_, m)| m == "OPEN_REQ"))
            .map(|(id, _)| *id)
            .collect();
        for id in open_ids {
            if let Some(list) = record.invoke.outstanding.get_mut(&id) {
                list.retain(|&(_, m)| m != "OPEN_REQ");
                if list.is_empty() {
                    record.invoke.outstanding.remove(&id);
                }
            }
        }
    }

    /// The client sent `msg` (any message after its OPEN_REQ: HEARTBEAT_REQ, CLOSE_REQ, control requests…).
    pub fn client_request(&mut self, conn: ConnId, msg: &Message, at: Duration) {
        let record = self.conn_mut(conn, at);
        let name = msg.name();
        match msg {
            Message::HeartbeatReq(_) => {
                if record.heartbeats.len() < MAX_HEARTBEATS {
                    record.heartbeats.push(Heartbeat {
                        at,
                        other_traffic_before: record.other_since_heartbeat,
                    });
                } else {
                    record.heartbeats_dropped += 1;
                }
                record.other_since_heartbeat = false;
            }
            Message::CloseReq(close) => {
                if record.close_req.is_none() {
                    record.close_req = Some((at, close.status));
                }
                record.other_since_heartbeat = true;
            }
            Message::OpenReq(open) => {
                record.invoke.request(open.invoke_id, name, at);
                return;
            }
            _ => record.other_since_heartbeat = true,
        }
        // ACTIVE_MAINTENANCE_RESP answers the server's request: it is not a request of the client.
        if let (Some(invoke_id), false) = (
            msg.invoke_id(),
            matches!(msg, Message::ActiveMaintenanceResp(_)),
        ) {
            record.invoke.request(invoke_id, name, at);
        }
        if record.opened() {
            record.requests_after_open += 1;
        } else if !matches!(msg, Message::CloseReq(_)) {
            record.early_count += 1;
            if record.early.len() < MAX_FINDINGS {
                record.early.push(EarlyRequest { at, message: name });
            }
        }
    }

    /// The server sent the confirmation (CONF, FAILURE_CONF or CONTROL_FAILURE_CONF) of `invoke_id`.
    pub fn server_reply(&mut self, conn: ConnId, invoke_id: u32, _at: Duration) {
        if let Some(record) = self.conns.get_mut(&conn) {
            record.invoke.reply(invoke_id);
        }
    }

    /// The connection ended.
    pub fn connection_closed(&mut self, conn: ConnId, cause: CloseCause, at: Duration) {
        let Some(record) = self.conns.get_mut(&conn) else {
            return;
        };
        if record.closed.is_some() {
            return;
        }
        record.closed = Some((cause, at));
        record.unanswered_at_close = record.invoke.oldest();
        record.invoke.outstanding.clear();
        if cause == CloseCause::ServerFailover {
            if let Some(side) = record.side {
                self.sides.failed_over(side, at);
            }
        }
        // A connection that never named its client can never be attributed: forget it.
        if record.client.is_none() {
            self.conns.remove(&conn);
        }
    }

    /// Judges every client seen so far; `now` bounds what is still in progress.
    pub fn report(&self, now: Duration) -> ConformanceReport {
        let clients = self
            .clients
            .iter()
            .map(|(key, ids)| {
                let mut conns: Vec<&ConnRecord> =
                    ids.iter().filter_map(|id| self.conns.get(id)).collect();
                conns.sort_by_key(|c| (c.accepted_at, c.id));
                let checks = vec![
                    invoke_ids::check(&conns),
                    heartbeat::check(&conns),
                    masks::check(&conns),
                    side_selection::check(&conns, &self.sides, now),
                    close::close_before_leaving(&conns),
                    close::open_before_requests(&conns),
                ];
                ClientReport {
                    client_id: key.client_id.clone(),
                    client_signature: key.signature.clone(),
                    connections: u32::try_from(conns.len()).unwrap_or(u32::MAX),
                    checks,
                }
            })
            .collect();
        ConformanceReport {
            clients,
            refused_connections: self.refused.clone(),
        }
    }

    /// The record of `conn`, created on the fly when the session layer never reported its accept.
    fn conn_mut(&mut self, conn: ConnId, at: Duration) -> &mut ConnRecord {
        self.conns
            .entry(conn)
            .or_insert_with(|| ConnRecord::new(conn, None, at))
    }
}
