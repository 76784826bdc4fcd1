//! What every feature's service uses: the scope as an SQL condition and
//! the checks of free text and closed choices in input.

use crate::platform::access::Scope;
use sea_orm::sea_query::{IntoCondition, SimpleExpr};
use sea_orm::{ColumnTrait, Condition};

/// The read scope as a SQL condition on a unit-id column.
pub(crate) fn scope_condition<C: ColumnTrait>(scope: &Scope, unit_col: C) -> Condition {
    match scope {
        Scope::All => Condition::all(),
        Scope::Units(ids) => {
            let expr: SimpleExpr = unit_col.is_in(ids.clone());
            expr.into_condition()
        }
    }
}

/// A record sent to chosen units (a campaign, a warning, a data call, a key
/// period) is seen by a unit role only when one of its target rows (`E`,
/// `parent_col` = `id`) is one of the caller's units; else `NotFound`.
pub(crate) async fn require_targets_in_scope<C, E>(
    conn: &C,
    who: &crate::platform::access::Principal,
    parent_col: E::Column,
    id: i64,
    unit_col: E::Column,
) -> crate::platform::error::Result<()>
where
    C: sea_orm::ConnectionTrait,
    E: sea_orm::EntityTrait,
    E::Model: Sync,
{
    use sea_orm::{PaginatorTrait, QueryFilter};
    let scope = who.scope();
    if scope == Scope::All {
        return Ok(());
    }
    let n = E::find().filter(parent_col.eq(id)).filter(scope_condition(&scope, unit_col)).count(conn).await?;
    if n == 0 { Err(crate::platform::error::CoreError::NotFound) } else { Ok(()) }
}

/// The value of a closed set a field names, or an `unknown_choice` error.
pub(crate) fn check_choice<T: crate::platform::closed_set::ClosedSet>(
    errors: &mut Vec<crate::platform::error::FieldError>,
    field: &str,
    value: &str,
) -> Option<T> {
    let found = T::all().iter().copied().find(|v| v.as_str() == value.trim());
    if found.is_none() {
        errors.push(crate::platform::error::FieldError::new(field, "unknown_choice"));
    }
    found
}

/// Trim and bound a free-text field; returns `None` when it is too long.
pub(crate) fn clean(s: &str, max_chars: usize) -> Option<String> {
    let t = s.trim();
    if t.chars().count() > max_chars { None } else { Some(t.to_owned()) }
}

/// Trim and bound a free-text field; when it is too long, a `too_long`
/// error for `field` and the empty text.
pub(crate) fn clean_field(
    errors: &mut Vec<crate::platform::error::FieldError>,
    field: &str,
    value: &str,
    max_chars: usize,
) -> String {
    clean(value, max_chars).unwrap_or_else(|| {
        errors.push(crate::platform::error::FieldError::new(field, "too_long"));
        String::new()
    })
}

/// `Some(None)` clears a field, `Some(Some(v))` sets it, `None` leaves it alone.
/// An optional date or time in input: absent, `null` and the empty word
/// all mean none (as on the pages' forms); anything else must parse.
pub fn blank_as_none<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    use serde::Deserialize;
    match Option::<String>::deserialize(d)? {
        Some(s) if !s.trim().is_empty() => s.trim().parse().map(Some).map_err(serde::de::Error::custom),
        _ => Ok(None),
    }
}

pub mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Option::<T>::deserialize(d).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    #[derive(serde::Deserialize)]
    struct Form {
        #[serde(default, deserialize_with = "super::blank_as_none")]
        on: Option<NaiveDate>,
    }

    fn on(json: &str) -> Result<Option<NaiveDate>, serde_json::Error> {
        serde_json::from_str::<Form>(json).map(|f| f.on)
    }

    #[test]
    fn blank_null_and_absent_dates_are_none_and_others_must_parse() {
        assert_eq!(on("{}").unwrap(), None);
        assert_eq!(on(r#"{"on": null}"#).unwrap(), None);
        assert_eq!(on(r#"{"on": ""}"#).unwrap(), None);
        assert_eq!(on(r#"{"on": "  "}"#).unwrap(), None);
        assert_eq!(on(r#"{"on": "2026-12-03"}"#).unwrap(), NaiveDate::from_ymd_opt(2026, 12, 3));
        assert!(on(r#"{"on": "2026-13-03"}"#).is_err());
        assert!(on(r#"{"on": 20261203}"#).is_err());
    }
}
