//! Where media bytes live. Two engines behind one type: a local directory (the embedded
//! default; clients PUT and GET through URLs this server signs with an HMAC) and S3 or any
//! S3-compatible store (presigned SigV4 URLs; the bytes never pass through Parley).
//! Object keys are `{tenant_id}/{name}`; both engines bind a PUT URL to its content type
//! and length, and every URL to an expiry.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::kernel::config::Config;
use crate::{Error, ErrorCode, Result};

type HmacSha256 = Hmac<Sha256>;

/// A URL the client PUTs the bytes to, with the headers it must send exactly.
#[derive(Debug, Clone)]
pub struct PresignedPut {
    pub url: String,
    pub headers: BTreeMap<String, String>,
}

/// What a signed GET URL serves (the local engine sets these headers itself; S3 is told
/// to through response overrides).
#[derive(Debug, Clone, Copy)]
pub struct Download<'a> {
    pub content_type: &'a str,
    pub filename: Option<&'a str>,
    /// Shown by browsers (images, video, audio) rather than saved.
    pub inline: bool,
}

pub struct MediaStore {
    engine: Engine,
    download_ttl_s: u64,
}

enum Engine {
    Local(LocalEngine),
    S3(S3Engine),
}

/// The local directory engine and its URL signer.
pub struct LocalEngine {
    dir: PathBuf,
    base_url: String,
    key: SecretString,
}

struct S3Engine {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl MediaStore {
    /// The engine the configuration names: S3 when `media.s3_bucket` is set, else the
    /// local directory. The local engine needs `media.public_url` and `media.signing_key`,
    /// which start-up fills in when they were not configured.
    pub fn new(config: &Config) -> Self {
        let m = &config.media;
        let engine = match &m.s3_bucket {
            Some(bucket) => {
                let creds = Credentials::new(
                    m.s3_access_key_id.clone().unwrap_or_default(),
                    m.s3_secret_access_key
                        .as_ref()
                        .map(|s| s.expose_secret().to_owned())
                        .unwrap_or_default(),
                    None,
                    None,
                    "parley-config",
                );
                let mut b = aws_sdk_s3::config::Builder::new()
                    .behavior_version(BehaviorVersion::latest())
                    .region(Region::new(m.s3_region.clone()))
                    .credentials_provider(creds)
                    .force_path_style(m.force_path_style());
                if let Some(endpoint) = &m.s3_endpoint {
                    b = b.endpoint_url(endpoint.trim_end_matches('/'));
                }
                Engine::S3(S3Engine {
                    client: aws_sdk_s3::Client::from_conf(b.build()),
                    bucket: bucket.clone(),
                })
            }
            None => Engine::Local(LocalEngine {
                dir: m
                    .local_dir
                    .clone()
                    .unwrap_or_else(|| config.data_dir.join("media")),
                base_url: m
                    .public_url
                    .clone()
                    .unwrap_or_else(|| format!("http://{}", config.bind))
                    .trim_end_matches('/')
                    .to_owned(),
                // Only processes that never sign (e.g. `parley tenant create`) get here
                // without a key; a random one keeps them from signing anything verifiable.
                key: m.signing_key.clone().unwrap_or_else(|| {
                    SecretString::from(crate::kernel::crypto::random_string(48))
                }),
            }),
        };
        Self {
            engine,
            download_ttl_s: m.download_url_ttl_s,
        }
    }

    /// Lifetime of download URLs (`media.download_url_ttl_s`).
    pub fn download_ttl_s(&self) -> u64 {
        self.download_ttl_s
    }

    /// `local` or `s3`.
    pub fn engine_name(&self) -> &'static str {
        match self.engine {
            Engine::Local(_) => "local",
            Engine::S3(_) => "s3",
        }
    }

    /// Where files go, for the start-up banner (no secrets).
    pub fn describe(&self) -> String {
        match &self.engine {
            Engine::Local(l) => format!("local directory {}", l.dir.display()),
            Engine::S3(s) => format!("S3 bucket {}", s.bucket),
        }
    }

    /// The local engine, which serves its own signed URLs; `None` with S3.
    pub fn local(&self) -> Option<&LocalEngine> {
        match &self.engine {
            Engine::Local(l) => Some(l),
            Engine::S3(_) => None,
        }
    }

    /// A PUT URL bound to the content type and the exact length, valid until `expires_at`.
    pub async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        expires_at: DateTime<Utc>,
    ) -> Result<PresignedPut> {
        match &self.engine {
            Engine::Local(l) => {
                let exp = expires_at.timestamp();
                let sig = l.sign("PUT", key, content_type, size, exp);
                let mut headers = BTreeMap::new();
                headers.insert("content-type".to_owned(), content_type.to_owned());
                headers.insert("content-length".to_owned(), size.to_string());
                Ok(PresignedPut {
                    url: format!(
                        "{}/v1/media/{key}?expires={exp}&signature={sig}",
                        l.base_url
                    ),
                    headers,
                })
            }
            Engine::S3(s) => {
                let now = Utc::now();
                let ttl = (expires_at - now)
                    .to_std()
                    .unwrap_or(Duration::from_secs(1));
                let req = s
                    .client
                    .put_object()
                    .bucket(&s.bucket)
                    .key(key)
                    .content_type(content_type)
                    .content_length(i64::try_from(size).unwrap_or(i64::MAX))
                    .presigned(presigning(SystemTime::from(now), ttl)?)
                    .await
                    .map_err(|e| storage_error("presigning a PUT", e))?;
                let headers = req
                    .headers()
                    .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
                    .collect();
                Ok(PresignedPut {
                    url: req.uri().to_owned(),
                    headers,
                })
            }
        }
    }

    /// A GET URL valid from `from` until `expires_at` (callers align both to a window so the
    /// same object gets the same URL for a while, which lets browsers cache it).
    pub async fn presign_get(
        &self,
        key: &str,
        download: Download<'_>,
        from: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<String> {
        match &self.engine {
            Engine::Local(l) => {
                let exp = expires_at.timestamp();
                let sig = l.sign("GET", key, "", 0, exp);
                Ok(format!(
                    "{}/v1/media/{key}?expires={exp}&signature={sig}",
                    l.base_url
                ))
            }
            Engine::S3(s) => {
                let ttl = (expires_at - from)
                    .to_std()
                    .unwrap_or(Duration::from_secs(1));
                let req = s
                    .client
                    .get_object()
                    .bucket(&s.bucket)
                    .key(key)
                    .response_content_type(download.content_type)
                    .response_content_disposition(content_disposition(&download))
                    .presigned(presigning(SystemTime::from(from), ttl)?)
                    .await
                    .map_err(|e| storage_error("presigning a GET", e))?;
                Ok(req.uri().to_owned())
            }
        }
    }

    /// The size of a stored object, or `None` when there is none.
    pub async fn size_of(&self, key: &str) -> Result<Option<u64>> {
        match &self.engine {
            Engine::Local(l) => match tokio::fs::metadata(l.path(key)?).await {
                Ok(m) if m.is_file() => Ok(Some(m.len())),
                Ok(_) => Ok(None),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(Error::internal(format!("reading {key}: {e}"))),
            },
            Engine::S3(s) => {
                match s
                    .client
                    .head_object()
                    .bucket(&s.bucket)
                    .key(key)
                    .send()
                    .await
                {
                    Ok(h) => Ok(Some(
                        h.content_length()
                            .and_then(|n| u64::try_from(n).ok())
                            .unwrap_or(0),
                    )),
                    Err(SdkError::ServiceError(e)) if e.err().is_not_found() => Ok(None),
                    Err(e) => Err(storage_error("HEAD", e)),
                }
            }
        }
    }

    /// Up to `max` bytes from the start of an object.
    pub async fn read(&self, key: &str, max: u64) -> Result<Vec<u8>> {
        match &self.engine {
            Engine::Local(l) => {
                let file = tokio::fs::File::open(l.path(key)?)
                    .await
                    .map_err(|e| Error::internal(format!("opening {key}: {e}")))?;
                let mut buf = Vec::new();
                file.take(max)
                    .read_to_end(&mut buf)
                    .await
                    .map_err(|e| Error::internal(format!("reading {key}: {e}")))?;
                Ok(buf)
            }
            Engine::S3(s) => {
                let out = s
                    .client
                    .get_object()
                    .bucket(&s.bucket)
                    .key(key)
                    .range(format!("bytes=0-{}", max.saturating_sub(1)))
                    .send()
                    .await
                    .map_err(|e| storage_error("GET", e))?;
                let bytes = out
                    .body
                    .collect()
                    .await
                    .map_err(|e| Error::internal(format!("reading {key} from S3: {e}")))?
                    .into_bytes();
                let max = usize::try_from(max).unwrap_or(usize::MAX);
                Ok(bytes[..bytes.len().min(max)].to_vec())
            }
        }
    }

    /// Stores an object the server made itself (thumbnails).
    pub async fn write(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<()> {
        match &self.engine {
            Engine::Local(l) => {
                let path = l.path(key)?;
                let tmp = l.temp_path(key)?;
                write_file(&tmp, &bytes)
                    .await
                    .map_err(|e| Error::internal(format!("writing {key}: {e}")))?;
                tokio::fs::rename(&tmp, &path)
                    .await
                    .map_err(|e| Error::internal(format!("storing {key}: {e}")))
            }
            Engine::S3(s) => {
                s.client
                    .put_object()
                    .bucket(&s.bucket)
                    .key(key)
                    .content_type(content_type)
                    .body(ByteStream::from(bytes))
                    .send()
                    .await
                    .map_err(|e| storage_error("PUT", e))?;
                Ok(())
            }
        }
    }

    /// Moves an uploaded object to the key it is served from, out of reach of its PUT URL,
    /// so bytes checked on completion cannot be replaced afterwards.
    pub async fn promote(&self, from: &str, to: &str) -> Result<()> {
        match &self.engine {
            Engine::Local(l) => {
                let (src, dst) = (l.path(from)?, l.path(to)?);
                tokio::fs::rename(&src, &dst)
                    .await
                    .map_err(|e| Error::internal(format!("moving {from} to {to}: {e}")))
            }
            Engine::S3(s) => {
                s.client
                    .copy_object()
                    .bucket(&s.bucket)
                    .copy_source(format!("{}/{}", s.bucket, from))
                    .key(to)
                    .send()
                    .await
                    .map_err(|e| storage_error("COPY", e))?;
                self.delete(from).await
            }
        }
    }

    /// Deletes an object; deleting one that is not there is not an error.
    pub async fn delete(&self, key: &str) -> Result<()> {
        match &self.engine {
            Engine::Local(l) => match tokio::fs::remove_file(l.path(key)?).await {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(Error::internal(format!("deleting {key}: {e}"))),
            },
            Engine::S3(s) => {
                s.client
                    .delete_object()
                    .bucket(&s.bucket)
                    .key(key)
                    .send()
                    .await
                    .map_err(|e| storage_error("DELETE", e))?;
                Ok(())
            }
        }
    }
}

async fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let mut f = tokio::fs::File::create(path).await?;
    f.write_all(bytes).await?;
    f.sync_all().await
}

fn presigning(start: SystemTime, ttl: Duration) -> Result<PresigningConfig> {
    PresigningConfig::builder()
        .start_time(start)
        .expires_in(ttl)
        .build()
        .map_err(|e| Error::internal(format!("presigning config: {e}")))
}

/// `inline` for media a browser shows, `attachment` for everything else, so an uploaded
/// HTML or SVG file is never rendered in a page's origin.
pub fn content_disposition(d: &Download<'_>) -> String {
    let kind = if d.inline { "inline" } else { "attachment" };
    match d.filename {
        Some(name) => {
            let ascii: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let encoded: String = name
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
        }
        None => kind.to_owned(),
    }
}

fn storage_error<E, R>(what: &str, e: SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let cause = match &e {
        SdkError::ServiceError(s) => format!(
            "{what}: {} {}",
            s.err().code().unwrap_or("?"),
            s.err().message().unwrap_or("")
        ),
        other => format!("{what}: {}", aws_sdk_s3::error::DisplayErrorContext(other)),
    };
    let unreachable = matches!(
        e,
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_)
    );
    if unreachable {
        Error {
            source: Some(cause),
            ..Error::new(
                ErrorCode::StorageUnavailable,
                "the media store cannot be reached; try again shortly",
            )
            .with_retry_after(5)
        }
    } else {
        Error::internal(cause)
    }
}

/// Why a request to a local signed URL is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum SignatureProblem {
    Invalid,
    Expired,
}

impl LocalEngine {
    fn sign(&self, method: &str, key: &str, content_type: &str, len: u64, exp: i64) -> String {
        let mut mac = self.mac();
        mac.update(format!("{method}\n{key}\n{content_type}\n{len}\n{exp}").as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC accepts keys of any length; this cannot fail.
        <HmacSha256 as Mac>::new_from_slice(self.key.expose_secret().as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
    }

    /// Checks a signed URL: the method, the object, the content type and length the request
    /// carries (PUT; empty and 0 for GET) and the expiry must be what was signed.
    pub fn verify(
        &self,
        method: &str,
        key: &str,
        content_type: &str,
        len: u64,
        exp: i64,
        signature: &str,
    ) -> std::result::Result<(), SignatureProblem> {
        let Some(given) = unhex(signature) else {
            return Err(SignatureProblem::Invalid);
        };
        let mut mac = self.mac();
        mac.update(format!("{method}\n{key}\n{content_type}\n{len}\n{exp}").as_bytes());
        mac.verify_slice(&given)
            .map_err(|_| SignatureProblem::Invalid)?;
        if Utc::now().timestamp() >= exp {
            return Err(SignatureProblem::Expired);
        }
        Ok(())
    }

    /// The file of an object key; keys are `{tenant}/{name}` of plain characters only.
    pub fn path(&self, key: &str) -> Result<PathBuf> {
        let ok_part = |p: &str| {
            !p.is_empty()
                && !p.starts_with('.')
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        match key.split_once('/') {
            Some((tenant, name)) if ok_part(tenant) && ok_part(name) => {
                Ok(self.dir.join(tenant).join(name))
            }
            _ => Err(Error::new(ErrorCode::NotFound, "no such object")),
        }
    }

    /// A private file next to the object, renamed over it once complete.
    pub fn temp_path(&self, key: &str) -> Result<PathBuf> {
        let path = self.path(key)?;
        let name = format!(
            ".{}.{}.part",
            path.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("object"),
            uuid::Uuid::new_v4().simple()
        );
        Ok(path.with_file_name(name))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> LocalEngine {
        LocalEngine {
            dir: PathBuf::from("/tmp/x"),
            base_url: "http://h".into(),
            key: SecretString::from("k".to_string()),
        }
    }

    #[test]
    fn a_signature_binds_every_part() {
        let l = engine();
        let exp = Utc::now().timestamp() + 60;
        let sig = l.sign("PUT", "t/u", "image/png", 10, exp);
        assert_eq!(l.verify("PUT", "t/u", "image/png", 10, exp, &sig), Ok(()));
        for (m, k, ct, n, e) in [
            ("GET", "t/u", "image/png", 10, exp),
            ("PUT", "t/v", "image/png", 10, exp),
            ("PUT", "t/u", "image/jpeg", 10, exp),
            ("PUT", "t/u", "image/png", 11, exp),
            ("PUT", "t/u", "image/png", 10, exp + 1),
        ] {
            assert_eq!(
                l.verify(m, k, ct, n, e, &sig),
                Err(SignatureProblem::Invalid)
            );
        }
        let past = Utc::now().timestamp() - 1;
        let old = l.sign("GET", "t/u", "", 0, past);
        assert_eq!(
            l.verify("GET", "t/u", "", 0, past, &old),
            Err(SignatureProblem::Expired)
        );
    }

    #[test]
    fn keys_cannot_leave_the_directory() {
        let l = engine();
        assert!(l.path("t/u").is_ok());
        for bad in ["../x", "t/../x", "t/.x", "t", "t/u/v", "/t/u", "t/"] {
            assert!(l.path(bad).is_err(), "{bad}");
        }
    }
}
