//! The before-send hook: a tenant's URL Parley calls synchronously before storing a message,
//! which may accept, reject (with a reason shown to the sender) or rewrite it. Calls are
//! signed like webhooks (with the app's hook secret) and time-limited; when the hook cannot be
//! reached the tenant's `fail_open` setting decides.

use std::time::Duration;

use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::authn::TenantCtx;
use crate::model::tenant::BeforeSendHook;
use crate::{Error, ErrorCode, Parley, Result};

/// Longest time limit a tenant may give its hook.
pub const MAX_TIMEOUT_MS: u64 = 10_000;

/// What the hook decided.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    Accept,
    Reject(String),
    /// New values for the fields given.
    Rewrite {
        text: Option<String>,
        custom: Option<serde_json::Value>,
    },
}

/// The message as the hook sees it.
#[derive(Debug, Serialize)]
pub struct Draft<'a> {
    pub id: &'a str,
    pub cid: &'a str,
    pub user_id: &'a str,
    pub text: &'a str,
    pub attachments: &'a serde_json::Value,
    pub custom: &'a serde_json::Value,
    pub parent_id: Option<&'a str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Action {
    Accept,
    Reject,
    Rewrite,
}

#[derive(Deserialize)]
struct Answer {
    action: Action,
    reason: Option<String>,
    message: Option<Rewritten>,
}

#[derive(Deserialize)]
struct Rewritten {
    text: Option<String>,
    custom: Option<serde_json::Value>,
}

/// Checks the settings a tenant saves.
pub fn check(ctx: &Parley, hook: &BeforeSendHook) -> Result<()> {
    ctx.outbound.check_syntax(&hook.url)?;
    if hook.timeout_ms == 0 || hook.timeout_ms > MAX_TIMEOUT_MS {
        return Err(Error::invalid(format!(
            "`settings.before_send.timeout_ms` must be between 1 and {MAX_TIMEOUT_MS}"
        )));
    }
    Ok(())
}

/// Asks the tenant's hook about a message; `Accept` when no hook is set.
pub async fn before_send(ctx: &Parley, tenant: &TenantCtx, draft: &Draft<'_>) -> Result<Verdict> {
    let Some(hook) = &tenant.settings.before_send else {
        return Ok(Verdict::Accept);
    };
    match call(ctx, tenant, hook, draft).await {
        Ok(v) => Ok(v),
        Err(why) => {
            tracing::info!(tenant = %tenant.id.as_str(), %why, "before-send hook failed");
            if hook.fail_open {
                Ok(Verdict::Accept)
            } else {
                Err(Error::new(
                    ErrorCode::HookUnavailable,
                    format!("the app's before-send hook failed ({why}); try again"),
                )
                .with_retry_after(1))
            }
        }
    }
}

async fn call(
    ctx: &Parley,
    tenant: &TenantCtx,
    hook: &BeforeSendHook,
    draft: &Draft<'_>,
) -> std::result::Result<Verdict, String> {
    let url = ctx.outbound.check_syntax(&hook.url).map_err(|e| e.detail)?;
    let id = format!("hook_{}", uuid::Uuid::now_v7().simple());
    let body = serde_json::json!({
        "id": id,
        "type": "message.before_send",
        "created_at": Utc::now(),
        "tenant_id": tenant.id.as_str(),
        "data": { "message": draft },
    })
    .to_string();
    let secret = match &tenant.model.hook_secret {
        Some(sealed) => Some(ctx.secrets.open(sealed).map_err(|e| e.detail)?),
        None => None,
    };
    let resp = ctx
        .outbound
        .signed_post(
            url,
            &id,
            secret.as_deref(),
            body,
            Duration::from_millis(hook.timeout_ms),
        )
        .map_err(|e| e.detail)?
        .send()
        .await
        .map_err(|e| describe(&e))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(format!("it answered {status}"));
    }
    let bytes = resp.bytes().await.map_err(|e| describe(&e))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Verdict::Accept);
    }
    let answer: Answer =
        serde_json::from_slice(&bytes).map_err(|e| format!("its answer is not valid: {e}"))?;
    Ok(match answer.action {
        Action::Accept => Verdict::Accept,
        Action::Reject => Verdict::Reject(
            answer
                .reason
                .unwrap_or_else(|| "the message was rejected by the app".into()),
        ),
        Action::Rewrite => {
            let m = answer
                .message
                .ok_or("a rewrite without `message`".to_owned())?;
            Verdict::Rewrite {
                text: m.text,
                custom: m.custom,
            }
        }
    })
}

/// A short reason for a failed call (reqwest's errors nest the useful part).
pub fn describe(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    if e.is_timeout() {
        return "timed out".into();
    }
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg = format!("{msg}: {s}");
        src = s.source();
    }
    msg
}
