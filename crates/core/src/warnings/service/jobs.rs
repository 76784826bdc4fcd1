//! The warnings' ladder: units that have not acknowledged are reminded at
//! half time, told again (with their responsible persons) when due, and
//! escalated to the first responsible person and the center a day later.

use crate::notify::service::Outbox;
use crate::platform::error::Result;
use crate::platform::store::Store;
use crate::warnings::AckState;
use crate::warnings::entity::{warning, warning_unit};
use crate::warnings::rules;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use std::collections::HashMap;

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct WarningPass {
    pub reminders: usize,
    pub overdue: usize,
    pub escalated: usize,
}

pub async fn run_once(store: &Store) -> Result<WarningPass> {
    let now = store.now();
    let tz = store.notice_policy().time_zone;
    let mut pass = WarningPass::default();
    loop {
        let txn = store.begin_write().await?;
        let due = warning_unit::Entity::find()
            .filter(warning_unit::Column::State.eq(AckState::Pending))
            .filter(warning_unit::Column::NextReminderAt.lte(now))
            .order_by_asc(warning_unit::Column::Id)
            .limit(500)
            .all(&*txn)
            .await?;
        if due.is_empty() {
            return Ok(pass);
        }
        let warnings: HashMap<i64, warning::Model> = warning::Entity::find()
            .filter(warning::Column::Id.is_in(due.iter().map(|d| d.warning_id)))
            .all(&*txn)
            .await?
            .into_iter()
            .map(|w| (w.id, w))
            .collect();
        let units = crate::directory::service::units::by_ids(&*txn, due.iter().map(|d| d.unit_id)).await?;
        let mut outbox = Outbox::digest();
        let n = due.len();
        for p in due {
            let Some(w) = warnings.get(&p.warning_id) else { continue };
            let mut step = p.escalation_step;
            // Only the latest rung passed is sent (a node that was down does not send a backlog).
            let mut last = None;
            while let Some((r, at)) = rules::rung(step, w.published_at, w.ack_due_at) {
                if at > now {
                    break;
                }
                last = Some(r);
                step += 1;
            }
            if let Some(r) = last {
                let name = units.get(&p.unit_id).map(|u| u.name.as_str()).unwrap_or_default();
                let msg = crate::warnings::service::warnings::reminder_message(w, name, r, tz);
                outbox.add(&*txn, now, Some(p.unit_id), r.audiences(), &msg).await?;
                match r {
                    rules::WarningRung::Reminder => pass.reminders += 1,
                    rules::WarningRung::Overdue => pass.overdue += 1,
                    rules::WarningRung::Escalated => pass.escalated += 1,
                }
            }
            let next = rules::rung(step, w.published_at, w.ack_due_at).map(|(_, at)| at);
            let mut am: warning_unit::ActiveModel = p.into();
            am.escalation_step = Set(step);
            am.next_reminder_at = Set(next);
            am.update(&*txn).await?;
        }
        outbox.flush(&*txn).await?;
        txn.commit().await?;
        if n < 500 {
            return Ok(pass);
        }
    }
}
