//! The daily reminders of filings (`registry::rules::reminders`): one pass
//! finds the systems whose MLPS filing number is past its day or whose
//! filing must be updated, and tells their unit once a day until it is
//! put right. Run by the background runner beside the escalation pass.

use crate::notify::Audience;
use crate::notify::service::Outbox;
use crate::platform::error::Result;
use crate::platform::store::Store;
use crate::registry::entity::system;
use crate::registry::rules::reminders::{self, FilingReminder};
use crate::registry::{FilingStatus, Stage};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr};

const BATCH: u64 = 1000;

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReminderPass {
    /// Systems reminded of their MLPS filing number.
    pub mlps_filing: usize,
    /// Systems reminded to update their filing.
    pub filing_update: usize,
    pub messages: usize,
}

/// Remind every unit due a reminder today (in the deployment's time zone).
pub async fn run_once(store: &Store) -> Result<ReminderPass> {
    let now = store.now();
    let today = now.with_timezone(&store.notice_policy().time_zone).date_naive();
    let center = store.documents().center.clone();
    let mut pass = ReminderPass::default();
    loop {
        let txn = store.begin_write().await?;
        let due_today = Condition::any()
            .add(system::Column::MlpsFilingDueOn.lt(today))
            .add(system::Column::FilingStatus.eq(FilingStatus::NeedsUpdate));
        let rows = system::Entity::find()
            .filter(due_today)
            .filter(system::Column::Stage.ne(Stage::Closed))
            .filter(
                Condition::any().add(system::Column::RemindedOn.is_null()).add(system::Column::RemindedOn.lt(today)),
            )
            .order_by_asc(system::Column::Id)
            .limit(BATCH)
            .all(&*txn)
            .await?;
        if rows.is_empty() {
            return Ok(pass);
        }
        let units = crate::directory::service::units::by_ids(&*txn, rows.iter().map(|m| m.unit_id)).await?;
        let mut outbox = Outbox::digest();
        let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
        for m in &rows {
            let unit_name = units.get(&m.unit_id).map(|u| u.name.as_str()).unwrap_or_default();
            for r in reminders::due(today, m.mlps_filing_due_on, m.filing_status == FilingStatus::NeedsUpdate) {
                match r {
                    FilingReminder::MlpsFilingOverdue { .. } => pass.mlps_filing += 1,
                    FilingReminder::FilingNeedsUpdate => pass.filing_update += 1,
                }
                let msg = reminders::message(r, m.id, &m.name, unit_name, &center);
                pass.messages += outbox
                    .add(&*txn, now, Some(m.unit_id), &[Audience::Direct, Audience::Main, Audience::Unit], &msg)
                    .await?;
            }
        }
        outbox.flush(&*txn).await?;
        system::Entity::update_many()
            .col_expr(system::Column::RemindedOn, Expr::value(today))
            .filter(system::Column::Id.is_in(ids))
            .exec(&*txn)
            .await?;
        txn.commit().await?;
        // A batch shorter than BATCH was the last.
        if rows.len() < BATCH as usize {
            return Ok(pass);
        }
    }
}
