//! Realtime clients for tests: a WebSocket client over a real socket (tokio-tungstenite), an
//! SSE client over a real HTTP stream, and a follower that keeps a channel's events in order
//! the way an SDK does (drop duplicates, resume on a gap).

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::{Tenant, User};

pub const WAIT: Duration = Duration::from_secs(10);

pub struct Ws {
    pub stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Frames read while waiting for another one, in arrival order.
    pub backlog: Vec<Value>,
    pub ready: Value,
    pub closed: Option<(u16, String)>,
}

impl Ws {
    pub async fn open(
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<Self, tokio_tungstenite::tungstenite::Error> {
        let mut req = url.into_client_request()?;
        for (k, v) in headers {
            req.headers_mut()
                .insert(http_name(k), v.parse().expect("header value"));
        }
        let (stream, _) = tokio_tungstenite::connect_async(req).await?;
        let mut ws = Self {
            stream,
            backlog: Vec::new(),
            ready: Value::Null,
            closed: None,
        };
        ws.ready = ws.expect("connection.ready").await;
        Ok(ws)
    }

    pub async fn send(&mut self, v: Value) {
        self.stream
            .send(Message::text(v.to_string()))
            .await
            .expect("ws send");
    }

    pub async fn send_raw(&mut self, text: &str) {
        self.stream
            .send(Message::text(text.to_owned()))
            .await
            .expect("ws send");
    }

    /// The next JSON frame from the socket (not the backlog), or None on close/timeout.
    pub async fn recv(&mut self, wait: Duration) -> Option<Value> {
        loop {
            let msg = tokio::time::timeout(wait, self.stream.next())
                .await
                .ok()??;
            match msg {
                Ok(Message::Text(t)) => return Some(serde_json::from_str(&t).expect("json frame")),
                Ok(Message::Close(frame)) => {
                    self.closed = Some(frame.map_or((1005, String::new()), |f| {
                        (u16::from(f.code), f.reason.to_string())
                    }));
                    return None;
                }
                Ok(_) => continue,
                Err(_) => {
                    if self.closed.is_none() {
                        self.closed = Some((1006, "connection lost".into()));
                    }
                    return None;
                }
            }
        }
    }

    /// Waits for the first frame matching `pred` (backlog first), keeping the others.
    pub async fn expect_where(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.backlog.iter().position(&pred) {
            return self.backlog.remove(i);
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.recv(left).await {
                Some(v) if pred(&v) => return v,
                Some(v) => self.backlog.push(v),
                None => panic!(
                    "no `{what}` frame; closed: {:?}; seen: {:?}",
                    self.closed, self.backlog
                ),
            }
        }
    }

    pub async fn expect(&mut self, kind: &str) -> Value {
        let k = kind.to_owned();
        self.expect_where(kind, move |v| v["type"] == k.as_str())
            .await
    }

    /// Asserts no frame of this type arrives within `wait` (backlog included).
    pub async fn expect_none(&mut self, kind: &str, wait: Duration) {
        assert!(
            !self.backlog.iter().any(|v| v["type"] == kind),
            "unexpected {kind}: {:?}",
            self.backlog
        );
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return;
            }
            match self.recv(left).await {
                Some(v) if v["type"] == kind => panic!("unexpected {kind}: {v}"),
                Some(v) => self.backlog.push(v),
                None => return,
            }
        }
    }

    /// Reads until the server closes; returns the close code and reason.
    pub async fn closed_with(&mut self, wait: Duration) -> (u16, String) {
        let deadline = tokio::time::Instant::now() + wait;
        while self.closed.is_none() {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            assert!(!left.is_zero(), "the server did not close the connection");
            if let Some(v) = self.recv(left).await {
                self.backlog.push(v);
            }
        }
        self.closed.clone().expect("closed")
    }
}

fn http_name(k: &str) -> tokio_tungstenite::tungstenite::http::HeaderName {
    tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(k.as_bytes()).expect("header name")
}

pub fn ws_base(http_base: &str) -> String {
    http_base.replacen("http://", "ws://", 1)
}

impl User {
    /// A WebSocket as this user, with credentials in the query string (as a browser does).
    pub async fn connect(&self) -> Ws {
        self.connect_to(&self.tenant.app_base).await
    }

    pub async fn connect_to(&self, http_base: &str) -> Ws {
        let url = format!(
            "{}/v1/connect?api_key={}&token={}",
            ws_base(http_base),
            self.tenant.publishable_key,
            self.token
        );
        Ws::open(&url, &[]).await.expect("websocket")
    }
}

impl Tenant {
    /// A WebSocket with the secret key: every event of the tenant.
    pub async fn connect_server(&self) -> Ws {
        let url = format!("{}/v1/connect", ws_base(&self.app_base));
        let auth = format!("Bearer {}", self.secret_key);
        Ws::open(&url, &[("authorization", &auth)])
            .await
            .expect("websocket")
    }
}

/// A Server-Sent Events client.
pub struct Sse {
    response: reqwest::Response,
    buf: String,
    pub backlog: Vec<(Option<String>, Value)>,
}

impl Sse {
    pub async fn open(client: &reqwest::Client, url: &str, last_event_id: Option<&str>) -> Self {
        let mut req = client.get(url).header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id);
        }
        let response = req.send().await.expect("sse request");
        assert_eq!(response.status(), 200, "SSE answered {}", response.status());
        Self {
            response,
            buf: String::new(),
            backlog: Vec::new(),
        }
    }

    /// The next event (id, data), skipping comments.
    pub async fn next(&mut self, wait: Duration) -> Option<(Option<String>, Value)> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut id = None;
                let mut data = None;
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        id = Some(v.to_owned());
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data = Some(serde_json::from_str(v).expect("json data"));
                    }
                }
                if let Some(d) = data {
                    return Some((id, d));
                }
                continue;
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let chunk = tokio::time::timeout(left, self.response.chunk())
                .await
                .ok()?
                .ok()??;
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    pub async fn expect(&mut self, kind: &str) -> (Option<String>, Value) {
        if let Some(i) = self.backlog.iter().position(|(_, v)| v["type"] == kind) {
            return self.backlog.remove(i);
        }
        loop {
            match self.next(WAIT).await {
                Some((id, v)) if v["type"] == kind => return (id, v),
                Some(other) => self.backlog.push(other),
                None => panic!("no `{kind}` SSE event; seen {:?}", self.backlog),
            }
        }
    }
}

/// Follows one channel's persistent events like an SDK: in `seq` order, each once; a gap or
/// a reconnect is healed with `resume`. Records the message ids of `message.new` events.
pub struct Follower {
    pub cid: String,
    pub last: i64,
    pub messages: Vec<(i64, String)>,
    pub resumes: usize,
    resuming: bool,
}

impl Follower {
    pub fn new(cid: &str, last: i64) -> Self {
        Self {
            cid: cid.to_owned(),
            last,
            messages: Vec::new(),
            resumes: 0,
            resuming: false,
        }
    }

    /// Asks the server for everything after what this follower has.
    pub async fn resume(&mut self, ws: &mut Ws) {
        self.resuming = true;
        self.resumes += 1;
        ws.send(json!({"type": "resume", "cursors": {self.cid.clone(): self.last}}))
            .await;
    }

    /// Feeds one frame; returns false when the connection ended.
    pub async fn feed(&mut self, ws: &mut Ws, frame: Value) {
        match frame["type"].as_str() {
            Some("resumed") => self.resuming = false,
            Some("resume.failed") => panic!("resume failed: {frame}"),
            _ => {}
        }
        if frame["cid"] != self.cid.as_str() {
            return;
        }
        let Some(seq) = frame["seq"].as_i64() else {
            return;
        };
        if seq <= self.last {
            return;
        }
        if seq > self.last + 1 {
            if !self.resuming {
                self.resume(ws).await;
            }
            return;
        }
        self.last = seq;
        if frame["type"] == "message.new" {
            let m = &frame["message"];
            self.messages.push((
                m["seq"].as_i64().expect("message seq"),
                m["id"].as_str().expect("id").to_owned(),
            ));
        }
    }

    /// Message seqs received, checked to be exactly once each and in order.
    pub fn message_seqs(&self) -> Vec<i64> {
        let seqs: Vec<i64> = self.messages.iter().map(|(s, _)| *s).collect();
        let unique: BTreeMap<i64, ()> = seqs.iter().map(|s| (*s, ())).collect();
        assert_eq!(
            unique.len(),
            seqs.len(),
            "a message arrived twice: {seqs:?}"
        );
        let mut sorted = seqs.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, seqs, "messages out of order");
        seqs
    }
}
