//! The callback listener's bounds (docs/design.md §3) against other local processes: floods of idle
//! connections under a low descriptor limit, a huge request line, a `[::1]` port held by
//! someone else; and the browser child's environment.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::common::*;

/// The test process itself opens a thousand sockets: lift its soft limit towards the hard one,
/// to at most 10240 (macOS refuses a soft limit over `OPEN_MAX` where the hard one is unlimited).
#[cfg(unix)]
fn raise_own_descriptor_limit() {
    unsafe {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
            lim.rlim_cur = lim.rlim_cur.max(lim.rlim_max.min(10240));
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

/// `nstba auth login sb --no-browser` against the emulator, under `ulimit -n nofile` if given.
fn start_login(sb: &Sandbox, emu: &nstba_emulator::Handle, nofile: Option<u64>) -> Running {
    let mut cmd = sb.nstba_std();
    cmd.args(["auth", "login", "sb", "--account", ACCOUNT, "--no-browser"]);
    cmd.envs(flow_env(emu));
    #[cfg(not(unix))]
    assert!(nofile.is_none(), "descriptor limits are Unix's");
    #[cfg(unix)]
    if let Some(n) = nofile {
        use std::os::unix::process::CommandExt as _;
        // SAFETY: setrlimit is async-signal-safe, and nothing else runs in the child here.
        unsafe {
            cmd.pre_exec(move || {
                let lim = libc::rlimit {
                    rlim_cur: n,
                    rlim_max: n,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    spawn_running(cmd)
}

fn port_of(callback: &str) -> u16 {
    callback
        .trim_start_matches("http://localhost:")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// The emulator allows at once: the callback URL it redirects to.
fn callback_location(authorize: &str) -> String {
    let r = http().get(authorize).send().unwrap();
    assert_eq!(r.status(), 302);
    r.headers()["location"].to_str().unwrap().to_string()
}

/// Sends the real callback until the listener takes it (a browser's reload), up to 30 s.
fn deliver(location: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match http().get(location).send() {
            Ok(r) => {
                assert_eq!(r.status(), 200);
                return r.text().unwrap();
            }
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(e) => panic!("the callback never got through: {e}"),
        }
    }
}

/// Peak resident memory of a process, in KB (VmHWM).
#[cfg(unix)]
fn peak_rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[cfg(unix)]
#[test]
fn a_thousand_idle_connections_under_ulimit_256_do_not_stop_the_callback() {
    raise_own_descriptor_limit();
    let emu = emulator_with(|c| c.decision = nstba_emulator::Decision::Allow);
    let sb = Sandbox::new();
    let mut run = start_login(&sb, &emu, Some(256));
    let authorize = run.authorize_url();
    let addr = SocketAddr::from(([127, 0, 0, 1], port_of(&run.callback_url())));

    // Any local process can do this: connect and send nothing, a thousand times.
    let idle: Vec<TcpStream> = (0..1000)
        .filter_map(|_| TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok())
        .collect();
    assert!(idle.len() > 900, "only {} connected", idle.len());
    // Past the bound, connections are closed at once (a read sees the end).
    let closed = idle
        .iter()
        .filter(|s| {
            s.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
            matches!((&**s).read(&mut [0u8; 1]), Ok(0))
        })
        .count();
    assert!(
        closed >= idle.len() - 64,
        "{closed} of {} closed",
        idle.len()
    );

    // The real callback still completes (once the held ones time out, at the latest).
    let page = deliver(&callback_location(&authorize));
    assert!(page.contains("saved the token as 'sb'"), "{page}");
    let (code, err) = run.finish();
    assert_eq!(code, Some(0), "{err}");
    assert!(sb.store_json()["sb"]["token"].is_string());
    drop(idle);
}

#[test]
fn a_one_megabyte_request_line_gets_431_and_memory_stays_flat() {
    let emu = emulator_with(|c| c.decision = nstba_emulator::Decision::Allow);
    let sb = Sandbox::new();
    let mut run = start_login(&sb, &emu, None);
    let authorize = run.authorize_url();
    let addr = SocketAddr::from(([127, 0, 0, 1], port_of(&run.callback_url())));

    let mut stream = TcpStream::connect(addr).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let line = format!(
            "GET /tba?{} HTTP/1.1\r\nHost: localhost\r\n\r\n",
            "a".repeat(1 << 20)
        );
        // The listener stops reading after 8 KB; a reset on our side is expected.
        let _ = writer.write_all(line.as_bytes());
    });
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    sender.join().unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    #[cfg(unix)]
    {
        let rss = peak_rss_kb(run.child.id());
        assert!(rss < 50 * 1024, "peak RSS {rss} KB");
    }

    // The wait goes on, and the real callback completes.
    let page = deliver(&callback_location(&authorize));
    assert!(page.contains("saved the token"), "{page}");
    let (code, err) = run.finish();
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn a_taken_ipv6_port_is_an_error_that_names_it() {
    // Another process holds [::1]:PORT (where this machine has IPv6 at all).
    let Ok(holder) = std::net::TcpListener::bind("[::1]:0") else {
        eprintln!("no IPv6 loopback here; nothing to test");
        return;
    };
    let port = holder.local_addr().unwrap().port();
    let emu = emulator();
    let sb = Sandbox::new();
    let out = sb
        .nstba()
        .args(["auth", "login", "sb", "--account", ACCOUNT, "--no-browser"])
        .envs(flow_env(&emu))
        .env("NSTBA_CALLBACK_URL", format!("http://localhost:{port}/tba"))
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("port {port} is already in use on ::1")),
        "{err}"
    );
    assert!(!sb.store().exists());
    emu.assert_no_calls();
}

#[cfg(unix)]
#[test]
fn the_browser_starts_without_any_secret_in_its_environment() {
    let emu = emulator();
    let sb = Sandbox::new();
    let dump = sb.path().join("browser-env.txt");
    let script = sb.path().join("browser.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nenv > '{}'\nexec {} \"$@\"\n",
            dump.display(),
            standin_browser()
        ),
    )
    .unwrap();
    let secrets = [
        ("NSTBA_TOKEN_SECRET", "env-token-secret-0f3a"),
        ("NSTBA_TOKEN_ID", "env-token-id-99c1"),
        ("NSTBA_CLIENT_SECRET", "env-client-secret-5e2b"),
        (
            "NSTBA_PRIVATE_KEY",
            "-----BEGIN PRIVATE KEY----- env-key-7d4c",
        ),
    ];
    let out = sb
        .nstba()
        .args(["auth", "login", "sb", "--account", ACCOUNT])
        .envs(flow_env(&emu))
        .env("NSTBA_BROWSER", format!("sh {}", script.display()))
        .envs(secrets)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let env = std::fs::read_to_string(&dump).unwrap();
    assert!(
        env.contains("NSTBA_NETSUITE_URL="),
        "the dump is real: {env}"
    );
    assert!(!env.contains(CS), "the consumer secret reached the browser");
    for (name, value) in secrets {
        assert!(!env.contains(value), "{name} reached the browser");
    }
}

/// Another local process that holds `n` idle connections to 127.0.0.1:`port` and opens a new
/// one for each that is closed; it prints `ready` once it holds them all, and on exit how
/// many it reopened.
#[cfg(unix)]
const FLOOD: &str = r#"
import resource, selectors, socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = 10240 if hard == resource.RLIM_INFINITY else min(hard, 10240)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
sel = selectors.DefaultSelector()
def connect():
    s = socket.socket()
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
for _ in range(n):
    connect()
print("ready", flush=True)
reopened = 0
try:
    while True:
        for key, _ in sel.select(timeout=1):
            try:
                data = key.fileobj.recv(1)
            except OSError:
                data = b""
            if not data:
                sel.unregister(key.fileobj)
                key.fileobj.close()
                connect()
                reopened += 1
except KeyboardInterrupt:
    pass
finally:
    print("reopened", reopened, flush=True)
"#;

/// A thousand idle connections from another process that reconnects each one that is closed:
/// the browser's callback, sent as soon as it connects, is served on its first try within a
/// second (a new connection takes the place of the oldest one that has sent no whole head).
#[cfg(unix)]
#[test]
fn a_reconnecting_flood_does_not_keep_the_browser_out() {
    use std::io::BufRead as _;
    let emu = emulator_with(|c| c.decision = nstba_emulator::Decision::Allow);
    let sb = Sandbox::new();
    let mut run = start_login(&sb, &emu, None);
    let authorize = run.authorize_url();
    let port = port_of(&run.callback_url());
    let mut flood = std::process::Command::new("python3")
        .args(["-c", FLOOD, &port.to_string(), "1000"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs the flood");
    let mut lines = std::io::BufReader::new(flood.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    // The flood churns: let it run a moment at full strength.
    std::thread::sleep(Duration::from_millis(500));

    let location = callback_location(&authorize);
    let target = location
        .split_once(&format!(":{port}"))
        .map(|(_, t)| t.to_string())
        .unwrap();
    let started = Instant::now();
    let mut browser = TcpStream::connect(("127.0.0.1", port)).unwrap();
    browser
        .write_all(format!("GET {target} HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n").as_bytes())
        .unwrap();
    browser
        .set_read_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = browser.read_to_end(&mut answer);
    let took = started.elapsed();
    let answer = String::from_utf8_lossy(&answer).into_owned();

    unsafe { libc::kill(flood.id() as libc::pid_t, libc::SIGINT) };
    let _ = flood.wait();
    let reopened = lines.map_while(Result::ok).collect::<Vec<_>>().join(" ");
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.contains("saved the token as 'sb'"),
        "after {took:?} (flood: {reopened}): {answer}"
    );
    assert!(took < Duration::from_secs(1), "{took:?}");
    let (code, err) = run.finish();
    assert_eq!(code, Some(0), "{err}");
    eprintln!("callback served in {took:?} under the flood ({reopened})");
}
