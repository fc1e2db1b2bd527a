//! `side_selection`: the guidelines' 17-step "Side A/B Selection" algorithm, judged after every loss of a
//! session the client did not ask for.
//!
//! A loss is an opened session that ended other than by the client's CLOSE_REQ with E_CTI_NO_ERROR (server
//! failover, idle timeout, reset, drop, garbage, or a CLOSE_REQ with E_CTI_CTI_SERVER_OFFLINE / E_CTI_TIMEOUT).
//! The attempts that follow (connections carrying an OPEN_REQ of the client, up to the first OPEN_CONF) are
//! matched to the schedule's slots — 1 same side, 2 other side, wait N, 3 same, 4 other, wait 15 s, 5, 6,
//! wait 30 s, 7, 8, wait 60 s, 9, 10, wait 120 s, then pairs with 120 s waits — where "same" is the side of the
//! lost session. Gaps run from the end of the previous attempt (its close; the loss for slot 1) to the next
//! accept: ≤ 2 s before slot 1 and inside a pair, 0–121 s for N, 15/30/60/120 s ± (1 s + 10 %) otherwise.
//! An attempt to a side whose listener may have refused connections then never reaches the server: such a
//! slot may be skipped when the gap equals the sum of the skipped steps (e.g. a first attempt seen on the
//! other side within 2 s after a failover). Anything else is a deviation (fail), with the attempt, its side,
//! its gap and the step it broke. Not observed when the client never lost a session.

use std::time::Duration;

use super::SIDE_SELECTION;
use super::record::{ConnRecord, Sides};
use super::report::{Check, Evidence, Verdict, ms, secs, secs_ms};
use crate::config::Side;

/// Longest gap before the first attempt and between the two attempts of a pair.
const SMALL_GAP_MS: u64 = 2_000;
/// Longest accepted random wait N (120 s for up to 1200 expected clients, plus 1 s).
const MAX_N_MS: u64 = 121_000;
/// Most consecutive slots that may be explained as invisible attempts.
const MAX_SKIP: usize = 8;
/// Attempts accepted this much before the loss was recorded still belong to the reconnection (races).
const RACE: Duration = Duration::from_secs(1);

/// The side of schedule slot `slot` (1-based): odd = the side of the last successful connection.
fn slot_side(slot: usize, same: Side) -> Side {
    if slot % 2 == 1 { same } else { same.other() }
}

/// The guideline step of slot `slot`.
fn step_name(slot: usize) -> String {
    match slot {
        1 | 2 => format!("step {slot}"),
        3 | 4 => format!("step {}", slot + 2),
        5 | 6 => format!("step {}", slot + 3),
        7 | 8 => format!("step {}", slot + 4),
        9 | 10 => format!("step {}", slot + 5),
        s if s % 2 == 1 => "step 17 (repeat of 14)".to_owned(),
        _ => "step 17 (repeat of 15)".to_owned(),
    }
}

/// The nominal wait (ms) before slot `slot`, when the step before it is a wait.
fn nominal_wait(slot: usize) -> Option<u64> {
    match slot {
        5 => Some(15_000),
        7 => Some(30_000),
        9 => Some(60_000),
        s if s >= 11 && s % 2 == 1 => Some(120_000),
        _ => None,
    }
}

/// Bounds (ms) of the gap from the end of slot `slot − 1` (or the loss) to the start of slot `slot`.
fn bounds(slot: usize) -> (u64, u64) {
    if slot == 3 {
        return (0, MAX_N_MS);
    }
    match nominal_wait(slot) {
        Some(w) => (w - 1_000 - w / 10, w + 1_000 + w / 10),
        None => (0, SMALL_GAP_MS),
    }
}

/// What the step before slot `slot` asks, for deviation texts.
fn asks(slot: usize) -> String {
    let (lo, hi) = bounds(slot);
    match (slot, nominal_wait(slot)) {
        (1, _) => "step 1 asks to reconnect right away (≤ 2 s)".to_owned(),
        (3, _) => {
            "step 4 asks for a random wait N of 0 … expected clients / 10 s (≤ 120 s)".to_owned()
        }
        (s, Some(w)) => format!(
            "step {} asks for a {} wait ({}–{})",
            match s {
                5 => 7,
                7 => 10,
                9 => 13,
                _ => 16,
            },
            secs_ms(w),
            secs_ms(lo),
            secs_ms(hi)
        ),
        (s, None) => format!(
            "{} asks for it right after the other attempt of the pair (≤ 2 s)",
            step_name(s)
        ),
    }
}

/// Why a session counts as lost.
fn loss_cause(conn: &ConnRecord) -> String {
    match (conn.close_req, conn.closed) {
        (Some((_, status)), _) => format!(
            "CLOSE_REQ with {}",
            status.name().unwrap_or("an error status")
        ),
        (None, Some((cause, _))) => format!("{cause:?}"),
        (None, None) => "?".to_owned(),
    }
}

/// How an attempt ended.
fn outcome(conn: &ConnRecord) -> String {
    match (conn.result, conn.closed) {
        (Some(r), _) if r.accepted => "accepted (OPEN_CONF)".to_owned(),
        (Some(r), _) => format!(
            "rejected ({})",
            r.status
                .and_then(cti_proto::constants::StatusCode::name)
                .unwrap_or("FAILURE_CONF")
        ),
        (None, Some((cause, _))) => format!("closed before any OPEN result ({cause:?})"),
        (None, None) => "no OPEN result yet".to_owned(),
    }
}

/// One reconnection: a loss and the attempts that followed it.
#[derive(Default)]
struct Episode {
    evidence: Vec<Evidence>,
    deviations: Vec<String>,
    attempts: usize,
    invisible: usize,
    lenient_first: bool,
    succeeded: bool,
    n_ms: Option<u64>,
}

/// Judges the attempts after the loss of `lost` (on `same`, at `loss_at`).
fn episode(
    lost: &ConnRecord,
    same: Side,
    loss_at: Duration,
    attempts: &[&ConnRecord],
    sides: &Sides,
) -> Episode {
    let mut ep = Episode::default();
    ep.evidence.push(Evidence::at(
        loss_at,
        Some(same),
        lost.id,
        format!(
            "session lost ({}) on side {}; the algorithm starts with side {} (the last successful connection)",
            loss_cause(lost),
            same.name(),
            same.name()
        ),
    ));
    let (mut slot, mut prev_end) = (0usize, loss_at);
    for conn in attempts {
        let n = ep.attempts + 1;
        let Some(side) = conn.side else {
            ep.evidence.push(Evidence::at(
                conn.accepted_at,
                None,
                conn.id,
                "attempt on an unknown side (ignored)".to_owned(),
            ));
            continue;
        };
        ep.attempts = n;
        let at = conn.accepted_at;
        let gap = ms(at.saturating_sub(prev_end));
        let since = if slot == 0 {
            "the loss".to_owned()
        } else {
            format!("attempt {} ended", n - 1)
        };
        let (mut lo, mut hi, mut chosen, mut first_match) = (0u64, 0u64, None, None);
        for q in slot + 1..=slot + MAX_SKIP {
            let (step_lo, step_hi) = bounds(q);
            lo += step_lo;
            hi += step_hi;
            if slot_side(q, same) == side {
                if (lo..=hi).contains(&gap) {
                    chosen = Some(q);
                    break;
                }
                first_match = first_match.or(Some((q, lo, hi)));
            }
            // Looking further means slot q was an attempt the server could not see.
            if !sides.track(slot_side(q, same)).maybe_refusing(prev_end, at) {
                break;
            }
        }
        let q = if let Some(q) = chosen {
            let skipped = q - slot - 1;
            ep.invisible += skipped;
            if slot == 0 && q == 2 {
                ep.lenient_first = true;
            }
            let n_wait = if slot == 2 && q == 3 {
                format!(" after a random wait N of {}", secs_ms(gap))
            } else {
                String::new()
            };
            let unseen = if skipped > 0 {
                format!(
                    " ({skipped} earlier attempt(s) presumed invisible: refused by a closed listener)"
                )
            } else {
                String::new()
            };
            ep.evidence.push(Evidence::at(
                at,
                Some(side),
                conn.id,
                format!(
                    "attempt {n}: side {} at {} after {since}{n_wait} = {} ({}){unseen}: {}",
                    side.name(),
                    secs_ms(gap),
                    step_name(q),
                    role(q),
                    outcome(conn)
                ),
            ));
            q
        } else {
            let (q, text) = if let Some((q, lo, hi)) = first_match {
                let pace = if gap < lo {
                    "faster than the schedule"
                } else {
                    "slower than the schedule"
                };
                let skipped = q - slot - 1;
                ep.invisible += skipped;
                let asked = if skipped == 0 {
                    asks(q)
                } else {
                    format!(
                        "the schedule puts {} {}–{} later, counting {skipped} invisible attempt(s) before it",
                        step_name(q),
                        secs_ms(lo),
                        secs_ms(hi)
                    )
                };
                (
                    q,
                    format!(
                        "attempt {n} (side {}) came {} after {since}; {asked} — {pace}",
                        side.name(),
                        secs_ms(gap)
                    ),
                )
            } else {
                let expected = slot + 1;
                let want = slot_side(expected, same);
                (
                    expected + 1,
                    format!(
                        "attempt {n} went to side {} ({} after {since}); {} asks for side {} ({})",
                        side.name(),
                        secs_ms(gap),
                        step_name(expected),
                        want.name(),
                        role(expected)
                    ),
                )
            };
            ep.evidence.push(Evidence::at(
                at,
                Some(side),
                conn.id,
                format!("deviation: {text}; the attempt: {}", outcome(conn)),
            ));
            ep.deviations.push(text);
            q
        };
        if slot == 2 && q == 3 {
            ep.n_ms = Some(gap);
        }
        slot = q;
        prev_end = conn.ended_at();
        if conn.opened() {
            ep.succeeded = true;
            break;
        }
    }
    ep
}

/// "the same side …" / "the opposite side".
fn role(slot: usize) -> &'static str {
    if slot % 2 == 1 {
        "the side of the last successful connection"
    } else {
        "the opposite side"
    }
}

/// Judges every reconnection of one client.
pub(super) fn check(conns: &[&ConnRecord], sides: &Sides, now: Duration) -> Check {
    let mut evidence = Vec::new();
    let mut deviations: Vec<String> = Vec::new();
    let (mut losses, mut judged, mut attempts, mut invisible) = (0usize, 0usize, 0usize, 0usize);
    let (mut lenient, mut unfinished) = (false, false);
    let mut waits: Vec<u64> = Vec::new();
    for (i, lost) in conns.iter().enumerate() {
        let Some((_, loss_at)) = lost.closed.filter(|_| lost.lost()) else {
            continue;
        };
        losses += 1;
        let Some(same) = lost.side else {
            evidence.push(Evidence::at(
                loss_at,
                None,
                lost.id,
                "session lost on an unknown side (not judged)".to_owned(),
            ));
            continue;
        };
        let mut following: Vec<&ConnRecord> = Vec::new();
        for conn in conns.iter().skip(i + 1) {
            let concurrent = conn.result.is_some_and(|r| r.accepted && r.at < loss_at);
            if conn.open.is_none() || concurrent || conn.accepted_at + RACE < loss_at {
                continue;
            }
            following.push(conn);
            if conn.opened() {
                break;
            }
        }
        let ep = episode(lost, same, loss_at, &following, sides);
        evidence.extend(ep.evidence);
        if ep.attempts == 0 {
            evidence.push(Evidence::at(
                now,
                None,
                lost.id,
                format!(
                    "no reconnection attempt observed after this loss (until {})",
                    secs(now)
                ),
            ));
            continue;
        }
        judged += 1;
        attempts += ep.attempts;
        invisible += ep.invisible;
        lenient |= ep.lenient_first;
        waits.extend(ep.n_ms);
        if !ep.succeeded {
            unfinished = true;
            evidence.push(Evidence::at(
                now,
                None,
                lost.id,
                format!(
                    "still reconnecting at {}: {} attempt(s), none accepted yet",
                    secs(now),
                    ep.attempts
                ),
            ));
        }
        deviations.extend(ep.deviations);
    }
    if losses == 0 {
        return Check::new(
            SIDE_SELECTION,
            Verdict::NotObserved,
            "the client never lost a session it had not closed itself".to_owned(),
            evidence,
        );
    }
    if let Some(first) = deviations.first() {
        return Check::new(
            SIDE_SELECTION,
            Verdict::Fail,
            format!(
                "{} deviation(s) from the 17-step side A/B algorithm in {judged} reconnection(s); first: {first}",
                deviations.len()
            ),
            evidence,
        );
    }
    if judged == 0 {
        return Check::new(
            SIDE_SELECTION,
            Verdict::NotObserved,
            format!("lost {losses} session(s) but no reconnection attempt was observed"),
            evidence,
        );
    }
    let mut notes = Vec::new();
    if !waits.is_empty() {
        let list: Vec<String> = waits.iter().map(|w| secs_ms(*w)).collect();
        notes.push(format!("random wait N = {}", list.join(", ")));
    }
    if lenient {
        notes.push("a first attempt to the lost side was not seen: treated as refused by its closed listener".to_owned());
    }
    if invisible > 0 {
        notes.push(format!(
            "{invisible} attempt(s) in all presumed invisible (refused by a closed listener)"
        ));
    }
    if unfinished {
        notes.push("still reconnecting at the end of the observation".to_owned());
    }
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!("; {}", notes.join("; "))
    };
    Check::new(
        SIDE_SELECTION,
        Verdict::Pass,
        format!(
            "followed the 17-step side A/B algorithm in {judged} reconnection(s) ({attempts} attempt(s)){notes}"
        ),
        evidence,
    )
}
