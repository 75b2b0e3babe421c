//! Crash safety of the store (docs/design.md §4): writers killed with SIGKILL at random moments never
//! leave a broken store and never lose a write that reported success; 64 writers at once lose
//! nothing; temporary files do not pile up.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::common::*;

fn add(sb: &Sandbox, id: &str) -> std::process::Command {
    let mut cmd = sb.nstba_std();
    cmd.args(["auth", "add", id, "--account", ACCOUNT, "--token-id", TID])
        .args(["--consumer-key", CK])
        .env("NSTBA_TOKEN_SECRET", TS)
        .env("NSTBA_CONSUMER_SECRET", CS)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    cmd
}

#[test]
fn killed_writers_never_break_the_store_or_lose_a_confirmed_write() {
    let sb = Sandbox::new();
    // Something to keep: an entry the gulp tools wrote.
    std::fs::write(
        sb.store(),
        r#"{"gulp":{"token":"t","secret":"s","account":"123"}}"#,
    )
    .unwrap();

    // A reader that parses the store over and over while the writers run and die.
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let reader = {
        let (stop, reads, path) = (stop.clone(), reads.clone(), sb.store());
        std::thread::spawn(move || -> Result<(), String> {
            while !stop.load(Ordering::Relaxed) {
                let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
                serde_json::from_str::<serde_json::Value>(&text)
                    .map_err(|e| format!("a torn store: {e}\n{text}"))?;
                reads.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        })
    };

    let mut seed = 0x5eed_u64;
    let mut rand = move |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let (mut confirmed, mut killed) = (BTreeSet::new(), 0usize);
    // Kill within twice the time a writer takes here, measured, then kept where about half
    // the writers finish (narrowed after a batch that all finished, widened after one that
    // none did): a fixed window suits one machine only (a writer takes ~5 ms on Linux and
    // ~300 ms under Wine, more on a busy machine), and a window that is too short kills every
    // writer, one too long none.
    let mut taken: Vec<Duration> = (0..3)
        .map(|n| {
            let t = Instant::now();
            assert!(add(&sb, &format!("cal{n}")).status().unwrap().success());
            confirmed.insert(format!("cal{n}"));
            t.elapsed()
        })
        .collect();
    taken.sort();
    let mut window = (taken[1] * 2).max(Duration::from_millis(12)).as_micros() as u64;
    let started = Instant::now();
    let mut i = 0;
    while i < 240 && started.elapsed() < Duration::from_secs(30) {
        let batch: Vec<_> = (0..4)
            .map(|_| {
                i += 1;
                let id = format!("tok{i:04}");
                let child = add(&sb, &id).spawn().unwrap();
                (id, child, Duration::from_micros(rand(window)))
            })
            .collect();
        let t0 = Instant::now();
        let mut finished = 0;
        for (id, mut child, kill_at) in batch {
            if let Some(left) = kill_at.checked_sub(t0.elapsed()) {
                std::thread::sleep(left);
            }
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap(); // SIGKILL
            }
            let status = child.wait().unwrap();
            if status.success() {
                confirmed.insert(id);
                finished += 1;
            } else {
                killed += 1;
            }
        }
        match finished {
            4 => window = (window * 3 / 4).max(1_000),
            0 => window = window * 4 / 3,
            _ => {}
        }
    }
    stop.store(true, Ordering::Relaxed);
    reader.join().unwrap().unwrap();

    assert!(killed > 10, "the kills landed: {killed}");
    assert!(
        confirmed.len() > 13,
        "some writes finished besides the three measured: {}",
        confirmed.len() - 3
    );
    assert!(reads.load(Ordering::Relaxed) > 100);
    let store = sb.store_json();
    let saved: BTreeSet<String> = store.as_object().unwrap().keys().cloned().collect();
    let lost: Vec<_> = confirmed.difference(&saved).collect();
    assert!(
        lost.is_empty(),
        "writes that reported success are gone: {lost:?}"
    );
    assert_eq!(store["gulp"]["token"], "t");

    // The next normal write clears what the killed writers left behind.
    add(&sb, "last").status().unwrap();
    assert_eq!(sb.temp_files(), Vec::<String>::new());
}

#[test]
fn sixty_four_parallel_writers_lose_nothing() {
    let sb = Sandbox::new();
    let children: Vec<_> = (0..64)
        .map(|i| add(&sb, &format!("w{i:02}")).spawn().unwrap())
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let store = sb.store_json();
    assert_eq!(store.as_object().unwrap().len(), 64);
    for i in 0..64 {
        assert!(store.get(format!("w{i:02}")).is_some(), "w{i:02} lost");
    }
    assert!(sb.temp_files().is_empty(), "{:?}", sb.temp_files());
}
