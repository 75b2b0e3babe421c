//! `nstba-emulator`: a local NetSuite on loopback. The first line on stdout is
//! `listening on http://127.0.0.1:PORT`; the login audit trail goes to stderr.

use clap::Parser;
use nstba_emulator::{Config, Decision};

/// The flags' defaults are the library's: one definition of each.
fn defaults() -> nstba_emulator::Config {
    nstba_emulator::Config::default()
}

/// A local NetSuite for trying and testing nstba without an account.
#[derive(Parser, Debug)]
#[command(name = "nstba-emulator", version)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one)
    #[arg(long, default_value_t = defaults().port)]
    port: u16,
    /// The emulated account ID
    #[arg(long, default_value_t = defaults().account)]
    account: String,
    /// The integration record's consumer key
    #[arg(long, default_value_t = defaults().consumer_key)]
    consumer_key: String,
    /// The integration record's consumer secret
    #[arg(long, default_value_t = defaults().consumer_secret)]
    consumer_secret: String,
    /// The integration record's callback URL (`http://localhost:*` allows any port)
    #[arg(long, default_value_t = defaults().callback)]
    callback_url: String,
    /// An active token issued in advance, ID:SECRET (repeatable)
    #[arg(long = "token", value_name = "ID:SECRET")]
    tokens: Vec<String>,
    /// The consent page allows at once and redirects
    #[arg(long, conflicts_with = "auto_deny")]
    auto_approve: bool,
    /// The consent page denies at once and redirects
    #[arg(long)]
    auto_deny: bool,
    /// Delay every REST and RESTlet request by this much
    #[arg(long, default_value_t = defaults().latency_ms)]
    latency_ms: u64,
    /// Requests in flight allowed; over it RESTlets answer 400 SSS_REQUEST_LIMIT_EXCEEDED, REST 429
    #[arg(long)]
    max_concurrency: Option<usize>,
    /// Share of REST and RESTlet requests that fail with 5xx or a dropped connection
    #[arg(long, default_value_t = defaults().fail_rate)]
    fail_rate: f64,
    /// Share of REST and RESTlet requests that take --spike-ms longer
    #[arg(long, default_value_t = defaults().spike_rate)]
    spike_rate: f64,
    /// The extra delay of a latency spike
    #[arg(long, default_value_t = defaults().spike_ms)]
    spike_ms: u64,
    /// Seed for repeatable faults and IDs
    #[arg(long)]
    seed: Option<u64>,
    /// At most N files handled per RESTlet call (a simpler override of the governance units
    /// charged per operation); the rest come back in `remaining`
    #[arg(long, value_name = "N")]
    governance: Option<usize>,
    /// The companion RESTlet's script ID
    #[arg(long, default_value_t = defaults().restlet_script)]
    restlet_script: String,
    /// The companion RESTlet's deployment ID
    #[arg(long, default_value_t = defaults().restlet_deploy)]
    restlet_deploy: String,
    /// Seconds the emulated NetSuite clock runs ahead of this machine's (negative: behind)
    #[arg(long, default_value_t = defaults().clock_offset, allow_hyphen_values = true)]
    clock_offset: i64,
    /// An OAuth 2.0 integration record, ID:SECRET, or ID alone for a public client
    /// (repeatable)
    #[arg(long = "client-id", value_name = "ID[:SECRET]")]
    clients: Vec<String>,
    /// A redirect URI of the OAuth 2.0 records (repeatable; default
    /// https://localhost:7777/callback): https:// or a custom scheme, matched exactly
    #[arg(long = "redirect-uri", value_name = "URI")]
    redirect_uris: Vec<String>,
    /// Accept http:// redirect URIs too (Oracle's page says the record does not)
    #[arg(long)]
    allow_http_redirect: bool,
    /// Seconds an OAuth 2.0 access token lives
    #[arg(long, default_value_t = defaults().access_ttl, value_name = "S")]
    access_ttl: u64,
    /// Seconds an OAuth 2.0 refresh token lives (the record's Refresh Token Validity)
    #[arg(long, default_value_t = defaults().refresh_ttl, value_name = "S")]
    refresh_ttl: u64,
    /// Seconds a public client's chain of refresh tokens lasts from its login (the record's
    /// Maximum Time For Token Rotation)
    #[arg(long, default_value_t = defaults().rotation_cap, value_name = "S")]
    rotation_cap: u64,
    /// The user's role lacks Manage own OAuth 2.0 Client Credentials certificates
    #[arg(long)]
    deny_certificate_management: bool,
    /// Server time every REST, SuiteQL and RESTlet call pays (login, script load)
    #[arg(long, default_value_t = defaults().call_overhead_ms, value_name = "N")]
    call_overhead_ms: u64,
    /// Server time for each file a RESTlet call puts or gets (existence check included)
    #[arg(long, default_value_t = defaults().file_ms, value_name = "N")]
    file_ms: u64,
    /// Send a Bearer challenge (WWW-Authenticate) with a refused OAuth 2.0 token; NetSuite
    /// documents none
    #[arg(long)]
    bearer_challenge: bool,
    /// A certificate uploaded for client credentials, KID:CERT.pem (repeatable)
    #[arg(
        long = "m2m-cert",
        value_name = "KID:CERT.pem",
        allow_hyphen_values = true
    )]
    m2m_certs: Vec<String>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let mut tokens = Vec::new();
    for t in &args.tokens {
        match t.split_once(':') {
            Some((id, secret)) if !id.is_empty() && !secret.is_empty() => {
                tokens.push((id.to_string(), secret.to_string()))
            }
            _ => {
                eprintln!("error: --token takes ID:SECRET");
                return std::process::ExitCode::from(2);
            }
        }
    }
    if !(0.0..=1.0).contains(&args.fail_rate) || !(0.0..=1.0).contains(&args.spike_rate) {
        eprintln!("error: --fail-rate and --spike-rate take a share from 0 to 1");
        return std::process::ExitCode::from(2);
    }
    let mut m2m_certs = Vec::new();
    for c in &args.m2m_certs {
        let Some((kid, path)) = c.split_once(':') else {
            eprintln!("error: --m2m-cert takes KID:CERT.pem");
            return std::process::ExitCode::from(2);
        };
        match std::fs::read_to_string(path) {
            Ok(pem) => m2m_certs.push((kid.to_string(), pem)),
            Err(e) => {
                eprintln!("error: cannot read the certificate {path}: {e}");
                return std::process::ExitCode::from(2);
            }
        }
    }
    let redirect_uris = if args.redirect_uris.is_empty() {
        defaults().redirect_uris
    } else {
        args.redirect_uris.clone()
    };
    for uri in &redirect_uris {
        if !nstba_emulator::oauth2::registrable(uri, args.allow_http_redirect) {
            eprintln!(
                "error: the redirect URI {uri} must use https:// or a custom scheme (NetSuite's \
                 integration record refuses http://; pass --allow-http-redirect to allow it)"
            );
            return std::process::ExitCode::from(2);
        }
    }
    let config = Config {
        port: args.port,
        account: args.account,
        consumer_key: args.consumer_key,
        consumer_secret: args.consumer_secret,
        callback: args.callback_url,
        tokens,
        decision: if args.auto_approve {
            Decision::Allow
        } else if args.auto_deny {
            Decision::Deny
        } else {
            Decision::Ask
        },
        latency_ms: args.latency_ms,
        max_concurrency: args.max_concurrency,
        fail_rate: args.fail_rate,
        spike_rate: args.spike_rate,
        spike_ms: args.spike_ms,
        seed: args.seed,
        clock_offset: args.clock_offset,
        restlet_script: args.restlet_script,
        restlet_deploy: args.restlet_deploy,
        governance: args.governance.filter(|g| *g > 0),
        clients: args
            .clients
            .iter()
            .map(|c| match c.split_once(':') {
                Some((id, secret)) => nstba_emulator::oauth2::Client {
                    id: id.into(),
                    secret: Some(secret.into()),
                },
                None => nstba_emulator::oauth2::Client {
                    id: c.clone(),
                    secret: None,
                },
            })
            .collect(),
        redirect_uris,
        allow_http_redirect: args.allow_http_redirect,
        access_ttl: args.access_ttl,
        refresh_ttl: args.refresh_ttl,
        rotation_cap: args.rotation_cap,
        m2m_certs,
        deny_certificate_management: args.deny_certificate_management,
        call_overhead_ms: args.call_overhead_ms,
        file_ms: args.file_ms,
        bearer_challenge: args.bearer_challenge,
    };
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{}: {e}", config.port);
            return std::process::ExitCode::from(1);
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    // The first line is what scripts wait for; flush it at once.
    println!("listening on http://{addr}");
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let state = nstba_emulator::new_state(config);
    let result = nstba_emulator::serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
