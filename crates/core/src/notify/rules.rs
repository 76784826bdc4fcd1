//! Notifications: the channels a unit, a person or the center can set, and
//! the retry rule of the delivery worker. Pure; the outbox is in
//! `service::notify`, the senders in the `wangan-notify` crate.

use chrono::Duration;

crate::closed_set! {
    /// How a message travels (渠道).
    pub enum ChannelKind {
        Email = "email",
        /// A WeCom (企业微信) group robot.
        Wecom = "wecom",
        /// A DingTalk (钉钉) group robot.
        Dingtalk = "dingtalk",
        /// A Feishu (飞书) group robot.
        Feishu = "feishu",
        /// Any HTTP endpoint, signed.
        Webhook = "webhook",
    }
}

crate::closed_set! {
    /// Whose a channel is.
    pub enum ChannelOwner { Unit = "unit", Person = "person", Center = "center" }
}

crate::closed_set! {
    /// Where a message in the outbox stands.
    pub enum DeliveryStatus {
        /// Waiting for (another) attempt.
        Queued = "queued",
        Sent = "sent",
        /// Every attempt failed; an admin may send it again.
        Failed = "failed",
    }
}

impl DeliveryStatus {
    /// Waiting for its next attempt.
    pub fn is_waiting(self) -> bool {
        self == DeliveryStatus::Queued
    }

    /// Every attempt failed: an admin may send it again.
    pub fn may_be_retried(self) -> bool {
        self == DeliveryStatus::Failed
    }
}

impl ChannelKind {
    /// The robots and hooks: everything but email.
    pub const ROBOTS: &'static [ChannelKind] =
        &[ChannelKind::Wecom, ChannelKind::Dingtalk, ChannelKind::Feishu, ChannelKind::Webhook];
}

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
pub fn valid_target(kind: ChannelKind, target: &str) -> bool {
    let t = target.trim();
    if t.is_empty() || t.len() > 2000 || t.contains(char::is_whitespace) {
        return false;
    }
    match kind {
        ChannelKind::Email => {
            let mut parts = t.splitn(2, '@');
            let local = parts.next().unwrap_or("");
            let domain = parts.next().unwrap_or("");
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.contains('@')
                && t.len() <= 254
        }
        ChannelKind::Wecom | ChannelKind::Dingtalk | ChannelKind::Feishu | ChannelKind::Webhook => {
            crate::platform::site_url::SiteUrl::parse(t).is_ok()
        }
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
        use ChannelKind::*;
        assert!(valid_target(Email, "wang@chem.university.example"));
        assert!(!valid_target(Email, "wang@"));
        assert!(!valid_target(Email, "not an address"));
        assert!(valid_target(Wecom, "https://qyapi.weixin.qq.example/cgi-bin/webhook/send?key=abc"));
        assert!(valid_target(Webhook, "http://127.0.0.1:9000/hook"));
        assert!(!valid_target(Dingtalk, "oapi.dingtalk.example/robot"));
        assert_eq!(ChannelKind::parse("sms"), None);
    }

    #[test]
    fn person_audiences_name_their_responsibility() {
        assert_eq!(Audience::First.responsibility(), Some("first"));
        assert_eq!(Audience::Direct.responsibility(), Some("direct"));
        assert_eq!(Audience::Center.responsibility(), None);
    }
}
