//! The background runner: escalation passes, filing reminders, inspection
//! campaigns (schedules, reminders, missed dates), the accountability rules
//! engine, the monthly scores and notification delivery, in a loop per node. `run_once` is the single step that `wangan jobs run-once`
//! and the tests drive.

use std::time::Duration;
use wangan_core::Store;
use wangan_core::enforcement::service::engine::EnginePass;
use wangan_core::inspections::service::jobs::InspectionPass;
use wangan_core::notices::service::escalation::{self, PassReport};
use wangan_core::notify::RetryPolicy;
use wangan_core::registry::service::reminders::{self, ReminderPass};
use wangan_notify::{DeliveryReport, Sender};

/// Messages claimed per delivery round.
const DELIVERY_BATCH: u64 = 200;

#[derive(Clone)]
pub struct Runner {
    pub store: Store,
    pub sender: Sender,
    pub retry: RetryPolicy,
}

/// What one round of every job did.
pub struct JobsReport {
    pub escalation: PassReport,
    pub reminders: ReminderPass,
    pub inspections: InspectionPass,
    pub accountability: EnginePass,
    pub delivered: DeliveryReport,
}

/// The daily work beside the escalation pass: campaigns, then the rules
/// engine (which sees the missed campaigns), then this month's scores.
async fn mechanisms(store: &Store) -> wangan_core::Result<(InspectionPass, EnginePass)> {
    let inspections = wangan_core::inspections::service::jobs::run_once(store).await?;
    let w = wangan_core::warnings::service::jobs::run_once(store).await?;
    let calls = wangan_core::data_calls::service::remind(store).await?;
    if calls > 0 {
        tracing::info!(units = calls, "data call reminders");
    }
    if w.reminders + w.overdue + w.escalated > 0 {
        tracing::info!(?w, "warning reminders");
    }
    let escalated = wangan_core::duty::service::alerts::escalate(store).await?;
    let gaps = wangan_core::duty::service::shifts::remind_gaps(store).await?;
    let chased = wangan_core::key_periods::service::chase(store).await?;
    let certificates = wangan_core::registers::service::training::remind_certificates(store).await?;
    if escalated + gaps + chased + certificates > 0 {
        tracing::info!(
            escalated,
            gaps,
            chased,
            certificates,
            "duty alerts escalated, roster gaps reminded, key-period reports chased, expiring certificates reminded"
        );
    }
    let accountability = wangan_core::enforcement::service::engine::run_once(store).await?;
    wangan_core::scorecard::service::record_month(store).await?;
    Ok((inspections, accountability))
}

impl Runner {
    /// Every job once, as of the store's clock; delivers everything due.
    pub async fn run_once(&self) -> wangan_core::Result<JobsReport> {
        let escalation = escalation::run_once(&self.store).await?;
        let reminders = reminders::run_once(&self.store).await?;
        let (inspections, accountability) = mechanisms(&self.store).await?;
        let delivered = self.deliver_due().await?;
        Ok(JobsReport { escalation, reminders, inspections, accountability, delivered })
    }

    async fn deliver_due(&self) -> wangan_core::Result<DeliveryReport> {
        let mut total = DeliveryReport::default();
        loop {
            let r = wangan_notify::deliver_once(&self.store, &self.sender, &self.retry, DELIVERY_BATCH).await?;
            let n = r.sent + r.failed_attempts;
            total.sent += r.sent;
            total.failed_attempts += r.failed_attempts;
            if n < DELIVERY_BATCH as usize {
                return Ok(total);
            }
        }
    }

    /// Run until the process stops: escalation every `escalation_every`, the outbox every `delivery_every`.
    pub fn spawn(self, escalation_every: Duration, delivery_every: Duration) {
        if !self.sender.kinds().contains(&wangan_core::notify::ChannelKind::Email) {
            tracing::warn!("no [smtp] server configured: email notifications wait in the outbox until one is");
        }
        let esc = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(escalation_every);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                match escalation::run_once(&esc.store).await {
                    Ok(r) if r.steps() > 0 => tracing::info!(?r, "escalation pass"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "escalation pass failed"),
                }
                // Filing reminders: each system at most once a day.
                match reminders::run_once(&esc.store).await {
                    Ok(r) if r.messages > 0 => tracing::info!(?r, "filing reminders"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "filing reminders failed"),
                }
                match mechanisms(&esc.store).await {
                    Ok((i, a)) if i.launched + i.reminded + i.missed + a.proposed + a.corrected > 0 => {
                        tracing::info!(?i, ?a, "inspections and accountability")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "inspections and accountability pass failed"),
                }
            }
        });
        tokio::spawn(async move {
            let mut every = tokio::time::interval(delivery_every);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                if let Err(e) = self.deliver_due().await {
                    tracing::warn!(error = %e, "delivery round failed");
                }
            }
        });
    }
}
