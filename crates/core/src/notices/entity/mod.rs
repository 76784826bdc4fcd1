//! notices's tables: SeaORM entities, one module per table. Closed sets are stored as their words.

pub mod notice;
pub mod notice_attachment;
pub mod rectification;
pub mod rectification_attachment;
pub mod shutdown_order;
pub mod violation;
