//! The escalation job: one pass moves every due rectification up its
//! ladder (`notices::ladder`): reminders, escalation at the deadline, and
//! after the grace period a shutdown order — proposed to the center (mode
//! `confirm`, the default) or issued at once (`automatic`: the system's
//! stage becomes `shutdown`) — with a proposed `refused_rectification`
//! violation. A unit that took the system offline itself gets reminders,
//! no order. Past the ladder's end, a waiting proposal or an offline repair
//! is reminded daily. Each
//! batch is one transaction: rung, audit entries and messages together.

use crate::notices::entity::notice;
use crate::notices::entity::rectification;
use crate::notices::entity::shutdown_order;
use crate::notices::entity::violation;
use crate::notices::rules::messages::{self, Event, Subject};
use crate::notices::{
    Rung, ShutdownMode, ShutdownOrderState, ShutdownStep, ViolationCategory, ViolationState, shutdown_step, workflow,
};
use crate::notify::Audience;
use crate::notify::service::Outbox;
use crate::platform::audit::{self, Actor, Change};
use crate::platform::error::Result;
use crate::platform::numbers;
use crate::platform::store::Store;
use crate::registry::Stage;
use crate::registry::entity::system;
use chrono::Datelike;
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;
use std::collections::HashMap;

const BATCH: u64 = 5000;

/// What a pass needs of a due rectification.
#[derive(Debug, FromQueryResult)]
struct Due {
    id: i64,
    notice_id: i64,
    system_id: i64,
    unit_id: i64,
    severity: crate::notices::Severity,
    assigned_at: chrono::DateTime<chrono::Utc>,
    deadline: chrono::DateTime<chrono::Utc>,
    escalation_step: i32,
    status: crate::notices::RectificationStatus,
}

/// What a pass needs of a system.
#[derive(Debug, FromQueryResult)]
struct SystemFacts {
    id: i64,
    name: String,
    stage: Stage,
    stage_before_shutdown: Option<String>,
}

/// The unit has the system off the net (its own doing, or never there).
fn offline(stage: Option<Stage>) -> bool {
    matches!(stage, Some(Stage::Offline | Stage::Closed | Stage::Planned))
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PassReport {
    pub reminders: usize,
    pub overdue: usize,
    /// Shutdown orders proposed to the center (mode `confirm`).
    pub proposals: usize,
    /// Shutdown orders issued (mode `automatic`).
    pub shutdowns: usize,
    pub messages: usize,
}

impl PassReport {
    pub fn steps(&self) -> usize {
        self.reminders + self.overdue + self.proposals + self.shutdowns
    }
}

fn audiences(rung: Rung) -> &'static [Audience] {
    match rung {
        Rung::Reminder(_) => &[Audience::Direct, Audience::Main, Audience::Unit],
        Rung::Overdue => &[Audience::First, Audience::Main, Audience::Direct, Audience::Unit, Audience::Center],
        Rung::Shutdown => &[Audience::First, Audience::Main, Audience::Direct, Audience::Unit, Audience::Center],
    }
}

/// Run the ladder once, as of the store's clock.
pub async fn run_once(store: &Store) -> Result<PassReport> {
    let now = store.now();
    let policy = store.notice_policy();
    let ladder = &policy.ladder;
    let actor = Actor::system("escalation");
    let mut report = PassReport::default();
    loop {
        let txn = store.begin_write().await?;
        let rows: Vec<Due> = rectification::Entity::find()
            .select_only()
            .columns([
                rectification::Column::Id,
                rectification::Column::NoticeId,
                rectification::Column::SystemId,
                rectification::Column::UnitId,
                rectification::Column::Severity,
                rectification::Column::AssignedAt,
                rectification::Column::Deadline,
                rectification::Column::EscalationStep,
                rectification::Column::Status,
            ])
            // `next_escalation_at` is kept NULL whenever the ladder is stopped (approved,
            // closed), so this range alone finds the due rows, on its own index and in order.
            .filter(rectification::Column::NextEscalationAt.lte(now))
            .order_by_asc(rectification::Column::NextEscalationAt)
            .order_by_asc(rectification::Column::Id)
            .limit(BATCH)
            .into_model::<Due>()
            .all(&*txn)
            .await?;
        if rows.is_empty() {
            break;
        }
        let ids = |f: fn(&Due) -> i64| {
            let mut v: Vec<i64> = rows.iter().map(f).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let notices: HashMap<i64, notice::Model> = notice::Entity::find()
            .filter(notice::Column::Id.is_in(ids(|r| r.notice_id)))
            .all(&*txn)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        let mut systems: HashMap<i64, SystemFacts> = system::Entity::find()
            .select_only()
            .columns([
                system::Column::Id,
                system::Column::Name,
                system::Column::Stage,
                system::Column::StageBeforeShutdown,
            ])
            .filter(system::Column::Id.is_in(ids(|r| r.system_id)))
            .into_model::<SystemFacts>()
            .all(&*txn)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        let units = crate::directory::service::units::by_ids(&*txn, ids(|r| r.unit_id)).await?;
        // Rectifications whose shutdown proposal waits for the center.
        let pending: std::collections::HashSet<i64> = shutdown_order::Entity::find()
            .select_only()
            .column(shutdown_order::Column::RectificationId)
            .filter(shutdown_order::Column::RectificationId.is_in(ids(|r| r.id)))
            .filter(shutdown_order::Column::State.eq(ShutdownOrderState::Proposed))
            .into_tuple::<i64>()
            .all(&*txn)
            .await?
            .into_iter()
            .collect();
        let year = now.with_timezone(&policy.time_zone).year();
        let mut outbox = Outbox::digest();
        let mut changes = Vec::with_capacity(rows.len());
        let (mut orders, mut violations, mut shut) = (Vec::new(), Vec::new(), Vec::new());
        let mut moved = Vec::with_capacity(rows.len());
        for r in rows {
            let runs = workflow::ladder_runs(r.status);
            let taken = if runs { ladder.due(r.escalation_step, r.assigned_at, r.deadline, now) } else { None };
            let step = taken.map(|(s, _)| s).unwrap_or(r.escalation_step);
            let stage = systems.get(&r.system_id).map(|s| s.stage);
            // Past the ladder's end, what still waits is told daily: a proposal to the
            // center, or a unit repairing offline (§三(三): 关停、线下修复).
            let waiting = runs
                && step >= ladder.len()
                && (pending.contains(&r.id)
                    || (taken.is_some() && policy.shutdown == ShutdownMode::Confirm && !offline(stage))
                    || offline(stage));
            // A row whose ladder is stopped leaves the index (and can never loop the pass).
            let next = if !runs {
                None
            } else if waiting {
                Some(now + chrono::Duration::days(1))
            } else {
                ladder.next_at(step, r.assigned_at, r.deadline)
            };
            moved.push((r.id, step, next));
            let (Some(n), Some(u)) = (notices.get(&r.notice_id), units.get(&r.unit_id)) else { continue };
            let system_name = systems.get(&r.system_id).map(|s| s.name.clone()).unwrap_or_default();
            let subject = Subject {
                rectification_id: r.id,
                notice_title: &n.title,
                notice_reference: &n.reference,
                severity: r.severity,
                system_name: &system_name,
                unit_name: &u.name,
                deadline: r.deadline,
                center: &store.documents().center,
            };
            let Some((_, rung)) = taken else {
                // The daily reminder past the ladder's end.
                if runs && step >= ladder.len() {
                    let (event, to): (_, &[Audience]) = if pending.contains(&r.id) {
                        (Event::ShutdownPending, &[Audience::Center])
                    } else if offline(stage) {
                        (Event::OfflineReminder, &[Audience::Direct, Audience::Main, Audience::Unit])
                    } else {
                        continue;
                    };
                    let msg = messages::message(event, &subject, policy.time_zone, &[]);
                    report.messages += outbox.add(&*txn, now, Some(r.unit_id), to, &msg).await?;
                    report.reminders += 1;
                }
                continue;
            };
            let mut after = json!({"rung": rung.code(), "deadline": r.deadline});
            let escalate_at = changes.len();
            changes.push(Change::event("escalate", "rectification", r.id, Some(r.unit_id)));
            let step_kind = match (rung, stage) {
                (Rung::Shutdown, Some(st)) => Some(shutdown_step(policy.shutdown, st)),
                _ => None,
            };
            let (event, to) = match step_kind {
                Some(ShutdownStep::Propose) => (Event::ShutdownProposed, &[Audience::Center][..]),
                Some(ShutdownStep::AlreadyOffline) => {
                    (Event::OfflineReminder, &[Audience::Direct, Audience::Main, Audience::Unit][..])
                }
                _ => (Event::Rung(rung), audiences(rung)),
            };
            let msg = messages::message(event, &subject, policy.time_zone, &[]);
            report.messages += outbox.add(&*txn, now, Some(r.unit_id), to, &msg).await?;
            match rung {
                Rung::Reminder(_) => report.reminders += 1,
                Rung::Overdue => report.overdue += 1,
                Rung::Shutdown => {
                    let Some(s) = systems.get_mut(&r.system_id) else { continue };
                    let Some(kind) = step_kind else { continue };
                    if kind == ShutdownStep::AlreadyOffline {
                        // Offline already, as §三(三) asks: reminders, no order, no violation.
                        after["self_offline"] = json!(true);
                        report.reminders += 1;
                        if let Some(c) = changes.get_mut(escalate_at) {
                            c.after = Some(after);
                        }
                        continue;
                    }
                    if kind == ShutdownStep::Issue {
                        report.shutdowns += 1;
                    } else {
                        report.proposals += 1;
                    }
                    // Unknown when an order came before this one and its record has no stage.
                    let stage_before = if s.stage == Stage::Shutdown {
                        s.stage_before_shutdown.as_deref().and_then(Stage::parse).map_or("", Stage::as_str)
                    } else {
                        s.stage.as_str()
                    };
                    let issue = kind == ShutdownStep::Issue;
                    let number =
                        if issue { numbers::next(&*txn, numbers::SHUTDOWN_NOTICE, year).await? } else { String::new() };
                    orders.push(shutdown_order::ActiveModel {
                        system_id: Set(s.id),
                        rectification_id: Set(r.id),
                        unit_id: Set(r.unit_id),
                        stage_before: Set(stage_before.to_owned()),
                        ordered_at: Set(now),
                        lifted_at: Set(None),
                        state: Set(if issue { ShutdownOrderState::Issued } else { ShutdownOrderState::Proposed }),
                        number: Set(number.clone()),
                        decided_by: Set(if issue { "escalation".into() } else { String::new() }),
                        decided_at: Set(issue.then_some(now)),
                        note: Set(String::new()),
                        verified_at: Set(None),
                        verified_online: Set(None),
                        verification: Set(String::new()),
                        ..Default::default()
                    });
                    // Lateness alone is not refusal: the violation is proposed, a person decides.
                    violations.push(violation::ActiveModel {
                        unit_id: Set(r.unit_id),
                        category: Set(ViolationCategory::RefusedRectification),
                        legacy_category: Set(String::new()),
                        state: Set(ViolationState::Proposed),
                        decided_by: Set(String::new()),
                        decided_at: Set(None),
                        decision_note: Set(String::new()),
                        system_id: Set(Some(s.id)),
                        rectification_id: Set(Some(r.id)),
                        description: Set(format!(
                            "逾期未完成整改：{}（{}），整改期限 {}",
                            n.title,
                            s.name,
                            r.deadline.with_timezone(&policy.time_zone).format("%Y-%m-%d %H:%M")
                        )),
                        raised_by: Set("escalation".into()),
                        occurred_at: Set(now),
                        created_at: Set(now),
                        rule_key: Set(crate::enforcement::rules::rule_key(
                            ViolationCategory::RefusedRectification,
                            "rectification",
                            r.id,
                        )),
                        ..Default::default()
                    });
                    // The order and the violation are told in the rectification's history.
                    after["system_id"] = json!(s.id);
                    after["stage_before"] = json!(stage_before);
                    after["violation"] = json!(ViolationCategory::RefusedRectification);
                    after["order"] =
                        json!(if issue { ShutdownOrderState::Issued } else { ShutdownOrderState::Proposed });
                    if !number.is_empty() {
                        after["number"] = json!(number);
                    }
                    if issue && s.stage != Stage::Shutdown {
                        shut.push(s.id);
                        changes.push(
                            Change::updated(
                                "system",
                                s.id,
                                Some(r.unit_id),
                                json!({"stage": stage_before}),
                                json!({"stage": Stage::Shutdown, "rectification_id": r.id}),
                            )
                            .with_action("shutdown_order"),
                        );
                        s.stage_before_shutdown = Some(stage_before.to_owned());
                        s.stage = Stage::Shutdown;
                    }
                }
            }
            if let Some(c) = changes.get_mut(escalate_at) {
                c.after = Some(after);
            }
        }
        for chunk in orders.chunks(500) {
            shutdown_order::Entity::insert_many(chunk.to_vec()).exec(&*txn).await?;
        }
        for chunk in violations.chunks(500) {
            violation::Entity::insert_many(chunk.to_vec()).exec(&*txn).await?;
        }
        for chunk in shut.chunks(500) {
            // The stage before the order is kept from the row itself.
            system::Entity::update_many()
                .col_expr(system::Column::StageBeforeShutdown, Expr::col(system::Column::Stage))
                .col_expr(system::Column::Stage, Expr::value("shutdown"))
                .col_expr(system::Column::UpdatedAt, Expr::value(now))
                .filter(system::Column::Id.is_in(chunk.to_vec()))
                .filter(system::Column::Stage.ne("shutdown"))
                .exec(&*txn)
                .await?;
        }
        // The new positions, in one UPDATE per chunk: `CASE id WHEN … THEN … END`.
        for chunk in moved.chunks(500) {
            let mut step = CaseStatement::new();
            let mut next = CaseStatement::new();
            for (id, st, at) in chunk {
                step = step.case(Expr::col(rectification::Column::Id).eq(*id), Expr::val(*st));
                next = next.case(Expr::col(rectification::Column::Id).eq(*id), Expr::val(*at));
            }
            rectification::Entity::update_many()
                .col_expr(rectification::Column::EscalationStep, step.into())
                .col_expr(rectification::Column::NextEscalationAt, next.into())
                .col_expr(rectification::Column::UpdatedAt, Expr::val(now))
                .filter(rectification::Column::Id.is_in(chunk.iter().map(|(id, _, _)| *id)))
                .exec(&*txn)
                .await?;
        }
        outbox.flush(&*txn).await?;
        audit::append_many(&*txn, now, &actor, changes).await?;
        txn.commit().await?;
    }
    Ok(report)
}
