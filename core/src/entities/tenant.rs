use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tenants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub disabled: bool,
    #[sea_orm(column_type = "JsonBinary")]
    pub settings: Json,
    pub signing_secret: String,
    pub signing_secret_prev: Option<String>,
    pub signing_secret_prev_until: Option<DateTimeUtc>,
    /// Signs calls to the before-send hook; encrypted with the master key.
    pub hook_secret: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
