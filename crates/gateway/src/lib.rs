//! # cti-gateway — one CTI session per CTI Server pair, every consumer through NATS JetStream
//!
//! (work in progress: see the README's gateway section for what is there)

pub mod config;
pub mod records;
pub mod rfc3339;
pub mod subjects;
