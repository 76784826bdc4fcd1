//! What the monitoring benchmarks share: the simulated sites registered as
//! online systems of one unit, and the process's CPU time and peak memory.

use sea_orm::{ActiveValue::Set, EntityTrait};
use wangan_core::directory::entity::unit;
use wangan_core::registry::entity::system;
use wangan_core::{Principal, Store};

/// CPU seconds (user, system) used so far by process `pid` ("self" for this one).
pub fn cpu_secs(pid: &str) -> (f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 (utime, stime, in ticks of 1/100 s) are the 12th and 13th after the command name.
    let field = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (field(11) / 100.0, field(12) / 100.0)
}

/// This process's peak resident memory, MB.
pub fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// Register `n` sites (`http://{host(i)}/`) as online, internet-facing
/// websites of one unit (`farm`) showing the farm's ICP number; one in ten
/// important when `important_tenth`.
pub async fn register_sites(store: &Store, n: usize, host: impl Fn(usize) -> String, important_tenth: bool) {
    let sys = Principal::system("bench");
    let db = store.db();
    wangan_core::directory::service::units::create(
        store,
        &sys,
        wangan_core::directory::service::units::UnitInput {
            code: "farm".into(),
            name: "压测学院".into(),
            name_en: String::new(),
            kind: "college".into(),
            parent: None,
        },
    )
    .await
    .unwrap();
    let unit_id = unit::Entity::find().one(db).await.unwrap().unwrap().id;
    let now = store.now();
    let rows: Vec<system::ActiveModel> = (0..n)
        .map(|i| system::ActiveModel {
            unit_id: Set(unit_id),
            name: Set(format!("压测网站{i:05}")),
            kind: Set(wangan_core::registry::SystemKind::Website),
            urls: Set(format!("http://{}/", host(i))),
            ips: Set(String::new()),
            internet_facing: Set(true),
            important: Set(important_tenth && i % 10 == 0),
            operator_unit_id: Set(None),
            operator_vendor: Set(String::new()),
            operator_contact: Set(String::new()),
            users: Set(String::new()),
            hosting: Set(wangan_core::registry::Hosting::Campus),
            tags: Set(String::new()),
            notes: Set(String::new()),
            stage: Set(wangan_core::registry::Stage::Online),
            stage_before_shutdown: Set(None),
            filing_status: Set(wangan_core::registry::FilingStatus::Filed),
            public_security_no: Set(String::new()),
            icp_no: Set(wangan_monitor::farm::ICP.into()),
            filed_on: Set(None),
            mlps_level: Set(Some(2)),
            mlps_graded_on: Set(None),
            mlps_filing_no: Set(String::new()),
            mlps_filed_on: Set(None),
            evaluation_due_on: Set(None),
            override_note: Set(String::new()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(500) {
        system::Entity::insert_many(chunk.to_vec()).exec(db).await.unwrap();
    }
}
