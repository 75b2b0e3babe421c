//! Token-based authentication (OAuth 1.0a with HMAC-SHA256): the pure request signer (SPEC 2)
//! and the three-step authorization flow (SPEC 3).

pub mod flow;
pub mod signer;
