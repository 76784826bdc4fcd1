//! Security incidents (网络安全事件, §三(三) of the notice): what happened,
//! its grade, the systems; the steps demanded — blocked or suspended,
//! records preserved, reported to the supervising authority, the police and
//! (较大 and above) the cyberspace administration — each timestamped with
//! who, against the reporting clock; evidence with its SHA-256 and chain of
//! custody; a running timeline; the incident report as `.docx`. Monitoring
//! opens incidents from tampering, hidden-link and exposure findings.

pub mod entity;
pub mod rules;
pub mod service;

pub use rules::*;
