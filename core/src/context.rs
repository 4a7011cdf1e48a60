//! The handle every use case takes: the database and the validated configuration.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::config::Config;

/// Shared state of one Parley instance. Cheap to clone; several can live in one process
/// (the tests start many), so nothing here is global.
#[derive(Clone)]
pub struct Parley {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub(crate) key_usage: Arc<crate::auth::KeyUsage>,
}

impl Parley {
    pub fn new(db: DatabaseConnection, config: Config) -> Self {
        Self {
            db,
            config: Arc::new(config),
            key_usage: Arc::default(),
        }
    }
}
