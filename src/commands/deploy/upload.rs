//! deploy's uploads: the files as the even scheduler shares them out, each call's put body
//! packed once, each confirmation recorded in the state at once.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Result;
use tokio::sync::mpsc;

use crate::filecabinet::schedule::{self, Done, GiveUp};
use crate::filecabinet::state::{Confirmed, DeployState};
use crate::filecabinet::walk::LocalFile;
use crate::fsio::{Links, read_capped};
use crate::netsuite::restlet::{MAX_BYTES, PutBody, Restlet};

/// What the upload tells the command as it goes.
pub(super) enum Event {
    Confirmed {
        rel: String,
        sha256: String,
        size: u64,
        modified: Option<u64>,
    },
    Failed {
        rel: String,
        why: String,
    },
    /// A whole request failed after its retries; later batches are not sent.
    Fatal(anyhow::Error),
}

/// Sends the files as the scheduler shares them out, recording each confirmation in the state
/// file as it comes. Returns the error that stopped the upload, if one did.
pub(super) async fn upload(
    restlet: Restlet,
    files: Vec<LocalFile>,
    limiter: Arc<crate::netsuite::limiter::Limiter>,
    state: &mut DeployState,
    mut on_event: impl FnMut(&Event),
) -> Result<Option<anyhow::Error>> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let run = tokio::spawn(schedule::run(
        Uploads { restlet, tx },
        files,
        limiter,
        LIMITS,
    ));
    let mut fatal = None;
    while let Some(first) = rx.recv().await {
        // Take everything that is waiting, then write the state once.
        let mut events = vec![first];
        while let Ok(e) = rx.try_recv() {
            events.push(e);
        }
        let mut confirmed_any = false;
        for event in events {
            on_event(&event);
            match event {
                Event::Confirmed {
                    rel,
                    sha256,
                    size,
                    modified,
                } => {
                    state.confirm(
                        &rel,
                        Confirmed {
                            sha256,
                            size,
                            modified,
                        },
                    );
                    confirmed_any = true;
                }
                Event::Fatal(e) => {
                    fatal.get_or_insert(e);
                }
                Event::Failed { .. } => {}
            }
        }
        if confirmed_any {
            state.save()?;
        }
    }
    run.await?;
    Ok(fatal)
}

/// Deploy's calls: governance allows about 160 puts a call (a search and a save each, 30 units
/// of 5,000, less the RESTlet's reserve); a call carries at most 6 MB of files, and 24 MB are
/// out at once (a body holds its files once, base64 at 4/3, and each file is briefly held
/// raw too while it is encoded: about 60 MB at most in all).
const LIMITS: schedule::Limits = schedule::Limits {
    per_call: 160,
    call_bytes: 6 << 20,
    budget: 24 << 20,
};

/// A request body stays this far under the RESTlet's 10 MB.
const BODY_LIMIT: usize = MAX_BYTES as usize - (64 << 10);

struct Uploads {
    restlet: Restlet,
    tx: mpsc::UnboundedSender<Event>,
}

/// A share of files read and encoded into one body.
struct Packed {
    body: PutBody,
    /// The hash and size of each file in the body, by remote path.
    sent: HashMap<String, (LocalFile, String, u64)>,
    /// Files that did not fit in this body.
    unsent: Vec<LocalFile>,
    unreadable: Vec<(LocalFile, String)>,
}

/// Reads each file once and writes it into the body; the hash recorded is that of the bytes
/// sent.
fn pack(chunk: Vec<LocalFile>) -> Packed {
    let mut packed = Packed {
        body: PutBody::default(),
        sent: HashMap::new(),
        unsent: Vec::new(),
        unreadable: Vec::new(),
    };
    let mut files = chunk.into_iter();
    for file in files.by_ref() {
        match read_capped(&file.abs, MAX_BYTES, Links::Refuse) {
            Ok(bytes) => {
                if !packed.body.push(&file.remote, &bytes, BODY_LIMIT) {
                    packed.unsent.push(file);
                    break;
                }
                let hash = crate::filecabinet::walk::sha256_bytes(&bytes);
                packed
                    .sent
                    .insert(file.remote.clone(), (file, hash, bytes.len() as u64));
            }
            Err(e) => packed
                .unreadable
                .push((file, format!("cannot read it: {e}"))),
        }
    }
    packed.unsent.extend(files);
    packed
}

impl schedule::Calls for Uploads {
    type Item = LocalFile;

    fn size(&self, file: &LocalFile) -> u64 {
        file.size
    }

    async fn call(&self, chunk: Vec<LocalFile>) -> Done<LocalFile> {
        let packed = match tokio::task::spawn_blocking(move || pack(chunk)).await {
            Ok(p) => p,
            Err(e) => {
                let _ = self.tx.send(Event::Fatal(e.into()));
                return Done {
                    left: Vec::new(),
                    moved: 0,
                    governed: false,
                    stop: true,
                };
            }
        };
        let Packed {
            body,
            mut sent,
            mut unsent,
            unreadable,
        } = packed;
        let moved = unreadable.len();
        for (file, why) in unreadable {
            let _ = self.tx.send(Event::Failed { rel: file.rel, why });
        }
        if body.files() == 0 {
            return Done {
                left: unsent,
                moved,
                governed: false,
                stop: false,
            };
        }
        let reply = match self.restlet.put_body(body).await {
            Ok(r) => r,
            Err(e) => {
                let why = format!("{e:#}");
                let first_line = why.lines().next().unwrap_or_default().to_string();
                let _ = self.tx.send(Event::Fatal(e));
                for (_, (file, _, _)) in sent.drain() {
                    let _ = self.tx.send(Event::Failed {
                        rel: file.rel,
                        why: first_line.clone(),
                    });
                }
                return Done {
                    left: unsent,
                    moved: 0,
                    governed: false,
                    stop: true,
                };
            }
        };
        let mut moved = moved;
        for result in reply.results {
            let Some((file, sha256, size)) = sent.remove(&result.path) else {
                continue; // not ours: ignore what was never asked for
            };
            moved += 1;
            let modified = file.modified_to_record();
            let _ = self.tx.send(match result.error {
                None => Event::Confirmed {
                    rel: file.rel,
                    sha256,
                    size,
                    modified,
                },
                Some(err) => Event::Failed {
                    rel: file.rel,
                    why: format!("the RESTlet refused it: {}: {}", err.code, err.message),
                },
            });
        }
        // What the RESTlet neither confirmed nor listed as remaining was lost: sent again too.
        unsent.extend(sent.into_values().map(|(file, _, _)| file));
        Done {
            left: unsent,
            moved,
            governed: !reply.remaining.is_empty(),
            stop: false,
        }
    }

    fn give_up(&self, file: LocalFile, why: GiveUp) {
        let why = match why {
            GiveUp::Stalled => format!(
                "the RESTlet confirmed none of it in {} calls in a row",
                schedule::MAX_STALLS
            ),
            GiveUp::Stopped => "not sent: the deploy stopped on an earlier error".into(),
        };
        let _ = self.tx.send(Event::Failed { rel: file.rel, why });
    }
}
