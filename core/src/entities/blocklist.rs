use sea_orm::entity::prelude::*;

/// A tenant's list of blocked words and regular expressions.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "blocklists")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    /// A JSON array of words and phrases, matched whole.
    pub words: Json,
    /// A JSON array of regular expressions.
    pub patterns: Json,
    pub created_at: DateTimeUtc,
    /// Changes with every write: compiled matchers are cached by it.
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
