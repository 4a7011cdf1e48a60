//! The realtime client: one WebSocket, reconnected with backoff and jitter, resumed from
//! the cursor of every channel it follows, so the app sees each channel event once and in
//! `seq` order across any number of reconnects.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use parley_wire::{
    Channel, ClientFrame, ControlFrame, Event, EventKind, Incoming, Message, NewMessage,
};
use rand::Rng;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};

use crate::client::Client;
use crate::cursors::{Cursors, Step};
use crate::error::{Error, Result};

/// How the realtime client connects and reconnects.
#[derive(Debug, Clone)]
pub struct RealtimeOptions {
    /// Cursors the app stored (from [`Realtime::cursors`]): replayed from on connect.
    pub cursors: HashMap<String, i64>,
    /// The first reconnect waits about this long; each next one twice as long.
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    /// A `ping` is sent this often; a connection silent for three times as long is dropped.
    pub ping_interval: Duration,
}

impl Default for RealtimeOptions {
    fn default() -> Self {
        Self {
            cursors: HashMap::new(),
            min_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
            ping_interval: Duration::from_secs(20),
        }
    }
}

/// The connection's state, as [`RealtimeEvent::State`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    Connecting,
    /// `connection.ready` arrived (and, on a reconnect, the `resume` was sent).
    Connected {
        connection_id: String,
    },
    /// Lost; the next attempt starts after `after`.
    Reconnecting {
        attempt: u32,
        after: Duration,
    },
    /// For good: the credentials were refused for reasons a new token does not fix (a ban,
    /// a deactivated user, a revoked key), or [`Realtime::close`] was called.
    Closed {
        code: Option<String>,
    },
}

/// What the app receives, in order.
#[derive(Debug, Clone)]
pub enum RealtimeEvent {
    State(ConnectionState),
    /// A channel's event (exactly once, in `seq` order per channel) or an ephemeral one
    /// (typing, presence, notifications).
    Event(Box<Event>),
    /// The server could not replay a channel (its log no longer reaches back): the channel as
    /// fetched again through REST (when the fetch worked); events continue after `seq`.
    ResumeFailed {
        cid: String,
        reason: String,
        seq: i64,
        channel: Option<Box<Channel>>,
    },
    /// An `error` frame that answers no request of this client.
    Error {
        code: String,
        detail: String,
    },
}

enum Command {
    Frame(ClientFrame),
    Send {
        cid: String,
        message: NewMessage,
        done: oneshot::Sender<Result<Message>>,
    },
    Unsubscribe(Vec<String>),
    Close,
}

/// A realtime connection. Events arrive through [`Realtime::next`].
pub struct Realtime {
    commands: mpsc::UnboundedSender<Command>,
    events: mpsc::UnboundedReceiver<RealtimeEvent>,
    cursors: Arc<Mutex<Cursors>>,
}

impl Realtime {
    /// Starts connecting with `client`'s credentials (a user's, or a tenant server's secret
    /// key) and keeps connected until [`Realtime::close`] or a refusal no token fixes.
    pub fn connect(client: &Client, options: RealtimeOptions) -> Self {
        let (commands, rx) = mpsc::unbounded_channel();
        let (tx, events) = mpsc::unbounded_channel();
        let cursors = Arc::new(Mutex::new(Cursors::new(options.cursors.clone())));
        let task = Task {
            client: client.clone(),
            options,
            commands: rx,
            events: tx,
            cursors: Arc::clone(&cursors),
            pending: BTreeMap::new(),
            next_req: 0,
        };
        tokio::spawn(task.run());
        Self {
            commands,
            events,
            cursors,
        }
    }

    /// The next event; `None` once the connection is closed for good.
    pub async fn next(&mut self) -> Option<RealtimeEvent> {
        self.events.recv().await
    }

    /// Waits for the connection to be ready (`connection.ready`); returns its id. Events
    /// after it arrive through [`Realtime::next`]; what was sent before it is history (fetch
    /// it through REST). Fails if the connection closes for good first.
    pub async fn ready(&mut self) -> Result<String> {
        loop {
            match self.next().await {
                Some(RealtimeEvent::State(ConnectionState::Connected { connection_id })) => {
                    return Ok(connection_id);
                }
                Some(RealtimeEvent::State(ConnectionState::Closed { code })) => {
                    return Err(Error::Realtime(format!(
                        "closed: {}",
                        code.unwrap_or_else(|| "refused".into())
                    )));
                }
                Some(_) => {}
                None => return Err(Error::Realtime("the connection was closed".into())),
            }
        }
    }

    /// Every channel's cursor: store them to resume from after a restart of the app.
    pub fn cursors(&self) -> HashMap<String, i64> {
        self.cursors
            .lock()
            .map(|c| c.snapshot())
            .unwrap_or_default()
    }

    /// Sends a message and waits for it to be stored. Without an `id`, the SDK picks one, so
    /// that a send repeated after a reconnect is stored once.
    pub async fn send_message(&self, cid: &str, mut message: NewMessage) -> Result<Message> {
        if message.id.is_none() {
            message.id = Some(client_id());
        }
        let (done, answer) = oneshot::channel();
        self.command(Command::Send {
            cid: cid.to_owned(),
            message,
            done,
        })?;
        answer
            .await
            .map_err(|_| Error::Realtime("the connection was closed".into()))?
    }

    /// Follows more channels (their events start from the newest).
    pub fn subscribe(&self, cids: &[&str]) -> Result<()> {
        self.command(Command::Frame(ClientFrame::Subscribe {
            cids: cids.iter().map(|c| (*c).to_owned()).collect(),
            req_id: None,
        }))
    }

    pub fn unsubscribe(&self, cids: &[&str]) -> Result<()> {
        self.command(Command::Unsubscribe(
            cids.iter().map(|c| (*c).to_owned()).collect(),
        ))
    }

    /// `typing.start`; dropped while disconnected (typing is ephemeral).
    pub fn typing_start(&self, cid: &str) -> Result<()> {
        self.command(Command::Frame(ClientFrame::TypingStart {
            cid: cid.to_owned(),
            user_id: None,
            req_id: None,
        }))
    }

    pub fn typing_stop(&self, cid: &str) -> Result<()> {
        self.command(Command::Frame(ClientFrame::TypingStop {
            cid: cid.to_owned(),
            user_id: None,
            req_id: None,
        }))
    }

    /// Marks `cid` read up to message `seq` (default: its newest message).
    pub fn mark_read(&self, cid: &str, seq: Option<i64>) -> Result<()> {
        self.command(Command::Frame(ClientFrame::Read {
            cid: cid.to_owned(),
            seq,
            user_id: None,
            req_id: None,
        }))
    }

    /// Closes the connection; [`Realtime::next`] then ends.
    pub fn close(&self) {
        let _ = self.commands.send(Command::Close);
    }

    fn command(&self, c: Command) -> Result<()> {
        self.commands
            .send(c)
            .map_err(|_| Error::Realtime("the connection was closed".into()))
    }
}

fn client_id() -> String {
    let n: u128 = rand::rng().random();
    format!("{n:032x}")
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How a connection ended.
enum End {
    /// Reconnect (after a backoff); `refresh` asks the token provider first.
    Retry { refresh: bool },
    /// Stop for good.
    Stop { code: Option<String> },
}

struct Task {
    client: Client,
    options: RealtimeOptions,
    commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<RealtimeEvent>,
    cursors: Arc<Mutex<Cursors>>,
    /// Sends waiting for their `ack`, by `req_id`, in the order they were made: sent again
    /// after a reconnect (their client `id` makes that safe).
    pending: BTreeMap<u64, (String, NewMessage, oneshot::Sender<Result<Message>>)>,
    next_req: u64,
}

impl Task {
    async fn run(mut self) {
        let mut attempt = 0u32;
        let mut refresh = false;
        loop {
            self.emit(RealtimeEvent::State(ConnectionState::Connecting));
            let end = match self.open(refresh).await {
                Ok(socket) => {
                    attempt = 0;
                    self.serve(socket).await
                }
                Err(end) => end,
            };
            match end {
                End::Stop { code } => {
                    for (_, (_, _, done)) in std::mem::take(&mut self.pending) {
                        let _ = done.send(Err(Error::Realtime("the connection was closed".into())));
                    }
                    self.emit(RealtimeEvent::State(ConnectionState::Closed { code }));
                    return;
                }
                End::Retry { refresh: r } => refresh = r,
            }
            attempt += 1;
            let after = self.backoff(attempt);
            self.emit(RealtimeEvent::State(ConnectionState::Reconnecting {
                attempt,
                after,
            }));
            // Commands that come in meanwhile: sends wait for the next connection, the rest
            // (typing, read) are moot by then.
            let sleep = tokio::time::sleep(after);
            tokio::pin!(sleep);
            loop {
                tokio::select! {
                    _ = &mut sleep => break,
                    c = self.commands.recv() => match c {
                        None | Some(Command::Close) => {
                            self.emit(RealtimeEvent::State(ConnectionState::Closed { code: None }));
                            return;
                        }
                        Some(Command::Send { cid, message, done }) => self.queue(cid, message, done),
                        Some(Command::Unsubscribe(cids)) => self.forget(&cids),
                        Some(Command::Frame(_)) => {}
                    }
                }
            }
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let base = self
            .options
            .min_backoff
            .saturating_mul(1u32 << attempt.min(16).saturating_sub(1))
            .min(self.options.max_backoff);
        // Full jitter between half and all of it, so that clients cut off together do not
        // come back together.
        let half = base / 2;
        half + half.mul_f64(rand::rng().random::<f64>())
    }

    fn emit(&self, e: RealtimeEvent) {
        let _ = self.events.send(e);
    }

    fn queue(&mut self, cid: String, message: NewMessage, done: oneshot::Sender<Result<Message>>) {
        self.next_req += 1;
        self.pending.insert(self.next_req, (cid, message, done));
    }

    fn forget(&mut self, cids: &[String]) {
        if let Ok(mut c) = self.cursors.lock() {
            for cid in cids {
                c.forget(cid);
            }
        }
    }

    /// Connects and authenticates; a refused handshake says whether to retry.
    async fn open(&mut self, refresh: bool) -> Result<Socket, End> {
        let mut url = self
            .client
            .url(&["v1", "connect"])
            .map_err(|_| End::Stop { code: None })?;
        let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
        let _ = url.set_scheme(scheme);
        let token = match self.client.user_token(refresh).await {
            Ok(t) => t,
            Err(_) => return Err(End::Retry { refresh: true }),
        };
        if let (Some(key), Some(token)) = (self.client.publishable_key(), token) {
            url.query_pairs_mut()
                .append_pair("api_key", key)
                .append_pair("token", &token);
        }
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|_| End::Stop { code: None })?;
        if let Some(bearer) = self.client.bearer()
            && let Ok(v) = format!("Bearer {bearer}").parse()
        {
            request.headers_mut().insert("authorization", v);
        }
        match tokio_tungstenite::connect_async_tls_with_config(
            request,
            None,
            false,
            Some(connector()),
        )
        .await
        {
            Ok((socket, _)) => Ok(socket),
            Err(tungstenite::Error::Http(response)) => {
                let code = response
                    .body()
                    .as_deref()
                    .and_then(|b| serde_json::from_slice::<parley_wire::Problem>(b).ok())
                    .map(|p| p.code);
                Err(match response.status().as_u16() {
                    401 if matches!(code.as_deref(), Some("token_expired" | "invalid_token")) => {
                        End::Retry { refresh: true }
                    }
                    401 | 403 | 404 => End::Stop { code },
                    _ => End::Retry { refresh: false },
                })
            }
            Err(_) => Err(End::Retry { refresh: false }),
        }
    }

    /// Runs one connection until it ends.
    async fn serve(&mut self, mut socket: Socket) -> End {
        let silence = self.options.ping_interval * 3;
        // The first frame is `connection.ready`.
        let ready = match tokio::time::timeout(silence, socket.next()).await {
            Ok(Some(Ok(WsMessage::Text(t)))) => Incoming::parse(&t),
            _ => return End::Retry { refresh: false },
        };
        let Ok(Incoming::Control(ControlFrame::ConnectionReady {
            connection_id,
            cursors,
            ..
        })) = ready
        else {
            return End::Retry { refresh: false };
        };
        let resume = match self.cursors.lock() {
            Ok(mut c) => {
                // Channels followed before (or stored by the app) resume from their own
                // cursors; the new ones of `connection.ready` start from theirs.
                let before = c.snapshot();
                c.adopt(&cursors);
                c.resuming_all();
                before
            }
            Err(_) => HashMap::new(),
        };
        if !resume.is_empty()
            && send(
                &mut socket,
                &ClientFrame::Resume {
                    cursors: resume,
                    req_id: None,
                },
            )
            .await
            .is_err()
        {
            return End::Retry { refresh: false };
        }
        for (req, (cid, message, _)) in &self.pending {
            let frame = ClientFrame::Send {
                req_id: Value::from(*req),
                cid: cid.clone(),
                message: message.clone(),
            };
            if send(&mut socket, &frame).await.is_err() {
                return End::Retry { refresh: false };
            }
        }
        self.emit(RealtimeEvent::State(ConnectionState::Connected {
            connection_id,
        }));
        let mut ping = tokio::time::interval(self.options.ping_interval);
        ping.tick().await;
        let mut heard = tokio::time::Instant::now();
        loop {
            tokio::select! {
                frame = socket.next() => {
                    heard = tokio::time::Instant::now();
                    match frame {
                        Some(Ok(WsMessage::Text(text))) => {
                            if let Err(end) = self.handle(&mut socket, &text).await {
                                return end;
                            }
                        }
                        Some(Ok(WsMessage::Close(close))) => {
                            let (code, reason) = close
                                .map(|c| (u16::from(c.code), c.reason.to_string()))
                                .unwrap_or((1005, String::new()));
                            return match code {
                                4401 => End::Retry { refresh: true },
                                4403 => End::Stop { code: Some(reason) },
                                _ => End::Retry { refresh: false },
                            };
                        }
                        Some(Ok(_)) => {}
                        Some(Err(_)) | None => return End::Retry { refresh: false },
                    }
                }
                _ = ping.tick() => {
                    if heard.elapsed() > silence {
                        return End::Retry { refresh: false };
                    }
                    if send(&mut socket, &ClientFrame::Ping { req_id: None }).await.is_err() {
                        return End::Retry { refresh: false };
                    }
                }
                command = self.commands.recv() => {
                    let frame = match command {
                        None | Some(Command::Close) => {
                            let _ = socket
                                .close(Some(tungstenite::protocol::CloseFrame {
                                    code: CloseCode::Normal,
                                    reason: "".into(),
                                }))
                                .await;
                            return End::Stop { code: None };
                        }
                        Some(Command::Send { cid, message, done }) => {
                            self.queue(cid.clone(), message.clone(), done);
                            ClientFrame::Send { req_id: Value::from(self.next_req), cid, message }
                        }
                        Some(Command::Unsubscribe(cids)) => {
                            self.forget(&cids);
                            ClientFrame::Unsubscribe { cids, req_id: None }
                        }
                        Some(Command::Frame(f)) => f,
                    };
                    if send(&mut socket, &frame).await.is_err() {
                        return End::Retry { refresh: false };
                    }
                }
            }
        }
    }

    /// Handles one frame from the server.
    async fn handle(&mut self, socket: &mut Socket, text: &str) -> Result<(), End> {
        let Ok(incoming) = Incoming::parse(text) else {
            return Ok(());
        };
        let step = match incoming {
            Incoming::Event(event) => match (event.cid.clone(), event.seq) {
                (Some(cid), Some(seq)) => self.locked(|c| c.receive(*event, cid, seq)),
                (cid, _) => {
                    // A channel the user was just added to starts from the notification's
                    // cursor, unless one of its events already started it.
                    if event.kind == EventKind::NotificationAddedToChannel
                        && let (Some(cid), Some(cursor)) = (cid, event.payload.cursor)
                    {
                        self.locked(|c| c.adopt(&BTreeMap::from([(cid, cursor)])));
                    }
                    self.emit(RealtimeEvent::Event(event));
                    Step::default()
                }
            },
            Incoming::Banned => Step::default(),
            Incoming::Control(frame) => match frame {
                ControlFrame::Subscribed { cursors, .. } => {
                    self.locked(|c| c.adopt(&cursors));
                    Step::default()
                }
                ControlFrame::Resumed { cursors, .. } => self.locked(|c| c.resumed(&cursors)),
                ControlFrame::ResumeFailed { cid, reason, seq } => {
                    self.locked(|c| c.failed(&cid, seq));
                    let channel = self.client.get_channel(&cid).await.ok().map(Box::new);
                    self.emit(RealtimeEvent::ResumeFailed {
                        cid,
                        reason,
                        seq,
                        channel,
                    });
                    Step::default()
                }
                ControlFrame::Ack { req_id, message } => {
                    if let Some(m) = message
                        && let Some((_, _, done)) =
                            req_id.as_u64().and_then(|r| self.pending.remove(&r))
                    {
                        let _ = done.send(Ok(*m));
                    }
                    Step::default()
                }
                ControlFrame::Error {
                    code,
                    detail,
                    req_id,
                    ..
                } => {
                    match req_id
                        .as_ref()
                        .and_then(Value::as_u64)
                        .and_then(|r| self.pending.remove(&r))
                    {
                        Some((_, _, done)) => {
                            let _ = done.send(Err(Error::Realtime(format!("{code}: {detail}"))));
                        }
                        None => self.emit(RealtimeEvent::Error { code, detail }),
                    }
                    Step::default()
                }
                ControlFrame::ConnectionReady { .. } | ControlFrame::Pong { .. } => Step::default(),
            },
        };
        for event in step.apply {
            self.emit(RealtimeEvent::Event(Box::new(event)));
        }
        if !step.resume.is_empty() {
            let frame = ClientFrame::Resume {
                cursors: step.resume,
                req_id: None,
            };
            if send(socket, &frame).await.is_err() {
                return Err(End::Retry { refresh: false });
            }
        }
        Ok(())
    }

    fn locked<T: Default>(&self, f: impl FnOnce(&mut Cursors) -> T) -> T {
        self.cursors
            .lock()
            .map(|mut c| f(&mut c))
            .unwrap_or_default()
    }
}

async fn send(socket: &mut Socket, frame: &ClientFrame) -> Result<(), tungstenite::Error> {
    let text = serde_json::to_string(frame).unwrap_or_default();
    socket.send(WsMessage::Text(text.into())).await
}

/// TLS for `wss://` with the web's root certificates, on ring.
fn connector() -> tokio_tungstenite::Connector {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map(|b| b.with_root_certificates(roots).with_no_client_auth());
    match config {
        Ok(c) => tokio_tungstenite::Connector::Rustls(Arc::new(c)),
        Err(_) => tokio_tungstenite::Connector::Plain,
    }
}
