//! Rules of signing in that need no database: the throttle on failed
//! sign-ins from one client address (a token bucket), and the second
//! factor (TOTP codes, RFC 6238; recovery codes).
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

/// The second factor: time-based one-time codes (RFC 6238: HMAC-SHA-1,
/// six digits, 30-second steps, one step of clock drift either way), as
/// every authenticator app reads them from an `otpauth://` link; and the
/// recovery codes for a lost device.
pub mod second_factor {
    use totp_rs::{Builder, Totp};

    /// A new secret's length (160 bits, as RFC 4226 recommends).
    pub const SECRET_BYTES: usize = 20;
    /// Recovery codes given at enrolment.
    pub const RECOVERY_CODES: usize = 10;
    /// Wrong codes one pending sign-in may take before it ends.
    pub const MAX_CODE_FAILURES: i32 = 5;
    /// How long a sign-in waits for its second factor.
    pub const PENDING_MINUTES: i64 = 5;

    fn totp(secret: &[u8], issuer: &str, account: &str) -> Result<Totp, String> {
        let clean = |s: &str| s.replace(':', " ");
        Builder::new()
            .with_secret(secret.to_vec())
            .with_issuer(Some(clean(issuer)))
            .with_account_name(clean(account))
            .build()
            .map_err(|e| e.to_string())
    }

    /// The link an authenticator app takes (as a QR code or typed in).
    pub fn otpauth_url(secret: &[u8], issuer: &str, account: &str) -> Result<String, String> {
        totp(secret, issuer, account)?.to_url().map_err(|e| e.to_string())
    }

    /// The secret as the apps' "enter a key" field takes it (base32).
    pub fn secret_text(secret: &[u8]) -> String {
        totp_rs::Secret::from(secret.to_vec()).to_base32()
    }

    /// Digits only: a code may be typed with spaces ("123 456").
    pub fn normalize(code: &str) -> String {
        code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect()
    }

    /// The time step `code` belongs to at `unix` seconds, if it is right and
    /// newer than `last_step` (a code is good once, RFC 6238 §5.2).
    pub fn accept(secret: &[u8], code: &str, unix: u64, last_step: Option<i64>) -> Option<i64> {
        let code = normalize(code);
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let step = i64::try_from(totp(secret, "w", "w").ok()?.check(&code, unix)?).ok()?;
        (last_step.is_none_or(|last| step > last)).then_some(step)
    }

    /// The code an app would show at `unix` seconds (for tests and the enrolment check).
    pub fn code_at(secret: &[u8], unix: u64) -> Option<String> {
        Some(totp(secret, "w", "w").ok()?.generate(unix).to_string())
    }

    /// A recovery code from ten random bytes: "xxxx-xxxx-xxxx-xxxx" in
    /// Crockford's base32, lower case (no i, l, o, u to misread; 80 bits).
    pub fn recovery_code(bytes: &[u8; 10]) -> String {
        const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
        let mut bits: u128 = 0;
        for b in bytes {
            bits = (bits << 8) | u128::from(*b);
        }
        let chars: Vec<char> = (0..16).rev().map(|i| char::from(ALPHABET[((bits >> (i * 5)) & 31) as usize])).collect();
        chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
    }

    /// A recovery code as typed: case, spaces and dashes do not matter.
    pub fn normalize_recovery(code: &str) -> String {
        code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
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

    #[test]
    fn totp_codes_are_rfc_6238_and_good_once() {
        use super::second_factor::*;
        // RFC 6238 appendix B, SHA-1: the secret "12345678901234567890";
        // at 59 s the 8-digit code is 94287082, so the six-digit one is 287082.
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59).as_deref(), Some("287082"));
        assert_eq!(code_at(secret, 1_111_111_109).as_deref(), Some("081804"));
        let step = accept(secret, "287 082", 59, None).unwrap();
        assert_eq!(step, 1);
        // The same code again: refused (replay), even within its window.
        assert_eq!(accept(secret, "287082", 60, Some(step)), None);
        // One step of drift either way is accepted, two are not.
        assert!(accept(secret, "287082", 59 + 30, None).is_some());
        assert_eq!(accept(secret, "287082", 59 + 90, None), None);
        assert_eq!(accept(secret, "000000", 59, None), None);
        assert_eq!(accept(secret, "28708", 59, None), None);
        assert_eq!(accept(secret, "abcdef", 59, None), None);
        let url = otpauth_url(secret, "网安: 某某大学", "admin").unwrap();
        assert!(url.starts_with("otpauth://totp/") && url.contains("secret=") && url.contains("issuer="), "{url}");
        assert_eq!(secret_text(secret), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }

    #[test]
    fn recovery_codes_read_well_and_compare_loosely() {
        use super::second_factor::*;
        let a = recovery_code(&[0u8; 10]);
        assert_eq!(a, "0000-0000-0000-0000");
        assert_eq!(recovery_code(&[255u8; 10]), "zzzz-zzzz-zzzz-zzzz");
        assert_ne!(recovery_code(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), recovery_code(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 11]));
        assert_eq!(normalize_recovery(" ABCD-efgh jkmn-PQRS "), "abcdefghjkmnpqrs");
    }
}
