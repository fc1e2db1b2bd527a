//! Side A/B selection tests: the 17-step schedule, its waits, invisible attempts and the usual mistakes.

use cti_proto::Message;
use cti_proto::constants::E_CTI_TIMEOUT;
use cti_proto::message::CloseReq;

use super::tests::{Client, good_client, summary, t, verdict};
use super::*;

/// Attempts after a loss: each `(side, seconds after the previous attempt ended (or the loss), accepted)`.
/// A rejected attempt ends 5 ms after its accept. Connection ids start at `first_conn`.
fn attempts(c: &mut Client<'_>, first_conn: ConnId, loss_at: f64, list: &[(Side, f64, bool)]) {
    let mut end = loss_at;
    for (i, &(side, gap, accepted)) in list.iter().enumerate() {
        let at = end + gap;
        c.connect(first_conn + i as u64, side, at, accepted);
        end = at + 0.005;
    }
}

/// A client opened on side A at 0 s with heartbeats until the failover of side A at 60 s.
fn failed_over_client<'a>(rec: &'a mut Recorder, id: &'static str) -> Client<'a> {
    let mut c = Client::new(rec, id);
    c.connect(1, Side::A, 0.0, true);
    c.heartbeats(1, 5.0, 55.0, 5.0);
    c.rec
        .connection_closed(1, CloseCause::ServerFailover, t(60.0));
    c
}

#[test]
fn always_side_a_fails() {
    let mut rec = Recorder::new();
    let mut c = failed_over_client(&mut rec, "always-a");
    attempts(
        &mut c,
        2,
        60.0,
        &[
            (Side::A, 0.1, false),
            (Side::A, 0.1, false),
            (Side::A, 15.0, false),
            (Side::A, 30.0, false),
        ],
    );
    let report = rec.report(t(120.0));
    assert_eq!(verdict(&report, "always-a", SIDE_SELECTION), Verdict::Fail);
    let s = summary(&report, "always-a", SIDE_SELECTION);
    assert!(s.contains("first: attempt 2 went to side A (0.100 s after attempt 1 ended); step 2 asks for side B"), "{s}");
    assert_eq!(
        verdict(&report, "always-a", HEARTBEAT_INTERVAL),
        Verdict::Pass
    );
}

#[test]
fn fixed_five_second_retry_fails() {
    let mut rec = Recorder::new();
    let mut c = failed_over_client(&mut rec, "fixed-5s");
    attempts(
        &mut c,
        2,
        60.0,
        &[
            (Side::A, 0.1, false),
            (Side::B, 0.1, false),
            (Side::A, 5.0, false),
            (Side::B, 0.1, false),
            (Side::A, 5.0, false),
            (Side::B, 0.1, true),
        ],
    );
    let report = rec.report(t(120.0));
    assert_eq!(verdict(&report, "fixed-5s", SIDE_SELECTION), Verdict::Fail);
    let s = summary(&report, "fixed-5s", SIDE_SELECTION);
    assert!(
        s.contains("attempt 5 (side A) came 5.000 s after attempt 4 ended; step 7 asks for a 15.000 s wait (12.500 s–17.500 s) — faster than the schedule"),
        "{s}"
    );
    let check = report
        .client("fixed-5s")
        .and_then(|c| c.check(SIDE_SELECTION))
        .expect("check");
    assert!(
        check
            .evidence
            .iter()
            .any(|e| e.note.starts_with("deviation:")
                && e.conn == Some(6)
                && e.side == Some(Side::A))
    );
}

#[test]
fn the_whole_schedule_passes() {
    let mut rec = Recorder::new();
    let mut c = failed_over_client(&mut rec, "patient");
    let (a, b) = (Side::A, Side::B);
    attempts(
        &mut c,
        2,
        60.0,
        &[
            (a, 0.1, false),
            (b, 0.1, false),
            (a, 3.0, false),
            (b, 0.1, false),
            (a, 15.2, false),
            (b, 0.1, false),
            (a, 29.0, false),
            (b, 0.1, false),
            (a, 61.0, false),
            (b, 0.1, false),
            (a, 120.0, false),
            (b, 0.1, false),
            (a, 125.0, false),
            (b, 0.1, true),
        ],
    );
    let report = rec.report(t(700.0));
    assert_eq!(
        verdict(&report, "patient", SIDE_SELECTION),
        Verdict::Pass,
        "{}",
        summary(&report, "patient", SIDE_SELECTION)
    );
    let s = summary(&report, "patient", SIDE_SELECTION);
    assert!(
        s.contains("(14 attempt(s)); random wait N = 3.000 s"),
        "{s}"
    );
}

#[test]
fn a_wait_too_long_fails() {
    let mut rec = Recorder::new();
    let mut c = failed_over_client(&mut rec, "sleepy");
    attempts(
        &mut c,
        2,
        60.0,
        &[
            (Side::A, 0.1, false),
            (Side::B, 0.1, false),
            (Side::A, 0.0, false),
            (Side::B, 0.1, false),
            (Side::A, 40.0, true),
        ],
    );
    let report = rec.report(t(200.0));
    assert_eq!(verdict(&report, "sleepy", SIDE_SELECTION), Verdict::Fail);
    assert!(summary(&report, "sleepy", SIDE_SELECTION).contains("slower than the schedule"));
}

#[test]
fn attempts_to_a_refusing_side_may_be_invisible() {
    let b = Side::B;
    let only_b = [
        (b, 0.05, false),
        (b, 10.0, false),
        (b, 15.0, false),
        (b, 30.0, true),
    ];
    // Inferred: side A failed over and accepted nothing afterwards.
    let mut inferred = Recorder::new();
    let mut c = failed_over_client(&mut inferred, "c");
    attempts(&mut c, 2, 60.0, &only_b);
    // Reported by the session layer: A's listener closed at the failover.
    let mut explicit = Recorder::new();
    explicit.listener_state(Side::A, true, t(0.0));
    let mut c = Client::new(&mut explicit, "c");
    c.connect(1, Side::A, 0.0, true);
    c.rec.listener_state(Side::A, false, t(60.0));
    c.rec
        .connection_closed(1, CloseCause::ServerFailover, t(60.0));
    attempts(&mut c, 2, 60.0, &only_b);
    for rec in [inferred, explicit] {
        let report = rec.report(t(200.0));
        let s = summary(&report, "c", SIDE_SELECTION);
        assert_eq!(verdict(&report, "c", SIDE_SELECTION), Verdict::Pass, "{s}");
        assert!(
            s.contains("a first attempt to the lost side was not seen"),
            "{s}"
        );
        assert!(s.contains("4 attempt(s) in all presumed invisible"), "{s}");
    }
}

#[test]
fn a_fixed_retry_fails_even_when_the_lost_side_is_invisible() {
    let mut rec = Recorder::new();
    let mut c = failed_over_client(&mut rec, "fixed-b");
    let b = Side::B;
    attempts(
        &mut c,
        2,
        60.0,
        &[
            (b, 0.05, false),
            (b, 5.0, false),
            (b, 5.0, false),
            (b, 5.0, true),
        ],
    );
    let report = rec.report(t(100.0));
    assert_eq!(verdict(&report, "fixed-b", SIDE_SELECTION), Verdict::Fail);
    let s = summary(&report, "fixed-b", SIDE_SELECTION);
    assert!(
        s.contains("first: attempt 3 (side B) came 5.000 s after attempt 2 ended; the schedule puts step 9 12.500 s–19.500 s later, counting 1 invisible attempt(s) before it — faster than the schedule"),
        "{s}"
    );
}

#[test]
fn the_other_side_first_fails_when_the_lost_side_was_listening() {
    // Dropped by the control plane: side A never stopped listening.
    let mut dropped = Recorder::new();
    let mut c = Client::new(&mut dropped, "c");
    c.connect(1, Side::A, 0.0, true);
    c.rec.connection_closed(1, CloseCause::Dropped, t(30.0));
    c.connect(2, Side::B, 30.1, true);
    // Failover, but the session layer says A kept listening.
    let mut told = Recorder::new();
    told.listener_state(Side::A, true, t(0.0));
    let mut c = Client::new(&mut told, "c");
    c.connect(1, Side::A, 0.0, true);
    c.rec
        .connection_closed(1, CloseCause::ServerFailover, t(30.0));
    c.connect(2, Side::B, 30.1, true);
    for rec in [dropped, told] {
        let report = rec.report(t(60.0));
        assert_eq!(verdict(&report, "c", SIDE_SELECTION), Verdict::Fail);
        let s = summary(&report, "c", SIDE_SELECTION);
        assert!(
            s.contains(
                "first: attempt 1 went to side B (0.100 s after the loss); step 1 asks for side A"
            ),
            "{s}"
        );
    }
}

#[test]
fn a_slow_first_attempt_fails() {
    let mut rec = Recorder::new();
    let mut c = Client::new(&mut rec, "slow");
    c.connect(1, Side::A, 0.0, true);
    c.rec.connection_closed(1, CloseCause::IdleTimeout, t(30.0));
    c.connect(2, Side::A, 40.0, true);
    let report = rec.report(t(60.0));
    assert_eq!(verdict(&report, "slow", SIDE_SELECTION), Verdict::Fail);
    let s = summary(&report, "slow", SIDE_SELECTION);
    assert!(
        s.contains("came 10.000 s after the loss; step 1 asks to reconnect right away"),
        "{s}"
    );
}

#[test]
fn every_loss_is_judged_from_the_side_it_happened_on() {
    let mut rec = Recorder::new();
    good_client(&mut rec);
    let mut c = Client::new(&mut rec, "good");
    c.invoke = 100;
    c.connect(4, Side::B, 90.0, true);
    c.rec.connection_closed(4, CloseCause::ClientReset, t(95.0));
    c.connect(5, Side::B, 95.5, true);
    let report = rec.report(t(100.0));
    assert_eq!(
        verdict(&report, "good", SIDE_SELECTION),
        Verdict::Pass,
        "{}",
        summary(&report, "good", SIDE_SELECTION)
    );
    assert!(
        summary(&report, "good", SIDE_SELECTION).contains("in 2 reconnection(s) (3 attempt(s))")
    );
}

#[test]
fn intentional_closes_are_not_losses_but_close_req_with_an_error_status_is() {
    let mut rec = Recorder::new();
    let mut polite = Client::new(&mut rec, "polite");
    polite.connect(1, Side::A, 0.0, true);
    polite.close(1, 10.0);
    polite.connect(2, Side::B, 50.0, true);
    let mut timed_out = Client::new(&mut rec, "timed-out");
    timed_out.connect(10, Side::A, 0.0, true);
    let mut close = CloseReq::default();
    close.invoke_id = 50;
    close.status = E_CTI_TIMEOUT;
    timed_out.send(10, &Message::from(close), 10.0, true);
    timed_out
        .rec
        .connection_closed(10, CloseCause::ClientClose, t(10.01));
    timed_out.connect(11, Side::A, 10.5, true);
    let report = rec.report(t(60.0));
    assert_eq!(
        verdict(&report, "polite", SIDE_SELECTION),
        Verdict::NotObserved
    );
    assert_eq!(verdict(&report, "timed-out", SIDE_SELECTION), Verdict::Pass);
    assert!(
        summary(&report, "timed-out", SIDE_SELECTION)
            .contains("in 1 reconnection(s) (1 attempt(s))")
    );
    let evidence = report
        .client("timed-out")
        .and_then(|c| c.check(SIDE_SELECTION))
        .map(|c| c.evidence.clone());
    assert!(evidence.is_some_and(|e| {
        e.iter()
            .any(|e| e.note.contains("CLOSE_REQ with E_CTI_TIMEOUT"))
    }));
}

#[test]
fn unfinished_and_unattempted_reconnections() {
    let mut rec = Recorder::new();
    let mut trying = failed_over_client(&mut rec, "trying");
    attempts(
        &mut trying,
        2,
        60.0,
        &[(Side::A, 0.1, false), (Side::B, 0.1, false)],
    );
    let mut gone = Client::new(&mut rec, "gone");
    gone.connect(10, Side::A, 0.0, true);
    gone.rec
        .connection_closed(10, CloseCause::ServerFailover, t(60.0));
    let report = rec.report(t(65.0));
    assert_eq!(verdict(&report, "trying", SIDE_SELECTION), Verdict::Pass);
    assert!(
        summary(&report, "trying", SIDE_SELECTION)
            .contains("still reconnecting at the end of the observation")
    );
    assert_eq!(
        verdict(&report, "gone", SIDE_SELECTION),
        Verdict::NotObserved
    );
    assert_eq!(
        summary(&report, "gone", SIDE_SELECTION),
        "lost 1 session(s) but no reconnection attempt was observed"
    );
}
