//! A client session, whatever the transport: registration in the hub, default subscriptions,
//! presence, client frames (`subscribe`, `resume`, `message.send`, typing, read, ping) and the
//! filter that keeps replayed and live events free of duplicates.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytestring::ByteString;
use parley_core::authn::{Actor, Caller};
use parley_core::events::{Event, EventKind};
use parley_core::kernel::ids::Cid;
use parley_core::messages;
use parley_core::realtime::arrival::{self, Arrival, Wanted};
use parley_core::realtime::hub::Conn;
use parley_core::realtime::replay::{self, Replay};
use parley_core::realtime::revoke::{self, Why};
use parley_core::{Error, ErrorCode, Parley, channels};
use parley_wire::realtime::{ClientFrame, ControlFrame};
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// After this many refused frames (malformed, unknown, over the rate), the connection is closed.
const MAX_STRIKES: u32 = 10;

/// What the transport must do after a client frame.
pub enum Outgoing {
    Frame(ByteString),
    /// Close with a WebSocket close code and reason.
    Close(u16, String),
}

/// An event ready to send, with its resume position when it has one.
pub struct Delivery {
    pub id: Option<(Arc<str>, i64)>,
    pub json: ByteString,
    /// `channel.deleted`: the channel's positions end here (a channel created again under
    /// the same cid numbers its events from 1).
    pub ends: Option<Arc<str>>,
}

/// A small token bucket for client frames.
struct Budget {
    tokens: f64,
    rate: f64,
    burst: f64,
    at: Instant,
}

impl Budget {
    fn new(per_second: u32) -> Self {
        let rate = f64::from(per_second.max(1));
        Self {
            tokens: rate * 2.0,
            rate,
            burst: rate * 2.0,
            at: Instant::now(),
        }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        self.tokens =
            (self.tokens + now.duration_since(self.at).as_secs_f64() * self.rate).min(self.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Per channel: live events at or below this seq were already sent (replay) or predate the
/// subscription. Shared by the control half (which sets floors) and the event feed.
#[derive(Default)]
struct Floors(Mutex<HashMap<Arc<str>, i64>>);

impl Floors {
    fn set(&self, cid: Arc<str>, seq: i64) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(cid, seq);
        }
    }

    fn remove(&self, cid: &str) {
        if let Ok(mut m) = self.0.lock() {
            m.remove(cid);
        }
    }

    fn entries(&self) -> Vec<(Arc<str>, i64)> {
        self.0
            .lock()
            .map(|m| m.iter().map(|(c, s)| (Arc::clone(c), *s)).collect())
            .unwrap_or_default()
    }

    fn covers(&self, ev: &Event) -> bool {
        match (&ev.cid, ev.seq) {
            (Some(cid), Some(seq)) => self
                .0
                .lock()
                .is_ok_and(|m| m.get(cid).is_some_and(|floor| seq <= *floor)),
            _ => false,
        }
    }
}

/// Takes the connection out of the hub (and the user towards offline) when both halves of
/// the session are gone.
struct Registration {
    ctx: Parley,
    conn: Arc<Conn>,
    user: Option<String>,
    /// Whether presence was told about this connection.
    announced: AtomicBool,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let rt = &self.ctx.realtime;
        rt.hub.unregister(&self.conn);
        if let Some(u) = &self.user
            && self.announced.load(Ordering::SeqCst)
        {
            rt.presence.disconnected(&self.ctx, &self.conn.tenant, u);
        }
    }
}

/// The control half of a session: client frames, subscriptions, resume.
pub struct Session {
    pub ctx: Parley,
    pub caller: Caller,
    pub conn: Arc<Conn>,
    floors: Arc<Floors>,
    /// Where the last replay of each channel started (see [`Self::starting_positions`]).
    replay_starts: HashMap<Arc<str>, i64>,
    budget: Budget,
    strikes: u32,
    _registration: Arc<Registration>,
}

/// The data half of a session: the connection's event queue, filtered by the floors.
pub struct Feed {
    rx: mpsc::Receiver<Arc<Event>>,
    floors: Arc<Floors>,
    pub conn: Arc<Conn>,
    _registration: Arc<Registration>,
}

impl Feed {
    /// The next event to send, skipping what a replay already sent.
    pub fn poll_next(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Arc<Event>>> {
        loop {
            match self.rx.poll_recv(cx) {
                std::task::Poll::Ready(Some(ev)) => {
                    if let Some(ev) = self.admit(ev) {
                        return std::task::Poll::Ready(Some(ev));
                    }
                }
                other => return other,
            }
        }
    }

    /// The next queued event, if one is queued now, without asking to be woken for the next.
    pub fn try_next(&mut self) -> Option<Arc<Event>> {
        loop {
            let ev = self.rx.try_recv().ok()?;
            if let Some(ev) = self.admit(ev) {
                return Some(ev);
            }
        }
    }

    /// `ev`, unless a replay already sent it; a `channel.deleted` ends its channel's floor.
    fn admit(&self, ev: Arc<Event>) -> Option<Arc<Event>> {
        if self.floors.covers(&ev) {
            return None;
        }
        if ev.kind == EventKind::ChannelDeleted
            && let Some(cid) = &ev.cid
        {
            self.floors.remove(cid);
        }
        Some(ev)
    }

    /// Cancel-safe: it only awaits the queue.
    pub async fn next(&mut self) -> Option<Delivery> {
        let ev = std::future::poll_fn(|cx| self.poll_next(cx)).await?;
        Some(Delivery {
            id: match (&ev.cid, ev.seq) {
                (Some(c), Some(s)) => Some((Arc::clone(c), s)),
                _ => None,
            },
            json: ev.json.clone(),
            ends: ev
                .cid
                .as_ref()
                .filter(|_| ev.kind == EventKind::ChannelDeleted)
                .map(Arc::clone),
        })
    }
}

fn frame(v: &impl serde::Serialize) -> ByteString {
    // A frame of plain data always serializes.
    ByteString::from(serde_json::to_string(v).unwrap_or_default())
}

fn error_frame(req_id: Option<&Value>, e: &Error, cid: Option<&str>) -> ByteString {
    // The frame says what REST's problem says; the cause goes to the log, as for REST.
    if e.status() >= 500 {
        tracing::error!(
            code = e.code.as_str(),
            cause = e.source.as_deref().unwrap_or(""),
            detail = %e.detail,
            "realtime frame failed"
        );
    }
    frame(&ControlFrame::Error {
        code: e.code.as_str().to_owned(),
        detail: e.detail.clone(),
        req_id: req_id.cloned(),
        cid: cid.map(str::to_owned),
        action: e.action.map(str::to_owned),
        retry_after: e.retry_after,
    })
}

fn ack(req_id: Option<&Value>) -> Option<ByteString> {
    req_id.map(|r| {
        frame(&ControlFrame::Ack {
            req_id: r.clone(),
            message: None,
        })
    })
}

impl Session {
    /// Registers the connection; a user is subscribed to every channel they are a member of
    /// (unless `subscribe_members` is false). Returns the session and its `connection.ready`.
    pub async fn open(
        ctx: Parley,
        caller: Caller,
        subscribe_members: bool,
    ) -> Result<(Self, Feed, ByteString), Error> {
        let rt = Arc::clone(&ctx.realtime);
        if rt.is_shutting_down() {
            return Err(Error::new(
                ErrorCode::ShuttingDown,
                "this node is shutting down; reconnect elsewhere",
            )
            .with_retry_after(1));
        }
        let user = caller.user_id().map(|u| u.as_str().to_owned());
        let (conn, rx) = rt.hub.register(
            caller.tenant_id(),
            user.as_deref(),
            caller.key_id.as_deref(),
        )?;
        // Registered first, so a block made meanwhile is either loaded here or heard; the
        // same for a membership. A failure fails the connection (the client retries) rather
        // than leaving it deaf.
        let arrival = match &user {
            Some(u) => {
                let wanted = Wanted {
                    cursors: subscribe_members,
                    audience: !rt.presence.is_online_here(caller.tenant_id(), u),
                };
                match arrival::read(&ctx, caller.tenant_id(), u, wanted).await {
                    Ok(arrival) => arrival,
                    Err(e) => {
                        rt.hub.unregister(&conn);
                        return Err(e);
                    }
                }
            }
            None => Arrival::default(),
        };
        conn.set_blocked(arrival.blocked);
        let registration = Arc::new(Registration {
            ctx: ctx.clone(),
            conn: Arc::clone(&conn),
            user: user.clone(),
            announced: AtomicBool::new(false),
        });
        let floors = Arc::new(Floors::default());
        let feed = Feed {
            rx,
            floors: Arc::clone(&floors),
            conn: Arc::clone(&conn),
            _registration: Arc::clone(&registration),
        };
        let session = Self {
            budget: Budget::new(ctx.config.realtime.client_frames_per_second),
            ctx,
            caller,
            conn,
            floors,
            replay_starts: HashMap::new(),
            strikes: 0,
            _registration: Arc::clone(&registration),
        };
        let mut cursors = BTreeMap::new();
        for (cid, seq) in arrival.cursors {
            let key: Arc<str> = cid.as_str().into();
            session.ctx.realtime.hub.subscribe(&session.conn, &key)?;
            session.floors.set(key, seq);
            cursors.insert(cid, seq);
        }
        if let Some(u) = &user {
            let tenant = session.caller.tenant_id().to_owned();
            rt.presence
                .connected(&session.ctx, &tenant, u, arrival.audience);
            registration.announced.store(true, Ordering::SeqCst);
        }
        let ready = ControlFrame::ConnectionReady {
            connection_id: session.conn.id.to_string(),
            user_id: user,
            cursors,
        };
        Ok((session, feed, frame(&ready)))
    }

    fn is_server(&self) -> bool {
        matches!(self.caller.actor, Actor::Server)
    }

    /// Authorizes and subscribes; returns the channel's newest event seq (the floor).
    async fn subscribe_one(&mut self, cid: &Cid) -> Result<i64, Error> {
        let last = replay::authorize(&self.ctx, &self.caller, cid).await?;
        let key: Arc<str> = cid.to_string().into();
        if !self.is_server() {
            self.ctx.realtime.hub.subscribe(&self.conn, &key)?;
        }
        self.floors.set(key, last);
        Ok(last)
    }

    /// Replays each channel after its cursor and keeps it subscribed. Returns the frames to
    /// send, in order: replayed events, `resume.failed` where the log cannot serve, `resumed`.
    pub async fn resume(
        &mut self,
        cursors: &HashMap<String, i64>,
        req_id: Option<&Value>,
    ) -> Vec<Delivery> {
        let mut out = Vec::new();
        let mut positions = BTreeMap::new();
        for (cid_s, after) in cursors {
            if let Some(now) = self.replay_one(cid_s, *after, req_id, &mut out).await {
                positions.insert(cid_s.clone(), now);
            }
        }
        let done = ControlFrame::Resumed {
            cursors: positions,
            req_id: req_id.cloned(),
        };
        out.push(plain(frame(&done)));
        out
    }

    /// Replays one channel after `after` (a gap a transport noticed), without a `resumed`.
    /// Returns the frames and the channel's position before them: `after`, or the channel's
    /// newest seq when the log could not serve (`resume.failed` is among the frames); `None`
    /// when the replay failed with an error.
    pub async fn heal(&mut self, cid: &str, after: i64) -> (Vec<Delivery>, Option<i64>) {
        let mut out = Vec::new();
        let ok = self.replay_one(cid, after, None, &mut out).await;
        let start = ok.and_then(|_| self.replay_starts.get(cid).copied());
        (out, start)
    }

    /// Subscribes `cid_s` and pushes its events after `after` (or `resume.failed`, or an
    /// error) onto `out`. Returns the channel's position once they are sent; records where
    /// the replay starts in [`Self::replay_starts`].
    async fn replay_one(
        &mut self,
        cid_s: &str,
        after: i64,
        req_id: Option<&Value>,
        out: &mut Vec<Delivery>,
    ) -> Option<i64> {
        let cid = match Cid::parse_cid(cid_s) {
            Ok(c) => c,
            Err(e) => {
                out.push(plain(error_frame(req_id, &e, Some(cid_s))));
                return None;
            }
        };
        // Subscribe first: live events queue up while the log is read, and the floor
        // drops the ones the replay already covers.
        if let Err(e) = self.subscribe_one(&cid).await {
            out.push(plain(error_frame(req_id, &e, Some(cid_s))));
            return None;
        }
        let key: Arc<str> = cid_s.into();
        match replay::after_seq(&self.ctx, &self.caller, &cid, after).await {
            Ok(Replay::Events { events, last }) => {
                for (seq, json) in events {
                    out.push(Delivery {
                        id: Some((Arc::clone(&key), seq)),
                        json,
                        ends: None,
                    });
                }
                let now = last.max(after);
                self.floors.set(Arc::clone(&key), now);
                self.replay_starts.insert(key, after);
                Some(now)
            }
            Ok(Replay::Failed { reason, last }) => {
                self.floors.set(Arc::clone(&key), last);
                self.replay_starts.insert(key, last);
                out.push(plain(frame(&ControlFrame::ResumeFailed {
                    cid: cid_s.to_owned(),
                    reason: reason.to_string(),
                    seq: last,
                })));
                Some(last)
            }
            Err(e) => {
                out.push(plain(error_frame(req_id, &e, Some(cid_s))));
                None
            }
        }
    }

    /// Every channel the session follows, with the position a client has before the frames
    /// of the last replays: the replay's starting point for replayed channels, else the
    /// newest event seq when the channel was subscribed.
    pub fn starting_positions(&self) -> Vec<(Arc<str>, i64)> {
        self.floors
            .entries()
            .into_iter()
            .map(|(cid, floor)| {
                let start = self.replay_starts.get(&cid).copied().unwrap_or(floor);
                (cid, start)
            })
            .collect()
    }

    /// Subscribes to the given channels (for transports without client frames).
    pub async fn subscribe_all(&mut self, cids: &[String]) -> Vec<ByteString> {
        self.subscribe(cids, None).await
    }

    async fn subscribe(&mut self, cids: &[String], req_id: Option<&Value>) -> Vec<ByteString> {
        let mut out = Vec::new();
        let mut cursors = BTreeMap::new();
        for cid_s in cids {
            match Cid::parse_cid(cid_s) {
                Ok(cid) => match self.subscribe_one(&cid).await {
                    Ok(seq) => {
                        cursors.insert(cid_s.clone(), seq);
                    }
                    Err(e) => out.push(error_frame(req_id, &e, Some(cid_s))),
                },
                Err(e) => out.push(error_frame(req_id, &e, Some(cid_s))),
            }
        }
        let done = ControlFrame::Subscribed {
            cursors,
            req_id: req_id.cloned(),
        };
        out.push(frame(&done));
        out
    }

    fn strike(&mut self, out: &mut Vec<Outgoing>) {
        self.strikes += 1;
        if self.strikes >= MAX_STRIKES {
            out.push(Outgoing::Close(
                1008,
                "policy violation: too many invalid or excess frames".into(),
            ));
        }
    }

    /// Checks the connection's credentials in the database before a frame is acted on. When
    /// they were withdrawn (even if this node has not heard of it yet), answers the frame with
    /// the error and closes the connection; on a database error, answers with that error.
    async fn credentials_withdrawn(&self, req_id: Option<&Value>) -> Option<Vec<Outgoing>> {
        match revoke::check(&self.ctx, &self.caller).await {
            Ok(None) => None,
            Ok(Some(why)) => {
                self.conn.revoke(why);
                Some(closing_frames(why, req_id))
            }
            Err(e) => Some(vec![Outgoing::Frame(error_frame(req_id, &e, None))]),
        }
    }

    /// Takes one text frame from the client: the frame to [`handle`](Self::handle_frame),
    /// or the replies that refuse it (over the frame budget, or not a frame).
    pub fn take_frame(&mut self, text: &str) -> Result<ClientFrame, Vec<Outgoing>> {
        let mut out = Vec::new();
        if !self.budget.take() {
            let e = Error::new(ErrorCode::RateLimited, "too many frames; slow down");
            out.push(Outgoing::Frame(error_frame(None, &e, None)));
            self.strike(&mut out);
            return Err(out);
        }
        match parse_frame(text) {
            Ok(f) => {
                self.strikes = self.strikes.saturating_sub(1);
                Ok(f)
            }
            Err(e) => {
                let req_id = serde_json::from_str::<Value>(text)
                    .ok()
                    .and_then(|v| v.get("req_id").cloned());
                out.push(Outgoing::Frame(error_frame(req_id.as_ref(), &e, None)));
                self.strike(&mut out);
                Err(out)
            }
        }
    }

    /// Handles one client frame that [`take_frame`](Self::take_frame) took.
    pub async fn handle_frame(&mut self, frame_in: ClientFrame) -> Vec<Outgoing> {
        let mut out = Vec::new();
        // A send's credentials are checked inside the transaction that stores it (one
        // statement for its whole batch); every other frame that acts checks them here.
        if !matches!(
            frame_in,
            ClientFrame::Ping { .. } | ClientFrame::Unsubscribe { .. } | ClientFrame::Send { .. }
        ) && let Some(closing) = self.credentials_withdrawn(frame_req_id(&frame_in)).await
        {
            return closing;
        }
        let ctx = self.ctx.clone();
        let caller = self.caller.clone();
        match frame_in {
            ClientFrame::Ping { req_id } => {
                out.push(Outgoing::Frame(frame(&ControlFrame::Pong { req_id })));
            }
            ClientFrame::Subscribe { cids, req_id } => {
                out.extend(
                    self.subscribe(&cids, req_id.as_ref())
                        .await
                        .into_iter()
                        .map(Outgoing::Frame),
                );
            }
            ClientFrame::Unsubscribe { cids, req_id } => {
                for cid in &cids {
                    self.ctx.realtime.hub.unsubscribe(&self.conn, cid);
                    self.floors.remove(cid);
                }
                out.extend(ack(req_id.as_ref()).map(Outgoing::Frame));
            }
            ClientFrame::Resume { cursors, req_id } => {
                out.extend(
                    self.resume(&cursors, req_id.as_ref())
                        .await
                        .into_iter()
                        .map(|d| Outgoing::Frame(d.json)),
                );
            }
            ClientFrame::Send {
                req_id,
                cid,
                message,
            } => {
                let result = match Cid::parse_cid(&cid) {
                    Ok(cid) => messages::send(&ctx, &caller, &cid, message).await,
                    Err(e) => Err(e),
                };
                let reply = match result {
                    Ok((m, _)) => frame(&ControlFrame::Ack {
                        req_id,
                        message: Some(Box::new(m)),
                    }),
                    Err(e) if Why::is_refusal(&e) => {
                        // Refused by its transaction: the credentials are gone (revoked on a
                        // node whose news has not arrived). Close as the check would have.
                        if let Some(closing) = self.credentials_withdrawn(Some(&req_id)).await {
                            return closing;
                        }
                        error_frame(Some(&req_id), &e, Some(&cid))
                    }
                    Err(e) => error_frame(Some(&req_id), &e, Some(&cid)),
                };
                out.push(Outgoing::Frame(reply));
            }
            ClientFrame::TypingStart {
                cid,
                user_id,
                req_id,
            } => {
                let res = typing(&ctx, &caller, &cid, user_id.as_deref(), true).await;
                out.extend(reply(res, req_id.as_ref(), &cid));
            }
            ClientFrame::TypingStop {
                cid,
                user_id,
                req_id,
            } => {
                let res = typing(&ctx, &caller, &cid, user_id.as_deref(), false).await;
                out.extend(reply(res, req_id.as_ref(), &cid));
            }
            ClientFrame::Read {
                cid,
                seq,
                user_id,
                req_id,
            } => {
                let res = match Cid::parse_cid(&cid) {
                    Ok(c) => {
                        channels::mark_read(&ctx, &caller, &c, channels::MarkRead { seq, user_id })
                            .await
                            .map(|_| ())
                    }
                    Err(e) => Err(e),
                };
                out.extend(reply(res, req_id.as_ref(), &cid));
            }
        }
        out
    }
}

async fn typing(
    ctx: &Parley,
    caller: &Caller,
    cid: &str,
    user_id: Option<&str>,
    start: bool,
) -> Result<(), Error> {
    let cid = Cid::parse_cid(cid)?;
    let typing = &ctx.realtime.typing;
    if start {
        typing.start(ctx, caller, &cid, user_id).await
    } else {
        typing.stop(ctx, caller, &cid, user_id).await
    }
}

/// The last frames of a connection whose credentials were withdrawn: for a ban the
/// `user.banned` event, then an `error` with the code a new handshake would get, then the
/// close (4401 or 4403, the code as the reason).
pub fn closing_frames(why: Why, req_id: Option<&Value>) -> Vec<Outgoing> {
    let e = why.error();
    let mut out = Vec::with_capacity(3);
    if why == Why::UserBanned {
        out.push(Outgoing::Frame(frame(&json!({"type": "user.banned"}))));
    }
    out.push(Outgoing::Frame(error_frame(req_id, &e, None)));
    out.push(Outgoing::Close(
        why.close_code(),
        e.code.as_str().to_owned(),
    ));
    out
}

/// The `error` frame of a connection whose credentials were withdrawn, for a transport
/// without close codes (SSE).
pub fn revoked_frame(why: Why) -> ByteString {
    error_frame(None, &why.error(), None)
}

fn frame_req_id(f: &ClientFrame) -> Option<&Value> {
    match f {
        ClientFrame::Subscribe { req_id, .. }
        | ClientFrame::Unsubscribe { req_id, .. }
        | ClientFrame::Resume { req_id, .. }
        | ClientFrame::TypingStart { req_id, .. }
        | ClientFrame::TypingStop { req_id, .. }
        | ClientFrame::Read { req_id, .. }
        | ClientFrame::Ping { req_id } => req_id.as_ref(),
        ClientFrame::Send { req_id, .. } => Some(req_id),
    }
}

/// A frame that is not a channel event (no position to record).
pub fn plain(json: ByteString) -> Delivery {
    Delivery {
        id: None,
        json,
        ends: None,
    }
}

fn reply(res: Result<(), Error>, req_id: Option<&Value>, cid: &str) -> Vec<Outgoing> {
    match res {
        Ok(()) => ack(req_id).map(Outgoing::Frame).into_iter().collect(),
        Err(e) => vec![Outgoing::Frame(error_frame(req_id, &e, Some(cid)))],
    }
}

/// Whether a client frame's replies carry channel positions (`subscribed`, `resumed`): the
/// transport holds live events back while it is handled, so none passes the cursors they
/// give. Other frames' replies may interleave with live events: holding those back during a
/// slow before-send hook would let a busy connection's queue overflow.
pub fn positions_live_events(f: &ClientFrame) -> bool {
    matches!(
        f,
        ClientFrame::Subscribe { .. } | ClientFrame::Resume { .. }
    )
}

/// Parses a client frame, naming what is wrong.
fn parse_frame(text: &str) -> Result<ClientFrame, Error> {
    let v: Value = serde_json::from_str(text).map_err(|e| {
        Error::new(
            ErrorCode::InvalidJson,
            format!("the frame is not JSON: {e}"),
        )
    })?;
    let kind = v
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    if kind.is_empty() {
        return Err(Error::invalid("the frame has no `type`"));
    }
    const KNOWN: &[&str] = &[
        "subscribe",
        "unsubscribe",
        "resume",
        "message.send",
        "typing.start",
        "typing.stop",
        "read",
        "ping",
    ];
    if !KNOWN.contains(&kind.as_str()) {
        return Err(Error::invalid(format!(
            "unknown frame type `{kind}`; known: {}",
            KNOWN.join(", ")
        )));
    }
    crate::extract::parse(text.as_bytes())
}
