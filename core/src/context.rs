//! The handle every use case takes: the database, the validated configuration and the
//! realtime state events are published through.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::config::Config;
use crate::realtime::Realtime;

/// Shared state of one Parley instance. Cheap to clone; several can live in one process
/// (the tests start many), so nothing here is global.
#[derive(Clone)]
pub struct Parley {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub realtime: Arc<Realtime>,
    pub(crate) key_usage: Arc<crate::auth::KeyUsage>,
}

impl Parley {
    pub fn new(db: DatabaseConnection, config: Config, realtime: Arc<Realtime>) -> Self {
        Self::from_parts(db, Arc::new(config), realtime)
    }

    pub(crate) fn from_parts(
        db: DatabaseConnection,
        config: Arc<Config>,
        realtime: Arc<Realtime>,
    ) -> Self {
        Self {
            db,
            config,
            realtime,
            key_usage: Arc::default(),
        }
    }
}
