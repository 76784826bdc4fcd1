//! The documents kept with plans, drills and rules: a plan's text, a
//! drill's records, a rule as approved. Any number per record, newest last.

use super::{may_keep, require_visible};
use crate::platform::access::Principal;
use crate::platform::audit::{self, Actor, Change};
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::store::Store;
use crate::platform::uploads::{self, AttachmentView, Upload};
use crate::registers::RecordKind;
use crate::registers::entity::{drill, emergency_plan, policy, register_file};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;
use std::collections::HashMap;

/// The unit of the record (`None`: the university's); `NotFound` when there is no such record.
pub(crate) async fn record_unit<C: ConnectionTrait>(conn: &C, kind: RecordKind, id: i64) -> Result<Option<i64>> {
    let unit = match kind {
        RecordKind::Plan => emergency_plan::Entity::find_by_id(id).one(conn).await?.map(|r| r.unit_id),
        RecordKind::Drill => drill::Entity::find_by_id(id).one(conn).await?.map(|r| r.unit_id),
        RecordKind::Policy => policy::Entity::find_by_id(id).one(conn).await?.map(|r| Some(r.unit_id)),
    };
    unit.ok_or(CoreError::NotFound)
}

/// The files of records of one kind, by record.
pub(crate) async fn of<C: ConnectionTrait>(
    conn: &C,
    kind: RecordKind,
    ids: Vec<i64>,
) -> Result<HashMap<i64, Vec<AttachmentView>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = register_file::Entity::find()
        .filter(register_file::Column::RecordKind.eq(kind.as_str()))
        .filter(register_file::Column::RecordId.is_in(ids))
        .order_by_asc(register_file::Column::Id)
        .all(conn)
        .await?;
    let views: HashMap<i64, AttachmentView> = uploads::views(conn, rows.iter().map(|r| r.attachment_id).collect())
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let mut out: HashMap<i64, Vec<AttachmentView>> = HashMap::new();
    for r in rows {
        if let Some(v) = views.get(&r.attachment_id) {
            out.entry(r.record_id).or_default().push(AttachmentView { id: r.id, ..v.clone() });
        }
    }
    Ok(out)
}

/// Keep a file with a record (who may keep the record). The files'
/// ids in the answer are the record's file ids.
pub async fn attach(
    store: &Store,
    who: &Principal,
    kind: RecordKind,
    id: i64,
    up: Upload,
) -> Result<Vec<AttachmentView>> {
    let unit = record_unit(store.db(), kind, id).await?;
    require_visible(who, unit)?;
    if !may_keep(who, unit) {
        return Err(CoreError::Forbidden);
    }
    let mut errors = Vec::new();
    let checked = uploads::check("file", &up, &mut errors);
    let Some((up, ct)) = checked else {
        if errors.is_empty() {
            errors.push(FieldError::new("file", "required"));
        }
        return Err(CoreError::Invalid(errors));
    };
    let txn = store.begin_write().await?;
    let now = store.now();
    let aid = uploads::save(store, &*txn, who, up, ct).await?;
    let f = register_file::ActiveModel {
        record_kind: Set(kind.as_str().to_owned()),
        record_id: Set(id),
        attachment_id: Set(aid),
        added_by: Set(who.username.clone()),
        added_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::event("attach", kind.as_str(), id, unit)
            .with_after(json!({"file": crate::platform::attachments::clean_name(&up.file_name), "file_id": f.id})),
    )
    .await?;
    let out = of(&*txn, kind, vec![id]).await?.remove(&id).unwrap_or_default();
    txn.commit().await?;
    Ok(out)
}

/// A file kept with a record: (name, content type, bytes).
pub async fn read(
    store: &Store,
    who: &Principal,
    kind: RecordKind,
    id: i64,
    file_id: i64,
) -> Result<(String, String, Vec<u8>)> {
    let conn = store.db();
    let unit = record_unit(conn, kind, id).await?;
    require_visible(who, unit)?;
    let f = register_file::Entity::find_by_id(file_id)
        .filter(register_file::Column::RecordKind.eq(kind.as_str()))
        .filter(register_file::Column::RecordId.eq(id))
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound)?;
    uploads::read(store, conn, f.attachment_id).await
}
