//! Talking to NetSuite with a credential: authorized calls with retries and the concurrency
//! window (client, limiter), the companion RESTlet's protocol, and the SuiteQL pager.

pub mod client;
pub mod limiter;
pub mod limits;
pub mod restlet;
pub mod suiteql;
