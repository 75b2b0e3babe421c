//! The token store's parser: any file content is either refused with a message or read; what
//! is read survives a rewrite unchanged, and entries parse or say why without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nstba::store::{TbaEntry, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = std::path::Path::new("/fuzz/.nstba");
    let Ok(map) = parse(text, path) else {
        return;
    };
    for value in map.values() {
        if let Ok(entry) = TbaEntry::from_value(value) {
            // Whatever was read writes back to the same entry.
            let again = TbaEntry::from_value(&entry.to_value()).expect("a written entry reads");
            assert_eq!(again, entry);
        }
    }
    let rewritten = serde_json::to_string_pretty(&map).unwrap();
    assert_eq!(parse(&rewritten, path).unwrap(), map);
});
