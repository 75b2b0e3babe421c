//! The File Cabinet side of `deploy` and `fetch`: remote path checks, the source walk and
//! hashes, the deploy state file, what fetch may replace, and the even scheduler that shares files out among calls.

pub mod local;
pub mod paths;
pub mod schedule;
pub mod state;
pub mod walk;
