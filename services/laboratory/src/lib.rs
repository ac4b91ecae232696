//! Laboratory service (seed 003 §6; docs/design.md). So far its domain: the
//! shipped starter catalog, the rules of a result (its unit, its flag), an
//! order's statuses, accession numbers and the printed report.
//! The service around it (contract, store, API, web) follows the pharmacy's
//! pattern in the next steps of the laboratory issue.

pub mod domain;
