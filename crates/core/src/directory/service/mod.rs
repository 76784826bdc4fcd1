//! The directory's registers, one module each.

pub mod leadership;
pub mod people;
pub mod responsibilities;
pub mod units;
