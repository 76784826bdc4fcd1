//! Campaigns (检查工作): launched by the center with a checklist version and
//! a due date; each targeted unit answers item by item per system, submits,
//! and its head approves or sends back; the center verifies on site and may
//! contradict an answer; a failed item can open a notice.

use crate::directory::entity::unit;
use crate::inspections::entity::{campaign, campaign_unit, checklist, inspection_answer};
use crate::inspections::rules::{self, Answer, AnswerFacts, CampaignState, ChecklistItem, SubmissionState};
use crate::inspections::service::checklists;
use crate::inspections::service::texts::{CampaignEvent, message};
use crate::notify::Audience;
use crate::notify::service::Outbox;
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::{check_choice, clean, scope_condition};
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::page::{Page, PageRequest};
use crate::platform::store::Store;
use crate::platform::uploads::{self, AttachmentView, Upload};
use crate::registry::Stage;
use crate::registry::entity::system;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

/// Stages whose systems a campaign covers by default (built and not closed).
const INSPECTED: [Stage; 4] = [Stage::Building, Stage::Online, Stage::Offline, Stage::Shutdown];

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LaunchInput {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// The checklist version to use.
    pub checklist_id: i64,
    /// The last day to finish (approved by the unit's head).
    pub due_on: NaiveDate,
    /// Units' codes; empty: every unit (or the units of the chosen systems).
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub units: Vec<String>,
    /// Systems' ids; empty: every system of the targeted units in use.
    #[serde(default)]
    #[schema(max_items = 5000)]
    pub systems: Vec<i64>,
}

/// A campaign with its progress.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct CampaignView {
    pub id: i64,
    pub title: String,
    pub checklist_id: i64,
    pub checklist_title: String,
    pub checklist_version: i32,
    pub due_on: NaiveDate,
    pub state: CampaignState,
    /// The schedule that launched it, if any.
    pub schedule_id: Option<i64>,
    pub launched_by: String,
    pub launched_at: DateTime<Utc>,
    /// Targeted units (in the caller's scope).
    pub units: u32,
    pub submitted: u32,
    pub approved: u32,
}

/// One unit's progress in a campaign.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct UnitProgress {
    pub unit: String,
    pub unit_name: String,
    pub state: SubmissionState,
    pub systems: u32,
    /// Answers expected (systems × items) and given.
    pub expected: u32,
    pub answered: u32,
    pub failed: u32,
    /// Answers the on-site verification contradicted.
    pub contradicted: u32,
    pub submitted_by: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub approved_by: String,
    pub approved_at: Option<DateTime<Utc>>,
    pub note: String,
    /// The due date passed before approval.
    pub missed: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct CampaignDetail {
    pub campaign: CampaignView,
    pub items: Vec<ChecklistItem>,
    pub progress: Vec<UnitProgress>,
    /// The caller may close it, verify on site and open notices.
    pub may_manage: bool,
}

/// One answer, with the on-site verification.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct AnswerView {
    pub id: i64,
    pub item_key: String,
    pub answer: Answer,
    pub comment: String,
    pub evidence: Vec<AttachmentView>,
    pub answered_by: String,
    pub answered_at: DateTime<Utc>,
    pub verified_answer: Option<Answer>,
    pub verified_comment: String,
    pub verified_by: String,
    pub verified_at: Option<DateTime<Utc>>,
    /// The on-site verification differs from the unit's answer.
    pub contradicted: bool,
    pub notice_id: Option<i64>,
}

/// One system of a unit's part, with its answers.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct SystemAnswers {
    pub system_id: i64,
    pub system_name: String,
    pub answers: Vec<AnswerView>,
    /// What still stands in the way of submitting: (item key, problem).
    pub incomplete: Vec<(String, String)>,
}

/// A unit's part of a campaign: what it answers and what it may do.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct UnitPart {
    pub campaign: CampaignView,
    pub items: Vec<ChecklistItem>,
    pub progress: UnitProgress,
    pub systems: Vec<SystemAnswers>,
    pub may_answer: bool,
    pub may_submit: bool,
    pub may_approve: bool,
    pub may_verify: bool,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    #[schema(min_length = 1, max_length = 20)]
    pub item: String,
    #[schema(value_type = Answer)]
    pub answer: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub comment: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponsesInput {
    pub system_id: i64,
    #[schema(min_items = 1, max_items = 300)]
    pub answers: Vec<AnswerInput>,
    /// Evidence files by item key (from a page's upload; the JSON API sends none).
    #[serde(skip)]
    #[schema(ignore)]
    pub evidence: Vec<(String, Upload)>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitInput {
    #[schema(min_length = 1, max_length = 32)]
    pub unit: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyInput {
    pub system_id: i64,
    #[schema(min_length = 1, max_length = 20)]
    pub item: String,
    /// What the center found on site.
    #[schema(value_type = Answer)]
    pub answer: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub comment: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingNoticeInput {
    /// The notice's severity (sets the rectification deadline).
    #[schema(value_type = crate::notices::Severity)]
    pub severity: String,
}

fn local_today(store: &Store) -> NaiveDate {
    store.now().with_timezone(&store.notice_policy().time_zone).date_naive()
}

/// Campaign ids the principal may see (unit roles: those targeting their units).
async fn visible<C: ConnectionTrait>(conn: &C, who: &Principal, id: i64) -> Result<campaign::Model> {
    let c = campaign::Entity::find_by_id(id).one(conn).await?.ok_or(CoreError::NotFound)?;
    crate::platform::common::require_targets_in_scope::<_, campaign_unit::Entity>(
        conn,
        who,
        campaign_unit::Column::CampaignId,
        id,
        campaign_unit::Column::UnitId,
    )
    .await?;
    Ok(c)
}

async fn views<C: ConnectionTrait>(conn: &C, who: &Principal, rows: Vec<campaign::Model>) -> Result<Vec<CampaignView>> {
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let lists: HashMap<i64, checklist::Model> = checklist::Entity::find()
        .filter(checklist::Column::Id.is_in(rows.iter().map(|c| c.checklist_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut tally: HashMap<i64, (u32, u32, u32)> = HashMap::new();
    for (cid, state) in campaign_unit::Entity::find()
        .select_only()
        .columns([campaign_unit::Column::CampaignId, campaign_unit::Column::State])
        .filter(campaign_unit::Column::CampaignId.is_in(ids))
        .filter(scope_condition(&who.scope(), campaign_unit::Column::UnitId))
        .into_tuple::<(i64, SubmissionState)>()
        .all(conn)
        .await?
    {
        let t = tally.entry(cid).or_default();
        t.0 += 1;
        if state != SubmissionState::Open {
            t.1 += 1;
        }
        if state == SubmissionState::Approved {
            t.2 += 1;
        }
    }
    Ok(rows
        .into_iter()
        .map(|c| {
            let list = lists.get(&c.checklist_id);
            let (units, submitted, approved) = tally.get(&c.id).copied().unwrap_or_default();
            CampaignView {
                checklist_title: list.map(|l| l.title.clone()).unwrap_or_default(),
                checklist_version: list.map_or(0, |l| l.version),
                id: c.id,
                title: c.title,
                checklist_id: c.checklist_id,
                due_on: c.due_on,
                state: c.state,
                schedule_id: c.schedule_id,
                launched_by: c.launched_by,
                launched_at: c.launched_at,
                units,
                submitted,
                approved,
            }
        })
        .collect())
}

/// Campaigns the caller sees, newest first.
pub async fn list(store: &Store, who: &Principal, page: PageRequest) -> Result<Page<CampaignView>> {
    let conn = store.db();
    let mut q = campaign::Entity::find();
    if who.scope() != crate::Scope::All {
        let ids: Vec<i64> = campaign_unit::Entity::find()
            .select_only()
            .column(campaign_unit::Column::CampaignId)
            .filter(scope_condition(&who.scope(), campaign_unit::Column::UnitId))
            .into_tuple::<i64>()
            .all(conn)
            .await?;
        q = q.filter(campaign::Column::Id.is_in(ids));
    }
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_desc(campaign::Column::LaunchedAt)
        .order_by_desc(campaign::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?;
    Ok(Page { items: views(conn, who, rows).await?, total, page: page.page(), per_page: page.per_page() })
}

fn system_ids(c: &campaign::Model) -> Vec<i64> {
    c.systems.lines().filter_map(|l| l.trim().parse().ok()).collect()
}

/// The systems a campaign covers in the given units: (id, unit, name).
async fn covered<C: ConnectionTrait>(conn: &C, c: &campaign::Model, units: &[i64]) -> Result<Vec<(i64, i64, String)>> {
    let mut q = system::Entity::find()
        .select_only()
        .columns([system::Column::Id, system::Column::UnitId, system::Column::Name])
        .filter(system::Column::UnitId.is_in(units.to_vec()));
    let chosen = system_ids(c);
    q = if chosen.is_empty() {
        q.filter(system::Column::Stage.is_in(INSPECTED))
    } else {
        q.filter(system::Column::Id.is_in(chosen))
    };
    Ok(q.order_by_asc(system::Column::Id).into_tuple::<(i64, i64, String)>().all(conn).await?)
}

async fn progress<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    c: &campaign::Model,
    items: usize,
    only_unit: Option<i64>,
    today: NaiveDate,
) -> Result<Vec<UnitProgress>> {
    let mut q = campaign_unit::Entity::find()
        .filter(campaign_unit::Column::CampaignId.eq(c.id))
        .filter(scope_condition(&who.scope(), campaign_unit::Column::UnitId));
    if let Some(u) = only_unit {
        q = q.filter(campaign_unit::Column::UnitId.eq(u));
    }
    let parts = q.all(conn).await?;
    let unit_ids: Vec<i64> = parts.iter().map(|p| p.unit_id).collect();
    let units = crate::directory::service::units::by_ids(conn, unit_ids.iter().copied()).await?;
    let mut systems: HashMap<i64, u32> = HashMap::new();
    for (_, u, _) in covered(conn, c, &unit_ids).await? {
        *systems.entry(u).or_default() += 1;
    }
    let mut answered: HashMap<i64, (u32, u32, u32)> = HashMap::new();
    for (u, answer, verified) in inspection_answer::Entity::find()
        .select_only()
        .columns([
            inspection_answer::Column::UnitId,
            inspection_answer::Column::Answer,
            inspection_answer::Column::VerifiedAnswer,
        ])
        .filter(inspection_answer::Column::CampaignId.eq(c.id))
        .filter(inspection_answer::Column::UnitId.is_in(unit_ids.clone()))
        .into_tuple::<(i64, Answer, Option<Answer>)>()
        .all(conn)
        .await?
    {
        let t = answered.entry(u).or_default();
        t.0 += 1;
        if answer == Answer::Fail || verified == Some(Answer::Fail) {
            t.1 += 1;
        }
        if verified.is_some_and(|v| rules::contradicts(answer, v)) {
            t.2 += 1;
        }
    }
    let mut out: Vec<UnitProgress> = parts
        .into_iter()
        .map(|p| {
            let unit = units.get(&p.unit_id);
            let n = systems.get(&p.unit_id).copied().unwrap_or(0);
            let (a, f, x) = answered.get(&p.unit_id).copied().unwrap_or_default();
            UnitProgress {
                unit: unit.map(|u| u.code.clone()).unwrap_or_default(),
                unit_name: unit.map(|u| u.name.clone()).unwrap_or_default(),
                state: p.state,
                systems: n,
                expected: n * u32::try_from(items).unwrap_or(0),
                answered: a,
                failed: f,
                contradicted: x,
                submitted_by: p.submitted_by,
                submitted_at: p.submitted_at,
                approved_by: p.approved_by,
                approved_at: p.approved_at,
                note: p.note,
                missed: p.missed || rules::missed(today, c.due_on, p.state),
            }
        })
        .collect();
    out.sort_by(|a, b| a.unit.cmp(&b.unit));
    Ok(out)
}

async fn items_of<C: ConnectionTrait>(conn: &C, c: &campaign::Model) -> Result<Vec<ChecklistItem>> {
    let list = checklist::Entity::find_by_id(c.checklist_id).one(conn).await?.ok_or(CoreError::NotFound)?;
    Ok(checklists::items_of(&list))
}

pub async fn get(store: &Store, who: &Principal, id: i64) -> Result<CampaignDetail> {
    let conn = store.db();
    let c = visible(conn, who, id).await?;
    let items = items_of(conn, &c).await?;
    let progress = progress(conn, who, &c, items.len(), None, local_today(store)).await?;
    let campaign = views(conn, who, vec![c]).await?.into_iter().next().ok_or(CoreError::NotFound)?;
    Ok(CampaignDetail { campaign, items, progress, may_manage: who.may(Permission::ManageInspections) })
}

/// Launch a campaign: the units (and systems) it targets are told.
pub async fn launch(store: &Store, who: &Principal, input: LaunchInput) -> Result<CampaignDetail> {
    who.require(Permission::ManageInspections)?;
    let txn = store.begin_write().await?;
    let id = launch_in(store, &*txn, who, input, None).await?;
    txn.commit().await?;
    get(store, who, id).await
}

pub(crate) async fn launch_in<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    who: &Principal,
    input: LaunchInput,
    schedule_id: Option<i64>,
) -> Result<i64> {
    let mut errors = Vec::new();
    let title = clean(&input.title, 200).unwrap_or_else(|| {
        errors.push(FieldError::new("title", "too_long"));
        String::new()
    });
    if title.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("title", "required"));
    }
    let today = local_today(store);
    if input.due_on < today {
        errors.push(FieldError::new("due_on", "date_in_past"));
    }
    let list = checklist::Entity::find_by_id(input.checklist_id).one(conn).await?;
    if list.is_none() {
        errors.push(FieldError::new("checklist_id", "unknown_checklist"));
    }
    // Targeted units: those named, or those of the chosen systems, or every unit.
    let mut unit_ids: Vec<i64> = Vec::new();
    for code in &input.units {
        match unit::Entity::find().filter(unit::Column::Code.eq(code.trim())).one(conn).await? {
            Some(u) => unit_ids.push(u.id),
            None => {
                errors.push(FieldError::new("units", "unknown_unit"));
                break;
            }
        }
    }
    let mut chosen = input.systems.clone();
    chosen.sort_unstable();
    chosen.dedup();
    if !chosen.is_empty() {
        let found: Vec<(i64, i64)> = system::Entity::find()
            .select_only()
            .columns([system::Column::Id, system::Column::UnitId])
            .filter(system::Column::Id.is_in(chosen.clone()))
            .into_tuple()
            .all(conn)
            .await?;
        if found.len() != chosen.len() {
            errors.push(FieldError::new("systems", "unknown_system"));
        }
        if input.units.is_empty() {
            unit_ids.extend(found.iter().map(|(_, u)| *u));
        } else if found.iter().any(|(_, u)| !unit_ids.contains(u)) {
            errors.push(FieldError::new("systems", "system_outside_units"));
        }
    }
    if input.units.is_empty() && chosen.is_empty() {
        unit_ids = unit::Entity::find().select_only().column(unit::Column::Id).into_tuple::<i64>().all(conn).await?;
    }
    unit_ids.sort_unstable();
    unit_ids.dedup();
    if unit_ids.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("units", "required"));
    }
    let (Some(list), true) = (list, errors.is_empty()) else {
        return Err(CoreError::Invalid(errors));
    };
    let now = store.now();
    let c = campaign::ActiveModel {
        title: Set(title.clone()),
        checklist_id: Set(list.id),
        due_on: Set(input.due_on),
        state: Set(CampaignState::Running),
        systems: Set(chosen.iter().map(|i| i.to_string()).collect::<Vec<_>>().join("\n")),
        schedule_id: Set(schedule_id),
        launched_by: Set(who.username.clone()),
        launched_at: Set(now),
        closed_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let parts: Vec<campaign_unit::ActiveModel> = unit_ids
        .iter()
        .map(|u| campaign_unit::ActiveModel {
            campaign_id: Set(c.id),
            unit_id: Set(*u),
            state: Set(SubmissionState::Open),
            submitted_by: Set(String::new()),
            submitted_at: Set(None),
            approved_by: Set(String::new()),
            approved_at: Set(None),
            note: Set(String::new()),
            reminded_on: Set(None),
            missed: Set(false),
            ..Default::default()
        })
        .collect();
    for chunk in parts.chunks(200) {
        campaign_unit::Entity::insert_many(chunk.to_vec()).exec_without_returning(conn).await?;
    }
    let units = crate::directory::service::units::by_ids(conn, unit_ids.iter().copied()).await?;
    let mut outbox = Outbox::digest();
    for u in &unit_ids {
        let name = units.get(u).map(|u| u.name.as_str()).unwrap_or_default();
        let msg = message(CampaignEvent::Launched, c.id, &title, name, input.due_on, "");
        outbox.add(conn, now, Some(*u), &[Audience::Direct, Audience::Main, Audience::Unit], &msg).await?;
    }
    outbox.flush(conn).await?;
    let change = Change::created(
        "campaign",
        c.id,
        None,
        json!({"title": title, "checklist_id": list.id, "checklist_version": list.version, "due_on": input.due_on,
            "units": unit_ids.len(), "systems": chosen, "schedule_id": schedule_id}),
    )
    .with_action("launch");
    audit::append(conn, now, &Actor::from(who), change).await?;
    Ok(c.id)
}

/// Close a campaign: no more answers (the officer, after its due date or to stop it).
pub async fn close(store: &Store, who: &Principal, id: i64) -> Result<CampaignDetail> {
    visible(store.db(), who, id).await?;
    who.require(Permission::ManageInspections)?;
    let txn = store.begin_write().await?;
    let c = visible(&*txn, who, id).await?;
    if c.state == CampaignState::Closed {
        return Err(CoreError::Conflict("campaign_closed"));
    }
    let now = store.now();
    let mut am: campaign::ActiveModel = c.into();
    am.state = Set(CampaignState::Closed);
    am.closed_at = Set(Some(now));
    am.update(&*txn).await?;
    let change = Change::updated(
        "campaign",
        id,
        None,
        json!({"state": CampaignState::Running}),
        json!({"state": CampaignState::Closed}),
    )
    .with_action("close");
    audit::append(&*txn, now, &Actor::from(who), change).await?;
    txn.commit().await?;
    get(store, who, id).await
}

async fn part_of<C: ConnectionTrait>(conn: &C, campaign_id: i64, unit_id: i64) -> Result<campaign_unit::Model> {
    campaign_unit::Entity::find()
        .filter(campaign_unit::Column::CampaignId.eq(campaign_id))
        .filter(campaign_unit::Column::UnitId.eq(unit_id))
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound)
}

fn evidence_ids(text: &str) -> Vec<i64> {
    text.lines().filter_map(|l| l.trim().parse().ok()).collect()
}

/// A unit's part: its systems and their answers.
pub async fn unit_part(store: &Store, who: &Principal, id: i64, unit_code: &str) -> Result<UnitPart> {
    let conn = store.db();
    let c = visible(conn, who, id).await?;
    let u = crate::directory::service::units::find_visible(conn, who, unit_code).await?;
    let part = part_of(conn, id, u.id).await?;
    let items = items_of(conn, &c).await?;
    let progress = progress(conn, who, &c, items.len(), Some(u.id), local_today(store))
        .await?
        .into_iter()
        .next()
        .ok_or(CoreError::NotFound)?;
    let systems = covered(conn, &c, &[u.id]).await?;
    let answers = inspection_answer::Entity::find()
        .filter(inspection_answer::Column::CampaignId.eq(id))
        .filter(inspection_answer::Column::UnitId.eq(u.id))
        .order_by_asc(inspection_answer::Column::Id)
        .all(conn)
        .await?;
    let all_evidence: Vec<i64> = answers.iter().flat_map(|a| evidence_ids(&a.evidence)).collect();
    let files: HashMap<i64, AttachmentView> =
        uploads::views(conn, all_evidence).await?.into_iter().map(|v| (v.id, v)).collect();
    let mut by_system: HashMap<i64, Vec<inspection_answer::Model>> = HashMap::new();
    for a in answers {
        by_system.entry(a.system_id).or_default().push(a);
    }
    let mut out = Vec::new();
    for (sid, _, name) in systems {
        let rows = by_system.remove(&sid).unwrap_or_default();
        let facts: Vec<AnswerFacts> = rows
            .iter()
            .map(|a| AnswerFacts {
                item_key: a.item_key.clone(),
                answer: a.answer,
                comment_given: !a.comment.trim().is_empty(),
                evidence_given: !a.evidence.trim().is_empty(),
            })
            .collect();
        let incomplete = rules::incomplete(&items, &facts).into_iter().map(|(k, p)| (k, p.to_owned())).collect();
        let answers = rows
            .into_iter()
            .map(|a| AnswerView {
                evidence: evidence_ids(&a.evidence).iter().filter_map(|i| files.get(i).cloned()).collect(),
                contradicted: a.verified_answer.is_some_and(|v| rules::contradicts(a.answer, v)),
                id: a.id,
                item_key: a.item_key,
                answer: a.answer,
                comment: a.comment,
                answered_by: a.answered_by,
                answered_at: a.answered_at,
                verified_answer: a.verified_answer,
                verified_comment: a.verified_comment,
                verified_by: a.verified_by,
                verified_at: a.verified_at,
                notice_id: a.notice_id,
            })
            .collect();
        out.push(SystemAnswers { system_id: sid, system_name: name, answers, incomplete });
    }
    let running = c.state == CampaignState::Running;
    let may_answer = running && part.state == SubmissionState::Open && who.may(Permission::AnswerInspection(u.id));
    let may_submit = may_answer && !out.is_empty() && out.iter().all(|s| s.incomplete.is_empty());
    let may_approve =
        running && part.state == SubmissionState::Submitted && who.may(Permission::ApproveInspection(u.id));
    let may_verify = who.may(Permission::ManageInspections);
    let campaign = views(conn, who, vec![c]).await?.into_iter().next().ok_or(CoreError::NotFound)?;
    Ok(UnitPart { campaign, items, progress, systems: out, may_answer, may_submit, may_approve, may_verify })
}

/// Save a unit's answers for one system (any subset of the items; files added to the evidence).
pub async fn answer(store: &Store, who: &Principal, id: i64, input: ResponsesInput) -> Result<UnitPart> {
    let conn = store.db();
    let c = visible(conn, who, id).await?;
    let s = system::Entity::find_by_id(input.system_id).one(conn).await?;
    let Some(s) = s.filter(|s| who.scope().allows(s.unit_id)) else {
        return Err(CoreError::invalid("system_id", "unknown_system"));
    };
    who.require(Permission::AnswerInspection(s.unit_id))?;
    let items = items_of(conn, &c).await?;
    let mut errors = Vec::new();
    let mut answers: Vec<(String, Answer, String)> = Vec::new();
    for (i, a) in input.answers.iter().enumerate() {
        let key = a.item.trim();
        if !items.iter().any(|it| it.key == key) {
            errors.push(FieldError::new(&format!("answers[{i}].item"), "unknown_item"));
            continue;
        }
        let Some(answer) = check_choice::<Answer>(&mut errors, &format!("answers[{i}].answer"), &a.answer) else {
            continue;
        };
        let Some(comment) = clean(&a.comment, 2000) else {
            errors.push(FieldError::new(&format!("answers[{i}].comment"), "too_long"));
            continue;
        };
        answers.retain(|(k, _, _)| k != key);
        answers.push((key.to_owned(), answer, comment));
    }
    let mut files = Vec::new();
    for (key, up) in &input.evidence {
        if !items.iter().any(|it| &it.key == key) {
            errors.push(FieldError::new("evidence", "unknown_item"));
            continue;
        }
        if let Some((up, ct)) = uploads::check(&format!("evidence:{key}"), up, &mut errors) {
            files.push((key.clone(), up, ct));
        }
    }
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let txn = store.begin_write().await?;
    let c = visible(&*txn, who, id).await?;
    if c.state != CampaignState::Running {
        return Err(CoreError::Conflict("campaign_closed"));
    }
    let part = part_of(&*txn, id, s.unit_id).await?;
    if part.state != SubmissionState::Open {
        return Err(CoreError::Conflict("submission_locked"));
    }
    if !covered(&*txn, &c, &[s.unit_id]).await?.iter().any(|(sid, _, _)| *sid == s.id) {
        return Err(CoreError::invalid("system_id", "system_not_in_campaign"));
    }
    let now = store.now();
    let mut new_files: HashMap<String, Vec<i64>> = HashMap::new();
    for (key, up, ct) in files {
        let aid = uploads::save(store, &*txn, who, up, ct).await?;
        new_files.entry(key).or_default().push(aid);
    }
    let existing: HashMap<String, inspection_answer::Model> = inspection_answer::Entity::find()
        .filter(inspection_answer::Column::CampaignId.eq(id))
        .filter(inspection_answer::Column::SystemId.eq(s.id))
        .all(&*txn)
        .await?
        .into_iter()
        .map(|a| (a.item_key.clone(), a))
        .collect();
    // Items with only a new file keep their answer; those with neither are untouched.
    let mut keys: Vec<String> = answers.iter().map(|(k, _, _)| k.clone()).collect();
    keys.extend(new_files.keys().filter(|k| !keys.contains(k)).cloned().collect::<Vec<_>>());
    let mut changed = Vec::new();
    for key in keys {
        let given = answers.iter().find(|(k, _, _)| *k == key);
        let added = new_files.remove(&key).unwrap_or_default();
        match existing.get(&key) {
            Some(old) => {
                let mut evidence = evidence_ids(&old.evidence);
                evidence.extend(added.iter().filter(|a| !evidence.contains(a)).copied().collect::<Vec<_>>());
                let (answer, comment) = given.map_or((old.answer, old.comment.clone()), |(_, a, c)| (*a, c.clone()));
                if answer == old.answer && comment == old.comment && evidence == evidence_ids(&old.evidence) {
                    continue;
                }
                let mut am: inspection_answer::ActiveModel = old.clone().into();
                am.answer = Set(answer);
                am.comment = Set(comment.clone());
                am.evidence = Set(evidence.iter().map(|i| i.to_string()).collect::<Vec<_>>().join("\n"));
                am.answered_by = Set(who.username.clone());
                am.answered_at = Set(now);
                am.update(&*txn).await?;
                changed.push(json!({"item": key, "answer": answer, "comment": comment, "evidence": evidence}));
            }
            None => {
                let Some((_, answer, comment)) = given else {
                    // A file for an item not answered yet: it needs an answer first.
                    return Err(CoreError::invalid(&format!("evidence:{key}"), "answer_first"));
                };
                inspection_answer::ActiveModel {
                    campaign_id: Set(id),
                    unit_id: Set(s.unit_id),
                    system_id: Set(s.id),
                    item_key: Set(key.clone()),
                    answer: Set(*answer),
                    comment: Set(comment.clone()),
                    evidence: Set(added.iter().map(|i| i.to_string()).collect::<Vec<_>>().join("\n")),
                    answered_by: Set(who.username.clone()),
                    answered_at: Set(now),
                    verified_answer: Set(None),
                    verified_comment: Set(String::new()),
                    verified_by: Set(String::new()),
                    verified_at: Set(None),
                    notice_id: Set(None),
                    ..Default::default()
                }
                .insert(&*txn)
                .await?;
                changed.push(json!({"item": key, "answer": answer, "comment": comment, "evidence": added}));
            }
        }
    }
    if !changed.is_empty() {
        let change =
            Change::updated("campaign", id, Some(s.unit_id), json!({}), json!({"system_id": s.id, "answers": changed}))
                .with_action("answer");
        audit::append(&*txn, now, &Actor::from(who), change).await?;
    }
    txn.commit().await?;
    let code = unit::Entity::find_by_id(s.unit_id).one(conn).await?.map(|u| u.code).unwrap_or_default();
    unit_part(store, who, id, &code).await
}

/// Submit a unit's answers for its head's approval (every system complete).
pub async fn submit(store: &Store, who: &Principal, id: i64, input: SubmitInput) -> Result<UnitPart> {
    let conn = store.db();
    visible(conn, who, id).await?;
    let u = crate::directory::service::units::find_visible(conn, who, input.unit.trim()).await?;
    who.require(Permission::AnswerInspection(u.id))?;
    let note = clean(&input.note, 2000).ok_or_else(|| CoreError::invalid("note", "too_long"))?;
    let part_now = unit_part(store, who, id, &u.code).await?;
    if part_now.campaign.state != CampaignState::Running {
        return Err(CoreError::Conflict("campaign_closed"));
    }
    if part_now.progress.state != SubmissionState::Open {
        return Err(CoreError::Conflict("submission_locked"));
    }
    if part_now.systems.is_empty() {
        return Err(CoreError::invalid("unit", "no_systems"));
    }
    let missing: Vec<FieldError> = part_now
        .systems
        .iter()
        .flat_map(|s| s.incomplete.iter().map(move |(k, p)| FieldError::new(&format!("system:{}:{k}", s.system_id), p)))
        .take(50)
        .collect();
    if !missing.is_empty() {
        return Err(CoreError::Invalid(missing));
    }
    let txn = store.begin_write().await?;
    let part = part_of(&*txn, id, u.id).await?;
    if part.state != SubmissionState::Open {
        return Err(CoreError::Conflict("submission_locked"));
    }
    let now = store.now();
    let mut am: campaign_unit::ActiveModel = part.into();
    am.state = Set(SubmissionState::Submitted);
    am.submitted_by = Set(who.username.clone());
    am.submitted_at = Set(Some(now));
    am.note = Set(note.clone());
    am.update(&*txn).await?;
    let mut outbox = Outbox::new();
    let msg = message(CampaignEvent::Submitted, id, &part_now.campaign.title, &u.name, part_now.campaign.due_on, &note);
    outbox.add(&*txn, now, Some(u.id), &[Audience::First, Audience::Main], &msg).await?;
    outbox.flush(&*txn).await?;
    let change = Change::updated(
        "campaign",
        id,
        Some(u.id),
        json!({"unit": u.code, "state": SubmissionState::Open}),
        json!({"unit": u.code, "state": SubmissionState::Submitted, "note": note}),
    )
    .with_action("submit");
    audit::append(&*txn, now, &Actor::from(who), change).await?;
    txn.commit().await?;
    unit_part(store, who, id, &u.code).await
}

/// The unit head approves the submission (`approve`), or sends it back with a reason.
pub async fn decide(store: &Store, who: &Principal, id: i64, approve: bool, input: SubmitInput) -> Result<UnitPart> {
    let conn = store.db();
    let c = visible(conn, who, id).await?;
    let u = crate::directory::service::units::find_visible(conn, who, input.unit.trim()).await?;
    who.require(Permission::ApproveInspection(u.id))?;
    let note = clean(&input.note, 2000).ok_or_else(|| CoreError::invalid("note", "too_long"))?;
    if !approve && note.is_empty() {
        return Err(CoreError::invalid("note", "required"));
    }
    let txn = store.begin_write().await?;
    let part = part_of(&*txn, id, u.id).await?;
    if part.state != SubmissionState::Submitted {
        return Err(CoreError::Conflict("not_submitted"));
    }
    if c.state != CampaignState::Running {
        return Err(CoreError::Conflict("campaign_closed"));
    }
    let now = store.now();
    let to = if approve { SubmissionState::Approved } else { SubmissionState::Open };
    let mut am: campaign_unit::ActiveModel = part.into();
    am.state = Set(to);
    if approve {
        am.approved_by = Set(who.username.clone());
        am.approved_at = Set(Some(now));
    } else {
        am.note = Set(note.clone());
    }
    am.update(&*txn).await?;
    if !approve {
        let mut outbox = Outbox::new();
        let msg = message(CampaignEvent::Returned, id, &c.title, &u.name, c.due_on, &note);
        outbox.add(&*txn, now, Some(u.id), &[Audience::Direct], &msg).await?;
        outbox.flush(&*txn).await?;
    }
    let change = Change::updated(
        "campaign",
        id,
        Some(u.id),
        json!({"unit": u.code, "state": SubmissionState::Submitted}),
        json!({"unit": u.code, "state": to, "note": note}),
    )
    .with_action(if approve { "approve" } else { "return" });
    audit::append(&*txn, now, &Actor::from(who), change).await?;
    txn.commit().await?;
    unit_part(store, who, id, &u.code).await
}

/// The center's on-site verification (现场核查) of one item of one system;
/// records what it found, even where the unit did not answer.
pub async fn verify(store: &Store, who: &Principal, id: i64, input: VerifyInput) -> Result<AnswerView> {
    let conn = store.db();
    let c = visible(conn, who, id).await?;
    who.require(Permission::ManageInspections)?;
    let items = items_of(conn, &c).await?;
    let mut errors = Vec::new();
    let key = input.item.trim().to_owned();
    if !items.iter().any(|it| it.key == key) {
        errors.push(FieldError::new("item", "unknown_item"));
    }
    let answer = check_choice::<Answer>(&mut errors, "answer", &input.answer);
    let comment = clean(&input.comment, 2000).unwrap_or_else(|| {
        errors.push(FieldError::new("comment", "too_long"));
        String::new()
    });
    let s = system::Entity::find_by_id(input.system_id).one(conn).await?;
    let in_campaign = match &s {
        Some(s) => covered(conn, &c, &[s.unit_id]).await?.iter().any(|(sid, _, _)| *sid == s.id),
        None => false,
    };
    if !in_campaign {
        errors.push(FieldError::new("system_id", "system_not_in_campaign"));
    }
    let (Some(answer), Some(s), true) = (answer, s, errors.is_empty()) else {
        return Err(CoreError::Invalid(errors));
    };
    let txn = store.begin_write().await?;
    part_of(&*txn, id, s.unit_id).await?;
    let now = store.now();
    let existing = inspection_answer::Entity::find()
        .filter(inspection_answer::Column::CampaignId.eq(id))
        .filter(inspection_answer::Column::SystemId.eq(s.id))
        .filter(inspection_answer::Column::ItemKey.eq(key.clone()))
        .one(&*txn)
        .await?;
    let row = match existing {
        Some(old) => {
            let mut am: inspection_answer::ActiveModel = old.into();
            am.verified_answer = Set(Some(answer));
            am.verified_comment = Set(comment.clone());
            am.verified_by = Set(who.username.clone());
            am.verified_at = Set(Some(now));
            am.update(&*txn).await?
        }
        // Not answered by the unit: the center's finding stands alone, recorded as unanswered-by-unit.
        None => {
            inspection_answer::ActiveModel {
                campaign_id: Set(id),
                unit_id: Set(s.unit_id),
                system_id: Set(s.id),
                item_key: Set(key.clone()),
                answer: Set(answer),
                comment: Set(String::new()),
                evidence: Set(String::new()),
                answered_by: Set(String::new()),
                answered_at: Set(now),
                verified_answer: Set(Some(answer)),
                verified_comment: Set(comment.clone()),
                verified_by: Set(who.username.clone()),
                verified_at: Set(Some(now)),
                notice_id: Set(None),
                ..Default::default()
            }
            .insert(&*txn)
            .await?
        }
    };
    let change = Change::updated(
        "campaign",
        id,
        Some(s.unit_id),
        json!({"system_id": s.id, "item": key, "answer": row.answer}),
        json!({"system_id": s.id, "item": key, "verified_answer": answer, "comment": comment,
            "contradicts": rules::contradicts(row.answer, answer)}),
    )
    .with_action("verify");
    audit::append(&*txn, now, &Actor::from(who), change).await?;
    txn.commit().await?;
    Ok(AnswerView {
        id: row.id,
        contradicted: rules::contradicts(row.answer, answer),
        item_key: row.item_key,
        answer: row.answer,
        comment: row.comment,
        evidence: uploads::views(conn, evidence_ids(&row.evidence)).await?,
        answered_by: row.answered_by,
        answered_at: row.answered_at,
        verified_answer: row.verified_answer,
        verified_comment: row.verified_comment,
        verified_by: row.verified_by,
        verified_at: row.verified_at,
        notice_id: row.notice_id,
    })
}

/// Open a notice from a failed item (the unit's answer or the center's
/// finding): one rectification for the system, with the usual deadline and
/// escalation. Returns the notice's id.
pub async fn open_notice(
    store: &Store,
    who: &Principal,
    id: i64,
    answer_id: i64,
    input: FindingNoticeInput,
) -> Result<i64> {
    let conn = store.db();
    let c = visible(conn, who, id).await?;
    who.require(Permission::ManageNotices)?;
    let a = inspection_answer::Entity::find_by_id(answer_id)
        .filter(inspection_answer::Column::CampaignId.eq(id))
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound)?;
    if a.answer != Answer::Fail && a.verified_answer != Some(Answer::Fail) {
        return Err(CoreError::Conflict("not_a_finding"));
    }
    if a.notice_id.is_some() {
        return Err(CoreError::Conflict("notice_opened"));
    }
    let items = items_of(conn, &c).await?;
    let item = items.iter().find(|i| i.key == a.item_key).cloned().ok_or(CoreError::NotFound)?;
    let mut description = format!("检查工作「{}」第 {} 项：{}", c.title, item.key, item.question);
    if !a.comment.is_empty() {
        description.push_str(&format!("\n单位填写：{}", a.comment));
    }
    if !a.verified_comment.is_empty() {
        description.push_str(&format!("\n现场核查：{}", a.verified_comment));
    }
    let notice_input = crate::notices::service::notices::NoticeInput {
        source: crate::notices::NoticeSource::Inspection.as_str().to_owned(),
        reference: format!("检查-{}-{}", c.id, item.key),
        received_at: None,
        title: format!("检查发现：{}", item.question).chars().take(200).collect(),
        vuln_type: item.section.chars().take(100).collect(),
        severity: input.severity,
        description,
        deadline: None,
        systems: vec![a.system_id],
        evidence: Vec::new(),
    };
    let txn = store.begin_write().await?;
    let fresh = inspection_answer::Entity::find_by_id(answer_id).one(&*txn).await?.ok_or(CoreError::NotFound)?;
    if fresh.notice_id.is_some() {
        return Err(CoreError::Conflict("notice_opened"));
    }
    let mut outbox = Outbox::new();
    let mut changes = Vec::new();
    let notice_id =
        crate::notices::service::notices::create_in(store, &*txn, who, notice_input, &mut outbox, &mut changes).await?;
    outbox.flush(&*txn).await?;
    let unit_id = fresh.unit_id;
    let mut am: inspection_answer::ActiveModel = fresh.into();
    am.notice_id = Set(Some(notice_id));
    am.update(&*txn).await?;
    changes.push(
        Change::updated(
            "campaign",
            id,
            Some(unit_id),
            json!({"answer_id": answer_id}),
            json!({"notice_id": notice_id}),
        )
        .with_action("open_notice"),
    );
    audit::append_many(&*txn, store.now(), &Actor::from(who), changes).await?;
    txn.commit().await?;
    Ok(notice_id)
}

/// Progress by unit, for the sheet: one row per unit in scope.
pub async fn progress_rows(store: &Store, who: &Principal, id: i64) -> Result<(CampaignView, Vec<UnitProgress>)> {
    let d = get(store, who, id).await?;
    Ok((d.campaign, d.progress))
}

/// Running campaigns' parts not approved, for reminders and missed dates.
pub(crate) async fn open_parts<C: ConnectionTrait>(conn: &C) -> Result<Vec<(campaign::Model, campaign_unit::Model)>> {
    let running: HashMap<i64, campaign::Model> = campaign::Entity::find()
        .filter(campaign::Column::State.eq(CampaignState::Running))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    if running.is_empty() {
        return Ok(Vec::new());
    }
    let parts = campaign_unit::Entity::find()
        .filter(campaign_unit::Column::CampaignId.is_in(running.keys().copied()))
        .filter(campaign_unit::Column::State.ne(SubmissionState::Approved))
        .all(conn)
        .await?;
    Ok(parts.into_iter().filter_map(|p| Some((running.get(&p.campaign_id)?.clone(), p))).collect())
}

pub(crate) async fn mark_reminded<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<i64>,
    today: NaiveDate,
    missed: Vec<i64>,
) -> Result<()> {
    for chunk in ids.chunks(500) {
        campaign_unit::Entity::update_many()
            .col_expr(campaign_unit::Column::RemindedOn, Expr::value(today))
            .filter(campaign_unit::Column::Id.is_in(chunk.to_vec()))
            .exec(conn)
            .await?;
    }
    for chunk in missed.chunks(500) {
        campaign_unit::Entity::update_many()
            .col_expr(campaign_unit::Column::Missed, Expr::value(true))
            .filter(campaign_unit::Column::Id.is_in(chunk.to_vec()))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// An evidence file of an answer in this campaign that the caller may see.
pub async fn evidence(
    store: &Store,
    who: &Principal,
    id: i64,
    attachment_id: i64,
) -> Result<(String, String, Vec<u8>)> {
    let conn = store.db();
    visible(conn, who, id).await?;
    let needle = attachment_id.to_string();
    let rows = inspection_answer::Entity::find()
        .select_only()
        .column(inspection_answer::Column::Evidence)
        .filter(inspection_answer::Column::CampaignId.eq(id))
        .filter(scope_condition(&who.scope(), inspection_answer::Column::UnitId))
        .filter(inspection_answer::Column::Evidence.contains(&needle))
        .into_tuple::<String>()
        .all(conn)
        .await?;
    if !rows.iter().any(|e| evidence_ids(e).contains(&attachment_id)) {
        return Err(CoreError::NotFound);
    }
    uploads::read(store, conn, attachment_id).await
}
