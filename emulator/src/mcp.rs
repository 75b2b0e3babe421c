//! NetSuite's MCP endpoint as the AI Connector Service serves it (`/services/mcp/v1/all` on the
//! REST domain, Streamable HTTP with JSON answers), small: `initialize` (which starts a session,
//! `Mcp-Session-Id`), `tools/list`, and one tool, `ns_runCustomSuiteQL`, over the emulator's
//! SuiteQL tables. A Bearer token for the `mcp` scope is required (NetSuite issues it only when
//! asked for alone), and the Administrator role is refused, as NetSuite's MCP server refuses
//! it. Notifications are accepted with 202.

use axum::http::{HeaderValue, header::HeaderName};
use axum::response::Response;
use serde_json::{Value, json};

use crate::http::{self, Req};
use crate::state::State;

pub const PATH: &str = "/services/mcp/v1/all";
const SESSION: &str = "mcp-session-id";
const TOOL: &str = "ns_runCustomSuiteQL";

fn rpc_error(id: &Value, code: i64, message: &str) -> Response {
    http::json(
        200,
        &json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}),
    )
}

pub fn handle(st: &State, req: &Req) -> Response {
    if req.method != "POST" {
        return http::empty(405);
    }
    let user = match crate::oauth2::bearer_user(st, req, "mcp") {
        Ok(u) => u,
        Err(resp) => return resp,
    };
    if user.role == "3" {
        st.audit(&req.path, 403, "AdministratorRoleNotAllowed");
        return http::problem(
            403,
            "Forbidden",
            "INSUFFICIENT_PERMISSION",
            "The Administrator role cannot use the MCP server: log in with a role that has MCP Server Connection.",
        );
    }
    let Ok(msg) = serde_json::from_slice::<Value>(&req.body) else {
        return rpc_error(&Value::Null, -32700, "Parse error");
    };
    let id = msg.get("id").cloned().unwrap_or(Value::Null);
    let method = msg["method"].as_str().unwrap_or_default();
    if msg.get("id").is_none() {
        // A notification (notifications/initialized, ...): nothing to answer.
        return http::empty(202);
    }
    if method == "initialize" {
        let session = st.random_hex(32);
        st.lock().mcp_sessions.insert(session.clone());
        let version = msg["params"]["protocolVersion"]
            .as_str()
            .unwrap_or("2025-06-18");
        let mut resp = http::json(
            200,
            &json!({"jsonrpc": "2.0", "id": id, "result": {
                "protocolVersion": version,
                "capabilities": {"tools": {"listChanged": false}},
                "serverInfo": {"name": "NetSuite emulator MCP", "version": "0.1.0"},
            }}),
        );
        if let Ok(v) = HeaderValue::from_str(&session) {
            resp.headers_mut()
                .insert(HeaderName::from_static(SESSION), v);
        }
        st.audit(&req.path, 200, "ok");
        return resp;
    }
    let known = req
        .header(SESSION)
        .is_some_and(|s| st.lock().mcp_sessions.contains(s));
    if !known {
        st.audit(&req.path, 400, "NoSession");
        return http::json(
            400,
            &json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32600, "message": "Bad Request: no valid session ID"}}),
        );
    }
    st.audit(&req.path, 200, "ok");
    match method {
        "tools/list" => http::json(
            200,
            &json!({"jsonrpc": "2.0", "id": id, "result": {"tools": [{
                "name": TOOL,
                "description": "Runs a SuiteQL query and returns its rows.",
                "inputSchema": {"type": "object", "properties": {"sqlQuery": {"type": "string"}}, "required": ["sqlQuery"]},
            }]}}),
        ),
        "tools/call" if msg["params"]["name"] == TOOL => {
            let q = msg["params"]["arguments"]["sqlQuery"]
                .as_str()
                .unwrap_or_default();
            let q = q.trim().trim_end_matches(';');
            let (text, is_error) = match crate::suiteql::run(&st.sql(), q, 1000, 0) {
                Ok((items, _)) => (Value::Array(items).to_string(), false),
                Err(e) => (format!("Invalid search query: {e}"), true),
            };
            http::json(
                200,
                &json!({"jsonrpc": "2.0", "id": id, "result": {"content": [{"type": "text", "text": text}], "isError": is_error}}),
            )
        }
        "tools/call" => rpc_error(&id, -32602, "Unknown tool"),
        "ping" => http::json(200, &json!({"jsonrpc": "2.0", "id": id, "result": {}})),
        _ => rpc_error(&id, -32601, "Method not found"),
    }
}
