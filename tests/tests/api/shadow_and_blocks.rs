//! Shadow bans and user blocks, seen from both sides: the shadow-banned author sees their
//! messages as usual and is told nothing, everyone else sees none of them (live, history,
//! single reads, unread counts, push), webhooks get them marked; a blocker stops receiving
//! the blocked user's messages, and the blocked user cannot open or post into a distinct DM
//! with the blocker.

use std::time::Duration;

use parley_tests::standins::fcm::FcmStandIn;
use parley_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

const CAROL_TOKEN: &str = "fcm-token-carol-0123456789abcdefghijklmnopqrstuv";

async fn ok(req: reqwest::RequestBuilder) -> Value {
    let (status, body) = send(req).await;
    assert!(status.is_success(), "{status} {body}");
    body
}

/// alice, bob and carol in `messaging:room`; carol is offline with an FCM device.
async fn setup(backend: Backend) -> (TestApp, Tenant, FcmStandIn) {
    let fcm = FcmStandIn::start("example-chat").await;
    let fcm_url = fcm.url();
    let app = TestApp::spawn_with(backend, move |c| {
        c.worker.fcm_url = Some(fcm_url);
        c.worker.allow_private_urls = true;
    })
    .await;
    let t = app.tenant("Acme").await;
    let sa: Value = serde_json::from_str(&fcm.service_account_json()).unwrap();
    ok(t.server(Method::PUT, "/v1/push/fcm")
        .json(&json!({"service_account": sa})))
    .await;
    for u in ["alice", "bob", "carol"] {
        t.create_user(u).await;
    }
    ok(t.server(Method::POST, "/v1/channels")
        .json(&json!({"type": "messaging", "id": "room", "members": ["alice", "bob", "carol"]})))
    .await;
    ok(t.server(Method::POST, "/v1/devices")
        .json(&json!({"provider": "fcm", "token": CAROL_TOKEN, "user_id": "carol"})))
    .await;
    (app, t, fcm)
}

fn say(user: &User, text: &str) -> reqwest::RequestBuilder {
    user.request(Method::POST, "/v1/channels/messaging/room/messages")
        .json(&json!({ "text": text }))
}

async fn texts(req: reqwest::RequestBuilder) -> Vec<String> {
    let page = ok(req).await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect()
}

async fn unread(user: &User) -> i64 {
    ok(user.request(Method::GET, "/v1/me/unread")).await["total_unread_count"]
        .as_i64()
        .unwrap()
}

/// Waits until carol's device got `n` pushes, then checks no more come once the outbox is
/// settled.
async fn carol_pushed(app: &TestApp, fcm: &FcmStandIn, n: usize) {
    eventually("carol's pushes", Duration::from_secs(20), async || {
        let got = fcm.delivered().len();
        if got >= n {
            Ok(())
        } else {
            Err(format!("{got} of {n}"))
        }
    })
    .await;
    outbox_settled(app.db(), Duration::from_secs(20)).await;
    assert_eq!(
        fcm.delivered().len(),
        n,
        "carol was pushed more than expected"
    );
}

async fn shadow_ban_shows_messages_to_their_author_alone(backend: Backend) {
    let (app, t, fcm) = setup(backend).await;
    let receiver = parley_tests::webhooks::Receiver::start().await;
    let hook = ok(t
        .server(Method::POST, "/v1/webhooks")
        .json(&json!({"url": receiver.url(), "event_types": ["message.new"]})))
    .await;
    receiver.set_secret(hook["secret"].as_str().unwrap());
    let alice = t.user("alice").await;
    let bob = t.user("bob").await;
    let mut alice_ws = alice.connect().await;
    let mut bob_ws = bob.connect().await;
    let mut server_ws = t.connect_server().await;

    let ban = ok(t
        .server(Method::POST, "/v1/users/alice/ban")
        .json(&json!({"shadow": true, "reason": "spam"})))
    .await;
    assert_eq!(ban["shadow"], true, "{ban}");
    // The tenant server hears of it; alice is told nothing and keeps her connection.
    assert_eq!(server_ws.expect("user.banned").await["ban"]["shadow"], true);
    alice_ws.expect_none("user.banned").await;
    ok(alice.request(Method::GET, "/v1/me")).await;

    let sent = ok(say(&alice, "buy my stuff")).await;
    let id = sent["id"].as_str().unwrap().to_owned();
    assert!(
        sent.get("shadowed").is_none(),
        "the author is not told: {sent}"
    );
    let own = alice_ws.expect("message.new").await;
    assert_eq!(own["message"]["text"], "buy my stuff");
    assert!(own["message"].get("shadowed").is_none(), "{own}");
    assert_eq!(
        server_ws.expect("message.new").await["message"]["id"],
        id.as_str()
    );
    bob_ws.expect_none("message.new").await;

    // History, a single read, threads and unread counts: hers, not theirs.
    let history = "/v1/channels/messaging/room/messages";
    assert_eq!(
        texts(alice.request(Method::GET, history)).await,
        ["buy my stuff"]
    );
    assert!(texts(bob.request(Method::GET, history)).await.is_empty());
    let for_server = ok(t.server(Method::GET, history)).await;
    assert_eq!(for_server["items"][0]["shadowed"], true, "{for_server}");
    expect_problem(
        bob.request(Method::GET, &format!("/v1/messages/{id}")),
        404,
        "message_not_found",
    )
    .await;
    let (_, channels) = send(bob.request(Method::GET, "/v1/channels")).await;
    assert!(channels["items"][0]["last_message"].is_null(), "{channels}");
    assert_eq!(unread(&bob).await, 0);

    // Webhooks get it, marked; carol (offline) is not pushed for it, but is for bob's.
    ok(say(&bob, "hello all")).await;
    assert_eq!(
        alice_ws.expect("message.new").await["message"]["text"],
        "hello all"
    );
    carol_pushed(&app, &fcm, 1).await;
    let got = receiver.received();
    let marks: Vec<(bool, &str)> = got
        .iter()
        .map(|r| {
            (
                r.body["shadowed"] == true,
                r.body["data"]["message"]["text"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(marks, [(true, "buy my stuff"), (false, "hello all")]);
    assert_eq!(unread(&bob).await, 0);
    assert_eq!(unread(&alice).await, 1);

    // A replay leaves it out for bob as live delivery did.
    let mut late = bob.connect().await;
    late.send(json!({"type": "resume", "cursors": {"messaging:room": 0}}))
        .await;
    let replayed = late
        .expect_where("bob's message replayed", |v| {
            v["type"] == "message.new" && v["message"]["text"] == "hello all"
        })
        .await;
    assert!(replayed["seq"].as_i64().unwrap() > 1);
    late.expect_none_where("alice's shadowed message", |v| {
        v["message"]["text"] == "buy my stuff"
    })
    .await;

    // Lifted, her messages reach everyone again.
    let (status, _) = send(t.server(Method::DELETE, "/v1/users/alice/ban")).await;
    assert_eq!(status, 204);
    alice_ws.expect_none("user.unbanned").await;
    ok(say(&alice, "sorry")).await;
    bob_ws
        .expect_where("her message after the lift", |v| {
            v["type"] == "message.new" && v["message"]["text"] == "sorry"
        })
        .await;

    // A moderator's review can shadow-ban too.
    let flag = ok(bob
        .request(Method::POST, "/v1/users/alice/flag")
        .json(&json!({"reason": "spam again"})))
    .await;
    let resolved = ok(t
        .server(
            Method::POST,
            &format!("/v1/flags/{}/resolve", flag["id"].as_str().unwrap()),
        )
        .json(&json!({"action": "shadow_ban", "timeout_s": 3600})))
    .await;
    assert_eq!(resolved["resolution"], "shadow_ban", "{resolved}");
    let (_, bans) = send(t.server(Method::GET, "/v1/bans?user_id=alice")).await;
    assert_eq!(bans["items"][0]["shadow"], true, "{bans}");
    ok(say(&alice, "psst")).await;
    bob_ws
        .expect_none_where("her shadowed message", |v| v["message"]["text"] == "psst")
        .await;
}

async fn blocking_hides_a_user_and_closes_the_dm(backend: Backend) {
    let (app, t, fcm) = setup(backend).await;
    let alice = t.user("alice").await;
    let bob = t.user("bob").await;
    let carol = t.user("carol").await;
    let mut bob_ws = bob.connect().await;

    let (status, block) = send(bob.request(Method::POST, "/v1/me/blocks/alice")).await;
    assert_eq!(status, 201, "{block}");
    assert_eq!(block["user_id"], "alice");
    let (status, _) = send(bob.request(Method::POST, "/v1/me/blocks/alice")).await;
    assert_eq!(status, 200);
    let (_, list) = send(bob.request(Method::GET, "/v1/me/blocks")).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(bob_ws.expect("user.blocked").await["user_id"], "alice");
    // A connection bob opens after the block filters her too (his blocks were read, and
    // cached, by the connection opened before it).
    let mut bob_again = bob.connect().await;

    // In the shared channel bob no longer gets her messages: live, history, unread.
    ok(say(&alice, "hi bob")).await;
    bob_ws.expect_none("message.new").await;
    bob_again.expect_none("message.new").await;
    ok(say(&carol, "hi all")).await;
    assert_eq!(
        bob_ws.expect("message.new").await["message"]["text"],
        "hi all"
    );
    assert_eq!(
        bob_again.expect("message.new").await["message"]["text"],
        "hi all"
    );
    let history = "/v1/channels/messaging/room/messages";
    assert_eq!(texts(bob.request(Method::GET, history)).await, ["hi all"]);
    assert_eq!(unread(&bob).await, 1);
    // Others still see everything.
    assert_eq!(
        texts(carol.request(Method::GET, history)).await,
        ["hi bob", "hi all"]
    );

    // A DM: alice cannot open one with bob, nor post into the one bob opens.
    let refused = expect_problem(
        alice
            .request(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "distinct": true, "members": ["alice", "bob"]})),
        403,
        "forbidden",
    )
    .await;
    assert_eq!(refused["action"], "create_channel");
    let dm = ok(bob
        .request(Method::POST, "/v1/channels")
        .json(&json!({"type": "messaging", "distinct": true, "members": ["alice", "bob"]})))
    .await;
    let dm_path = format!(
        "/v1/channels/messaging/{}/messages",
        dm["id"].as_str().unwrap()
    );
    let refused = expect_problem(
        alice
            .request(Method::POST, &dm_path)
            .json(&json!({"text": "please"})),
        403,
        "forbidden",
    )
    .await;
    assert_eq!(refused["action"], "send_message");
    let (status, _) = send(
        bob.request(Method::POST, &dm_path)
            .json(&json!({"text": "bye"})),
    )
    .await;
    assert_eq!(status, 201);
    // In an ordinary channel she still posts; bob just does not see it.
    ok(say(&alice, "still here")).await;

    // carol (offline) blocks alice too: pushed for bob's message, not for hers.
    ok(carol.request(Method::POST, "/v1/me/blocks/alice")).await;
    outbox_settled(app.db(), Duration::from_secs(20)).await;
    let before = fcm.delivered().len();
    ok(say(&alice, "carol?")).await;
    ok(say(&bob, "carol!")).await;
    carol_pushed(&app, &fcm, before + 1).await;
    let last = fcm.delivered().last().unwrap().message.to_string();
    assert!(last.contains("carol!"), "{last}");

    // Unblocked, her messages reach bob again, and the DM opens.
    let (status, _) = send(bob.request(Method::DELETE, "/v1/me/blocks/alice")).await;
    assert_eq!(status, 204);
    assert_eq!(bob_ws.expect("user.unblocked").await["user_id"], "alice");
    expect_problem(
        bob.request(Method::DELETE, "/v1/me/blocks/alice"),
        404,
        "block_not_found",
    )
    .await;
    ok(say(&alice, "friends?")).await;
    bob_ws
        .expect_where("her message again", |v| {
            v["type"] == "message.new" && v["message"]["text"] == "friends?"
        })
        .await;
    let (status, _) = send(
        alice
            .request(Method::POST, &dm_path)
            .json(&json!({"text": "thanks"})),
    )
    .await;
    assert_eq!(status, 201);

    // Bad blocks name the problem.
    expect_problem(
        bob.request(Method::POST, "/v1/me/blocks/bob"),
        400,
        "invalid_request",
    )
    .await;
    expect_problem(
        bob.request(Method::POST, "/v1/me/blocks/nobody"),
        404,
        "user_not_found",
    )
    .await;
    expect_problem(t.server(Method::GET, "/v1/me/blocks"), 403, "forbidden").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shadow_ban_shows_messages_to_their_author_alone_sqlite() {
    shadow_ban_shows_messages_to_their_author_alone(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shadow_ban_shows_messages_to_their_author_alone_postgres() {
    shadow_ban_shows_messages_to_their_author_alone(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_hides_a_user_and_closes_the_dm_sqlite() {
    blocking_hides_a_user_and_closes_the_dm(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_hides_a_user_and_closes_the_dm_postgres() {
    blocking_hides_a_user_and_closes_the_dm(Backend::Postgres).await;
}
