//! A webhook receiver for tests: a real HTTP server on loopback that checks every request's
//! Standard Webhooks signature with its own verifier (HMAC-SHA256 built here from the spec on
//! top of SHA-256, sharing no code with the server), records what it accepted, and can be
//! stopped (connections refused) and started again on the same port. It can also play a
//! before-send hook by answering with a function of the request.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// One request the receiver accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: i64,
    pub body: Value,
    pub raw: String,
}

impl Received {
    pub fn event_type(&self) -> &str {
        self.body["type"].as_str().unwrap_or_default()
    }
}

type Responder = Arc<dyn Fn(&Value) -> (u16, String) + Send + Sync>;

struct State {
    secret: Option<String>,
    received: Vec<Received>,
    /// Every correctly signed request, whatever the answer.
    tried: Vec<Received>,
    rejected: Vec<String>,
    status: u16,
    delay: Duration,
    responder: Option<Responder>,
}

pub struct Receiver {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Receiver {
    pub async fn start() -> Arc<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(Mutex::new(State {
            secret: None,
            received: Vec::new(),
            tried: Vec::new(),
            rejected: Vec::new(),
            status: 200,
            delay: Duration::ZERO,
            responder: None,
        }));
        let task = tokio::spawn(serve(listener, Arc::clone(&state)));
        Arc::new(Self {
            addr,
            state,
            task: Mutex::new(Some(task)),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// The endpoint's secret (`whsec_…`); until it is set, every request is refused.
    pub fn set_secret(&self, secret: &str) {
        self.state.lock().unwrap().secret = Some(secret.to_owned());
    }

    /// The status answered to valid requests (they are recorded only when it is 2xx).
    pub fn set_status(&self, status: u16) {
        self.state.lock().unwrap().status = status;
    }

    pub fn set_delay(&self, delay: Duration) {
        self.state.lock().unwrap().delay = delay;
    }

    /// Answers valid requests with `f(body)` (status, JSON text) instead.
    pub fn respond_with(&self, f: impl Fn(&Value) -> (u16, String) + Send + Sync + 'static) {
        self.state.lock().unwrap().responder = Some(Arc::new(f));
    }

    /// Stops listening and drops open connections: the sender sees connection errors.
    pub fn stop(&self) {
        if let Some(t) = self.task.lock().unwrap().take() {
            t.abort();
        }
    }

    /// Listens again on the same port.
    pub async fn restart(&self) {
        let mut tries = 0;
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(e) if tries < 50 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("cannot listen again on {}: {e}", self.addr),
            }
        };
        let task = tokio::spawn(serve(listener, Arc::clone(&self.state)));
        *self.task.lock().unwrap() = Some(task);
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// Every correctly signed request, whatever this receiver answered.
    pub fn tried(&self) -> Vec<Received> {
        self.state.lock().unwrap().tried.clone()
    }

    /// Why requests were refused (bad or missing signatures).
    pub fn rejected(&self) -> Vec<String> {
        self.state.lock().unwrap().rejected.clone()
    }

    /// Waits until `done` holds for what was received, and returns it.
    pub async fn wait_for(
        &self,
        timeout: Duration,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        crate::eventually("webhook receiver: the condition", timeout, async || {
            let got = self.received();
            if done(&got) {
                return Ok(got);
            }
            let types: Vec<&str> = got.iter().map(Received::event_type).collect();
            Err(format!(
                "got {} requests: {types:?}; rejected: {:?}",
                got.len(),
                self.rejected()
            ))
        })
        .await
    }
}

async fn serve(listener: TcpListener, state: Arc<Mutex<State>>) {
    // Owned by this task: aborting it closes every connection too.
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = Arc::clone(&state);
        connections.spawn(async move {
            let svc = hyper::service::service_fn(move |req| handle(req, Arc::clone(&state)));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
        while connections.try_join_next().is_some() {}
    }
}

async fn handle(
    req: Request<Incoming>,
    state: Arc<Mutex<State>>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (id, ts, sig) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );
    let ctype = header("content-type");
    let raw = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (secret, delay) = {
        let s = state.lock().unwrap();
        (s.secret.clone(), s.delay)
    };
    let verdict = match (secret, id, ts, sig) {
        (None, ..) => Err("no secret set".to_owned()),
        (Some(secret), Some(id), Some(ts), Some(sig)) => {
            match verify(&secret, &id, &ts, &raw, &sig) {
                Ok(timestamp) => Ok((id, timestamp)),
                Err(e) => Err(e),
            }
        }
        _ => Err("missing webhook-id, webhook-timestamp or webhook-signature".to_owned()),
    };
    let verdict = verdict.and_then(|v| {
        if ctype.as_deref() == Some("application/json") {
            Ok(v)
        } else {
            Err(format!("content-type {ctype:?}"))
        }
    });
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let (id, timestamp) = match verdict {
        Ok(v) => v,
        Err(why) => {
            state.lock().unwrap().rejected.push(why);
            return Ok(reply(401, "{\"error\":\"bad signature\"}"));
        }
    };
    let body: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
    let mut s = state.lock().unwrap();
    let (status, answer) = match &s.responder {
        Some(f) => f(&body),
        None => (s.status, "{\"ok\":true}".to_owned()),
    };
    let got = Received {
        id,
        timestamp,
        body,
        raw,
    };
    s.tried.push(got.clone());
    if (200..300).contains(&status) {
        s.received.push(got);
    }
    Ok(reply(status, &answer))
}

fn reply(status: u16, body: &str) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap()
}

/// Verifies a Standard Webhooks signature header (`v1,<base64>` entries separated by spaces)
/// and the timestamp's freshness (five minutes either way); returns the timestamp.
pub fn verify(secret: &str, id: &str, ts: &str, body: &str, header: &str) -> Result<i64, String> {
    let timestamp: i64 = ts.parse().map_err(|_| format!("bad timestamp {ts}"))?;
    let now = chrono::Utc::now().timestamp();
    if (now - timestamp).abs() > 300 {
        return Err(format!("timestamp {timestamp} is too far from now ({now})"));
    }
    let key = B64
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|_| "secret is not base64".to_owned())?;
    let expected = B64.encode(hmac_sha256(&key, format!("{id}.{ts}.{body}").as_bytes()));
    let ok = header.split(' ').any(|part| {
        part.split_once(',')
            .is_some_and(|(v, sig)| v == "v1" && constant_eq(sig.as_bytes(), expected.as_bytes()))
    });
    if ok {
        Ok(timestamp)
    } else {
        Err(format!("signature {header} does not match"))
    }
}

/// HMAC (RFC 2104) with SHA-256.
fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner_pad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let outer_pad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&inner_pad)
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(&outer_pad)
        .chain_update(inner)
        .finalize()
        .into()
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    #[test]
    fn verifier_accepts_the_spec_example() {
        // The example of the Standard Webhooks specification (its timestamp is old, so check
        // the signature part alone).
        let key = super::B64
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .unwrap();
        let sig = super::hmac_sha256(
            &key,
            br#"msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}"#,
        );
        assert_eq!(
            super::B64.encode(sig),
            "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
