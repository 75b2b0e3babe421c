//! A local NetSuite for nstba (docs/design.md §9): the TBA authorization flow with a consent page, the
//! token endpoints, a REST record endpoint, SuiteQL, and the companion RESTlet's File Cabinet
//! protocol, with NetSuite's checks and error bodies, and knobs for tests and benchmarks
//! (latency, a concurrency limit, failures, governance, a skewed clock).
//!
//! It runs as the `nstba-emulator` binary, or in-process from tests with [`spawn`].

mod auth;
pub mod certs;
pub mod filecabinet;
mod http;
mod m2m;
pub mod mcp;
pub mod oauth;
pub mod oauth2;
mod refresh;
mod rest;
mod restlet;
mod state;
pub mod suiteql;
mod tokens;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::State as AxState;
use axum::response::Response;

pub use state::AuditEntry;
use state::State;

/// How the consent page decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Decision {
    /// Show the page and wait for a click.
    #[default]
    Ask,
    Allow,
    Deny,
}

/// The emulated account and its integration record, and the fault knobs.
#[derive(Clone, Debug)]
pub struct Config {
    pub port: u16,
    pub account: String,
    pub consumer_key: String,
    pub consumer_secret: String,
    /// The integration record's callback URL; `http://localhost:*` allows any port.
    pub callback: String,
    /// Active tokens issued in advance: (token ID, token secret).
    pub tokens: Vec<(String, String)>,
    pub decision: Decision,
    pub latency_ms: u64,
    /// Over this many requests in flight, RESTlets answer 400 SSS_REQUEST_LIMIT_EXCEEDED
    /// and REST answers 429.
    pub max_concurrency: Option<usize>,
    /// The share of REST and RESTlet requests that fail (5xx or a dropped connection).
    pub fail_rate: f64,
    /// The share of REST and RESTlet requests that take `spike_ms` longer (latency spikes).
    pub spike_rate: f64,
    pub spike_ms: u64,
    pub seed: Option<u64>,
    /// Seconds the emulated NetSuite clock is ahead of this machine's (negative: behind).
    pub clock_offset: i64,
    /// The companion RESTlet's script and deployment IDs.
    pub restlet_script: String,
    pub restlet_deploy: String,
    /// At most this many files handled per RESTlet call; the rest come back in `remaining`.
    pub governance: Option<usize>,
    /// OAuth 2.0 integration records (client ID, and a secret unless public).
    pub clients: Vec<oauth2::Client>,
    /// The records' redirect URIs (since 2026.1 a record holds several); the authorize
    /// request's must equal one exactly. `https://` or a custom scheme only, as the record
    /// accepts, unless `allow_http_redirect`.
    pub redirect_uris: Vec<String>,
    /// Accept `http://` redirect URIs too (the lenient case: `--allow-http-redirect`).
    pub allow_http_redirect: bool,
    /// Seconds an OAuth 2.0 access token lives (NetSuite: 3600).
    pub access_ttl: u64,
    /// Seconds a refresh token lives: the record's "Refresh Token Validity (In Hours)", 1 to
    /// 720 (48 here, the 2026.1 default as paraphrased).
    pub refresh_ttl: u64,
    /// Seconds a public client's chain of refresh tokens may last from its first login,
    /// however often it is refreshed: "Maximum Time For Token Rotation (In Hours)".
    pub rotation_cap: u64,
    /// Certificates mapped for client credentials at start: (certificate ID, PEM), for the
    /// first client, role 3 and the emulator's entity.
    pub m2m_certs: Vec<(String, String)>,
    /// The user lacks "Manage own OAuth 2.0 Client Credentials certificates": the certificate
    /// endpoint answers 403 (`--deny-certificate-management`).
    pub deny_certificate_management: bool,
    /// Server time every REST, SuiteQL and RESTlet call pays (login, script load).
    pub call_overhead_ms: u64,
    /// Server time for each file a RESTlet call puts or gets (existence check included).
    pub file_ms: u64,
    /// Send `WWW-Authenticate: Bearer ... error="invalid_token"` with a refused Bearer token
    /// (NetSuite documents none; the lenient case, `--bearer-challenge`).
    pub bearer_challenge: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 0,
            account: "1234567".into(),
            consumer_key: "emulator-consumer-key".into(),
            consumer_secret: "emulator-consumer-secret".into(),
            callback: "http://localhost:*".into(),
            tokens: Vec::new(),
            decision: Decision::Ask,
            latency_ms: 0,
            max_concurrency: None,
            fail_rate: 0.0,
            spike_rate: 0.0,
            spike_ms: 2000,
            seed: None,
            clock_offset: 0,
            restlet_script: "customscript_nstba_filecabinet".into(),
            restlet_deploy: "customdeploy_nstba_filecabinet".into(),
            governance: None,
            clients: Vec::new(),
            redirect_uris: vec!["https://localhost:7777/callback".into()],
            allow_http_redirect: false,
            access_ttl: 3600,
            refresh_ttl: 48 * 3600,
            rotation_cap: 720 * 3600,
            m2m_certs: Vec::new(),
            deny_certificate_management: false,
            call_overhead_ms: 0,
            file_ms: 0,
            bearer_challenge: false,
        }
    }
}

/// A running emulator; dropping it stops it.
pub struct Handle {
    pub addr: SocketAddr,
    state: Arc<State>,
    /// Whether dropping a handle that no request reached fails the test (the default, as xh's
    /// test server does: a test whose server was never called proves nothing).
    check_hits: std::sync::atomic::AtomicBool,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Handle {
    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// For a test that makes sure nothing reaches NetSuite: no request may have come, and
    /// dropping the handle then is fine.
    pub fn assert_no_calls(&self) {
        assert_eq!(self.hits(), 0, "the emulator was called");
        self.check_hits.store(false, Ordering::SeqCst);
    }

    /// For a server kept only to be there (a benchmark's, a doc test's): dropping it uncalled
    /// is fine.
    pub fn allow_no_calls(&self) {
        self.check_hits.store(false, Ordering::SeqCst);
    }

    /// Moves the emulated clock forward (what expires on NetSuite's side: authorization codes,
    /// access and refresh tokens), so a test sees an expiry without waiting for it.
    pub fn advance_clock(&self, by: std::time::Duration) {
        self.state
            .advanced
            .fetch_add(by.as_secs(), Ordering::SeqCst);
    }

    /// Every request seen so far.
    pub fn hits(&self) -> usize {
        self.state.hits.load(Ordering::SeqCst)
    }

    /// The login audit trail.
    pub fn audit(&self) -> Vec<AuditEntry> {
        self.state.lock().audit.clone()
    }

    /// Whether a token is issued and active.
    pub fn token_active(&self, id: &str) -> bool {
        self.state.lock().tokens.get(id).is_some_and(|t| t.active)
    }

    /// A file's content, if it exists.
    pub fn file(&self, path: &str) -> Option<Vec<u8>> {
        self.state.cabinet().get(path).map(|f| f.content.clone())
    }

    /// Every file under a folder: path and content.
    pub fn files(&self, folder: &str) -> Vec<(String, Vec<u8>)> {
        self.state
            .cabinet()
            .list(folder)
            .into_iter()
            .map(|(p, f)| (p.clone(), f.content.clone()))
            .collect()
    }

    /// Puts a file as the NetSuite UI (or another integration) would: no request, no checks
    /// beyond NetSuite's own path rules. Tests use it to plant what a hostile account holds.
    pub fn put_file(&self, path: &str, content: &[u8]) {
        self.state.cabinet().put(path, content.to_vec());
    }

    /// Deletes a file as a user in the NetSuite UI would; whether it existed.
    pub fn delete_file(&self, path: &str) -> bool {
        self.state.cabinet().delete(path)
    }

    /// How many RESTlet and REST calls were made (authenticated or not).
    pub fn api_hits(&self) -> usize {
        self.state.api_hits.load(Ordering::SeqCst)
    }

    /// What `GET /emulator/stats` reports.
    pub fn stats(&self) -> serde_json::Value {
        oauth2::stats(&self.state)
    }

    /// The records' first redirect URI.
    pub fn redirect_uri(&self) -> String {
        self.state
            .config
            .redirect_uris
            .first()
            .cloned()
            .unwrap_or_default()
    }

    /// The certificates mapped for client credentials: (ID, revoked).
    pub fn certificates(&self) -> Vec<(String, bool)> {
        self.state
            .lock()
            .oauth2
            .certs
            .iter()
            .map(|c| (c.id.clone(), c.revoked))
            .collect()
    }

    /// Calls to the OAuth 2.0 token endpoint by grant type (as `/emulator/stats` reports).
    pub fn token_calls(&self, grant: &str) -> u64 {
        self.state
            .lock()
            .oauth2
            .token_calls
            .get(grant)
            .copied()
            .unwrap_or(0)
    }

    /// How many access tokens exist (active or not).
    pub fn token_count(&self) -> usize {
        self.state.lock().tokens.len()
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if self.check_hits.load(Ordering::SeqCst) && self.hits() == 0 && !std::thread::panicking() {
            panic!(
                "the emulator at {} was never called: the test proves nothing (call \
                 assert_no_calls() where that is the point)",
                self.addr
            );
        }
    }
}

/// Starts the emulator on 127.0.0.1 on its own thread and runtime.
pub fn spawn(config: Config) -> std::io::Result<Handle> {
    let std_listener = std::net::TcpListener::bind(("127.0.0.1", config.port))?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let state = Arc::new(State::new(config));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let thread_state = state.clone();
    let thread = std::thread::Builder::new()
        .name("nstba-emulator".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("tokio runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).expect("listener");
                let _ = serve(listener, thread_state, async {
                    let _ = rx.await;
                })
                .await;
            });
        })?;
    Ok(Handle {
        addr,
        state,
        check_hits: std::sync::atomic::AtomicBool::new(true),
        shutdown: Some(tx),
        thread: Some(thread),
    })
}

/// Serves until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<State>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new().fallback(handle).with_state(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Builds the state for [`serve`] (the binary uses this).
pub fn new_state(config: Config) -> Arc<State> {
    Arc::new(State::new(config))
}

async fn handle(AxState(st): AxState<Arc<State>>, request: axum::extract::Request) -> Response {
    let flight = st.enter();
    let req = match http::Req::read(request).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let family = http::Family::of(&req.path);

    if family.is_api() {
        let mut delay = st.config.latency_ms;
        if st.config.spike_rate > 0.0 && st.roll() < st.config.spike_rate {
            delay += st.config.spike_ms;
        }
        if delay > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
        }
    }
    // API calls in flight, for the concurrency limit's refusals and the stats.
    let _api = family.is_api().then(|| st.api_enter());
    if family.is_api() {
        st.api_hits.fetch_add(1, Ordering::SeqCst);
        if let Some(max) = st.config.max_concurrency
            && flight.now > max
        {
            st.refused.fetch_add(1, Ordering::SeqCst);
            st.audit(&req.path, family.limit_status(), "ConcurrencyLimitExceeded");
            return http::with_date(&st, family.limit_response());
        }
        if st.config.fail_rate > 0.0 && st.roll() < st.config.fail_rate {
            st.audit(&req.path, 503, "InjectedFault");
            return if st.roll() < 0.5 {
                http::with_date(&st, http::dropped_connection())
            } else {
                http::with_date(&st, family.server_error())
            };
        }
    }
    let resp = route(&st, &req, family).await;
    // The cost model (docs/design.md §11): a fixed overhead per call, and server time per file handled.
    if family.is_api() {
        let files = resp
            .extensions()
            .get::<restlet::FilesHandled>()
            .map_or(0, |f| f.0 as u64);
        let server_ms = st.config.call_overhead_ms + st.config.file_ms * files;
        if server_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(server_ms)).await;
        }
    }
    drop(flight);
    http::with_date(&st, resp)
}

async fn route(st: &State, req: &http::Req, family: http::Family) -> Response {
    let m = req.method.as_str();
    match (m, req.path.as_str()) {
        ("POST", "/rest/requesttoken") => tokens::request_token(st, req),
        ("GET", "/app/login/secure/authorizetoken.nl") => tokens::consent_page(st, req),
        ("POST", "/app/login/secure/authorizetoken.nl") => tokens::consent_decision(st, req),
        ("POST", "/rest/accesstoken") => tokens::access_token(st, req),
        ("GET", "/rest/revoketoken") => tokens::revoke(st, req),
        ("GET", "/rest/tokeninfo") => tokens::token_info(st, req),
        ("GET", "/emulator/audit") => http::json(200, &st.lock().audit),
        ("GET", "/emulator/stats") => http::json(200, &oauth2::stats(st)),
        ("GET" | "POST", oauth2::AUTHORIZE_PATH) => oauth2::authorize(st, req),
        ("POST", oauth2::TOKEN_PATH) => oauth2::token(st, req),
        ("POST", oauth2::REVOKE_PATH) => oauth2::revoke(st, req),
        (_, p) if p.starts_with(certs::PREFIX) => certs::handle(st, req),
        (_, mcp::PATH) => mcp::handle(st, req),
        (_, "/app/site/hosting/restlet.nl") => restlet::handle(st, req),
        (_, p) if p.starts_with("/services/rest/") => rest::handle(st, req).await,
        (_, "/rest/requesttoken" | "/rest/accesstoken") => {
            // NetSuite answers a bare 405 on the wrong method.
            http::empty(405)
        }
        _ => {
            st.audit(&req.path, 404, "NotFound");
            match family {
                http::Family::Restlet => http::restlet_error(
                    404,
                    "SSS_INVALID_SCRIPTLET_ID",
                    "That Suitelet is invalid, disabled, or no longer exists.",
                ),
                _ => http::html(404, "<html><body>Page not found</body></html>".into()),
            }
        }
    }
}
