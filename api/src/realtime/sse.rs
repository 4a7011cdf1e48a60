//! Server-Sent Events transport (`GET /v1/events`): the same events as the WebSocket, one per
//! `data:` line. Every persistent event's `id:` stands for the stream's position in each of its
//! channels (see `parley_core::realtime::positions`), so `Last-Event-ID` resumes every channel
//! exactly once; and since a stream cannot ask for a resume itself, it heals a gap in a
//! channel's events by replaying it from the log before going on, so events arrive in order.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use futures_util::stream;
use parley_core::realtime::positions::{self, Positions};
use parley_core::realtime::revoke::Why;
use parley_core::{Error, Parley};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::session::{Delivery, Feed, Session, plain, revoked_frame};
use crate::auth::authenticate;
use crate::error::{ApiError, Problem};
use crate::extract::Query;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Publishable key, as EventSource cannot send headers.
    pub api_key: Option<String>,
    /// User token, as EventSource cannot send headers.
    pub token: Option<String>,
    /// Comma-separated channels to follow; default: every channel the user is a member of.
    pub cids: Option<String>,
    /// Resume positions, `cid:seq` separated by commas.
    pub cursors: Option<String>,
}

/// One event of the stream, as an `EventSource` reads it off the wire (documentation only).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SseEvent {
    /// The event: a JSON object `{"type": …}`, the same as on the WebSocket (openapi/asyncapi.yaml).
    pub data: String,
    /// On `connection.ready` and on persistent channel events: the stream's position in every
    /// channel it follows. Send it back as `Last-Event-ID` to resume them all, exactly once.
    pub id: Option<String>,
    /// Always `message` (the default): the kind of event is `data.type`.
    pub event: Option<String>,
}

/// One SSE event; `id` is the stream's position token.
fn sse_frame(id: Option<&str>, json: &str) -> Bytes {
    let mut out = String::with_capacity(json.len() + id.map_or(0, str::len) + 16);
    if let Some(id) = id {
        out.push_str("id: ");
        out.push_str(id);
        out.push('\n');
    }
    out.push_str("data: ");
    out.push_str(json);
    out.push_str("\n\n");
    Bytes::from(out)
}

/// The last event of a stream whose credentials were withdrawn: an `error` with the code a new
/// request would get; the stream ends after it.
fn revoked_event(why: Why) -> Bytes {
    sse_frame(None, &revoked_frame(why))
}

/// Follow events as Server-Sent Events. Resumable with `Last-Event-ID` or `cursors`.
#[utoipa::path(tag = "realtime", params(EventsQuery),
    security(("publishable_key" = [], "user_token" = []), ("secret_key" = [])),
    responses((status = 200, description = "A `text/event-stream` that stays open: one `SseEvent` per event \
        (`itemSchema`), `connection.ready` first; see openapi/asyncapi.yaml.", content_type = "text/event-stream", body = String),
        (status = "4XX", body = Problem)))]
#[get("/v1/events")]
pub async fn events(
    req: HttpRequest,
    ctx: web::Data<Parley>,
    q: Query<EventsQuery>,
) -> Result<HttpResponse, ApiError> {
    let caller = authenticate(&req, true).await?;
    let q = q.into_inner();
    let explicit: Option<Vec<String>> = q.cids.as_deref().map(|s| {
        s.split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect()
    });
    let (mut session, feed, ready) =
        Session::open(ctx.get_ref().clone(), caller, explicit.is_none()).await?;
    let mut first: Vec<Delivery> = Vec::new();
    if let Some(cids) = &explicit {
        for f in session.subscribe_all(cids).await {
            first.push(plain(f));
        }
    }
    if let Some(cursors) = q.cursors.as_deref() {
        let parsed: HashMap<String, i64> = cursors
            .split(',')
            .filter_map(|p| p.trim().rsplit_once(':'))
            .filter_map(|(c, s)| s.parse().ok().map(|s| (c.to_owned(), s)))
            .collect();
        first.extend(session.resume(&parsed, None).await);
    } else if let Some(last) = req
        .headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
    {
        let cursors = match positions::resolve(&ctx, &session.caller, last).await? {
            Some(all) => all,
            // The older `cid:seq` form resumes its own channel.
            None => legacy_cursor(last).into_iter().collect(),
        };
        // An id this server cannot read (or whose positions expired) resumes nothing:
        // `resumed` with no cursors tells the client to refetch through REST.
        first.extend(session.resume(&cursors, None).await);
    }
    let cap = ctx.config.realtime.max_subscriptions;
    let mut positions =
        Positions::start(&ctx, &session.caller, session.starting_positions(), cap).await?;
    let mut chunk = sse_frame(Some(&positions.token()), &ready).to_vec();
    for d in first {
        if let Some(bytes) = stamp(&mut positions, &session, d).await? {
            chunk.extend_from_slice(&bytes);
        }
    }
    let heartbeat = Duration::from_millis(session.ctx.config.realtime.heartbeat_interval_ms);
    let mut tick = tokio::time::interval(heartbeat);
    tick.reset();
    let live = Live {
        session,
        feed,
        tick,
        positions,
        pending: VecDeque::new(),
    };
    // The session stays alive with the stream: it holds the registration and subscriptions.
    let live = stream::unfold(live, |mut live| async move {
        let bytes = live.next().await?;
        Some((Ok::<_, actix_web::Error>(bytes), live))
    });
    use futures_util::StreamExt;
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream::once(async move { Ok(Bytes::from(chunk)) }).chain(live)))
}

fn legacy_cursor(last: &str) -> Option<(String, i64)> {
    let (cid, seq) = last.rsplit_once(':')?;
    Some((cid.to_owned(), seq.parse().ok()?))
}

/// The bytes of one delivery with its id, advancing the positions; `None` for an event the
/// stream has already sent.
async fn stamp(
    positions: &mut Positions,
    session: &Session,
    d: Delivery,
) -> Result<Option<Bytes>, Error> {
    if let Some(cid) = &d.ends {
        positions.forget(cid);
    }
    let Some((cid, seq)) = &d.id else {
        return Ok(Some(sse_frame(None, &d.json)));
    };
    if positions.get(cid).is_some_and(|p| *seq <= p) {
        return Ok(None);
    }
    positions
        .advance(&session.ctx, &session.caller, cid, *seq)
        .await?;
    Ok(Some(sse_frame(Some(&positions.token()), &d.json)))
}

/// The live part of a stream.
struct Live {
    session: Session,
    feed: Feed,
    tick: tokio::time::Interval,
    positions: Positions,
    /// Frames of a gap's replay, sent before anything else.
    pending: VecDeque<Delivery>,
}

impl Live {
    /// The next bytes to write; `None` ends the stream (the client reconnects with its last id).
    async fn next(&mut self) -> Option<Bytes> {
        let conn = Arc::clone(&self.feed.conn);
        loop {
            if conn.revoked().is_some() {
                return None;
            }
            let d = match self.pending.pop_front() {
                Some(d) => d,
                None => tokio::select! {
                    biased;
                    () = conn.wake.notified() => return conn.revoked().map(revoked_event),
                    d = self.feed.next() => d?,
                    _ = self.tick.tick() => return Some(Bytes::from_static(b": ping\n\n")),
                },
            };
            if let Some((cid, seq)) = &d.id
                && let Some(p) = self.positions.get(cid)
                && *seq > p + 1
            {
                // A gap: events of this channel were lost or are still on their way. The log
                // has them (they were committed before this one took its seq): replay them,
                // then this event, which the replay covers.
                let (frames, start) = self.session.heal(cid, p).await;
                let start = start?;
                if start != p {
                    // The log could not serve the gap (`resume.failed` is among the frames).
                    self.positions
                        .advance(&self.session.ctx, &self.session.caller, cid, start)
                        .await
                        .ok()?;
                }
                self.pending.extend(frames);
                self.pending.push_back(d);
                continue;
            }
            match stamp(&mut self.positions, &self.session, d).await {
                Ok(Some(bytes)) => return Some(bytes),
                Ok(None) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot record a stream's position; ending it");
                    return None;
                }
            }
        }
    }
}
