//! The conformance recorder judging scripted clients over loopback (virtual time): a client that follows the
//! guidelines passes every check; "always side A", "fixed 5 s retry", "heartbeat 1 s", "reused InvokeID",
//! "unmask everything" and "leave without CLOSE_REQ" each fail theirs.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod support;

use std::time::Duration;

use cti_proto::Message;
use cti_proto::constants::*;
use cti_proto::message::{CloseReq, HeartbeatReq, OpenReq};
use cti_sim::conformance::{ClientReport, Verdict};
use cti_sim::{FailMode, Side, Simulator};
use support::{Got, Peer, all_events};

fn req(client: &str, idle: u32) -> OpenReq {
    let mut r = all_events(24);
    r.client_id = Some(client.into());
    r.idle_timeout = idle;
    r.call_msg_mask = BEGIN_CALL_MASK | END_CALL_MASK | CALL_DATA_UPDATE_MASK;
    r.agent_state_mask = AgentStateMask(0);
    r
}

/// One attempt: connect, OPEN_REQ; Some(peer) when OPEN_CONF came back.
async fn attempt(sim: &Simulator, side: Side, r: &OpenReq) -> Option<Peer> {
    let mut p = Peer::try_connect(sim.addr(side)).await?;
    match p.open(r.clone()).await {
        Message::OpenConf(_) => Some(p),
        _ => None,
    }
}

async fn heartbeats(p: &mut Peer, every: Duration, n: u32) {
    for _ in 0..n {
        tokio::time::sleep(every).await;
        let id = p.heartbeat().await;
        p.recv_until(|m| matches!(m, Message::HeartbeatConf(h) if h.invoke_id == id))
            .await;
    }
}

async fn close(p: &mut Peer) {
    let mut c = CloseReq::default();
    c.invoke_id = p.invoke();
    p.send(c).await;
    p.recv_until(|m| matches!(m, Message::CloseConf(_))).await;
}

fn verdict(r: &ClientReport, check: &str) -> Verdict {
    r.check(check)
        .map_or_else(|| panic!("no check {check}"), |c| c.result)
}

#[tokio::test(start_paused = true)]
async fn a_correct_client_passes_every_check() {
    let sim = Simulator::builder()
        .calls_per_second(0.0)
        .start()
        .await
        .unwrap();
    let r = req("good", 20);
    let mut p = attempt(&sim, Side::A, &r).await.unwrap();
    heartbeats(&mut p, Duration::from_secs(5), 6).await;
    sim.handle().fail_side(Side::A, FailMode::Reset);
    while !matches!(p.next().await, Got::Closed) {}
    // 17 steps: same side first (refused: server offline), then the other side.
    assert!(attempt(&sim, Side::A, &r).await.is_none());
    let mut p = attempt(&sim, Side::B, &r).await.unwrap();
    heartbeats(&mut p, Duration::from_secs(5), 4).await;
    close(&mut p).await;

    let report = sim.handle().conformance();
    let good = report.client("good").unwrap();
    assert!(
        good.all_pass(),
        "{}",
        serde_json::to_string_pretty(good).unwrap()
    );
    assert_eq!(verdict(good, "side_selection"), Verdict::Pass);
    assert_eq!(verdict(good, "heartbeat_interval"), Verdict::Pass);
}

#[tokio::test(start_paused = true)]
async fn wrong_clients_fail_their_checks() {
    let sim = Simulator::builder()
        .calls_per_second(0.0)
        .start()
        .await
        .unwrap();
    let h = sim.handle();

    // Heartbeat every second, IdleTimeout 20.
    let mut p = attempt(&sim, Side::A, &req("hb-1s", 20)).await.unwrap();
    heartbeats(&mut p, Duration::from_secs(1), 6).await;
    close(&mut p).await;

    // Everything unmasked, and leaving without CLOSE_REQ.
    let mut all = req("greedy", 20);
    all.call_msg_mask = CallMsgMask(0xFFFF_FFFF);
    all.agent_state_mask = AgentStateMask::KNOWN;
    let p = attempt(&sim, Side::A, &all).await.unwrap();
    drop(p);
    tokio::time::sleep(Duration::from_secs(1)).await;

    // The same InvokeID while the first request is outstanding (the session is silenced: no answers).
    let mut p = attempt(&sim, Side::A, &req("reuse", 20)).await.unwrap();
    let id = h
        .sessions()
        .iter()
        .find(|s| s.client_id == "reuse")
        .unwrap()
        .id;
    h.silence_session(id);
    for _ in 0..2 {
        let mut hb = HeartbeatReq::default();
        hb.invoke_id = 7;
        p.send(hb).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    // Silenced means nothing comes back, CLOSE_CONF included: send CLOSE_REQ and leave.
    let mut c = CloseReq::default();
    c.invoke_id = p.invoke();
    p.send(c).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    drop(p);

    // Side selection: both sides down, then "always side A" and "fixed 5 s retry".
    let always = req("always-a", 20);
    let fixed = req("fixed-5s", 20);
    let mut pa = attempt(&sim, Side::A, &always).await.unwrap();
    let mut pf = attempt(&sim, Side::A, &fixed).await.unwrap();
    h.fail_side(Side::B, FailMode::Reset);
    h.fail_side(Side::A, FailMode::Reset);
    while !matches!(pa.next().await, Got::Closed) {}
    while !matches!(pf.next().await, Got::Closed) {}
    for _ in 0..4 {
        assert!(attempt(&sim, Side::A, &always).await.is_none());
        assert!(attempt(&sim, Side::A, &fixed).await.is_none());
        assert!(attempt(&sim, Side::B, &fixed).await.is_none());
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    h.restore_side(Side::A);
    let mut pa = attempt(&sim, Side::A, &always).await.unwrap();
    let mut pf = attempt(&sim, Side::A, &fixed).await.unwrap();
    close(&mut pa).await;
    close(&mut pf).await;

    let report = h.conformance();
    let get = |c: &str| {
        report
            .client(c)
            .unwrap_or_else(|| panic!("no report for {c}"))
    };
    assert_eq!(verdict(get("hb-1s"), "heartbeat_interval"), Verdict::Fail);
    assert_eq!(verdict(get("greedy"), "message_masks"), Verdict::Fail);
    assert_eq!(
        verdict(get("greedy"), "close_before_leaving"),
        Verdict::Fail
    );
    assert_eq!(verdict(get("reuse"), "invoke_ids_unique"), Verdict::Fail);
    assert_eq!(verdict(get("always-a"), "side_selection"), Verdict::Fail);
    assert_eq!(verdict(get("fixed-5s"), "side_selection"), Verdict::Fail);
    // What the wrong clients did right still passes.
    assert_eq!(verdict(get("hb-1s"), "message_masks"), Verdict::Pass);
    assert_eq!(
        verdict(get("hb-1s"), "side_selection"),
        Verdict::NotObserved
    );
}
