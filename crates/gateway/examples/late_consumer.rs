//! A consumer that starts late and misses nothing: it reads the live calls and agents of a source from the KV
//! buckets (`cti_gateway::follow::LiveState::load`), then follows the stream from the position the buckets are
//! complete up to, applying each call and agent record — the procedure the README describes, for any language.
//!
//! `cargo run -p cti-gateway --example late_consumer -- [NATS_URL] [SOURCE] [SECONDS]`
//! (defaults: nats://127.0.0.1:4222 pg1 30)

use std::time::Duration;

use async_nats::jetstream::{self, consumer::DeliverPolicy, consumer::pull::OrderedConfig};
use cti_gateway::follow::{Applied, LiveState};
use futures_util::StreamExt as _;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "nats://127.0.0.1:4222".into());
    let source = args.next().unwrap_or_else(|| "pg1".into());
    let secs: u64 = args.next().map_or(Ok(30), |s| s.parse())?;

    let js = jetstream::new(async_nats::connect(&url).await?);
    let (mut state, from) = LiveState::load(&js, &source).await?;
    println!(
        "{source}: {} live calls, {} agents; following the stream from sequence {from}",
        state.calls.len(),
        state.agents.len()
    );
    let stream = js.get_stream("CTI").await?;
    let consumer = stream
        .create_consumer(OrderedConfig {
            // No filter: the stream's subjects are cti.*.event.> and its siblings, of which cti.<source>.> is not
            // a subset (nats-server 2.9 refuses it; 2.10's filter_subjects could name the four). Other sources'
            // records are skipped below.
            deliver_policy: DeliverPolicy::ByStartSequence {
                start_sequence: from,
            },
            ..Default::default()
        })
        .await?;
    let mut messages = consumer.messages().await?;
    let stop = tokio::time::sleep(Duration::from_secs(secs));
    tokio::pin!(stop);
    loop {
        let m = tokio::select! {
            m = messages.next() => m,
            () = &mut stop => break,
        };
        let Some(m) = m else { break };
        let m = m?;
        if !m.subject.as_str().starts_with(&format!("cti.{source}.")) {
            continue;
        }
        let body: serde_json::Value = serde_json::from_slice(&m.payload)?;
        match state.apply(&m.subject, &body) {
            Applied::Changed => println!(
                "{} → {} live calls, {} agents",
                m.subject,
                state.calls.len(),
                state.agents.len()
            ),
            Applied::Reload => {
                (state, _) = LiveState::load(&js, &source).await?;
                println!(
                    "{}: records were lost; state read again from the buckets",
                    m.subject
                );
            }
            _ => {}
        }
    }
    Ok(())
}
