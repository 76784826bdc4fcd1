//! The delivery worker's step: claim due messages, send them side by side,
//! record every attempt. The runner calls it in a loop; tests call it once.

use crate::send::Sender;
use chrono::Duration;
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use wangan_core::Store;
use wangan_core::notify::RetryPolicy;
use wangan_core::notify::service::{self as notify, Outcome};

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryReport {
    pub sent: usize,
    pub failed_attempts: usize,
}

/// One round: up to `limit` messages. A lease longer than the send timeout
/// keeps another worker off them meanwhile.
pub async fn deliver_once(
    store: &Store,
    sender: &Sender,
    retry: &RetryPolicy,
    limit: u64,
) -> wangan_core::Result<DeliveryReport> {
    let claimed = notify::claim(store, limit, Duration::minutes(2), sender.kinds()).await?;
    if claimed.is_empty() {
        return Ok(DeliveryReport::default());
    }
    let gate = Arc::new(Semaphore::new(sender.concurrency));
    let now = store.now();
    let mut tasks = JoinSet::new();
    for m in claimed {
        let sender = sender.clone();
        let gate = gate.clone();
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let started = std::time::Instant::now();
            let result = sender.send(&m, now).await;
            let duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
            match result {
                Ok(detail) => Outcome { id: m.id, ok: true, detail, duration_ms },
                Err(detail) => {
                    tracing::warn!(outbox = m.id, kind = %m.kind, "delivery failed: {detail}");
                    Outcome { id: m.id, ok: false, detail, duration_ms }
                }
            }
        });
    }
    let mut outcomes = Vec::new();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(o) => outcomes.push(o),
            // A panicked send leaves its message leased; the lease runs out and it is tried again.
            Err(e) => tracing::error!("delivery task: {e}"),
        }
    }
    let report = DeliveryReport {
        sent: outcomes.iter().filter(|o| o.ok).count(),
        failed_attempts: outcomes.iter().filter(|o| !o.ok).count(),
    };
    notify::settle(store, &outcomes, retry).await?;
    Ok(report)
}
