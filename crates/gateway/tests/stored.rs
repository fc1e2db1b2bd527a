//! `cti_gateway::stored::stored_since` against a real nats-server: what the stream holds of one source's last
//! records, read backwards to the first record below the asked-for `Cti-Seq`, other sources and deleted
//! messages skipped.

#![allow(clippy::unwrap_used, reason = "tests")]

mod support;

use std::collections::BTreeMap;

use async_nats::HeaderMap;
use async_nats::jetstream::{self, stream};
use cti_gateway::stored::stored_since;
use support::Nats;

async fn publish(js: &jetstream::Context, source: &str, seq: u64) -> u64 {
    let mut h = HeaderMap::new();
    h.insert("Cti-Seq", seq.to_string().as_str());
    js.publish_with_headers(format!("cti.{source}.event.X"), h, "{}".into())
        .await
        .unwrap()
        .await
        .unwrap()
        .sequence
}

#[tokio::test]
async fn the_records_after_the_last_one_below_from_with_their_stream_positions() {
    let nats = Nats::start();
    let js = jetstream::new(async_nats::connect(nats.url()).await.unwrap());
    let s = js
        .create_stream(stream::Config {
            name: "CTI".into(),
            subjects: vec!["cti.>".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    // pg1 stored 1, 2, 3, then 5 before 4 (a resend after a broken connection), then 6; pg2 in between.
    let mut at = BTreeMap::new();
    for (source, seq) in [
        ("pg1", 1),
        ("pg1", 2),
        ("pg2", 7),
        ("pg1", 3),
        ("pg1", 5),
        ("pg2", 8),
        ("pg1", 4),
        ("pg1", 6),
    ] {
        let n = publish(&js, source, seq).await;
        if source == "pg1" {
            at.insert(seq, n);
        }
    }
    let from = |lo: u64| -> BTreeMap<u64, u64> {
        at.iter()
            .filter(|(seq, _)| **seq >= lo)
            .map(|(s, n)| (*s, *n))
            .collect()
    };

    assert_eq!(
        stored_since(&js, "CTI", "pg1", 4, 0).await.unwrap(),
        from(4)
    );
    assert_eq!(
        stored_since(&js, "CTI", "pg1", 1, 0).await.unwrap(),
        from(1)
    );
    assert!(
        stored_since(&js, "CTI", "pg1", 7, 0)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        stored_since(&js, "CTI", "pg2", 8, 0).await.unwrap(),
        BTreeMap::from([(8, 6)])
    );
    assert!(
        stored_since(&js, "CTI", "pg3", 1, 0)
            .await
            .unwrap()
            .is_empty()
    );

    // Nothing at or below stream sequence `after` is read (here 6: only messages 7 and 8).
    let all_of = |lo: u64, after: u64| -> BTreeMap<u64, u64> {
        at.iter()
            .filter(|(seq, n)| **seq >= lo && **n > after)
            .map(|(s, n)| (*s, *n))
            .collect()
    };
    assert_eq!(
        stored_since(&js, "CTI", "pg1", 1, 6).await.unwrap(),
        all_of(1, 6)
    );
    assert_eq!(all_of(1, 6).len(), 2, "4 and 6 only");

    // A deleted message is skipped, not an error.
    s.delete_message(at[&5]).await.unwrap();
    let mut want = from(4);
    want.remove(&5);
    assert_eq!(stored_since(&js, "CTI", "pg1", 4, 0).await.unwrap(), want);

    // No stream: an error (the publisher tries again later).
    assert!(stored_since(&js, "NONE", "pg1", 1, 0).await.is_err());
}
