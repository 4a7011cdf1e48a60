//! Moderation: bans from the app and from a channel, with reasons, expiries that lift by
//! themselves (the node's clock is moved, not slept on), events, and the closing of a banned
//! user's connections; slow mode.

use std::time::Duration;

use parley_tests::realtime::{Ws, ws_base};
use parley_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

async fn setup(app: &TestApp) -> Tenant {
    let t = app.tenant("Acme").await;
    for u in ["mod", "alice", "bob"] {
        t.create_user(u).await;
    }
    for id in ["room", "other"] {
        let (status, _) = send(
            t.server(Method::POST, "/v1/channels")
                .json(&json!({"type": "messaging", "id": id, "members": ["mod", "alice", "bob"]})),
        )
        .await;
        assert_eq!(status, 201);
    }
    let (status, _) = send(
        t.server(Method::PATCH, "/v1/channels/messaging/room/members/mod")
            .json(&json!({"role": "moderator"})),
    )
    .await;
    assert_eq!(status, 200);
    t
}

fn say(user: &User, channel: &str) -> reqwest::RequestBuilder {
    user.request(
        Method::POST,
        &format!("/v1/channels/messaging/{channel}/messages"),
    )
    .json(&json!({"text": "hello"}))
}

async fn app_ban_refuses_closes_and_lifts(app: TestApp) {
    let t = setup(&app).await;
    let alice = t.user("alice").await;
    let mut open = alice.connect().await;
    let mut watcher = t.connect_server().await;

    let (status, ban) = send(
        t.server(Method::POST, "/v1/users/alice/ban")
            .json(&json!({"reason": "spam", "timeout_s": 3600, "banned_by": "mod"})),
    )
    .await;
    assert_eq!(status, 201, "{ban}");
    assert_eq!(ban["user_id"], "alice");
    assert_eq!(ban["reason"], "spam");
    assert_eq!(ban["created_by"], "mod");
    assert!(
        ban.get("cid").is_none() && ban["expires_at"].is_string(),
        "{ban}"
    );

    // Her open connection is told, then closed as no longer allowed.
    open.expect("user.banned").await;
    assert_eq!(open.expect("error").await["code"], "user_banned");
    assert_eq!(open.closed_with(Duration::from_secs(5)).await.0, 4403);
    // The tenant's server stream sees it too.
    let seen = watcher.expect("user.banned").await;
    assert_eq!(seen["user_id"], "alice");

    // Every request and a new connection are refused, with the reason and the expiry.
    let refused = expect_problem(say(&alice, "room"), 403, "user_banned").await;
    let detail = refused["detail"].as_str().unwrap();
    assert!(
        detail.contains("spam") && detail.contains("until"),
        "{refused}"
    );
    expect_problem(alice.request(Method::GET, "/v1/me"), 403, "user_banned").await;
    let url = format!(
        "{}/v1/connect?api_key={}&token={}",
        ws_base(&app.base),
        t.publishable_key,
        alice.token
    );
    assert!(
        Ws::open(&url, &[]).await.is_err(),
        "the handshake is refused"
    );
    // Nor can the server post in her name.
    expect_problem(
        t.server(Method::POST, "/v1/channels/messaging/room/messages")
            .json(&json!({"text": "as alice", "user_id": "alice"})),
        403,
        "user_banned",
    )
    .await;

    let (_, list) = send(t.server(Method::GET, "/v1/bans?scope=app")).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");

    // An hour later it lifted by itself.
    app.clock.advance(Duration::from_secs(3601));
    let (status, _) = send(say(&alice, "room")).await;
    assert_eq!(status, 201);
    let (_, list) = send(t.server(Method::GET, "/v1/bans")).await;
    assert_eq!(list["items"], json!([]), "an expired ban is not listed");
    alice.connect().await;

    // A ban until lifted, lifted by hand; lifting again finds nothing.
    let (status, _) = send(t.server(Method::POST, "/v1/users/bob/ban").json(&json!({}))).await;
    assert_eq!(status, 201);
    let bob = t.user("bob").await;
    let refused = expect_problem(say(&bob, "room"), 403, "user_banned").await;
    assert!(
        refused["detail"].as_str().unwrap().contains("until lifted"),
        "{refused}"
    );
    let (status, _) = send(t.server(Method::DELETE, "/v1/users/bob/ban")).await;
    assert_eq!(status, 204);
    let (status, _) = send(say(&bob, "room")).await;
    assert_eq!(status, 201);
    expect_problem(
        t.server(Method::DELETE, "/v1/users/bob/ban"),
        404,
        "ban_not_found",
    )
    .await;
    // Users cannot ban from the app.
    expect_problem(
        alice
            .request(Method::POST, "/v1/users/bob/ban")
            .json(&json!({})),
        403,
        "server_key_required",
    )
    .await;
}

async fn channel_ban_by_a_moderator(app: TestApp) {
    let t = setup(&app).await;
    let (moderator, alice, bob) = (
        t.user("mod").await,
        t.user("alice").await,
        t.user("bob").await,
    );
    let mut bob_ws = bob.connect().await;
    let until = (chrono::Utc::now() + chrono::Duration::minutes(10)).to_rfc3339();

    // A member may not ban; the refusal names the action.
    let denied = expect_problem(
        alice
            .request(Method::POST, "/v1/channels/messaging/room/bans")
            .json(&json!({"user_id": "bob"})),
        403,
        "forbidden",
    )
    .await;
    assert_eq!(denied["action"], "ban_channel_member");

    let (status, ban) = send(
        moderator
            .request(Method::POST, "/v1/channels/messaging/room/bans")
            .json(&json!({"user_id": "alice", "reason": "rude", "expires_at": until})),
    )
    .await;
    assert_eq!(status, 201, "{ban}");
    assert_eq!(ban["cid"], "messaging:room");
    assert_eq!(ban["created_by"], "mod");
    // Members see it, in the channel's event log.
    let seen = bob_ws.expect("user.banned").await;
    assert_eq!(seen["cid"], "messaging:room");
    assert_eq!(seen["user_id"], "alice");
    assert!(seen["seq"].is_i64(), "{seen}");

    let refused = expect_problem(say(&alice, "room"), 403, "user_banned").await;
    let detail = refused["detail"].as_str().unwrap();
    assert!(
        detail.contains("messaging:room") && detail.contains("rude"),
        "{refused}"
    );
    let (status, _) = send(say(&alice, "other")).await;
    assert_eq!(status, 201, "other channels are not affected");
    let (status, _) =
        send(alice.request(Method::GET, "/v1/channels/messaging/room/messages")).await;
    assert_eq!(status, 200, "she still reads");

    let (_, list) = send(moderator.request(Method::GET, "/v1/channels/messaging/room/bans")).await;
    assert_eq!(list["items"][0]["user_id"], "alice", "{list}");
    let (_, all) = send(t.server(Method::GET, "/v1/bans?cid=messaging:room")).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);

    // Ten minutes later she posts again.
    app.clock.advance(Duration::from_secs(601));
    let (status, _) = send(say(&alice, "room")).await;
    assert_eq!(status, 201);

    // Banned again, then lifted by the moderator: `user.unbanned`.
    let (status, _) = send(
        moderator
            .request(Method::POST, "/v1/channels/messaging/room/bans")
            .json(&json!({"user_id": "alice"})),
    )
    .await;
    assert_eq!(status, 201);
    expect_problem(say(&alice, "room"), 403, "user_banned").await;
    let (status, _) =
        send(moderator.request(Method::DELETE, "/v1/channels/messaging/room/bans/alice")).await;
    assert_eq!(status, 204);
    assert_eq!(bob_ws.expect("user.unbanned").await["user_id"], "alice");
    let (status, _) = send(say(&alice, "room")).await;
    assert_eq!(status, 201);
    // A moderator cannot ban themselves.
    expect_problem(
        moderator
            .request(Method::POST, "/v1/channels/messaging/room/bans")
            .json(&json!({"user_id": "mod"})),
        400,
        "invalid_request",
    )
    .await;
}

async fn ban_input_is_checked(app: TestApp) {
    let t = setup(&app).await;
    let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let future = (chrono::Utc::now() + chrono::Duration::minutes(1)).to_rfc3339();
    let cases: [(Value, &str); 5] = [
        (json!({"expires_at": past}), "expires_at"),
        (json!({"expires_at": future, "timeout_s": 5}), "timeout_s"),
        (json!({"timeout_s": 0}), "timeout_s"),
        (json!({"reason": "x".repeat(501)}), "reason"),
        (json!({"user_id": "bob"}), "user_id"),
    ];
    for (body, field) in cases {
        let p = expect_problem(
            t.server(Method::POST, "/v1/users/alice/ban").json(&body),
            400,
            "invalid_request",
        )
        .await;
        assert!(p["detail"].as_str().unwrap().contains(field), "{p}");
    }
    expect_problem(
        t.server(Method::POST, "/v1/users/nobody/ban")
            .json(&json!({})),
        404,
        "user_not_found",
    )
    .await;
    expect_problem(
        t.server(Method::POST, "/v1/channels/messaging/room/bans")
            .json(&json!({})),
        400,
        "invalid_request",
    )
    .await;
    // Another tenant's channel is not found.
    let other = app.tenant("Other").await;
    expect_problem(
        other
            .server(Method::POST, "/v1/channels/messaging/room/bans")
            .json(&json!({"user_id": "alice"})),
        404,
        "channel_not_found",
    )
    .await;
}

/// Slow mode: one message per interval for members; moderators (the `skip_slow_mode` grant)
/// and the tenant server are not held back; the refusal says when to retry, over REST and
/// the WebSocket; the interval runs on the node's clock.
async fn slow_mode_holds_members_back(app: TestApp) {
    let t = setup(&app).await;
    let (moderator, alice) = (t.user("mod").await, t.user("alice").await);
    let patch = |who: &User, body: Value| {
        who.request(Method::PATCH, "/v1/channels/messaging/room")
            .json(&body)
    };
    let denied = expect_problem(patch(&alice, json!({"slow_mode_s": 30})), 403, "forbidden").await;
    assert_eq!(denied["action"], "update_channel");
    let p = expect_problem(
        patch(&moderator, json!({"slow_mode_s": 3601})),
        400,
        "invalid_request",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("slow_mode_s"), "{p}");
    let (status, ch) = send(patch(&moderator, json!({"slow_mode_s": 30}))).await;
    assert_eq!(status, 200, "{ch}");
    assert_eq!(ch["slow_mode_s"], 30);

    let (status, _) = send(say(&alice, "room")).await;
    assert_eq!(status, 201);
    let res = say(&alice, "room").send().await.unwrap();
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry), "Retry-After: {retry}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "slow_mode", "{body}");
    // Over the WebSocket too, with the wait in the frame.
    let mut ws = alice.connect().await;
    ws.send(
        json!({"type": "message.send", "req_id": "s1", "cid": "messaging:room", "message": {"text": "again"}}),
    )
    .await;
    let err = ws.expect("error").await;
    assert_eq!(err["code"], "slow_mode", "{err}");
    assert!(
        err["retry_after"]
            .as_u64()
            .is_some_and(|s| (1..=30).contains(&s)),
        "{err}"
    );
    // Another channel is not slowed; a moderator and the tenant server are not held back.
    for _ in 0..2 {
        assert_eq!(send(say(&alice, "other")).await.0, 201);
        assert_eq!(send(say(&moderator, "room")).await.0, 201);
    }
    let (status, _) = send(
        t.server(Method::POST, "/v1/channels/messaging/room/messages")
            .json(&json!({"text": "from the server", "user_id": "bob"})),
    )
    .await;
    assert_eq!(status, 201);

    // Once the interval has passed, she posts again; with slow mode off, freely.
    app.clock.advance(Duration::from_secs(31));
    assert_eq!(send(say(&alice, "room")).await.0, 201);
    let (status, _) = send(patch(&moderator, json!({"slow_mode_s": 0}))).await;
    assert_eq!(status, 200);
    assert_eq!(send(say(&alice, "room")).await.0, 201);
}

on_both_backends!(
    flags_are_reported_reviewed_and_resolved,
    app_ban_refuses_closes_and_lifts,
    slow_mode_holds_members_back,
    channel_ban_by_a_moderator,
    ban_input_is_checked,
);

/// Flags: members report messages and users; the tenant server sees the reports (members
/// do not) and resolves each by dismissing it, deleting the message or banning the user.
async fn flags_are_reported_reviewed_and_resolved(app: TestApp) {
    let t = setup(&app).await;
    t.create_user("outsider").await;
    let (alice, bob, outsider) = (
        t.user("alice").await,
        t.user("bob").await,
        t.user("outsider").await,
    );
    let mut server = t.connect_server().await;
    let mut bob_ws = bob.connect().await;
    let (_, rude) = send(say(&bob, "room")).await;
    let rude_id = rude["id"].as_str().unwrap();
    let (_, other) = send(say(&bob, "room")).await;
    let other_id = other["id"].as_str().unwrap();

    let flag = |who: &User, path: String, body: Value| who.request(Method::POST, &path).json(&body);
    let (status, f) = send(flag(
        &alice,
        format!("/v1/messages/{rude_id}/flag"),
        json!({"reason": "insulting"}),
    ))
    .await;
    assert_eq!(status, 201, "{f}");
    assert_eq!(
        (&f["user_id"], &f["cid"], &f["created_by"], &f["status"]),
        (
            &json!("bob"),
            &json!("messaging:room"),
            &json!("alice"),
            &json!("open")
        )
    );
    let (status, again) = send(flag(
        &alice,
        format!("/v1/messages/{rude_id}/flag"),
        json!({}),
    ))
    .await;
    assert_eq!(status, 200, "the open report is returned");
    assert_eq!(again["id"], f["id"]);
    expect_problem(
        flag(&outsider, format!("/v1/messages/{rude_id}/flag"), json!({})),
        404,
        "message_not_found",
    )
    .await;
    let seen = server.expect("message.flagged").await;
    assert_eq!(seen["flag"]["id"], f["id"], "{seen}");
    bob_ws
        .expect_none_where("a flag shown to the channel", |v| {
            v["type"] == "message.flagged"
        })
        .await;

    let (status, uf) = send(flag(
        &alice,
        "/v1/users/bob/flag".into(),
        json!({"reason": "spam"}),
    ))
    .await;
    assert_eq!(status, 201, "{uf}");
    assert!(uf.get("message_id").is_none());
    expect_problem(
        flag(&alice, "/v1/users/alice/flag".into(), json!({})),
        400,
        "invalid_request",
    )
    .await;
    expect_problem(
        flag(&alice, "/v1/users/nobody/flag".into(), json!({})),
        404,
        "user_not_found",
    )
    .await;
    let (status, mf2) = send(flag(
        &moderator_of(&t).await,
        format!("/v1/messages/{other_id}/flag"),
        json!({}),
    ))
    .await;
    assert_eq!(status, 201, "{mf2}");

    // The queue: the server and admins only; oldest first; filtered.
    expect_problem(
        alice.request(Method::GET, "/v1/flags"),
        403,
        "server_key_required",
    )
    .await;
    let (_, open) = send(t.server(Method::GET, "/v1/flags?status=open")).await;
    let ids: Vec<&Value> = open["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["id"])
        .collect();
    assert_eq!(ids, [&f["id"], &uf["id"], &mf2["id"]]);
    let (_, by_user) = send(t.server(
        Method::GET,
        "/v1/flags?user_id=bob&cid=messaging:room&limit=1",
    ))
    .await;
    assert_eq!(by_user["items"][0]["id"], f["id"]);
    let cursor = by_user["next_cursor"].as_str().unwrap();
    let (_, next) = send(t.server(
        Method::GET,
        &format!("/v1/flags?user_id=bob&cid=messaging:room&limit=1&cursor={cursor}"),
    ))
    .await;
    assert_eq!(next["items"][0]["id"], mf2["id"]);

    let resolve = |id: &Value, body: Value| {
        t.server(
            Method::POST,
            &format!("/v1/flags/{}/resolve", id.as_str().unwrap()),
        )
        .json(&body)
    };
    // Delete the message.
    let (status, done) = send(resolve(&f["id"], json!({"action": "delete_message"}))).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        (&done["status"], &done["resolution"]),
        (&json!("resolved"), &json!("delete_message"))
    );
    let (_, gone) = send(t.server(Method::GET, &format!("/v1/messages/{rude_id}"))).await;
    assert_eq!(gone["type"], "deleted");
    expect_problem(
        resolve(&f["id"], json!({"action": "dismiss"})),
        400,
        "invalid_request",
    )
    .await;
    // A report of a user has no message to delete; extra fields belong to `ban_user`.
    expect_problem(
        resolve(&uf["id"], json!({"action": "delete_message"})),
        400,
        "invalid_request",
    )
    .await;
    expect_problem(
        resolve(&mf2["id"], json!({"action": "dismiss", "timeout_s": 5})),
        400,
        "invalid_request",
    )
    .await;
    let (status, _) = send(resolve(&mf2["id"], json!({"action": "dismiss"}))).await;
    assert_eq!(status, 200);
    // Ban the user.
    let (status, banned) = send(resolve(
        &uf["id"],
        json!({"action": "ban_user", "reason": "spam", "timeout_s": 60}),
    ))
    .await;
    assert_eq!(status, 200, "{banned}");
    expect_problem(say(&bob, "room"), 403, "user_banned").await;
    expect_problem(
        resolve(&json!("nope"), json!({"action": "dismiss"})),
        404,
        "flag_not_found",
    )
    .await;
    let (_, open) = send(t.server(Method::GET, "/v1/flags?status=open")).await;
    assert_eq!(open["items"], json!([]));

    // Reporting is a grant of the channel's type.
    let (status, _) = send(
        t.server(Method::PUT, "/v1/channel-types/messaging")
            .json(&json!({"grants": {"member": ["read_channel", "send_message"]}})),
    )
    .await;
    assert_eq!(status, 200);
    let denied = expect_problem(
        flag(&alice, format!("/v1/messages/{other_id}/flag"), json!({})),
        403,
        "forbidden",
    )
    .await;
    assert_eq!(denied["action"], "flag");
}

async fn moderator_of(t: &Tenant) -> User {
    t.user("mod").await
}
