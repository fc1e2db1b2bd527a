//! What the stream already holds of a source's last records — read by the publisher after a failure, before it
//! sends again, so that a record stored by JetStream whose ack was lost (NATS died or the connection broke
//! between the two) is not stored a second time. JetStream's duplicate window (`Nats-Msg-Id`) drops such repeats
//! only while the original is younger than the window (120 s by default); after a longer outage the repeat
//! would be stored under the same `Cti-Seq`. Reading the stream makes that impossible whatever the outage's
//! length; the duplicate window stays as a second line.
//!
//! The read goes from the stream's end backwards and stops at the first record of the source numbered below
//! `from` (the oldest record not acknowledged). Nothing not acknowledged can be stored before it: the publisher
//! waits for acks oldest first, and a record found stored here is never sent again, so a record is stored
//! after every record numbered below it that was acknowledged before it was sent.

use std::collections::BTreeMap;

use async_nats::jetstream;
use async_nats::jetstream::stream::RawMessageErrorKind;

/// The records of `source` that stream `stream` holds after the last one numbered below `from`: `Cti-Seq` →
/// stream sequence. Messages at or below stream sequence `after` are not read (the caller knows nothing of
/// its own is waiting there: the publisher passes where its last acknowledged record was stored, so the read
/// stays short even when the source has no older record left in a stream that other sources fill). Messages
/// deleted from the stream are skipped. Fails only when the stream cannot be read (NATS unreachable): the
/// caller then tries again later.
///
/// ```no_run
/// # async fn f(js: async_nats::jetstream::Context) -> Result<(), async_nats::Error> {
/// // Which of pg1's records from Cti-Seq 1,000 on are stored, and where.
/// let held = cti_gateway::stored::stored_since(&js, "CTI", "pg1", 1_000, 0).await?;
/// for (cti_seq, stream_seq) in &held {
///     println!("{cti_seq} is message {stream_seq}");
/// }
/// # Ok(()) }
/// ```
pub async fn stored_since(
    js: &jetstream::Context,
    stream: &str,
    source: &str,
    from: u64,
    after: u64,
) -> Result<BTreeMap<u64, u64>, async_nats::Error> {
    let mut s = js.get_stream(stream).await?;
    let state = s.info().await?.state.clone();
    let prefix = format!("cti.{source}.");
    let mut found = BTreeMap::new();
    let mut n = state.last_sequence;
    while n >= state.first_sequence.max(1) && n > after {
        match s.get_raw_message(n).await {
            Ok(m) if m.subject.starts_with(prefix.as_str()) => {
                let seq = m
                    .headers
                    .get("Cti-Seq")
                    .and_then(|v| v.as_str().parse::<u64>().ok());
                match seq {
                    Some(seq) if seq < from => break,
                    Some(seq) => {
                        found.insert(seq, n);
                    }
                    None => {}
                }
            }
            Ok(_) => {}
            Err(e) if e.kind() == RawMessageErrorKind::NoMessageFound => {}
            Err(e) => return Err(e.into()),
        }
        n -= 1;
    }
    Ok(found)
}
