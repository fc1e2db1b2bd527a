//! The tokio shell around the core: listeners, connections, the clock task.

pub(crate) mod clock;
pub(crate) mod connection;
pub(crate) mod handshake;
pub(crate) mod listener;
