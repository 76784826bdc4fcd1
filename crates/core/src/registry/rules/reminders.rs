//! What a unit is reminded of about its systems' filings, daily until it is
//! put right: the MLPS filing number past its day (《信息安全等级保护管理办法》
//! art. 15: within 30 days of grading or going online) and a public-security
//! filing that must follow a change (变更备案, 公安部令第33号).

use crate::notify::texts::{Message, line, t};
use chrono::NaiveDate;

/// Why a system's unit is reminded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilingReminder {
    /// Level 2 or above, no MLPS filing number, and its day has passed.
    MlpsFilingOverdue { due: NaiveDate },
    /// The public-security filing must be updated (变更备案).
    FilingNeedsUpdate,
}

impl FilingReminder {
    pub fn code(self) -> &'static str {
        match self {
            FilingReminder::MlpsFilingOverdue { .. } => "mlps_filing_overdue",
            FilingReminder::FilingNeedsUpdate => "filing_needs_update",
        }
    }
}

/// The reminders a system is due, given its facts as of `today`.
pub fn due(today: NaiveDate, mlps_filing_due_on: Option<NaiveDate>, needs_update: bool) -> Vec<FilingReminder> {
    let mut out = Vec::new();
    if let Some(due) = mlps_filing_due_on.filter(|d| *d < today) {
        out.push(FilingReminder::MlpsFilingOverdue { due });
    }
    if needs_update {
        out.push(FilingReminder::FilingNeedsUpdate);
    }
    out
}

/// The message of a reminder about system `system_id`, in every language.
pub fn message(r: FilingReminder, system_id: i64, system_name: &str, unit_name: &str, center: &str) -> Message {
    Message::new(r.code(), format!("/systems/{system_id}"), |l| {
        let args = [("system", system_name), ("center", center)];
        let mut body = vec![line(l, "unit", unit_name), line(l, "system", system_name)];
        let key = match r {
            FilingReminder::MlpsFilingOverdue { due } => {
                body.push(line(l, "due", &due.format("%Y-%m-%d").to_string()));
                "filing.mlps_overdue"
            }
            FilingReminder::FilingNeedsUpdate => "filing.needs_update",
        };
        body.push(t(l, &format!("{key}.body"), &args));
        (t(l, key, &args), body.join("\n"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// Art. 15 of 《信息安全等级保护管理办法》: reminded from the day after the due day.
    #[test]
    fn reminders_start_the_day_after_the_filing_day() {
        let due_on = Some(d(2026, 3, 31));
        assert!(due(d(2026, 3, 31), due_on, false).is_empty(), "on the day itself, still in time");
        assert_eq!(due(d(2026, 4, 1), due_on, false), [FilingReminder::MlpsFilingOverdue { due: d(2026, 3, 31) }]);
        assert_eq!(due(d(2026, 4, 1), None, true), [FilingReminder::FilingNeedsUpdate]);
        assert_eq!(due(d(2026, 4, 1), due_on, true).len(), 2);
    }

    #[test]
    fn messages_name_the_system_the_rule_and_the_center() {
        let zh = "zh-CN";
        let overdue = FilingReminder::MlpsFilingOverdue { due: d(2026, 3, 31) };
        let m = message(overdue, 9, "教务系统", "教务处", "网络信息中心");
        assert!(m.subject(zh).contains("教务系统"));
        assert!(m.body(zh).contains("应备案日期：2026-03-31") && m.body(zh).contains("第十五条"), "{}", m.body(zh));
        assert!(m.body("en").contains("Due: 2026-03-31"), "{}", m.body("en"));
        assert_eq!(m.link, "/systems/9");
        let m = message(FilingReminder::FilingNeedsUpdate, 9, "教务系统", "教务处", "信息化建设与管理处");
        assert!(m.body(zh).contains("信息化建设与管理处") && m.body(zh).contains("33号"), "{}", m.body(zh));
    }
}
