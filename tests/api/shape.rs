//! The shape of the code, checked: what the architecture promises and a
//! reviewer would otherwise have to remember.

use std::path::{Path, PathBuf};

fn files_under(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    files_under(dir, "rs", out)
}

/// The code of a file before its unit tests (`#[cfg(test)]` at the end, as
/// every module here keeps them), and whether the whole file is tests.
fn production_part(path: &Path, text: &str) -> Option<String> {
    let name = path.to_string_lossy();
    if name.ends_with("_tests.rs") || name.ends_with("/tests.rs") {
        return None;
    }
    Some(text.split("#[cfg(test)]").next().unwrap_or("").to_owned())
}

fn production_sources() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    for c in std::fs::read_dir(root.join("crates")).unwrap().flatten() {
        sources(&c.path().join("src"), &mut files);
    }
    files
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            production_part(&p, &text).map(|t| (p.strip_prefix(root).unwrap().to_path_buf(), t))
        })
        .collect()
}

/// Time comes from the store's clock (or `SystemClock` where there is no
/// store), so tests can move it; nothing reads the wall clock by itself.
#[test]
fn time_comes_only_from_the_clock() {
    let files = production_sources();
    assert!(files.len() > 50, "the scan finds the sources: {}", files.len());
    let offenders: Vec<String> = files
        .iter()
        .filter(|(p, _)| !p.ends_with("crates/core/src/platform/clock.rs"))
        .flat_map(|(p, text)| {
            text.lines()
                .enumerate()
                .filter(|(_, l)| ["Utc::now", "Local::now", "SystemTime::now"].iter().any(|w| l.contains(w)))
                .map(move |(i, l)| format!("{}:{}: {}", p.display(), i + 1, l.trim()))
        })
        .collect();
    assert!(offenders.is_empty(), "the wall clock read outside clock.rs:\n{}", offenders.join("\n"));
}

/// States are compared as enums: no template or production code compares a
/// value with a state's word (`== "online"`, `"closed" =>`). The words live
/// in the enum declarations (and the migrations, which write them).
#[test]
fn states_are_not_compared_as_strings() {
    use wangan_core::platform::closed_set::ClosedSet;
    fn words<T: ClosedSet>() -> Vec<&'static str> {
        T::all().iter().map(|v| v.as_str()).collect()
    }
    let mut states: Vec<&str> = Vec::new();
    states.extend(words::<wangan_core::registry::Stage>());
    states.extend(words::<wangan_core::registry::FilingStatus>());
    states.extend(words::<wangan_core::notices::RectificationStatus>());
    states.extend(words::<wangan_core::notices::NoticeStatus>());
    states.extend(words::<wangan_core::monitoring::Health>());
    states.extend(words::<wangan_core::monitoring::WallState>());
    states.extend(words::<wangan_core::notify::DeliveryStatus>());
    states.extend(words::<wangan_core::notify::ChannelKind>());
    states.extend(words::<wangan_core::monitoring::Check>());
    states.extend(words::<wangan_core::monitoring::FindingCode>());
    states.sort();
    states.dedup();
    let comparisons =
        |w: &str| [format!("== \"{w}\""), format!("!= \"{w}\""), format!("\"{w}\" =>"), format!("\"{w}\" |")];
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The analyzers read HTML and CSS, whose own words (`display: none`) are not
    // states; the ladder declares its rungs' words (a rung carries a number, so
    // it is no `closed_set!`).
    let mut files: Vec<(PathBuf, String)> = production_sources()
        .into_iter()
        .filter(|(p, _)| {
            !["/migration/", "/analyze/", "notices/rules/ladder.rs"].iter().any(|d| p.to_string_lossy().contains(d))
        })
        .collect();
    let mut templates = Vec::new();
    files_under(&root.join("crates/web/templates"), "html", &mut templates);
    assert!(templates.len() > 20, "the scan finds the templates: {}", templates.len());
    for p in templates {
        let text = std::fs::read_to_string(&p).unwrap();
        files.push((p, text));
    }
    let mut offenders = Vec::new();
    for (p, text) in &files {
        for (i, line) in text.lines().enumerate() {
            if line.contains("closed_set!") || line.trim_start().starts_with("//") {
                continue;
            }
            if let Some(w) = states.iter().find(|w| comparisons(w).iter().any(|c| line.contains(c.as_str()))) {
                offenders.push(format!("{}:{}: {w}: {}", p.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(offenders.is_empty(), "a state compared as a string:\n{}", offenders.join("\n"));
}

/// The API tests check every 2xx JSON body against the API document
/// (`support::contract`); the check itself refuses what the document refuses.
#[test]
fn the_contract_check_can_fail() {
    use crate::support::contract::check;
    use serde_json::json;
    let ok = json!({"items": [], "total": 0, "page": 1, "per_page": 50});
    assert_eq!(check("get", "/api/v1/systems?stage=online", 200, &ok), Ok(()));
    assert!(check("get", "/api/v1/systems", 200, &json!({"items": "none"})).is_err(), "a wrong shape");
    assert!(check("get", "/api/v1/nowhere", 200, &ok).is_err(), "a route the document lacks");
    assert!(check("get", "/api/v1/systems", 299, &ok).is_err(), "a status the document lacks");
    let wrong_stage = json!({"items": [{"id": 1, "name": "n", "kind": "website", "unit": "cs", "stage": "flying"}],
        "total": 1, "page": 1, "per_page": 50});
    assert!(check("get", "/api/v1/systems", 200, &wrong_stage).is_err(), "a state outside its set");
}

/// The router and the API document come from the same declarations: every
/// feature's `api.rs` registers its handlers only through `routes!(...)`
/// (which reads each handler's `#[utoipa::path]`), never with a bare
/// `.route(...)` that the document would not see; and every documented
/// operation is answered by the router (not the API's 404 fallback).
#[tokio::test]
async fn every_served_route_is_documented() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut api_files = Vec::new();
    sources(&root.join("crates/web/src"), &mut api_files);
    api_files.retain(|p| p.file_name().is_some_and(|n| n == "api.rs"));
    assert!(api_files.len() >= 8, "the scan finds every feature's api.rs: {api_files:?}");
    let mut bare = Vec::new();
    let mut handlers = 0;
    for file in &api_files {
        let src = std::fs::read_to_string(file).unwrap();
        let code = production_part(file, &src).unwrap_or_default();
        for (i, line) in code.lines().enumerate() {
            if line.contains(".route(") || line.contains(".route_service(") || line.contains(".nest(") {
                bare.push(format!("{}:{}: {}", file.display(), i + 1, line.trim()));
            }
        }
        handlers += code.matches("#[utoipa::path(").count();
    }
    assert!(bare.is_empty(), "routes registered outside the API document:\n{}", bare.join("\n"));
    let routes = wangan_web::platform::openapi::routes();
    assert_eq!(handlers, routes.len(), "every declared handler is one documented operation");
    // Each documented operation reaches a handler: without a token it is
    // refused as unauthenticated (401), never the fallback's 404 JSON.
    let app = crate::support::spawn_app().await;
    let client = reqwest::Client::new();
    for r in &routes {
        if r.path == "/openapi.json" {
            continue;
        }
        let path = r.path.replace("{code}", "alpha").replace("{id}", "1");
        let method = reqwest::Method::from_bytes(r.method.to_uppercase().as_bytes()).unwrap();
        let got = client.request(method, format!("http://{}/api/v1{path}", app.addr)).send().await.unwrap().status();
        assert_eq!(got, 401, "{} {path}: the router does not serve a documented operation", r.method);
    }
}

/// Pure rules stay pure: every `rules.rs`, and every file under a `rules/`
/// folder, has no `async` and imports no storage (SeaORM, sqlx, the store,
/// entities), so the rules are tested without a database and read alone.
#[test]
fn rules_files_are_pure() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for c in std::fs::read_dir(root.join("crates")).unwrap().flatten() {
        sources(&c.path().join("src"), &mut files);
    }
    let rules: Vec<PathBuf> = files
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "rules.rs") || p.components().any(|c| c.as_os_str() == "rules"))
        .collect();
    assert!(rules.len() >= 9, "the scan finds the rules files: {rules:?}");
    let forbidden = ["async ", ".await", "sea_orm", "sqlx", "platform::store", "::entity", "Store"];
    let mut offenders = Vec::new();
    for p in &rules {
        let text = std::fs::read_to_string(p).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if let Some(w) = forbidden.iter().find(|w| code.contains(*w)) {
                offenders.push(format!("{}:{}: {w}: {}", p.strip_prefix(root).unwrap().display(), i + 1, line.trim()));
            }
        }
    }
    assert!(offenders.is_empty(), "a rules file reaches for async or storage:\n{}", offenders.join("\n"));
}

/// Every feature keeps one folder in core and one in web, and its templates
/// in a folder of the same name: a newcomer finds the room for a change from
/// the folder names alone.
#[test]
fn features_have_their_folders() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dirs = |p: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(root.join(p))
            .unwrap()
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let core = dirs("crates/core/src");
    let web = dirs("crates/web/src");
    let templates = dirs("crates/web/templates");
    assert!(core.len() >= 8, "{core:?}");
    for f in &web {
        // The audit log's pages read the platform's audit chain.
        let in_platform = root.join(format!("crates/core/src/platform/{f}.rs")).exists();
        assert!(core.contains(f) || in_platform, "web/{f} has no folder in core: {core:?}");
    }
    for f in &templates {
        assert!(web.contains(f), "templates/{f} has no folder in web: {web:?}");
    }
    // No template lies outside a feature's (or the platform's) folder.
    let loose: Vec<_> = std::fs::read_dir(root.join("crates/web/templates"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name())
        .collect();
    assert!(loose.is_empty(), "templates outside a feature folder: {loose:?}");
    // Handlers live in features: the web crate's root holds only the crate's
    // wiring and the two routers that merge the features'.
    let mut root_files: Vec<String> = std::fs::read_dir(root.join("crates/web/src"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    root_files.sort();
    assert_eq!(root_files, ["api.rs", "lib.rs", "pages.rs"]);
}
