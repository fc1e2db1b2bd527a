//! A minimal CTI bridge on `cti_session::Session`: connects to a duplex CTI Server (here the embedded
//! simulator), prints every call with its call variables as the model changes, survives a failover of side A
//! with the model kept (the calls known before are reconciled by SNAPSHOT_CALL_REQ on side B), and closes with
//! CLOSE_REQ.
//!
//! `cargo run -p cti-session --example bridge`

use std::time::Duration;

use cti_client::{ClientConfig, ClientEvent};
use cti_model::Change;
use cti_proto::constants::{CTI_SERVICE_ALL_EVENTS, CTI_SERVICE_CLIENT_CONTROL};
use cti_session::{Session, SessionConfig, UpdateKind};
use cti_sim::{FailMode, Side, Simulator};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = Simulator::builder()
        .calls_per_second(2.0)
        .seed(7)
        .start()
        .await?;
    let cfg = ClientConfig::builder(sim.addr(Side::A).to_string())
        .side_b(sim.addr(Side::B).to_string())
        .credentials("bridge-example", "")
        .services(CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL)
        .heartbeat_secs(5)
        .build()?;
    let mut session = Session::start(SessionConfig::new("pg1", cfg))?;
    let stop_at = tokio::time::Instant::now() + Duration::from_secs(8);
    let mut failed_over = false;
    let mut calls_before_failover = 0;
    loop {
        let update = tokio::select! {
            u = session.next() => u,
            () = tokio::time::sleep_until(stop_at) => break,
        };
        let Some(update) = update else { break };
        match &update.kind {
            UpdateKind::Client(ClientEvent::Connected { side, .. }) => {
                println!("[{}] connected to side {}", update.source, side.name());
            }
            UpdateKind::Client(ClientEvent::Disconnected { side, reason }) => {
                println!("[{}] lost side {}: {reason}", update.source, side.name());
            }
            UpdateKind::Reconciled { answer, .. } => println!(
                "[{}] call {} after the failover: {}",
                update.source,
                answer.key.connection_call_id,
                answer.outcome.name(answer.cause)
            ),
            _ => {}
        }
        for change in &update.changes {
            match change {
                Change::CallBegan(key)
                | Change::CallDiscovered { key, .. }
                | Change::CallChanged(key)
                | Change::CallResumed { key, .. } => {
                    if let Some(call) = session.model().call(key) {
                        let vars: Vec<String> = call
                            .call_variables
                            .iter()
                            .enumerate()
                            .filter_map(|(i, v)| v.as_ref().map(|v| format!("v{}={v}", i + 1)))
                            .collect();
                        println!(
                            "  call {} {:?} {}",
                            key.connection_call_id,
                            call.state,
                            vars.join(" ")
                        );
                    }
                }
                Change::CallEnded { key, reason } => {
                    println!("  call {} ended ({reason})", key.connection_call_id);
                }
                _ => {}
            }
        }
        if !failed_over && update.at > Duration::from_secs(4) {
            calls_before_failover = session.model().calls().count();
            println!("-- failing side A with {calls_before_failover} calls in the model --");
            sim.handle().fail_side(Side::A, FailMode::Reset);
            failed_over = true;
        }
    }
    println!(
        "{} calls, {} agents in the model ({calls_before_failover} before the failover)",
        session.model().calls().count(),
        session.model().agents().count()
    );
    session.close().await;
    sim.shutdown().await;
    Ok(())
}
