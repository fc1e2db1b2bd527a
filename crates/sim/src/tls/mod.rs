//! TLS on the simulator's sides, as the CTI Server's secured ports (UCCE 12.0 and later) serve it: TLS 1.2, a
//! server certificate, optionally client certificates required and verified against a client CA.
//!
//! [`pki`] makes throwaway certificates (rcgen) for `cti sim --tls-self-signed`, the demo and tests.

pub(crate) mod acceptor;
pub mod pki;
pub(crate) mod refusal;
