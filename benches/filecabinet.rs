//! File Cabinet figures against design §11's performance model (`cargo bench --bench filecabinet`),
//! printed as a markdown table: nstba's time, the model's lower bound, their ratio, and the
//! peers' times, all from the same run.
//!
//! - A: deploy 2,000 files (1 to 80 KB, about 40 MB) to an account with a call overhead of
//!   300 ms, 40 ms of server time per file and a limit of 5 calls at once (`--jobs 5`);
//! - B: the same at a limit of 15 with `--jobs auto` (the default), and the share of calls the
//!   account refused;
//! - C: fetch of A's folder (limit 5, `--jobs 5`);
//! - D: an unchanged re-deploy of 20,000 files, with the listing that checks the deploy state
//!   (no server cost: what nstba itself takes), median of 5;
//! - E: peak memory (max RSS) deploying and fetching 1 GB (200 files of 5 MB).
//!
//! The lower bound of N files, with a server time f per file, an overhead c per call, at most
//! g files per call (governance: 5,000 units, 30 a put, 10 a get) and L calls at once, is
//! `(N·f + ⌈N/g⌉·c) / L + one round trip`; a fetch cannot start its gets before its listing
//! call, so C's bound adds that call's c.
//!
//! The peers speak the same RESTlet protocol one file per request, serially and on 5 workers.
//! The 5-worker peer runs the whole of A; the serial peer (about 11 minutes for A) and the
//! fetch peers run on every 10th file and their time is multiplied by 10, which the table says.
//! They use nstba's own signer and client, so the comparison measures scheduling, not the HTTP
//! stack. The emulator runs in a child process (this binary with `--emulator`), so that the
//! peak RSS read with wait4 is nstba's own.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use nstba::account::{AccountId, Endpoints};
use nstba::auth::Authorizer;
use nstba::netsuite::client::Client;
use nstba::netsuite::restlet::{DEFAULT_DEPLOY, DEFAULT_SCRIPT, PutBody, Restlet};
use nstba::secret::Secret;

const ACCOUNT: &str = "1234567";
const CK: &str = "bench-ck";
const CS: &str = "bench-cs";
const TID: &str = "bench-tid";
const TS: &str = "bench-ts";

/// The emulator's cost model for one scenario.
#[derive(Clone, Copy, Default)]
struct Cost {
    limit: usize,
    overhead_ms: u64,
    file_ms: u64,
}

/// The emulator in a child process; it stops when its stdin closes (on drop).
struct Emulator {
    child: std::process::Child,
    url: String,
}

impl Emulator {
    fn url(&self) -> String {
        self.url.clone()
    }

    fn stats(&self) -> serde_json::Value {
        reqwest::blocking::get(format!("{}/emulator/stats", self.url))
            .unwrap()
            .json()
            .unwrap()
    }

    /// One round trip to the emulator, median of 9.
    fn rtt(&self) -> Duration {
        let client = reqwest::blocking::Client::new();
        let mut times: Vec<Duration> = (0..9)
            .map(|_| {
                let t = Instant::now();
                client
                    .get(format!("{}/emulator/stats", self.url))
                    .send()
                    .unwrap();
                t.elapsed()
            })
            .collect();
        times.sort();
        times[4]
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

fn emulator(cost: Cost) -> Emulator {
    use std::io::BufRead as _;
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--emulator",
            &cost.limit.to_string(),
            &cost.overhead_ms.to_string(),
            &cost.file_ms.to_string(),
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

/// `--emulator LIMIT OVERHEAD_MS FILE_MS`: serve until stdin closes (0 for LIMIT: no limit).
fn serve_emulator(args: &[String]) {
    let n = |i: usize| args[i].parse::<u64>().unwrap();
    let handle = nstba_emulator::spawn(nstba_emulator::Config {
        account: ACCOUNT.into(),
        consumer_key: CK.into(),
        consumer_secret: CS.into(),
        tokens: vec![(TID.into(), TS.into())],
        max_concurrency: (n(0) > 0).then_some(n(0) as usize),
        call_overhead_ms: n(1),
        file_ms: n(2),
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

/// `count` files, half text and half binary, in 8 folders; sizes from `min` to `max`, most of
/// them small (the cube of a uniform draw, as in a real project: many small scripts, a few
/// large bundles). Returns the bytes written.
fn make_files(dir: &Path, count: usize, min: usize, max: usize, seed: u64) -> u64 {
    let mut rng = Rng(seed);
    let mut total = 0;
    for i in 0..count {
        let u = (rng.next() % 1_000_000) as f64 / 1_000_000.0;
        let size = min + ((max - min) as f64 * u * u * u) as usize;
        let (name, bytes) = if i % 2 == 0 {
            let line = b"function f() { return 'nstba bench'; } // text\n";
            let text: Vec<u8> = line.iter().cycle().take(size).copied().collect();
            (format!("d{}/f{i:05}.js", i % 8), text)
        } else {
            (format!("d{}/f{i:05}.bin", i % 8), rng.bytes(size))
        };
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, &bytes).unwrap();
        total += bytes.len() as u64;
    }
    total
}

/// Every file under `dir`, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
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
    files.sort();
    files
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

fn restlet(emu: &Emulator) -> Restlet {
    let creds = Arc::new(Authorizer::new(
        AccountId::parse(ACCOUNT).unwrap(),
        nstba::auth::Grant::Tba(nstba::auth::TbaPair {
            consumer_key: CK.into(),
            consumer_secret: Secret::new(CS),
            token_id: TID.into(),
            token_secret: Secret::new(TS),
        }),
    ));
    let endpoints = Endpoints::new(Some(&emu.url())).unwrap();
    Restlet::new(
        Client::over(nstba::http::Http::new().unwrap()),
        creds,
        &endpoints,
        DEFAULT_SCRIPT,
        DEFAULT_DEPLOY,
    )
    .unwrap()
}

/// Runs `one` on each item, on `workers` workers; returns the wall time.
fn peer<T: Send + 'static, F, Fut>(items: Vec<T>, workers: usize, one: F) -> Duration
where
    F: Fn(T) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let queue = Arc::new(std::sync::Mutex::new(items));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    rt.block_on(async {
        let tasks: Vec<_> = (0..workers)
            .map(|_| {
                let (queue, one) = (queue.clone(), one.clone());
                tokio::spawn(async move {
                    loop {
                        let next = queue.lock().unwrap().pop();
                        let Some(item) = next else { break };
                        one(item).await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    started.elapsed()
}

/// The deploy peer: one file per `put`.
fn peer_deploy(
    emu: &Emulator,
    dir: &Path,
    files: Vec<PathBuf>,
    target: &str,
    workers: usize,
) -> Duration {
    let (restlet, dir, target) = (restlet(emu), dir.to_path_buf(), target.to_string());
    peer(files, workers, move |path: PathBuf| {
        let (restlet, dir, target) = (restlet.clone(), dir.clone(), target.clone());
        async move {
            let bytes = std::fs::read(&path).unwrap();
            let rel = path
                .strip_prefix(&dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let mut body = PutBody::default();
            body.push(&format!("{target}/{rel}"), &bytes, usize::MAX);
            let reply = restlet.put_body(body).await.expect("put");
            assert!(reply.remaining.is_empty());
        }
    })
}

/// The fetch peer: one file per `get`, written under `out`.
fn peer_fetch(emu: &Emulator, paths: Vec<String>, out: &Path, workers: usize) -> Duration {
    let (restlet, out) = (restlet(emu), out.to_path_buf());
    peer(paths, workers, move |path: String| {
        let (restlet, out) = (restlet.clone(), out.clone());
        async move {
            let reply = restlet.get(std::slice::from_ref(&path)).await.expect("get");
            let file = &reply.files[0];
            let bytes = if file.encoding == "base64" {
                base64::engine::general_purpose::STANDARD
                    .decode(&file.content)
                    .unwrap()
            } else {
                file.content.clone().into_bytes()
            };
            let local = out.join(path.replace('/', "_"));
            std::fs::write(local, bytes).unwrap();
        }
    })
}

/// Every file in a folder, asked through the RESTlet.
fn remote_files(emu: &Emulator, folder: &str) -> Vec<String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut paths: Vec<String> = rt
        .block_on(restlet(emu).list(folder))
        .unwrap()
        .files
        .into_iter()
        .map(|f| f.path)
        .collect();
    paths.sort();
    paths
}

/// design §11's lower bound, in seconds.
fn bound(n: usize, cost: Cost, per_call: usize, rtt: Duration) -> f64 {
    let (f, c) = (
        cost.file_ms as f64 / 1000.0,
        cost.overhead_ms as f64 / 1000.0,
    );
    (n as f64 * f + n.div_ceil(per_call) as f64 * c) / cost.limit as f64 + rtt.as_secs_f64()
}

/// Put and get files a call allows (emulator governance: 5,000 units; a put is a search and a
/// save, 30; a get a load, 10).
const PUTS_PER_CALL: usize = 5000 / 30;
const GETS_PER_CALL: usize = 5000 / 10;

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--emulator") {
        serve_emulator(&args[i + 1..]);
        return;
    }
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing: run only on --bench.
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    // NSTBA_BENCH_ONLY=D,E runs only those scenarios (A and C run together, with the peers).
    let only = std::env::var("NSTBA_BENCH_ONLY").unwrap_or_default();
    let runs = |s: &str| only.is_empty() || only.split(',').any(|o| o.trim() == s);
    let work = tempfile::tempdir().unwrap();
    let home = work.path();
    let mut rows: Vec<String> = Vec::new();
    let deploy = |emu: &Emulator, src: &str, target: &str, extra: &[&str]| {
        let mut cmd = nstba(home, emu);
        cmd.args(["deploy", src, "--target", target, "-q"])
            .args(extra);
        measure(cmd)
    };
    let fetch = |emu: &Emulator, folder: &str, out: &str, extra: &[&str]| {
        let mut cmd = nstba(home, emu);
        cmd.args(["fetch", folder, "--out", out, "-q"]).args(extra);
        measure(cmd)
    };

    // A and C: limit 5.
    let n = 2000;
    let cost_a = Cost {
        limit: 5,
        overhead_ms: 300,
        file_ms: 40,
    };
    let rtt = emulator(Cost::default()).rtt();
    let src = home.join("a");
    let a_bytes = if runs("A") || runs("B") || runs("C") {
        make_files(&src, n, 1024, 80 * 1024, 1)
    } else {
        0
    };
    if runs("A") || runs("C") {
        let files = files_under(&src);
        let sample: Vec<PathBuf> = files.iter().step_by(10).cloned().collect();
        eprintln!("A: {n} files, {:.1} MB", a_bytes as f64 / 1048576.0);
        let cost_a = Cost {
            limit: 5,
            overhead_ms: 300,
            file_ms: 40,
        };
        let emu = emulator(cost_a);
        let rtt = emu.rtt();
        let (t_a, _) = deploy(&emu, "a", "SuiteScripts/a", &["--jobs", "5"]);
        let stats_a = emu.stats();
        assert_eq!(remote_files(&emu, "SuiteScripts/a").len(), n);
        eprintln!("A: nstba {:.2} s; {stats_a}", secs(t_a));
        let (t_c, _) = fetch(&emu, "SuiteScripts/a", "a-back", &["--jobs", "5"]);
        assert_eq!(files_under(&home.join("a-back")).len(), n);
        eprintln!("C: nstba {:.2} s", secs(t_c));
        drop(emu);

        eprintln!("A: the peers (about 3 minutes)...");
        let emu = emulator(cost_a);
        let t_a_five = peer_deploy(&emu, &src, files.clone(), "SuiteScripts/p5", 5);
        let t_a_serial = peer_deploy(&emu, &src, sample.clone(), "SuiteScripts/p1", 1) * 10;
        let remote = remote_files(&emu, "SuiteScripts/p5");
        assert_eq!(remote.len(), n);
        let remote_sample: Vec<String> = remote.iter().step_by(10).cloned().collect();
        std::fs::create_dir_all(home.join("peer-back")).unwrap();
        let t_c_five = peer_fetch(&emu, remote_sample.clone(), &home.join("peer-back"), 5) * 10;
        let t_c_serial = peer_fetch(&emu, remote_sample, &home.join("peer-back"), 1) * 10;
        drop(emu);

        let b_a = bound(n, cost_a, PUTS_PER_CALL, rtt);
        rows.push(format!(
        "| A: deploy {n} files ({:.0} MB), c 300 ms, f 40 ms, limit 5, `--jobs 5` | {:.1} s | {:.1} s | {:.2}x | 5 workers: {:.1} s ({:.1}x nstba); serial: {:.0} s ×10 sample ({:.0}x) |",
        a_bytes as f64 / 1048576.0,
        secs(t_a),
        b_a,
        secs(t_a) / b_a,
        secs(t_a_five),
        secs(t_a_five) / secs(t_a),
        secs(t_a_serial),
        secs(t_a_serial) / secs(t_a),
    ));
        let b_c = bound(n, cost_a, GETS_PER_CALL, rtt) + cost_a.overhead_ms as f64 / 1000.0;
        rows.push(format!(
        "| C: fetch A's folder, limit 5, `--jobs 5` | {:.1} s | {:.1} s | {:.2}x | 5 workers: {:.0} s ×10 sample ({:.0}x); serial: {:.0} s ×10 sample ({:.0}x) |",
        secs(t_c),
        b_c,
        secs(t_c) / b_c,
        secs(t_c_five),
        secs(t_c_five) / secs(t_c),
        secs(t_c_serial),
        secs(t_c_serial) / secs(t_c),
    ));
    }
    if runs("B") {
        // B: limit 15, --jobs auto.
        let cost_b = Cost {
            limit: 15,
            ..cost_a
        };
        let emu = emulator(cost_b);
        let (t_b, _) = deploy(&emu, "a", "SuiteScripts/b", &[]);
        let stats_b = emu.stats();
        assert_eq!(remote_files(&emu, "SuiteScripts/b").len(), n);
        eprintln!("B: nstba {:.2} s; {stats_b}", secs(t_b));
        drop(emu);
        let (calls, refused) = (
            stats_b["calls"].as_f64().unwrap(),
            stats_b["refused"].as_f64().unwrap(),
        );
        let b_b = bound(n, cost_b, PUTS_PER_CALL, rtt);
        rows.push(format!(
        "| B: A at limit 15, `--jobs auto` | {:.1} s, {refused} of {calls} calls refused ({:.1}%), peak {} in flight | {:.1} s | {:.2}x | as A (5 workers never meet a limit of 15) |",
        secs(t_b),
        100.0 * refused / calls,
        stats_b["peakInFlight"],
        b_b,
        secs(t_b) / b_b,
    ));
        // B2: the next deploy to that account (a new folder: every file goes), starting at the
        // limit the first run learned and kept in the cache folder (issue 19).
        let emu = emulator(cost_b);
        let (t_b2, _) = deploy(&emu, "a", "SuiteScripts/b2", &[]);
        let stats_b2 = emu.stats();
        assert_eq!(remote_files(&emu, "SuiteScripts/b2").len(), n);
        eprintln!("B2: nstba {:.2} s; {stats_b2}", secs(t_b2));
        drop(emu);
        let (calls2, refused2) = (
            stats_b2["calls"].as_f64().unwrap(),
            stats_b2["refused"].as_f64().unwrap(),
        );
        rows.push(format!(
        "| B2: B again, the limit remembered | {:.1} s, {refused2} of {calls2} calls refused ({:.1}%), peak {} in flight | {:.1} s | {:.2}x | - |",
        secs(t_b2),
        100.0 * refused2 / calls2,
        stats_b2["peakInFlight"],
        b_b,
        secs(t_b2) / b_b,
    ));
    }
    if runs("D") {
        // D: an unchanged re-deploy of 20,000 files.
        let emu = emulator(Cost::default());
        make_files(&home.join("d"), 20_000, 100, 4 * 1024, 2);
        deploy(&emu, "d", "SuiteScripts/d", &[]);
        let calls = emu.stats()["calls"].as_u64().unwrap();
        let mut runs: Vec<Duration> = (0..5)
            .map(|_| deploy(&emu, "d", "SuiteScripts/d", &[]).0)
            .collect();
        assert_eq!(
            emu.stats()["calls"].as_u64().unwrap(),
            calls + 5,
            "an unchanged re-deploy makes one call: the listing that checks the state"
        );
        runs.sort();
        rows.push(format!(
        "| D: unchanged re-deploy of 20,000 files, with its listing call (no server cost; median of 5) | {:.0} ms | | | |",
        secs(runs[2]) * 1000.0
    ));
        drop(emu);
    }
    if runs("E") {
        // E: peak memory moving 1 GB.
        let emu = emulator(Cost::default());
        let e_bytes = make_files(&home.join("e"), 200, 5 << 20, 5 << 20, 3);
        let (t_e, rss_deploy) = deploy(&emu, "e", "SuiteScripts/e", &[]);
        let (t_e_fetch, rss_fetch) = fetch(&emu, "SuiteScripts/e", "e-back", &[]);
        drop(emu);
        let gb = e_bytes as f64 / 1073741824.0;
        rows.push(format!(
        "| E: deploy {gb:.2} GB (200 files of 5 MB) | peak RSS {rss_deploy:.1} MB ({:.1} s) | | | |",
        secs(t_e)
    ));
        rows.push(format!(
            "| E: fetch {gb:.2} GB | peak RSS {rss_fetch:.1} MB ({:.1} s) | | | |",
            secs(t_e_fetch)
        ));
    }
    println!(
        "nstba File Cabinet benchmarks ({} cores; round trip to the emulator {:.2} ms)",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        rtt.as_secs_f64() * 1000.0
    );
    println!();
    println!("| scenario | nstba | lower bound | ratio | peers (one file per request) |");
    println!("|---|---|---|---|---|");
    for row in rows {
        println!("{row}");
    }
}
