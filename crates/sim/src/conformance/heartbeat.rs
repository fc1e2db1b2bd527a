//! `heartbeat_interval`: "the minimum heartbeat interval of 5 seconds"; IdleTimeout "typically 4 × heartbeat
//! interval"; "A Heartbeat Interval of -1 disables heartbeats. The default setting for application developers
//! is -1."
//!
//! Per session with at least two HEARTBEAT_REQ, the interval is the median gap between them. Fail when the
//! median is below 5 s; when a gap is shorter than the median − (20 % + 1 s), or longer than the median +
//! (20 % + 1 s) with nothing else sent in between (a client heartbeats when it has sent nothing for one
//! interval, so other traffic excuses a longer gap); when IdleTimeout is not between 3 × and 6 × the median;
//! when IdleTimeout is 0xFFFFFFFF ("no heartbeats") yet heartbeats come. Pass "heartbeats disabled" when no
//! session carried a heartbeat and every OPEN_REQ said IdleTimeout 0xFFFFFFFF. Otherwise, with fewer than two
//! heartbeats on every session: not observed.

use super::HEARTBEAT_INTERVAL;
use super::record::ConnRecord;
use super::report::{Check, Evidence, Verdict, median_ms, ms, ratio_1dp, secs_ms};
use cti_proto::constants::ServiceMask;

/// IdleTimeout meaning "this client sends no heartbeats".
const NO_HEARTBEATS: u32 = 0xFFFF_FFFF;
/// The guideline's minimum heartbeat interval.
const MIN_INTERVAL_MS: u64 = 5_000;
/// The guideline's minimum for workstation (desktop) clients.
const DESKTOP_MIN_MS: u64 = 90_000;

/// What one session's heartbeats showed.
struct Session {
    median: u64,
    intervals: usize,
    idle_timeout: u32,
}

/// Judges the heartbeats of one client's connections.
pub(super) fn check(conns: &[&ConnRecord]) -> Check {
    let mut evidence = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    let mut sessions: Vec<Session> = Vec::new();
    let mut agent_mode = false;
    let mut total_heartbeats = 0usize;
    let mut all_disabled = true;
    for conn in conns {
        let Some(open) = &conn.open else { continue };
        total_heartbeats += conn.heartbeats.len();
        if open.idle_timeout != NO_HEARTBEATS {
            all_disabled = false;
        }
        if open
            .services
            .contains(ServiceMask::CTI_SERVICE_CLIENT_EVENTS)
        {
            agent_mode = true;
        }
        if open.idle_timeout == NO_HEARTBEATS && !conn.heartbeats.is_empty() {
            let text = format!(
                "IdleTimeout 0xFFFFFFFF tells the server no heartbeats come, yet {} HEARTBEAT_REQ were sent",
                conn.heartbeats.len()
            );
            evidence.push(Evidence::at(open.at, conn.side, conn.id, text.clone()));
            failures.push(text);
        }
        let gaps: Vec<u64> = conn
            .heartbeats
            .windows(2)
            .filter_map(|w| w.first().zip(w.get(1)))
            .map(|(a, b)| ms(b.at.saturating_sub(a.at)))
            .collect();
        if gaps.is_empty() {
            continue;
        }
        let median = median_ms(&gaps);
        let tolerance = median / 5 + 1_000;
        let (low, high) = (median.saturating_sub(tolerance), median + tolerance);
        let min = gaps.iter().copied().min().unwrap_or(0);
        let max = gaps.iter().copied().max().unwrap_or(0);
        let idle = if open.idle_timeout == NO_HEARTBEATS {
            "IdleTimeout 0xFFFFFFFF".to_owned()
        } else {
            format!(
                "IdleTimeout {} s ({} ×)",
                open.idle_timeout,
                ratio_1dp(u64::from(open.idle_timeout) * 1000, median)
            )
        };
        evidence.push(Evidence::at(
            open.at,
            conn.side,
            conn.id,
            format!(
                "{} heartbeats, median interval {} (min {}, max {}), {idle}",
                conn.heartbeats.len(),
                secs_ms(median),
                secs_ms(min),
                secs_ms(max)
            ),
        ));
        if median < MIN_INTERVAL_MS {
            let text = format!(
                "heartbeat interval {} is below the guideline's 5 s minimum",
                secs_ms(median)
            );
            evidence.push(Evidence::at(open.at, conn.side, conn.id, text.clone()));
            failures.push(text);
        }
        let mut irregular = 0usize;
        for (pair, gap) in conn.heartbeats.windows(2).zip(&gaps) {
            let Some(hb) = pair.get(1) else { continue };
            let short = *gap < low;
            let long = *gap > high && !hb.other_traffic_before;
            if short || long {
                irregular += 1;
                if irregular <= 5 {
                    evidence.push(Evidence::at(
                        hb.at,
                        conn.side,
                        conn.id,
                        format!(
                            "heartbeat {} after the previous one; the median is {} (regular: {}–{})",
                            secs_ms(*gap),
                            secs_ms(median),
                            secs_ms(low),
                            secs_ms(high)
                        ),
                    ));
                }
            }
        }
        if irregular > 0 {
            failures.push(format!(
                "{irregular} of {} heartbeat intervals outside the median {} ± (20 % + 1 s)",
                gaps.len(),
                secs_ms(median)
            ));
        }
        if open.idle_timeout != NO_HEARTBEATS {
            let idle_ms = u64::from(open.idle_timeout) * 1000;
            if idle_ms < median.saturating_mul(3) || idle_ms > median.saturating_mul(6) {
                let text = format!(
                    "IdleTimeout {} s is {} × the heartbeat interval {} (expected ≈ 4 ×, between 3 × and 6 ×)",
                    open.idle_timeout,
                    ratio_1dp(idle_ms, median),
                    secs_ms(median)
                );
                evidence.push(Evidence::at(open.at, conn.side, conn.id, text.clone()));
                failures.push(text);
            }
        }
        sessions.push(Session {
            median,
            intervals: gaps.len(),
            idle_timeout: open.idle_timeout,
        });
    }
    for conn in conns {
        if let (Some((super::CloseCause::IdleTimeout, at)), Some(open)) = (conn.closed, &conn.open)
        {
            evidence.push(Evidence::at(
                at,
                conn.side,
                conn.id,
                format!(
                    "note: the server closed this session after IdleTimeout {} s of silence",
                    open.idle_timeout
                ),
            ));
        }
    }
    if !failures.is_empty() {
        let first = failures.first().cloned().unwrap_or_default();
        let more = if failures.len() > 1 {
            format!(" (+{} more finding(s))", failures.len() - 1)
        } else {
            String::new()
        };
        return Check::new(
            HEARTBEAT_INTERVAL,
            Verdict::Fail,
            format!("{first}{more}"),
            evidence,
        );
    }
    if sessions.is_empty() {
        let opened = conns.iter().any(|c| c.open.is_some());
        if opened && all_disabled && total_heartbeats == 0 {
            return Check::new(
                HEARTBEAT_INTERVAL,
                Verdict::Pass,
                "heartbeats disabled (the guideline's default): IdleTimeout 0xFFFFFFFF and no HEARTBEAT_REQ".to_owned(),
                evidence,
            );
        }
        return Check::new(
            HEARTBEAT_INTERVAL,
            Verdict::NotObserved,
            format!("fewer than 2 heartbeats on every session ({total_heartbeats} in all)"),
            evidence,
        );
    }
    let medians: Vec<u64> = sessions.iter().map(|s| s.median).collect();
    let median = median_ms(&medians);
    let intervals: usize = sessions.iter().map(|s| s.intervals).sum();
    let mut idle: Vec<u32> = sessions.iter().map(|s| s.idle_timeout).collect();
    idle.sort_unstable();
    idle.dedup();
    let idle: Vec<String> = idle.iter().map(u32::to_string).collect();
    let desktop = if agent_mode && median < DESKTOP_MIN_MS {
        "; note: agent-mode (CLIENT_EVENTS) desktops should use at least 90 s"
    } else {
        ""
    };
    Check::new(
        HEARTBEAT_INTERVAL,
        Verdict::Pass,
        format!(
            "heartbeat every {} (median of {intervals} intervals on {} session(s)), regular, IdleTimeout {} s ≈ {} × the interval{desktop}",
            secs_ms(median),
            sessions.len(),
            idle.join("/"),
            sessions.first().map_or_else(String::new, |s| ratio_1dp(
                u64::from(s.idle_timeout) * 1000,
                s.median
            )),
        ),
        evidence,
    )
}
