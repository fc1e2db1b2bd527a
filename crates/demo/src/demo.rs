//! [`Demo`]: one demo run — the embedded duplex simulator, the client and the call model — driven one step at a
//! time by a renderer (JSON lines, readable lines or the dashboard), with the faults a user can inject.

use std::time::Duration;

use cti_client::{ClientConfig, ClientEvent, ClientStatus, TlsConfig};
use cti_model::Model;
use cti_proto::constants::{
    AgentStateMask, CTI_SERVICE_ALL_EVENTS, CTI_SERVICE_CLIENT_CONTROL, CallMsgMask,
};
use cti_session::lines::LINE_FORMAT_VERSION;
use cti_session::{Outcome, Session, SessionConfig, Update, UpdateKind};
use cti_sim::engine::CallSpec;
use cti_sim::{FailMode, Side, SimConfig, SimHandle, Simulator};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::config::DemoConfig;
use crate::tally::Tally;
use crate::truth;

/// Why a demo could not start or go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// The simulator could not start (no free loopback port, ...).
    #[error("simulator: {0}")]
    Simulator(#[from] std::io::Error),
    /// The client stopped for good, or its configuration was refused.
    #[error("client: {0}")]
    Client(String),
    /// The simulator refused an injected action.
    #[error("{0}")]
    Inject(String),
}

/// One demo run. Build it with [`Demo::start`], call [`Demo::step`] until it returns `false` (or until the user
/// quits), inject faults between steps, and end with [`Demo::finish`] (CLOSE_REQ, then the SUMMARY line).
///
/// Besides the lines of [`cti_session`] (the line format, documented there), a run writes:
///
/// | `type` | fields |
/// |---|---|
/// | `FAILOVER_INJECTED` | `failed_side` (the side failed; the other takes over) |
/// | `PERIPHERAL_INJECTED` | `peripheral_id`, `online` (the state the peripheral was put in) |
/// | `CALL_INJECTED` | `connection_call_id` (the simulator's id of the call started) |
/// | `SUMMARY` | see [`Demo::finish`] |
pub struct Demo {
    cfg: DemoConfig,
    sim: Simulator,
    session: Session,
    tally: Tally,
    start: Instant,
    stop_at: Option<Instant>,
    next_failover: Option<Instant>,
    failed_at: Option<Instant>,
}

impl Demo {
    /// The demo client's ClientID (the simulator's conformance report is looked up by it).
    pub const CLIENT_ID: &'static str = "ctikit-demo";

    /// Starts the simulator on free loopback ports and the client (which connects by the 17 steps).
    pub async fn start(cfg: DemoConfig) -> Result<Demo, DemoError> {
        let mut sim_cfg = SimConfig::loopback();
        sim_cfg.agents = cti_sim::config::default_agents(cfg.agents, cfg.peripheral_id);
        if let Some(p) = sim_cfg.peripherals.first_mut() {
            p.id = cfg.peripheral_id;
        }
        sim_cfg.traffic.calls_per_second = cfg.calls_per_second;
        sim_cfg.traffic.talk_min_secs = 4.0;
        sim_cfg.traffic.talk_max_secs = 12.0;
        sim_cfg.traffic.wrap_secs = 2.0;
        sim_cfg.seed = cfg.seed;
        // With TLS the PEM files live only until the simulator and the client have read them (both read at start).
        let pki = cfg.tls.then(|| TlsFiles::write(&mut sim_cfg)).transpose()?;
        let sim = Simulator::builder().config(sim_cfg).start().await?;
        let mut client_cfg = client_config(&sim, &cfg)?;
        if let Some(pki) = &pki {
            client_cfg.tls = Some(pki.client());
        }
        let session = Session::start(SessionConfig::new("", client_cfg))
            .map_err(|e| DemoError::Client(e.to_string()))?;
        drop(pki);
        let start = Instant::now();
        Ok(Demo {
            stop_at: cfg.duration.map(|d| start + d),
            next_failover: cfg.failover_every.map(|d| start + d),
            cfg,
            sim,
            session,
            tally: Tally::default(),
            start,
            failed_at: None,
        })
    }

    /// Waits for the next thing to happen — an update of the session (an event, a reconciliation answer, a
    /// model deadline) or a scheduled failover — and appends its lines to `out`. `Ok(false)` once the run is over
    /// (its duration reached, or the session ended). Cancel-safe: it may be raced against key presses.
    pub async fn step(&mut self, out: &mut Vec<Value>) -> Result<bool, DemoError> {
        let wake = [self.stop_at, self.next_failover]
            .into_iter()
            .flatten()
            .min();
        tokio::select! {
            () = async {
                match wake {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => {
                let now = Instant::now();
                if self.stop_at.is_some_and(|t| now >= t) {
                    return Ok(false);
                }
                if self.next_failover.is_some_and(|t| now >= t) {
                    self.fail_active_side(out);
                    self.next_failover = self.cfg.failover_every.map(|d| now + d);
                }
            }
            u = self.session.next() => {
                let Some(u) = u else { return Ok(false) };
                self.update(&u, out)?;
            }
        }
        Ok(true)
    }

    /// Counts an update and writes its lines.
    fn update(&mut self, u: &Update, out: &mut Vec<Value>) -> Result<(), DemoError> {
        match &u.kind {
            UpdateKind::Client(ClientEvent::Message(m)) => self.tally.event(m.name(), u.at),
            UpdateKind::Client(ClientEvent::Connected { .. }) => {
                if let Some(t) = self.failed_at.take() {
                    self.tally
                        .reconnect_ms
                        .push(t.elapsed().as_secs_f64() * 1000.0);
                }
            }
            UpdateKind::Reconciled { answer, applied }
                if *applied && answer.outcome == Outcome::Continues =>
            {
                self.tally.calls_confirmed += 1;
            }
            _ => {}
        }
        for c in &u.changes {
            self.tally.change(c);
        }
        out.extend(self.session.lines(u));
        if let UpdateKind::Client(ClientEvent::Stopped(err)) = &u.kind {
            return Err(DemoError::Client(err.to_string()));
        }
        Ok(())
    }

    /// Fails the active side (its connections are reset; the other side takes over) and brings it back idle for
    /// the next failure. The client reconnects by the 17 steps. `None` when no side is active.
    pub fn fail_active_side(&mut self, out: &mut Vec<Value>) -> Option<Side> {
        let handle = self.sim.handle();
        let active = handle.status().active_side?;
        handle.fail_side(active, FailMode::Reset);
        handle.restore_side(active);
        self.failed_at = Some(Instant::now());
        self.tally.failovers += 1;
        out.push(json!({"type": "FAILOVER_INJECTED", "failed_side": active.name()}));
        Some(active)
    }

    /// Takes the peripheral offline, or brings it back online; returns whether it is online now. Offline, the
    /// simulator sends SYSTEM_EVENT (peripheral offline) and END_CALL_EVENT for the calls in progress, which the
    /// model holds as suspended (`CALL_SUSPENDED`); online, SYSTEM_EVENT (peripheral online) and a BEGIN_CALL_EVENT
    /// for each call that went on, which resumes it (`CALL_RESUMED`).
    pub fn toggle_peripheral(&mut self, out: &mut Vec<Value>) -> Result<bool, DemoError> {
        let id = self.cfg.peripheral_id;
        let handle = self.sim.handle();
        let online = !self.peripheral_online();
        let r = if online {
            handle.peripheral_online(id)
        } else {
            handle.peripheral_offline(id, None)
        };
        r.map_err(|e| DemoError::Inject(e.to_string()))?;
        out.push(json!({
            "type": "PERIPHERAL_INJECTED",
            "peripheral_id": id,
            "online": online,
        }));
        Ok(online)
    }

    /// Starts one inbound call now (random ANI, the configured DNIS and call data); returns its
    /// ConnectionCallID.
    pub fn start_call(&mut self, out: &mut Vec<Value>) -> Result<u32, DemoError> {
        let id = self
            .sim
            .handle()
            .start_call(CallSpec::default())
            .map_err(|e| DemoError::Inject(e.to_string()))?;
        out.push(json!({"type": "CALL_INJECTED", "connection_call_id": id}));
        Ok(id)
    }

    /// Compares the model with the simulator's own calls (letting the events already on the wire land, and
    /// dropping them: the run is over), closes the session (CLOSE_REQ), stops the simulator and returns the
    /// SUMMARY line: `events` and `events_by_type`, `calls_began`, `calls_ended`, `calls_live` (the model's, at
    /// the end of the run), `calls_lost` (calls in progress in the simulator that the model does not have — the
    /// ground truth, not the model's own bookkeeping; zero when no call was lost), `lost_call_ids`,
    /// `calls_live_server` (calls in progress in the simulator), `calls_unknown_to_server` (live in the model but
    /// not in the simulator), `calls_discovered_after_outage` (calls first seen after a reconnect without their
    /// BEGIN_CALL_EVENT), `calls_lost_during_outage` (calls the model itself ended "lost during outage"),
    /// `calls_ended_during_outage`, `calls_confirmed`, `calls_suspended`, `calls_resumed`, `failovers`,
    /// `failovers_survived`, `reconnect_ms`, `conformance_all_pass` and `conformance` (the simulator's checks of
    /// the demo client: `name`, `result`, `summary`), `duration_secs`, `line_format`
    /// ([`cti_session::lines::LINE_FORMAT_VERSION`]), `tls`.
    pub async fn finish(mut self) -> Value {
        let duration_secs = self.start.elapsed().as_secs_f64();
        let calls_live = self.session.model().calls().count();
        let truth = truth::measure(&mut self.session, &self.sim.handle()).await;
        self.session.close().await;
        let report = self.sim.handle().conformance();
        let me = report.client(Self::CLIENT_ID);
        let checks: Vec<Value> = me
            .map(|r| {
                r.checks
                    .iter()
                    .map(|c| json!({"name": c.name, "result": c.result, "summary": c.summary}))
                    .collect()
            })
            .unwrap_or_default();
        let t = &self.tally;
        let summary = json!({
            "type": "SUMMARY",
            "duration_secs": duration_secs,
            "events": t.events,
            "events_by_type": t.events_by_type,
            "calls_began": t.calls_began,
            "calls_ended": t.calls_ended,
            "calls_live": calls_live,
            "calls_lost": truth.lost.len(),
            "lost_call_ids": truth.lost,
            "calls_live_server": truth.server_live,
            "calls_unknown_to_server": truth.unknown_to_server.len(),
            "calls_discovered_after_outage": t.calls_discovered_after_outage,
            "calls_lost_during_outage": t.calls_lost,
            "calls_suspended": t.calls_suspended,
            "calls_resumed": t.calls_resumed,
            "calls_ended_during_outage": t.calls_ended_during_outage,
            "calls_confirmed": t.calls_confirmed,
            "failovers": t.failovers,
            "failovers_survived": t.reconnect_ms.len(),
            "reconnect_ms": t.reconnect_ms,
            "conformance_all_pass": me.is_some_and(cti_sim::conformance::ClientReport::all_pass),
            "conformance": checks,
            "line_format": LINE_FORMAT_VERSION,
            "tls": self.cfg.tls,
        });
        self.sim.shutdown().await;
        summary
    }

    /// Time since the start.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// The call and agent model.
    pub fn model(&self) -> &Model {
        self.session.model()
    }

    /// The counters so far.
    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    /// The client's session state (side, since, services, heartbeats).
    pub fn client_status(&self) -> ClientStatus {
        self.session.status()
    }

    /// The simulator's handle (status, sessions, more fault injection).
    pub fn sim(&self) -> SimHandle {
        self.sim.handle()
    }

    /// The settings of this run.
    pub fn config(&self) -> &DemoConfig {
        &self.cfg
    }

    /// Whether the simulated peripheral is online now (as the simulator has it, not as the client has heard yet).
    pub fn peripheral_online(&self) -> bool {
        let id = self.cfg.peripheral_id;
        self.sim
            .handle()
            .status()
            .engine
            .peripherals
            .iter()
            .find(|p| p.id == id)
            .is_none_or(|p| p.online)
    }
}

/// The throwaway certificates of a `--tls` run, in a directory removed on drop.
struct TlsFiles {
    dir: std::path::PathBuf,
    files: cti_sim::tls::pki::SelfSignedFiles,
}

impl TlsFiles {
    /// Writes them and has both sides of `sim` serve mutual TLS with them.
    fn write(sim: &mut SimConfig) -> Result<TlsFiles, DemoError> {
        let dir = std::env::temp_dir().join(format!("ctikit-demo-tls-{}", std::process::id()));
        let files = cti_sim::tls::pki::write_self_signed(&dir)?;
        let serve = cti_sim::config::ServeTls {
            cert: files.server_cert.clone(),
            key: files.server_key.clone(),
            client_ca: Some(files.ca.clone()),
        };
        sim.tls_a = Some(serve.clone());
        sim.tls_b = Some(serve);
        Ok(TlsFiles { dir, files })
    }

    /// The client's side: the CA, the client certificate and key.
    fn client(&self) -> TlsConfig {
        TlsConfig {
            ca: Some(self.files.ca.clone()),
            cert: Some(self.files.client_cert.clone()),
            key: Some(self.files.client_key.clone()),
            ..TlsConfig::default()
        }
    }
}

impl Drop for TlsFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The client: All Events and Client Control, 5 s heartbeats, and masks limited to what the demo shows ("Message
/// Masks": never unmask everything).
fn client_config(sim: &Simulator, cfg: &DemoConfig) -> Result<ClientConfig, DemoError> {
    let mut c = ClientConfig::builder(sim.addr(Side::A).to_string())
        .side_b(sim.addr(Side::B).to_string())
        .credentials(Demo::CLIENT_ID, "")
        .services(CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL)
        .heartbeat_secs(cfg.heartbeat_secs)
        .build()
        .map_err(|e| DemoError::Client(e.to_string()))?;
    c.call_msg_mask = CallMsgMask::BEGIN_CALL_MASK
        | CallMsgMask::END_CALL_MASK
        | CallMsgMask::CALL_DATA_UPDATE_MASK
        | CallMsgMask::CALL_DELIVERED_MASK
        | CallMsgMask::CALL_ESTABLISHED_MASK
        | CallMsgMask::CALL_HELD_MASK
        | CallMsgMask::CALL_RETRIEVED_MASK
        | CallMsgMask::CALL_QUEUED_MASK
        | CallMsgMask::CALL_CLEARED_MASK;
    c.agent_state_mask = AgentStateMask::KNOWN;
    Ok(c)
}
