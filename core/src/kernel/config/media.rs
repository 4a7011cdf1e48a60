//! The `[media]` configuration: where objects live (a local directory, or S3 and any
//! S3-compatible store), how long signed URLs last, and when abandoned uploads are swept.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

use crate::{Error, Result};

/// S3 accepts one PUT of at most 5 GiB; a tenant's limit cannot go past it.
pub const MAX_UPLOAD_BYTES_CAP: u64 = 5 * 1024 * 1024 * 1024;
/// SigV4 presigned URLs live at most seven days.
const MAX_URL_TTL_S: u64 = 7 * 24 * 3600;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaConfig {
    /// Directory of the local engine; default `media` in the data dir.
    pub local_dir: Option<PathBuf>,
    /// The base URL clients reach this server at, for the local engine's signed URLs;
    /// default `http://{bind}`.
    pub public_url: Option<String>,
    /// HMAC key of the local engine's signed URLs; unset: generated on first start into
    /// `media-key` in the data dir.
    pub signing_key: Option<SecretString>,
    /// Set: objects go to this S3 bucket instead of the local directory.
    pub s3_bucket: Option<String>,
    /// An S3-compatible endpoint (MinIO, R2, Ceph…); unset: AWS.
    pub s3_endpoint: Option<String>,
    pub s3_region: String,
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<SecretString>,
    /// Path-style URLs (`endpoint/bucket/key`); default: on when `s3_endpoint` is set.
    pub s3_force_path_style: Option<bool>,
    /// Largest upload, unless a tenant's settings say otherwise.
    pub max_upload_bytes: u64,
    /// Lifetime of an upload's PUT URL.
    pub upload_url_ttl_s: u64,
    /// Lifetime of download URLs in messages and uploads.
    pub download_url_ttl_s: u64,
    /// A pending upload older than this is deleted, with whatever bytes reached the store.
    pub abandoned_upload_after_s: u64,
    /// A completed upload no message has used for this long is deleted.
    pub unattached_upload_after_s: u64,
    /// How often the sweeper looks for abandoned uploads.
    pub sweep_interval_s: u64,
}

impl Default for MediaConfig {
    fn default() -> Self {
        Self {
            local_dir: None,
            public_url: None,
            signing_key: None,
            s3_bucket: None,
            s3_endpoint: None,
            s3_region: "us-east-1".into(),
            s3_access_key_id: None,
            s3_secret_access_key: None,
            s3_force_path_style: None,
            max_upload_bytes: 100 * 1024 * 1024,
            upload_url_ttl_s: 900,
            download_url_ttl_s: 3600,
            abandoned_upload_after_s: 24 * 3600,
            unattached_upload_after_s: 7 * 24 * 3600,
            sweep_interval_s: 3600,
        }
    }
}

/// Media values given on the command line.
#[derive(Debug, Default, Clone)]
pub struct MediaOverrides {
    pub s3_bucket: Option<String>,
    pub s3_endpoint: Option<String>,
    pub public_url: Option<String>,
}

impl MediaConfig {
    /// Applies the environment and the command line over the file's values, then checks the
    /// result. Errors name the key.
    pub fn layer(
        mut self,
        env: &impl Fn(&str) -> Option<String>,
        cli: MediaOverrides,
    ) -> Result<Self> {
        let get = |k: &str| env(k).filter(|v| !v.is_empty());
        let text = |cli: Option<String>, key: &str, current: Option<String>| {
            cli.or_else(|| get(key)).or(current)
        };
        self.s3_bucket = text(cli.s3_bucket, "PARLEY_S3_BUCKET", self.s3_bucket);
        self.s3_endpoint = text(cli.s3_endpoint, "PARLEY_S3_ENDPOINT", self.s3_endpoint);
        self.public_url = text(cli.public_url, "PARLEY_PUBLIC_URL", self.public_url);
        if let Some(v) = get("PARLEY_S3_REGION") {
            self.s3_region = v;
        }
        self.s3_access_key_id = get("PARLEY_S3_ACCESS_KEY_ID")
            .or_else(|| get("AWS_ACCESS_KEY_ID"))
            .or(self.s3_access_key_id);
        if let Some(v) = get("PARLEY_S3_SECRET_ACCESS_KEY").or_else(|| get("AWS_SECRET_ACCESS_KEY"))
        {
            self.s3_secret_access_key = Some(SecretString::from(v));
        }
        if let Some(v) = get("PARLEY_S3_FORCE_PATH_STYLE") {
            self.s3_force_path_style = Some(parse_bool(&v).ok_or_else(|| {
                Error::invalid(
                    "config key `media.s3_force_path_style` (PARLEY_S3_FORCE_PATH_STYLE): not true or false",
                )
            })?);
        }
        if let Some(v) = get("PARLEY_MEDIA_DIR") {
            self.local_dir = Some(PathBuf::from(v));
        }
        if let Some(v) = get("PARLEY_MEDIA_SIGNING_KEY") {
            self.signing_key = Some(SecretString::from(v));
        }
        if let Some(v) = get("PARLEY_MAX_UPLOAD_BYTES") {
            self.max_upload_bytes = v.parse().map_err(|_| {
                Error::invalid(
                    "config key `media.max_upload_bytes` (PARLEY_MAX_UPLOAD_BYTES): not a number",
                )
            })?;
        }
        self.check()?;
        Ok(self)
    }

    fn check(&self) -> Result<()> {
        let url = |key: &str, env: &str, v: &Option<String>| match v {
            Some(u) if !(u.starts_with("http://") || u.starts_with("https://")) => {
                Err(Error::invalid(format!(
                    "config key `media.{key}` ({env}): `{u}` must start with http:// or https://"
                )))
            }
            _ => Ok(()),
        };
        url("s3_endpoint", "PARLEY_S3_ENDPOINT", &self.s3_endpoint)?;
        url("public_url", "PARLEY_PUBLIC_URL", &self.public_url)?;
        if let Some(bucket) = &self.s3_bucket {
            if bucket.trim().is_empty() || bucket.contains('/') {
                return Err(Error::invalid(format!(
                    "config key `media.s3_bucket` (PARLEY_S3_BUCKET): `{bucket}` is not a bucket name"
                )));
            }
            if self.s3_access_key_id.is_none() {
                return Err(Error::invalid(
                    "config key `media.s3_access_key_id` (PARLEY_S3_ACCESS_KEY_ID): required with `media.s3_bucket`",
                ));
            }
            if self.s3_secret_access_key.is_none() {
                return Err(Error::invalid(
                    "config key `media.s3_secret_access_key` (PARLEY_S3_SECRET_ACCESS_KEY): required with `media.s3_bucket`",
                ));
            }
        }
        if self.max_upload_bytes == 0 || self.max_upload_bytes > MAX_UPLOAD_BYTES_CAP {
            return Err(Error::invalid(format!(
                "config key `media.max_upload_bytes` (PARLEY_MAX_UPLOAD_BYTES): must be between 1 and {MAX_UPLOAD_BYTES_CAP}"
            )));
        }
        for (key, v) in [
            ("upload_url_ttl_s", self.upload_url_ttl_s),
            ("download_url_ttl_s", self.download_url_ttl_s),
        ] {
            if v == 0 || v > MAX_URL_TTL_S {
                return Err(Error::invalid(format!(
                    "config key `media.{key}`: must be between 1 and {MAX_URL_TTL_S} seconds"
                )));
            }
        }
        if self.sweep_interval_s == 0 {
            return Err(Error::invalid(
                "config key `media.sweep_interval_s`: must be at least 1",
            ));
        }
        Ok(())
    }

    pub fn force_path_style(&self) -> bool {
        self.s3_force_path_style
            .unwrap_or(self.s3_endpoint.is_some())
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_needs_credentials_and_the_error_names_the_key() {
        let env = |k: &str| (k == "PARLEY_S3_BUCKET").then(|| "media".to_string());
        let err = MediaConfig::default()
            .layer(&env, MediaOverrides::default())
            .unwrap_err();
        assert!(
            err.detail.contains("PARLEY_S3_ACCESS_KEY_ID"),
            "{}",
            err.detail
        );
    }

    #[test]
    fn cli_beats_env_and_endpoint_implies_path_style() {
        let env = |k: &str| match k {
            "PARLEY_S3_BUCKET" => Some("from-env".to_string()),
            "PARLEY_S3_ENDPOINT" => Some("http://127.0.0.1:9000".to_string()),
            "PARLEY_S3_ACCESS_KEY_ID" | "PARLEY_S3_SECRET_ACCESS_KEY" => Some("x".to_string()),
            _ => None,
        };
        let cli = MediaOverrides {
            s3_bucket: Some("from-cli".into()),
            ..Default::default()
        };
        let m = MediaConfig::default().layer(&env, cli).unwrap();
        assert_eq!(m.s3_bucket.as_deref(), Some("from-cli"));
        assert!(m.force_path_style());
    }

    #[test]
    fn a_bad_endpoint_is_named() {
        let env = |k: &str| (k == "PARLEY_S3_ENDPOINT").then(|| "minio:9000".to_string());
        let err = MediaConfig::default()
            .layer(&env, MediaOverrides::default())
            .unwrap_err();
        assert!(err.detail.contains("s3_endpoint"), "{}", err.detail);
    }
}
