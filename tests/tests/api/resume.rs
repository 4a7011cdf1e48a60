//! Resume edge cases: cursors the log cannot serve answer `resume.failed` with a reason, so a
//! client refetches instead of silently missing events.

use parley_tests::*;
use reqwest::Method;
use serde_json::json;

async fn a_cursor_beyond_the_head_answers_resume_failed(app: TestApp) {
    let t = app.tenant("Acme").await;
    t.create_user("alice").await;
    let (status, _) = send(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "general", "members": ["alice"]})),
    )
    .await;
    assert_eq!(status, 201);
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

on_both_backends!(a_cursor_beyond_the_head_answers_resume_failed);
