//! Import and export of the systems inventory (信息系统台账). Every row is
//! checked before anything is written; the good rows are then written in one
//! transaction. Rows match existing systems by URL, then by name within the
//! owner unit, so importing the same file twice changes nothing.

use crate::directory::entity::unit;
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::scope_condition;
use crate::platform::error::{FieldError, Result};
use crate::platform::store::Store;
use crate::registry::entity::mlps_evaluation;
use crate::registry::entity::system;
use crate::registry::rules::gates::filing_after_change;
use crate::registry::rules::inventory::{self, HEADERS, InventoryRow, Problem, SheetWord};
use crate::registry::service::systems::{SystemFilter, check_inventory_fields, filtered_query, split, url_keys};
use crate::registry::{FilingStatus, Hosting, Stage, SystemKind};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// Check only.
    DryRun,
    /// Write only when every row passes.
    AllOrNothing,
    /// Write the good rows, report the others.
    Partial,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ImportLine {
    pub line: usize,
    pub name: String,
    /// `create`, `update`, `unchanged` or `error`.
    pub action: &'static str,
    pub problems: Vec<ReportProblem>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ReportProblem {
    pub column: String,
    pub code: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default, utoipa::ToSchema)]
pub struct ImportReport {
    pub lines: Vec<ImportLine>,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
    /// Whether anything was written.
    pub written: bool,
}

/// Which column a field error belongs to.
fn column_of(field: &str) -> &'static str {
    match field {
        "name" => "系统名称",
        "kind" => "类型",
        "unit" => "主管单位",
        "urls" => "网址",
        "ips" => "IP地址",
        "operator_unit" => "运维单位",
        "operator_vendor" => "运维厂商",
        "operator_contact" => "运维联系人",
        "users" => "使用单位",
        "hosting" => "托管方式",
        "tags" => "技术栈标签",
        "public_security_no" => "公安备案号",
        "icp_no" => "ICP备案号",
        "filed_on" => "备案日期",
        "mlps_filing_no" => "等保备案号",
        _ => "备注",
    }
}

fn problem(column: &str, code: &str, value: &str) -> ReportProblem {
    ReportProblem { column: column.to_owned(), code: code.to_owned(), value: value.chars().take(100).collect() }
}

/// The row as the fields of a system model (id, timestamps and stage history aside).
#[derive(Debug, Clone, PartialEq)]
struct Wanted {
    unit_id: i64,
    name: String,
    kind: SystemKind,
    urls: String,
    ips: String,
    internet_facing: bool,
    important: bool,
    stage: Stage,
    operator_unit_id: Option<i64>,
    operator_vendor: String,
    operator_contact: String,
    users: String,
    hosting: Hosting,
    tags: String,
    notes: String,
    filing_status: FilingStatus,
    public_security_no: String,
    icp_no: String,
    filed_on: Option<chrono::NaiveDate>,
    mlps_level: Option<i32>,
    mlps_graded_on: Option<chrono::NaiveDate>,
    mlps_filing_no: String,
    mlps_filed_on: Option<chrono::NaiveDate>,
}

impl Wanted {
    fn of(m: &system::Model) -> Wanted {
        Wanted {
            unit_id: m.unit_id,
            name: m.name.clone(),
            kind: m.kind,
            urls: m.urls.clone(),
            ips: m.ips.clone(),
            internet_facing: m.internet_facing,
            important: m.important,
            stage: m.stage,
            operator_unit_id: m.operator_unit_id,
            operator_vendor: m.operator_vendor.clone(),
            operator_contact: m.operator_contact.clone(),
            users: m.users.clone(),
            hosting: m.hosting,
            tags: m.tags.clone(),
            notes: m.notes.clone(),
            filing_status: m.filing_status,
            public_security_no: m.public_security_no.clone(),
            icp_no: m.icp_no.clone(),
            filed_on: m.filed_on,
            mlps_level: m.mlps_level,
            mlps_graded_on: m.mlps_graded_on,
            mlps_filing_no: m.mlps_filing_no.clone(),
            mlps_filed_on: m.mlps_filed_on,
        }
    }

    fn apply(&self, am: &mut system::ActiveModel) {
        am.unit_id = Set(self.unit_id);
        am.name = Set(self.name.clone());
        am.kind = Set(self.kind);
        am.urls = Set(self.urls.clone());
        am.ips = Set(self.ips.clone());
        am.internet_facing = Set(self.internet_facing);
        am.important = Set(self.important);
        am.stage = Set(self.stage);
        am.operator_unit_id = Set(self.operator_unit_id);
        am.operator_vendor = Set(self.operator_vendor.clone());
        am.operator_contact = Set(self.operator_contact.clone());
        am.users = Set(self.users.clone());
        am.hosting = Set(self.hosting);
        am.tags = Set(self.tags.clone());
        am.notes = Set(self.notes.clone());
        am.filing_status = Set(self.filing_status);
        am.public_security_no = Set(self.public_security_no.clone());
        am.icp_no = Set(self.icp_no.clone());
        am.filed_on = Set(self.filed_on);
        am.mlps_level = Set(self.mlps_level);
        am.mlps_graded_on = Set(self.mlps_graded_on);
        am.mlps_filing_no = Set(self.mlps_filing_no.clone());
        am.mlps_filed_on = Set(self.mlps_filed_on);
    }
}

enum Plan {
    Create(Wanted),
    Update(i64, Wanted),
}

/// Check every row, then write according to `mode`.
pub async fn import(
    store: &Store,
    who: &Principal,
    rows: Vec<(InventoryRow, Vec<Problem>)>,
    mode: ImportMode,
) -> Result<ImportReport> {
    let conn = store.db();
    // Units: the owner must be in the caller's scope; the operator may be any unit.
    let all_units = unit::Entity::find().all(conn).await?;
    let scope = who.scope();
    let by_word = |w: &str, visible_only: bool| {
        all_units
            .iter()
            .filter(|u| !visible_only || scope.allows(u.id))
            .find(|u| u.code == w || u.name == w)
            .map(|u| u.id)
    };
    // Existing systems in scope, by URL and by (unit, name).
    let existing = system::Entity::find().filter(scope_condition(&scope, system::Column::UnitId)).all(conn).await?;
    let mut by_url: HashMap<String, usize> = HashMap::new();
    let mut by_name: HashMap<(i64, String), usize> = HashMap::new();
    for (i, m) in existing.iter().enumerate() {
        for k in url_keys(&split(&m.urls)) {
            by_url.entry(k).or_insert(i);
        }
        by_name.entry((m.unit_id, m.name.clone())).or_insert(i);
    }
    // Every system's addresses, in units out of reach too: only to refuse
    // an address another system holds (one address, one system).
    let mut holder: HashMap<String, (i64, i64)> = HashMap::new();
    for (id, unit_id, urls) in system::Entity::find()
        .select_only()
        .columns([system::Column::Id, system::Column::UnitId, system::Column::Urls])
        .into_tuple::<(i64, i64, String)>()
        .all(conn)
        .await?
    {
        for k in url_keys(&split(&urls)) {
            holder.entry(k).or_insert((id, unit_id));
        }
    }
    let mut seen_urls: HashMap<String, usize> = HashMap::new();
    let mut seen_names: HashMap<(i64, String), usize> = HashMap::new();
    let mut report = ImportReport::default();
    let mut plans: Vec<(usize, Plan)> = Vec::new();
    for (r, read_problems) in rows {
        let mut problems: Vec<ReportProblem> =
            read_problems.iter().map(|p| problem(&p.column, &p.code, &p.value)).collect();
        let unit_id = by_word(&r.unit, true);
        if unit_id.is_none() {
            problems.push(problem("主管单位", "unknown_unit", &r.unit));
        }
        let operator_unit_id = match r.operator_unit.as_str() {
            "" => None,
            w => {
                let id = by_word(w, false);
                if id.is_none() {
                    problems.push(problem("运维单位", "unknown_unit", w));
                }
                id
            }
        };
        if let Some(u) = unit_id
            && !who.may(Permission::ManageSystems(u))
        {
            problems.push(problem("主管单位", "not_permitted", &r.unit));
        }
        let mut field_errors: Vec<FieldError> = Vec::new();
        let (urls, ips, tags) = check_inventory_fields(&r, &mut field_errors);
        for e in field_errors {
            problems.push(problem(column_of(&e.field), &e.code, ""));
        }
        if r.filing_status == FilingStatus::Filed
            && (r.public_security_no.is_empty() && r.icp_no.is_empty() || r.filed_on.is_none())
        {
            problems.push(problem("备案状态", "filing_incomplete", "已备案"));
        }
        // The same system twice in one file is a mistake, not an update.
        let key_urls: Vec<String> = url_keys(&urls);
        if let Some(first) = key_urls.iter().find_map(|u| seen_urls.get(u)) {
            problems.push(problem("网址", "duplicate_in_file", &first.to_string()));
        } else if let Some(first) = unit_id.and_then(|u| seen_names.get(&(u, r.name.clone()))) {
            problems.push(problem("系统名称", "duplicate_in_file", &first.to_string()));
        }
        let Some(unit_id) = unit_id.filter(|_| problems.is_empty()) else {
            report.lines.push(ImportLine { line: r.line, name: r.name.clone(), action: "error", problems });
            continue;
        };
        for u in &key_urls {
            seen_urls.insert(u.clone(), r.line);
        }
        seen_names.insert((unit_id, r.name.clone()), r.line);
        let matched =
            key_urls.iter().find_map(|u| by_url.get(u)).or_else(|| by_name.get(&(unit_id, r.name.clone()))).copied();
        let matched_id = matched.map(|i| existing[i].id);
        if let Some((k, (_, owner_unit))) =
            key_urls.iter().find_map(|k| holder.get(k).filter(|(id, _)| Some(*id) != matched_id).map(|h| (k, h)))
        {
            let owner = all_units.iter().find(|u| u.id == *owner_unit).map(|u| u.name.clone()).unwrap_or_default();
            let problems = vec![problem("网址", "url_taken", &format!("{k}（{owner}）"))];
            report.lines.push(ImportLine { line: r.line, name: r.name.clone(), action: "error", problems });
            continue;
        }
        let mut wanted = Wanted {
            unit_id,
            name: r.name.clone(),
            kind: r.kind,
            urls: urls.join("\n"),
            ips: ips.join("\n"),
            internet_facing: r.internet_facing,
            important: r.important,
            stage: r.stage,
            operator_unit_id,
            operator_vendor: r.operator_vendor.clone(),
            operator_contact: r.operator_contact.clone(),
            users: r.users.clone(),
            hosting: r.hosting,
            tags: tags.join("\n"),
            notes: r.notes.clone(),
            filing_status: r.filing_status,
            public_security_no: r.public_security_no.clone(),
            icp_no: r.icp_no.clone(),
            filed_on: r.filed_on,
            mlps_level: r.mlps_level,
            mlps_graded_on: r.mlps_graded_on,
            mlps_filing_no: r.mlps_filing_no.clone(),
            mlps_filed_on: r.mlps_filed_on,
        };
        let action = match matched.map(|i| &existing[i]) {
            None => {
                plans.push((r.line, Plan::Create(wanted)));
                report.created += 1;
                "create"
            }
            Some(m) => {
                let current = Wanted::of(m);
                // A shutdown is lifted only by its order, not by a spreadsheet.
                if m.stage == Stage::Shutdown {
                    wanted.stage = m.stage;
                }
                if wanted == current {
                    report.unchanged += 1;
                    "unchanged"
                } else {
                    let identity_changed =
                        wanted.urls != current.urls || wanted.ips != current.ips || wanted.unit_id != current.unit_id;
                    if wanted.filing_status == current.filing_status {
                        wanted.filing_status = filing_after_change(current.filing_status, identity_changed);
                    }
                    plans.push((r.line, Plan::Update(m.id, wanted)));
                    report.updated += 1;
                    "update"
                }
            }
        };
        report.lines.push(ImportLine { line: r.line, name: r.name, action, problems: vec![] });
    }
    report.failed = report.lines.iter().filter(|l| l.action == "error").count();
    report.lines.sort_by_key(|l| l.line);
    let write = match mode {
        ImportMode::DryRun => false,
        ImportMode::AllOrNothing => report.failed == 0,
        ImportMode::Partial => true,
    };
    if !write || plans.is_empty() {
        return Ok(report);
    }
    let txn = store.begin_write().await?;
    let now = store.now();
    let actor = Actor::from(who);
    let policy = store.registry_policy().evaluations.clone();
    let by_id: HashMap<i64, &system::Model> = existing.iter().map(|m| (m.id, m)).collect();
    let mut written = Vec::new();
    for (_, plan) in plans {
        match plan {
            Plan::Create(w) => {
                let mut am = system::ActiveModel {
                    stage_before_shutdown: Set(None),
                    evaluation_due_on: Set(policy.next_due(w.mlps_level, None, w.mlps_graded_on)),
                    override_note: Set(String::new()),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                };
                w.apply(&mut am);
                let m = am.insert(&*txn).await?;
                written.push(m.id);
                let change = Change {
                    action: "import",
                    ..Change::created("system", m.id, Some(m.unit_id), crate::registry::service::systems::snapshot(&m))
                };
                audit::append(&*txn, now, &actor, change).await?;
            }
            Plan::Update(id, w) => {
                let Some(current) = by_id.get(&id) else { continue };
                let before = crate::registry::service::systems::snapshot(current);
                let last = mlps_evaluation::Entity::find()
                    .filter(mlps_evaluation::Column::SystemId.eq(id))
                    .order_by_desc(mlps_evaluation::Column::EvaluatedOn)
                    .one(&*txn)
                    .await?
                    .map(|e| e.evaluated_on);
                let mut am: system::ActiveModel = (*current).clone().into();
                w.apply(&mut am);
                am.evaluation_due_on = Set(policy.next_due(w.mlps_level, last, w.mlps_graded_on));
                am.updated_at = Set(now);
                let m = am.update(&*txn).await?;
                written.push(id);
                let change = Change {
                    action: "import",
                    ..Change::updated(
                        "system",
                        id,
                        Some(m.unit_id),
                        before,
                        crate::registry::service::systems::snapshot(&m),
                    )
                };
                audit::append(&*txn, now, &actor, change).await?;
            }
        }
    }
    txn.commit().await?;
    report.written = true;
    // The MLPS filing day (art. 15) follows from what arrived.
    crate::registry::service::systems::recompute_dues(store, Some(&written)).await?;
    // Many rows may have arrived: let the planner know.
    store.analyze().await?;
    Ok(report)
}

/// The filtered list as rows under `inventory::HEADERS`, ready for a spreadsheet.
pub async fn export_rows(store: &Store, who: &Principal, filter: &SystemFilter) -> Result<Vec<Vec<String>>> {
    let Some(q) = filtered_query(store, who, filter).await? else { return Ok(Vec::new()) };
    let models = crate::registry::service::systems::ordered(q, filter.sort.as_deref()).all(store.db()).await?;
    let units: HashMap<i64, String> =
        unit::Entity::find().all(store.db()).await?.into_iter().map(|u| (u.id, u.name)).collect();
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
    let yes = |b: bool| if b { "是".to_owned() } else { "否".to_owned() };
    Ok(models
        .into_iter()
        .map(|m| {
            let row = vec![
                m.name.clone(),
                m.kind.sheet_word().to_owned(),
                units.get(&m.unit_id).cloned().unwrap_or_default(),
                split(&m.urls).join("\n"),
                split(&m.ips).join("\n"),
                yes(m.internet_facing),
                yes(m.important),
                m.stage.sheet_word().to_owned(),
                m.operator_unit_id.and_then(|id| units.get(&id).cloned()).unwrap_or_default(),
                m.operator_vendor.clone(),
                m.operator_contact.clone(),
                m.users.clone(),
                m.hosting.sheet_word().to_owned(),
                split(&m.tags).join(", "),
                m.filing_status.sheet_word().to_owned(),
                m.public_security_no.clone(),
                m.icp_no.clone(),
                date(m.filed_on),
                m.mlps_level.map(|l| l.to_string()).unwrap_or_default(),
                date(m.mlps_graded_on),
                m.mlps_filing_no.clone(),
                date(m.mlps_filed_on),
                m.notes.clone(),
            ];
            debug_assert_eq!(row.len(), HEADERS.len());
            row
        })
        .collect())
}

/// The template: the headers and one example row.
pub fn template_rows() -> Vec<Vec<String>> {
    let example = [
        "化学化工学院网站",
        "网站",
        "化学化工学院",
        "https://chem.university.example/",
        "192.0.2.10",
        "是",
        "否",
        "已上线",
        "网络信息中心",
        "",
        "王老师 010-62751234",
        "全校师生",
        "校内数据中心",
        "wordpress, php",
        "已备案",
        "11010802000001",
        "京ICP备00000001号-1",
        "2025-05-01",
        "2",
        "2025-03-01",
        "11010899001-25001",
        "2025-03-20",
        "",
    ];
    vec![example.iter().map(|s| (*s).to_owned()).collect()]
}

pub use inventory::parse;

/// How long an uploaded file waits for its preview to be confirmed.
pub const PENDING_MINUTES: i64 = 60;

/// Keep an upload for confirmation; returns the token that names it.
pub async fn stash(store: &Store, who: &Principal, content: Vec<u8>) -> Result<String> {
    use crate::platform::entity::pending_import;
    let token = crate::platform::secret::random_token();
    let now = store.now();
    let txn = store.begin_write().await?;
    pending_import::Entity::delete_many()
        .filter(pending_import::Column::CreatedAt.lt(now - chrono::Duration::minutes(PENDING_MINUTES)))
        .exec(&*txn)
        .await?;
    pending_import::ActiveModel {
        token_hash: Set(crate::platform::secret::token_hash(&token)),
        user_id: Set(who.user_id),
        content: Set(content),
        created_at: Set(now),
    }
    .insert(&*txn)
    .await?;
    txn.commit().await?;
    Ok(token)
}

/// The upload a token names, once, for the user who made it; `None` when gone or expired.
pub async fn take(store: &Store, who: &Principal, token: &str) -> Result<Option<Vec<u8>>> {
    use crate::platform::entity::pending_import;
    let hash = crate::platform::secret::token_hash(token);
    let txn = store.begin_write().await?;
    let found = pending_import::Entity::find_by_id(hash.clone()).one(&*txn).await?;
    let Some(p) = found.filter(|p| p.user_id == who.user_id) else { return Ok(None) };
    pending_import::Entity::delete_by_id(hash).exec(&*txn).await?;
    txn.commit().await?;
    let fresh = p.created_at > store.now() - chrono::Duration::minutes(PENDING_MINUTES);
    Ok(fresh.then_some(p.content))
}
