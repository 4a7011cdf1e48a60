//! The handle every use case takes: the database, the validated configuration, the realtime
//! state events are published through, the media store, the master key and the client for
//! tenants' URLs.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::Result;
use crate::kernel::config::Config;
use crate::kernel::crypto::MasterKey;
use crate::kernel::db::Checkpointer;
use crate::kernel::outbound::Outbound;
use crate::media::MediaStore;
use crate::realtime::Realtime;

/// Shared state of one Parley instance. Cheap to clone; several can live in one process
/// (the tests start many), so nothing here is global.
#[derive(Clone)]
pub struct Parley {
    pub db: DatabaseConnection,
    /// Where reads that need no transaction go (see `kernel::db::connect_reads`); the same
    /// pool as `db` unless set with [`Parley::with_reads`].
    pub reads: DatabaseConnection,
    pub config: Arc<Config>,
    pub realtime: Arc<Realtime>,
    pub media: Arc<MediaStore>,
    pub(crate) key_usage: Arc<crate::authn::KeyUsage>,
    /// The keys of the OIDC issuers tenants trust, as fetched by this node.
    pub(crate) issuer_keys: Arc<crate::authn::IssuerKeys>,
    /// Seals secrets stored in the database.
    pub secrets: Arc<MasterKey>,
    /// Calls tenants' URLs (webhooks, the before-send hook, OIDC issuers).
    pub outbound: Outbound,
    /// Compiled blocklists.
    pub(crate) blocklists: Arc<crate::moderation::blocklists::Cache>,
    /// Stores sends in batches.
    pub(crate) writer: Arc<crate::messages::batch::Writer>,
    /// Copies SQLite's log into its file beside the writer (see [`Checkpointer`]).
    pub(crate) checkpointer: Option<Checkpointer>,
}

impl Parley {
    pub fn new(db: DatabaseConnection, config: Config, realtime: Arc<Realtime>) -> Result<Self> {
        let secrets = Arc::new(MasterKey::load(&config)?);
        let outbound = Outbound::new(config.worker.allow_private_urls)?;
        let media = Arc::new(MediaStore::new(&config));
        Ok(Self {
            reads: db.clone(),
            db,
            config: Arc::new(config),
            realtime,
            media,
            key_usage: Arc::default(),
            issuer_keys: Arc::default(),
            secrets,
            outbound,
            blocklists: Arc::default(),
            writer: Arc::default(),
            checkpointer: None,
        })
    }

    /// Reads go to `reads` (SQLite's read connections, a PostgreSQL replica).
    pub fn with_reads(mut self, reads: DatabaseConnection) -> Self {
        self.reads = reads;
        self
    }

    /// Commits wake `checkpointer` (SQLite).
    pub fn with_checkpointer(mut self, checkpointer: Option<Checkpointer>) -> Self {
        self.checkpointer = checkpointer;
        self
    }

    /// Where reads go that must see every commit, however recent (a send's checks, the
    /// credential check before a WebSocket frame): `reads` when it does (SQLite's read
    /// connections see each commit at once; without a replica, `reads` is the primary's
    /// pool), the primary when a replica with its lag serves `reads`.
    pub fn fresh_reads(&self) -> &DatabaseConnection {
        if self.config.database_read_url.is_some() {
            &self.db
        } else {
            &self.reads
        }
    }

    /// How this node's sends were grouped into transactions.
    pub fn write_stats(&self) -> crate::messages::WriteStats {
        self.writer.stats()
    }

    /// The time, as time-bound rules read it.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.config.clock.now()
    }

    /// Everything but the realtime state, for background loops that must not keep the
    /// realtime state alive (they hold it weakly and re-attach while it lives).
    pub(crate) fn detach(&self) -> Detached {
        Detached {
            db: self.db.clone(),
            reads: self.reads.clone(),
            config: Arc::clone(&self.config),
            media: Arc::clone(&self.media),
            key_usage: Arc::clone(&self.key_usage),
            issuer_keys: Arc::clone(&self.issuer_keys),
            secrets: Arc::clone(&self.secrets),
            outbound: self.outbound.clone(),
            blocklists: Arc::clone(&self.blocklists),
            writer: Arc::clone(&self.writer),
            checkpointer: self.checkpointer.clone(),
        }
    }
}

pub(crate) struct Detached {
    db: DatabaseConnection,
    reads: DatabaseConnection,
    config: Arc<Config>,
    media: Arc<MediaStore>,
    key_usage: Arc<crate::authn::KeyUsage>,
    issuer_keys: Arc<crate::authn::IssuerKeys>,
    secrets: Arc<MasterKey>,
    outbound: Outbound,
    blocklists: Arc<crate::moderation::blocklists::Cache>,
    writer: Arc<crate::messages::batch::Writer>,
    checkpointer: Option<Checkpointer>,
}

impl Detached {
    pub(crate) fn attach(&self, realtime: Arc<Realtime>) -> Parley {
        Parley {
            db: self.db.clone(),
            reads: self.reads.clone(),
            config: Arc::clone(&self.config),
            realtime,
            media: Arc::clone(&self.media),
            key_usage: Arc::clone(&self.key_usage),
            issuer_keys: Arc::clone(&self.issuer_keys),
            secrets: Arc::clone(&self.secrets),
            outbound: self.outbound.clone(),
            blocklists: Arc::clone(&self.blocklists),
            writer: Arc::clone(&self.writer),
            checkpointer: self.checkpointer.clone(),
        }
    }
}
