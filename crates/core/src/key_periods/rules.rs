//! Key periods' words and rules: the kinds, whether a day's report is
//! filed, late or missing, and the interval a site is checked at. Pure.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

crate::closed_set! {
    /// What the period protects.
    pub enum PeriodKind {
        /// 国庆.
        NationalDay = "national_day",
        /// 全国两会.
        TwoSessions = "two_sessions",
        /// 开学.
        SchoolStart = "school_start",
        /// 考试（高考、研考、期末）.
        Exams = "exams",
        Other = "other",
    }
}

crate::closed_set! {
    /// A unit's report for one day.
    pub enum ReportState {
        /// Filed by the hour.
        Filed = "filed",
        /// Filed after the hour.
        Late = "late",
        /// The hour has passed with nothing filed.
        Missing = "missing",
        /// Not filed, the hour still ahead.
        Due = "due",
    }
}

/// `17:00` → minutes of the day.
pub fn parse_report_by(s: &str) -> Option<i32> {
    let t = NaiveTime::parse_from_str(s.trim(), "%H:%M").ok()?;
    i32::try_from(chrono::Timelike::num_seconds_from_midnight(&t) / 60).ok()
}

/// Minutes of the day → `17:00`.
pub fn format_report_by(minute: i32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// The deadline of `day`'s report: `day` at the hour, local time.
pub fn deadline<Tz: chrono::TimeZone>(tz: &Tz, day: NaiveDate, report_by_minute: i32) -> DateTime<Utc> {
    let at = NaiveTime::from_num_seconds_from_midnight_opt(
        u32::try_from(report_by_minute.clamp(0, 1439)).unwrap_or(0) * 60,
        0,
    )
    .unwrap_or(NaiveTime::MIN);
    crate::duty::rules::local_instant(tz, day, at)
}

/// Where `day`'s report stands as of `now`.
pub fn report_state(submitted_at: Option<DateTime<Utc>>, deadline: DateTime<Utc>, now: DateTime<Utc>) -> ReportState {
    match submitted_at {
        Some(t) if t <= deadline => ReportState::Filed,
        Some(_) => ReportState::Late,
        None if now > deadline => ReportState::Missing,
        None => ReportState::Due,
    }
}

/// The days of a period up to `today` (the days a report is owed for).
pub fn days_owed(starts_on: NaiveDate, ends_on: NaiveDate, today: NaiveDate) -> Vec<NaiveDate> {
    let last = ends_on.min(today);
    let mut out = Vec::new();
    let mut d = starts_on;
    while d <= last {
        out.push(d);
        d = d.succ_opt().unwrap_or(last);
        if out.len() > 400 {
            break;
        }
    }
    out
}

/// A monitor's interval while its unit is under a period: the shorter of the two.
pub fn interval_during(monitor_s: i32, period_s: Option<i32>) -> i32 {
    period_s.map_or(monitor_s, |p| monitor_s.min(p.max(30)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn daily_reports_filed_late_and_missing() {
        let tz = chrono_tz::Asia::Shanghai;
        let day = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let by = parse_report_by("17:00").unwrap();
        assert_eq!(by, 1020);
        assert_eq!(format_report_by(by), "17:00");
        let dl = deadline(&tz, day, by);
        assert_eq!(dl, Utc.with_ymd_and_hms(2026, 10, 1, 9, 0, 0).unwrap());
        let before = dl - chrono::Duration::minutes(1);
        let after = dl + chrono::Duration::minutes(1);
        assert_eq!(report_state(Some(before), dl, after), ReportState::Filed);
        assert_eq!(report_state(Some(dl), dl, after), ReportState::Filed);
        assert_eq!(report_state(Some(after), dl, after), ReportState::Late);
        assert_eq!(report_state(None, dl, after), ReportState::Missing);
        assert_eq!(report_state(None, dl, before), ReportState::Due);
        assert_eq!(parse_report_by("25:00"), None);
    }

    #[test]
    fn days_owed_stop_at_today_and_at_the_end() {
        let d = |m, dd| NaiveDate::from_ymd_opt(2026, m, dd).unwrap();
        assert_eq!(days_owed(d(9, 30), d(10, 7), d(10, 2)), [d(9, 30), d(10, 1), d(10, 2)]);
        assert_eq!(days_owed(d(9, 30), d(10, 1), d(10, 9)).len(), 2);
        assert!(days_owed(d(10, 1), d(10, 7), d(9, 1)).is_empty());
    }

    #[test]
    fn sites_are_checked_more_often_during_a_period() {
        assert_eq!(interval_during(300, Some(60)), 60);
        assert_eq!(interval_during(30, Some(60)), 30);
        assert_eq!(interval_during(300, None), 300);
        assert_eq!(interval_during(300, Some(5)), 30, "never below the floor");
    }
}
