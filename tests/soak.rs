//! Fault soak (bounded, loopback only): rounds of change, deploy and fetch while the emulator
//! injects latency spikes, concurrency-limit refusals (400 SSS_REQUEST_LIMIT_EXCEEDED), 5xx
//! answers and dropped connections, and cuts calls short with governance. Exit codes must be
//! honest (0 means every file arrived, 4 names what did not), and the end state is identical.
//! Runs 20 s in the normal test run; `NSTBA_SOAK_SECS=300` makes it longer.

use std::time::{Duration, Instant};

use crate::common::*;

const TARGET: &str = "SuiteScripts/soak";

/// Runs `nstba ARGS --json` until it exits 0 (at most 6 times); every run must exit 0 or 4,
/// and a 4 must name the files that failed.
fn until_done(sb: &Sandbox, emu: &nstba_emulator::Handle, args: &[&str]) -> usize {
    for attempt in 1..=6 {
        let out = sb
            .nstba()
            .args(args)
            .arg("--json")
            .env("NSTBA_NETSUITE_URL", emu.url())
            .output()
            .unwrap();
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stderr(&out)));
        let failed = summary["failed"].as_u64().unwrap();
        match out.status.code() {
            Some(0) => {
                assert_eq!(failed, 0, "exit 0 with failures: {summary}");
                return attempt;
            }
            Some(4) => {
                assert!(failed > 0, "exit 4 without failures: {summary}");
                assert!(stderr(&out).contains("failed: "), "{}", stderr(&out));
            }
            other => panic!("{args:?} exited {other:?}: {}", stderr(&out)),
        }
    }
    panic!("{args:?} did not finish in 6 runs");
}

struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// Writes a text or binary file of up to 20 KB.
fn write(dist: &std::path::Path, rel: &str, round: usize, rng: &mut Lcg) {
    let p = dist.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    let size = rng.below(20_000) as usize;
    let bytes: Vec<u8> = if rng.below(2) == 0 {
        format!("// {rel} round {round}\n")
            .repeat(size / 24 + 1)
            .into_bytes()
    } else {
        (0..size).map(|_| rng.below(256) as u8).collect()
    };
    std::fs::write(p, bytes).unwrap();
}

#[test]
fn deploy_and_fetch_survive_faults() {
    let secs: u64 = std::env::var("NSTBA_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20)
        .clamp(5, 1800);
    let emu = emulator_with(|c| {
        c.fail_rate = 0.15;
        c.max_concurrency = Some(3);
        c.latency_ms = 5;
        c.spike_rate = 0.05;
        c.spike_ms = 1500;
        c.governance = Some(25);
        c.seed = Some(7);
    });
    let sb = Sandbox::with_token();
    let dist = sb.path().join("dist");
    let mut rng = Lcg(99);
    for i in 0..150 {
        write(&dist, &format!("d{}/f{i:03}.dat", i % 6), 0, &mut rng);
    }

    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut rounds = 0;
    while rounds < 2 || Instant::now() < deadline {
        rounds += 1;
        if rounds > 1 {
            for _ in 0..10 {
                let rel = format!("d{}/f{:03}.dat", rng.below(6), rng.below(150));
                write(&dist, &rel, rounds, &mut rng);
            }
            for j in 0..3 {
                write(&dist, &format!("new/r{rounds}-{j}.dat"), rounds, &mut rng);
            }
        }
        until_done(
            &sb,
            &emu,
            &["deploy", "dist", "--target", TARGET, "--jobs", "6"],
        );
        let local = read_tree(&dist);
        for (rel, bytes) in &local {
            let remote = emu.file(&format!("{TARGET}/{rel}"));
            assert_eq!(
                remote.as_ref(),
                Some(bytes),
                "round {rounds}: {rel} is not what was deployed"
            );
        }
        let back = format!("back{rounds}");
        until_done(&sb, &emu, &["fetch", TARGET, "--out", &back, "--jobs", "6"]);
        assert_eq!(
            read_tree(&sb.path().join(&back)),
            local,
            "round {rounds}: fetch differs"
        );
    }
    let faults: Vec<String> = emu
        .audit()
        .into_iter()
        .map(|a| a.detail)
        .filter(|d| d == "InjectedFault" || d == "ConcurrencyLimitExceeded")
        .collect();
    assert!(
        faults.len() > 10,
        "the soak met too few faults: {}",
        faults.len()
    );
    eprintln!(
        "soak: {rounds} rounds in {secs} s, {} faults met",
        faults.len()
    );
}
