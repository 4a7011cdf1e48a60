//! Secrets at rest: webhook signing secrets and push credentials are sealed with the server's
//! master key (AES-256-GCM, a fresh nonce per value), so a copy of the database alone reveals
//! none of them.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use secrecy::ExposeSecret;

use crate::kernel::config::Config;
use crate::{Error, Result};

const PREFIX: &str = "v1:";

/// The key every sealed value is encrypted with.
pub struct MasterKey {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// The configured key (`PARLEY_MASTER_KEY`, 32 bytes in base64), or the one in
    /// `master-key` in the data dir, generated there on first start.
    pub fn load(config: &Config) -> Result<Self> {
        let encoded = match &config.master_key {
            Some(k) => k.expose_secret().trim().to_owned(),
            None => {
                let path = config.data_dir.join("master-key");
                match std::fs::read_to_string(&path) {
                    Ok(existing) if !existing.trim().is_empty() => existing.trim().to_owned(),
                    _ => {
                        crate::kernel::config::create_data_dir(&config.data_dir)?;
                        let key = B64.encode(Aes256Gcm::generate_key(OsRng));
                        write_private(&path, &key).map_err(|e| {
                            Error::invalid(format!("cannot write {}: {e}", path.display()))
                        })?;
                        key
                    }
                }
            }
        };
        Self::from_base64(&encoded)
    }

    pub fn from_base64(encoded: &str) -> Result<Self> {
        let bad = || {
            Error::invalid(
                "config key `master_key` (PARLEY_MASTER_KEY): must be 32 bytes in base64",
            )
        };
        let bytes = B64.decode(encoded).map_err(|_| bad())?;
        Ok(Self {
            cipher: Aes256Gcm::new_from_slice(&bytes).map_err(|_| bad())?,
        })
    }

    /// Encrypts `plain` into a printable value for a text column.
    pub fn seal(&self, plain: &str) -> Result<String> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(&nonce, plain.as_bytes())
            .map_err(|_| Error::internal("encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", B64.encode(out)))
    }

    /// Decrypts a value made by [`seal`](Self::seal) with this key.
    pub fn open(&self, sealed: &str) -> Result<String> {
        let fail = || {
            Error::internal(
                "a stored secret cannot be decrypted: is this node's master key (PARLEY_MASTER_KEY) the one it was sealed with?",
            )
        };
        let raw = sealed
            .strip_prefix(PREFIX)
            .and_then(|b| B64.decode(b).ok())
            .filter(|r| r.len() > 12)
            .ok_or_else(fail)?;
        let (nonce, body) = raw.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| fail())?;
        let plain = self
            .cipher
            .decrypt(&Nonce::from(nonce), body)
            .map_err(|_| fail())?;
        String::from_utf8(plain).map_err(|_| fail())
    }
}

/// The row of `server_settings` holding a value sealed with the installation's master key.
const CHECK_KEY: &str = "master_key_check";
const CHECK_TEXT: &str = "parley master key check";

impl MasterKey {
    /// Makes sure this key is the one the database's secrets are sealed with: the first node
    /// to start stores a check value; every later one must be able to open it. A node given
    /// another key (each generated its own, say) stops here with a clear message instead of
    /// failing on every sealed value later.
    pub async fn verify(&self, db: &sea_orm::DatabaseConnection) -> Result<()> {
        use sea_orm::ConnectionTrait;
        let backend = db.get_database_backend();
        let read = || async {
            let row = db
                .query_one_raw(crate::kernel::db::statement(
                    backend,
                    "SELECT value FROM server_settings WHERE key = ?",
                    vec![CHECK_KEY.into()],
                ))
                .await?;
            Ok::<_, crate::Error>(match row {
                Some(r) => Some(r.try_get_by_index::<String>(0)?),
                None => None,
            })
        };
        let stored = match read().await? {
            Some(v) => v,
            None => {
                db.execute_raw(crate::kernel::db::statement(
                    backend,
                    "INSERT INTO server_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                    vec![CHECK_KEY.into(), self.seal(CHECK_TEXT)?.into()],
                ))
                .await?;
                read()
                    .await?
                    .ok_or_else(|| Error::internal("the master key check was not stored"))?
            }
        };
        match self.open(&stored) {
            Ok(text) if text == CHECK_TEXT => Ok(()),
            _ => Err(Error::invalid(
                "config key `master_key` (PARLEY_MASTER_KEY): this is not the key the database's secrets are sealed with; every node and worker of one database needs the same key",
            )),
        }
    }

    /// Like [`open`](Self::open), for columns that may still hold values written before they
    /// were sealed: those are returned as they are (and sealed when next written).
    pub fn open_or_plain(&self, stored: &str) -> Result<String> {
        if stored.starts_with(PREFIX) {
            self.open(stored)
        } else {
            Ok(stored.to_owned())
        }
    }
}

/// A random alphanumeric string, for keys, tokens and secrets.
pub fn random_string(len: usize) -> String {
    rand::Rng::sample_iter(rand::rng(), rand::distr::Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Writes a new file readable by its owner only (mode 0600): for secrets kept on disk.
pub fn write_private(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut file = opts.open(path)?;
    file.write_all(content.as_bytes())?;
    file.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_then_open_and_tamper_fails() {
        let key = MasterKey::from_base64(&B64.encode([7u8; 32])).unwrap();
        let sealed = key.seal("p8 key").unwrap();
        assert!(!sealed.contains("p8 key"));
        assert_eq!(key.open(&sealed).unwrap(), "p8 key");
        assert_ne!(key.seal("p8 key").unwrap(), sealed, "fresh nonce per value");
        let other = MasterKey::from_base64(&B64.encode([8u8; 32])).unwrap();
        assert!(other.open(&sealed).is_err());
    }
}
