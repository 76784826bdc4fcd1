//! Alerts on the duty ladder: an alert about a unit's system goes to the
//! person on duty for it (the unit's shift, else the center's); unless
//! acknowledged within `[duty] ack_minutes` it goes to the unit's direct
//! responsible person, then to the center. With nobody on duty it goes to
//! the direct responsible person and the center at once.

use crate::duty::entity::duty_alert;
use crate::duty::rules::{AlertRung, AlertState};
use crate::notify::Audience;
use crate::notify::service::Outbox;
use crate::notify::texts::{LOCALES, Message};
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::scope_condition;
use crate::platform::error::{CoreError, Result};
use crate::platform::page::{Page, PageRequest};
use crate::platform::store::Store;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct AlertView {
    pub id: i64,
    pub unit: String,
    pub unit_name: String,
    pub system_id: Option<i64>,
    pub event: String,
    pub subject: String,
    pub link: String,
    pub rung: AlertRung,
    /// The person on duty it went to first.
    pub on_duty: String,
    pub state: AlertState,
    pub raised_at: DateTime<Utc>,
    pub escalate_at: Option<DateTime<Utc>>,
    pub acknowledged_by: String,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub may_acknowledge: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AlertFilter {
    /// Only those not yet acknowledged.
    #[serde(default)]
    pub open: bool,
}

fn texts_json(msg: &Message) -> String {
    serde_json::to_string(&msg.texts).unwrap_or_default()
}

fn message_of(a: &duty_alert::Model) -> Message {
    let texts: Vec<(String, String)> = serde_json::from_str(&a.body).unwrap_or_default();
    let texts = if texts.len() == LOCALES.len() {
        texts
    } else {
        LOCALES.iter().map(|_| (a.subject.clone(), String::new())).collect()
    };
    Message { event: a.event.clone(), link: a.link.clone(), texts }
}

/// Raise an alert in the caller's transaction and send it to its first rung.
pub(crate) async fn raise_in<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    now: DateTime<Utc>,
    unit_id: i64,
    system_id: Option<i64>,
    msg: &Message,
    outbox: &mut Outbox,
) -> Result<i64> {
    let duty = crate::duty::service::shifts::on_duty_for(conn, now, unit_id).await?;
    let reached = match &duty {
        Some((s, _)) => outbox.add_person(conn, now, Some(unit_id), s.person_id, msg).await?,
        None => 0,
    };
    let (rung, escalate_at) = if reached > 0 {
        (AlertRung::Duty, Some(now + Duration::minutes(i64::from(store.duty_policy().ack_minutes))))
    } else {
        outbox.add(conn, now, Some(unit_id), &[Audience::Direct, Audience::Center], msg).await?;
        (AlertRung::Center, None)
    };
    let a = duty_alert::ActiveModel {
        unit_id: Set(unit_id),
        system_id: Set(system_id),
        event: Set(msg.event.clone()),
        subject: Set(msg.subject(crate::notify::texts::DEFAULT_LOCALE).chars().take(250).collect()),
        body: Set(texts_json(msg)),
        link: Set(msg.link.clone()),
        rung: Set(rung),
        person_id: Set(duty.map(|(s, _)| s.person_id)),
        state: Set(AlertState::Open),
        raised_at: Set(now),
        escalate_at: Set(escalate_at),
        acknowledged_by: Set(String::new()),
        acknowledged_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(a.id)
}

/// Climb one rung for every open alert whose time has come.
pub async fn escalate(store: &Store) -> Result<u64> {
    let now = store.now();
    let txn = store.begin_write().await?;
    let due = duty_alert::Entity::find()
        .filter(duty_alert::Column::State.eq(AlertState::Open))
        .filter(duty_alert::Column::EscalateAt.lte(now))
        .order_by_asc(duty_alert::Column::Id)
        .limit(500)
        .all(&*txn)
        .await?;
    let mut outbox = Outbox::new();
    let mut changes = Vec::new();
    let ack = Duration::minutes(i64::from(store.duty_policy().ack_minutes));
    for a in &due {
        let Some(next) = a.rung.next() else { continue };
        let audience = match next {
            AlertRung::Direct => Audience::Direct,
            _ => Audience::Center,
        };
        let mut msg = message_of(a);
        msg.event = format!("{}_escalated", a.event).chars().take(60).collect();
        for (i, (subject, _)) in msg.texts.iter_mut().enumerate() {
            let prefix = crate::notify::texts::t(LOCALES[i], "duty.escalated", &[]);
            *subject = format!("{prefix}{subject}");
        }
        let reached = outbox.add(&*txn, now, Some(a.unit_id), &[audience], &msg).await?;
        // A rung with nobody to write to is passed at once.
        let next_at = match next.next() {
            Some(_) if reached > 0 => Some(now + ack),
            Some(_) => Some(now),
            None => None,
        };
        duty_alert::Entity::update_many()
            .col_expr(duty_alert::Column::Rung, Expr::value(next))
            .col_expr(duty_alert::Column::EscalateAt, Expr::value(next_at))
            .filter(duty_alert::Column::Id.eq(a.id))
            .exec(&*txn)
            .await?;
        changes.push(
            Change::updated("duty_alert", a.id, Some(a.unit_id), json!({"rung": a.rung}), json!({"rung": next}))
                .with_action("escalate"),
        );
    }
    outbox.flush(&*txn).await?;
    audit::append_many(&*txn, now, &Actor::system("duty"), changes).await?;
    txn.commit().await?;
    Ok(due.len() as u64)
}

fn may_acknowledge(who: &Principal, a: &duty_alert::Model) -> bool {
    a.state == AlertState::Open
        && (who.may(Permission::ManageDuty(a.unit_id)) || (who.person_id.is_some() && who.person_id == a.person_id))
}

async fn views<C: ConnectionTrait>(conn: &C, who: &Principal, rows: Vec<duty_alert::Model>) -> Result<Vec<AlertView>> {
    let units = crate::directory::service::units::by_ids(conn, rows.iter().map(|a| a.unit_id)).await?;
    let people: std::collections::HashMap<i64, String> = crate::directory::entity::person::Entity::find()
        .select_only()
        .columns([crate::directory::entity::person::Column::Id, crate::directory::entity::person::Column::Name])
        .filter(
            crate::directory::entity::person::Column::Id
                .is_in(rows.iter().filter_map(|a| a.person_id).collect::<Vec<_>>()),
        )
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|a| {
            let u = units.get(&a.unit_id);
            AlertView {
                may_acknowledge: may_acknowledge(who, &a),
                id: a.id,
                unit: u.map(|u| u.code.clone()).unwrap_or_default(),
                unit_name: u.map(|u| u.name.clone()).unwrap_or_default(),
                system_id: a.system_id,
                event: a.event,
                subject: a.subject,
                link: a.link,
                rung: a.rung,
                on_duty: a.person_id.and_then(|p| people.get(&p).cloned()).unwrap_or_default(),
                state: a.state,
                raised_at: a.raised_at,
                escalate_at: a.escalate_at,
                acknowledged_by: a.acknowledged_by,
                acknowledged_at: a.acknowledged_at,
            }
        })
        .collect())
}

pub async fn list(store: &Store, who: &Principal, f: &AlertFilter, page: PageRequest) -> Result<Page<AlertView>> {
    let conn = store.db();
    let mut q = duty_alert::Entity::find().filter(scope_condition(&who.scope(), duty_alert::Column::UnitId));
    if f.open {
        q = q.filter(duty_alert::Column::State.eq(AlertState::Open));
    }
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_desc(duty_alert::Column::RaisedAt)
        .order_by_desc(duty_alert::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?;
    Ok(Page { items: views(conn, who, rows).await?, total, page: page.page(), per_page: page.per_page() })
}

/// Acknowledge an alert: it climbs no further.
pub async fn acknowledge(store: &Store, who: &Principal, id: i64) -> Result<AlertView> {
    let txn = store.begin_write().await?;
    let a = duty_alert::Entity::find_by_id(id)
        .filter(scope_condition(&who.scope(), duty_alert::Column::UnitId))
        .one(&*txn)
        .await?
        .ok_or(CoreError::NotFound)?;
    if !(who.may(Permission::ManageDuty(a.unit_id)) || (who.person_id.is_some() && who.person_id == a.person_id)) {
        return Err(CoreError::Forbidden);
    }
    if a.state != AlertState::Open {
        return Err(CoreError::Conflict("alert_acknowledged"));
    }
    let now = store.now();
    duty_alert::Entity::update_many()
        .col_expr(duty_alert::Column::State, Expr::value(AlertState::Acknowledged))
        .col_expr(duty_alert::Column::AcknowledgedBy, Expr::value(who.username.clone()))
        .col_expr(duty_alert::Column::AcknowledgedAt, Expr::value(Some(now)))
        .col_expr(duty_alert::Column::EscalateAt, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(duty_alert::Column::Id.eq(id))
        .exec(&*txn)
        .await?;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::updated(
            "duty_alert",
            id,
            Some(a.unit_id),
            json!({"state": AlertState::Open}),
            json!({"state": AlertState::Acknowledged}),
        )
        .with_action("acknowledge"),
    )
    .await?;
    let a = duty_alert::Entity::find_by_id(id).one(&*txn).await?.ok_or(CoreError::NotFound)?;
    let v = views(&*txn, who, vec![a]).await?;
    txn.commit().await?;
    v.into_iter().next().ok_or(CoreError::NotFound)
}
