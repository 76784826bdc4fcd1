//! MLPS (等级保护) rules of 《信息安全等级保护管理办法》 (公通字〔2007〕43号):
//! the evaluation cadence of art. 14 (level 3 at least yearly, level 4 at
//! least every six months, level 5 by special requirement; level 2 by the
//! institution's own rule), the filing clock of art. 15 (filed with the
//! public-security organ within 30 days of grading, or of going online),
//! and the conclusions of the current evaluation report template.

use chrono::{Days, Months, NaiveDate};

crate::closed_set! {
    /// The conclusion of an MLPS evaluation (测评结论). The current report
    /// template grades 优 / 良 / 中 / 差 with a score; `pass`, `basic_pass` and
    /// `fail` are the conclusions of the earlier template, kept so old
    /// records still read (new evaluations cannot use them).
    pub enum EvaluationResult {
        Excellent = "excellent",
        Good = "good",
        Fair = "fair",
        Poor = "poor",
        Pass = "pass",
        BasicPass = "basic_pass",
        Fail = "fail",
    }
}

impl EvaluationResult {
    /// A conclusion of the earlier template (符合 / 基本符合 / 不符合).
    pub fn is_legacy(self) -> bool {
        matches!(self, EvaluationResult::Pass | EvaluationResult::BasicPass | EvaluationResult::Fail)
    }

    /// The conclusions a new evaluation may record.
    pub fn current() -> &'static [EvaluationResult] {
        &[EvaluationResult::Excellent, EvaluationResult::Good, EvaluationResult::Fair, EvaluationResult::Poor]
    }

    /// The band a score (0–100) falls in: 优 ≥ 90, 良 ≥ 80, 中 ≥ 70, else 差.
    pub fn for_score(score: f64) -> Option<EvaluationResult> {
        if !(0.0..=100.0).contains(&score) {
            return None;
        }
        Some(match score {
            s if s >= 90.0 => EvaluationResult::Excellent,
            s if s >= 80.0 => EvaluationResult::Good,
            s if s >= 70.0 => EvaluationResult::Fair,
            _ => EvaluationResult::Poor,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationPolicy {
    /// Months between evaluations for level 2 (the institution's rule).
    pub months_level2: u32,
    /// Months between evaluations for level 3 (art. 14: at least yearly).
    pub months_level3: u32,
    /// Months between evaluations for level 4 (art. 14: at least every six months).
    pub months_level4: u32,
    /// Months between evaluations for level 5 (art. 14: by special requirement).
    pub months_level5: u32,
    /// How far ahead a coming evaluation is flagged.
    pub warn_days: i64,
    /// Days after grading (or going online) within which a system of level ≥ 2
    /// must hold its MLPS filing number (art. 15).
    pub filing_days: u64,
}

impl Default for EvaluationPolicy {
    fn default() -> Self {
        EvaluationPolicy {
            months_level2: 24,
            months_level3: 12,
            months_level4: 6,
            months_level5: 6,
            warn_days: 60,
            filing_days: 30,
        }
    }
}

impl EvaluationPolicy {
    pub fn interval_months(&self, level: i32) -> Option<u32> {
        match level {
            l if l >= 5 => Some(self.months_level5),
            4 => Some(self.months_level4),
            3 => Some(self.months_level3),
            2 => Some(self.months_level2),
            _ => None,
        }
    }

    /// When a system must hold its MLPS filing number (art. 15): `filing_days`
    /// after grading or after going online, whichever is later; `None` when
    /// it needs none (level 1, ungraded) or already has one.
    pub fn filing_due(
        &self,
        level: Option<i32>,
        has_filing_no: bool,
        graded_on: Option<NaiveDate>,
        online_on: Option<NaiveDate>,
    ) -> Option<NaiveDate> {
        if level? < 2 || has_filing_no {
            return None;
        }
        let from = match (graded_on, online_on) {
            (Some(g), Some(o)) => g.max(o),
            (g, o) => g.or(o)?,
        };
        from.checked_add_days(Days::new(self.filing_days))
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
        assert_eq!(p.next_due(Some(2), Some(d(2025, 3, 1)), None), Some(d(2027, 3, 1)));
        assert_eq!(p.next_due(Some(1), Some(d(2025, 3, 1)), None), None);
        assert_eq!(p.next_due(None, Some(d(2025, 3, 1)), None), None);
        assert_eq!(p.next_due(Some(3), None, Some(d(2025, 6, 30))), Some(d(2026, 6, 30)), "from grading");
        assert_eq!(p.next_due(Some(3), None, None), None);
        let custom = EvaluationPolicy { months_level3: 6, ..Default::default() };
        assert_eq!(custom.next_due(Some(3), Some(d(2025, 3, 1)), None), Some(d(2025, 9, 1)));
    }

    /// 《信息安全等级保护管理办法》 art. 14: level 3 at least once a year, level 4
    /// at least every half year, level 5 by special requirement.
    #[test]
    fn article_14_cadence_by_level() {
        let p = EvaluationPolicy::default();
        let last = Some(d(2026, 1, 15));
        assert_eq!(p.next_due(Some(4), last, None), Some(d(2026, 7, 15)), "level 4: six months");
        assert_eq!(p.next_due(Some(5), last, None), Some(d(2026, 7, 15)), "level 5: six by default");
        assert_eq!(p.next_due(Some(3), last, None), Some(d(2027, 1, 15)), "level 3: a year");
        assert_eq!(p.next_due(Some(2), last, None), Some(d(2028, 1, 15)), "level 2: two years by default");
        let special = EvaluationPolicy { months_level5: 3, months_level4: 4, ..Default::default() };
        assert_eq!(special.next_due(Some(5), last, None), Some(d(2026, 4, 15)));
        assert_eq!(special.next_due(Some(4), last, None), Some(d(2026, 5, 15)));
    }

    /// Art. 15: filed within 30 days of grading, or of going online when later.
    #[test]
    fn article_15_filing_clock() {
        let p = EvaluationPolicy::default();
        let graded = Some(d(2026, 3, 1));
        assert_eq!(p.filing_due(Some(2), false, graded, None), Some(d(2026, 3, 31)));
        assert_eq!(p.filing_due(Some(3), false, graded, Some(d(2026, 5, 10))), Some(d(2026, 6, 9)), "online later");
        assert_eq!(p.filing_due(Some(3), false, graded, Some(d(2025, 5, 10))), Some(d(2026, 3, 31)), "graded later");
        assert_eq!(p.filing_due(Some(3), true, graded, None), None, "filed");
        assert_eq!(p.filing_due(Some(1), false, graded, None), None, "level 1 files nothing");
        assert_eq!(p.filing_due(None, false, graded, None), None, "not graded");
        assert_eq!(p.filing_due(Some(2), false, None, Some(d(2026, 3, 1))), Some(d(2026, 3, 31)), "no grading date");
        assert_eq!(p.filing_due(Some(2), false, None, None), None);
    }

    /// The current report template's conclusions follow the score.
    #[test]
    fn conclusions_follow_the_score_band() {
        use EvaluationResult::*;
        assert_eq!(EvaluationResult::for_score(95.0), Some(Excellent));
        assert_eq!(EvaluationResult::for_score(90.0), Some(Excellent));
        assert_eq!(EvaluationResult::for_score(89.9), Some(Good));
        assert_eq!(EvaluationResult::for_score(80.0), Some(Good));
        assert_eq!(EvaluationResult::for_score(70.0), Some(Fair));
        assert_eq!(EvaluationResult::for_score(69.99), Some(Poor));
        assert_eq!(EvaluationResult::for_score(0.0), Some(Poor));
        assert_eq!(EvaluationResult::for_score(100.5), None);
        assert_eq!(EvaluationResult::for_score(-1.0), None);
        assert!(Pass.is_legacy() && BasicPass.is_legacy() && Fail.is_legacy());
        assert!(EvaluationResult::current().iter().all(|r| !r.is_legacy()));
        assert_eq!(EvaluationResult::parse("basic_pass"), Some(BasicPass), "old records still read");
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
