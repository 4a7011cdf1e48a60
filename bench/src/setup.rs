//! Preparing Parley for a scenario through its own API: a tenant, users, channels, webhooks.

use anyhow::{Context, bail};
use futures_util::StreamExt;
use futures_util::stream;
use serde_json::{Value, json};

use crate::server::ADMIN_TOKEN;

#[derive(Clone)]
pub struct Tenant {
    pub base: String,
    pub secret_key: String,
    pub publishable_key: String,
    pub signing_secret: String,
    pub client: reqwest::Client,
}

async fn call(req: reqwest::RequestBuilder) -> anyhow::Result<Value> {
    let res = req.send().await?;
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("{status}: {body}");
    }
    Ok(body)
}

pub async fn tenant(base: &str) -> anyhow::Result<Tenant> {
    let client = reqwest::Client::new();
    let body = call(
        client
            .post(format!("{base}/admin/v1/tenants"))
            .bearer_auth(ADMIN_TOKEN)
            .json(&json!({"name": "bench"})),
    )
    .await?;
    let s = |k: &str| body[k].as_str().map(str::to_owned).context("tenant field");
    Ok(Tenant {
        base: base.to_owned(),
        secret_key: s("secret_key")?,
        publishable_key: s("publishable_key")?,
        signing_secret: s("signing_secret")?,
        client,
    })
}

impl Tenant {
    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.secret_key)
    }

    pub async fn users(&self, ids: &[String]) -> anyhow::Result<()> {
        let results: Vec<anyhow::Result<Value>> = stream::iter(ids.iter().map(|id| {
            call(
                self.client
                    .put(format!("{}/v1/users/{id}", self.base))
                    .bearer_auth(&self.secret_key)
                    .json(&json!({"name": id})),
            )
        }))
        .buffer_unordered(32)
        .collect()
        .await;
        results.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
        Ok(())
    }

    pub async fn channel(&self, kind: &str, id: &str, members: &[String]) -> anyhow::Result<()> {
        call(
            self.post("/v1/channels")
                .json(&json!({"type": kind, "id": id, "members": members})),
        )
        .await?;
        Ok(())
    }

    pub async fn channels(&self, specs: Vec<(String, String, Vec<String>)>) -> anyhow::Result<()> {
        let results: Vec<anyhow::Result<()>> =
            stream::iter(specs.iter().map(|(k, id, m)| self.channel(k, id, m)))
                .buffer_unordered(32)
                .collect()
                .await;
        results.into_iter().collect()
    }

    /// Adds a webhook endpoint for these event types.
    pub async fn webhook(&self, url: &str, event_types: &[&str]) -> anyhow::Result<()> {
        call(
            self.post("/v1/webhooks")
                .json(&json!({"url": url, "event_types": event_types})),
        )
        .await?;
        Ok(())
    }
}
