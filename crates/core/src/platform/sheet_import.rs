//! The sheet-import pipeline, one for every register that is filled from a
//! spreadsheet: bytes → sheet (`wangan-office`) → parsed rows with their
//! problems (the register's pure rules) → checked and written (its service)
//! → one report. The command line, the API and the pages all call `run`.
//!
//! A register joins by implementing [`SheetImport`] for a marker type.

use crate::platform::access::Principal;
use crate::platform::error::{CoreError, Result};
use crate::platform::store::Store;
use crate::registry::rules::inventory::{Problem, SheetProblem};
use crate::registry::service::inventory::{ImportMode, ImportReport};
use wangan_office::{OfficeError, Sheet};

/// Why a file gave no rows to check: it is not a spreadsheet we read, or
/// the sheet lacks what the register needs (columns, rows).
#[derive(Debug)]
pub enum Unreadable {
    File(OfficeError),
    Sheet(SheetProblem),
}

/// A sheet's rows, each with the problems found in its cells.
pub type Rows<R> = Vec<(R, Vec<Problem>)>;

/// A register that can be filled from a spreadsheet.
pub trait SheetImport {
    type Row;

    /// The rows of a sheet, each with the problems found in its cells.
    fn parse(store: &Store, sheet: &Sheet) -> std::result::Result<Rows<Self::Row>, SheetProblem>;

    /// Check every row against the database and write as `mode` says.
    fn import(
        store: &Store,
        who: &Principal,
        rows: Rows<Self::Row>,
        mode: ImportMode,
    ) -> impl std::future::Future<Output = Result<ImportReport>> + Send;
}

/// The systems registry (信息系统台账).
pub struct Systems;

/// Vulnerability notices (通报), one row per notice.
pub struct Notices;

impl SheetImport for Systems {
    type Row = crate::registry::rules::inventory::InventoryRow;

    fn parse(_: &Store, sheet: &Sheet) -> std::result::Result<Rows<Self::Row>, SheetProblem> {
        crate::registry::rules::inventory::parse(sheet)
    }

    fn import(
        store: &Store,
        who: &Principal,
        rows: Rows<Self::Row>,
        mode: ImportMode,
    ) -> impl std::future::Future<Output = Result<ImportReport>> + Send {
        crate::registry::service::inventory::import(store, who, rows, mode)
    }
}

impl SheetImport for Notices {
    type Row = crate::notices::rules::sheet::NoticeRow;

    fn parse(store: &Store, sheet: &Sheet) -> std::result::Result<Rows<Self::Row>, SheetProblem> {
        crate::notices::rules::sheet::parse(sheet, store.notice_policy().time_zone)
    }

    /// Notices are all or nothing: `Partial` writes only when every row passes too.
    fn import(
        store: &Store,
        who: &Principal,
        rows: Rows<Self::Row>,
        mode: ImportMode,
    ) -> impl std::future::Future<Output = Result<ImportReport>> + Send {
        crate::notices::service::notices::import(store, who, rows, mode == ImportMode::DryRun)
    }
}

/// Early warnings (预警), one row per warning.
pub struct Warnings;

impl SheetImport for Warnings {
    type Row = crate::warnings::rules::sheet::WarningRow;

    fn parse(_: &Store, sheet: &Sheet) -> std::result::Result<Rows<Self::Row>, SheetProblem> {
        crate::warnings::rules::sheet::parse(sheet)
    }

    /// All or nothing, as notices.
    fn import(
        store: &Store,
        who: &Principal,
        rows: Rows<Self::Row>,
        mode: ImportMode,
    ) -> impl std::future::Future<Output = Result<ImportReport>> + Send {
        crate::warnings::service::warnings::import(store, who, rows, mode == ImportMode::DryRun)
    }
}

/// People (人员), one row per person, matched by staff number (工号).
pub struct People;

impl SheetImport for People {
    type Row = crate::directory::rules::sheet::PersonRow;

    fn parse(_: &Store, sheet: &Sheet) -> std::result::Result<Rows<Self::Row>, SheetProblem> {
        crate::directory::rules::sheet::parse(sheet)
    }

    /// All or nothing, as notices.
    fn import(
        store: &Store,
        who: &Principal,
        rows: Rows<Self::Row>,
        mode: ImportMode,
    ) -> impl std::future::Future<Output = Result<ImportReport>> + Send {
        crate::directory::service::people::import(store, who, rows, mode == ImportMode::DryRun)
    }
}

/// Read `bytes` as a sheet of register `R` and import it: `Ok(Err(_))` when
/// the file gives no rows to check, else the report of every row.
pub async fn run<R: SheetImport>(
    store: &Store,
    who: &Principal,
    bytes: &[u8],
    mode: ImportMode,
) -> Result<std::result::Result<ImportReport, Unreadable>> {
    let sheet = match read(store, bytes).await? {
        Ok(s) => s,
        Err(e) => return Ok(Err(Unreadable::File(e))),
    };
    if let Some(p) = hidden_characters(&sheet) {
        return Ok(Err(Unreadable::Sheet(p)));
    }
    let rows = match R::parse(store, &sheet) {
        Ok(r) => r,
        Err(p) => return Ok(Err(Unreadable::Sheet(p))),
    };
    R::import(store, who, rows, mode).await.map(Ok)
}

/// The first cell holding what text may not. A cell may hold several lines
/// (Alt+Enter in Excel), so tabs and line breaks pass.
fn hidden_characters(sheet: &Sheet) -> Option<SheetProblem> {
    sheet.rows.iter().enumerate().find_map(|(r, row)| {
        row.iter().enumerate().find_map(|(c, cell)| match cell {
            wangan_office::Cell::Text(t) => crate::platform::text::problem(t, true)
                .map(|p| SheetProblem::HiddenCharacters(wangan_office::cell_name(r, c), p)),
            _ => None,
        })
    })
}

/// Sheets read at once on this node: each may hold up to the expanded-size
/// limit in memory while it is read.
static READERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Read `bytes` within the store's limits, on the blocking pool (reading is
/// CPU work that may take a good part of a second), two files at a time.
pub async fn read(store: &Store, bytes: &[u8]) -> Result<std::result::Result<Sheet, OfficeError>> {
    let _turn = READERS.acquire().await.map_err(|e| CoreError::Internal(e.to_string()))?;
    let limits = *store.sheet_limits();
    if bytes.len() > wangan_office::MAX_BYTES {
        return Ok(Err(OfficeError::Limit(wangan_office::Limit::FileBytes(wangan_office::MAX_BYTES))));
    }
    let owned = bytes.to_vec();
    tokio::task::spawn_blocking(move || wangan_office::read_within(&owned, &limits))
        .await
        .map_err(|e| CoreError::Internal(e.to_string()))
}
