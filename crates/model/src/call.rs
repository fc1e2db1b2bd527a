//! A call as the model knows it ([`Call`]), and the data one event contributes to it (`Patch`).
//!
//! Merging rules (facts §4.2, §4.5): a value an event carries replaces the stored one, a value it does not
//! carry leaves the stored one unchanged — except the ECC set (named variables and arrays), which an event
//! carries completely (CALL_DATA_UPDATE_EVENT from v22): it replaces the stored set when the event carries any
//! ECC value and is kept when it carries none (older versions send only changes, and no ECC at all is
//! indistinguishable from "unchanged").

use std::collections::BTreeSet;
use std::time::Duration;

use cti_proto::CtiString;
use cti_proto::constants::CallType;
use cti_proto::{NamedArray, NamedVariable};
use serde::Serialize;

use crate::key::CallKey;

/// The state of a call, from the call events that enrich it (the generic events carry no state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallState {
    /// No state-bearing event seen yet (or the last one left the state open).
    #[default]
    Unknown,
    /// CALL_ORIGINATED_EVENT or CALL_SERVICE_INITIATED_EVENT.
    Initiated,
    /// CALL_QUEUED_EVENT.
    Queued,
    /// CALL_DELIVERED_EVENT.
    Ringing,
    /// CALL_ESTABLISHED_EVENT or CALL_RETRIEVED_EVENT.
    Connected,
    /// CALL_HELD_EVENT.
    Held,
    /// CALL_FAILED_EVENT.
    Failed,
    /// CALL_CLEARED_EVENT (the call is gone; END_CALL_EVENT ends the model's call).
    Cleared,
}

/// RouterCallKeyDay, RouterCallKeyCallID and RouterCallKeySequenceNumber.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RouterCallKey {
    /// RouterCallKeyDay.
    pub day: u32,
    /// RouterCallKeyCallID.
    pub call_id: u32,
    /// RouterCallKeySequenceNumber (0 when not sent).
    pub sequence: u32,
}

/// A call the model knows: begun by a BEGIN_CALL_EVENT and not yet ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Call {
    /// The call's key.
    pub key: CallKey,
    /// PeripheralID of the last event of the call.
    pub peripheral_id: u32,
    /// CallType (BEGIN_CALL_EVENT, CALL_DATA_UPDATE_EVENT).
    pub call_type: CallType,
    /// ANI.
    pub ani: Option<CtiString>,
    /// DNIS.
    pub dnis: Option<CtiString>,
    /// DialedNumber.
    pub dialed_number: Option<CtiString>,
    /// CallerEnteredDigits.
    pub caller_entered_digits: Option<CtiString>,
    /// CallWrapupData.
    pub wrapup_data: Option<CtiString>,
    /// CallVariable1..10 (index 0 is CallVariable1).
    pub call_variables: [Option<CtiString>; 10],
    /// ECC scalar variables, the complete set as last sent (look one up with [`Call::named_variable`]).
    pub named_variables: Vec<NamedVariable>,
    /// ECC array variables, the complete set as last sent.
    pub named_arrays: Vec<NamedArray>,
    /// The router call key, when an event carried one.
    pub router_call_key: Option<RouterCallKey>,
    /// The state from the enriching call events.
    pub state: CallState,
    /// Devices seen on the call (alerting, answering, holding, retrieving, calling device of an origination).
    /// These are device ids (extensions, instruments) as call events carry them, not agent ids.
    pub devices: BTreeSet<String>,
    /// When the BEGIN_CALL_EVENT was applied.
    pub began_at: Duration,
    /// When what the model knows of the call last changed.
    pub updated_at: Duration,
    /// The call's peripheral went offline: the call may have ended or changed without events.
    pub uncertain: bool,
    /// A new session opened and the call has not been re-announced by a BEGIN_CALL_EVENT yet.
    pub awaiting_reannouncement: bool,
    /// While `awaiting_reannouncement`: when it ends as lost unless re-announced. Set by the first session that
    /// asks for the re-announcement and not moved by later ones (sessions that flap faster than the window
    /// would otherwise keep every unconfirmed call forever). Not part of the JSON.
    #[serde(skip)]
    pub reannounce_by: Duration,
    /// First seen without a BEGIN_CALL_EVENT after a session opened ([`Change::CallDiscovered`](crate::Change)):
    /// `began_at` is when it was first seen, not when it began.
    pub discovered: bool,
    /// Since when an END_CALL_EVENT that arrived while its peripheral was offline holds the call suspended
    /// (`None`: not suspended).
    pub suspended_since: Option<Duration>,
}

/// The call fields [`Call::known_fields`] reports on, in this order; `began_at` is never known for a call
/// that was discovered rather than begun.
pub const CALL_FIELDS: [&str; 13] = [
    "peripheral_id",
    "call_type",
    "ani",
    "dnis",
    "dialed_number",
    "caller_entered_digits",
    "wrapup_data",
    "call_variables",
    "named_variables",
    "router_call_key",
    "state",
    "devices",
    "began_at",
];

impl Call {
    /// The value of the ECC scalar variable `name` (the last one of that name when the server repeated it).
    pub fn named_variable(&self, name: &str) -> Option<&CtiString> {
        self.named_variables
            .iter()
            .rev()
            .find(|v| v.name == name)
            .map(|v| &v.value)
    }

    /// Which of [`CALL_FIELDS`] the model knows for this call (a value was reported; `began_at` only when a
    /// BEGIN_CALL_EVENT began it), and which it does not, in the order of [`CALL_FIELDS`].
    pub fn known_fields(&self) -> (Vec<&'static str>, Vec<&'static str>) {
        let known = [
            self.peripheral_id != 0,
            self.call_type != CallType::default(),
            self.ani.is_some(),
            self.dnis.is_some(),
            self.dialed_number.is_some(),
            self.caller_entered_digits.is_some(),
            self.wrapup_data.is_some(),
            self.call_variables.iter().any(Option::is_some),
            !self.named_variables.is_empty() || !self.named_arrays.is_empty(),
            self.router_call_key.is_some(),
            self.state != CallState::Unknown,
            !self.devices.is_empty(),
            !self.discovered,
        ];
        let mut yes = Vec::new();
        let mut no = Vec::new();
        for (name, k) in CALL_FIELDS.iter().zip(known) {
            if k { yes.push(*name) } else { no.push(*name) }
        }
        (yes, no)
    }

    pub(crate) fn new(key: CallKey, now: Duration) -> Self {
        Call {
            key,
            peripheral_id: 0,
            call_type: CallType::default(),
            ani: None,
            dnis: None,
            dialed_number: None,
            caller_entered_digits: None,
            wrapup_data: None,
            call_variables: Default::default(),
            named_variables: Vec::new(),
            named_arrays: Vec::new(),
            router_call_key: None,
            state: CallState::Unknown,
            devices: BTreeSet::new(),
            began_at: now,
            updated_at: now,
            uncertain: false,
            awaiting_reannouncement: false,
            reannounce_by: Duration::ZERO,
            discovered: false,
            suspended_since: None,
        }
    }

    /// Applies what an event carries.
    /// Merges what `p` carries; true when anything changed (so callers need no copy to compare against).
    pub(crate) fn merge(&mut self, p: &Patch) -> bool {
        let mut changed = false;
        changed |= set(&mut self.peripheral_id, p.peripheral_id.as_ref());
        changed |= set(&mut self.call_type, p.call_type.as_ref());
        changed |= set_some(&mut self.ani, p.ani.as_ref());
        changed |= set_some(&mut self.dnis, p.dnis.as_ref());
        changed |= set_some(&mut self.dialed_number, p.dialed_number.as_ref());
        changed |= set_some(
            &mut self.caller_entered_digits,
            p.caller_entered_digits.as_ref(),
        );
        changed |= set_some(&mut self.wrapup_data, p.wrapup_data.as_ref());
        for (slot, v) in self.call_variables.iter_mut().zip(&p.call_variables) {
            changed |= set_some(slot, v.as_ref());
        }
        if let Some(ecc) = &p.ecc {
            changed |= set(&mut self.named_variables, Some(&ecc.variables));
            changed |= set(&mut self.named_arrays, Some(&ecc.arrays));
        }
        changed |= set_some(&mut self.router_call_key, p.router_call_key.as_ref());
        changed |= set(&mut self.state, p.state.as_ref());
        for d in &p.devices {
            if !self.devices.contains(d) {
                self.devices.insert(d.clone());
                changed = true;
            }
        }
        changed
    }
}

/// Sets `slot` to `v` when given and different; true when it changed.
fn set<T: PartialEq + Clone>(slot: &mut T, v: Option<&T>) -> bool {
    match v {
        Some(v) if slot != v => {
            slot.clone_from(v);
            true
        }
        _ => false,
    }
}

/// Sets an optional `slot` to `v` when given and different; true when it changed.
fn set_some<T: PartialEq + Clone>(slot: &mut Option<T>, v: Option<&T>) -> bool {
    match v {
        Some(v) if slot.as_ref() != Some(v) => {
            *slot = Some(v.clone());
            true
        }
        _ => false,
    }
}

/// A complete ECC set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Ecc {
    pub variables: Vec<NamedVariable>,
    pub arrays: Vec<NamedArray>,
}

impl Ecc {
    /// The set an event carries, `None` when it carries no ECC value.
    pub(crate) fn of(variables: &[NamedVariable], arrays: &[NamedArray]) -> Option<Self> {
        if variables.is_empty() && arrays.is_empty() {
            return None;
        }
        Some(Ecc {
            variables: variables.to_vec(),
            arrays: arrays.to_vec(),
        })
    }
}

/// The call data one event carries (or several events merged, for a call not begun yet).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Patch {
    pub peripheral_id: Option<u32>,
    pub call_type: Option<CallType>,
    pub ani: Option<CtiString>,
    pub dnis: Option<CtiString>,
    pub dialed_number: Option<CtiString>,
    pub caller_entered_digits: Option<CtiString>,
    pub wrapup_data: Option<CtiString>,
    pub call_variables: [Option<CtiString>; 10],
    pub ecc: Option<Ecc>,
    pub router_call_key: Option<RouterCallKey>,
    pub state: Option<CallState>,
    pub devices: Vec<String>,
}

impl Patch {
    /// Merges a later patch into this one (the later one wins where both carry a value).
    pub(crate) fn then(&mut self, later: Patch) {
        fn take<T>(slot: &mut Option<T>, v: Option<T>) {
            if v.is_some() {
                *slot = v;
            }
        }
        take(&mut self.peripheral_id, later.peripheral_id);
        take(&mut self.call_type, later.call_type);
        take(&mut self.ani, later.ani);
        take(&mut self.dnis, later.dnis);
        take(&mut self.dialed_number, later.dialed_number);
        take(&mut self.caller_entered_digits, later.caller_entered_digits);
        take(&mut self.wrapup_data, later.wrapup_data);
        for (slot, v) in self.call_variables.iter_mut().zip(later.call_variables) {
            take(slot, v);
        }
        take(&mut self.ecc, later.ecc);
        take(&mut self.router_call_key, later.router_call_key);
        take(&mut self.state, later.state);
        self.devices.extend(later.devices);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cti_proto::constants::CONNECTION_ID_STATIC;

    fn key() -> CallKey {
        CallKey::new(1, CONNECTION_ID_STATIC, "d")
    }

    #[test]
    fn present_values_replace_absent_ones_keep() {
        let mut c = Call::new(key(), Duration::ZERO);
        let mut p = Patch::default();
        p.call_variables[0] = Some("a".into());
        p.call_variables[9] = Some("j".into());
        p.ani = Some("100".into());
        c.merge(&p);
        let mut q = Patch::default();
        q.call_variables[0] = Some("b".into());
        c.merge(&q);
        assert_eq!(
            c.call_variables[0]
                .as_ref()
                .map(ToString::to_string)
                .as_deref(),
            Some("b")
        );
        assert_eq!(
            c.call_variables[9]
                .as_ref()
                .map(ToString::to_string)
                .as_deref(),
            Some("j")
        );
        assert_eq!(
            c.ani.as_ref().map(ToString::to_string).as_deref(),
            Some("100")
        );
    }

    #[test]
    fn ecc_is_replaced_whole_or_kept() {
        let mut c = Call::new(key(), Duration::ZERO);
        let first = Ecc::of(
            &[
                NamedVariable::new("user.a", "1"),
                NamedVariable::new("user.b", "2"),
            ],
            &[NamedArray::new(2, "user.arr", "x")],
        );
        c.merge(&Patch {
            ecc: first,
            ..Patch::default()
        });
        c.merge(&Patch {
            ecc: Ecc::of(&[], &[]),
            ..Patch::default()
        });
        assert_eq!(c.named_variables.len(), 2);
        c.merge(&Patch {
            ecc: Ecc::of(&[NamedVariable::new("user.b", "3")], &[]),
            ..Patch::default()
        });
        assert_eq!(c.named_variables, vec![NamedVariable::new("user.b", "3")]);
        assert_eq!(
            c.named_variable("user.b")
                .map(ToString::to_string)
                .as_deref(),
            Some("3")
        );
        assert!(c.named_arrays.is_empty());
    }

    #[test]
    fn a_later_patch_wins() {
        let mut a = Patch {
            state: Some(CallState::Ringing),
            ..Patch::default()
        };
        a.then(Patch {
            state: Some(CallState::Connected),
            ..Patch::default()
        });
        a.then(Patch::default());
        assert_eq!(a.state, Some(CallState::Connected));
    }
}
