//! `nstba fetch`: download a File Cabinet folder through the companion RESTlet (docs/design.md §8): list
//! it, get the files as the even scheduler shares them out, and write each one atomically under `--out` at its
//! path relative to the folder. A remote path that is absolute, holds `..`, `.` or a
//! backslash, or lies outside the folder is refused and reported, and nothing is ever written
//! outside `--out`: not through such a path, and not through a symlink found inside `--out`.
//! A local file that differs is replaced only as `filecabinet::local` allows (what nstba last
//! wrote or deployed there, or `--overwrite`); local work is kept, listed, and the exit is 4.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use base64::Engine as _;
use tokio::sync::mpsc;

use crate::cli::FetchArgs;
use crate::commands::transfer::{FetchFields, Outcome};
use crate::commands::{App, write_stdout};
use crate::error::Failure;
use crate::filecabinet::local::{Placed, place};
use crate::filecabinet::paths;
use crate::filecabinet::schedule::{self, Done, GiveUp};
use crate::filecabinet::state::{Confirmed, DeployState};
use crate::netsuite::restlet::{MAX_BYTES, Restlet};
use crate::ui;
use crate::ui::human_bytes;

/// A listed file that may be written.
#[derive(Clone, Debug)]
struct Wanted {
    remote: String,
    rel: PathBuf,
    size: u64,
}

enum Event {
    Written { rel: String, confirmed: Confirmed },
    Unchanged { rel: String, confirmed: Confirmed },
    Kept { path: String },
    Failed { path: String, why: String },
}

/// A local path as the deploy state keys it (`/` between parts, as deploy's walk writes it).
fn state_key(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Runs the fetch; only one that succeeded remembers a token picked with `--to` for the folder
/// (docs/design.md §5; a dry run changes nothing).
pub fn run(app: &App, args: &FetchArgs) -> Result<ExitCode> {
    let code = fetch(app, args)?;
    if code == ExitCode::SUCCESS && !args.transfer.dry_run {
        app.remember(&args.transfer.credentials)?;
    }
    Ok(code)
}

fn fetch(app: &App, args: &FetchArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let project = app.project()?;
    let folder = args
        .remote_folder
        .clone()
        .or_else(|| project.as_ref()?.get("deploy", "target"))
        .ok_or_else(missing_folder)?;
    let folder = paths::parse_folder(&folder)?;
    let out = match (&args.out, &project) {
        (Some(o), _) => o.clone(),
        (None, Some(p)) => match p.path("fetch", "out")? {
            Some(o) => o,
            None => std::env::current_dir()?,
        },
        (None, None) => std::env::current_dir()?,
    };

    let creds = Arc::new(app.credentials(&args.transfer.credentials)?);
    let realm = creds.account.realm();
    let (restlet, limiter) =
        crate::commands::transfer::restlet(app, &args.transfer, project.as_ref(), &creds)?;
    let listing = crate::http::block_on(restlet.list(&folder))??;

    let mut outcome = Outcome::new(started, args.transfer.dry_run);
    if listing.truncated {
        outcome.failed.push((
            folder.clone(),
            "the RESTlet cut the listing short (its governance ran low): fetch the subfolders \
             one by one"
                .into(),
        ));
    }
    let (wanted, refused) = plan(&folder, listing.files);
    outcome.failed.extend(refused);
    let total: u64 = wanted.iter().map(|w| w.size).sum();

    if args.transfer.dry_run {
        if !args.transfer.json {
            let mut text = String::new();
            for w in &wanted {
                text.push_str(&out.join(&w.rel).display().to_string());
                text.push('\n');
            }
            write_stdout(text.as_bytes())?;
        }
        ui::info(format!(
            "Dry run: {} files ({}) of {folder} on {realm} would be written under {}",
            wanted.len(),
            human_bytes(total),
            out.display()
        ));
        return outcome.finish(
            args.transfer.json,
            FetchFields {
                account: &realm,
                folder: &folder,
                out: out.display().to_string(),
                fetched: 0,
                unchanged: 0,
                kept: Vec::new(),
                would_fetch: Some(wanted.len()),
            },
            None,
        );
    }

    std::fs::create_dir_all(&out)
        .map_err(|e| Failure::error(format!("cannot create the folder {}: {e}", out.display())))?;
    // What nstba last wrote or deployed here (the deploy state of this folder, account and
    // remote folder): only such a file, or any with --overwrite, may be replaced.
    let state_path = DeployState::path_for(&crate::config::cache_dir()?, &out, &realm, &folder);
    let mut state = DeployState::load(state_path, &out, &realm, &folder, None)?;
    let known: HashMap<String, String> = wanted
        .iter()
        .filter_map(|w| {
            let key = state_key(&w.rel);
            let sha = state.get(&key)?.sha256.clone();
            Some((key, sha))
        })
        .collect();
    let files = wanted.len();
    let bar = ui::progress(total, files);
    let (mut written, mut unchanged, mut done) = (0usize, 0usize, 0usize);
    let mut confirmed_any = false;
    crate::http::block_on(download(
        Downloads {
            restlet,
            out: Arc::new(out.clone()),
            known: Arc::new(known),
            overwrite: args.overwrite,
            tx: None,
        },
        wanted,
        limiter.clone(),
        |event| {
            match event {
                Event::Written { rel, confirmed } => {
                    written += 1;
                    outcome.bytes += confirmed.size;
                    bar.inc(confirmed.size);
                    state.confirm(&rel, confirmed);
                    confirmed_any = true;
                }
                Event::Unchanged { rel, confirmed } => {
                    unchanged += 1;
                    bar.inc(confirmed.size);
                    state.confirm(&rel, confirmed);
                    confirmed_any = true;
                }
                Event::Kept { path } => outcome.kept.push(path),
                Event::Failed { path, why } => outcome.failed.push((path, why)),
            }
            done += 1;
            bar.set_message(ui::progress_files(done, files));
        },
    ))?;
    bar.finish_and_clear();
    if confirmed_any && let Err(e) = state.save() {
        // Only the next fetch's view of what is nstba's is lost: it keeps those files.
        ui::warn(format!("{e:#}"));
    }
    outcome.kept.sort();
    ui::info(format!(
        "Fetched {folder} from {realm} into {}: {written} written ({}), {unchanged} unchanged, \
         {} kept, {} failed, in {:.2} s",
        out.display(),
        human_bytes(outcome.bytes),
        outcome.kept.len(),
        outcome.failed.len(),
        outcome.seconds()
    ));
    let kept = outcome.kept.clone();
    outcome.finish(
        args.transfer.json,
        FetchFields {
            account: &realm,
            folder: &folder,
            out: out.display().to_string(),
            fetched: written,
            unchanged,
            kept,
            would_fetch: None,
        },
        Some(&limiter),
    )
}

/// What a listing may write: each remote path checked (docs/design.md §8), and every group of paths that
/// would land on one local file under case folding or Unicode normalization refused whole (on
/// macOS or Windows one would overwrite the other, and which one wins is up to the server).
fn plan(
    folder: &str,
    files: Vec<crate::netsuite::restlet::RemoteFile>,
) -> (Vec<Wanted>, Vec<(String, String)>) {
    let mut refused = Vec::new();
    let mut seen = HashSet::new();
    let mut by_key: HashMap<String, Vec<Wanted>> = HashMap::new();
    for file in files {
        match paths::local_relative(folder, &file.path) {
            Ok(rel) if seen.insert(rel.clone()) => by_key
                .entry(paths::collision_key(&rel))
                .or_default()
                .push(Wanted {
                    remote: file.path,
                    rel,
                    size: file.size,
                }),
            Ok(_) => refused.push((file.path, "listed twice; written once".into())),
            Err(why) => refused.push((file.path, format!("refused: {why}"))),
        }
    }
    let mut wanted = Vec::new();
    for (_, group) in by_key {
        if let [one] = group.as_slice() {
            wanted.push(one.clone());
            continue;
        }
        let names: Vec<&str> = group.iter().map(|w| w.remote.as_str()).collect();
        for w in &group {
            refused.push((
                w.remote.clone(),
                format!(
                    "refused: {} name one local file where case or Unicode normalization is \
                     folded (macOS, Windows); rename all but one in the File Cabinet",
                    names.join(" and ")
                ),
            ));
        }
    }
    wanted.sort_by(|a, b| a.remote.cmp(&b.remote));
    refused.sort();
    (wanted, refused)
}

fn missing_folder() -> Failure {
    Failure::usage(
        "nstba needs the File Cabinet folder to fetch: pass it (such as SuiteScripts/my-app), \
         or set target under [deploy] in nstba.toml",
    )
}

async fn download(
    mut downloads: Downloads,
    wanted: Vec<Wanted>,
    limiter: Arc<crate::netsuite::limiter::Limiter>,
    mut on_event: impl FnMut(Event),
) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    downloads.tx = Some(tx);
    let run = tokio::spawn(schedule::run(downloads, wanted, limiter, LIMITS));
    while let Some(event) = rx.recv().await {
        on_event(event);
    }
    let _ = run.await;
}

/// Fetch's calls: governance allows about 480 loads a call (10 units each, less the RESTlet's
/// reserve); a call asks for at most 6 MB (an answer is at most 10 MB, base64 at 4/3), and
/// 16 MB are out at once (an answer is held as its body, then as its parsed files).
const LIMITS: schedule::Limits = schedule::Limits {
    per_call: 480,
    call_bytes: 6 << 20,
    budget: 16 << 20,
};

struct Downloads {
    restlet: Restlet,
    out: Arc<PathBuf>,
    /// The deploy state's hash of each local path that has one.
    known: Arc<HashMap<String, String>>,
    overwrite: bool,
    /// Where events go (set by [`download`]).
    tx: Option<mpsc::UnboundedSender<Event>>,
}

impl schedule::Calls for Downloads {
    type Item = Wanted;

    fn size(&self, w: &Wanted) -> u64 {
        w.size
    }

    async fn call(&self, chunk: Vec<Wanted>) -> Done<Wanted> {
        let mut pending: HashMap<String, Wanted> =
            chunk.into_iter().map(|w| (w.remote.clone(), w)).collect();
        let paths: Vec<String> = pending.keys().cloned().collect();
        let reply = match self.restlet.get(&paths).await {
            Ok(r) => r,
            Err(e) => {
                let why = format!("{e:#}");
                let why = why.lines().next().unwrap_or_default().to_string();
                for (path, _) in pending.drain() {
                    self.send(Event::Failed {
                        path,
                        why: why.clone(),
                    });
                }
                return Done {
                    left: Vec::new(),
                    moved: 0,
                    governed: false,
                    stop: false,
                };
            }
        };
        let mut moved = 0usize;
        // Each file's content is freed once it is written.
        for file in reply.files {
            // Only paths that were asked for are written, each once.
            let Some(w) = pending.remove(&file.path) else {
                continue;
            };
            moved += 1;
            self.send(self.write(w, file).await);
        }
        for e in reply.errors {
            if let Some(w) = pending.remove(&e.path) {
                moved += 1;
                self.send(Event::Failed {
                    path: w.remote,
                    why: format!("the RESTlet could not read it: {}: {}", e.code, e.message),
                });
            }
        }
        Done {
            left: pending.into_values().collect(),
            moved,
            governed: !reply.remaining.is_empty(),
            stop: false,
        }
    }

    fn give_up(&self, w: Wanted, why: GiveUp) {
        let why = match why {
            GiveUp::Stalled => format!(
                "the RESTlet returned none of it in {} calls in a row",
                schedule::MAX_STALLS
            ),
            GiveUp::Stopped => "not fetched: the fetch stopped on an earlier error".into(),
        };
        self.send(Event::Failed {
            path: w.remote,
            why,
        });
    }
}

impl Downloads {
    fn send(&self, event: Event) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(event);
        }
    }

    /// Decodes one fetched file and writes it under `--out`.
    async fn write(&self, w: Wanted, file: crate::netsuite::restlet::Fetched) -> Event {
        let decoded = match file.encoding.as_str() {
            "utf8" | "" => Ok(file.content.into_bytes()),
            "base64" => base64::engine::general_purpose::STANDARD
                .decode(file.content.as_bytes())
                .map_err(|e| format!("the RESTlet sent invalid base64: {e}")),
            other => Err(format!("unknown encoding '{other}'")),
        };
        match decoded {
            Ok(bytes) if bytes.len() as u64 > MAX_BYTES => Event::Failed {
                path: w.remote,
                why: "larger than 10 MB".into(),
            },
            Ok(bytes) => {
                let out = self.out.clone();
                let rel = w.rel.clone();
                let key = state_key(&w.rel);
                let known = self.known.get(&key).cloned();
                let overwrite = self.overwrite;
                let placed = tokio::task::spawn_blocking(move || {
                    place(&out, &rel, &bytes, known.as_deref(), overwrite)
                })
                .await;
                match placed {
                    Ok(Ok(Placed::Written(confirmed))) => Event::Written {
                        rel: key,
                        confirmed,
                    },
                    Ok(Ok(Placed::Unchanged(confirmed))) => Event::Unchanged {
                        rel: key,
                        confirmed,
                    },
                    Ok(Ok(Placed::Kept)) => Event::Kept { path: w.remote },
                    Ok(Err(why)) => Event::Failed {
                        path: w.remote,
                        why,
                    },
                    Err(e) => Event::Failed {
                        path: w.remote,
                        why: e.to_string(),
                    },
                }
            }
            Err(why) => Event::Failed {
                path: w.remote,
                why,
            },
        }
    }
}
