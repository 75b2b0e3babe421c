//! What `deploy` and `fetch` share when they are done: the summary (stderr for people, a JSON
//! object on stdout with `--json`), the failed files named one per line, and exit code 4 when
//! any failed.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use serde_json::{Map, Value, json};

use crate::commands::write_stdout;
use crate::error::{ExitKind, Failure};

/// How a deploy or fetch went, whatever it moved.
pub struct Outcome {
    pub started: Instant,
    pub failed: Vec<(String, String)>,
    pub bytes: u64,
    pub dry_run: bool,
}

impl Outcome {
    pub fn new(started: Instant, dry_run: bool) -> Outcome {
        Outcome {
            started,
            failed: Vec::new(),
            bytes: 0,
            dry_run,
        }
    }

    pub fn seconds(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Prints the JSON summary when asked (the command's own `fields` first, then `failed`,
    /// `failedFiles`, `bytes`, `seconds`, `dryRun`), names the failed files on stderr, and
    /// picks the exit code.
    pub fn finish(self, json: bool, mut fields: Map<String, Value>) -> Result<ExitCode> {
        if json {
            fields.insert("failed".into(), json!(self.failed.len()));
            fields.insert(
                "failedFiles".into(),
                self.failed
                    .iter()
                    .map(|(p, why)| json!({"path": p, "error": why}))
                    .collect(),
            );
            fields.insert("bytes".into(), json!(self.bytes));
            fields.insert(
                "seconds".into(),
                json!((self.seconds() * 1000.0).round() / 1000.0),
            );
            fields.insert("dryRun".into(), json!(self.dry_run));
            let mut text = serde_json::to_string_pretty(&fields)?;
            text.push('\n');
            write_stdout(text.as_bytes())?;
        }
        if self.failed.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
        // Paths and reasons may come from the server: escaped, one line each.
        for (path, why) in &self.failed {
            eprintln!(
                "failed: {}: {}",
                crate::ui::escape(path),
                crate::ui::escape(why)
            );
        }
        let n = self.failed.len();
        Err(Failure::new(
            ExitKind::Partial,
            format!(
                "{n} file{} failed (listed above); run the command again to retry them",
                if n == 1 { "" } else { "s" }
            ),
        )
        .into())
    }
}

/// The window's figures for the `--json` summary: `peakJobs` (the most calls nstba allowed at
/// once) and `refused` (calls the account refused over its concurrency limit).
pub fn with_window(
    mut fields: Map<String, Value>,
    limiter: &crate::netsuite::limiter::Limiter,
) -> Map<String, Value> {
    fields.insert("peakJobs".into(), json!(limiter.peak()));
    fields.insert("refused".into(), json!(limiter.refusals()));
    fields
}
