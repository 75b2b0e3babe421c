//! OAuth 1.0a for NetSuite: the pure request signer (SPEC 2).

pub mod signer;
