//! The emulator's memory: the integration record, issued tokens, request tokens waiting for
//! consent, used nonces, and the login audit trail (what NetSuite shows at Setup > Users/Roles
//! > User Management > View Login Audit Trail).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rand::{Rng as _, RngExt as _, SeedableRng as _};
use serde::Serialize;

use crate::Config;
use crate::filecabinet::FileCabinet;

#[derive(Clone, Debug)]
pub struct AccessToken {
    pub secret: String,
    pub consumer_key: String,
    pub role: String,
    pub entity: String,
    pub active: bool,
}

#[derive(Clone, Debug)]
pub struct RequestToken {
    pub secret: String,
    pub consumer_key: String,
    pub callback: String,
    pub role: Option<String>,
    /// Set once the user allowed it on the consent page.
    pub verifier: Option<String>,
    pub chosen_role: Option<String>,
    pub used: bool,
}

/// One line of the login audit trail.
#[derive(Clone, Debug, Serialize)]
pub struct AuditEntry {
    pub path: String,
    pub status: u16,
    /// `ok`, or why the request was refused (InvalidSignature, InvalidTimestamp, ...).
    pub detail: String,
}

#[derive(Default)]
pub struct Inner {
    pub tokens: HashMap<String, AccessToken>,
    pub request_tokens: HashMap<String, RequestToken>,
    pub nonces: HashSet<(String, u64, String)>,
    pub audit: Vec<AuditEntry>,
    pub oauth2: crate::oauth2::OAuth2State,
    /// MCP sessions started with `initialize`.
    pub mcp_sessions: HashSet<String>,
}

pub struct State {
    pub config: Config,
    /// API calls refused over the concurrency limit.
    pub refused: AtomicUsize,
    /// API calls in flight over time, for `peakInFlight` and `avgInFlight`.
    pub api_flight: Mutex<FlightLog>,
    pub inner: Mutex<Inner>,
    pub in_flight: AtomicUsize,
    pub hits: AtomicUsize,
    pub api_hits: AtomicUsize,
    /// Seconds the emulated clock was moved forward by the test (`Handle::advance_clock`).
    pub advanced: std::sync::atomic::AtomicU64,
    cabinet: Mutex<FileCabinet>,
    sql: Mutex<rusqlite::Connection>,
    rng: Mutex<rand::rngs::StdRng>,
}

pub const ROLES: &[(&str, &str)] = &[
    ("3", "Administrator"),
    ("1000", "NSTBA Developer"),
    ("1001", "NSTBA Read Only"),
];
pub const ENTITY: &str = "38";

impl State {
    /// The emulated NetSuite's clock for expiries (codes, access and refresh tokens): this
    /// machine's, moved forward by what the test advanced it.
    pub fn instant(&self) -> std::time::Instant {
        std::time::Instant::now()
            + std::time::Duration::from_secs(
                self.advanced.load(std::sync::atomic::Ordering::SeqCst),
            )
    }

    /// The emulated NetSuite's wall clock (JWT times, certificate validity): this machine's,
    /// moved forward as [`State::instant`].
    pub fn wall(&self) -> std::time::SystemTime {
        std::time::SystemTime::now()
            + std::time::Duration::from_secs(
                self.advanced.load(std::sync::atomic::Ordering::SeqCst),
            )
    }

    /// Seconds since 1970 on [`State::wall`].
    pub fn unix(&self) -> u64 {
        self.wall()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs()
    }

    pub fn new(config: Config) -> State {
        let rng = match config.seed {
            Some(seed) => rand::rngs::StdRng::seed_from_u64(seed),
            None => rand::rngs::StdRng::from_rng(&mut rand::rng()),
        };
        let mut inner = Inner::default();
        for (id, secret) in &config.tokens {
            inner.tokens.insert(
                id.clone(),
                AccessToken {
                    secret: secret.clone(),
                    consumer_key: config.consumer_key.clone(),
                    role: "3".into(),
                    entity: ENTITY.into(),
                    active: true,
                },
            );
        }
        inner.oauth2.certs = crate::certs::seed(&config);
        State {
            config,
            refused: AtomicUsize::new(0),
            api_flight: Mutex::new(FlightLog::default()),
            inner: Mutex::new(inner),
            in_flight: AtomicUsize::new(0),
            advanced: std::sync::atomic::AtomicU64::new(0),
            hits: AtomicUsize::new(0),
            api_hits: AtomicUsize::new(0),
            cabinet: Mutex::new(FileCabinet::new()),
            // The sample tables are built from constants; failing here is a bug.
            sql: Mutex::new(crate::suiteql::open().expect("the sample SuiteQL tables")),
            rng: Mutex::new(rng),
        }
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn cabinet(&self) -> std::sync::MutexGuard<'_, FileCabinet> {
        self.cabinet.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn sql(&self) -> std::sync::MutexGuard<'_, rusqlite::Connection> {
        self.sql.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The account's token endpoint on its own SuiteTalk domain: what an M2M assertion's `aud`
    /// must be, wherever the request was sent (Oracle's "JWT Format and Required Fields for
    /// Client Credentials Flow").
    pub fn token_audience(&self) -> String {
        let label = self.config.account.to_ascii_lowercase().replace('_', "-");
        format!("https://{label}.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token")
    }

    /// The realm NetSuite expects: upper case with `_`.
    pub fn realm(&self) -> String {
        self.config.account.to_ascii_uppercase().replace('-', "_")
    }

    /// A random hex string (token IDs and secrets are 64 hex characters in NetSuite).
    pub fn random_hex(&self, len: usize) -> String {
        let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        (0..len)
            .map(|_| char::from(b"0123456789abcdef"[(rng.next_u32() % 16) as usize]))
            .collect()
    }

    /// A number in [0, 1) from the (seeded) generator, for fault injection.
    pub fn roll(&self) -> f64 {
        let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        rng.random::<f64>()
    }

    pub fn audit(&self, path: &str, status: u16, detail: &str) {
        if detail != "ok" {
            eprintln!("login audit: {path} -> {status} {detail}");
        }
        let mut inner = self.lock();
        if inner.audit.len() >= 10_000 {
            inner.audit.remove(0);
        }
        inner.audit.push(AuditEntry {
            path: path.to_string(),
            status,
            detail: detail.to_string(),
        });
    }

    pub fn enter(&self) -> InFlight<'_> {
        self.hits.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        InFlight { state: self, now }
    }
}

/// API calls in flight over time: the peak, and the time-weighted average between the first
/// call's start and the last one's end.
#[derive(Default)]
pub struct FlightLog {
    now: usize,
    pub peak: usize,
    area: f64,
    first: Option<std::time::Instant>,
    last: Option<std::time::Instant>,
}

impl FlightLog {
    fn step(&mut self, delta: isize) {
        let t = std::time::Instant::now();
        if let Some(last) = self.last {
            self.area += self.now as f64 * t.duration_since(last).as_secs_f64();
        }
        self.first.get_or_insert(t);
        self.last = Some(t);
        self.now = self.now.saturating_add_signed(delta);
        self.peak = self.peak.max(self.now);
    }

    /// The average calls in flight while any were being made.
    pub fn average(&self) -> f64 {
        match (self.first, self.last) {
            (Some(f), Some(l)) if l > f => self.area / l.duration_since(f).as_secs_f64(),
            _ => 0.0,
        }
    }
}

/// An API call in flight (for the stats) while it lives.
pub struct ApiFlight<'a>(&'a State);

impl Drop for ApiFlight<'_> {
    fn drop(&mut self) {
        if let Ok(mut log) = self.0.api_flight.lock() {
            log.step(-1);
        }
    }
}

impl State {
    pub fn api_enter(&self) -> ApiFlight<'_> {
        if let Ok(mut log) = self.api_flight.lock() {
            log.step(1);
        }
        ApiFlight(self)
    }
}

/// Counts a request as in flight while it lives.
pub struct InFlight<'a> {
    state: &'a State,
    /// How many were in flight when this one arrived (itself included).
    pub now: usize,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.state.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}
