//! Open connections end with their credentials: a revoked key, a disabled or deleted tenant, a
//! deactivated or deleted user. Each connection gets an `error` with the code a new handshake
//! would get, then a close with 4401 (credentials gone) or 4403 (no longer allowed), on every
//! node; and a frame that reaches a node before the news does is refused, not acted on.

use std::time::{Duration, Instant};

use parley_tests::realtime::{Sse, Ws};
use parley_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

/// "Within a second or two" on a quiet machine; generous for a loaded CI runner.
const CLOSE_WITHIN: Duration = Duration::from_secs(5);

async fn room(app: &TestApp) -> (Tenant, User, User) {
    let t = app.tenant("Acme").await;
    for u in ["alice", "bob"] {
        t.create_user(u).await;
    }
    let (status, body) = send(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "room", "members": ["alice", "bob"]})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let alice = t.user("alice").await;
    let bob = t.user("bob").await;
    (t, alice, bob)
}

fn key_id(key: &str) -> &str {
    &key[3..15]
}

/// Waits for the error frame and the close; returns the error's code and the close code and
/// reason, and how long it took.
async fn expect_revoked(ws: &mut Ws) -> (String, u16, String, Duration) {
    let started = Instant::now();
    let err = ws.expect("error").await;
    let (code, reason) = ws.closed_with(CLOSE_WITHIN).await;
    let took = started.elapsed();
    assert!(took < CLOSE_WITHIN, "closed after {took:?}");
    (err["code"].as_str().unwrap().to_owned(), code, reason, took)
}

/// The SSE stream ends with an `error` event carrying `code`.
async fn expect_sse_revoked(sse: &mut Sse, code: &str) {
    let (_, err) = sse.expect("error").await;
    assert_eq!(err["code"], code, "{err}");
    assert!(
        sse.next(CLOSE_WITHIN).await.is_none(),
        "the stream ends after the error"
    );
}

fn sse_url(app_base: &str, pk: &str, token: &str) -> String {
    format!("{app_base}/v1/events?api_key={pk}&token={token}")
}

async fn say(t: &Tenant, text: &str) -> Value {
    let (status, body) = send(
        t.server(Method::POST, "/v1/channels/messaging/room/messages")
            .json(&json!({"text": text, "user_id": "bob"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn revoking_the_publishable_key_closes_its_connections(app: TestApp) {
    let (t, alice, bob) = room(&app).await;
    let mut a = alice.connect().await;
    let mut sse = Sse::open(
        &app.client,
        &sse_url(&app.base, &t.publishable_key, &bob.token),
        None,
    )
    .await;
    sse.expect("connection.ready").await;
    let mut server = t.connect_server().await;

    let (status, body) = send(app.admin(
        Method::DELETE,
        &format!(
            "/admin/v1/tenants/{}/keys/{}",
            t.id,
            key_id(&t.publishable_key)
        ),
    ))
    .await;
    assert_eq!(status, 204, "{body}");
    let (code, close, reason, _) = expect_revoked(&mut a).await;
    assert_eq!(
        (code.as_str(), close, reason.as_str()),
        ("invalid_api_key", 4401, "invalid_api_key")
    );
    expect_sse_revoked(&mut sse, "invalid_api_key").await;

    // The secret-key connection was opened with another key: it stays and still hears events.
    say(&t, "after").await;
    let ev = server.expect("message.new").await;
    assert_eq!(ev["message"]["text"], "after");
    // And the revoked key opens nothing new.
    let url = format!(
        "{}/v1/connect?api_key={}&token={}",
        parley_tests::realtime::ws_base(&app.base),
        t.publishable_key,
        alice.token
    );
    let err = Ws::open(&url, &[]).await.err().expect("refused");
    assert!(err.to_string().contains("401"), "{err}");
}

async fn revoking_the_secret_key_closes_tenant_wide_connections(app: TestApp) {
    let (t, alice, _bob) = room(&app).await;
    let mut server = t.connect_server().await;
    let sse_server = format!("{}/v1/events?token={}", app.base, t.secret_key);
    let mut sse = Sse::open(&app.client, &sse_server, None).await;
    sse.expect("connection.ready").await;
    let mut a = alice.connect().await;

    let (status, _) = send(app.admin(
        Method::DELETE,
        &format!("/admin/v1/tenants/{}/keys/{}", t.id, key_id(&t.secret_key)),
    ))
    .await;
    assert_eq!(status, 204);
    let (code, close, _, _) = expect_revoked(&mut server).await;
    assert_eq!((code.as_str(), close), ("invalid_api_key", 4401));
    expect_sse_revoked(&mut sse, "invalid_api_key").await;
    // Users' connections (publishable key) stay.
    a.send(json!({"type": "ping", "req_id": "p"})).await;
    assert_eq!(a.expect("pong").await["req_id"], "p");
}

async fn disabling_the_tenant_closes_every_connection(app: TestApp) {
    let (t, alice, bob) = room(&app).await;
    let other = app.tenant("Other").await;
    let carol = other.user("carol").await;
    let mut a = alice.connect().await;
    let mut server = t.connect_server().await;
    let mut sse = Sse::open(
        &app.client,
        &sse_url(&app.base, &t.publishable_key, &bob.token),
        None,
    )
    .await;
    sse.expect("connection.ready").await;
    let mut c = carol.connect().await;

    let (status, body) = send(
        app.admin(Method::PATCH, &format!("/admin/v1/tenants/{}", t.id))
            .json(&json!({"disabled": true})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    for ws in [&mut a, &mut server] {
        let (code, close, reason, _) = expect_revoked(ws).await;
        assert_eq!(
            (code.as_str(), close, reason.as_str()),
            ("tenant_disabled", 4403, "tenant_disabled")
        );
    }
    expect_sse_revoked(&mut sse, "tenant_disabled").await;
    // Another tenant's connection is untouched.
    c.send(json!({"type": "ping", "req_id": "p"})).await;
    assert_eq!(c.expect("pong").await["req_id"], "p");
}

async fn deleting_the_tenant_closes_every_connection(app: TestApp) {
    let (t, alice, _) = room(&app).await;
    let mut a = alice.connect().await;
    let mut server = t.connect_server().await;
    let (status, _) = send(app.admin(Method::DELETE, &format!("/admin/v1/tenants/{}", t.id))).await;
    assert_eq!(status, 204);
    for ws in [&mut a, &mut server] {
        let (code, close, _, _) = expect_revoked(ws).await;
        assert_eq!((code.as_str(), close), ("invalid_api_key", 4401));
    }
}

async fn deactivating_or_deleting_a_user_closes_their_connections(app: TestApp) {
    let (t, alice, bob) = room(&app).await;
    t.create_user("carol").await;
    let (status, _) = send(
        t.server(Method::POST, "/v1/channels/messaging/room/members")
            .json(&json!({"user_ids": ["carol"]})),
    )
    .await;
    assert!(status.is_success(), "{status}");
    let carol = t.user("carol").await;
    let mut a = alice.connect().await;
    let mut a_sse = Sse::open(
        &app.client,
        &sse_url(&app.base, &t.publishable_key, &alice.token),
        None,
    )
    .await;
    a_sse.expect("connection.ready").await;
    let mut b = bob.connect().await;
    let mut c = carol.connect().await;

    // Soft delete: deactivated.
    let (status, _) = send(t.server(Method::DELETE, "/v1/users/alice")).await;
    assert_eq!(status, 204);
    let (code, close, _, _) = expect_revoked(&mut a).await;
    assert_eq!((code.as_str(), close), ("user_deactivated", 4403));
    expect_sse_revoked(&mut a_sse, "user_deactivated").await;

    // Hard delete.
    let (status, _) = send(t.server(Method::DELETE, "/v1/users/bob?mode=hard")).await;
    assert_eq!(status, 204);
    let (code, close, _, _) = expect_revoked(&mut b).await;
    assert_eq!((code.as_str(), close), ("user_deleted", 4403));

    // Carol is untouched and still hears the channel.
    let (status, _) = send(
        t.server(Method::POST, "/v1/channels/messaging/room/messages")
            .json(&json!({"text": "still here", "user_id": "carol"})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        c.expect("message.new").await["message"]["text"],
        "still here"
    );
}

on_both_backends!(
    revoking_the_publishable_key_closes_its_connections,
    revoking_the_secret_key_closes_tenant_wide_connections,
    disabling_the_tenant_closes_every_connection,
    deleting_the_tenant_closes_every_connection,
    deactivating_or_deleting_a_user_closes_their_connections,
);

fn redis_url() -> String {
    std::env::var("PARLEY_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Two nodes on one PostgreSQL database; with Redis when `redis` is set.
async fn two_nodes(redis: bool) -> (PgDatabase, TestApp, TestApp) {
    let (db, url) = PgDatabase::create().await;
    let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
    let tweak = |c: &mut parley_core::kernel::config::Config| {
        c.admin_token = Some("adm_revocation_test".to_owned().into());
        if redis {
            c.redis_url = Some(redis_url());
            c.redis_prefix = prefix.clone();
        }
    };
    let a = TestApp::spawn_on(Some(url.clone()), tweak).await;
    let b = TestApp::spawn_on(Some(url), tweak).await;
    (db, a, b)
}

/// The revocation reaches the other node through Redis: its connections close without
/// sending anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_closes_connections_on_every_node() {
    let (_db, a, b) = two_nodes(true).await;
    let (t, alice, bob) = room(&a).await;
    let mut on_b = alice.connect_to(&b.base).await;
    let mut bob_on_b = bob.connect_to(&b.base).await;
    // Wait until the nodes hear each other: an event from node A reaches node B.
    say(&t, "hello").await;
    on_b.expect("message.new").await;
    bob_on_b.expect("message.new").await;

    let (status, _) = send(
        t.server(Method::DELETE, "/v1/users/alice")
            .bearer_auth(&t.secret_key),
    )
    .await;
    assert_eq!(status, 204);
    let (code, close, _, took) = expect_revoked(&mut on_b).await;
    assert_eq!((code.as_str(), close), ("user_deactivated", 4403));
    eprintln!("closed on the other node after {took:?}");
    bob_on_b.send(json!({"type": "ping", "req_id": "p"})).await;
    assert_eq!(bob_on_b.expect("pong").await["req_id"], "p");
}

/// Without Redis the other node never hears of the revocation; a frame sent there after the
/// commit is still refused (and the connection closed) because every frame re-reads the
/// credentials (a send's inside the transaction that would store it): the revoked key posts
/// nothing, over the socket or through REST.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_after_the_revocation_is_refused_on_a_node_that_did_not_hear_of_it() {
    let (_db, a, b) = two_nodes(false).await;
    let (t, _alice, _bob) = room(&a).await;
    let server_b = a.on(&t);
    let server_b = Tenant {
        app_base: b.base.clone(),
        ..server_b
    };
    let mut ws = server_b.connect_server().await;
    ws.send(
        json!({"type": "message.send", "req_id": "before", "cid": "messaging:room",
                   "message": {"text": "before", "user_id": "alice"}}),
    )
    .await;
    assert_eq!(ws.expect("ack").await["req_id"], "before");

    let (status, _) = send(a.admin(
        Method::DELETE,
        &format!("/admin/v1/tenants/{}/keys/{}", t.id, key_id(&t.secret_key)),
    ))
    .await;
    assert_eq!(status, 204);
    ws.send(
        json!({"type": "message.send", "req_id": "after", "cid": "messaging:room",
                   "message": {"text": "after", "user_id": "alice"}}),
    )
    .await;
    let err = ws.expect("error").await;
    assert_eq!(err["req_id"], "after", "{err}");
    assert_eq!(err["code"], "invalid_api_key", "{err}");
    assert!(
        !ws.backlog.iter().any(|f| f["type"] == "ack"),
        "{:?}",
        ws.backlog
    );
    let (close, _) = ws.closed_with(CLOSE_WITHIN).await;
    assert_eq!(close, 4401);
    // Nor through REST on that node, where the key is still in its cache: the send's own
    // transaction reads the key again.
    let (status, refused) = send(
        server_b
            .server(Method::POST, "/v1/channels/messaging/room/messages")
            .json(&json!({"text": "rest after", "user_id": "alice"})),
    )
    .await;
    assert_eq!(status, 401, "{refused}");
    assert_eq!(refused["code"], "invalid_api_key", "{refused}");

    // Only the first message was stored.
    let (_, new_key) = send(
        a.admin(Method::POST, &format!("/admin/v1/tenants/{}/keys", t.id))
            .json(&json!({"kind": "secret"})),
    )
    .await;
    let history = a
        .client
        .get(format!("{}/v1/channels/messaging/room/messages", a.base))
        .bearer_auth(new_key["key"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let texts: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["before"], "{history}");
}

/// A node that is draining refuses new connections with an honest code the client can act on
/// (go to another node after `Retry-After`), not `database_unavailable`.
async fn a_draining_node_refuses_new_streams_with_shutting_down(app: TestApp) {
    let (t, _alice, bob) = room(&app).await;
    app.running
        .as_ref()
        .expect("running")
        .ctx
        .realtime
        .begin_shutdown();
    let res = app
        .client
        .get(sse_url(&app.base, &t.publishable_key, &bob.token))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap()),
        Some("1")
    );
    let p = expect_problem(
        app.client
            .get(sse_url(&app.base, &t.publishable_key, &bob.token)),
        503,
        "shutting_down",
    )
    .await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("reconnect elsewhere"),
        "{p}"
    );
}

mod draining {
    use super::*;
    on_both_backends!(a_draining_node_refuses_new_streams_with_shutting_down);
}
