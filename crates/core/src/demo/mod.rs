//! A believable demo university, for a first look and for benchmarks.
//! Only reserved names (`*.example`) are used; nothing here reaches outside.

use crate::accounts::service::{self as accounts, GrantInput, NewUser};
use crate::directory::entity::unit;
use crate::directory::service::leadership::{self, MemberInput};
use crate::directory::service::people::{self, PersonInput};
use crate::directory::service::responsibilities::{self, ResponsibilitiesInput};
use crate::directory::service::units::{self, UnitInput};
use crate::platform::access::{Principal, Role};
use crate::platform::error::Result;
use crate::platform::store::Store;
use sea_orm::{EntityTrait, PaginatorTrait};

mod mechanisms;
mod readiness;
mod registers;

/// The password of every demo account (printed by `wangan demo`).
pub const DEMO_PASSWORD: &str = "Demo-Pass-2026";

/// (code, name, English name, kind, parent)
const UNITS: [(&str, &str, &str, &str, Option<&str>); 16] = [
    ("president", "校长办公室", "President's Office", "office", None),
    ("nic", "网络信息中心", "Network and Information Center", "center", None),
    ("publicity", "党委宣传部", "Publicity Department", "office", None),
    ("security", "保卫处", "Security Department", "office", None),
    ("academic", "教务处", "Office of Academic Affairs", "office", None),
    ("hr", "人事处", "Human Resources Office", "office", None),
    ("library", "图书馆", "Library", "center", None),
    ("cs", "计算机科学与技术学院", "School of Computer Science", "college", None),
    ("ee", "电子信息工程学院", "School of Electronic Engineering", "college", None),
    ("math", "数学科学学院", "School of Mathematical Sciences", "college", None),
    ("chem", "化学化工学院", "School of Chemistry", "college", None),
    ("foreign", "外国语学院", "School of Foreign Languages", "college", None),
    ("econ", "经济管理学院", "School of Economics and Management", "college", None),
    ("med", "医学院", "School of Medicine", "college", None),
    ("art", "艺术学院", "School of Arts", "college", None),
    ("cs-ai", "人工智能研究院", "Institute of Artificial Intelligence", "center", Some("cs")),
];

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗",
];
const GIVEN: [&str; 24] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞",
    "平", "建国", "志强", "晓燕", "海波",
];

/// Titles in each unit by kind: the head, the deputy in charge of network
/// security, the network administrator, then two members of staff.
fn titles(kind: &str) -> [&'static str; 5] {
    match kind {
        "college" => ["院长", "副院长（分管网络安全）", "网络管理员", "办公室主任", "教师"],
        "office" => ["处长", "副处长（分管网络安全）", "网络管理员", "综合科科长", "科员"],
        _ => ["主任", "副主任（分管网络安全）", "网络管理员", "办公室主任", "工程师"],
    }
}

/// Fill an empty database. Returns false (and does nothing) when units already exist.
pub async fn seed(store: &Store) -> Result<bool> {
    if unit::Entity::find().count(store.db()).await? > 0 {
        return Ok(false);
    }
    let sys = Principal::system("demo");
    for (code, name, name_en, kind, parent) in UNITS {
        units::create(
            store,
            &sys,
            UnitInput {
                code: code.into(),
                name: name.into(),
                name_en: name_en.into(),
                kind: kind.into(),
                parent: parent.map(str::to_owned),
            },
        )
        .await?;
    }
    let mut n = 0usize;
    let mut heads: Vec<(String, i64, i64, i64)> = Vec::new(); // unit, first, main, direct
    for (i, (code, _, _, kind, _)) in UNITS.iter().enumerate() {
        let mut ids = Vec::new();
        for (j, title) in titles(kind).iter().enumerate() {
            let name = format!("{}{}", SURNAMES[(n * 7 + i) % SURNAMES.len()], GIVEN[(n * 5 + j * 3) % GIVEN.len()]);
            n += 1;
            let p = people::create(
                store,
                &sys,
                PersonInput {
                    name,
                    unit: (*code).into(),
                    title: (*title).into(),
                    phone: format!("010-6275{:04}", 1000 + n),
                    email: format!("staff{n:03}@{code}.university.example"),
                    staff_no: format!("2010{n:04}"),
                },
            )
            .await?;
            ids.push(p.id);
        }
        heads.push(((*code).into(), ids[0], ids[1], ids[2]));
    }
    for (code, first, main, direct) in &heads {
        // Two units have not yet named everyone, so the dashboard has something to flag.
        let input = match code.as_str() {
            "art" => ResponsibilitiesInput { first: Some(*first), main: Some(*main), direct: None },
            "cs-ai" => ResponsibilitiesInput { first: None, main: None, direct: Some(*direct) },
            _ => ResponsibilitiesInput { first: Some(*first), main: Some(*main), direct: Some(*direct) },
        };
        responsibilities::put(store, &sys, code, input).await?;
    }
    let find = |code: &str| heads.iter().find(|h| h.0 == code).cloned();
    let seats: [(&str, usize, &str, &str); 6] = [
        ("president", 0, "leader", "全面领导学校网络与信息安全工作"),
        ("president", 1, "deputy", "协助组长，分管网络安全"),
        ("publicity", 0, "member", "网上舆情与内容安全"),
        ("security", 0, "member", "安全事件处置与公安联络"),
        ("nic", 0, "member", "技术防护与监测"),
        ("nic", 2, "office", "领导小组办公室日常工作"),
    ];
    for (code, which, position, duty) in seats {
        if let Some((_, first, main, direct)) = find(code) {
            let person_id = [first, main, direct][which];
            leadership::add(store, &sys, MemberInput { person_id, position: position.into(), duty: duty.into() })
                .await?;
        }
    }
    let accounts: [(&str, Role, Option<&str>, &str); 7] = [
        ("officer", Role::Officer, None, "nic"),
        ("reviewer", Role::Reviewer, None, "publicity"),
        ("auditor", Role::Auditor, None, "president"),
        ("leader.cs", Role::Leader, Some("cs"), "cs"),
        ("netadmin.cs", Role::UnitAdmin, Some("cs"), "cs"),
        ("netadmin.ee", Role::UnitAdmin, Some("ee"), "ee"),
        ("netadmin.art", Role::UnitAdmin, Some("art"), "art"),
    ];
    for (username, role, unit, home) in accounts {
        let person_id = find(home).map(|(_, first, _, direct)| if role == Role::Leader { first } else { direct });
        let person_id = if matches!(role, Role::Officer | Role::Leader | Role::UnitAdmin) { person_id } else { None };
        accounts::create_user(
            store,
            Some(&sys),
            NewUser {
                username: username.into(),
                password: DEMO_PASSWORD.into(),
                must_change_password: false,
                person_id,
                grants: vec![GrantInput { role, unit: unit.map(str::to_owned) }],
            },
        )
        .await?;
    }
    seed_systems(store, &sys).await?;
    seed_notices(store, &sys).await?;
    mechanisms::seed(store, &sys).await?;
    readiness::seed(store, &sys).await?;
    registers::seed(store, &sys).await?;
    Ok(true)
}

/// A notice of the demo: (system host, source, reference, title, vulnerability
/// type, severity, hours since received, hours to the deadline, state to reach).
use crate::notices::{NoticeSource as Src, Severity as Sev};

type DemoNotice =
    (&'static str, Src, &'static str, &'static str, &'static str, Sev, i64, i64, crate::notices::RectificationStatus);

/// Notices in every state: assigned, in progress, awaiting the unit's
/// leader, awaiting the center, closed, overdue, and one system under a
/// shutdown order (its deadline passed more than the grace period ago).
/// Nothing is sent anywhere: the demo sets no channels, and without an
/// `[smtp]` server the emails stay queued and fail, shown in the delivery log.
async fn seed_notices(store: &Store, sys: &Principal) -> Result<()> {
    use crate::notices::RectificationStatus as S;
    use crate::notices::service::escalation;
    use crate::notices::service::notices;
    use crate::notices::service::rectifications;
    use chrono::Duration;
    let now = store.now();
    let by_host = |host: &str| format!("https://{host}.university.example/");
    // (system host, source, reference, title, vuln type, severity, received ago (h), deadline from now (h), state)
    let plan: [DemoNotice; 10] = [
        (
            "ee",
            Src::Edusrc,
            "EDUSRC-2026-08815",
            "电子信息学院网站存在 SQL 注入漏洞",
            "SQL 注入",
            Sev::Critical,
            80,
            -50,
            S::Assigned, // long overdue: the ladder orders its shutdown
        ),
        (
            "cs",
            Src::ProvincialEdu,
            "省教网安〔2026〕47号",
            "计算机学院网站 WordPress 插件任意文件上传",
            "文件上传",
            Sev::High,
            70,
            -2,
            S::Assigned,
        ),
        (
            "news",
            Src::CityCac,
            "网信通〔2026〕112号",
            "新闻网存在存储型跨站脚本",
            "XSS",
            Sev::High,
            20,
            52,
            S::Assigned,
        ),
        (
            "lib",
            Src::Moe,
            "教技网安〔2026〕19号",
            "图书馆网站 Drupal 远程代码执行",
            "远程代码执行",
            Sev::Critical,
            6,
            18,
            S::InProgress,
        ),
        (
            "jwc",
            Src::Edusrc,
            "EDUSRC-2026-09102",
            "教务处网站目录遍历",
            "信息泄露",
            Sev::Medium,
            50,
            118,
            S::ReportSubmitted,
        ),
        (
            "math",
            Src::Edusrc,
            "EDUSRC-2026-09388",
            "数学学院网站后台弱口令",
            "弱口令",
            Sev::High,
            150,
            -60,
            S::Assigned, // overdue past the grace period too: its proposal waits for the center
        ),
        ("oj", Src::Inspection, "自查-2026-11", "在线评测平台弱口令", "弱口令", Sev::Medium, 100, 68, S::Closed),
        (
            "bwc",
            Src::Police,
            "公网安〔2026〕305号",
            "保卫处网站 DedeCMS 后台暴露",
            "后台暴露",
            Sev::High,
            60,
            20,
            S::Approved,
        ),
        ("sem", Src::Monitoring, "", "经管学院网站 TLS 证书将在 10 天内过期", "证书", Sev::Low, 30, 330, S::Assigned),
        ("soft", Src::Other, "", "正版软件服务平台 nginx 版本信息泄露", "信息泄露", Sev::Low, 10, 350, S::Assigned),
    ];
    let report = |title: &str| rectifications::ReportInput {
        vulnerability: format!("{title}。经核实漏洞存在。"),
        cause: "所用组件版本过旧，未及时更新；后台管理地址对外开放。".into(),
        measures: "升级组件至最新版本；删除多余插件；后台仅允许校内地址访问；修改管理员口令。".into(),
        verification: "整改后由网络信息中心复测，未再发现该漏洞。".into(),
        remaining_risk: String::new(),
        offline_repair: false,
        completed_on: Some(now.date_naive()),
        submit: true,
        attachments: Vec::new(),
    };
    for (host, source, reference, title, vuln_type, severity, ago, due_in, state) in plan {
        let ids = notices::resolve_systems(store, sys, &[by_host(host)]).await?;
        let input = notices::NoticeInput {
            source: source.as_str().into(),
            reference: reference.into(),
            received_at: Some(now - Duration::hours(ago)),
            title: title.into(),
            vuln_type: vuln_type.into(),
            severity: severity.as_str().into(),
            description: format!("经{}通报：{title}，请于期限内完成整改并提交风险整改报告。", source.zh()),
            deadline: Some(now + Duration::hours(due_in)),
            systems: ids,
            evidence: Vec::new(),
        };
        let n = notices::create(store, sys, input).await?;
        let Some(r) = n.rectifications.first() else { continue };
        let id = r.id;
        // Issued to the unit an hour after the center received it (the demo
        // writes its past at once; the service would stamp "now").
        {
            use crate::notices::entity::rectification;
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
            let issued = now - Duration::hours(ago) + Duration::hours(1);
            rectification::Entity::update_many()
                .col_expr(rectification::Column::AssignedAt, Expr::value(issued.min(now)))
                .filter(rectification::Column::Id.eq(id))
                .exec(store.db())
                .await?;
        }
        // The unit's own accounts write and approve where the demo has them
        // (the report then names their persons), the center's officer reviews.
        let unit_code = r.unit.clone();
        let worker = demo_principal(store, &format!("netadmin.{unit_code}")).await?.unwrap_or_else(|| sys.clone());
        let head = demo_principal(store, &format!("leader.{unit_code}")).await?.unwrap_or_else(|| sys.clone());
        let center = demo_principal(store, "officer").await?.unwrap_or_else(|| sys.clone());
        match state {
            S::InProgress => {
                let draft = rectifications::ReportInput { submit: false, ..report(title) };
                rectifications::report(store, &worker, id, draft).await?;
            }
            S::ReportSubmitted => {
                rectifications::report(store, &worker, id, report(title)).await?;
            }
            S::Approved => {
                rectifications::report(store, &worker, id, report(title)).await?;
                rectifications::approve(store, &head, id).await?;
            }
            S::Closed => {
                rectifications::report(store, &worker, id, report(title)).await?;
                rectifications::approve(store, &head, id).await?;
                let review = rectifications::ReviewInput {
                    decision: "accept".into(),
                    comment: "整改到位，同意。".into(),
                };
                rectifications::review(store, &center, id, review).await?;
            }
            S::Assigned => {}
        }
    }
    // The ladder as of now: the overdue one is escalated, the two long-overdue
    // ones' shutdowns proposed; the center issues the one of the school of
    // electronics, the other waits for its decision (so the demo shows both).
    escalation::run_once(store).await?;
    let proposed = crate::enforcement::service::shutdowns::list(
        store,
        sys,
        Some(crate::notices::ShutdownOrderState::Proposed),
        crate::platform::page::PageRequest { page: None, per_page: Some(10) },
    )
    .await?;
    if let Some(o) = proposed.items.iter().find(|o| o.system_urls.iter().any(|u| u == &by_host("ee"))) {
        let note = crate::enforcement::service::shutdowns::IssueInput {
            note: "请立即停止对外服务，完成整改后申请恢复。".into(),
        };
        crate::enforcement::service::shutdowns::issue(store, sys, o.id, note).await?;
    }
    Ok(())
}

/// The principal of a demo account, when the demo has one by that name.
async fn demo_principal(store: &Store, username: &str) -> Result<Option<Principal>> {
    use crate::accounts::entity::user;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    match user::Entity::find().filter(user::Column::Username.eq(username)).one(store.db()).await? {
        Some(u) => Ok(Some(crate::accounts::service::principal(store, u.id).await?)),
        None => Ok(None),
    }
}

/// A system of the demo: (unit, name, kind, host, internet-facing, important,
/// tags, MLPS level, stage to reach, filed, protections, months since the last evaluation).
use crate::registry::{ProtectionKind as P, Stage as S, SystemKind as K};

type DemoSystem = (
    &'static str,
    &'static str,
    K,
    &'static str,
    bool,
    bool,
    &'static [&'static str],
    Option<i32>,
    S,
    bool,
    &'static [P],
    Option<u32>,
);

const FW_TAMPER: &[P] = &[P::Firewall, P::TamperProtection];
const FULL: &[P] = &[P::Firewall, P::TamperProtection, P::Ips, P::SecurityAudit, P::SecurityGateway];
const FW: &[P] = &[P::Firewall];
const NONE: &[P] = &[];

#[rustfmt::skip]
const SYSTEMS: [DemoSystem; 40] = [
    ("nic", "学校门户网站", K::Website, "www", true, true, &["nginx", "java"], Some(3), S::Online, true, FULL, Some(10)),
    ("nic", "统一身份认证平台", K::Platform, "cas", true, true, &["java", "tomcat"], Some(3), S::Online, true, FULL, Some(14)),
    ("nic", "校园邮件系统", K::Application, "mail", true, true, &["coremail"], Some(3), S::Online, true, FULL, Some(4)),
    ("nic", "VPN 远程接入", K::Platform, "vpn", true, true, &["sslvpn"], Some(3), S::Online, true, FULL, Some(13)),
    ("nic", "数据中心运维监控", K::Platform, "noc", false, true, &["zabbix", "php"], Some(2), S::Online, false, NONE, Some(20)),
    ("nic", "正版软件服务平台", K::Website, "soft", true, false, &["php", "nginx"], Some(2), S::Online, true, FW_TAMPER, Some(6)),
    ("nic", "旧版信息门户", K::Website, "old-portal", true, false, &["asp", "iis"], Some(2), S::Closed, true, FW_TAMPER, None),
    ("president", "校长办公室网站", K::Website, "xb", true, false, &["wordpress", "php"], Some(2), S::Online, true, FW_TAMPER, Some(8)),
    ("president", "公文流转系统", K::Application, "oa", false, true, &["java"], Some(3), S::Online, false, NONE, Some(3)),
    ("publicity", "新闻网", K::Website, "news", true, true, &["wordpress", "php", "mysql"], Some(2), S::Online, true, FW_TAMPER, Some(12)),
    ("publicity", "校园电视台点播", K::Website, "tv", true, false, &["php"], Some(2), S::Offline, true, FW_TAMPER, Some(30)),
    ("security", "保卫处网站", K::Website, "bwc", true, false, &["dedecms", "php"], Some(2), S::Online, true, FW_TAMPER, Some(9)),
    ("security", "校园视频监控平台", K::Platform, "video", false, true, &["hikvision"], Some(3), S::Online, false, NONE, Some(15)),
    ("academic", "教务管理系统", K::Application, "jwxt", true, true, &["java", "oracle"], Some(3), S::Online, true, FULL, Some(11)),
    ("academic", "在线选课系统", K::Application, "xk", true, true, &["java"], Some(3), S::Building, false, FW, None),
    ("academic", "教务处网站", K::Website, "jwc", true, false, &["php"], Some(2), S::Online, true, FW_TAMPER, Some(2)),
    ("hr", "人事管理系统", K::Application, "hr", false, true, &["java"], Some(3), S::Online, false, NONE, Some(5)),
    ("hr", "人才招聘网", K::Website, "job", true, false, &["php", "thinkphp"], Some(2), S::Building, true, FW, None),
    ("library", "图书馆网站", K::Website, "lib", true, false, &["drupal", "php"], Some(2), S::Online, true, FW_TAMPER, Some(16)),
    ("library", "数字资源发现系统", K::Platform, "find", true, false, &["java"], Some(2), S::Online, true, FW, Some(7)),
    ("library", "座位预约系统", K::Application, "seat", false, false, &["python"], Some(1), S::Offline, false, NONE, None),
    ("cs", "计算机学院网站", K::Website, "cs", true, false, &["wordpress", "php"], Some(2), S::Online, true, FW_TAMPER, Some(10)),
    ("cs", "程序设计在线评测", K::Platform, "oj", true, false, &["python", "docker"], Some(2), S::Online, true, FW, Some(1)),
    ("cs", "实验室预约系统", K::Application, "lab", false, false, &["nodejs"], None, S::Planned, false, NONE, None),
    ("cs-ai", "人工智能研究院网站", K::Website, "ai", true, false, &["vue", "nginx"], Some(2), S::Building, true, FW_TAMPER, None),
    ("ee", "电子信息学院网站", K::Website, "ee", true, false, &["php", "dedecms"], Some(2), S::Online, true, FW_TAMPER, Some(22)),
    ("ee", "电子设计竞赛报名", K::Application, "contest", true, false, &["php"], Some(1), S::Building, false, NONE, None),
    ("math", "数学学院网站", K::Website, "math", true, false, &["wordpress"], Some(2), S::Online, true, FW_TAMPER, Some(13)),
    ("math", "高性能计算平台", K::Platform, "hpc", false, true, &["slurm", "linux"], Some(2), S::Online, false, NONE, Some(26)),
    ("chem", "化学化工学院网站", K::Website, "chem", true, false, &["php"], Some(2), S::Online, true, FW_TAMPER, Some(18)),
    ("chem", "危化品管理系统", K::Application, "hazard", false, true, &["java"], Some(3), S::Building, false, NONE, None),
    ("foreign", "外国语学院网站", K::Website, "sfl", true, false, &["wordpress"], Some(2), S::Offline, true, FW_TAMPER, Some(27)),
    ("foreign", "语言学习平台", K::Platform, "lang", true, false, &["moodle", "php"], None, S::Planned, false, NONE, None),
    ("econ", "经管学院网站", K::Website, "sem", true, false, &["php"], Some(2), S::Online, true, FW_TAMPER, Some(5)),
    ("econ", "校友捐赠平台", K::Website, "alumni", true, false, &["php"], Some(2), S::Closed, true, FW_TAMPER, None),
    ("med", "医学院网站", K::Website, "med", true, false, &["java"], Some(2), S::Online, true, FW_TAMPER, Some(3)),
    ("med", "临床技能考核系统", K::Application, "osce", false, true, &["dotnet"], Some(3), S::Online, false, NONE, Some(12)),
    ("med", "科研数据平台", K::Platform, "research", true, true, &["python"], None, S::Planned, false, NONE, None),
    ("art", "艺术学院网站", K::Website, "art", true, false, &["wordpress"], Some(2), S::Building, true, FW_TAMPER, None),
    ("art", "作品展示平台", K::Website, "gallery", true, false, &["php"], None, S::Planned, false, NONE, None),
];

/// About forty systems in every stage (`shutdown` comes from the notices'
/// shutdown order, see `seed_notices`). Those of `art` and `cs-ai` stay
/// short of `online` because their units lack responsible persons (and the
/// institute's website has no MLPS filing number 30 days after grading);
/// others carry overdue MLPS evaluations.
async fn seed_systems(store: &Store, sys: &Principal) -> Result<()> {
    use crate::registry::service::systems::{
        self, EvaluationInput, FilingInput, MlpsInput, ProtectionInput, SystemInput, TransitionInput,
    };
    use crate::registry::{EvaluationResult, FilingStatus, Hosting, Stage};
    let today = store.now().date_naive();
    for (n, (unit, name, kind, host, facing, important, tags, level, target, filed, prots, eval_ago)) in
        SYSTEMS.into_iter().enumerate()
    {
        // One platform sits on a vendor's cloud, outside the university's domain (双非).
        let url = match host {
            "gallery" => "https://art-gallery.vendor-cloud.example/".to_owned(),
            _ => format!("https://{host}.university.example/"),
        };
        let input = SystemInput {
            name: name.into(),
            kind: kind.as_str().into(),
            unit: unit.into(),
            urls: vec![url],
            ips: vec![format!("192.0.2.{}", 10 + n)],
            internet_facing: facing,
            important,
            operator_unit: Some("nic".into()).filter(|_| n % 3 == 0),
            operator_vendor: if n % 3 == 1 { "某信息技术有限公司".into() } else { String::new() },
            operator_contact: format!("010-6275{:04}", 2000 + n),
            users: "全校师生".into(),
            hosting: Some([Hosting::Campus, Hosting::Campus, Hosting::Cloud, Hosting::Vendor][n % 4].as_str().into()),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            notes: String::new(),
            move_urls: false,
        };
        let id = systems::create(store, sys, input).await?.system.id;
        let graded = today.checked_sub_months(chrono::Months::new(36));
        if host == "ai" {
            // Graded two months ago and still without its MLPS filing number: past
            // the 30 days of art. 15, flagged and reminded.
            let graded = today.checked_sub_months(chrono::Months::new(2));
            let input = MlpsInput { level, graded_on: graded, filing_no: String::new(), filed_on: None };
            systems::put_mlps(store, sys, id, input).await?;
        } else if level.is_some() {
            systems::put_mlps(
                store,
                sys,
                id,
                MlpsInput { level, graded_on: graded, filing_no: format!("11010899{n:03}-23001"), filed_on: graded },
            )
            .await?;
        }
        if let (Some(months), Some(_)) = (eval_ago, level)
            && let Some(on) = today.checked_sub_months(chrono::Months::new(months))
        {
            let input = EvaluationInput {
                agency: "某信息安全测评中心".into(),
                evaluated_on: on,
                result: EvaluationResult::for_score(75.0 + (n % 20) as f64)
                    .unwrap_or(EvaluationResult::Fair)
                    .as_str()
                    .into(),
                score: Some(75.0 + (n % 20) as f64),
                rectification_items: if n % 5 == 0 { vec!["部分账户口令复杂度不足".into()] } else { vec![] },
                report: None,
            };
            systems::add_evaluation(store, sys, id, input).await?;
        }
        if filed {
            let input = FilingInput {
                status: FilingStatus::Filed.as_str().into(),
                public_security_no: format!("110108020{:05}", 100 + n),
                icp_no: format!("京ICP备{:08}号-{}", 10_000_000 + n, n % 9 + 1),
                filed_on: today.checked_sub_months(chrono::Months::new(40)),
            };
            systems::put_filing(store, sys, id, input).await?;
        }
        let list = prots
            .iter()
            .map(|k| ProtectionInput {
                kind: k.as_str().into(),
                product: String::new(),
                since: None,
                notes: String::new(),
            })
            .collect();
        systems::put_protections(store, sys, id, list).await?;
        use Stage::*;
        let path: &[Stage] = match target {
            Building => &[Building],
            Online => &[Building, Online],
            Offline => &[Building, Online, Offline],
            Closed => &[Building, Online, Offline, Closed],
            Planned | Shutdown => &[],
        };
        for to in path {
            if *to == Closed && filed {
                let input = FilingInput {
                    status: FilingStatus::Cancelled.as_str().into(),
                    public_security_no: String::new(),
                    icp_no: String::new(),
                    filed_on: None,
                };
                systems::put_filing(store, sys, id, input).await?;
            }
            systems::transition(store, sys, id, TransitionInput { to: to.as_str().into(), override_reason: None })
                .await?;
        }
    }
    Ok(())
}

/// Demo accounts and their roles, for the terminal.
pub fn account_list() -> &'static [(&'static str, &'static str)] {
    &[
        ("officer", "officer — 网络信息中心"),
        ("reviewer", "reviewer — 党委宣传部"),
        ("auditor", "auditor — 领导小组"),
        ("leader.cs", "leader — 计算机科学与技术学院"),
        ("netadmin.cs", "unit_admin — 计算机科学与技术学院"),
        ("netadmin.ee", "unit_admin — 电子信息工程学院"),
        ("netadmin.art", "unit_admin — 艺术学院"),
    ]
}
