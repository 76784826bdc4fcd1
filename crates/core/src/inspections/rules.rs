//! Inspections' words and rules (§三(一) of the notice: 定期自查、现场核查):
//! checklists and their items, the answers, where a unit's submission
//! stands, when a campaign reminds, and when a recurring campaign is
//! launched. Pure.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

crate::closed_set! {
    /// A unit's (or the center's) answer to one checklist item for one system.
    pub enum Answer { Pass = "pass", Fail = "fail", NotApplicable = "not_applicable" }
}

crate::closed_set! {
    /// Whether a campaign still takes answers.
    pub enum CampaignState { Running = "running", Closed = "closed" }
}

crate::closed_set! {
    /// Where one unit's part of a campaign stands.
    pub enum SubmissionState {
        /// Being answered.
        Open = "open",
        /// Sent for the unit head's approval.
        Submitted = "submitted",
        /// Approved by the unit's head: the unit has done its inspection.
        Approved = "approved",
    }
}

/// One question of a checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    /// Stable within the checklist, e.g. `1.2`.
    #[schema(min_length = 1, max_length = 20, pattern = "^[0-9A-Za-z._-]+$")]
    pub key: String,
    /// The section (e.g. 备案与定级).
    #[schema(min_length = 1, max_length = 100)]
    pub section: String,
    #[schema(min_length = 1, max_length = 500)]
    pub question: String,
    /// How to verify it (核查方法).
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub how_to_verify: String,
    /// A `pass` needs an evidence file (a screenshot, a record).
    #[serde(default)]
    pub evidence_required: bool,
}

/// Most items a checklist may hold.
pub const MAX_ITEMS: usize = 300;

/// What is wrong with a checklist's items (field, problem), empty when fine.
pub fn check_items(items: &[ChecklistItem]) -> Vec<(String, &'static str)> {
    let mut problems = Vec::new();
    if items.is_empty() {
        problems.push(("items".to_owned(), "required"));
    }
    if items.len() > MAX_ITEMS {
        problems.push(("items".to_owned(), "too_many"));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, it) in items.iter().enumerate() {
        let at = |f: &str| format!("items[{i}].{f}");
        let key_ok = !it.key.is_empty()
            && it.key.len() <= 20
            && it.key.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if !key_ok {
            problems.push((at("key"), "key_format"));
        } else if !seen.insert(it.key.as_str()) {
            problems.push((at("key"), "duplicate"));
        }
        for (field, value, max) in
            [("section", &it.section, 100), ("question", &it.question, 500), ("how_to_verify", &it.how_to_verify, 1000)]
        {
            if field != "how_to_verify" && value.trim().is_empty() {
                problems.push((at(field), "required"));
            } else if value.chars().count() > max {
                problems.push((at(field), "too_long"));
            }
        }
    }
    problems
}

/// One answer as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerFacts {
    pub item_key: String,
    pub answer: Answer,
    pub comment_given: bool,
    pub evidence_given: bool,
}

/// Why a system's answers cannot be submitted yet: (item key, problem).
/// Every item answered; a failure says why (a comment); an item that needs
/// evidence has a file when it passes.
pub fn incomplete(items: &[ChecklistItem], answers: &[AnswerFacts]) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    for it in items {
        match answers.iter().find(|a| a.item_key == it.key) {
            None => out.push((it.key.clone(), "unanswered")),
            Some(a) if a.answer == Answer::Fail && !a.comment_given => out.push((it.key.clone(), "comment_required")),
            Some(a) if a.answer == Answer::Pass && it.evidence_required && !a.evidence_given => {
                out.push((it.key.clone(), "evidence_required"))
            }
            Some(_) => {}
        }
    }
    out
}

/// The on-site verification contradicts the unit: it said pass (or not
/// applicable) and the center found a failure, or the other way round.
pub fn contradicts(unit: Answer, verified: Answer) -> bool {
    unit != verified
}

/// Which reminder a unit that has not submitted gets today, if any:
/// a week before, the day before, and the day after the due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CampaignReminder {
    DueIn(i64),
    Overdue,
}

pub fn reminder(today: NaiveDate, due_on: NaiveDate, state: SubmissionState) -> Option<CampaignReminder> {
    if state == SubmissionState::Approved {
        return None;
    }
    match (due_on - today).num_days() {
        d @ (7 | 1) => Some(CampaignReminder::DueIn(d)),
        -1 => Some(CampaignReminder::Overdue),
        _ => None,
    }
}

/// A unit missed the due date: not approved by the end of it (§三(四) 三:
/// 未按规定开展系统安全状况检查).
pub fn missed(today: NaiveDate, due_on: NaiveDate, state: SubmissionState) -> bool {
    today > due_on && state != SubmissionState::Approved
}

/// When a recurring campaign is launched: a day of the year, or some days
/// before a holiday (the pre-holiday checks before 国庆 and 春节).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recurrence {
    /// `yearly:MM-DD`.
    Yearly { month: u32, day: u32 },
    /// `before:national_day:N` or `before:spring_festival:N`.
    BeforeHoliday { holiday: Holiday, days: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holiday {
    /// 国庆节, 10-01.
    NationalDay,
    /// 春节 (the lunar new year's day).
    SpringFestival,
}

/// 春节 (正月初一) by year; the lunar calendar has no closed formula.
const SPRING_FESTIVAL: &[(i32, u32, u32)] = &[
    (2024, 2, 10),
    (2025, 1, 29),
    (2026, 2, 17),
    (2027, 2, 6),
    (2028, 1, 26),
    (2029, 2, 13),
    (2030, 2, 3),
    (2031, 1, 23),
    (2032, 2, 11),
    (2033, 1, 31),
    (2034, 2, 19),
    (2035, 2, 8),
];

impl Holiday {
    pub fn on(self, year: i32) -> Option<NaiveDate> {
        match self {
            Holiday::NationalDay => NaiveDate::from_ymd_opt(year, 10, 1),
            Holiday::SpringFestival => SPRING_FESTIVAL
                .iter()
                .find(|(y, _, _)| *y == year)
                .and_then(|(y, m, d)| NaiveDate::from_ymd_opt(*y, *m, *d)),
        }
    }
}

impl Recurrence {
    /// The rule from its stored word; `None` when it is not one.
    pub fn parse(word: &str) -> Option<Recurrence> {
        let parts: Vec<&str> = word.trim().split(':').collect();
        match parts.as_slice() {
            ["yearly", md] => {
                let (m, d) = md.split_once('-')?;
                let (month, day) = (m.parse().ok()?, d.parse().ok()?);
                // Checked against a leap year so 02-29 is a rule (launched on 02-28 otherwise).
                NaiveDate::from_ymd_opt(2028, month, day)?;
                Some(Recurrence::Yearly { month, day })
            }
            ["before", h, n] => {
                let holiday = match *h {
                    "national_day" => Holiday::NationalDay,
                    "spring_festival" => Holiday::SpringFestival,
                    _ => return None,
                };
                let days: u32 = n.parse().ok()?;
                (days <= 60).then_some(Recurrence::BeforeHoliday { holiday, days })
            }
            _ => None,
        }
    }

    /// The day the campaign of `year` is launched (`None` past the known lunar calendar).
    pub fn launch_on(self, year: i32) -> Option<NaiveDate> {
        match self {
            Recurrence::Yearly { month, day } => NaiveDate::from_ymd_opt(year, month, day)
                .or_else(|| NaiveDate::from_ymd_opt(year, month, day.saturating_sub(1))),
            Recurrence::BeforeHoliday { holiday, days } => {
                holiday.on(year).map(|d| d - chrono::Duration::days(i64::from(days)))
            }
        }
    }

    /// The launch day due on or before `today` that has not been launched
    /// yet (the last launch was before it), looking at this year and the last.
    pub fn due_launch(self, today: NaiveDate, last_launched_on: Option<NaiveDate>) -> Option<NaiveDate> {
        [today.year(), today.year() - 1]
            .into_iter()
            .filter_map(|y| self.launch_on(y))
            .filter(|d| *d <= today && (today - *d).num_days() <= 30)
            .find(|d| last_launched_on.is_none_or(|last| last < *d))
    }
}

/// A checklist as a page writes it, one item per line:
/// `编号 | 分类 | 检查内容 | 核查方法 | 须附材料` (the last: 是 / 否, may be left out).
pub fn item_lines(items: &[ChecklistItem]) -> String {
    items
        .iter()
        .map(|i| {
            format!(
                "{} | {} | {} | {} | {}",
                i.key,
                i.section,
                i.question,
                i.how_to_verify,
                if i.evidence_required { "是" } else { "否" }
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The items of a checklist written as lines (see `item_lines`); the line
/// number of the first line that is not one.
pub fn parse_item_lines(text: &str) -> Result<Vec<ChecklistItem>, usize> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split(['|', '｜']).map(str::trim).collect();
        if parts.len() < 3 || parts.len() > 5 {
            return Err(i + 1);
        }
        let evidence = match parts.get(4).copied().unwrap_or("") {
            "" | "否" | "no" => false,
            "是" | "yes" => true,
            _ => return Err(i + 1),
        };
        out.push(ChecklistItem {
            key: parts[0].to_owned(),
            section: parts[1].to_owned(),
            question: parts[2].to_owned(),
            how_to_verify: parts.get(3).copied().unwrap_or("").to_owned(),
            evidence_required: evidence,
        });
    }
    Ok(out)
}

/// The default self-inspection checklist's family name.
pub const DEFAULT_FAMILY: &str = "self_inspection";

fn item(key: &str, section: &str, question: &str, how: &str, evidence: bool) -> ChecklistItem {
    ChecklistItem {
        key: key.into(),
        section: section.into(),
        question: question.into(),
        how_to_verify: how.into(),
        evidence_required: evidence,
    }
}

/// The self-inspection checklist the platform ships, written from the
/// notice (its clause in each section's name).
pub fn default_checklist() -> Vec<ChecklistItem> {
    const S1: &str = "一、组织与责任（通知一）";
    const S2: &str = "二、备案（通知四（一））";
    const S3: &str = "三、等级保护（通知四（三））";
    const S4: &str = "四、技术防护（通知四（二））";
    const S5: &str = "五、漏洞与补丁（通知三（一））";
    const S6: &str = "六、账号与口令（通知四（四））";
    const S7: &str = "七、备份与恢复（通知二（二））";
    const S8: &str = "八、日志与审计";
    const S9: &str = "九、信息发布审核（通知一、二（二））";
    const S10: &str = "十、应急预案与演练（通知三（三））";
    const S11: &str = "十一、值班值守（通知三（三））";
    const S12: &str = "十二、个人信息保护（通知四（四））";
    const S13: &str = "十三、制度、经费与培训（通知二（二）、四（五）、四（六））";
    vec![
        item(
            "1.1",
            S1,
            "本单位已明确网络信息安全第一责任人、主要责任人和直接责任人，且名单与实际一致",
            "对照平台登记的责任人名单与单位任命文件",
            false,
        ),
        item(
            "1.2",
            S1,
            "本系统（网站）的主管、运维、使用单位及联系人已登记且为最新",
            "查看平台系统登记信息，电话核实联系人",
            false,
        ),
        item("1.3", S1, "外包运维单位已签订安全保密协议，明确安全责任", "查看合同或保密协议", true),
        item(
            "2.1",
            S2,
            "系统（网站）上线前已办理公安机关互联网备案（公安部第33号令）",
            "查看公安备案号及备案截图",
            true,
        ),
        item("2.2", S2, "网站已办理ICP备案，首页底部正确展示ICP备案号和公安备案号", "访问网站首页核对备案号", false),
        item("2.3", S2, "单位名称、域名、IP地址或负责人变更后已及时办理变更备案", "比对备案信息与当前实际", false),
        item("2.4", S2, "已停用的系统（网站）已办理备案注销并关闭服务", "核查停用系统的注销记录及访问情况", false),
        item("3.1", S3, "系统已按教育行业定级指南确定安全保护等级", "查看定级报告", true),
        item("3.2", S3, "二级及以上系统已在公安机关完成等级保护备案", "查看等级保护备案证明", true),
        item(
            "3.3",
            S3,
            "系统按级别周期开展等级测评（三级每年一次，二级每两年一次）且在有效期内",
            "查看最近一次测评报告及日期",
            true,
        ),
        item("3.4", S3, "测评发现的问题已按整改计划完成整改", "查看整改记录", false),
        item("4.1", S4, "互联网访问的系统部署在防火墙之后，只开放必要端口", "查看防火墙策略，端口扫描核对", false),
        item("4.2", S4, "网站部署了网页防篡改措施", "查看防篡改系统配置及告警记录", false),
        item("4.3", S4, "三级系统部署了入侵防御和安全审计措施", "查看设备或服务清单", false),
        item("4.4", S4, "管理后台不对互联网开放，或已限制访问来源并启用强认证", "从校外访问后台地址核对", false),
        item("4.5", S4, "网站已启用HTTPS且证书在有效期内", "浏览器访问查看证书", false),
        item("5.1", S5, "操作系统、中间件、数据库及应用已安装最新安全补丁", "查看补丁或版本记录", false),
        item("5.2", S5, "近一年内开展过漏洞扫描，发现的高危漏洞已修复", "查看扫描报告及修复记录", true),
        item("5.3", S5, "上级及学校通报的漏洞均已按期整改并提交整改报告", "对照平台通报及整改记录", false),
        item("5.4", S5, "网站未暴露备份文件、版本库目录、配置文件等敏感文件", "访问常见敏感路径核对", false),
        item("6.1", S6, "不存在默认口令、弱口令和共用账号", "抽查管理员账号口令策略", false),
        item("6.2", S6, "口令满足复杂度要求（长度、字符类型）并定期更换", "查看口令策略配置", false),
        item("6.3", S6, "离岗、调岗人员的账号已及时注销或调整权限", "对照人员变动清单核查账号", false),
        item("6.4", S6, "管理员账号按最小权限分配，并有账号登记台账", "查看账号台账", true),
        item("7.1", S7, "重要数据和配置定期备份，备份保存在异地或离线介质", "查看备份策略及最近备份记录", true),
        item("7.2", S7, "近一年内做过备份恢复测试", "查看恢复测试记录", false),
        item(
            "8.1",
            S8,
            "系统访问日志和操作日志已开启，留存不少于六个月（网络安全法第二十一条）",
            "查看日志配置及最早日志日期",
            true,
        ),
        item("8.2", S8, "定期检查日志，发现异常登录和操作能及时处置", "查看日志检查记录", false),
        item("9.1", S9, "网站信息发布实行先审后发，有审核记录", "查看发布审核流程及记录", false),
        item("9.2", S9, "网站不存在暗链、违法有害信息和非法外链", "查看页面源代码，核对外链", false),
        item("9.3", S9, "长期不更新的栏目或网站已整改或关闭（无僵尸网站、僵尸栏目）", "查看各栏目最后更新日期", false),
        item("10.1", S10, "本单位制定了网络安全应急处置预案，流程和联系人明确", "查看应急预案文本", true),
        item("10.2", S10, "一年内至少组织一次应急演练并有演练记录", "查看演练记录", true),
        item(
            "10.3",
            S10,
            "发生安全事件时能立即阻断或暂停系统运行，并向主管部门和公安机关报告",
            "询问处置流程，查看事件记录",
            false,
        ),
        item(
            "11.1",
            S11,
            "重要系统（网站）建立了7×24小时值班制度，值班表和联系方式有效",
            "查看值班表，电话抽查",
            false,
        ),
        item(
            "12.1",
            S12,
            "收集个人信息遵循合法、正当、必要原则，明确目的、方式和范围",
            "查看收集告知及相关制度",
            false,
        ),
        item("12.2", S12, "个人信息对外提供履行了审批手续，无泄露、出售或非法提供", "查看审批记录", false),
        item("12.3", S12, "页面和接口未公开展示身份证号、手机号等个人敏感信息", "检索页面及接口返回内容", false),
        item(
            "13.1",
            S13,
            "建立了人员、账号、系统建设运维、信息发布、机房、数据备份等管理制度并落实",
            "查看制度文本及执行记录",
            false,
        ),
        item("13.2", S13, "网络安全经费已纳入本单位年度预算", "查看预算材料", false),
        item("13.3", S13, "本年度开展了网络安全培训，相关人员参加", "查看培训签到及材料", false),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_default_checklist_is_whole_and_valid() {
        let items = default_checklist();
        assert!(items.len() >= 30, "at least 30 items, got {}", items.len());
        assert!(check_items(&items).is_empty(), "{:?}", check_items(&items));
        let sections: std::collections::HashSet<_> = items.iter().map(|i| i.section.as_str()).collect();
        for topic in
            ["备案", "等级保护", "防护", "补丁", "口令", "备份", "日志", "信息发布", "应急", "值班", "个人信息"]
        {
            assert!(sections.iter().any(|s| s.contains(topic)), "a section on {topic}");
        }
    }

    #[test]
    fn a_checklist_round_trips_through_its_lines() {
        let items = default_checklist();
        assert_eq!(parse_item_lines(&item_lines(&items)), Ok(items));
        assert_eq!(parse_item_lines("1.1 | 备案"), Err(1));
        assert_eq!(parse_item_lines("\n1.1 | 备案 | 已备案 | 看证书 | 也许"), Err(2));
    }

    #[test]
    fn checklist_problems_are_named() {
        let mut items = default_checklist();
        items[1].key = items[0].key.clone();
        items[2].question = " ".into();
        items[3].key = "a b".into();
        let p = check_items(&items);
        assert!(p.contains(&("items[1].key".into(), "duplicate")));
        assert!(p.contains(&("items[2].question".into(), "required")));
        assert!(p.contains(&("items[3].key".into(), "key_format")));
        assert_eq!(check_items(&[]), vec![("items".into(), "required")]);
    }

    #[test]
    fn a_submission_needs_every_answer_a_reason_for_failures_and_required_evidence() {
        let items =
            vec![item("1", "s", "q1", "", false), item("2", "s", "q2", "", true), item("3", "s", "q3", "", false)];
        let a = |k: &str, answer, comment, evidence| AnswerFacts {
            item_key: k.into(),
            answer,
            comment_given: comment,
            evidence_given: evidence,
        };
        assert_eq!(
            incomplete(&items, &[a("1", Answer::Fail, false, false), a("2", Answer::Pass, false, false)]),
            vec![("1".into(), "comment_required"), ("2".into(), "evidence_required"), ("3".into(), "unanswered")]
        );
        let done = [
            a("1", Answer::Fail, true, false),
            a("2", Answer::NotApplicable, false, false),
            a("3", Answer::Pass, false, false),
        ];
        assert!(incomplete(&items, &done).is_empty());
    }

    #[test]
    fn reminders_a_week_and_a_day_before_and_the_day_after() {
        let due = d("2026-03-31");
        assert_eq!(reminder(d("2026-03-24"), due, SubmissionState::Open), Some(CampaignReminder::DueIn(7)));
        assert_eq!(reminder(d("2026-03-30"), due, SubmissionState::Submitted), Some(CampaignReminder::DueIn(1)));
        assert_eq!(reminder(d("2026-04-01"), due, SubmissionState::Open), Some(CampaignReminder::Overdue));
        assert_eq!(reminder(d("2026-03-25"), due, SubmissionState::Open), None);
        assert_eq!(reminder(d("2026-03-30"), due, SubmissionState::Approved), None);
        assert!(missed(d("2026-04-01"), due, SubmissionState::Submitted), "submitted but not approved");
        assert!(!missed(d("2026-03-31"), due, SubmissionState::Open), "the due day itself still counts");
        assert!(!missed(d("2026-04-02"), due, SubmissionState::Approved));
    }

    #[test]
    fn recurring_campaigns_launch_on_their_day_once() {
        let march = Recurrence::parse("yearly:03-01").unwrap();
        assert_eq!(march.launch_on(2027), Some(d("2027-03-01")));
        assert_eq!(march.due_launch(d("2027-02-28"), None), None);
        assert_eq!(march.due_launch(d("2027-03-01"), None), Some(d("2027-03-01")));
        assert_eq!(march.due_launch(d("2027-03-05"), Some(d("2026-03-01"))), Some(d("2027-03-01")));
        assert_eq!(march.due_launch(d("2027-03-05"), Some(d("2027-03-01"))), None, "once a year");
        assert_eq!(march.due_launch(d("2027-06-05"), None), None, "a launch missed by months is not made late");

        let spring = Recurrence::parse("before:spring_festival:14").unwrap();
        assert_eq!(spring.launch_on(2027), Some(d("2027-01-23")), "春节 2027-02-06, two weeks before");
        let national = Recurrence::parse("before:national_day:10").unwrap();
        assert_eq!(national.launch_on(2026), Some(d("2026-09-21")));
        assert_eq!(Recurrence::parse("yearly:02-29").unwrap().launch_on(2027), Some(d("2027-02-28")));
        for bad in
            ["", "yearly", "yearly:13-01", "yearly:02-30", "before:labour_day:3", "before:national_day:x", "monthly:1"]
        {
            assert_eq!(Recurrence::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_contradiction_is_any_different_answer() {
        assert!(contradicts(Answer::Pass, Answer::Fail));
        assert!(contradicts(Answer::NotApplicable, Answer::Fail));
        assert!(!contradicts(Answer::Fail, Answer::Fail));
    }
}
