//! notify's tables: SeaORM entities, one module per table. Closed sets are stored as their words.

pub mod channel;
pub mod delivery_attempt;
pub mod outbox;
