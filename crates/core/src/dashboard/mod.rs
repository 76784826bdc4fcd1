//! The dashboard: figures across the features, in the caller's scope.

pub mod service;
