//! A minimal CTI bridge: connects to a duplex CTI Server (here the embedded simulator), feeds every event into
//! the call model and prints the model's changes, survives a failover, and closes with CLOSE_REQ.
//!
//! `cargo run -p cti-client --example bridge`

use std::time::Duration;

use cti_client::{Client, ClientConfig, ClientEvent};
use cti_model::{Model, ModelConfig};
use cti_proto::constants::CTI_SERVICE_ALL_EVENTS;
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
        .services(CTI_SERVICE_ALL_EVENTS)
        .heartbeat_secs(5)
        .build()?;
    let (client, mut events) = Client::start(cfg)?;
    let mut model = Model::new(ModelConfig::default());
    let start = tokio::time::Instant::now();
    let stop_at = start + Duration::from_secs(8);
    let mut failed_over = false;
    loop {
        let e = tokio::select! {
            e = events.next() => e,
            () = tokio::time::sleep_until(stop_at) => break,
        };
        let Some(e) = e else { break };
        let now = start.elapsed();
        let mut changes = Vec::new();
        match &e {
            ClientEvent::Message(m) => model.apply(m, now, &mut changes),
            ClientEvent::Connected {
                side,
                services_granted,
                ..
            } => {
                println!(
                    "connected to side {} (services granted {services_granted:?})",
                    side.name()
                );
                model.session_opened(now);
            }
            ClientEvent::Disconnected { side, reason } => {
                println!("lost side {}: {reason}", side.name());
                model.connection_lost(now);
            }
            other => println!("{other:?}"),
        }
        for c in changes {
            println!("{c:?}");
        }
        if !failed_over && now > Duration::from_secs(4) {
            println!("-- failing side A --");
            sim.handle().fail_side(Side::A, FailMode::Reset);
            failed_over = true;
        }
    }
    println!(
        "{} calls, {} agents in the model",
        model.calls().count(),
        model.agents().count()
    );
    client.close().await;
    Ok(())
}
