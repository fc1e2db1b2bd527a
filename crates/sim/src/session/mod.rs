//! Session rules of the simulated CTI Server (§7 of the facts): OPEN_REQ validation, event filtering, request
//! rights.

pub mod filter;
pub mod open;
pub mod rights;
