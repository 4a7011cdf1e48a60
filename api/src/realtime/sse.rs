//! Server-Sent Events transport (`GET /v1/events`): the same events as the WebSocket, one per
//! `data:` line, with `id: cid:seq` on persistent events so `Last-Event-ID` resumes.

use std::collections::HashMap;
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, get, web};
use bytes_util::sse_frame;
use futures_util::stream;
use parley_core::Parley;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::session::{Delivery, Session};
use crate::auth::authenticate;
use crate::error::{ApiError, Problem};

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
    /// `cid:seq` on persistent channel events: send it back as `Last-Event-ID` to resume.
    pub id: Option<String>,
    /// Always `message` (the default): the kind of event is `data.type`.
    pub event: Option<String>,
}

mod bytes_util {
    use actix_web::web::Bytes;

    use super::Delivery;

    pub fn sse_frame(d: &Delivery) -> Bytes {
        let mut out = String::with_capacity(d.json.len() + 48);
        if let Some((cid, seq)) = &d.id {
            out.push_str("id: ");
            out.push_str(cid);
            out.push(':');
            out.push_str(&seq.to_string());
            out.push('\n');
        }
        out.push_str("data: ");
        out.push_str(&d.json);
        out.push_str("\n\n");
        Bytes::from(out)
    }
}

/// The last event of a stream whose credentials were withdrawn: an `error` with the code a new
/// request would get; the stream ends after it.
fn revoked_event(why: parley_core::realtime::revoke::Why) -> actix_web::web::Bytes {
    let e = why.error();
    let json = serde_json::json!({"type": "error", "code": e.code.as_str(), "detail": e.detail});
    sse_frame(&Delivery {
        id: None,
        json: json.to_string().into(),
    })
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
    q: web::Query<EventsQuery>,
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
    let mut first: Vec<Delivery> = vec![Delivery {
        id: None,
        json: ready,
    }];
    if let Some(cids) = &explicit {
        for f in session.subscribe_all(cids).await {
            first.push(Delivery { id: None, json: f });
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
        let last = last.to_owned();
        first.extend(session.resume_from_event_id(&last).await);
    }
    let heartbeat = Duration::from_millis(session.ctx.config.realtime.heartbeat_interval_ms);
    let mut tick = tokio::time::interval(heartbeat);
    tick.reset();
    let initial = stream::iter(
        first
            .into_iter()
            .map(|d| Ok::<_, actix_web::Error>(sse_frame(&d))),
    );
    // The session stays alive with the stream: it holds the registration and subscriptions.
    let live = stream::unfold(
        (session, feed, tick),
        |(session, mut feed, mut tick)| async move {
            let conn = std::sync::Arc::clone(&feed.conn);
            if conn.revoked().is_some() {
                return None;
            }
            let item = tokio::select! {
                biased;
                () = conn.wake.notified() => conn.revoked().map(revoked_event),
                d = feed.next() => d.map(|d| sse_frame(&d)),
                _ = tick.tick() => Some(actix_web::web::Bytes::from_static(b": ping\n\n")),
            };
            item.map(|b| (Ok::<_, actix_web::Error>(b), (session, feed, tick)))
        },
    );
    use futures_util::StreamExt;
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(initial.chain(live)))
}
