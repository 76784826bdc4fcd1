//! Go-live requests (上线申请): a part of the registry with its own API and
//! pages — the unit asks with its filing certificate, the center decides.

pub mod api;
pub mod pages;
