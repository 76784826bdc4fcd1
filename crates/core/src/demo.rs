//! A believable demo university, for a first look and for benchmarks.
//! Only reserved names (`*.example`) are used; nothing here reaches outside.

use crate::access::{Principal, Role};
use crate::entity::unit;
use crate::error::Result;
use crate::service::accounts::{self, GrantInput, NewUser};
use crate::service::leadership::{self, MemberInput};
use crate::service::people::{self, PersonInput};
use crate::service::responsibilities::{self, ResponsibilitiesInput};
use crate::service::units::{self, UnitInput};
use crate::store::Store;
use sea_orm::{EntityTrait, PaginatorTrait};

/// The password of every demo account (printed by `wangan demo`).
pub const DEMO_PASSWORD: &str = "Demo-Pass-2026";

/// (code, name, English name, kind, parent)
const UNITS: [(&str, &str, &str, &str, Option<&str>); 16] = [
    ("president", "校长办公室", "President's Office", "office", None),
    ("nic", "网络与信息中心", "Network and Information Center", "center", None),
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
    Ok(true)
}

/// Demo accounts and their roles, for the terminal.
pub fn account_list() -> &'static [(&'static str, &'static str)] {
    &[
        ("officer", "officer — 网络与信息中心"),
        ("reviewer", "reviewer — 党委宣传部"),
        ("auditor", "auditor — 领导小组"),
        ("leader.cs", "leader — 计算机科学与技术学院"),
        ("netadmin.cs", "unit_admin — 计算机科学与技术学院"),
        ("netadmin.ee", "unit_admin — 电子信息工程学院"),
        ("netadmin.art", "unit_admin — 艺术学院"),
    ]
}
