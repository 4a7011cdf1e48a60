//! WebSocket transport (`GET /v1/connect`). The handler authenticates and opens the session;
//! its 101 answer carries the session as a [`Handover`], which the upgrade service
//! ([`super::upgrade`]) starts on the bare socket once the answer is written. From then on
//! the socket is read and written by two tasks of its own, outside the HTTP/1 dispatcher:
//! a writer that, when the socket can take data, encodes everything queued into one buffer
//! and writes it at once (a busy connection costs one write for many events), and a reader
//! that handles the client's frames, heartbeats and closing. An idle socket holds no read or
//! write buffer.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use actix_codec::{Decoder, Encoder};
use actix_http::ws::{CloseCode, CloseReason, Codec, Frame, Item, Message};
use actix_web::{HttpRequest, HttpResponse, get, web};
use bytes::{Bytes, BytesMut};
use bytestring::ByteString;
use futures_channel::mpsc;
use futures_util::{Stream, StreamExt};
use parley_core::{Error, Parley};
use tokio::io::{AsyncRead, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use super::session::{Feed, Outgoing, Session};
use crate::auth::authenticate;
use crate::error::{ApiError, Problem};

const MAX_FRAME: usize = 64 * 1024;
const MAX_MESSAGE: usize = 256 * 1024;
/// Events encoded into one write, at most.
const BATCH: usize = 256;
/// Most bytes taken from the socket by one read.
const READ_CHUNK: usize = 4 * 1024;
/// How long the reader waits for the client's answering close after the server closed.
const LINGER: Duration = Duration::from_secs(2);

/// What the reader task asks the writer to send.
enum Control {
    /// The reader took a resume or subscribe: no live event goes out until its replies have.
    Hold,
    /// The replies to the frame are queued (before this): live events may follow them.
    Release,
    Frame(ByteString),
    Ping,
    Pong(Bytes),
    Close(CloseCode, String),
}

/// Open a WebSocket: publishable key + user token (headers, or `api_key` and `token` query
/// parameters), or the secret key for a connection receiving every event of the tenant.
#[utoipa::path(tag = "realtime",
    params(
        ("api_key" = Option<String>, Query, description = "Publishable key, when it cannot be sent as `X-Api-Key`."),
        ("token" = Option<String>, Query, description = "User token, when it cannot be sent as a bearer."),
    ),
    security(("publishable_key" = [], "user_token" = []), ("secret_key" = [])),
    responses((status = 101, description = "Switching to the WebSocket protocol; see openapi/asyncapi.yaml."), (status = "4XX", body = Problem)))]
#[get("/v1/connect")]
pub async fn connect(req: HttpRequest, ctx: web::Data<Parley>) -> Result<HttpResponse, ApiError> {
    let caller = authenticate(&req, true).await?;
    let mut handshake = actix_http::ws::handshake(req.head())
        .map_err(|e| ApiError(Error::invalid(e.to_string())))?;
    let (session, feed, ready) = Session::open(ctx.get_ref().clone(), caller, true).await?;
    let mut response = HttpResponse::from(handshake.finish().map_into_boxed_body());
    response.extensions_mut().insert(Handover {
        session,
        feed,
        ready,
    });
    Ok(response)
}

/// An opened session on its way from the `connect` handler to its socket, in the extensions
/// of the handler's 101 answer.
pub struct Handover {
    session: Session,
    feed: Feed,
    ready: ByteString,
}

impl Handover {
    /// Runs the session on the socket its 101 answer was written to. `read` holds what the
    /// client sent after its handshake request and was already read.
    pub fn run(self, io: TcpStream, read: BytesMut) {
        let Self {
            session,
            feed,
            ready,
        } = self;
        // futures' channel allocates per message; tokio's unbounded one allocates a block of 32
        // slots up front, 1.7 KiB per connection that mostly sits idle.
        let (control_tx, control_rx) = mpsc::unbounded();
        let _ = control_tx.unbounded_send(Control::Frame(ready));
        let writer = Writer {
            delay: Duration::from_millis(session.ctx.config.realtime.write_delay_ms),
            feed,
            control: control_rx,
            codec: Codec::new(),
            buf: BytesMut::new(),
            done: false,
            held: false,
            last_write: None,
            timer: None,
        };
        let (rd, wr) = io.into_split();
        let stuck = Duration::from_millis(session.ctx.config.realtime.idle_timeout_ms);
        actix_web::rt::spawn(write_loop(writer, wr, stuck));
        actix_web::rt::spawn(read_loop(session, rd, read, control_tx));
    }
}

/// Writes what the [`Writer`] batches until it is done or the peer is gone, then ends the
/// sending half (after a close frame, when there is one). A peer that takes nothing for
/// `stuck` (the idle timeout) is gone too: otherwise a client that stopped reading would keep
/// its socket, and its place in the hub, for ever after the reader gave up on it.
async fn write_loop(mut writer: Writer, mut io: OwnedWriteHalf, stuck: Duration) {
    while let Some(chunk) = writer.next().await {
        match tokio::time::timeout(stuck, io.write_all(&chunk)).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) | Err(_) => return,
        }
    }
    let _ = io.shutdown().await;
}

/// The outgoing stream: control frames first, then queued events, batched into one chunk.
/// Events for a connection written to within `delay` wait for the end of that window, so a
/// busy socket takes many events per write (like Nagle's algorithm, but bounded by `delay`
/// instead of the peer's delayed-ACK timer); replies to the client's own frames never wait.
/// They wait in the connection's queue: inside a window the writer is woken by its timer, or
/// by a queue half full, not by each event, so a busy socket costs one wake per write rather
/// than one per event.
struct Writer {
    feed: Feed,
    control: mpsc::UnboundedReceiver<Control>,
    codec: Codec,
    buf: BytesMut,
    done: bool,
    /// A resume or subscribe is being handled: live events wait, so its replies go first (a
    /// `resumed` before any event past its cursor).
    held: bool,
    delay: Duration,
    last_write: Option<tokio::time::Instant>,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Writer {
    fn encode(&mut self, msg: Message) {
        if self.codec.encode(msg, &mut self.buf).is_err() {
            self.done = true;
        }
    }

    fn close(&mut self, code: CloseCode, why: String) {
        self.encode(Message::Close(Some(CloseReason {
            code,
            description: Some(why),
        })));
        self.done = true;
    }
}

impl Stream for Writer {
    type Item = Bytes;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done && this.buf.is_empty() {
            return Poll::Ready(None);
        }
        let mut urgent = false;
        while !this.done {
            match this.control.poll_next_unpin(cx) {
                Poll::Ready(Some(Control::Hold)) => this.held = true,
                Poll::Ready(Some(Control::Release)) => this.held = false,
                Poll::Ready(Some(Control::Frame(f))) => {
                    this.encode(Message::Text(f));
                    urgent = true;
                }
                Poll::Ready(Some(Control::Ping)) => this.encode(Message::Ping(Bytes::new())),
                Poll::Ready(Some(Control::Pong(b))) => {
                    this.encode(Message::Pong(b));
                    urgent = true;
                }
                Poll::Ready(Some(Control::Close(code, why))) => this.close(code, why),
                Poll::Ready(None) => this.done = true,
                Poll::Pending => break,
            }
        }
        if !this.done && this.feed.conn.is_slow() {
            this.close(
                CloseCode::Policy,
                "slow consumer: too many undelivered events".into(),
            );
        }
        // A revoked connection gets no further event, only its closing frames.
        let revoked = this.feed.conn.revoked().is_some();
        let now = tokio::time::Instant::now();
        // The end of the window the last write opened, while it is open and may hold events.
        let window = this
            .last_write
            .map(|at| at + this.delay)
            .filter(|end| now < *end && !urgent && !this.done);
        let mut waiting = window.is_some();
        if waiting {
            // Registered before the check: a queue that fills meanwhile still wakes it.
            this.feed.conn.wake_when_backlogged(cx.waker());
            waiting = !this.feed.conn.backlogged();
        }
        if waiting && let Some(timer) = this.timer.as_mut() {
            // Events stay queued until the window ends: the timer wakes the writer, not each
            // event (or a queue half full, see above).
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            waiting = false;
        }
        let mut n = 0;
        while !this.done && !revoked && !this.held && n < BATCH {
            // Inside a window with something to write, take what is queued without asking to
            // be woken by the next event.
            let next = if waiting && !this.buf.is_empty() {
                match this.feed.try_next() {
                    Some(ev) => Poll::Ready(Some(ev)),
                    None => break,
                }
            } else {
                this.feed.poll_next(cx)
            };
            match next {
                Poll::Ready(Some(ev)) => {
                    this.encode(Message::Text(ev.json.clone()));
                    n += 1;
                }
                Poll::Ready(None) => this.done = true,
                Poll::Pending => break,
            }
        }
        if n == BATCH {
            // More may be queued: come back after this chunk is written.
            cx.waker().wake_by_ref();
        }
        if this.buf.is_empty() {
            return if this.done {
                Poll::Ready(None)
            } else {
                Poll::Pending
            };
        }
        if let Some(end) = window.filter(|_| waiting && !this.done && this.buf.len() < 64 * 1024) {
            let timer = this
                .timer
                .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(end)));
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
        this.timer = None;
        this.last_write = Some(now);
        // Taken whole: the writer keeps no buffer between writes, so an idle socket has none.
        Poll::Ready(Some(std::mem::take(&mut this.buf).freeze()))
    }
}

/// A client frame, after continuation frames are put together.
enum Incoming {
    Text(Bytes),
    Binary,
    Ping(Bytes),
    Pong,
    Close,
}

/// Reads and decodes the client's frames from the socket.
struct Reader {
    io: OwnedReadHalf,
    buf: BytesMut,
    codec: Codec,
    partial: Option<(bool, BytesMut)>,
}

impl Reader {
    /// Reads what the socket has into `buf`. The chunk is on the stack of this poll only, so a
    /// socket waiting for data holds no buffer; and waiting through `poll_read` takes over the
    /// socket's read waker from the HTTP/1 dispatcher (waiting through `readable()` would leave
    /// the dispatcher's finished task, 5.5 KiB, alive behind that waker for the socket's life).
    /// Cancel-safe: what is read is in `buf` by the time it returns.
    fn poll_read(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<usize>> {
        let mut chunk = [0u8; READ_CHUNK];
        let mut read = tokio::io::ReadBuf::new(&mut chunk);
        std::task::ready!(Pin::new(&mut self.io).poll_read(cx, &mut read))?;
        self.buf.extend_from_slice(read.filled());
        Poll::Ready(Ok(read.filled().len()))
    }

    /// The next client frame; `None` when the client went away. Cancel-safe.
    async fn next(&mut self) -> Option<Result<Incoming, String>> {
        loop {
            match self.codec.decode(&mut self.buf) {
                Ok(Some(frame)) => match frame {
                    Frame::Text(b) => return Some(Ok(Incoming::Text(b))),
                    Frame::Binary(_) => return Some(Ok(Incoming::Binary)),
                    Frame::Ping(b) => return Some(Ok(Incoming::Ping(b))),
                    Frame::Pong(_) => return Some(Ok(Incoming::Pong)),
                    Frame::Close(_) => return Some(Ok(Incoming::Close)),
                    Frame::Continuation(item) => {
                        match item {
                            Item::FirstText(b) => {
                                self.partial = Some((true, BytesMut::from(&b[..])))
                            }
                            Item::FirstBinary(b) => {
                                self.partial = Some((false, BytesMut::from(&b[..])))
                            }
                            Item::Continue(b) => match self.partial.as_mut() {
                                Some((_, acc)) => acc.extend_from_slice(&b),
                                None => {
                                    return Some(Err("continuation without a first frame".into()));
                                }
                            },
                            Item::Last(b) => {
                                let Some((text, mut acc)) = self.partial.take() else {
                                    return Some(Err("continuation without a first frame".into()));
                                };
                                acc.extend_from_slice(&b);
                                return Some(Ok(if text {
                                    Incoming::Text(acc.freeze())
                                } else {
                                    Incoming::Binary
                                }));
                            }
                        }
                        if self
                            .partial
                            .as_ref()
                            .is_some_and(|(_, acc)| acc.len() > MAX_MESSAGE)
                        {
                            return Some(Err("message too large".into()));
                        }
                    }
                },
                Ok(None) => {
                    if self.buf.is_empty() {
                        // Frames decoded so far are gone: an idle socket keeps no read buffer.
                        self.buf = BytesMut::new();
                    }
                    match std::future::poll_fn(|cx| self.poll_read(cx)).await {
                        Ok(0) => return None,
                        Ok(_) => {}
                        Err(e) => return Some(Err(e.to_string())),
                    }
                }
                Err(e) => return Some(Err(e.to_string())),
            }
        }
    }
}

async fn read_loop(
    mut session: Session,
    io: OwnedReadHalf,
    read: BytesMut,
    control: mpsc::UnboundedSender<Control>,
) {
    let rc = session.ctx.config.realtime.clone();
    let conn = Arc::clone(&session.conn);
    let mut reader = Reader {
        io,
        buf: read,
        codec: Codec::new().max_size(MAX_FRAME),
        partial: None,
    };
    let mut heartbeat = tokio::time::interval(Duration::from_millis(rc.heartbeat_interval_ms));
    heartbeat.tick().await;
    let idle = Duration::from_millis(rc.idle_timeout_ms);
    let mut last_seen = Instant::now();
    let close = |code: CloseCode, why: &str| {
        let _ = control.unbounded_send(Control::Close(code, why.to_owned()));
    };
    // Hands the session's answers to the writer; true once one of them closed the socket.
    let forward = |outs: Vec<Outgoing>| {
        for out in outs {
            match out {
                Outgoing::Frame(f) => {
                    let _ = control.unbounded_send(Control::Frame(f));
                }
                Outgoing::Close(code, why) => {
                    close(CloseCode::from(code), &why);
                    return true;
                }
            }
        }
        false
    };
    loop {
        tokio::select! {
            biased;
            () = conn.wake.notified() => {
                if let Some(why) = conn.revoked() {
                    forward(super::session::closing_frames(why, None));
                    break;
                }
                if conn.is_slow() {
                    close(CloseCode::Policy, "slow consumer: too many undelivered events");
                    break;
                }
                if session.ctx.realtime.is_shutting_down() {
                    close(CloseCode::Restart, "server shutting down; reconnect elsewhere");
                    break;
                }
            }
            frame = reader.next() => {
                last_seen = Instant::now();
                match frame {
                    Some(Ok(incoming @ (Incoming::Text(_) | Incoming::Binary))) => {
                        // A binary frame is answered like any frame that is not a JSON object.
                        let text = match &incoming {
                            Incoming::Text(bytes) => String::from_utf8_lossy(bytes).into_owned(),
                            _ => "binary frames are not supported".to_owned(),
                        };
                        let taken = match session.take_frame(&text) {
                            Ok(taken) => taken,
                            Err(refusal) => {
                                if forward(refusal) {
                                    break;
                                }
                                continue;
                            }
                        };
                        // Live events wait while a resume or subscribe is handled: they go
                        // after its replies, as the protocol promises (a resume subscribes
                        // before it reads the log, so events it did not replay are already
                        // queued meanwhile, past the cursor `resumed` will give).
                        let hold = super::session::positions_live_events(&taken);
                        if hold {
                            let _ = control.unbounded_send(Control::Hold);
                        }
                        // Boxed: handling a frame (a send through the writer, a resume) is a
                        // large future, and inlined it would make every idle connection's task
                        // that large (19 KiB).
                        let closed = forward(Box::pin(session.handle_frame(taken)).await);
                        if hold {
                            let _ = control.unbounded_send(Control::Release);
                        }
                        if closed {
                            break;
                        }
                    }
                    Some(Ok(Incoming::Ping(b))) => {
                        let _ = control.unbounded_send(Control::Pong(b));
                    }
                    Some(Ok(Incoming::Pong)) => {}
                    Some(Ok(Incoming::Close)) | None => {
                        close(CloseCode::Normal, "bye");
                        return;
                    }
                    Some(Err(e)) => {
                        close(CloseCode::Protocol, &format!("protocol error: {e}"));
                        break;
                    }
                }
            }
            _ = heartbeat.tick() => {
                if last_seen.elapsed() > idle {
                    close(CloseCode::Away, "idle timeout: no frame or pong received");
                    break;
                }
                let _ = control.unbounded_send(Control::Ping);
            }
        }
    }
    // The server closed: the session ends now, and the socket once the client answers.
    drop(session);
    linger(&mut reader).await;
}

/// Reads and drops what the client still sends after the server's close frame, until the
/// client's own close (or its end of the stream), for `LINGER` at most. A socket closed with
/// unread data in it is reset rather than ended, and a reset can discard the close frame, with
/// its code and reason, before the client has read it.
async fn linger(reader: &mut Reader) {
    let _ = tokio::time::timeout(LINGER, async {
        while let Some(Ok(frame)) = reader.next().await {
            if matches!(frame, Incoming::Close) {
                break;
            }
        }
    })
    .await;
}
