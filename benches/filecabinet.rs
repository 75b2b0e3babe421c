//! File Cabinet figures, printed as a table (`cargo bench --bench filecabinet`):
//!
//! 1. 400 mixed files of 0 to 70 KB (text and binary) against the emulator at
//!    `--latency-ms 20 --max-concurrency 5`: `nstba deploy` against two baseline clients
//!    that speak the same RESTlet protocol one file per request, serially and on 5 workers.
//! 2. An unchanged re-deploy of 1,000 files (no upload; one listing checks the state), median
//!    of 10 runs.
//! 3. Peak memory (max RSS) of `nstba deploy` and `nstba fetch` moving 100 MB.
//!
//! The baselines use nstba's own signer and client, so the comparison measures batching and
//! parallelism, not the HTTP stack. Everything runs on loopback. The emulator runs in a child
//! process (this same binary, with `--emulator`): peak RSS is read with wait4, and a child
//! forked from a process that holds 100 MB of File Cabinet would count that memory as its own.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use nstba::account::{AccountId, Endpoints};
use nstba::credentials::{Credentials, Origin};
use nstba::netsuite::client::Client;
use nstba::netsuite::restlet::{DEFAULT_DEPLOY, DEFAULT_SCRIPT, PutFile, Restlet};
use nstba::secret::Secret;

const ACCOUNT: &str = "1234567";
const CK: &str = "bench-ck";
const CS: &str = "bench-cs";
const TID: &str = "bench-tid";
const TS: &str = "bench-ts";

/// The emulator in a child process; it stops when its stdin closes (on drop).
struct Emulator {
    child: std::process::Child,
    url: String,
}

impl Emulator {
    fn url(&self) -> String {
        self.url.clone()
    }

    /// Authenticated REST and RESTlet calls so far (the login audit trail's length).
    fn calls(&self) -> usize {
        let body = reqwest::blocking::get(format!("{}/emulator/audit", self.url))
            .unwrap()
            .text()
            .unwrap();
        serde_json::from_str::<Vec<serde_json::Value>>(&body)
            .unwrap()
            .len()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

fn emulator(latency_ms: u64, max_concurrency: usize) -> Emulator {
    use std::io::BufRead as _;
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--emulator",
            &latency_ms.to_string(),
            &max_concurrency.to_string(),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    Emulator {
        child,
        url: line.trim().to_string(),
    }
}

/// `--emulator LATENCY MAX`: serve until stdin closes (0 for MAX means no limit).
fn serve_emulator(latency_ms: u64, max_concurrency: usize) {
    let handle = nstba_emulator::spawn(nstba_emulator::Config {
        account: ACCOUNT.into(),
        consumer_key: CK.into(),
        consumer_secret: CS.into(),
        tokens: vec![(TID.into(), TS.into())],
        latency_ms,
        max_concurrency: (max_concurrency > 0).then_some(max_concurrency),
        ..Default::default()
    })
    .expect("emulator");
    println!("{}", handle.url());
    let mut sink = String::new();
    let _ = std::io::Read::read_to_string(&mut std::io::stdin(), &mut sink);
}

/// Deterministic pseudo-random bytes.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// `count` files of `min..max` bytes, half text and half binary, in a few folders.
fn make_files(dir: &Path, count: usize, min: usize, max: usize, seed: u64) -> u64 {
    let mut rng = Rng(seed);
    let mut total = 0;
    for i in 0..count {
        let size = min + (rng.next() as usize) % (max - min + 1);
        let (name, bytes) = if i % 2 == 0 {
            let line = b"function f() { return 'nstba bench'; } // text\n";
            let text: Vec<u8> = line.iter().cycle().take(size).copied().collect();
            (format!("d{}/f{i:04}.js", i % 8), text)
        } else {
            (format!("d{}/f{i:04}.bin", i % 8), rng.bytes(size))
        };
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, &bytes).unwrap();
        total += bytes.len() as u64;
    }
    total
}

fn nstba(home: &Path, emu: &Emulator) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nstba"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("NSTBA_STORE", home.join(".nstba"))
        .env("NSTBA_NO_INPUT", "1")
        .env("NSTBA_NETSUITE_URL", emu.url())
        .env("NSTBA_ACCOUNT", ACCOUNT)
        .env("NSTBA_CONSUMER_KEY", CK)
        .env("NSTBA_CONSUMER_SECRET", CS)
        .env("NSTBA_TOKEN_ID", TID)
        .env("NSTBA_TOKEN_SECRET", TS)
        .current_dir(home);
    cmd
}

/// Runs a command; returns its wall time and peak RSS in MB (from wait4's rusage).
fn measure(mut cmd: Command) -> (Duration, f64) {
    let started = Instant::now();
    // wait4 below reaps the child (std's wait would not give its rusage).
    #[allow(clippy::zombie_processes)]
    let child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("spawn nstba");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child; status and usage are valid out-parameters.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let took = started.elapsed();
    assert_eq!(r, pid, "wait4");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "nstba failed (status {status})"
    );
    (took, usage.ru_maxrss as f64 / 1024.0)
}

fn creds() -> Arc<Credentials> {
    Arc::new(Credentials {
        auth_id: None,
        account: AccountId::parse(ACCOUNT).unwrap(),
        grant: nstba::auth::Grant::Tba(nstba::auth::TbaPair {
            consumer_key: CK.into(),
            consumer_secret: Secret::new(CS),
            token_id: TID.into(),
            token_secret: Secret::new(TS),
        }),
        origin: Origin::Environment,
    })
}

/// The baseline: one file per request, on `workers` workers.
fn baseline(emu: &Emulator, dir: &Path, target: &str, workers: usize) -> Duration {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p)
            } else {
                files.push(p)
            }
        }
    }
    let endpoints = Endpoints::new(Some(&emu.url())).unwrap();
    let restlet = Restlet::new(
        Client::new().unwrap(),
        creds(),
        &endpoints,
        DEFAULT_SCRIPT,
        DEFAULT_DEPLOY,
    )
    .unwrap();
    let queue = Arc::new(std::sync::Mutex::new(files));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    rt.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..workers {
            let (restlet, queue, dir, target) = (
                restlet.clone(),
                queue.clone(),
                dir.to_path_buf(),
                target.to_string(),
            );
            tasks.push(tokio::spawn(async move {
                loop {
                    let next = queue.lock().unwrap().pop();
                    let Some(path) = next else { break };
                    let bytes = std::fs::read(&path).unwrap();
                    let rel = path
                        .strip_prefix(&dir)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/");
                    let file = match String::from_utf8(bytes) {
                        Ok(t) => PutFile {
                            path: format!("{target}/{rel}"),
                            encoding: "utf8",
                            content: t,
                        },
                        Err(e) => PutFile {
                            path: format!("{target}/{rel}"),
                            encoding: "base64",
                            content: base64::engine::general_purpose::STANDARD.encode(e.as_bytes()),
                        },
                    };
                    let reply = restlet.put(vec![file]).await.expect("put");
                    assert!(reply.remaining.is_empty());
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
    started.elapsed()
}

/// How many files a folder holds, asked through the RESTlet.
fn remote_count(emu: &Emulator, folder: &str) -> usize {
    let endpoints = Endpoints::new(Some(&emu.url())).unwrap();
    let restlet = Restlet::new(
        Client::new().unwrap(),
        creds(),
        &endpoints,
        DEFAULT_SCRIPT,
        DEFAULT_DEPLOY,
    )
    .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(restlet.list(folder)).unwrap().files.len()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--emulator") {
        serve_emulator(args[i + 1].parse().unwrap(), args[i + 2].parse().unwrap());
        return;
    }
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing: run only on --bench.
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let home = work.path();

    // 1. Deploy against the baselines.
    let emu = emulator(20, 5);
    let src = home.join("mixed");
    let bytes = make_files(&src, 400, 0, 70 * 1024, 1);
    let mut cmd = nstba(home, &emu);
    cmd.args([
        "deploy",
        "mixed",
        "--target",
        "SuiteScripts/bench-nstba",
        "-q",
    ]);
    let (t_nstba, rss_deploy_small) = measure(cmd);
    let t_serial = baseline(&emu, &src, "SuiteScripts/bench-serial", 1);
    let t_five = baseline(&emu, &src, "SuiteScripts/bench-five", 5);
    for folder in ["bench-nstba", "bench-serial", "bench-five"] {
        assert_eq!(remote_count(&emu, &format!("SuiteScripts/{folder}")), 400);
    }
    let mut cmd = nstba(home, &emu);
    cmd.args([
        "fetch",
        "SuiteScripts/bench-nstba",
        "--out",
        "fetched",
        "-q",
    ]);
    let (t_fetch, _) = measure(cmd);
    drop(emu);

    // 2. Unchanged re-deploy of 1,000 files.
    let emu = emulator(0, 0);
    make_files(&home.join("thousand"), 1000, 100, 4 * 1024, 2);
    let mut cmd = nstba(home, &emu);
    cmd.args([
        "deploy",
        "thousand",
        "--target",
        "SuiteScripts/thousand",
        "-q",
    ]);
    measure(cmd);
    let calls = emu.calls();
    let mut runs: Vec<Duration> = (0..10)
        .map(|_| {
            let mut cmd = nstba(home, &emu);
            cmd.args([
                "deploy",
                "thousand",
                "--target",
                "SuiteScripts/thousand",
                "-q",
            ]);
            measure(cmd).0
        })
        .collect();
    assert_eq!(
        emu.calls(),
        calls + 10,
        "an unchanged re-deploy sends one request: the listing that checks the state"
    );
    runs.sort();
    let t_redeploy = runs[runs.len() / 2];

    // 3. Peak memory moving 100 MB.
    let big = home.join("big");
    let big_bytes = make_files(&big, 200, 400 * 1024, 600 * 1024, 3);
    let mut cmd = nstba(home, &emu);
    cmd.args(["deploy", "big", "--target", "SuiteScripts/big", "-q"]);
    let (t_big, rss_deploy) = measure(cmd);
    let mut cmd = nstba(home, &emu);
    cmd.args(["fetch", "SuiteScripts/big", "--out", "big-back", "-q"]);
    let (t_big_fetch, rss_fetch) = measure(cmd);
    drop(emu);

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "nstba File Cabinet benchmarks ({} cores)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();
    println!("| work | figure |");
    println!("|---|---|");
    println!(
        "| deploy 400 files ({:.1} MB), emulator latency 20 ms, limit 5 | {:.0} ms (peak RSS {:.1} MB) |",
        bytes as f64 / 1048576.0,
        ms(t_nstba),
        rss_deploy_small
    );
    println!(
        "| baseline: serial, one file per request | {:.0} ms ({:.1}x slower) |",
        ms(t_serial),
        ms(t_serial) / ms(t_nstba)
    );
    println!(
        "| baseline: 5 workers, one file per request | {:.0} ms ({:.1}x slower) |",
        ms(t_five),
        ms(t_five) / ms(t_nstba)
    );
    println!("| fetch the same 400 files | {:.0} ms |", ms(t_fetch));
    println!(
        "| unchanged re-deploy, 1,000 files, one listing call (median of 10) | {:.0} ms |",
        ms(t_redeploy)
    );
    println!(
        "| deploy {:.0} MB (200 files) | {:.0} ms, peak RSS {:.1} MB |",
        big_bytes as f64 / 1048576.0,
        ms(t_big),
        rss_deploy
    );
    println!(
        "| fetch {:.0} MB (200 files) | {:.0} ms, peak RSS {:.1} MB |",
        big_bytes as f64 / 1048576.0,
        ms(t_big_fetch),
        rss_fetch
    );
}
