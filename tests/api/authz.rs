//! Every API route × every role × own / other unit. Expectations are written
//! out here from PRODUCT.md's role table, independently of the code's rules.

use crate::support::*;
use serde_json::json;
use wangan_core::platform::access::Role;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Target {
    Own,
    Other,
}

/// The status each role must get. `ok` is the route's success status.
fn expected(method: &str, path: &str, role: Role, target: Target, ok: u16) -> u16 {
    use Role::*;
    let unit_role = matches!(role, Leader | UnitAdmin);
    let hidden = unit_role && target == Target::Other;
    match (method, path) {
        ("get", "/me" | "/units" | "/people" | "/leadership" | "/openapi.json") => ok,
        ("post", "/units") => {
            if role == Admin {
                ok
            } else {
                403
            }
        }
        ("get", "/units/{code}" | "/units/{code}/responsibilities" | "/people/{id}") => {
            if hidden {
                404
            } else {
                ok
            }
        }
        ("patch" | "delete", "/units/{code}") => match role {
            _ if hidden => 404,
            Admin => ok,
            _ => 403,
        },
        ("patch", "/people/{id}") => match role {
            _ if hidden => 404,
            Admin | Officer | UnitAdmin => ok,
            _ => 403,
        },
        // The unit's head appoints its responsible persons, or the center; not its network admin.
        ("put", "/units/{code}/responsibilities") => match role {
            _ if hidden => 404,
            Admin | Officer | Leader => ok,
            _ => 403,
        },
        // Creating a person in a unit one cannot see: that unit "does not exist".
        ("post", "/people") => match role {
            _ if hidden => 422,
            Admin | Officer | UnitAdmin => ok,
            _ => 403,
        },
        ("get", "/audit") => {
            if matches!(role, Admin | Auditor) {
                ok
            } else {
                403
            }
        }
        ("get", "/systems" | "/systems/export.xlsx") => ok,
        ("post", "/systems") => match role {
            _ if hidden => 422,
            Admin | Officer | UnitAdmin => ok,
            _ => 403,
        },
        ("get", "/systems/{id}") => {
            if hidden {
                404
            } else {
                ok
            }
        }
        // The systems under test are past `planned` and cannot be deleted (409);
        // `offline` is no step from `building` (409): authorization passed.
        ("delete", "/systems/{id}") | ("post", "/systems/{id}/transition") => match role {
            _ if hidden => 404,
            Admin | Officer | UnitAdmin => 409,
            _ => 403,
        },
        (
            "patch" | "put" | "post",
            "/systems/{id}"
            | "/systems/{id}/filing"
            | "/systems/{id}/protections"
            | "/systems/{id}/mlps"
            | "/systems/{id}/mlps/evaluations",
        ) => match role {
            _ if hidden => 404,
            Admin | Officer | UnitAdmin => ok,
            _ => 403,
        },
        // Another user's token: only an admin may revoke it.
        // Someone else's token is not found, as one that does not exist (ids are not to be probed).
        ("delete", "/tokens/{id}") => {
            if role == Admin {
                ok
            } else {
                404
            }
        }
        (
            "get",
            "/notices" | "/rectifications" | "/rectifications/export.xlsx" | "/violations" | "/shutdown-orders",
        ) => ok,
        ("get", "/shutdown-orders/{id}" | "/violations/{id}") => {
            if hidden {
                404
            } else {
                ok
            }
        }
        // The order under test is a proposal: it has no notice yet (409) once visible.
        ("get", "/shutdown-orders/{id}/notice.docx") => {
            if hidden {
                404
            } else {
                409
            }
        }
        // The center decides (a fresh proposal per try).
        (
            "post",
            "/shutdown-orders/{id}/issue"
            | "/shutdown-orders/{id}/extend"
            | "/violations/{id}/confirm"
            | "/violations/{id}/dismiss",
        ) => match role {
            _ if hidden => 404,
            Admin | Officer => ok,
            _ => 403,
        },
        // Go-live requests (上线申请): those who manage the system ask; the center decides.
        ("post", "/systems/{id}/golive") => match role {
            _ if hidden => 404,
            Admin | Officer | UnitAdmin => ok,
            _ => 403,
        },
        ("get", "/golive-requests") => ok,
        ("get", "/golive-requests/{id}" | "/golive-requests/{id}/certificate") => {
            if hidden {
                404
            } else {
                ok
            }
        }
        // The probe sends no file: refused as missing (422) once permitted.
        ("put", "/golive-requests/{id}/certificate") => match role {
            _ if hidden => 404,
            Admin | Officer | UnitAdmin => 422,
            _ => 403,
        },
        // The system under test misses its filing and protections: the gates refuse (409) once permitted.
        ("post", "/golive-requests/{id}/approve") => match role {
            _ if hidden => 404,
            Admin | Officer => 409,
            _ => 403,
        },
        ("post", "/golive-requests/{id}/refuse") => match role {
            _ if hidden => 404,
            Admin | Officer => ok,
            _ => 403,
        },
        // A proposed violation (the probe's) is not open for a correction, nor due a criticism (409 once permitted).
        ("post", "/violations/{id}/correct") => match role {
            _ if hidden => 404,
            Admin | Officer => 409,
            _ => 403,
        },
        ("post", "/violations/{id}/criticize") => match role {
            _ if hidden => 404,
            Admin => 409,
            _ => 403,
        },
        ("get", "/violations/{id}/criticism.docx") => {
            if hidden {
                404
            } else {
                409
            }
        }
        // Checklists: everyone reads them; the center writes new versions.
        ("get", "/checklists" | "/checklists/{id}" | "/campaigns" | "/scores" | "/scores.xlsx") => ok,
        ("post", "/checklists" | "/campaigns" | "/campaign-schedules")
        | ("get", "/campaign-schedules")
        | ("post", "/campaign-schedules/{id}/active") => match role {
            Admin | Officer => ok,
            _ => 403,
        },
        // A campaign is seen by those whose unit it targets, and by global roles.
        (
            "get",
            "/campaigns/{id}" | "/campaigns/{id}/responses" | "/campaigns/{id}/progress.xlsx" | "/units/{code}/score",
        ) => {
            if hidden {
                404
            } else {
                ok
            }
        }
        ("post", "/campaigns/{id}/close" | "/campaigns/{id}/verifications") => match role {
            _ if hidden => 404,
            Admin | Officer => ok,
            _ => 403,
        },
        ("post", "/campaigns/{id}/answers/{answer_id}/notice") => match role {
            _ if hidden => 404,
            Admin | Officer => ok,
            _ => 403,
        },
        // The unit's network admin answers and submits (the probe's answers are incomplete: 422 once permitted).
        ("post", "/campaigns/{id}/responses") => match role {
            _ if hidden => 404,
            Admin | UnitAdmin => ok,
            _ => 403,
        },
        ("post", "/campaigns/{id}/submit") => match role {
            _ if hidden => 404,
            Admin | UnitAdmin => 422,
            _ => 403,
        },
        // The unit's head approves or sends back (nothing submitted yet: 409 once permitted).
        ("post", "/campaigns/{id}/approve" | "/campaigns/{id}/return") => match role {
            _ if hidden => 404,
            Admin | Leader => 409,
            _ => 403,
        },
        // Data calls: the center sends; a targeted unit's admin or head submits.
        ("get", "/data-calls") => ok,
        ("post", "/data-calls") => match role {
            Admin | Officer => ok,
            _ => 403,
        },
        ("get", "/data-calls/{id}" | "/data-calls/{id}/submissions" | "/data-calls/{id}/export.xlsx") => {
            if hidden {
                404
            } else {
                ok
            }
        }
        ("post", "/data-calls/{id}/close") => match role {
            _ if hidden => 404,
            Admin | Officer => ok,
            _ => 403,
        },
        ("post", "/data-calls/{id}/submissions") => match role {
            _ if hidden => 404,
            Admin | UnitAdmin | Leader => ok,
            _ => 403,
        },
        // Incidents: the center or the unit's network admin or head opens and works one;
        // the center grades and closes.
        ("get", "/incidents") => ok,
        ("post", "/incidents") => match role {
            _ if hidden => 422,
            Admin | Officer | UnitAdmin | Leader => ok,
            _ => 403,
        },
        (
            "get",
            "/incidents/{id}"
            | "/incidents/{id}/timeline"
            | "/incidents/{id}/report.docx"
            | "/incidents/{id}/evidence/{evidence_id}",
        ) => {
            if hidden {
                404
            } else {
                ok
            }
        }
        ("patch", "/incidents/{id}")
        | ("post", "/incidents/{id}/steps" | "/incidents/{id}/supplements" | "/incidents/{id}/evidence") => {
            match role {
                _ if hidden => 404,
                Admin | Officer | UnitAdmin | Leader => ok,
                _ => 403,
            }
        }
        ("post", "/incidents/{id}/grade" | "/incidents/{id}/close") => match role {
            _ if hidden => 404,
            Admin | Officer => ok,
            _ => 403,
        },
        // Duty: every role reads the rosters in its scope; the center keeps its own and
        // the units', a unit's network admin or head keeps the unit's; its head approves swaps.
        (
            "get",
            "/duty/shifts" | "/duty/now" | "/duty/coverage" | "/duty/swaps" | "/duty/handovers" | "/duty/alerts",
        ) => ok,
        ("post", "/duty/shifts" | "/duty/rotas" | "/duty/handovers") => match role {
            _ if hidden => 422,
            Admin | Officer | UnitAdmin | Leader => ok,
            _ => 403,
        },
        ("delete", "/duty/shifts/{id}") | ("post", "/duty/shifts/{id}/swaps" | "/duty/alerts/{id}/acknowledge") => {
            match role {
                _ if hidden => 404,
                Admin | Officer | UnitAdmin | Leader => ok,
                _ => 403,
            }
        }
        ("post", "/duty/swaps/{id}/decision") => match role {
            _ if hidden => 404,
            Admin | Officer | Leader => ok,
            _ => 403,
        },
        // Key periods: the center declares; a covered unit's network admin or head reports daily.
        ("get", "/key-periods") => ok,
        ("post", "/key-periods") => match role {
            Admin | Officer => ok,
            _ => 403,
        },
        ("get", "/key-periods/{id}" | "/key-periods/{id}/reports" | "/key-periods/{id}/summary.xlsx") => {
            if hidden {
                404
            } else {
                ok
            }
        }
        ("post", "/key-periods/{id}/reports") => match role {
            _ if hidden => 404,
            Admin | UnitAdmin | Leader => ok,
            _ => 403,
        },
        // Early warnings: the center publishes; a targeted unit's admin or head acknowledges.
        ("get", "/warnings") => ok,
        // The probe's body is no spreadsheet: refused as unreadable (422) once permitted.
        // The probe's body is no spreadsheet: refused as unreadable (422) once permitted.
        ("post", "/people/import") => match role {
            Admin | Officer | UnitAdmin => 422,
            _ => 403,
        },
        ("post", "/warnings/import") => match role {
            Admin | Officer => 422,
            _ => 403,
        },
        ("post", "/warnings" | "/warnings/parse") => match role {
            Admin | Officer => ok,
            _ => 403,
        },
        ("get", "/warnings/{id}" | "/warnings/{id}/acknowledgements") => {
            if hidden {
                404
            } else {
                ok
            }
        }
        ("post", "/warnings/{id}/acknowledgements") => match role {
            _ if hidden => 404,
            Admin | UnitAdmin | Leader => ok,
            _ => 403,
        },
        // The unit has not answered it is affected: refused (409) once permitted.
        ("post", "/warnings/{id}/units/{code}/rectification") => match role {
            _ if hidden => 404,
            Admin | Officer => 409,
            _ => 403,
        },
        // The center and the reviewers (宣传部、保卫处) propose violations.
        ("post", "/violations") => match role {
            Admin | Officer | Reviewer => ok,
            _ => 403,
        },
        ("post", "/notices") => match role {
            Admin | Officer => ok,
            _ => 403,
        },
        // The body sent in the matrix is no spreadsheet: 400 once authorized.
        // The probe's body is no spreadsheet: refused as unreadable (422) once permitted.
        ("post", "/notices/import") => match role {
            Admin | Officer => 422,
            _ => 403,
        },
        ("get", "/notices/{id}" | "/rectifications/{id}" | "/rectifications/{id}/report.docx") => {
            if hidden {
                404
            } else {
                ok
            }
        }
        ("patch", "/notices/{id}") => match role {
            _ if hidden => 404,
            Admin | Officer => ok,
            _ => 403,
        },
        // The unit's admin works the rectification (a draft keeps it in progress).
        ("post", "/rectifications/{id}/start" | "/rectifications/{id}/report") => match role {
            _ if hidden => 404,
            Admin | UnitAdmin => ok,
            _ => 403,
        },
        // The rectification is in progress: approving or reviewing it is refused (409) once authorized.
        ("post", "/rectifications/{id}/approve") => match role {
            _ if hidden => 404,
            Admin | Leader => 409,
            _ => 403,
        },
        ("post", "/rectifications/{id}/review") => match role {
            _ if hidden => 404,
            Admin | Officer => 409,
            _ => 403,
        },
        // Channels of a unit: its admin, officers and admins; robot URLs carry keys, so no one else reads them.
        ("get" | "post", "/channels") | ("patch" | "delete", "/channels/{id}") => match role {
            _ if hidden => 404,
            Admin | Officer | UnitAdmin => ok,
            _ => 403,
        },
        ("get", "/deliveries") => {
            if role == Admin {
                ok
            } else {
                403
            }
        }
        // The message is queued, not failed: an admin is refused with 409.
        ("post", "/deliveries/{id}/retry") => {
            if role == Admin {
                409
            } else {
                403
            }
        }
        ("get", "/monitors" | "/findings") => ok,
        // Monitors are the center's: officers and admins add, tune and remove them.
        ("post", "/monitors") => match role {
            Admin | Officer => ok,
            _ => 403,
        },
        ("get", "/monitors/{id}" | "/monitors/{id}/baselines" | "/monitors/{id}/history" | "/findings/{id}") => {
            if hidden {
                404
            } else {
                ok
            }
        }
        ("patch", "/monitors/{id}") => match role {
            _ if hidden => 404,
            Admin | Officer => ok,
            _ => 403,
        },
        // The monitors under test follow the registry: removing them is refused (409) once authorized.
        ("delete", "/monitors/{id}") => match role {
            _ if hidden => 404,
            Admin | Officer => 409,
            _ => 403,
        },
        // The center or the unit's admin accepts a page; the test server fetches no page (409) once authorized.
        ("post", "/monitors/{id}/baseline") => match role {
            _ if hidden => 404,
            Admin | Officer | UnitAdmin => 409,
            _ => 403,
        },
        // The whole site: everyone reads what is in scope; the center keeps the
        // allow-lists, marks key pages and decides on 双非 sites.
        ("get", "/sites/outbound" | "/sites/outside" | "/sites/zombies") => ok,
        ("get", "/monitors/{id}/pages") => {
            if hidden {
                404
            } else {
                ok
            }
        }
        ("put", "/crawled-pages/{id}/key") => match role {
            _ if hidden => 404,
            Admin | Officer => ok,
            _ => 403,
        },
        // The pages under test are key pages (marked below).
        ("post", "/crawled-pages/{id}/accept") => match role {
            _ if hidden => 404,
            Admin | Officer | UnitAdmin => ok,
            _ => 403,
        },
        ("get" | "post" | "delete", "/sites/allow" | "/sites/allow/{id}") => match role {
            Admin | Officer => ok,
            _ => 403,
        },
        // The systems under test are inside the institution: nothing to decide (409) once authorized.
        ("post", "/systems/{id}/outside") => match role {
            _ if hidden => 404,
            Admin | Officer => 409,
            _ => 403,
        },
        // The unit registers: everyone reads what is in scope; the center and the
        // unit's network admin or head keep a unit's records.
        (
            "get",
            "/plans"
            | "/drills"
            | "/policies"
            | "/policies/completeness"
            | "/personal-data"
            | "/personal-data/export.xlsx"
            | "/data-requests"
            | "/budget"
            | "/trainings"
            | "/certificates"
            | "/registers/gaps",
        ) => ok,
        (
            "post",
            "/plans" | "/drills" | "/data-requests" | "/budget" | "/trainings" | "/personal-data" | "/certificates",
        )
        | ("put", "/policies") => match role {
            _ if hidden => 422,
            Admin | Officer | UnitAdmin | Leader => ok,
            _ => 403,
        },
        (
            "get",
            "/plans/{id}"
            | "/plans/{id}/files/{file_id}"
            | "/drills/{id}"
            | "/drills/{id}/files/{file_id}"
            | "/policies/{id}"
            | "/policies/{id}/files/{file_id}"
            | "/personal-data/{id}"
            | "/data-requests/{id}"
            | "/trainings/{id}",
        ) => {
            if hidden {
                404
            } else {
                ok
            }
        }
        ("put", "/plans/{id}" | "/personal-data/{id}" | "/budget/{id}")
        | ("post", "/plans/{id}/files" | "/drills/{id}/files" | "/policies/{id}/files" | "/drills/{id}/actions")
        | ("post", "/drills/{id}/actions/{action_id}/done")
        | ("delete", "/personal-data/{id}" | "/budget/{id}" | "/certificates/{id}") => match role {
            _ if hidden => 404,
            Admin | Officer | UnitAdmin | Leader => ok,
            _ => 403,
        },
        // A fresh request waits for the unit's head: only the head (or an admin) decides it.
        ("post", "/data-requests/{id}/decision") => match role {
            _ if hidden => 404,
            Admin | Leader => ok,
            _ => 403,
        },
        ("post", "/policies/violations") => match role {
            Admin | Officer | Reviewer => ok,
            _ => 403,
        },
        other => panic!("route {other:?} has no expectation: add one"),
    }
}

/// A fresh record of the unit registers for a route that names one: (its id,
/// a file's or an action's id); (0, 0) for other routes.
async fn register_record(app: &TestApp, path: &str, code: &str, system_id: i64, person_id: i64) -> (i64, i64) {
    use wangan_core::registers::RecordKind;
    use wangan_core::registers::service::{budget, data, drills, files, plans, policies, training};
    let sys = wangan_core::Principal::system("test");
    let pdf =
        || wangan_core::platform::uploads::Upload { file_name: "记录.pdf".into(), bytes: b"%PDF-1.4 x".to_vec() };
    let today = app.store.now().date_naive();
    let file = |kind: RecordKind, id: i64| {
        let store = app.store.clone();
        let sys = sys.clone();
        async move { files::attach(&store, &sys, kind, id, pdf()).await.unwrap()[0].id }
    };
    if path.starts_with("/plans/") {
        let input =
            serde_json::from_value(json!({"unit": code, "title": "预案", "scenarios": "篡改", "contacts": "电话"}));
        let id = plans::create(&app.store, &sys, input.unwrap()).await.unwrap().id;
        let f = if path.contains("{file_id}") { file(RecordKind::Plan, id).await } else { 0 };
        (id, f)
    } else if path.starts_with("/drills/") {
        let input = serde_json::from_value(json!({"unit": code, "held_on": today, "scenario": "演练",
            "participants": "全体", "what_happened": "处置",
            "actions": [{"description": "整改", "owner_person_id": person_id, "due_on": today}]}));
        let d = drills::create(&app.store, &sys, input.unwrap()).await.unwrap();
        let sub = if path.contains("{file_id}") { file(RecordKind::Drill, d.id).await } else { d.actions[0].id };
        (d.id, sub)
    } else if path.starts_with("/policies/{id}") {
        let input = serde_json::from_value(json!({"unit": code, "kind": "people", "title": "人员管理办法",
            "approved_on": today}));
        let id = policies::put(&app.store, &sys, input.unwrap()).await.unwrap().id;
        let f = if path.contains("{file_id}") { file(RecordKind::Policy, id).await } else { 0 };
        (id, f)
    } else if path.starts_with("/personal-data/{id}") {
        let input = serde_json::from_value(json!({"system_id": system_id, "categories": "姓名", "subjects": "学生",
            "purpose": "教务", "method": "存储", "storage_place": "机房", "retention": "五年", "measures": "加密"}));
        (data::create_entry(&app.store, &sys, input.unwrap()).await.unwrap().id, 0)
    } else if path.starts_with("/data-requests/") {
        let input = serde_json::from_value(json!({"unit": code, "recipient": "合作方", "purpose": "科研",
            "fields": "姓名", "legal_basis": "同意"}));
        (data::create_request(&app.store, &sys, input.unwrap()).await.unwrap().id, 0)
    } else if path.starts_with("/budget/") {
        let input = serde_json::from_value(json!({"unit": code, "year": 2026, "category": "services", "planned": "1"}));
        (budget::create(&app.store, &sys, input.unwrap()).await.unwrap().id, 0)
    } else if path.starts_with("/trainings/") {
        let input = serde_json::from_value(json!({"unit": code, "kind": "professional", "title": "培训",
            "held_on": today, "hours": "1", "attendees": [person_id]}));
        (training::create_training(&app.store, &sys, input.unwrap()).await.unwrap().id, 0)
    } else if path.starts_with("/certificates/") {
        let input = serde_json::from_value(json!({"person_id": person_id, "kind": "cissp"}));
        (training::create_certificate(&app.store, &sys, input.unwrap()).await.unwrap().id, 0)
    } else {
        (0, 0)
    }
}

/// A shutdown order the ladder proposed for the system's open rectification (a fresh one per try).
async fn proposed_order(app: &TestApp, system_id: i64) -> i64 {
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
    use wangan_core::notices::entity::{rectification, shutdown_order};
    let r = rectification::Entity::find()
        .filter(rectification::Column::SystemId.eq(system_id))
        .one(app.store.db())
        .await
        .unwrap()
        .unwrap();
    shutdown_order::ActiveModel {
        system_id: Set(system_id),
        rectification_id: Set(r.id),
        unit_id: Set(r.unit_id),
        stage_before: Set("building".into()),
        ordered_at: Set(app.store.now()),
        lifted_at: Set(None),
        state: Set(wangan_core::notices::ShutdownOrderState::Proposed),
        number: Set(String::new()),
        decided_by: Set(String::new()),
        decided_at: Set(None),
        note: Set(String::new()),
        verified_at: Set(None),
        verified_online: Set(None),
        verification: Set(String::new()),
        ..Default::default()
    }
    .insert(app.store.db())
    .await
    .unwrap()
    .id
}

/// A pending go-live request of the system, with its certificate (a fresh one per try).
async fn pending_golive(app: &TestApp, system_id: i64) -> i64 {
    clear_golive(app, system_id).await;
    let input = wangan_core::registry::service::golive::GoLiveInput {
        note: "申请上线".into(),
        certificate: Some(wangan_core::platform::uploads::Upload {
            file_name: "备案证明.pdf".into(),
            bytes: b"%PDF-1.4\n%test certificate\n".to_vec(),
        }),
    };
    let sys = wangan_core::Principal::system("test");
    wangan_core::registry::service::golive::request(&app.store, &sys, system_id, input).await.unwrap().id
}

/// No request of the system waits (a system has one pending request at most),
/// and it is back in building (orders issued earlier in the matrix shut it down).
async fn clear_golive(app: &TestApp, system_id: i64) {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use wangan_core::registry::entity::{golive_request, system};
    golive_request::Entity::delete_many()
        .filter(golive_request::Column::SystemId.eq(system_id))
        .exec(app.store.db())
        .await
        .unwrap();
    system::Entity::update_many()
        .col_expr(system::Column::Stage, Expr::value(wangan_core::registry::Stage::Building))
        .filter(system::Column::Id.eq(system_id))
        .exec(app.store.db())
        .await
        .unwrap();
}

/// A violation proposed against the system's unit (a fresh one per try).
async fn proposed_violation(app: &TestApp, system_id: i64) -> i64 {
    let sys = wangan_core::Principal::system("test");
    let s = wangan_core::registry::service::systems::get(&app.store, &sys, system_id).await.unwrap();
    let input =
        serde_json::from_value(json!({"unit": s.system.unit, "category": "not_filed", "description": "未备案上线"}))
            .unwrap();
    wangan_core::enforcement::service::violations::propose(&app.store, &sys, input).await.unwrap().id
}

/// A fresh campaign for the unit of `system_id`, with one failed answer: (campaign, answer).
async fn campaign_with_finding(app: &TestApp, system_id: i64) -> (i64, i64) {
    use wangan_core::inspections::service::{campaigns, checklists};
    let sys = wangan_core::Principal::system("test");
    let s = wangan_core::registry::service::systems::get(&app.store, &sys, system_id).await.unwrap();
    // The default checklist (the form matrix may have saved newer versions).
    let list = checklists::get(&app.store, 1).await.unwrap();
    let input = campaigns::LaunchInput {
        title: "自查".into(),
        checklist_id: list.id,
        due_on: app.store.now().date_naive() + chrono::Duration::days(10),
        units: vec![s.system.unit.clone()],
        systems: Vec::new(),
    };
    let id = campaigns::launch(&app.store, &sys, input).await.unwrap().campaign.id;
    let answers = vec![campaigns::AnswerInput {
        item: list.items[0].key.clone(),
        answer: "fail".into(),
        comment: "未落实".into(),
    }];
    let part =
        campaigns::answer(&app.store, &sys, id, campaigns::ResponsesInput { system_id, answers, evidence: Vec::new() })
            .await
            .unwrap();
    (id, part.systems[0].answers[0].id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_every_role_own_and_other_unit() {
    let app = spawn_app().await;
    app.unit("alpha", "甲学院").await;
    app.unit("beta", "乙学院").await;
    let people = [app.person("alpha", "甲一").await, app.person("beta", "乙一").await];
    let direct = [app.person("alpha", "甲二").await, app.person("beta", "乙二").await];
    // A sub-unit keeps each unit "in use", so an allowed DELETE answers 409, not 204,
    // and the unit survives for the next role.
    for (code, parent) in [("alpha-lab", "alpha"), ("beta-lab", "beta")] {
        wangan_core::directory::service::units::create(
            &app.store,
            &wangan_core::Principal::system("test"),
            wangan_core::directory::service::units::UnitInput {
                code: code.into(),
                name: "实验室".into(),
                name_en: String::new(),
                kind: "center".into(),
                parent: Some(parent.into()),
            },
        )
        .await
        .unwrap();
    }
    let roles = [
        (Role::Admin, None),
        (Role::Officer, None),
        (Role::Reviewer, None),
        (Role::Leader, Some("alpha")),
        (Role::UnitAdmin, Some("alpha")),
        (Role::Auditor, None),
    ];
    let mut tokens = Vec::new();
    for (role, unit) in roles {
        tokens.push((role, app.user(&format!("u-{}", role.as_str().replace('_', "-")), role, unit).await));
    }
    // Someone else, whose tokens the roles above try to revoke.
    app.user("victim", Role::Reviewer, None).await;
    let systems = [app.system_in_building("alpha").await, app.system_in_building("beta").await];
    // A notice per unit, each with one rectification in progress; a queued message.
    let sys = wangan_core::Principal::system("test");
    let mut notices = Vec::new();
    let mut rectifications = Vec::new();
    for id in systems {
        let n = wangan_core::notices::service::notices::create(
            &app.store,
            &sys,
            serde_json::from_value(json!({"source": "edusrc", "title": "漏洞", "severity": "high", "systems": [id]}))
                .unwrap(),
        )
        .await
        .unwrap();
        let rid = n.rectifications[0].id;
        wangan_core::notices::service::rectifications::start(&app.store, &sys, rid).await.unwrap();
        notices.push(n.notice.id);
        rectifications.push(rid);
    }
    let outbox_id = {
        use sea_orm::{EntityTrait, QueryOrder};
        wangan_core::notify::service::add_channel(
            &app.store,
            &sys,
            serde_json::from_value(
                json!({"owner_kind": "unit", "owner": "alpha", "kind": "webhook", "target": "http://127.0.0.1:9/hook"}),
            )
            .unwrap(),
        )
        .await
        .unwrap();
        wangan_core::notices::service::notices::create(
            &app.store,
            &sys,
            serde_json::from_value(
                json!({"source": "moe", "title": "通知", "severity": "low", "systems": [systems[0]]}),
            )
            .unwrap(),
        )
        .await
        .unwrap();
        wangan_core::notify::entity::outbox::Entity::find()
            .order_by_desc(wangan_core::notify::entity::outbox::Column::Id)
            .one(app.store.db())
            .await
            .unwrap()
            .map(|m| m.id)
            .unwrap_or(0)
    };
    // A monitor per system (from the registry) and a finding on each.
    use wangan_core::monitoring::service as monitoring;
    monitoring::sync(&app.store).await.unwrap();
    let mut monitors = Vec::new();
    let mut findings = Vec::new();
    let mut crawled = Vec::new();
    for id in systems {
        let page = monitoring::list(
            &app.store,
            &sys,
            &monitoring::MonitorFilter { system: Some(id), ..Default::default() },
            wangan_core::PageRequest::new(1, 10),
        )
        .await
        .unwrap();
        let mid = page.items[0].id;
        monitoring::record(
            &app.store,
            vec![monitoring::CheckResult {
                monitor_id: mid,
                checked_at: app.store.now(),
                interval_s: 300,
                status: wangan_core::monitoring::Health::Up,
                health: wangan_core::monitoring::Health::Up,
                consecutive_failures: 0,
                down_since: None,
                status_code: Some(200),
                latency_ms: Some(12),
                error: String::new(),
                header_score: Some(75),
                tls_checked: false,
                exposure_checked: false,
                views_checked: false,
                content_key: None,
                page_key: None,
                checks_run: vec![wangan_core::monitoring::Check::Headers],
                findings: vec![monitoring::FindingInput {
                    check: wangan_core::monitoring::Check::Headers,
                    subject: "missing:Content-Security-Policy".into(),
                    code: wangan_core::monitoring::FindingCode::MissingHeader,
                    severity: wangan_core::monitoring::FindingSeverity::Info,
                    summary: "响应缺少安全头".into(),
                    evidence: json!({}),
                    open_notice: false,
                }],
                new_baseline: None,
                verification: None,
            }],
        )
        .await
        .unwrap();
        let f = monitoring::findings(
            &app.store,
            &sys,
            &monitoring::FindingFilter { monitor: Some(mid), ..Default::default() },
            wangan_core::PageRequest::new(1, 10),
        )
        .await
        .unwrap();
        monitors.push(mid);
        findings.push(f.items[0].id);
        // A crawl of the site: one page.
        use wangan_core::sites::service as sites;
        sites::record_crawl(
            &app.store,
            sites::CrawlRecord {
                monitor_id: mid,
                crawled_at: app.store.now(),
                next_at: app.store.now() + chrono::Duration::days(1),
                pages: vec![sites::PageRecord {
                    url: format!("http://crawl{mid}.farm.test/news/"),
                    status_code: Some(200),
                    subject_prefix: "/news/".into(),
                    ..Default::default()
                }],
                outbound: Vec::new(),
                findings: Vec::new(),
                updated_on: None,
                addresses: Vec::new(),
            },
        )
        .await
        .unwrap();
        let page = sites::pages(&app.store, &sys, mid).await.unwrap();
        // A key page, whose change a unit may accept.
        sites::set_key_page(&app.store, &sys, page.pages[0].id, true).await.unwrap();
        crawled.push(page.pages[0].id);
    }
    let client = reqwest::Client::new();
    let mut checked = 0;
    let mut failures = Vec::new();
    let routes = wangan_web::platform::openapi::routes();
    for route in &routes {
        let route = Route { method: route.method, path: route.path.as_str(), status: route.status };
        for (role, token) in &tokens {
            for target in [Target::Own, Target::Other] {
                let i = if target == Target::Own { 0 } else { 1 };
                let code = ["alpha", "beta"][i];
                let victim_token_id = if route.path == "/tokens/{id}" {
                    // A fresh token of someone else for each try.
                    wangan_core::accounts::service::create_token(&app.store, None, "victim", "victim").await.unwrap();
                    use sea_orm::{EntityTrait, QueryOrder};
                    wangan_core::accounts::entity::api_token::Entity::find()
                        .order_by_desc(wangan_core::accounts::entity::api_token::Column::Id)
                        .one(app.store.db())
                        .await
                        .unwrap()
                        .unwrap()
                        .id
                } else {
                    0
                };
                let channel_id = if route.path == "/channels/{id}" {
                    // A fresh channel of the unit for each try (one of them is deleted).
                    wangan_core::notify::service::add_channel(
                        &app.store,
                        &sys,
                        serde_json::from_value(json!({"owner_kind": "unit", "owner": code, "kind": "wecom",
                            "target": "http://127.0.0.1:9/wecom"}))
                        .unwrap(),
                    )
                    .await
                    .unwrap()
                    .id
                } else {
                    0
                };
                let order_id =
                    if route.path.starts_with("/shutdown-orders") { proposed_order(&app, systems[i]).await } else { 0 };
                let violation_id =
                    if route.path.starts_with("/violations/") { proposed_violation(&app, systems[i]).await } else { 0 };
                let golive_id = if route.path.starts_with("/golive-requests/") {
                    pending_golive(&app, systems[i]).await
                } else {
                    0
                };
                let (campaign_id, answer_id) = if route.path.starts_with("/campaigns/") {
                    campaign_with_finding(&app, systems[i]).await
                } else {
                    (0, 0)
                };
                let warning_id = if route.path.starts_with("/warnings/") {
                    wangan_core::warnings::service::warnings::publish(
                        &app.store,
                        &sys,
                        serde_json::from_value(json!({"title": "预警", "severity": "high", "source": "cnvd",
                            "targeting": "units", "units": [code]}))
                        .unwrap(),
                    )
                    .await
                    .unwrap()
                    .warning
                    .id
                } else {
                    0
                };
                let data_call_id = if route.path.starts_with("/data-calls/") {
                    wangan_core::data_calls::service::create(
                        &app.store,
                        &sys,
                        serde_json::from_value(json!({"title": "基础数据", "due_on": "2099-01-01", "units": [code],
                            "fields": [{"key": "f1", "label": "机房数量", "kind": "number"}]}))
                        .unwrap(),
                    )
                    .await
                    .unwrap()
                    .data_call
                    .id
                } else {
                    0
                };
                let schedule_id = if route.path.starts_with("/campaign-schedules/") {
                    wangan_core::inspections::service::schedules::create(
                        &app.store,
                        &sys,
                        serde_json::from_value(json!({"title": "年度自查", "checklist_family": "self_inspection",
                            "rule": "yearly:03-01", "due_days": 30}))
                        .unwrap(),
                    )
                    .await
                    .unwrap()
                    .id
                } else {
                    0
                };
                let incident_id = if route.path.starts_with("/incidents/")
                    || route.path == "/duty/alerts/{id}/acknowledge"
                {
                    wangan_core::incidents::service::incidents::create(
                        &app.store,
                        &sys,
                        serde_json::from_value(json!({"unit": code, "title": "网页被篡改", "kind": "web_tampering",
                            "systems": [systems[i]]}))
                        .unwrap(),
                    )
                    .await
                    .unwrap()
                    .incident
                    .id
                } else {
                    0
                };
                let evidence_id = if route.path == "/incidents/{id}/evidence/{evidence_id}" {
                    let up = wangan_core::platform::uploads::Upload {
                        file_name: "截图.png".into(),
                        bytes: b"\x89PNG\r\n\x1a\nscreen".to_vec(),
                    };
                    wangan_core::incidents::service::incidents::add_evidence(
                        &app.store,
                        &sys,
                        incident_id,
                        "首页截图",
                        vec![up],
                    )
                    .await
                    .unwrap()
                    .evidence[0]
                        .id
                } else {
                    0
                };
                let alert_id = if route.path == "/duty/alerts/{id}/acknowledge" {
                    let page = wangan_core::duty::service::alerts::list(
                        &app.store,
                        &sys,
                        &Default::default(),
                        wangan_core::PageRequest::new(1, 1),
                    )
                    .await
                    .unwrap();
                    page.items[0].id
                } else {
                    0
                };
                let shift_id = if route.path.starts_with("/duty/shifts/") || route.path == "/duty/swaps/{id}/decision" {
                    let now = app.store.now();
                    wangan_core::duty::service::shifts::create(
                        &app.store,
                        &sys,
                        serde_json::from_value(json!({"unit": code, "person_id": people[i],
                            "starts_at": now + chrono::Duration::hours(1), "ends_at": now + chrono::Duration::hours(9)}))
                        .unwrap(),
                    )
                    .await
                    .unwrap()
                    .id
                } else {
                    0
                };
                let swap_id = if route.path == "/duty/swaps/{id}/decision" {
                    wangan_core::duty::service::shifts::request_swap(
                        &app.store,
                        &sys,
                        shift_id,
                        serde_json::from_value(json!({"to_person_id": direct[i], "reason": "出差"})).unwrap(),
                    )
                    .await
                    .unwrap()
                    .id
                } else {
                    0
                };
                let today = app.store.now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
                let period_id = if route.path.starts_with("/key-periods/") {
                    wangan_core::key_periods::service::create(
                        &app.store,
                        &sys,
                        serde_json::from_value(json!({"title": "国庆重保", "kind": "national_day",
                            "starts_on": today - chrono::Duration::days(1), "ends_on": today + chrono::Duration::days(6),
                            "units": [code]}))
                        .unwrap(),
                    )
                    .await
                    .unwrap()
                    .period
                    .id
                } else {
                    0
                };
                let (register_id, register_sub) = register_record(&app, route.path, code, systems[i], people[i]).await;
                if route.path == "/systems/{id}/golive" {
                    clear_golive(&app, systems[i]).await;
                }
                let id = if register_id != 0 {
                    register_id
                } else if route.path.starts_with("/incidents/") {
                    incident_id
                } else if route.path == "/duty/alerts/{id}/acknowledge" {
                    alert_id
                } else if route.path == "/duty/swaps/{id}/decision" {
                    swap_id
                } else if route.path.starts_with("/duty/shifts/") {
                    shift_id
                } else if route.path.starts_with("/key-periods/") {
                    period_id
                } else if route.path.starts_with("/shutdown-orders") {
                    order_id
                } else if route.path.starts_with("/campaigns/") {
                    campaign_id
                } else if route.path.starts_with("/warnings/") {
                    warning_id
                } else if route.path.starts_with("/data-calls/") {
                    data_call_id
                } else if route.path.starts_with("/campaign-schedules/") {
                    schedule_id
                } else if route.path.starts_with("/checklists/") {
                    1
                } else if route.path.starts_with("/golive-requests") {
                    golive_id
                } else if route.path.starts_with("/violations") {
                    violation_id
                } else if route.path.starts_with("/tokens") {
                    victim_token_id
                } else if route.path.starts_with("/channels") {
                    channel_id
                } else if route.path.starts_with("/deliveries") {
                    outbox_id
                } else if route.path.starts_with("/notices") {
                    notices[i]
                } else if route.path.starts_with("/monitors") {
                    monitors[i]
                } else if route.path.starts_with("/crawled-pages") {
                    crawled[i]
                } else if route.path.starts_with("/sites/allow/") {
                    // A fresh entry each time: removing one is done once.
                    let added = wangan_core::sites::service::allow(
                        &app.store,
                        &sys,
                        wangan_core::sites::service::AllowInput {
                            domains: vec![format!("e{checked}.partner.example")],
                            system_id: None,
                            note: String::new(),
                        },
                    )
                    .await
                    .unwrap();
                    added.added[0].id
                } else if route.path.starts_with("/findings") {
                    findings[i]
                } else if route.path.starts_with("/rectifications") {
                    rectifications[i]
                } else if route.path.starts_with("/systems") {
                    systems[i]
                } else {
                    people[i]
                };
                let mut path = route
                    .path
                    .replace("{code}", code)
                    .replace("{id}", &id.to_string())
                    .replace("{answer_id}", &answer_id.to_string())
                    .replace("{evidence_id}", &evidence_id.to_string())
                    .replace("{file_id}", &register_sub.to_string())
                    .replace("{action_id}", &register_sub.to_string());
                if route.method == "get" && route.path == "/channels" {
                    path = format!("/channels?owner_kind=unit&owner={code}");
                }
                if route.method == "post" && route.path == "/incidents/{id}/evidence" {
                    path = format!("{path}?file_name=log.zip&description=%E6%97%A5%E5%BF%97");
                }
                if route.method == "post" && route.path.ends_with("/files") {
                    path = format!("{path}?file_name=plan.pdf");
                }
                if route.method == "get" && route.path == "/campaigns/{id}/responses" {
                    path = format!("{path}?unit={code}");
                }
                let body = match (route.method, route.path) {
                    ("post", "/units") => {
                        Some(json!({"code": format!("n{checked}"), "name": "新单位", "kind": "office"}))
                    }
                    ("patch", "/units/{code}") => Some(json!({"name_en": "Renamed"})),
                    ("put", "/units/{code}/responsibilities") => {
                        Some(json!({"first": people[i], "main": null, "direct": direct[i]}))
                    }
                    ("post", "/people") => Some(json!({"name": "新人", "unit": code})),
                    ("patch", "/people/{id}") => Some(json!({"title": "教师"})),
                    ("post", "/systems") => Some(json!({"name": "新系统", "kind": "website", "unit": code})),
                    ("patch", "/systems/{id}") => Some(json!({"notes": "备注"})),
                    ("put", "/systems/{id}/filing") => Some(json!({"status": "none"})),
                    ("put", "/systems/{id}/protections") => {
                        Some(json!([{"kind": "firewall", "product": "边界防火墙"}]))
                    }
                    ("put", "/systems/{id}/mlps") => Some(json!({"level": 2, "graded_on": "2026-01-05"})),
                    ("post", "/systems/{id}/mlps/evaluations") => {
                        Some(json!({"agency": "测评中心", "evaluated_on": "2026-02-01", "result": "good", "score": 85}))
                    }
                    ("post", "/systems/{id}/transition") => Some(json!({"to": "offline"})),
                    ("post", "/notices") => {
                        Some(json!({"source": "edusrc", "title": "新通报", "severity": "low", "systems": [systems[i]]}))
                    }
                    ("patch", "/notices/{id}") => Some(json!({"vuln_type": "XSS"})),
                    ("post", "/monitors") => {
                        Some(json!({"system": systems[i], "url": format!("http://m{checked}.farm.test/")}))
                    }
                    ("patch", "/monitors/{id}") => Some(json!({"interval_s": 600})),
                    ("post", "/monitors/{id}/baseline") => Some(json!({"note": "确认"})),
                    ("put", "/crawled-pages/{id}/key") => Some(json!({"key": true})),
                    ("post", "/crawled-pages/{id}/accept") => Some(json!({"note": "改版"})),
                    ("post", "/sites/allow") => Some(json!({"domains": [format!("a{checked}.partner.example")]})),
                    ("post", "/systems/{id}/outside") => {
                        Some(json!({"decision": "accepted", "note": "经批准的云托管"}))
                    }
                    ("post", "/rectifications/{id}/report") => Some(json!({"measures": "草稿", "submit": false})),
                    ("post", "/rectifications/{id}/review") => Some(json!({"decision": "accept"})),
                    ("post", "/channels") => Some(json!({"owner_kind": "unit", "owner": code, "kind": "feishu",
                        "target": "http://127.0.0.1:9/feishu"})),
                    ("patch", "/channels/{id}") => Some(json!({"label": "值班群"})),
                    ("post", "/shutdown-orders/{id}/issue") => Some(json!({})),
                    ("post", "/shutdown-orders/{id}/extend") => {
                        Some(json!({"deadline": "2099-01-01T00:00:00Z", "reason": "单位申请延期"}))
                    }
                    ("post", "/violations") => {
                        Some(json!({"unit": code, "category": "false_data", "description": "填报数据与实际不符"}))
                    }
                    ("post", "/violations/{id}/confirm") => Some(json!({})),
                    ("post", "/violations/{id}/dismiss") => Some(json!({"note": "情况不属实"})),
                    ("post", "/systems/{id}/golive") => Some(json!({"note": "申请上线"})),
                    ("post", "/golive-requests/{id}/approve") => Some(json!({})),
                    ("post", "/golive-requests/{id}/refuse") => Some(json!({"note": "材料不全"})),
                    ("post", "/violations/{id}/correct") => Some(json!({"note": "已补办备案"})),
                    ("post", "/violations/{id}/criticize") => Some(json!({})),
                    ("post", "/checklists") => Some(json!({"family": format!("f{checked}"), "title": "专项检查表",
                        "items": [{"key": "1", "section": "备案", "question": "已备案"}]})),
                    ("post", "/campaigns") => Some(json!({"title": "专项检查", "checklist_id": 1,
                        "due_on": "2099-01-01", "units": [code]})),
                    ("post", "/campaigns/{id}/responses") => Some(json!({"system_id": systems[i],
                        "answers": [{"item": "1.2", "answer": "pass"}]})),
                    ("post", "/campaigns/{id}/submit" | "/campaigns/{id}/approve") => Some(json!({"unit": code})),
                    ("post", "/campaigns/{id}/return") => Some(json!({"unit": code, "note": "证据不清"})),
                    ("post", "/campaigns/{id}/verifications") => Some(json!({"system_id": systems[i], "item": "1.2",
                        "answer": "fail", "comment": "现场核查不符"})),
                    ("post", "/campaigns/{id}/answers/{answer_id}/notice") => Some(json!({"severity": "medium"})),
                    ("post", "/campaign-schedules") => {
                        Some(json!({"title": "春节前检查", "checklist_family": "self_inspection",
                        "rule": "before:spring_festival:14", "due_days": 10}))
                    }
                    ("post", "/campaign-schedules/{id}/active") => Some(json!({"active": false})),
                    ("post", "/warnings") => Some(json!({"title": "Struts2 远程代码执行", "severity": "high",
                        "source": "cnvd", "targeting": "units", "units": [code]})),
                    ("post", "/warnings/parse") => Some(json!({"text": "【高危】某漏洞预警\nCVE-2026-12345"})),
                    ("post", "/warnings/{id}/acknowledgements") => Some(json!({"unit": code})),
                    ("post", "/data-calls") => Some(json!({"title": "调查", "due_on": "2099-01-01", "units": [code],
                        "fields": [{"key": "f1", "label": "数量", "kind": "number", "required": true}]})),
                    ("post", "/data-calls/{id}/submissions") => Some(json!({"unit": code, "values": {"f1": "2"}})),
                    ("post", "/incidents") => Some(json!({"unit": code, "title": "暗链", "kind": "illegal_content",
                        "systems": [systems[i]], "homepage": true, "hours_visible": 3})),
                    ("patch", "/incidents/{id}") => Some(json!({"impact": "首页约3小时内可见", "hours_visible": 3})),
                    ("post", "/incidents/{id}/grade") => Some(json!({"grade": "general"})),
                    ("post", "/incidents/{id}/steps") => Some(json!({"step": "contained", "note": "已断网"})),
                    ("post", "/incidents/{id}/supplements") => Some(json!({"text": "已恢复首页"})),
                    ("post", "/incidents/{id}/close") => {
                        Some(json!({"cause": "弱口令被利用", "measures": "修改口令、清除暗链"}))
                    }
                    ("post", "/duty/shifts") => {
                        let now = app.store.now();
                        Some(
                            json!({"unit": code, "person_id": people[i], "starts_at": now + chrono::Duration::days(20),
                            "ends_at": now + chrono::Duration::days(20) + chrono::Duration::hours(8)}),
                        )
                    }
                    ("post", "/duty/rotas") => {
                        Some(json!({"unit": code, "starts_on": today + chrono::Duration::days(30),
                        "days": 7, "handover": "08:30", "people": [people[i]]}))
                    }
                    ("post", "/duty/handovers") => Some(json!({"unit": code, "note": "夜间无异常"})),
                    ("post", "/duty/shifts/{id}/swaps") => Some(json!({"to_person_id": direct[i], "reason": "出差"})),
                    ("post", "/duty/swaps/{id}/decision") => Some(json!({"approve": true})),
                    ("post", "/key-periods") => Some(json!({"title": "两会重保", "kind": "two_sessions",
                        "starts_on": today, "ends_on": today + chrono::Duration::days(3), "units": [code]})),
                    ("post", "/key-periods/{id}/reports") => Some(json!({"unit": code, "zero": true})),
                    ("post", "/plans") | ("put", "/plans/{id}") => Some(json!({"unit": code, "title": "应急预案",
                        "scenarios": "网页篡改", "contacts": "值班电话 12345678", "systems": [systems[i]]})),
                    ("post", "/drills") => Some(json!({"unit": code, "held_on": today, "scenario": "网页篡改处置",
                        "participants": "网络管理员", "what_happened": "按预案处置",
                        "actions": [{"description": "补充备份", "owner_person_id": people[i], "due_on": today}]})),
                    ("post", "/drills/{id}/actions") => Some(json!({"description": "补充联系人",
                        "owner_person_id": people[i], "due_on": today + chrono::Duration::days(30)})),
                    ("post", "/drills/{id}/actions/{action_id}/done") => Some(json!({"note": "已完成"})),
                    ("put", "/policies") => Some(json!({"unit": code, "kind": "accounts", "title": "账号管理办法",
                        "approved_on": today})),
                    ("post", "/policies/violations") => Some(json!({"unit": code})),
                    ("post", "/personal-data") | ("put", "/personal-data/{id}") => {
                        Some(json!({"system_id": systems[i],
                        "categories": "姓名、学号", "subjects": "学生", "purpose": "教务管理", "method": "收集、存储",
                        "storage_place": "校内机房", "retention": "毕业后五年", "measures": "访问控制"}))
                    }
                    ("post", "/data-requests") => Some(json!({"unit": code, "recipient": "合作单位",
                        "purpose": "联合培养", "fields": "姓名", "legal_basis": "本人同意"})),
                    ("post", "/data-requests/{id}/decision") => Some(json!({"approve": true})),
                    ("post", "/budget") | ("put", "/budget/{id}") => Some(json!({"unit": code, "year": 2026,
                        "category": "equipment", "planned": "120000", "spent": "5000.50"})),
                    ("post", "/trainings") => Some(json!({"unit": code, "kind": "awareness", "title": "安全意识培训",
                        "held_on": today, "hours": "2", "attendees": [people[i]]})),
                    ("post", "/certificates") => Some(json!({"person_id": people[i], "kind": "cisp",
                        "number": "CISP-001", "expires_on": today + chrono::Duration::days(400)})),
                    _ => None,
                };
                let mut req = client
                    .request(
                        reqwest::Method::from_bytes(route.method.to_uppercase().as_bytes()).unwrap(),
                        app.url(&format!("/api/v1{path}")),
                    )
                    .bearer_auth(token);
                if let Some(b) = body {
                    req = req.json(&b);
                } else if route.path == "/incidents/{id}/evidence" {
                    req = req.body(b"PK\x03\x04logs".to_vec());
                } else if route.method == "post" && route.path.ends_with("/files") {
                    req = req.body(b"%PDF-1.4 plan".to_vec());
                }
                let got = req.send().await.unwrap().status().as_u16();
                let mut want = expected(route.method, route.path, *role, target, route.status);
                if route.method == "delete" && route.path == "/units/{code}" && want == 204 {
                    want = 409; // in use, see above
                }
                if got != want {
                    failures
                        .push(format!("{} {path} as {:?} ({target:?}): got {got}, want {want}", route.method, role));
                }
                checked += 1;
            }
        }
        // Without a token every route but the document itself is refused.
        if route.path != "/openapi.json" {
            let path = route.path.replace("{code}", "alpha").replace("{id}", "1");
            let r = client
                .request(
                    reqwest::Method::from_bytes(route.method.to_uppercase().as_bytes()).unwrap(),
                    app.url(&format!("/api/v1{path}")),
                )
                .send()
                .await
                .unwrap();
            if r.status() != 401 {
                failures.push(format!("{} {path} without token: got {}", route.method, r.status()));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} checks failed:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(checked, routes.len() * 6 * 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unit_roles_never_see_other_units_in_lists_or_pages() {
    let app = spawn_app().await;
    app.unit("alpha", "甲学院").await;
    app.unit("beta", "乙学院").await;
    app.person("alpha", "甲一").await;
    let beta_person = app.person("beta", "乙一").await;
    let api = app.api(&app.user("netadmin", Role::UnitAdmin, Some("alpha")).await);

    let (_, units) = api.get("/units").await;
    let codes: Vec<&str> = units["items"].as_array().unwrap().iter().map(|u| u["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["alpha"]);
    let (_, people) = api.get("/people").await;
    assert_eq!(people["total"], 1);
    let (_, people) = api.get("/people?unit=beta").await;
    assert_eq!(people["total"], 0);

    let b = app.browser();
    b.login("netadmin", PASSWORD).await;
    assert_eq!(b.get("/units/beta").await.0, 404);
    assert_eq!(b.get(&format!("/people/{beta_person}")).await.0, 404);
    assert_eq!(b.get("/units/alpha").await.0, 200);
    let (_, html) = b.get("/units").await;
    assert!(html.contains("甲学院") && !html.contains("乙学院"));
    let csrf = b.csrf("/units/alpha").await;
    let r = b.post(&format!("/people/{beta_person}"), &[("csrf", &csrf), ("name", "改名"), ("unit", "beta")]).await;
    assert_eq!(r.status(), 404);
}

/// A form post: path, fields, the status wanted.
type FormCase<'a> = (String, Vec<(&'a str, &'a str)>, u16);

/// The state-changing page routes, for every role, against the own and the other unit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_form_route_every_role_own_and_other_unit() {
    use Role::*;
    let app = spawn_app().await;
    app.unit("alpha", "甲学院").await;
    app.unit("beta", "乙学院").await;
    let people = [app.person("alpha", "甲一").await, app.person("beta", "乙一").await];
    let seconds = [app.person("alpha", "甲二").await, app.person("beta", "乙二").await];
    let member = wangan_core::directory::service::leadership::add(
        &app.store,
        &wangan_core::Principal::system("t"),
        wangan_core::directory::service::leadership::MemberInput {
            person_id: people[0],
            position: "member".into(),
            duty: String::new(),
        },
    )
    .await
    .unwrap();
    app.user("victim", Reviewer, None).await;
    let systems = [app.system_in_building("alpha").await, app.system_in_building("beta").await];
    // Per unit: a notice with a rectification in progress, and a channel; one queued message.
    let sys = wangan_core::Principal::system("t");
    let (mut notices, mut rects, mut channels) = (Vec::new(), Vec::new(), Vec::new());
    for (id, code) in systems.iter().zip(["alpha", "beta"]) {
        let n = wangan_core::notices::service::notices::create(
            &app.store,
            &sys,
            serde_json::from_value(json!({"source": "edusrc", "title": "漏洞", "severity": "high", "systems": [id]}))
                .unwrap(),
        )
        .await
        .unwrap();
        wangan_core::notices::service::rectifications::start(&app.store, &sys, n.rectifications[0].id).await.unwrap();
        notices.push(n.notice.id.to_string());
        rects.push(n.rectifications[0].id);
        let c = wangan_core::notify::service::add_channel(
            &app.store,
            &sys,
            serde_json::from_value(
                json!({"owner_kind": "unit", "owner": code, "kind": "wecom", "target": "http://127.0.0.1:9/w"}),
            )
            .unwrap(),
        )
        .await
        .unwrap();
        channels.push(c.id);
    }
    wangan_core::notices::service::notices::create(
        &app.store,
        &sys,
        serde_json::from_value(json!({"source": "moe", "title": "通知", "severity": "low", "systems": [systems[0]]}))
            .unwrap(),
    )
    .await
    .unwrap();
    let queued = {
        use sea_orm::{EntityTrait, QueryOrder};
        wangan_core::notify::entity::outbox::Entity::find()
            .order_by_desc(wangan_core::notify::entity::outbox::Column::Id)
            .one(app.store.db())
            .await
            .unwrap()
            .unwrap()
            .id
    };
    wangan_core::monitoring::service::sync(&app.store).await.unwrap();
    let mut monitors = Vec::new();
    for id in systems {
        let page = wangan_core::monitoring::service::list(
            &app.store,
            &wangan_core::Principal::system("test"),
            &wangan_core::monitoring::service::MonitorFilter { system: Some(id), ..Default::default() },
            wangan_core::PageRequest::new(1, 1),
        )
        .await
        .unwrap();
        monitors.push(page.items[0].id);
    }
    let roles = [
        (Admin, None),
        (Officer, None),
        (Reviewer, None),
        (Leader, Some("alpha")),
        (UnitAdmin, Some("alpha")),
        (Auditor, None),
    ];
    let mut failures = Vec::new();
    let mut checked = 0;
    for (n, (role, unit)) in roles.into_iter().enumerate() {
        let name = format!("f-{n}");
        app.user(&name, role, unit).await;
        let b = app.browser();
        b.login(&name, PASSWORD).await;
        let csrf = b.csrf("/").await;
        for (i, target) in ["alpha", "beta"].into_iter().enumerate() {
            let hidden = matches!(role, Leader | UnitAdmin) && i == 1;
            let person = people[i].to_string();
            let system = systems[i];
            let manages = |ok: u16| {
                if hidden {
                    404
                } else if matches!(role, Admin | Officer | UnitAdmin) {
                    ok
                } else {
                    403
                }
            };
            let new_code = format!("c{n}{i}");
            let system_id = system.to_string();
            let monitor_url = format!("http://m{n}{i}.farm.test/");
            let (notice, rect, channel) = (&notices[i], rects[i], channels[i]);
            let system_ref = system.to_string();
            let approve_pick = format!("{system}|p{n}{i}.partner.example");
            let allow_domain = format!("q{n}{i}.partner.example");
            let allow_entry = wangan_core::sites::service::allow(
                &app.store,
                &wangan_core::Principal::system("test"),
                wangan_core::sites::service::AllowInput {
                    domains: vec![format!("r{n}{i}.partner.example")],
                    system_id: None,
                    note: String::new(),
                },
            )
            .await
            .unwrap()
            .added[0]
                .id;
            // Fresh enforcement records per try: a decision is taken once.
            let (to_issue, to_extend) = (proposed_order(&app, system).await, proposed_order(&app, system).await);
            let to_decide = proposed_violation(&app, system).await;
            let golive = pending_golive(&app, system).await;
            let (campaign, finding) = campaign_with_finding(&app, system).await;
            let center = |ok: u16| if matches!(role, Admin | Officer) { ok } else { 403 };
            // Readiness: the center or the unit's network admin or head works incidents and keeps the roster.
            let keeps = matches!(role, Admin | Officer | UnitAdmin | Leader);
            let works_incident = |ok: u16| {
                if hidden {
                    404
                } else if keeps {
                    ok
                } else {
                    403
                }
            };
            let incident_hidden_422 = |ok: u16| {
                if hidden {
                    422
                } else if keeps {
                    ok
                } else {
                    403
                }
            };
            let fresh_incident = || async {
                wangan_core::incidents::service::incidents::create(
                    &app.store,
                    &sys,
                    serde_json::from_value(json!({"unit": target, "title": "网页被篡改", "kind": "web_tampering",
                        "systems": [system]}))
                    .unwrap(),
                )
                .await
                .unwrap()
                .incident
                .id
            };
            let incident = fresh_incident().await;
            fresh_incident().await;
            let alert = wangan_core::duty::service::alerts::list(
                &app.store,
                &sys,
                &Default::default(),
                wangan_core::PageRequest::new(1, 1),
            )
            .await
            .unwrap()
            .items[0]
                .id;
            let now = app.store.now();
            let new_shift = || async {
                wangan_core::duty::service::shifts::create(
                    &app.store,
                    &sys,
                    serde_json::from_value(json!({"unit": target, "person_id": people[i],
                        "starts_at": now + chrono::Duration::hours(1), "ends_at": now + chrono::Duration::hours(9)}))
                    .unwrap(),
                )
                .await
                .unwrap()
                .id
            };
            let shift = new_shift().await;
            let swap_shift = new_shift().await.to_string();
            let second = seconds[i].to_string();
            let swap = wangan_core::duty::service::shifts::request_swap(
                &app.store,
                &sys,
                new_shift().await,
                serde_json::from_value(json!({"to_person_id": seconds[i], "reason": "出差"})).unwrap(),
            )
            .await
            .unwrap()
            .id;
            let day = now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
            let (today, later) = (day.to_string(), (day + chrono::Duration::days(3)).to_string());
            let period = wangan_core::key_periods::service::create(
                &app.store,
                &sys,
                serde_json::from_value(json!({"title": "重保", "kind": "exams", "starts_on": today, "ends_on": later,
                    "units": [target]}))
                .unwrap(),
            )
            .await
            .unwrap()
            .period
            .id;
            // The unit registers: fresh records per try (an action is done once, a line deleted once).
            let record = |p: &'static str| {
                let app = &app;
                async move { register_record(app, p, target, system, people[i]).await }
            };
            let plan = record("/plans/{id}").await.0;
            let (drill, action) = record("/drills/{id}/actions/{action_id}/done").await;
            let policy = record("/policies/{id}").await.0;
            let entry = record("/personal-data/{id}").await.0;
            let request = record("/data-requests/{id}").await.0;
            let (line, line2) = (record("/budget/{id}").await.0, record("/budget/{id}").await.0);
            let certificate = record("/certificates/{id}").await.0;
            let system_id_text = system.to_string();
            let person_text = people[i].to_string();
            let decides = |ok: u16| {
                if hidden {
                    404
                } else if matches!(role, Admin | Officer) {
                    ok
                } else {
                    403
                }
            };
            let works = |ok: u16| {
                if hidden {
                    404
                } else if matches!(role, Admin | UnitAdmin) {
                    ok
                } else {
                    403
                }
            };
            // (path, form, status wanted). Successful posts redirect (303);
            // the delete of a unit that still has people is refused (422 page).
            let cases: Vec<FormCase> = vec![
                (
                    "/units".into(),
                    vec![("code", &new_code), ("name", "新单位"), ("kind", "office")],
                    if role == Admin { 303 } else { 403 },
                ),
                (
                    format!("/units/{target}"),
                    vec![("code", target), ("name", "改名"), ("name_en", ""), ("kind", "college"), ("parent", "")],
                    if hidden {
                        404
                    } else if role == Admin {
                        303
                    } else {
                        403
                    },
                ),
                (
                    format!("/units/{target}/delete"),
                    vec![],
                    if hidden {
                        404
                    } else if role == Admin {
                        422
                    } else {
                        403
                    },
                ),
                (
                    format!("/units/{target}/responsibilities"),
                    vec![("first", &person), ("main", ""), ("direct", "")],
                    if hidden {
                        404
                    } else if matches!(role, Admin | Officer | Leader) {
                        303
                    } else {
                        403
                    },
                ),
                (
                    "/people".into(),
                    vec![("name", "新人"), ("unit", target)],
                    if hidden {
                        422
                    } else if matches!(role, Admin | Officer | UnitAdmin) {
                        303
                    } else {
                        403
                    },
                ),
                (
                    format!("/people/{person}"),
                    vec![("name", "改名"), ("unit", target), ("title", "教师")],
                    if hidden {
                        404
                    } else if matches!(role, Admin | Officer | UnitAdmin) {
                        303
                    } else {
                        403
                    },
                ),
                (
                    "/leadership".into(),
                    vec![("person_id", &person), ("position", "deputy")],
                    if role == Admin { 303 } else { 403 },
                ),
                (format!("/leadership/{}/delete", member + 1000), vec![], if role == Admin { 404 } else { 403 }),
                (
                    "/users".into(),
                    vec![("username", &new_code), ("role", "auditor"), ("password", "Initial-Pass-2026")],
                    if role == Admin { 303 } else { 403 },
                ),
                (
                    "/systems".into(),
                    vec![("name", "新系统"), ("kind", "website"), ("unit", target), ("hosting", "campus")],
                    if hidden {
                        422
                    } else if matches!(role, Admin | Officer | UnitAdmin) {
                        303
                    } else {
                        403
                    },
                ),
                (
                    format!("/systems/{system}"),
                    vec![("name", "改名的系统"), ("kind", "website"), ("unit", target), ("hosting", "cloud")],
                    manages(303),
                ),
                (format!("/systems/{system}/filing"), vec![("status", "none")], manages(303)),
                (
                    format!("/systems/{system}/protections"),
                    vec![("firewall", "on"), ("firewall_product", "防火墙")],
                    manages(303),
                ),
                (format!("/systems/{system}/mlps"), vec![("level", "2"), ("graded_on", "2026-01-05")], manages(303)),
                (
                    format!("/systems/{system}/evaluations"),
                    vec![("agency", "测评中心"), ("evaluated_on", "2026-02-01"), ("result", "good"), ("score", "85")],
                    manages(303),
                ),
                // From `building`, `offline` is no step: the page comes back with the reason (409).
                (format!("/systems/{system}/transition"), vec![("to", "offline")], manages(409)),
                (format!("/systems/{system}/delete"), vec![], manages(409)),
                (
                    "/users/grant-role".into(),
                    vec![("username", "victim"), ("role", "leader"), ("unit", target)],
                    if role == Admin { 303 } else { 403 },
                ),
                (
                    "/notices".into(),
                    vec![("source", "edusrc"), ("title", "新通报"), ("severity", "low"), ("systems", &system_ref)],
                    if matches!(role, Admin | Officer) { 303 } else { 403 },
                ),
                (
                    format!("/notices/{notice}"),
                    vec![("title", "改标题"), ("severity", "high"), ("deadline", ""), ("add_systems", "")],
                    if hidden {
                        404
                    } else if matches!(role, Admin | Officer) {
                        303
                    } else {
                        403
                    },
                ),
                (format!("/rectifications/{rect}/report"), vec![("measures", "草稿"), ("action", "save")], works(303)),
                // In progress: approving and reviewing are refused once authorized (409).
                (
                    format!("/rectifications/{rect}/approve"),
                    vec![],
                    if hidden {
                        404
                    } else if matches!(role, Admin | Leader) {
                        409
                    } else {
                        403
                    },
                ),
                (
                    format!("/rectifications/{rect}/review"),
                    vec![("decision", "accept")],
                    if hidden {
                        404
                    } else if matches!(role, Admin | Officer) {
                        409
                    } else {
                        403
                    },
                ),
                (
                    "/channels".into(),
                    vec![
                        ("owner_kind", "unit"),
                        ("owner", target),
                        ("kind", "feishu"),
                        ("target", "http://127.0.0.1:9/f"),
                    ],
                    manages(303),
                ),
                (format!("/channels/{channel}"), vec![("enabled", "true")], manages(303)),
                (format!("/deliveries/{queued}/retry"), vec![], if role == Admin { 409 } else { 403 }),
                (
                    "/monitors".into(),
                    vec![("system", &system_id), ("url", &monitor_url), ("interval_s", "300")],
                    if matches!(role, Admin | Officer) { 303 } else { 403 },
                ),
                (
                    format!("/monitors/{}", monitors[i]),
                    vec![("interval_s", "600"), ("check_availability", "on")],
                    if hidden {
                        404
                    } else if matches!(role, Admin | Officer) {
                        303
                    } else {
                        403
                    },
                ),
                // The test server fetches no page: accepting is refused (409) once authorized.
                (format!("/monitors/{}/baseline", monitors[i]), vec![("note", "确认")], manages(409)),
                // The whole site: the center approves domains and keeps the allow-list; a system
                // inside the institution has no 双非 decision to take (409 once authorized).
                (
                    "/sites/outbound/approve".into(),
                    vec![("pick", &approve_pick), ("scope", "institution"), ("note", "合作院校")],
                    if matches!(role, Admin | Officer) { 303 } else { 403 },
                ),
                (
                    "/sites/allow".into(),
                    vec![("domains", &allow_domain), ("note", "")],
                    if matches!(role, Admin | Officer) { 303 } else { 403 },
                ),
                (
                    format!("/sites/allow/{allow_entry}/delete"),
                    vec![],
                    if matches!(role, Admin | Officer) { 303 } else { 403 },
                ),
                (
                    format!("/systems/{system}/outside"),
                    vec![("decision", "accepted"), ("note", "经批准的云托管")],
                    if hidden {
                        404
                    } else if matches!(role, Admin | Officer) {
                        409
                    } else {
                        403
                    },
                ),
                (
                    format!("/golive-requests/{golive}/decide"),
                    vec![("decision", "refuse"), ("note", "材料不全")],
                    decides(303),
                ),
                // The form above made the system an intranet one (no certificate needed). The center
                // refused the waiting request, so it may ask again; the unit's own still waits (409).
                (
                    format!("/systems/{system}/golive"),
                    vec![("note", "申请上线")],
                    if hidden {
                        404
                    } else {
                        match role {
                            Admin | Officer => 303,
                            UnitAdmin => 409,
                            _ => 403,
                        }
                    },
                ),
                (format!("/shutdown-orders/{to_issue}/issue"), vec![("note", "立即关停")], decides(303)),
                // No new deadline: refused with the form once authorized (422).
                (format!("/shutdown-orders/{to_extend}/extend"), vec![("deadline", ""), ("reason", "")], decides(422)),
                (
                    "/violations".into(),
                    vec![("unit", target), ("category", "false_data"), ("description", "填报数据与实际不符")],
                    if matches!(role, Admin | Officer | Reviewer) { 303 } else { 403 },
                ),
                (
                    format!("/violations/{to_decide}/decide"),
                    vec![("decision", "confirm"), ("note", "属实")],
                    decides(303),
                ),
                // Mechanisms (issue 15): the center launches, verifies, opens notices, sends.
                (
                    "/campaigns".into(),
                    vec![("title", "专项检查"), ("checklist_id", "1"), ("due_on", "2099-01-01"), ("units", target)],
                    center(303),
                ),
                (
                    format!("/campaigns/{campaign}/verify"),
                    vec![
                        ("system_id", &system_id),
                        ("unit", target),
                        ("item", "1.2"),
                        ("answer", "fail"),
                        ("comment", "不符"),
                    ],
                    decides(303),
                ),
                (format!("/campaigns/{campaign}/answers/{finding}/notice"), vec![("severity", "low")], decides(303)),
                // Nothing answered but one item: submitting is refused (422 page) once permitted.
                (format!("/campaigns/{campaign}/units/{target}/submit"), vec![("note", "")], works(422)),
                // Nothing submitted: approving is refused (409) once permitted.
                (
                    format!("/campaigns/{campaign}/units/{target}/decide"),
                    vec![("decision", "approve"), ("note", "")],
                    if hidden {
                        404
                    } else if matches!(role, Admin | Leader) {
                        409
                    } else {
                        403
                    },
                ),
                (
                    "/campaign-schedules".into(),
                    vec![
                        ("title", "年度自查"),
                        ("checklist_family", "self_inspection"),
                        ("rule", "yearly:03-01"),
                        ("due_days", "30"),
                    ],
                    center(303),
                ),
                (
                    "/data-calls".into(),
                    vec![("title", "调查"), ("fields", "机房数量 | 数字 | | 必填"), ("due_on", "2099-01-01")],
                    center(303),
                ),
                ("/warnings/parse".into(), vec![("bulletin", "【高危】某漏洞预警")], center(200)),
                (
                    "/checklists/1/versions".into(),
                    vec![("title", "自查表（修订）"), ("items", "1 | 备案 | 已办理公安备案 | 查看备案证明 | 是")],
                    center(303),
                ),
                // Confirmed by the form above: its correction is recorded.
                (format!("/violations/{to_decide}/correct"), vec![("note", "已改正")], decides(303)),
                (
                    format!("/violations/{to_decide}/criticize"),
                    vec![("note", "")],
                    if hidden {
                        404
                    } else if role == Admin {
                        409
                    } else {
                        403
                    },
                ),
                // Readiness (issue 16).
                (
                    "/incidents".into(),
                    vec![("unit", target), ("title", "事件"), ("kind", "malware")],
                    incident_hidden_422(303),
                ),
                (format!("/incidents/{incident}/update"), vec![("impact", "影响一台服务器")], works_incident(303)),
                (
                    format!("/incidents/{incident}/steps"),
                    vec![("step", "contained"), ("note", "已断网")],
                    works_incident(303),
                ),
                (format!("/incidents/{incident}/supplements"), vec![("text", "续报")], works_incident(303)),
                // No file sent: refused with the form (422) once permitted.
                (format!("/incidents/{incident}/evidence"), vec![("description", "截图")], works_incident(422)),
                (format!("/incidents/{incident}/grade"), vec![("grade", "general")], decides(303)),
                (
                    format!("/incidents/{incident}/close"),
                    vec![("cause", "弱口令"), ("measures", "改口令")],
                    decides(303),
                ),
                (format!("/duty/alerts/{alert}/acknowledge"), vec![], works_incident(303)),
                (
                    "/duty/shifts".into(),
                    vec![
                        ("unit", target),
                        ("person_id", &person),
                        ("starts_at", "2099-01-01T08:00"),
                        ("ends_at", "2099-01-01T20:00"),
                    ],
                    incident_hidden_422(303),
                ),
                (
                    "/duty/rotas".into(),
                    vec![
                        ("unit", target),
                        ("starts_on", "2099-02-01"),
                        ("weeks", "1"),
                        ("handover", "08:30"),
                        ("people", &person),
                    ],
                    incident_hidden_422(303),
                ),
                (format!("/duty/shifts/{shift}/delete"), vec![], works_incident(303)),
                (
                    "/duty/swaps".into(),
                    vec![("shift_id", &swap_shift), ("to_person_id", &second), ("reason", "出差")],
                    works_incident(303),
                ),
                (
                    format!("/duty/swaps/{swap}/decision"),
                    vec![("decision", "approve")],
                    if hidden {
                        404
                    } else if matches!(role, Admin | Officer | Leader) {
                        303
                    } else {
                        403
                    },
                ),
                ("/duty/handovers".into(), vec![("unit", target), ("note", "夜间无异常")], incident_hidden_422(303)),
                (
                    "/key-periods".into(),
                    vec![
                        ("title", "重保"),
                        ("kind", "exams"),
                        ("starts_on", &today),
                        ("ends_on", &later),
                        ("units", target),
                    ],
                    center(303),
                ),
                (
                    format!("/key-periods/{period}/reports"),
                    vec![("unit", target), ("zero", "1")],
                    if hidden {
                        404
                    } else if matches!(role, Admin | UnitAdmin | Leader) {
                        303
                    } else {
                        403
                    },
                ),
                (
                    "/plans".into(),
                    vec![("unit", target), ("title", "预案"), ("scenarios", "篡改"), ("contacts", "电话")],
                    incident_hidden_422(303),
                ),
                (
                    format!("/plans/{plan}"),
                    vec![("unit", target), ("title", "预案"), ("scenarios", "篡改"), ("contacts", "电话")],
                    works_incident(303),
                ),
                // No file sent: refused with the page (422) once permitted.
                (format!("/plans/{plan}/files"), vec![], works_incident(422)),
                (
                    "/drills".into(),
                    vec![
                        ("unit", target),
                        ("held_on", &today),
                        ("scenario", "演练"),
                        ("participants", "全体"),
                        ("what_happened", "处置"),
                    ],
                    incident_hidden_422(303),
                ),
                (
                    format!("/drills/{drill}/actions"),
                    vec![("description", "整改"), ("owner_person_id", &person_text), ("due_on", &later)],
                    works_incident(303),
                ),
                (format!("/drills/{drill}/actions/{action}/done"), vec![("note", "完成")], works_incident(303)),
                (format!("/drills/{drill}/files"), vec![], works_incident(422)),
                (
                    "/policies".into(),
                    vec![("unit", target), ("kind", "accounts"), ("title", "账号管理办法"), ("approved_on", &today)],
                    incident_hidden_422(303),
                ),
                (
                    "/policies/violations".into(),
                    vec![("unit", target)],
                    if matches!(role, Admin | Officer | Reviewer) { 303 } else { 403 },
                ),
                (format!("/policies/{policy}/files"), vec![], works_incident(422)),
                (
                    "/personal-data".into(),
                    vec![
                        ("system_id", &system_id_text),
                        ("categories", "姓名"),
                        ("subjects", "学生"),
                        ("purpose", "教务"),
                        ("method", "存储"),
                        ("storage_place", "机房"),
                        ("retention", "五年"),
                        ("measures", "加密"),
                    ],
                    incident_hidden_422(303),
                ),
                (format!("/personal-data/{entry}/delete"), vec![], works_incident(303)),
                (
                    "/data-requests".into(),
                    vec![
                        ("unit", target),
                        ("recipient", "合作方"),
                        ("purpose", "科研"),
                        ("fields", "姓名"),
                        ("legal_basis", "同意"),
                    ],
                    incident_hidden_422(303),
                ),
                (
                    format!("/data-requests/{request}/decision"),
                    vec![("decision", "approve")],
                    if hidden {
                        404
                    } else if matches!(role, Admin | Leader) {
                        303
                    } else {
                        403
                    },
                ),
                (
                    "/budget".into(),
                    vec![("unit", target), ("year", "2026"), ("category", "equipment"), ("planned", "1000")],
                    incident_hidden_422(303),
                ),
                (
                    format!("/budget/{line}"),
                    vec![
                        ("unit", target),
                        ("year", "2026"),
                        ("category", "equipment"),
                        ("planned", "1000"),
                        ("spent", "10"),
                    ],
                    works_incident(303),
                ),
                (format!("/budget/{line2}/delete"), vec![], works_incident(303)),
                (
                    "/trainings".into(),
                    vec![
                        ("unit", target),
                        ("kind", "awareness"),
                        ("title", "培训"),
                        ("held_on", &today),
                        ("hours", "2"),
                    ],
                    incident_hidden_422(303),
                ),
                ("/certificates".into(), vec![("person_id", &person_text), ("kind", "cisp")], incident_hidden_422(303)),
                (format!("/certificates/{certificate}/delete"), vec![], works_incident(303)),
                (
                    "/users/revoke-role".into(),
                    vec![("username", "victim"), ("role", "leader"), ("unit", target)],
                    if role == Admin { 303 } else { 403 },
                ),
                (
                    "/users/active".into(),
                    vec![("username", "victim"), ("active", "true")],
                    if role == Admin { 303 } else { 403 },
                ),
                (
                    "/users/reset-password".into(),
                    vec![("username", "victim"), ("password", "Initial-Pass-2026")],
                    if role == Admin { 303 } else { 403 },
                ),
                ("/users/totp-reset".into(), vec![("username", "victim")], if role == Admin { 303 } else { 403 }),
                // No file in the form: the empty upload is refused (422) once permitted.
                ("/people/import".into(), vec![], if matches!(role, Admin | Officer | UnitAdmin) { 422 } else { 403 }),
            ];
            for (path, mut form, want) in cases {
                form.push(("csrf", &csrf));
                let multipart = path.ends_with("/evaluations")
                    || path.ends_with("/evidence")
                    || path == "/notices"
                    || path.ends_with("/report")
                    || path.ends_with("/golive")
                    || path.ends_with("/files")
                    || path == "/people/import";
                let got = if multipart {
                    // This form carries a file, so it is multipart.
                    let mut multipart = reqwest::multipart::Form::new();
                    for (k, v) in &form {
                        multipart = multipart.text(k.to_string(), v.to_string());
                    }
                    b.client
                        .post(format!("{}{path}", b.base))
                        .multipart(multipart)
                        .send()
                        .await
                        .unwrap()
                        .status()
                        .as_u16()
                } else {
                    b.post(&path, &form).await.status().as_u16()
                };
                if got != want {
                    failures.push(format!("POST {path} as {role:?} ({target}): got {got}, want {want}"));
                }
                checked += 1;
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} checks failed:\n{}", failures.len(), failures.join("\n"));
}

/// An operation of the API document, as the matrix reads it.
struct Route<'a> {
    method: &'static str,
    path: &'a str,
    status: u16,
}
