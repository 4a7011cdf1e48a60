use sea_orm::QuerySelect;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: Option<String>,
    pub search_name: Option<String>,
    pub image: Option<String>,
    pub role: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub custom: Json,
    pub deactivated_at: Option<DateTimeUtc>,
    pub last_active_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Those of `ids` that name no user of `tenant`, in the order given.
pub async fn missing<'a, C: ConnectionTrait>(
    db: &C,
    tenant: &str,
    ids: impl IntoIterator<Item = &'a str> + Clone,
) -> Result<Vec<&'a str>, DbErr> {
    let found: std::collections::BTreeSet<String> = Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::TenantId.eq(tenant))
        .filter(Column::Id.is_in(ids.clone()))
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(ids.into_iter().filter(|id| !found.contains(*id)).collect())
}
