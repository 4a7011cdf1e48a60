//! Input that must be refused the same way on every engine, before it reaches the database:
//! NUL characters anywhere a client can put them, and webhook URLs that lead inside the network
//! (IPv6 forms that carry a private IPv4 address, cloud metadata endpoints).

use parley_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

fn detail(p: &Value) -> &str {
    p["detail"].as_str().unwrap_or_default()
}

/// Every field the outside probe found, over REST and the WebSocket: 400 naming the field on
/// both engines, and nothing stored.
async fn nul_characters_are_refused_naming_the_field(app: TestApp) {
    let t = app.tenant("Acme").await;
    let alice = t.user("alice").await;
    let (status, body) = send(
        alice
            .request(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "general"})),
    )
    .await;
    assert!(status.is_success(), "{body}");

    let cases = [
        (
            alice
                .request(Method::POST, "/v1/channels/messaging/general/messages")
                .json(&json!({"text": "hi", "custom": {"note": "a\u{0}b"}})),
            "custom.note",
        ),
        (
            alice
                .request(Method::PATCH, "/v1/users/alice")
                .json(&json!({"name": "Al\u{0}ice"})),
            "name",
        ),
        (
            alice
                .request(Method::PATCH, "/v1/users/alice")
                .json(&json!({"image": "https://x.test/\u{0}.png"})),
            "image",
        ),
        (
            alice
                .request(Method::PATCH, "/v1/users/alice")
                .json(&json!({"custom": {"k\u{0}ey": 1}})),
            "custom.k",
        ),
        (
            t.server(Method::PUT, "/v1/users/bob")
                .json(&json!({"name": "Bob", "custom": {"tags": ["ok", "n\u{0}"]}})),
            "custom.tags[1]",
        ),
        (
            alice
                .request(Method::POST, "/v1/channels")
                .json(&json!({"type": "messaging", "id": "second", "name": "x\u{0}"})),
            "name",
        ),
        (
            alice
                .request(Method::PATCH, "/v1/channels/messaging/general")
                .json(&json!({"custom": {"topic": "\u{0}"}})),
            "custom.topic",
        ),
        (
            t.server(Method::PATCH, "/v1/app")
                .json(&json!({"name": "Ac\u{0}me"})),
            "name",
        ),
        (
            t.server(Method::POST, "/v1/webhooks")
                .json(&json!({"url": "https://example.com/hook", "description": "\u{0}"})),
            "description",
        ),
        (t.server(Method::GET, "/v1/users?q=al%00"), "q"),
    ];
    for (req, field) in cases {
        let p = expect_problem(req, 400, "invalid_request").await;
        assert!(detail(&p).starts_with(field), "{field}: {p}");
        assert!(detail(&p).contains("NUL"), "{field}: {p}");
    }

    // Nothing was stored.
    let (_, history) =
        send(alice.request(Method::GET, "/v1/channels/messaging/general/messages")).await;
    assert_eq!(history["items"], json!([]), "{history}");
    let (status, _) = send(t.server(Method::GET, "/v1/users/bob")).await;
    assert_eq!(status, 404);
    let (_, me) = send(alice.request(Method::GET, "/v1/me")).await;
    assert_eq!(me["name"], Value::Null, "{me}");
    assert_eq!(me["custom"], json!({}), "{me}");

    // Over the WebSocket: an error frame naming the field, with the request's id; no ack.
    let mut ws = alice.connect().await;
    ws.send(
        json!({"type": "message.send", "req_id": "n1", "cid": "messaging:general",
                   "message": {"text": "hi", "custom": {"x": "\u{0}"}}}),
    )
    .await;
    let err = ws.expect("error").await;
    assert_eq!(err["req_id"], "n1", "{err}");
    assert_eq!(err["code"], "invalid_request", "{err}");
    assert!(detail(&err).starts_with("message.custom.x"), "{err}");
    // The socket still works, and the refused message was never stored.
    ws.send(
        json!({"type": "message.send", "req_id": "n2", "cid": "messaging:general",
                   "message": {"text": "fine"}}),
    )
    .await;
    let ack = ws.expect("ack").await;
    assert_eq!(ack["message"]["seq"], 1, "{ack}");
}

/// IPv6 addresses that embed a refused IPv4 address are refused at registration, like the
/// IPv4 address itself.
async fn ipv6_forms_of_private_addresses_are_refused(app: TestApp) {
    let t = app.tenant("Acme").await;
    for url in [
        "http://[2002:7f00:1::]/",      // 6to4 of 127.0.0.1
        "http://[2002:a9fe:a9fe::]/",   // 6to4 of 169.254.169.254
        "http://[::127.0.0.1]/",        // IPv4-compatible
        "http://[2001:0:7f00:1::1]/",   // Teredo
        "http://[64:ff9b::a00:1]/",     // NAT64 of 10.0.0.1
        "http://[::ffff:192.168.1.1]/", // IPv4-mapped
        "http://[fec0::1]/",            // site-local
    ] {
        let p = expect_problem(
            t.server(Method::POST, "/v1/webhooks")
                .json(&json!({"url": url})),
            400,
            "url_not_allowed",
        )
        .await;
        assert!(
            detail(&p).contains("PARLEY_ALLOW_PRIVATE_URLS") || detail(&p).contains("metadata"),
            "{url}: {p}"
        );
    }
    // A public address in a 6to4 form is fine.
    let (status, body) = send(
        t.server(Method::POST, "/v1/webhooks")
            .json(&json!({"url": "http://[2002:5db8:d822::1]/hook"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

/// With private URLs allowed (an operator reaching an internal CRM), cloud metadata endpoints
/// stay refused, as webhooks and as the before-send hook, in every form.
async fn metadata_endpoints_are_refused_even_when_private_urls_are_allowed(app: TestApp) {
    let t = app.tenant("Acme").await;
    for url in [
        "http://169.254.169.254/latest/meta-data",
        "http://[fd00:ec2::254]/latest/meta-data",
        "http://[::ffff:169.254.169.254]/",
        "http://[2002:a9fe:a9fe::]/",
        "http://100.100.100.200/latest/meta-data",
    ] {
        let p = expect_problem(
            t.server(Method::POST, "/v1/webhooks")
                .json(&json!({"url": url})),
            400,
            "url_not_allowed",
        )
        .await;
        assert!(detail(&p).contains("metadata"), "{url}: {p}");
        expect_problem(
            t.server(Method::PATCH, "/v1/app")
                .json(&json!({"settings": {"before_send": {"url": url}}})),
            400,
            "url_not_allowed",
        )
        .await;
    }
    // Private addresses are allowed on this server.
    let (status, body) = send(
        t.server(Method::POST, "/v1/webhooks")
            .json(&json!({"url": "http://127.0.0.1:9/hook"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

/// The largest and smallest doubles in `custom` are stored and read back as sent; PostgreSQL
/// keeps them as exact decimals, which must parse back to the same double.
async fn extreme_numbers_in_custom_data_round_trip(app: TestApp) {
    let t = app.tenant("Acme").await;
    t.create_user("alice").await;
    let (status, _) = send(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "team", "id": "general", "members": ["alice"]})),
    )
    .await;
    assert_eq!(status, 201);
    let custom =
        json!({"max": f64::MAX, "min": -f64::MAX, "tiny": 5e-324, "big": 1.8446744073709552e19});
    let (status, sent) = send(
        t.server(Method::POST, "/v1/channels/team/general/messages")
            .json(&json!({"text": "numbers", "user_id": "alice", "custom": custom})),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    let (status, history) = send(t.server(Method::GET, "/v1/channels/team/general/messages")).await;
    assert_eq!(status, 200, "{history}");
    assert_eq!(history["items"][0]["custom"], custom, "{history}");
    let (status, got) = send(t.server(
        Method::GET,
        &format!("/v1/messages/{}", sent["id"].as_str().unwrap()),
    ))
    .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["custom"], custom);
}

/// End users cannot store attachment objects that clients would render unsafely: URLs are
/// http(s), types are known, fields are bounded, and app data goes in `custom`.
async fn attachments_are_typed_and_their_urls_are_web_urls(app: TestApp) {
    let t = app.tenant("Acme").await;
    let alice = t.user("alice").await;
    let (status, _) = send(
        alice
            .request(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "general"})),
    )
    .await;
    assert_eq!(status, 201);
    let post = |attachments: Value| {
        alice
            .request(Method::POST, "/v1/channels/messaging/general/messages")
            .json(&json!({"text": "look", "attachments": attachments}))
    };
    for (attachments, field) in [
        (
            json!([{"type": "image", "url": "javascript:alert(1)"}]),
            "attachments[0].url",
        ),
        (
            json!([{"type": "file", "url": "data:text/html;base64,PHNjcmlwdD4="}]),
            "attachments[0].url",
        ),
        (
            json!([{"type": "image", "url": "https://ok.test/a.png", "thumb_url": "javascript:x"}]),
            "attachments[0].thumb_url",
        ),
        (
            json!([{"type": "script", "url": "https://ok.test/a.js"}]),
            "attachments[0].type",
        ),
        (
            json!([{"type": "link", "url": "https://ok.test", "html": "<b>"}]),
            "attachments[0].html",
        ),
        (
            json!([{"type": "file", "url": "https://ok.test/f", "size": -5}]),
            "attachments[0].size",
        ),
        (json!([{"url": "https://ok.test"}]), "attachments[0]"),
    ] {
        let p = expect_problem(post(attachments.clone()), 400, "invalid_request").await;
        assert!(detail(&p).contains(field), "{attachments}: {p}");
    }
    let (_, history) =
        send(alice.request(Method::GET, "/v1/channels/messaging/general/messages")).await;
    assert_eq!(
        history["items"],
        json!([]),
        "nothing refused was stored: {history}"
    );

    // A typed attachment with app data in `custom` is stored as sent.
    let good = json!([{"type": "link", "url": "https://example.com/post", "title": "A post",
                       "thumb_url": "https://example.com/t.png", "custom": {"source": "feed"}}]);
    let (status, sent) = send(post(good.clone())).await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["attachments"], good);
    // Over the WebSocket the same rules hold.
    let mut ws = alice.connect().await;
    ws.send(json!({"type": "message.send", "req_id": "a", "cid": "messaging:general",
                   "message": {"text": "x", "attachments": [{"type": "image", "url": "javascript:x"}]}}))
        .await;
    let err = ws.expect("error").await;
    assert_eq!(err["req_id"], "a");
    assert!(detail(&err).contains("attachments[0].url"), "{err}");
}

on_both_backends!(
    nul_characters_are_refused_naming_the_field,
    attachments_are_typed_and_their_urls_are_web_urls,
    extreme_numbers_in_custom_data_round_trip,
    metadata_endpoints_are_refused_even_when_private_urls_are_allowed,
);

mod strict_urls {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ipv6_forms_of_private_addresses_are_refused_sqlite() {
        let app =
            TestApp::spawn_with(Backend::Sqlite, |c| c.worker.allow_private_urls = false).await;
        ipv6_forms_of_private_addresses_are_refused(app).await;
    }
}

/// The data directory and the SQLite files are this user's alone, like the key files in it.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_directory_and_database_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let mut nested = None;
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        let dir = c.data_dir.join("fresh").join("data");
        c.database_url = format!("sqlite://{}?mode=rwc", dir.join("parley.db").display());
        c.data_dir = dir.clone();
        nested = Some(dir);
    })
    .await;
    let dir = nested.unwrap();
    // Write something so the WAL exists.
    app.tenant("Acme").await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    assert_eq!(mode(dir.parent().unwrap()), 0o700);
    for file in ["parley.db", "parley.db-wal", "parley.db-shm", "admin-token"] {
        let path = dir.join(file);
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
}
