//! The daily work of inspections: launch recurring campaigns whose day has
//! come, remind units a week and a day before the due date and the day after
//! it, and mark the units that missed it (the rules engine then proposes
//! `no_inspection`). Run by the background runner.

use crate::inspections::rules;
use crate::inspections::service::texts::{CampaignEvent, message};
use crate::notify::Audience;
use crate::notify::service::Outbox;
use crate::platform::error::Result;
use crate::platform::store::Store;

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct InspectionPass {
    pub launched: usize,
    pub reminded: usize,
    pub missed: usize,
}

pub async fn run_once(store: &Store) -> Result<InspectionPass> {
    let launched = crate::inspections::service::schedules::launch_due(store).await?.len();
    let now = store.now();
    let today = now.with_timezone(&store.notice_policy().time_zone).date_naive();
    let txn = store.begin_write().await?;
    let parts = crate::inspections::service::campaigns::open_parts(&*txn).await?;
    let units = crate::directory::service::units::by_ids(&*txn, parts.iter().map(|(_, p)| p.unit_id)).await?;
    let mut outbox = Outbox::digest();
    let (mut reminded, mut missed) = (Vec::new(), Vec::new());
    for (c, p) in &parts {
        if rules::missed(today, c.due_on, p.state) && !p.missed {
            missed.push(p.id);
        }
        if p.reminded_on.is_some_and(|d| d >= today) {
            continue;
        }
        if let Some(r) = rules::reminder(today, c.due_on, p.state) {
            let name = units.get(&p.unit_id).map(|u| u.name.as_str()).unwrap_or_default();
            let msg = message(CampaignEvent::Reminder(r), c.id, &c.title, name, c.due_on, "");
            let mut to = vec![Audience::Direct, Audience::Unit];
            if r == rules::CampaignReminder::Overdue {
                to.extend([Audience::First, Audience::Main, Audience::Center]);
            }
            outbox.add(&*txn, now, Some(p.unit_id), &to, &msg).await?;
            reminded.push(p.id);
        }
    }
    outbox.flush(&*txn).await?;
    let pass = InspectionPass { launched, reminded: reminded.len(), missed: missed.len() };
    crate::inspections::service::campaigns::mark_reminded(&*txn, reminded, today, missed).await?;
    txn.commit().await?;
    Ok(pass)
}
