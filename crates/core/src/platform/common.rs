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

/// `Some(None)` clears a field, `Some(Some(v))` sets it, `None` leaves it alone.
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
