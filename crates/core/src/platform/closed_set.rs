//! `closed_set!`: one declaration for a closed set of states or kinds.
//!
//! It makes an enum stored as its word (`DeriveActiveEnum`, string values;
//! an existing database reads unchanged), serialized as the same word (the
//! JSON API's values), with `ALL`, `as_str`, `parse` (for query strings and
//! sheets) and `Display` (the word, for CSS classes and links).
//!
//! ```ignore
//! closed_set! {
//!     /// Whether a notice still has open rectifications.
//!     pub enum NoticeStatus { Open = "open", Closed = "closed" }
//! }
//! ```

/// What every closed set offers, for code that handles any of them
/// (labels on pages, the catalog test, choices in forms).
pub trait ClosedSet: Copy + Eq + 'static {
    fn all() -> &'static [Self];
    fn as_str(self) -> &'static str;
}

/// Serializes `None` as the empty word (for fields that were strings before they were typed).
pub fn word_or_empty<T: ClosedSet, S: serde::Serializer>(value: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(value.map_or("", |v| v.as_str()))
}

#[macro_export]
macro_rules! closed_set {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            sea_orm::EnumIter, sea_orm::DeriveActiveEnum, serde::Serialize, serde::Deserialize,
        )]
        #[sea_orm(rs_type = "String", db_type = "String(sea_orm::sea_query::StringLen::None)")]
        pub enum $name {
            $($(#[$vmeta])* #[sea_orm(string_value = $word)] #[serde(rename = $word)] $variant,)+
        }

        impl $name {
            /// Every value, in the order declared.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored word.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)+
                }
            }

            /// In the API document: one of the words or the empty word (a
            /// query filter's "any", a field's "none").
            pub fn schema_or_empty() -> utoipa::openapi::schema::Object {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($word,)+ ""]))
                    .build()
            }

            /// The value a word names, if any.
            pub fn parse(word: &str) -> Option<$name> {
                match word {
                    $($word => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl $crate::platform::closed_set::ClosedSet for $name {
            fn all() -> &'static [Self] {
                $name::ALL
            }
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
        }

        /// In the API document: a string, one of the words.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($word),+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::closed_set! {
        /// A set for the test.
        pub enum Light { Red = "red", AmberFlashing = "amber_flashing", Green = "green" }
    }

    #[test]
    fn words_round_trip_through_every_form() {
        for l in Light::ALL {
            assert_eq!(Light::parse(l.as_str()), Some(*l));
            assert_eq!(l.to_string(), l.as_str());
            assert_eq!(serde_json::to_value(l).unwrap(), serde_json::json!(l.as_str()));
            let back: Light = serde_json::from_value(serde_json::json!(l.as_str())).unwrap();
            assert_eq!(back, *l);
            use sea_orm::ActiveEnum;
            assert_eq!(l.to_value(), l.as_str());
            assert_eq!(Light::try_from_value(&l.as_str().to_owned()).unwrap(), *l);
        }
        assert_eq!(Light::AmberFlashing.as_str(), "amber_flashing");
        assert_eq!(Light::parse("blue"), None);
        assert!(serde_json::from_value::<Light>(serde_json::json!("blue")).is_err());
    }
}
