//! Security budget (§四(五)): lines per unit and year — category, planned,
//! spent, special fund or not — with totals per unit and across the
//! university.

use super::{owner_unit, unit_names};
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::{clean_field, scope_condition};
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::store::Store;
use crate::registers::entity::budget_line;
use crate::registers::rules::{self, BudgetCategory};
use chrono::{DateTime, Datelike, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetInput {
    /// The unit's code.
    #[schema(min_length = 1, max_length = 32)]
    pub unit: String,
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    pub category: BudgetCategory,
    /// Planned, in yuan: `120000` or `120000.50`.
    #[schema(pattern = "^[0-9]{1,11}(\\.[0-9]{1,2})?$")]
    pub planned: String,
    /// Spent so far, in yuan (default 0).
    #[serde(default)]
    #[schema(pattern = "^([0-9]{1,11}(\\.[0-9]{1,2})?)?$")]
    pub spent: String,
    /// From the special security fund (专项经费).
    #[serde(default)]
    pub special_fund: bool,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub note: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct BudgetLineView {
    pub id: i64,
    pub unit: String,
    pub unit_name: String,
    pub year: i32,
    pub category: BudgetCategory,
    /// Yuan, two decimals.
    pub planned: String,
    pub spent: String,
    pub special_fund: bool,
    pub note: String,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
    pub may_edit: bool,
}

/// A unit's totals for the year.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct UnitTotal {
    pub unit: String,
    pub unit_name: String,
    pub planned: String,
    pub spent: String,
    /// Of the planned, from the special fund.
    pub special_planned: String,
    pub lines: u32,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct BudgetView {
    pub year: i32,
    pub lines: Vec<BudgetLineView>,
    /// Per unit, by code.
    pub units: Vec<UnitTotal>,
    /// Across the units in scope.
    pub planned: String,
    pub spent: String,
    pub special_planned: String,
}

struct Checked {
    planned: i64,
    spent: i64,
    note: String,
}

fn check(input: &BudgetInput) -> Result<Checked> {
    let mut e = Vec::new();
    if !(2000..=2100).contains(&input.year) {
        e.push(FieldError::new("year", "out_of_range"));
    }
    let planned = rules::parse_amount(&input.planned);
    if planned.is_none() {
        e.push(FieldError::new("planned", "amount_format"));
    }
    let spent = if input.spent.trim().is_empty() { Some(0) } else { rules::parse_amount(&input.spent) };
    if spent.is_none() {
        e.push(FieldError::new("spent", "amount_format"));
    }
    let note = clean_field(&mut e, "note", &input.note, 200);
    match (planned, spent, e.is_empty()) {
        (Some(planned), Some(spent), true) => Ok(Checked { planned, spent, note }),
        _ => Err(CoreError::Invalid(e)),
    }
}

fn snapshot(m: &budget_line::Model) -> serde_json::Value {
    json!({"year": m.year, "category": m.category, "planned": rules::format_amount(m.planned_cents),
        "spent": rules::format_amount(m.spent_cents), "special_fund": m.special_fund, "note": m.note})
}

async fn line_view<C: ConnectionTrait>(conn: &C, who: &Principal, m: budget_line::Model) -> Result<BudgetLineView> {
    let units = unit_names(conn, [m.unit_id]).await?;
    Ok(view(who, &units, m))
}

fn view(
    who: &Principal,
    units: &std::collections::HashMap<i64, (String, String)>,
    m: budget_line::Model,
) -> BudgetLineView {
    let (unit, unit_name) = units.get(&m.unit_id).cloned().unwrap_or_default();
    BudgetLineView {
        unit,
        unit_name,
        may_edit: who.may(Permission::KeepRegisters(m.unit_id)),
        planned: rules::format_amount(m.planned_cents),
        spent: rules::format_amount(m.spent_cents),
        id: m.id,
        year: m.year,
        category: m.category,
        special_fund: m.special_fund,
        note: m.note,
        updated_by: m.updated_by,
        updated_at: m.updated_at,
    }
}

/// A year's lines in scope (one unit's, or all), with the totals. Default year: this one.
pub async fn year(store: &Store, who: &Principal, year: Option<i32>, unit: Option<&str>) -> Result<BudgetView> {
    let conn = store.db();
    let year = year.unwrap_or_else(|| super::today(store).year());
    if !(2000..=2100).contains(&year) {
        return Err(CoreError::invalid("year", "out_of_range"));
    }
    let mut q = budget_line::Entity::find()
        .filter(budget_line::Column::Year.eq(year))
        .filter(scope_condition(&who.scope(), budget_line::Column::UnitId));
    if let Some(u) = super::filter_unit(conn, who, unit).await? {
        q = q.filter(budget_line::Column::UnitId.eq(u));
    }
    let rows = q.order_by_asc(budget_line::Column::UnitId).order_by_asc(budget_line::Column::Id).all(conn).await?;
    let units = unit_names(conn, rows.iter().map(|r| r.unit_id)).await?;
    let mut totals: std::collections::BTreeMap<String, (String, i64, i64, i64, u32)> = Default::default();
    let (mut p, mut s, mut sp) = (0i64, 0i64, 0i64);
    for r in &rows {
        let (code, name) = units.get(&r.unit_id).cloned().unwrap_or_default();
        let t = totals.entry(code).or_insert((name, 0, 0, 0, 0));
        let special = if r.special_fund { r.planned_cents } else { 0 };
        t.1 += r.planned_cents;
        t.2 += r.spent_cents;
        t.3 += special;
        t.4 += 1;
        p += r.planned_cents;
        s += r.spent_cents;
        sp += special;
    }
    let mut lines: Vec<BudgetLineView> = rows.into_iter().map(|r| view(who, &units, r)).collect();
    lines.sort_by(|a, b| a.unit.cmp(&b.unit).then(a.id.cmp(&b.id)));
    Ok(BudgetView {
        year,
        lines,
        units: totals
            .into_iter()
            .map(|(unit, (unit_name, p, s, sp, n))| UnitTotal {
                unit,
                unit_name,
                planned: rules::format_amount(p),
                spent: rules::format_amount(s),
                special_planned: rules::format_amount(sp),
                lines: n,
            })
            .collect(),
        planned: rules::format_amount(p),
        spent: rules::format_amount(s),
        special_planned: rules::format_amount(sp),
    })
}

pub async fn create(store: &Store, who: &Principal, input: BudgetInput) -> Result<BudgetLineView> {
    let txn = store.begin_write().await?;
    let unit = owner_unit(&*txn, who, &input.unit, false).await?.ok_or(CoreError::invalid("unit", "required"))?;
    let c = check(&input)?;
    let now = store.now();
    let m = budget_line::ActiveModel {
        unit_id: Set(unit.id),
        year: Set(input.year),
        category: Set(input.category),
        planned_cents: Set(c.planned),
        spent_cents: Set(c.spent),
        special_fund: Set(input.special_fund),
        note: Set(c.note),
        updated_by: Set(who.username.clone()),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    audit::append(&*txn, now, &Actor::from(who), Change::created("budget_line", m.id, Some(unit.id), snapshot(&m)))
        .await?;
    let v = line_view(&*txn, who, m).await?;
    txn.commit().await?;
    Ok(v)
}

async fn find<C: ConnectionTrait>(conn: &C, who: &Principal, id: i64) -> Result<budget_line::Model> {
    let m = budget_line::Entity::find_by_id(id).one(conn).await?.ok_or(CoreError::NotFound)?;
    who.require_visible(m.unit_id)?;
    who.require(Permission::KeepRegisters(m.unit_id))?;
    Ok(m)
}

/// Replace a line (its unit stays).
pub async fn update(store: &Store, who: &Principal, id: i64, input: BudgetInput) -> Result<BudgetLineView> {
    let txn = store.begin_write().await?;
    let m = find(&*txn, who, id).await?;
    let unit = crate::directory::service::units::resolve_code(&*txn, who, "unit", &input.unit).await?;
    if unit.id != m.unit_id {
        return Err(CoreError::invalid("unit", "cannot_change"));
    }
    let c = check(&input)?;
    let before = snapshot(&m);
    let now = store.now();
    let mut am: budget_line::ActiveModel = m.into();
    am.year = Set(input.year);
    am.category = Set(input.category);
    am.planned_cents = Set(c.planned);
    am.spent_cents = Set(c.spent);
    am.special_fund = Set(input.special_fund);
    am.note = Set(c.note);
    am.updated_by = Set(who.username.clone());
    am.updated_at = Set(now);
    let m = am.update(&*txn).await?;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::updated("budget_line", id, Some(m.unit_id), before, snapshot(&m)),
    )
    .await?;
    let v = line_view(&*txn, who, m).await?;
    txn.commit().await?;
    Ok(v)
}

pub async fn delete(store: &Store, who: &Principal, id: i64) -> Result<()> {
    let txn = store.begin_write().await?;
    let m = find(&*txn, who, id).await?;
    budget_line::Entity::delete_by_id(id).exec(&*txn).await?;
    audit::append(
        &*txn,
        store.now(),
        &Actor::from(who),
        Change::deleted("budget_line", id, Some(m.unit_id), snapshot(&m)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
