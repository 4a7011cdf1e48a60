//! Blocklists: lists of words and expressions that channel types screen new and edited
//! messages with, to block, mask or report them, whatever the case, accents or width.

use parley_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

async fn ok(req: reqwest::RequestBuilder) -> Value {
    let (status, body) = send(req).await;
    assert!(status.is_success(), "{status} {body}");
    body
}

/// A tenant with alice and bob in `messaging:room`, and lists `rude` (words) and `cards` (an
/// expression).
async fn setup(app: &TestApp) -> Tenant {
    let t = app.tenant("Acme").await;
    for u in ["alice", "bob"] {
        t.create_user(u).await;
    }
    ok(t.server(Method::POST, "/v1/channels")
        .json(&json!({"type": "messaging", "id": "room", "members": ["alice", "bob"]})))
    .await;
    let (status, list) = send(
        t.server(Method::PUT, "/v1/blocklists/rude")
            .json(&json!({"words": ["darn", "heck no"]})),
    )
    .await;
    assert_eq!(status, 201, "{list}");
    assert_eq!(list["words"], json!(["darn", "heck no"]));
    ok(t.server(Method::PUT, "/v1/blocklists/cards")
        .json(&json!({"patterns": [r"\b\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}\b"]})))
    .await;
    t
}

async fn use_lists(t: &Tenant, rules: Value) {
    ok(t.server(Method::PUT, "/v1/channel-types/messaging")
        .json(&json!({"blocklists": rules})))
    .await;
}

fn say(user: &User, text: &str) -> reqwest::RequestBuilder {
    user.request(Method::POST, "/v1/channels/messaging/room/messages")
        .json(&json!({ "text": text }))
}

async fn block_refuses_every_spelling_over_rest_and_websocket(app: TestApp) {
    let t = setup(&app).await;
    use_lists(&t, json!([{"name": "rude", "action": "block"}])).await;
    let alice = t.user("alice").await;
    for text in [
        "darn it",
        "DARN it",
        "dárn it",
        "ｄａｒｎ it",
        "well, heck  no",
    ] {
        let refused = expect_problem(say(&alice, text), 422, "message_blocked").await;
        assert!(
            refused["detail"].as_str().unwrap().contains("rude"),
            "{refused}"
        );
    }
    // Whole words only; other words pass.
    for text in ["darned socks", "heck yes", "hello"] {
        assert_eq!(send(say(&alice, text)).await.0, 201, "{text}");
    }
    // Nothing of the refused ones was stored.
    let (_, history) =
        send(alice.request(Method::GET, "/v1/channels/messaging/room/messages")).await;
    assert_eq!(history["items"].as_array().unwrap().len(), 3);

    let mut ws = alice.connect().await;
    ws.send(
        json!({"type": "message.send", "req_id": "b1", "cid": "messaging:room",
        "message": {"text": "DARN"}}),
    )
    .await;
    let err = ws.expect("error").await;
    assert_eq!(err["code"], "message_blocked", "{err}");
    assert_eq!(err["req_id"], "b1");

    // An edit is screened too.
    let (_, fine) = send(say(&alice, "all good")).await;
    let id = fine["id"].as_str().unwrap();
    expect_problem(
        alice
            .request(Method::PATCH, &format!("/v1/messages/{id}"))
            .json(&json!({"text": "darn"})),
        422,
        "message_blocked",
    )
    .await;

    // Another type (team) does not use the list.
    ok(t.server(Method::POST, "/v1/channels")
        .json(&json!({"type": "team", "id": "crew", "members": ["alice"]})))
    .await;
    let (status, _) = send(
        alice
            .request(Method::POST, "/v1/channels/team/crew/messages")
            .json(&json!({"text": "darn"})),
    )
    .await;
    assert_eq!(status, 201);
}

async fn mask_stores_stars_where_the_matches_were(app: TestApp) {
    let t = setup(&app).await;
    use_lists(
        &t,
        json!([{"name": "rude", "action": "mask"}, {"name": "cards", "action": "mask"}]),
    )
    .await;
    let alice = t.user("alice").await;
    let bob = t.user("bob").await;
    let mut watching = bob.connect().await;
    let (status, sent) = send(say(&alice, "Dárn, my card is 4111 1111 1111 1111!")).await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["text"], "***, my card is ***!");
    let seen = watching.expect("message.new").await;
    assert_eq!(seen["message"]["text"], "***, my card is ***!");
    let (_, history) = send(bob.request(Method::GET, "/v1/channels/messaging/room/messages")).await;
    assert_eq!(history["items"][0]["text"], "***, my card is ***!");
    // Edits are masked too.
    let id = sent["id"].as_str().unwrap();
    let edited = ok(alice
        .request(Method::PATCH, &format!("/v1/messages/{id}"))
        .json(&json!({"text": "oh HECK NO"})))
    .await;
    assert_eq!(edited["text"], "oh ***");
    // Nothing is reported.
    let (_, flags) = send(t.server(Method::GET, "/v1/flags")).await;
    assert_eq!(flags["items"], json!([]));
}

async fn flag_stores_as_sent_and_reports(app: TestApp) {
    let t = setup(&app).await;
    use_lists(&t, json!([{"name": "rude", "action": "flag"}])).await;
    let alice = t.user("alice").await;
    let mut server = t.connect_server().await;
    let (status, sent) = send(say(&alice, "darn")).await;
    assert_eq!(status, 201);
    assert_eq!(sent["text"], "darn");
    let reported = server.expect("message.flagged").await;
    assert_eq!(reported["flag"]["message_id"], sent["id"]);
    let (_, flags) = send(t.server(Method::GET, "/v1/flags?status=open")).await;
    let items = flags["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{flags}");
    assert_eq!(items[0]["user_id"], "alice");
    assert_eq!(items[0]["reason"], "blocklist `rude`");
    assert!(items[0].get("created_by").is_none_or(Value::is_null));
    // A clean message raises nothing.
    assert_eq!(send(say(&alice, "hello")).await.0, 201);
    let (_, flags) = send(t.server(Method::GET, "/v1/flags")).await;
    assert_eq!(flags["items"].as_array().unwrap().len(), 1);
    // Block wins over flag when both match.
    use_lists(
        &t,
        json!([{"name": "rude", "action": "flag"}, {"name": "cards", "action": "block"}]),
    )
    .await;
    expect_problem(say(&alice, "darn 4111111111111111"), 422, "message_blocked").await;
}

async fn lists_are_managed_validated_and_take_effect_at_once(app: TestApp) {
    let t = setup(&app).await;
    use_lists(&t, json!([{"name": "rude", "action": "block"}])).await;
    let alice = t.user("alice").await;
    assert_eq!(send(say(&alice, "gosh")).await.0, 201);
    // Replacing the list applies from the next message on.
    let (status, _) = send(
        t.server(Method::PUT, "/v1/blocklists/rude")
            .json(&json!({"words": ["gosh"]})),
    )
    .await;
    assert_eq!(status, 200);
    expect_problem(say(&alice, "gosh"), 422, "message_blocked").await;
    assert_eq!(send(say(&alice, "darn")).await.0, 201);

    let (_, lists) = send(t.server(Method::GET, "/v1/blocklists")).await;
    let names: Vec<&str> = lists
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["cards", "rude"]);
    let (_, messaging) = send(t.server(Method::GET, "/v1/channel-types/messaging")).await;
    assert_eq!(
        messaging["blocklists"],
        json!([{"name": "rude", "action": "block"}])
    );

    // Bad input names its field.
    for (body, field) in [
        (json!({"patterns": ["ok", "(unclosed"]}), "patterns[1]"),
        (json!({"patterns": ["a(?=b)"]}), "patterns[0]"),
        (json!({"words": ["fine", " "]}), "words[1]"),
        (json!({}), "words"),
    ] {
        let bad = expect_problem(
            t.server(Method::PUT, "/v1/blocklists/bad").json(&body),
            400,
            "invalid_request",
        )
        .await;
        assert!(bad["detail"].as_str().unwrap().contains(field), "{bad}");
    }
    expect_problem(
        t.server(Method::PUT, "/v1/blocklists/Bad%20Name")
            .json(&json!({"words": ["x"]})),
        400,
        "invalid_request",
    )
    .await;
    let bad = expect_problem(
        t.server(Method::PUT, "/v1/channel-types/team")
            .json(&json!({"blocklists": [{"name": "nope", "action": "mask"}]})),
        400,
        "invalid_request",
    )
    .await;
    assert!(
        bad["detail"]
            .as_str()
            .unwrap()
            .contains("blocklists[0].name"),
        "{bad}"
    );
    expect_problem(
        t.server(Method::PUT, "/v1/channel-types/team")
            .json(&json!({"blocklists": [{"name": "rude", "action": "shout"}]})),
        400,
        "invalid_json",
    )
    .await;

    // Unknown, another tenant's, users: not found or not allowed.
    expect_problem(
        t.server(Method::GET, "/v1/blocklists/nope"),
        404,
        "blocklist_not_found",
    )
    .await;
    let other = app.tenant("Other").await;
    expect_problem(
        other.server(Method::GET, "/v1/blocklists/rude"),
        404,
        "blocklist_not_found",
    )
    .await;
    expect_problem(
        alice.request(Method::GET, "/v1/blocklists"),
        403,
        "server_key_required",
    )
    .await;

    // A list in use stays until no type uses it.
    let in_use = expect_problem(
        t.server(Method::DELETE, "/v1/blocklists/rude"),
        409,
        "blocklist_in_use",
    )
    .await;
    assert!(
        in_use["detail"].as_str().unwrap().contains("messaging"),
        "{in_use}"
    );
    use_lists(&t, json!([])).await;
    let (status, _) = send(t.server(Method::DELETE, "/v1/blocklists/rude")).await;
    assert_eq!(status, 204);
    expect_problem(
        t.server(Method::DELETE, "/v1/blocklists/rude"),
        404,
        "blocklist_not_found",
    )
    .await;
    assert_eq!(send(say(&alice, "gosh")).await.0, 201);

    // Each change is audited, without the words.
    let (_, log) = send(t.server(Method::GET, "/v1/audit-log?target_kind=blocklist")).await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "blocklist.deleted",
            "blocklist.updated",
            "blocklist.updated",
            "blocklist.updated"
        ]
    );
    assert!(!log.to_string().contains("gosh"), "{log}");
}

on_both_backends!(
    block_refuses_every_spelling_over_rest_and_websocket,
    mask_stores_stars_where_the_matches_were,
    flag_stores_as_sent_and_reports,
    lists_are_managed_validated_and_take_effect_at_once,
);
