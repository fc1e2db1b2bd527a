//! Replaying a recorded CTI session to a client under test, sans-IO.
//!
//! [`Recording`] takes the CTI sessions out of a capture (each stream whose OPEN_REQ was answered by
//! OPEN_CONF): the recorded OPEN_CONF, the server's unsolicited messages with their time after it, and each
//! recorded request with the replies it got (paired by InvokeID). A [`Player`] is the server side of one
//! connection of the client under test:
//!
//! * its OPEN_REQ gets the recorded OPEN_CONF with the client's InvokeID, or a FAILURE_CONF when it cannot
//!   open the recorded session ([`check_open`]: E_CTI_INVALID_VERSION for another protocol version, ...);
//! * HEARTBEAT_REQ gets HEARTBEAT_CONF and CLOSE_REQ gets CLOSE_CONF, from the player itself;
//! * any other request gets the next unused recorded reply to a request of the same type (recorded order,
//!   InvokeID rewritten to the client's), or FAILURE_CONF E_CTI_FUNCTION_NOT_AVAILABLE when none is left;
//! * the recorded events come out with their recorded spacing after OPEN_CONF, scaled by the [`Pace`].
//!
//! Its [`Tally`] says what the client sent that the recorded client did not. The tokio server around it is
//! `cti_sim::replay` (which adds the simulator's conformance checks); `cti replay` runs that.
//!
//! ```
//! use std::time::Duration;
//! use cti_capture::replay::{Pace, Player, Recording};
//! use cti_proto::Message;
//! use cti_proto::message::OpenReq;
//!
//! // An empty recording has no session: the player refuses every OPEN_REQ.
//! let recording = Recording::default();
//! let mut player = Player::new(recording.sessions.first().cloned(), Pace::AsFastAsPossible, false);
//! let mut open = OpenReq::default();
//! open.invoke_id = 7;
//! let answer = player.on_message(&Message::from(open), Duration::ZERO);
//! let Some(Message::FailureConf(f)) = answer.messages.first() else { panic!() };
//! assert_eq!((f.invoke_id, f.status.to_string().as_str()), (7, "E_CTI_CTI_SERVER_OFFLINE"));
//! assert!(answer.close);
//! ```

mod open_check;
mod pace;
mod player;
mod recording;
mod tally;
#[cfg(test)]
mod tests;

pub use open_check::{MIN_IDLE_TIMEOUT, check_open};
pub use pace::{BadSpeed, Pace};
pub use player::{Answer, Player};
pub use recording::{Exchange, Omission, RecordedSession, Recording, TimedEvent};
pub use tally::Tally;
