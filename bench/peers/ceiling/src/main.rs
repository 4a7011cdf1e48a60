//! `ceiling`: the simplest reasonable tokio + tungstenite broadcast server.
//!
//! Every accepted WebSocket connection is a member of the one room. A text frame
//! received from any connection is sent verbatim to every *other* connection.
//!
//! Shape: one writer task per connection fed by a bounded `mpsc` of
//! `Utf8Bytes` (reference-counted, so a broadcast clones a pointer, the payload
//! is never copied or re-encoded), the senders in a `std::sync::RwLock<HashMap>`,
//! `try_send` (a full queue drops the message for that receiver), TCP_NODELAY.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// Per-connection outbound queue depth (messages). A receiver this far behind loses messages.
const QUEUE_CAPACITY: usize = 1024;

type Peers = Arc<RwLock<HashMap<u64, mpsc::Sender<Utf8Bytes>>>>;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let nofile = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => n.to_string(),
        Err(e) => format!("unchanged ({e})"),
    };
    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p.parse().unwrap_or_else(|_| {
            eprintln!("ceiling: bad PORT {p:?}");
            std::process::exit(2)
        }),
        Err(_) => 3003,
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = TcpListener::bind(addr).await.unwrap_or_else(|e| {
        eprintln!("ceiling: bind {addr}: {e}");
        std::process::exit(1)
    });
    println!("ceiling peer listening on ws://{addr}/ (nofile limit {nofile})");

    let peers: Peers = Arc::new(RwLock::new(HashMap::new()));
    let next_id = AtomicU64::new(0);
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let id = next_id.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(serve(stream, id, peers.clone()));
            }
            Err(e) => {
                // Most likely EMFILE/ENFILE: back off instead of spinning.
                eprintln!("ceiling: accept: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

async fn serve(stream: TcpStream, id: u64, peers: Peers) {
    let _ = stream.set_nodelay(true);
    // Join before the handshake: once a client has its 101 it is guaranteed to be
    // in the room (no join ack exists in this protocol). Anything broadcast in
    // between waits in the queue.
    let (tx, mut rx) = mpsc::channel::<Utf8Bytes>(QUEUE_CAPACITY);
    peers.write().unwrap().insert(id, tx);
    let ws = match tokio_tungstenite::accept_async(stream).await {
        Ok(ws) => ws,
        Err(_) => {
            peers.write().unwrap().remove(&id);
            return;
        }
    };
    let (mut sink, mut source) = ws.split();

    // Writer: drain whatever is queued into the sink, then flush once.
    let writer = tokio::spawn(async move {
        while let Some(text) = rx.recv().await {
            if sink.feed(Message::Text(text)).await.is_err() {
                return;
            }
            while let Ok(text) = rx.try_recv() {
                if sink.feed(Message::Text(text)).await.is_err() {
                    return;
                }
            }
            if sink.flush().await.is_err() {
                return;
            }
        }
        let _ = sink.close().await;
    });

    // Reader: broadcast every text frame to everyone else.
    while let Some(frame) = source.next().await {
        match frame {
            Ok(Message::Text(text)) => {
                let peers = peers.read().unwrap();
                for (&peer, tx) in peers.iter() {
                    if peer != id {
                        let _ = tx.try_send(text.clone());
                    }
                }
            }
            Ok(Message::Close(_)) | Err(_) => break,
            Ok(_) => {} // binary, ping, pong: ignored (tungstenite answers pings itself)
        }
    }

    // Dropping the only Sender ends the writer, which closes the socket.
    peers.write().unwrap().remove(&id);
    let _ = writer.await;
}
