//! `cti demo`: the main job on an embedded CTI Server — a duplex simulator in this process, a client that follows
//! every guideline connected with All Events, the call model, optional scheduled failovers, and a summary with the
//! simulator's conformance verdict on the client at the end. Output is the `cti monitor --json` line format with
//! `--json` (or when standard output is not a terminal), readable lines otherwise.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::time::Duration;

use clap::Args;
use cti_client::{Client, ClientConfig, ClientEvent};
use cti_model::{Change, Model, ModelConfig};
use cti_proto::constants::{
    AgentStateMask, CTI_SERVICE_ALL_EVENTS, CTI_SERVICE_CLIENT_CONTROL, CallMsgMask,
};
use cti_sim::{FailMode, Side, SimConfig, Simulator};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::error::CliError;
use crate::monitor::{change_json, lifecycle_json, readable_line};

/// Arguments of `cti demo`.
#[derive(Debug, Clone, Args)]
#[command(
    about = "Run the whole thing on an embedded CTI Server: simulator, client, call model, failovers",
    long_about = "Start a duplex CTI Server simulator in this process (free loopback ports, one peripheral, agents, \
                  steady inbound traffic with call variables and ECC values), connect a client that follows every \
                  client guideline with All Events, and show every event and call-model change. With --json (or \
                  when standard output is not a terminal) the lines are the `cti monitor --json` format, and a \
                  final SUMMARY line reports events by type, calls begun and ended, failovers survived with the \
                  time to reconnect, and the simulator's conformance report on the client."
)]
pub struct DemoArgs {
    /// JSON lines (the `cti monitor --json` format)
    #[arg(long)]
    json: bool,
    /// Stop after this many seconds (default: run until Ctrl-C)
    #[arg(long, value_name = "SECS")]
    duration: Option<u64>,
    /// Fail the active side every SECS seconds (the other side takes over; the failed side is restored)
    #[arg(long, value_name = "SECS")]
    failover_every: Option<u64>,
    /// Number of agents
    #[arg(long, value_name = "N", default_value_t = 24)]
    agents: u32,
    /// Mean inbound calls per second
    #[arg(long, value_name = "X", default_value_t = 2.0)]
    calls_per_second: f64,
    /// Seed of the simulator's random choices
    #[arg(long, value_name = "N", default_value_t = 7)]
    seed: u64,
}

struct Summary {
    by_type: BTreeMap<String, u64>,
    calls_began: u64,
    calls_ended: u64,
    failovers: u64,
    reconnect_ms: Vec<f64>,
}

/// Runs `cti demo`.
pub fn run(args: &DemoArgs) -> Result<(), CliError> {
    let json = args.json || {
        use std::io::IsTerminal as _;
        !std::io::stdout().is_terminal()
    };
    let colour = !json && std::env::var_os("NO_COLOR").is_none();
    let rt = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::Run(format!("starting the runtime: {e}")))?;
    rt.block_on(demo(args, json, colour))
}

async fn demo(args: &DemoArgs, json: bool, colour: bool) -> Result<(), CliError> {
    let mut cfg = SimConfig::loopback();
    cfg.agents = cti_sim::config::default_agents(args.agents, 5000);
    cfg.traffic.calls_per_second = args.calls_per_second;
    cfg.traffic.talk_min_secs = 4.0;
    cfg.traffic.talk_max_secs = 12.0;
    cfg.traffic.wrap_secs = 2.0;
    cfg.seed = args.seed;
    let sim = Simulator::builder()
        .config(cfg)
        .start()
        .await
        .map_err(|e| CliError::Run(format!("simulator: {e}")))?;
    let mut client_cfg = ClientConfig::builder(sim.addr(Side::A).to_string())
        .side_b(sim.addr(Side::B).to_string())
        .credentials("ctikit-demo", "")
        .services(CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL)
        .heartbeat_secs(5)
        .build()
        .map_err(|e| CliError::Run(e.to_string()))?;
    // Only what the demo shows ("Message Masks": never unmask everything).
    client_cfg.call_msg_mask = CallMsgMask::BEGIN_CALL_MASK
        | CallMsgMask::END_CALL_MASK
        | CallMsgMask::CALL_DATA_UPDATE_MASK
        | CallMsgMask::CALL_DELIVERED_MASK
        | CallMsgMask::CALL_ESTABLISHED_MASK
        | CallMsgMask::CALL_HELD_MASK
        | CallMsgMask::CALL_RETRIEVED_MASK
        | CallMsgMask::CALL_QUEUED_MASK
        | CallMsgMask::CALL_CLEARED_MASK;
    client_cfg.agent_state_mask = AgentStateMask::KNOWN;
    let (client, mut events) =
        Client::start(client_cfg).map_err(|e| CliError::Run(e.to_string()))?;

    let start = Instant::now();
    let stop_at = args.duration.map(|d| start + Duration::from_secs(d));
    let every = args.failover_every.map(Duration::from_secs);
    let mut next_failover = every.map(|d| start + d);
    let mut failed_at: Option<Instant> = None;
    let mut model = Model::new(ModelConfig::default());
    let mut changes: Vec<Change> = Vec::new();
    let mut s = Summary {
        by_type: BTreeMap::new(),
        calls_began: 0,
        calls_ended: 0,
        failovers: 0,
        reconnect_ms: Vec::new(),
    };
    let mut out = std::io::stdout().lock();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut print = |v: &Value| -> bool {
        let text = if json {
            v.to_string()
        } else {
            readable_line(v, colour)
        };
        writeln!(out, "{text}").is_ok()
    };
    loop {
        let wake = [
            stop_at,
            next_failover,
            model.next_deadline().map(|d| start + d),
        ]
        .into_iter()
        .flatten()
        .min();
        tokio::select! {
            _ = &mut ctrl_c => break,
            () = async {
                match wake {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => {
                let now = Instant::now();
                if stop_at.is_some_and(|t| now >= t) {
                    break;
                }
                if next_failover.is_some_and(|t| now >= t) {
                    let status = sim.handle().status();
                    if let Some(active) = status.active_side {
                        // The other side takes over; the failed side comes back idle for the next failover.
                        sim.handle().fail_side(active, FailMode::Reset);
                        sim.handle().restore_side(active);
                        failed_at = Some(now);
                        s.failovers += 1;
                        print(&json!({"type": "FAILOVER_INJECTED", "failed_side": active.name()}));
                    }
                    next_failover = every.map(|d| now + d);
                }
                model.tick(start.elapsed(), &mut changes);
            }
            e = events.next() => {
                let Some(e) = e else { break };
                let now = start.elapsed();
                let line = match &e {
                    ClientEvent::Message(m) => {
                        *s.by_type.entry(m.name().to_owned()).or_default() += 1;
                        model.apply(m, now, &mut changes);
                        serde_json::to_value(m).ok()
                    }
                    ClientEvent::Connected { .. } => {
                        model.session_opened(now);
                        if let Some(t) = failed_at.take() {
                            s.reconnect_ms.push(t.elapsed().as_secs_f64() * 1000.0);
                        }
                        lifecycle_json(&e)
                    }
                    ClientEvent::Disconnected { .. } => {
                        model.connection_lost(now);
                        lifecycle_json(&e)
                    }
                    ClientEvent::Stopped(err) => return Err(CliError::Run(err.to_string())),
                    other => lifecycle_json(other),
                };
                if let Some(v) = line {
                    if !print(&v) {
                        break;
                    }
                }
            }
        }
        for c in changes.drain(..) {
            match &c {
                Change::CallBegan(_) => s.calls_began += 1,
                Change::CallEnded { .. } => s.calls_ended += 1,
                _ => {}
            }
            if let Some(v) = change_json(&c, &model) {
                print(&v);
            }
        }
    }
    client.close().await;
    let report = sim.handle().conformance();
    let me = report.client("ctikit-demo");
    let checks: Vec<Value> = me
        .map(|r| {
            r.checks
                .iter()
                .map(|c| json!({"name": c.name, "result": c.result, "summary": c.summary}))
                .collect()
        })
        .unwrap_or_default();
    let summary = json!({
        "type": "SUMMARY",
        "events_by_type": s.by_type,
        "calls_began": s.calls_began,
        "calls_ended": s.calls_ended,
        "calls_live": model.calls().count(),
        "failovers": s.failovers,
        "failovers_survived": s.reconnect_ms.len(),
        "reconnect_ms": s.reconnect_ms,
        "conformance_all_pass": me.is_some_and(cti_sim::conformance::ClientReport::all_pass),
        "conformance": checks,
    });
    print(&summary);
    sim.shutdown().await;
    Ok(())
}
