//! Reads do not queue behind writes: on SQLite, whose single writer connection a write holds
//! until it commits, history, channel lists, unread counts and single messages are read from
//! their own connections and answer meanwhile, and so do WebSocket frames (the credential check
//! before each); the write itself waits its turn.

use std::time::Duration;

use parley_tests::*;
use reqwest::Method;
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_answer_while_a_write_holds_the_writer() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let t = app.tenant("Acme").await;
    for u in ["alice", "bob"] {
        t.create_user(u).await;
    }
    t.create_messaging_channel("room", &["alice", "bob"]).await;
    let alice = t.user("alice").await;
    let bob = t.user("bob").await;
    let (status, sent) = send(
        alice
            .request(Method::POST, "/v1/channels/messaging/room/messages")
            .json(&json!({"text": "hello"})),
    )
    .await;
    assert_eq!(status, 201);
    // Both keys and sessions used once, so nothing below writes their last use.
    assert_eq!(send(bob.request(Method::GET, "/v1/me")).await.0, 200);
    assert_eq!(send(alice.request(Method::GET, "/v1/me")).await.0, 200);
    let mut ws = bob.connect().await;

    // A write in progress holds SQLite's one writer connection.
    let txn = app.db().begin().await.unwrap();
    txn.execute_unprepared("UPDATE channels SET name = name")
        .await
        .unwrap();

    let message = format!("/v1/messages/{}", sent["id"].as_str().unwrap());
    for path in [
        "/v1/channels/messaging/room/messages",
        "/v1/channels",
        "/v1/me/unread",
        message.as_str(),
    ] {
        let (status, body) =
            tokio::time::timeout(Duration::from_secs(3), send(bob.request(Method::GET, path)))
                .await
                .unwrap_or_else(|_| panic!("GET {path} waited for the writer"));
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (_, history) = send(bob.request(Method::GET, "/v1/channels/messaging/room/messages")).await;
    assert_eq!(history["items"][0]["text"], "hello");
    // A WebSocket frame too: its credential check and channel access read beside the writer.
    ws.send(json!({"type": "typing.start", "cid": "messaging:room", "req_id": "t1"}))
        .await;
    let answer = ws
        .expect_where("the answer to t1", |v| v["req_id"] == "t1")
        .await;
    assert_eq!(answer["type"], "ack", "{answer}");

    // A send waits for the writer and goes through once the other write ends.
    let pending = tokio::spawn(send(
        alice
            .request(Method::POST, "/v1/channels/messaging/room/messages")
            .json(&json!({"text": "after"})),
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!pending.is_finished(), "a write went past the held writer");
    txn.rollback().await.unwrap();
    let (status, _) = pending.await.unwrap();
    assert_eq!(status, 201);
    // And the readers see it at once.
    let (_, history) = send(bob.request(Method::GET, "/v1/channels/messaging/room/messages")).await;
    assert_eq!(history["items"][1]["text"], "after");
}
