//! The model measured against the simulator's own list of calls (the ground truth), not against the model's own
//! bookkeeping: a call the simulator has that the model does not know is lost, whatever the model believes.

use std::collections::BTreeSet;
use std::time::Duration;

use cti_model::Change;
use cti_session::Session;
use cti_sim::SimHandle;
use tokio::time::Instant;

/// How long [`measure`] lets the events already on their way land (virtual time in tests): the simulator may
/// have begun or ended a call in the very instant the run stopped.
pub(crate) const SETTLE: Duration = Duration::from_millis(250);

/// The comparison at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Truth {
    /// Calls in progress in the simulator.
    pub server_live: usize,
    /// ConnectionCallIDs of calls in progress in the simulator that the model does not have.
    pub lost: Vec<u32>,
    /// ConnectionCallIDs of live calls of the model that the simulator does not have.
    pub unknown_to_server: Vec<u32>,
}

/// Compares the simulator's calls in progress with the model's live calls now. The session's updates for the
/// next [`SETTLE`] are read (and dropped: the run is over) so that a call whose BEGIN or END was already on the
/// wire is not miscounted; a call the model learns of then (began, discovered) is not lost, one it ends then is
/// not unknown to the server.
pub(crate) async fn measure(session: &mut Session, sim: &SimHandle) -> Truth {
    let server: BTreeSet<u32> = sim.status().engine.calls.iter().map(|c| c.id).collect();
    let model: BTreeSet<u32> = session
        .model()
        .calls()
        .map(|c| c.key.connection_call_id)
        .collect();
    let mut learned = BTreeSet::new();
    let mut ended = BTreeSet::new();
    let until = Instant::now() + SETTLE;
    loop {
        tokio::select! {
            u = session.next() => {
                let Some(u) = u else { break };
                for c in &u.changes {
                    match c {
                        Change::CallBegan(k) | Change::CallDiscovered { key: k, .. } => {
                            learned.insert(k.connection_call_id);
                        }
                        Change::CallRekeyed { to, .. } => {
                            learned.insert(to.connection_call_id);
                        }
                        Change::CallEnded { key, .. } => {
                            ended.insert(key.connection_call_id);
                        }
                        _ => {}
                    }
                }
            }
            () = tokio::time::sleep_until(until) => break,
        }
    }
    Truth {
        server_live: server.len(),
        lost: server
            .iter()
            .filter(|id| !model.contains(id) && !learned.contains(id))
            .copied()
            .collect(),
        unknown_to_server: model
            .iter()
            .filter(|id| !server.contains(id) && !ended.contains(id))
            .copied()
            .collect(),
    }
}
