//! Yearly document numbers (文号): 〔2026〕第015号. Each kind counts from 1
//! in each year; the number is taken in the caller's transaction, so a
//! rolled-back document gives its number back.

use crate::platform::entity::document_number;
use crate::platform::error::Result;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

/// The kinds of numbered documents.
pub const RECTIFICATION_REPORT: &str = "rectification_report";
pub const SHUTDOWN_NOTICE: &str = "shutdown_notice";
pub const CRITICISM: &str = "criticism";

/// A number as official documents write it.
pub fn format(year: i32, n: i32) -> String {
    format!("〔{year}〕第{n:03}号")
}

/// The next number of `kind` in `year`, formatted.
pub async fn next<C: ConnectionTrait>(conn: &C, kind: &str, year: i32) -> Result<String> {
    let n = match document_number::Entity::find_by_id((kind.to_owned(), year)).one(conn).await? {
        Some(row) => {
            let n = row.last + 1;
            let mut am: document_number::ActiveModel = row.into();
            am.last = Set(n);
            am.update(conn).await?;
            n
        }
        None => {
            document_number::ActiveModel { kind: Set(kind.to_owned()), year: Set(year), last: Set(1) }
                .insert(conn)
                .await?;
            1
        }
    };
    Ok(format(year, n))
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_read_as_official_documents_write_them() {
        assert_eq!(super::format(2026, 15), "〔2026〕第015号");
        assert_eq!(super::format(2027, 1), "〔2027〕第001号");
        assert_eq!(super::format(2026, 1234), "〔2026〕第1234号");
    }
}
