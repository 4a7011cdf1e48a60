//! REST handlers, one module per resource. Each handler's `///` summary is its OpenAPI summary.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde::Serialize;
use utoipa_actix_web::service_config::ServiceConfig;

pub mod admin;
pub mod app;
pub mod audit;
pub mod blocklists;
pub mod channel_types;
pub mod channels;
pub mod media;
pub mod messages;
pub mod moderation;
pub mod ops;
pub mod push;
pub mod uploads;
pub mod usage;
pub mod users;
pub mod webhooks;

/// Registers every route (and so every OpenAPI path). A request is matched against the
/// routes in this order, so the realtime ones, where connection storms land, come first.
pub fn configure(cfg: &mut ServiceConfig) {
    crate::realtime::configure(cfg);
    ops::configure(cfg);
    admin::configure(cfg);
    app::configure(cfg);
    audit::configure(cfg);
    users::configure(cfg);
    channels::configure(cfg);
    channel_types::configure(cfg);
    messages::configure(cfg);
    moderation::configure(cfg);
    blocklists::configure(cfg);
    webhooks::configure(cfg);
    push::configure(cfg);
    uploads::configure(cfg);
    media::configure(cfg);
    usage::configure(cfg);
}

/// 201 when the call created the resource, 200 when it already existed.
pub(crate) fn created_or_ok<T: Serialize>(created: bool, body: &T) -> HttpResponse {
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    HttpResponse::build(status).json(body)
}
