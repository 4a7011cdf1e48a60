//! The realtime gateway on one node: every event type reaches the right users and only them,
//! WebSocket frames, typing, presence, resume, SSE, slow consumers, caps, shutdown.

use std::time::Duration;

use parley_tests::realtime::{Follower, Sse, WAIT, Ws};
use parley_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

async fn room(app: &TestApp) -> (Tenant, User, User, User) {
    let t = app.tenant("Acme").await;
    for u in ["alice", "bob", "eve"] {
        t.create_user(u).await;
    }
    t.create_messaging_channel("room", &["alice", "bob"]).await;
    (
        t.clone(),
        t.user("alice").await,
        t.user("bob").await,
        t.user("eve").await,
    )
}

async fn say(user: &User, text: &str) -> Value {
    let (status, m) = send(
        user.request(Method::POST, "/v1/channels/messaging/room/messages")
            .json(&json!({"text": text})),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    m
}

async fn every_event_reaches_members_only(app: TestApp) {
    let (t, alice, bob, eve) = room(&app).await;
    let other = app.tenant("Globex").await;
    other.create_user("alice").await;
    let mut foreign = other.user("alice").await.connect().await;
    let mut a = alice.connect().await;
    let mut b = bob.connect().await;
    let mut e = eve.connect().await;
    let mut server = t.connect_server().await;
    assert_eq!(b.ready["user_id"], "bob");
    assert_eq!(
        b.ready["cursors"]["messaging:room"], 1,
        "channel.created is event 1"
    );
    assert!(server.ready["user_id"].is_null());

    // message.new
    let m = say(&alice, "hello").await;
    let id = m["id"].as_str().unwrap().to_owned();
    for ws in [&mut a, &mut b, &mut server] {
        let ev = ws.expect("message.new").await;
        assert_eq!(ev["cid"], "messaging:room");
        assert_eq!(ev["message"]["text"], "hello");
        assert_eq!(ev["message"]["seq"], 1);
        assert_eq!(ev["seq"], 2);
        assert!(ev["created_at"].is_string());
    }
    // message.updated, reaction.new, reaction.deleted, message.deleted
    send(
        alice
            .request(Method::PATCH, &format!("/v1/messages/{id}"))
            .json(&json!({"text": "hello!"})),
    )
    .await;
    assert_eq!(
        b.expect("message.updated").await["message"]["text"],
        "hello!"
    );
    send(
        bob.request(Method::POST, &format!("/v1/messages/{id}/reactions"))
            .json(&json!({"type": "like"})),
    )
    .await;
    let r = a.expect("reaction.new").await;
    assert_eq!(
        r["reaction"],
        json!({"type": "like", "user_id": "bob", "created_at": r["reaction"]["created_at"]})
    );
    assert_eq!(r["message"]["reaction_counts"], json!({"like": 1}));
    send(bob.request(Method::DELETE, &format!("/v1/messages/{id}/reactions/like"))).await;
    // Events leave out what is at its default: no reactions left, no `reaction_counts`.
    let unreacted = a.expect("reaction.deleted").await;
    assert!(
        unreacted["message"].get("reaction_counts").is_none(),
        "{unreacted}"
    );
    send(bob.request(Method::POST, &format!("/v1/messages/{id}/pin"))).await;
    let pinned = a
        .expect_where("pinned", |v| {
            v["type"] == "message.updated" && v["message"]["pinned"] == true
        })
        .await;
    assert_eq!(pinned["message"]["pinned_by"], "bob");
    // channel.updated, read.updated, member.updated
    let (status, _) = send(
        t.server(Method::PATCH, "/v1/channels/messaging/room")
            .json(&json!({"name": "Room"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(b.expect("channel.updated").await["channel"]["name"], "Room");
    send(bob.request(Method::POST, "/v1/channels/messaging/room/read")).await;
    let read = a.expect("read.updated").await;
    assert_eq!(read["user_id"], "bob");
    assert_eq!(read["last_read_seq"], 1);
    send(
        t.server(Method::PATCH, "/v1/channels/messaging/room/members/bob")
            .json(&json!({"role": "moderator"})),
    )
    .await;
    assert_eq!(
        a.expect("member.updated").await["member"]["role"],
        "moderator"
    );
    // Eve (same tenant, not a member) and the other tenant saw none of it.
    e.expect_none_where("any event", |v| v["type"] != "pong")
        .await;
    assert!(e.backlog.is_empty(), "eve saw {:?}", e.backlog);
    foreign
        .expect_none_where("any event", |v| v["type"] != "pong")
        .await;
    assert!(
        foreign.backlog.is_empty(),
        "another tenant saw {:?}",
        foreign.backlog
    );

    // member.added + notification to the added user, who then follows the channel.
    send(
        t.server(Method::POST, "/v1/channels/messaging/room/members")
            .json(&json!({"user_ids": ["eve"]})),
    )
    .await;
    let note = e.expect("notification.added_to_channel").await;
    assert_eq!(note["channel"]["cid"], "messaging:room");
    let added = e.expect("member.added").await;
    assert_eq!(added["member"]["user_id"], "eve");
    // The notification's cursor is the channel's position once eve was added.
    assert_eq!(note["cursor"], added["seq"], "{note}");
    assert_eq!(a.expect("member.added").await["member"]["user_id"], "eve");
    say(&alice, "welcome eve").await;
    assert_eq!(
        e.expect("message.new").await["message"]["text"],
        "welcome eve"
    );
    // member.removed: eve hears it, then nothing more.
    send(t.server(Method::DELETE, "/v1/channels/messaging/room/members/eve")).await;
    assert_eq!(e.expect("member.removed").await["member"]["user_id"], "eve");
    say(&alice, "eve is gone").await;
    assert_eq!(
        b.expect_where("message.new", |v| v["message"]["text"] == "eve is gone")
            .await["type"],
        "message.new"
    );
    e.expect_none("message.new").await;

    // message.deleted, then channel.deleted.
    send(alice.request(Method::DELETE, &format!("/v1/messages/{id}"))).await;
    assert_eq!(
        b.expect("message.deleted").await["message"]["type"],
        "deleted"
    );
    // channel.created for a new channel: its members are told and follow it.
    send(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "team", "id": "news", "members": ["bob"]})),
    )
    .await;
    let note = b.expect("notification.added_to_channel").await;
    assert_eq!(note["channel"]["cid"], "team:news");
    let created = server.expect("channel.created").await;
    assert_eq!(created["channel"]["cid"], "team:news");
    assert_eq!(note["cursor"], created["seq"], "{note}");
    send(
        t.server(Method::POST, "/v1/channels/team/news/messages")
            .json(&json!({"text": "news!", "user_id": "bob"})),
    )
    .await;
    let news = b
        .expect_where("message.new", |v| v["cid"] == "team:news")
        .await;
    assert_eq!(news["message"]["text"], "news!");
    // The channel's next event follows the notification's cursor.
    assert_eq!(news["seq"].as_i64(), note["cursor"].as_i64().map(|c| c + 1));
    a.expect_none("notification.added_to_channel").await;
    let (status, _) = send(t.server(Method::DELETE, "/v1/channels/messaging/room")).await;
    assert_eq!(status, 204);
    let gone = b.expect("channel.deleted").await;
    assert_eq!(gone["cid"], "messaging:room");
    assert!(
        gone.get("seq").is_none(),
        "channel.deleted is not resumable: {gone}"
    );
}

async fn websocket_send_ack_idempotency_and_bad_frames(app: TestApp) {
    let (_t, alice, bob, eve) = room(&app).await;
    let mut a = alice.connect().await;
    let mut b = bob.connect().await;
    a.send(json!({"type": "message.send", "req_id": "r1", "cid": "messaging:room", "message": {"id": "c-1", "text": "via ws"}})).await;
    let ack = a.expect("ack").await;
    assert_eq!(ack["req_id"], "r1");
    assert_eq!(ack["message"]["id"], "c-1");
    assert_eq!(ack["message"]["seq"], 1);
    assert_eq!(b.expect("message.new").await["message"]["id"], "c-1");
    // Same id again: same message, stored once, announced once.
    a.send(json!({"type": "message.send", "req_id": 2, "cid": "messaging:room", "message": {"id": "c-1", "text": "via ws"}})).await;
    let again = a.expect("ack").await;
    assert_eq!(again["req_id"], 2);
    assert_eq!(again["message"]["seq"], 1);
    b.expect_none("message.new").await;
    let (_, hist) = send(bob.request(Method::GET, "/v1/channels/messaging/room/messages")).await;
    assert_eq!(
        hist["items"].as_array().unwrap().len(),
        1,
        "the ack meant stored, once"
    );

    // Errors carry the req_id and a code; the connection stays up.
    let mut e = eve.connect().await;
    e.send(json!({"type": "message.send", "req_id": "x", "cid": "messaging:room", "message": {"text": "let me in"}})).await;
    let err = e.expect("error").await;
    assert_eq!(err["req_id"], "x");
    assert_eq!(err["code"], "not_a_member");
    e.send(json!({"type": "subscribe", "req_id": "s", "cids": ["messaging:room"]}))
        .await;
    assert_eq!(e.expect("error").await["code"], "not_a_member");
    e.send_raw("{not json").await;
    assert_eq!(e.expect("error").await["code"], "invalid_json");
    e.send(json!({"type": "teleport"})).await;
    assert!(
        e.expect("error").await["detail"]
            .as_str()
            .unwrap()
            .contains("unknown frame type")
    );
    e.send(json!({"type": "message.send", "req_id": 7, "cid": "messaging:room"}))
        .await;
    let missing = e.expect("error").await;
    assert_eq!(missing["req_id"], 7);
    assert!(
        missing["detail"].as_str().unwrap().contains("message"),
        "{missing}"
    );
    e.send(json!({"type": "ping", "req_id": "p"})).await;
    assert_eq!(e.expect("pong").await["req_id"], "p");

    // A flood of bad frames ends with a policy-violation close. The flood goes on after the
    // close (10 strikes): the server reads on until the client answers, so the client's
    // frames in flight do not reset the socket, and the close is there to read.
    for _ in 0..20 {
        e.send_raw("nonsense").await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (code, reason) = e.closed_with(Duration::from_secs(5)).await;
    assert_eq!(code, 1008, "{reason}");
    assert!(reason.contains("policy"), "{reason}");
}

async fn read_over_websocket(app: TestApp) {
    let (_t, alice, bob, _) = room(&app).await;
    say(&alice, "one").await;
    let mut b = bob.connect().await;
    let mut a = alice.connect().await;
    b.send(json!({"type": "read", "cid": "messaging:room", "req_id": "r"}))
        .await;
    assert_eq!(b.expect("ack").await["req_id"], "r");
    assert_eq!(a.expect("read.updated").await["last_read_seq"], 1);
    let (_, unread) = send(bob.request(Method::GET, "/v1/me/unread")).await;
    assert_eq!(unread["total_unread_count"], 0);
}

async fn resume_replays_exactly_the_missed_events(app: TestApp) {
    let (_t, alice, bob, _) = room(&app).await;
    let b = bob.connect().await;
    let cursor = b.ready["cursors"]["messaging:room"].as_i64().unwrap();
    drop(b);
    let mut sent = Vec::new();
    for i in 0..100 {
        sent.push(
            say(&alice, &format!("m{i}")).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let mut b = bob.connect().await;
    b.send(json!({"type": "resume", "req_id": "res", "cursors": {"messaging:room": cursor}}))
        .await;
    let mut got = Vec::new();
    loop {
        let f = b.recv(Duration::from_secs(10)).await.expect("frame");
        match f["type"].as_str().unwrap() {
            "message.new" => got.push(f["message"]["id"].as_str().unwrap().to_owned()),
            "resumed" => {
                assert_eq!(f["req_id"], "res");
                assert_eq!(f["cursors"]["messaging:room"], cursor + 100);
                break;
            }
            other => panic!("unexpected {other}: {f}"),
        }
    }
    assert_eq!(got, sent, "exactly the 100 missed messages, in order");
    say(&alice, "live").await;
    let live = b.expect("message.new").await;
    assert_eq!(live["message"]["text"], "live");
    b.expect_none("message.new").await;

    // A cursor of 0 asks for the whole log, which still holds it all.
    let mut c = bob.connect().await;
    c.send(json!({"type": "resume", "cursors": {"messaging:room": 0}}))
        .await;
    let mut replayed = 0;
    loop {
        let f = c.recv(Duration::from_secs(10)).await.expect("frame");
        match f["type"].as_str().unwrap() {
            "resumed" => break,
            _ => replayed += 1,
        }
    }
    assert_eq!(replayed, 102, "channel.created + 101 messages");
}

/// Events past the retention are pruned; a cursor that needs them answers `resume.failed`
/// (`expired`), so the client refetches, while a cursor after them still replays exactly.
async fn resume_past_the_retention_fails(app: TestApp) {
    use parley_core::entities::channel_event;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
    let (t, alice, bob, _) = room(&app).await;
    for i in 0..5 {
        say(&alice, &format!("m{i}")).await;
    }
    // Events 1..=4 (channel.created and three messages) were recorded a month ago.
    let old = |q: sea_orm::UpdateMany<channel_event::Entity>| {
        q.filter(channel_event::Column::TenantId.eq(t.id.as_str()))
            .filter(channel_event::Column::Cid.eq("messaging:room"))
            .filter(channel_event::Column::Seq.lte(4))
    };
    let month_ago = chrono::Utc::now() - chrono::Duration::days(30);
    let res = old(channel_event::Entity::update_many())
        .col_expr(channel_event::Column::CreatedAt, Expr::value(month_ago))
        .exec(app.db())
        .await
        .unwrap();
    assert_eq!(res.rows_affected, 4);
    // A node prunes past the (default, 7-day) retention when it starts.
    let pruner = TestApp::spawn_on(Some(app.database_url()), |_| {}).await;
    let db = app.db().clone();
    let tenant = t.id.clone();
    eventually("the old events pruned", WAIT, async || {
        let left = channel_event::Entity::find()
            .filter(channel_event::Column::TenantId.eq(tenant.as_str()))
            .filter(channel_event::Column::Cid.eq("messaging:room"))
            .count(&db)
            .await
            .map_err(|e| e.to_string())?;
        (left == 2)
            .then_some(())
            .ok_or(format!("{left} events left"))
    })
    .await;
    drop(pruner);

    let mut b = bob.connect().await;
    b.send(json!({"type": "resume", "req_id": 1, "cursors": {"messaging:room": 1}}))
        .await;
    let failed = b.expect("resume.failed").await;
    assert_eq!(failed["cid"], "messaging:room");
    assert_eq!(failed["reason"], "expired");
    assert_eq!(failed["seq"], 6);
    assert_eq!(b.expect("resumed").await["cursors"]["messaging:room"], 6);
    assert!(
        !b.backlog.iter().any(|v| v["type"] == "message.new"),
        "nothing replayed from a pruned log: {:?}",
        b.backlog
    );
    // The kept events still replay, exactly.
    let mut c = bob.connect().await;
    let mut f = Follower::new("messaging:room", 4);
    f.resume(&mut c).await;
    loop {
        let frame = c.recv(WAIT).await.expect("frame");
        let done = frame["type"] == "resumed";
        f.feed(&mut c, frame).await;
        if done {
            break;
        }
    }
    assert_eq!(f.message_seqs(), vec![4, 5]);
}

/// Two server-side senders post `total` messages as alice into the room between them,
/// counting each acknowledged one in `sent`.
fn post_from_two_senders(
    t: &Tenant,
    total: usize,
    sent: &std::sync::Arc<std::sync::atomic::AtomicUsize>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..2)
        .map(|w| {
            let (t, sent) = (t.clone(), sent.clone());
            tokio::spawn(async move {
                for i in 0..total / 2 {
                    let (status, m) = send(
                        t.server(Method::POST, "/v1/channels/messaging/room/messages")
                            .json(&json!({"text": format!("w{w}-{i}"), "user_id": "alice"})),
                    )
                    .await;
                    assert_eq!(status, 201, "{m}");
                    sent.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            })
        })
        .collect()
}

/// `resume` while messages keep coming: the replay and live delivery meet without a gap or a
/// repeat. Three times during a flood from two senders, Bob reconnects and resumes from
/// where his follower is; he ends with every message once, in order.
async fn resume_racing_live_sends_is_exactly_once(app: TestApp) {
    let (t, _alice, bob, _) = room(&app).await;
    let total = 240;
    let mut ws = bob.connect().await;
    let mut f = Follower::new(
        "messaging:room",
        ws.ready["cursors"]["messaging:room"].as_i64().unwrap(),
    );
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let senders = post_from_two_senders(&t, total, &sent);
    let mut reconnects = 0;
    while f.messages.len() < total {
        let progress = sent.load(std::sync::atomic::Ordering::SeqCst);
        if reconnects < 3 && progress >= (reconnects + 1) * total / 5 {
            // Reconnect without reading what is left on the old socket.
            ws = bob.connect().await;
            f.resume(&mut ws).await;
            reconnects += 1;
        }
        let frame = ws.recv(WAIT).await.unwrap_or_else(|| {
            panic!(
                "{} of {total} messages; closed: {:?}",
                f.messages.len(),
                ws.closed
            )
        });
        f.feed(&mut ws, frame).await;
    }
    for s in senders {
        s.await.unwrap();
    }
    assert_eq!(reconnects, 3, "the resumes raced the sends");
    assert_eq!(f.message_seqs(), (1..=total as i64).collect::<Vec<_>>());
    // Nothing more is on its way: no late repeat.
    ws.expect_none_where("a repeat", |v| v["type"] == "message.new")
        .await;
}

/// Resumes back to back on one busy connection: each `resumed` comes before every live event
/// the connection had not been sent when the resume was read, so no event arrives past the
/// cursor `resumed` hands the client.
async fn resumes_on_a_busy_connection_come_before_later_events(app: TestApp) {
    let (t, _alice, bob, _) = room(&app).await;
    let total = 200;
    let mut ws = bob.connect().await;
    let mut f = Follower::new(
        "messaging:room",
        ws.ready["cursors"]["messaging:room"].as_i64().unwrap(),
    );
    let senders = post_from_two_senders(&t, total, &Default::default());
    f.resume(&mut ws).await;
    while f.messages.len() < total {
        let frame = ws.recv(WAIT).await.unwrap_or_else(|| {
            panic!(
                "{} of {total} messages; closed: {:?}",
                f.messages.len(),
                ws.closed
            )
        });
        let resumed = frame["type"] == "resumed";
        f.feed(&mut ws, frame).await;
        if resumed && f.messages.len() < total {
            f.resume(&mut ws).await;
        }
    }
    for s in senders {
        s.await.unwrap();
    }
    assert!(f.resumes > 20, "{} resumes raced the sends", f.resumes);
    assert_eq!(f.message_seqs(), (1..=total as i64).collect::<Vec<_>>());
}

async fn typing_starts_stops_and_expires(app: TestApp) {
    let (_t, alice, bob, eve) = room(&app).await;
    let mut a = alice.connect().await;
    let mut b = bob.connect().await;
    a.send(json!({"type": "typing.start", "cid": "messaging:room"}))
        .await;
    let start = b.expect("typing.start").await;
    assert_eq!(start["user_id"], "alice");
    assert_eq!(start["cid"], "messaging:room");
    assert!(start.get("seq").is_none(), "typing is ephemeral");
    a.send(json!({"type": "typing.start", "cid": "messaging:room"}))
        .await;
    a.send(json!({"type": "typing.stop", "cid": "messaging:room"}))
        .await;
    assert_eq!(b.expect("typing.stop").await["user_id"], "alice");
    assert!(
        !b.backlog.iter().any(|v| v["type"] == "typing.start"),
        "a refresh is not a new start"
    );
    // Not refreshed: the server ends it (timeout 600 ms in this test), never before the
    // timeout has run from the moment the start was sent.
    let t0 = std::time::Instant::now();
    a.send(json!({"type": "typing.start", "cid": "messaging:room"}))
        .await;
    b.expect("typing.start").await;
    b.expect("typing.stop").await;
    let waited = t0.elapsed();
    assert!(
        waited >= Duration::from_millis(600) && waited < Duration::from_secs(10),
        "{waited:?}"
    );
    let mut e = eve.connect().await;
    e.send(json!({"type": "typing.start", "cid": "messaging:room", "req_id": 1}))
        .await;
    assert_eq!(e.expect("error").await["code"], "not_a_member");
}

/// Presence, with an offline delay long enough for a reconnect on a busy machine. What must
/// not be announced is checked against a later announcement that must be: Dave going
/// offline after Alice's flap is announced after anything her flap could have caused.
async fn presence_goes_online_and_offline(app: TestApp) {
    let (t, alice, bob, eve) = room(&app).await;
    t.create_user("dave").await;
    t.create_messaging_channel("lobby", &["bob", "eve", "dave"])
        .await;
    let dave = t.user("dave").await;
    let mut b = bob.connect().await;
    let mut e = eve.connect().await;
    let about =
        |who: &'static str| move |v: &Value| v["type"] == "presence.changed" && v["user_id"] == who;
    let a = alice.connect().await;
    let online = b.expect_where("alice online", about("alice")).await;
    assert_eq!(online["online"], true);
    drop(a);
    let offline = b.expect_where("alice offline", about("alice")).await;
    assert_eq!(offline["online"], false);
    assert!(offline["last_active_at"].is_string());
    // A flapping connection: gone and back within the delay is no news.
    let a = alice.connect().await;
    b.expect_where("alice online", about("alice")).await;
    drop(a);
    let _a = alice.connect().await;
    let d = dave.connect().await;
    b.expect_where("dave online", about("dave")).await;
    drop(d);
    let dave_offline = |v: &Value| about("dave")(v) && v["online"] == false;
    b.expect_none_before("news of alice", about("alice"), dave_offline)
        .await;
    // Eve shares no channel with alice: she is told about dave, never about alice.
    e.expect_none_before("news of alice", about("alice"), dave_offline)
        .await;
}

/// What a connection reads as it opens (the user's blocks, channels and presence audience, in
/// one statement): `max_subscriptions` bounds the channels it subscribes to and nothing else;
/// every blocked user stays filtered and everyone who shares a channel hears the user arrive.
async fn a_connection_opens_with_its_blocks_channels_and_audience(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.realtime.max_subscriptions = 1).await;
    let t = app.tenant("Acme").await;
    for u in ["alice", "bob", "carol", "dave", "erin"] {
        t.create_user(u).await;
    }
    t.create_messaging_channel("one", &["alice", "bob", "dave", "erin"])
        .await;
    t.create_messaging_channel("two", &["alice", "carol", "dave", "erin"])
        .await;
    let alice = t.user("alice").await;
    for blocked in ["dave", "erin"] {
        let (status, body) =
            send(alice.request(Method::POST, &format!("/v1/me/blocks/{blocked}"))).await;
        assert_eq!(status, 201, "{body}");
    }
    let mut b = t.user("bob").await.connect().await;
    let mut c = t.user("carol").await.connect().await;
    let mut a = alice.connect().await;
    let cursors = a.ready["cursors"].as_object().expect("cursors").clone();
    assert_eq!(cursors.len(), 1, "{}", a.ready);
    let cid = cursors.keys().next().expect("one channel").clone();
    assert!(
        ["messaging:one", "messaging:two"].contains(&cid.as_str()),
        "{cid}"
    );
    let arrived = |v: &Value| {
        v["type"] == "presence.changed" && v["user_id"] == "alice" && v["online"] == true
    };
    b.expect_where("alice online", arrived).await;
    c.expect_where("alice online", arrived).await;

    // In the channel it subscribed to, neither blocked user reaches alice; the member who is
    // not blocked does.
    let path = format!("/v1/channels/{}/messages", cid.replacen(':', "/", 1));
    let friend = if cid == "messaging:one" {
        "bob"
    } else {
        "carol"
    };
    for (who, text) in [
        ("dave", "from dave"),
        ("erin", "from erin"),
        (friend, "last"),
    ] {
        let req = t.user(who).await.request(Method::POST, &path);
        let (status, body) = send(req.json(&json!({"text": text}))).await;
        assert_eq!(status, 201, "{body}");
    }
    let blocked = |v: &Value| v["type"] == "message.new" && v["message"]["text"] != "last";
    let last = |v: &Value| v["type"] == "message.new" && v["message"]["text"] == "last";
    a.expect_none_before("a blocked user's message", blocked, last)
        .await;
}

async fn sse_streams_and_resumes_with_last_event_id(app: TestApp) {
    let (t, alice, bob, _) = room(&app).await;
    let url = format!(
        "{}/v1/events?api_key={}&token={}",
        app.base, t.publishable_key, bob.token
    );
    let mut sse = Sse::open(&app.client, &url, None).await;
    let (_, ready) = sse.expect("connection.ready").await;
    assert_eq!(ready["user_id"], "bob");
    say(&alice, "over sse").await;
    let (id, ev) = sse.expect("message.new").await;
    assert_eq!(ev["message"]["text"], "over sse");
    let id = id.expect("persistent events carry an id");
    drop(sse);
    for i in 0..3 {
        say(&alice, &format!("missed {i}")).await;
    }
    let mut again = Sse::open(&app.client, &url, Some(&id)).await;
    again.expect("connection.ready").await;
    let mut texts = Vec::new();
    for _ in 0..3 {
        let (id, ev) = again.expect("message.new").await;
        assert!(id.is_some());
        texts.push(ev["message"]["text"].as_str().unwrap().to_owned());
    }
    assert_eq!(texts, vec!["missed 0", "missed 1", "missed 2"]);
    // Explicit channels and cursors work too, and refuse what the user may not read.
    let url2 = format!("{url}&cids=messaging:room&cursors=messaging:room:4");
    let mut third = Sse::open(&app.client, &url2, None).await;
    let (_, ev) = third.expect("message.new").await;
    assert_eq!(ev["message"]["text"], "missed 2");
    expect_problem(
        app.client.get(format!(
            "{}/v1/events?api_key={}&token=nope",
            app.base, t.publishable_key
        )),
        401,
        "invalid_token",
    )
    .await;
}

async fn websocket_auth_is_checked(app: TestApp) {
    let (t, _, _, _) = room(&app).await;
    let url = format!(
        "{}/v1/connect?api_key={}&token=forged",
        parley_tests::realtime::ws_base(&app.base),
        t.publishable_key
    );
    let err = Ws::open(&url, &[]).await.err().expect("refused");
    assert!(err.to_string().contains("401"), "{err}");
    // The refusal is the same problem a REST request gets, and closes the connection.
    let tokio_tungstenite::tungstenite::Error::Http(res) = err else {
        panic!("not an HTTP answer: {err}")
    };
    assert_eq!(
        res.headers()["content-type"],
        "application/problem+json",
        "{res:?}"
    );
    assert_eq!(res.headers()["connection"], "close", "{res:?}");
    let problem: serde_json::Value =
        serde_json::from_slice(res.body().as_deref().expect("body")).expect("problem");
    assert_eq!(problem["status"], 401, "{problem}");
    assert!(problem["code"].is_string(), "{problem}");
    let url = format!("{}/v1/connect", parley_tests::realtime::ws_base(&app.base));
    let err = Ws::open(&url, &[]).await.err().expect("refused");
    assert!(err.to_string().contains("401"), "{err}");
}

on_both_backends!(
    every_event_reaches_members_only,
    websocket_send_ack_idempotency_and_bad_frames,
    read_over_websocket,
    resume_replays_exactly_the_missed_events,
    resume_past_the_retention_fails,
    resume_racing_live_sends_is_exactly_once,
    resumes_on_a_busy_connection_come_before_later_events,
    typing_starts_stops_and_expires,
    sse_streams_and_resumes_with_last_event_id,
    websocket_auth_is_checked,
);

fn slow_presence(c: &mut parley_core::kernel::config::Config) {
    c.realtime.presence_offline_delay_ms = 2_000;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_goes_online_and_offline_sqlite() {
    presence_goes_online_and_offline(TestApp::spawn_with(Backend::Sqlite, slow_presence).await)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_goes_online_and_offline_postgres() {
    presence_goes_online_and_offline(TestApp::spawn_with(Backend::Postgres, slow_presence).await)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_opens_with_its_blocks_channels_and_audience_sqlite() {
    a_connection_opens_with_its_blocks_channels_and_audience(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_opens_with_its_blocks_channels_and_audience_postgres() {
    a_connection_opens_with_its_blocks_channels_and_audience(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_past_the_limit_fails_cleanly() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.realtime.max_resume_events = 20).await;
    let (_t, alice, bob, _) = room(&app).await;
    for i in 0..30 {
        say(&alice, &format!("m{i}")).await;
    }
    let mut b = bob.connect().await;
    b.send(json!({"type": "resume", "cursors": {"messaging:room": 1}}))
        .await;
    let failed = b.expect("resume.failed").await;
    assert_eq!(failed["cid"], "messaging:room");
    assert_eq!(failed["reason"], "too_far_behind");
    assert_eq!(failed["seq"], 31);
    b.expect("resumed").await;
    say(&alice, "after").await;
    assert_eq!(b.expect("message.new").await["message"]["text"], "after");
}

/// A WebSocket as `user` over a socket with a tiny receive buffer, left for the test to read
/// (or not).
async fn tiny_window_socket(
    app: &TestApp,
    t: &Tenant,
    user: &User,
) -> tokio_tungstenite::WebSocketStream<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(app.addr).await.unwrap();
    let url = format!(
        "{}/v1/connect?api_key={}&token={}",
        parley_tests::realtime::ws_base(&app.base),
        t.publishable_key,
        user.token
    );
    tokio_tungstenite::client_async(url, stream)
        .await
        .unwrap()
        .0
}

/// Sends `total` messages of `len` characters into the room, from six senders at once.
async fn flood_room(t: &Tenant, total: usize, len: usize) {
    let text = "x".repeat(len);
    let mut tasks = Vec::new();
    for w in 0..6 {
        let t = t.clone();
        let text = text.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..total / 6 {
                let (status, body) = send(t.server(Method::POST, "/v1/channels/messaging/room/messages").json(&json!({"text": text, "user_id": if w % 2 == 0 { "alice" } else { "bob" }}))).await;
                assert_eq!(status, 201, "a send failed, so the reader was not flooded: {body}");
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

/// A client that stops reading altogether (and so answers no ping) is given up on: once the
/// server has had nothing taken from the socket for the idle timeout, the connection leaves
/// the hub, even though its closing frame could never be written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_reads_nothing_is_let_go() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.realtime.heartbeat_interval_ms = 200;
        c.realtime.idle_timeout_ms = 1_000;
        c.limits.server_requests_per_second = 0;
        c.limits.max_message_length = 20_000;
    })
    .await;
    let (t, _alice, bob, _) = room(&app).await;
    let _ws = tiny_window_socket(&app, &t, &bob).await;
    // More than the socket's buffers on both sides hold: the server's writes stall.
    flood_room(&t, 600, 20_000).await;
    let hub = &app.running.as_ref().unwrap().ctx.realtime.hub;
    eventually(
        "the unread connection leaves the hub",
        WAIT,
        async || match hub.connection_count() {
            0 => Ok(()),
            n => Err(format!("{n} connection(s) still held")),
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_consumer_is_disconnected() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.realtime.send_queue = 8;
        c.limits.server_requests_per_second = 0;
    })
    .await;
    let (t, _alice, bob, _) = room(&app).await;
    // Bob connects over a socket with a tiny receive buffer and then reads nothing.
    let mut ws = tiny_window_socket(&app, &t, &bob).await;
    let total = 1_500;
    flood_room(&t, total, 4_000).await;
    // Now read: the buffered frames, then the end of the connection, well before all 1,500.
    use futures_util::StreamExt;
    let mut received = 0;
    let mut close = None;
    while let Ok(Some(msg)) = tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
        match msg {
            Ok(tokio_tungstenite::tungstenite::Message::Text(t)) if t.contains("message.new") => {
                received += 1
            }
            Ok(tokio_tungstenite::tungstenite::Message::Close(f)) => {
                close = f;
                break;
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    assert!(
        received < total,
        "a slow reader was kept and fed all {received} events"
    );
    let f = close.unwrap_or_else(|| {
        panic!("no close frame after {received} events: the slow reader was dropped silently")
    });
    assert_eq!(u16::from(f.code), 1008, "{}", f.reason);
    assert!(f.reason.contains("slow consumer"), "{}", f.reason);
    assert_eq!(
        app.running
            .as_ref()
            .unwrap()
            .ctx
            .realtime
            .hub
            .connection_count(),
        0,
        "the slow connection is gone"
    );
}

/// Events that arrive inside a connection's write window wait in its queue for the window to
/// end, but a queue half full is written at once: a burst larger than the queue reaches a
/// client that reads, and is not taken for a slow consumer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_inside_the_write_window_reaches_the_client() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.realtime.send_queue = 8;
        // Longer than the burst takes: every event after the first arrives inside a window.
        c.realtime.write_delay_ms = 2_000;
        c.limits.server_requests_per_second = 0;
    })
    .await;
    let (t, _alice, bob, _) = room(&app).await;
    let mut ws = bob.connect().await;
    let total = 40;
    for i in 0..total {
        let (status, body) = send(
            t.server(Method::POST, "/v1/channels/messaging/room/messages")
                .json(&json!({"text": format!("burst {i}"), "user_id": "alice"})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    for i in 0..total {
        let m = ws.expect("message.new").await;
        assert_eq!(m["message"]["text"], format!("burst {i}"), "{m}");
    }
    assert!(ws.closed.is_none(), "closed: {:?}", ws.closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_caps_are_enforced() {
    let app =
        TestApp::spawn_with(Backend::Sqlite, |c| c.realtime.max_connections_per_user = 2).await;
    let (_t, alice, _, _) = room(&app).await;
    let _one = alice.connect().await;
    let _two = alice.connect().await;
    let url = format!(
        "{}/v1/connect?api_key={}&token={}",
        parley_tests::realtime::ws_base(&app.base),
        alice.tenant.publishable_key,
        alice.token
    );
    let err = Ws::open(&url, &[])
        .await
        .err()
        .expect("third connection refused");
    assert!(err.to_string().contains("429"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_tells_clients_to_reconnect_elsewhere() {
    let mut app = TestApp::spawn(Backend::Sqlite).await;
    let (_t, alice, _, _) = room(&app).await;
    let mut a = alice.connect().await;
    let running = app.running.take().unwrap();
    let stop = tokio::spawn(running.shutdown());
    let (code, reason) = a.closed_with(Duration::from_secs(5)).await;
    assert_eq!(code, 1012, "{reason}");
    assert!(reason.contains("reconnect elsewhere"), "{reason}");
    stop.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follower_heals_a_gap_with_resume() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_t, alice, bob, _) = room(&app).await;
    let mut b = bob.connect().await;
    // Pretend the follower missed event 2 (first message): it must resume and end complete.
    let mut f = Follower::new("messaging:room", 1);
    say(&alice, "a").await;
    say(&alice, "b").await;
    let first = b.expect("message.new").await;
    assert_eq!(first["seq"], 2);
    let second = b.expect("message.new").await;
    f.feed(&mut b, second).await;
    assert_eq!(f.resumes, 1);
    while f.messages.len() < 2 {
        let frame = b.recv(Duration::from_secs(5)).await.expect("frame");
        f.feed(&mut b, frame).await;
    }
    assert_eq!(f.message_seqs(), vec![1, 2]);
}

/// A WebSocket `message.send` is acknowledged only once the message is committed: with the
/// database gone, the sender gets an error frame for its request and never an `ack`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_ack_while_the_database_is_down() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_t, alice, bob, _) = room(&app).await;
    let mut a = alice.connect().await;
    let mut b = bob.connect().await;
    app.db().clone().close().await.unwrap();
    a.send(json!({"type": "message.send", "req_id": "lost", "cid": "messaging:room", "message": {"text": "lost?"}})).await;
    let err = a
        .expect_none_before(
            "an ack",
            |v| v["type"] == "ack",
            |v| v["type"] == "error" && v["req_id"] == "lost",
        )
        .await;
    assert_eq!(err["code"], "database_unavailable", "{err}");
    a.expect_none("ack").await;
    b.expect_none("message.new").await;
}

/// The same when the database takes the write but refuses the commit (a deferred constraint
/// fails at COMMIT): no ack, no event, nothing stored; once commits work again, the same
/// request is acknowledged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_ack_when_the_commit_fails() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn(Backend::Postgres).await;
    let (_t, alice, bob, _) = room(&app).await;
    let mut a = alice.connect().await;
    let mut b = bob.connect().await;
    app.db()
        .execute_unprepared(
            "CREATE FUNCTION refuse_commit() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'commit refused by the test'; END $$; \
             CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON messages \
             DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_commit();",
        )
        .await
        .unwrap();
    let frame = json!({"type": "message.send", "req_id": "r1", "cid": "messaging:room", "message": {"id": "m-1", "text": "refused at commit"}});
    a.send(frame.clone()).await;
    let err = a
        .expect_none_before(
            "an ack",
            |v| v["type"] == "ack",
            |v| v["type"] == "error" && v["req_id"] == "r1",
        )
        .await;
    assert!(err["code"].is_string(), "{err}");
    a.expect_none("ack").await;
    b.expect_none("message.new").await;
    let (status, hist) =
        send(bob.request(Method::GET, "/v1/channels/messaging/room/messages")).await;
    assert_eq!(status, 200, "{hist}");
    assert_eq!(hist["items"], json!([]), "nothing was stored");

    app.db()
        .execute_unprepared("DROP TRIGGER refuse_at_commit ON messages")
        .await
        .unwrap();
    a.send(frame).await;
    let ack = a.expect("ack").await;
    assert_eq!(ack["req_id"], "r1");
    assert_eq!(ack["message"]["id"], "m-1");
    assert_eq!(ack["message"]["seq"], 1, "the refused send took no seq");
    assert_eq!(b.expect("message.new").await["message"]["id"], "m-1");
}
