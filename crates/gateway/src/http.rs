//! The gateway's HTTP endpoints (axum): `/health`, `/sources`, `/calls`, `/agents`, `/metrics`, and the
//! WebSocket `/ws` (see [`crate::ws`]).

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http_state::HttpState;
use crate::metrics::{SourceMetrics, WsMetrics};

/// Binds `addr` and serves until the task is aborted; returns the address bound.
pub(crate) async fn start(
    addr: &str,
    state: HttpState,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app = Router::new()
        .route("/health", get(health))
        .route("/sources", get(sources))
        .route("/calls", get(calls))
        .route("/agents", get(agents))
        .route("/metrics", get(metrics))
        .route("/ws", get(crate::ws::handler))
        .with_state(state);
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::warn!("HTTP endpoint stopped: {e}");
        }
    });
    Ok((bound, task))
}

/// Ready when every source has an open CTI session and NATS is connected; else 503 with the reasons.
async fn health(State(st): State<HttpState>) -> Response {
    let mut reasons = Vec::new();
    for s in &st.sources {
        let status = s.status();
        if status.role == "standby" {
            reasons.push(format!(
                "{}: standby (another gateway holds the lease)",
                s.name
            ));
        } else if !status.connected {
            reasons.push(format!("{}: no CTI session open", s.name));
        }
    }
    if !st.nats_connected() {
        reasons.push("NATS is not connected".to_owned());
    }
    if reasons.is_empty() {
        (StatusCode::OK, Json(json!({"status": "ready"}))).into_response()
    } else {
        let body = json!({"status": "not ready", "reasons": reasons});
        (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
    }
}

async fn sources(State(st): State<HttpState>) -> Json<Value> {
    let list: Vec<Value> = st
        .sources
        .iter()
        .map(|s| {
            let (status, m) = (s.status(), &s.metrics);
            json!({
                "name": s.name,
                "role": status.role,
                "connected": status.connected,
                "side": status.side,
                "sessions": status.sessions,
                "events_in": m.events_in().values().sum::<u64>(),
                "records_out": m.records_out_total(),
                "buffer_depth": m.buffer_depth(),
                "gaps": m.gaps.get(),
                "records_lost": m.records_lost.get(),
            })
        })
        .collect();
    Json(json!({"nats_connected": st.nats_connected(), "sources": list}))
}

#[derive(Debug, Deserialize)]
struct Which {
    source: Option<String>,
}

/// `{"<source>": [...]}` for every source (in name order), or the one named by `?source=`. Each source's part
/// is serialised straight into the body: a `serde_json::Value` tree of a large model per request (several
/// overlapping requests with thousands of calls) held many times the memory of the bytes.
async fn state_of(
    st: &HttpState,
    which: &Which,
    pick: fn(&cti_model::Snapshot, &mut Vec<u8>) -> serde_json::Result<()>,
) -> Response {
    let mut chosen: Vec<_> = st
        .sources
        .iter()
        .filter(|s| which.source.as_ref().is_none_or(|n| *n == s.name))
        .collect();
    chosen.sort_by(|a, b| a.name.cmp(&b.name));
    let mut body = b"{".to_vec();
    let mut any = false;
    for s in chosen {
        let Some((snapshot, _)) = s.snapshot().await else {
            continue;
        };
        if any {
            body.push(b',');
        }
        any = true;
        let written = serde_json::to_writer(&mut body, &s.name)
            .map(|()| body.push(b':'))
            .and_then(|()| pick(&snapshot, &mut body));
        if let Err(e) = written {
            let body = json!({"error": format!("{}: {e}", s.name)});
            return (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response();
        }
    }
    body.push(b'}');
    if !any && which.source.is_some() {
        let body =
            json!({"error": format!("no source {:?}", which.source.as_deref().unwrap_or(""))});
        return (StatusCode::NOT_FOUND, Json(body)).into_response();
    }
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn calls(State(st): State<HttpState>, Query(which): Query<Which>) -> Response {
    state_of(&st, &which, |s, out| serde_json::to_writer(out, &s.calls)).await
}

async fn agents(State(st): State<HttpState>, Query(which): Query<Which>) -> Response {
    state_of(&st, &which, |s, out| serde_json::to_writer(out, &s.agents)).await
}

/// Prometheus text format.
async fn metrics(State(st): State<HttpState>) -> Response {
    let mut rows = Vec::new();
    for s in &st.sources {
        let rtt = s
            .snapshot()
            .await
            .and_then(|(_, c)| c.last_heartbeat_rtt)
            .map(|d| d.as_secs_f64());
        rows.push((s.name.as_str(), s.metrics.as_ref(), rtt));
    }
    let mut text = prometheus(st.nats_connected(), &rows);
    ws_families(&mut text, &st.ws);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

/// The `/ws` families.
fn ws_families(out: &mut String, m: &WsMetrics) {
    for (name, kind, help, v) in [
        (
            "cti_gateway_ws_clients",
            "gauge",
            "WebSocket clients connected",
            &m.clients,
        ),
        (
            "cti_gateway_ws_accepted_total",
            "counter",
            "WebSocket clients accepted",
            &m.accepted,
        ),
        (
            "cti_gateway_ws_dropped_slow_total",
            "counter",
            "WebSocket clients dropped for falling behind",
            &m.dropped_slow,
        ),
        (
            "cti_gateway_ws_records_sent_total",
            "counter",
            "records sent to WebSocket clients, all together",
            &m.sent,
        ),
    ] {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {}",
            v.load(Ordering::Relaxed)
        );
    }
}

/// One source's row: name, counters, last heartbeat round trip (seconds).
type Row<'a> = (&'a str, &'a SourceMetrics, Option<f64>);

/// The Prometheus text of the gateway's metrics.
pub(crate) fn prometheus(nats_connected: bool, rows: &[Row<'_>]) -> String {
    let mut out = String::new();
    let mut family = |name: &str, kind: &str, help: &str, samples: Vec<(String, String)>| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, value) in samples {
            if labels.is_empty() {
                let _ = writeln!(out, "{name} {value}");
            } else {
                let _ = writeln!(out, "{name}{{{labels}}} {value}");
            }
        }
    };
    let per_source =
        |f: &dyn Fn(&SourceMetrics, Option<f64>) -> Option<String>| -> Vec<(String, String)> {
            rows.iter()
                .filter_map(|(n, m, rtt)| f(m, *rtt).map(|v| (format!("source=\"{n}\""), v)))
                .collect()
        };
    let by = |label: &str,
              f: &dyn Fn(&SourceMetrics) -> std::collections::BTreeMap<String, u64>| {
        rows.iter()
            .flat_map(|(n, m, _)| {
                f(m).into_iter()
                    .map(move |(k, v)| (format!("source=\"{n}\",{label}=\"{k}\""), v.to_string()))
            })
            .collect::<Vec<_>>()
    };
    family(
        "cti_gateway_nats_connected",
        "gauge",
        "1 when NATS is connected",
        vec![(String::new(), u8::from(nats_connected).to_string())],
    );
    family(
        "cti_gateway_events_in_total",
        "counter",
        "server messages received, by type",
        by("type", &SourceMetrics::events_in),
    );
    family(
        "cti_gateway_records_out_total",
        "counter",
        "stream records acknowledged, by subject",
        by("subject", &SourceMetrics::records_out),
    );
    family(
        "cti_gateway_publish_latency_seconds_mean",
        "gauge",
        "mean time from an update's entry in the buffer to its record's ack",
        per_source(&|m, _| m.mean_latency().map(|d| d.as_secs_f64().to_string())),
    );
    family(
        "cti_gateway_buffer_depth",
        "gauge",
        "publishes (stream records and KV writes) waiting for the publisher",
        per_source(&|m, _| Some(m.buffer_depth().to_string())),
    );
    family(
        "cti_gateway_reconnects_total",
        "counter",
        "CTI sessions opened after the first",
        per_source(&|m, _| Some(m.sessions_opened.get().saturating_sub(1).to_string())),
    );
    family(
        "cti_gateway_heartbeat_rtt_seconds",
        "gauge",
        "round trip of the last answered HEARTBEAT_REQ",
        per_source(&|_, rtt| rtt.map(|r| r.to_string())),
    );
    family(
        "cti_gateway_gaps_total",
        "counter",
        "gap records published (the buffer overflowed)",
        per_source(&|m, _| Some(m.gaps.get().to_string())),
    );
    family(
        "cti_gateway_records_lost_total",
        "counter",
        "records dropped by buffer overflows",
        per_source(&|m, _| Some(m.records_lost.get().to_string())),
    );
    family(
        "cti_gateway_publish_retries_total",
        "counter",
        "times publishing started over after a failure",
        per_source(&|m, _| Some(m.publish_retries.get().to_string())),
    );
    family(
        "cti_gateway_records_found_stored_total",
        "counter",
        "records found stored after a failure although their acks were lost (not sent again)",
        per_source(&|m, _| Some(m.records_found_stored.get().to_string())),
    );
    family(
        "cti_gateway_records_stored_ahead_total",
        "counter",
        "records stored ahead of earlier ones lost with a broken connection (out of Cti-Seq order in the stream)",
        per_source(&|m, _| Some(m.records_stored_ahead.get().to_string())),
    );
    latency_histogram(&mut out, rows);
    out
}

/// `cti_gateway_publish_latency_seconds`, a histogram per source (for `histogram_quantile`: the p99 a mean hides).
fn latency_histogram(out: &mut String, rows: &[Row<'_>]) {
    let name = "cti_gateway_publish_latency_seconds";
    let _ = writeln!(
        out,
        "# HELP {name} time from an update's entry in the buffer to its record's ack\n# TYPE {name} histogram"
    );
    let secs = |us: u64| Duration::from_micros(us).as_secs_f64();
    for (source, m, _) in rows {
        let (buckets, sum_us, count) = m.latency_histogram();
        for (le, n) in buckets {
            let _ = writeln!(
                out,
                "{name}_bucket{{source=\"{source}\",le=\"{}\"}} {n}",
                secs(le)
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{source=\"{source}\",le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(out, "{name}_sum{{source=\"{source}\"}} {}", secs(sum_us));
        let _ = writeln!(out, "{name}_count{{source=\"{source}\"}} {count}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_text_names_every_family_and_source() {
        let m = SourceMetrics::default();
        m.event_in("BEGIN_CALL_EVENT");
        m.event_in("BEGIN_CALL_EVENT");
        m.published("cti.pg1.event.BEGIN_CALL_EVENT", Duration::from_millis(2));
        m.sessions_opened.inc();
        m.sessions_opened.inc();
        let text = prometheus(true, &[("pg1", &m, Some(0.0005))]);
        for line in [
            "cti_gateway_nats_connected 1",
            "cti_gateway_events_in_total{source=\"pg1\",type=\"BEGIN_CALL_EVENT\"} 2",
            "cti_gateway_records_out_total{source=\"pg1\",subject=\"cti.pg1.event.BEGIN_CALL_EVENT\"} 1",
            "cti_gateway_publish_latency_seconds_mean{source=\"pg1\"} 0.002",
            "# TYPE cti_gateway_publish_latency_seconds histogram",
            "cti_gateway_publish_latency_seconds_bucket{source=\"pg1\",le=\"0.001\"} 0",
            "cti_gateway_publish_latency_seconds_bucket{source=\"pg1\",le=\"0.0025\"} 1",
            "cti_gateway_publish_latency_seconds_bucket{source=\"pg1\",le=\"5\"} 1",
            "cti_gateway_publish_latency_seconds_bucket{source=\"pg1\",le=\"+Inf\"} 1",
            "cti_gateway_publish_latency_seconds_sum{source=\"pg1\"} 0.002",
            "cti_gateway_publish_latency_seconds_count{source=\"pg1\"} 1",
            "cti_gateway_buffer_depth{source=\"pg1\"} 0",
            "cti_gateway_reconnects_total{source=\"pg1\"} 1",
            "cti_gateway_heartbeat_rtt_seconds{source=\"pg1\"} 0.0005",
            "cti_gateway_gaps_total{source=\"pg1\"} 0",
            "# TYPE cti_gateway_records_lost_total counter",
            "cti_gateway_records_found_stored_total{source=\"pg1\"} 0",
            "cti_gateway_records_stored_ahead_total{source=\"pg1\"} 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
        }
    }

    #[test]
    fn the_latency_histogram_is_cumulative_and_counts_the_slowest_in_inf_only() {
        let m = SourceMetrics::default();
        for ms in [0, 3, 3, 20] {
            m.published("s", Duration::from_millis(ms));
        }
        m.published("s", Duration::from_secs(9));
        let text = prometheus(true, &[("pg1", &m, None)]);
        let bucket = |le: &str| {
            let head = format!(
                "cti_gateway_publish_latency_seconds_bucket{{source=\"pg1\",le=\"{le}\"}} "
            );
            text.lines()
                .find_map(|l| l.strip_prefix(head.as_str()))
                .map(str::to_owned)
        };
        assert_eq!(bucket("0.00025").as_deref(), Some("1"));
        assert_eq!(bucket("0.0025").as_deref(), Some("1"));
        assert_eq!(bucket("0.005").as_deref(), Some("3"));
        assert_eq!(bucket("0.025").as_deref(), Some("4"));
        assert_eq!(bucket("5").as_deref(), Some("4"));
        assert_eq!(bucket("+Inf").as_deref(), Some("5"));
        assert!(
            text.lines()
                .any(|l| l == "cti_gateway_publish_latency_seconds_sum{source=\"pg1\"} 9.026"),
            "{text}"
        );
    }
}
