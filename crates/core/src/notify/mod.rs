//! Notifications: the channels a unit, a person or the center can set, and
//! the retry rule of the delivery worker. Pure; the outbox is in
//! `service::notify`, the senders in the `wangan-notify` crate.

use chrono::Duration;

pub const CHANNEL_KINDS: [&str; 5] = ["email", "wecom", "dingtalk", "feishu", "webhook"];
pub const OWNER_KINDS: [&str; 3] = ["unit", "person", "center"];
pub const OUTBOX_STATUSES: [&str; 3] = ["queued", "sent", "failed"];

/// Who hears of an event about a unit's rectification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// The unit's first responsible person (第一责任人).
    First,
    /// The unit's main responsible person (主要责任人).
    Main,
    /// The unit's direct responsible person (直接责任人, the network admin).
    Direct,
    /// The unit's own channels (e.g. its WeCom group robot).
    Unit,
    /// The network center's channels.
    Center,
}

impl Audience {
    /// The responsibility kind of a person audience.
    pub fn responsibility(self) -> Option<&'static str> {
        match self {
            Audience::First => Some("first"),
            Audience::Main => Some("main"),
            Audience::Direct => Some("direct"),
            Audience::Unit | Audience::Center => None,
        }
    }
}

/// Whether `target` is acceptable for a channel of `kind`.
pub fn valid_target(kind: &str, target: &str) -> bool {
    let t = target.trim();
    if t.is_empty() || t.len() > 2000 || t.contains(char::is_whitespace) {
        return false;
    }
    match kind {
        "email" => {
            let mut parts = t.splitn(2, '@');
            let local = parts.next().unwrap_or("");
            let domain = parts.next().unwrap_or("");
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.contains('@')
                && t.len() <= 254
        }
        "wecom" | "dingtalk" | "feishu" | "webhook" => crate::service::systems::url_host(t).is_some(),
        _ => false,
    }
}

/// Retries with exponential backoff: `base`, `2·base`, `4·base`, … capped at
/// `max_delay`; after `max_attempts` tries the message is marked failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: Duration,
    pub max_delay: Duration,
    pub max_attempts: i32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { base: Duration::seconds(30), max_delay: Duration::hours(1), max_attempts: 8 }
    }
}

impl RetryPolicy {
    /// After the `attempts`-th failed try: wait this long, or give up (`None`).
    pub fn after_failure(&self, attempts: i32) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let exp = u32::try_from((attempts - 1).clamp(0, 30)).unwrap_or(30);
        let factor = 1i64 << exp;
        let delay = self.base.num_milliseconds().saturating_mul(factor);
        Some(Duration::milliseconds(delay).min(self.max_delay))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_then_gives_up() {
        let p = RetryPolicy::default();
        assert_eq!(p.after_failure(1), Some(Duration::seconds(30)));
        assert_eq!(p.after_failure(2), Some(Duration::seconds(60)));
        assert_eq!(p.after_failure(3), Some(Duration::seconds(120)));
        assert_eq!(p.after_failure(7), Some(Duration::seconds(1920)));
        assert_eq!(p.after_failure(8), None);
        let slow = RetryPolicy { base: Duration::minutes(10), max_delay: Duration::hours(1), max_attempts: 10 };
        assert_eq!(slow.after_failure(3), Some(Duration::minutes(40)));
        assert_eq!(slow.after_failure(4), Some(Duration::hours(1)), "capped");
        let quick = RetryPolicy { base: Duration::milliseconds(10), max_delay: Duration::seconds(1), max_attempts: 3 };
        assert_eq!(quick.after_failure(2), Some(Duration::milliseconds(20)));
        assert_eq!(quick.after_failure(3), None);
    }

    #[test]
    fn targets_are_checked_by_kind() {
        assert!(valid_target("email", "wang@chem.university.example"));
        assert!(!valid_target("email", "wang@"));
        assert!(!valid_target("email", "not an address"));
        assert!(valid_target("wecom", "https://qyapi.weixin.qq.example/cgi-bin/webhook/send?key=abc"));
        assert!(valid_target("webhook", "http://127.0.0.1:9000/hook"));
        assert!(!valid_target("dingtalk", "oapi.dingtalk.example/robot"));
        assert!(!valid_target("sms", "13800000000"));
    }

    #[test]
    fn person_audiences_name_their_responsibility() {
        assert_eq!(Audience::First.responsibility(), Some("first"));
        assert_eq!(Audience::Direct.responsibility(), Some("direct"));
        assert_eq!(Audience::Center.responsibility(), None);
    }
}
