//! Request-reply control through the gateway against the simulator and a real nats-server: typed requests
//! answered with their CONF, refusals named, bad requests answered without reaching the CTI Server, and the
//! requests kept out of the stream.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod support;

use std::time::Duration;

use async_nats::jetstream;
use cti_gateway::Gateway;
use cti_proto::constants::CTI_SERVICE_CLIENT_CONTROL;
use serde_json::{Value, json};
use support::{Nats, busy_sim, gateway_config, source, stored, until};

async fn ask(nats: &async_nats::Client, subject: &str, body: &str) -> Value {
    let reply = tokio::time::timeout(
        Duration::from_secs(30),
        nats.request(subject.to_owned(), body.to_owned().into()),
    )
    .await
    .expect("a reply within 30 s")
    .unwrap();
    serde_json::from_slice(&reply.payload).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_answered_refusals_named_and_bad_requests_stopped() {
    let nats = Nats::start();
    let sim = busy_sim(0.0).await;
    let mut src = source("pg1", &sim);
    src.client.services |= CTI_SERVICE_CLIENT_CONTROL;
    src.control = true;
    let gw = Gateway::start(gateway_config(&nats, vec![src]))
        .await
        .unwrap();
    until("a CTI session", || gw.sources()[0].status().connected).await;
    let client = async_nats::connect(nats.url()).await.unwrap();

    let agent = json!({"peripheral_id": 5000, "agent_id": "1001", "instrument": "2001"});
    let q = ask(&client, "cti.pg1.request.agent.query", &agent.to_string()).await;
    assert_eq!(q["ok"], true, "{q}");
    assert_eq!(q["conf"]["type"], "QUERY_AGENT_STATE_CONF");
    assert_eq!(q["conf"]["agent_id"], "1001");

    let mut ready = agent.clone();
    ready["state"] = json!("AGENT_STATE_NOT_READY");
    ready["reason_code"] = json!(5);
    let r = ask(&client, "cti.pg1.request.agent.state", &ready.to_string()).await;
    assert_eq!(r, json!({"ok": true}));
    let q = ask(&client, "cti.pg1.request.agent.query", &agent.to_string()).await;
    assert_eq!(q["conf"]["agent_state"], "AGENT_STATE_NOT_READY", "{q}");

    // A request the CTI Server refuses: its E_CTI / CF name comes back.
    let bad_call = json!({
        "peripheral_id": 5000, "agent_id": "1001", "instrument": "2001",
        "call": {"connection_call_id": 999_999, "device_id": "999999"},
    });
    let r = ask(
        &client,
        "cti.pg1.request.call.answer",
        &bad_call.to_string(),
    )
    .await;
    assert_eq!(r["ok"], false, "{r}");
    assert_eq!(r["error"]["kind"], "ControlFailure", "{r}");
    assert!(
        r["error"]["name"].as_str().unwrap().starts_with("CF_"),
        "{r}"
    );

    // Bad requests are answered here and never reach the CTI Server.
    let requests = || {
        let report = sim.handle().conformance();
        let me = report.client("gateway-pg1").unwrap();
        let c = me
            .checks
            .iter()
            .find(|c| c.name == "invoke_ids_unique")
            .unwrap();
        c.summary.clone()
    };
    let requests_seen = requests();
    // OPEN_REQ, two queries, the state change and the refused answer.
    assert!(
        requests_seen.starts_with("5 requests on 1 connection"),
        "{requests_seen}"
    );
    for (subject, body, text) in [
        (
            "cti.pg1.request.agent.state",
            "{not json",
            "the body is not a request",
        ),
        (
            "cti.pg1.request.agent.state",
            r#"{"peripheral_id":5000,"bogus":1}"#,
            "unknown field `bogus`",
        ),
        (
            "cti.pg1.request.agent.state",
            r#"{"peripheral_id":5000}"#,
            "missing field `state`",
        ),
        (
            "cti.pg1.request.agent.state",
            r#"{"peripheral_id":5000,"state":"SLEEPY"}"#,
            "state: ",
        ),
        (
            "cti.pg1.request.call.fly",
            r#"{"peripheral_id":5000}"#,
            "unknown request \"call.fly\"",
        ),
        (
            "cti.pg1.request.call.hold",
            r#"{"peripheral_id":5000}"#,
            "missing field `call`",
        ),
    ] {
        let r = ask(&client, subject, body).await;
        assert_eq!(r["ok"], false, "{subject} {body}: {r}");
        assert_eq!(r["error"]["kind"], "BadRequest", "{r}");
        assert!(r["error"]["text"].as_str().unwrap().contains(text), "{r}");
    }
    assert_eq!(
        requests(),
        requests_seen,
        "nothing more reached the simulator"
    );
    gw.stop(Duration::from_secs(10)).await;

    // The requests are not in the stream.
    let js = jetstream::new(client);
    let records = stored(&js.get_stream("CTI").await.unwrap()).await;
    assert!(records.iter().all(|r| !r.subject.contains(".request.")));
    assert!(
        records
            .iter()
            .any(|r| r.subject == "cti.pg1.agent.AGENT_STATE_NOT_READY")
    );
    sim.shutdown().await;
}
