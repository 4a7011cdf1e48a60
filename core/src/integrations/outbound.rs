//! The Standard Webhooks signature of Parley's calls to tenants (webhook deliveries, the
//! before-send hook), on top of the kernel's client for tenants' URLs.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::kernel::outbound::Outbound;
use crate::{Error, Result};

// The signed POST is a method of the kernel's client, written here beside the signature.
impl Outbound {
    /// A POST of a JSON `body` signed the Standard Webhooks way: `webhook-id`,
    /// `webhook-timestamp` and, with a secret, `webhook-signature`.
    pub fn signed_post(
        &self,
        url: url::Url,
        id: &str,
        secret: Option<&str>,
        body: String,
        timeout: std::time::Duration,
    ) -> Result<reqwest::RequestBuilder> {
        let ts = chrono::Utc::now().timestamp();
        let mut req = self
            .client
            .post(url)
            .timeout(timeout)
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", ts.to_string());
        if let Some(secret) = secret {
            req = req.header("webhook-signature", sign(secret, id, ts, &body)?);
        }
        Ok(req.body(body))
    }
}

/// A new Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64.
pub fn new_signing_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("whsec_{}", B64.encode(bytes))
}

/// The `webhook-signature` value for one message (Standard Webhooks: HMAC-SHA256 of
/// `id.timestamp.body` keyed with the secret's bytes, base64, after `v1,`).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String> {
    let key = B64
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|_| Error::internal("a signing secret is not base64"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(Error::internal)?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    Ok(format!("v1,{}", B64.encode(mac.finalize().into_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let sig = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
