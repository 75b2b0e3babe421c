//! `nstba request` over real HTTP against the emulator, whose signature check is its own.

use crate::common::*;

fn audit_details(emu: &nstba_emulator::Handle) -> Vec<String> {
    emu.audit().into_iter().map(|a| a.detail).collect()
}

#[test]
fn signed_get_with_awkward_query_passes_the_emulator() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    let out = sb.run(
        &emu,
        &[
            "request",
            "GET",
            "/services/rest/record/v1/employee/7?expand=a+b&q=J%C3%BCrgen&q=%2F%3F&empty=&flag",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["id"], "7");
    assert_eq!(audit_details(&emu), ["ok"]);
}

#[test]
fn post_json_from_file_and_include_headers() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    std::fs::write(sb.path().join("body.json"), r#"{"firstName":"Ada"}"#).unwrap();
    let out = sb.run(
        &emu,
        &[
            "request",
            "POST",
            "/services/rest/record/v1/employee",
            "-d",
            "@body.json",
            "-i",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("HTTP/1.1 204"), "{text}");
    assert!(text.to_lowercase().contains("location: http://"));
}

#[test]
fn output_file() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    sb.nstba()
        .args(["request", "GET", "/rest/tokeninfo", "-o", "info.json"])
        .env("NSTBA_NETSUITE_URL", emu.url())
        .assert()
        .success()
        .stdout("");
    let info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sb.path().join("info.json")).unwrap()).unwrap();
    assert_eq!(info["companyId"], ACCOUNT);
}

#[test]
fn wrong_token_secret_exits_3_with_the_hint() {
    let emu = emulator();
    let sb = Sandbox::new();
    sb.add_token("sb", ACCOUNT, TID, "not-the-secret");
    let out = sb.run(
        &emu,
        &["request", "GET", "/services/rest/record/v1/employee/1"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("HTTP 401: INVALID_LOGIN"), "{err}");
    assert!(err.contains("Login Audit Trail"));
    assert!(err.contains("sent: 1234567_SB1"));
    assert!(stdout(&out).is_empty());
    assert_eq!(audit_details(&emu), ["InvalidSignature"]);
}

#[test]
fn clock_skew_is_reported() {
    let emu = emulator_with(|c| c.clock_offset = 3600);
    let sb = Sandbox::with_token();
    let out = sb.run(&emu, &["request", "GET", "/rest/tokeninfo"]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(err.contains("clock skew"), "{err}");
    assert!(err.contains("ahead of this machine's"), "{err}");
}

#[test]
fn not_found_exits_1_with_decoded_error() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    let out = sb.run(
        &emu,
        &["request", "GET", "/services/rest/record/v1/employee/999"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("HTTP 404: NONEXISTENT_ID"));
    assert!(!stderr(&out).contains("Login Audit Trail"));
}

#[test]
fn network_failure_exits_5() {
    let sb = Sandbox::with_token();
    let out = sb
        .nstba()
        .args(["request", "GET", "/rest/tokeninfo"])
        .env("NSTBA_NETSUITE_URL", dead_url())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("could not connect"));
}

#[test]
fn form_content_type_signs_the_body() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    // The emulator's check includes form parameters; a wrong signature would be refused
    // before the endpoint answers (404 for this path, after the check passed).
    let out = sb
        .nstba()
        .args([
            "request",
            "POST",
            "/services/rest/record/v1/nothing",
            "-d",
            "a=1+2&b=%7E",
        ])
        .args(["-H", "Content-Type: application/x-www-form-urlencoded"])
        .env("NSTBA_NETSUITE_URL", emu.url())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(audit_details(&emu), ["ok"]);
}

#[test]
fn bad_header_and_missing_file_are_usage_errors() {
    let sb = Sandbox::with_token();
    sb.nstba()
        .args(["request", "GET", "/rest/tokeninfo", "-H", "nocolon"])
        .assert()
        .code(2);
    sb.nstba()
        .args(["request", "POST", "/rest/tokeninfo", "-d", "@missing.json"])
        .assert()
        .code(2);
}
