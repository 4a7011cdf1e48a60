//! A JSON body extractor whose errors name the offending field (`silent: invalid type…`),
//! answered as problem+json: 415 for a wrong content type, 413 over the size limit, 400 else;
//! and a query string extractor whose errors name the parameter.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use parley_core::{Error, ErrorCode};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON request body. Named `Json` so the OpenAPI generator documents it as the body.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| {
            let m = m.trim().to_ascii_lowercase();
            m == "application/json" || m.ends_with("+json")
        })
        .unwrap_or(false)
}

fn require_json(req: &HttpRequest) -> Result<(), Error> {
    if is_json(req) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::UnsupportedMediaType,
            "send the body as `Content-Type: application/json`",
        ))
    }
}

/// Parses a body, naming the JSON path of the first problem (or `body` when the problem is
/// the body as a whole, e.g. `null` where an object belongs).
///
/// JSON Schema counts `1.0` as an integer, so clients generated from the document may send
/// whole numbers with a fraction part: when a body is refused and holds such numbers, it is
/// read again with them as integers.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    refuse_nul_in_json(bytes)?;
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let first = match serde_path_to_error::deserialize(de) {
        Ok(value) => return Ok(value),
        Err(e) => e,
    };
    if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(bytes)
        && whole_floats_to_integers(&mut value)
        && let Ok(parsed) = serde_path_to_error::deserialize(value)
    {
        return Ok(parsed);
    }
    let path = first.path().to_string();
    let inner = first.into_inner();
    let detail = if path.is_empty() || path == "." {
        format!("body: {inner}")
    } else {
        format!("{path}: {inner}")
    };
    Err(Error::new(ErrorCode::InvalidJson, detail))
}

/// Rewrites every whole number written as a float (`1.0`, `2e3`) as an integer; says
/// whether there was any.
fn whole_floats_to_integers(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Number(n) => {
            let Some(f) = n.as_f64().filter(|_| n.is_f64()) else {
                return false;
            };
            // Within these bounds the conversion is exact and cannot saturate.
            let integer = if f.fract() != 0.0 || !f.is_finite() {
                None
            } else if (-9.0e18..9.0e18).contains(&f) {
                Some(serde_json::Number::from(f as i64))
            } else if (0.0..1.8e19).contains(&f) {
                Some(serde_json::Number::from(f as u64))
            } else {
                None
            };
            match integer {
                Some(i) => {
                    *n = i;
                    true
                }
                None => false,
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |any, v| whole_floats_to_integers(v) | any),
        Value::Object(map) => map
            .values_mut()
            .fold(false, |any, v| whole_floats_to_integers(v) | any),
        _ => false,
    }
}

/// Every body of this API is a JSON object; serde would also read a struct from an array
/// of its fields in order, which no client means.
fn require_object(bytes: &[u8]) -> Result<(), Error> {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Ok(()),
        _ => Err(Error::new(
            ErrorCode::InvalidJson,
            match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
                // Not JSON at all: say where it breaks.
                Err(e) => format!("body: {e}"),
                Ok(_) => "body: expected a JSON object".to_owned(),
            },
        )),
    }
}

async fn read_body(req: HttpRequest, mut payload: Payload) -> Result<web::Bytes, Error> {
    web::Bytes::from_request(&req, &mut payload)
        .await
        .map_err(|e| {
            let status = actix_web::ResponseError::status_code(e.as_response_error());
            if status == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
                Error::new(
                    ErrorCode::PayloadTooLarge,
                    "the request body is larger than the limit",
                )
            } else {
                Error::invalid(format!("could not read the request body: {e}"))
            }
        })
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            require_json(&req)?;
            let bytes = read_body(req, payload).await?;
            require_object(&bytes)?;
            Ok(Json(parse(&bytes)?))
        })
    }
}

/// A JSON body that may be left out entirely (no body, an empty one, or `null`).
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            let bytes = read_body(req.clone(), payload).await?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalJson(None));
            }
            require_json(&req)?;
            if bytes.trim_ascii() == b"null" {
                return Ok(OptionalJson(None));
            }
            require_object(&bytes)?;
            Ok(OptionalJson(Some(parse(&bytes)?)))
        })
    }
}

/// U+0000 in a string or key. PostgreSQL cannot store it in text or JSON, SQLite can; refusing
/// it at the edge gives both engines the same answer, naming where it was.
fn refuse_nul_in_json(bytes: &[u8]) -> Result<(), Error> {
    // JSON can only carry the character escaped; most bodies never contain the escape.
    if !bytes.windows(6).any(|w| w == br"\u0000") {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(()); // the parser names the syntax error
    };
    match nul_path(&value, String::new()) {
        Some(path) => Err(Error::invalid(format!(
            "{}: contains a NUL character (U+0000), which is not allowed",
            if path.is_empty() { "the body" } else { &path }
        ))),
        None => Ok(()),
    }
}

fn nul_path(value: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) if s.contains('\0') => Some(at),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_path(v, format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let here = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            if k.contains('\0') {
                Some(here)
            } else {
                nul_path(v, here)
            }
        }),
        _ => None,
    }
}

/// Refuses U+0000 in the path or a query parameter (`%00`), naming the parameter, for the
/// same reason as in bodies.
pub async fn refuse_nul_in_uri(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let uri = req.uri();
    let has_nul = |raw: &str| raw.contains("%00") || raw.contains('\0');
    if has_nul(uri.path()) {
        return Err(ApiError(Error::invalid(
            "path: contains a NUL character (U+0000), which is not allowed",
        ))
        .into());
    }
    if let Some(query) = uri.query().filter(|q| has_nul(q)) {
        let name = query
            .split('&')
            .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
            .find(|(k, v)| has_nul(k) || has_nul(v))
            .map_or_else(|| "query string".to_owned(), |(k, _)| k.to_owned());
        return Err(ApiError(Error::invalid(format!(
            "{name}: contains a NUL character (U+0000), which is not allowed"
        )))
        .into());
    }
    next.call(req).await
}

/// A query string. Named `Query` like actix's; a refusal names the parameter
/// (``query parameter `action`: unknown variant …``).
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Parses a query string, naming the parameter of the first problem.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, Error> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path.is_empty() || path == "." {
            Error::invalid(format!("query string: {inner}"))
        } else {
            Error::invalid(format!("query parameter `{path}`: {inner}"))
        }
    })
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Query).map_err(ApiError))
    }
}
