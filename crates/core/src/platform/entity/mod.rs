//! The shared tables: the audit chain, attachments, imports waiting for confirmation.

pub mod attachment;
pub mod audit_head;
pub mod audit_log;
pub mod backup;
pub mod document_number;
pub mod pending_import;
