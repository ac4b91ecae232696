//! The pharmacy's rules, without I/O: the prescription's states, the starter
//! catalog, allergy and interaction screening, and earliest-expiry-first
//! picking.

pub mod catalog;
pub mod fefo;
pub mod screening;
pub mod status;
