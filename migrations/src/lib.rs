//! Parley's database schema as ordered migrations. The same definitions build the schema on
//! SQLite (embedded default) and PostgreSQL (scale-out); every table carries `tenant_id`.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_core;
mod m20261123_000002_realtime;
mod m20261123_000003_worker;
mod m20261123_000004_media;
mod m20261202_000005_stream_cursors;
mod m20261202_000006_channel_types;
mod m20261202_000007_bans;
mod m20261202_000008_slow_mode;
mod m20261202_000009_flags;
mod m20261202_000010_audit_log;
mod m20261202_000011_blocklists;
mod m20261202_000012_shadow_bans_and_blocks;
mod m20261203_000013_members_by_user;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_core::Migration),
            Box::new(m20261123_000002_realtime::Migration),
            Box::new(m20261123_000003_worker::Migration),
            Box::new(m20261123_000004_media::Migration),
            Box::new(m20261202_000005_stream_cursors::Migration),
            Box::new(m20261202_000006_channel_types::Migration),
            Box::new(m20261202_000007_bans::Migration),
            Box::new(m20261202_000008_slow_mode::Migration),
            Box::new(m20261202_000009_flags::Migration),
            Box::new(m20261202_000010_audit_log::Migration),
            Box::new(m20261202_000011_blocklists::Migration),
            Box::new(m20261202_000012_shadow_bans_and_blocks::Migration),
            Box::new(m20261203_000013_members_by_user::Migration),
        ]
    }
}
