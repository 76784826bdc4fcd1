//! The accountability rules engine: one pass over the facts proposes the
//! behaviours of §三(四) the facts show (一 not filed, 二 measures missing,
//! 三 no inspection by a campaign's due date, 四 not graded, 五 a shutdown
//! order), each once with what was seen, and marks corrected the rule-raised
//! violations whose facts are gone. `false_data` is only ever proposed by a
//! person. Run by the background runner beside the escalation pass.

use crate::enforcement::rules::{self, Fact, Standing};
use crate::inspections::SubmissionState;
use crate::inspections::entity::{campaign, campaign_unit};
use crate::notices::entity::{shutdown_order, violation};
use crate::notices::{ShutdownOrderState, ViolationCategory, ViolationState};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::error::Result;
use crate::platform::store::Store;
use crate::registry::Stage;
use crate::registry::entity::{protection, system};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set, sea_query::Expr};
use serde_json::json;
use std::collections::HashMap;

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct EnginePass {
    /// Facts seen (one per behaviour and subject).
    pub facts: usize,
    /// Violations proposed by this pass.
    pub proposed: usize,
    /// Rule-raised violations whose facts were found corrected.
    pub corrected: usize,
}

/// Every fact the rules see today.
async fn facts(store: &Store) -> Result<Vec<Fact>> {
    let conn = store.db();
    let today = store.now().with_timezone(&store.notice_policy().time_zone).date_naive();
    let gates = &store.registry_policy().gates;
    let mut out = Vec::new();

    // 一、二、四: online internet-facing systems.
    let systems = system::Entity::find()
        .select_only()
        .columns([
            system::Column::Id,
            system::Column::UnitId,
            system::Column::Name,
            system::Column::Kind,
            system::Column::FilingStatus,
            system::Column::MlpsLevel,
        ])
        .filter(system::Column::Stage.eq(Stage::Online))
        .filter(system::Column::InternetFacing.eq(true))
        .into_tuple::<(i64, i64, String, crate::registry::SystemKind, crate::registry::FilingStatus, Option<i32>)>()
        .all(conn)
        .await?;
    let mut protections: HashMap<i64, Vec<crate::registry::ProtectionKind>> = HashMap::new();
    for (sid, kind) in protection::Entity::find()
        .select_only()
        .columns([protection::Column::SystemId, protection::Column::Kind])
        .into_tuple::<(i64, crate::registry::ProtectionKind)>()
        .all(conn)
        .await?
    {
        protections.entry(sid).or_default().push(kind);
    }
    for (id, unit_id, name, kind, filing_status, mlps_level) in systems {
        let f = rules::SystemFacts {
            stage: Stage::Online,
            kind,
            internet_facing: true,
            filing_status,
            mlps_level,
            protections: protections.remove(&id).unwrap_or_default(),
        };
        for (category, seen) in rules::system_violations(&f, gates) {
            out.push(Fact {
                key: rules::rule_key(category, "system", id),
                unit_id,
                category,
                system_id: Some(id),
                rectification_id: None,
                description: format!("{name}：{seen}"),
            });
        }
    }

    // 三: a campaign's due date passed without the unit head's approval.
    let campaigns: HashMap<i64, campaign::Model> = campaign::Entity::find()
        .filter(campaign::Column::DueOn.lt(today))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    if !campaigns.is_empty() {
        let late = campaign_unit::Entity::find()
            .filter(campaign_unit::Column::CampaignId.is_in(campaigns.keys().copied()))
            .filter(campaign_unit::Column::State.ne(SubmissionState::Approved))
            .all(conn)
            .await?;
        for cu in late {
            let Some(c) = campaigns.get(&cu.campaign_id) else { continue };
            out.push(Fact {
                key: format!("{}:campaign:{}:unit:{}", ViolationCategory::NoInspection, c.id, cu.unit_id),
                unit_id: cu.unit_id,
                category: ViolationCategory::NoInspection,
                system_id: None,
                rectification_id: None,
                description: format!(
                    "未在 {} 前完成检查工作「{}」并经单位负责人审核",
                    c.due_on.format("%Y-%m-%d"),
                    c.title
                ),
            });
        }
    }

    // 五: a rectification past its deadline and grace, whose system was (or is to be) shut down.
    for o in shutdown_order::Entity::find()
        .filter(shutdown_order::Column::State.is_in([ShutdownOrderState::Proposed, ShutdownOrderState::Issued]))
        .all(conn)
        .await?
    {
        out.push(Fact {
            key: rules::rule_key(ViolationCategory::RefusedRectification, "rectification", o.rectification_id),
            unit_id: o.unit_id,
            category: ViolationCategory::RefusedRectification,
            system_id: Some(o.system_id),
            rectification_id: Some(o.rectification_id),
            description: format!("接到整改通知后逾期未整改，系统被责令关停（整改单 {}）", o.rectification_id),
        });
    }
    Ok(out)
}

/// One pass of the rules over every fact.
pub async fn run_once(store: &Store) -> Result<EnginePass> {
    let found = facts(store).await?;
    let txn = store.begin_write().await?;
    let standing: Vec<Standing> = violation::Entity::find()
        .select_only()
        .columns([violation::Column::Id, violation::Column::RuleKey])
        .filter(violation::Column::RuleKey.ne(""))
        .filter(violation::Column::CorrectedAt.is_null())
        .into_tuple::<(i64, String)>()
        .all(&*txn)
        .await?
        .into_iter()
        .map(|(id, key)| Standing { id, key })
        .collect();
    let mut pass = EnginePass { facts: found.len(), ..Default::default() };
    let (new, corrected) = rules::plan(found, &standing);
    let now = store.now();
    let mut changes = Vec::with_capacity(new.len() + corrected.len());
    for f in new {
        let v = violation::ActiveModel {
            unit_id: Set(f.unit_id),
            category: Set(f.category),
            legacy_category: Set(String::new()),
            state: Set(ViolationState::Proposed),
            decided_by: Set(String::new()),
            decided_at: Set(None),
            decision_note: Set(String::new()),
            system_id: Set(f.system_id),
            rectification_id: Set(f.rectification_id),
            description: Set(f.description.clone()),
            raised_by: Set(RULES.into()),
            occurred_at: Set(now),
            created_at: Set(now),
            rule_key: Set(f.key.clone()),
            correct_by: Set(None),
            corrected_at: Set(None),
            criticism_no: Set(String::new()),
            criticized_by: Set(String::new()),
            criticized_at: Set(None),
            ..Default::default()
        }
        .insert(&*txn)
        .await?;
        changes.push(
            Change::created(
                "violation",
                v.id,
                Some(f.unit_id),
                json!({"category": f.category, "state": ViolationState::Proposed, "description": f.description,
                    "system_id": f.system_id, "rule": f.key}),
            )
            .with_action("propose"),
        );
        pass.proposed += 1;
    }
    if !corrected.is_empty() {
        let rows = violation::Entity::find().filter(violation::Column::Id.is_in(corrected.clone())).all(&*txn).await?;
        for chunk in corrected.chunks(500) {
            violation::Entity::update_many()
                .col_expr(violation::Column::CorrectedAt, Expr::value(now))
                .filter(violation::Column::Id.is_in(chunk.to_vec()))
                .exec(&*txn)
                .await?;
        }
        for v in rows {
            changes.push(
                Change::updated(
                    "violation",
                    v.id,
                    Some(v.unit_id),
                    json!({"corrected_at": null}),
                    json!({"corrected_at": now}),
                )
                .with_action("corrected"),
            );
        }
        pass.corrected = corrected.len();
    }
    audit::append_many(&*txn, now, &Actor::system(RULES), changes).await?;
    txn.commit().await?;
    Ok(pass)
}

/// Who proposed a violation when the rules engine did.
pub const RULES: &str = "rules";
