//! What an event carries on one session: a field that does not exist at the session's protocol version is left
//! out (AGENT_STATE_EVENT's Direction, tag 244, is v16), and `[fidelity] optional_fields = false` leaves the
//! optional fields out to test a client's tolerance ([`FidelityConfig`]).

use std::borrow::Cow;

use cti_proto::Message;

use crate::config::FidelityConfig;

/// The first protocol version with AGENT_STATE_EVENT's Direction (tag 244).
pub(crate) const DIRECTION_SINCE: u32 = 16;

/// `m` as it is sent on a session of protocol `version` (borrowed when nothing is left out).
pub(crate) fn shape<'a>(m: &'a Message, version: u32, f: &FidelityConfig) -> Cow<'a, Message> {
    let Message::AgentStateEvent(e) = m else {
        return Cow::Borrowed(m);
    };
    let too_old = version < DIRECTION_SINCE && e.direction.is_some();
    if f.optional_fields && !too_old {
        return Cow::Borrowed(m);
    }
    let mut e = e.clone();
    e.direction = None;
    if !f.optional_fields {
        e.duration = None;
        e.next_agent_state = None;
        e.active_terminal = None;
        e.max_beyond_task_limit = None;
        e.agent_id_long = None;
    }
    Cow::Owned(Message::AgentStateEvent(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cti_proto::constants::AgentDirection;
    use cti_proto::message::AgentStateEvent;

    fn event() -> Message {
        let mut e = AgentStateEvent::default();
        e.agent_id = Some("1001".into());
        e.direction = Some(AgentDirection::AGENT_DIRECTION_IN);
        e.duration = Some(3);
        Message::from(e)
    }

    fn direction(m: &Message) -> Option<AgentDirection> {
        match m {
            Message::AgentStateEvent(e) => e.direction,
            _ => None,
        }
    }

    #[test]
    fn direction_from_v16_and_only_with_optional_fields() {
        let m = event();
        let full = FidelityConfig::default();
        assert!(matches!(shape(&m, 16, &full), Cow::Borrowed(_)));
        assert_eq!(
            direction(&shape(&m, 24, &full)),
            Some(AgentDirection::AGENT_DIRECTION_IN)
        );
        assert_eq!(direction(&shape(&m, 15, &full)), None);
        let bare = FidelityConfig {
            optional_fields: false,
        };
        let shaped = shape(&m, 24, &bare);
        let Message::AgentStateEvent(e) = shaped.as_ref() else {
            unreachable!()
        };
        assert_eq!((e.direction, e.duration), (None, None));
        assert_eq!(
            e.agent_id.as_ref().map(ToString::to_string).as_deref(),
            Some("1001")
        );
    }
}
