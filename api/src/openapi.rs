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
        (name = "moderation", description = "Bans from the app or from a channel."),
        (name = "channel-types", description = "Channel types: features, and which role may do which action (secret key)."),
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

/// A user id (`UserId::parse`).
pub const USER_ID_PATTERN: &str = "^[A-Za-z0-9_.@-]+$";
/// A channel id or a message id (`Cid::parse`, `MessageId::parse`).
pub const ID_PATTERN: &str = "^[A-Za-z0-9_-]+$";
/// A channel type's name (`ChannelType::parse`): built-in or the app's own.
pub const CHANNEL_TYPE_PATTERN: &str = "^[a-z0-9_-]+$";
/// A reaction type (`parse_reaction_type`): no spaces, control characters or `/`.
pub const REACTION_PATTERN: &str = "^[^\\s/\\x00-\\x1f\\x7f-\\x9f]+$";

/// The rules the server applies to a parameter, by where it is and what it is called: the
/// same names mean the same things on every route (`limit`, `user_id`, a channel's `type`
/// or a channel type's name, and `id`, `message_id`), so they are stated once here rather than on each route.
fn constrain_parameter(path: &str, param: &mut utoipa::openapi::path::Parameter) {
    use utoipa::openapi::path::ParameterIn;
    let Some(RefOr::T(Schema::Object(schema))) = param.schema.as_mut() else {
        return;
    };
    let mut text = |pattern: &str, max: usize| {
        schema.pattern = Some(pattern.to_owned());
        schema.min_length = Some(1);
        schema.max_length = Some(max);
    };
    let channel = path.starts_with("/v1/channels/{type}/{id}");
    match (&param.parameter_in, param.name.as_str()) {
        (ParameterIn::Query, "limit") => {
            schema.minimum = Some(1usize.into());
            schema.maximum = Some((parley_core::kernel::page::MAX_LIMIT as usize).into());
        }
        // `me`, or a user id.
        (ParameterIn::Query | ParameterIn::Path, "user_id" | "member") => {
            text(USER_ID_PATTERN, parley_core::kernel::ids::UserId::MAX_LEN);
        }
        (ParameterIn::Path, "message_id") => text(ID_PATTERN, 64),
        (ParameterIn::Path, "id") if channel => text(ID_PATTERN, 64),
        (ParameterIn::Path, "type") if channel || path.starts_with("/v1/channel-types/") => {
            text(CHANNEL_TYPE_PATTERN, 32);
        }
        (ParameterIn::Path, "type") if path.contains("/reactions/") => text(REACTION_PATTERN, 32),
        _ => {}
    }
}

/// `Page<T>` repeats `T`'s schema inline, where the constraints [`constrain_items`] adds to
/// `T` do not reach; a reference keeps one definition, and generated clients one type.
fn page_items_by_reference(schemas: &mut std::collections::BTreeMap<String, RefOr<Schema>>) {
    let names: std::collections::BTreeSet<String> = schemas.keys().cloned().collect();
    for (name, schema) in schemas.iter_mut() {
        let Some(item) = name.strip_prefix("Page_").filter(|i| names.contains(*i)) else {
            continue;
        };
        let RefOr::T(Schema::Object(page)) = schema else {
            continue;
        };
        if let Some(RefOr::T(Schema::Array(array))) = page.properties.get_mut("items") {
            array.items = utoipa::openapi::schema::ArrayItems::RefOrSchema(Box::new(RefOr::Ref(
                utoipa::openapi::Ref::from_schema_name(item),
            )));
        }
    }
}

/// The rules of list items that the body types hold as plain strings, by property name
/// (the same in every body): user ids, and the event types a webhook may ask for.
fn constrain_items(schemas: &mut std::collections::BTreeMap<String, RefOr<Schema>>) {
    let event_types: Vec<serde_json::Value> = {
        let mut names: Vec<String> = parley_core::integrations::webhooks::EVENT_TYPES
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect();
        let families: Vec<String> = names
            .iter()
            .filter_map(|n| n.split_once('.').map(|(f, _)| format!("{f}.*")))
            .collect();
        names.extend(families);
        names.sort();
        names.dedup();
        names.into_iter().map(Into::into).collect()
    };
    for schema in schemas.values_mut() {
        let RefOr::T(Schema::Object(object)) = schema else {
            continue;
        };
        for (name, property) in object.properties.iter_mut() {
            let RefOr::T(Schema::Array(array)) = property else {
                continue;
            };
            let utoipa::openapi::schema::ArrayItems::RefOrSchema(item) = &mut array.items else {
                continue;
            };
            let RefOr::T(Schema::Object(item)) = item.as_mut() else {
                continue;
            };
            match name.as_str() {
                "user_ids" | "members" | "mentions" => {
                    item.pattern = Some(USER_ID_PATTERN.to_owned());
                    item.min_length = Some(1);
                    item.max_length = Some(parley_core::kernel::ids::UserId::MAX_LEN);
                }
                "event_types" => item.enum_values = Some(event_types.clone()),
                _ => {}
            }
        }
    }
}

/// The reason phrase of a status (`200` → `OK`), or of its class (`4XX`).
fn status_description(status: &str) -> String {
    let reason = status
        .parse::<u16>()
        .ok()
        .and_then(|code| actix_web::http::StatusCode::from_u16(code).ok())
        .and_then(|code| code.canonical_reason());
    match (reason, status.chars().next()) {
        (Some(reason), _) => reason.to_owned(),
        (None, Some('2')) => "Success".to_owned(),
        (None, _) => "An error".to_owned(),
    }
}

/// What the route annotations cannot say by themselves, applied to the collected document:
/// - every `Problem` answer is `application/problem+json` (the annotations name only the
///   body type, which utoipa documents as `application/json`);
/// - an event stream's `itemSchema` is one event as read off the stream (`data`, `id`, …);
/// - the rules of the common parameters ([`constrain_parameter`]) and list items
///   ([`constrain_items`]);
/// - an operation that answers problems (`4XX`) may also answer 503 `database_unavailable`
///   (with `Retry-After`) when the database cannot be reached;
/// - every response has a description (its status's reason phrase unless annotated), and a
///   page's items refer to their schema ([`page_items_by_reference`]).
pub fn finish(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    if let Some(components) = api.components.as_mut() {
        page_items_by_reference(&mut components.schemas);
        constrain_items(&mut components.schemas);
    }
    let problem = Problem::name();
    let event = SseEvent::name();
    for (path, item) in api.paths.paths.iter_mut() {
        for op in operations_mut(item) {
            for param in op.parameters.iter_mut().flatten() {
                if let RefOr::T(param) = param {
                    constrain_parameter(path, param);
                }
            }
            if let Some(problems) = op.responses.responses.get("4XX").cloned()
                && !op.responses.responses.contains_key("503")
            {
                op.responses.responses.insert("503".to_owned(), problems);
            }
            for (status, response) in op.responses.responses.iter_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                // OpenAPI requires a description on every response, and generators refuse a
                // document without one.
                if response.description.is_empty() {
                    response.description = status_description(status);
                }
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
