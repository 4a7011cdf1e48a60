//! User tokens: minting, expiry, pinned algorithm, forged signatures, secret rotation.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use parley_tests::*;
use reqwest::Method;
use serde_json::json;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn minted_token_works_before_the_user_exists(app: TestApp) {
    let t = app.tenant("Acme").await;
    let alice = t.user("alice").await;
    let (status, me) = send(alice.request(Method::GET, "/v1/me")).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["id"], "alice");
    assert_eq!(me["role"], "user");
    expect_problem(
        t.server(Method::POST, "/v1/tokens")
            .json(&json!({"user_id": "alice", "expires_in": 0})),
        400,
        "invalid_request",
    )
    .await;
    expect_problem(
        t.server(Method::POST, "/v1/tokens")
            .json(&json!({"user_id": "bad id"})),
        400,
        "invalid_request",
    )
    .await;
}

async fn bad_tokens_are_refused(app: TestApp) {
    let t = app.tenant("Acme").await;
    let with = |token: &str| {
        t.client
            .get(format!("{}/v1/me", app.base))
            .header("X-Api-Key", &t.publishable_key)
            .bearer_auth(token)
    };
    // Expired.
    let expired = t.sign(&json!({"sub": "alice", "exp": now() - 120}));
    expect_problem(with(&expired), 401, "token_expired").await;
    // No exp at all.
    let forever = t.sign(&json!({"sub": "alice"}));
    expect_problem(with(&forever), 401, "invalid_token").await;
    // Signed with another secret.
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"sub": "alice", "exp": now() + 600}),
        &jsonwebtoken::EncodingKey::from_secret(b"not-the-secret"),
    )
    .unwrap();
    expect_problem(with(&forged), 401, "invalid_token").await;
    // alg: none, unsigned.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(json!({"sub": "alice", "exp": now() + 600}).to_string());
    expect_problem(with(&format!("{header}.{claims}.")), 401, "invalid_token").await;
    // HS512 with the right secret: the algorithm is pinned to HS256.
    let hs512 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
        &json!({"sub": "alice", "exp": now() + 600}),
        &jsonwebtoken::EncodingKey::from_secret(t.signing_secret.as_bytes()),
    )
    .unwrap();
    expect_problem(with(&hs512), 401, "invalid_token").await;
    // Garbage.
    expect_problem(with("not.a.jwt"), 401, "invalid_token").await;
    // A token naming no user.
    let nobody = t.sign(&json!({"exp": now() + 600}));
    expect_problem(with(&nobody), 401, "invalid_token").await;
    // Not valid yet: `nbf` an hour ahead, or issued an hour in the future.
    let early = t.sign(&json!({"sub": "alice", "exp": now() + 7200, "nbf": now() + 3600}));
    let p = expect_problem(with(&early), 401, "invalid_token").await;
    assert!(p["detail"].as_str().unwrap().contains("nbf"), "{p}");
    let future = t.sign(&json!({"sub": "alice", "exp": now() + 7200, "iat": now() + 3600}));
    let p = expect_problem(with(&future), 401, "invalid_token").await;
    assert!(p["detail"].as_str().unwrap().contains("iat"), "{p}");
    // A few seconds of clock skew are allowed, and a past `nbf` is fine.
    let skewed =
        t.sign(&json!({"sub": "alice", "exp": now() + 600, "iat": now() + 20, "nbf": now() + 20}));
    let (status, body) = send(with(&skewed)).await;
    assert_eq!(status, 200, "{body}");
    let started = t.sign(&json!({"sub": "alice", "exp": now() + 600, "nbf": now() - 60}));
    let (status, body) = send(with(&started)).await;
    assert_eq!(status, 200, "{body}");
    // A locally signed, valid token works (tenants may mint with any JWT library).
    let good = t.sign(&json!({"sub": "alice", "exp": now() + 600}));
    let (status, _) = send(with(&good)).await;
    assert_eq!(status, 200);
}

async fn rotation_keeps_old_tokens_until_they_expire(app: TestApp) {
    let t = app.tenant("Acme").await;
    let old = t.user("alice").await;
    let (status, rotated) = send(
        t.server(Method::PATCH, "/v1/app")
            .json(&json!({"rotate_signing_secret": true})),
    )
    .await;
    assert_eq!(status, 200, "{rotated}");
    let new_secret = rotated["signing_secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, t.signing_secret);
    assert!(rotated["previous_signing_secret_valid_until"].is_string());

    // The token signed before rotation still works.
    let (status, _) = send(old.request(Method::GET, "/v1/me")).await;
    assert_eq!(status, 200);
    // New tokens are signed with the new secret.
    let fresh = t.user("bob").await;
    let (status, _) = send(fresh.request(Method::GET, "/v1/me")).await;
    assert_eq!(status, 200);
    let mut rotated_tenant = t.clone();
    rotated_tenant.signing_secret = new_secret;
    let local = rotated_tenant.sign(&json!({"sub": "carol", "exp": now() + 600}));
    let res = t
        .client
        .get(format!("{}/v1/me", app.base))
        .header("X-Api-Key", &t.publishable_key)
        .bearer_auth(&local)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // An old-secret token that has expired is still refused.
    let expired_old = t.sign(&json!({"sub": "alice", "exp": now() - 120}));
    expect_problem(
        t.client
            .get(format!("{}/v1/me", app.base))
            .header("X-Api-Key", &t.publishable_key)
            .bearer_auth(&expired_old),
        401,
        "token_expired",
    )
    .await;
    // The GET view never shows a secret.
    let (_, app_view) = send(t.server(Method::GET, "/v1/app")).await;
    assert!(app_view.get("signing_secret").is_none(), "{app_view}");
    assert_eq!(app_view["max_message_length"], 5000);
}

async fn deactivated_user_cannot_act(app: TestApp) {
    let t = app.tenant("Acme").await;
    t.create_user("alice").await;
    let alice = t.user("alice").await;
    let (status, _) = send(t.server(Method::DELETE, "/v1/users/alice")).await;
    assert_eq!(status, 204);
    expect_problem(
        alice.request(Method::GET, "/v1/me"),
        403,
        "user_deactivated",
    )
    .await;
    let (status, body) = send(t.server(Method::POST, "/v1/users/alice/reactivate")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["deactivated"], false);
    let (status, _) = send(alice.request(Method::GET, "/v1/me")).await;
    assert_eq!(status, 200);
}

on_both_backends!(
    minted_token_works_before_the_user_exists,
    bad_tokens_are_refused,
    rotation_keeps_old_tokens_until_they_expire,
    deactivated_user_cannot_act,
);
