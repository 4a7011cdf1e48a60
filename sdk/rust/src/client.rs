use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use parley_wire::Problem;
use reqwest::header::{AUTHORIZATION, HeaderMap, RETRY_AFTER};
use reqwest::{Method, Response, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{ApiError, Error, Result};

/// Gives a user token: called when a client first needs one and again when the server says
/// the token expired. Typically asks the app's backend, which mints one with
/// [`crate::mint_user_token`] or `POST /v1/tokens`.
pub type TokenProvider =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<String>> + Send>> + Send + Sync>;

/// Retries of requests the server refused for now (429 `rate_limited`, 503), after the
/// `Retry-After` it sent. Off by default: a refused call returns its [`Error::Api`].
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// A `Retry-After` longer than this is not waited for: the error is returned.
    pub max_wait: Duration,
}

impl RetryPolicy {
    pub const NONE: Self = Self {
        max_retries: 0,
        max_wait: Duration::ZERO,
    };

    /// Three retries, each after at most 30 seconds.
    pub fn standard() -> Self {
        Self {
            max_retries: 3,
            max_wait: Duration::from_secs(30),
        }
    }
}

#[derive(Clone)]
pub(crate) enum Credentials {
    None,
    /// `Authorization: Bearer <secret key>` (a tenant's server) or the operator token.
    Bearer(String),
    /// The publishable key with a user token, shared by the clients made from one another.
    User {
        publishable_key: String,
        token: Arc<RwLock<Option<String>>>,
        provider: TokenProvider,
    },
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base: Url,
    pub(crate) credentials: Credentials,
    pub(crate) retry: RetryPolicy,
}

/// A REST client of one Parley server with one set of credentials. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl Client {
    fn build(base: &str, credentials: Credentials) -> Result<Self> {
        let mut base = Url::parse(base).map_err(|e| Error::Invalid(format!("base URL: {e}")))?;
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        Ok(Self {
            inner: Arc::new(Inner {
                http: reqwest::Client::new(),
                base,
                credentials,
                retry: RetryPolicy::NONE,
            }),
        })
    }

    /// A client without credentials (the probes, `GET /`).
    pub fn anonymous(base: &str) -> Result<Self> {
        Self::build(base, Credentials::None)
    }

    /// A tenant's server, with its secret key `sk_…`: every operation of the tenant.
    pub fn server(base: &str, secret_key: &str) -> Result<Self> {
        Self::build(base, Credentials::Bearer(secret_key.to_owned()))
    }

    /// The operator, with the admin token: tenants, keys, jobs.
    pub fn admin(base: &str, admin_token: &str) -> Result<Self> {
        Self::build(base, Credentials::Bearer(admin_token.to_owned()))
    }

    /// A user, with the tenant's publishable key `pk_…` and user tokens from `provider`.
    pub fn user(base: &str, publishable_key: &str, provider: TokenProvider) -> Result<Self> {
        Self::build(
            base,
            Credentials::User {
                publishable_key: publishable_key.to_owned(),
                token: Arc::default(),
                provider,
            },
        )
    }

    /// A user with a fixed token (no refresh when it expires).
    pub fn user_with_token(base: &str, publishable_key: &str, token: &str) -> Result<Self> {
        let token = token.to_owned();
        Self::user(
            base,
            publishable_key,
            Arc::new(move || {
                let token = token.clone();
                Box::pin(async move { Ok(token) })
            }),
        )
    }

    /// The same client (and the same user token) with `policy` for 429 and 503 answers.
    pub fn with_retry(self, policy: RetryPolicy) -> Self {
        let inner = &self.inner;
        Self {
            inner: Arc::new(Inner {
                http: inner.http.clone(),
                base: inner.base.clone(),
                credentials: inner.credentials.clone(),
                retry: policy,
            }),
        }
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    pub(crate) fn url(&self, segments: &[&str]) -> Result<Url> {
        let mut url = self.inner.base.clone();
        {
            let mut path = url
                .path_segments_mut()
                .map_err(|_| Error::Invalid("the base URL cannot have a path".into()))?;
            path.pop_if_empty();
            for s in segments {
                path.push(s);
            }
        }
        Ok(url)
    }

    /// The current user token, asking the provider for one if there is none yet.
    pub(crate) async fn user_token(&self, refresh: bool) -> Result<Option<String>> {
        let Credentials::User {
            token, provider, ..
        } = &self.inner.credentials
        else {
            return Ok(None);
        };
        if !refresh && let Some(t) = token.read().ok().and_then(|t| t.clone()) {
            return Ok(Some(t));
        }
        let fresh = provider().await?;
        if let Ok(mut t) = token.write() {
            *t = Some(fresh.clone());
        }
        Ok(Some(fresh))
    }

    pub(crate) fn publishable_key(&self) -> Option<&str> {
        match &self.inner.credentials {
            Credentials::User {
                publishable_key, ..
            } => Some(publishable_key),
            _ => None,
        }
    }

    pub(crate) fn bearer(&self) -> Option<&str> {
        match &self.inner.credentials {
            Credentials::Bearer(b) => Some(b),
            _ => None,
        }
    }

    /// Sends a request with the client's credentials; retries an expired user token once
    /// with a fresh one, and 429/503 as the retry policy says.
    async fn send(
        &self,
        method: Method,
        url: Url,
        query: Option<&(impl Serialize + ?Sized)>,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<Response> {
        let mut refreshed = false;
        let mut retries = 0;
        loop {
            let mut req = self.inner.http.request(method.clone(), url.clone());
            if let Some(q) = query {
                req = req.query(q);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            req = match &self.inner.credentials {
                Credentials::None => req,
                Credentials::Bearer(b) => req.header(AUTHORIZATION, format!("Bearer {b}")),
                Credentials::User {
                    publishable_key, ..
                } => {
                    let token = self.user_token(false).await?.unwrap_or_default();
                    req.header("X-Api-Key", publishable_key)
                        .header(AUTHORIZATION, format!("Bearer {token}"))
                }
            };
            let response = req.send().await?;
            if response.status().is_success() {
                return Ok(response);
            }
            let error = api_error(response).await;
            let Error::Api(api) = &error else {
                return Err(error);
            };
            if api.problem.code == "token_expired" && !refreshed {
                refreshed = true;
                self.user_token(true).await?;
                continue;
            }
            let retryable = api.status == 429 || api.status == 503;
            let wait = api.retry_after.unwrap_or(Duration::from_secs(1));
            if retryable
                && retries < self.inner.retry.max_retries
                && wait <= self.inner.retry.max_wait
            {
                retries += 1;
                tokio::time::sleep(wait).await;
                continue;
            }
            return Err(error);
        }
    }

    pub(crate) async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        query: Option<&(impl Serialize + ?Sized)>,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<T> {
        let response = self.send(method, url, query, body).await?;
        let bytes = response.bytes().await?;
        serde_json::from_slice(&bytes).map_err(|e| Error::Decode(e.to_string()))
    }

    pub(crate) async fn empty(
        &self,
        method: Method,
        url: Url,
        query: Option<&(impl Serialize + ?Sized)>,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<()> {
        self.send(method, url, query, body).await.map(drop)
    }

    /// Uploads a file's bytes to the `put_url` of [`Client::create_upload`]'s answer, with the
    /// headers it lists (a signed URL: no credentials); then call [`Client::complete_upload`].
    pub async fn put_upload(
        &self,
        upload: &parley_wire::CreatedUpload,
        bytes: Vec<u8>,
    ) -> Result<()> {
        let mut req = self.inner.http.put(self.resolve(&upload.put_url)?);
        for (name, value) in &upload.headers {
            // The length is the body's; the host is the URL's.
            if !name.eq_ignore_ascii_case("content-length") && !name.eq_ignore_ascii_case("host") {
                req = req.header(name, value);
            }
        }
        let response = req.body(bytes).send().await?;
        if response.status().is_success() {
            return Ok(());
        }
        Err(api_error(response).await)
    }

    /// Downloads a signed media URL (an attachment's `url` or `thumb_url`).
    pub async fn get_signed(&self, signed_url: &str) -> Result<Vec<u8>> {
        let response = self
            .inner
            .http
            .get(self.resolve(signed_url)?)
            .send()
            .await?;
        if !response.status().is_success() {
            return Err(api_error(response).await);
        }
        Ok(response.bytes().await?.to_vec())
    }

    /// A URL the server handed out, absolute or relative to the base URL.
    fn resolve(&self, url: &str) -> Result<Url> {
        self.inner
            .base
            .join(url)
            .map_err(|e| Error::Invalid(format!("URL `{url}`: {e}")))
    }
}

/// The typed error of a refused request.
pub(crate) async fn api_error(response: Response) -> Error {
    let status = response.status();
    let retry_after = retry_after(response.headers());
    let bytes = response.bytes().await.unwrap_or_default();
    let problem = serde_json::from_slice::<Problem>(&bytes).unwrap_or_else(|_| Problem {
        kind: "about:blank".into(),
        title: status.canonical_reason().unwrap_or("error").into(),
        status: status.as_u16(),
        detail: String::from_utf8_lossy(&bytes).into_owned(),
        code: fallback_code(status).into(),
        action: None,
    });
    Error::Api(Box::new(ApiError {
        status: status.as_u16(),
        problem,
        retry_after,
    }))
}

fn fallback_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        404 => "not_found",
        429 => "rate_limited",
        503 => "unavailable",
        _ => "http_error",
    }
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// The `type` of a cid `type:id`.
pub(crate) fn channel_type(cid: &str) -> Result<&str> {
    split_cid(cid).map(|(t, _)| t)
}

/// The `id` of a cid `type:id`.
pub(crate) fn channel_id(cid: &str) -> Result<&str> {
    split_cid(cid).map(|(_, i)| i)
}

fn split_cid(cid: &str) -> Result<(&str, &str)> {
    cid.split_once(':')
        .ok_or_else(|| Error::Invalid(format!("`{cid}` is not a cid `type:id`")))
}
