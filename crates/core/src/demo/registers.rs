//! The demo's unit registers: the university-wide emergency plan and drill,
//! the academic office complete and current, the computer school behind (a
//! plan not reviewed for over a year, an improvement action overdue, rules
//! missing), the personal-data register with a request waiting at each step,
//! budget lines, training and certificates (one expiring soon).

use crate::platform::access::Principal;
use crate::platform::error::Result;
use crate::platform::store::Store;
use crate::registers::PolicyKind;
use crate::registers::service::{budget, data, drills, plans, policies, training};
use chrono::{Datelike, Duration};
use serde_json::json;

fn input<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T> {
    serde_json::from_value(v).map_err(|e| crate::platform::error::CoreError::Internal(format!("demo registers: {e}")))
}

/// The unit's people in the order the demo made them: head, deputy, network admin, staff.
async fn people(store: &Store, unit: &str) -> Result<Vec<i64>> {
    use crate::directory::entity::{person, unit as unit_e};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    let Some(u) = unit_e::Entity::find().filter(unit_e::Column::Code.eq(unit)).one(store.db()).await? else {
        return Ok(Vec::new());
    };
    Ok(person::Entity::find()
        .select_only()
        .column(person::Column::Id)
        .filter(person::Column::UnitId.eq(u.id))
        .order_by_asc(person::Column::Id)
        .into_tuple()
        .all(store.db())
        .await?)
}

async fn system(store: &Store, name: &str) -> Result<Option<i64>> {
    use crate::registry::entity::system;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    Ok(system::Entity::find()
        .select_only()
        .column(system::Column::Id)
        .filter(system::Column::Name.eq(name))
        .into_tuple()
        .one(store.db())
        .await?)
}

pub(super) async fn seed(store: &Store, sys: &Principal) -> Result<()> {
    let today = store.now().with_timezone(&store.notice_policy().time_zone).date_naive();
    let year = today.year();
    let (cs, academic, nic) =
        (people(store, "cs").await?, people(store, "academic").await?, people(store, "nic").await?);
    if cs.len() < 3 || academic.len() < 3 {
        return Ok(());
    }
    let jwxt = system(store, "教务管理系统").await?;
    let oj = system(store, "程序设计在线评测").await?;
    let cs_site = system(store, "计算机学院网站").await?;

    // Emergency plans.
    plans::create(store, sys, input(json!({"title": "学校网络安全事件应急预案", "scenarios":
        "网站被篡改或植入暗链；数据泄露；勒索病毒；重要系统服务中断；DDoS 攻击",
        "contacts": "网络安全应急办公室（网络信息中心）值班电话 010-00000000",
        "escalation": "1. 发现即报值班员；2. 30 分钟内研判定级；3. 较大及以上事件 1 小时内报告主管部门、公安机关和网信部门；4. 处置完毕后 5 个工作日内提交总结报告。",
        "reviewed_on": today - Duration::days(120)}))?)
    .await?;
    plans::create(
        store,
        sys,
        input(json!({"unit": "academic", "title": "教务处网络安全应急预案",
        "scenarios": "教务系统成绩被篡改；选课期间服务中断；学生个人信息泄露",
        "contacts": "教务处网络管理员 13800000001；网络信息中心值班室",
        "escalation": "断开外网访问 → 保存日志 → 报告网络信息中心 → 恢复备份",
        "reviewed_on": today - Duration::days(60), "systems": jwxt.into_iter().collect::<Vec<_>>()}))?,
    )
    .await?;
    plans::create(
        store,
        sys,
        input(json!({"unit": "cs", "title": "计算机学院网站应急处置方案",
        "scenarios": "网站被篡改", "contacts": "学院网络管理员",
        "reviewed_on": today - Duration::days(500), "systems": cs_site.into_iter().collect::<Vec<_>>()}))?,
    )
    .await?;

    // Drills: the university's, the academic office's (all done), the computer school's (one action late).
    if let Some(lead) = nic.first() {
        drills::create(store, sys, input(json!({"held_on": today - Duration::days(45), "scenario": "门户网站被篡改应急演练（全校）",
            "participants": "网络信息中心、宣传部、保卫处及各二级单位网络管理员", "what_happened":
            "模拟门户网站首页被篡改，值班员 5 分钟内发现，15 分钟内断开外网访问，1 小时内完成恢复和报告。",
            "problems": "部分单位联系人电话已变更。",
            "actions": [{"description": "各单位更新应急联系人", "owner_person_id": lead, "due_on": today - Duration::days(15)}]}))?)
        .await?;
    }
    let d = drills::create(store, sys, input(json!({"unit": "academic", "held_on": today - Duration::days(90),
        "scenario": "选课期间教务系统服务中断演练", "participants": "教务处、网络信息中心",
        "what_happened": "切换至备用服务器，20 分钟恢复服务。", "problems": "备用服务器数据同步延迟 10 分钟。",
        "systems": jwxt.into_iter().collect::<Vec<_>>(),
        "actions": [{"description": "数据同步改为准实时", "owner_person_id": academic[2], "due_on": today - Duration::days(30)}]}))?)
    .await?;
    if let Some(a) = d.actions.first() {
        drills::complete_action(store, sys, d.id, a.id, input(json!({"note": "已改为每分钟同步"}))?).await?;
    }
    drills::create(store, sys, input(json!({"unit": "cs", "held_on": today - Duration::days(240),
        "scenario": "学院网站被植入暗链处置演练", "participants": "学院网络管理员、办公室",
        "what_happened": "按方案下线页面、清除暗链、修补漏洞。", "problems": "网站程序版本过旧，未及时打补丁。",
        "systems": cs_site.into_iter().collect::<Vec<_>>(),
        "actions": [{"description": "升级网站程序并建立补丁检查制度", "owner_person_id": cs[2], "due_on": today - Duration::days(20)},
                    {"description": "每季度开展一次漏洞扫描", "owner_person_id": cs[2], "due_on": today + Duration::days(40)}]}))?)
    .await?;

    // Management rules: the academic office has them all; the computer school six.
    for kind in PolicyKind::ALL {
        policies::put(
            store,
            sys,
            input(json!({"unit": "academic", "kind": kind, "title": format!("教务处{}", policy_title(*kind)),
            "approved_on": today - Duration::days(200), "review_on": today + Duration::days(165)}))?,
        )
        .await?;
    }
    for kind in &PolicyKind::ALL[..6] {
        policies::put(
            store,
            sys,
            input(json!({"unit": "cs", "kind": kind, "title": format!("计算机学院{}", policy_title(*kind)),
            "approved_on": today - Duration::days(700), "review_on": today - Duration::days(335)}))?,
        )
        .await?;
    }

    // Personal data and requests to provide it outside.
    if let Some(jwxt) = jwxt {
        data::create_entry(store, sys, input(json!({"system_id": jwxt, "categories": "姓名、学号、身份证号、手机号、成绩",
            "subjects": "全体在校学生", "purpose": "教学管理、学籍与成绩管理", "method": "收集、存储、使用",
            "scope": "在校生约 3 万人", "storage_place": "学校数据中心（主楼机房）", "retention": "学生毕业后 30 年（学籍档案）",
            "measures": "访问控制、传输加密、身份证号脱敏展示、操作日志审计"}))?)
        .await?;
        let r = data::create_request(store, sys, input(json!({"unit": "academic", "system_id": jwxt, "recipient": "某省教育考试院",
            "purpose": "联合培养项目学生资格核验", "fields": "姓名、学号、所在专业", "legal_basis": "学生本人书面同意；合作协议"}))?)
        .await?;
        data::decide(store, sys, r.id, input(json!({"approve": true, "note": "同意，限项目用途"}))?).await?;
    }
    if let Some(oj) = oj {
        data::create_entry(
            store,
            sys,
            input(json!({"system_id": oj, "categories": "姓名、学号、邮箱", "subjects": "选课学生",
            "purpose": "程序设计课程作业评测", "method": "收集、存储", "storage_place": "学院服务器机柜",
            "retention": "课程结束后 1 年", "measures": "账号口令认证"}))?,
        )
        .await?;
        data::create_request(
            store,
            sys,
            input(json!({"unit": "cs", "system_id": oj, "recipient": "某竞赛平台公司",
            "purpose": "竞赛报名信息同步", "fields": "姓名、学号、邮箱", "legal_basis": "学生报名时勾选同意"}))?,
        )
        .await?;
    }

    // Budget for this year.
    for (unit, category, planned, spent, special, note) in [
        ("nic", "equipment", "1200000", "860000", true, "下一代防火墙、Web 应用防火墙"),
        ("nic", "services", "300000", "150000", true, "等级测评、渗透测试"),
        ("nic", "training", "50000", "32000", false, "全员培训与认证"),
        ("academic", "services", "80000", "80000", false, "教务系统等级测评"),
        ("cs", "software", "20000", "0", false, "网站防篡改软件"),
    ] {
        budget::create(
            store,
            sys,
            input(json!({"unit": unit, "year": year, "category": category, "planned": planned,
            "spent": spent, "special_fund": special, "note": note}))?,
        )
        .await?;
    }

    // Training: the university-wide awareness session (the academic office attended), a professional one.
    let mut attendees: Vec<i64> = academic.clone();
    attendees.extend(nic.iter().take(3));
    training::create_training(
        store,
        sys,
        input(json!({"kind": "awareness", "title": format!("{year}年全员网络安全意识培训"),
        "held_on": today - Duration::days(70), "hours": "2", "attendees": attendees}))?,
    )
    .await?;
    training::create_training(
        store,
        sys,
        input(json!({"unit": "academic", "kind": "professional", "title": "应用系统安全运维培训",
        "held_on": today - Duration::days(30), "hours": "6", "attendees": [academic[2]]}))?,
    )
    .await?;
    training::create_certificate(
        store,
        sys,
        input(json!({"person_id": academic[2], "kind": "cisp", "number": "CISP-2023-001234",
        "issued_on": today - Duration::days(3 * 365 - 40), "expires_on": today + Duration::days(40)}))?,
    )
    .await?;
    if let Some(n) = nic.get(2) {
        training::create_certificate(
            store,
            sys,
            input(json!({"person_id": n, "kind": "mlps_assessor", "number": "DJCP-2024-0088",
            "issued_on": today - Duration::days(400), "expires_on": today + Duration::days(700)}))?,
        )
        .await?;
    }
    Ok(())
}

fn policy_title(k: PolicyKind) -> &'static str {
    match k {
        PolicyKind::People => "网络安全人员管理办法",
        PolicyKind::Accounts => "信息系统账号管理办法",
        PolicyKind::Computers => "计算机软硬件管理办法",
        PolicyKind::SystemOperation => "信息系统建设与运维管理办法",
        PolicyKind::Publishing => "信息发布审核办法",
        PolicyKind::MachineRoom => "机房管理制度",
        PolicyKind::DataSecurity => "数据安全与使用管理办法",
        PolicyKind::DataBackup => "数据备份管理制度",
        PolicyKind::EmergencyPlan => "网络安全应急预案",
        PolicyKind::EmergencyDrill => "应急演练管理办法",
        PolicyKind::OverallPlan => "网络安全总体规划",
    }
}
