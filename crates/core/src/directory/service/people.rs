//! People (人员): members of staff, optionally with a login account.

use crate::accounts::entity::user;
use crate::directory::entity::person;
use crate::directory::entity::unit;
use crate::directory::service::units::resolve_code;
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::scope_condition;
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::page::{Page, PageRequest};
use crate::platform::store::Store;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PersonView {
    pub id: i64,
    pub name: String,
    /// Unit code.
    pub unit: String,
    pub unit_name: String,
    pub title: String,
    pub phone: String,
    pub email: String,
    /// 工号, by which the campus identity service names this person.
    pub staff_no: Option<String>,
    /// Username of the login account, if any.
    pub account: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    #[schema(min_length = 1, pattern = "\\S", max_length = 50)]
    pub name: String,
    pub unit: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 32, pattern = "^[0-9 +()-]*$")]
    pub phone: String,
    #[serde(default)]
    #[schema(max_length = 254, pattern = "^$|^[^@\\s]+@[^.\\s]\\S*\\.\\S*$")]
    pub email: String,
    /// 工号 (staff number): letters, digits, `-`, `_`, `.`; unique; empty for none.
    #[serde(default)]
    #[schema(max_length = 32, pattern = "^[A-Za-z0-9._-]*$")]
    pub staff_no: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonPatch {
    #[schema(value_type = Option<String>, min_length = 1, pattern = "\\S", max_length = 50)]
    pub name: Option<String>,
    pub unit: Option<String>,
    #[schema(max_length = 100)]
    pub title: Option<String>,
    #[schema(max_length = 32, pattern = "^[0-9 +()-]*$")]
    pub phone: Option<String>,
    #[schema(max_length = 254, pattern = "^$|^[^@\\s]+@[^.\\s]\\S*\\.\\S*$")]
    pub email: Option<String>,
    /// 工号; empty removes it.
    #[schema(max_length = 32, pattern = "^[A-Za-z0-9._-]*$")]
    pub staff_no: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PersonFilter {
    pub unit: Option<String>,
    pub q: Option<String>,
}

pub fn valid_phone(s: &str) -> bool {
    s.is_empty() || (s.len() <= 32 && s.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c)))
}

pub fn valid_email(s: &str) -> bool {
    if s.is_empty() {
        return true;
    }
    let mut parts = s.splitn(2, '@');
    let local = parts.next().unwrap_or("");
    let domain = parts.next().unwrap_or("");
    s.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !s.contains(char::is_whitespace)
}

/// A staff number (工号) as campus systems write them: letters, digits and
/// `-`, `_`, `.`, at most 32. Empty means none.
pub fn valid_staff_no(s: &str) -> bool {
    s.len() <= 32 && s.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

fn validate(name: &str, title: &str, phone: &str, email: &str, staff_no: &str) -> Vec<FieldError> {
    let mut e = Vec::new();
    if !valid_staff_no(staff_no) {
        e.push(FieldError::new("staff_no", "staff_no_format"));
    }
    if name.is_empty() {
        e.push(FieldError::new("name", "required"));
    } else if name.chars().count() > 50 {
        e.push(FieldError::new("name", "too_long"));
    }
    if title.chars().count() > 100 {
        e.push(FieldError::new("title", "too_long"));
    }
    if !valid_phone(phone) {
        e.push(FieldError::new("phone", "phone_format"));
    }
    if !valid_email(email) {
        e.push(FieldError::new("email", "email_format"));
    }
    e
}

fn to_json(m: &person::Model, unit_code: &str) -> serde_json::Value {
    serde_json::json!({
        "id": m.id, "name": m.name, "unit": unit_code, "title": m.title, "phone": m.phone, "email": m.email,
        "staff_no": m.staff_no,
    })
}

async fn views<C: ConnectionTrait>(conn: &C, models: Vec<person::Model>) -> Result<Vec<PersonView>> {
    let unit_ids: Vec<i64> = models.iter().map(|m| m.unit_id).collect();
    let person_ids: Vec<i64> = models.iter().map(|m| m.id).collect();
    let units: HashMap<i64, unit::Model> = if unit_ids.is_empty() {
        HashMap::new()
    } else {
        unit::Entity::find()
            .filter(unit::Column::Id.is_in(unit_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect()
    };
    let accounts: HashMap<i64, String> = if person_ids.is_empty() {
        HashMap::new()
    } else {
        user::Entity::find()
            .filter(user::Column::PersonId.is_in(person_ids))
            .all(conn)
            .await?
            .into_iter()
            .filter_map(|u| u.person_id.map(|p| (p, u.username)))
            .collect()
    };
    Ok(models
        .into_iter()
        .map(|m| {
            let (code, uname) = units.get(&m.unit_id).map(|u| (u.code.clone(), u.name.clone())).unwrap_or_default();
            PersonView {
                account: accounts.get(&m.id).cloned(),
                id: m.id,
                name: m.name,
                unit: code,
                unit_name: uname,
                title: m.title,
                phone: m.phone,
                email: m.email,
                staff_no: m.staff_no,
            }
        })
        .collect())
}

pub(crate) async fn find_visible<C: ConnectionTrait>(conn: &C, who: &Principal, id: i64) -> Result<person::Model> {
    person::Entity::find_by_id(id)
        .filter(scope_condition(&who.scope(), person::Column::UnitId))
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound)
}

pub async fn list(
    store: &Store,
    who: &Principal,
    filter: &PersonFilter,
    page: PageRequest,
) -> Result<Page<PersonView>> {
    let conn = store.db();
    let mut q = person::Entity::find().filter(scope_condition(&who.scope(), person::Column::UnitId));
    if let Some(code) = filter.unit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        match crate::directory::service::units::find_visible(conn, who, code).await {
            Ok(u) => q = q.filter(person::Column::UnitId.eq(u.id)),
            Err(CoreError::NotFound) => {
                return Ok(Page { items: vec![], total: 0, page: page.page(), per_page: page.per_page() });
            }
            Err(e) => return Err(e),
        }
    }
    if let Some(text) = filter.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        q = q.filter(
            sea_orm::Condition::any()
                .add(person::Column::Name.contains(text))
                .add(person::Column::Email.contains(text))
                .add(person::Column::Phone.contains(text))
                .add(person::Column::StaffNo.eq(text)),
        );
    }
    let total = q.clone().count(conn).await?;
    let models = q
        .order_by_asc(person::Column::UnitId)
        .order_by_asc(person::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?;
    Ok(Page { items: views(conn, models).await?, total, page: page.page(), per_page: page.per_page() })
}

/// People of one unit (for pickers), in scope.
pub async fn of_unit(store: &Store, who: &Principal, unit_id: i64) -> Result<Vec<PersonView>> {
    who.require_visible(unit_id)?;
    let models = person::Entity::find()
        .filter(person::Column::UnitId.eq(unit_id))
        .order_by_asc(person::Column::Id)
        .all(store.db())
        .await?;
    views(store.db(), models).await
}

pub async fn get(store: &Store, who: &Principal, id: i64) -> Result<PersonView> {
    let m = find_visible(store.db(), who, id).await?;
    let mut v = views(store.db(), vec![m]).await?;
    v.pop().ok_or(CoreError::NotFound)
}

pub async fn create(store: &Store, who: &Principal, input: PersonInput) -> Result<PersonView> {
    let txn = store.begin_write().await?;
    let model = create_in(store, &*txn, who, input).await?;
    let mut v = views(&*txn, vec![model]).await?;
    txn.commit().await?;
    v.pop().ok_or(CoreError::NotFound)
}

async fn create_in<C: ConnectionTrait>(
    store: &Store,
    txn: &C,
    who: &Principal,
    input: PersonInput,
) -> Result<person::Model> {
    let name = input.name.trim().to_owned();
    let title = input.title.trim().to_owned();
    let phone = input.phone.trim().to_owned();
    let email = input.email.trim().to_owned();
    let staff_no = input.staff_no.trim().to_owned();
    let mut errors = validate(&name, &title, &phone, &email, &staff_no);
    let unit = match resolve_code(txn, who, "unit", &input.unit).await {
        Ok(u) => Some(u),
        Err(CoreError::Invalid(mut e)) => {
            errors.append(&mut e);
            None
        }
        Err(e) => return Err(e),
    };
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let unit = unit.ok_or(CoreError::NotFound)?;
    who.require(Permission::ManagePeople(unit.id))?;
    let staff_no = Some(staff_no).filter(|s| !s.is_empty());
    staff_no_free(txn, staff_no.as_deref(), None).await?;
    let now = store.now();
    let model = person::ActiveModel {
        unit_id: Set(unit.id),
        name: Set(name),
        title: Set(title),
        phone: Set(phone),
        email: Set(email),
        staff_no: Set(staff_no),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::append(
        txn,
        now,
        &Actor::from(who),
        Change::created("person", model.id.to_string(), Some(unit.id), to_json(&model, &unit.code)),
    )
    .await?;
    Ok(model)
}

pub async fn update(store: &Store, who: &Principal, id: i64, patch: PersonPatch) -> Result<PersonView> {
    let txn = store.begin_write().await?;
    let model = update_in(store, &*txn, who, id, patch).await?;
    let mut v = views(&*txn, vec![model]).await?;
    txn.commit().await?;
    v.pop().ok_or(CoreError::NotFound)
}

async fn update_in<C: ConnectionTrait>(
    store: &Store,
    txn: &C,
    who: &Principal,
    id: i64,
    patch: PersonPatch,
) -> Result<person::Model> {
    let current = find_visible(txn, who, id).await?;
    who.require(Permission::ManagePeople(current.unit_id))?;
    let old_unit = unit::Entity::find_by_id(current.unit_id).one(txn).await?.ok_or(CoreError::NotFound)?;
    let before = to_json(&current, &old_unit.code);

    let pick = |new: &Option<String>, old: &str| new.as_deref().map(str::trim).unwrap_or(old).to_owned();
    let name = pick(&patch.name, &current.name);
    let title = pick(&patch.title, &current.title);
    let phone = pick(&patch.phone, &current.phone);
    let email = pick(&patch.email, &current.email);
    let staff_no = pick(&patch.staff_no, current.staff_no.as_deref().unwrap_or(""));
    let mut errors = validate(&name, &title, &phone, &email, &staff_no);
    let mut new_unit = old_unit.clone();
    if let Some(code) = patch.unit.as_deref() {
        match resolve_code(txn, who, "unit", code).await {
            Ok(u) => new_unit = u,
            Err(CoreError::Invalid(mut e)) => errors.append(&mut e),
            Err(e) => return Err(e),
        }
    }
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    if new_unit.id != old_unit.id {
        who.require(Permission::ManagePeople(new_unit.id))?;
    }
    let staff_no = Some(staff_no).filter(|s| !s.is_empty());
    if staff_no != current.staff_no {
        staff_no_free(txn, staff_no.as_deref(), Some(current.id)).await?;
    }
    let now = store.now();
    let mut am: person::ActiveModel = current.into();
    am.staff_no = Set(staff_no);
    am.name = Set(name);
    am.title = Set(title);
    am.phone = Set(phone);
    am.email = Set(email);
    am.unit_id = Set(new_unit.id);
    am.updated_at = Set(now);
    let model = am.update(txn).await?;
    let after = to_json(&model, &new_unit.code);
    if after != before {
        audit::append(
            txn,
            now,
            &Actor::from(who),
            Change::updated("person", model.id.to_string(), Some(new_unit.id), before, after),
        )
        .await?;
    }
    Ok(model)
}

/// Which column of the people sheet a field error belongs to.
fn sheet_column(field: &str) -> &'static str {
    const COLUMNS: [(&str, &str); 6] = [
        ("name", "姓名"),
        ("unit", "单位"),
        ("staff_no", "工号"),
        ("title", "职务"),
        ("phone", "电话"),
        ("email", "邮箱"),
    ];
    COLUMNS.iter().find(|(f, _)| *f == field).map(|(_, c)| *c).unwrap_or_default()
}

/// Whether `who` may manage the people of some unit (and so import a people
/// sheet): the center, or a unit's network administrator.
pub fn require_import(who: &Principal) -> Result<()> {
    let some_unit = who.grants.iter().any(|g| who.may(Permission::ManagePeople(g.unit_id.unwrap_or_default())));
    if some_unit { Ok(()) } else { Err(CoreError::Forbidden) }
}

/// Import the people sheet: a row with a staff number (工号) updates the
/// person who has it, else the only person of that name in that unit, else
/// adds one. All rows or none (`dry_run`: none), each row reported.
pub async fn import(
    store: &Store,
    who: &Principal,
    rows: Vec<(crate::directory::rules::sheet::PersonRow, Vec<crate::registry::rules::inventory::Problem>)>,
    dry_run: bool,
) -> Result<crate::registry::service::inventory::ImportReport> {
    use crate::registry::service::inventory::{ImportLine, ImportReport, ReportProblem};
    require_import(who)?;
    let mut report = ImportReport::default();
    let txn = store.begin_write().await?;
    // A unit by its code or its full name, among those this person sees.
    let visible = unit::Entity::find().filter(scope_condition(&who.scope(), unit::Column::Id)).all(&*txn).await?;
    let unit_code = |written: &str| {
        visible.iter().find(|u| u.code == written).or_else(|| visible.iter().find(|u| u.name == written)).cloned()
    };
    for (row, problems) in rows {
        let mut found: Vec<ReportProblem> =
            problems.into_iter().map(|p| ReportProblem { column: p.column, code: p.code, value: p.value }).collect();
        let unit = unit_code(&row.unit);
        if unit.is_none() && !row.unit.is_empty() {
            found.push(ReportProblem { column: "单位".into(), code: "unknown_unit".into(), value: row.unit.clone() });
        }
        let mut action = "error";
        if let (true, Some(unit)) = (found.is_empty(), unit) {
            // By staff number; else the only person of that name in the unit
            // (without a staff number, when the row gives one: the first
            // sheet with staff numbers completes the list it finds).
            let by_number = match row.staff_no.is_empty() {
                true => None,
                false => person::Entity::find().filter(person::Column::StaffNo.eq(&row.staff_no)).one(&*txn).await?,
            };
            let existing = match by_number {
                Some(p) => Some(p),
                None => {
                    let mut q = person::Entity::find()
                        .filter(person::Column::UnitId.eq(unit.id))
                        .filter(person::Column::Name.eq(&row.name));
                    if !row.staff_no.is_empty() {
                        q = q.filter(person::Column::StaffNo.is_null());
                    }
                    let same = q.limit(2).all(&*txn).await?;
                    if same.len() > 1 {
                        found.push(ReportProblem {
                            column: "姓名".into(),
                            code: "ambiguous_person".into(),
                            value: row.name.clone(),
                        });
                    }
                    same.into_iter().next().filter(|_| found.is_empty())
                }
            };
            let result = match existing {
                _ if !found.is_empty() => Ok(()),
                Some(current) => {
                    let same = current.name == row.name
                        && current.unit_id == unit.id
                        && (row.staff_no.is_empty() || current.staff_no.as_deref() == Some(row.staff_no.as_str()))
                        && row.title.as_ref().is_none_or(|t| *t == current.title)
                        && row.phone.as_ref().is_none_or(|t| *t == current.phone)
                        && row.email.as_ref().is_none_or(|t| *t == current.email);
                    if same {
                        action = "unchanged";
                        Ok(())
                    } else {
                        action = "update";
                        let patch = PersonPatch {
                            name: Some(row.name.clone()),
                            unit: Some(unit.code.clone()),
                            title: row.title.clone(),
                            phone: row.phone.clone(),
                            email: row.email.clone(),
                            staff_no: Some(row.staff_no.clone()).filter(|s| !s.is_empty()),
                        };
                        update_in(store, &*txn, who, current.id, patch).await.map(|_| ())
                    }
                }
                None => {
                    action = "create";
                    let input = PersonInput {
                        name: row.name.clone(),
                        unit: unit.code.clone(),
                        title: row.title.clone().unwrap_or_default(),
                        phone: row.phone.clone().unwrap_or_default(),
                        email: row.email.clone().unwrap_or_default(),
                        staff_no: row.staff_no.clone(),
                    };
                    create_in(store, &*txn, who, input).await.map(|_| ())
                }
            };
            match result {
                Ok(()) => {}
                Err(CoreError::Invalid(errs)) => found.extend(errs.into_iter().map(|e| ReportProblem {
                    column: sheet_column(&e.field).into(),
                    code: e.code,
                    value: String::new(),
                })),
                Err(CoreError::Conflict(code)) => {
                    found
                        .push(ReportProblem { column: "工号".into(), code: code.into(), value: row.staff_no.clone() })
                }
                Err(CoreError::Forbidden) => found.push(ReportProblem {
                    column: "单位".into(),
                    code: "people_not_permitted".into(),
                    value: row.unit.clone(),
                }),
                Err(e) => return Err(e),
            }
        }
        if !found.is_empty() {
            action = "error";
        }
        let counter = match action {
            "create" => &mut report.created,
            "update" => &mut report.updated,
            "unchanged" => &mut report.unchanged,
            _ => &mut report.failed,
        };
        *counter += 1;
        report.lines.push(ImportLine { line: row.line, name: row.name.clone(), action, problems: found });
    }
    if dry_run || report.failed > 0 {
        return Ok(report);
    }
    txn.commit().await?;
    report.written = true;
    Ok(report)
}

/// Refuse a staff number another person already has (the unique index
/// would too, as an error nobody could read).
async fn staff_no_free<C: ConnectionTrait>(conn: &C, staff_no: Option<&str>, except: Option<i64>) -> Result<()> {
    let Some(no) = staff_no else { return Ok(()) };
    let mut q = person::Entity::find().filter(person::Column::StaffNo.eq(no));
    if let Some(id) = except {
        q = q.filter(person::Column::Id.ne(id));
    }
    if q.count(conn).await? > 0 {
        return Err(CoreError::Conflict("staff_no_taken"));
    }
    Ok(())
}

/// The person a campus identity names, by staff number (工号).
pub async fn by_staff_no(store: &Store, staff_no: &str) -> Result<Option<person::Model>> {
    let no = staff_no.trim();
    if no.is_empty() {
        return Ok(None);
    }
    Ok(person::Entity::find().filter(person::Column::StaffNo.eq(no)).one(store.db()).await?)
}

/// People by id (each once), for views that name them.
pub(crate) async fn by_ids<C: sea_orm::ConnectionTrait>(
    conn: &C,
    ids: impl IntoIterator<Item = i64>,
) -> Result<std::collections::HashMap<i64, person::Model>> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    Ok(person::Entity::find()
        .filter(person::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_formats() {
        assert!(valid_phone(""));
        assert!(valid_phone("+86 010-6275 1234"));
        assert!(!valid_phone("call me"));
        assert!(valid_email("wang.li@cs.university.example"));
        assert!(valid_email(""));
        assert!(!valid_email("wang"));
        assert!(!valid_email("@x.example"));
        assert!(!valid_email("a b@x.example"));
    }
}
