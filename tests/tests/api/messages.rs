//! Messages: seq, idempotent sends, history windows, edit, delete, threads, quotes,
//! reactions, pins, mentions.

use std::collections::BTreeSet;

use parley_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

async fn room(app: &TestApp) -> (Tenant, User, User) {
    let t = app.tenant("Acme").await;
    for u in ["alice", "bob", "outsider"] {
        t.create_user(u).await;
    }
    t.create_messaging_channel("general", &["alice", "bob"])
        .await;
    (t.clone(), t.user("alice").await, t.user("bob").await)
}

async fn say(user: &User, text: &str) -> Value {
    let (status, body) = send(
        user.request(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&json!({"text": text})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect()
}

async fn idempotent_send_and_gap_free_seq(app: TestApp) {
    let (t, alice, bob) = room(&app).await;
    let body = json!({"id": "client-1", "text": "hello", "custom": {"k": "v"}});
    let (status, first) = send(
        alice
            .request(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&body),
    )
    .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["id"], "client-1");
    assert_eq!(first["seq"], 1);
    assert_eq!(first["user_id"], "alice");
    assert_eq!(first["custom"]["k"], "v");
    let (status, again) = send(
        alice
            .request(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&body),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(again, first, "the stored message, unchanged");
    // The same id by someone else, or elsewhere, is a conflict.
    expect_problem(
        bob.request(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&body),
        409,
        "message_id_conflict",
    )
    .await;

    // Concurrent sends: every seq once, no gaps; concurrent retries of one id store it once.
    let mut tasks = Vec::new();
    for i in 0..30 {
        let u = if i % 2 == 0 {
            alice.clone()
        } else {
            bob.clone()
        };
        tasks.push(tokio::spawn(async move {
            send(
                u.request(Method::POST, "/v1/channels/messaging/general/messages")
                    .json(&json!({"text": format!("m{i}")})),
            )
            .await
        }));
    }
    for _ in 0..8 {
        let u = alice.clone();
        tasks.push(tokio::spawn(async move {
            send(
                u.request(Method::POST, "/v1/channels/messaging/general/messages")
                    .json(&json!({"id": "retry-me", "text": "once"})),
            )
            .await
        }));
    }
    let mut created = 0;
    for task in tasks {
        let (status, _) = task.await.unwrap();
        assert!(status == 201 || status == 200, "{status}");
        if status == 201 {
            created += 1;
        }
    }
    assert_eq!(created, 31, "30 distinct messages and one retried id");
    let (_, hist) = send(t.server(
        Method::GET,
        "/v1/channels/messaging/general/messages?limit=200",
    ))
    .await;
    assert_eq!(ids(&hist), (1..=32).collect::<Vec<_>>());
    let once: Vec<&Value> = hist["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["id"] == "retry-me")
        .collect();
    assert_eq!(once.len(), 1);
    let (_, ch) = send(t.server(Method::GET, "/v1/channels/messaging/general")).await;
    assert_eq!(ch["last_seq"], 32);
}

async fn history_windows(app: TestApp) {
    let (t, alice, _) = room(&app).await;
    for i in 1..=25 {
        say(&alice, &format!("m{i}")).await;
    }
    let get = |q: &str| {
        t.server(
            Method::GET,
            &format!("/v1/channels/messaging/general/messages{q}"),
        )
    };
    let (_, latest) = send(get("?limit=10")).await;
    assert_eq!(
        ids(&latest),
        (16..=25).collect::<Vec<_>>(),
        "newest page, ascending"
    );
    let (_, older) = send(get(&format!(
        "?limit=10&cursor={}",
        latest["next_cursor"].as_str().unwrap()
    )))
    .await;
    assert_eq!(ids(&older), (6..=15).collect::<Vec<_>>());
    let (_, oldest) = send(get(&format!(
        "?limit=10&cursor={}",
        older["next_cursor"].as_str().unwrap()
    )))
    .await;
    assert_eq!(ids(&oldest), (1..=5).collect::<Vec<_>>());
    assert!(oldest["next_cursor"].is_null());

    let (_, before) = send(get("?before_seq=5&limit=2")).await;
    assert_eq!(ids(&before), vec![3, 4]);
    let (_, after) = send(get("?after_seq=20&limit=3")).await;
    assert_eq!(ids(&after), vec![21, 22, 23]);
    let (_, next) = send(get(&format!(
        "?cursor={}&limit=3",
        after["next_cursor"].as_str().unwrap()
    )))
    .await;
    assert_eq!(ids(&next), vec![24, 25]);
    assert!(next["next_cursor"].is_null());
    let (_, between) = send(get("?after_seq=10&before_seq=14")).await;
    assert_eq!(ids(&between), vec![11, 12, 13]);
    let (_, beyond) = send(get("?after_seq=25")).await;
    assert_eq!(ids(&beyond), Vec::<i64>::new());
    expect_problem(get("?limit=201"), 400, "invalid_request").await;
    expect_problem(get("?bogus=1"), 400, "invalid_request").await;
    expect_problem(
        t.server(Method::GET, "/v1/channels/messaging/nope/messages"),
        404,
        "channel_not_found",
    )
    .await;
}

async fn edit_and_delete(app: TestApp) {
    let (t, alice, bob) = room(&app).await;
    let m = say(&alice, "typo").await;
    let id = m["id"].as_str().unwrap();
    expect_problem(
        bob.request(Method::PATCH, &format!("/v1/messages/{id}"))
            .json(&json!({"text": "hijack"})),
        403,
        "forbidden",
    )
    .await;
    let (status, edited) = send(
        alice
            .request(Method::PATCH, &format!("/v1/messages/{id}"))
            .json(&json!({"text": "fixed"})),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["text"], "fixed");
    assert!(edited["edited_at"].is_string());
    assert_eq!(edited["seq"], m["seq"]);
    expect_problem(
        alice
            .request(Method::PATCH, &format!("/v1/messages/{id}"))
            .json(&json!({"text": "x".repeat(5001)})),
        400,
        "message_too_long",
    )
    .await;

    let second = say(&bob, "second").await;
    let (status, reacted) = send(
        alice
            .request(Method::POST, &format!("/v1/messages/{id}/reactions"))
            .json(&json!({"type": "like"})),
    )
    .await;
    assert!(status.is_success(), "{status} {reacted}");
    assert_eq!(reacted["reaction_counts"], json!({"like": 1}), "{reacted}");
    expect_problem(
        bob.request(Method::DELETE, &format!("/v1/messages/{id}")),
        403,
        "forbidden",
    )
    .await;
    let (status, gone) = send(alice.request(Method::DELETE, &format!("/v1/messages/{id}"))).await;
    assert_eq!(status, 200);
    assert_eq!(gone["type"], "deleted");
    assert_eq!(gone["text"], "");
    assert_eq!(gone["reaction_counts"], json!({}));
    let (status, _) = send(alice.request(Method::DELETE, &format!("/v1/messages/{id}"))).await;
    assert_eq!(status, 200, "deleting twice is harmless");
    expect_problem(
        alice
            .request(Method::PATCH, &format!("/v1/messages/{id}"))
            .json(&json!({"text": "undead"})),
        400,
        "invalid_request",
    )
    .await;
    let (_, hist) = send(t.server(Method::GET, "/v1/channels/messaging/general/messages")).await;
    assert_eq!(ids(&hist), vec![1, 2], "the tombstone keeps its place");
    assert_eq!(hist["items"][0]["type"], "deleted");
    // Moderators (and the server) may delete anyone's message.
    let (status, _) = send(t.server(
        Method::DELETE,
        &format!("/v1/messages/{}", second["id"].as_str().unwrap()),
    ))
    .await;
    assert_eq!(status, 200);
    let (_, unread) = send(alice.request(Method::GET, "/v1/me/unread")).await;
    assert_eq!(
        unread["total_unread_count"], 0,
        "deleted messages are not unread"
    );
    expect_problem(
        t.server(Method::GET, "/v1/messages/does-not-exist"),
        404,
        "message_not_found",
    )
    .await;
}

async fn threads_and_quotes(app: TestApp) {
    let (t, alice, bob) = room(&app).await;
    let parent = say(&alice, "question?").await;
    let pid = parent["id"].as_str().unwrap();
    let mut replies = Vec::new();
    for i in 0..3 {
        let (status, r) = send(
            bob.request(Method::POST, "/v1/channels/messaging/general/messages")
                .json(&json!({"text": format!("answer {i}"), "parent_id": pid})),
        )
        .await;
        assert_eq!(status, 201, "{r}");
        assert_eq!(r["type"], "reply");
        replies.push(r);
    }
    let (_, p) = send(t.server(Method::GET, &format!("/v1/messages/{pid}"))).await;
    assert_eq!(p["reply_count"], 3);
    let (_, thread) =
        send(alice.request(Method::GET, &format!("/v1/messages/{pid}/replies?limit=2"))).await;
    let texts: Vec<&str> = thread["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, vec!["answer 0", "answer 1"]);
    let (_, rest) = send(alice.request(
        Method::GET,
        &format!(
            "/v1/messages/{pid}/replies?cursor={}",
            thread["next_cursor"].as_str().unwrap()
        ),
    ))
    .await;
    assert_eq!(rest["items"][0]["text"], "answer 2");
    assert!(rest["next_cursor"].is_null());
    let (_, hist) =
        send(alice.request(Method::GET, "/v1/channels/messaging/general/messages")).await;
    assert_eq!(
        hist["items"].as_array().unwrap().len(),
        1,
        "replies stay in their thread"
    );
    let (_, unread) = send(alice.request(Method::GET, "/v1/me/unread")).await;
    assert_eq!(
        unread["total_unread_count"], 0,
        "thread replies do not raise channel unread"
    );
    let rid = replies[0]["id"].as_str().unwrap();
    expect_problem(
        bob.request(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&json!({"text": "nested", "parent_id": rid})),
        400,
        "invalid_request",
    )
    .await;
    expect_problem(
        bob.request(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&json!({"text": "x", "parent_id": "missing"})),
        404,
        "message_not_found",
    )
    .await;

    let (status, quoting) = send(
        bob.request(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&json!({"text": "as you said", "quoted_id": pid})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(quoting["quoted_message"]["text"], "question?");
    assert_eq!(quoting["quoted_message"]["id"], pid);
    send(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "other", "members": ["bob"]})),
    )
    .await;
    expect_problem(
        bob.request(Method::POST, "/v1/channels/messaging/other/messages")
            .json(&json!({"text": "x", "quoted_id": pid})),
        400,
        "invalid_request",
    )
    .await;
}

async fn reactions_pins_mentions(app: TestApp) {
    let (t, alice, bob) = room(&app).await;
    let m = say(&alice, "react to me").await;
    let id = m["id"].as_str().unwrap();
    let react = |u: &User, kind: &str| {
        u.request(Method::POST, &format!("/v1/messages/{id}/reactions"))
            .json(&json!({"type": kind}))
    };
    let (status, r) = send(react(&alice, "like")).await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(
        send(react(&alice, "like")).await.0,
        200,
        "the same reaction twice is one reaction"
    );
    send(react(&bob, "like")).await;
    let (_, r) = send(react(&bob, "love")).await;
    assert_eq!(r["reaction_counts"], json!({"like": 2, "love": 1}));
    assert_eq!(r["own_reactions"], json!(["like", "love"]));
    let (_, seen_by_alice) = send(alice.request(Method::GET, &format!("/v1/messages/{id}"))).await;
    assert_eq!(seen_by_alice["own_reactions"], json!(["like"]));
    let (_, hist) =
        send(alice.request(Method::GET, "/v1/channels/messaging/general/messages")).await;
    assert_eq!(
        hist["items"][0]["reaction_counts"],
        json!({"like": 2, "love": 1})
    );
    let (status, r) =
        send(bob.request(Method::DELETE, &format!("/v1/messages/{id}/reactions/love"))).await;
    assert_eq!(status, 200);
    assert_eq!(r["reaction_counts"], json!({"like": 2}));
    expect_problem(
        bob.request(Method::DELETE, &format!("/v1/messages/{id}/reactions/love")),
        404,
        "reaction_not_found",
    )
    .await;
    // Own reactions are listed oldest first, on the message and in history.
    let (_, r) = send(react(&bob, "angry")).await;
    assert_eq!(r["own_reactions"], json!(["like", "angry"]));
    let (_, hist) = send(bob.request(Method::GET, "/v1/channels/messaging/general/messages")).await;
    assert_eq!(hist["items"][0]["own_reactions"], json!(["like", "angry"]));
    assert_eq!(
        hist["items"][0]["reaction_counts"],
        json!({"angry": 1, "like": 2})
    );
    expect_problem(react(&bob, "has space"), 400, "invalid_request").await;
    let outsider = t.user("outsider").await;
    expect_problem(react(&outsider, "like"), 404, "message_not_found").await;

    let (status, pinned) = send(bob.request(Method::POST, &format!("/v1/messages/{id}/pin"))).await;
    assert_eq!(status, 200, "{pinned}");
    assert_eq!(pinned["pinned"], true);
    assert_eq!(pinned["pinned_by"], "bob");
    let (_, unpinned) =
        send(alice.request(Method::DELETE, &format!("/v1/messages/{id}/pin"))).await;
    assert_eq!(unpinned["pinned"], false);
    assert!(unpinned["pinned_at"].is_null());

    let (status, with_mention) = send(
        alice
            .request(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&json!({"text": "@bob", "mentions": ["bob", "bob"]})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(with_mention["mentions"], json!(["bob"]));
    let err = expect_problem(
        alice
            .request(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&json!({"text": "@outsider", "mentions": ["outsider"]})),
        400,
        "invalid_request",
    )
    .await;
    assert!(err["detail"].as_str().unwrap().contains("outsider"));
    let (status, _) = send(alice.request(Method::POST, "/v1/channels/messaging/general/messages").json(&json!({"text": "", "attachments": [{"type": "link", "url": "https://example.com"}]}))).await;
    assert_eq!(status, 201);
    expect_problem(
        alice
            .request(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&json!({"text": "  "})),
        400,
        "invalid_request",
    )
    .await;
    expect_problem(
        alice
            .request(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&json!({"text": "x", "attachments": "nope"})),
        400,
        "invalid_request",
    )
    .await;
    // The server must name the author; a user may not name someone else.
    expect_problem(
        t.server(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&json!({"text": "who?"})),
        400,
        "invalid_request",
    )
    .await;
    expect_problem(
        alice
            .request(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&json!({"text": "x", "user_id": "bob"})),
        403,
        "forbidden",
    )
    .await;
    let distinct: BTreeSet<i64> = ids(&send(
        alice.request(Method::GET, "/v1/channels/messaging/general/messages"),
    )
    .await
    .1)
    .into_iter()
    .collect();
    assert_eq!(distinct.len(), 3);
}

on_both_backends!(
    idempotent_send_and_gap_free_seq,
    history_windows,
    edit_and_delete,
    threads_and_quotes,
    reactions_pins_mentions,
);
