//! [`Client`]: a cheap handle to one driver task that owns the connection (handle + driver).

use cti_proto::Message;
use tokio::sync::{mpsc, oneshot};

use crate::command::Command;
use crate::config::{ClientConfig, ConfigError};
use crate::driver;
use crate::error::ClientError;
use crate::event::ClientEvent;
use crate::session::SessionCore;
use crate::status::{ClientStatus, SharedStatus};
use crate::tls::TlsConnect;

/// A CTI Server client. Cloning is cheap; every clone talks to the same session.
#[derive(Debug, Clone)]
pub struct Client {
    tx: mpsc::UnboundedSender<Command>,
    status: SharedStatus,
}

/// The stream of [`ClientEvent`]s of a client.
#[derive(Debug)]
pub struct Events {
    rx: mpsc::Receiver<ClientEvent>,
}

impl Events {
    /// The next event; `None` once the client has stopped and every event was read.
    pub async fn next(&mut self) -> Option<ClientEvent> {
        self.rx.recv().await
    }
}

impl Client {
    /// Checks the configuration and starts the driver task (inside a tokio runtime). It connects by the
    /// 17-step Side A/B algorithm and reconnects the same way after every loss. With [`ClientConfig::tls`] the
    /// PEM files are read here (an unreadable one is a [`ConfigError::Tls`]).
    ///
    /// At most [`ClientConfig::event_queue`] events wait unread on [`Events`]; a consumer that falls further
    /// behind gets its session reset and a [`ClientEvent::Overflow`] (see there).
    pub fn start(cfg: ClientConfig) -> Result<(Client, Events), ClientError> {
        cfg.validate()?;
        let tls = cfg
            .tls
            .as_ref()
            .map(TlsConnect::new)
            .transpose()
            .map_err(ConfigError::Tls)?;
        let core = SessionCore::new(&cfg)?;
        let (tx, cmds) = mpsc::unbounded_channel();
        let (etx, rx) = mpsc::channel(cfg.event_queue.max(1));
        let status = SharedStatus::default();
        tokio::spawn(driver::run(cfg, tls, core, cmds, etx, status.clone()));
        Ok((Client { tx, status }, Events { rx }))
    }

    /// Sends a request (its InvokeID is assigned here: a unique counter value) and waits for its CONF. A
    /// FAILURE_CONF or CONTROL_FAILURE_CONF is an error carrying the symbolic status; no reply in time is
    /// [`ClientError::Timeout`]; no open session is [`ClientError::NotConnected`] (also while the client waits
    /// for the consumer after an [`ClientEvent::Overflow`]); a session reset by an overflow while the request
    /// was outstanding is [`ClientError::Overflow`]; a message that is not a request
    /// ([`ClientError::NoInvokeId`]) or does not encode ([`ClientError::Encode`]) is refused before anything is
    /// sent.
    pub async fn request(&self, message: impl Into<Message>) -> Result<Message, ClientError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Command::Request {
                message: message.into(),
                reply,
            })
            .map_err(|_| ClientError::Closed)?;
        rx.await.unwrap_or(Err(ClientError::Closed))
    }

    /// A copy of the session's state now: side, since when, services granted, heartbeats, outstanding requests.
    pub fn status(&self) -> ClientStatus {
        self.status.get()
    }

    /// Closes the session (CLOSE_REQ, waiting at most 5 s for CLOSE_CONF) and stops the driver.
    pub async fn close(&self) {
        let (done, rx) = oneshot::channel();
        if self.tx.send(Command::Close { done }).is_ok() {
            let _ = rx.await;
        }
    }
}
