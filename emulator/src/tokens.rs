//! The TBA authorization flow (docs/design.md §3) and the token endpoints: `requesttoken`, the consent
//! page `authorizetoken.nl`, `accesstoken`, `revoketoken`, `tokeninfo`.

use axum::response::Response;

use crate::auth::{Mode, authenticate, refuse};
use crate::http::{self, Family, Req};
use crate::oauth::pct_encode;
use crate::state::{AccessToken, ENTITY, ROLES, RequestToken, State};

/// Whether a callback URL matches the integration record's (`http://localhost:*` allows any
/// port on localhost).
pub fn callback_matches(record: &str, callback: &str) -> bool {
    match record.strip_suffix('*') {
        Some(prefix) => callback.strip_prefix(prefix).is_some_and(|rest| {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            digits > 0 && matches!(rest.as_bytes().get(digits), None | Some(b'/' | b'?'))
        }),
        None => record == callback,
    }
}

fn valid_state(s: &str) -> bool {
    s.len() <= 512 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn role_name(id: &str) -> &'static str {
    ROLES
        .iter()
        .find(|(r, _)| *r == id)
        .map(|(_, n)| *n)
        .unwrap_or("Custom Role")
}

pub fn request_token(st: &State, req: &Req) -> Response {
    let authed = match authenticate(st, req, Mode::ConsumerOnly) {
        Ok(a) => a,
        Err(r) => return refuse(st, req, Family::Token, r),
    };
    let Some(callback) = authed.param("oauth_callback").map(str::to_string) else {
        st.audit(&req.path, 400, "MissingRequiredParameter oauth_callback");
        return http::restlet_error(
            400,
            "MissingRequiredParameter",
            "oauth_callback is missing.",
        );
    };
    if !callback_matches(&st.config.callback, &callback) {
        st.audit(&req.path, 400, &format!("InvalidCallback {callback}"));
        return http::restlet_error(
            400,
            "InvalidCallback",
            "The callback URL does not match the integration record's.",
        );
    }
    let role = authed.param("role").map(str::to_string);
    let token = st.random_hex(64);
    let secret = st.random_hex(64);
    st.lock().request_tokens.insert(
        token.clone(),
        RequestToken {
            secret: secret.clone(),
            consumer_key: st.config.consumer_key.clone(),
            callback,
            role,
            verifier: None,
            chosen_role: None,
            used: false,
        },
    );
    st.audit(&req.path, 200, "ok");
    http::text(
        200,
        format!("oauth_token={token}&oauth_token_secret={secret}&oauth_callback_confirmed=true\n"),
    )
}

fn callback_url(base: &str, params: &[(&str, &str)]) -> String {
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", pct_encode(v.as_bytes())))
        .collect();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{}", query.join("&"))
}

/// Redirects to the callback with the user's decision.
fn decide(st: &State, token: &str, state: &str, allow: bool, role: Option<&str>) -> Response {
    let mut inner = st.lock();
    let Some(rt) = inner.request_tokens.get_mut(token) else {
        return http::html(
            400,
            page(
                "Invalid request",
                "<p>The request token is unknown or expired.</p>",
            ),
        );
    };
    let callback = rt.callback.clone();
    if !allow {
        drop(inner);
        st.audit("/app/login/secure/authorizetoken.nl", 302, "Denied");
        return http::redirect(&callback_url(
            &callback,
            &[("oauth_token", token), ("state", state)],
        ));
    }
    let role = role
        .map(str::to_string)
        .or_else(|| rt.role.clone())
        .unwrap_or_else(|| "3".into());
    let verifier = st.random_hex(64);
    rt.verifier = Some(verifier.clone());
    rt.chosen_role = Some(role.clone());
    drop(inner);
    let company = st.realm();
    st.audit("/app/login/secure/authorizetoken.nl", 302, "ok");
    http::redirect(&callback_url(
        &callback,
        &[
            ("oauth_token", token),
            ("oauth_verifier", &verifier),
            ("company", &company),
            ("role", &role),
            ("entity", ENTITY),
            ("state", state),
        ],
    ))
}

/// An HTML page in the emulator's style (the consent pages, their errors).
pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>body{{font-family:sans-serif;max-width:32em;margin:3em auto}}\
         button{{font-size:1.1em;margin-right:1em;padding:.4em 1.2em}}</style></head>\
         <body><h1>{title}</h1>{body}</body></html>"
    )
}

pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn consent_page(st: &State, req: &Req) -> Response {
    let token = req.query("oauth_token").unwrap_or_default().to_string();
    let state = req.query("state").unwrap_or_default().to_string();
    if !valid_state(&state) {
        return http::html(
            400,
            page("Invalid request", "<p>The state parameter is invalid.</p>"),
        );
    }
    let preselected = match st.lock().request_tokens.get(&token) {
        Some(rt) if !rt.used => rt.role.clone(),
        _ => {
            return http::html(
                400,
                page(
                    "Invalid request",
                    "<p>The request token is unknown or expired.</p>",
                ),
            );
        }
    };
    match st.config.decision {
        crate::Decision::Allow => return decide(st, &token, &state, true, None),
        crate::Decision::Deny => return decide(st, &token, &state, false, None),
        crate::Decision::Ask => {}
    }
    let options: String = ROLES
        .iter()
        .map(|(id, name)| {
            let sel = if preselected.as_deref() == Some(*id) {
                " selected"
            } else {
                ""
            };
            format!("<option value=\"{id}\"{sel}>{name}</option>")
        })
        .collect();
    let body = format!(
        "<p>The application <b>nstba</b> asks for access to account <b>{account}</b> \
         (NetSuite emulator) as <b>Emulator User</b>.</p>\
         <form method=\"post\" action=\"/app/login/secure/authorizetoken.nl\">\
         <input type=\"hidden\" name=\"oauth_token\" value=\"{token}\">\
         <input type=\"hidden\" name=\"state\" value=\"{state}\">\
         <p><label>Role <select id=\"role\" name=\"role\">{options}</select></label></p>\
         <p><button id=\"allow\" name=\"decision\" value=\"allow\">Allow</button>\
         <button id=\"deny\" name=\"decision\" value=\"deny\">Deny</button></p></form>",
        account = escape(&st.realm()),
        token = escape(&token),
        state = escape(&state),
    );
    http::html(200, page("Grant access", &body))
}

pub fn consent_decision(st: &State, req: &Req) -> Response {
    let form: Vec<(String, String)> = req.form();
    let get = |n: &str| form.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let state = get("state").unwrap_or_default();
    if !valid_state(state) {
        return http::html(
            400,
            page("Invalid request", "<p>The state parameter is invalid.</p>"),
        );
    }
    let role = get("role").filter(|r| ROLES.iter().any(|(id, _)| id == r));
    decide(
        st,
        get("oauth_token").unwrap_or_default(),
        state,
        get("decision") == Some("allow"),
        role,
    )
}

pub fn access_token(st: &State, req: &Req) -> Response {
    let authed = match authenticate(st, req, Mode::RequestToken) {
        Ok(a) => a,
        Err(r) => return refuse(st, req, Family::Token, r),
    };
    let token = authed.token_id.clone().unwrap_or_default();
    let verifier = authed
        .param("oauth_verifier")
        .unwrap_or_default()
        .to_string();
    let mut inner = st.lock();
    let Some(rt) = inner.request_tokens.get_mut(&token) else {
        drop(inner);
        st.audit(&req.path, 401, "UnknownRequestToken");
        return http::restlet_error(401, "InvalidToken", "Invalid login attempt.");
    };
    if verifier.is_empty() || rt.verifier.as_deref() != Some(verifier.as_str()) {
        drop(inner);
        st.audit(&req.path, 401, "InvalidVerifier");
        return http::restlet_error(401, "InvalidVerifier", "The verifier is invalid.");
    }
    rt.used = true;
    let role = rt.chosen_role.clone().unwrap_or_else(|| "3".into());
    let id = st.random_hex(64);
    let secret = st.random_hex(64);
    inner.tokens.insert(
        id.clone(),
        AccessToken {
            secret: secret.clone(),
            consumer_key: st.config.consumer_key.clone(),
            role,
            entity: ENTITY.into(),
            active: true,
        },
    );
    drop(inner);
    st.audit(&req.path, 200, "ok");
    http::text(
        200,
        format!("oauth_token={id}&oauth_token_secret={secret}\n"),
    )
}

pub fn revoke(st: &State, req: &Req) -> Response {
    let authed = match authenticate(st, req, Mode::Access) {
        Ok(a) => a,
        Err(r) => return refuse(st, req, Family::Token, r),
    };
    let token = authed.token_id.unwrap_or_default();
    if req.query("token") != Some(token.as_str())
        || req.query("consumerKey") != Some(st.config.consumer_key.as_str())
    {
        st.audit(&req.path, 400, "RevokeParametersMismatch");
        return http::restlet_error(
            400,
            "MissingRequiredParameter",
            "consumerKey and token must name the token that signs the request.",
        );
    }
    if let Some(t) = st.lock().tokens.get_mut(&token) {
        t.active = false;
    }
    st.audit(&req.path, 200, "ok");
    http::json(200, &serde_json::json!({"revoked": true}))
}

pub fn token_info(st: &State, req: &Req) -> Response {
    let authed = match authenticate(st, req, Mode::Access) {
        Ok(a) => a,
        Err(r) => return refuse(st, req, Family::Token, r),
    };
    let token = authed.token_id.unwrap_or_default();
    let (role, entity) = match st.lock().tokens.get(&token) {
        Some(t) => (t.role.clone(), t.entity.clone()),
        None => ("3".into(), ENTITY.into()),
    };
    st.audit(&req.path, 200, "ok");
    http::json(
        200,
        &serde_json::json!({
            "companyId": st.realm(),
            "companyName": "NSTBA Emulator Company",
            "roleId": role,
            "roleName": role_name(&role),
            "entityId": entity,
            "entityName": "Emulator User",
            "integrationName": "nstba",
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks() {
        assert!(callback_matches(
            "http://localhost:*",
            "http://localhost:7777/tba"
        ));
        assert!(callback_matches("http://localhost:*", "http://localhost:1"));
        assert!(!callback_matches(
            "http://localhost:*",
            "http://localhost:/tba"
        ));
        assert!(!callback_matches(
            "http://localhost:*",
            "http://localhost:80.evil.com/"
        ));
        assert!(!callback_matches(
            "http://localhost:*",
            "http://127.0.0.1:7777/tba"
        ));
        assert!(callback_matches(
            "https://x.example/cb",
            "https://x.example/cb"
        ));
        assert!(!callback_matches(
            "https://x.example/cb",
            "https://x.example/cb2"
        ));
    }
}
