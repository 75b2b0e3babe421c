//! What `deploy` and `fetch` share when they are done: the summary (stderr for people, a JSON
//! object on stdout with `--json`), the failed files named one per line, and exit code 4 when
//! any failed.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use crate::commands::write_stdout;
use crate::error::{ExitKind, Failure};

/// How a deploy or fetch went, whatever it moved.
pub struct Outcome {
    pub started: Instant,
    pub failed: Vec<(String, String)>,
    /// Files fetch kept because they hold local changes (docs/design.md §8).
    pub kept: Vec<String>,
    pub bytes: u64,
    pub dry_run: bool,
}

impl Outcome {
    pub fn new(started: Instant, dry_run: bool) -> Outcome {
        Outcome {
            started,
            failed: Vec::new(),
            kept: Vec::new(),
            bytes: 0,
            dry_run,
        }
    }

    pub fn seconds(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Prints the JSON summary when asked ([`Summary`]: the command's own fields, the
    /// window's, then what every transfer reports), names the failed files on stderr, and
    /// picks the exit code.
    pub fn finish<T: Serialize>(
        self,
        json: bool,
        own: T,
        window: Option<&crate::netsuite::limiter::Limiter>,
    ) -> Result<ExitCode> {
        // What the run learned of the account's limit is kept for the next one.
        let learned = window.and_then(|l| l.learned());
        if let (Some((n, exact)), Some(realm)) = (learned, window.and_then(|l| l.account()))
            && !self.dry_run
        {
            crate::netsuite::limits::set_account_limit(realm, n, exact);
        }
        if json {
            let summary = Summary {
                own,
                peak_jobs: window.map(|l| l.peak()),
                refused: window.map(|l| l.refusals()),
                account_limit: learned.map(|(n, _)| n),
                failed: self.failed.len(),
                failed_files: self
                    .failed
                    .iter()
                    .map(|(path, error)| FailedFile { path, error })
                    .collect(),
                bytes: self.bytes,
                seconds: (self.seconds() * 1000.0).round() / 1000.0,
                dry_run: self.dry_run,
            };
            let mut text = serde_json::to_string_pretty(&summary)?;
            text.push('\n');
            write_stdout(text.as_bytes())?;
        }
        if self.failed.is_empty() && self.kept.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
        // Paths and reasons may come from the server: escaped, one line each.
        for path in &self.kept {
            eprintln!("kept: local changes: {}", crate::ui::escape(path));
        }
        for (path, why) in &self.failed {
            eprintln!(
                "failed: {}: {}",
                crate::ui::escape(path),
                crate::ui::escape(why)
            );
        }
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let mut said = Vec::new();
        let n = self.kept.len();
        if n > 0 {
            said.push(format!(
                "{n} file{} kept (listed above): each differs from the File Cabinet and is not \
                 what nstba last wrote or deployed there, so it holds local work; deploy it, \
                 move it aside, or pass --overwrite to replace it",
                plural(n)
            ));
        }
        let n = self.failed.len();
        if n > 0 {
            said.push(format!(
                "{n} file{} failed (listed above); run the command again to retry them",
                plural(n)
            ));
        }
        Err(Failure::new(ExitKind::Partial, said.join("\n")).into())
    }
}

/// The companion RESTlet a deploy or fetch calls (flags, else nstba.toml's `[restlet]`), with
/// the window of calls in flight that all its calls share.
pub fn restlet(
    app: &crate::commands::App,
    args: &crate::cli::TransferArgs,
    project: Option<&crate::project::Project>,
    auth: &crate::auth::Authorizer,
) -> Result<(
    crate::netsuite::restlet::Restlet,
    std::sync::Arc<crate::netsuite::limiter::Limiter>,
)> {
    use std::sync::Arc;
    let (script, deploy) = crate::commands::restlet_for(&args.restlet, project);
    // `--jobs auto` starts where the last run to this account left off (docs/design.md §11).
    let realm = auth.account.realm();
    let learned = (args.jobs == crate::netsuite::limiter::Jobs::Auto)
        .then(|| crate::netsuite::limits::account_limit(&realm))
        .flatten();
    if let Some(l) = &learned {
        crate::ui::verbose(format!(
            "starting at {} calls at once, what a run learned of {realm} on {}",
            l.calls,
            &l.learned_at[..10.min(l.learned_at.len())]
        ));
    }
    let limiter = Arc::new(
        crate::netsuite::limiter::Limiter::new(args.jobs, usize::from(args.max_jobs))
            // An exact limit is held for a week; older, or a lower bound, is probed above.
            .starting_at(learned.map(|l| {
                let recent = crate::store::parse_time(&l.learned_at).is_some_and(|t| {
                    t + std::time::Duration::from_secs(7 * 86_400) > std::time::SystemTime::now()
                });
                (l.calls, l.exact && recent)
            }))
            .for_account(realm),
    );
    let restlet = crate::netsuite::restlet::Restlet::new(
        crate::netsuite::client::Client::new()?.with_limiter(limiter.clone()),
        Arc::new(auth.clone()),
        &app.endpoints,
        &script,
        &deploy,
    )?;
    Ok((restlet, limiter))
}

/// The `--json` summary of a deploy or fetch (the README documents it; field names are only
/// ever added).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary<'a, T: Serialize> {
    /// The command's own fields ([`DeployFields`], [`FetchFields`]), first.
    #[serde(flatten)]
    pub own: T,
    /// The most calls nstba allowed at once (absent in a dry run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_jobs: Option<usize>,
    /// What `--jobs auto` learned of the account's limit, kept for the next run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_limit: Option<usize>,
    /// Calls the account refused over its concurrency limit (absent in a dry run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<u64>,
    pub failed: usize,
    pub failed_files: Vec<FailedFile<'a>>,
    pub bytes: u64,
    pub seconds: f64,
    pub dry_run: bool,
}

#[derive(Serialize)]
pub struct FailedFile<'a> {
    pub path: &'a str,
    pub error: &'a str,
}

/// deploy's own summary fields.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployFields<'a> {
    pub account: &'a str,
    pub target: &'a str,
    pub uploaded: usize,
    pub skipped: usize,
    pub resent: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub would_upload: Option<usize>,
    /// Dot names left out without `--hidden` (files, and folders as `name/`).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub hidden: &'a [String],
}

/// fetch's own summary fields.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchFields<'a> {
    pub account: &'a str,
    pub folder: &'a str,
    pub out: String,
    pub fetched: usize,
    /// Files that already held the remote bytes.
    pub unchanged: usize,
    /// Files kept because they hold local changes (exit 4).
    pub kept: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub would_fetch: Option<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `--json` summary's shape: the command's fields, then the window's, then the rest.
    #[test]
    fn summaries_as_json() {
        let failed = [("a.js".to_string(), "too big".to_string())];
        let summary = Summary {
            own: DeployFields {
                account: "123_SB1",
                target: "SuiteScripts/app",
                uploaded: 2,
                skipped: 1,
                resent: &["b.js".to_string()],
                would_upload: None,
                hidden: &[],
            },
            peak_jobs: Some(4),
            account_limit: None,
            refused: Some(0),
            failed: 1,
            failed_files: failed
                .iter()
                .map(|(path, error)| FailedFile { path, error })
                .collect(),
            bytes: 10,
            seconds: 0.5,
            dry_run: false,
        };
        assert_eq!(
            serde_json::to_string(&summary).unwrap(),
            concat!(
                r#"{"account":"123_SB1","target":"SuiteScripts/app","uploaded":2,"skipped":1,"#,
                r#""resent":["b.js"],"peakJobs":4,"refused":0,"failed":1,"#,
                r#""failedFiles":[{"path":"a.js","error":"too big"}],"bytes":10,"seconds":0.5,"#,
                r#""dryRun":false}"#
            )
        );
        let dry = Summary {
            own: FetchFields {
                account: "123",
                folder: "SuiteScripts",
                out: ".".into(),
                fetched: 0,
                unchanged: 0,
                kept: Vec::new(),
                would_fetch: Some(3),
            },
            peak_jobs: None,
            account_limit: None,
            refused: None,
            failed: 0,
            failed_files: Vec::new(),
            bytes: 0,
            seconds: 0.0,
            dry_run: true,
        };
        assert_eq!(
            serde_json::to_string(&dry).unwrap(),
            concat!(
                r#"{"account":"123","folder":"SuiteScripts","out":".","fetched":0,"unchanged":0,"#,
                r#""kept":[],"wouldFetch":3,"#,
                r#""failed":0,"failedFiles":[],"bytes":0,"seconds":0.0,"dryRun":true}"#
            )
        );
    }
}
