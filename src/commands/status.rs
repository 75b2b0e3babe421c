//! `nstba auth status` (the habit from gh): every saved token and the environment's
//! credentials with their kind, account and role, whether each works (checked in parallel
//! under one overall timeout), and which one a bare command would use here, with design §5's
//! reason. The exit code is the active token's: 0 works, 3 rejected, 5 unreachable.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Result;
use serde::Serialize;

use crate::cli::AuthStatusArgs;
use crate::commands::{App, write_stdout};
use crate::credentials::{self, Credentials, Resolution};
use crate::error::{ExitKind, Failure, Reason};
use crate::store::Kind;
use crate::ui;

/// Where a token stands (`--json` writes the name: `valid`, `rejected`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Valid,
    Rejected,
    #[serde(rename = "refresh token expired")]
    RefreshExpired,
    Unreachable,
    /// Not asked (`--offline`), or its credentials could not even be read.
    #[serde(rename = "not checked")]
    Unchecked,
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Valid => "valid",
            State::Rejected => "rejected",
            State::RefreshExpired => "refresh token expired",
            State::Unreachable => "unreachable",
            State::Unchecked => "not checked",
        }
    }

    /// Classifies a failed check, by its exit code and reason.
    fn of(err: &anyhow::Error) -> (State, String) {
        let first = format!("{err:#}")
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        let state = match (crate::error::exit_code(err), crate::error::reason(err)) {
            (_, Some(Reason::RefreshTokenExpired)) => State::RefreshExpired,
            (3, _) => State::Rejected,
            // The network, or an answer that is not NetSuite's: either way, not reached.
            _ => State::Unreachable,
        };
        (state, first)
    }
}

/// Where a row's credentials are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Store,
    Environment,
}

/// One row of `auth status`: a saved token, or the environment's credentials. The table's
/// line and, as it is, the `--json` element.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub auth_id: Option<String>,
    pub source: Source,
    pub kind: Option<Kind>,
    pub account: Option<String>,
    pub role: Option<String>,
    pub state: State,
    pub detail: Option<String>,
    pub active: bool,
    /// When it stops working unless renewed: an M2M certificate's end, an OAuth 2.0 login's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// About how many calls at once the account takes, as a `--jobs auto` run learned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_limit: Option<usize>,
}

/// What a bare command would use here, and why.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Active {
    pub auth_id: Option<String>,
    pub because: String,
    /// Why a bare command here would be refused it (the account guard), if it would.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

/// The whole `--json` answer.
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    pub active: Active,
    pub tokens: Vec<Row>,
}

pub fn run(app: &App, args: &AuthStatusArgs) -> Result<ExitCode> {
    let started = Instant::now();
    // Which credentials a bare command would use here, and why (never a prompt or a login).
    // The account guard's verdict on it too: a token a bare command would be refused with
    // here is not one it uses (docs/design.md §5).
    let mut guard: Option<String> = None;
    let active = match app.resolve(&credentials::Request::default(), false) {
        Ok(Resolution::Ready(c)) => {
            if let Err(e) = credentials::check_account(&c, None, app.project()?.as_ref()) {
                guard = Some(format!("{e:#}"));
            }
            Ok((c.auth_id.clone(), c.origin.to_string()))
        }
        Ok(_) => Err("a bare command would ask which token to use".to_string()),
        Err(e) => Err(format!("{e:#}")
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()),
    };

    let store = credentials::load_store(&app.store)?;
    // What deploys learned of the accounts' limits: one read of the file for every row.
    let learned = crate::netsuite::limits::Learned::read();
    let environment = credentials::from_environment(&crate::config::env_var, &app.endpoints);
    // Nothing at all: one line that says how to start, as `gh auth status` does.
    if store.is_empty() && matches!(environment, Ok(None)) && !args.json {
        ui::info(
            "No token saved. Log in with `nstba auth login NAME`; in CI set NSTBA_ACCOUNT, \
             NSTBA_CONSUMER_KEY, NSTBA_CONSUMER_SECRET, NSTBA_TOKEN_ID and NSTBA_TOKEN_SECRET \
             (TBA), or NSTBA_ACCOUNT, NSTBA_CLIENT_ID, NSTBA_CERTIFICATE_ID and \
             NSTBA_PRIVATE_KEY (M2M)",
        );
        return Ok(ExitCode::from(ExitKind::Rejected as u8));
    }
    let not_asked = || Some("not asked (--offline)".to_string());
    let mut rows: Vec<Row> = Vec::new();
    let mut checks: Vec<(usize, Credentials)> = Vec::new();
    // The environment's credentials come first, as in docs/design.md §5.
    if let Ok(Some(creds)) = environment {
        rows.push(Row {
            auth_id: None,
            source: Source::Environment,
            kind: Some(creds.grant.kind()),
            account: Some(creds.account.to_string()),
            role: None,
            state: State::Unchecked,
            detail: not_asked(),
            active: false,
            expires_at: None,
            account_limit: None,
        });
        checks.push((0, creds));
    }
    for (id, entry) in store.entries() {
        let mut row = Row {
            auth_id: Some(id.to_string()),
            source: Source::Store,
            kind: None,
            account: None,
            role: None,
            state: State::Unchecked,
            detail: Some("the entry cannot be read: see `nstba auth list --all`".into()),
            active: false,
            expires_at: None,
            account_limit: None,
        };
        let Ok(saved) = entry else {
            rows.push(row);
            continue;
        };
        row.kind = Some(saved.kind());
        row.account = Some(saved.account().to_string());
        row.role = saved.role().map(str::to_string);
        row.expires_at = saved.ends_at().map(str::to_string);
        row.account_limit = crate::account::AccountId::parse(saved.account())
            .ok()
            .and_then(|a| learned.get(&a.realm()))
            .map(|l| l.calls);
        row.detail = not_asked();
        let request = credentials::Request {
            auth_id: Some(id.to_string()),
            ..Default::default()
        };
        match app.resolve(&request, false) {
            Ok(Resolution::Ready(creds)) => checks.push((rows.len(), *creds)),
            Ok(_) => {}
            Err(e) => row.detail = Some(State::of(&e).1),
        }
        rows.push(row);
    }

    if !args.offline {
        // Every check at once, all under one deadline: a hung server cannot hold the answer
        // past it (what did not answer is dropped, except a refresh under way).
        let deadline = started + Duration::from_secs(args.timeout);
        let endpoints = app.endpoints.clone();
        let asked: Vec<usize> = checks.iter().map(|(index, _)| *index).collect();
        let answered = crate::http::block_on(async move {
            let mut set = tokio::task::JoinSet::new();
            for (index, creds) in checks {
                let endpoints = endpoints.clone();
                set.spawn(async move {
                    let state = crate::commands::token::works(&endpoints, &creds).await;
                    (index, state.map_err(|e| State::of(&e)))
                });
            }
            let mut answered = Vec::new();
            let until = tokio::time::Instant::from_std(deadline);
            while let Ok(Some(Ok(done))) = tokio::time::timeout_at(until, set.join_next()).await {
                answered.push(done);
            }
            set.abort_all();
            // The display's deadline is not a refresh's: one that had started goes on until
            // its answer is saved, or the server's rotated refresh token is lost (design §10).
            if crate::http::unfinished() > 0 {
                ui::info("Waiting for a token refresh under way to be saved");
                crate::http::settle().await;
            }
            answered
        })?;
        for index in asked {
            rows[index].state = State::Unreachable;
            rows[index].detail = Some(format!(
                "no answer within the {} s of --timeout",
                args.timeout
            ));
        }
        for (index, outcome) in answered {
            let row = &mut rows[index];
            (row.state, row.detail) = match outcome {
                Ok(()) => (State::Valid, None),
                Err((state, detail)) => (state, Some(detail)),
            };
        }
    }

    for row in &mut rows {
        row.active = matches!(&active, Ok((id, _)) if row.auth_id == *id);
    }
    if args.json {
        let (auth_id, because) = match &active {
            Ok((id, why)) => (id.clone(), why.clone()),
            Err(why) => (None, why.clone()),
        };
        let status = Status {
            active: Active {
                auth_id,
                because,
                refused: guard.clone(),
            },
            tokens: rows.clone(),
        };
        let mut text = serde_json::to_string_pretty(&status)?;
        text.push('\n');
        write_stdout(text.as_bytes())?;
    } else {
        write_stdout(table(&rows).as_bytes())?;
        // What deploys learned of each account's concurrency limit (issue 19).
        let mut seen = std::collections::BTreeSet::new();
        for row in &rows {
            let Some(realm) = row
                .account
                .as_deref()
                .and_then(|a| crate::account::AccountId::parse(a).ok())
                .map(|a| a.realm())
            else {
                continue;
            };
            if seen.insert(realm.clone())
                && let Some(l) = learned.get(&realm)
            {
                ui::info(format!(
                    "concurrency on {realm}: about {} calls at once, learned {} (deploy and \
                     fetch with --jobs auto start there)",
                    l.calls,
                    &l.learned_at[..10]
                ));
            }
        }
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
    if let Some(refused) = guard {
        // The table marks what a bare command picks; the guard refuses it here (exit 2).
        return Err(
            Failure::usage(format!("but a bare command here is refused it: {refused}")).into(),
        );
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
        .map_or(State::Unchecked, |r| r.state);
    Ok(match state {
        State::Valid | State::Unchecked => ExitCode::SUCCESS,
        State::Rejected | State::RefreshExpired => ExitCode::from(ExitKind::Rejected as u8),
        State::Unreachable => ExitCode::from(ExitKind::Network as u8),
    })
}

/// The table, and a detail several rows share (an unreachable host's error), said once
/// below it instead of on every row.
fn table(rows: &[Row]) -> String {
    let shared = {
        let mut counts = std::collections::HashMap::new();
        for r in rows.iter().filter(|r| r.state == State::Unreachable) {
            if let Some(d) = &r.detail {
                *counts.entry(d.as_str()).or_insert(0usize) += 1;
            }
        }
        counts
            .into_iter()
            .find(|(_, n)| *n > 1)
            .map(|(d, _)| d.to_string())
    };
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            let state = match (&r.detail, r.state) {
                (Some(d), state) if shared.as_deref() == Some(d.as_str()) => {
                    format!("{} (see below)", state.name())
                }
                (Some(d), state) if state != State::Valid => {
                    format!("{}: {}", state.name(), ui::escape(d))
                }
                (_, state) => state.name().to_string(),
            };
            let text = |v: &Option<String>| v.as_deref().map_or("-".into(), ui::escape);
            [
                if r.active { "*" } else { " " }.to_string(),
                r.auth_id
                    .as_deref()
                    .map_or_else(|| "(environment)".into(), ui::escape),
                r.kind.map_or("-".into(), |k| k.to_string()),
                text(&r.account),
                text(&r.role),
                crate::commands::list::ends(&r.expires_at),
                state,
            ]
        })
        .collect();
    let mut out = ui::table(
        ["", "AUTH ID", "KIND", "ACCOUNT", "ROLE", "ENDS", "STATE"],
        &cells,
    );
    if let Some(d) = shared {
        out.push_str(&format!("unreachable: {}\n", ui::escape(&d)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `--json` form of `auth status`: field names are only ever added.
    #[test]
    fn status_as_json() {
        let status = Status {
            active: Active {
                auth_id: Some("sb".into()),
                because: "the only saved token".into(),
                refused: None,
            },
            tokens: vec![
                Row {
                    auth_id: None,
                    source: Source::Environment,
                    kind: Some(Kind::M2m),
                    account: Some("123".into()),
                    role: None,
                    state: State::Unreachable,
                    detail: Some("no answer".into()),
                    active: false,
                    expires_at: None,
                    account_limit: None,
                },
                Row {
                    auth_id: Some("sb".into()),
                    source: Source::Store,
                    kind: Some(Kind::OAuth2),
                    account: Some("123_SB1".into()),
                    role: Some("3".into()),
                    state: State::RefreshExpired,
                    detail: None,
                    active: true,
                    expires_at: None,
                    account_limit: None,
                },
            ],
        };
        assert_eq!(
            serde_json::to_string(&status).unwrap(),
            concat!(
                r#"{"active":{"authId":"sb","because":"the only saved token"},"tokens":["#,
                r#"{"authId":null,"source":"environment","kind":"M2M","account":"123","role":null,"#,
                r#""state":"unreachable","detail":"no answer","active":false},"#,
                r#"{"authId":"sb","source":"store","kind":"OAuth 2.0","account":"123_SB1","role":"3","#,
                r#""state":"refresh token expired","detail":null,"active":true}]}"#
            )
        );
    }
}
