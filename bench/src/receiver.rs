//! The webhook receiver of the `webhooks` scenario: an HTTP/1.1 server on loopback in the
//! generator's process. It answers every request 204 and records the latency of each
//! `message.new` from the send timestamp in `data.message.text`, so the clock is the sender's.
//! Signatures are not checked: the scenario measures the server, not a receiver.

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Empty};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::metrics::Recorder;

struct State {
    recorder: Arc<Recorder>,
    /// Event ids seen: a delivery retried after it had arrived counts once.
    seen: Mutex<HashSet<String>>,
    duplicates: AtomicU64,
    /// When the last delivery of the current step arrived (the recorder's clock, µs).
    last_us: AtomicU64,
}

pub struct Receiver {
    pub url: String,
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    pub async fn start(recorder: Arc<Recorder>) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/parley", listener.local_addr()?);
        let state = Arc::new(State {
            recorder,
            seen: Mutex::new(HashSet::new()),
            duplicates: AtomicU64::new(0),
            last_us: AtomicU64::new(0),
        });
        let task = tokio::spawn(serve(listener, Arc::clone(&state)));
        Ok(Self { url, state, task })
    }

    /// When the last delivery of the current step arrived (µs on the recorder's clock; 0: none).
    pub fn last_us(&self) -> u64 {
        self.state.last_us.load(Ordering::Relaxed)
    }

    /// Starts a step: forgets when the previous one's last delivery arrived.
    pub fn new_step(&self) {
        self.state.last_us.store(0, Ordering::Relaxed);
    }

    /// Deliveries of an event that had already arrived.
    pub fn duplicates(&self) -> u64 {
        self.state.duplicates.load(Ordering::Relaxed)
    }
}

async fn serve(listener: TcpListener, state: Arc<State>) {
    let conns = AtomicUsize::new(0);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of file descriptors, most likely: give the open connections time to close.
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        let conn = conns.fetch_add(1, Ordering::Relaxed);
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| handle(req, conn, Arc::clone(&state)));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

async fn handle(
    req: Request<Incoming>,
    conn: usize,
    state: Arc<State>,
) -> Result<Response<Empty<Bytes>>, Infallible> {
    let raw = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    if let Ok(event) = serde_json::from_slice::<Value>(&raw)
        && event["type"] == "message.new"
        && let Some(text) = event["data"]["message"]["text"].as_str()
    {
        let id = event["id"].as_str().unwrap_or_default().to_owned();
        let first = state.seen.lock().map(|mut s| s.insert(id)).unwrap_or(true);
        if !first {
            state.duplicates.fetch_add(1, Ordering::Relaxed);
        } else if state.recorder.record(conn, text) {
            state
                .last_us
                .fetch_max(state.recorder.now_us(), Ordering::Relaxed);
        }
    }
    let mut res = Response::new(Empty::new());
    *res.status_mut() = StatusCode::NO_CONTENT;
    Ok(res)
}
