//! Shutdown orders (责令关停): the ladder proposes one when a deadline and its
//! grace have passed (`[notices] shutdown = "confirm"`); an officer issues
//! it — the system's stage becomes `shutdown`, the unit receives a
//! 责令关停通知 — or extends the deadline with a reason. While an order stands
//! the monitor keeps looking at the site (`record_verification`).

use crate::notices::entity::{notice, rectification, shutdown_order};
use crate::notices::rules::messages::Event;
use crate::notices::service::rectifications::tell;
use crate::notices::{ShutdownOrderState, workflow};
use crate::notify::Audience;
use crate::notify::service::Outbox;
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::{clean, scope_condition};
use crate::platform::error::{CoreError, Result};
use crate::platform::numbers;
use crate::platform::page::{Page, PageRequest};
use crate::platform::store::Store;
use crate::registry::Stage;
use crate::registry::entity::system;
use crate::registry::service::systems::split;
use chrono::{DateTime, Datelike, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ShutdownOrderView {
    pub id: i64,
    pub state: ShutdownOrderState,
    /// 〔2026〕第003号, once issued.
    pub number: String,
    pub system_id: i64,
    pub system_name: String,
    pub system_urls: Vec<String>,
    pub system_stage: Stage,
    pub unit: String,
    pub unit_name: String,
    pub rectification_id: i64,
    pub notice_title: String,
    pub deadline: DateTime<Utc>,
    /// When the ladder proposed it (or issued it, in `automatic` mode).
    pub ordered_at: DateTime<Utc>,
    pub decided_by: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: String,
    pub lifted_at: Option<DateTime<Utc>>,
    /// The monitor's last look at the site while the order stands.
    pub verified_at: Option<DateTime<Utc>>,
    /// Whether the site still answered with content then.
    pub verified_online: Option<bool>,
    pub verification: String,
    /// What the caller may do: issue it or extend the deadline (a proposal, for the center).
    pub decidable: bool,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueInput {
    /// Shown on the order (e.g. what the unit must do to have it lifted).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendInput {
    /// The new deadline (later than now).
    pub deadline: DateTime<Utc>,
    /// Why the deadline is extended instead (required).
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

async fn load_view<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    o: shutdown_order::Model,
) -> Result<ShutdownOrderView> {
    let s = system::Entity::find_by_id(o.system_id).one(conn).await?.ok_or(CoreError::NotFound)?;
    let r = rectification::Entity::find_by_id(o.rectification_id).one(conn).await?.ok_or(CoreError::NotFound)?;
    let n = notice::Entity::find_by_id(r.notice_id).one(conn).await?;
    let units = crate::directory::service::units::by_ids(conn, [o.unit_id]).await?;
    let u = units.get(&o.unit_id);
    Ok(ShutdownOrderView {
        decidable: o.state == ShutdownOrderState::Proposed && who.may(Permission::DecideEnforcement),
        id: o.id,
        state: o.state,
        number: o.number,
        system_id: s.id,
        system_name: s.name,
        system_urls: split(&s.urls),
        system_stage: s.stage,
        unit: u.map(|u| u.code.clone()).unwrap_or_default(),
        unit_name: u.map(|u| u.name.clone()).unwrap_or_default(),
        rectification_id: r.id,
        notice_title: n.map(|n| n.title).unwrap_or_default(),
        deadline: r.deadline,
        ordered_at: o.ordered_at,
        decided_by: o.decided_by,
        decided_at: o.decided_at,
        note: o.note,
        lifted_at: o.lifted_at,
        verified_at: o.verified_at,
        verified_online: o.verified_online,
        verification: o.verification,
    })
}

async fn find_visible<C: ConnectionTrait>(conn: &C, who: &Principal, id: i64) -> Result<shutdown_order::Model> {
    shutdown_order::Entity::find_by_id(id)
        .filter(scope_condition(&who.scope(), shutdown_order::Column::UnitId))
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound)
}

pub async fn get(store: &Store, who: &Principal, id: i64) -> Result<ShutdownOrderView> {
    let o = find_visible(store.db(), who, id).await?;
    load_view(store.db(), who, o).await
}

/// Orders in scope, newest first; `state` narrows (e.g. the proposals waiting).
pub async fn list(
    store: &Store,
    who: &Principal,
    state: Option<ShutdownOrderState>,
    page: PageRequest,
) -> Result<Page<ShutdownOrderView>> {
    let conn = store.db();
    let mut q = shutdown_order::Entity::find().filter(scope_condition(&who.scope(), shutdown_order::Column::UnitId));
    if let Some(s) = state {
        q = q.filter(shutdown_order::Column::State.eq(s));
    }
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_desc(shutdown_order::Column::OrderedAt)
        .order_by_desc(shutdown_order::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for o in rows {
        items.push(load_view(conn, who, o).await?);
    }
    Ok(Page { items, total, page: page.page(), per_page: page.per_page() })
}

/// Issue a proposed order: the system goes to `shutdown`, everyone is told,
/// the order gets its number.
pub async fn issue(store: &Store, who: &Principal, id: i64, input: IssueInput) -> Result<ShutdownOrderView> {
    find_visible(store.db(), who, id).await?;
    who.require(Permission::DecideEnforcement)?;
    let note = clean(&input.note, 2000).ok_or_else(|| CoreError::invalid("note", "too_long"))?;
    let txn = store.begin_write().await?;
    let o = find_visible(&*txn, who, id).await?;
    if o.state != ShutdownOrderState::Proposed {
        return Err(CoreError::Conflict("order_decided"));
    }
    let now = store.now();
    let policy = store.notice_policy();
    let year = now.with_timezone(&policy.time_zone).year();
    let number = numbers::next(&*txn, numbers::SHUTDOWN_NOTICE, year).await?;
    let s = system::Entity::find_by_id(o.system_id).one(&*txn).await?.ok_or(CoreError::NotFound)?;
    let r = rectification::Entity::find_by_id(o.rectification_id).one(&*txn).await?.ok_or(CoreError::NotFound)?;
    let mut changes = Vec::new();
    let stage_before = if s.stage == Stage::Shutdown {
        s.stage_before_shutdown.as_deref().and_then(Stage::parse).map_or("", Stage::as_str).to_owned()
    } else {
        s.stage.as_str().to_owned()
    };
    let mut am: shutdown_order::ActiveModel = o.clone().into();
    am.state = Set(ShutdownOrderState::Issued);
    am.number = Set(number.clone());
    am.decided_by = Set(who.username.clone());
    am.decided_at = Set(Some(now));
    am.note = Set(note.to_owned());
    am.stage_before = Set(stage_before.clone());
    am.update(&*txn).await?;
    changes.push(
        Change::updated(
            "shutdown_order",
            id,
            Some(o.unit_id),
            json!({"state": ShutdownOrderState::Proposed}),
            json!({"state": ShutdownOrderState::Issued, "number": number, "note": note}),
        )
        .with_action("issue"),
    );
    if s.stage != Stage::Shutdown {
        let mut sm: system::ActiveModel = s.clone().into();
        sm.stage_before_shutdown = Set(Some(stage_before.clone()));
        sm.stage = Set(Stage::Shutdown);
        sm.updated_at = Set(now);
        sm.update(&*txn).await?;
        changes.push(
            Change::updated(
                "system",
                s.id,
                Some(s.unit_id),
                json!({"stage": stage_before}),
                json!({"stage": Stage::Shutdown, "rectification_id": r.id, "order": number}),
            )
            .with_action("shutdown_order"),
        );
    }
    // The proposal's daily reminder stops: the order stands until the work is accepted.
    let mut rm: rectification::ActiveModel = r.clone().into();
    rm.next_escalation_at = Set(None);
    rm.updated_at = Set(now);
    rm.update(&*txn).await?;
    let mut outbox = Outbox::new();
    let mut extra = vec![("order_number", number.as_str())];
    if !note.is_empty() {
        extra.push(("", note.as_str()));
    }
    tell(
        store,
        &*txn,
        &mut outbox,
        &r,
        Event::ShutdownIssued,
        &[Audience::First, Audience::Main, Audience::Direct, Audience::Unit, Audience::Center],
        &extra,
    )
    .await?;
    outbox.flush(&*txn).await?;
    audit::append_many(&*txn, now, &Actor::from(who), changes).await?;
    txn.commit().await?;
    get(store, who, id).await
}

/// Withdraw a proposal and give the unit a new deadline, with a reason.
pub async fn extend(store: &Store, who: &Principal, id: i64, input: ExtendInput) -> Result<ShutdownOrderView> {
    find_visible(store.db(), who, id).await?;
    who.require(Permission::DecideEnforcement)?;
    let now = store.now();
    let reason = clean(&input.reason, 2000).ok_or_else(|| CoreError::invalid("reason", "too_long"))?;
    if reason.is_empty() {
        return Err(CoreError::invalid("reason", "required"));
    }
    if input.deadline <= now {
        return Err(CoreError::invalid("deadline", "deadline_in_past"));
    }
    let txn = store.begin_write().await?;
    let o = find_visible(&*txn, who, id).await?;
    if o.state != ShutdownOrderState::Proposed {
        return Err(CoreError::Conflict("order_decided"));
    }
    let r = rectification::Entity::find_by_id(o.rectification_id).one(&*txn).await?.ok_or(CoreError::NotFound)?;
    let mut am: shutdown_order::ActiveModel = o.clone().into();
    am.state = Set(ShutdownOrderState::Withdrawn);
    am.decided_by = Set(who.username.clone());
    am.decided_at = Set(Some(now));
    am.note = Set(reason.to_owned());
    am.lifted_at = Set(Some(now));
    am.update(&*txn).await?;
    // The ladder starts again against the new deadline, from the rungs not yet passed.
    let ladder = &store.notice_policy().ladder;
    let passed =
        ladder.rungs().iter().take_while(|rung| ladder.at(**rung, r.assigned_at, input.deadline) <= now).count();
    let step = i32::try_from(passed).unwrap_or(0);
    let before = json!({"deadline": r.deadline});
    let mut rm: rectification::ActiveModel = r.clone().into();
    rm.deadline = Set(input.deadline);
    rm.escalation_step = Set(step);
    rm.next_escalation_at =
        Set(if workflow::ladder_runs(r.status) { ladder.next_at(step, r.assigned_at, input.deadline) } else { None });
    rm.updated_at = Set(now);
    let r = rm.update(&*txn).await?;
    let changes = vec![
        Change::updated(
            "shutdown_order",
            id,
            Some(o.unit_id),
            json!({"state": ShutdownOrderState::Proposed}),
            json!({"state": ShutdownOrderState::Withdrawn, "reason": reason}),
        )
        .with_action("extend"),
        Change::updated(
            "rectification",
            r.id,
            Some(r.unit_id),
            before,
            json!({"deadline": r.deadline, "reason": reason}),
        )
        .with_action("extend"),
    ];
    let mut outbox = Outbox::new();
    tell(
        store,
        &*txn,
        &mut outbox,
        &r,
        Event::Extended,
        &[Audience::First, Audience::Main, Audience::Direct, Audience::Unit],
        &[("extension_reason", reason.as_str())],
    )
    .await?;
    outbox.flush(&*txn).await?;
    audit::append_many(&*txn, now, &Actor::from(who), changes).await?;
    txn.commit().await?;
    get(store, who, id).await
}

/// Systems the monitor must verify are off the net: under an issued order, or closed.
pub async fn systems_to_verify<C: ConnectionTrait>(conn: &C, system_ids: &[i64]) -> Result<Vec<i64>> {
    if system_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(system::Entity::find()
        .select_only()
        .column(system::Column::Id)
        .filter(system::Column::Id.is_in(system_ids.to_vec()))
        .filter(system::Column::Stage.is_in([Stage::Shutdown, Stage::Closed]))
        .into_tuple::<i64>()
        .all(conn)
        .await?)
}

/// The monitor's look at a system under an order: kept on its standing orders.
pub async fn record_verification<C: ConnectionTrait>(
    conn: &C,
    system_id: i64,
    at: DateTime<Utc>,
    online: bool,
    what: &str,
) -> Result<()> {
    use sea_orm::sea_query::Expr;
    shutdown_order::Entity::update_many()
        .col_expr(shutdown_order::Column::VerifiedAt, Expr::value(at))
        .col_expr(shutdown_order::Column::VerifiedOnline, Expr::value(online))
        .col_expr(shutdown_order::Column::Verification, Expr::value(what.to_owned()))
        .filter(shutdown_order::Column::SystemId.eq(system_id))
        .filter(shutdown_order::Column::State.eq(ShutdownOrderState::Issued))
        .filter(shutdown_order::Column::LiftedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// The 责令关停通知 as a Word form for the unit: (file name, bytes).
pub async fn notice_docx(store: &Store, who: &Principal, id: i64) -> Result<(String, Vec<u8>)> {
    let o = get(store, who, id).await?;
    if o.state == ShutdownOrderState::Proposed || o.number.is_empty() {
        return Err(CoreError::Conflict("order_not_issued"));
    }
    let doc = store.documents();
    let tz = store.notice_policy().time_zone;
    let when = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y年%m月%d日 %H:%M").to_string();
    let system = system::Entity::find_by_id(o.system_id).one(store.db()).await?.ok_or(CoreError::NotFound)?;
    let issued = o.decided_at.unwrap_or(o.ordered_at);
    let mut rows = vec![
        wangan_office::FormRow::Pairs(vec![
            ("单位名称".into(), o.unit_name.clone()),
            ("系统名称".into(), o.system_name.clone()),
        ]),
        wangan_office::FormRow::Pairs(vec![("网址".into(), o.system_urls.join("\n"))]),
    ];
    let ips = split(&system.ips).join("\n");
    if !ips.is_empty() {
        rows.push(wangan_office::FormRow::Pairs(vec![("IP地址".into(), ips)]));
    }
    rows.extend([
        wangan_office::FormRow::Pairs(vec![("通报事项".into(), o.notice_title.clone())]),
        wangan_office::FormRow::Pairs(vec![
            ("整改期限".into(), when(o.deadline)),
            ("关停时间".into(), when(issued)),
        ]),
        wangan_office::FormRow::Block {
            label: "关停要求".into(),
            text: format!(
                "该系统逾期未完成整改，根据学校网络安全管理规定，责令自接到本通知之日起立即停止对外服务（关停），进行线下修复。\n完成整改并经{}复测验证、风险整改报告审核通过后，方可申请恢复上线。{}",
                doc.center,
                if o.note.is_empty() { String::new() } else { format!("\n{}", o.note) }
            ),
            min_lines: 4,
        },
    ]);
    let form = wangan_office::FormDocument {
        title: format!("{}网站（信息系统）责令关停通知", doc.institution),
        subtitle: format!("{}关停{}", doc.short_name(), o.number),
        rows,
        after: vec![
            format!("{}（盖章）", doc.center),
            format!("签发人（签字）：                    日期：{}", issued.with_timezone(&tz).format("%Y年%m月%d日")),
            String::new(),
            "单位接收人（签字）：                    接收日期：        年    月    日".into(),
        ],
    };
    let bytes = wangan_office::write_form_docx(&form).map_err(|e| CoreError::Internal(e.to_string()))?;
    Ok((format!("责令关停通知-{}-{}.docx", o.unit_name, o.id), bytes))
}
