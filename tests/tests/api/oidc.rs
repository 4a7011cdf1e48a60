//! Bring your own identity: tokens from a tenant's OIDC issuer (a stand-in on loopback) sign
//! users in beside the app's own HS256 tokens. Keys are discovered, cached as the key set's
//! headers say, rotated and refetched for an unknown `kid` at most once a minute; bad tokens
//! and an unreachable issuer answer 401 with a code an SDK can act on, never 500.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use parley_tests::standins::RsaKey;
use parley_tests::standins::oidc::{OidcStandIn, SigningKey};
use parley_tests::*;
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

const AUDIENCE: &str = "parley-chat";
const MINUTE: Duration = Duration::from_secs(61);

/// Sets `settings.oidc_issuers` through `PATCH /v1/app` and returns the app.
async fn trust(t: &Tenant, issuers: Value) -> Value {
    let (status, body) = send(
        t.server(Method::PATCH, "/v1/app")
            .json(&json!({"settings": {"oidc_issuers": issuers}})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The issuer as an app lists it, naming `name` as the claim for the user's name.
fn listed(idp: &OidcStandIn) -> Value {
    json!({"issuer": idp.issuer(), "audience": AUDIENCE, "name_claim": "name"})
}

/// The claims of a valid token for `sub`, timed by the node's clock (which tests move).
fn claims(app: &TestApp, idp: &OidcStandIn, sub: &str) -> Value {
    let now = app.clock.now().timestamp();
    json!({"iss": idp.issuer(), "aud": AUDIENCE, "sub": sub, "iat": now, "exp": now + 600})
}

/// `GET /v1/me` with the app's publishable key and `token`.
fn who_am_i(t: &Tenant, token: &str) -> RequestBuilder {
    t.client
        .get(format!("{}/v1/me", t.app_base))
        .header("X-Api-Key", &t.publishable_key)
        .bearer_auth(token)
}

async fn signed_in_as(t: &Tenant, token: &str) -> Value {
    let (status, body) = send(who_am_i(t, token)).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn rsa_key(kid: &'static str) -> SigningKey {
    // The shared RSA key takes seconds to make in a debug build: off the async workers.
    tokio::task::spawn_blocking(move || SigningKey::rsa(kid))
        .await
        .unwrap()
}

async fn each_key_type_signs_users_in(app: TestApp) {
    let (rsa, ec, ed) = (
        rsa_key("rsa-1").await,
        SigningKey::ec("ec-1"),
        SigningKey::ed("ed-1"),
    );
    let idp = OidcStandIn::start(&[&rsa, &ec, &ed]).await;
    let t = app.tenant("Acme").await;
    let saved = trust(&t, json!([listed(&idp)])).await;
    assert_eq!(
        saved["settings"]["oidc_issuers"],
        json!([{"issuer": idp.issuer(), "audience": AUDIENCE, "user_id_claim": "sub",
                "name_claim": "name"}])
    );

    // A user's first token creates them, named by the token.
    for (key, id, name) in [
        (&rsa, "ada", "Ada Lovelace"),
        (&ec, "grace", "Grace Hopper"),
        (&ed, "alan", "Alan Turing"),
    ] {
        let mut c = claims(&app, &idp, id);
        c["name"] = json!(name);
        let me = signed_in_as(&t, &key.sign(&c)).await;
        assert_eq!(
            (me["id"].as_str(), me["name"].as_str()),
            (Some(id), Some(name))
        );
        assert_eq!(me["role"], "user");
    }
    // One fetch of the key set served all three.
    assert_eq!(idp.jwks_fetches(), 1);
    // The name is searchable like any other, and a later token does not rename the user.
    let (_, found) = send(t.server(Method::GET, "/v1/users?q=grace")).await;
    assert_eq!(found["items"][0]["name"], "Grace Hopper", "{found}");
    let mut renamed = claims(&app, &idp, "ada");
    renamed["name"] = json!("Someone Else");
    let me = signed_in_as(&t, &rsa.sign(&renamed)).await;
    assert_eq!(me["name"], "Ada Lovelace");
    // A token naming no `kid` is tried with the keys of its algorithm.
    let me = signed_in_as(&t, &ec.sign_without_kid(&claims(&app, &idp, "grace"))).await;
    assert_eq!(me["id"], "grace");
    // Without a name claim, a new user has no name.
    let me = signed_in_as(&t, &ed.sign(&claims(&app, &idp, "nameless"))).await;
    assert_eq!(me["name"], Value::Null);

    // The app's own HS256 tokens keep working beside the issuer's.
    let carol = t.user("carol").await;
    let (status, body) = send(carol.request(Method::GET, "/v1/me")).await;
    assert_eq!(status, 200, "{body}");

    // An issuer's token opens a WebSocket too.
    let ada = User {
        id: "ada".into(),
        token: rsa.sign(&claims(&app, &idp, "ada")),
        tenant: t.clone(),
    };
    let ws = ada.connect().await;
    assert_eq!(ws.ready["user_id"], "ada", "{}", ws.ready);
    let (status, body) = send(
        ada.request(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "byo", "members": ["ada", "grace"]})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

async fn the_app_names_the_claims(app: TestApp) {
    let ec = SigningKey::ec("ec-1");
    let idp = OidcStandIn::start(&[&ec]).await;
    let t = app.tenant("Acme").await;
    trust(
        &t,
        json!([{"issuer": idp.issuer(), "audience": AUDIENCE,
                "user_id_claim": "preferred_username", "name_claim": "given_name"}]),
    )
    .await;
    let token = |extra: Value| {
        let mut c = claims(&app, &idp, "f3a9c1d2-0000-4000-8000-000000000001");
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        ec.sign(&c)
    };
    let me = signed_in_as(
        &t,
        &token(json!({"preferred_username": "ada.l", "given_name": "Ada"})),
    )
    .await;
    assert_eq!(
        (me["id"].as_str(), me["name"].as_str()),
        (Some("ada.l"), Some("Ada"))
    );

    // A value that cannot be a user id, or no value, is refused and the claim named.
    for extra in [
        json!({"preferred_username": "Ada Lovelace"}),
        json!({"preferred_username": ""}),
        json!({"preferred_username": {"nested": true}}),
        json!({}),
    ] {
        let p = expect_problem(who_am_i(&t, &token(extra.clone())), 401, "invalid_token").await;
        let detail = p["detail"].as_str().unwrap();
        assert!(detail.contains("preferred_username"), "{extra}: {p}");
    }

    // Another app trusting the same issuer reads the keys this node already has.
    let other = app.tenant("Other").await;
    trust(&other, json!([listed(&idp)])).await;
    let me = signed_in_as(&other, &ec.sign(&claims(&app, &idp, "zed"))).await;
    assert_eq!(me["id"], "zed");
    assert_eq!(idp.jwks_fetches(), 1);
}

async fn bad_issuer_tokens_are_refused(app: TestApp) {
    let (rsa, ec) = (rsa_key("rsa-1").await, SigningKey::ec("ec-1"));
    let idp = OidcStandIn::start(&[&rsa, &ec]).await;
    let t = app.tenant("Acme").await;
    trust(&t, json!([listed(&idp)])).await;
    let now = app.clock.now().timestamp();
    let with = |changes: Value| {
        let mut c = claims(&app, &idp, "ada");
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        c
    };
    let refused = async |token: String, code: &str, says: &str| {
        let p = expect_problem(who_am_i(&t, &token), 401, code).await;
        let detail = p["detail"].as_str().unwrap();
        assert!(detail.contains(says), "expected `{says}` in: {p}");
    };

    // Audience, issuer and the claims they need.
    refused(
        rsa.sign(&with(json!({"aud": "someone-else"}))),
        "invalid_token",
        AUDIENCE,
    )
    .await;
    refused(
        rsa.sign(&with(json!({"aud": null}))),
        "invalid_token",
        "aud",
    )
    .await;
    refused(
        rsa.sign(&with(json!({"exp": null}))),
        "invalid_token",
        "exp",
    )
    .await;
    // An issuer the app does not list: the token falls to the app's own (HS256) tokens.
    let elsewhere = with(json!({"iss": "https://login.elsewhere.example"}));
    refused(rsa.sign(&elsewhere), "invalid_token", "HS256").await;
    let slash = with(json!({"iss": format!("{}/", idp.issuer())}));
    refused(rsa.sign(&slash), "invalid_token", "HS256").await;

    // Time, with a minute of skew either way.
    refused(
        rsa.sign(&with(json!({"exp": now - 120}))),
        "token_expired",
        "expired",
    )
    .await;
    refused(
        rsa.sign(&with(json!({"nbf": now + 120}))),
        "invalid_token",
        "nbf",
    )
    .await;
    refused(
        rsa.sign(&with(json!({"iat": now + 120}))),
        "invalid_token",
        "iat",
    )
    .await;
    for skewed in [
        json!({"exp": now - 30}),
        json!({"nbf": now + 30, "iat": now + 30}),
    ] {
        signed_in_as(&t, &rsa.sign(&with(skewed))).await;
    }

    // Algorithm confusion: an HS256 token whose secret is the issuer's public RSA key (which
    // anyone can download), and one signed with the app's own secret but naming the issuer.
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("rsa-1".into());
    let public_pem = RsaKey::shared().public_pem.as_bytes();
    let confused = jsonwebtoken::encode(
        &header,
        &with(json!({})),
        &EncodingKey::from_secret(public_pem),
    )
    .unwrap();
    refused(confused, "invalid_token", "HS256").await;
    refused(t.sign(&with(json!({}))), "invalid_token", "HS256").await;
    // A header claiming another algorithm than the key's.
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("ec-1".into());
    let pem = RsaKey::shared().private_pem.as_bytes();
    let mismatched = jsonwebtoken::encode(
        &header,
        &with(json!({})),
        &EncodingKey::from_rsa_pem(pem).unwrap(),
    )
    .unwrap();
    refused(mismatched, "invalid_token", "ec-1").await;
    // A forger's key under a published `kid`.
    let forged = SigningKey::ec("ec-1").sign(&with(json!({})));
    refused(forged, "invalid_token", "signature").await;
    // Garbage with the issuer's name in it goes nowhere.
    refused("not.a.jwt".into(), "invalid_token", "JWT").await;

    // None of this refetched the keys: every `kid` was known.
    assert_eq!(idp.jwks_fetches(), 1);
}

async fn keys_rotate_and_unknown_kids_refetch_once_a_minute(app: TestApp) {
    let (k1, k2, k3) = (
        SigningKey::ec("k1"),
        SigningKey::ec("k2"),
        SigningKey::ed("k3"),
    );
    let idp = OidcStandIn::start(&[&k1]).await;
    let t = app.tenant("Acme").await;
    trust(&t, json!([listed(&idp)])).await;
    signed_in_as(&t, &k1.sign(&claims(&app, &idp, "ada"))).await;
    signed_in_as(&t, &k1.sign(&claims(&app, &idp, "ada"))).await;
    assert_eq!(idp.jwks_fetches(), 1, "cached");

    // The issuer rotates to k2 and drops k1. A minute later, a token signed with k2 makes
    // Parley fetch the new set; k1's tokens stop working.
    idp.publish(&[&k2]);
    app.clock.advance(MINUTE);
    signed_in_as(&t, &k2.sign(&claims(&app, &idp, "ada"))).await;
    assert_eq!(idp.jwks_fetches(), 2);
    let p = expect_problem(
        who_am_i(&t, &k1.sign(&claims(&app, &idp, "ada"))),
        401,
        "invalid_token",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("k1"), "{p}");

    // Made-up `kid`s cost the issuer one request a minute, however many arrive.
    for _ in 0..5 {
        expect_problem(
            who_am_i(&t, &k3.sign(&claims(&app, &idp, "ada"))),
            401,
            "invalid_token",
        )
        .await;
    }
    assert_eq!(idp.jwks_fetches(), 2, "held off within the minute");
    // A key published within that minute is seen once it has passed.
    idp.publish(&[&k2, &k3]);
    expect_problem(
        who_am_i(&t, &k3.sign(&claims(&app, &idp, "ada"))),
        401,
        "invalid_token",
    )
    .await;
    assert_eq!(idp.jwks_fetches(), 2);
    app.clock.advance(MINUTE);
    let me = signed_in_as(&t, &k3.sign(&claims(&app, &idp, "ada"))).await;
    assert_eq!(me["id"], "ada");
    assert_eq!(idp.jwks_fetches(), 3);
    signed_in_as(&t, &k2.sign(&claims(&app, &idp, "ada"))).await;
    assert_eq!(idp.jwks_fetches(), 3);
}

async fn the_key_set_is_kept_as_long_as_its_headers_say(app: TestApp) {
    let key = SigningKey::ec("k1");
    let idp = OidcStandIn::start(&[&key]).await;
    idp.set_cache_control(Some("public, max-age=300"));
    let t = app.tenant("Acme").await;
    trust(&t, json!([listed(&idp)])).await;
    let sign_in = async || signed_in_as(&t, &key.sign(&claims(&app, &idp, "ada"))).await;
    sign_in().await;
    app.clock.advance(Duration::from_secs(200));
    sign_in().await;
    assert_eq!(idp.jwks_fetches(), 1, "fresh for 300 s");
    app.clock.advance(Duration::from_secs(120));
    sign_in().await;
    assert_eq!(idp.jwks_fetches(), 2, "stale after 300 s");
    // `no-store` still keeps the set for a minute.
    idp.set_cache_control(Some("no-store"));
    app.clock.advance(Duration::from_secs(301));
    sign_in().await;
    assert_eq!(idp.jwks_fetches(), 3);
    sign_in().await;
    assert_eq!(idp.jwks_fetches(), 3);
    app.clock.advance(MINUTE);
    sign_in().await;
    assert_eq!(idp.jwks_fetches(), 4);
    // Without the header, an hour.
    idp.set_cache_control(None);
    app.clock.advance(MINUTE);
    sign_in().await;
    assert_eq!(idp.jwks_fetches(), 5);
    app.clock.advance(Duration::from_secs(3000));
    sign_in().await;
    assert_eq!(idp.jwks_fetches(), 5);
    app.clock.advance(Duration::from_secs(601));
    sign_in().await;
    assert_eq!(idp.jwks_fetches(), 6);
}

async fn an_unreachable_issuer_keeps_its_keys_and_never_fails_with_500(app: TestApp) {
    let (key, later) = (SigningKey::ec("k1"), SigningKey::ec("k2"));
    let idp = OidcStandIn::start(&[&key]).await;
    let never_reached = OidcStandIn::start(&[&key]).await;
    let t = app.tenant("Acme").await;
    trust(&t, json!([listed(&idp), listed(&never_reached)])).await;
    signed_in_as(&t, &key.sign(&claims(&app, &idp, "ada"))).await;

    // The issuer goes down: the keys fetched before keep working, also once they are stale.
    idp.stop();
    app.clock.advance(Duration::from_secs(2 * 3600));
    signed_in_as(&t, &key.sign(&claims(&app, &idp, "ada"))).await;
    // A key it may have published since cannot be known: 401 issuer_unavailable, to retry.
    let res = who_am_i(&t, &later.sign(&claims(&app, &idp, "ada")))
        .send()
        .await
        .unwrap();
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let p = expect_problem(
        who_am_i(&t, &later.sign(&claims(&app, &idp, "ada"))),
        401,
        "issuer_unavailable",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains(idp.issuer()), "{p}");

    // An issuer down before its first fetch: no key at all, the same answer.
    never_reached.stop();
    let p = expect_problem(
        who_am_i(&t, &key.sign(&claims(&app, &never_reached, "ada"))),
        401,
        "issuer_unavailable",
    )
    .await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains(never_reached.issuer()),
        "{p}"
    );
    // A WebSocket handshake is refused the same way.
    let url = format!(
        "{}/v1/connect?api_key={}&token={}",
        parley_tests::realtime::ws_base(&app.base),
        t.publishable_key,
        key.sign(&claims(&app, &never_reached, "ada"))
    );
    assert!(parley_tests::realtime::Ws::open(&url, &[]).await.is_err());

    // The app's own tokens do not depend on any issuer.
    let carol = t.user("carol").await;
    let (status, body) = send(carol.request(Method::GET, "/v1/me")).await;
    assert_eq!(status, 200, "{body}");
}

async fn only_what_a_genuine_issuer_publishes_for_signing_is_used(app: TestApp) {
    let ec = SigningKey::ec("k1");
    let idp = OidcStandIn::start(&[&ec]).await;
    let impostor = OidcStandIn::start(&[&ec]).await;
    impostor.claim_issuer(idp.issuer());
    let t = app.tenant("Acme").await;
    trust(&t, json!([listed(&idp), listed(&impostor)])).await;

    // A symmetric key, an encryption key and a key whose `alg` its type cannot verify are
    // never used, even under the `kid` a token names.
    let secret = b"a-shared-secret-the-issuer-leaked";
    let mut enc = ec.jwk();
    enc["use"] = json!("enc");
    let mut wrong_alg = ec.jwk();
    wrong_alg["alg"] = json!("RS256");
    for published in [
        json!({"kty": "oct", "kid": "k1", "alg": "HS256",
               "k": URL_SAFE_NO_PAD.encode(secret)}),
        enc,
        wrong_alg,
    ] {
        idp.publish_raw(vec![published.clone()]);
        app.clock.advance(MINUTE);
        let p = expect_problem(
            who_am_i(&t, &ec.sign(&claims(&app, &idp, "ada"))),
            401,
            "invalid_token",
        )
        .await;
        assert!(
            p["detail"].as_str().unwrap().contains("k1"),
            "{published}: {p}"
        );
    }
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("k1".into());
    let hs = jsonwebtoken::encode(
        &header,
        &claims(&app, &idp, "ada"),
        &EncodingKey::from_secret(secret),
    )
    .unwrap();
    expect_problem(who_am_i(&t, &hs), 401, "invalid_token").await;
    // Once the signing key is back, its tokens work.
    idp.publish(&[&ec]);
    app.clock.advance(MINUTE);
    signed_in_as(&t, &ec.sign(&claims(&app, &idp, "ada"))).await;

    // A discovery document naming another issuer is not that issuer's: its keys are not used.
    let p = expect_problem(
        who_am_i(&t, &ec.sign(&claims(&app, &impostor, "ada"))),
        401,
        "issuer_unavailable",
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap().contains("names the issuer"),
        "{p}"
    );
    assert_eq!(impostor.jwks_fetches(), 0);
}

async fn issuer_settings_are_checked(app: TestApp) {
    let t = app.tenant("Acme").await;
    let patch = |issuers: Value| {
        t.server(Method::PATCH, "/v1/app")
            .json(&json!({"settings": {"oidc_issuers": issuers}}))
    };
    let issuer = |url: &str| json!({"issuer": url, "audience": AUDIENCE});
    let refused = async |issuers: Value, code: &str, says: &str| {
        let p = expect_problem(patch(issuers.clone()), 400, code).await;
        let detail = p["detail"].as_str().unwrap();
        assert!(detail.contains(says), "{issuers}: expected `{says}` in {p}");
    };

    let six: Vec<Value> = (0..6)
        .map(|i| issuer(&format!("https://login{i}.example.com")))
        .collect();
    refused(json!(six), "invalid_request", "at most 5").await;
    refused(
        json!([
            issuer("https://login.example.com"),
            issuer("https://login.example.com")
        ]),
        "invalid_request",
        "settings.oidc_issuers[1].issuer",
    )
    .await;
    for (url, code) in [
        ("login.example.com", "url_not_allowed"),
        ("ftp://login.example.com", "url_not_allowed"),
        ("https://user:pw@login.example.com", "url_not_allowed"),
        ("https://login.example.com/?tenant=1", "invalid_request"),
        ("https://login.example.com/#x", "invalid_request"),
        (" https://login.example.com", "invalid_request"),
    ] {
        refused(
            json!([issuer(url)]),
            code,
            "settings.oidc_issuers[0].issuer",
        )
        .await;
    }
    refused(
        json!([issuer("https://login.example.com"), {"issuer": "https://b.example.com", "audience": " "}]),
        "invalid_request",
        "settings.oidc_issuers[1].audience",
    )
    .await;
    refused(
        json!([{"issuer": "https://login.example.com", "audience": "a", "user_id_claim": ""}]),
        "invalid_request",
        "settings.oidc_issuers[0].user_id_claim",
    )
    .await;
    refused(
        json!([{"issuer": "https://login.example.com", "audience": "a", "name_claim": ""}]),
        "invalid_request",
        "settings.oidc_issuers[0].name_claim",
    )
    .await;
    // The body's shape: unknown fields and a missing audience.
    for bad in [
        json!([{"issuer": "https://login.example.com", "audience": "a", "jwks_url": "x"}]),
        json!([{"issuer": "https://login.example.com"}]),
    ] {
        expect_problem(patch(bad), 400, "invalid_json").await;
    }

    // An issuer need not answer when it is saved: its keys are fetched for the first token.
    let saved = trust(
        &t,
        json!([issuer("https://login.parley-test.invalid/realms/acme")]),
    )
    .await;
    assert_eq!(
        saved["settings"]["oidc_issuers"][0]["user_id_claim"], "sub",
        "{saved}"
    );
    let (_, shown) = send(t.server(Method::GET, "/v1/app")).await;
    assert_eq!(
        shown["settings"]["oidc_issuers"],
        saved["settings"]["oidc_issuers"]
    );
    // An empty list trusts no issuer again.
    let cleared = trust(&t, json!([])).await;
    assert!(
        cleared["settings"].get("oidc_issuers").is_none(),
        "{cleared}"
    );

    // Where the operator does not allow private URLs, issuers follow the webhook rules and
    // must use https.
    let strict = TestApp::spawn_with(app.backend, |c| c.worker.allow_private_urls = false).await;
    let t = strict.tenant("Acme").await;
    for (url, says) in [
        ("http://login.example.com", "https"),
        ("https://127.0.0.1:8443", "PARLEY_ALLOW_PRIVATE_URLS"),
        ("https://localhost/realms/acme", "PARLEY_ALLOW_PRIVATE_URLS"),
        ("https://10.1.2.3", "private"),
        ("https://169.254.169.254", "metadata"),
        ("https://[::1]", "loopback"),
    ] {
        let p = expect_problem(
            t.server(Method::PATCH, "/v1/app")
                .json(&json!({"settings": {"oidc_issuers": [issuer(url)]}})),
            400,
            "url_not_allowed",
        )
        .await;
        let detail = p["detail"].as_str().unwrap();
        assert!(
            detail.contains(says) && detail.contains("settings.oidc_issuers[0].issuer"),
            "{url}: expected `{says}` and the field in {p}"
        );
    }
}

on_both_backends!(
    each_key_type_signs_users_in,
    the_app_names_the_claims,
    bad_issuer_tokens_are_refused,
    keys_rotate_and_unknown_kids_refetch_once_a_minute,
    the_key_set_is_kept_as_long_as_its_headers_say,
    an_unreachable_issuer_keeps_its_keys_and_never_fails_with_500,
    only_what_a_genuine_issuer_publishes_for_signing_is_used,
    issuer_settings_are_checked,
);
