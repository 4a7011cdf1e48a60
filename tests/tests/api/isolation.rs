//! Tenant isolation: every id of another tenant answers 404 with the resource's own
//! not-found code, never 403, and nothing of the other tenant changes; lists and searches
//! stay inside the tenant; keys, tokens and client-chosen ids do not cross tenants.

use parley_tests::*;
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

/// Tenant A with two users, a private and an open channel, messages, a thread reply,
/// reactions, a pin and a read mark.
struct SeededA {
    t: Tenant,
    alice: User,
    bob: User,
    /// Client-chosen id of alice's first message.
    m1: String,
    /// Server-generated id of bob's message.
    m2: String,
    /// Bob's reply in the thread of `m1`.
    reply: String,
    /// A message in the open `team:lobby` channel.
    lobby_msg: String,
}

async fn seed_a(app: &TestApp) -> SeededA {
    let t = app.tenant("Tenant A").await;
    for (id, name) in [("alice", "Alice A"), ("bob", "Bob A"), ("carol", "Carol A")] {
        let (status, body) = send(
            t.server(Method::PUT, &format!("/v1/users/{id}"))
                .json(&json!({"name": name})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, ch) = send(t.server(Method::POST, "/v1/channels").json(&json!({
        "type": "messaging", "id": "general", "name": "General A",
        "members": ["bob"], "user_id": "alice", "custom": {"owner": "A"}
    })))
    .await;
    assert_eq!(status, 201, "{ch}");
    let (status, ch) = send(t.server(Method::POST, "/v1/channels").json(&json!({
        "type": "team", "id": "lobby", "name": "Lobby A", "user_id": "carol"
    })))
    .await;
    assert_eq!(status, 201, "{ch}");

    let alice = t.user("alice").await;
    let bob = t.user("bob").await;
    let (status, m) = send(
        alice
            .request(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&json!({"id": "shared-id-1", "text": "hello from A", "custom": {"secret": "A"}})),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    let m1 = m["id"].as_str().unwrap().to_owned();
    assert_eq!(m1, "shared-id-1");
    let (status, m) = send(
        bob.request(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&json!({"text": "second from A"})),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    let m2 = m["id"].as_str().unwrap().to_owned();
    let (status, r) = send(
        bob.request(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&json!({"text": "reply in A", "parent_id": m1})),
    )
    .await;
    assert_eq!(status, 201, "{r}");
    let reply = r["id"].as_str().unwrap().to_owned();
    let (status, m) = send(
        t.server(Method::POST, "/v1/channels/team/lobby/messages")
            .json(&json!({"text": "lobby talk in A", "user_id": "carol"})),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    let lobby_msg = m["id"].as_str().unwrap().to_owned();

    for (who, kind) in [(&bob, "like"), (&alice, "love")] {
        let (status, body) = send(
            who.request(Method::POST, &format!("/v1/messages/{m1}/reactions"))
                .json(&json!({"type": kind})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = send(alice.request(Method::POST, &format!("/v1/messages/{m1}/pin"))).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send(
        bob.request(Method::POST, "/v1/channels/messaging/general/read")
            .json(&json!({"seq": 1})),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    SeededA {
        t,
        alice,
        bob,
        m1,
        m2,
        reply,
        lobby_msg,
    }
}

/// Tenant B: a regular user, an admin user and a channel of its own.
struct SeededB {
    t: Tenant,
    /// Regular user.
    bert: User,
    /// Tenant admin (privileged like the secret key).
    bella: User,
}

async fn seed_b(app: &TestApp) -> SeededB {
    let t = app.tenant("Tenant B").await;
    let (status, body) = send(
        t.server(Method::PUT, "/v1/users/bert")
            .json(&json!({"name": "Bert B"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = send(
        t.server(Method::PUT, "/v1/users/bella")
            .json(&json!({"name": "Bella B", "role": "admin"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, ch) = send(t.server(Method::POST, "/v1/channels").json(&json!({
        "type": "messaging", "id": "b-room", "name": "Room B",
        "members": ["bella"], "user_id": "bert"
    })))
    .await;
    assert_eq!(status, 201, "{ch}");
    let (status, m) = send(
        t.server(Method::POST, "/v1/channels/messaging/b-room/messages")
            .json(&json!({"text": "hello from B", "user_id": "bert"})),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    let bert = t.user("bert").await;
    let bella = t.user("bella").await;
    SeededB { t, bert, bella }
}

async fn get_ok(req: RequestBuilder) -> Value {
    let (status, body) = send(req).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Everything of tenant A that B might try to touch, as A sees it.
async fn snapshot_a(app: &TestApp, a: &SeededA) -> Value {
    let s = |path: &str| a.t.server(Method::GET, path);
    let m1 = &a.m1;
    let keys = get_ok(app.admin(Method::GET, &format!("/admin/v1/tenants/{}/keys", a.t.id))).await;
    // `last_used_at` moves when A's own keys are used; identity and revocation must not.
    let keys: Vec<Value> = keys
        .as_array()
        .unwrap()
        .iter()
        .map(|k| json!({"id": k["id"], "kind": k["kind"], "name": k["name"], "revoked_at": k["revoked_at"]}))
        .collect();
    json!({
        "tenant": get_ok(app.admin(Method::GET, &format!("/admin/v1/tenants/{}", a.t.id))).await,
        "app": get_ok(s("/v1/app")).await,
        "keys": keys,
        "general": get_ok(s("/v1/channels/messaging/general")).await,
        "lobby": get_ok(s("/v1/channels/team/lobby")).await,
        "channels": get_ok(s("/v1/channels")).await,
        "history": get_ok(s("/v1/channels/messaging/general/messages")).await,
        "lobby_history": get_ok(s("/v1/channels/team/lobby/messages")).await,
        "m1": get_ok(s(&format!("/v1/messages/{m1}"))).await,
        "m2": get_ok(s(&format!("/v1/messages/{}", a.m2))).await,
        "reply": get_ok(s(&format!("/v1/messages/{}", a.reply))).await,
        "replies": get_ok(s(&format!("/v1/messages/{m1}/replies"))).await,
        "users": get_ok(s("/v1/users")).await,
        "alice": get_ok(s("/v1/users/alice")).await,
        "bob": get_ok(s("/v1/users/bob")).await,
        "carol": get_ok(s("/v1/users/carol")).await,
        "alice_sees_m1": get_ok(a.alice.request(Method::GET, &format!("/v1/messages/{m1}"))).await,
        "bob_sees_m1": get_ok(a.bob.request(Method::GET, &format!("/v1/messages/{m1}"))).await,
        "alice_unread": get_ok(a.alice.request(Method::GET, "/v1/me/unread")).await,
        "bob_unread": get_ok(a.bob.request(Method::GET, "/v1/me/unread")).await,
        "alice_channels": get_ok(a.alice.request(Method::GET, "/v1/channels")).await,
    })
}

/// Checks the seeded facts directly, so that an unchanged snapshot also means a meaningful one.
fn assert_seeded_state(snap: &Value, a: &SeededA) {
    let general = &snap["general"];
    assert_eq!(general["name"], "General A", "{general}");
    assert_eq!(general["frozen"], false);
    assert_eq!(general["member_count"], 2);
    assert_eq!(general["custom"], json!({"owner": "A"}));
    let mut members: Vec<(String, String)> = general["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["user_id"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    members.sort();
    assert_eq!(
        members,
        [
            ("alice".to_owned(), "owner".to_owned()),
            ("bob".to_owned(), "member".to_owned())
        ]
    );
    assert_eq!(general["last_seq"], 3);
    let history: Vec<&str> = snap["history"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["hello from A", "second from A"]);
    let m1 = &snap["m1"];
    assert_eq!(m1["id"], a.m1.as_str());
    assert_eq!(m1["text"], "hello from A");
    assert_eq!(m1["type"], "regular");
    assert_eq!(m1["custom"], json!({"secret": "A"}));
    assert_eq!(m1["pinned"], true);
    assert_eq!(m1["pinned_by"], "alice");
    assert_eq!(m1["reply_count"], 1);
    assert_eq!(m1["reaction_counts"], json!({"like": 1, "love": 1}));
    assert!(
        m1["deleted_at"].is_null() && m1["edited_at"].is_null(),
        "{m1}"
    );
    assert_eq!(snap["alice_sees_m1"]["own_reactions"], json!(["love"]));
    assert_eq!(snap["bob_sees_m1"]["own_reactions"], json!(["like"]));
    assert_eq!(snap["m2"]["text"], "second from A");
    assert_eq!(snap["reply"]["parent_id"], a.m1.as_str());
    assert_eq!(snap["replies"]["items"].as_array().unwrap().len(), 1);
    assert_eq!(snap["lobby"]["name"], "Lobby A");
    assert_eq!(
        snap["lobby_history"]["items"][0]["id"],
        a.lobby_msg.as_str()
    );
    assert_eq!(snap["alice"]["name"], "Alice A");
    assert_eq!(snap["alice"]["deactivated"], false);
    assert_eq!(snap["bob"]["name"], "Bob A");
    let users: Vec<&str> = snap["users"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(users, ["alice", "bob", "carol"]);
    // Alice has not read bob's m2 (replies do not count); bob's only unread would be his own.
    assert_eq!(
        snap["alice_unread"]["total_unread_count"], 1,
        "{}",
        snap["alice_unread"]
    );
    assert_eq!(
        snap["bob_unread"]["total_unread_count"], 0,
        "{}",
        snap["bob_unread"]
    );
    assert_eq!(snap["bob_sees_m1"]["id"], a.m1.as_str());
    assert_eq!(snap["tenant"]["disabled"], false);
    assert!(
        snap["keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["revoked_at"].is_null())
    );
}

/// One attempt on A's ids: method, path, body, and the answer expected.
struct Attempt {
    method: Method,
    path: String,
    body: Option<Value>,
    status: u16,
    code: &'static str,
}

fn attempt(method: Method, path: String, body: Option<Value>, code: &'static str) -> Attempt {
    Attempt {
        method,
        path,
        body,
        status: 404,
        code,
    }
}

/// Every route that takes an id, aimed at A's ids. `server` callers name a B user where the
/// route needs an actor; `privileged` callers (secret key, tenant admin) pass every permission
/// check, so they must reach the lookup and get 404.
fn attempts(a: &SeededA, server: bool, privileged: bool) -> Vec<Attempt> {
    let act = |mut body: Value| {
        if server {
            body["user_id"] = json!("bert");
        }
        body
    };
    let q = if server { "?user_id=bert" } else { "" };
    let (m1, m2, reply, lobby_msg) = (&a.m1, &a.m2, &a.reply, &a.lobby_msg);
    let general = "/v1/channels/messaging/general";
    let lobby = "/v1/channels/team/lobby";
    let mut v = vec![
        // Users.
        attempt(
            Method::GET,
            "/v1/users/alice".into(),
            None,
            "user_not_found",
        ),
        attempt(
            Method::GET,
            "/v1/users/carol".into(),
            None,
            "user_not_found",
        ),
        // Channels.
        attempt(Method::GET, general.into(), None, "channel_not_found"),
        attempt(Method::GET, lobby.into(), None, "channel_not_found"),
        attempt(
            Method::PATCH,
            general.into(),
            Some(json!({"name": "pwned", "frozen": true, "custom": {"owner": "B"}})),
            "channel_not_found",
        ),
        attempt(
            Method::PATCH,
            lobby.into(),
            Some(json!({"frozen": true})),
            "channel_not_found",
        ),
        attempt(Method::DELETE, general.into(), None, "channel_not_found"),
        attempt(Method::DELETE, lobby.into(), None, "channel_not_found"),
        // Members.
        attempt(
            Method::POST,
            format!("{general}/members"),
            Some(json!({"user_ids": ["bert"], "role": "moderator"})),
            "channel_not_found",
        ),
        // A self-join of the open channel.
        attempt(
            Method::POST,
            format!("{lobby}/members"),
            Some(json!({"user_ids": ["bert"]})),
            "channel_not_found",
        ),
        attempt(
            Method::PATCH,
            format!("{general}/members/bob"),
            Some(json!({"role": "owner"})),
            "channel_not_found",
        ),
        attempt(
            Method::DELETE,
            format!("{general}/members/bob"),
            None,
            "channel_not_found",
        ),
        attempt(
            Method::DELETE,
            format!("{general}/members/alice"),
            None,
            "channel_not_found",
        ),
        attempt(
            Method::DELETE,
            format!("{general}/members/bert"),
            None,
            "channel_not_found",
        ),
        attempt(
            Method::DELETE,
            format!("{lobby}/members/carol"),
            None,
            "channel_not_found",
        ),
        // Read state.
        attempt(
            Method::POST,
            format!("{general}/read"),
            Some(act(json!({}))),
            "channel_not_found",
        ),
        attempt(
            Method::POST,
            format!("{lobby}/read"),
            Some(act(json!({"seq": 1}))),
            "channel_not_found",
        ),
        // Messages of a channel.
        attempt(
            Method::POST,
            format!("{general}/messages"),
            Some(act(json!({"text": "intrusion"}))),
            "channel_not_found",
        ),
        attempt(
            Method::POST,
            format!("{lobby}/messages"),
            Some(act(json!({"text": "intrusion"}))),
            "channel_not_found",
        ),
        // Re-sending A's client id into A's channel must not return A's message.
        attempt(
            Method::POST,
            format!("{general}/messages"),
            Some(act(json!({"id": m1, "text": "hello from A"}))),
            "channel_not_found",
        ),
        attempt(
            Method::POST,
            format!("{general}/messages"),
            Some(act(json!({"text": "reply", "parent_id": m1}))),
            "channel_not_found",
        ),
        attempt(
            Method::GET,
            format!("{general}/messages"),
            None,
            "channel_not_found",
        ),
        attempt(
            Method::GET,
            format!("{general}/messages?after_seq=0"),
            None,
            "channel_not_found",
        ),
        attempt(
            Method::GET,
            format!("{lobby}/messages"),
            None,
            "channel_not_found",
        ),
    ];
    for id in [m1, m2, reply, lobby_msg] {
        v.extend([
            attempt(
                Method::GET,
                format!("/v1/messages/{id}"),
                None,
                "message_not_found",
            ),
            attempt(
                Method::PATCH,
                format!("/v1/messages/{id}"),
                Some(json!({"text": "pwned", "custom": {"secret": "B"}})),
                "message_not_found",
            ),
            attempt(
                Method::GET,
                format!("/v1/messages/{id}/replies"),
                None,
                "message_not_found",
            ),
            attempt(
                Method::POST,
                format!("/v1/messages/{id}/reactions"),
                Some(act(json!({"type": "like"}))),
                "message_not_found",
            ),
            attempt(
                Method::POST,
                format!("/v1/messages/{id}/pin{q}"),
                None,
                "message_not_found",
            ),
            attempt(
                Method::DELETE,
                format!("/v1/messages/{id}/pin{q}"),
                None,
                "message_not_found",
            ),
        ]);
    }
    // Removing A's users' reactions: the secret key may name any user, so it names A's.
    let (bob_q, alice_q) = if server {
        ("?user_id=bob", "?user_id=alice")
    } else {
        ("", "")
    };
    v.extend([
        attempt(
            Method::DELETE,
            format!("/v1/messages/{m1}/reactions/like{bob_q}"),
            None,
            "message_not_found",
        ),
        attempt(
            Method::DELETE,
            format!("/v1/messages/{m1}/reactions/love{alice_q}"),
            None,
            "message_not_found",
        ),
        attempt(
            Method::DELETE,
            format!("/v1/messages/{m1}/reactions/like{q}"),
            None,
            "message_not_found",
        ),
        attempt(
            Method::PATCH,
            format!("/v1/messages/{m1}{alice_q}"),
            Some(json!({"text": "pwned"})),
            "message_not_found",
        ),
    ]);
    // Deletions last within the message group (they would tombstone if they went through).
    for id in [reply, m2, m1, lobby_msg] {
        v.push(attempt(
            Method::DELETE,
            format!("/v1/messages/{id}{q}"),
            None,
            "message_not_found",
        ));
        if server {
            v.push(attempt(
                Method::DELETE,
                format!("/v1/messages/{id}?user_id=alice"),
                None,
                "message_not_found",
            ));
        }
    }
    // User administration: the privileged reach the lookup; a regular user is refused before
    // it, with the same answer whatever the id (checked against an unknown id by the caller).
    let (patch_status, patch_code) = if privileged {
        (404, "user_not_found")
    } else {
        (403, "forbidden")
    };
    let (admin_status, admin_code) = if privileged {
        (404, "user_not_found")
    } else {
        (403, "server_key_required")
    };
    for user in ["alice", "bob"] {
        v.extend([
            Attempt {
                method: Method::PATCH,
                path: format!("/v1/users/{user}"),
                body: Some(json!({"name": "pwned", "custom": {"by": "B"}})),
                status: patch_status,
                code: patch_code,
            },
            Attempt {
                method: Method::POST,
                path: format!("/v1/users/{user}/reactivate"),
                body: None,
                status: admin_status,
                code: admin_code,
            },
            Attempt {
                method: Method::DELETE,
                path: format!("/v1/users/{user}"),
                body: None,
                status: admin_status,
                code: admin_code,
            },
            Attempt {
                method: Method::DELETE,
                path: format!("/v1/users/{user}?mode=hard&messages=delete"),
                body: None,
                status: admin_status,
                code: admin_code,
            },
        ]);
    }
    // Mutes: another tenant's channel or user is not found.
    v.extend([
        attempt(
            Method::POST,
            format!("{general}/mute{q}"),
            None,
            "channel_not_found",
        ),
        attempt(
            Method::DELETE,
            format!("{lobby}/mute{q}"),
            None,
            "channel_not_found",
        ),
    ]);
    if !server {
        v.push(attempt(
            Method::POST,
            "/v1/me/mutes/carol".into(),
            None,
            "user_not_found",
        ));
    }
    v
}

async fn run_attempts(
    label: &str,
    make: impl Fn(Method, &str) -> RequestBuilder,
    list: Vec<Attempt>,
) {
    assert!(list.len() > 40, "the sweep lost its routes");
    for at in list {
        let mut req = make(at.method.clone(), &at.path);
        if let Some(body) = &at.body {
            req = req.json(body);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let ctype = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = res.text().await.unwrap_or_default();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_eq!(
            (status, body["code"].as_str().unwrap_or("")),
            (at.status, at.code),
            "{label}: {} {} answered {status} {text}",
            at.method,
            at.path
        );
        assert_eq!(
            ctype, "application/problem+json",
            "{label}: {} {}",
            at.method, at.path
        );
        // The problem must not echo A's data back.
        for leaked in ["hello from A", "Alice A", "General A", "Lobby A"] {
            assert!(
                !text.contains(leaked),
                "{label}: {} {} leaked {leaked:?}: {text}",
                at.method,
                at.path
            );
        }
    }
}

async fn other_tenant_ids_answer_not_found_and_change_nothing(app: TestApp) {
    let a = seed_a(&app).await;
    let b = seed_b(&app).await;
    let before = snapshot_a(&app, &a).await;
    assert_seeded_state(&before, &a);

    run_attempts(
        "B secret key",
        |m, p| b.t.server(m, p),
        attempts(&a, true, true),
    )
    .await;
    run_attempts(
        "B admin user",
        |m, p| b.bella.request(m, p),
        attempts(&a, false, true),
    )
    .await;
    run_attempts(
        "B regular user",
        |m, p| b.bert.request(m, p),
        attempts(&a, false, false),
    )
    .await;

    // For the regular user, the refusals that come before any lookup must not depend on
    // whether the id exists anywhere: an id unknown everywhere answers the same.
    expect_problem(
        b.bert
            .request(Method::PATCH, "/v1/users/nobody-at-all")
            .json(&json!({"name": "x"})),
        403,
        "forbidden",
    )
    .await;
    expect_problem(
        b.bert.request(Method::DELETE, "/v1/users/nobody-at-all"),
        403,
        "server_key_required",
    )
    .await;
    // And for the privileged, an unknown id and A's id are indistinguishable.
    let unknown = expect_problem(
        b.t.server(Method::GET, "/v1/users/nobody-at-all"),
        404,
        "user_not_found",
    )
    .await;
    let known = expect_problem(
        b.t.server(Method::GET, "/v1/users/alice"),
        404,
        "user_not_found",
    )
    .await;
    assert_eq!(unknown["title"], known["title"]);

    let after = snapshot_a(&app, &a).await;
    assert_seeded_state(&after, &a);
    assert_eq!(before, after, "tenant A changed during B's sweep");

    // B's own data is intact and B's sweep left no trace of A's users in B.
    let users = get_ok(b.t.server(Method::GET, "/v1/users")).await;
    let ids: Vec<&str> = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["bella", "bert"], "{users}");
    let chans = get_ok(b.t.server(Method::GET, "/v1/channels")).await;
    let cids: Vec<&str> = chans["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cid"].as_str().unwrap())
        .collect();
    assert_eq!(cids, ["messaging:b-room"], "{chans}");
}

async fn lists_and_searches_stay_inside_the_tenant(app: TestApp) {
    let a = seed_a(&app).await;
    let b = seed_b(&app).await;

    let ids = |page: &Value, field: &str| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap_or_else(|| panic!("not a page: {page}"))
            .iter()
            .map(|i| i[field].as_str().unwrap().to_owned())
            .collect()
    };

    // Channels: all of the tenant (server), by member, the user's own.
    let all = get_ok(b.t.server(Method::GET, "/v1/channels")).await;
    assert_eq!(ids(&all, "cid"), ["messaging:b-room"]);
    let all = get_ok(b.t.server(Method::GET, "/v1/channels?sort=-created_at&limit=200")).await;
    assert_eq!(ids(&all, "cid"), ["messaging:b-room"]);
    for member in ["alice", "bob", "carol"] {
        let page = get_ok(b.t.server(Method::GET, &format!("/v1/channels?member={member}"))).await;
        assert_eq!(ids(&page, "cid"), Vec::<String>::new(), "member={member}");
    }
    for user in [&b.bert, &b.bella] {
        let mine = get_ok(user.request(Method::GET, "/v1/channels")).await;
        assert_eq!(ids(&mine, "cid"), ["messaging:b-room"]);
        let unread = get_ok(user.request(Method::GET, "/v1/me/unread")).await;
        let cids: Vec<&str> = unread["channels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["cid"].as_str().unwrap())
            .collect();
        assert!(cids.iter().all(|c| *c == "messaging:b-room"), "{unread}");
    }
    // An admin user may name another member: A's users are members of nothing in B.
    let page = get_ok(b.bella.request(Method::GET, "/v1/channels?member=alice")).await;
    assert_eq!(ids(&page, "cid"), Vec::<String>::new());

    // Users: list and name-prefix search, with each credential of B.
    for (label, req) in [
        ("server", b.t.server(Method::GET, "/v1/users")),
        ("user", b.bert.request(Method::GET, "/v1/users")),
        ("admin", b.bella.request(Method::GET, "/v1/users?limit=200")),
    ] {
        let page = get_ok(req).await;
        assert_eq!(ids(&page, "id"), ["bella", "bert"], "{label}: {page}");
        assert!(page["next_cursor"].is_null());
    }
    for q in ["a", "Alice", "alice a", "b", "Bob", "c", "Carol"] {
        let page = get_ok(b.t.server(Method::GET, "/v1/users").query(&[("q", q)])).await;
        let found = ids(&page, "id");
        assert!(
            found.iter().all(|id| id == "bella" || id == "bert"),
            "search {q:?} in B found {found:?}"
        );
        let page = get_ok(b.bert.request(Method::GET, "/v1/users").query(&[("q", q)])).await;
        let found = ids(&page, "id");
        assert!(
            found.iter().all(|id| id == "bella" || id == "bert"),
            "search {q:?} in B found {found:?}"
        );
    }
    // The same searches in A find A's users (the searches do work).
    let page = get_ok(a.t.server(Method::GET, "/v1/users?q=ali")).await;
    assert_eq!(ids(&page, "id"), ["alice"]);
    let page = get_ok(a.t.server(Method::GET, "/v1/users?q=b")).await;
    assert_eq!(ids(&page, "id"), ["bob"]);
    // Both of B's users' names start with "Be".
    let page = get_ok(b.t.server(Method::GET, "/v1/users?q=be")).await;
    assert_eq!(ids(&page, "id"), ["bella", "bert"]);

    // A paginated walk of B's users with a cursor never steps into A's ids.
    let first = get_ok(b.t.server(Method::GET, "/v1/users?limit=1")).await;
    assert_eq!(ids(&first, "id"), ["bella"]);
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let second = get_ok(
        b.t.server(Method::GET, "/v1/users?limit=1")
            .query(&[("cursor", cursor)]),
    )
    .await;
    assert_eq!(ids(&second, "id"), ["bert"]);
    assert!(second["next_cursor"].is_null(), "{second}");

    // A's lists are untouched by B's existence.
    let all = get_ok(a.t.server(Method::GET, "/v1/channels")).await;
    let mut cids = ids(&all, "cid");
    cids.sort();
    assert_eq!(cids, ["messaging:general", "team:lobby"]);
    let page = get_ok(a.t.server(Method::GET, "/v1/users")).await;
    assert_eq!(ids(&page, "id"), ["alice", "bob", "carol"]);
}

async fn keys_cannot_be_revoked_through_another_tenants_path(app: TestApp) {
    let a = app.tenant("Tenant A").await;
    let b = app.tenant("Tenant B").await;
    let keys_of = |t: &Tenant| app.admin(Method::GET, &format!("/admin/v1/tenants/{}/keys", t.id));
    let a_keys = get_ok(keys_of(&a)).await;
    let b_keys = get_ok(keys_of(&b)).await;
    let key_ids = |keys: &Value| -> Vec<String> {
        keys.as_array()
            .unwrap()
            .iter()
            .map(|k| k["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (a_ids, b_ids) = (key_ids(&a_keys), key_ids(&b_keys));
    assert_eq!(a_ids.len(), 2, "{a_keys}");
    assert_eq!(b_ids.len(), 2, "{b_keys}");
    assert!(a_ids.iter().all(|id| !b_ids.contains(id)));
    // The key ids are those of the keys given out.
    assert!(
        a_ids
            .iter()
            .any(|id| a.secret_key.starts_with(&format!("sk_{id}")))
    );
    assert!(
        a_ids
            .iter()
            .any(|id| a.publishable_key.starts_with(&format!("pk_{id}")))
    );

    for key_id in &b_ids {
        expect_problem(
            app.admin(
                Method::DELETE,
                &format!("/admin/v1/tenants/{}/keys/{key_id}", a.id),
            ),
            404,
            "key_not_found",
        )
        .await;
    }
    for key_id in &a_ids {
        expect_problem(
            app.admin(
                Method::DELETE,
                &format!("/admin/v1/tenants/{}/keys/{key_id}", b.id),
            ),
            404,
            "key_not_found",
        )
        .await;
    }
    // Nothing was revoked: both tenants' keys still work.
    for t in [&a, &b] {
        let keys = get_ok(keys_of(t)).await;
        assert!(
            keys.as_array()
                .unwrap()
                .iter()
                .all(|k| k["revoked_at"].is_null()),
            "{keys}"
        );
        let app_view = get_ok(t.server(Method::GET, "/v1/app")).await;
        assert_eq!(app_view["id"], t.id.as_str());
        let user = t.user("someone").await;
        get_ok(user.request(Method::GET, "/v1/me")).await;
    }
    // A tenant's keys are not operator credentials for the other tenant (or its own).
    for key in [&b.secret_key, &b.publishable_key] {
        expect_problem(
            app.request(
                Method::DELETE,
                &format!("/admin/v1/tenants/{}/keys/{}", a.id, a_ids[0]),
            )
            .bearer_auth(key),
            401,
            "invalid_admin_token",
        )
        .await;
        expect_problem(
            app.request(Method::GET, &format!("/admin/v1/tenants/{}/keys", a.id))
                .bearer_auth(key),
            401,
            "invalid_admin_token",
        )
        .await;
        expect_problem(
            app.request(Method::DELETE, &format!("/admin/v1/tenants/{}", a.id))
                .bearer_auth(key),
            401,
            "invalid_admin_token",
        )
        .await;
    }
    get_ok(app.admin(Method::GET, &format!("/admin/v1/tenants/{}", a.id))).await;

    // The operator revoking B's key through B's own path works, and A is unaffected.
    let b_secret_id = b_keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "secret")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = send(app.admin(
        Method::DELETE,
        &format!("/admin/v1/tenants/{}/keys/{b_secret_id}", b.id),
    ))
    .await;
    assert_eq!(status, 204, "{body}");
    expect_problem(b.server(Method::GET, "/v1/app"), 401, "invalid_api_key").await;
    get_ok(a.server(Method::GET, "/v1/app")).await;
}

async fn a_user_token_does_not_work_with_another_tenants_key(app: TestApp) {
    let a = app.tenant("Tenant A").await;
    let b = app.tenant("Tenant B").await;
    a.create_user("alice").await;
    let alice_a = a.user("alice").await;
    let with_key = |pk: &str, token: &str, path: &str| {
        app.request(Method::GET, path)
            .header("X-Api-Key", pk)
            .bearer_auth(token)
    };
    // Minted by A's server, presented with B's publishable key.
    for path in ["/v1/me", "/v1/channels", "/v1/users/alice"] {
        let p = expect_problem(
            with_key(&b.publishable_key, &alice_a.token, path),
            401,
            "invalid_token",
        )
        .await;
        assert!(p["detail"].as_str().unwrap().contains("signature"), "{p}");
    }
    // Signed locally with A's secret, presented to B.
    let forged = a.sign(&json!({"sub": "alice", "exp": chrono::Utc::now().timestamp() + 600}));
    expect_problem(
        with_key(&b.publishable_key, &forged, "/v1/me"),
        401,
        "invalid_token",
    )
    .await;
    // And the reverse direction.
    let bert_b = b.user("bert").await;
    expect_problem(
        with_key(&a.publishable_key, &bert_b.token, "/v1/me"),
        401,
        "invalid_token",
    )
    .await;
    // The failed attempts created no user in B.
    let users = get_ok(b.server(Method::GET, "/v1/users")).await;
    assert_eq!(users["items"], json!([]), "{users}");
    // With the right key the same token works.
    let me = get_ok(with_key(&a.publishable_key, &alice_a.token, "/v1/me")).await;
    assert_eq!(me["id"], "alice");
}

async fn the_same_ids_in_two_tenants_are_independent(app: TestApp) {
    let a = seed_a(&app).await;
    let b = seed_b(&app).await;
    let before = snapshot_a(&app, &a).await;

    // B creates a user with one of A's user ids: it is a new user of B (201), not A's.
    let (status, alice_b) = send(
        b.t.server(Method::PUT, "/v1/users/alice")
            .json(&json!({"name": "Alice B"})),
    )
    .await;
    assert_eq!(status, 201, "{alice_b}");
    assert_eq!(alice_b["name"], "Alice B");
    // A channel with A's channel id: created in B (201, not 200 "already exists").
    let (status, ch) = send(b.t.server(Method::POST, "/v1/channels").json(&json!({
        "type": "messaging", "id": "general", "name": "General B", "user_id": "alice", "members": ["bert"]
    })))
    .await;
    assert_eq!(status, 201, "{ch}");
    assert_eq!(ch["name"], "General B");
    assert_eq!(ch["last_seq"], 0);
    assert_eq!(ch["member_count"], 2);
    // A message with A's client-chosen id: stored in B (201), with B's content and seq.
    let (status, m) = send(
        b.t.server(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&json!({"id": a.m1, "text": "hello from B", "user_id": "alice"})),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(m["id"], a.m1.as_str());
    assert_eq!(m["text"], "hello from B");
    assert_eq!(m["seq"], 1);
    assert_eq!(m["reaction_counts"], json!({}));
    assert_eq!(m["pinned"], false);
    assert_eq!(m["reply_count"], 0);
    // Sending it again in B is idempotent within B (200, the same message).
    let (status, again) = send(
        b.t.server(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&json!({"id": a.m1, "text": "hello from B", "user_id": "alice"})),
    )
    .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["text"], "hello from B");
    assert_eq!(again["seq"], 1);
    // A resending its own id still gets its own message back.
    let (status, a_again) = send(
        a.alice
            .request(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&json!({"id": a.m1, "text": "hello from A"})),
    )
    .await;
    assert_eq!(status, 200, "{a_again}");
    assert_eq!(a_again["text"], "hello from A");
    assert_eq!(a_again["reaction_counts"], json!({"like": 1, "love": 1}));

    // B's alice reacts to and pins B's copy; B's bert replies to it.
    let alice_b_session = b.t.user("alice").await;
    let me = get_ok(alice_b_session.request(Method::GET, "/v1/me")).await;
    assert_eq!(me["name"], "Alice B");
    let (status, body) = send(
        alice_b_session
            .request(Method::POST, &format!("/v1/messages/{}/reactions", a.m1))
            .json(&json!({"type": "like"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["reaction_counts"], json!({"like": 1}));
    assert_eq!(body["own_reactions"], json!(["like"]));
    let (status, body) = send(
        b.bert
            .request(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&json!({"text": "reply in B", "parent_id": a.m1})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) =
        send(alice_b_session.request(Method::POST, &format!("/v1/messages/{}/pin", a.m1))).await;
    assert_eq!(status, 200, "{body}");
    // B edits and then deletes its copy.
    let (status, body) = send(
        b.t.server(Method::PATCH, &format!("/v1/messages/{}", a.m1))
            .json(&json!({"text": "edited in B"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["text"], "edited in B");
    let (status, body) = send(b.t.server(Method::DELETE, &format!("/v1/messages/{}", a.m1))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["type"], "deleted");
    // Removing "like" from B's copy as alice: B's reaction was dropped with the delete.
    expect_problem(
        b.t.server(
            Method::DELETE,
            &format!("/v1/messages/{}/reactions/like?user_id=alice", a.m1),
        ),
        404,
        "reaction_not_found",
    )
    .await;
    // B's copy and its thread, as B sees them.
    let b_copy = get_ok(b.t.server(Method::GET, &format!("/v1/messages/{}", a.m1))).await;
    assert_eq!(b_copy["cid"], "messaging:general");
    assert!(!b_copy["deleted_at"].is_null(), "{b_copy}");
    assert_eq!(b_copy["reply_count"], 1);
    let replies = get_ok(b.t.server(Method::GET, &format!("/v1/messages/{}/replies", a.m1))).await;
    let texts: Vec<&str> = replies["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["reply in B"]);
    // B updates its alice and deletes its channel `general`.
    let (status, body) = send(
        b.t.server(Method::PATCH, "/v1/users/alice")
            .json(&json!({"name": "Alice B2"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send(b.t.server(Method::DELETE, "/v1/users/alice")).await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = send(b.t.server(Method::DELETE, "/v1/channels/messaging/general")).await;
    assert_eq!(status, 204, "{body}");
    expect_problem(
        b.t.server(Method::GET, &format!("/v1/messages/{}", a.m1)),
        404,
        "message_not_found",
    )
    .await;

    // A saw none of it: same channel, message, reactions, pin, thread and users.
    let after = snapshot_a(&app, &a).await;
    assert_seeded_state(&after, &a);
    assert_eq!(
        before, after,
        "tenant A changed through B's objects with the same ids"
    );
    // A's alice is still active and can act.
    let me = get_ok(a.alice.request(Method::GET, "/v1/me")).await;
    assert_eq!(me["name"], "Alice A");
    assert_eq!(me["deactivated"], false);
}

async fn references_to_another_tenants_objects_in_bodies_are_not_found(app: TestApp) {
    let a = seed_a(&app).await;
    let b = seed_b(&app).await;
    let before = snapshot_a(&app, &a).await;
    let room = "/v1/channels/messaging/b-room";

    // A thread reply or a quote of A's message, in B's own channel.
    for (label, req) in [
        (
            "server",
            b.t.server(Method::POST, &format!("{room}/messages")),
        ),
        (
            "user",
            b.bert.request(Method::POST, &format!("{room}/messages")),
        ),
    ] {
        let mut body = json!({"text": "reply", "parent_id": a.m1});
        if label == "server" {
            body["user_id"] = json!("bert");
        }
        expect_problem(req.json(&body), 404, "message_not_found").await;
    }
    let mut body = json!({"text": "quote", "quoted_id": a.m1});
    expect_problem(
        b.bert
            .request(Method::POST, &format!("{room}/messages"))
            .json(&body),
        404,
        "message_not_found",
    )
    .await;
    body["user_id"] = json!("bert");
    expect_problem(
        b.t.server(Method::POST, &format!("{room}/messages"))
            .json(&body),
        404,
        "message_not_found",
    )
    .await;
    // Mentions of A's users: not members of B's channel.
    expect_problem(
        b.bert
            .request(Method::POST, &format!("{room}/messages"))
            .json(&json!({"text": "hi @alice", "mentions": ["alice"]})),
        400,
        "invalid_request",
    )
    .await;
    // Adding A's users as members, to an existing or a new channel.
    expect_problem(
        b.t.server(Method::POST, &format!("{room}/members"))
            .json(&json!({"user_ids": ["alice", "bob"]})),
        404,
        "user_not_found",
    )
    .await;
    expect_problem(
        b.bert
            .request(Method::POST, &format!("{room}/members"))
            .json(&json!({"user_ids": ["alice"]})),
        404,
        "user_not_found",
    )
    .await;
    expect_problem(
        b.t.server(Method::POST, "/v1/channels").json(
            &json!({"type": "messaging", "id": "with-a", "members": ["carol"], "user_id": "bert"}),
        ),
        404,
        "user_not_found",
    )
    .await;
    expect_problem(
        b.bert
            .request(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "members": ["bob"], "distinct": true})),
        404,
        "user_not_found",
    )
    .await;
    // Changing the role of A's user in B's channel.
    expect_problem(
        b.t.server(Method::PATCH, &format!("{room}/members/alice"))
            .json(&json!({"role": "moderator"})),
        404,
        "member_not_found",
    )
    .await;
    expect_problem(
        b.t.server(Method::DELETE, &format!("{room}/members/alice")),
        404,
        "member_not_found",
    )
    .await;

    // Nothing was written: B's room is as seeded, no channel `with-a`, no A users in B.
    let ch = get_ok(b.t.server(Method::GET, room)).await;
    assert_eq!(ch["member_count"], 2, "{ch}");
    assert_eq!(ch["last_seq"], 1, "{ch}");
    expect_problem(
        b.t.server(Method::GET, "/v1/channels/messaging/with-a"),
        404,
        "channel_not_found",
    )
    .await;
    let users = get_ok(b.t.server(Method::GET, "/v1/users")).await;
    let ids: Vec<&str> = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["bella", "bert"]);

    let after = snapshot_a(&app, &a).await;
    assert_eq!(before, after, "tenant A changed");
}

/// A refused request naming an actor must leave no user behind in the caller's tenant: B's
/// server posting into A's channel "as alice" gets 404, and B must not gain a user `alice`.
async fn refused_requests_create_no_users(app: TestApp) {
    let _a = seed_a(&app).await;
    let b = seed_b(&app).await;
    let b_users = || async {
        let users = get_ok(b.t.server(Method::GET, "/v1/users")).await;
        users["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    expect_problem(
        b.t.server(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&json!({"text": "as alice", "user_id": "alice"})),
        404,
        "channel_not_found",
    )
    .await;
    assert_eq!(
        b_users().await,
        ["bella", "bert"],
        "a message send refused with 404 created its author in B"
    );
    expect_problem(
        b.t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "x", "user_id": "bob", "members": ["carol"]})),
        404,
        "user_not_found",
    )
    .await;
    assert_eq!(
        b_users().await,
        ["bella", "bert"],
        "a channel create refused with 404 created its creator in B"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_requests_create_no_users_sqlite() {
    refused_requests_create_no_users(TestApp::spawn(Backend::Sqlite).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_requests_create_no_users_postgres() {
    refused_requests_create_no_users(TestApp::spawn(Backend::Postgres).await).await;
}

/// Realtime and webhooks stay inside the tenant too. Tenant B works in a channel with the
/// same cid as tenant A's and users of the same names; A's tenant-wide stream (secret key),
/// A's users and A's webhook endpoint see none of it. Each check ends with a sentinel: an
/// event of A's own, sent after B's, which must arrive with nothing of B's before it.
async fn realtime_and_webhooks_stay_inside_the_tenant(app: TestApp) {
    use parley_tests::webhooks::Receiver;
    let a = app.tenant("Tenant A").await;
    let b = app.tenant("Tenant B").await;
    for t in [&a, &b] {
        for u in ["alice", "bob"] {
            t.create_user(u).await;
        }
        let (status, body) = send(
            t.server(Method::POST, "/v1/channels")
                .json(&json!({"type": "messaging", "id": "room", "members": ["alice", "bob"]})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let receiver = Receiver::start().await;
    let (status, hook) = send(
        a.server(Method::POST, "/v1/webhooks")
            .json(&json!({"url": receiver.url()})),
    )
    .await;
    assert_eq!(status, 201, "{hook}");
    receiver.set_secret(hook["secret"].as_str().unwrap());
    let mut a_server = a.connect_server().await;
    let mut a_bob = a.user("bob").await.connect().await;

    // Tenant B: messages, an edit, a reaction, a member, typing.
    let b_alice = b.user("alice").await;
    let mut b_ws = b_alice.connect().await;
    let b_bob = b.user("bob").await.connect().await;
    let (status, m) = send(
        b_alice
            .request(Method::POST, "/v1/channels/messaging/room/messages")
            .json(&json!({"text": "secret of tenant B"})),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    let id = m["id"].as_str().unwrap();
    let (status, body) = send(
        b_alice
            .request(Method::PATCH, &format!("/v1/messages/{id}"))
            .json(&json!({"text": "secret of tenant B, edited"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send(
        b_alice
            .request(Method::POST, &format!("/v1/messages/{id}/reactions"))
            .json(&json!({"type": "like"})),
    )
    .await;
    assert!(status.is_success(), "{status} {body}");
    b.create_user("carol").await;
    let (status, body) = send(
        b.server(Method::POST, "/v1/channels/messaging/room/members")
            .json(&json!({"user_ids": ["carol"]})),
    )
    .await;
    assert!(status.is_success(), "{status} {body}");
    b_ws.send(json!({"type": "typing.start", "cid": "messaging:room"}))
        .await;
    drop(b_bob);

    // Tenant A's sentinel, after all of B's.
    let (status, sentinel) = send(
        a.server(Method::POST, "/v1/channels/messaging/room/messages")
            .json(&json!({"text": "A's own", "user_id": "alice"})),
    )
    .await;
    assert_eq!(status, 201, "{sentinel}");
    let of_b = |v: &Value| {
        let s = v.to_string();
        s.contains("tenant B") || s.contains("carol") || s.contains("typing")
    };
    let is_sentinel = |v: &Value| v["type"] == "message.new" && v["message"]["text"] == "A's own";
    a_server
        .expect_none_before("an event of tenant B", of_b, is_sentinel)
        .await;
    a_bob
        .expect_none_before("an event of tenant B", of_b, is_sentinel)
        .await;
    a_server
        .expect_none_where("an event of tenant B", of_b)
        .await;
    // B's own stream did get its events, so there were events to leak.
    b_ws.expect_where("B's message", |v| {
        v["type"] == "message.new" && v["message"]["text"] == "secret of tenant B"
    })
    .await;

    receiver
        .wait_for(std::time::Duration::from_secs(30), |got| {
            got.iter()
                .any(|r| r.body["data"]["message"]["text"] == "A's own")
        })
        .await;
    outbox_settled(app.db(), std::time::Duration::from_secs(30)).await;
    let leaked: Vec<String> = receiver
        .received()
        .iter()
        .map(|r| r.body.to_string())
        .filter(|s| s.contains("tenant B") || s.contains("carol"))
        .collect();
    assert!(leaked.is_empty(), "A's endpoint got B's events: {leaked:?}");
    assert!(receiver.rejected().is_empty(), "{:?}", receiver.rejected());
}

parley_tests::on_both_backends!(
    realtime_and_webhooks_stay_inside_the_tenant,
    other_tenant_ids_answer_not_found_and_change_nothing,
    lists_and_searches_stay_inside_the_tenant,
    keys_cannot_be_revoked_through_another_tenants_path,
    a_user_token_does_not_work_with_another_tenants_key,
    the_same_ids_in_two_tenants_are_independent,
    references_to_another_tenants_objects_in_bodies_are_not_found,
);
