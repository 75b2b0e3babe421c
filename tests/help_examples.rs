//! Every example in every `--help` (issue 19): those that can run against the emulator run, in a
//! sandbox whose saved names are the ones the examples use; the rest (pipes, substitutions,
//! files, a browser, another account) are listed here with why. Every one is parsed.

use std::time::Duration;

use crate::common::*;

/// Examples that do not run here as written, and why (each is parsed all the same).
const NOT_RUN: &[(&str, &str)] = &[
    (
        "nstba mcp --to ai   # in the agent's MCP configuration: command nstba, args [\"mcp\", \"--to\", \"ai\"]",
        "reads an agent's messages on stdin (tests/mcp.rs runs it)",
    ),
    (
        "nstba auth login prod --account 1234567 --no-browser",
        "waits for a person to open the address",
    ),
    (
        "nstba auth rotate sb",
        "needs an M2M login (tests/lasting.rs runs it)",
    ),
    (
        "nstba auth rotate sb --if-expiring-within 30   # a weekly scheduled job",
        "needs an M2M login (tests/lasting.rs)",
    ),
    (
        "nstba auth rotate --out keys   # CI: credentials from the environment",
        "needs M2M variables and a mapped certificate (tests/lasting.rs)",
    ),
    (
        "nstba auth certs revoke sb NPMnRyPg-WDWhPiAbisjKiH0fqnBpjOZ367wDTe0pqA",
        "needs an M2M login and that certificate",
    ),
    (
        "nstba auth certs revoke sb -abc123   # an ID that starts with '-'",
        "needs an M2M login and that certificate",
    ),
    (
        "nstba auth certs sb",
        "needs an OAuth 2.0 or M2M credential (tests/lasting.rs)",
    ),
    (
        "nstba auth certs sb --json",
        "needs an OAuth 2.0 or M2M credential (tests/lasting.rs)",
    ),
    (
        "nstba auth token sb",
        "needs an OAuth 2.0 or M2M credential (tests/lasting.rs)",
    ),
    (
        "nstba request GET /services/rest/record/v1/customer/42 --to sandbox",
        "the emulator serves employees, not customers",
    ),
    (
        "nstba request POST /services/rest/record/v1/customer -d '{\"companyName\":\"Acme\"}'",
        "the emulator serves employees, not customers",
    ),
    (
        "nstba request GET \"/app/site/hosting/restlet.nl?script=12&deploy=1\" -i",
        "the emulator holds only the companion RESTlet, not script 12",
    ),
    (
        "nstba auth add-m2m ci --account 1234567 --client-id \"$CLIENT_ID\" --certificate-id \"$CERTIFICATE_ID\" --private-key ci-key.pem",
        "needs a key file (tests/m2m.rs makes one)",
    ),
    (
        "nstba auth add-m2m ci --account 1234567 --client-id \"$CLIENT_ID\" --certificate-id \"$CERTIFICATE_ID\" --private-key ci-key.pem --scope restlets --scope rest_webservices",
        "needs a key file (tests/m2m.rs)",
    ),
];

/// A line the shell, not nstba, would run: a pipe, a redirection or a substitution.
fn shell_only(line: &str) -> bool {
    let code = line.split(" #").next().unwrap_or(line);
    !code.starts_with("nstba ") || ["|", "$(", " < ", " > "].iter().any(|s| code.contains(s))
}

fn examples() -> Vec<(String, String)> {
    fn visit(cmd: &clap::Command, path: &str, out: &mut Vec<(String, String)>) {
        let path = format!("{path} {}", cmd.get_name()).trim().to_string();
        if cmd.get_subcommands().next().is_none() {
            let help = cmd
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            if let Some((_, ex)) = help.split_once("Examples:\n") {
                for line in ex.lines() {
                    out.push((path.clone(), line.trim().to_string()));
                }
            }
        }
        for sub in cmd.get_subcommands() {
            visit(sub, &path, out);
        }
    }
    let mut out = Vec::new();
    visit(&nstba::cli::command(), "", &mut out);
    out
}

/// Shell words, quotes removed, a comment dropped.
fn words(line: &str) -> Vec<String> {
    let (mut out, mut word, mut quote, mut any) = (Vec::new(), String::new(), None, false);
    for c in line.chars() {
        match (quote, c) {
            (None, '#') if !any => break,
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if any {
                    out.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            (_, c) => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(word);
    }
    out
}

/// Every example, shell lines and those not run included, is an invocation this nstba
/// accepts (the nstba part of a pipeline or a substitution).
#[test]
fn every_help_example_parses() {
    let mut seen = 0;
    for (path, example) in examples() {
        let part = example.rsplit('|').next().unwrap_or(&example);
        let part = part.split(['>', '<']).next().unwrap_or(part);
        let Some(at) = part.find("nstba ") else {
            continue;
        };
        let args = words(part[at..].trim_end_matches(')'));
        if let Err(e) = nstba::cli::command().try_get_matches_from(&args) {
            panic!("{path}: example '{example}' does not parse: {e}");
        }
        seen += 1;
    }
    assert!(seen > 30 && seen < 1000, "{seen} examples");
}

#[test]
fn every_help_example_that_can_run_here_runs() {
    let mut failures = Vec::new();
    let mut ran = 0;
    let mut shell = Vec::new();
    for (path, example) in examples() {
        if NOT_RUN.iter().any(|(e, _)| *e == example) {
            continue;
        }
        if shell_only(&example) {
            shell.push(example);
            continue;
        }
        let emu = emulator_with(|c| {
            c.decision = nstba_emulator::Decision::Allow;
            c.clients = vec![nstba_emulator::oauth2::Client {
                id: "cid".into(),
                secret: Some("cs".into()),
            }];
            c.redirect_uris = vec![format!("http://localhost:{}/cb", free_port())];
            c.allow_http_redirect = true;
        });
        emu.put_file("SuiteScripts/my-app/a.js", b"a");
        let sb = Sandbox::new();
        let args = words(
            &example
                .replace("\"$CLIENT_ID\"", "cid")
                .replace("\"$TOKEN_ID\"", TID)
                .replace("\"$KEY\"", CK)
                .replace("\"$URL\"", "/app/site/hosting/restlet.nl?script=1&deploy=1")
                .replace('~', &sb.path().display().to_string()),
        );
        // The names the examples use are saved, but not the one a login or rename makes.
        let made = match (
            args.get(1).map(String::as_str),
            args.get(2).map(String::as_str),
        ) {
            (Some("auth"), Some("login" | "add")) => args.get(3).cloned(),
            (Some("auth"), Some("rename")) => args.get(4).cloned(),
            _ => None,
        };
        for name in [
            "sandbox",
            "prod",
            "sb",
            "default-token",
            "old-laptop",
            "gulp-entry",
        ] {
            if made.as_deref() != Some(name) {
                sb.add_token(name, ACCOUNT, TID, TS);
            }
        }
        assert!(
            sb.nstba()
                .args(["auth", "switch", "sb"])
                .output()
                .unwrap()
                .status
                .success()
        );
        std::fs::create_dir_all(sb.path().join("dist")).unwrap();
        std::fs::create_dir_all(sb.path().join("work/shop")).unwrap();
        std::fs::write(sb.path().join("dist/app.js"), "a").unwrap();
        std::fs::write(
            sb.path().join("nstba.toml"),
            "[deploy]\nsource = \"dist\"\ntarget = \"SuiteScripts/my-app\"\n",
        )
        .unwrap();
        let out = sb
            .nstba()
            .args(&args[1..])
            .env("NSTBA_NETSUITE_URL", emu.url())
            .env("NSTBA_CONSUMER_KEY", CK)
            .env("NSTBA_CONSUMER_SECRET", CS)
            .env("NSTBA_CLIENT_SECRET", "cs")
            .env("NSTBA_CALLBACK_URL", emu.redirect_uri())
            .env("NSTBA_BROWSER", standin_browser())
            .env("NSTBA_TOKEN_SECRET", TS)
            .envs(if made.is_some() {
                vec![]
            } else {
                vec![("NSTBA_TOKEN_SECRET", "")]
            })
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        ran += 1;
        emu.allow_no_calls();
        if !out.status.success() {
            failures.push(format!(
                "{path}: {example}\n  -> {:?}: {}",
                out.status.code(),
                stderr(&out).lines().last().unwrap_or_default()
            ));
        }
    }
    eprintln!("{ran} examples ran; parsed only (shell lines): {shell:#?}; not run: {NOT_RUN:#?}");
    assert!(ran > 30, "{ran}");
    assert!(
        failures.is_empty(),
        "{} of {ran} examples failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
