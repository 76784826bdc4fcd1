//! Accounts: users and their role grants, sign-in with lockout, password
//! changes under the policy of §四(四), browser sessions and API tokens.

use crate::accounts::auth_cache::CachedAuth;
use crate::accounts::entity::api_token;
use crate::accounts::entity::password_history;
use crate::accounts::entity::role_grant;
use crate::accounts::entity::session;
use crate::accounts::entity::user;
use crate::accounts::password::{self, PolicyViolation};
use crate::directory::entity::person;
use crate::directory::entity::unit;
use crate::directory::service::units::resolve_code;
use crate::platform::access::{Grant, Permission, Principal, Role};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::secret;
use crate::platform::store::Store;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::Serialize;

pub const MAX_FAILED_LOGINS: i32 = 5;
pub const LOCKOUT_MINUTES: i64 = 15;
pub const SESSION_HOURS: i64 = 12;
pub const LOCALES: [&str; 2] = ["zh-CN", "en"];

pub fn valid_username(s: &str) -> bool {
    (2..=32).contains(&s.len())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
        && s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
}

/// A role to grant, with the unit code for unit roles.
#[derive(Debug, Clone)]
pub struct GrantInput {
    pub role: Role,
    pub unit: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub must_change_password: bool,
    pub person_id: Option<i64>,
    pub grants: Vec<GrantInput>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub person_id: Option<i64>,
    pub active: bool,
    pub locked: bool,
    /// Two-factor sign-in is on.
    pub second_factor: bool,
    pub roles: Vec<GrantView>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct GrantView {
    pub role: Role,
    pub unit: Option<String>,
}

fn policy_error(violations: &[PolicyViolation]) -> CoreError {
    CoreError::Invalid(violations.iter().map(|v| FieldError::new("password", v.code())).collect())
}

async fn hash_password(pw: &str) -> Result<String> {
    password::hash_async(pw).await.map_err(CoreError::Internal)
}

/// An account by username, or `NotFound`.
pub(crate) async fn find_user<C: ConnectionTrait>(conn: &C, username: &str) -> Result<user::Model> {
    user::Entity::find().filter(user::Column::Username.eq(username.trim())).one(conn).await?.ok_or(CoreError::NotFound)
}

pub(crate) async fn load_principal<C: ConnectionTrait>(conn: &C, u: user::Model) -> Result<Principal> {
    let grants = role_grant::Entity::find()
        .filter(role_grant::Column::UserId.eq(u.id))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|g| Role::parse(&g.role).map(|role| Grant { role, unit_id: g.unit_id }))
        .collect();
    Ok(Principal {
        user_id: u.id,
        username: u.username,
        person_id: u.person_id,
        locale: u.locale,
        must_change_password: u.must_change_password,
        second_factor: u.totp_enabled_at.is_some(),
        grants,
    })
}

/// Create an account. `actor` is `None` for the command line, which may do anything.
pub async fn create_user(store: &Store, actor: Option<&Principal>, input: NewUser) -> Result<UserView> {
    if let Some(p) = actor {
        p.require(Permission::ManageUsers)?;
    }
    let username = input.username.trim().to_owned();
    let mut errors = Vec::new();
    if !valid_username(&username) {
        errors.push(FieldError::new("username", "username_format"));
    }
    errors.extend(
        password::check_policy(&username, &input.password).iter().map(|v| FieldError::new("password", v.code())),
    );
    if input.grants.is_empty() {
        errors.push(FieldError::new("role", "required"));
    }
    let system = Principal::system("cli");
    let resolver = actor.unwrap_or(&system);
    let txn = store.begin_write().await?;
    let mut grants: Vec<(Role, Option<unit::Model>)> = Vec::new();
    for g in &input.grants {
        match (g.role.is_unit_role(), g.unit.as_deref().map(str::trim).filter(|s| !s.is_empty())) {
            (true, None) => errors.push(FieldError::new("unit", "unit_required_for_role")),
            (true, Some(code)) => match resolve_code(&*txn, resolver, "unit", code).await {
                Ok(u) => grants.push((g.role, Some(u))),
                Err(CoreError::Invalid(mut e)) => errors.append(&mut e),
                Err(e) => return Err(e),
            },
            (false, _) => grants.push((g.role, None)),
        }
    }
    if let Some(pid) = input.person_id
        && person::Entity::find_by_id(pid).one(&*txn).await?.is_none()
    {
        errors.push(FieldError::new("person_id", "unknown_person"));
    }
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    if user::Entity::find().filter(user::Column::Username.eq(&username)).one(&*txn).await?.is_some() {
        return Err(CoreError::Conflict("duplicate_username"));
    }
    let now = store.now();
    let hash = hash_password(&input.password).await?;
    let u = user::ActiveModel {
        username: Set(username.clone()),
        person_id: Set(input.person_id),
        password_hash: Set(hash.clone()),
        must_change_password: Set(input.must_change_password),
        locale: Set("zh-CN".into()),
        failed_logins: Set(0),
        locked_until: Set(None),
        active: Set(true),
        created_at: Set(now),
        totp_secret: Set(None),
        totp_enabled_at: Set(None),
        totp_last_step: Set(None),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    password_history::ActiveModel {
        user_id: Set(u.id),
        password_hash: Set(hash),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    let mut views = Vec::new();
    for (role, unit) in &grants {
        role_grant::ActiveModel {
            user_id: Set(u.id),
            role: Set(role.as_str().to_owned()),
            unit_id: Set(unit.as_ref().map(|u| u.id)),
            ..Default::default()
        }
        .insert(&*txn)
        .await?;
        views.push(GrantView { role: *role, unit: unit.as_ref().map(|u| u.code.clone()) });
    }
    let actor_rec = Actor::of(actor);
    audit::append(
        &*txn,
        now,
        &actor_rec,
        Change::created(
            "user",
            username.clone(),
            grants.iter().find_map(|(_, u)| u.as_ref().map(|u| u.id)),
            serde_json::json!({ "username": username, "person_id": input.person_id, "roles": views }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(UserView {
        id: u.id,
        username: u.username,
        person_id: u.person_id,
        active: true,
        locked: false,
        second_factor: false,
        roles: views,
    })
}

/// On an empty database, create `admin` with a random password that must be
/// changed at first sign-in. Returns that password (to print once).
pub async fn bootstrap_admin(store: &Store) -> Result<Option<String>> {
    if user::Entity::find().count(store.db()).await? > 0 {
        return Ok(None);
    }
    // Random, and always satisfying the policy: mixed classes are guaranteed by the prefix.
    let pw = format!("Wa-{}", &secret::random_token()[..16]);
    create_user(
        store,
        None,
        NewUser {
            username: "admin".into(),
            password: pw.clone(),
            must_change_password: true,
            person_id: None,
            grants: vec![GrantInput { role: Role::Admin, unit: None }],
        },
    )
    .await?;
    Ok(Some(pw))
}

/// What sign-in decides about an account. Pure, so the lockout rule is testable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginDecision {
    Locked(DateTime<Utc>),
    Accept,
    /// Wrong password: new failure count and, when reached, the lock end.
    Reject {
        failed_logins: i32,
        locked_until: Option<DateTime<Utc>>,
    },
}

pub fn decide_login(
    now: DateTime<Utc>,
    failed_logins: i32,
    locked_until: Option<DateTime<Utc>>,
    password_ok: bool,
) -> LoginDecision {
    if let Some(until) = locked_until.filter(|t| *t > now) {
        return LoginDecision::Locked(until);
    }
    if password_ok {
        return LoginDecision::Accept;
    }
    let count = failed_logins + 1;
    if count >= MAX_FAILED_LOGINS {
        LoginDecision::Reject { failed_logins: 0, locked_until: Some(now + Duration::minutes(LOCKOUT_MINUTES)) }
    } else {
        LoginDecision::Reject { failed_logins: count, locked_until: None }
    }
}

/// Check a username and password, applying the lockout rule.
pub async fn authenticate(store: &Store, username: &str, pw: &str) -> Result<Principal> {
    let now = store.now();
    let found = user::Entity::find().filter(user::Column::Username.eq(username.trim())).one(store.db()).await?;
    let Some(u) = found.filter(|u| u.active) else {
        // Spend the same work as a real check, so timing does not reveal accounts.
        let _ = password::verify_async(
            pw,
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$zLoC8OPQIvCCE0eUDPfnzcsFeSiz64ZhBq9oXpdGp7E",
        )
        .await;
        return Err(CoreError::BadCredentials);
    };
    if let Some(until) = u.locked_until.filter(|t| *t > now) {
        return Err(CoreError::Locked(until));
    }
    let ok = password::verify_async(pw, &u.password_hash).await;
    match decide_login(now, u.failed_logins, u.locked_until, ok) {
        LoginDecision::Locked(until) => Err(CoreError::Locked(until)),
        LoginDecision::Accept => {
            if u.failed_logins != 0 || u.locked_until.is_some() {
                let txn = store.begin_write().await?;
                let mut am: user::ActiveModel = u.clone().into();
                am.failed_logins = Set(0);
                am.locked_until = Set(None);
                am.update(&*txn).await?;
                txn.commit().await?;
            }
            load_principal(store.db(), u).await
        }
        LoginDecision::Reject { failed_logins, locked_until } => {
            let txn = store.begin_write().await?;
            let mut am: user::ActiveModel = u.clone().into();
            am.failed_logins = Set(failed_logins);
            am.locked_until = Set(locked_until);
            am.update(&*txn).await?;
            if let Some(until) = locked_until {
                audit::append(
                    &*txn,
                    now,
                    &Actor::system("login"),
                    Change::event("lockout", "user", u.username.clone(), None)
                        .with_after(serde_json::json!({ "locked_until": until })),
                )
                .await?;
            }
            txn.commit().await?;
            Err(CoreError::BadCredentials)
        }
    }
}

pub async fn principal(store: &Store, user_id: i64) -> Result<Principal> {
    let u = user::Entity::find_by_id(user_id).one(store.db()).await?.filter(|u| u.active).ok_or(CoreError::NotFound)?;
    load_principal(store.db(), u).await
}

/// Set a new password hash, remember it in the history and lift any lockout.
/// (Hash before the write transaction: argon2 is slow on purpose.)
async fn store_password<C: ConnectionTrait>(
    conn: &C,
    u: &user::Model,
    hash: String,
    must_change: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut am: user::ActiveModel = u.clone().into();
    am.password_hash = Set(hash.clone());
    am.must_change_password = Set(must_change);
    am.failed_logins = Set(0);
    am.locked_until = Set(None);
    am.update(conn).await?;
    password_history::ActiveModel {
        user_id: Set(u.id),
        password_hash: Set(hash),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Change one's own password: the current one must be right, the new one
/// must pass the policy and differ from the last five.
pub async fn change_password(store: &Store, who: &Principal, current: &str, new: &str) -> Result<()> {
    let u = user::Entity::find_by_id(who.user_id).one(store.db()).await?.ok_or(CoreError::NotFound)?;
    if !password::verify_async(current, &u.password_hash).await {
        return Err(CoreError::invalid("current_password", "wrong_password"));
    }
    let mut violations = password::check_policy(&u.username, new);
    let history = password_history::Entity::find()
        .filter(password_history::Column::UserId.eq(u.id))
        .order_by_desc(password_history::Column::Id)
        .limit(password::HISTORY as u64)
        .all(store.db())
        .await?;
    let earlier =
        std::iter::once(u.password_hash.clone()).chain(history.into_iter().map(|h| h.password_hash)).collect();
    if password::verify_any_async(new, earlier).await {
        violations.push(PolicyViolation::Reused);
    }
    if !violations.is_empty() {
        return Err(policy_error(&violations));
    }
    let hash = hash_password(new).await?;
    let now = store.now();
    let txn = store.begin_write().await?;
    store_password(&*txn, &u, hash, false, now).await?;
    audit::append(&*txn, now, &Actor::from(who), Change::event("password_change", "user", u.username.clone(), None))
        .await?;
    txn.commit().await?;
    store.auth_cache().invalidate_user(u.id);
    Ok(())
}

/// End an account's sessions and revoke its API tokens: what stood for the
/// account before a reset or a disabling must not come back with it.
pub(crate) async fn end_everything<C: ConnectionTrait>(conn: &C, user_id: i64, now: DateTime<Utc>) -> Result<()> {
    session::Entity::delete_many().filter(session::Column::UserId.eq(user_id)).exec(conn).await?;
    api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, sea_orm::sea_query::Expr::value(Some(now)))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Set a new initial password for someone who forgot theirs: it must pass the
/// policy, must be changed at the next sign-in, lifts a lockout and ends the
/// account's sessions. `actor` is `None` for the command line.
pub async fn reset_password(store: &Store, actor: Option<&Principal>, username: &str, new: &str) -> Result<()> {
    if let Some(p) = actor {
        p.require(Permission::ManageUsers)?;
    }
    let u = find_user(store.db(), username).await?;
    let violations = password::check_policy(&u.username, new);
    if !violations.is_empty() {
        return Err(policy_error(&violations));
    }
    let hash = hash_password(new).await?;
    let now = store.now();
    let txn = store.begin_write().await?;
    store_password(&*txn, &u, hash, true, now).await?;
    end_everything(&*txn, u.id, now).await?;
    audit::append(&*txn, now, &Actor::of(actor), Change::event("password_reset", "user", u.username.clone(), None))
        .await?;
    txn.commit().await?;
    store.auth_cache().invalidate_user(u.id);
    Ok(())
}

pub async fn set_locale(store: &Store, who: &Principal, locale: &str) -> Result<()> {
    if !LOCALES.contains(&locale) {
        return Err(CoreError::invalid("locale", "unknown_locale"));
    }
    let txn = store.begin_write().await?;
    let u = user::Entity::find_by_id(who.user_id).one(&*txn).await?.ok_or(CoreError::NotFound)?;
    if u.locale != locale {
        let before = u.locale.clone();
        let mut am: user::ActiveModel = u.into();
        am.locale = Set(locale.to_owned());
        am.update(&*txn).await?;
        audit::append(
            &*txn,
            store.now(),
            &Actor::from(who),
            Change::updated(
                "user_locale",
                who.username.clone(),
                None,
                serde_json::json!({ "locale": before }),
                serde_json::json!({ "locale": locale }),
            ),
        )
        .await?;
    }
    txn.commit().await?;
    store.auth_cache().invalidate_user(who.user_id);
    Ok(())
}

/// A new browser session: returns (cookie secret, CSRF token).
pub async fn create_session(store: &Store, who: &Principal) -> Result<(String, String)> {
    create_session_from(store, who, None).await
}

/// A new browser session opened by the campus identity service, which names
/// its own session by `sso_session` (for its single logout).
pub async fn create_session_from(
    store: &Store,
    who: &Principal,
    sso_session: Option<String>,
) -> Result<(String, String)> {
    let secret = secret::random_token();
    let csrf = secret::random_token();
    let now = store.now();
    let txn = store.begin_write().await?;
    session::ActiveModel {
        id_hash: Set(secret::token_hash(&secret)),
        user_id: Set(who.user_id),
        csrf_token: Set(csrf.clone()),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(SESSION_HOURS)),
        sso_session: Set(sso_session),
    }
    .insert(&*txn)
    .await?;
    // Old sessions of everyone are swept here rather than by a separate job.
    session::Entity::delete_many().filter(session::Column::ExpiresAt.lt(now)).exec(&*txn).await?;
    txn.commit().await?;
    Ok((secret, csrf))
}

/// The principal and CSRF token of a live session.
pub async fn session_principal(store: &Store, secret: &str) -> Result<(Principal, String)> {
    let id_hash = secret::token_hash(secret);
    let key = format!("s:{id_hash}");
    let now = store.now();
    if let Some(hit) = store.auth_cache().get(&key)
        && let (Some(csrf), Some(expires_at)) = (hit.csrf, hit.expires_at)
        && expires_at > now
    {
        return Ok((hit.principal, csrf));
    }
    let s = session::Entity::find_by_id(id_hash)
        .one(store.db())
        .await?
        .filter(|s| s.expires_at > now)
        .ok_or(CoreError::NotFound)?;
    let mut p = principal(store, s.user_id).await?;
    // Signed in by the campus identity service: the local password (an
    // initial one an admin set) is not what this session stands on.
    if s.sso_session.is_some() {
        p.must_change_password = false;
        p.second_factor = true;
    }
    store.auth_cache().put(
        key,
        CachedAuth { principal: p.clone(), csrf: Some(s.csrf_token.clone()), expires_at: Some(s.expires_at) },
    );
    Ok((p, s.csrf_token))
}

/// End a browser session; returns the identity service's session it came
/// from, if any (to sign out there too).
pub async fn end_session(store: &Store, secret: &str) -> Result<Option<String>> {
    let id_hash = secret::token_hash(secret);
    store.auth_cache().remove(&format!("s:{id_hash}"));
    let txn = store.begin_write().await?;
    let sso = session::Entity::find_by_id(id_hash.clone()).one(&*txn).await?.and_then(|s| s.sso_session);
    session::Entity::delete_by_id(id_hash).exec(&*txn).await?;
    txn.commit().await?;
    Ok(sso)
}

/// The identity service ended its session (single logout): end ours that
/// came from it. Returns how many were ended.
pub async fn end_sso_sessions(store: &Store, sso_session: &str) -> Result<u64> {
    let txn = store.begin_write().await?;
    let ended = session::Entity::find().filter(session::Column::SsoSession.eq(sso_session)).all(&*txn).await?;
    for s in &ended {
        store.auth_cache().remove(&format!("s:{}", s.id_hash));
    }
    let n = session::Entity::delete_many().filter(session::Column::SsoSession.eq(sso_session)).exec(&*txn).await?;
    txn.commit().await?;
    Ok(n.rows_affected)
}

/// Why the campus identity service's word does not sign someone in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsoRefusal {
    /// No person has that staff number.
    UnknownPerson,
    /// The person has no account here (an admin grants one; none is made).
    NoAccount,
    /// The account is disabled.
    Disabled,
}

impl SsoRefusal {
    pub fn code(self) -> &'static str {
        match self {
            SsoRefusal::UnknownPerson => "unknown_person",
            SsoRefusal::NoAccount => "no_account",
            SsoRefusal::Disabled => "disabled",
        }
    }
}

/// The account of the person the identity service names by staff number
/// (工号). A lockout by wrong passwords does not hold here: the campus
/// service did the authenticating.
pub async fn sso_principal(store: &Store, staff_no: &str) -> Result<std::result::Result<Principal, SsoRefusal>> {
    let Some(p) = crate::directory::service::people::by_staff_no(store, staff_no).await? else {
        return Ok(Err(SsoRefusal::UnknownPerson));
    };
    let accounts = user::Entity::find()
        .filter(user::Column::PersonId.eq(p.id))
        .order_by_asc(user::Column::Id)
        .all(store.db())
        .await?;
    let Some(u) = accounts.iter().find(|u| u.active).or(accounts.first()).cloned() else {
        return Ok(Err(SsoRefusal::NoAccount));
    };
    if !u.active {
        return Ok(Err(SsoRefusal::Disabled));
    }
    Ok(Ok(load_principal(store.db(), u).await?))
}

/// Issue an API token for `username`; returns the secret (shown once).
pub async fn create_token(store: &Store, actor: Option<&Principal>, username: &str, name: &str) -> Result<String> {
    if let Some(p) = actor
        && p.username != username
    {
        p.require(Permission::ManageUsers)?;
    }
    if let Some(p) = crate::platform::text::problem(name, false) {
        return Err(CoreError::invalid("name", p.code()));
    }
    let txn = store.begin_write().await?;
    let u = find_user(&*txn, username).await?;
    let token = format!("wg_{}", secret::random_token());
    let now = store.now();
    let t = api_token::ActiveModel {
        user_id: Set(u.id),
        token_hash: Set(secret::token_hash(&token)),
        name: Set(name.chars().take(100).collect()),
        created_at: Set(now),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    audit::append(
        &*txn,
        now,
        &Actor::of(actor),
        Change::created("api_token", t.id.to_string(), None, serde_json::json!({ "user": u.username, "name": t.name })),
    )
    .await?;
    txn.commit().await?;
    Ok(token)
}

pub async fn token_principal(store: &Store, token: &str) -> Result<Principal> {
    let hash = secret::token_hash(token);
    let key = format!("t:{hash}");
    if let Some(hit) = store.auth_cache().get(&key) {
        if hit.principal.must_change_password {
            return Err(CoreError::PasswordChangeRequired);
        }
        return Ok(hit.principal);
    }
    let t = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(store.db())
        .await?
        .ok_or(CoreError::NotFound)?;
    let p = principal(store, t.user_id).await?;
    store.auth_cache().put(key, CachedAuth { principal: p.clone(), csrf: None, expires_at: None });
    if p.must_change_password {
        return Err(CoreError::PasswordChangeRequired);
    }
    Ok(p)
}

/// Revoke a token by id: its owner or an admin. Someone else's token is
/// not found, as a token that does not exist (ids are not to be probed).
pub async fn revoke_token(store: &Store, who: &Principal, token_id: i64) -> Result<()> {
    let txn = store.begin_write().await?;
    let t = api_token::Entity::find_by_id(token_id)
        .one(&*txn)
        .await?
        .filter(|t| t.user_id == who.user_id || who.may(Permission::ManageUsers))
        .ok_or(CoreError::NotFound)?;
    if t.revoked_at.is_none() {
        let now = store.now();
        let mut am: api_token::ActiveModel = t.clone().into();
        am.revoked_at = Set(Some(now));
        am.update(&*txn).await?;
        audit::append(&*txn, now, &Actor::from(who), Change::event("revoke", "api_token", t.id.to_string(), None))
            .await?;
    }
    txn.commit().await?;
    store.auth_cache().invalidate_user(t.user_id);
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn my_tokens(store: &Store, who: &Principal) -> Result<Vec<TokenView>> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(who.user_id))
        .order_by_desc(api_token::Column::Id)
        .all(store.db())
        .await?
        .into_iter()
        .map(|t| TokenView { id: t.id, name: t.name, created_at: t.created_at, revoked_at: t.revoked_at })
        .collect())
}

/// Unit codes of a principal's unit grants, for display.
pub async fn grant_views(store: &Store, who: &Principal) -> Result<Vec<GrantView>> {
    let ids: Vec<i64> = who.grants.iter().filter_map(|g| g.unit_id).collect();
    let units: std::collections::HashMap<i64, String> = unit::Entity::find()
        .filter(unit::Column::Id.is_in(ids))
        .all(store.db())
        .await?
        .into_iter()
        .map(|u| (u.id, u.code))
        .collect();
    Ok(who
        .grants
        .iter()
        .map(|g| GrantView { role: g.role, unit: g.unit_id.and_then(|id| units.get(&id).cloned()) })
        .collect())
}

/// Give an account one more role (a person can hold roles in several units).
pub async fn grant_role(store: &Store, actor: Option<&Principal>, username: &str, grant: GrantInput) -> Result<()> {
    if let Some(p) = actor {
        p.require(Permission::ManageUsers)?;
    }
    let system = Principal::system("cli");
    let resolver = actor.unwrap_or(&system);
    let txn = store.begin_write().await?;
    let u = find_user(&*txn, username).await?;
    let unit = match (grant.role.is_unit_role(), grant.unit.as_deref().map(str::trim).filter(|s| !s.is_empty())) {
        (true, None) => return Err(CoreError::invalid("unit", "unit_required_for_role")),
        (true, Some(code)) => Some(resolve_code(&*txn, resolver, "unit", code).await?),
        (false, _) => None,
    };
    let unit_id = unit.as_ref().map(|u| u.id);
    let exists = role_grant::Entity::find()
        .filter(role_grant::Column::UserId.eq(u.id))
        .filter(role_grant::Column::Role.eq(grant.role.as_str()))
        .all(&*txn)
        .await?
        .into_iter()
        .any(|g| g.unit_id == unit_id);
    if exists {
        return Err(CoreError::Conflict("duplicate_grant"));
    }
    role_grant::ActiveModel {
        user_id: Set(u.id),
        role: Set(grant.role.as_str().to_owned()),
        unit_id: Set(unit_id),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    let after = serde_json::json!({ "role": grant.role, "unit": unit.as_ref().map(|u| u.code.clone()) });
    audit::append(
        &*txn,
        store.now(),
        &Actor::of(actor),
        Change::event("grant_role", "user", &u.username, unit_id).with_after(after),
    )
    .await?;
    txn.commit().await?;
    store.auth_cache().invalidate_user(u.id);
    Ok(())
}

/// Take a role away; an account keeps at least one.
pub async fn revoke_role(store: &Store, actor: &Principal, username: &str, grant: GrantInput) -> Result<()> {
    actor.require(Permission::ManageUsers)?;
    let txn = store.begin_write().await?;
    let u = find_user(&*txn, username).await?;
    let grants = role_grant::Entity::find().filter(role_grant::Column::UserId.eq(u.id)).all(&*txn).await?;
    // Global roles carry no unit, whatever the form sends.
    let unit_id = match grant.unit.as_deref().map(str::trim).filter(|s| !s.is_empty() && grant.role.is_unit_role()) {
        Some(code) => Some(
            unit::Entity::find().filter(unit::Column::Code.eq(code)).one(&*txn).await?.ok_or(CoreError::NotFound)?.id,
        ),
        None => None,
    };
    let target =
        grants.iter().find(|g| g.role == grant.role.as_str() && g.unit_id == unit_id).ok_or(CoreError::NotFound)?;
    if grants.len() <= 1 {
        return Err(CoreError::Conflict("last_role"));
    }
    if u.id == actor.user_id
        && grant.role == Role::Admin
        && !grants.iter().any(|g| g.role == "admin" && g.id != target.id)
    {
        return Err(CoreError::Conflict("own_admin_role"));
    }
    role_grant::Entity::delete_by_id(target.id).exec(&*txn).await?;
    let before = serde_json::json!({ "role": grant.role, "unit": grant.unit });
    let change = Change {
        action: "revoke_role",
        before: Some(before),
        ..Change::event("revoke_role", "user", &u.username, unit_id)
    };
    audit::append(&*txn, store.now(), &Actor::from(actor), change).await?;
    txn.commit().await?;
    store.auth_cache().invalidate_user(u.id);
    Ok(())
}

/// Disable or re-enable an account. A disabled account cannot sign in and its
/// sessions and tokens stop working at once; nothing of it is deleted.
pub async fn set_active(store: &Store, actor: &Principal, username: &str, active: bool) -> Result<()> {
    actor.require(Permission::ManageUsers)?;
    let txn = store.begin_write().await?;
    let u = find_user(&*txn, username).await?;
    if u.id == actor.user_id && !active {
        return Err(CoreError::Conflict("own_account"));
    }
    if u.active != active {
        let id = u.id;
        let name = u.username.clone();
        let mut am: user::ActiveModel = u.into();
        am.active = Set(active);
        am.update(&*txn).await?;
        if !active {
            end_everything(&*txn, id, store.now()).await?;
        }
        let change = Change::updated(
            "user",
            &name,
            None,
            serde_json::json!({ "active": !active }),
            serde_json::json!({ "active": active }),
        );
        audit::append(&*txn, store.now(), &Actor::from(actor), change).await?;
        txn.commit().await?;
        store.auth_cache().invalidate_user(id);
    }
    Ok(())
}

/// All accounts (admin page).
pub async fn list_users(store: &Store, who: &Principal) -> Result<Vec<UserView>> {
    who.require(Permission::ManageUsers)?;
    let now = store.now();
    let users = user::Entity::find().order_by_asc(user::Column::Username).all(store.db()).await?;
    let grants = role_grant::Entity::find().all(store.db()).await?;
    let units: std::collections::HashMap<i64, String> =
        unit::Entity::find().all(store.db()).await?.into_iter().map(|u| (u.id, u.code)).collect();
    Ok(users
        .into_iter()
        .map(|u| UserView {
            roles: grants
                .iter()
                .filter(|g| g.user_id == u.id)
                .filter_map(|g| {
                    Role::parse(&g.role)
                        .map(|role| GrantView { role, unit: g.unit_id.and_then(|id| units.get(&id).cloned()) })
                })
                .collect(),
            locked: u.locked_until.is_some_and(|t| t > now),
            second_factor: u.totp_enabled_at.is_some(),
            id: u.id,
            username: u.username,
            person_id: u.person_id,
            active: u.active,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn usernames() {
        assert!(valid_username("admin"));
        assert!(valid_username("wang.li-2"));
        assert!(!valid_username("Admin"));
        assert!(!valid_username("a"));
        assert!(!valid_username("1abc"));
        assert!(!valid_username("王力"));
    }

    #[test]
    fn lockout_after_five_failures_for_fifteen_minutes() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap();
        assert_eq!(decide_login(now, 0, None, true), LoginDecision::Accept);
        assert_eq!(decide_login(now, 3, None, false), LoginDecision::Reject { failed_logins: 4, locked_until: None });
        let until = now + Duration::minutes(15);
        assert_eq!(
            decide_login(now, 4, None, false),
            LoginDecision::Reject { failed_logins: 0, locked_until: Some(until) }
        );
        // While locked even the right password is refused.
        assert_eq!(decide_login(now + Duration::minutes(14), 0, Some(until), true), LoginDecision::Locked(until));
        // After the lock ends the account works again.
        assert_eq!(decide_login(now + Duration::minutes(15), 0, Some(until), true), LoginDecision::Accept);
    }
}
