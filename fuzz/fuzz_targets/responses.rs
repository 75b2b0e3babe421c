//! What NetSuite and the RESTlet send back: error decoding never panics, and a RESTlet answer
//! is read or refused; any path a listing holds is either refused or made of plain names.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nstba::filecabinet::paths::local_relative;
use nstba::http::errors::NetSuiteError;
use nstba::netsuite::restlet::{GetReply, Listing, ResultsReply, parse_reply};

fuzz_target!(|data: &[u8]| {
    let (head, body) = data.split_at(data.len().min(2));
    let status = 200 + u16::from(*head.first().unwrap_or(&0)) + 256 * u16::from(*head.get(1).unwrap_or(&0) % 2);
    let text = String::from_utf8_lossy(body);
    let err = NetSuiteError::decode(status, Some(&text), Some(&text), body);
    let _ = err.describe(Some("123_SB1"));
    let _ = err.describe_flow("step 1");
    let _ = err.exit_kind();

    if let Ok(listing) = parse_reply::<Listing>(body) {
        for file in listing.files {
            if let Ok(rel) = local_relative("SuiteScripts/app", &file.path) {
                assert!(rel.components().all(|c| matches!(c, std::path::Component::Normal(_))));
                assert!(file.path.starts_with("SuiteScripts/app/"));
                assert!(!rel.as_os_str().is_empty());
            }
        }
    }
    let _ = parse_reply::<GetReply>(body);
    let _ = parse_reply::<ResultsReply>(body);
});
