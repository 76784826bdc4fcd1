//! Rules of signing in that need no database: the throttle on failed
//! sign-ins from one client address (a token bucket).
//!
//! Pure: no `async`, no database.

use chrono::{DateTime, Duration, Utc};

/// How many failed sign-ins a client address may make: `per_minute` at
/// once, then one more every `60 / per_minute` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub per_minute: u32,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy { per_minute: 10 }
    }
}

/// The failures an address may still make, as of `at`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub tokens: f64,
    pub at: DateTime<Utc>,
}

impl Bucket {
    pub fn full(policy: ThrottlePolicy, now: DateTime<Utc>) -> Bucket {
        Bucket { tokens: f64::from(policy.per_minute), at: now }
    }

    /// The bucket refilled up to `now`.
    pub fn refilled(self, policy: ThrottlePolicy, now: DateTime<Utc>) -> Bucket {
        let cap = f64::from(policy.per_minute);
        let elapsed = (now - self.at).num_milliseconds().max(0) as f64 / 60_000.0;
        Bucket { tokens: (self.tokens + elapsed * cap).min(cap), at: now.max(self.at) }
    }

    /// `None` when a sign-in may be tried now, else how long until it may.
    pub fn wait(&self, policy: ThrottlePolicy) -> Option<Duration> {
        if self.tokens >= 1.0 || policy.per_minute == 0 {
            return None;
        }
        let per_token_ms = 60_000.0 / f64::from(policy.per_minute);
        let ms = ((1.0 - self.tokens) * per_token_ms).ceil() as i64;
        Some(Duration::milliseconds(ms.max(1)))
    }

    /// The bucket after one failed sign-in.
    pub fn spent(self) -> Bucket {
        Bucket { tokens: (self.tokens - 1.0).max(0.0), ..self }
    }

    /// Whether the bucket is full again (so it can be forgotten).
    pub fn is_full(&self, policy: ThrottlePolicy) -> bool {
        self.tokens >= f64::from(policy.per_minute)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ten_failures_then_one_more_every_six_seconds() {
        let p = ThrottlePolicy { per_minute: 10 };
        let t0 = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).single().unwrap_or_default();
        let mut b = Bucket::full(p, t0);
        for _ in 0..10 {
            assert_eq!(b.wait(p), None);
            b = b.spent();
        }
        assert_eq!(b.wait(p), Some(Duration::seconds(6)));
        let later = b.refilled(p, t0 + Duration::seconds(3));
        assert_eq!(later.wait(p), Some(Duration::seconds(3)));
        let later = b.refilled(p, t0 + Duration::seconds(6));
        assert_eq!(later.wait(p), None);
        assert!(b.refilled(p, t0 + Duration::minutes(2)).is_full(p));
        // A clock that goes back does not fill the bucket.
        assert_eq!(b.refilled(p, t0 - Duration::minutes(5)).wait(p), Some(Duration::seconds(6)));
    }
}
