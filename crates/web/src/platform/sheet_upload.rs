//! A spreadsheet sent to a register, all rows or none, as the API and the
//! pages answer it (the pipeline itself is `wangan_core::platform::sheet_import`).

use crate::platform::error::{ApiResult, WebError};
use crate::platform::extract::PageUser;
use crate::platform::form::MultipartForm;
use crate::platform::page::{OrPage, PageRejection};
use crate::registry::inventory_text as text;
use axum::Json;
use wangan_core::Store;
use wangan_core::platform::access::Principal;
use wangan_core::platform::sheet_import::{self, SheetImport, Unreadable};
use wangan_core::registry::service::inventory::{ImportMode, ImportReport};

/// The API: the body is the file; the report of every row, or 422 when the
/// file gives no rows to check.
pub async fn api<R: SheetImport>(
    store: &Store,
    who: &Principal,
    body: &[u8],
    dry_run: bool,
) -> ApiResult<Json<ImportReport>> {
    let mode = if dry_run { ImportMode::DryRun } else { ImportMode::AllOrNothing };
    match sheet_import::run::<R>(store, who, body, mode).await? {
        Ok(report) => Ok(Json(report)),
        Err(u) => Err(WebError::Sheet(u).into()),
    }
}

/// A page's upload: `Ok(None)` when every row was written; else the lines
/// to show in the user's language — why the file gave no rows, or the rows
/// with problems (the first few, and how many more), and that nothing was
/// written. The file is the form's first; an error is the page's.
pub async fn page<R: SheetImport>(
    store: &Store,
    user: &PageUser,
    form: &MultipartForm,
) -> Result<Option<Vec<String>>, PageRejection> {
    let m = crate::platform::i18n::msg(crate::platform::page::locale_of(&user.principal));
    let Some(file) = form.files.first() else { return Ok(Some(vec![m.t("import.empty").to_owned()])) };
    let outcome: Result<ImportReport, Unreadable> =
        sheet_import::run::<R>(store, &user.principal, &file.bytes, ImportMode::AllOrNothing).await.or_page(user)?;
    Ok(match outcome {
        Err(u) => Some(vec![text::unreadable(&m, &u)]),
        Ok(report) if report.written => None,
        Ok(report) => {
            let failed: Vec<_> = report.lines.iter().filter(|l| !l.problems.is_empty()).collect();
            let mut out: Vec<String> = failed.iter().take(text::SHOWN_LINES).map(|l| text::line(&m, l)).collect();
            if failed.len() > text::SHOWN_LINES {
                let more = (failed.len() - text::SHOWN_LINES).to_string();
                out.push(m.fmt("import.hidden_problems", &[("count", &more)]));
            }
            out.push(m.t("import.nothing_written").to_owned());
            Some(out)
        }
    })
}
