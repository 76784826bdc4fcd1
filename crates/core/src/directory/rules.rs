//! The directory's pure rules: the people sheet (人员导入), as campus HR and
//! the units' own lists write it.

/// The people sheet: its Chinese headers, one person per row. `单位` takes a
/// unit's code or its full name; `工号` (staff number) is how the campus
/// identity service names the person, and how a row finds the person it
/// updates (else: the only person of that name in that unit).
pub mod sheet {
    use crate::directory::service::people::{valid_email, valid_phone, valid_staff_no};
    use crate::registry::rules::inventory::{Problem, SheetProblem, header_index, text};
    use std::collections::HashMap;
    use wangan_office::{Cell, Sheet};

    pub const HEADERS: [&str; 6] = ["姓名", "单位", "工号", "职务", "电话", "邮箱"];
    pub const REQUIRED: [&str; 2] = ["姓名", "单位"];

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct PersonRow {
        pub line: usize,
        pub name: String,
        /// A unit's code or name, as written.
        pub unit: String,
        pub staff_no: String,
        /// `None`: the sheet has no such column (what is stored stays).
        pub title: Option<String>,
        pub phone: Option<String>,
        pub email: Option<String>,
    }

    pub fn parse(sheet: &Sheet) -> Result<Vec<(PersonRow, Vec<Problem>)>, SheetProblem> {
        let (header_row, index) = header_index(sheet, &REQUIRED, &HEADERS)?;
        let column = |h: &str| HEADERS.iter().position(|x| *x == h).and_then(|i| index[i]);
        let mut out = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, row) in sheet.rows.iter().enumerate().skip(header_row + 1) {
            if row.iter().all(Cell::is_empty) {
                continue;
            }
            let line = i + 1;
            let empty = Cell::Empty;
            let get = |h: &str| column(h).map(|c| text(row.get(c).unwrap_or(&empty)));
            let mut problems = Vec::new();
            let name = get("姓名").unwrap_or_default();
            if name.is_empty() {
                problems.push(Problem::new(line, "姓名", "required", ""));
            } else if name.chars().count() > 50 {
                problems.push(Problem::new(line, "姓名", "too_long", &name));
            }
            let unit = get("单位").unwrap_or_default();
            if unit.is_empty() {
                problems.push(Problem::new(line, "单位", "required", ""));
            }
            let staff_no = get("工号").unwrap_or_default();
            if !valid_staff_no(&staff_no) {
                problems.push(Problem::new(line, "工号", "staff_no_format", &staff_no));
            } else if !staff_no.is_empty()
                && let Some(first) = seen.insert(staff_no.clone(), line)
            {
                problems.push(Problem::new(line, "工号", "duplicate_in_file", &first.to_string()));
            }
            let title = get("职务");
            if title.as_deref().is_some_and(|t| t.chars().count() > 100) {
                problems.push(Problem::new(line, "职务", "too_long", title.as_deref().unwrap_or_default()));
            }
            let phone = get("电话");
            if let Some(p) = phone.as_deref().filter(|p| !valid_phone(p)) {
                problems.push(Problem::new(line, "电话", "phone_format", p));
            }
            let email = get("邮箱");
            if let Some(e) = email.as_deref().filter(|e| !valid_email(e)) {
                problems.push(Problem::new(line, "邮箱", "email_format", e));
            }
            out.push((PersonRow { line, name, unit, staff_no, title, phone, email }, problems));
        }
        if out.is_empty() {
            return Err(SheetProblem::NoRows);
        }
        Ok(out)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn sheet(rows: &[&[&str]]) -> Sheet {
            Sheet {
                rows: rows
                    .iter()
                    .map(|r| {
                        r.iter().map(|c| if c.is_empty() { Cell::Empty } else { Cell::Text((*c).into()) }).collect()
                    })
                    .collect(),
                merged: Vec::new(),
            }
        }

        #[test]
        fn a_people_sheet_is_read_with_its_staff_numbers() {
            let s = sheet(&[
                &["人员名单"],
                &["*姓名", "*单位", "工号", "电话"],
                &["王力", "CS", "20190012", "010-62751234"],
                &["李娜", "计算机学院", "", ""],
                &["", "CS", "2019 0013", "call me"],
                &["赵敏", "EE", "20190012", ""],
            ]);
            let rows = parse(&s).unwrap();
            assert_eq!(rows.len(), 4);
            let (first, problems) = &rows[0];
            assert!(problems.is_empty());
            assert_eq!((first.line, first.staff_no.as_str(), first.unit.as_str()), (3, "20190012", "CS"));
            assert_eq!(first.phone.as_deref(), Some("010-62751234"));
            assert_eq!(first.title, None, "no 职务 column: what is stored stays");
            assert!(rows[1].1.is_empty(), "a person without a staff number is fine");
            let codes: Vec<&str> = rows[2].1.iter().map(|p| p.code.as_str()).collect();
            assert_eq!(codes, ["required", "staff_no_format", "phone_format"]);
            assert_eq!(rows[3].1[0].code, "duplicate_in_file");
        }

        #[test]
        fn a_sheet_without_name_or_unit_is_refused() {
            let s = sheet(&[&["工号", "姓名"], &["1", "王力"]]);
            assert_eq!(parse(&s), Err(SheetProblem::MissingColumns(vec!["单位".into()])));
            let s = sheet(&[&["姓名", "单位"]]);
            assert_eq!(parse(&s), Err(SheetProblem::NoRows));
        }
    }
}
