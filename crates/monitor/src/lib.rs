//! Wangan site monitoring: the analyzers (pure functions over a fetched
//! page), the fetcher that honours the network policy, the checks of one
//! URL, and the engine that runs them for every monitor.

pub mod analyze;
pub mod farm;
pub mod finding;
