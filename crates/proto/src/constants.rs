//! Cisco's symbolic constants — the Rust equivalent of `CTILink.h` ("Definitions of Symbolic Constants").
//!
//! Generated from `defs/constants.def`. Every enumeration is a newtype over its wire integer with one associated
//! constant per Cisco name (`AgentState::AGENT_STATE_AVAILABLE`); the same names are also constants of this
//! module (`constants::AGENT_STATE_AVAILABLE`, `constants::CTI_SERVICE_ALL_EVENTS`,
//! `constants::E_CTI_INVALID_VERSION`), so code reads like the reference guide. Unknown numbers survive:
//! `AgentState(99)` is a valid value whose `name()` is `None`.
//!
//! ```
//! use cti_proto::constants::*;
//!
//! let services = CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL;
//! assert_eq!(services.bits(), 0x14);
//! assert_eq!(StatusCode(1).name(), Some("E_CTI_INVALID_VERSION"));
//! assert_eq!("AGENT_STATE_AVAILABLE".parse::<AgentState>(), Ok(AGENT_STATE_AVAILABLE));
//! assert_eq!(MessageType::BEGIN_CALL_EVENT.0, 23);
//! ```

/// A name (or number) that is not a value of the symbolic type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a {type_name} name or number")]
pub struct UnknownName {
    /// The Rust type asked for.
    pub type_name: &'static str,
    /// The text given.
    pub text: String,
}

mod generated {
    #![allow(
        clippy::unreadable_literal,
        reason = "generated from defs/constants.def; values as in the reference"
    )]
    include!(concat!(env!("OUT_DIR"), "/constants.rs"));
}
pub use generated::*;
