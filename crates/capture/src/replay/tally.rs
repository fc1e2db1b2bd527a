//! What one replayed connection did: the recorded session it served, what the client sent (and what of it the
//! recording did not have), what the replay answered.

use std::collections::BTreeMap;

use serde::Serialize;

/// The account of one replayed connection (serialised with stable snake_case names).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// The capture stream of the recorded session served (none once the recording's sessions are used up).
    pub stream: Option<u32>,
    /// The session was opened (the recorded OPEN_CONF sent).
    pub opened: bool,
    /// The Cisco name of the FAILURE_CONF status that refused the client's OPEN_REQ (`E_CTI_INVALID_VERSION`).
    pub open_refused: Option<String>,
    /// Recorded unsolicited server messages of the session.
    pub events_recorded: u64,
    /// Of those, sent.
    pub events_sent: u64,
    /// Requests answered with their recorded reply.
    pub replies_reused: u64,
    /// Requests answered with FAILURE_CONF because the recording had no (more) reply of that request type, by
    /// request type.
    pub failure_confs: BTreeMap<String, u64>,
    /// Every message the client sent after its OPEN_REQ, by type.
    pub client_sent: BTreeMap<String, u64>,
    /// Messages the client sent beyond what the recorded client sent (by type; heartbeats left out, their
    /// number follows the pace).
    pub not_in_recording: BTreeMap<String, u64>,
    /// Messages the recorded client sent that this client did not (by type; heartbeats left out).
    pub recorded_not_sent: BTreeMap<String, u64>,
}

/// Adds `n` to `map[key]`.
pub(crate) fn add(map: &mut BTreeMap<String, u64>, key: &str, n: u64) {
    if n > 0 {
        *map.entry(key.to_owned()).or_default() += n;
    }
}

impl Tally {
    /// Adds `other`'s counts to these (the `stream` and open fields are left as they are).
    pub fn absorb(&mut self, other: &Tally) {
        self.events_recorded += other.events_recorded;
        self.events_sent += other.events_sent;
        self.replies_reused += other.replies_reused;
        for (into, from) in [
            (&mut self.failure_confs, &other.failure_confs),
            (&mut self.client_sent, &other.client_sent),
            (&mut self.not_in_recording, &other.not_in_recording),
            (&mut self.recorded_not_sent, &other.recorded_not_sent),
        ] {
            for (k, v) in from {
                add(into, k, *v);
            }
        }
    }
}
