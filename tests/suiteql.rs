//! `nstba suiteql` against the emulator's SQLite-backed SuiteQL: every row, whatever the page
//! size, in each output format.

use crate::common::*;

fn suiteql(sb: &Sandbox, emu: &nstba_emulator::Handle, args: &[&str]) -> std::process::Output {
    sb.nstba()
        .arg("suiteql")
        .args(args)
        .env("NSTBA_NETSUITE_URL", emu.url())
        .output()
        .unwrap()
}

const Q: &str = "SELECT id, entityid, email FROM customer ORDER BY id";

#[test]
fn every_row_with_and_without_small_pages() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    let expected: Vec<String> = (101..=140).map(|i| i.to_string()).collect();
    for limit in ["1000", "7", "1"] {
        let hits = emu.api_hits();
        let out = suiteql(&sb, &emu, &[Q, "--limit", limit]);
        assert!(out.status.success(), "{}", stderr(&out));
        let ids: Vec<String> = stdout(&out)
            .lines()
            .map(|l| {
                let row: serde_json::Value = serde_json::from_str(l).unwrap();
                assert!(row.get("links").is_none());
                row["id"].as_str().unwrap().to_string()
            })
            .collect();
        assert_eq!(ids, expected, "limit {limit}");
        let pages = 40usize.div_ceil(limit.parse::<usize>().unwrap());
        assert_eq!(emu.api_hits() - hits, pages, "limit {limit}");
    }
}

#[test]
fn json_and_csv() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    let out = suiteql(&sb, &emu, &[Q, "--format", "json", "--limit", "15"]);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 40);
    assert_eq!(rows[0]["entityid"], "CUST0001");

    let out = suiteql(&sb, &emu, &[Q, "--format", "csv", "--limit", "15"]);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 41);
    assert_eq!(lines[0], "id,entityid,email");
    assert_eq!(lines[1], "101,CUST0001,billing1@example.com");
    // NetSuite leaves null columns out: customer 107 has no email.
    assert_eq!(lines[7], "107,CUST0007,");
}

#[test]
fn bad_query_is_decoded() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    let out = suiteql(&sb, &emu, &["SELECT nope FROM customer"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("Invalid search query"),
        "{}",
        stderr(&out)
    );
    let out = sb
        .nstba()
        .args(["suiteql", "-"])
        .write_stdin("  ")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn query_from_stdin_and_retries_over_the_limit() {
    let emu = emulator_with(|c| {
        c.max_concurrency = Some(1);
        // Two pages each at 700 ms: the two processes overlap even on a loaded machine.
        c.latency_ms = 700;
    });
    let sb = Sandbox::with_token();
    // Two queries at once against a limit of one: the loser gets 429 and retries.
    let spawn = || {
        sb.nstba_std()
            .args(["suiteql", "-", "--limit", "20", "-v"])
            .env("NSTBA_NETSUITE_URL", emu.url())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut a = spawn();
    let mut b = spawn();
    for c in [&mut a, &mut b] {
        use std::io::Write as _;
        c.stdin
            .take()
            .unwrap()
            .write_all(b"SELECT id FROM employee")
            .unwrap();
    }
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    for out in [&a, &b] {
        assert!(out.status.success(), "{}", stderr(out));
        assert_eq!(stdout(out).lines().count(), 40);
    }
    let both = format!("{}{}", stderr(&a), stderr(&b));
    assert!(both.contains("HTTP 429"), "{both}");
}
