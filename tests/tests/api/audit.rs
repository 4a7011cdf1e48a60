//! The audit log: every audited action leaves one entry naming who, what, which target, the
//! request id and the address; none holds message text or secrets; the tenant reads its own
//! log, the operator every log; filters, paging and the retention.

use parley_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

const SECRET_TEXT: &str = "the launch code is 0000";

/// The tenant's log, newest first, with optional query.
async fn log(t: &Tenant, query: &str) -> Vec<Value> {
    let (status, page) = send(t.server(Method::GET, &format!("/v1/audit-log{query}"))).await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

fn actions(entries: &[Value]) -> Vec<&str> {
    entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect()
}

/// The one entry of `action` on `target_id`.
fn entry<'a>(entries: &'a [Value], action: &str, target_id: &str) -> &'a Value {
    let found: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == action && e["target"]["id"] == target_id)
        .collect();
    assert_eq!(found.len(), 1, "{action} on {target_id}: {entries:#?}");
    found[0]
}

async fn ok(req: reqwest::RequestBuilder) -> Value {
    let (status, body) = send(req).await;
    assert!(status.is_success(), "{status} {body}");
    body
}

async fn every_audited_action_leaves_one_entry(app: TestApp) {
    let t = app.tenant("Acme").await;
    let other = app.tenant("Other").await;
    for u in ["mod", "alice", "bob", "carol"] {
        t.create_user(u).await;
    }
    ok(t.server(Method::POST, "/v1/channels").json(
        &json!({"type": "messaging", "id": "room", "members": ["mod", "alice", "bob", "carol"]}),
    ))
    .await;
    ok(
        t.server(Method::PATCH, "/v1/channels/messaging/room/members/mod")
            .json(&json!({"role": "moderator"})),
    )
    .await;
    let moderator = t.user("mod").await;
    let alice = t.user("alice").await;

    // The operator: a key created and revoked, the tenant's settings changed.
    let key = ok(app
        .admin(Method::POST, &format!("/admin/v1/tenants/{}/keys", t.id))
        .header("X-Request-Id", "op-req-1")
        .json(&json!({"kind": "secret", "name": "ci"})))
    .await;
    let key_id = key["id"].as_str().unwrap().to_owned();
    let full_key = key["key"].as_str().unwrap().to_owned();
    ok(app.admin(
        Method::DELETE,
        &format!("/admin/v1/tenants/{}/keys/{key_id}", t.id),
    ))
    .await;
    ok(app
        .admin(Method::PATCH, &format!("/admin/v1/tenants/{}", t.id))
        .json(&json!({"name": "Acme Inc"})))
    .await;

    // The tenant server: its settings (with a secret rotated), channel types, bans.
    let patched = ok(t
        .server(Method::PATCH, "/v1/app")
        .header("X-Request-Id", "srv-req-7")
        .json(&json!({
            "settings": {"allowed_origins": ["https://chat.example.com"]},
            "rotate_signing_secret": true,
        })))
    .await;
    let new_signing_secret = patched["signing_secret"].as_str().unwrap().to_owned();
    ok(t.server(Method::PUT, "/v1/channel-types/support")
        .json(&json!({})))
    .await;
    ok(t.server(Method::DELETE, "/v1/channel-types/support")).await;
    ok(t.server(Method::POST, "/v1/users/bob/ban")
        .json(&json!({"reason": "spam", "timeout_s": 60})))
    .await;
    ok(t.server(Method::DELETE, "/v1/users/bob/ban")).await;
    ok(t.server(Method::PATCH, "/v1/users/carol")
        .json(&json!({"role": "admin"})))
    .await;

    // Users: a report and its resolution, a channel ban, a moderator's delete, a freeze.
    let rude = ok(alice
        .request(Method::POST, "/v1/channels/messaging/room/messages")
        .json(&json!({"text": SECRET_TEXT})))
    .await;
    let rude_id = rude["id"].as_str().unwrap().to_owned();
    let flag = ok(moderator
        .request(Method::POST, &format!("/v1/messages/{rude_id}/flag"))
        .json(&json!({"reason": "rude"})))
    .await;
    let flag_id = flag["id"].as_str().unwrap().to_owned();
    ok(
        t.server(Method::POST, &format!("/v1/flags/{flag_id}/resolve"))
            .json(&json!({"action": "dismiss"})),
    )
    .await;
    ok(moderator
        .request(Method::POST, "/v1/channels/messaging/room/bans")
        .json(&json!({"user_id": "alice"})))
    .await;
    ok(moderator.request(Method::DELETE, "/v1/channels/messaging/room/bans/alice")).await;
    ok(moderator.request(Method::DELETE, &format!("/v1/messages/{rude_id}"))).await;
    ok(t.server(Method::PATCH, "/v1/channels/messaging/room")
        .json(&json!({"frozen": true})))
    .await;
    // A plain rename is not a moderation change.
    ok(t.server(Method::PATCH, "/v1/channels/messaging/room")
        .json(&json!({"name": "Room"})))
    .await;
    ok(t.server(Method::PATCH, "/v1/channels/messaging/room")
        .json(&json!({"frozen": false})))
    .await;
    // Her delete of her own message is not audited.
    let own = ok(alice
        .request(Method::POST, "/v1/channels/messaging/room/messages")
        .json(&json!({"text": "typo"})))
    .await;
    let own_id = own["id"].as_str().unwrap();
    ok(alice.request(Method::DELETE, &format!("/v1/messages/{own_id}"))).await;

    // An export (its document holds her messages; the entry does not).
    let export = ok(t.server(Method::GET, "/v1/users/alice/export")).await;
    assert!(export.to_string().contains(SECRET_TEXT) || export["messages"].is_array());

    // Deletes: a user (soft, then hard), the channel.
    ok(t.server(Method::DELETE, "/v1/users/carol")).await;
    ok(t.server(Method::DELETE, "/v1/users/bob?mode=hard")).await;
    ok(t.server(Method::DELETE, "/v1/channels/messaging/room")).await;

    let entries = log(&t, "?limit=200").await;
    let mut seen = actions(&entries);
    seen.sort_unstable();
    let mut expected = vec![
        "tenant.created",
        "key.created",
        "key.revoked",
        "tenant.updated",
        "app.updated",
        "channel_type.updated",
        "channel_type.deleted",
        "user.banned",
        "user.unbanned",
        "user.role_changed",
        "flag.created",
        "flag.resolved",
        "user.banned",
        "user.unbanned",
        "message.deleted",
        "channel.moderated",
        "channel.moderated",
        "user.exported",
        "user.deleted",
        "user.deleted",
        "channel.deleted",
    ];
    expected.sort_unstable();
    assert_eq!(seen, expected, "{entries:#?}");

    // Who, from where, in which request.
    let created = entry(&entries, "key.created", &key_id);
    assert_eq!(created["actor"], json!({"kind": "operator"}));
    assert_eq!(created["request_id"], "op-req-1");
    assert_eq!(created["ip"], "127.0.0.1");
    assert_eq!(created["details"]["kind"], "secret");
    assert_eq!(created["tenant_id"], t.id);
    let app_change = entry(&entries, "app.updated", &t.id);
    assert_eq!(app_change["actor"]["kind"], "server");
    assert!(app_change["actor"]["id"].is_string(), "{app_change}");
    assert_eq!(app_change["request_id"], "srv-req-7");
    assert_eq!(
        app_change["details"],
        json!({"fields": ["settings", "rotate_signing_secret"], "settings": ["allowed_origins"]})
    );
    let report = entry(&entries, "flag.created", &flag_id);
    assert_eq!(report["actor"], json!({"kind": "user", "id": "mod"}));
    assert_eq!(report["details"]["message_id"], rude_id.as_str());
    let resolved = entry(&entries, "flag.resolved", &flag_id);
    assert_eq!(resolved["details"]["action"], "dismiss");
    let deleted = entry(&entries, "message.deleted", &rude_id);
    assert_eq!(deleted["actor"], json!({"kind": "user", "id": "mod"}));
    assert_eq!(deleted["details"]["author"], "alice");
    let exported = entry(&entries, "user.exported", "alice");
    assert_eq!(exported["actor"]["kind"], "server");
    let role = entry(&entries, "user.role_changed", "carol");
    assert_eq!(role["details"], json!({"from": "user", "to": "admin"}));
    let banned: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "user.banned")
        .collect();
    assert!(
        banned
            .iter()
            .any(|e| e["target"]["id"] == "bob" && e["details"]["reason"] == "spam"),
        "{banned:#?}"
    );
    assert!(
        banned
            .iter()
            .any(|e| e["target"]["id"] == "alice" && e["details"]["cid"] == "messaging:room"),
        "{banned:#?}"
    );
    let hard: Vec<bool> = entries
        .iter()
        .filter(|e| e["action"] == "user.deleted")
        .map(|e| e["details"]["hard"].as_bool().unwrap())
        .collect();
    assert_eq!(hard.len(), 2);
    assert!(hard.contains(&true) && hard.contains(&false));
    // Newest first.
    assert_eq!(entries[0]["action"], "channel.deleted");
    assert_eq!(entries.last().unwrap()["action"], "tenant.created");

    // Nothing of a message's text, a key, a signing secret or a user token is kept.
    let everything = serde_json::to_string(&entries).unwrap();
    for secret in [
        SECRET_TEXT,
        full_key.as_str(),
        new_signing_secret.as_str(),
        t.signing_secret.as_str(),
        t.secret_key.as_str(),
        alice.token.as_str(),
    ] {
        assert!(!everything.contains(secret), "the log holds `{secret}`");
    }

    // The other tenant sees only its own creation.
    assert_eq!(actions(&log(&other, "").await), ["tenant.created"]);
}

async fn filters_paging_and_who_may_read(app: TestApp) {
    let t = app.tenant("Acme").await;
    for u in ["alice", "bob", "carol"] {
        t.create_user(u).await;
    }
    for (user, n) in [("alice", 3), ("bob", 2)] {
        for _ in 0..n {
            ok(t.server(Method::POST, &format!("/v1/users/{user}/ban"))
                .json(&json!({})))
            .await;
        }
    }
    assert_eq!(log(&t, "?action=user.banned").await.len(), 5);
    assert_eq!(log(&t, "?target_id=bob").await.len(), 2);
    assert_eq!(
        log(&t, "?target_kind=tenant&actor_kind=operator")
            .await
            .len(),
        1
    );
    assert_eq!(log(&t, "?actor_kind=user").await.len(), 0);
    // Time windows.
    let future = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let q = format!("?since={}", urlencode(&future));
    assert_eq!(log(&t, &q).await.len(), 0);
    let q = format!("?until={}", urlencode(&future));
    assert_eq!(log(&t, &q).await.len(), 6);

    // Paging: two at a time, newest first, each entry once.
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("?limit=2&cursor={c}"),
            None => "?limit=2".to_owned(),
        };
        let (status, page) = send(t.server(Method::GET, &format!("/v1/audit-log{q}"))).await;
        assert_eq!(status, 200);
        for e in page["items"].as_array().unwrap() {
            ids.push(e["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(ids.len(), 6);
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(ids, sorted, "newest first");

    // Bad filters name themselves.
    let bad = expect_problem(
        t.server(Method::GET, "/v1/audit-log?action=user.exploded"),
        400,
        "invalid_request",
    )
    .await;
    assert!(bad["detail"].as_str().unwrap().contains("action"), "{bad}");
    expect_problem(
        t.server(Method::GET, "/v1/audit-log?limit=0"),
        400,
        "invalid_request",
    )
    .await;
    expect_problem(
        t.server(Method::GET, "/v1/audit-log?cursor=zz%20top"),
        400,
        "invalid_request",
    )
    .await;

    // Users do not read it; the operator reads every tenant's, or one.
    let carol = t.user("carol").await;
    expect_problem(
        carol.request(Method::GET, "/v1/audit-log"),
        403,
        "server_key_required",
    )
    .await;
    let other = app.tenant("Other").await;
    let (_, all) = send(app.admin(Method::GET, "/admin/v1/audit-log?limit=200")).await;
    let tenants: std::collections::BTreeSet<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["tenant_id"].as_str().unwrap())
        .collect();
    assert!(tenants.contains(t.id.as_str()) && tenants.contains(other.id.as_str()));
    let (_, one) = send(app.admin(
        Method::GET,
        &format!("/admin/v1/audit-log?tenant_id={}", other.id),
    ))
    .await;
    assert_eq!(
        actions(one["items"].as_array().unwrap()),
        ["tenant.created"]
    );
    expect_problem(
        app.request(Method::GET, "/admin/v1/audit-log"),
        401,
        "missing_credentials",
    )
    .await;
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

async fn entries_outlive_deletes_until_the_retention_ends(app: TestApp) {
    let t = app.tenant("Acme").await;
    t.create_user("alice").await;
    ok(t.server(Method::DELETE, "/v1/users/alice?mode=hard")).await;
    let (status, _) = send(app.admin(Method::DELETE, &format!("/admin/v1/tenants/{}", t.id))).await;
    assert_eq!(status, 204);
    // The tenant is gone; the operator still reads what happened to it, and by whom.
    let (_, page) = send(app.admin(
        Method::GET,
        &format!("/admin/v1/audit-log?tenant_id={}", t.id),
    ))
    .await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(
        actions(items),
        ["tenant.deleted", "user.deleted", "tenant.created"]
    );
    assert_eq!(items[1]["target"], json!({"kind": "user", "id": "alice"}));

    // A year later (the default retention), the worker's prune drops them.
    let ctx = &app.running.as_ref().unwrap().ctx;
    assert_eq!(parley_core::audit::prune(ctx).await.unwrap(), 0);
    app.clock
        .advance(std::time::Duration::from_secs(366 * 24 * 3600));
    assert_eq!(parley_core::audit::prune(ctx).await.unwrap(), 3);
    let (_, page) = send(app.admin(
        Method::GET,
        &format!("/admin/v1/audit-log?tenant_id={}", t.id),
    ))
    .await;
    assert_eq!(page["items"], json!([]));
}

async fn every_answer_carries_a_request_id(app: TestApp) {
    let t = app.tenant("Acme").await;
    let res = t.server(Method::GET, "/v1/app").send().await.unwrap();
    let made_up = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(made_up.len(), 36, "a UUID: {made_up}");
    // A usable client id is kept; an unusable one is replaced.
    let res = t
        .server(Method::GET, "/v1/nope")
        .header("X-Request-Id", "client-42")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["x-request-id"], "client-42");
    let res = t
        .server(Method::GET, "/v1/app")
        .header("X-Request-Id", "has spaces and is far too long".repeat(4))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"].len(), 36);
}

on_both_backends!(
    every_audited_action_leaves_one_entry,
    filters_paging_and_who_may_read,
    entries_outlive_deletes_until_the_retention_ends,
    every_answer_carries_a_request_id,
);
