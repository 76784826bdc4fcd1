//! inspections' tables: SeaORM entities, one module per table.

pub mod campaign;
pub mod campaign_schedule;
pub mod campaign_unit;
pub mod checklist;
pub mod inspection_answer;
