//! The systems inventory in and out of Excel: the command line import and the export.

use crate::support::*;
use rust_xlsxwriter::Workbook;
use serde_json::Value;
use std::process::Command;
use wangan_core::platform::access::Role;
use wangan_core::registry::rules::inventory::HEADERS;

fn wangan(data_dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wangan"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("WANGAN_DATABASE_URL")
        .env("WANGAN_LOG", "warn")
        .output()
        .expect("run wangan");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// A workbook with the template's headers and these rows (by header name).
fn workbook(rows: &[&[(&str, &str)]]) -> Vec<u8> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (h, v) in row.iter() {
            let c = HEADERS.iter().position(|x| x == h).unwrap() as u16;
            ws.write_string(r as u32 + 1, c, *v).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

async fn sqlite_app() -> Option<(TestApp, std::path::PathBuf)> {
    let app = spawn_app().await;
    let Some(dir) = app.db.data_dir().cloned() else {
        eprintln!("inventory CLI test uses the embedded SQLite default: skipped on PostgreSQL");
        return None;
    };
    app.unit("chem", "化学学院").await;
    app.unit("nic", "网络信息中心").await;
    Some((app, dir))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_checks_every_row_then_writes_once_and_is_idempotent() {
    let Some((app, dir)) = sqlite_app().await else { return };
    let good: &[(&str, &str)] = &[
        ("系统名称", "化学学院网站"),
        ("类型", "网站"),
        ("主管单位", "化学学院"),
        ("网址", "https://chem.university.example/"),
        ("面向互联网", "是"),
        ("状态", "已上线"),
        ("运维单位", "nic"),
        ("备案状态", "已备案"),
        ("公安备案号", "11010802000001"),
        ("备案日期", "2025/5/1"),
        ("等保级别", "第二级"),
        ("定级日期", "2025年3月1日"),
        ("技术栈标签", "WordPress，php"),
    ];
    let bad: &[(&str, &str)] =
        &[("系统名称", "物理学院网站"), ("类型", "网站"), ("主管单位", "物理学院"), ("备案日期", "去年")];
    let file = dir.join("inventory.xlsx");
    std::fs::write(&file, workbook(&[good, bad])).unwrap();

    // One bad row: every problem is named with its row, nothing is written.
    let (ok, out) = wangan(&dir, &["import", "systems", file.to_str().unwrap()]);
    assert!(!ok);
    let row3 = out.lines().find(|l| l.starts_with("第 3 行：")).unwrap_or_default();
    assert!(row3.contains("主管单位“物理学院”不存在") && row3.contains("备案日期“去年”不是日期"), "{out}");
    assert!(out.contains("尚未写入"), "{out}");
    let admin = app.api(&app.user("root", Role::Admin, None).await);
    assert_eq!(admin.get("/systems").await.1["total"], 0);

    // --partial writes the good row.
    let (ok, out) = wangan(&dir, &["import", "systems", "--partial", file.to_str().unwrap()]);
    assert!(!ok, "still reports the failure");
    assert!(out.contains("新增 1 个"), "{out}");
    let (_, list) = admin.get("/systems").await;
    assert_eq!(list["total"], 1);
    let s = &list["items"][0];
    assert_eq!(
        (s["stage"].as_str(), s["filing"]["filed_on"].as_str(), s["mlps"]["level"].as_i64()),
        (Some("online"), Some("2025-05-01"), Some(2))
    );
    assert_eq!(s["tags"], serde_json::json!(["php", "wordpress"]));
    assert_eq!(s["operator_unit"], "nic");

    // The same good file again changes nothing.
    std::fs::write(&file, workbook(&[good])).unwrap();
    let before = app.audit_count().await;
    let (ok, out) = wangan(&dir, &["import", "systems", file.to_str().unwrap()]);
    assert!(ok, "{out}");
    assert!(out.contains("无变化 1 个"), "{out}");
    assert_eq!(app.audit_count().await, before);

    // A change in the file updates the system it matches by URL.
    let mut changed: Vec<(&str, &str)> = good.to_vec();
    changed[0] = ("系统名称", "化学化工学院网站");
    std::fs::write(&file, workbook(&[&changed])).unwrap();
    let (ok, out) = wangan(&dir, &["import", "systems", "--dry-run", file.to_str().unwrap()]);
    assert!(ok && out.contains("更新 1 个") && out.contains("尚未写入"), "{out}");
    let (ok, _) = wangan(&dir, &["import", "systems", file.to_str().unwrap()]);
    assert!(ok);
    let (_, list) = admin.get("/systems").await;
    assert_eq!((list["total"].as_u64(), list["items"][0]["name"].as_str()), (Some(1), Some("化学化工学院网站")));
    let (_, log) = admin.get("/audit?entity=system&action=import").await;
    assert_eq!(log["total"], 2, "created once, updated once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_files_are_refused_with_a_clear_reason() {
    let Some((app, dir)) = sqlite_app().await else { return };
    let f = dir.join("in.bin");
    let mut cases: Vec<(Vec<u8>, &str)> = vec![
        (b"name,unit\nportal,chem\n".to_vec(), "缺少必需的列"),
        ("系统名称,类型,主管单位\n".as_bytes().to_vec(), "没有数据行"),
        (vec![b'x'; 20 * 1024 * 1024], "超过 10 MB"),
        (vec![], "文件是空的"),
        (vec![0xD0, 0xCF, 0x11, 0xE0, 1, 2, 3], ".xls"),
        (b"PK\x03\x04 not really a zip".to_vec(), "无法读取"),
    ];
    // Merged cells in the data.
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in ["系统名称", "类型", "主管单位"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.merge_range(1, 0, 2, 0, "合并的名称", &rust_xlsxwriter::Format::new()).unwrap();
    ws.write_string(1, 1, "网站").unwrap();
    ws.write_string(1, 2, "化学学院").unwrap();
    cases.push((book.save_to_buffer().unwrap(), "合并单元格（A2）"));
    // Dates as Excel serials and as text both work; nonsense does not.
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in ["系统名称", "类型", "主管单位", "备案日期", "定级日期"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (name, serial, text)) in [("甲", 46053.0, "2026-01-31"), ("乙", 46054.0, "三十一号")].iter().enumerate()
    {
        let r = r as u32 + 1;
        ws.write_string(r, 0, *name).unwrap();
        ws.write_string(r, 1, "平台").unwrap();
        ws.write_string(r, 2, "chem").unwrap();
        ws.write_number(r, 3, *serial).unwrap();
        ws.write_string(r, 4, *text).unwrap();
    }
    cases.push((book.save_to_buffer().unwrap(), "第 3 行：定级日期“三十一号”不是日期"));
    for (bytes, expected) in cases {
        std::fs::write(&f, &bytes).unwrap();
        let (ok, out) = wangan(&dir, &["import", "systems", f.to_str().unwrap()]);
        assert!(!ok, "refused: {expected}");
        assert!(out.contains(expected), "expected «{expected}» in: {out}");
    }
    let admin = app.api(&app.user("root", Role::Admin, None).await);
    assert_eq!(admin.get("/systems").await.1["total"], 0, "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_gives_the_filtered_list_in_the_template_columns() {
    let app = spawn_app().await;
    app.unit("chem", "化学学院").await;
    app.unit("math", "数学学院").await;
    let admin = app.api(&app.user("root", Role::Admin, None).await);
    for (name, unit) in [("化学网站", "chem"), ("数学网站", "math")] {
        admin.send("post", "/systems", serde_json::json!({"name": name, "kind": "website", "unit": unit, "urls": [format!("https://{unit}.example/")]})).await;
    }
    let r = admin.call("get", "/systems/export.xlsx?unit=chem", None).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    let bytes = r.bytes().await.unwrap();
    let sheet = wangan_office::read(&bytes).unwrap();
    let headers: Vec<String> = sheet.rows[0]
        .iter()
        .map(|c| match c {
            wangan_office::Cell::Text(t) => t.clone(),
            _ => String::new(),
        })
        .collect();
    assert_eq!(headers, HEADERS);
    assert_eq!(sheet.rows.len(), 2, "the header and the one chem system");
    assert_eq!(sheet.rows[1][0], wangan_office::Cell::Text("化学网站".into()));
    assert_eq!(sheet.rows[1][1], wangan_office::Cell::Text("网站".into()), "values in Chinese, as the template");
    // What was exported imports back unchanged.
    let rows = wangan_core::registry::service::inventory::parse(&sheet).unwrap();
    let report = wangan_core::registry::service::inventory::import(
        &app.store,
        &wangan_core::Principal::system("t"),
        rows,
        wangan_core::registry::service::inventory::ImportMode::DryRun,
    )
    .await
    .unwrap();
    assert_eq!((report.unchanged, report.failed), (1, 0), "{report:?}");

    let netadmin = app.api(&app.user("netadmin", Role::UnitAdmin, Some("math")).await);
    let bytes = netadmin.call("get", "/systems/export.xlsx", None).await.bytes().await.unwrap();
    assert_eq!(wangan_office::read(&bytes).unwrap().rows.len(), 2, "scope applies to exports too");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_page_previews_then_writes_on_confirmation() {
    let app = spawn_app().await;
    app.unit("chem", "化学学院").await;
    app.unit("math", "数学学院").await;
    app.user("netadmin", Role::UnitAdmin, Some("chem")).await;
    let b = app.browser();
    b.login("netadmin", PASSWORD).await;
    let (s, html) = b.get("/systems/import").await;
    assert_eq!(s, 200);
    assert!(html.contains("下载模板"));
    let template =
        b.client.get(format!("{}/systems/template.xlsx", b.base)).send().await.unwrap().bytes().await.unwrap();
    let sheet = wangan_office::read(&template).unwrap();
    assert_eq!(sheet.rows.len(), 2, "headers and an example");

    let csrf = b.csrf("/systems/import").await;
    let file = workbook(&[
        &[
            ("系统名称", "化学学院网站"),
            ("类型", "网站"),
            ("主管单位", "化学学院"),
            ("网址", "https://chem.university.example/"),
        ],
        &[("系统名称", "数学学院网站"), ("类型", "网站"), ("主管单位", "数学学院")],
    ]);
    let upload = |bytes: Vec<u8>, csrf: String| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf)
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name("台账.xlsx"));
        b.client.post(format!("{}/systems/import", b.base)).multipart(form).send()
    };
    let html = upload(file.clone(), csrf.clone()).await.unwrap().text().await.unwrap();
    assert!(html.contains("尚未写入"), "a preview first");
    assert!(html.contains("主管单位“数学学院”不存在"), "another unit is out of reach: {html}");
    assert_eq!(app.api(&app.user("root", Role::Admin, None).await).get("/systems").await.1["total"], 0);
    let marker = "name=\"token\" value=\"";
    let token: String = html[html.find(marker).unwrap() + marker.len()..].chars().take_while(|c| *c != '"').collect();

    // Confirming writes the good row (partial, since one row failed).
    let r = b.post("/systems/import/confirm", &[("csrf", &csrf), ("token", &token), ("partial", "true")]).await;
    let html = r.text().await.unwrap();
    assert!(html.contains("已写入") && html.contains("新增 1 个"), "{html}");
    // A token works once.
    let r = b.post("/systems/import/confirm", &[("csrf", &csrf), ("token", &token)]).await;
    assert_eq!(r.status(), 410);
    // No CSRF token, no upload.
    assert_eq!(upload(file, "forged".into()).await.unwrap().status(), 403);
    // A broken file is named as such.
    let html = upload(b"PK\x03\x04junk".to_vec(), csrf.clone()).await.unwrap().text().await.unwrap();
    assert!(html.contains("无法读取该文件"));
}

/// Every register's sheets go through one pipeline: a file that is no sheet,
/// and a sheet without the register's columns, stop before any row is checked,
/// for systems and notices alike; a good sheet gives a report of every row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_pipeline_reads_every_registers_sheets() {
    use wangan_core::platform::sheet_import::{self, Notices, Systems, Unreadable};
    use wangan_core::registry::service::inventory::ImportMode;
    let app = spawn_app().await;
    let who = wangan_core::Principal::system("test");
    // The signature of an .xlsx (a zip), then nothing a zip reader accepts.
    let not_a_sheet = b"PK\x03\x04 broken";
    let wrong_columns = "名称,单位\n某系统,cs\n".as_bytes();
    for mode in [ImportMode::DryRun, ImportMode::AllOrNothing] {
        let r = sheet_import::run::<Systems>(&app.store, &who, not_a_sheet, mode).await.unwrap();
        assert!(matches!(r, Err(Unreadable::File(_))), "{r:?}");
        let r = sheet_import::run::<Notices>(&app.store, &who, not_a_sheet, mode).await.unwrap();
        assert!(matches!(r, Err(Unreadable::File(_))), "{r:?}");
        let r = sheet_import::run::<Systems>(&app.store, &who, wrong_columns, mode).await.unwrap();
        assert!(matches!(r, Err(Unreadable::Sheet(_))), "{r:?}");
        let r = sheet_import::run::<Notices>(&app.store, &who, wrong_columns, mode).await.unwrap();
        assert!(matches!(r, Err(Unreadable::Sheet(_))), "{r:?}");
    }
    let one_unit_missing = "系统名称,类型,主管单位\n新系统,网站,no-such-unit\n".as_bytes();
    let report =
        sheet_import::run::<Systems>(&app.store, &who, one_unit_missing, ImportMode::DryRun).await.unwrap().unwrap();
    assert_eq!((report.failed, report.written), (1, false));
    assert_eq!(report.lines[0].problems[0].column, "主管单位");
}

/// An `.xlsx` whose one sheet inflates to `mib` MiB of spaces: small on disk.
fn whitespace_bomb(mib: usize) -> Vec<u8> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_level(Some(9)).large_file(true);
    z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..mib {
        z.write_all(&chunk).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// Spreadsheet bombs through every path that reads a sheet: the API answers
/// 413 or 422 naming the limit, the page says it, and neither waits to read
/// the whole expansion; the page's preview lists at most 200 rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spreadsheet_bombs_are_refused_naming_the_limit_on_every_path() {
    let app = spawn_app().await;
    app.unit("chem", "化学学院").await;
    let officer = app.api(&app.user("officer", Role::Officer, None).await);
    let bomb = whitespace_bomb(200);
    assert!(bomb.len() < 1 << 20, "small on disk: {}", bomb.len());
    let post = |body: Vec<u8>, ct: &'static str| {
        officer
            .client
            .post(format!("{}/notices/import", officer.base))
            .bearer_auth(&officer.token)
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let t = std::time::Instant::now();
    let r = post(bomb.clone(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet").await.unwrap();
    let took = t.elapsed();
    assert_eq!(r.status(), 413);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "expands_too_far", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("100 MB"), "{body}");
    assert!(took < std::time::Duration::from_secs(1), "refused in {took:?}");
    // Past the rows: 422, the bound named.
    let rows = "a\n".repeat(100_001).into_bytes();
    let r = post(rows, "text/csv").await.unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_rows");
    assert!(body["error"]["message"].as_str().unwrap().contains("100000"), "{body}");
    // A 40 KiB cell: 422 with the cell's name.
    let cell = format!("标题\n{}\n", "长".repeat(14_000)).into_bytes();
    let body: Value = post(cell, "text/csv").await.unwrap().json().await.unwrap();
    assert_eq!(body["error"]["code"], "cell_too_long");
    assert!(body["error"]["message"].as_str().unwrap().contains("A2"), "{body}");

    // A cell with a control character: 422, the cell named.
    let hidden = "标题,说明\n弱口令,\"第一行\n第二行\"\n弱\u{b}口令,x\n".as_bytes().to_vec();
    let body: Value = post(hidden, "text/csv").await.unwrap().json().await.unwrap();
    assert_eq!(body["error"]["code"], "control_character", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().starts_with("Cell A3"), "{body}");

    // The page says the same in Chinese, with the same status.
    app.user("netadmin", Role::UnitAdmin, Some("chem")).await;
    let b = app.browser();
    b.login("netadmin", PASSWORD).await;
    let csrf = b.csrf("/systems/import").await;
    let upload = |bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name("台账.xlsx"));
        b.client.post(format!("{}/systems/import", b.base)).multipart(form).send()
    };
    let r = upload(bomb).await.unwrap();
    assert_eq!(r.status(), 413);
    assert!(r.text().await.unwrap().contains("文件解压后超过 100 MB"));

    // A preview of 500 bad rows shows 200 and counts the rest.
    let mut csv = String::from("系统名称,类型,主管单位\n");
    for i in 0..500 {
        csv.push_str(&format!("系统{i},网站,不存在的单位\n"));
    }
    let r = upload(csv.into_bytes()).await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert_eq!(html.matches("不存在的单位").count(), 200, "200 rows shown");
    assert!(html.contains("另有 300 行未显示"), "the rest counted");
    assert!(!html.contains("{line}"), "no placeholder left in the table's header");
}

/// One address, one system: another unit cannot register a site already
/// registered (in any form of its address), by the API or by a sheet;
/// addresses are parsed strictly and kept normalised.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_belongs_to_one_system() {
    let app = spawn_app().await;
    app.unit("chem", "化学学院").await;
    app.unit("math", "数学学院").await;
    let chem = app.api(&app.user("chemadmin", Role::UnitAdmin, Some("chem")).await);
    let math = app.api(&app.user("mathadmin", Role::UnitAdmin, Some("math")).await);
    let (s, v) = chem
        .send(
            "post",
            "/systems",
            serde_json::json!({"name": "化学学院网站", "kind": "website", "unit": "chem",
                "urls": ["HTTPS://Chem.University.Example:443/news/#top"]}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["urls"], serde_json::json!(["https://chem.university.example/news/"]), "kept normalised");
    // The same site written otherwise, by another unit: 409 naming the holder.
    let (s, v) = math
        .send(
            "post",
            "/systems",
            serde_json::json!({"name": "冒名网站", "kind": "website", "unit": "math",
                "urls": ["https://chem.university.example/news"]}),
        )
        .await;
    assert_eq!((s.as_u16(), v["error"]["code"].as_str()), (409, Some("url_taken")), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("化学学院"), "{v}");
    let (s, v) = math
        .send("post", "/systems", serde_json::json!({"name": "数学学院网站", "kind": "website", "unit": "math"}))
        .await;
    assert_eq!(s, 201);
    let id = v["id"].as_i64().unwrap();
    let (s, _) = math
        .send(
            "patch",
            &format!("/systems/{id}"),
            serde_json::json!({"urls": ["http://chem.university.example:443/news/"]}),
        )
        .await;
    assert_eq!(s, 200, "another port is another site");
    let (s, v) = math
        .send(
            "patch",
            &format!("/systems/{id}"),
            serde_json::json!({"urls": ["https://CHEM.university.example/news/"]}),
        )
        .await;
    assert_eq!(s, 409, "{v}");
    // Asking to move it is not enough for a unit: only who may manage the holder (the center).
    let (s, _) = math
        .send(
            "patch",
            &format!("/systems/{id}"),
            serde_json::json!({"urls": ["https://chem.university.example/news/"], "move_urls": true}),
        )
        .await;
    assert_eq!(s, 409);
    // What is not an absolute http(s) address with a host is refused.
    for bad in ["../../../../etc/passwd", "http://../../etc/passwd", "javascript:alert(1)", "http://1.2.3/"] {
        let (s, v) = math.send("patch", &format!("/systems/{id}"), serde_json::json!({"urls": [bad]})).await;
        assert_eq!((s.as_u16(), v["error"]["fields"][0]["code"].as_str()), (422, Some("url_format")), "{bad}: {v}");
    }
    // A sheet cannot take it either (the systems sheet comes in through the page):
    // the row is refused, the holder's unit named.
    {
        let b = app.browser();
        b.login("mathadmin", PASSWORD).await;
        let csrf = b.csrf("/systems/import").await;
        let file = workbook(&[&[
            ("系统名称", "冒名网站"),
            ("类型", "网站"),
            ("主管单位", "数学学院"),
            ("网址", "https://chem.university.example/news/"),
        ]]);
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf)
            .part("file", reqwest::multipart::Part::bytes(file).file_name("台账.xlsx"));
        let html = b.client.post(format!("{}/systems/import", b.base)).multipart(form).send().await.unwrap();
        let html = html.text().await.unwrap();
        assert!(html.contains("已登记在另一个系统中") && html.contains("化学学院"), "{html}");
    }
    // The center moves it, audited on the holder.
    let officer = app.api(&app.user("officer", Role::Officer, None).await);
    let (s, v) = officer
        .send(
            "patch",
            &format!("/systems/{id}"),
            serde_json::json!({"urls": ["https://chem.university.example/news/"], "move_urls": true}),
        )
        .await;
    assert_eq!(s, 200, "the center moves it: {v}");
    let (_, chem_list) = chem.get("/systems").await;
    assert_eq!(chem_list["items"][0]["urls"], serde_json::json!([]), "taken from the holder");
    let (_, audit) = app.api(&app.user("root", Role::Admin, None).await).get("/audit?entity=system").await;
    assert!(audit["items"].as_array().unwrap().iter().any(|e| e["action"] == "urls_moved"), "{audit}");
}

/// After an import the written systems' evaluation and filing days are
/// brought up to date by id; an import of 50,000 rows names more systems
/// than one statement may bind (SQLite 32,766 variables, PostgreSQL 65,535).
#[tokio::test]
async fn dues_are_recomputed_for_more_systems_than_one_statement_may_name() {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    use wangan_core::registry::entity::system;
    let app = spawn_app().await;
    app.unit("alpha", "甲学院").await;
    let id = app.system_in_building("alpha").await;
    let before = system::Entity::find_by_id(id).one(app.store.db()).await.expect("read").expect("system");
    assert!(before.evaluation_due_on.is_some(), "a graded system has its evaluation day");
    let mut am: system::ActiveModel = before.clone().into();
    am.evaluation_due_on = Set(None);
    am.update(app.store.db()).await.expect("cleared");
    // 70,000 ids that name no system, and the one that does, in the middle.
    let mut ids: Vec<i64> = (1_000_000..1_070_000).collect();
    ids.insert(35_000, id);
    let changed =
        wangan_core::registry::service::systems::recompute_dues(&app.store, Some(&ids)).await.expect("recomputed");
    assert_eq!(changed, 1);
    let after = system::Entity::find_by_id(id).one(app.store.db()).await.expect("read").expect("system");
    assert_eq!(after.evaluation_due_on, before.evaluation_due_on);
}
