//! The one redirect classifier (docs/design.md §3): what a request to the listener, or a URL
//! pasted on stdin, turns out to be. Both flows start with [`redirect`] (the path, then this
//! login's `state`, before anything else); TBA reads its request token and verifier
//! ([`classify`]), OAuth 2.0 its code or error (`oauth2::flow::classify`). Pure, so fuzzed.

use url::Url;

/// What NetSuite sends back with an allowed authorization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Callback {
    pub token: String,
    pub verifier: String,
    pub company: Option<String>,
    pub role: Option<String>,
    pub entity: Option<String>,
}

/// What a request to the listener (or a pasted URL) turns out to be; `T` is what an allowed
/// callback carries (TBA's verifier, OAuth 2.0's code).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome<T = Callback> {
    /// Not the callback path (a favicon, a preconnect): 404, keep waiting.
    Stray,
    /// The callback path, but not for this login (wrong `state` or `oauth_token`): 400, keep
    /// waiting. The reason is for the page and the terminal.
    Refused(&'static str),
    /// The user denied the authorization (no or an empty `oauth_verifier`, `error=access_denied`).
    Denied,
    /// NetSuite sent the browser back with another error (OAuth 2.0's `error`), escaped.
    Failed(String),
    Allowed(T),
}

/// A redirect that reached the callback path with this login's `state`: its parameters, for
/// the flow to read what it carries.
pub struct Redirect {
    params: Vec<(String, String)>,
}

impl Redirect {
    /// NetSuite's internal ID in `name` (`role`, `entity`): digits, which are saved and shown
    /// later, so nothing else may come through (a terminal escape in a role ID, say).
    pub fn internal_id(&self, name: &str) -> Result<Option<String>, &'static str> {
        match self.get(name) {
            Some(v) if !crate::account::is_internal_id(&v) => Err(match name {
                "role" => "the redirect's role is not a NetSuite role ID (digits)",
                _ => "the redirect's entity is not a NetSuite internal ID (digits)",
            }),
            other => Ok(other),
        }
    }

    /// The first value of `name` (NetSuite sends each once); an empty value counts as none.
    pub fn get(&self, name: &str) -> Option<String> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    }
}

/// The one redirect classifier both flows start with (pure, fuzzable): a request target
/// (`/path?query`) on another path is stray; on the callback path, `state` is checked before
/// anything else (a request without this login's state tells nothing about it). `path` is
/// `None` for a pasted URL, whose path is whatever the browser showed.
pub fn redirect<T>(target: &str, path: Option<&str>, state: &str) -> Result<Redirect, Outcome<T>> {
    let (got_path, query) = target.split_once('?').unwrap_or((target, ""));
    if let Some(expected) = path
        && got_path != expected
    {
        return Err(Outcome::Stray);
    }
    let redirect = Redirect {
        params: url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect(),
    };
    if redirect.get("state").as_deref() != Some(state) {
        return Err(Outcome::Refused(
            "the state parameter does not match this login",
        ));
    }
    Ok(redirect)
}

/// What a TBA callback is: [`redirect`]'s checks, then the request token, then the verifier
/// (none means the user denied).
pub fn classify(target: &str, path: Option<&str>, token: &str, state: &str) -> Outcome {
    let r = match redirect(target, path, state) {
        Ok(r) => r,
        Err(outcome) => return outcome,
    };
    if r.get("oauth_token").as_deref() != Some(token) {
        return Outcome::Refused("the oauth_token is not the request token of this login");
    }
    let Some(verifier) = r.get("oauth_verifier") else {
        return Outcome::Denied;
    };
    let (role, entity) = match (r.internal_id("role"), r.internal_id("entity")) {
        (Ok(role), Ok(entity)) => (role, entity),
        (Err(why), _) | (_, Err(why)) => return Outcome::Refused(why),
    };
    Outcome::Allowed(Callback {
        token: token.to_string(),
        verifier,
        company: r.get("company"),
        role,
        entity,
    })
}

/// The request target (`/path?query`) of a pasted redirect URL: a whole URL, or its path and
/// query, or its query alone. `None` when it is none of these.
pub fn pasted_target(line: &str) -> Option<String> {
    let line = line.trim();
    match Url::parse(line) {
        Ok(u) => Some(format!("{}?{}", u.path(), u.query().unwrap_or_default())),
        Err(_) if line.starts_with('?') || line.starts_with('/') => Some(line.to_string()),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "reqtok";
    const S: &str = "St4te";

    #[test]
    fn allowed() {
        let o = classify(
            "/tba?oauth_token=reqtok&oauth_verifier=v%201&company=123_SB1&role=3&entity=38&state=St4te",
            Some("/tba"),
            T,
            S,
        );
        assert_eq!(
            o,
            Outcome::Allowed(Callback {
                token: T.into(),
                verifier: "v 1".into(),
                company: Some("123_SB1".into()),
                role: Some("3".into()),
                entity: Some("38".into()),
            })
        );
    }

    #[test]
    fn role_and_entity_are_internal_ids() {
        for bad in [
            "role=3%1b%5B2J",
            "entity=38%07",
            "role=admin",
            "entity=123456789012345678901",
        ] {
            let target = format!("/tba?oauth_token=reqtok&oauth_verifier=v&state=St4te&{bad}");
            assert!(
                matches!(classify(&target, Some("/tba"), T, S), Outcome::Refused(_)),
                "{bad}"
            );
        }
    }

    #[test]
    fn stray_refused_denied() {
        assert_eq!(classify("/favicon.ico", Some("/tba"), T, S), Outcome::Stray);
        assert_eq!(
            classify("/tba/x?state=St4te", Some("/tba"), T, S),
            Outcome::Stray
        );
        assert!(matches!(
            classify("/tba?oauth_token=reqtok&oauth_verifier=v&state=other", Some("/tba"), T, S),
            Outcome::Refused(w) if w.contains("state")
        ));
        assert!(matches!(
            classify("/tba?oauth_token=forged&oauth_verifier=v&state=St4te", Some("/tba"), T, S),
            Outcome::Refused(w) if w.contains("oauth_token")
        ));
        assert!(matches!(
            classify("/tba?oauth_token=reqtok", Some("/tba"), T, S),
            Outcome::Refused(_)
        ));
        assert_eq!(
            classify("/tba?oauth_token=reqtok&state=St4te", Some("/tba"), T, S),
            Outcome::Denied
        );
        assert_eq!(
            classify(
                "/tba?oauth_token=reqtok&oauth_verifier=&state=St4te",
                Some("/tba"),
                T,
                S
            ),
            Outcome::Denied
        );
        // A pasted URL's path is not checked.
        assert!(matches!(
            classify(
                "/elsewhere?oauth_token=reqtok&oauth_verifier=v&state=St4te",
                None,
                T,
                S
            ),
            Outcome::Allowed(_)
        ));
    }
}
