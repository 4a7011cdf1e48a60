//! WebSocket transport (`GET /v1/connect`): moves frames between the socket and the session,
//! sends heartbeats, closes idle, slow and shutting-down connections with a reason.

use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, get, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason};
use parley_core::Parley;

use super::session::{Outgoing, Session};
use crate::auth::authenticate;
use crate::error::{ApiError, Problem};

const MAX_FRAME: usize = 64 * 1024;
const MAX_MESSAGE: usize = 256 * 1024;

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
pub async fn connect(
    req: HttpRequest,
    body: web::Payload,
    ctx: web::Data<Parley>,
) -> Result<HttpResponse, ApiError> {
    let caller = authenticate(&req, true).await?;
    let (session, ready) = Session::open(ctx.get_ref().clone(), caller, true).await?;
    let (res, ws, stream) = actix_ws::handle(&req, body)
        .map_err(|e| ApiError(parley_core::Error::invalid(e.to_string())))?;
    let stream = stream
        .max_frame_size(MAX_FRAME)
        .aggregate_continuations()
        .max_continuation_size(MAX_MESSAGE);
    actix_web::rt::spawn(run(session, ready, ws, stream));
    Ok(res)
}

fn reason(code: CloseCode, text: &str) -> Option<CloseReason> {
    Some(CloseReason {
        code,
        description: Some(text.to_owned()),
    })
}

async fn run(
    mut session: Session,
    ready: bytestring::ByteString,
    mut ws: actix_ws::Session,
    mut stream: actix_ws::AggregatedMessageStream,
) {
    let rc = session.ctx.config.realtime.clone();
    let conn = std::sync::Arc::clone(&session.conn);
    let mut heartbeat = tokio::time::interval(Duration::from_millis(rc.heartbeat_interval_ms));
    heartbeat.tick().await;
    let idle = Duration::from_millis(rc.idle_timeout_ms);
    let mut last_seen = Instant::now();
    if ws.text(ready).await.is_err() {
        return;
    }
    let close = loop {
        tokio::select! {
            biased;
            () = conn.wake.notified() => {
                if conn.is_slow() {
                    break reason(CloseCode::Policy, "slow consumer: too many undelivered events");
                }
                if session.ctx.realtime.is_shutting_down() {
                    break reason(CloseCode::Restart, "server shutting down; reconnect elsewhere");
                }
            }
            msg = stream.recv() => {
                last_seen = Instant::now();
                match msg {
                    Some(Ok(AggregatedMessage::Text(text))) => {
                        let mut closing = None;
                        for out in session.handle_frame(&text).await {
                            match out {
                                Outgoing::Frame(f) => {
                                    if ws.text(f).await.is_err() {
                                        return;
                                    }
                                }
                                Outgoing::Close(_, why) => closing = Some(why),
                            }
                        }
                        if let Some(why) = closing {
                            break reason(CloseCode::Policy, &why);
                        }
                    }
                    Some(Ok(AggregatedMessage::Binary(_))) => {
                        for out in session.handle_frame("binary").await {
                            if let Outgoing::Close(_, why) = out {
                                let _ = ws.clone().close(reason(CloseCode::Policy, &why)).await;
                                return;
                            }
                        }
                    }
                    Some(Ok(AggregatedMessage::Ping(bytes))) => {
                        if ws.pong(&bytes).await.is_err() {
                            return;
                        }
                    }
                    Some(Ok(AggregatedMessage::Pong(_))) => {}
                    Some(Ok(AggregatedMessage::Close(_))) | None => break None,
                    Some(Err(e)) => {
                        break reason(CloseCode::Protocol, &format!("protocol error: {e}"));
                    }
                }
            }
            delivery = session.next_event() => {
                let Some(d) = delivery else { break None };
                if ws.text(d.json).await.is_err() {
                    return;
                }
            }
            _ = heartbeat.tick() => {
                if last_seen.elapsed() > idle {
                    break reason(CloseCode::Away, "idle timeout: no frame or pong received");
                }
                if ws.ping(b"").await.is_err() {
                    return;
                }
            }
        }
    };
    // A client that does not read cannot take a close frame either: do not wait for long.
    let _ = tokio::time::timeout(Duration::from_secs(1), ws.close(close)).await;
}
