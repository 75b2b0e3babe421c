//! The companion RESTlet's protocol, version 1 (docs/design.md §8), over the in-memory File Cabinet:
//! `list` (GET), `get`, `put` and `delete` (POST JSON), with `remaining` when the governance
//! knob cuts a call short, and RESTlet-shaped errors.

use axum::response::Response;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{Mode, authenticate, refuse};
use crate::filecabinet::{INVALID_PATH, valid_path};
use crate::http::{self, Family, Req};
use crate::state::State;

/// A RESTlet request or response, and one file's content, is at most 10 MB.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

#[derive(Deserialize)]
struct PostBody {
    action: String,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    files: Vec<PutFile>,
}

#[derive(Deserialize)]
struct PutFile {
    path: String,
    #[serde(default = "utf8")]
    encoding: String,
    content: String,
}

fn utf8() -> String {
    "utf8".into()
}

fn err(status: u16, code: &str, message: &str) -> Response {
    http::restlet_error(status, code, message)
}

pub fn handle(st: &State, req: &Req) -> Response {
    if req.query("script") != Some(st.config.restlet_script.as_str())
        || req.query("deploy") != Some(st.config.restlet_deploy.as_str())
    {
        st.audit(&req.path, 400, "InvalidScriptlet");
        return err(
            400,
            "SSS_INVALID_SCRIPTLET_ID",
            "That Suitelet is invalid, disabled, or no longer exists.",
        );
    }
    match crate::oauth2::check_bearer(st, req, "restlets", Family::Restlet) {
        Some(Err(resp)) => return resp,
        Some(Ok(_)) => {}
        None => {
            if let Err(r) = authenticate(st, req, Mode::Access) {
                return refuse(st, req, Family::Restlet, r);
            }
        }
    }
    st.audit(&req.path, 200, "ok");
    match req.method.as_str() {
        "GET" => match req.query("action") {
            Some("list") => list(st, req.query("path").unwrap_or_default()),
            _ => err(400, "INVALID_ACTION", "GET takes action=list."),
        },
        "POST" => post(st, req),
        _ => err(405, "SSS_INVALID_HTTP_METHOD", "Use GET or POST."),
    }
}

fn list(st: &State, folder: &str) -> Response {
    let folder = folder.trim_end_matches('/');
    if !valid_path(folder) {
        return err(
            400,
            INVALID_PATH,
            "The folder path is not a File Cabinet path.",
        );
    }
    let fc = st.cabinet();
    if !fc.folder_exists(folder) {
        return err(
            400,
            "FOLDER_NOT_FOUND",
            &format!("The folder {folder} does not exist in the File Cabinet."),
        );
    }
    let files: Vec<Value> = fc
        .list(folder)
        .into_iter()
        .map(|(path, f)| {
            json!({
                "path": path,
                "id": f.id.to_string(),
                "size": f.content.len(),
                "modified": httpdate::fmt_http_date(f.modified),
            })
        })
        .collect();
    http::json(
        200,
        &json!({"protocol": 1, "files": files, "truncated": false}),
    )
}

fn post(st: &State, req: &Req) -> Response {
    let is_json = req
        .header("content-type")
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("application/json"));
    if !is_json {
        return err(
            415,
            "INVALID_CONTENT_TYPE",
            "RESTlets take application/json (or text/plain) bodies.",
        );
    }
    if req.body.len() > MAX_BYTES {
        return err(
            400,
            "SSS_REQUEST_TOO_LARGE",
            "The request is larger than 10 MB.",
        );
    }
    let body: PostBody = match serde_json::from_slice(&req.body) {
        Ok(b) => b,
        Err(e) => return err(400, "SYNTAX_ERROR", &format!("The body is not valid: {e}")),
    };
    let mut budget = Governance::new(st);
    let mut resp = match body.action.as_str() {
        "get" => get(st, body.paths, &mut budget),
        "put" => put(st, body.files, &mut budget),
        "delete" => delete(st, body.paths, &mut budget),
        other => err(400, "INVALID_ACTION", &format!("Unknown action '{other}'.")),
    };
    // The handler in lib.rs charges the server time of what this call handled.
    resp.extensions_mut().insert(FilesHandled(budget.files));
    resp
}

/// How many files a call put or got (each with its existence check), for `--file-ms`.
#[derive(Clone, Copy, Debug)]
pub struct FilesHandled(pub usize);

/// Governance units as NetSuite charges a RESTlet (docs/design.md §11): 5,000 per call; `file.load` 10,
/// `file.save` 20, a search 10, `record.save` of a folder 20. `--governance N` is the simpler
/// override: at most N files per call.
pub const UNITS_PER_CALL: u32 = 5000;
pub const FILE_LOAD: u32 = 10;
pub const FILE_SAVE: u32 = 20;
pub const SEARCH: u32 = 10;
pub const FOLDER_SAVE: u32 = 20;

struct Governance {
    units: u32,
    max_files: usize,
    files: usize,
}

impl Governance {
    fn new(st: &State) -> Governance {
        Governance {
            units: UNITS_PER_CALL,
            max_files: st.config.governance.unwrap_or(usize::MAX),
            files: 0,
        }
    }

    /// Spends `cost` units on one more file, or says the call must stop here.
    fn spend(&mut self, cost: u32) -> bool {
        if self.files >= self.max_files || self.units < cost {
            return false;
        }
        self.units -= cost;
        self.files += 1;
        true
    }
}

fn file_error(path: &str, code: &str, message: &str) -> Value {
    json!({"path": path, "code": code, "message": message})
}

fn get(st: &State, paths: Vec<String>, budget: &mut Governance) -> Response {
    let fc = st.cabinet();
    let (mut files, mut errors, mut remaining) = (Vec::new(), Vec::new(), Vec::new());
    let mut bytes = 0usize;
    for path in paths {
        // Once governance runs low, the rest comes back in `remaining`.
        if !remaining.is_empty() || !budget.spend(FILE_LOAD) {
            remaining.push(path);
            continue;
        }
        let Some(f) = fc.get(&path) else {
            errors.push(file_error(
                &path,
                "RCRD_DSNT_EXIST",
                "That file does not exist.",
            ));
            continue;
        };
        // The response stays under 10 MB: what does not fit comes in the next call.
        let size = f.content.len() * 4 / 3 + 256;
        if bytes > 0 && bytes + size > MAX_BYTES {
            remaining.push(path);
            continue;
        }
        bytes += size;
        let (encoding, content) = match std::str::from_utf8(&f.content) {
            Ok(text) => ("utf8", text.to_string()),
            Err(_) => (
                "base64",
                base64::engine::general_purpose::STANDARD.encode(&f.content),
            ),
        };
        files.push(
            json!({"path": path, "id": f.id.to_string(), "encoding": encoding,
                          "content": content}),
        );
    }
    http::json(
        200,
        &json!({"protocol": 1, "files": files, "errors": errors, "remaining": remaining}),
    )
}

fn put(st: &State, files: Vec<PutFile>, budget: &mut Governance) -> Response {
    let mut fc = st.cabinet();
    let (mut results, mut remaining) = (Vec::new(), Vec::new());
    for f in files {
        // The existence check (a search), the save, and a save per folder to create.
        let new_folders = fc.missing_folders(&f.path) as u32;
        let cost = SEARCH + FILE_SAVE + FOLDER_SAVE * new_folders;
        if !remaining.is_empty() || !budget.spend(cost) {
            remaining.push(f.path);
            continue;
        }
        if !valid_path(&f.path) {
            results.push(json!({"path": f.path, "error": {"code": INVALID_PATH,
                "message": "Not a File Cabinet path."}}));
            continue;
        }
        let content = match f.encoding.as_str() {
            "utf8" => Ok(f.content.into_bytes()),
            "base64" => base64::engine::general_purpose::STANDARD
                .decode(f.content.as_bytes())
                .map_err(|_| "The content is not valid base64."),
            _ => Err("The encoding must be utf8 or base64."),
        };
        match content {
            Ok(c) if c.len() > MAX_BYTES => results.push(json!({"path": f.path, "error": {
                "code": "SSS_FILE_CONTENT_SIZE_EXCEEDED", "message": "A file is at most 10 MB."}})),
            Ok(c) => {
                let (id, created) = fc.put(&f.path, c);
                results.push(json!({"path": f.path, "id": id.to_string(), "created": created}));
            }
            Err(m) => results.push(json!({"path": f.path, "error": {"code": "INVALID_CONTENT",
                "message": m}})),
        }
    }
    http::json(
        200,
        &json!({"protocol": 1, "results": results, "remaining": remaining}),
    )
}

fn delete(st: &State, paths: Vec<String>, budget: &mut Governance) -> Response {
    let mut fc = st.cabinet();
    let (mut results, mut remaining) = (Vec::new(), Vec::new());
    for path in paths {
        // A search finds it; the delete costs as a save.
        if !remaining.is_empty() || !budget.spend(SEARCH + FILE_SAVE) {
            remaining.push(path);
            continue;
        }
        let deleted = fc.delete(&path);
        results.push(json!({"path": path, "deleted": deleted}));
    }
    http::json(
        200,
        &json!({"protocol": 1, "results": results, "remaining": remaining}),
    )
}
