//! Recorder tests: a correct client passes every check; each wrong client fails exactly its check.

use std::time::Duration;

use cti_proto::Message;
use cti_proto::constants::{
    AgentStateMask, BEGIN_CALL_MASK, CALL_DATA_UPDATE_MASK, CallMsgMask, E_CTI_CTI_SERVER_OFFLINE,
    E_CTI_NO_ERROR, END_CALL_MASK,
};
use cti_proto::message::{CloseReq, HeartbeatReq, OpenReq, QueryAgentStateReq};

use super::*;

/// Seconds (with fractions) since simulator start, rounded to the microsecond so that sums of gaps are exact.
pub(super) fn t(s: f64) -> Duration {
    let d = Duration::from_secs_f64(s + 0.000_000_5);
    Duration::from_micros(u64::try_from(d.as_micros()).unwrap())
}

/// A scripted client talking to a recorder.
pub(super) struct Client<'a> {
    pub rec: &'a mut Recorder,
    pub id: &'static str,
    pub idle_timeout: u32,
    pub call_mask: CallMsgMask,
    pub agent_mask: AgentStateMask,
    pub invoke: u32,
}

impl<'a> Client<'a> {
    /// A client with IdleTimeout 20 and the generic masks (BEGIN_CALL | END_CALL | CALL_DATA_UPDATE).
    pub fn new(rec: &'a mut Recorder, id: &'static str) -> Self {
        Client {
            rec,
            id,
            idle_timeout: 20,
            call_mask: BEGIN_CALL_MASK | END_CALL_MASK | CALL_DATA_UPDATE_MASK,
            agent_mask: AgentStateMask(0),
            invoke: 0,
        }
    }

    fn next_invoke(&mut self) -> u32 {
        self.invoke += 1;
        self.invoke
    }

    /// Connects `conn` to `side` at `at` and sends OPEN_REQ; the server accepts it 10 ms later or rejects it
    /// (FAILURE_CONF E_CTI_CTI_SERVER_OFFLINE) and closes 5 ms later.
    pub fn connect(&mut self, conn: ConnId, side: Side, at: f64, accepted: bool) {
        self.rec.connection_accepted(conn, side, t(at));
        let mut open = OpenReq::default();
        open.invoke_id = self.next_invoke();
        open.version_number = 24;
        open.idle_timeout = self.idle_timeout;
        open.call_msg_mask = self.call_mask;
        open.agent_state_mask = self.agent_mask;
        open.client_id = Some(self.id.into());
        open.client_password = Some("".into());
        self.rec.open_request(conn, &open, t(at));
        if accepted {
            self.rec.open_result(conn, true, None, t(at + 0.010));
        } else {
            self.rec
                .open_result(conn, false, Some(E_CTI_CTI_SERVER_OFFLINE), t(at + 0.001));
            self.rec
                .connection_closed(conn, CloseCause::ServerReject, t(at + 0.005));
        }
    }

    /// Sends `msg` (its InvokeID already set) and optionally gets its reply 5 ms later.
    pub fn send(&mut self, conn: ConnId, msg: &Message, at: f64, reply: bool) {
        self.rec.client_request(conn, msg, t(at));
        if reply {
            if let Some(id) = msg.invoke_id() {
                self.rec.server_reply(conn, id, t(at + 0.005));
            }
        }
    }

    /// HEARTBEAT_REQ (answered when `reply`).
    pub fn heartbeat(&mut self, conn: ConnId, at: f64, reply: bool) {
        let mut hb = HeartbeatReq::default();
        hb.invoke_id = self.next_invoke();
        self.send(conn, &Message::from(hb), at, reply);
    }

    /// Heartbeats every `every` seconds from `from` to `to` (inclusive), answered.
    pub fn heartbeats(&mut self, conn: ConnId, from: f64, to: f64, every: f64) {
        let mut at = from;
        while at <= to + 1e-9 {
            self.heartbeat(conn, at, true);
            at += every;
        }
    }

    /// CLOSE_REQ, CLOSE_CONF, then the client closes.
    pub fn close(&mut self, conn: ConnId, at: f64) {
        let mut close = CloseReq::default();
        close.invoke_id = self.next_invoke();
        close.status = E_CTI_NO_ERROR;
        self.send(conn, &Message::from(close), at, true);
        self.rec
            .connection_closed(conn, CloseCause::ClientClose, t(at + 0.010));
    }
}

/// The verdict of `name` for client `id`.
pub(super) fn verdict(report: &ConformanceReport, id: &str, name: &str) -> Verdict {
    report
        .client(id)
        .and_then(|c| c.check(name))
        .map(|c| c.result)
        .expect("client and check present")
}

/// The summary of `name` for client `id`.
pub(super) fn summary(report: &ConformanceReport, id: &str, name: &str) -> String {
    report
        .client(id)
        .and_then(|c| c.check(name))
        .map(|c| c.summary.clone())
        .expect("client and check present")
}

/// The brief's correct client: heartbeats every 5 s for a minute on side A, failover of A at 60 s, a rejected
/// attempt on A, an accepted one on B, heartbeats there, CLOSE_REQ before leaving.
pub(super) fn good_client(rec: &mut Recorder) {
    let mut c = Client::new(rec, "good");
    c.connect(1, Side::A, 0.0, true);
    c.heartbeats(1, 5.0, 55.0, 5.0);
    c.rec
        .connection_closed(1, CloseCause::ServerFailover, t(60.0));
    c.connect(2, Side::A, 60.1, false);
    c.connect(3, Side::B, 60.2, true);
    c.heartbeats(3, 65.2, 80.2, 5.0);
    c.close(3, 82.0);
}

#[test]
fn a_correct_client_passes_every_check() {
    let mut rec = Recorder::new();
    good_client(&mut rec);
    let report = rec.report(t(90.0));
    let client = report.client("good").expect("reported");
    assert_eq!(client.client_signature, "good");
    assert_eq!(client.connections, 3);
    let names: Vec<&str> = client.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, CHECK_NAMES);
    for check in &client.checks {
        assert_eq!(
            check.result,
            Verdict::Pass,
            "{}: {} {:#?}",
            check.name,
            check.summary,
            check.evidence
        );
    }
    assert!(client.all_pass());
    let side = summary(&report, "good", SIDE_SELECTION);
    assert!(
        side.starts_with(
            "followed the 17-step side A/B algorithm in 1 reconnection(s) (2 attempt(s))"
        ),
        "{side}"
    );
    let hb = summary(&report, "good", HEARTBEAT_INTERVAL);
    assert!(hb.starts_with("heartbeat every 5.000 s"), "{hb}");
    assert!(hb.contains("IdleTimeout 20 s ≈ 4.0 ×"), "{hb}");
    let masks = summary(&report, "good", MESSAGE_MASKS);
    assert_eq!(
        masks,
        "unmasks 3 of 32 call event types (only BEGIN_CALL / END_CALL / CALL_DATA_UPDATE: ACD-independent) and 0 of 14 agent states"
    );
}

#[test]
fn heartbeat_every_second_fails() {
    let mut rec = Recorder::new();
    let mut c = Client::new(&mut rec, "hb1");
    c.connect(1, Side::A, 0.0, true);
    c.heartbeats(1, 1.0, 30.0, 1.0);
    c.close(1, 30.5);
    let report = rec.report(t(40.0));
    assert_eq!(verdict(&report, "hb1", HEARTBEAT_INTERVAL), Verdict::Fail);
    let s = summary(&report, "hb1", HEARTBEAT_INTERVAL);
    assert!(
        s.starts_with("heartbeat interval 1.000 s is below the guideline's 5 s minimum"),
        "{s}"
    );
    // Only this check fails.
    let client = report.client("hb1").expect("reported");
    assert_eq!(
        client
            .checks
            .iter()
            .filter(|c| c.result == Verdict::Fail)
            .count(),
        1
    );
}

#[test]
fn heartbeat_idle_timeout_far_from_four_intervals_fails() {
    let mut rec = Recorder::new();
    let mut c = Client::new(&mut rec, "idle300");
    c.idle_timeout = 300;
    c.connect(1, Side::A, 0.0, true);
    c.heartbeats(1, 5.0, 60.0, 5.0);
    let report = rec.report(t(61.0));
    assert_eq!(
        verdict(&report, "idle300", HEARTBEAT_INTERVAL),
        Verdict::Fail
    );
    let s = summary(&report, "idle300", HEARTBEAT_INTERVAL);
    assert!(
        s.contains("IdleTimeout 300 s is 60.0 × the heartbeat interval 5.000 s"),
        "{s}"
    );
}

#[test]
fn irregular_heartbeats_fail_but_other_traffic_excuses_a_longer_gap() {
    let mut rec = Recorder::new();
    let mut c = Client::new(&mut rec, "irregular");
    c.connect(1, Side::A, 0.0, true);
    for at in [5.0, 10.0, 15.0, 20.0, 21.0, 26.0, 31.0] {
        c.heartbeat(1, at, true);
    }
    let mut c2 = Client::new(c.rec, "busy");
    c2.connect(2, Side::A, 0.0, true);
    c2.heartbeats(2, 5.0, 20.0, 5.0);
    let mut q = QueryAgentStateReq::default();
    q.invoke_id = 100;
    c2.send(2, &Message::from(q), 22.0, true);
    c2.heartbeats(2, 40.0, 50.0, 5.0);
    let report = rec.report(t(60.0));
    assert_eq!(
        verdict(&report, "irregular", HEARTBEAT_INTERVAL),
        Verdict::Fail
    );
    assert!(summary(&report, "irregular", HEARTBEAT_INTERVAL).contains("outside the median"));
    assert_eq!(verdict(&report, "busy", HEARTBEAT_INTERVAL), Verdict::Pass);
}

#[test]
fn heartbeats_disabled_pass_and_too_few_are_not_observed() {
    let mut rec = Recorder::new();
    let mut off = Client::new(&mut rec, "off");
    off.idle_timeout = 0xFFFF_FFFF;
    off.connect(1, Side::A, 0.0, true);
    off.close(1, 100.0);
    let mut few = Client::new(&mut rec, "few");
    few.connect(2, Side::A, 0.0, true);
    few.heartbeat(2, 5.0, true);
    let mut liar = Client::new(&mut rec, "liar");
    liar.idle_timeout = 0xFFFF_FFFF;
    liar.connect(3, Side::A, 0.0, true);
    liar.heartbeats(3, 10.0, 40.0, 10.0);
    let report = rec.report(t(100.0));
    assert_eq!(verdict(&report, "off", HEARTBEAT_INTERVAL), Verdict::Pass);
    assert!(
        summary(&report, "off", HEARTBEAT_INTERVAL)
            .starts_with("heartbeats disabled (the guideline's default)")
    );
    assert_eq!(
        verdict(&report, "few", HEARTBEAT_INTERVAL),
        Verdict::NotObserved
    );
    assert_eq!(verdict(&report, "liar", HEARTBEAT_INTERVAL), Verdict::Fail);
}

#[test]
fn reused_invoke_id_fails_and_reuse_after_the_reply_passes() {
    let mut rec = Recorder::new();
    let mut bad = Client::new(&mut rec, "reuse");
    bad.connect(1, Side::A, 0.0, true);
    let mut q = QueryAgentStateReq::default();
    q.invoke_id = 7;
    let q = Message::from(q);
    bad.send(1, &q, 10.0, false);
    bad.send(1, &q, 11.0, false);
    let mut ok = Client::new(&mut rec, "sequential");
    ok.connect(2, Side::A, 0.0, true);
    ok.send(2, &q, 10.0, true);
    ok.send(2, &q, 11.0, true);
    let report = rec.report(t(20.0));
    assert_eq!(verdict(&report, "reuse", INVOKE_IDS_UNIQUE), Verdict::Fail);
    let s = summary(&report, "reuse", INVOKE_IDS_UNIQUE);
    assert!(
        s.contains("InvokeID 7 at 11.000 s, outstanding since 10.000 s"),
        "{s}"
    );
    let check = report
        .client("reuse")
        .and_then(|c| c.check(INVOKE_IDS_UNIQUE))
        .expect("check");
    assert!(
        check
            .evidence
            .iter()
            .any(|e| e.at_ms == 11_000 && e.conn == Some(1) && e.note.contains("InvokeID 7"))
    );
    // Reuse after the reply is allowed; not increasing (OPEN_REQ 1, then 7, 7) is only a note.
    assert_eq!(
        verdict(&report, "sequential", INVOKE_IDS_UNIQUE),
        Verdict::Pass
    );
    assert!(
        summary(&report, "sequential", INVOKE_IDS_UNIQUE)
            .contains("note: InvokeIDs did not increase 1 time(s)")
    );
}

#[test]
fn invoke_ids_are_free_again_when_the_connection_closes() {
    let mut rec = Recorder::new();
    let mut c = Client::new(&mut rec, "reconnects");
    c.connect(1, Side::A, 0.0, true);
    c.heartbeat(1, 5.0, false);
    c.rec.connection_closed(1, CloseCause::Dropped, t(6.0));
    c.invoke = 0; // the counter restarts: OPEN_REQ 1, HEARTBEAT_REQ 2 again, on a new session
    c.connect(2, Side::A, 6.1, true);
    c.heartbeat(2, 11.0, true);
    let report = rec.report(t(20.0));
    assert_eq!(
        verdict(&report, "reconnects", INVOKE_IDS_UNIQUE),
        Verdict::Pass
    );
}

#[test]
fn unmasking_everything_fails() {
    let mut rec = Recorder::new();
    let mut c = Client::new(&mut rec, "firehose");
    c.call_mask = CallMsgMask(0xFFFF_FFFF);
    c.agent_mask = AgentStateMask(0x3FFF);
    c.connect(1, Side::A, 0.0, true);
    let report = rec.report(t(1.0));
    assert_eq!(verdict(&report, "firehose", MESSAGE_MASKS), Verdict::Fail);
    assert_eq!(
        summary(&report, "firehose", MESSAGE_MASKS),
        "unmasks every event type; the guideline asks to suppress unneeded data"
    );
    let check = report
        .client("firehose")
        .and_then(|c| c.check(MESSAGE_MASKS))
        .expect("check");
    assert!(
        check
            .evidence
            .iter()
            .any(|e| e.note.contains("CallMsgMask 0xffffffff") && e.note.contains("0x3fff"))
    );
}

#[test]
fn leaving_without_close_req_fails_but_a_reset_after_a_dead_server_is_allowed() {
    let mut rec = Recorder::new();
    let mut rude = Client::new(&mut rec, "rude");
    rude.connect(1, Side::A, 0.0, true);
    rude.heartbeats(1, 5.0, 20.0, 5.0);
    let mut q = QueryAgentStateReq::default();
    q.invoke_id = 50;
    rude.send(1, &Message::from(q), 21.5, false); // unanswered for only 0.5 s: no excuse
    rude.rec
        .connection_closed(1, CloseCause::ClientReset, t(22.0));
    let mut careful = Client::new(&mut rec, "careful");
    careful.connect(2, Side::A, 0.0, true);
    careful.heartbeat(2, 5.0, false);
    careful.heartbeat(2, 10.0, false);
    careful.heartbeat(2, 15.0, false);
    careful
        .rec
        .connection_closed(2, CloseCause::ClientReset, t(16.0));
    let report = rec.report(t(30.0));
    assert_eq!(
        verdict(&report, "rude", CLOSE_BEFORE_LEAVING),
        Verdict::Fail
    );
    let check = report
        .client("rude")
        .and_then(|c| c.check(CLOSE_BEFORE_LEAVING))
        .expect("check");
    assert!(
        check
            .evidence
            .iter()
            .any(|e| e.at_ms == 22_000 && e.conn == Some(1))
    );
    assert_eq!(
        verdict(&report, "careful", CLOSE_BEFORE_LEAVING),
        Verdict::Pass
    );
}

#[test]
fn a_client_that_never_left_or_lost_anything() {
    let mut rec = Recorder::new();
    let mut c = Client::new(&mut rec, "steady");
    c.connect(1, Side::A, 0.0, true);
    c.heartbeats(1, 5.0, 30.0, 5.0);
    let report = rec.report(t(31.0));
    assert_eq!(
        verdict(&report, "steady", SIDE_SELECTION),
        Verdict::NotObserved
    );
    assert_eq!(
        verdict(&report, "steady", CLOSE_BEFORE_LEAVING),
        Verdict::NotObserved
    );
    assert_eq!(
        verdict(&report, "steady", OPEN_BEFORE_REQUESTS),
        Verdict::Pass
    );
    assert!(report.client("steady").is_some_and(ClientReport::all_pass));
}

#[test]
fn requests_before_open_conf_fail() {
    let mut rec = Recorder::new();
    rec.connection_accepted(1, Side::A, t(0.0));
    let mut open = OpenReq::default();
    open.invoke_id = 1;
    open.idle_timeout = 20;
    open.client_id = Some("eager".into());
    rec.open_request(1, &open, t(0.0));
    let mut hb = HeartbeatReq::default();
    hb.invoke_id = 2;
    rec.client_request(1, &Message::from(hb), t(0.5));
    rec.open_result(1, true, None, t(1.0));
    let report = rec.report(t(2.0));
    assert_eq!(
        verdict(&report, "eager", OPEN_BEFORE_REQUESTS),
        Verdict::Fail
    );
    assert!(summary(&report, "eager", OPEN_BEFORE_REQUESTS).contains("HEARTBEAT_REQ at 0.500 s"));
}

#[test]
fn clients_are_sorted_by_id_then_signature() {
    let mut rec = Recorder::new();
    for (conn, id, sig) in [
        (1, "zeta", None),
        (2, "alpha", Some("x")),
        (3, "alpha", None),
    ] {
        rec.connection_accepted(conn, Side::A, t(0.0));
        let mut open = OpenReq::default();
        open.client_id = Some(id.into());
        open.client_signature = sig.map(Into::into);
        rec.open_request(conn, &open, t(0.0));
    }
    let report = rec.report(t(1.0));
    let keys: Vec<(&str, &str)> = report
        .clients
        .iter()
        .map(|c| (c.client_id.as_str(), c.client_signature.as_str()))
        .collect();
    assert_eq!(keys, [("alpha", "alpha"), ("alpha", "x"), ("zeta", "zeta")]);
    assert_eq!(report, rec.report(t(1.0)));
}

#[test]
fn the_json_form_has_the_documented_names() {
    let mut rec = Recorder::new();
    good_client(&mut rec);
    let mut rude = Client::new(&mut rec, "rude");
    rude.connect(10, Side::B, 0.0, true);
    rude.rec
        .connection_closed(10, CloseCause::ClientReset, t(3.0));
    let report = rec.report(t(90.0));
    let json = serde_json::to_value(&report).expect("serialises");
    let client = &json["clients"][0];
    assert_eq!(client["client_id"], "good");
    assert_eq!(client["client_signature"], "good");
    assert_eq!(client["connections"], 3);
    let check = &client["checks"][3];
    assert_eq!(check["name"], "side_selection");
    assert_eq!(check["result"], "pass");
    assert!(check["summary"].is_string());
    let evidence = &check["evidence"][0];
    assert_eq!(evidence["at_ms"], 60_000);
    assert_eq!(evidence["side"], "A");
    assert_eq!(evidence["conn"], 1);
    assert!(evidence["note"].is_string());
    let rude = &json["clients"][1];
    assert_eq!(rude["checks"][4]["result"], "fail");
    assert_eq!(rude["checks"][3]["result"], "not_observed");
    let back: ConformanceReport = serde_json::from_value(json).expect("deserialises");
    assert_eq!(back, report);
    let verdicts: Vec<String> = [Verdict::Pass, Verdict::Fail, Verdict::NotObserved]
        .iter()
        .map(|v| serde_json::to_string(v).expect("serialises"))
        .collect();
    assert_eq!(verdicts, ["\"pass\"", "\"fail\"", "\"not_observed\""]);
}
