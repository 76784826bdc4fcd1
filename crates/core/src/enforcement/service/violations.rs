//! Violations (责任追究): the six accountable behaviours of §三(四). A rule
//! (the escalation ladder) or a person (the center, a reviewer) proposes
//! one; an officer confirms it with a note or dismisses it with a reason.
//! Only confirmed violations count against a unit.

use crate::enforcement::rules::criticism_due;
use crate::notices::entity::violation;
use crate::notices::{ViolationCategory, ViolationState, violation_decidable};
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::{check_choice, clean, scope_condition};
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::page::{Page, PageRequest};
use crate::platform::store::Store;
use crate::registry::entity::system;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ViolationView {
    pub id: i64,
    pub unit: String,
    pub unit_name: String,
    pub category: ViolationCategory,
    /// The word an earlier release stored, when the category was mapped from it (else empty).
    pub legacy_category: String,
    pub state: ViolationState,
    pub system_id: Option<i64>,
    pub rectification_id: Option<i64>,
    pub description: String,
    /// A user name, or `escalation` when the rules proposed it.
    pub raised_by: String,
    pub occurred_at: DateTime<Utc>,
    pub decided_by: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: String,
    /// The caller may confirm or dismiss it.
    pub decidable: bool,
    /// The fact a rule saw (empty when a person proposed it).
    pub rule_key: String,
    /// The correction deadline (责令限期改正), set on confirmation.
    pub correct_by: Option<NaiveDate>,
    /// When the facts were found corrected.
    pub corrected_at: Option<DateTime<Utc>>,
    /// Past its correction deadline, uncorrected: a notice of criticism (通报批评) is due.
    pub criticism_due: bool,
    /// The notice of criticism issued for it: its number (empty when none), who, when.
    pub criticism_no: String,
    pub criticized_by: String,
    pub criticized_at: Option<DateTime<Utc>>,
    /// The caller may issue the notice of criticism now.
    pub may_criticize: bool,
    /// The caller may record the correction (a person-raised violation, confirmed and uncorrected).
    pub may_record_correction: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ViolationFilter {
    pub unit: Option<String>,
    pub state: Option<ViolationState>,
    pub category: Option<ViolationCategory>,
    /// Only those not yet corrected (`Some(true)`) or only corrected ones (`Some(false)`).
    pub open: Option<bool>,
    /// Only those whose notice of criticism is due.
    pub criticism_due: bool,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViolationInput {
    /// The unit's code.
    #[schema(min_length = 1, max_length = 32)]
    pub unit: String,
    #[schema(value_type = ViolationCategory)]
    pub category: String,
    /// The system concerned, if any.
    #[serde(default)]
    pub system_id: Option<i64>,
    /// What happened (required).
    #[schema(min_length = 1, max_length = 5000)]
    pub description: String,
    /// When it happened (default: now).
    #[serde(default)]
    pub occurred_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// The note of a confirmation, or the reason of a dismissal (required for a dismissal).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: String,
}

fn view(
    v: violation::Model,
    units: &std::collections::HashMap<i64, crate::directory::entity::unit::Model>,
    who: &Principal,
    today: NaiveDate,
) -> ViolationView {
    let due = criticism_due(v.state, v.correct_by, v.corrected_at.is_some(), !v.criticism_no.is_empty(), today);
    ViolationView {
        criticism_due: due,
        may_criticize: due && who.may(Permission::IssueCriticism),
        may_record_correction: v.state == ViolationState::Confirmed
            && v.corrected_at.is_none()
            && who.may(Permission::DecideEnforcement),
        rule_key: v.rule_key,
        correct_by: v.correct_by,
        corrected_at: v.corrected_at,
        criticism_no: v.criticism_no,
        criticized_by: v.criticized_by,
        criticized_at: v.criticized_at,
        unit: units.get(&v.unit_id).map(|u| u.code.clone()).unwrap_or_default(),
        unit_name: units.get(&v.unit_id).map(|u| u.name.clone()).unwrap_or_default(),
        decidable: violation_decidable(v.state) && who.may(Permission::DecideEnforcement),
        id: v.id,
        category: v.category,
        legacy_category: v.legacy_category,
        state: v.state,
        system_id: v.system_id,
        rectification_id: v.rectification_id,
        description: v.description,
        raised_by: v.raised_by,
        occurred_at: v.occurred_at,
        decided_by: v.decided_by,
        decided_at: v.decided_at,
        decision_note: v.decision_note,
    }
}

fn today(store: &Store) -> NaiveDate {
    store.now().with_timezone(&store.notice_policy().time_zone).date_naive()
}

/// Violations recorded against units in scope, newest first.
pub async fn list(
    store: &Store,
    who: &Principal,
    f: &ViolationFilter,
    page: PageRequest,
) -> Result<Page<ViolationView>> {
    let conn = store.db();
    let mut q = violation::Entity::find().filter(scope_condition(&who.scope(), violation::Column::UnitId));
    if let Some(code) = f.unit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        match crate::directory::service::units::find_visible(conn, who, code).await {
            Ok(u) => q = q.filter(violation::Column::UnitId.eq(u.id)),
            Err(CoreError::NotFound) => {
                return Ok(Page { items: vec![], total: 0, page: page.page(), per_page: page.per_page() });
            }
            Err(e) => return Err(e),
        }
    }
    if let Some(state) = f.state {
        q = q.filter(violation::Column::State.eq(state));
    }
    if let Some(category) = f.category {
        q = q.filter(violation::Column::Category.eq(category));
    }
    match f.open {
        Some(true) => q = q.filter(violation::Column::CorrectedAt.is_null()),
        Some(false) => q = q.filter(violation::Column::CorrectedAt.is_not_null()),
        None => {}
    }
    let today = today(store);
    if f.criticism_due {
        q = q
            .filter(violation::Column::State.eq(ViolationState::Confirmed))
            .filter(violation::Column::CorrectedAt.is_null())
            .filter(violation::Column::CriticismNo.eq(""))
            .filter(violation::Column::CorrectBy.lt(today));
    }
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_desc(violation::Column::OccurredAt)
        .order_by_desc(violation::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?;
    let units = crate::directory::service::units::by_ids(conn, rows.iter().map(|v| v.unit_id)).await?;
    let items = rows.into_iter().map(|v| view(v, &units, who, today)).collect();
    Ok(Page { items, total, page: page.page(), per_page: page.per_page() })
}

async fn find_visible<C: ConnectionTrait>(conn: &C, who: &Principal, id: i64) -> Result<violation::Model> {
    violation::Entity::find_by_id(id)
        .filter(scope_condition(&who.scope(), violation::Column::UnitId))
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound)
}

pub async fn get(store: &Store, who: &Principal, id: i64) -> Result<ViolationView> {
    let v = find_visible(store.db(), who, id).await?;
    let units = crate::directory::service::units::by_ids(store.db(), [v.unit_id]).await?;
    Ok(view(v, &units, who, today(store)))
}

/// Confirmed violations per unit (what counts against it), for units in scope.
pub async fn confirmed_counts(store: &Store, who: &Principal) -> Result<Vec<(i64, i64)>> {
    Ok(violation::Entity::find()
        .select_only()
        .column(violation::Column::UnitId)
        .column_as(violation::Column::Id.count(), "n")
        .filter(scope_condition(&who.scope(), violation::Column::UnitId))
        .filter(violation::Column::State.eq(ViolationState::Confirmed))
        .group_by(violation::Column::UnitId)
        .into_tuple::<(i64, i64)>()
        .all(store.db())
        .await?)
}

/// Propose a violation (the center or a reviewer).
pub async fn propose(store: &Store, who: &Principal, input: ViolationInput) -> Result<ViolationView> {
    who.require(Permission::ProposeViolation)?;
    let mut errors = Vec::new();
    let category = check_choice::<ViolationCategory>(&mut errors, "category", &input.category);
    let description = clean(&input.description, 5000).unwrap_or_else(|| {
        errors.push(FieldError::new("description", "too_long"));
        String::new()
    });
    if description.is_empty() && errors.iter().all(|e| e.field != "description") {
        errors.push(FieldError::new("description", "required"));
    }
    let now = store.now();
    if input.occurred_at.is_some_and(|t| t > now + chrono::Duration::minutes(5)) {
        errors.push(FieldError::new("occurred_at", "date_in_future"));
    }
    let txn = store.begin_write().await?;
    let unit = match crate::directory::service::units::find_visible(&*txn, who, input.unit.trim()).await {
        Ok(u) => Some(u),
        Err(CoreError::NotFound) => {
            errors.push(FieldError::new("unit", "unknown_unit"));
            None
        }
        Err(e) => return Err(e),
    };
    if let (Some(sid), Some(u)) = (input.system_id, &unit) {
        let found = system::Entity::find_by_id(sid).one(&*txn).await?;
        if found.is_none_or(|s| s.unit_id != u.id) {
            errors.push(FieldError::new("system_id", "unknown_system"));
        }
    }
    let (Some(category), Some(unit), true) = (category, unit, errors.is_empty()) else {
        return Err(CoreError::Invalid(errors));
    };
    let v = violation::ActiveModel {
        unit_id: Set(unit.id),
        category: Set(category),
        legacy_category: Set(String::new()),
        state: Set(ViolationState::Proposed),
        decided_by: Set(String::new()),
        decided_at: Set(None),
        decision_note: Set(String::new()),
        system_id: Set(input.system_id),
        rectification_id: Set(None),
        description: Set(description.to_owned()),
        raised_by: Set(who.username.clone()),
        occurred_at: Set(input.occurred_at.unwrap_or(now)),
        created_at: Set(now),
        rule_key: Set(String::new()),
        correct_by: Set(None),
        corrected_at: Set(None),
        criticism_no: Set(String::new()),
        criticized_by: Set(String::new()),
        criticized_at: Set(None),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    let change = Change::created(
        "violation",
        v.id,
        Some(unit.id),
        json!({"category": category, "state": ViolationState::Proposed, "description": description, "system_id": input.system_id}),
    )
    .with_action("propose");
    audit::append(&*txn, now, &Actor::from(who), change).await?;
    txn.commit().await?;
    get(store, who, v.id).await
}

/// Confirm (`confirm = true`, a note optional) or dismiss (a reason required) a proposed violation.
pub async fn decide(
    store: &Store,
    who: &Principal,
    id: i64,
    confirm: bool,
    input: DecisionInput,
) -> Result<ViolationView> {
    find_visible(store.db(), who, id).await?;
    who.require(Permission::DecideEnforcement)?;
    let note = clean(&input.note, 2000).ok_or_else(|| CoreError::invalid("note", "too_long"))?;
    if !confirm && note.is_empty() {
        return Err(CoreError::invalid("note", "required"));
    }
    let txn = store.begin_write().await?;
    let v = find_visible(&*txn, who, id).await?;
    if !violation_decidable(v.state) {
        return Err(CoreError::Conflict("violation_decided"));
    }
    let now = store.now();
    let to = if confirm { ViolationState::Confirmed } else { ViolationState::Dismissed };
    let unit_id = v.unit_id;
    let mut am: violation::ActiveModel = v.into();
    am.state = Set(to);
    am.decided_by = Set(who.username.clone());
    am.decided_at = Set(Some(now));
    am.decision_note = Set(note.to_owned());
    let correct_by = confirm
        .then(|| today(store) + chrono::Duration::days(i64::from(store.accountability_policy().correction_days)));
    if confirm {
        am.correct_by = Set(correct_by);
    }
    am.update(&*txn).await?;
    let change = Change::updated(
        "violation",
        id,
        Some(unit_id),
        json!({"state": ViolationState::Proposed}),
        json!({"state": to, "note": note, "correct_by": correct_by}),
    )
    .with_action(if confirm { "confirm" } else { "dismiss" });
    audit::append(&*txn, now, &Actor::from(who), change).await?;
    txn.commit().await?;
    get(store, who, id).await
}

/// Record that a confirmed violation was corrected (a person's finding; the
/// rules engine records it by itself for the facts it watches).
pub async fn record_correction(store: &Store, who: &Principal, id: i64, input: DecisionInput) -> Result<ViolationView> {
    find_visible(store.db(), who, id).await?;
    who.require(Permission::DecideEnforcement)?;
    let note = clean(&input.note, 2000).ok_or_else(|| CoreError::invalid("note", "too_long"))?;
    if note.is_empty() {
        return Err(CoreError::invalid("note", "required"));
    }
    let txn = store.begin_write().await?;
    let v = find_visible(&*txn, who, id).await?;
    if v.state != ViolationState::Confirmed || v.corrected_at.is_some() {
        return Err(CoreError::Conflict("violation_not_open"));
    }
    let now = store.now();
    let unit_id = v.unit_id;
    let mut am: violation::ActiveModel = v.into();
    am.corrected_at = Set(Some(now));
    am.update(&*txn).await?;
    let change = Change::updated(
        "violation",
        id,
        Some(unit_id),
        json!({"corrected_at": null}),
        json!({"corrected_at": now, "note": note}),
    )
    .with_action("corrected");
    audit::append(&*txn, now, &Actor::from(who), change).await?;
    txn.commit().await?;
    get(store, who, id).await
}

/// Issue the notice of criticism (通报批评) for a confirmed violation past
/// its correction deadline (an admin): numbered per year, the unit's
/// responsible persons and the center told.
pub async fn criticize(store: &Store, who: &Principal, id: i64, input: DecisionInput) -> Result<ViolationView> {
    find_visible(store.db(), who, id).await?;
    who.require(Permission::IssueCriticism)?;
    let note = clean(&input.note, 2000).ok_or_else(|| CoreError::invalid("note", "too_long"))?;
    let txn = store.begin_write().await?;
    let v = find_visible(&*txn, who, id).await?;
    if !criticism_due(v.state, v.correct_by, v.corrected_at.is_some(), !v.criticism_no.is_empty(), today(store)) {
        return Err(CoreError::Conflict("criticism_not_due"));
    }
    let now = store.now();
    let year = chrono::Datelike::year(&now.with_timezone(&store.notice_policy().time_zone));
    let n = crate::platform::numbers::next(&*txn, crate::platform::numbers::CRITICISM, year).await?;
    let number = format!("{}通{n}", store.documents().short_name());
    let unit_id = v.unit_id;
    let category = v.category;
    let mut am: violation::ActiveModel = v.into();
    am.criticism_no = Set(number.clone());
    am.criticized_by = Set(who.username.clone());
    am.criticized_at = Set(Some(now));
    am.update(&*txn).await?;
    let unit =
        crate::directory::entity::unit::Entity::find_by_id(unit_id).one(&*txn).await?.ok_or(CoreError::NotFound)?;
    let msg = crate::notify::texts::Message::new("criticism_issued", format!("/violations?unit={}", unit.code), |l| {
        let args = [("unit", unit.name.as_str()), ("number", number.as_str()), ("category", category.zh())];
        let body = [
            crate::notify::texts::line(l, "unit", &unit.name),
            crate::notify::texts::line(l, "order_number", &number),
            crate::notify::texts::t(l, "criticism.issued.body", &args),
        ];
        (crate::notify::texts::t(l, "criticism.issued", &args), body.join("\n"))
    });
    let mut outbox = crate::notify::service::Outbox::new();
    use crate::notify::Audience;
    outbox
        .add(&*txn, now, Some(unit_id), &[Audience::First, Audience::Main, Audience::Direct, Audience::Center], &msg)
        .await?;
    outbox.flush(&*txn).await?;
    let change = Change::updated(
        "violation",
        id,
        Some(unit_id),
        json!({"criticism_no": ""}),
        json!({"criticism_no": number, "note": note}),
    )
    .with_action("criticize");
    audit::append(&*txn, now, &Actor::from(who), change).await?;
    txn.commit().await?;
    get(store, who, id).await
}

/// The 通报批评 issued for a violation, as a Word document: (file name, bytes).
pub async fn criticism_docx(store: &Store, who: &Principal, id: i64) -> Result<(String, Vec<u8>)> {
    let v = get(store, who, id).await?;
    let Some(issued) = v.criticized_at.filter(|_| !v.criticism_no.is_empty()) else {
        return Err(CoreError::Conflict("criticism_not_issued"));
    };
    let doc = store.documents();
    let tz = store.notice_policy().time_zone;
    let day = |d: NaiveDate| d.format("%Y年%m月%d日").to_string();
    let confirmed = v.decided_at.map(|t| day(t.with_timezone(&tz).date_naive())).unwrap_or_default();
    let rows = vec![
        wangan_office::FormRow::Pairs(vec![
            ("被通报单位".into(), v.unit_name.clone()),
            ("问题类别".into(), v.category.zh().into()),
        ]),
        wangan_office::FormRow::Pairs(vec![
            ("认定日期".into(), confirmed),
            ("改正期限".into(), v.correct_by.map(day).unwrap_or_default()),
        ]),
        wangan_office::FormRow::Block { label: "问题情况".into(), text: v.description.clone(), min_lines: 3 },
        wangan_office::FormRow::Block {
            label: "通报意见".into(),
            text: format!(
                "经核实，该单位存在“{}”的情形（学校《关于进一步加强网络与信息安全管理的通知》第三条第（四）项），经责令限期改正，逾期仍未改正。现予以通报批评。\n请该单位主要负责人督促立即改正，并于收到本通报之日起5个工作日内将改正情况书面报送{}。{}",
                v.category.zh(),
                doc.center,
                if v.decision_note.is_empty() {
                    String::new()
                } else {
                    format!("\n认定意见：{}", v.decision_note)
                }
            ),
            min_lines: 5,
        },
    ];
    let form = wangan_office::FormDocument {
        title: format!("{}网络与信息安全工作通报批评", doc.institution),
        subtitle: v.criticism_no.clone(),
        rows,
        after: vec![
            format!("{}（盖章）", doc.leadership_group),
            format!("签发人（签字）：                    日期：{}", day(issued.with_timezone(&tz).date_naive())),
        ],
    };
    let bytes = wangan_office::write_form_docx(&form).map_err(|e| CoreError::Internal(e.to_string()))?;
    Ok((format!("通报批评-{}-{}.docx", v.unit_name, v.id), bytes))
}

/// A violation's history (its latest 50 changes), for everyone who sees it.
pub async fn history(store: &Store, who: &Principal, id: i64) -> Result<Vec<crate::platform::audit::AuditView>> {
    find_visible(store.db(), who, id).await?;
    crate::platform::audit::history(store.db(), "violation", id, 50).await
}
