//! The clock task: runs the engine (traffic, call progress, lingering calls) and the delayed deliveries at
//! their due times, on tokio time.

use std::sync::Arc;

use crate::shared::Shared;

pub(crate) async fn run(shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        let deadline = shared.core().next_deadline().map(|d| shared.instant(d));
        tokio::select! {
            () = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => {}
            () = shared.wake.notified() => {}
            _ = shutdown.changed() => return,
        }
        let now = shared.now();
        shared.core().advance(now);
    }
}
