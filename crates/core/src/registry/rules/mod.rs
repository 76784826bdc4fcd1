//! The information systems registry (信息系统/网站): its words and its rules.
//! Everything here is pure; storage is in `service::systems`.

pub mod gates;
pub mod inventory;
pub mod mlps;
pub mod reminders;

pub use gates::{
    FilingStatus, GatePolicy, GoLiveState, Hosting, ProtectionKind, Reason, Stage, SystemFacts, SystemKind,
    check_transition,
};
pub use mlps::EvaluationResult;
