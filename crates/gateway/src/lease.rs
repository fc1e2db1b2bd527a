//! The leader lease of the HA pair: a key per source in the KV bucket `cti_leases`, whose entries expire after
//! the lease time. The gateway that creates the key holds the source's CTI session and renews the key (a
//! revision-checked update) every third of the lease; one that cannot create it waits as standby. When the
//! leader dies its key expires and a standby's create succeeds; when it stops cleanly it deletes the key.

use std::time::Duration;

use async_nats::jetstream::kv::Store;
use bytes::Bytes;
use serde_json::json;

/// The leases bucket.
pub const LEASES_BUCKET: &str = "cti_leases";

/// A lease held.
#[derive(Debug)]
pub(crate) struct Lease {
    kv: Store,
    key: String,
    value: Bytes,
    revision: u64,
}

impl Lease {
    /// Takes the lease of `source` for `instance` if nobody holds it.
    pub(crate) async fn try_acquire(kv: &Store, source: &str, instance: &str) -> Option<Lease> {
        let value = Bytes::from(json!({"holder": instance}).to_string());
        let revision = kv.create(source, value.clone()).await.ok()?;
        Some(Lease {
            kv: kv.clone(),
            key: source.to_owned(),
            value,
            revision,
        })
    }

    /// Renews the lease; false when it was lost (expired and taken, or NATS did not answer in time).
    pub(crate) async fn renew(&mut self, within: Duration) -> bool {
        let update = self.kv.update(&self.key, self.value.clone(), self.revision);
        match tokio::time::timeout(within, update).await {
            Ok(Ok(rev)) => {
                self.revision = rev;
                true
            }
            _ => false,
        }
    }

    /// Gives the lease up (a standby takes over at its next try).
    pub(crate) async fn release(self) {
        let _ = self.kv.delete(&self.key).await;
    }
}
