//! Working days (工作日): weekends and public holidays are not, make-up days
//! (调休上班) are. Deadlines given in working days (`"3 workdays"`) count
//! them; deadlines given in hours (`"24h"`) count the clock.
//!
//! The holiday lists follow the State Council's yearly notice
//! (国务院办公厅关于部分节假日安排的通知) and are editable in `[calendar]`
//! of `wangan.toml`: the shipped lists cover the current and the next year.

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use std::collections::BTreeSet;

/// Which days are worked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkCalendar {
    /// Days off that would otherwise be worked (法定节假日及调休放假).
    pub holidays: BTreeSet<NaiveDate>,
    /// Weekend days that are worked (调休上班).
    pub workdays: BTreeSet<NaiveDate>,
}

fn days(list: &[(i32, u32, u32)]) -> BTreeSet<NaiveDate> {
    list.iter().filter_map(|(y, m, d)| NaiveDate::from_ymd_opt(*y, *m, *d)).collect()
}

fn span(y: i32, m: u32, from: u32, to: u32) -> Vec<(i32, u32, u32)> {
    (from..=to).map(|d| (y, m, d)).collect()
}

impl Default for WorkCalendar {
    /// 2026 as the State Council's notice of 2025-11 has it (国办发明电〔2025〕7号);
    /// 2027: the statutory holidays only, until its notice is published
    /// (edit `[calendar]` then: its make-up days are not known in advance).
    fn default() -> Self {
        let mut holidays = Vec::new();
        // 2026
        holidays.extend(span(2026, 1, 1, 3)); // 元旦
        holidays.extend(span(2026, 2, 15, 23)); // 春节
        holidays.extend(span(2026, 4, 4, 6)); // 清明节
        holidays.extend(span(2026, 5, 1, 5)); // 劳动节
        holidays.extend(span(2026, 6, 19, 21)); // 端午节
        holidays.extend(span(2026, 9, 25, 27)); // 中秋节
        holidays.extend(span(2026, 10, 1, 7)); // 国庆节
        // 2027 (statutory days; provisional)
        holidays.extend(span(2027, 1, 1, 1)); // 元旦
        holidays.extend(span(2027, 2, 5, 8)); // 春节：除夕至初三
        holidays.extend(span(2027, 4, 5, 5)); // 清明节
        holidays.extend(span(2027, 5, 1, 2)); // 劳动节
        holidays.extend(span(2027, 6, 9, 9)); // 端午节
        holidays.extend(span(2027, 9, 15, 15)); // 中秋节
        holidays.extend(span(2027, 10, 1, 3)); // 国庆节
        let workdays = [(2026, 1, 4), (2026, 2, 14), (2026, 2, 28), (2026, 5, 9), (2026, 9, 20), (2026, 10, 10)];
        WorkCalendar { holidays: days(&holidays), workdays: days(&workdays) }
    }
}

impl WorkCalendar {
    /// A calendar from `YYYY-MM-DD` lists, or the first date it cannot read.
    pub fn from_lists(holidays: &[String], workdays: &[String]) -> Result<Self, String> {
        let parse = |list: &[String]| -> Result<BTreeSet<NaiveDate>, String> {
            list.iter().map(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| d.clone())).collect()
        };
        let cal = WorkCalendar { holidays: parse(holidays)?, workdays: parse(workdays)? };
        if let Some(both) = cal.holidays.intersection(&cal.workdays).next() {
            return Err(both.to_string());
        }
        Ok(cal)
    }

    pub fn is_workday(&self, day: NaiveDate) -> bool {
        if self.workdays.contains(&day) {
            return true;
        }
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&day)
    }

    /// The `n`th working day after `day` (the day itself not counted).
    pub fn add_workdays(&self, day: NaiveDate, n: u32) -> NaiveDate {
        let mut d = day;
        let mut left = n;
        while left > 0 {
            match d.checked_add_days(Days::new(1)) {
                Some(next) => d = next,
                None => return d,
            }
            if self.is_workday(d) {
                left -= 1;
            }
        }
        d
    }
}

/// Time allowed for something: clock hours, or working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowed {
    Hours(i64),
    Workdays(u32),
}

impl Allowed {
    /// Reads `"24h"`, `"72 hours"`, `"3 workdays"`, `"3 working days"`, `"3个工作日"`, `"7 days"`.
    pub fn parse(text: &str) -> Option<Allowed> {
        let t = text.trim().to_lowercase();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let n: i64 = num.parse().ok()?;
        if n <= 0 {
            return None;
        }
        match unit.trim() {
            "h" | "hour" | "hours" | "小时" | "个小时" => Some(Allowed::Hours(n)),
            "d" | "day" | "days" | "天" => n.checked_mul(24).map(Allowed::Hours),
            "workday" | "workdays" | "working day" | "working days" | "工作日" | "个工作日" => {
                u32::try_from(n).ok().map(Allowed::Workdays)
            }
            _ => None,
        }
    }

    /// Within a year, so a typo cannot park a deadline in the next decade.
    pub fn is_sane(self) -> bool {
        match self {
            Allowed::Hours(h) => (1..=24 * 366).contains(&h),
            Allowed::Workdays(d) => (1..=250).contains(&d),
        }
    }

    /// The deadline of something given at `from`: `from` plus the hours, or the
    /// end (24:00, written 23:59) of the `n`th working day after the day of
    /// `from`, in the institution's zone.
    pub fn deadline<Z: TimeZone>(self, from: DateTime<Utc>, zone: &Z, calendar: &WorkCalendar) -> DateTime<Utc> {
        match self {
            Allowed::Hours(h) => from + Duration::hours(h),
            Allowed::Workdays(n) => {
                let local_day = from.with_timezone(zone).date_naive();
                let last = calendar.add_workdays(local_day, n);
                let end = last.and_time(NaiveTime::from_hms_opt(23, 59, 0).unwrap_or(NaiveTime::MIN));
                zone.from_local_datetime(&end).earliest().map_or(from, |t| t.with_timezone(&Utc))
            }
        }
    }
}

impl std::fmt::Display for Allowed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Allowed::Hours(h) if h % 24 == 0 && *h >= 48 => write!(f, "{} days", h / 24),
            Allowed::Hours(h) => write!(f, "{h}h"),
            Allowed::Workdays(d) => write!(f, "{d} workdays"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Shanghai;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn at(y: i32, m: u32, day: u32, h: u32) -> DateTime<Utc> {
        Shanghai.with_ymd_and_hms(y, m, day, h, 0, 0).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn allowed_time_reads_the_usual_forms() {
        assert_eq!(Allowed::parse("24h"), Some(Allowed::Hours(24)));
        assert_eq!(Allowed::parse("72 hours"), Some(Allowed::Hours(72)));
        assert_eq!(Allowed::parse("3 workdays"), Some(Allowed::Workdays(3)));
        assert_eq!(Allowed::parse("5 Working Days"), Some(Allowed::Workdays(5)));
        assert_eq!(Allowed::parse("3个工作日"), Some(Allowed::Workdays(3)));
        assert_eq!(Allowed::parse("7 days"), Some(Allowed::Hours(168)));
        assert_eq!(Allowed::parse("0h"), None);
        assert_eq!(Allowed::parse("three days"), None);
        assert_eq!(Allowed::parse("3 fortnights"), None);
        assert!(!Allowed::Workdays(400).is_sane());
        for a in [Allowed::Hours(24), Allowed::Hours(168), Allowed::Workdays(3)] {
            assert_eq!(Allowed::parse(&a.to_string()), Some(a));
        }
    }

    /// A notice issued on Friday with three working days: Monday, Tuesday, Wednesday.
    #[test]
    fn working_days_skip_the_weekend() {
        let cal = WorkCalendar::default();
        let friday = at(2026, 11, 27, 10);
        assert_eq!(Allowed::Workdays(3).deadline(friday, &Shanghai, &cal), at(2026, 12, 2, 23) + Duration::minutes(59));
        assert_eq!(Allowed::Hours(24).deadline(friday, &Shanghai, &cal), at(2026, 11, 28, 10), "hours count the clock");
        // Issued on a Saturday: the weekend is not counted either.
        assert_eq!(cal.add_workdays(d(2026, 11, 28), 1), d(2026, 11, 30));
    }

    /// 国庆节 2026: 1–7 October off, Saturday 10 October worked (国办发明电〔2025〕7号).
    #[test]
    fn working_days_skip_holidays_and_count_make_up_days() {
        let cal = WorkCalendar::default();
        assert!(!cal.is_workday(d(2026, 10, 5)), "a holiday on a Monday");
        assert!(cal.is_workday(d(2026, 10, 10)), "the make-up Saturday");
        assert!(!cal.is_workday(d(2026, 10, 11)), "a plain Sunday");
        // Issued Wednesday 30 September, 3 working days: 8, 9 and 10 October.
        assert_eq!(cal.add_workdays(d(2026, 9, 30), 3), d(2026, 10, 10));
        // Issued Friday 13 February 2026: Saturday 14th is worked, then 春节 until the 23rd.
        assert_eq!(cal.add_workdays(d(2026, 2, 13), 1), d(2026, 2, 14));
        assert_eq!(cal.add_workdays(d(2026, 2, 13), 2), d(2026, 2, 24));
    }

    #[test]
    fn the_calendar_is_editable() {
        let cal = WorkCalendar::from_lists(&["2026-12-07".into()], &["2026-12-12".into()]).unwrap();
        assert!(!cal.is_workday(d(2026, 12, 7)));
        assert!(cal.is_workday(d(2026, 12, 12)));
        assert!(cal.is_workday(d(2026, 10, 5)), "a list given replaces the shipped one");
        assert_eq!(WorkCalendar::from_lists(&["2026-13-01".into()], &[]), Err("2026-13-01".into()));
        assert_eq!(WorkCalendar::from_lists(&["2026-12-12".into()], &["2026-12-12".into()]), Err("2026-12-12".into()));
    }
}
