//! The simulator's state behind one lock: the sides, the session registry, the call/agent engine and the
//! conformance recorder. Sans-IO: connection tasks and the clock task call in with `now` (time since start)
//! and get back what to send; events are pushed into each session's outbound queue without blocking.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use cti_proto::Message;
use cti_proto::constants::{
    AgentState, E_CTI_CTI_SERVER_OFFLINE, E_CTI_DEVICE_IN_USE, E_CTI_FUNCTION_NOT_AVAILABLE,
    E_CTI_NEW_SESSION_OPENED, MULTILINE_AGENT_CONTROL_SINGLE_LINE as SINGLE_LINE, PeripheralType,
    ServiceMask, SessionType, StatusCode,
};
use cti_proto::message::{
    ControlFailureConf, FailureConf, FailureEvent, OpenConf, OpenReq, Peripheral,
    StandbyActiveEvent,
};
use serde::Serialize;
use tokio::sync::mpsc;

use crate::config::{Side, SimConfig};
use crate::conformance::{CloseCause, ConnId, Recorder};
use crate::engine::{ControlReply, Engine, Requester, WorldEvent};
use crate::fanout::Pending;
use crate::session::filter::Subscription;
use crate::session::open;
use crate::sides::{FailMode, SideState, Sides};

/// What a connection task is told to do.
#[derive(Debug)]
pub(crate) enum Outbound {
    /// Write these bytes (one encoded message).
    Frame(Bytes),
    /// Close the connection abruptly (failover, drop, replaced session, slow consumer).
    Close(CloseCause),
}

/// The outcome of an OPEN_REQ.
pub(crate) enum OpenOutcome {
    /// Session open: send these first (OPEN_CONF, SYSTEM_EVENTs, BEGIN_CALL_EVENTs), then serve `rx`.
    Accepted {
        version: u32,
        first: Vec<Bytes>,
        rx: mpsc::Receiver<Outbound>,
        idle_timeout: u32,
    },
    /// This FAILURE_CONF (already encoded, the refusal logged), then close.
    Rejected { reply: Bytes },
}

/// Capacity of a session's outbound queue; a client that falls this far behind is disconnected.
pub(crate) const OUTBOUND_QUEUE: usize = 65_536;

/// One open session.
pub(crate) struct Session {
    pub side: Side,
    pub peer: SocketAddr,
    pub client_id: String,
    pub client_signature: String,
    pub version: u32,
    pub sub: Subscription,
    pub standby: bool,
    pub idle_timeout: u32,
    pub opened_at: Duration,
    pub silenced: bool,
    pub events_sent: u64,
    pub tx: mpsc::Sender<Outbound>,
}

/// A session as the control plane shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SessionInfo {
    /// Session (connection) id.
    pub id: u64,
    /// The side it is connected to.
    pub side: Side,
    /// Peer address.
    pub peer: String,
    /// ClientID.
    pub client_id: String,
    /// ClientSignature.
    pub client_signature: String,
    /// Negotiated protocol version.
    pub version: u32,
    /// ServicesGranted.
    pub services_granted: u32,
    /// CallMsgMask.
    pub call_msg_mask: u32,
    /// AgentStateMask.
    pub agent_state_mask: u32,
    /// AgentID of a CLIENT_EVENTS session.
    pub agent_id: Option<String>,
    /// A standby session (v24 active/standby).
    pub standby: bool,
    /// IdleTimeout from OPEN_REQ.
    pub idle_timeout: u32,
    /// Milliseconds since the simulator started, when the session opened.
    pub opened_at_ms: u64,
    /// Nothing is sent to the client any more — no replies, no events (half-open simulation).
    pub silenced: bool,
    /// Events delivered.
    pub events_sent: u64,
}

/// Everything behind the lock.
pub(crate) struct Core {
    pub cfg: SimConfig,
    pub engine: Engine,
    pub recorder: Recorder,
    pub sides: Sides,
    sessions: BTreeMap<ConnId, Session>,
    next_conn: ConnId,
    pending: Pending,
    epoch_unix: u32,
    last_now: Duration,
}

fn encode(m: &Message, version: u32) -> Option<Bytes> {
    match m.to_bytes(version) {
        Ok(b) => Some(b),
        Err(e) => {
            tracing::warn!("cannot encode {} at v{version}: {e}", m.name());
            None
        }
    }
}

/// FAILURE_CONF with `status` for InvokeID `invoke_id`, encoded at `version`.
pub(crate) fn failure_conf(invoke_id: u32, status: StatusCode, version: u32) -> Bytes {
    let mut f = FailureConf::default();
    f.invoke_id = invoke_id;
    f.status = status;
    encode(&Message::from(f), version).unwrap_or_default()
}

impl Core {
    pub fn new(cfg: SimConfig, epoch_unix: u32) -> Self {
        let engine = Engine::new(&cfg, epoch_unix);
        let pending = Pending::new(cfg.seed ^ 0x5EED, cfg.message_order.clone());
        Core {
            sides: Sides::new(cfg.active_side),
            cfg,
            engine,
            recorder: Recorder::new(),
            sessions: BTreeMap::new(),
            next_conn: 1,
            pending,
            epoch_unix,
            last_now: Duration::ZERO,
        }
    }

    /// A new TCP connection on `side`; `None` when the side refuses it.
    pub fn accept(&mut self, side: Side, now: Duration) -> Option<ConnId> {
        if self.sides.get(side) == SideState::Failed(FailMode::Refuse) {
            return None;
        }
        let conn = self.next_conn;
        self.next_conn += 1;
        self.recorder.connection_accepted(conn, side, now);
        Some(conn)
    }

    fn reject(
        &mut self,
        conn: ConnId,
        side: Side,
        req: &OpenReq,
        status: StatusCode,
        now: Duration,
    ) -> OpenOutcome {
        tracing::warn!(
            "connection {conn} on side {}: OPEN_REQ of client {:?} (version {}) refused with {status}",
            side.name(),
            req.client_id
                .as_ref()
                .map(|s| s.to_str().into_owned())
                .unwrap_or_default(),
            req.version_number,
        );
        self.recorder.open_result(conn, false, Some(status), now);
        OpenOutcome::Rejected {
            reply: failure_conf(req.invoke_id, status, req.version_number),
        }
    }

    /// Handles the first OPEN_REQ of connection `conn`.
    pub fn open(
        &mut self,
        conn: ConnId,
        side: Side,
        peer: SocketAddr,
        req: &OpenReq,
        now: Duration,
    ) -> OpenOutcome {
        self.recorder.open_request(conn, req, now);
        let state = self.sides.get(side);
        let standby_asked = req.version_number >= 24
            && req
                .services_requested
                .contains(ServiceMask::CTI_SERVICE_ACTIVE_STANDBY);
        let standby = match state {
            SideState::Active => false,
            SideState::Idle if standby_asked => true,
            _ => return self.reject(conn, side, req, E_CTI_CTI_SERVER_OFFLINE, now),
        };
        let engine = &self.engine;
        let grant = match open::validate(req, &self.cfg, |p, e, i, n| engine.find_agent(p, e, i, n))
        {
            Ok(g) => g,
            Err(status) => return self.reject(conn, side, req, status, now),
        };
        let client_id = req
            .client_id
            .as_ref()
            .map(|s| s.to_str().into_owned())
            .unwrap_or_default();
        let client_signature = req
            .client_signature
            .as_ref()
            .map_or_else(|| client_id.clone(), |s| s.to_str().into_owned());
        if let Some(agent) = grant.agent {
            let holder = self
                .sessions
                .iter()
                .find(|(_, s)| s.sub.agent == Some(agent))
                .map(|(id, s)| (*id, s.client_id == client_id));
            match holder {
                Some((old, true)) => self.replace_session(old, now),
                Some((_, false)) => return self.reject(conn, side, req, E_CTI_DEVICE_IN_USE, now),
                None => {}
            }
        }
        let (tx, rx) = mpsc::channel(OUTBOUND_QUEUE);
        let sub = Subscription {
            services: grant.services,
            call_mask: req.call_msg_mask,
            agent_mask: req.agent_state_mask,
            agent: grant.agent,
        };
        let version = grant.version;
        let mut first = Vec::new();
        let open_conf = self.open_conf(req, &grant, standby, now);
        first.extend(encode(&Message::from(open_conf), version));
        if !standby {
            first.extend(self.opening_events(&sub).iter().filter_map(|m| {
                encode(
                    &crate::fidelity::shape(m, version, &self.cfg.fidelity),
                    version,
                )
            }));
        }
        self.sessions.insert(
            conn,
            Session {
                side,
                peer,
                client_id,
                client_signature,
                version,
                sub,
                standby,
                idle_timeout: req.idle_timeout,
                opened_at: now,
                silenced: false,
                events_sent: 0,
                tx,
            },
        );
        if let Some(session) = self.sessions.get(&conn) {
            self.log_opened(conn, session);
        }
        self.recorder.open_result(conn, true, None, now);
        OpenOutcome::Accepted {
            version,
            first,
            rx,
            idle_timeout: req.idle_timeout,
        }
    }

    /// The log line of a session that opened (never its password).
    fn log_opened(&self, conn: ConnId, s: &Session) {
        let agent = s
            .sub
            .agent
            .and_then(|a| self.cfg.agents.get(a))
            .map(|a| format!(", agent {}", a.agent_id))
            .unwrap_or_default();
        tracing::info!(
            "session {conn} opened on side {} from {}: client {:?}, version {}, services {:?}{agent}{}",
            s.side.name(),
            s.peer,
            s.client_id,
            s.version,
            s.sub.services,
            if s.standby { " (standby)" } else { "" },
        );
    }

    /// Removes session `conn` (if it is one) and logs why it closed.
    fn remove_session(&mut self, conn: ConnId, cause: CloseCause) -> Option<Session> {
        let s = self.sessions.remove(&conn)?;
        let why = match cause {
            CloseCause::ClientClose => "the client closed it (CLOSE_REQ)".to_owned(),
            CloseCause::ClientReset => {
                "the client closed the connection without CLOSE_REQ".to_owned()
            }
            CloseCause::IdleTimeout => {
                format!("nothing received for {} s (IdleTimeout)", s.idle_timeout)
            }
            CloseCause::ServerFailover => format!("side {} failed", s.side.name()),
            CloseCause::ServerReject => "the server refused it".to_owned(),
            CloseCause::Dropped => "dropped by the server".to_owned(),
            CloseCause::Garbage => "malformed input from the client".to_owned(),
        };
        tracing::info!(
            "session {conn} closed on side {} (client {:?}): {why}",
            s.side.name(),
            s.client_id
        );
        Some(s)
    }

    /// SYSTEM_EVENT per peripheral for ALL_EVENTS (§7.1); BEGIN_CALL_EVENT for each call in progress for a
    /// CLIENT_EVENTS session (guidelines: failures section). Masks apply.
    fn opening_events(&self, sub: &Subscription) -> Vec<Message> {
        let mut out = Vec::new();
        if sub.services.contains(ServiceMask::CTI_SERVICE_ALL_EVENTS) {
            out.extend(self.engine.system_events());
        }
        if sub
            .services
            .contains(ServiceMask::CTI_SERVICE_CLIENT_EVENTS)
        {
            out.extend(
                self.engine
                    .begin_calls_for(sub.agent)
                    .into_iter()
                    .filter(|m| sub.unmasked(m)),
            );
        }
        out
    }

    fn open_conf(
        &self,
        req: &OpenReq,
        grant: &open::Grant,
        standby: bool,
        now: Duration,
    ) -> OpenConf {
        let mut c = OpenConf::default();
        c.invoke_id = req.invoke_id;
        c.services_granted = grant.services;
        c.monitor_id = 0;
        c.pg_status = self.engine.pg_status();
        c.icm_central_controller_time = self.unix_time(now);
        let peripheral = if grant.agent.is_some() {
            Some(req.peripheral_id)
        } else {
            self.cfg.peripherals.first().map(|p| p.id)
        };
        c.peripheral_online = peripheral
            .and_then(|p| self.engine.peripheral_online_flag(p))
            .unwrap_or(false);
        c.peripheral_type = match (grant.agent, self.cfg.peripherals.len()) {
            (Some(_), _) | (None, 1) => peripheral
                .and_then(|p| self.engine.peripheral_type(p))
                .unwrap_or(PeripheralType::PT_NONE),
            _ => PeripheralType::PT_NONE,
        };
        c.agent_state = grant.agent.map_or(AgentState::AGENT_STATE_UNKNOWN, |a| {
            self.engine.agent_state(a)
        });
        c.department_id = Some(0);
        c.session_type = Some(if standby {
            SessionType::SESSION_TYPE_STANDBY
        } else {
            SessionType::SESSION_TYPE_ACTIVE
        });
        if let Some(a) = grant.agent.and_then(|a| self.cfg.agents.get(a)) {
            c.agent_extension = Some(a.extension.as_str().into());
            c.agent_id = Some(a.agent_id.as_str().into());
            c.agent_instrument = Some(a.instrument.as_str().into());
            // NumPeripherals 0: the MultilineAgentControl alone is the agent's peripheral's.
            c.num_peripherals = Some(0);
            c.multiline_agent_control = Some(SINGLE_LINE);
        } else {
            // One FltPeripheralID + MultilineAgentControl pair per peripheral (§4.1).
            c.num_peripherals = Some(u16::try_from(self.cfg.peripherals.len()).unwrap_or(u16::MAX));
            c.peripherals = self
                .cfg
                .peripherals
                .iter()
                .map(|p| Peripheral::new(p.id, SINGLE_LINE))
                .collect();
        }
        c
    }

    /// ICMCentralControllerTime for `now`.
    pub fn unix_time(&self, now: Duration) -> u32 {
        self.epoch_unix
            .saturating_add(u32::try_from(now.as_secs()).unwrap_or(u32::MAX))
    }

    /// The same client opened again on its device: the old session gets FAILURE_EVENT E_CTI_NEW_SESSION_OPENED
    /// and is closed.
    fn replace_session(&mut self, old: ConnId, now: Duration) {
        tracing::info!(
            "session {old}: its client opened a new session on the same device (E_CTI_NEW_SESSION_OPENED)"
        );
        if let Some(s) = self.remove_session(old, CloseCause::Dropped) {
            let mut f = FailureEvent::default();
            f.status = E_CTI_NEW_SESSION_OPENED;
            if let Some(b) = encode(&Message::from(f), s.version) {
                let _ = s.tx.try_send(Outbound::Frame(b));
            }
            let _ = s.tx.try_send(Outbound::Close(CloseCause::Dropped));
            self.recorder
                .connection_closed(old, CloseCause::Dropped, now);
        }
    }

    /// A reply to the request `invoke_id` of session `conn`: recorded and returned, unless the session is
    /// silenced (half-open simulation: nothing reaches the client, so nothing counts as answered).
    pub(crate) fn reply(
        &mut self,
        conn: ConnId,
        invoke_id: u32,
        bytes: Option<Bytes>,
        now: Duration,
    ) -> Option<Bytes> {
        if self.sessions.get(&conn).is_none_or(|s| s.silenced) {
            return None;
        }
        self.recorder.server_reply(conn, invoke_id, now);
        bytes
    }

    /// HEARTBEAT_REQ: answered at once.
    pub fn heartbeat(&mut self, conn: ConnId, msg: &Message, now: Duration) -> Option<Bytes> {
        self.recorder.client_request(conn, msg, now);
        let s = self.sessions.get(&conn)?;
        let invoke_id = msg.invoke_id()?;
        let mut hb = cti_proto::message::HeartbeatConf::default();
        hb.invoke_id = invoke_id;
        let bytes = encode(&Message::from(hb), s.version);
        self.reply(conn, invoke_id, bytes, now)
    }

    /// CLOSE_REQ: CLOSE_CONF (the connection task then closes).
    pub fn close_request(&mut self, conn: ConnId, msg: &Message, now: Duration) -> Option<Bytes> {
        self.recorder.client_request(conn, msg, now);
        let s = self.sessions.get(&conn)?;
        let invoke_id = msg.invoke_id()?;
        let mut c = cti_proto::message::CloseConf::default();
        c.invoke_id = invoke_id;
        let bytes = encode(&Message::from(c), s.version);
        self.reply(conn, invoke_id, bytes, now)
    }

    /// Any other request of an open session: its CONF / FAILURE_CONF / CONTROL_FAILURE_CONF (returned), and the
    /// events it causes (delivered to every interested session).
    pub fn request(&mut self, conn: ConnId, msg: &Message, now: Duration) -> Option<Bytes> {
        self.recorder.client_request(conn, msg, now);
        let s = self.sessions.get(&conn)?;
        let (version, services, standby, agent) =
            (s.version, s.sub.services, s.standby, s.sub.agent);
        let who = Requester {
            agent,
            all_events: services.contains(ServiceMask::CTI_SERVICE_ALL_EVENTS),
            client_signature: s.client_signature.clone(),
        };
        let invoke_id = msg.invoke_id().unwrap_or(0);
        let allowed = !standby && crate::session::rights::allowed(msg, services);
        let mut events = Vec::new();
        let reply = if allowed {
            self.engine.control(msg, &who, now, &mut events)
        } else {
            None
        };
        let bytes = match reply {
            Some(ControlReply::Conf(m)) => encode(&m, version),
            Some(ControlReply::Failure(status)) => Some(failure_conf(invoke_id, status, version)),
            Some(ControlReply::ControlFailure(code, peripheral_error)) => {
                let mut f = ControlFailureConf::default();
                f.invoke_id = invoke_id;
                f.failure_code = code;
                f.peripheral_error_code = peripheral_error;
                encode(&Message::from(f), version)
            }
            None => Some(failure_conf(
                invoke_id,
                E_CTI_FUNCTION_NOT_AVAILABLE,
                version,
            )),
        };
        self.publish(events, now);
        self.reply(conn, invoke_id, bytes, now)
    }

    /// The connection ended for a reason seen by its task (client close or reset, idle timeout, garbage,
    /// rejected open). Closes the core ordered itself (failover, drop, replaced session, slow consumer) are
    /// recorded when ordered and not reported again.
    pub fn closed(&mut self, conn: ConnId, cause: CloseCause, now: Duration) {
        self.remove_session(conn, cause);
        self.recorder.connection_closed(conn, cause, now);
    }

    /// Runs the engine and the delayed deliveries up to `now`.
    pub fn advance(&mut self, now: Duration) {
        let mut events = Vec::new();
        self.engine.advance(now, &mut events);
        self.publish(events, now);
        self.last_now = now;
        for ev in self.pending.due(now) {
            self.deliver(&ev);
        }
    }

    /// When the clock task must next call [`Core::advance`].
    pub fn next_deadline(&self) -> Option<Duration> {
        match (self.engine.next_deadline(), self.pending.next_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Delivers engine events now, or later in shuffled order with delays when "message order" realism is on.
    pub fn publish(&mut self, events: Vec<WorldEvent>, now: Duration) {
        self.last_now = now;
        for ev in self.pending.schedule(events, now) {
            self.deliver(&ev);
        }
    }

    /// Sends `ev` to every session that wants it, encoding once per protocol version.
    fn deliver(&mut self, ev: &WorldEvent) {
        let mut cache: Vec<(u32, Bytes)> = Vec::new();
        let mut slow = Vec::new();
        for (id, s) in &mut self.sessions {
            if s.standby || s.silenced || !s.sub.wants(ev) {
                continue;
            }
            let bytes = if let Some((_, b)) = cache.iter().find(|(v, _)| *v == s.version) {
                b.clone()
            } else {
                let shaped = crate::fidelity::shape(&ev.message, s.version, &self.cfg.fidelity);
                let Some(b) = encode(&shaped, s.version) else {
                    continue;
                };
                cache.push((s.version, b.clone()));
                b
            };
            match s.tx.try_send(Outbound::Frame(bytes)) {
                Ok(()) => s.events_sent += 1,
                Err(_) => slow.push(*id),
            }
        }
        for id in slow {
            tracing::warn!(
                "session {id}: client does not keep up ({OUTBOUND_QUEUE} messages queued); disconnecting"
            );
            self.remove_session(id, CloseCause::Dropped);
            self.recorder
                .connection_closed(id, CloseCause::Dropped, self.last_now);
        }
    }

    /// Fails `side`. Sessions on the active side are closed without a goodbye; the other side takes over and its
    /// standby sessions get STANDBY_ACTIVE_EVENT.
    pub fn fail_side(&mut self, side: Side, mode: FailMode, now: Duration) {
        let change = self.sides.fail(side, mode);
        if change.was_active {
            tracing::warn!(
                "failover: side {} failed while active; {}",
                side.name(),
                change.new_active.map_or_else(
                    || "no side is active now".to_owned(),
                    |new| format!("side {} is now active", new.name())
                )
            );
        }
        self.recorder
            .listener_state(side, mode != FailMode::Refuse, now);
        let on_side: Vec<ConnId> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.side == side)
            .map(|(id, _)| *id)
            .collect();
        for id in on_side {
            if let Some(s) = self.remove_session(id, CloseCause::ServerFailover) {
                let _ = s.tx.try_send(Outbound::Close(CloseCause::ServerFailover));
                self.recorder
                    .connection_closed(id, CloseCause::ServerFailover, now);
            }
        }
        if let Some(active) = change.new_active {
            self.promote_standby(active);
        }
    }

    /// Restores `side` (idle, or active when no side is).
    pub fn restore_side(&mut self, side: Side, now: Duration) {
        self.recorder.listener_state(side, true, now);
        if self.sides.restore(side) {
            tracing::warn!(
                "failover: side {} is back and active (no side was)",
                side.name()
            );
            self.promote_standby(side);
        }
    }

    fn promote_standby(&mut self, side: Side) {
        for s in self
            .sessions
            .values_mut()
            .filter(|s| s.side == side && s.standby)
        {
            s.standby = false;
            if let Some(b) = encode(&Message::from(StandbyActiveEvent::default()), s.version) {
                let _ = s.tx.try_send(Outbound::Frame(b));
            }
        }
    }

    /// Stops answering heartbeats and sending events on a session (half-open simulation).
    pub fn silence(&mut self, id: ConnId) -> bool {
        let Some(s) = self.sessions.get_mut(&id) else {
            return false;
        };
        tracing::warn!(
            "fault: session {id} silenced (half-open: no reply, heartbeat or event is sent to it any more)"
        );
        s.silenced = true;
        true
    }

    /// Closes a session abruptly.
    pub fn drop_session(&mut self, id: ConnId, now: Duration) -> bool {
        if self.sessions.contains_key(&id) {
            tracing::warn!("fault: session {id} dropped (closed without a goodbye)");
        }
        match self.remove_session(id, CloseCause::Dropped) {
            Some(s) => {
                let _ = s.tx.try_send(Outbound::Close(CloseCause::Dropped));
                self.recorder
                    .connection_closed(id, CloseCause::Dropped, now);
                true
            }
            None => false,
        }
    }

    /// The open sessions.
    pub fn sessions(&self) -> Vec<SessionInfo> {
        self.sessions
            .iter()
            .map(|(id, s)| SessionInfo {
                id: *id,
                side: s.side,
                peer: s.peer.to_string(),
                client_id: s.client_id.clone(),
                client_signature: s.client_signature.clone(),
                version: s.version,
                services_granted: s.sub.services.0,
                call_msg_mask: s.sub.call_mask.0,
                agent_state_mask: s.sub.agent_mask.0,
                agent_id: s
                    .sub
                    .agent
                    .and_then(|a| self.cfg.agents.get(a))
                    .map(|a| a.agent_id.clone()),
                standby: s.standby,
                idle_timeout: s.idle_timeout,
                opened_at_ms: u64::try_from(s.opened_at.as_millis()).unwrap_or(u64::MAX),
                silenced: s.silenced,
                events_sent: s.events_sent,
            })
            .collect()
    }
}
