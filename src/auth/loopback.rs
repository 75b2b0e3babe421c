//! The bounded loopback HTTP server that receives an authorization redirect (docs/design.md §3). Anything
//! on the machine can connect to it, so it holds firm bounds: at most [`MAX_CONNECTIONS`] open
//! connections (when all are taken, a new one takes the place of the oldest that has not sent
//! a whole request head, so a flood of idle connections cannot keep the browser out), a request head of at most [`MAX_HEAD`] bytes (431
//! beyond, and memory stays flat), [`IDLE`] to send that head, one request per connection
//! (`Connection: close`), and no accept error (running out of file descriptors) ever ends it.
//!
//! HTTP parsing is hyper's; this file only adds the bounds and hands each request's target to
//! the waiting flow, which answers it with a page. It replaced tiny_http, which cannot bound
//! its connections or its head size and panics in its accept loop when descriptors run out
//! (README, decisions).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::error::Failure;

/// Connections open at once; past it a new one replaces the oldest that has not sent a whole
/// request head (and is closed at once when every one has).
pub const MAX_CONNECTIONS: usize = 64;
/// The most a request head (request line and headers) may take; beyond it the answer is 431.
/// hyper's smallest read buffer is this size.
pub const MAX_HEAD: usize = 8 * 1024;
/// How long a connection may take to send its request head.
pub const IDLE: Duration = Duration::from_secs(10);

/// One request that reached the server: its target (`/path?query`) and the way to answer it.
pub struct Hit {
    pub target: String,
    respond: oneshot::Sender<Page>,
    /// Resolves when the connection is done (the answer written, or the peer gone).
    written: Option<oneshot::Receiver<()>>,
}

/// An HTML answer.
pub struct Page {
    pub status: u16,
    pub html: String,
}

impl Hit {
    /// Answers the browser while the wait goes on (the runtime keeps writing it). A browser
    /// that has gone away is not an error.
    pub fn respond(self, page: Page) {
        let _ = self.respond.send(page);
    }

    /// Answers the browser and waits (a few seconds at most) until the answer is written: the
    /// flow's last answer, after which the runtime that writes it stops.
    pub async fn respond_and_flush(self, page: Page) {
        let _ = self.respond.send(page);
        if let Some(written) = self.written {
            let _ = tokio::time::timeout(Duration::from_secs(5), written).await;
        }
    }
}

/// The listening sockets and their accept loops; dropping it stops them.
pub struct Server {
    pub port: u16,
    pub hits: mpsc::UnboundedReceiver<Hit>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Where to listen for a callback host: `127.0.0.1`, `[::1]`, or both for `localhost`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loopback {
    V4,
    V6,
    /// `localhost`: 127.0.0.1, and `[::1]` too where the machine has IPv6.
    Both,
}

/// A TLS identity for an `https://` redirect URI (nstba's loopback certificate,
/// [`crate::auth::tls`]) and its SHA-256 fingerprint for people to compare with what the
/// browser shows.
pub struct Tls {
    pub config: Arc<tokio_rustls::rustls::ServerConfig>,
    pub fingerprint: String,
}

impl Tls {
    pub fn new(
        cert: tokio_rustls::rustls::pki_types::CertificateDer<'static>,
        key: tokio_rustls::rustls::pki_types::PrivateKeyDer<'static>,
    ) -> Result<Tls, Failure> {
        use sha2::Digest as _;
        use tokio_rustls::rustls;
        let fail = |e: &dyn std::fmt::Display| {
            Failure::error(format!("cannot serve the callback over TLS: {e}"))
        };
        let fingerprint = sha2::Sha256::digest(cert.as_ref())
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":");
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| fail(&e))?
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .map_err(|e| fail(&e))?;
        Ok(Tls {
            config: Arc::new(config),
            fingerprint,
        })
    }
}

/// Binds loopback on `port` (0 picks one) and starts serving (over TLS with `tls`). Must run
/// inside a tokio runtime.
/// A port in use, on either address, is an error that names it: a browser that prefers `::1`
/// would otherwise hand the callback to whatever holds `[::1]:port`.
pub fn bind(which: Loopback, port: u16, tls: Option<&Tls>) -> Result<Server, Failure> {
    let v4 = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let v6 = IpAddr::V6(Ipv6Addr::LOCALHOST);
    let first = if which == Loopback::V6 { v6 } else { v4 };
    let primary = bind_one(SocketAddr::new(first, port))?;
    let port = primary
        .local_addr()
        .map_err(|e| Failure::error(format!("cannot read the callback port: {e}")))?
        .port();
    let mut listeners = vec![primary];
    if which == Loopback::Both {
        match bind_one(SocketAddr::new(v6, port)) {
            Ok(l) => listeners.push(l),
            // No IPv6 on this machine: the browser cannot reach [::1] either.
            Err(_) if !ipv6_available() => {}
            Err(e) => return Err(e),
        }
    }
    let (tx, hits) = mpsc::unbounded_channel();
    // One bound for both addresses.
    let slots = Arc::new(Mutex::new(Slots::default()));
    let mut tasks = Vec::new();
    for std_listener in listeners {
        let listener = tokio::net::TcpListener::from_std(std_listener)
            .map_err(|e| Failure::error(format!("cannot start the callback listener: {e}")))?;
        let acceptor = tls.map(|t| tokio_rustls::TlsAcceptor::from(t.config.clone()));
        tasks.push(tokio::spawn(accept_loop(
            listener,
            tx.clone(),
            slots.clone(),
            acceptor,
        )));
    }
    Ok(Server { port, hits, tasks })
}

fn bind_one(addr: SocketAddr) -> Result<std::net::TcpListener, Failure> {
    let listener = std::net::TcpListener::bind(addr).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            Failure::error(format!(
                "port {} is already in use on {}, so the callback cannot be received there: \
                 stop what listens on it, or pass --callback-url (or set NSTBA_CALLBACK_URL) \
                 with another port; http://localhost:0/tba picks a free one when the \
                 integration record's callback is http://localhost:*",
                addr.port(),
                addr.ip()
            ))
        } else {
            Failure::error(format!("cannot listen on {addr} for the callback: {e}"))
        }
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Failure::error(format!("cannot listen on {addr}: {e}")))?;
    Ok(listener)
}

/// Whether `[::1]` can be bound at all (a machine without IPv6 cannot).
fn ipv6_available() -> bool {
    match std::net::TcpListener::bind((Ipv6Addr::LOCALHOST, 0)) {
        Ok(_) => true,
        Err(e) => e.kind() == std::io::ErrorKind::AddrInUse,
    }
}

/// The open connections, oldest first (docs/design.md §3).
#[derive(Default)]
struct Slots {
    next: u64,
    open: VecDeque<Slot>,
}

struct Slot {
    id: u64,
    /// Set once the connection has sent a whole request head.
    head: Arc<AtomicBool>,
    /// Closes the connection when it is replaced.
    close: oneshot::Sender<()>,
}

/// A connection's place among the open ones; dropping it frees the place.
struct Admitted {
    slots: Arc<Mutex<Slots>>,
    id: u64,
}

/// What a connection that was given a place gets: its place, the flag its head sets, and the
/// signal that it was replaced.
type Place = (Admitted, Arc<AtomicBool>, oneshot::Receiver<()>);

impl Slots {
    /// Gives a new connection a place: a free one, else that of the oldest connection that has
    /// not sent a whole request head (closed now). None when every open connection has sent
    /// its head (each is a request the flow is answering).
    fn admit(slots: &Arc<Mutex<Slots>>) -> Option<Place> {
        let mut this = slots.lock().ok()?;
        if this.open.len() >= MAX_CONNECTIONS {
            let idle = this
                .open
                .iter()
                .position(|s| !s.head.load(Ordering::Acquire))?;
            if let Some(replaced) = this.open.remove(idle) {
                let _ = replaced.close.send(());
            }
        }
        let id = this.next;
        this.next += 1;
        let head = Arc::new(AtomicBool::new(false));
        let (close_tx, close) = oneshot::channel();
        this.open.push_back(Slot {
            id,
            head: head.clone(),
            close: close_tx,
        });
        let admitted = Admitted {
            slots: slots.clone(),
            id,
        };
        Some((admitted, head, close))
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        if let Ok(mut slots) = self.slots.lock()
            && let Some(i) = slots.open.iter().position(|s| s.id == self.id)
        {
            slots.open.remove(i);
        }
    }
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    tx: mpsc::UnboundedSender<Hit>,
    slots: Arc<Mutex<Slots>>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let mut warned = false;
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                // Every place holds a request being answered: close at once.
                let Some((admitted, head, close)) = Slots::admit(&slots) else {
                    drop(stream);
                    continue;
                };
                let (tx, tls) = (tx.clone(), tls.clone());
                tokio::spawn(async move {
                    let work = async move {
                        match tls {
                            None => serve(stream, tx, head).await,
                            // The handshake counts against the same idle bound as the head.
                            Some(acceptor) => {
                                if let Ok(Ok(stream)) =
                                    tokio::time::timeout(IDLE, acceptor.accept(stream)).await
                                {
                                    serve(stream, tx, head).await;
                                }
                            }
                        }
                    };
                    // Replaced by a newer connection: dropped, which closes it.
                    tokio::select! {
                        _ = work => {}
                        _ = close => {}
                    }
                    drop(admitted);
                });
                // Let the new connection read what it was sent before the next accept: a
                // browser sends its request at once, so its head is in before anything newer
                // could take its place.
                tokio::task::yield_now().await;
            }
            Err(e) => {
                // Out of descriptors, a connection reset before accept: never fatal. Wait a
                // little so that a full descriptor table does not spin the loop.
                if !warned {
                    crate::ui::verbose(format!("the callback listener could not accept: {e}"));
                    warned = true;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn serve<S>(stream: S, tx: mpsc::UnboundedSender<Hit>, head_read: Arc<AtomicBool>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let seen = head_read.clone();
    // Dropped when this connection is done, which tells `respond_and_flush` the answer is out.
    let (done, written) = oneshot::channel::<()>();
    let written = std::sync::Mutex::new(Some(written));
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        seen.store(true, Ordering::Release);
        let tx = tx.clone();
        // One request per connection (keep-alive is off), so the first takes the signal.
        let written = written.lock().ok().and_then(|mut w| w.take());
        async move {
            let target = req
                .uri()
                .path_and_query()
                .map(|pq| pq.as_str().to_string())
                .unwrap_or_else(|| "/".into());
            let (respond, answer) = oneshot::channel();
            let hit = Hit {
                target,
                respond,
                written,
            };
            let page = if tx.send(hit).is_ok() {
                answer.await.ok()
            } else {
                None
            };
            let page = page.unwrap_or(Page {
                status: 503,
                html: "nstba is no longer waiting for this login.".into(),
            });
            Ok::<_, Infallible>(response(page))
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .max_buf_size(MAX_HEAD)
        .keep_alive(false)
        .serve_connection(TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    // A connection gets IDLE to send its head; once it has, it waits for the flow's answer
    // (bounded by the login's own timeout, which drops every pending answer).
    if tokio::time::timeout(IDLE, &mut conn).await.is_err() && head_read.load(Ordering::Acquire) {
        let _ = conn.await;
    }
    drop(done);
}

fn response(page: Page) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(page.html)));
    *resp.status_mut() = hyper::StatusCode::from_u16(page.status).unwrap_or(hyper::StatusCode::OK);
    let headers = resp.headers_mut();
    headers.insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        hyper::header::CACHE_CONTROL,
        hyper::header::HeaderValue::from_static("no-store"),
    );
    headers.insert(
        hyper::header::CONNECTION,
        hyper::header::HeaderValue::from_static("close"),
    );
    resp
}
