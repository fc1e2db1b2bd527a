//! Which events a session receives: its service (ALL_EVENTS: everything; CLIENT_EVENTS: only its agent's calls
//! and states), then its CallMsgMask / AgentStateMask (§6.2, §6.3, §7.5).

use cti_proto::Message;
use cti_proto::constants::{AgentState, AgentStateMask, CallMsgMask, MessageType, ServiceMask};

use crate::engine::{AgentIndex, WorldEvent};

/// What one session asked for and was granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// ServicesGranted.
    pub services: ServiceMask,
    /// CallMsgMask from OPEN_REQ.
    pub call_mask: CallMsgMask,
    /// AgentStateMask from OPEN_REQ.
    pub agent_mask: AgentStateMask,
    /// The agent of a CLIENT_EVENTS session.
    pub agent: Option<AgentIndex>,
}

/// The CallMsgMask bit that gates a message type, if any.
pub fn call_mask_bit(t: MessageType) -> Option<CallMsgMask> {
    let bit = match t.0 {
        9 => CallMsgMask::CALL_DELIVERED_MASK,
        21 => CallMsgMask::CALL_QUEUED_MASK,
        10 => CallMsgMask::CALL_ESTABLISHED_MASK,
        11 => CallMsgMask::CALL_HELD_MASK,
        12 => CallMsgMask::CALL_RETRIEVED_MASK,
        13 => CallMsgMask::CALL_CLEARED_MASK,
        14 => CallMsgMask::CALL_CONNECTION_CLEARED_MASK,
        15 => CallMsgMask::CALL_ORIGINATED_MASK,
        17 => CallMsgMask::CALL_CONFERENCED_MASK,
        18 => CallMsgMask::CALL_TRANSFERRED_MASK,
        19 => CallMsgMask::CALL_DIVERTED_MASK,
        20 => CallMsgMask::CALL_SERVICE_INITIATED_MASK,
        22 => CallMsgMask::CALL_TRANSLATION_ROUTE_MASK,
        23 => CallMsgMask::BEGIN_CALL_MASK,
        24 => CallMsgMask::END_CALL_MASK,
        25 => CallMsgMask::CALL_DATA_UPDATE_MASK,
        16 => CallMsgMask::CALL_FAILED_MASK,
        34 => CallMsgMask::CALL_REACHED_NETWORK_MASK,
        86 => CallMsgMask::CALL_DEQUEUED_MASK,
        105 => CallMsgMask::AGENT_PRE_CALL_MASK,
        106 => CallMsgMask::AGENT_PRE_CALL_ABORT_MASK,
        116 => CallMsgMask::RTP_STARTED_MASK,
        117 => CallMsgMask::RTP_STOPPED_MASK,
        128 => CallMsgMask::AGENT_TEAM_CONFIG_MASK,
        189 => CallMsgMask::AGENT_LEGACY_PRE_CALL_MASK,
        240 => CallMsgMask::CALL_ATTRIBUTE_CHANGE_MASK,
        248 => CallMsgMask::CALL_AGENT_GREETING_MASK,
        271 => CallMsgMask::NETWORK_RECORDING_STARTED_MASK,
        272 => CallMsgMask::NETWORK_RECORDING_ENDED_MASK,
        273 => CallMsgMask::NETWORK_RECORDING_FAILED_MASK,
        274 => CallMsgMask::NETWORK_RECORDING_TARGET_INFO_MASK,
        _ => return None,
    };
    Some(bit)
}

/// The AgentStateMask bit of an agent state (§6.3: states 0–8 are bits 0–8, UNKNOWN has none, 10–14 are 9–13).
pub fn agent_mask_bit(s: AgentState) -> Option<AgentStateMask> {
    match s.0 {
        0..=8 => Some(AgentStateMask(1 << s.0)),
        10..=14 => Some(AgentStateMask(1 << (s.0 - 1))),
        _ => None,
    }
}

impl Subscription {
    /// True when the session receives `ev`.
    pub fn wants(&self, ev: &WorldEvent) -> bool {
        let all = self.services.contains(ServiceMask::CTI_SERVICE_ALL_EVENTS);
        let client = self
            .services
            .contains(ServiceMask::CTI_SERVICE_CLIENT_EVENTS);
        if let Message::SystemEvent(_) = &ev.message {
            // Peripheral and CTI Server status goes to every event client (guidelines, failures section).
            return all || client;
        }
        let audience = all || (client && self.agent.is_some_and(|a| ev.parties.contains(&a)));
        audience && self.unmasked(&ev.message)
    }

    /// True when the masks let `m` through.
    pub fn unmasked(&self, m: &Message) -> bool {
        if let Message::AgentStateEvent(a) = m {
            return agent_mask_bit(a.agent_state).is_some_and(|b| self.agent_mask.intersects(b));
        }
        match call_mask_bit(m.message_type()) {
            Some(bit) => self.call_mask.intersects(bit),
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use cti_proto::constants::*;
    use cti_proto::message::{AgentStateEvent, BeginCallEvent, EndCallEvent, SystemEvent};

    use super::*;

    fn ev(m: Message, parties: Vec<AgentIndex>) -> WorldEvent {
        WorldEvent {
            peripheral_id: 5000,
            parties,
            group: 0,
            message: m,
        }
    }

    fn agent_state(s: AgentState) -> Message {
        let mut a = AgentStateEvent::default();
        a.agent_state = s;
        Message::from(a)
    }

    #[test]
    fn all_events_gets_everything_its_masks_allow() {
        let sub = Subscription {
            services: CTI_SERVICE_ALL_EVENTS,
            call_mask: BEGIN_CALL_MASK,
            agent_mask: AGENT_TALKING_MASK | AGENT_HOLD_MASK,
            agent: None,
        };
        assert!(sub.wants(&ev(Message::from(BeginCallEvent::default()), vec![3])));
        assert!(!sub.wants(&ev(Message::from(EndCallEvent::default()), vec![3])));
        assert!(sub.wants(&ev(agent_state(AGENT_STATE_TALKING), vec![3])));
        assert!(sub.wants(&ev(agent_state(AGENT_STATE_HOLD), vec![3])));
        assert!(!sub.wants(&ev(agent_state(AGENT_STATE_AVAILABLE), vec![3])));
        assert!(!sub.wants(&ev(agent_state(AGENT_STATE_UNKNOWN), vec![3])));
        assert!(sub.wants(&ev(Message::from(SystemEvent::default()), vec![])));
    }

    #[test]
    fn client_events_gets_only_its_agent() {
        let sub = Subscription {
            services: CTI_SERVICE_CLIENT_EVENTS,
            call_mask: CallMsgMask(u32::MAX),
            agent_mask: AgentStateMask::KNOWN,
            agent: Some(2),
        };
        assert!(sub.wants(&ev(Message::from(BeginCallEvent::default()), vec![1, 2])));
        assert!(!sub.wants(&ev(Message::from(BeginCallEvent::default()), vec![1])));
        assert!(!sub.wants(&ev(agent_state(AGENT_STATE_AVAILABLE), vec![1])));
        assert!(sub.wants(&ev(Message::from(SystemEvent::default()), vec![])));
        let monitor_only = Subscription {
            services: CTI_SERVICE_CONNECTION_MONITOR,
            ..sub
        };
        assert!(!monitor_only.wants(&ev(Message::from(SystemEvent::default()), vec![])));
    }

    #[test]
    fn agent_mask_bits_skip_unknown() {
        assert_eq!(agent_mask_bit(AGENT_STATE_LOGIN), Some(AGENT_LOGIN_MASK));
        assert_eq!(
            agent_mask_bit(AGENT_STATE_RESERVED),
            Some(AGENT_RESERVED_MASK)
        );
        assert_eq!(agent_mask_bit(AGENT_STATE_UNKNOWN), None);
        assert_eq!(agent_mask_bit(AGENT_STATE_HOLD), Some(AGENT_HOLD_MASK));
        assert_eq!(
            agent_mask_bit(AGENT_STATE_NOT_ACTIVE),
            Some(AGENT_NOT_ACTIVE_MASK)
        );
    }
}
