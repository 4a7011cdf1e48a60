//! The realtime gateway: one [`session::Session`] type holds a client's state (subscriptions,
//! resume floors, frame budget) and the protocol; [`ws`] and [`sse`] only move its frames.

pub mod session;
pub mod sse;
pub mod upgrade;
pub mod ws;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(ws::connect).service(sse::events);
}
