//! [`Gateway`]: connects to NATS, creates or updates the stream and the KV buckets, and runs every source.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, stream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use crate::config::{GatewayConfig, NatsConfig, Storage, StreamSettings};
use crate::http_state::HttpState;
use crate::lease::LEASES_BUCKET;
use crate::metrics::SourceMetrics;
use crate::source::SourceStatus;
use crate::source_info::SourceInfo;
use crate::subjects::{AGENTS_BUCKET, CALLS_BUCKET, STREAM_SUBJECTS};
use crate::{publisher, supervisor};

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    /// The configuration was refused.
    #[error(transparent)]
    Config(#[from] crate::config::GatewayConfigError),
    /// NATS could not be reached or refused the login.
    #[error("NATS at {url}: {reason}")]
    Nats {
        /// The URL tried.
        url: String,
        /// Why.
        reason: String,
    },
    /// The stream or a KV bucket could not be created or updated.
    #[error("JetStream: {0}")]
    JetStream(String),
    /// The HTTP endpoint could not bind its address.
    #[error("HTTP on {addr}: {reason}")]
    Http {
        /// The address.
        addr: String,
        /// Why.
        reason: String,
    },
    /// A source's client could not start.
    #[error("source {source_name:?}: {error}")]
    Source {
        /// The source.
        source_name: String,
        /// Why.
        error: cti_client::ClientError,
    },
}

/// A running gateway: one CTI session per source, every update published to JetStream. [`Gateway::stop`]
/// closes the sessions with CLOSE_REQ and publishes what is left.
#[derive(Debug)]
pub struct Gateway {
    sources: Vec<SourceInfo>,
    stop: watch::Sender<bool>,
    supervisors: JoinSet<()>,
    nats: async_nats::Client,
    http: Option<(std::net::SocketAddr, tokio::task::JoinHandle<()>)>,
}

impl Gateway {
    /// Checks the configuration, connects to NATS, creates or updates the stream and the `cti_calls` /
    /// `cti_agents` buckets, then starts every source's session and publisher.
    pub async fn start(cfg: GatewayConfig) -> Result<Gateway, GatewayError> {
        cfg.validate()?;
        let nats = connect(&cfg.nats).await?;
        let js = jetstream::ContextBuilder::new()
            .ack_timeout(Duration::from_secs(5))
            .max_ack_inflight(4 * publisher::WINDOW)
            .build(nats.clone());
        ensure_stream(&js, &cfg.stream).await?;
        for bucket in [CALLS_BUCKET, AGENTS_BUCKET] {
            ensure_bucket(&js, bucket, &cfg.stream, Duration::ZERO).await?;
        }
        if let Some(ha) = &cfg.ha {
            ensure_bucket(&js, LEASES_BUCKET, &cfg.stream, ha.lease()).await?;
        }
        let (stop, stop_rx) = watch::channel(false);
        let live = crate::live::feed(cfg.ws_buffer);
        let mut supervisors = JoinSet::new();
        let mut infos = Vec::new();
        for s in &cfg.sources {
            let metrics = Arc::new(SourceMetrics::default());
            let (queries_tx, queries) = mpsc::channel(16);
            let (status, status_rx) = watch::channel(SourceStatus {
                role: "leader",
                side: "-",
                ..SourceStatus::default()
            });
            supervisors.spawn(supervisor::supervise(supervisor::Runner {
                js: js.clone(),
                nats: nats.clone(),
                cfg: s.clone(),
                stream: cfg.stream.name.clone(),
                buffer: cfg.buffer,
                ha: cfg.ha.clone(),
                metrics: Arc::clone(&metrics),
                status,
                queries,
                stop: stop_rx.clone(),
                live: live.clone(),
            }));
            infos.push(SourceInfo::new(
                s.name.clone(),
                metrics,
                status_rx,
                queries_tx,
            ));
        }
        let http = match &cfg.http {
            Some(addr) => Some(
                crate::http::start(
                    addr,
                    HttpState {
                        sources: infos.clone(),
                        nats: nats.clone(),
                        live: live.clone(),
                        live_capacity: cfg.ws_buffer,
                        ws: std::sync::Arc::default(),
                        stop: stop_rx.clone(),
                    },
                )
                .await
                .map_err(|e| GatewayError::Http {
                    addr: addr.clone(),
                    reason: e.to_string(),
                })?,
            ),
            None => None,
        };
        Ok(Gateway {
            sources: infos,
            stop,
            supervisors,
            nats,
            http,
        })
    }

    /// The sources, in configuration order.
    pub fn sources(&self) -> &[SourceInfo] {
        &self.sources
    }

    /// The address the HTTP endpoints listen on (when configured).
    pub fn http_addr(&self) -> Option<std::net::SocketAddr> {
        self.http.as_ref().map(|(a, _)| *a)
    }

    /// Whether NATS is connected now.
    pub fn nats_connected(&self) -> bool {
        self.nats.connection_state() == async_nats::connection::State::Connected
    }

    /// Closes every CTI session (CLOSE_REQ), waits until what was received is published (at most `flush`),
    /// gives up the HA leases, and stops.
    pub async fn stop(mut self, flush: Duration) {
        if let Some((_, task)) = self.http.take() {
            task.abort();
        }
        let _ = self.stop.send(true);
        let _ = tokio::time::timeout(flush + Duration::from_secs(5), async {
            while self.supervisors.join_next().await.is_some() {}
        })
        .await;
        self.supervisors.abort_all();
    }

    /// Stops at once, as a crash would: no CLOSE_REQ, nothing more published, leases left to expire (for tests
    /// of the HA pair).
    pub fn kill(mut self) {
        if let Some((_, task)) = self.http.take() {
            task.abort();
        }
        self.supervisors.abort_all();
    }
}

async fn connect(c: &NatsConfig) -> Result<async_nats::Client, GatewayError> {
    let fail = |reason: String| GatewayError::Nats {
        url: c.url.clone(),
        reason,
    };
    let mut opts = async_nats::ConnectOptions::new()
        .name("ctikit-gateway")
        .connection_timeout(Duration::from_secs(5));
    if let (Some(user), Some(pass)) = (&c.user, &c.password) {
        opts = opts.user_and_password(
            user.clone(),
            String::from_utf8_lossy(pass.expose()).into_owned(),
        );
    }
    if let Some(token) = &c.token {
        opts = opts.token(String::from_utf8_lossy(token.expose()).into_owned());
    }
    if let Some(path) = &c.creds_file {
        opts = opts
            .credentials_file(path)
            .await
            .map_err(|e| fail(format!("credentials file {path}: {e}")))?;
    }
    if c.tls {
        opts = opts.require_tls(true);
    }
    if let Some(ca) = &c.tls_ca {
        opts = opts.add_root_certificates(ca.into());
    }
    let client = opts
        .connect(c.url.as_str())
        .await
        .map_err(|e| fail(e.to_string()))?;
    Ok(client)
}

fn storage(s: Storage) -> stream::StorageType {
    match s {
        Storage::File => stream::StorageType::File,
        Storage::Memory => stream::StorageType::Memory,
    }
}

async fn ensure_stream(js: &jetstream::Context, s: &StreamSettings) -> Result<(), GatewayError> {
    let cfg = stream::Config {
        name: s.name.clone(),
        subjects: STREAM_SUBJECTS.iter().map(|s| (*s).to_owned()).collect(),
        storage: storage(s.storage),
        max_age: s.max_age(),
        max_bytes: s.max_bytes,
        num_replicas: s.replicas,
        duplicate_window: Duration::from_secs(s.duplicate_window_secs),
        ..Default::default()
    };
    js.create_or_update_stream(cfg)
        .await
        .map_err(|e| GatewayError::JetStream(format!("stream {}: {e}", s.name)))?;
    Ok(())
}

/// A KV bucket is a stream named `KV_<bucket>`; it is created (or updated) as such here, with the settings the
/// KV protocol expects, because async-nats' own bucket creation first asks for account details that
/// nats-server 2.9 (Debian's) answers in a shape it does not read.
async fn ensure_bucket(
    js: &jetstream::Context,
    bucket: &str,
    s: &StreamSettings,
    max_age: Duration,
) -> Result<(), GatewayError> {
    let cfg = stream::Config {
        name: format!("KV_{bucket}"),
        subjects: vec![format!("$KV.{bucket}.>")],
        max_messages_per_subject: 1,
        max_age,
        storage: storage(s.storage),
        num_replicas: s.replicas,
        allow_rollup: true,
        deny_delete: true,
        allow_direct: true,
        discard: stream::DiscardPolicy::New,
        ..Default::default()
    };
    js.create_or_update_stream(cfg)
        .await
        .map_err(|e| GatewayError::JetStream(format!("KV bucket {bucket}: {e}")))?;
    js.get_key_value(bucket)
        .await
        .map_err(|e| GatewayError::JetStream(format!("KV bucket {bucket}: {e}")))?;
    Ok(())
}
