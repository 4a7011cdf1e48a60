//! The wire protocols the generator speaks: Parley's, Socket.IO (Engine.IO v4, as spoken by
//! the Socket.IO and Flask-SocketIO peers), and the plain broadcast of the ceiling server.
//! Connections are spread over several 127.0.0.x source addresses so tens of thousands fit.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

pub type Socket = WebSocketStream<TcpStream>;

/// How to reach and speak to the server under test.
#[derive(Clone)]
pub enum Proto {
    Parley {
        port: u16,
        publishable_key: String,
        signing_secret: String,
    },
    SocketIo {
        port: u16,
    },
    Ceiling {
        port: u16,
    },
}

pub fn source_ip(i: usize, spread: usize) -> Ipv4Addr {
    let n = (i % spread.max(1)) as u8;
    Ipv4Addr::new(127, 0, 0, 1 + n)
}

async fn dial(src: Ipv4Addr, port: u16, path: &str) -> anyhow::Result<Socket> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((src, 0)))?;
    let stream = socket
        .connect(SocketAddr::from(([127, 0, 0, 1], port)))
        .await?;
    stream.set_nodelay(true)?;
    let url = format!("ws://127.0.0.1:{port}{path}");
    let (ws, _) = tokio_tungstenite::client_async(url, stream).await?;
    Ok(ws)
}

async fn next_text(ws: &mut Socket) -> anyhow::Result<String> {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .context("timed out waiting for a frame")?
            .context("connection closed")??;
        match msg {
            Message::Text(t) => return Ok(t.to_string()),
            Message::Close(c) => bail!("closed: {c:?}"),
            _ => {}
        }
    }
}

pub fn token(signing_secret: &str, user: &str) -> anyhow::Result<String> {
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs()
        + 24 * 3600;
    Ok(jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"sub": user, "exp": exp}),
        &jsonwebtoken::EncodingKey::from_secret(signing_secret.as_bytes()),
    )?)
}

impl Proto {
    /// Opens a connection for `user` and joins `room`; returns once subscribed.
    pub async fn join(
        &self,
        src: Ipv4Addr,
        user: &str,
        room: &str,
        subscribe: bool,
    ) -> anyhow::Result<Socket> {
        match self {
            Self::Parley {
                port,
                publishable_key,
                signing_secret,
            } => {
                let path = format!(
                    "/v1/connect?api_key={publishable_key}&token={}",
                    token(signing_secret, user)?
                );
                let mut ws = dial(src, *port, &path).await?;
                let ready = next_text(&mut ws).await?;
                if !ready.contains("connection.ready") {
                    bail!("unexpected first frame: {ready}");
                }
                if subscribe {
                    ws.send(Message::text(
                        json!({"type": "subscribe", "cids": [room]}).to_string(),
                    ))
                    .await?;
                    loop {
                        let f = next_text(&mut ws).await?;
                        if f.contains("\"subscribed\"") {
                            break;
                        }
                        if f.contains("\"error\"") {
                            bail!("subscribe refused: {f}");
                        }
                    }
                }
                Ok(ws)
            }
            Self::SocketIo { port } => {
                let mut ws = dial(src, *port, "/socket.io/?EIO=4&transport=websocket").await?;
                let open = next_text(&mut ws).await?;
                if !open.starts_with('0') {
                    bail!("unexpected engine.io open: {open}");
                }
                ws.send(Message::text("40")).await?;
                loop {
                    let f = next_text(&mut ws).await?;
                    if f.starts_with("40") {
                        break;
                    }
                }
                if subscribe {
                    ws.send(Message::text(format!("42[\"join\",\"{room}\"]")))
                        .await?;
                    loop {
                        let f = next_text(&mut ws).await?;
                        if f.starts_with("42[\"joined\"") {
                            break;
                        }
                        if f == "2" {
                            ws.send(Message::text("3")).await?;
                        }
                    }
                }
                Ok(ws)
            }
            Self::Ceiling { port } => dial(src, *port, "/").await,
        }
    }

    /// The frame a sender sends to post `body` in `room`.
    pub fn send_frame(&self, room: &str, body: &str, req_id: u64) -> String {
        match self {
            Self::Parley { .. } => json!({"type": "message.send", "req_id": req_id, "cid": room, "message": {"text": body}}).to_string(),
            Self::SocketIo { .. } => format!("42[\"send\",{}]", json!({"room": room, "body": body})),
            Self::Ceiling { .. } => body.to_owned(),
        }
    }

    /// Whether a received frame is a delivery of a sent message (not an ack or a reply).
    pub fn is_delivery(&self, frame: &str) -> bool {
        match self {
            Self::Parley { .. } => frame.starts_with("{\"type\":\"message.new\""),
            Self::SocketIo { .. } => frame.starts_with("42[\"msg\""),
            Self::Ceiling { .. } => true,
        }
    }

    /// The answer a frame needs, if any (Engine.IO pings).
    pub fn reply_to(&self, frame: &str) -> Option<&'static str> {
        match self {
            Self::SocketIo { .. } if frame == "2" => Some("3"),
            _ => None,
        }
    }
}
