//! # cti-gateway — one CTI session per CTI Server pair, every consumer through NATS JetStream
//!
//! (work in progress: see the README's gateway section for what is there)

pub mod config;
mod gateway;
pub mod metrics;
mod publisher;
pub mod records;
pub mod rfc3339;
mod source;
pub mod subjects;

pub use config::{GatewayConfig, GatewayConfigError, SourceConfig};
pub use gateway::{Gateway, GatewayError, SourceInfo};
