//! Wangan site monitoring. So far the pure analyzers that need no network:
//! the page's character set (`analyze::charset`) and the spam and
//! hidden-link keyword dictionary (`analyze::keywords`). The fetcher, the
//! scheduler, the structure / hidden-link analysis and the findings arrive
//! with the monitoring issue.

pub mod analyze;
