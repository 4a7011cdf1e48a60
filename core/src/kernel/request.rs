//! Where a request came from, as the transport saw it: what the audit log records with each
//! change.

/// A request's id and peer address.
#[derive(Debug, Clone, Default)]
pub struct RequestInfo {
    /// The request's `X-Request-Id` (the client's, or one the node made up).
    pub request_id: Option<String>,
    /// The peer address of the connection.
    pub ip: Option<String>,
}
