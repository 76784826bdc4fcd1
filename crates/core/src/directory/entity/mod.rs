//! directory's tables: SeaORM entities, one module per table. Closed sets are stored as their words.

pub mod leadership_member;
pub mod person;
pub mod responsibility;
pub mod unit;
