//! The HTTP/JSON control plane (`cti sim --control ADDR`): inspection and fault injection.
//!
//! | method and path | effect |
//! |---|---|
//! | `GET /status` | sides and which is active, sessions, calls, agents, peripherals, traffic |
//! | `GET /sessions` | the open sessions |
//! | `POST /sides/{a\|b}/fail?mode=refuse\|reset` | fail a side (default `reset`) |
//! | `POST /sides/{a\|b}/restore` | bring it back |
//! | `POST /peripherals/{id}/offline?linger_secs=N` | peripheral offline (END_CALL at once, or after N s) |
//! | `POST /peripherals/{id}/online` | peripheral back |
//! | `POST /calls` | start one call: `{"ani", "dnis", "call_variables": [[1, "v"]], "named_variables": [["n", "v"]], "named_arrays": [[0, "n", "v"]], "agent_id", "peripheral_id"}` |
//! | `POST /traffic` | `{"calls_per_second": x}` |
//! | `POST /sessions/{id}/silence` | stop answering that session's heartbeats (half-open) |
//! | `POST /sessions/{id}/drop` | close that session abruptly |
//! | `GET /conformance` | the conformance report |

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::config::Side;
use crate::engine::CallSpec;
use crate::handle::SimHandle;
use crate::sides::FailMode;

fn error(code: StatusCode, text: impl std::fmt::Display) -> Response {
    (code, Json(json!({ "error": text.to_string() }))).into_response()
}

fn side(s: &str) -> Option<Side> {
    match s {
        "a" | "A" => Some(Side::A),
        "b" | "B" => Some(Side::B),
        _ => None,
    }
}

fn no_side(s: &str) -> Response {
    error(StatusCode::NOT_FOUND, format!("no side {s:?}: use a or b"))
}

#[derive(Deserialize)]
struct FailQuery {
    mode: Option<FailMode>,
}

#[derive(Deserialize)]
struct OfflineQuery {
    linger_secs: Option<u64>,
}

#[derive(Deserialize)]
struct Traffic {
    calls_per_second: f64,
}

async fn fail(
    State(h): State<SimHandle>,
    Path(s): Path<String>,
    Query(q): Query<FailQuery>,
) -> Response {
    match side(&s) {
        Some(side) => {
            h.fail_side(side, q.mode.unwrap_or(FailMode::Reset));
            Json(h.status()).into_response()
        }
        None => no_side(&s),
    }
}

async fn restore(State(h): State<SimHandle>, Path(s): Path<String>) -> Response {
    match side(&s) {
        Some(side) => {
            h.restore_side(side);
            Json(h.status()).into_response()
        }
        None => no_side(&s),
    }
}

async fn offline(
    State(h): State<SimHandle>,
    Path(id): Path<u32>,
    Query(q): Query<OfflineQuery>,
) -> Response {
    match h.peripheral_offline(id, q.linger_secs.map(Duration::from_secs)) {
        Ok(()) => {
            Json(json!({ "peripheral_id": id, "online": false, "linger_secs": q.linger_secs }))
                .into_response()
        }
        Err(e) => error(StatusCode::NOT_FOUND, e),
    }
}

async fn online(State(h): State<SimHandle>, Path(id): Path<u32>) -> Response {
    match h.peripheral_online(id) {
        Ok(()) => Json(json!({ "peripheral_id": id, "online": true })).into_response(),
        Err(e) => error(StatusCode::NOT_FOUND, e),
    }
}

async fn calls(State(h): State<SimHandle>, Json(spec): Json<CallSpec>) -> Response {
    match h.start_call(spec) {
        Ok(id) => Json(json!({ "connection_call_id": id })).into_response(),
        Err(e) => error(StatusCode::CONFLICT, e),
    }
}

async fn traffic(State(h): State<SimHandle>, Json(t): Json<Traffic>) -> Response {
    if !t.calls_per_second.is_finite() || t.calls_per_second < 0.0 {
        return error(
            StatusCode::BAD_REQUEST,
            "calls_per_second must be a number >= 0",
        );
    }
    h.set_traffic(t.calls_per_second);
    Json(json!({ "calls_per_second": t.calls_per_second })).into_response()
}

async fn silence(State(h): State<SimHandle>, Path(id): Path<u64>) -> Response {
    if h.silence_session(id) {
        Json(json!({ "session": id, "silenced": true })).into_response()
    } else {
        error(StatusCode::NOT_FOUND, format!("no session {id}"))
    }
}

async fn drop_session(State(h): State<SimHandle>, Path(id): Path<u64>) -> Response {
    if h.drop_session(id) {
        Json(json!({ "session": id, "dropped": true })).into_response()
    } else {
        error(StatusCode::NOT_FOUND, format!("no session {id}"))
    }
}

/// The control-plane routes over `handle`.
pub fn router(handle: SimHandle) -> Router {
    Router::new()
        .route(
            "/status",
            get(|State(h): State<SimHandle>| async move { Json(h.status()) }),
        )
        .route(
            "/sessions",
            get(|State(h): State<SimHandle>| async move { Json(h.sessions()) }),
        )
        .route(
            "/conformance",
            get(|State(h): State<SimHandle>| async move { Json(h.conformance()) }),
        )
        .route("/sides/{side}/fail", post(fail))
        .route("/sides/{side}/restore", post(restore))
        .route("/peripherals/{id}/offline", post(offline))
        .route("/peripherals/{id}/online", post(online))
        .route("/calls", post(calls))
        .route("/traffic", post(traffic))
        .route("/sessions/{id}/silence", post(silence))
        .route("/sessions/{id}/drop", post(drop_session))
        .with_state(handle)
}

impl crate::Simulator {
    /// Serves the HTTP control plane on `addr` until the simulator stops; returns the bound address.
    pub async fn serve_control(&mut self, addr: SocketAddr) -> std::io::Result<SocketAddr> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        let app = router(self.handle());
        let mut shutdown = self.handle().shared.shutdown.subscribe();
        self.spawn(async move {
            let stop = async move {
                let _ = shutdown.changed().await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await
            {
                tracing::warn!("control plane stopped: {e}");
            }
        });
        Ok(bound)
    }
}
