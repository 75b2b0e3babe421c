//! Account IDs and the NetSuite domains derived from them (docs/design.md §1): the OAuth realm, the host
//! label, the app, RESTlet and REST domains, the `--netsuite-url` override, and picking the
//! domain from a request path.

use std::fmt;

use url::Url;

use crate::error::Failure;

/// A validated NetSuite account ID, kept as the user typed it.
///
/// Validation matters: the ID becomes part of a host name, so only `[A-Za-z0-9]+` optionally
/// followed by one `_` or `-` and a suffix of letters and digits may pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountId(String);

impl AccountId {
    pub fn parse(input: &str) -> Result<Self, Failure> {
        let trimmed = input.trim();
        if is_valid_account(trimmed) {
            Ok(AccountId(trimmed.to_string()))
        } else {
            Err(Failure::usage(format!(
                "'{input}' is not a NetSuite account ID. It looks like 1234567, 1234567_SB1 or \
                 TSTDRV1234567: find it at Setup > Company > Company Information (Account ID)."
            )))
        }
    }

    /// The OAuth `realm`: upper case with `_` (NetSuite rejects a lower-case sandbox realm).
    pub fn realm(&self) -> String {
        self.0.to_ascii_uppercase().replace('-', "_")
    }

    /// The host label: lower case with `-`.
    pub fn host_label(&self) -> String {
        self.0.to_ascii_lowercase().replace('_', "-")
    }

    /// Whether two spellings name the same account (`1234567-sb1` and `1234567_SB1`).
    pub fn same_as(&self, other: &AccountId) -> bool {
        self.realm() == other.realm()
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_valid_account(s: &str) -> bool {
    if s.is_empty() || s.len() > 40 {
        return false;
    }
    let mut parts = s.splitn(2, ['_', '-']);
    let alnum = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric());
    let head = parts.next().unwrap_or_default();
    match parts.next() {
        None => alnum(head),
        Some(suffix) => alnum(head) && alnum(suffix),
    }
}

/// The three NetSuite domains an account has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    App,
    Restlet,
    Rest,
}

impl Domain {
    /// The domain a path belongs to: `/services/rest/...` is REST, `/rest/...` and
    /// `/app/site/hosting/restlet.nl` are RESTlet, anything else under `/app/` is the app domain.
    pub fn for_path(path: &str) -> Domain {
        if path.starts_with("/services/rest") {
            Domain::Rest
        } else if path.starts_with("/rest/") || path.starts_with("/app/site/hosting/restlet.nl") {
            Domain::Restlet
        } else if path.starts_with("/app/") {
            Domain::App
        } else {
            // Anything else (a SuiteTalk SOAP path, say) lives on the SuiteTalk host too.
            Domain::Rest
        }
    }

    fn host_suffix(self) -> &'static str {
        match self {
            Domain::App => "app.netsuite.com",
            Domain::Restlet => "restlets.api.netsuite.com",
            Domain::Rest => "suitetalk.api.netsuite.com",
        }
    }
}

/// Where requests go: the account's own domains, or one base URL that replaces every
/// NetSuite origin (`--netsuite-url`, for the emulator and proxies).
#[derive(Clone, Debug, Default)]
pub struct Endpoints {
    pub base: Option<Url>,
}

impl Endpoints {
    pub fn new(base: Option<&str>) -> Result<Self, Failure> {
        let base = match base {
            None => None,
            Some(raw) if raw.trim().is_empty() => None,
            Some(raw) => {
                let url = Url::parse(raw.trim()).map_err(|e| {
                    Failure::usage(format!(
                        "--netsuite-url '{raw}' is not a URL ({e}): give an origin such as \
                         http://127.0.0.1:8080"
                    ))
                })?;
                if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                    return Err(Failure::usage(format!(
                        "--netsuite-url '{raw}' must be an http or https URL with a host"
                    )));
                }
                Some(url)
            }
        };
        Ok(Endpoints { base })
    }

    /// The origin (scheme, host, port) for a domain of an account, as a URL with path `/`.
    pub fn origin(&self, account: &AccountId, domain: Domain) -> Url {
        if let Some(base) = &self.base {
            return base.clone();
        }
        let raw = format!("https://{}.{}/", account.host_label(), domain.host_suffix());
        // The label was validated to be letters, digits and one '-', so this always parses.
        Url::parse(&raw).unwrap_or_else(|_| unreachable!("validated host label"))
    }

    /// The system domain used by the flow when no account is known yet (docs/design.md §3).
    pub fn system(&self) -> Url {
        match &self.base {
            Some(base) => base.clone(),
            None => Url::parse("https://system.netsuite.com/").unwrap_or_else(|_| unreachable!()),
        }
    }

    /// Turns what the user typed into a full URL: a full URL stays as it is; a path gets the
    /// domain its path calls for.
    pub fn resolve(&self, account: Option<&AccountId>, url_or_path: &str) -> Result<Url, Failure> {
        if url_or_path.starts_with('/') {
            let account = account.ok_or_else(|| {
                Failure::usage(format!(
                    "'{url_or_path}' is a path, and no account is known to pick its domain: \
                     give a full URL, or use a saved token (--to) or NSTBA_ACCOUNT"
                ))
            })?;
            let origin = self.origin(account, Domain::for_path(url_or_path));
            let base_path = origin.path().trim_end_matches('/');
            let joined = format!(
                "{}://{}{}",
                origin.scheme(),
                origin_authority(&origin),
                base_path
            ) + url_or_path;
            Url::parse(&joined)
                .map_err(|e| Failure::usage(format!("'{url_or_path}' is not a valid path: {e}")))
        } else {
            let url = Url::parse(url_or_path).map_err(|e| {
                Failure::usage(format!(
                    "'{url_or_path}' is not a URL ({e}): give https://... or a path starting with /"
                ))
            })?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(Failure::usage(format!(
                    "'{url_or_path}' is not an http or https URL"
                )));
            }
            Ok(url)
        }
    }
}

/// `host[:port]` of a URL, IPv6 hosts in brackets, default ports left out.
/// The account a NetSuite host names (`1234567-sb1.restlets.api.netsuite.com` names
/// `1234567-sb1`), or `None` for another host or the system domain (pure).
pub fn host_account(host: &str) -> Option<String> {
    let host = host.to_ascii_lowercase();
    let rest = host.strip_suffix(".netsuite.com")?;
    let (label, domain) = rest.split_once('.')?;
    let known = ["app", "restlets.api", "suitetalk.api", "extforms"];
    (known.contains(&domain) && label != "system").then(|| label.to_string())
}

/// NetSuite's internal ID (a role, an entity): 1 to 20 digits. Such IDs are saved and shown
/// later, so nothing else from a redirect, a server or the store is believed as one.
pub fn is_internal_id(s: &str) -> bool {
    (1..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

pub fn origin_authority(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_named_by_hosts() {
        assert_eq!(
            host_account("1234567-SB1.restlets.api.netsuite.com").as_deref(),
            Some("1234567-sb1")
        );
        assert_eq!(
            host_account("7654321.app.netsuite.com").as_deref(),
            Some("7654321")
        );
        assert_eq!(host_account("system.netsuite.com"), None);
        assert_eq!(host_account("127.0.0.1"), None);
        assert_eq!(host_account("evil.com"), None);
    }

    #[test]
    fn account_forms() {
        let a = AccountId::parse("1234567-sb1").unwrap();
        assert_eq!(a.realm(), "1234567_SB1");
        assert_eq!(a.host_label(), "1234567-sb1");
        let b = AccountId::parse("1234567_SB1").unwrap();
        assert!(a.same_as(&b));
        assert_eq!(
            AccountId::parse("TSTDRV1234567").unwrap().realm(),
            "TSTDRV1234567"
        );
        assert_eq!(
            AccountId::parse("1234567_rp").unwrap().host_label(),
            "1234567-rp"
        );
    }

    #[test]
    fn account_refuses_host_changers() {
        for bad in [
            "",
            "123.evil.com",
            "123/x",
            "123@evil",
            "123_sb1_x",
            "123-",
            "_sb1",
            "12 34",
            "123:80",
            "1234567%2e",
            "ünï",
        ] {
            assert!(AccountId::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn domains() {
        let e = Endpoints::new(None).unwrap();
        let a = AccountId::parse("1234567_SB1").unwrap();
        assert_eq!(
            e.origin(&a, Domain::Restlet).as_str(),
            "https://1234567-sb1.restlets.api.netsuite.com/"
        );
        assert_eq!(
            e.origin(&a, Domain::Rest).as_str(),
            "https://1234567-sb1.suitetalk.api.netsuite.com/"
        );
        assert_eq!(
            e.origin(&a, Domain::App).as_str(),
            "https://1234567-sb1.app.netsuite.com/"
        );
    }

    #[test]
    fn path_picks_domain() {
        assert_eq!(
            Domain::for_path("/services/rest/query/v1/suiteql"),
            Domain::Rest
        );
        assert_eq!(Domain::for_path("/rest/tokeninfo"), Domain::Restlet);
        assert_eq!(
            Domain::for_path("/app/site/hosting/restlet.nl?script=1"),
            Domain::Restlet
        );
        assert_eq!(
            Domain::for_path("/app/login/secure/authorizetoken.nl"),
            Domain::App
        );
        let e = Endpoints::new(None).unwrap();
        let a = AccountId::parse("1234567").unwrap();
        assert_eq!(
            e.resolve(Some(&a), "/app/site/hosting/restlet.nl?script=5&deploy=1")
                .unwrap()
                .as_str(),
            "https://1234567.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script=5&deploy=1"
        );
        assert!(e.resolve(None, "/rest/tokeninfo").is_err());
    }

    #[test]
    fn netsuite_url_override() {
        let e = Endpoints::new(Some("http://127.0.0.1:9999")).unwrap();
        let a = AccountId::parse("1234567").unwrap();
        assert_eq!(
            e.resolve(Some(&a), "/services/rest/record/v1/employee/40?x=1")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:9999/services/rest/record/v1/employee/40?x=1"
        );
        let prefixed = Endpoints::new(Some("http://127.0.0.1:9999/proxy/")).unwrap();
        assert_eq!(
            prefixed
                .resolve(Some(&a), "/rest/tokeninfo")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:9999/proxy/rest/tokeninfo"
        );
        assert!(Endpoints::new(Some("ftp://x")).is_err());
        assert!(Endpoints::new(Some("not a url")).is_err());
    }
}
