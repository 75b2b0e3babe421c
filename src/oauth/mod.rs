//! OAuth 1.0a for NetSuite: the pure request signer (SPEC 2), the three-step authorization
//! flow and its loopback callback listener (SPEC 3).

pub mod callback;
pub mod flow;
pub mod loopback;
pub mod signer;
