//! Password policy of §四(四) of the notice, and argon2id hashing.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};

pub const MIN_LENGTH: usize = 10;
/// How many previous passwords may not be reused.
pub const HISTORY: usize = 5;

/// Why a new password is refused; each maps to a localized message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyViolation {
    TooShort,
    TooFewClasses,
    ContainsUsername,
    Reused,
}

impl PolicyViolation {
    pub fn code(self) -> &'static str {
        match self {
            PolicyViolation::TooShort => "password_too_short",
            PolicyViolation::TooFewClasses => "password_too_few_classes",
            PolicyViolation::ContainsUsername => "password_contains_username",
            PolicyViolation::Reused => "password_reused",
        }
    }
}

/// Checks everything that does not need the history. Pure.
pub fn check_policy(username: &str, password: &str) -> Vec<PolicyViolation> {
    let mut out = Vec::new();
    if password.chars().count() < MIN_LENGTH {
        out.push(PolicyViolation::TooShort);
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|&&b| b)
    .count();
    if classes < 3 {
        out.push(PolicyViolation::TooFewClasses);
    }
    let user = username.trim().to_lowercase();
    if !user.is_empty() && password.to_lowercase().contains(&user) {
        out.push(PolicyViolation::ContainsUsername);
    }
    out
}

pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// At most one argon2 computation per core at a time. Each takes ~19 MiB and
/// tens of milliseconds of CPU; more at once only makes every one slower and
/// the process larger, while requests that need no password wait behind them.
fn gate() -> &'static tokio::sync::Semaphore {
    static GATE: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    GATE.get_or_init(|| {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        tokio::sync::Semaphore::new(cores)
    })
}

/// Runs argon2 work on the blocking pool, never on the async workers, so
/// `/healthz` and every page stay quick while many people sign in at once.
async fn off_the_workers<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    let _permit = gate().acquire().await.map_err(|e| e.to_string())?;
    tokio::task::spawn_blocking(work).await.map_err(|e| e.to_string())
}

/// [`hash`] on the blocking pool.
pub async fn hash_async(password: &str) -> Result<String, String> {
    let password = password.to_owned();
    off_the_workers(move || hash(&password)).await?
}

/// [`verify`] on the blocking pool; `false` if the work could not run.
pub async fn verify_async(password: &str, stored: &str) -> bool {
    let (password, stored) = (password.to_owned(), stored.to_owned());
    off_the_workers(move || verify(&password, &stored)).await.unwrap_or(false)
}

/// Whether `password` matches `current` or any of `history`, on the blocking pool.
pub async fn verify_any_async(password: &str, hashes: Vec<String>) -> bool {
    let password = password.to_owned();
    off_the_workers(move || hashes.iter().any(|h| verify(&password, h))).await.unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn hashing_off_the_workers_gives_the_same_answers() {
        let h = hash_async("Sunny-Day-2026").await.unwrap();
        assert!(verify_async("Sunny-Day-2026", &h).await);
        assert!(!verify_async("Sunny-Day-2027", &h).await);
        assert!(!verify_async("Sunny-Day-2026", "not a hash").await);
        assert!(verify_any_async("Sunny-Day-2026", vec!["x".into(), h.clone()]).await);
        assert!(!verify_any_async("Sunny-Day-2026", vec![]).await);
    }

    #[test]
    fn policy_accepts_strong_passwords() {
        assert!(check_policy("alice", "Sunny-Day-2026").is_empty());
        assert!(check_policy("alice", "lower-case-9x").is_empty(), "lower, digit, symbol is three classes");
    }

    #[test]
    fn policy_names_every_violation() {
        assert_eq!(check_policy("bob", "Ab1!"), vec![PolicyViolation::TooShort]);
        assert_eq!(check_policy("bob", "abcdefghijkl"), vec![PolicyViolation::TooFewClasses]);
        assert_eq!(check_policy("alice", "xxALICE-2026x"), vec![PolicyViolation::ContainsUsername]);
        assert_eq!(
            check_policy("zhang", "zhang"),
            vec![PolicyViolation::TooShort, PolicyViolation::TooFewClasses, PolicyViolation::ContainsUsername]
        );
    }

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash("Sunny-Day-2026").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("Sunny-Day-2026", &h));
        assert!(!verify("Sunny-Day-2027", &h));
        assert!(!verify("x", "not a hash"));
    }
}
