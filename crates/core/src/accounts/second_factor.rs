//! Two-factor sign-in for local accounts (TOTP, RFC 6238): enrolment with a
//! code from the app, recovery codes, a sign-in that waits for its code,
//! and the reset by another admin when a device is lost. Time comes from
//! the store's clock, so tests move it.

use crate::accounts::entity::pending_sign_in;
use crate::accounts::entity::recovery_code;
use crate::accounts::entity::user;
use crate::accounts::password;
use crate::accounts::rules::second_factor as rules;
use crate::accounts::service::{end_everything, find_user, load_principal};
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::error::{CoreError, Result};
use crate::platform::secret;
use crate::platform::store::Store;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use chrono::Duration;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

/// What the enrolment page shows: the key to type and the link to scan.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret_text: String,
    pub otpauth_url: String,
}

/// An account's second factor, for its own page.
#[derive(Debug, Clone)]
pub struct Status {
    pub enabled: bool,
    /// Recovery codes not yet used.
    pub recovery_left: u64,
    /// An enrolment started and not confirmed.
    pub enrolling: Option<Enrolment>,
}

fn issuer(store: &Store) -> String {
    format!("网安 {}", store.documents().center)
}

fn secret_bytes(u: &user::Model) -> Option<Vec<u8>> {
    u.totp_secret.as_deref().and_then(|h| hex::decode(h).ok())
}

fn enrolment_of(store: &Store, u: &user::Model) -> Result<Option<Enrolment>> {
    if u.totp_enabled_at.is_some() {
        return Ok(None);
    }
    let Some(bytes) = secret_bytes(u) else { return Ok(None) };
    let otpauth_url = rules::otpauth_url(&bytes, &issuer(store), &u.username).map_err(CoreError::Internal)?;
    Ok(Some(Enrolment { secret_text: rules::secret_text(&bytes), otpauth_url }))
}

async fn own_account(store: &Store, who: &Principal) -> Result<user::Model> {
    user::Entity::find_by_id(who.user_id).one(store.db()).await?.filter(|u| u.active).ok_or(CoreError::NotFound)
}

async fn unused_codes<C: ConnectionTrait>(conn: &C, user_id: i64) -> Result<u64> {
    Ok(recovery_code::Entity::find()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .filter(recovery_code::Column::UsedAt.is_null())
        .count(conn)
        .await?)
}

pub async fn status(store: &Store, who: &Principal) -> Result<Status> {
    let u = own_account(store, who).await?;
    Ok(Status {
        enabled: u.totp_enabled_at.is_some(),
        recovery_left: unused_codes(store.db(), u.id).await?,
        enrolling: enrolment_of(store, &u)?,
    })
}

/// Begin (or begin again) enrolling: a new secret, not in force until a
/// code from the app confirms it.
pub async fn start_enrolment(store: &Store, who: &Principal) -> Result<Enrolment> {
    let u = own_account(store, who).await?;
    if u.totp_enabled_at.is_some() {
        return Err(CoreError::Conflict("totp_enabled"));
    }
    let mut bytes = [0u8; rules::SECRET_BYTES];
    OsRng.fill_bytes(&mut bytes);
    let txn = store.begin_write().await?;
    let mut am: user::ActiveModel = u.into();
    am.totp_secret = Set(Some(hex::encode(bytes)));
    let u = am.update(&*txn).await?;
    txn.commit().await?;
    enrolment_of(store, &u)?.ok_or_else(|| CoreError::Internal("enrolment".into()))
}

/// Fresh recovery codes in place of any earlier ones; returns them (shown once).
async fn replace_recovery_codes<C: ConnectionTrait>(conn: &C, user_id: i64) -> Result<Vec<String>> {
    recovery_code::Entity::delete_many().filter(recovery_code::Column::UserId.eq(user_id)).exec(conn).await?;
    let mut codes = Vec::with_capacity(rules::RECOVERY_CODES);
    for _ in 0..rules::RECOVERY_CODES {
        let mut bytes = [0u8; 10];
        OsRng.fill_bytes(&mut bytes);
        let code = rules::recovery_code(&bytes);
        recovery_code::ActiveModel {
            user_id: Set(user_id),
            code_hash: Set(secret::token_hash(&rules::normalize_recovery(&code))),
            used_at: Set(None),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        codes.push(code);
    }
    Ok(codes)
}

/// Confirm the enrolment with a code the app shows: the second factor is
/// on from now; returns the recovery codes.
pub async fn confirm_enrolment(store: &Store, who: &Principal, code: &str) -> Result<Vec<String>> {
    let u = own_account(store, who).await?;
    if u.totp_enabled_at.is_some() {
        return Err(CoreError::Conflict("totp_enabled"));
    }
    let bytes = secret_bytes(&u).ok_or(CoreError::Conflict("totp_not_started"))?;
    let now = store.now();
    let unix = u64::try_from(now.timestamp()).unwrap_or_default();
    let Some(step) = rules::accept(&bytes, code, unix, None) else {
        return Err(CoreError::invalid("code", "wrong_code"));
    };
    let txn = store.begin_write().await?;
    let name = u.username.clone();
    let mut am: user::ActiveModel = u.into();
    am.totp_enabled_at = Set(Some(now));
    am.totp_last_step = Set(Some(step));
    let u = am.update(&*txn).await?;
    let codes = replace_recovery_codes(&*txn, u.id).await?;
    audit::append(&*txn, now, &Actor::from(who), Change::event("totp_enabled", "user", name, None)).await?;
    txn.commit().await?;
    store.auth_cache().invalidate_user(u.id);
    Ok(codes)
}

/// New recovery codes (the old ones stop working), after the password.
pub async fn new_recovery_codes(store: &Store, who: &Principal, password_now: &str) -> Result<Vec<String>> {
    let u = own_account(store, who).await?;
    if u.totp_enabled_at.is_none() {
        return Err(CoreError::Conflict("totp_not_enabled"));
    }
    if !password::verify_async(password_now, &u.password_hash).await {
        return Err(CoreError::invalid("current_password", "wrong_password"));
    }
    let txn = store.begin_write().await?;
    let codes = replace_recovery_codes(&*txn, u.id).await?;
    audit::append(&*txn, store.now(), &Actor::from(who), Change::event("recovery_codes", "user", &u.username, None))
        .await?;
    txn.commit().await?;
    Ok(codes)
}

async fn clear<C: ConnectionTrait>(conn: &C, u: user::Model) -> Result<()> {
    let id = u.id;
    let mut am: user::ActiveModel = u.into();
    am.totp_secret = Set(None);
    am.totp_enabled_at = Set(None);
    am.totp_last_step = Set(None);
    am.update(conn).await?;
    recovery_code::Entity::delete_many().filter(recovery_code::Column::UserId.eq(id)).exec(conn).await?;
    pending_sign_in::Entity::delete_many().filter(pending_sign_in::Column::UserId.eq(id)).exec(conn).await?;
    Ok(())
}

/// Turn one's own second factor off, after the password; refused when the
/// configuration requires it of this account (`required`).
pub async fn disable(store: &Store, who: &Principal, password_now: &str, required: bool) -> Result<()> {
    let u = own_account(store, who).await?;
    if u.totp_enabled_at.is_none() {
        return Ok(());
    }
    if required {
        return Err(CoreError::Conflict("totp_required"));
    }
    if !password::verify_async(password_now, &u.password_hash).await {
        return Err(CoreError::invalid("current_password", "wrong_password"));
    }
    let txn = store.begin_write().await?;
    let (id, name) = (u.id, u.username.clone());
    clear(&*txn, u).await?;
    audit::append(&*txn, store.now(), &Actor::from(who), Change::event("totp_disabled", "user", name, None)).await?;
    txn.commit().await?;
    store.auth_cache().invalidate_user(id);
    Ok(())
}

/// A lost device: another admin turns the account's second factor off
/// (the owner enrols again), ending its sessions. Audited. Not one's own:
/// that would let a stolen password alone undo the second factor.
pub async fn reset(store: &Store, actor: &Principal, username: &str) -> Result<()> {
    actor.require(Permission::ManageUsers)?;
    let txn = store.begin_write().await?;
    let u = find_user(&*txn, username).await?;
    if u.id == actor.user_id {
        return Err(CoreError::Conflict("own_second_factor"));
    }
    let (id, name) = (u.id, u.username.clone());
    let was_on = u.totp_enabled_at.is_some();
    clear(&*txn, u).await?;
    end_everything(&*txn, id, store.now()).await?;
    let change = Change::event("totp_reset", "user", name, None).with_after(serde_json::json!({ "was_on": was_on }));
    audit::append(&*txn, store.now(), &Actor::from(actor), change).await?;
    txn.commit().await?;
    store.auth_cache().invalidate_user(id);
    Ok(())
}

/// A sign-in whose password was right waits for its code: returns the
/// secret the browser keeps meanwhile.
pub async fn begin(store: &Store, p: &Principal) -> Result<String> {
    let secret_value = secret::random_token();
    let now = store.now();
    let txn = store.begin_write().await?;
    pending_sign_in::Entity::delete_many().filter(pending_sign_in::Column::ExpiresAt.lt(now)).exec(&*txn).await?;
    pending_sign_in::ActiveModel {
        id_hash: Set(secret::token_hash(&secret_value)),
        user_id: Set(p.user_id),
        failures: Set(0),
        created_at: Set(now),
        expires_at: Set(now + Duration::minutes(rules::PENDING_MINUTES)),
    }
    .insert(&*txn)
    .await?;
    txn.commit().await?;
    Ok(secret_value)
}

/// Whether a pending sign-in is still waiting (the code page is shown only then).
pub async fn pending(store: &Store, pending_secret: &str) -> Result<bool> {
    Ok(pending_sign_in::Entity::find_by_id(secret::token_hash(pending_secret))
        .one(store.db())
        .await?
        .is_some_and(|p| p.expires_at > store.now()))
}

/// What a code did to a pending sign-in.
#[derive(Debug)]
pub enum CodeOutcome {
    /// Right: the account, to open a session for.
    SignedIn(Principal),
    /// Wrong; the sign-in still waits.
    Wrong,
    /// Gone: expired, unknown, or ended by too many wrong codes.
    Ended,
}

/// Check a pending sign-in's code: a TOTP code (each step once) or an
/// unused recovery code (used up).
pub async fn finish(store: &Store, pending_secret: &str, code: &str) -> Result<CodeOutcome> {
    let now = store.now();
    let txn = store.begin_write().await?;
    let Some(p) = pending_sign_in::Entity::find_by_id(secret::token_hash(pending_secret))
        .one(&*txn)
        .await?
        .filter(|p| p.expires_at > now)
    else {
        return Ok(CodeOutcome::Ended);
    };
    let Some(u) = user::Entity::find_by_id(p.user_id).one(&*txn).await?.filter(|u| u.active) else {
        pending_sign_in::Entity::delete_by_id(p.id_hash).exec(&*txn).await?;
        txn.commit().await?;
        return Ok(CodeOutcome::Ended);
    };
    let unix = u64::try_from(now.timestamp()).unwrap_or_default();
    let step = secret_bytes(&u).and_then(|b| rules::accept(&b, code, unix, u.totp_last_step));
    let recovery = match step {
        Some(_) => None,
        None => {
            recovery_code::Entity::find()
                .filter(recovery_code::Column::UserId.eq(u.id))
                .filter(recovery_code::Column::UsedAt.is_null())
                .filter(recovery_code::Column::CodeHash.eq(secret::token_hash(&rules::normalize_recovery(code))))
                .one(&*txn)
                .await?
        }
    };
    if step.is_none() && recovery.is_none() {
        let failures = p.failures + 1;
        if failures >= rules::MAX_CODE_FAILURES {
            pending_sign_in::Entity::delete_by_id(p.id_hash).exec(&*txn).await?;
            txn.commit().await?;
            return Ok(CodeOutcome::Ended);
        }
        let mut am: pending_sign_in::ActiveModel = p.into();
        am.failures = Set(failures);
        am.update(&*txn).await?;
        txn.commit().await?;
        return Ok(CodeOutcome::Wrong);
    }
    pending_sign_in::Entity::delete_by_id(p.id_hash).exec(&*txn).await?;
    if let Some(r) = recovery {
        let mut am: recovery_code::ActiveModel = r.into();
        am.used_at = Set(Some(now));
        am.update(&*txn).await?;
        audit::append(
            &*txn,
            now,
            &Actor::system("login"),
            Change::event("recovery_code_used", "user", &u.username, None),
        )
        .await?;
    }
    let u = match step {
        Some(step) => {
            let mut am: user::ActiveModel = u.into();
            am.totp_last_step = Set(Some(step));
            am.update(&*txn).await?
        }
        None => u,
    };
    let principal = load_principal(&*txn, u).await?;
    txn.commit().await?;
    Ok(CodeOutcome::SignedIn(principal))
}
