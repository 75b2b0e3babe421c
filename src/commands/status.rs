//! `nstba auth status` (the habit from gh): every saved token and the environment's
//! credentials with their kind, account and role, whether each works (checked in parallel
//! under one overall timeout), and which one a bare command would use here, with design §5's
//! reason. The exit code is the active token's: 0 works, 3 rejected, 5 unreachable.

use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Result;
use serde_json::{Value, json};

use crate::cli::AuthStatusArgs;
use crate::commands::{App, write_stdout};
use crate::credentials::{self, Credentials, Resolution};
use crate::error::{ExitKind, Failure};
use crate::ui;

/// Where a token stands.
#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    Valid,
    Rejected(String),
    RefreshExpired(String),
    Unreachable(String),
    /// Not asked (`--offline`), or its credentials could not even be read.
    Unchecked(String),
}

impl State {
    fn name(&self) -> &'static str {
        match self {
            State::Valid => "valid",
            State::Rejected(_) => "rejected",
            State::RefreshExpired(_) => "refresh token expired",
            State::Unreachable(_) => "unreachable",
            State::Unchecked(_) => "not checked",
        }
    }

    fn detail(&self) -> Option<&str> {
        match self {
            State::Valid => None,
            State::Rejected(d)
            | State::RefreshExpired(d)
            | State::Unreachable(d)
            | State::Unchecked(d) => Some(d),
        }
    }

    /// Classifies a failed check.
    fn of(err: &anyhow::Error) -> State {
        let text = format!("{err:#}");
        let first = text.lines().next().unwrap_or_default().to_string();
        match crate::error::exit_code(err) {
            3 if text.contains("cannot be refreshed") => State::RefreshExpired(first),
            3 => State::Rejected(first),
            // The network, or an answer that is not NetSuite's: either way, not reached.
            _ => State::Unreachable(first),
        }
    }
}

/// One row: a saved token, or the environment's credentials.
struct Row {
    auth_id: Option<String>,
    kind: String,
    account: String,
    role: Option<String>,
    state: State,
}

pub fn run(app: &App, args: &AuthStatusArgs) -> Result<ExitCode> {
    let started = Instant::now();
    // Which credentials a bare command would use here, and why (never a prompt or a login).
    let active = match app.resolve(&credentials::Request::default(), false) {
        Ok(Resolution::Ready(c)) => Ok((c.auth_id.clone(), c.origin.to_string())),
        Ok(_) => Err("a bare command would ask which token to use".to_string()),
        Err(e) => Err(format!("{e:#}")
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()),
    };

    let store = credentials::load_store(&app.store)?;
    let mut rows: Vec<Row> = Vec::new();
    let mut checks: Vec<(usize, Credentials)> = Vec::new();
    // The environment's credentials come first, as in docs/design.md §5.
    if let Ok(Some(creds)) =
        credentials::from_environment(&|n| crate::config::env_var(n), &app.endpoints)
    {
        rows.push(Row {
            auth_id: None,
            kind: creds.grant.kind().to_string(),
            account: creds.account.to_string(),
            role: None,
            state: State::Unchecked("not asked (--offline)".into()),
        });
        checks.push((0, creds));
    }
    for (id, entry) in store.entries() {
        let Ok(saved) = entry else {
            rows.push(Row {
                auth_id: Some(id.to_string()),
                kind: "-".into(),
                account: "-".into(),
                role: None,
                state: State::Unchecked(
                    "the entry cannot be read: see `nstba auth list --all`".into(),
                ),
            });
            continue;
        };
        let request = credentials::Request {
            auth_id: Some(id.to_string()),
            ..Default::default()
        };
        let state = State::Unchecked("not asked (--offline)".into());
        let index = rows.len();
        rows.push(Row {
            auth_id: Some(id.to_string()),
            kind: saved.kind().to_string(),
            account: saved.account().to_string(),
            role: saved.role().map(str::to_string),
            state,
        });
        match app.resolve(&request, false) {
            Ok(Resolution::Ready(creds)) => checks.push((index, *creds)),
            Ok(_) => {}
            Err(e) => {
                rows[index].state = State::Unchecked(
                    format!("{e:#}")
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                )
            }
        }
    }

    if !args.offline {
        // Each check on its own thread, all under one deadline: a hung server cannot hold
        // the answer past it (the process exits without waiting for the threads).
        let (tx, rx) = mpsc::channel();
        let expected = checks.len();
        let mut unanswered: std::collections::HashSet<usize> =
            checks.iter().map(|(i, _)| *i).collect();
        for (index, creds) in checks {
            let (tx, endpoints) = (tx.clone(), app.endpoints.clone());
            std::thread::spawn(move || {
                let state = match crate::commands::token::check_works(&endpoints, &creds) {
                    Ok(()) => State::Valid,
                    Err(e) => State::of(&e),
                };
                let _ = tx.send((index, state));
            });
        }
        let deadline = started + Duration::from_secs(args.timeout);
        for _ in 0..expected {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok((index, state)) => {
                    rows[index].state = state;
                    unanswered.remove(&index);
                }
                Err(_) => break,
            }
        }
        for index in unanswered {
            rows[index].state = State::Unreachable(format!(
                "no answer within the {} s of --timeout",
                args.timeout
            ));
        }
    }

    let is_active = |row: &Row| match &active {
        Ok((id, _)) => row.auth_id == *id,
        Err(_) => false,
    };
    if args.json {
        let tokens: Vec<Value> = rows
            .iter()
            .map(|r| {
                json!({
                    "authId": r.auth_id,
                    "source": if r.auth_id.is_some() { "store" } else { "environment" },
                    "kind": r.kind,
                    "account": r.account,
                    "role": r.role,
                    "state": r.state.name(),
                    "detail": r.state.detail(),
                    "active": is_active(r),
                })
            })
            .collect();
        let active_json = match &active {
            Ok((id, why)) => json!({"authId": id, "because": why}),
            Err(why) => json!({"authId": null, "because": why}),
        };
        let mut text =
            serde_json::to_string_pretty(&json!({"active": active_json, "tokens": tokens}))?;
        text.push('\n');
        write_stdout(text.as_bytes())?;
    } else {
        write_stdout(table(&rows, &is_active).as_bytes())?;
        match &active {
            Ok((id, why)) => ui::info(format!(
                "* a bare command here uses {} (from {why})",
                id.as_deref()
                    .map(|i| format!("'{}'", ui::escape(i)))
                    .unwrap_or_else(|| "the environment's credentials".into())
            )),
            Err(why) => ui::info(format!("No token would be used here: {}", ui::escape(why))),
        }
    }

    let Ok((id, _)) = &active else {
        return Err(Failure::new(
            ExitKind::Rejected,
            "no token would be used here: pass --to AUTH_ID, or set a default with `nstba auth \
             switch AUTH_ID`",
        )
        .into());
    };
    let state = rows
        .iter()
        .find(|r| r.auth_id == *id)
        .map(|r| r.state.clone())
        .unwrap_or(State::Unchecked(String::new()));
    Ok(match state {
        State::Valid | State::Unchecked(_) => ExitCode::SUCCESS,
        State::Rejected(_) | State::RefreshExpired(_) => ExitCode::from(ExitKind::Rejected as u8),
        State::Unreachable(_) => ExitCode::from(ExitKind::Network as u8),
    })
}

fn table(rows: &[Row], is_active: &dyn Fn(&Row) -> bool) -> String {
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            let state = match r.state.detail() {
                Some(d) if !matches!(r.state, State::Valid) => {
                    format!("{}: {}", r.state.name(), ui::escape(d))
                }
                _ => r.state.name().to_string(),
            };
            [
                if is_active(r) { "*" } else { " " }.to_string(),
                r.auth_id
                    .as_deref()
                    .map(ui::escape)
                    .unwrap_or_else(|| "(environment)".into()),
                r.kind.clone(),
                ui::escape(&r.account),
                r.role
                    .as_deref()
                    .map(ui::escape)
                    .unwrap_or_else(|| "-".into()),
                state,
            ]
        })
        .collect();
    let header = ["", "AUTH ID", "KIND", "ACCOUNT", "ROLE", "STATE"];
    let widths: Vec<usize> = (0..5)
        .map(|i| {
            cells
                .iter()
                .map(|c| c[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in std::iter::once(header.map(str::to_string)).chain(cells) {
        for (i, cell) in row.iter().enumerate() {
            if i < 5 {
                out.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            } else {
                out.push_str(cell);
            }
        }
        out.push('\n');
    }
    out
}
