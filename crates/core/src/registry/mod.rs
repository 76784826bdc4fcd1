//! The information systems registry (信息系统/网站): every system, who
//! answers for it, its filing (备案) and MLPS (等级保护) status.

pub mod entity;
pub mod rules;
pub mod service;

pub use rules::*;
