//! A short-lived in-process cache of who a token or session belongs to, so a
//! request does not pay three queries to learn its principal.
//!
//! Changes made through this process (password, language, revocation,
//! sign-out) invalidate the entries at once; other processes sharing the
//! database see such changes within `TTL`.

use crate::platform::access::Principal;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

pub const TTL: Duration = Duration::from_secs(5);
const MAX_ENTRIES: usize = 10_000;

#[derive(Debug, Clone)]
pub struct CachedAuth {
    pub principal: Principal,
    /// Sessions only.
    pub csrf: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Default)]
pub struct AuthCache {
    map: RwLock<HashMap<String, (CachedAuth, Instant)>>,
}

impl AuthCache {
    pub fn get(&self, key: &str) -> Option<CachedAuth> {
        let map = self.map.read().ok()?;
        map.get(key).filter(|(_, at)| at.elapsed() < TTL).map(|(v, _)| v.clone())
    }

    pub fn put(&self, key: String, value: CachedAuth) {
        if let Ok(mut map) = self.map.write() {
            if map.len() >= MAX_ENTRIES {
                map.retain(|_, (_, at)| at.elapsed() < TTL);
                if map.len() >= MAX_ENTRIES {
                    map.clear();
                }
            }
            map.insert(key, (value, Instant::now()));
        }
    }

    pub fn remove(&self, key: &str) {
        if let Ok(mut map) = self.map.write() {
            map.remove(key);
        }
    }

    /// Forget every entry of one user (after a change to the account).
    pub fn invalidate_user(&self, user_id: i64) {
        if let Ok(mut map) = self.map.write() {
            map.retain(|_, (v, _)| v.principal.user_id != user_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(user_id: i64) -> CachedAuth {
        let mut principal = Principal::system("x");
        principal.user_id = user_id;
        CachedAuth { principal, csrf: None, expires_at: None }
    }

    #[test]
    fn put_get_and_invalidate() {
        let c = AuthCache::default();
        c.put("a".into(), entry(1));
        c.put("b".into(), entry(1));
        c.put("c".into(), entry(2));
        assert_eq!(c.get("a").map(|e| e.principal.user_id), Some(1));
        c.invalidate_user(1);
        assert!(c.get("a").is_none() && c.get("b").is_none());
        assert!(c.get("c").is_some());
        c.remove("c");
        assert!(c.get("c").is_none());
    }
}
