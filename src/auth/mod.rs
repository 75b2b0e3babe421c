//! The kinds of credential nstba holds and what they share: TBA (OAuth 1.0a) in [`tba`], and
//! the loopback listener and callback wait that every browser flow uses.

pub mod callback;
pub mod loopback;
pub mod tba;
