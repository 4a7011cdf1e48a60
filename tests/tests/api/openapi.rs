//! The committed OpenAPI document matches the code, and documents every operation fully.

use serde_json::Value;

#[test]
fn committed_document_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let current = parley_api::openapi::document_json();
    assert!(
        committed == current,
        "openapi/openapi.json is stale: regenerate it with `cargo run -p parley-api --bin parley -- openapi --output openapi/openapi.json`"
    );
}

#[test]
fn every_operation_has_a_summary_schemas_and_an_error_shape() {
    let doc: Value = serde_json::from_str(&parley_api::openapi::document_json()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 24, "{} paths", paths.len());
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            let at = format!("{method} {path}");
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{at}: no summary"
            );
            let responses = op["responses"].as_object().unwrap();
            for (status, res) in responses {
                assert!(
                    res["description"].as_str().is_some_and(|d| !d.is_empty()),
                    "{at} {status}: no description (OpenAPI requires one)"
                );
                // 204 has no body; 101 switches to the WebSocket protocol (see asyncapi.yaml).
                if status == "204" || status == "101" {
                    continue;
                }
                let content = res["content"].as_object().expect("content");
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        content.keys().eq(["application/problem+json"]),
                        "{at} {status}: errors are documented as application/problem+json"
                    );
                }
                let schema = content
                    .get("application/json")
                    .or_else(|| content.get("application/problem+json"))
                    .or_else(|| content.get("text/event-stream"))
                    .or_else(|| content.get("application/octet-stream"))
                    .map(|c| &c["schema"]);
                assert!(
                    schema.is_some_and(Value::is_object),
                    "{at} {status}: no schema"
                );
            }
            if path.starts_with("/v1") || path.starts_with("/admin") {
                assert!(responses.contains_key("4XX"), "{at}: errors undocumented");
                assert!(op["security"].is_array(), "{at}: no security requirement");
            }
            if ["post", "put", "patch"].contains(&method.as_str())
                && !path.ends_with("/pin")
                && !path.ends_with("/reactivate")
                && !path.ends_with("/retry")
                && !path.ends_with("/mute")
                && !path.starts_with("/v1/me/mutes/")
                && !path.starts_with("/v1/me/blocks/")
                && !path.starts_with("/v1/webhooks/{webhook_id}/test")
                && !path.ends_with("/complete")
            {
                let content = &op["requestBody"]["content"];
                // File bytes go to the media URLs; everything else is JSON.
                let body = if path.starts_with("/v1/media/") {
                    &content["application/octet-stream"]["schema"]
                } else {
                    &content["application/json"]["schema"]
                };
                assert!(body.is_object(), "{at}: no request body schema");
            }
        }
    }
}

/// Generators refuse a document with a `$ref` to nothing or two operations of one id.
#[test]
fn every_reference_resolves_and_every_operation_id_is_unique() {
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r);
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let doc: Value = serde_json::from_str(&parley_api::openapi::document_json()).unwrap();
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    for r in found {
        let pointer = r.strip_prefix('#').expect("a local reference");
        assert!(doc.pointer(pointer).is_some(), "`{r}` points to nothing");
    }
    // A page's items are its item schema itself, not a copy without that schema's constraints.
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        if let Some(item) = name.strip_prefix("Page_") {
            assert_eq!(
                schema["properties"]["items"]["items"]["$ref"],
                format!("#/components/schemas/{item}"),
                "{name}"
            );
        }
    }
    let mut ids = std::collections::BTreeMap::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            if let Some(id) = op["operationId"].as_str()
                && let Some(other) = ids.insert(id.to_owned(), format!("{method} {path}"))
            {
                panic!("operationId `{id}` is used by {other} and {method} {path}");
            }
        }
    }
}

mod served {
    use parley_tests::*;
    use reqwest::Method;
    use serde_json::json;

    /// A known path with a method it does not serve: 405, `Allow`, a problem document.
    async fn wrong_method_is_405_with_allow(app: TestApp) {
        let res = app.request(Method::TRACE, "/healthz").send().await.unwrap();
        assert_eq!(res.status(), 405);
        assert_eq!(res.headers()["allow"], "GET");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let res = app
            .request(Method::POST, "/v1/users/alice")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 405);
        assert_eq!(res.headers()["allow"], "GET, PUT, DELETE, PATCH");
        let unknown = app.request(Method::TRACE, "/nope").send().await.unwrap();
        assert_eq!(unknown.status(), 404);
    }

    /// A `null` body where an object belongs is refused, naming the body.
    async fn null_body_is_400_naming_the_body(app: TestApp) {
        let t = app.tenant("Acme").await;
        let req = t
            .server(Method::POST, "/v1/tokens")
            .header("content-type", "application/json")
            .body("null");
        let p = expect_problem(req, 400, "invalid_json").await;
        assert!(p["detail"].as_str().unwrap().starts_with("body:"), "{p}");
    }

    /// JSON Schema counts `1.0` as an integer: so does the server.
    async fn whole_float_is_an_integer(app: TestApp) {
        let t = app.tenant("Acme").await;
        let (status, body) = send(
            t.server(Method::POST, "/v1/tokens")
                .json(&json!({"user_id": "alice", "expires_in": 60.0})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let p = expect_problem(
            t.server(Method::POST, "/v1/tokens")
                .json(&json!({"user_id": "alice", "expires_in": 60.5})),
            400,
            "invalid_json",
        )
        .await;
        assert!(p["detail"].as_str().unwrap().contains("expires_in"), "{p}");
    }

    on_both_backends!(
        wrong_method_is_405_with_allow,
        null_body_is_400_naming_the_body,
        whole_float_is_an_integer
    );
}

/// The AsyncAPI document's error codes (WebSocket `error` frames) are exactly the server's.
#[test]
fn asyncapi_lists_every_error_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/asyncapi.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let start = text
        .find("\n    ErrorCode:\n")
        .expect("an ErrorCode schema");
    let listed: Vec<&str> = text[start..]
        .lines()
        .skip_while(|l| l.trim() != "enum:")
        .skip(1)
        .map_while(|l| l.strip_prefix("        - "))
        .collect();
    let codes: Vec<&str> = parley_core::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(listed, codes, "openapi/asyncapi.yaml ErrorCode enum");
}
