//! Requests that ask to upgrade their HTTP/1 connection. actix-http hands each one to this
//! service together with the connection; the app answers it as it answers any request
//! (middlewares, authentication, rate limits and errors included). A WebSocket handshake's 101
//! carries the opened session ([`ws::Handover`]), which then runs on the bare socket: the
//! HTTP/1 dispatcher, its task and its 16 KiB of buffers are gone for the socket's life. Any
//! other answer is written whole and the connection closes after it, since what follows an
//! upgrade request on the wire is not HTTP.

use std::io;
use std::pin::pin;

use actix_codec::Framed;
use actix_http::body::{BodySize, MessageBody};
use actix_http::h1::{Codec, Message};
use actix_http::{ConnectionType, Request, Response, StatusCode};
use actix_web::body::BoxBody;
use actix_web::dev::{Service, ServiceResponse};
use futures_util::SinkExt;
use tokio::net::TcpStream;

use super::ws;

/// Answers an upgrade request with `app`, then starts the WebSocket session or closes.
pub async fn answer<S, B>(
    app: &S,
    req: Request,
    mut framed: Framed<TcpStream, Codec>,
) -> Result<(), actix_web::Error>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    let res: Response<BoxBody> = match app.call(req).await {
        Ok(res) => res.map_into_boxed_body().into(),
        Err(e) => e.error_response().into(),
    };
    let (mut head, body) = res.into_parts();
    if head.status() == StatusCode::SWITCHING_PROTOCOLS {
        let handover = head.extensions_mut().remove::<ws::Handover>();
        if let Some(handover) = handover {
            framed.send(Message::Item((head, BodySize::None))).await?;
            let parts = framed.into_parts();
            handover.run(parts.io, parts.read_buf);
            return Ok(());
        }
    }
    head.head_mut().set_connection_type(ConnectionType::Close);
    let size = body.size();
    // Fed, not sent: a body that is ready goes out in the head's write, as the dispatcher
    // would write it (clients read an error's body from what arrived with its head).
    framed.feed(Message::Item((head, size))).await?;
    let mut body = pin!(body);
    while let Some(chunk) = std::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await {
        let chunk = chunk.map_err(|e| io::Error::other(e.to_string()))?;
        framed.feed(Message::Chunk(Some(chunk))).await?;
    }
    framed.feed(Message::Chunk(None)).await?;
    // `Framed`'s close shuts the socket down without writing what it holds.
    framed.flush().await?;
    Ok(framed.close().await?)
}
