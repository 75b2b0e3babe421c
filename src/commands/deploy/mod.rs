//! `nstba deploy`: upload a local folder to the File Cabinet through the companion RESTlet
//! (docs/design.md §8). Walk the source (honouring `.gitignore` and `.nstbaignore`), hash each file,
//! skip what the state file says is there already, send the rest as the even scheduler shares
//! it out (`filecabinet::schedule`), resend what the RESTlet leaves in `remaining`, and record
//! each confirmed file at once so that a failed run resumes where it stopped.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;

mod upload;

use crate::cli::DeployArgs;
use crate::commands::transfer::{DeployFields, Outcome};
use crate::commands::{App, write_stdout};
use crate::error::Failure;
use crate::filecabinet::paths;
use crate::filecabinet::state::{Confirmed, DeployState, LEGACY_FILE_NAME};
use crate::filecabinet::walk::{LocalFile, hash_all, walk};
use crate::fsio::{Links, read_capped};
use crate::netsuite::restlet::MAX_BYTES;
use crate::ui;
use crate::ui::human_bytes;
use upload::{Event, upload};

/// Runs the deploy; only one that succeeded remembers a token picked with `--to` for the folder
/// (docs/design.md §5; a dry run changes nothing).
pub fn run(app: &App, args: &DeployArgs) -> Result<ExitCode> {
    let code = deploy(app, args)?;
    if code == ExitCode::SUCCESS && !args.transfer.dry_run {
        app.remember(&args.transfer.credentials)?;
    }
    Ok(code)
}

fn deploy(app: &App, args: &DeployArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let project = app.project()?;
    let source = match (&args.source, &project) {
        (Some(s), _) => Some(s.clone()),
        (None, Some(p)) => p.path("deploy", "source")?,
        (None, None) => None,
    }
    .ok_or_else(|| missing("the source folder", "deploy", "source"))?;
    let target = args
        .target
        .clone()
        .or_else(|| project.as_ref()?.get("deploy", "target"))
        .ok_or_else(|| missing("the target folder (--target)", "deploy", "target"))?;
    let target = paths::parse_folder(&target)?;

    let walked = walk(&source, &target, args.hidden)?;
    for (path, why) in &walked.skipped {
        ui::warn(format!("skipped {path}: {why}"));
    }
    if !walked.hidden.is_empty() {
        let shown: Vec<String> = walked
            .hidden
            .iter()
            .take(5)
            .map(|h| ui::escape(h))
            .collect();
        ui::info(format!(
            "{} hidden not deployed ({}{}): names starting with '.' stay out unless --hidden, \
             or a '!' rule in .nstbaignore brings them in",
            walked.hidden.len(),
            shown.join(", "),
            if walked.hidden.len() > 5 { ", ..." } else { "" }
        ));
    }
    refuse_too_big(&walked.files)?;

    let creds = Arc::new(app.credentials(&args.transfer.credentials)?);
    let realm = creds.account.realm();
    let legacy = match &project {
        Some(p) => p.dir().to_path_buf(),
        None => std::env::current_dir()?,
    }
    .join(LEGACY_FILE_NAME);
    let state_path = DeployState::path_for(&crate::config::cache_dir()?, &source, &realm, &target);
    let mut state = DeployState::load(
        state_path,
        &source,
        &realm,
        &target,
        legacy.exists().then_some(legacy.as_path()),
    )?;

    let mut outcome = Outcome::new(started, args.transfer.dry_run);
    outcome.failed = walked.problems;
    // What the state says is there already, unchanged since it was sent.
    let mut to_send = Vec::new();
    let mut unchanged = Vec::new();
    // A file of the size and modification time recorded when it was sent is not read again
    // (as rsync and git do); the others are hashed (all of them with --checksum).
    let (same, to_hash): (Vec<LocalFile>, Vec<LocalFile>) =
        walked.files.into_iter().partition(|f| {
            !args.force
                && !args.checksum
                && f.modified.is_some()
                && state
                    .get(&f.rel)
                    .is_some_and(|c| c.size == f.size && c.modified == f.modified)
        });
    unchanged.extend(same);
    let mut retimed = false;
    let hashes = hash_all(&to_hash);
    for (file, hash) in to_hash.into_iter().zip(hashes) {
        match hash {
            Err(e) => outcome
                .failed
                .push((file.rel.clone(), format!("cannot read it: {e}"))),
            Ok(h) if !args.force && state.get(&file.rel).is_some_and(|c| c.sha256 == h) => {
                // Touched but the same: record its new time, so it is not hashed next time.
                if let Some(c) = state.get(&file.rel)
                    && c.modified != file.modified_to_record()
                {
                    let c = Confirmed {
                        modified: file.modified_to_record(),
                        ..c.clone()
                    };
                    state.confirm(&file.rel, c);
                    retimed = true;
                }
                unchanged.push(file)
            }
            Ok(_) => to_send.push(file),
        }
    }
    if retimed && !args.transfer.dry_run {
        state.save()?;
    }

    let (restlet, limiter) =
        crate::commands::transfer::restlet(app, &args.transfer, project.as_ref(), &creds)?;
    // The state is a cache, never the truth: before skipping anything, list the target once
    // and send again what it lacks or lists with another size (a sandbox refresh, a file
    // deleted in the UI, a state file from elsewhere).
    let mut resent = Vec::new();
    if !unchanged.is_empty() {
        let listing = crate::http::block_on(restlet.list_if_exists(&target))??;
        let listed: HashMap<&str, u64> = listing
            .as_ref()
            .map(|l| l.files.iter().map(|f| (f.path.as_str(), f.size)).collect())
            .unwrap_or_default();
        let truncated = listing.as_ref().is_some_and(|l| l.truncated);
        if truncated {
            ui::warn(
                "the RESTlet cut the listing short (its governance ran low): files it did not \
                 list are trusted to be there as the deploy state says",
            );
        }
        for file in std::mem::take(&mut unchanged) {
            let present = match listed.get(file.remote.as_str()) {
                // The RESTlet reports sizes in whole KB.
                Some(&size) => size.abs_diff(file.size) < 1024,
                None => truncated,
            };
            if present {
                unchanged.push(file);
            } else {
                resent.push(file.rel.clone());
                to_send.push(file);
            }
        }
        if !resent.is_empty() {
            ui::info(format!(
                "{} file{} the deploy state lists {} missing or different in {target}: sending \
                 {} again",
                resent.len(),
                if resent.len() == 1 { "" } else { "s" },
                if resent.len() == 1 { "is" } else { "are" },
                if resent.len() == 1 { "it" } else { "them" },
            ));
        }
    }
    let skipped = unchanged.len();
    let total_bytes: u64 = to_send.iter().map(|f| f.size).sum();

    if args.transfer.dry_run {
        let mut out = String::new();
        for file in &to_send {
            out.push_str(&file.remote);
            out.push('\n');
        }
        if !args.transfer.json {
            write_stdout(out.as_bytes())?;
        }
        ui::info(format!(
            "Dry run: {} to upload ({}) to {target} on {realm}, {skipped} unchanged{}",
            to_send.len(),
            human_bytes(total_bytes),
            if outcome.failed.is_empty() {
                String::new()
            } else {
                format!(", {} unreadable", outcome.failed.len())
            }
        ));
        return outcome.finish(
            args.transfer.json,
            DeployFields {
                account: &realm,
                target: &target,
                uploaded: 0,
                skipped,
                resent: &resent,
                would_upload: Some(to_send.len()),
                hidden: &walked.hidden,
            },
            None,
        );
    }

    let mut uploaded = 0usize;
    let mut fatal: Option<anyhow::Error> = None;
    if !to_send.is_empty() {
        let files = to_send.len();
        let bar = ui::progress(total_bytes, files);
        fatal = crate::http::block_on(upload(
            restlet,
            to_send,
            limiter.clone(),
            &mut state,
            |event| match event {
                Event::Confirmed { size, .. } => {
                    uploaded += 1;
                    outcome.bytes += size;
                    bar.inc(*size);
                    bar.set_message(ui::progress_files(uploaded, files));
                }
                Event::Failed { rel, why } => outcome.failed.push((rel.clone(), why.clone())),
                Event::Fatal(_) => {}
            },
        ))??;
        bar.finish_and_clear();
    }

    if let Some(e) = fatal {
        if uploaded == 0 {
            return Err(e);
        }
        ui::warn(format!("{e:#}"));
    }
    ui::info(format!(
        "Deployed to {target} on {realm}: {uploaded} uploaded ({}), {skipped} unchanged, {} \
         failed{}, in {:.2} s",
        human_bytes(outcome.bytes),
        outcome.failed.len(),
        match walked.hidden.len() {
            0 => String::new(),
            n => format!(", {n} hidden left out"),
        },
        outcome.seconds()
    ));
    outcome.finish(
        args.transfer.json,
        DeployFields {
            account: &realm,
            target: &target,
            uploaded,
            skipped,
            resent: &resent,
            would_upload: None,
            hidden: &walked.hidden,
        },
        Some(&limiter),
    )
}

/// Refuses, before anything is sent, files over the RESTlet's limit as they would travel: a
/// binary file goes as base64, 4/3 of its size (docs/design.md §8).
fn refuse_too_big(files: &[LocalFile]) -> Result<()> {
    let mut too_big = Vec::new();
    for f in files {
        // Only a file over 3/4 of the limit can be over it as base64.
        if f.size <= MAX_BYTES / 4 * 3 {
            continue;
        }
        let sent = if f.size > MAX_BYTES {
            f.size
        } else {
            match read_capped(&f.abs, MAX_BYTES, Links::Refuse) {
                Ok(bytes) if std::str::from_utf8(&bytes).is_ok() => f.size,
                Ok(_) => base64_len(f.size),
                Err(_) => continue, // reported when it is read for sending
            }
        };
        if sent > MAX_BYTES {
            let mb = |n: u64| n as f64 / 1_048_576.0;
            too_big.push(if sent == f.size {
                format!("{} ({:.1} MB)", f.rel, mb(f.size))
            } else {
                format!(
                    "{} ({:.1} MB, {:.1} MB as base64, as a binary file travels)",
                    f.rel,
                    mb(f.size),
                    mb(sent)
                )
            });
        }
    }
    if too_big.is_empty() {
        return Ok(());
    }
    let one = too_big.len() == 1;
    Err(Failure::usage(format!(
        "{} larger than 10 MB as sent, the most a RESTlet can take: {}. Nothing was sent. Leave \
         {} out with .nstbaignore, or upload {} in the NetSuite UI",
        if one { "a file is" } else { "files are" },
        too_big.join(", "),
        if one { "it" } else { "them" },
        if one { "it" } else { "them" },
    ))
    .into())
}

/// The length of `n` bytes in base64 (with padding).
fn base64_len(n: u64) -> u64 {
    n.div_ceil(3) * 4
}

fn missing(what: &str, table: &str, key: &str) -> Failure {
    Failure::usage(format!(
        "nstba needs {what}: pass it, or set {key} under [{table}] in nstba.toml"
    ))
}
