//! `close_before_leaving` and `open_before_requests`: the two ends of a session.
//!
//! * `close_before_leaving` — a client ending a session sends CLOSE_REQ (GED-188 "graceful close"). Fail for
//!   each opened session the client reset without a CLOSE_REQ, unless a request had then been unanswered for
//!   at least 5 s (the server looked dead: resetting is what the protocol asks, e.g. after 3 unconfirmed
//!   heartbeats). Not observed when the client never ended an opened session itself.
//! * `open_before_requests` — OPEN_REQ must be the first message and the session is open only with OPEN_CONF
//!   ("any other request before a session is open → E_CTI_SESSION_NOT_OPEN"). Fail for any request other
//!   than CLOSE_REQ sent before OPEN_CONF (or after a rejected OPEN_REQ). Pass when at least one session was
//!   opened; otherwise not observed.

use std::time::Duration;

use super::record::ConnRecord;
use super::report::{Check, Evidence, Verdict, ms, secs, secs_ms};
use super::{CLOSE_BEFORE_LEAVING, CloseCause, OPEN_BEFORE_REQUESTS};

/// How long a request must have been unanswered for a reset to count as failure detection.
const DEAD_SERVER: Duration = Duration::from_secs(5);

/// Judges how the client ended the sessions it ended itself.
pub(super) fn close_before_leaving(conns: &[&ConnRecord]) -> Check {
    let mut evidence = Vec::new();
    let (mut left, mut without) = (0usize, 0usize);
    for conn in conns {
        let Some((cause, at)) = conn.closed else {
            continue;
        };
        if !conn.opened() || !matches!(cause, CloseCause::ClientClose | CloseCause::ClientReset) {
            continue;
        }
        left += 1;
        if let Some((sent, status)) = conn.close_req {
            evidence.push(Evidence::at(
                at,
                conn.side,
                conn.id,
                format!(
                    "CLOSE_REQ ({}) at {}, then the connection ended ({cause:?})",
                    status.name().unwrap_or("?"),
                    secs(sent)
                ),
            ));
            continue;
        }
        if cause == CloseCause::ClientClose {
            evidence.push(Evidence::at(
                at,
                conn.side,
                conn.id,
                "closed by the client after CLOSE_CONF".to_owned(),
            ));
            continue;
        }
        match conn.unanswered_at_close {
            Some((sent, invoke_id, message)) if at.saturating_sub(sent) >= DEAD_SERVER => {
                evidence.push(Evidence::at(
                    at,
                    conn.side,
                    conn.id,
                    format!(
                        "reset without CLOSE_REQ after {message} (InvokeID {invoke_id}) went unanswered for {}: \
                         failure detection, allowed",
                        secs_ms(ms(at.saturating_sub(sent)))
                    ),
                ));
            }
            _ => {
                without += 1;
                evidence.push(Evidence::at(
                    at,
                    conn.side,
                    conn.id,
                    format!(
                        "the client ended this session (opened at {}) without CLOSE_REQ: the connection was reset",
                        conn.result.map_or_else(|| "?".to_owned(), |r| secs(r.at))
                    ),
                ));
            }
        }
    }
    if without > 0 {
        return Check::new(
            CLOSE_BEFORE_LEAVING,
            Verdict::Fail,
            format!("{without} of {left} session(s) the client ended were reset without CLOSE_REQ"),
            evidence,
        );
    }
    if left == 0 {
        return Check::new(
            CLOSE_BEFORE_LEAVING,
            Verdict::NotObserved,
            "the client never ended an opened session itself".to_owned(),
            evidence,
        );
    }
    Check::new(
        CLOSE_BEFORE_LEAVING,
        Verdict::Pass,
        format!("CLOSE_REQ before each of the {left} session(s) the client ended"),
        evidence,
    )
}

/// Judges whether requests waited for OPEN_CONF.
pub(super) fn open_before_requests(conns: &[&ConnRecord]) -> Check {
    let mut evidence = Vec::new();
    let mut early: u64 = 0;
    for conn in conns {
        early += conn.early_count;
        let state = match conn.result {
            Some(r) if !r.accepted => "after its OPEN_REQ was rejected",
            _ => "before OPEN_CONF",
        };
        for e in &conn.early {
            evidence.push(Evidence::at(
                e.at,
                conn.side,
                conn.id,
                format!("{} sent {state}", e.message),
            ));
        }
    }
    let opened = conns.iter().filter(|c| c.opened()).count();
    if early > 0 {
        let first = conns
            .iter()
            .filter_map(|c| c.early.first())
            .min_by_key(|e| e.at);
        let what = first.map_or_else(String::new, |e| {
            format!(" (first: {} at {})", e.message, secs(e.at))
        });
        return Check::new(
            OPEN_BEFORE_REQUESTS,
            Verdict::Fail,
            format!("{early} request(s) sent before OPEN_CONF{what}"),
            evidence,
        );
    }
    if opened == 0 {
        return Check::new(
            OPEN_BEFORE_REQUESTS,
            Verdict::NotObserved,
            "no session was opened".to_owned(),
            evidence,
        );
    }
    Check::new(
        OPEN_BEFORE_REQUESTS,
        Verdict::Pass,
        format!("every request came after OPEN_CONF ({opened} opened session(s))"),
        evidence,
    )
}
