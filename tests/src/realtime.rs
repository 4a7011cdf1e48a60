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
        self.expect_where_within(what, WAIT, pred).await
    }

    /// [`Ws::expect_where`] for events that take longer than [`WAIT`] by design.
    pub async fn expect_where_within(
        &mut self,
        what: &str,
        wait: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        if let Some(i) = self.backlog.iter().position(&pred) {
            return self.backlog.remove(i);
        }
        let deadline = tokio::time::Instant::now() + wait;
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

    /// Asserts that no frame matching `forbidden` arrives before the first frame matching
    /// `sentinel` (a later event the test caused, which the server sends after anything the
    /// earlier actions could have caused). Fails if the socket closes first. Returns the
    /// sentinel; other frames stay in the backlog.
    pub async fn expect_none_before(
        &mut self,
        what: &str,
        forbidden: impl Fn(&Value) -> bool,
        sentinel: impl Fn(&Value) -> bool,
    ) -> Value {
        if let Some(v) = self.backlog.iter().find(|v| forbidden(v)) {
            panic!("unexpected {what}: {v}; backlog: {:?}", self.backlog);
        }
        if let Some(i) = self.backlog.iter().position(&sentinel) {
            return self.backlog.remove(i);
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.recv(left).await {
                Some(v) if sentinel(&v) => return v,
                Some(v) if forbidden(&v) => panic!("unexpected {what}: {v}"),
                Some(v) => self.backlog.push(v),
                None => panic!(
                    "the sentinel after `{what}` never came; closed: {:?}; seen: {:?}",
                    self.closed, self.backlog
                ),
            }
        }
    }

    /// Asserts that no frame of this type is queued for this connection (backlog included).
    /// See [`Ws::expect_none_where`].
    pub async fn expect_none(&mut self, kind: &str) {
        let k = kind.to_owned();
        self.expect_none_where(kind, move |v| v["type"] == k.as_str())
            .await;
    }

    /// Asserts that no frame matching `forbidden` is queued for this connection: everything
    /// the server had queued when it answered two `ping`s in a row has arrived by the second
    /// `pong` (a `pong` goes out with the events queued before it, in the same write). Fails
    /// if the socket is closed. Sound for events published on this node before the call;
    /// cross-node and timer-driven events need a positive sentinel
    /// ([`Ws::expect_none_before`]).
    pub async fn expect_none_where(&mut self, what: &str, forbidden: impl Fn(&Value) -> bool) {
        for _ in 0..2 {
            let req_id = format!("quiet-{}", uuid::Uuid::new_v4().simple());
            self.send(json!({"type": "ping", "req_id": req_id})).await;
            self.expect_none_before(what, &forbidden, |v| {
                v["type"] == "pong" && v["req_id"] == req_id.as_str()
            })
            .await;
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
/// a reconnect is healed with `resume`. Records the message ids of `message.new` events, and
/// every arrival the protocol does not allow, in `violations`:
///
/// - a `seq` that arrives twice on one connection, except once while a `resume` is in flight
///   (the replay may repeat what live delivery had sent before the server saw the resume);
/// - while a resume is in flight, a `seq` at or below its cursor;
/// - after `resumed`, a `seq` at or below the cursor it reported (the replay covered it);
/// - a replay that leaves the follower short of that cursor (a replay out of order or with
///   a hole).
///
/// Live events of one channel may arrive out of `seq` order when they are sent on several
/// nodes at once; that is a gap to heal, not a violation.
pub struct Follower {
    pub cid: String,
    pub last: i64,
    pub messages: Vec<(i64, String)>,
    pub resumes: usize,
    /// Live arrivals ahead of `last + 1` (healed by resume).
    pub gaps: usize,
    pub violations: Vec<String>,
    resuming: bool,
    connection: Value,
    /// How often each seq arrived on the current connection.
    seen: BTreeMap<i64, u32>,
    /// After `resumed`: nothing at or below this may arrive again on this connection.
    floor: i64,
    /// The cursor of the resume in flight.
    resumed_from: i64,
}

impl Follower {
    pub fn new(cid: &str, last: i64) -> Self {
        Self {
            cid: cid.to_owned(),
            last,
            messages: Vec::new(),
            resumes: 0,
            gaps: 0,
            violations: Vec::new(),
            resuming: false,
            connection: Value::Null,
            seen: BTreeMap::new(),
            floor: 0,
            resumed_from: 0,
        }
    }

    /// Forgets what the previous connection delivered when `ws` is a new one.
    fn on_connection(&mut self, ws: &Ws) {
        if ws.ready["connection_id"] != self.connection {
            self.connection = ws.ready["connection_id"].clone();
            self.seen.clear();
            self.floor = 0;
        }
    }

    /// Asks the server for everything after what this follower has.
    pub async fn resume(&mut self, ws: &mut Ws) {
        self.on_connection(ws);
        self.resuming = true;
        self.resumed_from = self.last;
        self.resumes += 1;
        ws.send(json!({"type": "resume", "cursors": {self.cid.clone(): self.last}}))
            .await;
    }

    /// Feeds one frame read from `ws`.
    pub async fn feed(&mut self, ws: &mut Ws, frame: Value) {
        self.on_connection(ws);
        match frame["type"].as_str() {
            Some("resumed") => {
                self.resuming = false;
                if let Some(c) = frame["cursors"][self.cid.as_str()].as_i64() {
                    self.floor = self.floor.max(c);
                    // The replies to a frame come before any later live event: whatever
                    // arrived before `resumed` is at or below its cursor, or a client that
                    // takes the cursor (as the protocol says) would apply it twice.
                    if let Some(past) = self.seen.keys().next_back().filter(|s| **s > c) {
                        self.violations
                            .push(format!("seq {past} arrived before a `resumed` at {c}"));
                    }
                }
                // The replay runs from the cursor this follower sent up to `c`, in order, so
                // the follower has taken all of it.
                if let Some(c) = frame["cursors"][self.cid.as_str()].as_i64()
                    && self.last < c
                {
                    self.violations.push(format!(
                        "resumed at {c}, but the replay left this follower at {}",
                        self.last
                    ));
                }
                return;
            }
            Some("resume.failed") if frame["cid"] == self.cid.as_str() => {
                panic!("resume failed: {frame}")
            }
            _ => {}
        }
        if frame["cid"] != self.cid.as_str() {
            return;
        }
        let Some(seq) = frame["seq"].as_i64() else {
            return;
        };
        let count = {
            let c = self.seen.entry(seq).or_default();
            *c += 1;
            *c
        };
        // A replay may repeat a live copy once; nothing else arrives twice. Nothing at or
        // below a resume's cursor comes while it is in flight: the replay starts after it,
        // and live delivery sent this connection each of those once already.
        if self.resuming && seq <= self.resumed_from {
            self.violations.push(format!(
                "seq {seq} arrived during a resume from {}",
                self.resumed_from
            ));
        } else if count > 2 || (count == 2 && !self.resuming) {
            self.violations.push(format!(
                "seq {seq} arrived {count} times on one connection ({})",
                frame["type"]
            ));
        } else if !self.resuming && seq <= self.floor && count == 1 {
            self.violations.push(format!(
                "seq {seq} arrived after a resume that covered up to {}",
                self.floor
            ));
        }
        if seq <= self.last {
            return;
        }
        if seq > self.last + 1 {
            if !self.resuming {
                self.gaps += 1;
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

    /// Asserts nothing arrived that the protocol does not allow.
    pub fn assert_clean(&self) {
        assert!(
            self.violations.is_empty(),
            "{} arrivals the protocol does not allow: {:?}",
            self.violations.len(),
            self.violations
        );
    }

    /// Message seqs received, checked to be exactly once each and in order, with no
    /// duplicate or disordered arrival on the wire (see [`Follower::assert_clean`]).
    pub fn message_seqs(&self) -> Vec<i64> {
        self.assert_clean();
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
