//! The handle every use case takes: the database, the validated configuration, the
//! realtime state events are published through, and the media store.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::config::Config;
use crate::media::MediaStore;
use crate::realtime::Realtime;

/// Shared state of one Parley instance. Cheap to clone; several can live in one process
/// (the tests start many), so nothing here is global.
#[derive(Clone)]
pub struct Parley {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub realtime: Arc<Realtime>,
    pub media: Arc<MediaStore>,
    pub(crate) key_usage: Arc<crate::auth::KeyUsage>,
}

impl Parley {
    pub fn new(db: DatabaseConnection, config: Config, realtime: Arc<Realtime>) -> Self {
        let media = Arc::new(MediaStore::new(&config));
        Self::from_parts(db, Arc::new(config), realtime, media)
    }

    pub(crate) fn from_parts(
        db: DatabaseConnection,
        config: Arc<Config>,
        realtime: Arc<Realtime>,
        media: Arc<MediaStore>,
    ) -> Self {
        Self {
            db,
            config,
            realtime,
            media,
            key_usage: Arc::default(),
        }
    }
}
