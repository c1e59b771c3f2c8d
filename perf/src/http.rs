//! The HTTP plumbing both test servers share: the accept loop on 127.0.0.1, the response
//! body type (a whole buffer, or a paced stream of chunks for downloads), and the fault
//! and realism knobs ([`Faults`]) that make a server slow, flaky or rude on purpose.
//!
//! The servers use hyper 1 directly rather than a router framework, for two reasons: a
//! fault must be able to drop a connection without answering (hyper closes the connection
//! when the service returns an error), and the Bot API's paths carry a token with a `:`
//! in them, which is easier to split by hand than to route.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::{JoinHandle, JoinSet};

/// The body of every response the servers send.
pub(crate) type Body = BoxBody<Bytes, io::Error>;

/// The error a handler returns to make hyper close the connection without an answer:
/// this is how [`Fault::Drop`] is carried out.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped on purpose by a scripted fault")]
pub(crate) struct DropConnection;

pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).map_err(|never: Infallible| match never {}).boxed()
}

pub(crate) fn json_response(status: u16, body: &serde_json::Value) -> Response<Body> {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    raw_response(status, "application/json", bytes)
}

pub(crate) fn raw_response(status: u16, content_type: &str, body: Vec<u8>) -> Response<Body> {
    let mut resp = Response::new(full(body));
    *resp.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(value) = content_type.parse() {
        resp.headers_mut().insert(hyper::header::CONTENT_TYPE, value);
    }
    resp
}

/// A streamed body fed by a producer task through a small channel.
///
/// The channel's capacity bounds how much of a large (generated) file sits in memory,
/// and the producer can pace itself to a bandwidth cap.
pub(crate) struct ChannelBody {
    rx: mpsc::Receiver<Bytes>,
    remaining: u64,
}

impl ChannelBody {
    pub(crate) fn new(rx: mpsc::Receiver<Bytes>, len: u64) -> ChannelBody {
        ChannelBody { rx, remaining: len }
    }
}

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(chunk)) => {
                self.remaining = self.remaining.saturating_sub(chunk.len() as u64);
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            Poll::Ready(None) if self.remaining > 0 => {
                // The producer stopped early: fail the body so the client sees a short read,
                // never a silently truncated file.
                Poll::Ready(Some(Err(io::Error::new(io::ErrorKind::UnexpectedEof, "producer stopped"))))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// A server bound to 127.0.0.1 with its accept loop running in a task.
pub(crate) struct Listening {
    pub(crate) addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Listening {
    /// Binds 127.0.0.1:0 and serves every connection with `handle`.
    pub(crate) async fn start<F, Fut>(handle: F) -> io::Result<Listening>
    where
        F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<Response<Body>, DropConnection>> + Send + 'static,
    {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, handle, stopped));
        Ok(Listening { addr, stop: Some(stop), task: Some(task) })
    }

    /// Stops accepting, closes every open connection (held long polls included) and waits
    /// for the accept loop to end.
    pub(crate) async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        // A test that forgets `shutdown` must not leave a server running into the next test.
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn accept_loop<F, Fut>(listener: TcpListener, handle: F, mut stopped: oneshot::Receiver<()>)
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<Response<Body>, DropConnection>> + Send + 'static,
{
    // Connections live in a JoinSet so that ending the loop (or dropping it) aborts them all.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                // Small request/response pairs: Nagle's delay would dominate every round trip.
                let _ = stream.set_nodelay(true);
                let handle = handle.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(handle);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            // Reap finished connections so a long run does not accumulate them.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

/// One way a call can be made to fail, see [`Faults::fail_next`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this HTTP status (e.g. 500, 502) and the service's JSON error shape.
    Status(u16),
    /// Answer 200 with a body that is not valid JSON.
    Garbage,
    /// Answer 429 with `retry_after` seconds (Bot API `parameters.retry_after`; TMDb
    /// `Retry-After` header).
    TooManyRequests { retry_after: u32 },
    /// Close the connection without answering.
    Drop,
}

/// The fault and realism knobs of one server. Method names are case-insensitive; the
/// name `"*"` stands for every method. The Telegram server calls its download route
/// `"download"`; the TMDb server's names are listed on [`crate::TmdbServer`].
#[derive(Debug, Default)]
pub struct Faults {
    // A std Mutex: it is never held across an await, and each use is a few map operations.
    inner: Mutex<FaultState>,
}

#[derive(Debug, Default)]
struct FaultState {
    queued: HashMap<String, VecDeque<Fault>>,
    latency: HashMap<String, Duration>,
    bandwidth: Option<u64>,
}

impl Faults {
    /// The next `k` calls of `method` fail with `fault` (queued after any faults already
    /// waiting for that method).
    pub fn fail_next(&self, method: &str, k: usize, fault: Fault) {
        let mut state = self.lock();
        let queue = state.queued.entry(method.to_ascii_lowercase()).or_default();
        queue.extend(std::iter::repeat_n(fault, k));
    }

    /// Every call of `method` (or of every method, with `"*"`) waits `delay` before it is
    /// handled. A method's own latency wins over `"*"`.
    pub fn set_latency(&self, method: &str, delay: Duration) {
        self.lock().latency.insert(method.to_ascii_lowercase(), delay);
    }

    /// Caps the download speed in bytes per second (`None`: as fast as loopback goes).
    pub fn set_bandwidth(&self, bytes_per_second: Option<u64>) {
        self.lock().bandwidth = bytes_per_second.filter(|b| *b > 0);
    }

    /// Forgets every queued fault, latency and bandwidth cap.
    pub fn clear(&self) {
        *self.lock() = FaultState::default();
    }

    /// How many faults are still queued for `method` (a test can check they were used up).
    pub fn pending(&self, method: &str) -> usize {
        self.lock().queued.get(&method.to_ascii_lowercase()).map_or(0, VecDeque::len)
    }

    pub(crate) fn bandwidth(&self) -> Option<u64> {
        self.lock().bandwidth
    }

    /// Takes the fault for this call, if any, and the latency to apply before answering.
    pub(crate) fn on_call(&self, method_lower: &str) -> (Option<Fault>, Duration) {
        let mut state = self.lock();
        let fault = match state.queued.get_mut(method_lower).and_then(VecDeque::pop_front) {
            Some(fault) => Some(fault),
            None => state.queued.get_mut("*").and_then(VecDeque::pop_front),
        };
        let latency = state.latency.get(method_lower).or_else(|| state.latency.get("*")).copied().unwrap_or_default();
        (fault, latency)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FaultState> {
        // A panic while holding this lock cannot leave the maps half-updated in a way that
        // matters to a test server, so a poisoned lock is simply taken over.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Streams `len` bytes produced by `fill(offset, buf)` into a [`ChannelBody`], paced to
/// `bandwidth` bytes per second when set.
pub(crate) fn paced_stream(
    start: u64,
    len: u64,
    bandwidth: Option<u64>,
    fill: impl Fn(u64, &mut [u8]) + Send + 'static,
) -> ChannelBody {
    const CHUNK: u64 = 64 * 1024;
    let (tx, rx) = mpsc::channel(4);
    // Under a bandwidth cap, smaller chunks keep the pacing smooth (about 20 per second).
    let chunk = bandwidth.map_or(CHUNK, |bw| (bw / 20).clamp(1, CHUNK));
    tokio::spawn(async move {
        let began = tokio::time::Instant::now();
        let mut sent = 0u64;
        while sent < len {
            let n = chunk.min(len - sent);
            let mut buf = vec![0u8; n as usize];
            fill(start + sent, &mut buf);
            if let Some(bw) = bandwidth {
                // A chunk leaves when a link of this speed would have delivered its last
                // byte, so the whole body takes len / bandwidth seconds.
                let due = Duration::from_secs_f64((sent + n) as f64 / bw as f64);
                tokio::time::sleep_until(began + due).await;
            }
            if tx.send(Bytes::from(buf)).await.is_err() {
                return; // The client went away.
            }
            sent += n;
        }
    });
    ChannelBody::new(rx, len)
}

/// Percent-decodes a request path (clients encode the `/` inside a file path as `%2F`).
pub(crate) fn decode_path(path: &str) -> String {
    percent_encoding::percent_decode_str(path).decode_utf8_lossy().into_owned()
}

/// The query string as (name, value) pairs.
pub(crate) fn query_pairs(req: &Request<Incoming>) -> Vec<(String, String)> {
    req.uri().query().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default()
}
