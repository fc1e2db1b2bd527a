//! What a [`crate::Client`] handle asks of the driver task: the commands sent over its channel. Kept apart from
//! both the handle and the driver so that neither imports the other's module.

use cti_proto::Message;
use tokio::sync::oneshot;

use crate::error::ClientError;

/// Where the driver sends a request's outcome.
pub(crate) type ReplyTx = oneshot::Sender<Result<Message, ClientError>>;

/// One command from a handle to the driver.
pub(crate) enum Command {
    /// Send `message` with a fresh InvokeID and report its reply (or failure) on `reply`.
    Request {
        /// The request (its InvokeID is overwritten).
        message: Message,
        /// Where the outcome goes.
        reply: ReplyTx,
    },
    /// Close the session (CLOSE_REQ) and stop; `done` is answered when the driver has finished.
    Close {
        /// Answered once closed.
        done: oneshot::Sender<()>,
    },
}
