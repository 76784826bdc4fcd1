//! The escalation ladder of a rectification: reminders at fixed shares of
//! the allowed time, escalation at the deadline, a shutdown order after a
//! grace period. Pure: the escalation job asks `due` with the clock's time.
//!
//! A rectification stores how many rungs it has passed (`escalation_step`)
//! and when the next one is due (`next_escalation_at`, indexed), so a pass
//! of the job reads only what is due.

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LadderPolicy {
    /// Reminders, in percent of the allowed time (ascending, 1–99).
    pub reminder_percents: Vec<u8>,
    /// Time after the deadline before a shutdown order.
    pub grace: Duration,
}

impl Default for LadderPolicy {
    fn default() -> Self {
        LadderPolicy { reminder_percents: vec![50, 80], grace: Duration::hours(24) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rung {
    /// A reminder to the unit at this share of the allowed time.
    Reminder(u8),
    /// The deadline passed: escalate to the unit's first responsible person and the center.
    Overdue,
    /// The grace period passed too: order the system shut down.
    Shutdown,
}

/// A rung is stored and sent as its code (`reminder_50`, `overdue`, `shutdown`).
impl serde::Serialize for Rung {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.code())
    }
}

/// In the API document: the rung's code (`reminder_50`, `overdue`, `shutdown`).
impl utoipa::PartialSchema for Rung {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^(reminder_[0-9]+|overdue|shutdown)$"))
            .into()
    }
}

impl utoipa::ToSchema for Rung {}

impl Rung {
    /// The stable word stored in the audit log and the outbox.
    pub fn code(self) -> String {
        match self {
            Rung::Reminder(p) => format!("reminder_{p}"),
            Rung::Overdue => "overdue".into(),
            Rung::Shutdown => "shutdown".into(),
        }
    }

    /// The rung a code names (the inverse of `code`).
    pub fn parse(code: &str) -> Option<Rung> {
        match code {
            "overdue" => Some(Rung::Overdue),
            "shutdown" => Some(Rung::Shutdown),
            other => other.strip_prefix("reminder_")?.parse().ok().map(Rung::Reminder),
        }
    }
}

impl LadderPolicy {
    /// Every rung, in order.
    pub fn rungs(&self) -> Vec<Rung> {
        let mut rungs: Vec<Rung> = self.reminder_percents.iter().map(|p| Rung::Reminder(*p)).collect();
        rungs.push(Rung::Overdue);
        rungs.push(Rung::Shutdown);
        rungs
    }

    /// When a rung is reached for a rectification assigned at `assigned_at`.
    pub fn at(&self, rung: Rung, assigned_at: DateTime<Utc>, deadline: DateTime<Utc>) -> DateTime<Utc> {
        match rung {
            Rung::Reminder(p) => {
                // A deadline already past at assignment leaves no time to share: the
                // reminders fall on the deadline, so the rungs stay in order.
                let start = assigned_at.min(deadline);
                let allowed = deadline - start;
                let share = Duration::microseconds(allowed.num_microseconds().unwrap_or(i64::MAX) / 100 * i64::from(p));
                start + share
            }
            Rung::Overdue => deadline,
            Rung::Shutdown => deadline + self.grace,
        }
    }

    /// The rung to take now, if any, and the step to store after it. When the
    /// job has been away and several rungs have passed, only the highest is
    /// taken: a 50 % reminder after the deadline would only confuse.
    pub fn due(
        &self,
        step: i32,
        assigned_at: DateTime<Utc>,
        deadline: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<(i32, Rung)> {
        let rungs = self.rungs();
        let done = usize::try_from(step.max(0)).unwrap_or(0);
        rungs
            .iter()
            .enumerate()
            .skip(done)
            .rfind(|(_, r)| self.at(**r, assigned_at, deadline) <= now)
            .map(|(i, r)| (i32::try_from(i + 1).unwrap_or(i32::MAX), *r))
    }

    /// When the rung after `step` is due; `None` when the ladder is done.
    pub fn next_at(&self, step: i32, assigned_at: DateTime<Utc>, deadline: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let done = usize::try_from(step.max(0)).unwrap_or(0);
        self.rungs().get(done).map(|r| self.at(*r, assigned_at, deadline))
    }

    /// The number of rungs (the step after a shutdown order).
    pub fn len(&self) -> i32 {
        i32::try_from(self.reminder_percents.len() + 2).unwrap_or(i32::MAX)
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// The step at which the deadline has passed (the `Overdue` rung).
    pub fn overdue_step(&self) -> i32 {
        self.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap()
    }

    #[test]
    fn rungs_read_back_from_their_codes() {
        for r in [Rung::Reminder(50), Rung::Reminder(7), Rung::Overdue, Rung::Shutdown] {
            assert_eq!(Rung::parse(&r.code()), Some(r));
            assert_eq!(serde_json::to_value(r).unwrap(), serde_json::json!(r.code()));
        }
        assert_eq!(Rung::parse("reminder_"), None);
        assert_eq!(Rung::parse("reminder_x"), None);
        assert_eq!(Rung::parse("later"), None);
    }

    /// Walk a rectification up the ladder with a fake clock, one hour at a time.
    #[test]
    fn every_rung_in_order_over_a_fake_clock() {
        let p = LadderPolicy::default();
        let assigned = t0();
        let deadline = assigned + Duration::days(3); // 72 h: reminders at 36 h and 57.6 h
        let mut step = 0;
        let mut taken = Vec::new();
        for hour in 0..=200 {
            let now = assigned + Duration::hours(hour);
            if let Some((next, rung)) = p.due(step, assigned, deadline, now) {
                taken.push((hour, rung));
                step = next;
            }
        }
        assert_eq!(
            taken,
            [(36, Rung::Reminder(50)), (58, Rung::Reminder(80)), (72, Rung::Overdue), (96, Rung::Shutdown)]
        );
        assert_eq!(step, p.len());
        assert_eq!(p.next_at(step, assigned, deadline), None);
    }

    #[test]
    fn nothing_is_due_before_the_first_reminder() {
        let p = LadderPolicy::default();
        let d = t0() + Duration::hours(24);
        assert_eq!(p.due(0, t0(), d, t0() + Duration::hours(11)), None);
        assert_eq!(p.next_at(0, t0(), d), Some(t0() + Duration::hours(12)));
        assert_eq!(p.due(0, t0(), d, t0() + Duration::hours(12)), Some((1, Rung::Reminder(50))));
    }

    #[test]
    fn the_grace_period_holds_the_shutdown_back() {
        let p = LadderPolicy { grace: Duration::hours(48), ..LadderPolicy::default() };
        let d = t0() + Duration::hours(24);
        let overdue = p.overdue_step();
        assert_eq!(p.due(overdue, t0(), d, d + Duration::hours(47)), None);
        assert_eq!(p.next_at(overdue, t0(), d), Some(d + Duration::hours(48)));
        assert_eq!(p.due(overdue, t0(), d, d + Duration::hours(48)), Some((p.len(), Rung::Shutdown)));
    }

    #[test]
    fn a_late_job_takes_only_the_highest_rung() {
        let p = LadderPolicy::default();
        let d = t0() + Duration::hours(24);
        // Away past the deadline: straight to the escalation, skipping both reminders.
        assert_eq!(p.due(0, t0(), d, d + Duration::minutes(1)), Some((3, Rung::Overdue)));
        // Away past the grace period too: the shutdown order.
        assert_eq!(p.due(0, t0(), d, d + Duration::hours(25)), Some((4, Rung::Shutdown)));
    }

    #[test]
    fn a_later_deadline_moves_the_next_rung() {
        let p = LadderPolicy::default();
        let d = t0() + Duration::hours(24);
        let step = p.overdue_step();
        let later = d + Duration::days(5);
        // The deadline was extended after the escalation: no shutdown until the new deadline + grace.
        assert_eq!(p.due(step, t0(), later, d + Duration::hours(30)), None);
        assert_eq!(p.next_at(step, t0(), later), Some(later + Duration::hours(24)));
    }

    #[test]
    fn configurable_reminders() {
        let p = LadderPolicy { reminder_percents: vec![25, 50, 90], grace: Duration::zero() };
        assert_eq!(
            p.rungs(),
            [Rung::Reminder(25), Rung::Reminder(50), Rung::Reminder(90), Rung::Overdue, Rung::Shutdown]
        );
        let d = t0() + Duration::hours(100);
        assert_eq!(p.at(Rung::Reminder(25), t0(), d), t0() + Duration::hours(25));
        // No grace: the deadline brings the escalation and the order at once; the order wins.
        assert_eq!(p.due(3, t0(), d, d), Some((5, Rung::Shutdown)));
        assert_eq!(Rung::Reminder(25).code(), "reminder_25");
    }

    #[test]
    fn a_deadline_before_assignment_is_already_due() {
        let p = LadderPolicy::default();
        let d = t0() - Duration::hours(1);
        assert_eq!(p.at(Rung::Reminder(50), t0(), d), d);
        assert_eq!(p.next_at(0, t0(), d), Some(d), "due at once, not after the assignment");
        assert_eq!(p.due(0, t0(), d, t0()), Some((3, Rung::Overdue)));
    }
}
