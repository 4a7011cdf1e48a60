use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{Error, Result};

/// Mints a user token: an HS256 JWT signed with the tenant's signing secret (the
/// `signing_secret` of the tenant's creation), with the claims the server reads from its
/// own tokens: `sub` (the user, who need not exist yet), `iat` and `exp` (`ttl_s` later).
/// It saves the round trip of `POST /v1/tokens` ([`crate::Client::create_token`]).
pub fn mint_user_token(signing_secret: &str, user_id: &str, ttl_s: u64) -> Result<String> {
    let iat = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| Error::Token(e.to_string()))?
        .as_secs();
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = serde_json::json!({ "sub": user_id, "iat": iat, "exp": iat + ttl_s });
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{header}.{claims}");
    let mut mac = Hmac::<Sha256>::new_from_slice(signing_secret.as_bytes())
        .map_err(|e| Error::Token(e.to_string()))?;
    mac.update(input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    Ok(format!("{input}.{signature}"))
}
