//! The OpenAPI document: collected from the registered routes, plus security schemes, then
//! [`finish`]ed so that it says what the server sends (problem documents, event streams).

use actix_web::App;
use actix_web::http::Method;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_actix_web::AppExt;

use crate::error::{PROBLEM_CONTENT_TYPE, Problem};
use crate::realtime::sse::SseEvent;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Parley",
        description = "Chat platform API: tenants, users, channels, messages. Errors are RFC 9457 \
            `application/problem+json` documents with a stable `code`. Lists are \
            `{\"items\": [...], \"next_cursor\": string|null}`; pass `next_cursor` back as `cursor`."
    ),
    modifiers(&SecuritySchemes),
    components(schemas(Problem, SseEvent)),
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
        (name = "ops", description = "Health probes."),
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
    finish(api)
}

fn operations_mut(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

fn is_ref_to(schema: Option<&RefOr<Schema>>, name: &str) -> bool {
    matches!(schema, Some(RefOr::Ref(r)) if r.ref_location.rsplit('/').next() == Some(name))
}

/// What the route annotations cannot say by themselves, applied to the collected document:
/// - every `Problem` answer is `application/problem+json` (the annotations name only the
///   body type, which utoipa documents as `application/json`);
/// - an event stream's `itemSchema` is one event as read off the stream (`data`, `id`, …).
pub fn finish(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let problem = Problem::name();
    let event = SseEvent::name();
    for item in api.paths.paths.values_mut() {
        for op in operations_mut(item) {
            for response in op.responses.responses.values_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                if let Some(RefOr::T(json)) = response.content.get("application/json")
                    && is_ref_to(json.schema.as_ref(), &problem)
                    && let Some(content) = response.content.shift_remove("application/json")
                {
                    response
                        .content
                        .insert(PROBLEM_CONTENT_TYPE.to_owned(), content);
                    if response.description.is_empty() {
                        response.description = "A problem document (RFC 9457) with a stable \
                            `code`; 429 and 503 carry `Retry-After`."
                            .to_owned();
                    }
                }
                if let Some(RefOr::T(stream)) = response.content.get_mut("text/event-stream") {
                    stream.item_schema = Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                        event.as_ref(),
                    )));
                }
            }
        }
    }
    api
}

/// Pretty JSON with a final newline, exactly as committed in `openapi/openapi.json`.
pub fn document_json() -> String {
    let mut s = document().to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}

enum Segment {
    Literal(String),
    Param,
}

/// The documented paths with their methods: tells a wrong method on a known path (405, with
/// `Allow`) from a path that does not exist (404).
pub struct KnownPaths(Vec<(Vec<Segment>, Vec<Method>)>);

impl KnownPaths {
    pub fn from_document(api: &utoipa::openapi::OpenApi) -> Self {
        let mut known: Vec<(Vec<Segment>, Vec<Method>)> = api
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let methods = [
                    (Method::GET, item.get.is_some()),
                    (Method::PUT, item.put.is_some()),
                    (Method::POST, item.post.is_some()),
                    (Method::DELETE, item.delete.is_some()),
                    (Method::OPTIONS, item.options.is_some()),
                    (Method::HEAD, item.head.is_some()),
                    (Method::PATCH, item.patch.is_some()),
                    (Method::TRACE, item.trace.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, present)| present.then_some(m))
                .collect();
                (segments(template), methods)
            })
            .collect();
        // Served outside the document: the document itself and the docs' entry point.
        for extra in ["/openapi.json", "/docs"] {
            known.push((segments(extra), vec![Method::GET]));
        }
        Self(known)
    }

    /// The methods a path answers to, or `None` when no route has this path.
    pub fn allowed(&self, path: &str) -> Option<Vec<Method>> {
        let parts: Vec<&str> = path.split('/').skip(1).collect();
        let mut allowed: Vec<Method> = Vec::new();
        for (template, methods) in &self.0 {
            let matches = template.len() == parts.len()
                && template.iter().zip(&parts).all(|(t, p)| match t {
                    Segment::Literal(l) => l == p,
                    Segment::Param => !p.is_empty(),
                });
            if matches {
                for m in methods {
                    if !allowed.contains(m) {
                        allowed.push(m.clone());
                    }
                }
            }
        }
        (!allowed.is_empty()).then_some(allowed)
    }
}

fn segments(template: &str) -> Vec<Segment> {
    template
        .split('/')
        .skip(1)
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') {
                Segment::Param
            } else {
                Segment::Literal(s.to_owned())
            }
        })
        .collect()
}
