//! `nstba mcp [--to AUTH_ID]` (docs/design.md §14): an MCP server on stdio for an AI agent that
//! forwards each JSON-RPC message to NetSuite's MCP endpoint (`/services/mcp/v1/all` on the
//! REST domain, Streamable HTTP) with the saved OAuth 2.0 login's Bearer token, refreshed as
//! needed (one forced refresh on a 401). The session ID NetSuite gives at `initialize` goes with
//! every later message; a JSON answer or the events of an event-stream answer go to stdout, one
//! message a line. Only protocol goes to stdout; people read stderr.

use std::io::{BufRead as _, Write as _};
use std::process::ExitCode;

use anyhow::Result;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};

use crate::cli::McpArgs;
use crate::commands::App;
use crate::credentials::Credentials;
use crate::error::Failure;
use crate::ui;

/// NetSuite's MCP endpoint for every tool the account's SuiteApps provide.
pub const PATH: &str = "/services/mcp/v1/all";
const SESSION: &str = "mcp-session-id";
/// The most a line on stdin may hold (a JSON-RPC message from the agent).
const MAX_LINE: usize = 4 * 1024 * 1024;

pub fn run(app: &App, args: &McpArgs) -> Result<ExitCode> {
    let creds = app.credentials(&args.credentials)?;
    let how = "log in for MCP under a name of its own: nstba auth login NAME --oauth2 --client-id \
               ID --scope mcp (with a role that has MCP Server Connection, not Administrator)";
    let Some(scope) = creds.scope() else {
        return Err(Failure::usage(format!(
            "a TBA token cannot use NetSuite's MCP server, which takes OAuth 2.0: {how}"
        ))
        .into());
    };
    if !scope.split(' ').any(|s| s == "mcp") {
        return Err(Failure::usage(format!(
            "this OAuth 2.0 login is for {scope}, not for the mcp scope: {how}"
        ))
        .into());
    }
    let url = app.endpoints.resolve(Some(&creds.account), PATH)?;
    ui::info(format!(
        "nstba mcp: forwarding MCP messages on stdin to {} for account {}",
        url.path(),
        creds.account
    ));
    let http = crate::http::Http::shared()?;
    let mut session: Option<String> = None;
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut line = String::new();
    loop {
        line.clear();
        let n = std::io::Read::take(&mut input, MAX_LINE as u64 + 1)
            .read_line(&mut line)
            .map_err(|e| Failure::error(format!("cannot read stdin: {e}")))?;
        if n == 0 {
            return Ok(ExitCode::SUCCESS);
        }
        if line.len() > MAX_LINE {
            return Err(Failure::usage("a message on stdin is over 4 MB").into());
        }
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        if serde_json::from_str::<Value>(text).is_err() {
            write(
                &json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "Parse error"}}),
            )?;
            continue;
        }
        let answers = crate::http::block_on(forward(&http, &creds, &url, &mut session, text))??;
        for answer in answers {
            write(&answer)?;
        }
    }
}

/// One message to NetSuite; the messages it answers with (none for a notification).
async fn forward(
    http: &crate::http::Http,
    creds: &Credentials,
    url: &url::Url,
    session: &mut Option<String>,
    body: &str,
) -> Result<Vec<Value>> {
    let id = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("id").cloned())
        .unwrap_or(Value::Null);
    let mut force = false;
    let reply = loop {
        let mut headers = HeaderMap::new();
        let auth = creds.authorization(http, "POST", url, None, force).await?;
        headers.insert(AUTHORIZATION, crate::http::sensitive(auth.expose())?);
        headers.insert(
            ACCEPT,
            HeaderValue::from_static("application/json, text/event-stream"),
        );
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(s) = session.as_deref()
            && let Ok(v) = HeaderValue::from_str(s)
        {
            headers.insert(HeaderName::from_static(SESSION), v);
        }
        let reply = http
            .send(
                "POST",
                url,
                headers,
                Some(bytes::Bytes::from(body.to_string())),
            )
            .await?;
        if reply.status.as_u16() == 401 && !force {
            force = true;
            continue;
        }
        break reply;
    };
    if let Some(s) = reply.header(SESSION)
        && s.len() <= 256
        && s.bytes().all(|b| b.is_ascii_graphic())
    {
        *session = Some(s.to_string());
    }
    let status = reply.status.as_u16();
    if status == 202 || (reply.body.is_empty() && reply.is_success()) {
        return Ok(Vec::new());
    }
    if !reply.is_success() {
        // NetSuite's refusal, as a JSON-RPC error the agent can show.
        let said = crate::auth::oauth2::certs::said(&reply);
        let hint = if status == 403 {
            " (the role needs MCP Server Connection, and cannot be Administrator)"
        } else {
            ""
        };
        ui::warn(format!(
            "NetSuite's MCP server answered HTTP {status}: {said}{hint}"
        ));
        return Ok(vec![json!({"jsonrpc": "2.0", "id": id, "error": {
            "code": -32000, "message": format!("NetSuite answered HTTP {status}: {said}{hint}")}})]);
    }
    let event_stream = reply
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/event-stream"));
    if event_stream {
        let text = String::from_utf8_lossy(&reply.body);
        return Ok(text
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str(d.trim()).ok())
            .collect());
    }
    match serde_json::from_slice::<Value>(&reply.body) {
        Ok(v) => Ok(vec![v]),
        Err(_) => Ok(vec![json!({"jsonrpc": "2.0", "id": id, "error": {
            "code": -32000, "message": "NetSuite's MCP server answered something that is not JSON"}})]),
    }
}

/// One message on stdout, on a line of its own.
fn write(message: &Value) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let mut text = message.to_string();
    text.push('\n');
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::error(format!("cannot write to stdout: {e}")).into())
}
