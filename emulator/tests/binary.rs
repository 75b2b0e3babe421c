//! The `nstba-emulator` binary: the first line on stdout names the port it listens on, and
//! it answers there.

use std::io::{BufRead as _, Read as _, Write as _};

#[test]
fn first_line_names_the_port() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_nstba-emulator"))
        .args(["--port", "0", "--account", "1234567_SB1", "--auto-approve"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_string();
    assert!(addr.starts_with("127.0.0.1:"));
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .write_all(b"GET /rest/tokeninfo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(
        answer.contains("INVALID_LOGIN_ATTEMPT") || answer.contains("MissingRequiredParameter")
    );
}
