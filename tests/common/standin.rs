//! A stand-in server on 127.0.0.1:0 for answers the emulator would never give (a hostile
//! RESTlet, a NetSuite that hangs for one account): hyper, as nstba's own listener, on its own
//! runtime. It counts its hits, and dropping one that was never called fails the test.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use http_body_util::BodyExt as _;

/// A request as the stand-in saw it.
pub struct Req {
    pub method: String,
    /// The path and query.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the stand-in answers.
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(status: u16, body: impl Into<String>) -> Resp {
        Resp {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into().into_bytes(),
        }
    }
}

type Handler = Arc<dyn Fn(Req) -> Pin<Box<dyn Future<Output = Resp> + Send>> + Send + Sync>;

pub struct StandIn {
    url: String,
    hits: Arc<AtomicUsize>,
    check_hits: std::sync::atomic::AtomicBool,
    runtime: Option<tokio::runtime::Runtime>,
}

impl StandIn {
    /// Serves `handler` until dropped.
    pub fn start<F, Fut>(handler: F) -> StandIn
    where
        F: Fn(Req) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Resp> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |req| Box::pin(handler(req)));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (handler, counter) = (handler.clone(), counter.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(
                        move |req: hyper::Request<hyper::body::Incoming>| {
                            let (handler, counter) = (handler.clone(), counter.clone());
                            async move {
                                counter.fetch_add(1, Ordering::SeqCst);
                                let (parts, body) = req.into_parts();
                                let body = body.collect().await.map(|b| b.to_bytes().to_vec());
                                let req = Req {
                                    method: parts.method.to_string(),
                                    target: parts
                                        .uri
                                        .path_and_query()
                                        .map(|p| p.to_string())
                                        .unwrap_or_default(),
                                    headers: parts
                                        .headers
                                        .iter()
                                        .map(|(k, v)| {
                                            (
                                                k.to_string(),
                                                v.to_str().unwrap_or_default().to_string(),
                                            )
                                        })
                                        .collect(),
                                    body: body.unwrap_or_default(),
                                };
                                let resp = handler(req).await;
                                let mut out = hyper::Response::builder().status(resp.status);
                                for (k, v) in &resp.headers {
                                    out = out.header(k, v);
                                }
                                Ok::<_, std::convert::Infallible>(
                                    out.body(http_body_util::Full::new(bytes::Bytes::from(
                                        resp.body,
                                    )))
                                    .unwrap(),
                                )
                            }
                        },
                    );
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await;
                });
            }
        });
        StandIn {
            url,
            hits,
            check_hits: std::sync::atomic::AtomicBool::new(true),
            runtime: Some(runtime),
        }
    }

    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// For a test whose point is that nothing reaches this server.
    pub fn assert_no_calls(&self) {
        assert_eq!(self.hits(), 0, "the stand-in at {} was called", self.url);
        self.check_hits.store(false, Ordering::SeqCst);
    }

    /// Requests seen so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
        if self.check_hits.load(Ordering::SeqCst) && self.hits() == 0 && !std::thread::panicking() {
            panic!("the stand-in server at {} was never called", self.url);
        }
    }
}
