//! Recurring campaigns (the yearly self-inspection every March, the checks
//! before 国庆 and 春节): a schedule launches a campaign for every unit with
//! the newest version of its checklist on its day.

use crate::inspections::entity::campaign_schedule;
use crate::inspections::rules::Recurrence;
use crate::inspections::service::checklists;
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::clean;
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::store::Store;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ScheduleView {
    pub id: i64,
    pub title: String,
    pub checklist_family: String,
    /// `yearly:MM-DD`, `before:national_day:N` or `before:spring_festival:N`.
    pub rule: String,
    pub due_days: i32,
    pub active: bool,
    pub last_launched_on: Option<NaiveDate>,
    /// The next launch day (this year's or next year's).
    pub next_launch_on: Option<NaiveDate>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// The checklist family (its newest version is used at each launch).
    #[schema(min_length = 1, max_length = 40)]
    pub checklist_family: String,
    #[schema(
        min_length = 1,
        max_length = 40,
        pattern = "^(yearly:[0-9]{2}-[0-9]{2}|before:(national_day|spring_festival):[0-9]{1,2})$"
    )]
    pub rule: String,
    /// Days from launch to the due date (1–90).
    #[schema(minimum = 1, maximum = 90)]
    pub due_days: i32,
}

fn view(m: campaign_schedule::Model, today: NaiveDate) -> ScheduleView {
    let next = Recurrence::parse(&m.rule).and_then(|r| {
        use chrono::Datelike;
        [today.year(), today.year() + 1]
            .into_iter()
            .filter_map(|y| r.launch_on(y))
            .find(|d| *d >= today && m.last_launched_on.is_none_or(|l| l < *d))
    });
    ScheduleView {
        id: m.id,
        title: m.title,
        checklist_family: m.checklist_family,
        rule: m.rule,
        due_days: m.due_days,
        active: m.active,
        last_launched_on: m.last_launched_on,
        next_launch_on: next,
        created_by: m.created_by,
        created_at: m.created_at,
    }
}

fn today(store: &Store) -> NaiveDate {
    store.now().with_timezone(&store.notice_policy().time_zone).date_naive()
}

pub async fn list(store: &Store, who: &Principal) -> Result<Vec<ScheduleView>> {
    who.require(Permission::ManageInspections)?;
    let today = today(store);
    Ok(campaign_schedule::Entity::find()
        .order_by_asc(campaign_schedule::Column::Id)
        .all(store.db())
        .await?
        .into_iter()
        .map(|m| view(m, today))
        .collect())
}

pub async fn create(store: &Store, who: &Principal, input: ScheduleInput) -> Result<ScheduleView> {
    who.require(Permission::ManageInspections)?;
    let mut errors = Vec::new();
    let title = clean(&input.title, 200).unwrap_or_default();
    if title.is_empty() {
        errors.push(FieldError::new("title", "required"));
    }
    if Recurrence::parse(&input.rule).is_none() {
        errors.push(FieldError::new("rule", "recurrence_format"));
    }
    if !(1..=90).contains(&input.due_days) {
        errors.push(FieldError::new("due_days", "out_of_range"));
    }
    let family = input.checklist_family.trim().to_owned();
    if checklists::newest(store.db(), &family).await?.is_none() {
        errors.push(FieldError::new("checklist_family", "unknown_checklist"));
    }
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let txn = store.begin_write().await?;
    let now = store.now();
    let m = campaign_schedule::ActiveModel {
        title: Set(title.clone()),
        checklist_family: Set(family.clone()),
        rule: Set(input.rule.trim().to_owned()),
        due_days: Set(input.due_days),
        active: Set(true),
        last_launched_on: Set(None),
        created_by: Set(who.username.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    let change = Change::created(
        "campaign_schedule",
        m.id,
        None,
        json!({"title": title, "checklist_family": family, "rule": m.rule, "due_days": m.due_days}),
    );
    audit::append(&*txn, now, &Actor::from(who), change).await?;
    txn.commit().await?;
    Ok(view(m, today(store)))
}

/// Pause or resume a schedule.
pub async fn set_active(store: &Store, who: &Principal, id: i64, active: bool) -> Result<ScheduleView> {
    who.require(Permission::ManageInspections)?;
    let txn = store.begin_write().await?;
    let m = campaign_schedule::Entity::find_by_id(id).one(&*txn).await?.ok_or(CoreError::NotFound)?;
    let before = m.active;
    let mut am: campaign_schedule::ActiveModel = m.into();
    am.active = Set(active);
    let m = am.update(&*txn).await?;
    let change = Change::updated("campaign_schedule", id, None, json!({"active": before}), json!({"active": active}));
    audit::append(&*txn, store.now(), &Actor::from(who), change).await?;
    txn.commit().await?;
    Ok(view(m, today(store)))
}

/// Launch every schedule whose day has come (once per occurrence). Returns the campaigns launched.
pub async fn launch_due(store: &Store) -> Result<Vec<i64>> {
    let today = today(store);
    let who = Principal::system("schedule");
    let mut launched = Vec::new();
    let schedules = campaign_schedule::Entity::find()
        .filter(campaign_schedule::Column::Active.eq(true))
        .order_by_asc(campaign_schedule::Column::Id)
        .all(store.db())
        .await?;
    for s in schedules {
        let Some(rule) = Recurrence::parse(&s.rule) else { continue };
        let Some(day) = rule.due_launch(today, s.last_launched_on) else { continue };
        let txn = store.begin_write().await?;
        // Another node may have launched it meanwhile.
        let fresh = campaign_schedule::Entity::find_by_id(s.id).one(&*txn).await?.ok_or(CoreError::NotFound)?;
        if fresh.last_launched_on.is_some_and(|l| l >= day) {
            continue;
        }
        let Some(list) = checklists::newest(&*txn, &s.checklist_family).await? else { continue };
        let input = crate::inspections::service::campaigns::LaunchInput {
            title: format!("{}（{}）", s.title, day.format("%Y")),
            checklist_id: list.id,
            due_on: day + chrono::Duration::days(i64::from(s.due_days.max(1))),
            units: Vec::new(),
            systems: Vec::new(),
        };
        let id = crate::inspections::service::campaigns::launch_in(store, &*txn, &who, input, Some(s.id)).await?;
        let mut am: campaign_schedule::ActiveModel = fresh.into();
        am.last_launched_on = Set(Some(day));
        am.update(&*txn).await?;
        txn.commit().await?;
        launched.push(id);
    }
    Ok(launched)
}
