//! Files sent with forms, kept as attachments (content-addressed files plus a row).

use crate::platform::access::Principal;
use crate::platform::entity::attachment;
use crate::platform::error::{FieldError, Result};
use crate::platform::store::Store;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use serde::Serialize;

/// A file sent with a form.
#[derive(Debug, Clone, Default)]
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// An accepted upload's content type, or a field error.
pub(crate) fn check<'a>(
    field: &str,
    up: &'a Upload,
    errors: &mut Vec<FieldError>,
) -> Option<(&'a Upload, &'static str)> {
    if up.bytes.is_empty() {
        return None;
    }
    if up.bytes.len() > crate::platform::attachments::MAX_BYTES {
        errors.push(FieldError::new(field, "file_too_large"));
        return None;
    }
    match crate::platform::attachments::sniff(&up.bytes) {
        Some(ct) => Some((up, ct)),
        None => {
            errors.push(FieldError::new(field, "file_type"));
            None
        }
    }
}

/// Keep a checked upload; returns the attachment's id.
pub(crate) async fn save<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    who: &Principal,
    up: &Upload,
    content_type: &str,
) -> Result<i64> {
    // Content-addressed: a file left behind by a failed transaction is only a duplicate-free blob.
    let sha = store.attachments()?.put(&up.bytes)?;
    let a = attachment::ActiveModel {
        sha256: Set(sha),
        file_name: Set(crate::platform::attachments::clean_name(&up.file_name)),
        content_type: Set(content_type.to_owned()),
        size: Set(i64::try_from(up.bytes.len()).unwrap_or(i64::MAX)),
        uploaded_by: Set((who.user_id != 0).then_some(who.user_id)),
        created_at: Set(store.now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(a.id)
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct AttachmentView {
    pub id: i64,
    pub file_name: String,
    pub size: i64,
}

pub(crate) async fn views<C: ConnectionTrait>(conn: &C, ids: Vec<i64>) -> Result<Vec<AttachmentView>> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(attachment::Entity::find()
        .filter(attachment::Column::Id.is_in(ids))
        .order_by_asc(attachment::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|a| AttachmentView { id: a.id, file_name: a.file_name, size: a.size })
        .collect())
}

/// (file name, content type, bytes) of an attachment.
pub(crate) async fn read<C: ConnectionTrait>(store: &Store, conn: &C, id: i64) -> Result<(String, String, Vec<u8>)> {
    let a = attachment::Entity::find_by_id(id).one(conn).await?.ok_or(crate::platform::error::CoreError::NotFound)?;
    let bytes = store.attachments()?.get(&a.sha256)?;
    Ok((a.file_name, a.content_type, bytes))
}
