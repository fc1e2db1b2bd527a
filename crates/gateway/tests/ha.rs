//! Two gateways with the same source, as an HA pair, against the simulator and a real nats-server: only the
//! lease holder holds the CTI session; when it dies the standby takes over within the lease time and numbers on
//! from the last `Cti-Seq` in the stream, so no sequence number is published twice.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use async_nats::jetstream;
use cti_gateway::Gateway;
use cti_gateway::config::HaConfig;
use support::{Nats, busy_sim, gateway_config, source, stored, until};
use tokio::time::Instant;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standby_takes_over_and_the_sequence_continues() {
    let nats = Nats::start();
    let sim = busy_sim(10.0).await;
    let member = |instance: &str| {
        let mut cfg = gateway_config(&nats, vec![source("pg1", &sim)]);
        let mut ha = HaConfig::new(instance);
        ha.lease_secs = 3;
        cfg.ha = Some(ha);
        cfg
    };
    let a = Gateway::start(member("gw-a")).await.unwrap();
    until("A leads with a CTI session", || {
        a.sources()[0].status().connected
    })
    .await;
    let b = Gateway::start(member("gw-b")).await.unwrap();
    until("B waits as standby", || {
        b.sources()[0].status().role == "standby"
    })
    .await;
    let ma = a.sources()[0].metrics.clone();
    until("events through A", || ma.records_out_total() >= 100).await;
    // One All Events slot: only the leader has a session with the CTI Server.
    assert_eq!(sim.handle().sessions().len(), 1);
    assert_eq!(a.sources()[0].status().role, "leader");

    // A dies (no CLOSE_REQ, nothing more published, its lease left to expire).
    let died = Instant::now();
    a.kill();
    until("B leads with a CTI session", || {
        let st = b.sources()[0].status();
        st.role == "leader" && st.connected
    })
    .await;
    let takeover = died.elapsed();
    assert!(
        takeover < Duration::from_secs(10),
        "took over in {takeover:?}"
    );
    let mb = b.sources()[0].metrics.clone();
    until("events through B", || mb.records_out_total() >= 100).await;
    sim.handle().set_traffic(0.0);
    b.stop(Duration::from_secs(20)).await;

    let js = jetstream::new(async_nats::connect(nats.url()).await.unwrap());
    let records = stored(&js.get_stream("CTI").await.unwrap()).await;
    // No sequence number twice, and in stream order they only grow.
    let seqs: Vec<u64> = records.iter().map(|r| r.seq).collect();
    let unique: BTreeSet<u64> = seqs.iter().copied().collect();
    assert_eq!(unique.len(), seqs.len(), "no Cti-Seq published twice");
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order");
    // B's first record numbers on from the last one A got stored.
    let first_b = records
        .iter()
        .position(|r| r.headers["Cti-Session"] == "0" && r.seq > 1)
        .expect("B's CONNECTING");
    assert_eq!(records[first_b].subject, "cti.pg1.session.connecting");
    assert_eq!(records[first_b].seq, records[first_b - 1].seq + 1);
    // Records A had not stored when it died are gone with it (its buffer); after B takes over the numbers
    // have no holes.
    let after: Vec<u64> = seqs[first_b..].to_vec();
    let first = after[0];
    assert_eq!(
        after,
        (first..first + after.len() as u64).collect::<Vec<_>>()
    );
    sim.shutdown().await;
}
