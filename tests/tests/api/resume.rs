//! Resume edge cases: cursors the log cannot serve answer `resume.failed` with a reason, so a
//! client refetches instead of silently missing events.

use parley_tests::realtime::{Sse, WAIT};
use parley_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

async fn a_cursor_beyond_the_head_answers_resume_failed(app: TestApp) {
    let t = app.tenant("Acme").await;
    t.create_user("alice").await;
    t.create_messaging_channel("general", &["alice"]).await;
    for i in 0..3 {
        let (status, _) = send(
            t.server(Method::POST, "/v1/channels/messaging/general/messages")
                .json(&json!({"text": format!("m{i}"), "user_id": "alice"})),
        )
        .await;
        assert_eq!(status, 201);
    }
    let alice = t.user("alice").await;
    let mut ws = alice.connect().await;
    let head = ws.ready["cursors"]["messaging:general"].as_i64().unwrap();
    ws.send(json!({"type": "resume", "req_id": "r", "cursors": {"messaging:general": 1000}}))
        .await;
    let failed = ws.expect("resume.failed").await;
    assert_eq!(failed["cid"], "messaging:general", "{failed}");
    assert_eq!(failed["reason"], "cursor_ahead", "{failed}");
    assert_eq!(failed["seq"], head, "{failed}");
    let resumed = ws.expect("resumed").await;
    assert_eq!(resumed["cursors"]["messaging:general"], head, "{resumed}");
    // Live events continue after the head.
    let (status, _) = send(
        t.server(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&json!({"text": "live", "user_id": "alice"})),
    )
    .await;
    assert_eq!(status, 201);
    let live = ws.expect("message.new").await;
    assert_eq!(live["seq"], head + 1, "{live}");
    // The cursor at the head itself is fine: nothing to replay.
    ws.send(json!({"type": "resume", "req_id": "r2", "cursors": {"messaging:general": head + 1}}))
        .await;
    let resumed = ws.expect_where("resumed r2", |f| f["req_id"] == "r2").await;
    assert_eq!(
        resumed["cursors"]["messaging:general"],
        head + 1,
        "{resumed}"
    );
    assert!(
        !ws.backlog.iter().any(|f| f["type"] == "resume.failed"),
        "{:?}",
        ws.backlog
    );
}

async fn post(t: &Tenant, channel: &str, text: &str) {
    let (status, body) = send(
        t.server(
            Method::POST,
            &format!("/v1/channels/messaging/{channel}/messages"),
        )
        .json(&json!({"text": text, "user_id": "alice"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

/// Reads SSE events up to and including the first of type `until`; returns (id, event) pairs.
async fn read_until(sse: &mut Sse, until: &str) -> Vec<(Option<String>, Value)> {
    let mut out = Vec::new();
    loop {
        let (id, ev) = sse.next(WAIT).await.expect("an SSE event");
        let done = ev["type"] == until;
        out.push((id, ev));
        if done {
            return out;
        }
    }
}

fn texts(events: &[(Option<String>, Value)]) -> Vec<String> {
    events
        .iter()
        .filter(|(_, e)| e["type"] == "message.new")
        .map(|(_, e)| {
            format!(
                "{}/{}",
                e["cid"].as_str().unwrap(),
                e["message"]["text"].as_str().unwrap()
            )
        })
        .collect()
}

/// A stream that follows two channels and drops resumes both from `Last-Event-ID`: every
/// missed event once, none it had already delivered, and `resumed` lists both channels.
async fn sse_resumes_every_channel_exactly_once(app: TestApp) {
    let t = app.tenant("Acme").await;
    for u in ["alice", "bob"] {
        t.create_user(u).await;
    }
    for id in ["general", "second"] {
        let (status, _) = send(
            t.server(Method::POST, "/v1/channels")
                .json(&json!({"type": "messaging", "id": id, "members": ["alice", "bob"]})),
        )
        .await;
        assert_eq!(status, 201);
    }
    let bob = t.user("bob").await;
    let url = format!(
        "{}/v1/events?api_key={}&token={}",
        app.base, t.publishable_key, bob.token
    );
    let mut sse = Sse::open(&app.client, &url, None).await;
    let (ready_id, ready) = sse.next(WAIT).await.unwrap();
    assert_eq!(ready["type"], "connection.ready");
    assert!(
        ready_id.is_some(),
        "connection.ready carries the stream's position"
    );

    post(&t, "general", "g1").await;
    post(&t, "second", "s1").await;
    post(&t, "general", "g2").await;
    post(&t, "second", "s2").await;
    let mut seen = Vec::new();
    while seen.len() < 4 {
        let (id, ev) = sse.next(WAIT).await.expect("event");
        if ev["type"] == "message.new" {
            seen.push((id.expect("persistent events carry an id"), ev));
        }
    }
    let got: Vec<String> = seen
        .iter()
        .map(|(_, e)| e["message"]["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(got, ["g1", "s1", "g2", "s2"]);
    drop(sse);

    post(&t, "general", "g3").await;
    post(&t, "second", "s3").await;
    post(&t, "general", "g4").await;

    // The last id: both channels resume after what was delivered.
    let last_id = seen[3].0.clone();
    let mut again = Sse::open(&app.client, &url, Some(&last_id)).await;
    let events = read_until(&mut again, "resumed").await;
    let mut replayed = texts(&events);
    replayed.sort();
    assert_eq!(
        replayed,
        [
            "messaging:general/g3",
            "messaging:general/g4",
            "messaging:second/s3"
        ]
    );
    let resumed = &events.last().unwrap().1;
    let cursors = resumed["cursors"].as_object().unwrap();
    assert!(
        cursors.contains_key("messaging:general") && cursors.contains_key("messaging:second"),
        "{resumed}"
    );
    // Live events follow, with nothing repeated before them.
    post(&t, "second", "live").await;
    let (_, live) = again.expect("message.new").await;
    assert_eq!(live["message"]["text"], "live");
    assert!(
        again
            .backlog
            .iter()
            .all(|(_, e)| e["type"] != "message.new"),
        "{:?}",
        again.backlog
    );
    drop(again);

    // An earlier id (after g1 and s1): each channel resumes from where it stood then.
    let mid_id = seen[1].0.clone();
    let mut third = Sse::open(&app.client, &url, Some(&mid_id)).await;
    let events = read_until(&mut third, "resumed").await;
    let mut replayed = texts(&events);
    replayed.sort();
    assert_eq!(
        replayed,
        [
            "messaging:general/g2",
            "messaging:general/g3",
            "messaging:general/g4",
            "messaging:second/live",
            "messaging:second/s2",
            "messaging:second/s3"
        ]
    );
    drop(third);

    // Another user's id resumes nothing for them: `resumed` with no cursors.
    let alice = t.user("alice").await;
    let alice_url = format!(
        "{}/v1/events?api_key={}&token={}",
        app.base, t.publishable_key, alice.token
    );
    let mut theirs = Sse::open(&app.client, &alice_url, Some(&last_id)).await;
    let events = read_until(&mut theirs, "resumed").await;
    assert!(texts(&events).is_empty(), "{events:?}");
    assert_eq!(events.last().unwrap().1["cursors"], json!({}));
}

/// A user's hard delete removes the events that named her from the log; a resume that would
/// need them answers `resume.failed` instead of replaying around the hole.
async fn a_resume_across_removed_events_fails_instead_of_skipping(app: TestApp) {
    let t = app.tenant("Acme").await;
    for u in ["alice", "bob", "carol"] {
        t.create_user(u).await;
    }
    let (status, _) = send(t.server(Method::POST, "/v1/channels").json(
        &json!({"type": "messaging", "id": "general", "members": ["alice", "bob", "carol"]}),
    ))
    .await;
    assert_eq!(status, 201);
    let bob = t.user("bob").await;
    let ws = bob.connect().await;
    let cursor = ws.ready["cursors"]["messaging:general"].as_i64().unwrap();
    drop(ws);
    for (user, text) in [("carol", "before"), ("alice", "hers"), ("carol", "after")] {
        let (status, _) = send(
            t.server(Method::POST, "/v1/channels/messaging/general/messages")
                .json(&json!({"text": text, "user_id": user})),
        )
        .await;
        assert_eq!(status, 201);
    }
    let (status, _) =
        send(t.server(Method::DELETE, "/v1/users/alice?mode=hard&messages=delete")).await;
    assert_eq!(status, 204);
    let mut ws = bob.connect().await;
    ws.send(json!({"type": "resume", "cursors": {"messaging:general": cursor}}))
        .await;
    let failed = ws.expect("resume.failed").await;
    assert_eq!(failed["reason"], "expired", "{failed}");
    ws.expect("resumed").await;
    assert!(
        !ws.backlog.iter().any(|f| f["type"] == "message.new"),
        "nothing replayed around the hole: {:?}",
        ws.backlog
    );
}

on_both_backends!(
    a_resume_across_removed_events_fails_instead_of_skipping,
    a_cursor_beyond_the_head_answers_resume_failed,
    sse_resumes_every_channel_exactly_once,
);
