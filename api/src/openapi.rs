//! The OpenAPI document: collected from the registered routes, plus security schemes.

use actix_web::App;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::error::Problem;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Parley",
        description = "Chat platform API: tenants, users, channels, messages. Errors are RFC 9457 \
            `application/problem+json` documents with a stable `code`. Lists are \
            `{\"items\": [...], \"next_cursor\": string|null}`; pass `next_cursor` back as `cursor`."
    ),
    modifiers(&SecuritySchemes),
    components(schemas(Problem)),
    tags(
        (name = "operator", description = "The operator's API: tenants, keys and the worker's jobs (operator token)."),
        (name = "app", description = "A tenant's app settings and user tokens (secret key)."),
        (name = "users", description = "Users of a tenant."),
        (name = "me", description = "The calling user."),
        (name = "channels", description = "Channels, members, read state."),
        (name = "messages", description = "Messages, threads, reactions, pins."),
        (name = "webhooks", description = "Webhook endpoints (Standard Webhooks signatures) and their delivery log."),
        (name = "push", description = "Push devices, APNs and FCM credentials, test sends."),
        (name = "uploads", description = "Media uploads: create, PUT the bytes to the signed URL, complete, attach to a message."),
        (name = "realtime", description = "WebSocket and Server-Sent Events; the protocol is described in openapi/asyncapi.yaml."),
        (name = "ops", description = "The front door (`GET /`) and health probes."),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = |desc: &str, format: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format(format)
                    .description(Some(desc))
                    .build(),
            )
        };
        components.add_security_scheme(
            "admin_token",
            bearer(
                "The operator token (`PARLEY_ADMIN_TOKEN` or the generated `admin-token` file).",
                "opaque",
            ),
        );
        components.add_security_scheme(
            "secret_key",
            bearer(
                "A tenant's secret key `sk_…`, for its servers only.",
                "sk_…",
            ),
        );
        components.add_security_scheme(
            "user_token",
            bearer(
                "A user token (HS256 JWT), together with the publishable key.",
                "JWT",
            ),
        );
        components.add_security_scheme(
            "signed_url",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "signature",
                "A signed media URL as Parley handed it out (`put_url`, `url`, `thumb_url`); it expires.",
            ))),
        );
        components.add_security_scheme(
            "publishable_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Api-Key",
                "A tenant's publishable key `pk_…`, sent with a user token.",
            ))),
        );
    }
}

/// The whole document, as served at `/openapi.json` and printed by `parley openapi`.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure)
        .split_for_parts();
    api
}

/// Pretty JSON with a final newline, exactly as committed in `openapi/openapi.json`.
pub fn document_json() -> String {
    let mut s = document().to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}
