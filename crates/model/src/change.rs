//! The stream of model changes ([`Change`]) and why a call ended ([`EndReason`]).

use std::fmt;
use std::time::Duration;

use cti_proto::constants::AgentState;
use serde::Serialize;

use crate::key::CallKey;

/// Why the model ended a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// An END_CALL_EVENT ended it.
    EndCall,
    /// It was known before a reconnect and was not re-announced by a BEGIN_CALL_EVENT within the window.
    LostDuringOutage,
    /// An END_CALL_EVENT ended it while it was uncertain (after a SYSTEM_EVENT peripheral offline).
    PeripheralOffline,
    /// After a reconnect the server reported that it no longer exists (it ended while no session was open).
    EndedDuringOutage,
}

impl fmt::Display for EndReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EndReason::EndCall => "end call",
            EndReason::LostDuringOutage => "lost during outage",
            EndReason::PeripheralOffline => "peripheral offline",
            EndReason::EndedDuringOutage => "ended during outage",
        })
    }
}

/// One change of the model. Every key in a change refers to a call that is live at that point of the stream:
/// a key appears first in [`Change::CallBegan`] or [`Change::CallDiscovered`] (or as the `to` of
/// [`Change::CallRekeyed`]) and last in [`Change::CallEnded`] (or as the `from` of [`Change::CallRekeyed`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// A BEGIN_CALL_EVENT began a call (with any data that arrived for it earlier merged in).
    CallBegan(CallKey),
    /// What the model knows of a live call changed.
    CallChanged(CallKey),
    /// A call was first seen without its BEGIN_CALL_EVENT, after a session opened: it began while no session
    /// was open (or before the first one), and an event naming it (or a SNAPSHOT_DEVICE_CONF listing it)
    /// revealed it. When it began is not known; `began_at` is when it was first seen.
    CallDiscovered {
        /// The call.
        key: CallKey,
        /// What revealed it: the Cisco name of the message (`CALL_ESTABLISHED_EVENT`, `END_CALL_EVENT`,
        /// `SNAPSHOT_DEVICE_CONF`, ...).
        by: &'static str,
        /// Whether a session had been open before the one it was found in (false: the call was already in
        /// progress when the model's first session opened).
        after_outage: bool,
        /// The call's fields the model knows ([`Call::known_fields`](crate::Call::known_fields) at discovery).
        known: Vec<&'static str>,
        /// The fields it does not know; always includes `began_at`.
        unknown: Vec<&'static str>,
    },
    /// An END_CALL_EVENT arrived while the call's peripheral was offline: the server may have ended it only
    /// because of the outage ("even though the actual voice calls may still be in progress"). The call stays
    /// live, suspended, until a BEGIN_CALL_EVENT resumes it ([`Change::CallResumed`]) or the resume window after
    /// the peripheral returns passes ([`Change::CallEnded`], [`EndReason::PeripheralOffline`]).
    CallSuspended(CallKey),
    /// A suspended call was reported again after its peripheral returned (a BEGIN_CALL_EVENT, another event of
    /// it, or the server confirming it): the same call goes on.
    CallResumed {
        /// The call.
        key: CallKey,
        /// How long it was suspended (from its END_CALL_EVENT to now).
        gap: Duration,
    },
    /// A CALL_DATA_UPDATE_EVENT gave a live call a new key.
    CallRekeyed {
        /// The old key (no longer live).
        from: CallKey,
        /// The new key.
        to: CallKey,
    },
    /// A call ended.
    CallEnded {
        /// The call.
        key: CallKey,
        /// Why.
        reason: EndReason,
    },
    /// An agent's overall state changed (or the agent was seen for the first time: `from` is `None`).
    AgentChanged {
        /// The agent's key (AgentID, else extension, else instrument).
        agent_id: String,
        /// The state before.
        from: Option<AgentState>,
        /// The state now.
        to: AgentState,
    },
    /// An agent known only by its device (extension or instrument) was reported with its AgentID: the same
    /// agent, now keyed by the AgentID.
    AgentRekeyed {
        /// The old key (the device).
        from: String,
        /// The new key (the AgentID).
        to: String,
    },
    /// A SYSTEM_EVENT reported a peripheral offline or online (only when that differs from what was known).
    PeripheralStatus {
        /// PeripheralID.
        peripheral_id: u32,
        /// True for online.
        online: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_reasons_read_well() {
        assert_eq!(
            EndReason::LostDuringOutage.to_string(),
            "lost during outage"
        );
        assert_eq!(
            EndReason::PeripheralOffline.to_string(),
            "peripheral offline"
        );
        assert_eq!(EndReason::EndCall.to_string(), "end call");
    }
}
