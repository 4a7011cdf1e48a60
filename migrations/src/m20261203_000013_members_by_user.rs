//! The index of a user's memberships also holds the channel, so the queries that start from
//! the user (a connection's default subscriptions, unread counts, channel lists) read it
//! alone. SQLite keeps no statistics: between two indexes that both answer such a query it
//! took the primary key's tenant prefix, reading every membership of the tenant.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        replace(m, &[Members::TenantId, Members::UserId, Members::Cid]).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        replace(m, &[Members::TenantId, Members::UserId]).await
    }
}

async fn replace(m: &SchemaManager<'_>, cols: &[Members]) -> Result<(), DbErr> {
    m.drop_index(
        Index::drop()
            .name("idx_members_user")
            .table(Members::Table)
            .to_owned(),
    )
    .await?;
    let mut index = Index::create();
    index.name("idx_members_user").table(Members::Table);
    for col in cols {
        index.col(*col);
    }
    m.create_index(index.to_owned()).await
}

#[derive(DeriveIden, Clone, Copy)]
enum Members {
    Table,
    TenantId,
    UserId,
    Cid,
}
