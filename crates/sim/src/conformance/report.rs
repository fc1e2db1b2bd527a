//! The report types (serde, stable snake_case field names) and the small helpers the checks share.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::ConnId;
use crate::config::Side;

/// Most evidence entries kept per check; the rest is summarised in one last entry.
const MAX_EVIDENCE: usize = 100;

/// The conformance of every client seen, sorted by ClientID then ClientSignature.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ConformanceReport {
    /// One entry per client identity (ClientID + ClientSignature).
    pub clients: Vec<ClientReport>,
    /// Connections refused before any OPEN_REQ could name a client (on a TLS side: a failed handshake, a
    /// missing or untrusted client certificate, a plain-TCP client), the first [`MAX_REFUSED`] in time order.
    #[serde(default)]
    pub refused_connections: Vec<RefusedConnection>,
}

/// Most refused connections listed in a report.
pub const MAX_REFUSED: usize = 100;

/// A connection the simulator refused before its session began.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedConnection {
    /// Milliseconds since simulator start.
    pub at_ms: u64,
    /// The side that refused it.
    pub side: Side,
    /// The peer's address.
    pub peer: String,
    /// Why, in plain words (e.g. `no client certificate`).
    pub reason: String,
}

impl RefusedConnection {
    /// A refusal at `at`.
    pub fn new(at: Duration, side: Side, peer: String, reason: String) -> RefusedConnection {
        RefusedConnection {
            at_ms: ms(at),
            side,
            peer,
            reason,
        }
    }
}

impl ConformanceReport {
    /// The report of the client with this ClientID (the first signature, when there are several).
    pub fn client(&self, client_id: &str) -> Option<&ClientReport> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }
}

/// What one client (identified by ClientID + ClientSignature) did, judged against the client guidelines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientReport {
    /// The ClientID of its OPEN_REQ.
    pub client_id: String,
    /// The ClientSignature of its OPEN_REQ (the ClientID when it sent none).
    pub client_signature: String,
    /// Connections that carried an OPEN_REQ with this identity.
    pub connections: u32,
    /// The checks, always all of them, in a fixed order (see [`super::CHECK_NAMES`]).
    pub checks: Vec<Check>,
}

impl ClientReport {
    /// The check with this name.
    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }

    /// True when no check failed (`not_observed` counts as no failure).
    pub fn all_pass(&self) -> bool {
        self.checks.iter().all(|c| c.result != Verdict::Fail)
    }
}

/// One judged guideline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// Stable name, e.g. `"side_selection"` (see [`super::CHECK_NAMES`]).
    pub name: String,
    /// The verdict.
    pub result: Verdict,
    /// One line for people.
    pub summary: String,
    /// What the verdict rests on, in time order per topic.
    pub evidence: Vec<Evidence>,
}

impl Check {
    /// A check with its evidence capped at a hundred entries.
    pub(super) fn new(
        name: &str,
        result: Verdict,
        summary: String,
        mut evidence: Vec<Evidence>,
    ) -> Check {
        if evidence.len() > MAX_EVIDENCE {
            let more = evidence.len() - MAX_EVIDENCE;
            evidence.truncate(MAX_EVIDENCE);
            evidence.push(Evidence::note(format!("… and {more} more entries omitted")));
        }
        Check {
            name: name.to_owned(),
            result,
            summary,
            evidence,
        }
    }
}

/// The outcome of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The client followed the guideline wherever it was observed.
    Pass,
    /// The client broke the guideline at least once (see the evidence).
    Fail,
    /// Nothing the guideline applies to happened (e.g. the client never lost a connection).
    NotObserved,
}

/// One observation behind a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Milliseconds since simulator start.
    pub at_ms: u64,
    /// The side of the connection, when it concerns one.
    pub side: Option<Side>,
    /// The connection, when it concerns one.
    pub conn: Option<ConnId>,
    /// What was seen.
    pub note: String,
}

impl Evidence {
    /// Evidence about connection `conn` on `side` at `at`.
    pub(super) fn at(at: Duration, side: Option<Side>, conn: ConnId, note: String) -> Evidence {
        Evidence {
            at_ms: ms(at),
            side,
            conn: Some(conn),
            note,
        }
    }

    /// Evidence that concerns no single moment or connection.
    pub(super) fn note(note: String) -> Evidence {
        Evidence {
            at_ms: 0,
            side: None,
            conn: None,
            note,
        }
    }
}

/// Whole milliseconds of `d` (saturating).
pub(super) fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Milliseconds as seconds with three decimals: `"5.000 s"`.
pub(super) fn secs_ms(ms: u64) -> String {
    format!("{}.{:03} s", ms / 1000, ms % 1000)
}

/// A duration as seconds with three decimals: `"60.100 s"`.
pub(super) fn secs(d: Duration) -> String {
    secs_ms(ms(d))
}

/// The median of `values` (mean of the two middle values for an even count); 0 when empty.
pub(super) fn median_ms(values: &[u64]) -> u64 {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let mid = sorted.len() / 2;
    match (sorted.get(mid.wrapping_sub(1)), sorted.get(mid)) {
        (Some(a), Some(b)) if sorted.len() % 2 == 0 => a.midpoint(*b),
        (_, Some(b)) => *b,
        _ => 0,
    }
}

/// `a / b` with one decimal, from integers: `"4.0"`.
pub(super) fn ratio_1dp(a: u64, b: u64) -> String {
    if b == 0 {
        return "∞".to_owned();
    }
    let tenths = a.saturating_mul(10) / b;
    format!("{}.{}", tenths / 10, tenths % 10)
}
