//! monitoring's tables: SeaORM entities, one module per table. Closed sets are stored as their words.

pub mod finding;
pub mod monitor;
pub mod monitor_baseline;
pub mod monitor_check;
pub mod monitor_hour;
