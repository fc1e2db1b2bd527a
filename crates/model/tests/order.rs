//! Properties: "Message Order" tolerance and robustness against any order.

mod common;

use std::collections::{BTreeSet, VecDeque};
use std::time::Duration;

use common::*;
use cti_model::{CallKey, Change, Model, ModelConfig, Snapshot};
use cti_proto::Message;
use cti_proto::constants::*;
use proptest::prelude::*;

/// One generated call: its enrichment events, whether it is re-keyed, whether it ends.
#[derive(Debug, Clone)]
struct CallSpec {
    ops: Vec<(u8, u8)>,
    rekey: bool,
    ends: bool,
}

fn call_spec() -> impl Strategy<Value = CallSpec> {
    (
        prop::collection::vec((0u8..7, 0u8..4), 0..6),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(ops, rekey, ends)| CallSpec { ops, rekey, ends })
}

/// Call `i`'s own events, BEGIN first and END (if any) last.
fn call_events(i: u32, spec: &CallSpec) -> Vec<Message> {
    let dev = format!("d{}", i % 2);
    let mut k = key(100 + i, &dev);
    let mut b = begin(&k);
    b.ani = Some(format!("ani{i}").into());
    b.call_variable_1 = Some(format!("begin{i}").into());
    let mut v = vec![Message::from(b)];
    for &(op, x) in &spec.ops {
        let val = format!("v{i}-{x}");
        v.push(match op {
            0 => delivered(&k, &format!("ext{x}")),
            1 => established(&k, &format!("ext{x}")),
            2 => held(&k, &format!("ext{x}")),
            3 => retrieved(&k, &format!("ext{x}")),
            4 => queued(&k),
            5 => update_var(&k, usize::from(x) + 1, &val),
            _ => update_ecc(&k, &[("user.x", &val)]),
        });
    }
    if spec.rekey {
        let to = CallKey::new(900 + i, CONNECTION_ID_DYNAMIC, dev.as_str());
        v.push(rekey(&k, &to));
        k = to;
        v.push(update_var(&k, 4, "after-rekey"));
    }
    if spec.ends {
        v.push(end(&k));
    }
    v
}

/// Agent `j`'s own events, in order.
fn agent_events(j: usize, states: &[u8]) -> Vec<Message> {
    let all = [
        AGENT_STATE_AVAILABLE,
        AGENT_STATE_TALKING,
        AGENT_STATE_NOT_READY,
        AGENT_STATE_WORK_READY,
    ];
    states
        .iter()
        .map(|s| {
            let st = all
                .get(usize::from(*s) % all.len())
                .copied()
                .unwrap_or_default();
            agent_state(&format!("a{j}"), &format!("ext{j}"), st)
        })
        .collect()
}

/// Interleaves the sequences, keeping each one's own order; `choices` pick the next sequence.
fn interleave(seqs: Vec<Vec<Message>>, choices: &[usize]) -> Vec<Message> {
    let mut queues: Vec<VecDeque<Message>> = seqs.into_iter().map(VecDeque::from).collect();
    let mut out = Vec::new();
    let mut c = choices.iter().cycle();
    loop {
        let mut open: Vec<&mut VecDeque<Message>> =
            queues.iter_mut().filter(|q| !q.is_empty()).collect();
        if open.is_empty() {
            return out;
        }
        let n = open.len();
        if let Some(q) = open.get_mut(c.next().copied().unwrap_or(0) % n) {
            out.extend(q.pop_front());
        }
    }
}

fn run(msgs: &[Message], time: impl Fn(usize) -> Duration) -> (Snapshot, Vec<Change>) {
    let mut m = Model::new(ModelConfig::default());
    let mut out = Vec::new();
    for (i, msg) in msgs.iter().enumerate() {
        m.apply(msg, time(i), &mut out);
    }
    (m.snapshot(), out)
}

fn scenario() -> impl Strategy<Value = (Vec<CallSpec>, Vec<Vec<u8>>, Vec<usize>)> {
    (
        prop::collection::vec(call_spec(), 1..6),
        prop::collection::vec(prop::collection::vec(0u8..4, 1..4), 0..3),
        prop::collection::vec(any::<usize>(), 1..64),
    )
}

fn sequences(calls: &[CallSpec], agents: &[Vec<u8>]) -> Vec<Vec<Message>> {
    let mut seqs: Vec<Vec<Message>> = (0u32..)
        .zip(calls)
        .map(|(i, spec)| call_events(i, spec))
        .collect();
    seqs.extend(agents.iter().enumerate().map(|(j, s)| agent_events(j, s)));
    seqs
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Shuffling events of different calls and agent events (each call's and agent's own order kept) yields the
    /// same final snapshot as the calls and agents one after the other.
    #[test]
    fn interleaving_calls_and_agents_gives_the_same_snapshot((calls, agents, choices) in scenario()) {
        let seqs = sequences(&calls, &agents);
        let sequential: Vec<Message> = seqs.iter().flatten().cloned().collect();
        let shuffled = interleave(seqs, &choices);
        let same_time = |_| Duration::from_secs(1);
        let (expected, changes_a) = run(&sequential, same_time);
        let (got, changes_b) = run(&shuffled, same_time);
        prop_assert_eq!(&got, &expected);
        let (live, began) = check_stream(&changes_b).map_err(TestCaseError::fail)?;
        prop_assert_eq!(began, calls.len());
        let live_in_snapshot: BTreeSet<CallKey> = got.calls.iter().map(|c| c.key.clone()).collect();
        prop_assert_eq!(live_in_snapshot, live);
        prop_assert_eq!(got.calls.len(), calls.iter().filter(|c| !c.ends).count());
        // The same changes, in another order.
        prop_assert_eq!(changes_a.len(), changes_b.len());
    }

    /// Any order at all (END before BEGIN, events after END, peripheral outages in between) never panics, never
    /// begins more calls than there are BEGIN_CALL keys, and never changes or ends a call that is not live.
    #[test]
    fn any_order_is_survived(
        (calls, agents, _) in scenario(),
        outages in prop::collection::vec(any::<bool>(), 0..4),
        seed in any::<u64>(),
    ) {
        let mut msgs: Vec<Message> = sequences(&calls, &agents).into_iter().flatten().collect();
        msgs.extend(outages.iter().map(|&off| {
            system(if off { SYS_PERIPHERAL_OFFLINE } else { SYS_PERIPHERAL_ONLINE }, PERIPHERAL)
        }));
        // A deterministic Fisher-Yates shuffle from the seed.
        let mut s = seed | 1;
        for i in (1..msgs.len()).rev() {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let j = usize::try_from(s % (i as u64 + 1)).unwrap_or(0);
            msgs.swap(i, j);
        }
        let (snap, changes) = run(&msgs, |i| Duration::from_millis(i as u64 * 10));
        let (live, began) = check_stream(&changes).map_err(TestCaseError::fail)?;
        prop_assert!(began <= calls.len());
        let live_in_snapshot: BTreeSet<CallKey> = snap.calls.iter().map(|c| c.key.clone()).collect();
        prop_assert_eq!(live_in_snapshot, live);
    }
}

/// One step of a session-aware run: a message, a lost session, a new session, or a tick.
#[derive(Debug, Clone)]
enum Step {
    Msg(Message),
    Lost,
    Opened,
    Tick,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// With sessions opening and dropping, peripheral outages and ticks among shuffled events (issue 14): no
    /// call is changed, suspended, resumed or ended unless live, none begins or is discovered twice, every
    /// CALL_ENDED follows a CALL_BEGAN or CALL_DISCOVERED, and the snapshot holds exactly the live calls.
    #[test]
    fn sessions_outages_and_discoveries_keep_the_stream_honest(
        (calls, agents, _) in scenario(),
        faults in prop::collection::vec(0u8..5, 0..8),
        seed in any::<u64>(),
    ) {
        let mut steps: Vec<Step> = sequences(&calls, &agents)
            .into_iter()
            .flatten()
            .map(Step::Msg)
            .collect();
        steps.extend(faults.iter().map(|f| match f {
            0 => Step::Msg(system(SYS_PERIPHERAL_OFFLINE, PERIPHERAL)),
            1 => Step::Msg(system(SYS_PERIPHERAL_ONLINE, PERIPHERAL)),
            2 => Step::Lost,
            3 => Step::Opened,
            _ => Step::Tick,
        }));
        let mut s = seed | 1;
        for i in (1..steps.len()).rev() {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let j = usize::try_from(s % (i as u64 + 1)).unwrap_or(0);
            steps.swap(i, j);
        }
        let mut m = Model::new(ModelConfig::default());
        m.session_opened(Duration::ZERO);
        let mut out = Vec::new();
        for (i, step) in steps.iter().enumerate() {
            let now = Duration::from_millis(i as u64 * 700);
            match step {
                Step::Msg(msg) => m.apply(msg, now, &mut out),
                Step::Lost => m.connection_lost(now),
                Step::Opened => m.session_opened(now),
                Step::Tick => m.tick(now, &mut out),
            }
        }
        m.tick(Duration::from_secs(100_000), &mut out);
        let (live, _) = check_stream(&out).map_err(TestCaseError::fail)?;
        let snap = m.snapshot();
        let live_in_snapshot: BTreeSet<CallKey> = snap.calls.iter().map(|c| c.key.clone()).collect();
        prop_assert_eq!(live_in_snapshot, live);
        prop_assert_eq!(m.pending_len(), 0, "after every deadline nothing waits unseen");
    }
}
