//! `invoke_ids_unique`: "set the Invoke ID to a unique value for each request … to have multiple requests
//! outstanding and correctly determine which request's response has been received".
//!
//! A request is outstanding from the moment the client sends it until the server sends its confirmation
//! (CONF, FAILURE_CONF, CONTROL_FAILURE_CONF; OPEN_CONF / FAILURE_CONF for OPEN_REQ) or its connection closes.
//! Reusing the InvokeID of an outstanding request on the same session fails; InvokeIDs that do not increase
//! are only noted (the guideline's counter is an example, not a rule).

use super::INVOKE_IDS_UNIQUE;
use super::record::ConnRecord;
use super::report::{Check, Evidence, Verdict, secs};

/// Judges the InvokeIDs of one client's connections.
pub(super) fn check(conns: &[&ConnRecord]) -> Check {
    let requests: u64 = conns.iter().map(|c| c.invoke.requests).sum();
    let reuses: u64 = conns.iter().map(|c| c.invoke.reuse_count).sum();
    let not_increasing: u64 = conns.iter().map(|c| c.invoke.not_increasing).sum();
    let mut evidence = Vec::new();
    for conn in conns {
        for r in &conn.invoke.reuses {
            evidence.push(Evidence::at(
                r.at,
                conn.side,
                conn.id,
                format!(
                    "{} with InvokeID {} while the {} sent at {} with the same InvokeID was still unanswered",
                    r.message,
                    r.invoke_id,
                    r.first_message,
                    secs(r.first_at)
                ),
            ));
        }
        if conn.invoke.reuse_count > conn.invoke.reuses.len() as u64 {
            evidence.push(Evidence::at(
                conn.accepted_at,
                conn.side,
                conn.id,
                format!(
                    "{} more reuses on this connection",
                    conn.invoke.reuse_count - conn.invoke.reuses.len() as u64
                ),
            ));
        }
        if let Some((at, prev, id)) = conn.invoke.first_not_increasing {
            evidence.push(Evidence::at(
                at,
                conn.side,
                conn.id,
                format!(
                    "note: InvokeID {id} after {prev} (not increasing; {} time(s) on this connection)",
                    conn.invoke.not_increasing
                ),
            ));
        }
    }
    let order_note = if not_increasing > 0 {
        format!(
            "; note: InvokeIDs did not increase {not_increasing} time(s) (allowed; a counter is the guideline's example)"
        )
    } else {
        String::new()
    };
    if reuses > 0 {
        let first = conns
            .iter()
            .filter_map(|c| c.invoke.reuses.first())
            .min_by_key(|r| r.at);
        let what = first.map_or_else(String::new, |r| {
            format!(
                " (first: InvokeID {} at {}, outstanding since {})",
                r.invoke_id,
                secs(r.at),
                secs(r.first_at)
            )
        });
        return Check::new(
            INVOKE_IDS_UNIQUE,
            Verdict::Fail,
            format!(
                "{reuses} request(s) reused the InvokeID of a request still outstanding{what}{order_note}"
            ),
            evidence,
        );
    }
    if requests < 2 {
        return Check::new(
            INVOKE_IDS_UNIQUE,
            Verdict::NotObserved,
            format!("{requests} request(s) observed: nothing to compare"),
            evidence,
        );
    }
    Check::new(
        INVOKE_IDS_UNIQUE,
        Verdict::Pass,
        format!(
            "{requests} requests on {} connection(s), no InvokeID reused while outstanding{order_note}",
            conns.len()
        ),
        evidence,
    )
}
