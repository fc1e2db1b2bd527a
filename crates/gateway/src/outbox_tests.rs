//! The publisher's queue rules, without NATS (see [`super`]).

use bytes::Bytes;

use super::*;
use crate::coalesce::MAX_HOLD;
use crate::subjects::CALLS_BUCKET;

fn record(seq: u64) -> StreamRecord {
    StreamRecord {
        subject: format!("cti.pg1.event.E{seq}"),
        seq,
        headers: Vec::new(),
        payload: Bytes::new(),
        line_type: "E".into(),
    }
}

fn put(key: usize) -> KvOp {
    KvOp::Put {
        bucket: CALLS_BUCKET,
        key: format!("pg1.{key}"),
        value: Bytes::from_static(b"{}"),
    }
}

/// A batch of one record (`seq`) carrying `kv` KV writes to distinct keys.
fn batch(seq: u64, kv: usize) -> Batch {
    Batch {
        records: vec![record(seq)],
        kv: (0..kv).map(put).collect(),
    }
}

/// What `next` gives until it gives nothing, each sent at once: `R<seq>` for a record, `K` for a KV write.
fn drain_sends(o: &mut Outbox<()>) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(w) = o.next("pg1") {
        out.push(match &w {
            Work::Record { rec, .. } => format!("R{}", rec.seq),
            Work::Kv(_) => "K".into(),
        });
        o.sent(w, ());
    }
    out
}

/// Sends and acknowledges one batch of one record carrying `kv` writes, so that they are held.
fn hold_kv(o: &mut Outbox<()>, kv: usize) {
    o.push_batch(batch(1, kv), Instant::now());
    let w = o.next("pg1").unwrap();
    o.sent(w, ());
    let (w, ()) = o.oldest().unwrap();
    assert!(matches!(o.acked(w, "CTI", 1), Acked::Record { .. }));
}

#[test]
fn batches_are_taken_only_while_fewer_than_a_window_of_publishes_wait() {
    let mut o = Outbox::<()>::default();
    for seq in 0..WINDOW as u64 - 1 {
        assert!(o.wants_batch());
        o.push_batch(batch(seq, 0), Instant::now());
    }
    assert!(o.wants_batch());
    o.push_batch(batch(9_999, 0), Instant::now());
    assert!(
        !o.wants_batch(),
        "a window waits: the rest stays in the buffer"
    );
    // Sending one makes room for one more batch.
    let w = o.next("pg1").unwrap();
    o.sent(w, ());
    assert!(o.wants_batch());
    assert_eq!(o.waiting(), WINDOW - 1);
}

#[test]
fn with_a_window_in_flight_and_a_window_waiting_nothing_more_is_taken() {
    // The bound that keeps a slow NATS's backlog in the counted buffer: at most two windows here.
    let mut o = Outbox::<()>::default();
    let mut taken = 0;
    for seq in 0..10 * WINDOW as u64 {
        if !o.wants_batch() {
            break;
        }
        o.push_batch(batch(seq, 0), Instant::now());
        taken += 1;
        drain_sends(&mut o);
    }
    assert_eq!(taken, 2 * WINDOW);
    assert_eq!(o.waiting(), WINDOW);
    // One ack: one send, one more batch.
    let (w, ()) = o.oldest().unwrap();
    o.acked(w, "CTI", 1);
    assert_eq!(drain_sends(&mut o).len(), 1);
    assert!(o.wants_batch());
}

#[test]
fn the_window_bounds_what_is_in_flight() {
    let mut o = Outbox::<()>::default();
    for seq in 0..WINDOW as u64 + 3 {
        o.push_batch(batch(seq, 0), Instant::now());
    }
    assert_eq!(drain_sends(&mut o).len(), WINDOW);
    assert_eq!(o.waiting(), 3);
    let (w, ()) = o.oldest().unwrap();
    o.acked(w, "CTI", 1);
    assert_eq!(drain_sends(&mut o), vec![format!("R{WINDOW}")]);
}

#[tokio::test(start_paused = true)]
async fn held_kv_writes_wait_while_records_flow_until_they_are_due() {
    let mut o = Outbox::<()>::default();
    hold_kv(&mut o, 100);
    for seq in 2..=11 {
        o.push_batch(batch(seq, 0), Instant::now());
    }
    // Records wait, and the writes are not due yet: records only.
    assert_eq!(
        drain_sends(&mut o),
        (2..=11).map(|s| format!("R{s}")).collect::<Vec<_>>()
    );
    tokio::time::advance(MAX_HOLD).await;
    o.push_batch(batch(12, 0), Instant::now());
    // Due: the record that waited, then 100 writes and the position marker.
    let mut want = vec!["R12".to_owned()];
    want.extend(vec!["K".to_owned(); 101]);
    assert_eq!(drain_sends(&mut o), want);
}

#[tokio::test(start_paused = true)]
async fn with_nothing_else_to_do_held_writes_go_at_once() {
    let mut o = Outbox::<()>::default();
    hold_kv(&mut o, 3);
    assert!(!o.is_idle(), "held writes are work");
    assert!(o.is_quiet());
    assert_eq!(drain_sends(&mut o), vec!["K"; 4], "3 writes and the marker");
    for _ in 0..4 {
        let (w, ()) = o.oldest().unwrap();
        assert_eq!(o.acked(w, "CTI", 2), Acked::Kv);
    }
    assert!(o.is_idle());
}

#[tokio::test(start_paused = true)]
async fn after_a_failure_everything_in_flight_is_sent_again_in_the_same_order() {
    let mut o = Outbox::<()>::default();
    hold_kv(&mut o, 2);
    for seq in 2..=4 {
        o.push_batch(batch(seq, 0), Instant::now());
    }
    tokio::time::advance(MAX_HOLD).await;
    let first = drain_sends(&mut o);
    assert_eq!(first, vec!["R2", "R3", "R4", "K", "K", "K"]);
    // The oldest ack failed.
    let (w, ()) = o.oldest().unwrap();
    o.failed(Some(w));
    assert_eq!(o.waiting(), 6);
    assert_eq!(drain_sends(&mut o), first);
}

#[test]
fn a_send_that_failed_goes_back_first() {
    let mut o = Outbox::<()>::default();
    o.push_batch(batch(1, 0), Instant::now());
    o.push_batch(batch(2, 0), Instant::now());
    let w = o.next("pg1").unwrap();
    o.unsend(w);
    assert_eq!(drain_sends(&mut o), vec!["R1", "R2"]);
}

#[test]
fn a_prunes_deletes_are_sent_next_in_order() {
    let mut o = Outbox::<()>::default();
    o.push_batch(batch(1, 0), Instant::now());
    let del = |k: &str| KvOp::Delete {
        bucket: CALLS_BUCKET,
        key: k.into(),
    };
    o.expand(vec![del("pg1.a"), del("pg1.b")]);
    let mut sent = Vec::new();
    while let Some(w) = o.next("pg1") {
        sent.push(match &w {
            Work::Kv(KvOp::Delete { key, .. }) => key.clone(),
            Work::Kv(_) => "other".into(),
            Work::Record { rec, .. } => format!("R{}", rec.seq),
        });
        o.sent(w, ());
    }
    assert_eq!(sent, vec!["pg1.a", "pg1.b", "R1"]);
}

#[test]
fn a_batchs_kv_writes_are_held_only_once_its_last_record_is_acknowledged() {
    let mut o = Outbox::<()>::default();
    o.push_batch(
        Batch {
            records: vec![record(1), record(2)],
            kv: vec![put(7)],
        },
        Instant::now(),
    );
    assert_eq!(drain_sends(&mut o), vec!["R1", "R2"]);
    let (w, ()) = o.oldest().unwrap();
    o.acked(w, "CTI", 1);
    assert_eq!(o.held.len(), 0, "not after the first record");
    let (w, ()) = o.oldest().unwrap();
    let acked = o.acked(w, "CTI", 2);
    assert!(matches!(acked, Acked::Record { subject, .. } if subject == "cti.pg1.event.E2"));
    assert_eq!(o.held.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn records_the_stream_holds_already_are_dropped_as_if_acknowledged() {
    let mut o = Outbox::<()>::default();
    for seq in 1..=4 {
        o.push_batch(batch(seq, 1), Instant::now());
    }
    drain_sends(&mut o);
    let (w, ()) = o.oldest().unwrap();
    o.failed(Some(w));
    assert_eq!(o.first_record_seq(), Some(1));
    // 2 and 3 were stored (as stream messages 41 and 40), their acks lost.
    let found = std::collections::BTreeMap::from([(2, 41), (3, 40)]);
    assert_eq!(
        o.forget_stored(&found, "CTI"),
        Forgotten {
            stored: 2,
            ahead: 2
        },
        "1 was not stored: 2 and 3 are ahead of it"
    );
    assert_eq!(drain_sends(&mut o), vec!["R1", "R4"]);
    // Their KV writes are held, with the position of the last one handed over.
    assert_eq!(o.held.len(), 1, "both batches wrote the same key");
    let flushed = o.held.take("pg1");
    assert_eq!(
        flushed.last(),
        Some(&KvOp::Put {
            bucket: CALLS_BUCKET,
            key: "pg1._position".into(),
            value: Bytes::from_static(br#"{"cti_seq":3,"stream":"CTI","stream_seq":40}"#),
        })
    );
}

#[test]
fn with_only_kv_writes_waiting_there_is_no_record_to_look_for() {
    let mut o = Outbox::<()>::default();
    o.expand(vec![put(1)]);
    assert_eq!(o.first_record_seq(), None);
    assert_eq!(
        o.forget_stored(&std::collections::BTreeMap::from([(1, 1)]), "CTI"),
        Forgotten::default()
    );
    assert_eq!(o.waiting(), 1);
}

#[test]
fn a_stored_prefix_is_not_ahead_of_anything() {
    let mut o = Outbox::<()>::default();
    for seq in 1..=3 {
        o.push_batch(batch(seq, 0), Instant::now());
    }
    let found = std::collections::BTreeMap::from([(1, 10), (2, 11)]);
    assert_eq!(
        o.forget_stored(&found, "CTI"),
        Forgotten {
            stored: 2,
            ahead: 0
        }
    );
    assert_eq!(o.first_record_seq(), Some(3));
}
