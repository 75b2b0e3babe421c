//! The wait for NetSuite's redirect after the consent page (docs/design.md §3, RFC 8252 practice). The
//! bounded loopback server ([`crate::auth::loopback`]) serves connections concurrently, so
//! Chromium's speculative connections that send nothing cannot stall it; here stray paths get
//! 404 and forged callbacks 400 while the wait goes on, the redirect URL pasted on stdin counts
//! too, and the wait gives up on timeout or Ctrl-C.
//!
//! Which request is the callback is decided by the classifier of [`crate::auth::redirect`], a
//! pure function, so the same rules apply to the browser's request and to a pasted URL.

use std::io::BufRead as _;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use anyhow::Result;
use url::Url;

use crate::auth::loopback::{self, Hit, Loopback, Page};
use crate::auth::redirect::{Callback, Outcome, pasted_target};
use crate::error::Failure;

/// The callback URL that integration records made for the gulp tools already carry.
pub const DEFAULT_CALLBACK: &str = "http://localhost:7777/tba";
/// The OAuth 2.0 default: an integration record takes `https://` or a custom scheme only
/// (docs/design.md §10), so nstba serves it with its own loopback certificate.
pub const DEFAULT_REDIRECT: &str = "https://localhost:7777/callback";
/// The variable that changes it (also read by `--to NEW`, which has no `--callback-url`).
pub const ENV_CALLBACK_URL: &str = "NSTBA_CALLBACK_URL";

const SUCCESS_PAGE: &str = include_str!("pages/success.html");
const FAILURE_PAGE: &str = include_str!("pages/failure.html");

/// Checks a callback URL: http on a loopback host (`localhost`, `127.0.0.1`, `[::1]`).
pub fn parse_callback_url(raw: &str) -> Result<Url, Failure> {
    parse_redirect(raw, false)
}

/// Checks an OAuth 2.0 redirect URI (`None`: [`DEFAULT_REDIRECT`]): as
/// [`parse_callback_url`], `https://` too (served with nstba's loopback certificate), and a
/// fixed port: the record's redirect URI must equal the authorize request's exactly, so a port
/// picked at random could never match.
pub fn parse_redirect_uri(raw: Option<&str>) -> Result<Url, Failure> {
    let url = parse_redirect(raw.unwrap_or(DEFAULT_REDIRECT), true)?;
    if url.port_or_known_default() == Some(0) {
        return Err(Failure::usage(format!(
            "--callback-url {url}: port 0 (any port) does not work with OAuth 2.0: NetSuite \
             sends the browser only to a redirect URI that equals one on the integration record \
             exactly, port included. Use the record's, such as {DEFAULT_REDIRECT}"
        )));
    }
    Ok(url)
}

fn parse_redirect(raw: &str, https: bool) -> Result<Url, Failure> {
    let url = Url::parse(raw).map_err(|e| {
        Failure::usage(format!(
            "--callback-url '{raw}' is not a URL ({e}): use one such as {DEFAULT_CALLBACK}"
        ))
    })?;
    let loopback = matches!(
        url.host(),
        Some(url::Host::Domain("localhost"))
            | Some(url::Host::Ipv4(Ipv4Addr::LOCALHOST))
            | Some(url::Host::Ipv6(Ipv6Addr::LOCALHOST))
    );
    let scheme_ok = url.scheme() == "http" || (https && url.scheme() == "https");
    if !scheme_ok || !loopback || url.query().is_some() {
        return Err(Failure::usage(format!(
            "--callback-url '{raw}' must be {}://localhost:PORT/PATH (or 127.0.0.1 or [::1]) \
             without a query: nstba listens on this machine only",
            if https { "http[s]" } else { "http" }
        )));
    }
    Ok(url)
}

/// The listener, bound before the flow starts so that port 0 can become the real port.
pub struct Listener {
    server: loopback::Server,
    /// The callback URL with the port that was bound.
    pub url: Url,
    interrupt: Interrupt,
}

/// Ctrl-C, caught from the moment the listener is bound (a handler installed only when the
/// wait starts would let an early Ctrl-C kill the process without a word).
struct Interrupt {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
    #[cfg(windows)]
    signal: tokio::signal::windows::CtrlC,
}

impl Interrupt {
    /// Must run inside the tokio runtime.
    fn install() -> Result<Interrupt> {
        Ok(Interrupt {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
                .map_err(|e| Failure::error(format!("cannot catch Ctrl-C: {e}")))?,
            #[cfg(windows)]
            signal: tokio::signal::windows::ctrl_c()
                .map_err(|e| Failure::error(format!("cannot catch Ctrl-C: {e}")))?,
        })
    }

    async fn recv(&mut self) {
        #[cfg(any(unix, windows))]
        self.signal.recv().await;
        #[cfg(not(any(unix, windows)))]
        std::future::pending::<()>().await;
    }
}

impl Listener {
    /// Binds the listener. Must run inside the tokio runtime (for the Ctrl-C handler).
    pub fn bind(callback: &Url) -> Result<Listener> {
        let port = callback.port_or_known_default().unwrap_or(80);
        // Setting the port of an http(s) URL with a host cannot fail (below).
        let which = match callback.host() {
            Some(url::Host::Ipv6(_)) => Loopback::V6,
            Some(url::Host::Domain(_)) => Loopback::Both,
            _ => Loopback::V4,
        };
        let tls = if callback.scheme() == "https" {
            let tls = crate::auth::tls::Identity::load_or_make()?;
            crate::ui::info(format!(
                "The redirect comes back over https with nstba's own certificate for localhost \
                 (SHA-256 fingerprint {}){}",
                tls.fingerprint,
                if tls.made {
                    ": made just now, so the browser warns that it does not know who issued it. \
                     That is expected for this address on your own machine: compare the \
                     fingerprint, accept it once, and later logins reuse the same certificate"
                } else {
                    ""
                }
            ));
            Some(tls.tls)
        } else {
            None
        };
        let server = loopback::bind(which, port, tls.as_ref())?;
        let mut url = callback.clone();
        // Setting the port of an http URL with a host cannot fail.
        let _ = url.set_port(Some(server.port));
        Ok(Listener {
            server,
            url,
            interrupt: Interrupt::install()?,
        })
    }

    /// Waits for the callback of the login with request token `token` and `state`.
    /// With `paste`, lines on stdin are read as pasted redirect URLs too.
    /// `classify` decides what each request target is (its path argument is `None` for a
    /// pasted URL); `hint` ends the timeout message (what to check when nothing arrives).
    pub async fn wait<T>(
        &mut self,
        timeout: Duration,
        paste: bool,
        hint: &str,
        classify: impl Fn(&str, Option<&str>) -> Outcome<T>,
    ) -> Result<Arrival<T>> {
        let (paste_tx, mut pasted) = tokio::sync::mpsc::unbounded_channel::<String>();
        if paste {
            std::thread::spawn(move || {
                // End of file only means nothing will be pasted: the wait goes on. The
                // pasted line is capped like the listener's request head.
                let mut stdin = std::io::stdin().lock();
                loop {
                    let mut line = Vec::new();
                    let mut limited = std::io::Read::take(&mut stdin, loopback::MAX_HEAD as u64);
                    match limited.read_until(b'\n', &mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                    if !line.ends_with(b"\n") {
                        // Over the cap: drop the rest of that line.
                        let mut sink = Vec::new();
                        let _ = stdin.read_until(b'\n', &mut sink);
                    }
                    if paste_tx
                        .send(String::from_utf8_lossy(&line).into_owned())
                        .is_err()
                    {
                        break;
                    }
                }
            });
        } else {
            drop(paste_tx);
        }
        let path = self.url.path().to_string();
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut stdin_open = paste;
        loop {
            let event = tokio::select! {
                hit = self.server.hits.recv() => match hit {
                    Some(hit) => Event::Http(hit),
                    // The accept loops never end while the server lives.
                    None => {
                        (&mut deadline).await;
                        return Err(timed_out(timeout, hint));
                    }
                },
                line = pasted.recv(), if stdin_open => match line {
                    Some(line) => Event::Pasted(line),
                    None => { stdin_open = false; continue; }
                },
                _ = &mut deadline => return Err(timed_out(timeout, hint)),
                _ = self.interrupt.recv() => {
                    return Err(Failure::new(
                        crate::error::ExitKind::Interrupted,
                        "login cancelled (Ctrl-C); nothing was saved",
                    ).into());
                }
            };
            match event {
                Event::Http(req) => {
                    let target = req.target.clone();
                    match classify(&target, Some(&path)) {
                        Outcome::Stray => respond(req, 404, "Not found", "Nothing here."),
                        Outcome::Refused(why) => {
                            crate::ui::warn(format!("refused a callback: {why}"));
                            respond(req, 400, "This is not the login nstba waits for", why);
                        }
                        Outcome::Denied => {
                            req.respond_and_flush(page(
                                200,
                                Look::Failure,
                                "Access denied",
                                "The authorization was denied. Nothing was saved; you can \
                                 close this tab.",
                            ))
                            .await;
                            return Err(denied());
                        }
                        Outcome::Failed(why) => {
                            req.respond_and_flush(page(
                                400,
                                Look::Failure,
                                "The login failed",
                                &why,
                            ))
                            .await;
                            return Err(Failure::rejected(why).into());
                        }
                        Outcome::Allowed(callback) => {
                            return Ok(Arrival {
                                callback,
                                request: Some(req),
                            });
                        }
                    }
                }
                Event::Pasted(line) => {
                    let line = line.trim();
                    if line.is_empty() {
                        continue;
                    }
                    let Some(target) = pasted_target(line) else {
                        crate::ui::warn(
                            "that is not a URL: paste the whole address the browser was sent \
                             to after Allow",
                        );
                        continue;
                    };
                    match classify(&target, None) {
                        Outcome::Allowed(callback) => {
                            return Ok(Arrival {
                                callback,
                                request: None,
                            });
                        }
                        Outcome::Denied => return Err(denied()),
                        Outcome::Failed(why) => return Err(Failure::rejected(why).into()),
                        Outcome::Refused(why) => {
                            crate::ui::warn(format!("refused the pasted URL: {why}"));
                        }
                        // A pasted URL's path is not checked, so it is never stray.
                        Outcome::Stray => {}
                    }
                }
            }
        }
    }
}

/// Tells the user where to go: the consent page's address (printed even with `-q`, since it may
/// have to be opened by hand), opened in the browser unless not wanted, and where the redirect
/// is awaited.
pub fn announce(
    kind: &str,
    page: &Url,
    open_browser: bool,
    redirect: &Url,
    timeout: Duration,
    paste: bool,
) {
    eprintln!("Open this address to allow nstba in NetSuite{kind}:\n\n  {page}\n");
    if open_browser {
        crate::browser::open(page.as_str());
    }
    crate::ui::info(format!(
        "Waiting for NetSuite to send the browser back to {redirect} (up to {} s){}",
        timeout.as_secs(),
        if paste {
            "; or paste the address the browser was sent to here and press Enter"
        } else {
            ""
        }
    ));
}

/// The account a redirect names (`company`), else the one asked for; a login for another
/// account than asked is said, and the token is for the account that allowed it.
pub fn account_of(
    company: Option<&str>,
    asked: Option<&crate::account::AccountId>,
) -> Result<crate::account::AccountId> {
    use crate::account::AccountId;
    let account = match (company, asked) {
        (Some(company), _) => AccountId::parse(company).map_err(|_| {
            Failure::error(format!(
                "NetSuite's redirect named company '{}', which is not an account ID",
                crate::ui::escape(company)
            ))
        })?,
        (None, Some(a)) => a.clone(),
        (None, None) => {
            return Err(Failure::error(
                "NetSuite's redirect did not name the account (company): run the login again \
                 with --account",
            )
            .into());
        }
    };
    if let Some(asked) = asked
        && !asked.same_as(&account)
    {
        crate::ui::warn(format!(
            "you asked for account {asked}, but the login was for {account}; the token is for \
             {account}"
        ));
    }
    Ok(account)
}

/// Something the wait hears about.
enum Event {
    Http(Hit),
    Pasted(String),
}

fn timed_out(timeout: Duration, hint: &str) -> anyhow::Error {
    Failure::network(format!(
        "no authorization arrived within {} s; nothing was saved. Run the login again (a \
         longer --timeout gives more time), or paste the address the browser was sent to{hint}",
        timeout.as_secs()
    ))
    .into()
}

fn denied() -> anyhow::Error {
    Failure::rejected("the authorization was denied on NetSuite's consent page; nothing was saved")
        .into()
}

/// The callback that arrived, and the browser's request still waiting for its page.
pub struct Arrival<T = Callback> {
    pub callback: T,
    request: Option<Hit>,
}

impl<T> Arrival<T> {
    /// Ends a flow: answers the browser with the outcome of `result` (the saved token and the
    /// page's message, or the error) and returns the token with the time since `arrived`.
    pub async fn conclude<A>(
        self,
        arrived: std::time::Instant,
        result: Result<(A, String)>,
    ) -> Result<(A, Duration)> {
        match result {
            Ok((authorized, message)) => {
                let took = arrived.elapsed();
                self.finish(true, &message).await;
                Ok((authorized, took))
            }
            Err(e) => {
                self.finish(false, &format!("{e:#}")).await;
                Err(e)
            }
        }
    }

    /// Answers the browser (when it was the browser, not a paste) with the outcome, and waits
    /// until the page is written.
    pub async fn finish(self, ok: bool, message: &str) {
        if let Some(req) = self.request {
            let page = if ok {
                page(200, Look::Success, "Signed in", message)
            } else {
                page(500, Look::Failure, "The login failed", message)
            };
            req.respond_and_flush(page).await;
        }
    }
}

fn respond(req: Hit, status: u16, title: &str, message: &str) {
    req.respond(page(status, Look::Failure, title, message));
}

/// Which page the browser gets: the login went through, or it did not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Look {
    Success,
    Failure,
}

fn page(status: u16, look: Look, title: &str, message: &str) -> Page {
    let template = match look {
        Look::Success => SUCCESS_PAGE,
        Look::Failure => FAILURE_PAGE,
    };
    let html = template
        .replace("{title}", &escape(title))
        .replace("{message}", &escape(message));
    Page { status, html }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_urls() {
        assert_eq!(
            parse_callback_url(DEFAULT_CALLBACK).unwrap().as_str(),
            DEFAULT_CALLBACK
        );
        assert!(parse_callback_url("http://127.0.0.1:0/cb").is_ok());
        assert!(parse_callback_url("http://[::1]:9000/").is_ok());
        assert!(parse_redirect_uri(Some("https://localhost:0/cb")).is_err());
        assert!(parse_redirect_uri(Some("http://localhost:0/cb")).is_err());
        assert!(parse_redirect_uri(Some("http://localhost:8080/cb")).is_ok());
        assert!(parse_redirect_uri(Some("https://example.com/cb")).is_err());
        assert_eq!(parse_redirect_uri(None).unwrap().as_str(), DEFAULT_REDIRECT);
        for bad in [
            "https://localhost:7777/tba",
            "http://example.com:7777/tba",
            "http://localhost.evil.com/tba",
            "http://localhost:7777/tba?x=1",
            "localhost:7777",
        ] {
            assert!(parse_callback_url(bad).is_err(), "{bad}");
        }
    }
}
