//! The replay's report: per connection what was served and what the client sent, the totals, and the
//! simulator's conformance checks on the client; as JSON (serde, stable snake_case names) or text.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::Tally;
use crate::conformance::{ConformanceReport, Verdict};

/// One connection of the client under test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectionReport {
    /// Connection number (from 1, in order of arrival).
    pub conn: u64,
    /// The client's address.
    pub peer: String,
    /// What was served and what the client sent.
    #[serde(flatten)]
    pub tally: Tally,
}

/// Everything a replay saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplayReport {
    /// CTI sessions in the recording.
    pub sessions_recorded: usize,
    /// Of those, served to a connection that opened them.
    pub sessions_replayed: usize,
    /// Every connection, in order.
    pub connections: Vec<ConnectionReport>,
    /// The counts of every connection added up (`stream` and the open fields left empty).
    pub totals: Tally,
    /// What of the capture the replay left out (undecodable messages, skipped bytes, streams that are no session).
    pub omitted: Vec<String>,
    /// True when no conformance check failed.
    pub conformance_all_pass: bool,
    /// The simulator's conformance checks on each client.
    pub conformance: ConformanceReport,
}

impl ReplayReport {
    pub(crate) fn new(
        sessions_recorded: usize,
        connections: Vec<ConnectionReport>,
        omitted: Vec<String>,
        conformance: ConformanceReport,
    ) -> ReplayReport {
        let mut totals = Tally::default();
        for c in &connections {
            totals.absorb(&c.tally);
        }
        let sessions_replayed = connections.iter().filter(|c| c.tally.opened).count();
        let conformance_all_pass = conformance
            .clients
            .iter()
            .all(crate::conformance::ClientReport::all_pass);
        ReplayReport {
            sessions_recorded,
            sessions_replayed,
            connections,
            totals,
            omitted,
            conformance_all_pass,
            conformance,
        }
    }

    /// The report for people.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "replay: {} of {} recorded session(s) replayed, {} connection(s)",
            self.sessions_replayed,
            self.sessions_recorded,
            self.connections.len()
        );
        for c in &self.connections {
            let t = &c.tally;
            let served = match (t.stream, t.opened, &t.open_refused) {
                (_, _, Some(status)) => format!("OPEN_REQ refused ({status})"),
                (Some(stream), true, _) => format!("recorded stream {stream}"),
                (Some(stream), false, _) => format!("recorded stream {stream}, never opened"),
                (None, ..) => "no recorded session left".to_owned(),
            };
            let _ = writeln!(
                s,
                "  connection {} from {}: {served}; events {}/{} sent, {} recorded replies reused, {} FAILURE_CONF",
                c.conn,
                c.peer,
                t.events_sent,
                t.events_recorded,
                t.replies_reused,
                t.failure_confs.values().sum::<u64>()
            );
        }
        let t = &self.totals;
        line(&mut s, "client sent", &t.client_sent);
        line(
            &mut s,
            "sent by the client, not in the recording",
            &t.not_in_recording,
        );
        line(
            &mut s,
            "answered FAILURE_CONF E_CTI_FUNCTION_NOT_AVAILABLE (no recorded reply left)",
            &t.failure_confs,
        );
        line(
            &mut s,
            "in the recording, not sent by the client",
            &t.recorded_not_sent,
        );
        for o in &self.omitted {
            let _ = writeln!(s, "left out of the replay: {o}");
        }
        let verdict = if self.conformance_all_pass {
            "all checks pass"
        } else {
            "some checks fail"
        };
        let _ = writeln!(
            s,
            "conformance (the simulator's checks on the client): {verdict}"
        );
        for client in &self.conformance.clients {
            let _ = writeln!(
                s,
                "  client {} ({} connection(s))",
                client.client_id, client.connections
            );
            for check in &client.checks {
                let v = match check.result {
                    Verdict::Pass => "pass",
                    Verdict::Fail => "FAIL",
                    Verdict::NotObserved => "not observed",
                };
                let _ = writeln!(s, "    {:<22} {v:<12} {}", check.name, check.summary);
            }
        }
        s
    }
}

/// `label: A 2, B 1` (or `label: none`).
fn line(s: &mut String, label: &str, counts: &BTreeMap<String, u64>) {
    let list: Vec<String> = counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let list = if list.is_empty() {
        "none".to_owned()
    } else {
        list.join(", ")
    };
    let _ = writeln!(s, "{label}: {list}");
}
