//! Pure rules: the configuration keys and their checks, the audit chain.

pub mod audit;
pub mod config;
