//! The sign-in throttle of this node: a bucket per client address (see
//! `rules`), kept in memory. Time comes from the store's clock.

use crate::accounts::rules::{Bucket, ThrottlePolicy};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct SignInThrottle {
    policy: ThrottlePolicy,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

/// Addresses remembered before full buckets are swept.
const SWEEP_AT: usize = 10_000;

impl SignInThrottle {
    pub fn new(policy: ThrottlePolicy) -> Self {
        SignInThrottle { policy, buckets: Mutex::new(HashMap::new()) }
    }

    /// `Err(wait)` when `addr` has used up its failed sign-ins for now.
    pub fn check(&self, addr: IpAddr, now: DateTime<Utc>) -> Result<(), Duration> {
        let Ok(buckets) = self.buckets.lock() else { return Ok(()) };
        match buckets.get(&addr).map(|b| b.refilled(self.policy, now).wait(self.policy)) {
            Some(Some(wait)) => Err(wait),
            _ => Ok(()),
        }
    }

    /// Count a failed sign-in from `addr`.
    pub fn failed(&self, addr: IpAddr, now: DateTime<Utc>) {
        let Ok(mut buckets) = self.buckets.lock() else { return };
        if buckets.len() >= SWEEP_AT {
            let policy = self.policy;
            buckets.retain(|_, b| !b.refilled(policy, now).is_full(policy));
        }
        let b = buckets.get(&addr).copied().unwrap_or_else(|| Bucket::full(self.policy, now));
        buckets.insert(addr, b.refilled(self.policy, now).spent());
    }
}
