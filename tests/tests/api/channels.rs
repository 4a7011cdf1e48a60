//! Channels: creation (explicit, generated, distinct), access by type, listing with unread
//! counts, patch, freeze, members, read state, delete.

use parley_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

async fn users(t: &Tenant, ids: &[&str]) {
    for id in ids {
        t.create_user(id).await;
    }
}

async fn post(t: &Tenant, cid_path: &str, user: &str, text: &str) -> Value {
    let (status, body) = send(
        t.server(Method::POST, &format!("/v1/channels/{cid_path}/messages"))
            .json(&json!({"text": text, "user_id": user})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn create_explicit_generated_and_distinct(app: TestApp) {
    let t = app.tenant("Acme").await;
    users(&t, &["alice", "bob", "carol"]).await;
    let alice = t.user("alice").await;
    let body = json!({"type": "messaging", "id": "general", "name": "General", "members": ["bob"], "custom": {"color": "red"}});
    let (status, ch) = send(alice.request(Method::POST, "/v1/channels").json(&body)).await;
    assert_eq!(status, 201, "{ch}");
    assert_eq!(ch["cid"], "messaging:general");
    assert_eq!(ch["created_by"], "alice");
    assert_eq!(ch["member_count"], 2);
    assert_eq!(ch["membership"]["role"], "owner");
    assert_eq!(ch["custom"]["color"], "red");
    let (status, again) = send(alice.request(Method::POST, "/v1/channels").json(&body)).await;
    assert_eq!(status, 200);
    assert_eq!(again["created_at"], ch["created_at"]);

    let (status, generated) = send(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "team"})),
    )
    .await;
    assert_eq!(status, 201);
    assert!(generated["id"].as_str().unwrap().len() >= 16);
    assert!(generated["created_by"].is_null());

    let (status, dm) = send(
        alice
            .request(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "distinct": true, "members": ["carol"]})),
    )
    .await;
    assert_eq!(status, 201, "{dm}");
    let bob_carol = send(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "distinct": true, "members": ["carol", "bob"]})),
    )
    .await;
    assert_eq!(bob_carol.0, 201, "another member set is another channel");
    let carol = t.user("carol").await;
    let (status, same) = send(
        carol
            .request(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "distinct": true, "members": ["alice", "carol"]})),
    )
    .await;
    assert_eq!(status, 200, "{same}");
    assert_eq!(same["cid"], dm["cid"]);
    assert_ne!(bob_carol.1["cid"], dm["cid"]);

    expect_problem(
        alice
            .request(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "distinct": true, "id": "x", "members": ["bob"]})),
        400,
        "invalid_request",
    )
    .await;
    expect_problem(
        alice
            .request(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "distinct": true})),
        400,
        "invalid_request",
    )
    .await;
    expect_problem(
        alice
            .request(Method::POST, "/v1/channels")
            .json(&json!({"type": "secret", "id": "x"})),
        400,
        "invalid_request",
    )
    .await;
    expect_problem(
        alice
            .request(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "bad id!"})),
        400,
        "invalid_request",
    )
    .await;
    let err = expect_problem(
        alice
            .request(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "x", "members": ["ghost"]})),
        404,
        "user_not_found",
    )
    .await;
    assert!(err["detail"].as_str().unwrap().contains("ghost"));
}

async fn messaging_is_members_only_team_is_open(app: TestApp) {
    let t = app.tenant("Acme").await;
    users(&t, &["alice", "bob", "eve"]).await;
    send(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "private", "members": ["alice", "bob"]})),
    )
    .await;
    send(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "team", "id": "eng", "members": ["alice"]})),
    )
    .await;
    post(&t, "messaging/private", "alice", "secret").await;
    post(&t, "team/eng", "alice", "public").await;
    let eve = t.user("eve").await;

    expect_problem(
        eve.request(Method::GET, "/v1/channels/messaging/private"),
        403,
        "not_a_member",
    )
    .await;
    expect_problem(
        eve.request(Method::GET, "/v1/channels/messaging/private/messages"),
        403,
        "not_a_member",
    )
    .await;
    expect_problem(
        eve.request(Method::POST, "/v1/channels/messaging/private/messages")
            .json(&json!({"text": "hi"})),
        403,
        "not_a_member",
    )
    .await;
    expect_problem(
        eve.request(Method::POST, "/v1/channels/messaging/private/members")
            .json(&json!({"user_ids": ["eve"]})),
        403,
        "not_a_member",
    )
    .await;
    // Reading a single message of a private channel: as if it did not exist.
    let (_, hist) = send(t.server(Method::GET, "/v1/channels/messaging/private/messages")).await;
    let secret_id = hist["items"][0]["id"].as_str().unwrap().to_owned();
    expect_problem(
        eve.request(Method::GET, &format!("/v1/messages/{secret_id}")),
        404,
        "message_not_found",
    )
    .await;

    // Team: anyone reads and may join; members write.
    let (status, hist) = send(eve.request(Method::GET, "/v1/channels/team/eng/messages")).await;
    assert_eq!(status, 200);
    assert_eq!(hist["items"][0]["text"], "public");
    expect_problem(
        eve.request(Method::POST, "/v1/channels/team/eng/messages")
            .json(&json!({"text": "hi"})),
        403,
        "not_a_member",
    )
    .await;
    expect_problem(
        eve.request(Method::POST, "/v1/channels/team/eng/members")
            .json(&json!({"user_ids": ["bob"]})),
        403,
        "forbidden",
    )
    .await;
    let (status, joined) = send(
        eve.request(Method::POST, "/v1/channels/team/eng/members")
            .json(&json!({"user_ids": ["eve"]})),
    )
    .await;
    assert_eq!(status, 200, "{joined}");
    assert_eq!(joined["membership"]["role"], "member");
    let (status, _) = send(
        eve.request(Method::POST, "/v1/channels/team/eng/messages")
            .json(&json!({"text": "hi"})),
    )
    .await;
    assert_eq!(status, 201);
    // Leaving.
    let (status, _) = send(eve.request(Method::DELETE, "/v1/channels/team/eng/members/eve")).await;
    assert_eq!(status, 204);
    let (_, ch) = send(t.server(Method::GET, "/v1/channels/team/eng")).await;
    assert_eq!(ch["member_count"], 1);
}

async fn list_is_sorted_with_unread_and_last_message(app: TestApp) {
    let t = app.tenant("Acme").await;
    users(&t, &["alice", "bob"]).await;
    for id in ["a", "b", "c"] {
        send(
            t.server(Method::POST, "/v1/channels")
                .json(&json!({"type": "messaging", "id": id, "members": ["alice", "bob"]})),
        )
        .await;
    }
    send(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "not-mine", "members": ["bob"]})),
    )
    .await;
    post(&t, "messaging/b", "bob", "b1").await;
    post(&t, "messaging/a", "bob", "a1").await;
    post(&t, "messaging/a", "bob", "a2").await;
    post(&t, "messaging/a", "alice", "mine").await;
    let silent = t
        .server(Method::POST, "/v1/channels/messaging/b/messages")
        .json(&json!({"text": "shh", "user_id": "bob", "silent": true}));
    assert_eq!(send(silent).await.0, 201);

    let alice = t.user("alice").await;
    let (status, list) = send(alice.request(Method::GET, "/v1/channels")).await;
    assert_eq!(status, 200, "{list}");
    let items = list["items"].as_array().unwrap();
    let cids: Vec<&str> = items.iter().map(|c| c["cid"].as_str().unwrap()).collect();
    assert_eq!(
        cids,
        vec!["messaging:b", "messaging:a", "messaging:c"],
        "most recent activity first"
    );
    assert_eq!(items[0]["unread_count"], 1, "silent messages do not count");
    assert_eq!(items[1]["unread_count"], 2, "own messages do not count");
    assert_eq!(items[1]["last_message"]["text"], "mine");
    assert_eq!(items[2]["unread_count"], 0);
    assert!(items[2]["last_message"].is_null());

    let (_, page1) =
        send(alice.request(Method::GET, "/v1/channels?limit=2&sort=-created_at")).await;
    let cursor = page1["next_cursor"].as_str().unwrap();
    let (_, page2) = send(alice.request(
        Method::GET,
        &format!("/v1/channels?limit=2&sort=-created_at&cursor={cursor}"),
    ))
    .await;
    let all: Vec<&str> = page1["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(page2["items"].as_array().unwrap())
        .map(|c| c["cid"].as_str().unwrap())
        .collect();
    assert_eq!(all, vec!["messaging:c", "messaging:b", "messaging:a"]);
    assert!(page2["next_cursor"].is_null());

    // The server lists everything, or one user's channels.
    let (_, every) = send(t.server(Method::GET, "/v1/channels")).await;
    assert_eq!(every["items"].as_array().unwrap().len(), 4);
    let (_, bobs) = send(t.server(Method::GET, "/v1/channels?member=bob")).await;
    assert_eq!(bobs["items"].as_array().unwrap().len(), 4);
    assert_eq!(bobs["items"][0]["membership"]["user_id"], "bob");
    expect_problem(
        alice.request(Method::GET, "/v1/channels?member=bob"),
        403,
        "forbidden",
    )
    .await;

    // Unread totals, then mark read.
    let (_, unread) = send(alice.request(Method::GET, "/v1/me/unread")).await;
    assert_eq!(unread["total_unread_count"], 3);
    let (status, read) = send(
        alice
            .request(Method::POST, "/v1/channels/messaging/a/read")
            .json(&json!({"seq": 1})),
    )
    .await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["last_read_seq"], 1);
    assert_eq!(read["unread_count"], 1);
    let (_, read) = send(
        alice
            .request(Method::POST, "/v1/channels/messaging/a/read")
            .json(&json!({"seq": 0})),
    )
    .await;
    assert_eq!(read["last_read_seq"], 1, "read marks never move back");
    let (_, read) = send(alice.request(Method::POST, "/v1/channels/messaging/a/read")).await;
    assert_eq!(read["last_read_seq"], 3);
    assert_eq!(read["unread_count"], 0);
    let (_, unread) = send(alice.request(Method::GET, "/v1/me/unread")).await;
    assert_eq!(unread["total_unread_count"], 1);
    assert_eq!(
        unread["channels"],
        json!([{"cid": "messaging:b", "unread_count": 1, "last_read_seq": 0}])
    );
    expect_problem(
        alice.request(Method::POST, "/v1/channels/messaging/not-mine/read"),
        403,
        "not_a_member",
    )
    .await;
}

async fn patch_freeze_roles_and_delete(app: TestApp) {
    let t = app.tenant("Acme").await;
    users(&t, &["owner", "mod", "member", "newbie"]).await;
    let owner = t.user("owner").await;
    let member = t.user("member").await;
    let moderator = t.user("mod").await;
    send(
        owner
            .request(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "room", "members": ["mod", "member"]})),
    )
    .await;
    let (status, m) = send(
        owner
            .request(Method::PATCH, "/v1/channels/messaging/room/members/mod")
            .json(&json!({"role": "moderator"})),
    )
    .await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["role"], "moderator");

    expect_problem(
        member
            .request(Method::PATCH, "/v1/channels/messaging/room")
            .json(&json!({"name": "x"})),
        403,
        "forbidden",
    )
    .await;
    let (status, ch) = send(
        moderator
            .request(Method::PATCH, "/v1/channels/messaging/room")
            .json(&json!({"name": "Room", "custom": {"topic": "t"}})),
    )
    .await;
    assert_eq!(status, 200, "{ch}");
    assert_eq!(ch["name"], "Room");
    assert_eq!(ch["custom"]["topic"], "t");

    // Members: moderators add and remove; plain members cannot.
    expect_problem(
        member
            .request(Method::POST, "/v1/channels/messaging/room/members")
            .json(&json!({"user_ids": ["newbie"]})),
        403,
        "forbidden",
    )
    .await;
    let (status, ch) = send(
        moderator
            .request(Method::POST, "/v1/channels/messaging/room/members")
            .json(&json!({"user_ids": ["newbie"]})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(ch["member_count"], 4);
    expect_problem(
        moderator
            .request(Method::POST, "/v1/channels/messaging/room/members")
            .json(&json!({"user_ids": ["member"], "role": "owner"})),
        403,
        "forbidden",
    )
    .await;
    expect_problem(
        member.request(Method::DELETE, "/v1/channels/messaging/room/members/newbie"),
        403,
        "forbidden",
    )
    .await;
    let (status, _) =
        send(moderator.request(Method::DELETE, "/v1/channels/messaging/room/members/newbie")).await;
    assert_eq!(status, 204);
    expect_problem(
        moderator.request(Method::DELETE, "/v1/channels/messaging/room/members/newbie"),
        404,
        "member_not_found",
    )
    .await;

    // Frozen: users cannot post or react; the server still can.
    let (_, msg) = send(
        member
            .request(Method::POST, "/v1/channels/messaging/room/messages")
            .json(&json!({"text": "before"})),
    )
    .await;
    let (_, ch) = send(
        owner
            .request(Method::PATCH, "/v1/channels/messaging/room")
            .json(&json!({"frozen": true})),
    )
    .await;
    assert_eq!(ch["frozen"], true);
    expect_problem(
        member
            .request(Method::POST, "/v1/channels/messaging/room/messages")
            .json(&json!({"text": "after"})),
        403,
        "channel_frozen",
    )
    .await;
    expect_problem(
        member
            .request(
                Method::POST,
                &format!("/v1/messages/{}/reactions", msg["id"].as_str().unwrap()),
            )
            .json(&json!({"type": "like"})),
        403,
        "channel_frozen",
    )
    .await;
    assert_eq!(
        post(&t, "messaging/room", "owner", "announcement").await["seq"],
        2
    );

    // Only the owner (or the server) deletes the channel.
    expect_problem(
        moderator.request(Method::DELETE, "/v1/channels/messaging/room"),
        403,
        "forbidden",
    )
    .await;
    let (status, _) = send(owner.request(Method::DELETE, "/v1/channels/messaging/room")).await;
    assert_eq!(status, 204);
    expect_problem(
        owner.request(Method::GET, "/v1/channels/messaging/room"),
        404,
        "channel_not_found",
    )
    .await;
    expect_problem(
        t.server(
            Method::GET,
            &format!("/v1/messages/{}", msg["id"].as_str().unwrap()),
        ),
        404,
        "message_not_found",
    )
    .await;
    let (_, again) = send(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "room"})),
    )
    .await;
    assert_eq!(again["last_seq"], 0, "a re-created channel starts afresh");
}

/// A send (and a history page) reads its channel and its sender's membership as they are after
/// the last change: slow mode, a new role, a removal, a return, a freeze, a channel deleted and
/// made again.
async fn a_send_sees_every_change_to_its_channel_and_sender(app: TestApp) {
    let t = app.tenant("Acme").await;
    users(&t, &["owner", "member"]).await;
    let owner = t.user("owner").await;
    let member = t.user("member").await;
    let room = || {
        send(
            owner
                .request(Method::POST, "/v1/channels")
                .json(&json!({"type": "messaging", "id": "room", "members": ["member"]})),
        )
    };
    let (status, ch) = room().await;
    assert_eq!(status, 201, "{ch}");
    let post = async |expect: u16, code: Option<&str>| {
        let (status, body) = send(
            member
                .request(Method::POST, "/v1/channels/messaging/room/messages")
                .json(&json!({"text": "hi"})),
        )
        .await;
        assert_eq!(status, expect, "{body}");
        if let Some(code) = code {
            assert_eq!(body["code"], code, "{body}");
        }
    };
    let change = async |method: Method, path: &str, body: Value| {
        let (status, answer) = send(owner.request(method, path).json(&body)).await;
        assert!(status.is_success(), "{status} {answer}");
    };
    post(201, None).await;
    change(
        Method::PATCH,
        "/v1/channels/messaging/room",
        json!({"slow_mode_s": 60}),
    )
    .await;
    post(429, Some("slow_mode")).await;
    let membership = "/v1/channels/messaging/room/members/member";
    change(Method::PATCH, membership, json!({"role": "moderator"})).await;
    post(201, None).await;
    let history = || member.request(Method::GET, "/v1/channels/messaging/room/messages");
    assert_eq!(send(history()).await.0, 200);
    let (status, _) = send(owner.request(Method::DELETE, membership)).await;
    assert_eq!(status, 204);
    post(403, Some("not_a_member")).await;
    expect_problem(history(), 403, "not_a_member").await;
    change(
        Method::POST,
        "/v1/channels/messaging/room/members",
        json!({"user_ids": ["member"]}),
    )
    .await;
    post(429, Some("slow_mode")).await;
    change(
        Method::PATCH,
        "/v1/channels/messaging/room",
        json!({"slow_mode_s": 0, "frozen": true}),
    )
    .await;
    post(403, Some("channel_frozen")).await;
    let (status, _) = send(owner.request(Method::DELETE, "/v1/channels/messaging/room")).await;
    assert_eq!(status, 204);
    let (status, ch) = room().await;
    assert_eq!(status, 201, "{ch}");
    post(201, None).await;
}

/// A channel's delete leaves no row of it in any table (read from the live schema) that has a
/// `cid` or a `message_id`, and touches no other channel.
async fn delete_leaves_no_row_of_the_channel(app: TestApp) {
    let t = app.tenant("Acme").await;
    for u in ["owner", "member"] {
        t.create_user(u).await;
    }
    for id in ["room", "other"] {
        let (status, _) = send(
            t.server(Method::POST, "/v1/channels")
                .json(&json!({"type": "messaging", "id": id, "members": ["owner", "member"]})),
        )
        .await;
        assert_eq!(status, 201);
    }
    let member = t.user("member").await;
    let mut ids = Vec::new();
    for (cid, text) in [("room", "one"), ("room", "two"), ("other", "kept")] {
        let (status, msg) = send(
            member
                .request(
                    Method::POST,
                    &format!("/v1/channels/messaging/{cid}/messages"),
                )
                .json(&json!({"text": text})),
        )
        .await;
        assert_eq!(status, 201, "{msg}");
        let id = msg["id"].as_str().unwrap().to_owned();
        let (status, _) = send(
            member
                .request(Method::POST, &format!("/v1/messages/{id}/reactions"))
                .json(&json!({"type": "like"})),
        )
        .await;
        assert_eq!(status, 201);
        if cid == "room" {
            ids.push(id);
        }
    }
    let (status, _) = send(member.request(Method::POST, "/v1/channels/messaging/room/read")).await;
    assert!(status.is_success());
    let before = channel_rows(app.db(), &t.id, "messaging:room", &ids).await;
    for table in [
        "channels.cid",
        "members.cid",
        "messages.cid",
        "channel_events.cid",
        "reactions.message_id",
    ] {
        assert!(
            before.get(table).is_some_and(|n| *n > 0),
            "the channel had no {table} rows to delete: {before:?}"
        );
    }
    let kept = channel_rows(app.db(), &t.id, "messaging:other", &[]).await;
    let (status, _) = send(t.server(Method::DELETE, "/v1/channels/messaging/room")).await;
    assert_eq!(status, 204);
    let after = channel_rows(app.db(), &t.id, "messaging:room", &ids).await;
    let left: Vec<_> = after.iter().filter(|(_, n)| **n > 0).collect();
    assert!(
        left.is_empty(),
        "rows of the deleted channel left: {left:?}"
    );
    assert_eq!(
        channel_rows(app.db(), &t.id, "messaging:other", &[]).await,
        kept,
        "the other channel is untouched"
    );
}

/// The delete registry lists every table that holds a tenant's rows, every column that names
/// a user, and how each table with a `cid` or `message_id` holds a channel's rows: a table
/// added without registering fails here, before any delete can forget it.
async fn every_owned_table_is_registered(app: TestApp) {
    use parley_core::entities::owned::{NOT_USERS, OfChannel, RETAINED, TABLES};
    use std::collections::BTreeSet;
    let columns = schema_columns(app.db()).await;
    let tenant_tables: BTreeSet<&str> = columns
        .iter()
        .filter(|(_, c)| c == "tenant_id")
        .map(|(t, _)| t.as_str())
        .collect();
    let registered: BTreeSet<&str> = TABLES
        .iter()
        .map(|t| t.table)
        .chain(RETAINED.iter().copied())
        .collect();
    assert_eq!(tenant_tables, registered, "tables with a tenant_id");
    let tenant_tables: BTreeSet<&str> = tenant_tables
        .into_iter()
        .filter(|t| !RETAINED.contains(t))
        .collect();
    let names_a_user = |c: &str| c == "user_id" || c == "target_id" || c.ends_with("_by");
    let user_columns: BTreeSet<(&str, &str)> = columns
        .iter()
        .filter(|(t, c)| tenant_tables.contains(t.as_str()) && names_a_user(c))
        .map(|(t, c)| (t.as_str(), c.as_str()))
        .filter(|column| !NOT_USERS.contains(column))
        .collect();
    let registered: BTreeSet<(&str, &str)> = TABLES
        .iter()
        .flat_map(|t| t.users.iter().map(|(c, _)| (t.table, *c)))
        .collect();
    assert_eq!(user_columns, registered, "columns naming a user");
    for t in TABLES {
        let has = |name: &str| columns.iter().any(|(tt, c)| tt == t.table && c == name);
        let expected = if has("cid") {
            OfChannel::Cid
        } else if has("message_id") {
            OfChannel::Message
        } else {
            OfChannel::Nothing
        };
        assert_eq!(
            t.channel, expected,
            "how {} holds a channel's rows",
            t.table
        );
    }
}

on_both_backends!(
    create_explicit_generated_and_distinct,
    messaging_is_members_only_team_is_open,
    list_is_sorted_with_unread_and_last_message,
    patch_freeze_roles_and_delete,
    a_send_sees_every_change_to_its_channel_and_sender,
    delete_leaves_no_row_of_the_channel,
    every_owned_table_is_registered,
);
