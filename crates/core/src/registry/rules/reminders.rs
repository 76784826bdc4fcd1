//! What a unit is reminded of about its systems' filings, daily until it is
//! put right: the MLPS filing number past its day (《信息安全等级保护管理办法》
//! art. 15: within 30 days of grading or going online) and a public-security
//! filing that must follow a change (变更备案, 公安部令第33号).

use crate::notices::rules::messages::Message;
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

/// The message of a reminder about system `system_id`.
pub fn message(r: FilingReminder, system_id: i64, system_name: &str, unit_name: &str, center: &str) -> Message {
    let (subject, what) = match r {
        FilingReminder::MlpsFilingOverdue { due } => (
            format!("【等保备案提醒】{system_name} 定级后尚未取得等级保护备案证明"),
            format!(
                "第二级以上信息系统应在定级（或投入运行）后30日内到公安机关办理等级保护备案（《信息安全等级保护管理办法》第十五条）。\n应备案日期：{}\n请尽快办理，并在平台上登记备案编号。",
                due.format("%Y-%m-%d")
            ),
        ),
        FilingReminder::FilingNeedsUpdate => (
            format!("【变更备案提醒】{system_name} 的备案信息已变化，请办理变更备案"),
            format!(
                "系统的域名、地址、主管单位、单位名称或责任人已变化，公安备案须随之变更（公安部令第33号）。\n请办理变更备案后在平台上更新备案信息；如有疑问请联系{center}。"
            ),
        ),
    };
    Message {
        event: r.code().into(),
        subject,
        body: format!("单位：{unit_name}\n系统：{system_name}\n{what}"),
        link: format!("/systems/{system_id}"),
    }
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
        let m =
            message(FilingReminder::MlpsFilingOverdue { due: d(2026, 3, 31) }, 9, "教务系统", "教务处", "网络信息中心");
        assert!(m.subject.contains("教务系统"));
        assert!(m.body.contains("2026-03-31") && m.body.contains("第十五条"), "{}", m.body);
        assert_eq!(m.link, "/systems/9");
        let m = message(FilingReminder::FilingNeedsUpdate, 9, "教务系统", "教务处", "信息化建设与管理处");
        assert!(m.body.contains("信息化建设与管理处") && m.body.contains("33号"), "{}", m.body);
    }
}
