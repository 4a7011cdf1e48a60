use serde::{Deserialize, Serialize};

#[allow(unused_imports)]
use crate::*;
use utoipa::ToSchema;

/// One page of a list. Pass `next_cursor` back as `cursor` for the next page.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}
