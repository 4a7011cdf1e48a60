use std::time::Duration;

use parley_wire::Problem;

/// A problem document the server answered with (RFC 9457), and its `Retry-After`.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub problem: Problem,
    /// For 429 and 503: how long the server asks to wait.
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// The stable machine-readable code, e.g. `channel_not_found`.
    pub fn code(&self) -> &str {
        &self.problem.code
    }
}

/// What a call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server refused the request.
    #[error("{} {}: {}", .0.status, .0.problem.code, .0.problem.detail)]
    Api(Box<ApiError>),
    /// The request did not get an answer (connection refused, reset, timed out).
    #[error("http: {0}")]
    Http(#[from] reqwest::Error),
    /// An answer or a frame that is not what the API documents say.
    #[error("unexpected answer: {0}")]
    Decode(String),
    /// An argument the SDK can refuse before sending (a cid without `:`, a bad base URL).
    #[error("invalid argument: {0}")]
    Invalid(String),
    /// The realtime connection failed or was closed.
    #[error("realtime: {0}")]
    Realtime(String),
    /// The token provider failed.
    #[error("token provider: {0}")]
    Token(String),
}

impl Error {
    /// The problem details, when the server answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The problem's `code`, when the server answered with one.
    pub fn code(&self) -> Option<&str> {
        self.api().map(ApiError::code)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
