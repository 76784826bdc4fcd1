//! MLPS (等级保护) evaluation schedule: level 3 and above every year, level 2
//! every two years (configurable); level 1 needs none.

use chrono::{Months, NaiveDate};

crate::closed_set! {
    /// The conclusion of an MLPS evaluation (测评结论).
    pub enum EvaluationResult { Pass = "pass", BasicPass = "basic_pass", Fail = "fail" }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationPolicy {
    /// Months between evaluations for level ≥ 3.
    pub months_level3: u32,
    /// Months between evaluations for level 2.
    pub months_level2: u32,
    /// How far ahead a coming evaluation is flagged.
    pub warn_days: i64,
}

impl Default for EvaluationPolicy {
    fn default() -> Self {
        EvaluationPolicy { months_level3: 12, months_level2: 24, warn_days: 60 }
    }
}

impl EvaluationPolicy {
    pub fn interval_months(&self, level: i32) -> Option<u32> {
        match level {
            l if l >= 3 => Some(self.months_level3),
            2 => Some(self.months_level2),
            _ => None,
        }
    }

    /// When the next evaluation is due: one interval after the last one, or
    /// after grading when there has been none.
    pub fn next_due(
        &self,
        level: Option<i32>,
        last: Option<NaiveDate>,
        graded_on: Option<NaiveDate>,
    ) -> Option<NaiveDate> {
        let months = self.interval_months(level?)?;
        last.or(graded_on)?.checked_add_months(Months::new(months))
    }
}

crate::closed_set! {
    /// Where a system's next evaluation stands.
    pub enum DueState { Overdue = "overdue", DueSoon = "due_soon", Fine = "fine" }
}

pub fn due_state(today: NaiveDate, due: Option<NaiveDate>, policy: &EvaluationPolicy) -> DueState {
    match due {
        Some(d) if d < today => DueState::Overdue,
        Some(d) if (d - today).num_days() <= policy.warn_days => DueState::DueSoon,
        _ => DueState::Fine,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn intervals_follow_the_level() {
        let p = EvaluationPolicy::default();
        assert_eq!(p.next_due(Some(3), Some(d(2025, 3, 1)), None), Some(d(2026, 3, 1)));
        assert_eq!(p.next_due(Some(4), Some(d(2025, 3, 1)), None), Some(d(2026, 3, 1)));
        assert_eq!(p.next_due(Some(2), Some(d(2025, 3, 1)), None), Some(d(2027, 3, 1)));
        assert_eq!(p.next_due(Some(1), Some(d(2025, 3, 1)), None), None);
        assert_eq!(p.next_due(None, Some(d(2025, 3, 1)), None), None);
        assert_eq!(p.next_due(Some(3), None, Some(d(2025, 6, 30))), Some(d(2026, 6, 30)), "from grading");
        assert_eq!(p.next_due(Some(3), None, None), None);
        let custom = EvaluationPolicy { months_level3: 6, ..Default::default() };
        assert_eq!(custom.next_due(Some(3), Some(d(2025, 3, 1)), None), Some(d(2025, 9, 1)));
    }

    #[test]
    fn overdue_and_due_soon() {
        let p = EvaluationPolicy::default();
        let today = d(2026, 11, 24);
        assert_eq!(due_state(today, Some(d(2026, 11, 23)), &p), DueState::Overdue);
        assert_eq!(due_state(today, Some(d(2026, 11, 24)), &p), DueState::DueSoon);
        assert_eq!(due_state(today, Some(d(2027, 1, 23)), &p), DueState::DueSoon);
        assert_eq!(due_state(today, Some(d(2027, 1, 24)), &p), DueState::Fine);
        assert_eq!(due_state(today, None, &p), DueState::Fine);
    }
}
