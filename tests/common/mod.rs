//! Shared test helpers: a temporary home and store per test, the real `nstba` binary with a
//! clean environment, and the emulator on 127.0.0.1:0.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub mod standin;

pub const ACCOUNT: &str = "1234567_SB1";
pub const CK: &str = "ck-0123456789abcdef";
pub const CS: &str = "CONSUMER-SECRET-do-not-print-81f2";
pub const TID: &str = "tid-abcdef0123456789";
pub const TS: &str = "TOKEN-SECRET-do-not-print-77a9";

/// A test's own folder: the store lives here, and it is the home and the current folder.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A sandbox with the emulator's token saved as `sb` (the only token, so it is used).
    pub fn with_token() -> Sandbox {
        let sb = Sandbox::new();
        sb.add_token("sb", ACCOUNT, TID, TS);
        sb
    }

    /// `nstba ARGS` against the emulator; its output.
    pub fn run(&self, emu: &nstba_emulator::Handle, args: &[&str]) -> std::process::Output {
        self.nstba()
            .args(args)
            .env("NSTBA_NETSUITE_URL", emu.url())
            .output()
            .unwrap()
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn store(&self) -> PathBuf {
        self.dir.path().join(".nstba")
    }

    /// The user's nstba settings (default token, per-project picks).
    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join(".config/nstba")
    }

    /// The deploy state files in the user's cache folder (not the temporary files of a
    /// write in progress).
    pub fn deploy_states(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.path().join(".cache/nstba/deploy"))
            .map(|d| {
                d.map(|e| e.unwrap().path())
                    .filter(|p| {
                        let name = p.file_name().unwrap().to_string_lossy();
                        name.ends_with(".json") && !name.starts_with('.')
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The token this user picked for a project folder, from projects.toml.
    pub fn project_choice(&self, dir: &Path) -> Option<String> {
        let text = std::fs::read_to_string(self.config_dir().join("projects.toml")).ok()?;
        let key = nstba::fsio::canonicalize(dir)
            .unwrap()
            .display()
            .to_string();
        let doc: toml_edit::DocumentMut = text.parse().unwrap();
        doc.get(&key)?.get("auth_id")?.as_str().map(str::to_string)
    }

    pub fn store_text(&self) -> String {
        std::fs::read_to_string(self.store()).unwrap_or_default()
    }

    pub fn store_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.store_text()).expect("store is JSON")
    }

    /// The real binary with nothing inherited that could change its behaviour.
    pub fn nstba(&self) -> Command {
        Command::from_std(self.nstba_std())
    }

    /// Same, as a plain std Command (for spawning many at once).
    pub fn nstba_std(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_nstba"));
        for (k, _) in std::env::vars() {
            if k.starts_with("NSTBA_") || k == "CI" || k == "BROWSER" {
                cmd.env_remove(k);
            }
        }
        // The home folder as Node's os.homedir() finds it: HOME on Unix, USERPROFILE on
        // Windows (docs/design.md §4); both point here, so neither platform reads the real one.
        cmd.env("HOME", self.path())
            .env("USERPROFILE", self.path())
            .env("NSTBA_STORE", self.store())
            .env("NSTBA_CONFIG_DIR", self.config_dir())
            .env("NSTBA_CACHE_DIR", self.path().join(".cache/nstba"))
            .env("NSTBA_NO_INPUT", "1")
            .current_dir(self.path());
        cmd
    }

    /// Temporary files (`*.tmp`) in the test's folder: none may be left behind.
    pub fn temp_files(&self) -> Vec<String> {
        std::fs::read_dir(self.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    /// An EC P-256 key and its certificate from `nstba auth keygen` (into `keys/`): the key's
    /// path and the certificate's PEM.
    pub fn keygen_es256(&self) -> (String, String) {
        let out = self
            .nstba()
            .args(["auth", "keygen", "--algorithm", "ES256", "--out", "keys"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let paths: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
        let cert = std::fs::read_to_string(&paths[1]).unwrap();
        (paths[0].clone(), cert)
    }

    /// Saves a token with `nstba auth add` (secrets through the environment).
    pub fn add_token(&self, auth_id: &str, account: &str, tid: &str, ts: &str) {
        self.nstba()
            .args([
                "auth",
                "add",
                auth_id,
                "--account",
                account,
                "--token-id",
                tid,
            ])
            .args(["--consumer-key", CK])
            .env("NSTBA_TOKEN_SECRET", ts)
            .env("NSTBA_CONSUMER_SECRET", CS)
            .assert()
            .success();
    }

    /// Starts `nstba auth add tok<i>` (a TBA token for `ACCOUNT`) and does not wait: one of
    /// many parallel writers. Its stderr is piped for the failure message.
    pub fn spawn_add_token(&self, i: usize) -> std::process::Child {
        self.nstba_std()
            .args(["auth", "add", &format!("tok{i:02}"), "--account", ACCOUNT])
            .args(["--token-id", &format!("{TID}-{i}"), "--consumer-key", CK])
            .env("NSTBA_TOKEN_SECRET", TS)
            .env("NSTBA_CONSUMER_SECRET", CS)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }
}

/// Sets a file's modification time, as a tool that restores times (or a coarse clock) does.
pub fn set_modified(path: &std::path::Path, time: std::time::SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(time)
        .unwrap();
}

/// The emulator for `ACCOUNT` with the integration record (CK, CS) and the token (TID, TS).
pub fn emulator() -> nstba_emulator::Handle {
    emulator_with(|_| {})
}

pub fn emulator_with(change: impl FnOnce(&mut nstba_emulator::Config)) -> nstba_emulator::Handle {
    let mut config = nstba_emulator::Config {
        account: ACCOUNT.into(),
        consumer_key: CK.into(),
        consumer_secret: CS.into(),
        tokens: vec![(TID.into(), TS.into())],
        ..Default::default()
    };
    change(&mut config);
    nstba_emulator::spawn(config).expect("emulator starts")
}

/// A port free a moment ago on 127.0.0.1 and on [::1] (where the machine has IPv6): for an
/// OAuth 2.0 redirect URI, which needs a fixed port.
pub fn free_port() -> u16 {
    loop {
        let v4 = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = v4.local_addr().unwrap().port();
        match std::net::TcpListener::bind(("::1", port)) {
            Ok(_) => return port,
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
            Err(_) => return port,
        }
    }
}

/// A loopback URL where nothing listens (a port that was free a moment ago).
pub fn dead_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}")
}

/// Asserts that no secret appears in a text.
pub fn assert_no_secrets(what: &str, text: &str) {
    for secret in [CS, TS] {
        assert!(
            !text.contains(secret),
            "a secret leaked into {what}:\n{text}"
        );
    }
}

pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `NSTBA_BROWSER` for the Python browser stand-in (scripts/standin-browser.py). Under Wine
/// (the Windows tests), Wine's `start /unix` runs the Linux python3 for nstba.exe, and the
/// stand-in turns the Windows paths it is given back into Linux ones.
pub fn standin_browser() -> String {
    let script = format!("{}/scripts/standin-browser.py", env!("CARGO_MANIFEST_DIR"));
    if cfg!(windows) {
        format!("start.exe /unix /usr/bin/python3 {script}")
    } else {
        format!("python3 {script}")
    }
}

/// A running `nstba` whose stderr is read line by line while it runs.
pub struct Running {
    pub child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    pub seen: Vec<String>,
}

impl Running {
    /// Waits (up to 30 s) for a stderr line containing `needle` and returns it.
    pub fn line_with(&mut self, needle: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!("no line with {needle:?} on stderr; saw:\n{:#?}", self.seen),
            }
        }
    }

    /// The consent page's URL nstba printed.
    pub fn authorize_url(&mut self) -> String {
        self.line_with("authorizetoken.nl").trim().to_string()
    }

    /// The callback URL nstba listens on.
    pub fn callback_url(&mut self) -> String {
        let line = self.line_with("send the browser back to ");
        let rest = line.split("send the browser back to ").nth(1).unwrap();
        rest.split_whitespace().next().unwrap().to_string()
    }

    /// Waits for the exit; returns the code and the rest of stderr.
    pub fn finish(mut self) -> (Option<i32>, String) {
        let status = self.child.wait().unwrap();
        let mut rest: Vec<String> = self.seen;
        rest.extend(self.lines.iter());
        (status.code(), rest.join("\n"))
    }
}

impl Sandbox {
    /// Starts `nstba ARGS` with piped stdin and stderr read as it comes.
    pub fn spawn(&self, args: &[&str], env: &[(&str, &str)]) -> Running {
        let mut cmd = self.nstba_std();
        cmd.env_remove("BROWSER").args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        spawn_running(cmd)
    }
}

/// Starts a command with piped stdin and stderr read as it comes.
pub fn spawn_running(mut cmd: std::process::Command) -> Running {
    use std::io::BufRead as _;
    {
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines: rx,
            seen: Vec::new(),
        }
    }
}

/// An HTTP client that does not follow redirects (the tests follow them by hand).
pub fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
}

/// The emulator's flow environment for nstba: its URL, the consumer pair, any free port.
pub fn flow_env(emu: &nstba_emulator::Handle) -> Vec<(&'static str, String)> {
    vec![
        ("NSTBA_NETSUITE_URL", emu.url()),
        ("NSTBA_CONSUMER_KEY", CK.to_string()),
        ("NSTBA_CONSUMER_SECRET", CS.to_string()),
        ("NSTBA_CALLBACK_URL", "http://localhost:0/tba".to_string()),
    ]
}

pub fn env_refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Every file under `root`: its path relative to `root` (with `/`) and its bytes.
pub fn read_tree(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// A file another process writes (the browser stand-in's last page), once it is there: the
/// stand-in is started, not waited for, so it may finish after nstba has exited.
pub fn written_file(path: &Path) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        match std::fs::read_to_string(path) {
            Ok(text) if text.contains("</html>") => return text,
            _ if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(50))
            }
            other => panic!("{} was never written: {other:?}", path.display()),
        }
    }
}

/// A server on 127.0.0.1:0 that answers every request with `answer` (a whole HTTP response
/// head, then whatever `body` writes), and counts its requests.
pub fn hostile(
    answer: &'static str,
    body: fn(&mut std::net::TcpStream),
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let _ = stream.write_all(answer.as_bytes());
                body(&mut stream);
            });
        }
    });
    (url, hits)
}

/// Runs a command and returns its output with its peak RSS in KB (from wait4, which also
/// reaps the child).
#[cfg(unix)]
#[allow(clippy::zombie_processes)]
pub fn run_measured(mut cmd: std::process::Command) -> (std::process::Output, u64) {
    use std::io::Read as _;
    use std::os::unix::process::ExitStatusExt as _;
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        buf
    });
    let mut stdout = Vec::new();
    let _ = out.read_to_end(&mut stdout);
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    assert_eq!(unsafe { libc::wait4(pid, &mut status, 0, &mut usage) }, pid);
    let output = std::process::Output {
        status: std::process::ExitStatus::from_raw(status),
        stdout,
        stderr: reader.join().unwrap(),
    };
    (output, usage.ru_maxrss as u64)
}

/// Makes a file the user's alone, as nstba's own writes are (0600 on Unix).
pub fn make_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    #[cfg(windows)]
    let _ = path;
}

/// Asserts that a file nstba wrote is the user's alone (mode 0600 on Unix).
pub fn assert_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", path.display());
    }
    #[cfg(windows)]
    let _ = path;
}
