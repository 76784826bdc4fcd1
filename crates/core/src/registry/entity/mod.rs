//! registry's tables: SeaORM entities, one module per table. Closed sets are stored as their words.

pub mod golive_request;
pub mod mlps_evaluation;
pub mod protection;
pub mod system;
