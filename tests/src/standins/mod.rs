//! Local stand-ins for Apple's and Google's push services and for a tenant's OIDC issuer,
//! started by a test on 127.0.0.1 port 0. Each checks requests as the real service does,
//! answers in its words, and records what it accepted so tests can assert on what a device
//! would have received.
//!
//! - [`apns::ApnsStandIn`]: HTTP/2 over TLS only, with a certificate from a CA made per stand-in.
//! - [`fcm::FcmStandIn`]: plain HTTP/1.1 serving both the OAuth token endpoint and the v1 API
//!   (plain, because `gcp_auth` trusts only the system's roots and so could not reach a TLS
//!   stand-in).
//! - [`oidc::OidcStandIn`]: plain HTTP/1.1 serving a discovery document and a key set.

pub mod apns;
pub mod fcm;
pub mod oidc;

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

/// A request with its body read, as the stand-ins' handlers see it.
pub(crate) type Req = Request<Bytes>;
pub(crate) type Resp = Response<Full<Bytes>>;
type Handler = Arc<dyn Fn(Req) -> Resp + Send + Sync>;

/// One scripted answer: a test queues these per device token to make the service misbehave
/// ("503 twice, then accept").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    /// APNs `reason` or FCM `errorCode`; the service's usual one for the status when `None`.
    pub reason: Option<String>,
    /// Seconds sent as `Retry-After`.
    pub retry_after: Option<u64>,
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Self {
            status,
            reason: None,
            retry_after: None,
        }
    }

    pub fn reason(mut self, reason: &str) -> Self {
        self.reason = Some(reason.to_owned());
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }
}

/// Scripted replies per device token, consumed in order.
#[derive(Default)]
pub(crate) struct Scripts(HashMap<String, VecDeque<Reply>>);

impl Scripts {
    pub(crate) fn push(&mut self, token: &str, replies: impl IntoIterator<Item = Reply>) {
        self.0.entry(token.to_owned()).or_default().extend(replies);
    }

    pub(crate) fn next(&mut self, token: &str) -> Option<Reply> {
        self.0.get_mut(token)?.pop_front()
    }
}

/// A running stand-in server; it stops (and drops its connections) when dropped.
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `handler` on 127.0.0.1 port 0: HTTP/2 only behind `tls`, HTTP/1.1 without.
pub(crate) async fn serve(tls: Option<TlsAcceptor>, handler: Handler) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let task = tokio::spawn(async move {
        // Owned here so that aborting the accept loop closes every connection too.
        let mut connections = JoinSet::new();
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let handler = handler.clone();
            let tls = tls.clone();
            connections.spawn(async move {
                let service = service_fn(move |req: Request<Incoming>| {
                    let handler = handler.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let resp = match body.collect().await {
                            Ok(body) => handler(Request::from_parts(parts, body.to_bytes())),
                            Err(_) => text(400, "unreadable body"),
                        };
                        Ok::<_, Infallible>(resp)
                    }
                });
                match tls {
                    Some(tls) => {
                        let Ok(stream) = tls.accept(stream).await else {
                            return;
                        };
                        let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    }
                    None => {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    }
                }
            });
            while connections.try_join_next().is_some() {}
        }
    });
    Server { addr, task }
}

/// A TLS acceptor offering only `h2`, with a certificate for 127.0.0.1 and localhost issued by
/// a CA made on the spot, and that CA's PEM for clients to trust.
pub(crate) fn tls_h2() -> (TlsAcceptor, String) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    use tokio_rustls::rustls;

    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Parley test push CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("ca key"))
        .expect("ca cert");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("leaf params")
        .signed_by(&leaf_key, &*ca)
        .expect("leaf cert");

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("tls versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone(), ca.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        )
        .expect("server cert");
    config.alpn_protocols = vec![b"h2".to_vec()];
    (TlsAcceptor::from(Arc::new(config)), ca.pem())
}

/// An EC P-256 key as Apple issues them: the `.p8` content (PKCS#8 PEM) and its public key.
pub struct ApnsKey {
    pub key_p8: String,
    pub public_pem: String,
}

impl ApnsKey {
    pub fn generate() -> Self {
        let key = rcgen::KeyPair::generate().expect("P-256 key");
        Self {
            key_p8: key.serialize_pem(),
            public_pem: key.public_key_pem(),
        }
    }
}

/// A 2048-bit RSA key as in a Google service account: PKCS#8 PEM and public key PEM.
pub struct RsaKey {
    pub private_pem: String,
    pub public_pem: String,
}

impl RsaKey {
    /// One key per test process: generating RSA keys is slow in debug builds.
    pub fn shared() -> &'static Self {
        static KEY: OnceLock<RsaKey> = OnceLock::new();
        KEY.get_or_init(Self::generate)
    }

    pub fn generate() -> Self {
        use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
        let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("RSA key");
        Self {
            private_pem: key
                .to_pkcs8_pem(LineEnding::LF)
                .expect("PKCS#8 PEM")
                .to_string(),
            public_pem: key
                .to_public_key()
                .to_public_key_pem(LineEnding::LF)
                .expect("public PEM"),
        }
    }
}

pub(crate) fn json(status: u16, body: &serde_json::Value) -> Resp {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("response")
}

pub(crate) fn text(status: u16, body: &str) -> Resp {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain")
        .body(Full::new(Bytes::from(body.to_owned())))
        .expect("response")
}

pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
