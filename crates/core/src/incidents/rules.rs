//! Incidents' words and rules: the kinds and grades, the steps §三(三) of the
//! notice demands (阻断或暂停运行, 保存记录, 向主管部门和公安机关报告), the
//! reporting clock of 《国家网络安全事件报告管理办法》 (in force 2025-11-01),
//! and the grade the platform suggests from the facts. Pure.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

crate::closed_set! {
    /// What happened (the national classification, as a university meets it).
    pub enum IncidentKind {
        /// 网络攻击、非法入侵.
        Intrusion = "intrusion",
        /// 系统被控制或破坏.
        SystemControl = "system_control",
        /// 网页篡改.
        WebTampering = "web_tampering",
        /// 暗链、违法有害信息.
        IllegalContent = "illegal_content",
        /// 数据被窃取、泄露.
        DataLeak = "data_leak",
        /// 恶意程序（病毒、木马、勒索）.
        Malware = "malware",
        /// 拒绝服务攻击.
        DenialOfService = "denial_of_service",
        Other = "other",
    }
}

crate::closed_set! {
    /// The national grading: 特别重大 / 重大 / 较大 / 一般.
    pub enum IncidentGrade {
        EspeciallyMajor = "especially_major",
        Major = "major",
        Large = "large",
        General = "general",
    }
}

impl IncidentGrade {
    /// Higher is graver.
    pub fn rank(self) -> u8 {
        match self {
            IncidentGrade::EspeciallyMajor => 3,
            IncidentGrade::Major => 2,
            IncidentGrade::Large => 1,
            IncidentGrade::General => 0,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            IncidentGrade::EspeciallyMajor => "特别重大",
            IncidentGrade::Major => "重大",
            IncidentGrade::Large => "较大",
            IncidentGrade::General => "一般",
        }
    }

    /// 重大 and above raise an accountability record.
    pub fn is_major(self) -> bool {
        self.rank() >= IncidentGrade::Major.rank()
    }

    fn max(self, other: IncidentGrade) -> IncidentGrade {
        if other.rank() > self.rank() { other } else { self }
    }
}

impl IncidentKind {
    pub fn zh(self) -> &'static str {
        match self {
            IncidentKind::Intrusion => "网络攻击、非法入侵",
            IncidentKind::SystemControl => "系统被控制或破坏",
            IncidentKind::WebTampering => "网页篡改",
            IncidentKind::IllegalContent => "暗链、违法有害信息",
            IncidentKind::DataLeak => "数据被窃取、泄露",
            IncidentKind::Malware => "恶意程序",
            IncidentKind::DenialOfService => "拒绝服务攻击",
            IncidentKind::Other => "其他",
        }
    }
}

crate::closed_set! {
    /// Where the incident came to light.
    pub enum IncidentSource { Person = "person", Monitoring = "monitoring", Notice = "notice" }
}

crate::closed_set! {
    /// Open until closed with its cause and measures.
    pub enum IncidentState { Open = "open", Closed = "closed" }
}

crate::closed_set! {
    /// The steps §三(三) demands, each recorded once with its time and who.
    pub enum IncidentStep {
        /// 阻断、暂停运行.
        Contained = "contained",
        /// 保存有关记录.
        Preserved = "preserved",
        /// 向主管部门报告.
        ReportedSupervisor = "reported_supervisor",
        /// 向属地公安机关报告.
        ReportedPolice = "reported_police",
        /// 向网信部门报告（较大及以上）.
        ReportedCac = "reported_cac",
    }
}

impl IncidentStep {
    pub fn zh(self) -> &'static str {
        match self {
            IncidentStep::Contained => "阻断/暂停运行",
            IncidentStep::Preserved => "保存记录",
            IncidentStep::ReportedSupervisor => "报告主管部门",
            IncidentStep::ReportedPolice => "报告公安机关",
            IncidentStep::ReportedCac => "报告网信部门",
        }
    }

    fn is_report(self) -> bool {
        matches!(self, IncidentStep::ReportedSupervisor | IncidentStep::ReportedPolice | IncidentStep::ReportedCac)
    }
}

crate::closed_set! {
    /// What a line of an incident's timeline records.
    pub enum EventKind {
        Opened = "opened",
        /// Another monitoring finding on the same system, joined to the open incident.
        Finding = "finding",
        Updated = "updated",
        Graded = "graded",
        Step = "step",
        Evidence = "evidence",
        /// Someone read a piece of evidence (chain of custody).
        Custody = "custody",
        Supplement = "supplement",
        Closed = "closed",
    }
}

crate::closed_set! {
    /// Where one step stands against its target.
    pub enum ClockState {
        /// Done within its target (or done, with no target).
        Met = "met",
        /// Done after its target.
        Missed = "missed",
        /// Not done; the target is still ahead.
        Pending = "pending",
        /// Not done; the target has passed.
        Overdue = "overdue",
        /// Not required at this grade (and not done).
        NotRequired = "not_required",
    }
}

/// Hours to report, by grade (`None`: no target at that grade).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportingPolicy {
    /// To the supervising authority and the public-security organ, by grade
    /// (特别重大, 重大, 较大, 一般).
    pub report_hours: [Option<u32>; 4],
    /// To the cyberspace administration, by grade.
    pub cac_hours: [Option<u32>; 4],
    /// The target for 较大 and above where a system is critical information
    /// infrastructure (关键信息基础设施).
    pub cii_hours: u32,
    /// The system tag that marks critical information infrastructure
    /// (tags are lower-case words: default `cii`).
    pub cii_tag: String,
}

impl Default for ReportingPolicy {
    /// 《国家网络安全事件报告管理办法》: 较大 and above within 4 hours, 1 hour
    /// for critical information infrastructure, to the cyberspace
    /// administration as well; an 一般 incident is reported to the supervising
    /// authority and the police within 24 hours (the notice's 及时报告, as
    /// the platform reads it; configurable).
    fn default() -> Self {
        ReportingPolicy {
            report_hours: [Some(4), Some(4), Some(4), Some(24)],
            cac_hours: [Some(4), Some(4), Some(4), None],
            cii_hours: 1,
            cii_tag: "cii".into(),
        }
    }
}

fn grade_index(g: IncidentGrade) -> usize {
    match g {
        IncidentGrade::EspeciallyMajor => 0,
        IncidentGrade::Major => 1,
        IncidentGrade::Large => 2,
        IncidentGrade::General => 3,
    }
}

impl ReportingPolicy {
    /// Hours from detection to a report step at `grade` (`None`: not required).
    pub fn target_hours(&self, step: IncidentStep, grade: IncidentGrade, cii: bool) -> Option<u32> {
        let i = grade_index(grade);
        let base = match step {
            IncidentStep::ReportedSupervisor | IncidentStep::ReportedPolice => self.report_hours[i],
            IncidentStep::ReportedCac => self.cac_hours[i],
            IncidentStep::Contained | IncidentStep::Preserved => return None,
        };
        if cii && grade.rank() >= IncidentGrade::Large.rank() { base.map(|h| h.min(self.cii_hours)) } else { base }
    }

    /// Whether a system's tags mark it critical information infrastructure.
    pub fn is_cii(&self, tags: &str) -> bool {
        let tag = self.cii_tag.trim();
        !tag.is_empty() && tags.lines().any(|t| t.trim() == tag)
    }
}

/// One step of the clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StepClock {
    pub step: IncidentStep,
    /// When it is due (`None`: no target).
    pub due_at: Option<DateTime<Utc>>,
    pub done_at: Option<DateTime<Utc>>,
    pub state: ClockState,
    /// Seconds left to the target (negative once past; `None` when done or no target).
    pub remaining_s: Option<i64>,
}

/// Every step's standing as of `now`.
pub fn clock(
    policy: &ReportingPolicy,
    grade: IncidentGrade,
    cii: bool,
    detected_at: DateTime<Utc>,
    done: &[(IncidentStep, DateTime<Utc>)],
    now: DateTime<Utc>,
) -> Vec<StepClock> {
    IncidentStep::ALL
        .iter()
        .map(|&step| {
            let due_at = policy.target_hours(step, grade, cii).map(|h| detected_at + Duration::hours(i64::from(h)));
            let done_at = done.iter().find(|(s, _)| *s == step).map(|(_, t)| *t);
            let required = !step.is_report() || due_at.is_some();
            let state = match (done_at, due_at) {
                (Some(d), Some(due)) if d > due => ClockState::Missed,
                (Some(_), _) => ClockState::Met,
                (None, _) if !required => ClockState::NotRequired,
                (None, Some(due)) if now > due => ClockState::Overdue,
                (None, _) => ClockState::Pending,
            };
            let remaining_s = match (done_at, due_at) {
                (None, Some(due)) => Some((due - now).num_seconds()),
                _ => None,
            };
            StepClock { step, due_at, done_at, state, remaining_s }
        })
        .collect()
}

/// The facts the suggested grade is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GradeFacts {
    pub kind: IncidentKind,
    /// A system concerned is marked important (重要系统).
    pub important: bool,
    /// A system concerned is critical information infrastructure.
    pub cii: bool,
    /// The home page was changed or carried the content.
    pub homepage: bool,
    /// Hours the content was visible or the service lost.
    pub hours_visible: u32,
    /// Personal-information records stolen or leaked.
    pub records_affected: u64,
}

/// The grade the platform suggests (a person sets the grade). Read from
/// the grading guide of the 2025 measures as a university meets it:
/// personal information leaked — 1 亿 records 特别重大, 1000 万 重大,
/// 100 万 较大; published content (tampering, hidden links, illegal
/// content) — a critical-infrastructure site visible 6 hours 重大, an
/// important or critical site's home page visible 6 hours 较大; loss of
/// service or control — a critical system 24 hours 重大, 6 hours 较大, an
/// important system 24 hours 较大. Everything else 一般.
pub fn suggest_grade(f: &GradeFacts) -> IncidentGrade {
    let mut g = IncidentGrade::General;
    g = g.max(match f.records_affected {
        n if n >= 100_000_000 => IncidentGrade::EspeciallyMajor,
        n if n >= 10_000_000 => IncidentGrade::Major,
        n if n >= 1_000_000 => IncidentGrade::Large,
        _ => IncidentGrade::General,
    });
    let h = f.hours_visible;
    let content = matches!(f.kind, IncidentKind::WebTampering | IncidentKind::IllegalContent);
    if content {
        if f.cii && h >= 6 {
            g = g.max(IncidentGrade::Major);
        } else if (f.cii || f.important) && f.homepage && h >= 6 {
            g = g.max(IncidentGrade::Large);
        }
    }
    let service = matches!(
        f.kind,
        IncidentKind::SystemControl | IncidentKind::DenialOfService | IncidentKind::Intrusion | IncidentKind::Malware
    );
    if service {
        if f.cii && h >= 24 {
            g = g.max(IncidentGrade::Major);
        } else if (f.cii && h >= 6) || (f.important && h >= 24) {
            g = g.max(IncidentGrade::Large);
        }
    }
    g
}

/// Closure needs the cause and the measures taken.
pub fn closure_problems(cause: &str, measures: &str) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    if cause.trim().is_empty() {
        out.push(("cause", "required"));
    }
    if measures.trim().is_empty() {
        out.push(("measures", "required"));
    }
    out
}

/// The finding codes that open an incident (not only a notice) on an
/// internet-facing system: tampering, injected links and spam, exposed secrets.
pub fn opens_incident(code: crate::monitoring::FindingCode) -> Option<IncidentKind> {
    use crate::monitoring::FindingCode as C;
    match code {
        C::Tampered => Some(IncidentKind::WebTampering),
        C::SpamKeywords
        | C::HiddenSpam
        | C::HiddenLink
        | C::HiddenIframe
        | C::ScriptLinks
        | C::ObfuscatedScript
        | C::CloakingScript => Some(IncidentKind::IllegalContent),
        C::ExposedFile => Some(IncidentKind::DataLeak),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: i64, m: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap() + Duration::hours(h) + Duration::minutes(m)
    }

    fn state(c: &[StepClock], s: IncidentStep) -> ClockState {
        c.iter().find(|x| x.step == s).map(|x| x.state).unwrap()
    }

    #[test]
    fn larger_incidents_are_reported_within_four_hours_and_cii_within_one() {
        let p = ReportingPolicy::default();
        let detected = t(0, 0);
        // Reported to the police at 3h50 (met), to the supervisor at 4h10 (missed); the CAC not yet, 5h in.
        let done = [(IncidentStep::ReportedPolice, t(3, 50)), (IncidentStep::ReportedSupervisor, t(4, 10))];
        let c = clock(&p, IncidentGrade::Large, false, detected, &done, t(5, 0));
        assert_eq!(state(&c, IncidentStep::ReportedPolice), ClockState::Met);
        assert_eq!(state(&c, IncidentStep::ReportedSupervisor), ClockState::Missed);
        assert_eq!(state(&c, IncidentStep::ReportedCac), ClockState::Overdue);
        let cac = c.iter().find(|x| x.step == IncidentStep::ReportedCac).unwrap();
        assert_eq!(cac.due_at, Some(t(4, 0)));
        assert_eq!(cac.remaining_s, Some(-3600));
        // The same facts on critical infrastructure: one hour, so the police report at 3h50 missed too.
        let c = clock(&p, IncidentGrade::Large, true, detected, &done, t(5, 0));
        assert_eq!(state(&c, IncidentStep::ReportedPolice), ClockState::Missed);
        assert_eq!(c.iter().find(|x| x.step == IncidentStep::ReportedCac).unwrap().due_at, Some(t(1, 0)));
        // Half an hour in, nothing done: pending, 30 minutes left.
        let c = clock(&p, IncidentGrade::Major, true, detected, &[], t(0, 30));
        let sup = c.iter().find(|x| x.step == IncidentStep::ReportedSupervisor).unwrap();
        assert_eq!((sup.state, sup.remaining_s), (ClockState::Pending, Some(1800)));
    }

    #[test]
    fn a_general_incident_has_a_day_and_no_cac_report() {
        let p = ReportingPolicy::default();
        let c = clock(&p, IncidentGrade::General, true, t(0, 0), &[], t(20, 0));
        assert_eq!(state(&c, IncidentStep::ReportedCac), ClockState::NotRequired);
        assert_eq!(state(&c, IncidentStep::ReportedPolice), ClockState::Pending);
        // CII does not shorten a general incident's day.
        assert_eq!(c.iter().find(|x| x.step == IncidentStep::ReportedPolice).unwrap().due_at, Some(t(24, 0)));
        let c = clock(&p, IncidentGrade::General, false, t(0, 0), &[], t(25, 0));
        assert_eq!(state(&c, IncidentStep::ReportedSupervisor), ClockState::Overdue);
        // Containment has no target: pending until done, then met.
        assert_eq!(state(&c, IncidentStep::Contained), ClockState::Pending);
        let c = clock(&p, IncidentGrade::General, false, t(0, 0), &[(IncidentStep::Contained, t(30, 0))], t(31, 0));
        assert_eq!(state(&c, IncidentStep::Contained), ClockState::Met);
        // A CAC report made anyway counts as met.
        let c = clock(&p, IncidentGrade::General, false, t(0, 0), &[(IncidentStep::ReportedCac, t(2, 0))], t(3, 0));
        assert_eq!(state(&c, IncidentStep::ReportedCac), ClockState::Met);
    }

    #[test]
    fn targets_follow_the_configuration_per_grade() {
        let p = ReportingPolicy { report_hours: [Some(1), Some(2), Some(8), None], cii_hours: 3, ..Default::default() };
        assert_eq!(p.target_hours(IncidentStep::ReportedPolice, IncidentGrade::EspeciallyMajor, false), Some(1));
        assert_eq!(p.target_hours(IncidentStep::ReportedPolice, IncidentGrade::Major, true), Some(2));
        assert_eq!(p.target_hours(IncidentStep::ReportedPolice, IncidentGrade::Large, true), Some(3));
        assert_eq!(p.target_hours(IncidentStep::ReportedPolice, IncidentGrade::General, true), None);
        assert!(p.is_cii("portal\ncii\n"));
        assert!(!p.is_cii("cii-candidate\nportal"));
    }

    #[test]
    fn the_suggested_grade_reads_the_facts() {
        let base = GradeFacts {
            kind: IncidentKind::WebTampering,
            important: false,
            cii: false,
            homepage: false,
            hours_visible: 1,
            records_affected: 0,
        };
        assert_eq!(suggest_grade(&base), IncidentGrade::General);
        let home = GradeFacts { important: true, homepage: true, hours_visible: 6, ..base };
        assert_eq!(suggest_grade(&home), IncidentGrade::Large);
        assert_eq!(suggest_grade(&GradeFacts { hours_visible: 5, ..home }), IncidentGrade::General);
        assert_eq!(suggest_grade(&GradeFacts { cii: true, homepage: false, ..home }), IncidentGrade::Major);
        let leak = GradeFacts { kind: IncidentKind::DataLeak, records_affected: 1_200_000, ..base };
        assert_eq!(suggest_grade(&leak), IncidentGrade::Large);
        assert_eq!(suggest_grade(&GradeFacts { records_affected: 10_000_000, ..leak }), IncidentGrade::Major);
        assert_eq!(
            suggest_grade(&GradeFacts { records_affected: 100_000_000, ..leak }),
            IncidentGrade::EspeciallyMajor
        );
        let down = GradeFacts { kind: IncidentKind::DenialOfService, important: true, hours_visible: 24, ..base };
        assert_eq!(suggest_grade(&down), IncidentGrade::Large);
        assert_eq!(suggest_grade(&GradeFacts { cii: true, ..down }), IncidentGrade::Major);
        // A home page visible long on an unimportant site stays general.
        assert_eq!(suggest_grade(&GradeFacts { homepage: true, hours_visible: 72, ..base }), IncidentGrade::General);
    }

    #[test]
    fn closure_needs_cause_and_measures() {
        assert_eq!(closure_problems(" ", "已清除"), [("cause", "required")]);
        assert!(closure_problems("弱口令", "已修改口令").is_empty());
    }

    #[test]
    fn findings_that_open_incidents() {
        use crate::monitoring::FindingCode as C;
        assert_eq!(opens_incident(C::Tampered), Some(IncidentKind::WebTampering));
        assert_eq!(opens_incident(C::HiddenLink), Some(IncidentKind::IllegalContent));
        assert_eq!(opens_incident(C::Unreachable), None);
        assert_eq!(opens_incident(C::CertExpired), None);
    }
}
