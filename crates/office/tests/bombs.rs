//! Spreadsheet bombs: files small on disk that expand without bound when
//! read naively. Each must be refused within a second, naming the limit,
//! without the process's memory growing by more than a few megabytes.
//!
//! One test function on purpose: peak memory is a property of the process,
//! and tests in one binary run in parallel threads.
#![allow(clippy::expect_used)]

use std::io::{Cursor, Write};
use std::time::{Duration, Instant};
use wangan_office::{Limit, OfficeError, read, write_xlsx};
use zip::write::SimpleFileOptions;

const MIB: u64 = 1024 * 1024;

/// A workbook made by our own writer, with some of its parts replaced by
/// `(name, generator)`: the generator writes the new part's bytes.
type Part<'a> = (&'a str, Box<dyn Fn(&mut dyn Write) + 'a>);

fn workbook_with(parts: Vec<Part<'_>>) -> Vec<u8> {
    let template = write_xlsx("表", &["名称"], &[vec!["门户".into()]]).expect("template");
    let mut src = zip::ZipArchive::new(Cursor::new(template)).expect("template zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
        .large_file(true);
    for i in 0..src.len() {
        let f = src.by_index(i).expect("entry");
        let name = f.name().expect("name").into_owned();
        if let Some((_, make)) = parts.iter().find(|(n, _)| *n == name) {
            drop(f);
            out.start_file(name.as_str(), opts).expect("start");
            make(&mut out);
        } else {
            out.raw_copy_file(f).expect("copy");
        }
    }
    out.finish().expect("finish").into_inner()
}

/// `n` bytes of `unit` repeated, in chunks.
fn repeat(w: &mut dyn Write, unit: &[u8], n: u64) {
    let chunk: Vec<u8> = unit.iter().copied().cycle().take(1 << 20).collect();
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len() as u64) as usize;
        w.write_all(&chunk[..k]).expect("write");
        left -= k as u64;
    }
}

fn sheet_xml(w: &mut dyn Write, body: &dyn Fn(&mut dyn Write)) {
    w.write_all(br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#).expect("w");
    body(w);
    w.write_all(b"</sheetData></worksheet>").expect("w");
}

/// Peak resident memory since the last reset, in bytes (Linux).
fn peak() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Read `bytes`, and return the refusal, the time it took and the growth of peak memory.
fn refuse(what: &str, bytes: &[u8]) -> (OfficeError, Duration, u64) {
    assert!(bytes.len() < 10 * MIB as usize, "{what}: the bomb itself must be small ({} bytes)", bytes.len());
    let measured = reset_peak();
    let before = peak();
    let t = Instant::now();
    let result = read(bytes);
    let took = t.elapsed();
    let grew = if measured { peak().saturating_sub(before) } else { 0 };
    let err = result.expect_err(what);
    eprintln!("{what}: {} bytes on disk, refused in {took:?}, peak memory +{} KiB: {err}", bytes.len(), grew / 1024);
    (err, took, grew)
}

#[test]
fn spreadsheet_bombs_are_refused_fast_without_memory() {
    // 1. Whitespace: a sheet that inflates to 1 GiB of spaces.
    let whitespace = workbook_with(vec![(
        "xl/worksheets/sheet1.xml",
        Box::new(|w: &mut dyn Write| sheet_xml(w, &|w: &mut dyn Write| repeat(w, b" ", 1024 * MIB))),
    )]);
    // 2. One shared string of 512 MiB.
    let shared = workbook_with(vec![(
        "xl/sharedStrings.xml",
        Box::new(|w: &mut dyn Write| {
            w.write_all(br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>"#).expect("w");
            repeat(w, "赌".as_bytes(), 512 * MIB);
            w.write_all(b"</t></si></sst>").expect("w");
        }),
    )]);
    // 3. Five million rows.
    let rows = workbook_with(vec![(
        "xl/worksheets/sheet1.xml",
        Box::new(|w: &mut dyn Write| {
            // Rows and cells without `r`: their places follow from their order.
            let row = b"<row><c><v>1</v></c></row>";
            sheet_xml(w, &|w: &mut dyn Write| repeat(w, row, 5_000_000 * row.len() as u64))
        }),
    )]);

    for (what, bytes) in [("whitespace", &whitespace), ("shared string", &shared), ("rows", &rows)] {
        let (err, took, grew) = refuse(what, bytes);
        assert!(matches!(err, OfficeError::Limit(Limit::ExpandedBytes(_) | Limit::Ratio(_))), "{what}: {err}");
        assert!(took < Duration::from_secs(1), "{what}: {took:?}");
        assert!(grew < 16 * MIB, "{what}: peak memory grew by {grew} bytes");
    }

    // 4. The same whitespace bomb with a central directory that claims the
    //    sheet is small: the sizes are checked by inflating, not believed.
    let lying = understate_sizes(&whitespace, "xl/worksheets/sheet1.xml", 4096);
    let (err, took, grew) = refuse("understated sizes", &lying);
    assert!(matches!(err, OfficeError::Limit(Limit::ExpandedBytes(_)) | OfficeError::Unreadable(_)), "{err}");
    assert!(took < Duration::from_secs(5), "understated sizes: {took:?}");
    assert!(grew < 16 * MIB, "understated sizes: peak memory grew by {grew} bytes");

    // 5. Within the expanded size but past the rows: 150,000 rows.
    let many = workbook_with(vec![(
        "xl/worksheets/sheet1.xml",
        Box::new(|w: &mut dyn Write| {
            sheet_xml(w, &|w: &mut dyn Write| {
                for r in 1..=150_000u32 {
                    write!(w, r#"<row r="{r}"><c r="A{r}"><v>1</v></c></row>"#).expect("w");
                }
            })
        }),
    )]);
    let (err, took, _) = refuse("150,000 rows", &many);
    assert_eq!(err, OfficeError::Limit(Limit::Rows(100_000)));
    assert!(took < Duration::from_secs(5), "rows: {took:?}");

    // 6. A 32 MiB cell in a small file, as an inline string.
    let cell = workbook_with(vec![(
        "xl/worksheets/sheet1.xml",
        Box::new(|w: &mut dyn Write| {
            sheet_xml(w, &|w: &mut dyn Write| {
                w.write_all(br#"<row r="1"><c r="B1" t="inlineStr"><is><t>"#).expect("w");
                repeat(w, b"ab", 32 * MIB);
                w.write_all(b"</t></is></c></row>").expect("w");
            })
        }),
    )]);
    let (err, _, _) = refuse("32 MiB cell", &cell);
    assert!(matches!(err, OfficeError::Limit(Limit::Ratio(_) | Limit::CellBytes { .. })), "{err}");

    // 7. CSV: a line past its bound, and rows past theirs.
    let long_line = format!("名称,说明\n门户,{}\n", "x".repeat(2 * MIB as usize));
    let (err, _, _) = refuse("long CSV line", long_line.as_bytes());
    assert_eq!(err, OfficeError::Limit(Limit::LineBytes { limit: 1024 * 1024, line: 2 }));
    let many_lines = "a\n".repeat(100_001);
    let (err, _, _) = refuse("CSV rows", many_lines.as_bytes());
    assert_eq!(err, OfficeError::Limit(Limit::Rows(100_000)));
    let big_cell = format!("名称\n{}\n", "y".repeat(40 * 1024));
    let (err, _, _) = refuse("CSV cell", big_cell.as_bytes());
    assert_eq!(err, OfficeError::Limit(Limit::CellBytes { limit: 32 * 1024, row: 1, column: 0 }));
    assert_eq!(err.to_string(), "cell A2 holds more than 32768 bytes");
}

/// Rewrite the sizes `entry` declares (local header, central directory and
/// any ZIP64 extra field) to `claim`, leaving the compressed data as it is.
fn understate_sizes(bytes: &[u8], entry: &str, claim: u32) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let name = entry.as_bytes();
    let le16 = |b: &[u8], at: usize| u16::from_le_bytes([b[at], b[at + 1]]) as usize;
    let mut i = 0;
    let mut patched = 0;
    while i + 46 < out.len() {
        let sig = &out[i..i + 4];
        let (size_at, name_len_at, extra_len_at, header) = if sig == b"PK\x03\x04" {
            (22, 26, 28, 30)
        } else if sig == b"PK\x01\x02" {
            (24, 28, 30, 46)
        } else {
            i += 1;
            continue;
        };
        let (nl, el) = (le16(&out, i + name_len_at), le16(&out, i + extra_len_at));
        if out.get(i + header..i + header + nl) == Some(name) {
            let size = claim;
            // With large_file the 32-bit fields say 0xFFFFFFFF and the real size is in ZIP64.
            let zip64 = u32::from_le_bytes(out[i + size_at..i + size_at + 4].try_into().expect("4")) == u32::MAX;
            if zip64 {
                let mut e = i + header + nl;
                let end = e + el;
                while e + 4 <= end {
                    let (id, len) = (le16(&out, e), le16(&out, e + 2));
                    if id == 0x0001 && len >= 8 {
                        out[e + 4..e + 12].copy_from_slice(&(size as u64).to_le_bytes());
                    }
                    e += 4 + len;
                }
            } else {
                out[i + size_at..i + size_at + 4].copy_from_slice(&size.to_le_bytes());
            }
            patched += 1;
        }
        i += header + nl + el;
    }
    assert!(patched >= 2, "the entry's headers were not found");
    out
}
