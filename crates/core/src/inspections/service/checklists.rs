//! Checklists (检查表): each change is a new version; a campaign keeps the
//! version it was launched with. The platform ships the default
//! self-inspection checklist (`rules::default_checklist`).

use crate::inspections::entity::checklist;
use crate::inspections::rules::{self, ChecklistItem};
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::clean;
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::store::Store;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ChecklistView {
    pub id: i64,
    /// The name every version shares.
    pub family: String,
    pub version: i32,
    pub title: String,
    pub description: String,
    pub items: Vec<ChecklistItem>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistInput {
    /// The family this is a new version of (a new family when unknown).
    #[schema(min_length = 1, max_length = 40, pattern = "^[a-z0-9_]+$")]
    pub family: String,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: String,
    #[schema(min_items = 1, max_items = 300)]
    pub items: Vec<ChecklistItem>,
}

pub(crate) fn items_of(m: &checklist::Model) -> Vec<ChecklistItem> {
    serde_json::from_str(&m.items).unwrap_or_default()
}

pub(crate) fn view(m: checklist::Model) -> ChecklistView {
    ChecklistView {
        items: items_of(&m),
        id: m.id,
        family: m.family,
        version: m.version,
        title: m.title,
        description: m.description,
        created_by: m.created_by,
        created_at: m.created_at,
    }
}

/// Every version of every checklist, the newest version of each family first.
/// Everyone signed in may read them (units prepare with them).
pub async fn list(store: &Store) -> Result<Vec<ChecklistView>> {
    Ok(checklist::Entity::find()
        .order_by_asc(checklist::Column::Family)
        .order_by_desc(checklist::Column::Version)
        .all(store.db())
        .await?
        .into_iter()
        .map(view)
        .collect())
}

pub async fn get(store: &Store, id: i64) -> Result<ChecklistView> {
    checklist::Entity::find_by_id(id).one(store.db()).await?.map(view).ok_or(CoreError::NotFound)
}

/// The newest version of a family.
pub(crate) async fn newest<C: ConnectionTrait>(conn: &C, family: &str) -> Result<Option<checklist::Model>> {
    Ok(checklist::Entity::find()
        .filter(checklist::Column::Family.eq(family))
        .order_by_desc(checklist::Column::Version)
        .one(conn)
        .await?)
}

/// Save a new version of a checklist (the first, for a new family).
pub async fn create(store: &Store, who: &Principal, input: ChecklistInput) -> Result<ChecklistView> {
    who.require(Permission::ManageInspections)?;
    let mut errors = Vec::new();
    let family = input.family.trim().to_owned();
    if family.is_empty()
        || family.len() > 40
        || !family.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        errors.push(FieldError::new("family", "key_format"));
    }
    let title = clean(&input.title, 200).unwrap_or_else(|| {
        errors.push(FieldError::new("title", "too_long"));
        String::new()
    });
    if title.is_empty() && errors.iter().all(|e| e.field != "title") {
        errors.push(FieldError::new("title", "required"));
    }
    let description = clean(&input.description, 2000).unwrap_or_else(|| {
        errors.push(FieldError::new("description", "too_long"));
        String::new()
    });
    let items: Vec<ChecklistItem> = input
        .items
        .into_iter()
        .map(|i| ChecklistItem {
            key: i.key.trim().to_owned(),
            section: i.section.trim().to_owned(),
            question: i.question.trim().to_owned(),
            how_to_verify: i.how_to_verify.trim().to_owned(),
            evidence_required: i.evidence_required,
        })
        .collect();
    for (field, problem) in rules::check_items(&items) {
        errors.push(FieldError::new(&field, problem));
    }
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let txn = store.begin_write().await?;
    let id = insert(&*txn, store.now(), who, &family, &title, &description, &items).await?;
    txn.commit().await?;
    get(store, id).await
}

async fn insert<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    who: &Principal,
    family: &str,
    title: &str,
    description: &str,
    items: &[ChecklistItem],
) -> Result<i64> {
    let version = newest(conn, family).await?.map_or(1, |c| c.version + 1);
    let m = checklist::ActiveModel {
        family: Set(family.to_owned()),
        version: Set(version),
        title: Set(title.to_owned()),
        description: Set(description.to_owned()),
        items: Set(serde_json::to_string(items).map_err(|e| CoreError::Internal(e.to_string()))?),
        created_by: Set(who.username.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let change = Change::created(
        "checklist",
        m.id,
        None,
        json!({"family": family, "version": version, "title": title, "items": items.len()}),
    );
    audit::append(conn, now, &Actor::from(who), change).await?;
    Ok(m.id)
}

/// Install the default self-inspection checklist when none is there (at start).
pub async fn ensure_default(store: &Store) -> Result<bool> {
    if newest(store.db(), rules::DEFAULT_FAMILY).await?.is_some() {
        return Ok(false);
    }
    let txn = store.begin_write().await?;
    if newest(&*txn, rules::DEFAULT_FAMILY).await?.is_some() {
        return Ok(false);
    }
    let who = Principal::system("system");
    insert(
        &*txn,
        store.now(),
        &who,
        rules::DEFAULT_FAMILY,
        "网络与信息安全自查表",
        "依据学校《关于进一步加强网络与信息安全管理的通知》编制，逐系统（网站）填写。",
        &rules::default_checklist(),
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}
