//! Data calls (数据填报): the center's forms, the units' versioned
//! submissions, completion and the export. Rules and storage are in
//! `wangan_core::data_calls`.

pub mod api;
pub mod pages;
