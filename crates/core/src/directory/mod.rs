//! The directory: units (单位), people, each unit's responsible persons
//! (第一/主要/直接责任人) and the leadership group (网络安全领导小组).

pub mod entity;
pub mod rules;
pub mod service;
