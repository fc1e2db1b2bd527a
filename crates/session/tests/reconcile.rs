//! The reconciler after a reconnect: at most MAX_SNAPSHOTS_IN_FLIGHT SNAPSHOT_CALL_REQs are outstanding at once,
//! and a request that gets no answer settles nothing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use std::time::Duration;

use cti_client::{Client, ClientConfig, ClientEvent};
use cti_model::{CallKey, Model, ModelConfig};
use cti_proto::constants::{
    CONNECTION_ID_STATIC, CTI_SERVICE_ALL_EVENTS, CTI_SERVICE_CLIENT_CONTROL,
};
use cti_session::DeviceAsk;
use cti_session::lines::reconciled_json;
use cti_session::reconcile::{Cause, MAX_SNAPSHOTS_IN_FLIGHT, Outcome, Reconciler, Reply};
use cti_sim::{FineClock, Side, SimConfig, Simulator};

#[tokio::test(start_paused = true)]
async fn snapshots_go_out_a_bounded_number_at_a_time() {
    let _clock = FineClock::start();
    let mut cfg = SimConfig::loopback();
    cfg.agents = cti_sim::config::default_agents(60, 5000);
    cfg.traffic.calls_per_second = 20.0;
    cfg.traffic.talk_min_secs = 600.0;
    cfg.traffic.talk_max_secs = 600.0;
    let sim = Simulator::builder().config(cfg).start().await.unwrap();
    let client_cfg = ClientConfig::builder(sim.addr(Side::A).to_string())
        .credentials("reconcile-test", "")
        .services(CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL)
        .build()
        .unwrap();
    let (client, mut events) = Client::start(client_cfg).unwrap();
    let mut model = Model::new(ModelConfig::default());
    let mut changes = Vec::new();
    let now = Duration::ZERO;
    while model.calls().count() < 3 * MAX_SNAPSHOTS_IN_FLIGHT {
        if let Some(ClientEvent::Message(m)) = events.next().await {
            model.apply(&m, now, &mut changes);
        }
    }
    let known = model.calls().count();

    // The server stops answering; the model is told a new session opened, and the reconciler asks.
    let session = sim.handle().sessions()[0].id;
    assert!(sim.handle().silence_session(session));
    model.connection_lost(now);
    model.session_opened(now);
    let mut reconciler = Reconciler::new(MAX_SNAPSHOTS_IN_FLIGHT);
    let cause = Cause::Reconnect(cti_client::Side::A);
    let calls = Reconciler::calls_for(&model, cause);
    assert_eq!(calls.len(), known);
    assert_eq!(reconciler.ask(&client, calls, cause), known);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        client.status().outstanding_requests,
        MAX_SNAPSHOTS_IN_FLIGHT
    );

    // Unanswered, the first ones time out (unsettled, the model unchanged) and the next ones go out.
    for _ in 0..MAX_SNAPSHOTS_IN_FLIGHT {
        let answer = reconciler.next().await.unwrap();
        assert!(
            matches!(answer.outcome, Outcome::Unsettled(_)),
            "{answer:?}"
        );
        let applied = answer.settle(&mut model, now, &mut changes);
        assert!(!applied);
        assert_eq!(reconciled_json(&answer, applied)["outcome"], "unsettled");
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        client.status().outstanding_requests,
        MAX_SNAPSHOTS_IN_FLIGHT
    );
    assert_eq!(model.awaiting_reannouncement().count(), known);
    client.close().await;
    sim.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn device_snapshots_share_the_bound_with_call_snapshots() {
    let _clock = FineClock::start();
    let mut cfg = SimConfig::loopback();
    cfg.agents = cti_sim::config::default_agents(40, 5000);
    cfg.traffic.calls_per_second = 0.0;
    let sim = Simulator::builder().config(cfg).start().await.unwrap();
    let client_cfg = ClientConfig::builder(sim.addr(Side::A).to_string())
        .credentials("reconcile-test", "")
        .services(CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL)
        .build()
        .unwrap();
    let (client, mut events) = Client::start(client_cfg).unwrap();
    while !matches!(events.next().await, Some(ClientEvent::Connected { .. })) {}
    let session = sim.handle().sessions()[0].id;
    assert!(sim.handle().silence_session(session));
    let mut reconciler = Reconciler::new(MAX_SNAPSHOTS_IN_FLIGHT);
    let devices: Vec<DeviceAsk> = (0..40)
        .map(|i| DeviceAsk {
            peripheral_id: 5000,
            agent_id: (1001 + i).to_string(),
            instrument: (2001 + i).to_string(),
        })
        .collect();
    assert_eq!(reconciler.ask_devices(&client, devices), 40);
    let calls = vec![(5000, CallKey::new(1, CONNECTION_ID_STATIC, "1")); 10];
    assert_eq!(
        reconciler.ask(&client, calls, Cause::Reconnect(cti_client::Side::A)),
        10
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        client.status().outstanding_requests,
        MAX_SNAPSHOTS_IN_FLIGHT
    );
    // Unanswered: each times out, settles nothing, and the next goes out, still within the bound.
    let mut model = Model::new(ModelConfig::default());
    let mut changes = Vec::new();
    for _ in 0..MAX_SNAPSHOTS_IN_FLIGHT {
        let Some(Reply::Device(answer)) = reconciler.next_reply().await else {
            panic!("the device requests went out first")
        };
        assert!(answer.found.is_err(), "{answer:?}");
        assert_eq!(answer.settle(&mut model, Duration::ZERO, &mut changes), 0);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        client.status().outstanding_requests,
        MAX_SNAPSHOTS_IN_FLIGHT
    );
    assert!(changes.is_empty());
    client.close().await;
    sim.shutdown().await;
}
