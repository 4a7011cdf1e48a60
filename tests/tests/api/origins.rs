//! Browser safety: an app lists the web origins allowed to use its keys. Requests, WebSocket
//! and SSE handshakes from any other origin are refused; allowed ones get CORS answers.

use parley_tests::realtime::{Ws, ws_base};
use parley_tests::*;
use reqwest::Method;
use serde_json::json;

const APP: &str = "https://app.example.com";
const EVIL: &str = "https://evil.example";

fn sse_url(t: &Tenant, user: &User) -> String {
    format!(
        "{}/v1/events?api_key={}&token={}",
        t.app_base, t.publishable_key, user.token
    )
}

fn ws_url(app: &TestApp, t: &Tenant, user: &User) -> String {
    format!(
        "{}/v1/connect?api_key={}&token={}",
        ws_base(&app.base),
        t.publishable_key,
        user.token
    )
}

async fn set_origins(t: &Tenant, origins: serde_json::Value) -> (u16, serde_json::Value) {
    let (status, body) = send(
        t.server(Method::PATCH, "/v1/app")
            .json(&json!({"settings": {"allowed_origins": origins}})),
    )
    .await;
    (status.as_u16(), body)
}

async fn only_listed_origins_may_use_the_keys(app: TestApp) {
    let t = app.tenant("Acme").await;
    t.create_user("alice").await;
    let alice = t.user("alice").await;

    // Unset: no browser origin; servers and apps (no `Origin`) are not affected.
    let p = expect_problem(
        alice.request(Method::GET, "/v1/me").header("origin", APP),
        403,
        "origin_not_allowed",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains(APP), "{p}");
    let (status, _) = send(alice.request(Method::GET, "/v1/me")).await;
    assert_eq!(status, 200);
    assert!(
        Ws::open(&ws_url(&app, &t, &alice), &[("origin", APP)])
            .await
            .is_err()
    );

    // Badly written origins are refused, naming the entry.
    for (origins, names) in [
        (json!(["https://app.example.com/"]), "allowed_origins[0]"),
        (
            json!([APP, "ftp://files.example.com"]),
            "allowed_origins[1]",
        ),
        (json!([APP, "*"]), "`*`"),
        (
            json!(["https://App.Example.com"]),
            "https://app.example.com",
        ),
    ] {
        let (status, p) = set_origins(&t, origins).await;
        assert_eq!(status, 400, "{p}");
        assert!(p["detail"].as_str().unwrap().contains(names), "{p}");
    }
    let (status, body) = set_origins(&t, json!([APP, "http://localhost:5173"])).await;
    assert_eq!(status, 200, "{body}");

    // An allowed origin gets its CORS answer, even on an error it should be able to read.
    let res = alice
        .request(Method::GET, "/v1/me")
        .header("origin", APP)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let headers = res.headers();
    assert_eq!(headers["access-control-allow-origin"], APP);
    assert!(headers.get_all("vary").iter().any(|v| v == "Origin"));
    assert!(
        headers["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .contains("retry-after")
    );
    let res = alice
        .request(Method::GET, "/v1/channels/messaging/nope")
        .header("origin", "http://localhost:5173")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "http://localhost:5173"
    );
    // Another origin is refused, without a CORS answer.
    let res = alice
        .request(Method::POST, "/v1/channels")
        .header("origin", EVIL)
        .json(&json!({"type": "messaging", "id": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.headers().get("access-control-allow-origin").is_none());
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "origin_not_allowed");
    let (status, _) = send(t.server(Method::GET, "/v1/channels/messaging/x")).await;
    assert_eq!(status, 404, "the refused request created nothing");

    // A preflight is answered (it carries no key); the request after it is what is checked.
    let res = app
        .request(Method::OPTIONS, "/v1/channels")
        .header("origin", APP)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, x-api-key, content-type",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let headers = res.headers();
    assert_eq!(headers["access-control-allow-origin"], APP);
    assert!(
        headers["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    assert!(
        headers["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("x-api-key")
    );

    // WebSocket and SSE handshakes follow the same list.
    assert!(
        Ws::open(&ws_url(&app, &t, &alice), &[("origin", APP)])
            .await
            .is_ok()
    );
    assert!(
        Ws::open(&ws_url(&app, &t, &alice), &[("origin", EVIL)])
            .await
            .is_err()
    );
    let res = app
        .client
        .get(sse_url(&t, &alice))
        .header("origin", EVIL)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = app
        .client
        .get(sse_url(&t, &alice))
        .header("origin", APP)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["access-control-allow-origin"], APP);
    drop(res);

    // `*`, given explicitly, allows any origin.
    let (status, _) = set_origins(&t, json!(["*"])).await;
    assert_eq!(status, 200);
    let res = alice
        .request(Method::GET, "/v1/me")
        .header("origin", EVIL)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["access-control-allow-origin"], EVIL);
}

on_both_backends!(only_listed_origins_may_use_the_keys);
