//! Users: upsert, get, search, patch, deactivate, hard delete.

use parley_tests::*;
use reqwest::Method;
use serde_json::json;

async fn upsert_get_and_patch(app: TestApp) {
    let t = app.tenant("Acme").await;
    let (status, created) = send(
        t.server(Method::PUT, "/v1/users/alice")
            .json(&json!({"name": "Alice", "custom": {"plan": "pro"}, "role": "admin"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["role"], "admin");
    assert_eq!(created["custom"]["plan"], "pro");
    let (status, replaced) = send(
        t.server(Method::PUT, "/v1/users/alice")
            .json(&json!({"name": "Alice A."})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(replaced["name"], "Alice A.");
    assert_eq!(replaced["role"], "user", "PUT replaces the whole user");
    assert_eq!(replaced["created_at"], created["created_at"]);

    let (_, patched) = send(
        t.server(Method::PATCH, "/v1/users/alice")
            .json(&json!({"custom": {"x": 1}})),
    )
    .await;
    assert_eq!(patched["name"], "Alice A.", "PATCH keeps other fields");
    assert_eq!(patched["custom"], json!({"x": 1}));

    // A user may change their own profile, not their role, not others.
    t.create_user("bob").await;
    let alice = t.user("alice").await;
    let (status, me) = send(
        alice
            .request(Method::PATCH, "/v1/users/alice")
            .json(&json!({"name": "Ali"})),
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["name"], "Ali");
    expect_problem(
        alice
            .request(Method::PATCH, "/v1/users/alice")
            .json(&json!({"role": "admin"})),
        403,
        "forbidden",
    )
    .await;
    expect_problem(
        alice
            .request(Method::PATCH, "/v1/users/bob")
            .json(&json!({"name": "B"})),
        403,
        "forbidden",
    )
    .await;
    expect_problem(
        alice
            .request(Method::PUT, "/v1/users/carol")
            .json(&json!({})),
        403,
        "server_key_required",
    )
    .await;
    let (status, bob) = send(alice.request(Method::GET, "/v1/users/bob")).await;
    assert_eq!(status, 200);
    assert_eq!(bob["name"], "bob");
    expect_problem(
        t.server(Method::GET, "/v1/users/nobody"),
        404,
        "user_not_found",
    )
    .await;
    expect_problem(
        t.server(Method::PUT, "/v1/users/a%20b").json(&json!({})),
        400,
        "invalid_request",
    )
    .await;
}

async fn search_by_name_prefix(app: TestApp) {
    let t = app.tenant("Acme").await;
    for (id, name) in [
        ("u1", "Alice"),
        ("u2", "alfred"),
        ("u3", "Bob"),
        ("u4", "Al_x"),
        ("u5", "Alxander"),
    ] {
        send(
            t.server(Method::PUT, &format!("/v1/users/{id}"))
                .json(&json!({"name": name})),
        )
        .await;
    }
    let names = |v: &serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, found) = send(t.server(Method::GET, "/v1/users?q=al")).await;
    assert_eq!(names(&found), vec!["Alice", "alfred", "Al_x", "Alxander"]);
    // `_` is a literal, not a LIKE wildcard.
    let (_, found) = send(t.server(Method::GET, "/v1/users?q=al_")).await;
    assert_eq!(names(&found), vec!["Al_x"]);
    let (_, found) = send(t.server(Method::GET, "/v1/users?q=BO")).await;
    assert_eq!(names(&found), vec!["Bob"]);
    let alice = t.user("u1").await;
    let (status, all) = send(alice.request(Method::GET, "/v1/users")).await;
    assert_eq!(status, 200);
    assert_eq!(all["items"].as_array().unwrap().len(), 5);
}

async fn custom_data_is_limited(app: TestApp) {
    let t = app.tenant("Acme").await;
    let big = "x".repeat(9 * 1024);
    expect_problem(
        t.server(Method::PUT, "/v1/users/alice")
            .json(&json!({"custom": {"bio": big}})),
        400,
        "custom_data_too_large",
    )
    .await;
    expect_problem(
        t.server(Method::PUT, "/v1/users/alice")
            .json(&json!({"custom": [1, 2]})),
        400,
        "invalid_request",
    )
    .await;
}

async fn setup_conversation(t: &Tenant) -> (String, String) {
    t.create_user("alice").await;
    t.create_user("bob").await;
    t.create_messaging_channel("general", &["alice", "bob"])
        .await;
    let (status, m1) = send(
        t.server(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&json!({"text": "hello", "user_id": "alice"})),
    )
    .await;
    assert_eq!(status, 201, "{m1}");
    let (status, m2) = send(
        t.server(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&json!({"text": "hi", "user_id": "bob"})),
    )
    .await;
    assert_eq!(status, 201, "{m2}");
    let (status, reacted) = send(
        t.server(
            Method::POST,
            &format!("/v1/messages/{}/reactions", m2["id"].as_str().unwrap()),
        )
        .json(&json!({"type": "like", "user_id": "alice"})),
    )
    .await;
    assert!(status.is_success(), "{status} {reacted}");
    assert_eq!(reacted["reaction_counts"], json!({"like": 1}), "{reacted}");
    // Alice has a device and mutes bob; bob mutes alice.
    let alice = t.user("alice").await;
    let bob = t.user("bob").await;
    let (status, body) =
        send(alice.request(Method::POST, "/v1/devices").json(
            &json!({"provider": "fcm", "token": "fcm-token-alice-0123456789abcdefghijklmnop"}),
        ))
        .await;
    assert_eq!(status, 201, "{body}");
    for (who, whom) in [(&alice, "bob"), (&bob, "alice")] {
        let (status, body) = send(who.request(Method::POST, &format!("/v1/me/mutes/{whom}"))).await;
        assert!(status.is_success(), "{status} {body}");
    }
    // She pinned bob's message and created a channel of her own.
    let (status, body) = send(alice.request(
        Method::POST,
        &format!("/v1/messages/{}/pin", m2["id"].as_str().unwrap()),
    ))
    .await;
    assert!(status.is_success(), "{status} {body}");
    let (status, body) = send(
        alice
            .request(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "hers", "members": ["bob"]})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    (
        m1["id"].as_str().unwrap().to_owned(),
        m2["id"].as_str().unwrap().to_owned(),
    )
}

/// What a hard delete must leave no trace of in the database: her devices, the mutes she
/// made and the mutes of her.
async fn assert_no_trace_of(app: &TestApp, t: &Tenant, user: &str) {
    let db = app.db();
    let tenant = || sea_orm::Value::from(t.id.as_str());
    let who = || sea_orm::Value::from(user);
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM devices WHERE tenant_id = ? AND user_id = ?",
            [tenant(), who()]
        )
        .await,
        0,
        "her devices are gone"
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM user_mutes WHERE tenant_id = ? AND (user_id = ? OR target_id = ?)",
            [tenant(), who(), who()]
        )
        .await,
        0,
        "mutes by and of her are gone"
    );
    // No column that names a user (read from the schema) names her any more.
    let left: Vec<(String, i64)> = user_rows(db, &t.id, user)
        .await
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect();
    assert!(left.is_empty(), "rows still naming {user}: {left:?}");
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM users WHERE tenant_id = ? AND id = ?",
            [tenant(), who()]
        )
        .await,
        0
    );
    // Bob's own device and data are not touched.
    assert!(
        count(
            db,
            "SELECT COUNT(*) FROM users WHERE tenant_id = ? AND id = 'bob'",
            [tenant()]
        )
        .await
            == 1
    );
}

async fn hard_delete_keeps_messages_as_deleted_user(app: TestApp) {
    let t = app.tenant("Acme").await;
    let (m1, m2) = setup_conversation(&t).await;
    let (status, _) = send(t.server(Method::DELETE, "/v1/users/alice?mode=hard")).await;
    assert_eq!(status, 204);
    assert_no_trace_of(&app, &t, "alice").await;
    expect_problem(
        t.server(Method::GET, "/v1/users/alice"),
        404,
        "user_not_found",
    )
    .await;
    let (_, msg) = send(t.server(Method::GET, &format!("/v1/messages/{m1}"))).await;
    assert!(msg["user_id"].is_null(), "{msg}");
    assert_eq!(msg["text"], "hello");
    let (_, other) = send(t.server(Method::GET, &format!("/v1/messages/{m2}"))).await;
    assert_eq!(
        other["reaction_counts"],
        json!({}),
        "the user's reactions are gone"
    );
    let (_, channel) = send(t.server(Method::GET, "/v1/channels/messaging/general")).await;
    assert_eq!(channel["member_count"], 1);
    assert_eq!(channel["members"].as_array().unwrap().len(), 1);
}

async fn hard_delete_can_delete_messages(app: TestApp) {
    let t = app.tenant("Acme").await;
    let (m1, _) = setup_conversation(&t).await;
    let (status, _) =
        send(t.server(Method::DELETE, "/v1/users/alice?mode=hard&messages=delete")).await;
    assert_eq!(status, 204);
    assert_no_trace_of(&app, &t, "alice").await;
    let (_, msg) = send(t.server(Method::GET, &format!("/v1/messages/{m1}"))).await;
    assert_eq!(msg["type"], "deleted");
    assert_eq!(msg["text"], "");
    assert!(msg["deleted_at"].is_string());
    assert_eq!(msg["seq"], 1, "the tombstone keeps its seq");
    expect_problem(
        t.server(Method::DELETE, "/v1/users/alice?mode=sideways"),
        400,
        "invalid_request",
    )
    .await;
}

/// A hard delete also removes the event-log rows that name her and the text of her deleted
/// messages: otherwise a `resume` from before the delete replays them.
async fn hard_delete_removes_her_event_log_rows(app: TestApp) {
    let t = app.tenant("Acme").await;
    setup_conversation(&t).await;
    let (status, _) =
        send(t.server(Method::DELETE, "/v1/users/alice?mode=hard&messages=delete")).await;
    assert_eq!(status, 204);
    let db = app.db();
    let tenant = || sea_orm::Value::from(t.id.as_str());
    let user = "alice";
    let named = format!("%\"user_id\":\"{user}\"%");
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM channel_events WHERE tenant_id = ? AND payload LIKE ?",
            [tenant(), named.into()]
        )
        .await,
        0,
        "no event-log row names her"
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM channel_events WHERE tenant_id = ? AND payload LIKE '%\"hello\"%'",
            [t.id.as_str().into()]
        )
        .await,
        0,
        "the text of her deleted message is not kept in the event log"
    );
}

/// Declared by hand: the module names of `on_both_backends!` are taken in this file.
mod event_log {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hard_delete_removes_her_event_log_rows_sqlite() {
        super::hard_delete_removes_her_event_log_rows(
            parley_tests::TestApp::spawn(parley_tests::Backend::Sqlite).await,
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hard_delete_removes_her_event_log_rows_postgres() {
        super::hard_delete_removes_her_event_log_rows(
            parley_tests::TestApp::spawn(parley_tests::Backend::Postgres).await,
        )
        .await;
    }
}

on_both_backends!(
    upsert_get_and_patch,
    search_by_name_prefix,
    custom_data_is_limited,
    hard_delete_keeps_messages_as_deleted_user,
    hard_delete_can_delete_messages,
);
