//! API conventions every endpoint shares: problem+json errors for bad bodies, sizes, content
//! types and credentials; pagination; rate limits; an unavailable database; the ops routes.

use parley_tests::*;
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

const ROOM: &str = "/v1/channels/messaging/room";
const ROOM_MESSAGES: &str = "/v1/channels/messaging/room/messages";

/// A tenant with alice, owner of `messaging:room`.
async fn setup(app: &TestApp) -> (Tenant, User) {
    let t = app.tenant("Acme").await;
    t.create_user("alice").await;
    let (status, ch) = send(t.server(Method::POST, "/v1/channels").json(&json!({
        "type": "messaging", "id": "room", "user_id": "alice"
    })))
    .await;
    assert_eq!(status, 201, "{ch}");
    let alice = t.user("alice").await;
    (t, alice)
}

fn raw_json(req: RequestBuilder, body: &str) -> RequestBuilder {
    req.header("content-type", "application/json")
        .body(body.to_owned())
}

fn detail(problem: &Value) -> &str {
    problem["detail"].as_str().unwrap_or("")
}

/// The texts of the room's history, as the server sees it.
async fn history(t: &Tenant) -> Vec<String> {
    let (status, page) = send(t.server(Method::GET, ROOM_MESSAGES)).await;
    assert_eq!(status, 200, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect()
}

async fn bad_json_bodies_are_400_problems_naming_the_fault(app: TestApp) {
    let (t, alice) = setup(&app).await;

    // Malformed: the detail says where.
    let p = expect_problem(
        raw_json(
            alice.request(Method::POST, ROOM_MESSAGES),
            r#"{"text": "x","#,
        ),
        400,
        "invalid_json",
    )
    .await;
    assert!(detail(&p).contains("line 1 column"), "{p}");
    let p = expect_problem(
        raw_json(
            alice.request(Method::POST, ROOM_MESSAGES),
            "{\n  \"text\": 'x'\n}",
        ),
        400,
        "invalid_json",
    )
    .await;
    assert!(detail(&p).contains("line 2 column"), "{p}");
    let p = expect_problem(
        raw_json(t.server(Method::POST, "/v1/channels"), "not json"),
        400,
        "invalid_json",
    )
    .await;
    assert!(detail(&p).contains("column"), "{p}");

    // Unknown field: named, on a user route and a server route.
    let p = expect_problem(
        alice
            .request(Method::POST, ROOM_MESSAGES)
            .json(&json!({"txt": "x"})),
        400,
        "invalid_json",
    )
    .await;
    assert!(detail(&p).contains("txt"), "{p}");
    let p = expect_problem(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "team", "nmae": "x"})),
        400,
        "invalid_json",
    )
    .await;
    assert!(detail(&p).contains("nmae"), "{p}");
    let p = expect_problem(
        t.server(Method::PATCH, "/v1/app")
            .json(&json!({"colour": "red"})),
        400,
        "invalid_json",
    )
    .await;
    assert!(detail(&p).contains("colour"), "{p}");

    // Wrong type: refused.
    expect_problem(
        alice
            .request(Method::POST, ROOM_MESSAGES)
            .json(&json!({"text": "x", "silent": "yes"})),
        400,
        "invalid_json",
    )
    .await;
    expect_problem(
        alice
            .request(Method::POST, ROOM_MESSAGES)
            .json(&json!({"text": 42})),
        400,
        "invalid_json",
    )
    .await;
    expect_problem(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "team", "members": "alice"})),
        400,
        "invalid_json",
    )
    .await;

    // Missing required field.
    let p = expect_problem(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"id": "x"})),
        400,
        "invalid_json",
    )
    .await;
    assert!(detail(&p).contains("type"), "{p}");
    let p = expect_problem(
        t.server(Method::POST, "/v1/tokens").json(&json!({})),
        400,
        "invalid_json",
    )
    .await;
    assert!(detail(&p).contains("user_id"), "{p}");

    // A JSON value that is not an object.
    expect_problem(
        raw_json(alice.request(Method::POST, ROOM_MESSAGES), r#"["x"]"#),
        400,
        "invalid_json",
    )
    .await;

    // None of it was stored.
    assert_eq!(history(&t).await, Vec::<String>::new());
    let (status, page) = send(t.server(Method::GET, "/v1/channels")).await;
    assert_eq!(status, 200);
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
}

/// serde's "invalid type" message gives the position but not the field name.
async fn wrong_type_names_the_field(app: TestApp) {
    let (_t, alice) = setup(&app).await;
    let p = expect_problem(
        alice
            .request(Method::POST, ROOM_MESSAGES)
            .json(&json!({"text": "x", "silent": "yes"})),
        400,
        "invalid_json",
    )
    .await;
    assert!(
        detail(&p).contains("silent"),
        "the detail should name the field `silent`: {p}"
    );
}

async fn sizes_are_limited(app: TestApp) {
    let (t, alice) = setup(&app).await;

    // Over the 256 KiB body limit.
    let huge = "a".repeat(300 * 1024);
    expect_problem(
        alice
            .request(Method::POST, ROOM_MESSAGES)
            .json(&json!({"text": huge})),
        413,
        "payload_too_large",
    )
    .await;
    expect_problem(
        t.server(Method::PUT, "/v1/users/bob")
            .json(&json!({"name": "bob", "custom": {"blob": huge}})),
        413,
        "payload_too_large",
    )
    .await;

    // Over 5,000 characters but under the body limit.
    let p = expect_problem(
        alice
            .request(Method::POST, ROOM_MESSAGES)
            .json(&json!({"text": "b".repeat(5_001)})),
        400,
        "message_too_long",
    )
    .await;
    assert!(detail(&p).contains("5000"), "{p}");
    let (status, m) = send(
        alice
            .request(Method::POST, ROOM_MESSAGES)
            .json(&json!({"text": "c".repeat(5_000)})),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    // Characters, not bytes: 5,000 two-byte characters fit.
    let (status, m) = send(
        alice
            .request(Method::POST, ROOM_MESSAGES)
            .json(&json!({"text": "é".repeat(5_000)})),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    // Edits obey the same limit.
    let id = m["id"].as_str().unwrap().to_owned();
    expect_problem(
        alice
            .request(Method::PATCH, &format!("/v1/messages/{id}"))
            .json(&json!({"text": "d".repeat(5_001)})),
        400,
        "message_too_long",
    )
    .await;

    // A tenant's own limit.
    let (status, app_view) = send(
        t.server(Method::PATCH, "/v1/app")
            .json(&json!({"settings": {"max_message_length": 10}})),
    )
    .await;
    assert_eq!(status, 200, "{app_view}");
    assert_eq!(app_view["max_message_length"], 10);
    assert_eq!(app_view["settings"]["max_message_length"], 10);
    let p = expect_problem(
        alice
            .request(Method::POST, ROOM_MESSAGES)
            .json(&json!({"text": "12345678901"})),
        400,
        "message_too_long",
    )
    .await;
    assert!(detail(&p).contains("10"), "{p}");
    let (status, m) = send(
        alice
            .request(Method::POST, ROOM_MESSAGES)
            .json(&json!({"text": "1234567890"})),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(m["text"], "1234567890");
    let (status, m) = send(
        alice
            .request(Method::POST, ROOM_MESSAGES)
            .json(&json!({"text": "éééééééééé"})),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    // The secret key is held to it too.
    expect_problem(
        t.server(Method::POST, ROOM_MESSAGES)
            .json(&json!({"text": "12345678901", "user_id": "alice"})),
        400,
        "message_too_long",
    )
    .await;
    // Outside the allowed range.
    expect_problem(
        t.server(Method::PATCH, "/v1/app")
            .json(&json!({"settings": {"max_message_length": 0}})),
        400,
        "invalid_request",
    )
    .await;

    // Exactly what was accepted is stored.
    let texts = history(&t).await;
    assert_eq!(texts.len(), 4, "{texts:?}");
    assert_eq!(texts[2], "1234567890");
}

async fn custom_data_must_be_a_small_object(app: TestApp) {
    let (t, alice) = setup(&app).await;
    let big = json!({"blob": "x".repeat(9 * 1024)});
    let p = expect_problem(
        alice
            .request(Method::POST, ROOM_MESSAGES)
            .json(&json!({"text": "hi", "custom": big})),
        400,
        "custom_data_too_large",
    )
    .await;
    assert!(detail(&p).contains("8192"), "{p}");
    expect_problem(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "team", "custom": big})),
        400,
        "custom_data_too_large",
    )
    .await;
    expect_problem(
        t.server(Method::PUT, "/v1/users/bob")
            .json(&json!({"custom": big})),
        400,
        "custom_data_too_large",
    )
    .await;
    expect_problem(
        alice
            .request(Method::PATCH, ROOM)
            .json(&json!({"custom": big})),
        400,
        "custom_data_too_large",
    )
    .await;
    expect_problem(
        alice
            .request(Method::PATCH, "/v1/users/alice")
            .json(&json!({"custom": big})),
        400,
        "custom_data_too_large",
    )
    .await;

    for not_object in [json!([1, 2]), json!("text"), json!(3), json!(true)] {
        let p = expect_problem(
            alice
                .request(Method::POST, ROOM_MESSAGES)
                .json(&json!({"text": "hi", "custom": not_object})),
            400,
            "invalid_request",
        )
        .await;
        assert!(detail(&p).contains("custom"), "{p}");
    }
    expect_problem(
        t.server(Method::PUT, "/v1/users/bob")
            .json(&json!({"custom": [1]})),
        400,
        "invalid_request",
    )
    .await;

    // Just under the limit is fine.
    let fits = json!({"blob": "x".repeat(8 * 1024 - 20)});
    let (status, m) = send(
        alice
            .request(Method::POST, ROOM_MESSAGES)
            .json(&json!({"text": "hi", "custom": fits})),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(m["custom"], fits);
    assert_eq!(history(&t).await, ["hi"]);
    let (status, _) = send(t.server(Method::GET, "/v1/users/bob")).await;
    assert_eq!(status, 404);
}

async fn json_routes_need_a_json_content_type(app: TestApp) {
    let (t, alice) = setup(&app).await;
    let body = r#"{"text": "hi"}"#;
    for ctype in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        expect_problem(
            alice
                .request(Method::POST, ROOM_MESSAGES)
                .header("content-type", ctype)
                .body(body),
            415,
            "unsupported_media_type",
        )
        .await;
    }
    expect_problem(
        t.server(Method::PUT, "/v1/users/bob")
            .header("content-type", "text/plain")
            .body(r#"{"name": "bob"}"#),
        415,
        "unsupported_media_type",
    )
    .await;
    // With the right type the same body works.
    let (status, m) = send(raw_json(alice.request(Method::POST, ROOM_MESSAGES), body)).await;
    assert_eq!(status, 201, "{m}");
    let (status, m) = send(
        alice
            .request(Method::POST, ROOM_MESSAGES)
            .header("content-type", "application/json; charset=utf-8")
            .body(r#"{"text": "again"}"#),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(history(&t).await, ["hi", "again"]);
}

async fn credentials_are_checked(app: TestApp) {
    let (t, alice) = setup(&app).await;
    let get = |path: &str| app.request(Method::GET, path);

    // None at all.
    expect_problem(get("/v1/channels"), 401, "missing_credentials").await;
    expect_problem(
        app.request(Method::POST, ROOM_MESSAGES)
            .json(&json!({"text": "x"})),
        401,
        "missing_credentials",
    )
    .await;
    expect_problem(get("/v1/me"), 401, "missing_credentials").await;
    // Publishable key without a user token.
    expect_problem(
        get("/v1/channels").header("X-Api-Key", &t.publishable_key),
        401,
        "missing_credentials",
    )
    .await;
    // User token without the publishable key.
    expect_problem(
        get("/v1/me").bearer_auth(&alice.token),
        401,
        "missing_credentials",
    )
    .await;
    // The secret key in X-Api-Key, with a user token.
    expect_problem(
        get("/v1/me")
            .header("X-Api-Key", &t.secret_key)
            .bearer_auth(&alice.token),
        401,
        "invalid_api_key",
    )
    .await;
    // The publishable key as the bearer.
    expect_problem(
        get("/v1/channels").bearer_auth(&t.publishable_key),
        401,
        "invalid_api_key",
    )
    .await;
    expect_problem(
        get("/v1/channels")
            .bearer_auth(&t.publishable_key)
            .header("X-Api-Key", &t.publishable_key),
        401,
        "invalid_api_key",
    )
    .await;
    // Garbage secret keys: short, right length, someone else's format.
    for bad in [
        "sk_garbage".to_owned(),
        format!("sk_{}", "x".repeat(44)),
        // The real key with its last character changed.
        {
            let mut k = t.secret_key.clone();
            let last = k.pop().unwrap();
            k.push(if last == 'A' { 'B' } else { 'A' });
            k
        },
        format!("{}0", t.secret_key),
    ] {
        expect_problem(get("/v1/app").bearer_auth(&bad), 401, "invalid_api_key").await;
    }
    // A garbage publishable key with a valid token.
    expect_problem(
        get("/v1/me")
            .header("X-Api-Key", "pk_nope")
            .bearer_auth(&alice.token),
        401,
        "invalid_api_key",
    )
    .await;
    // A user on secret-key-only routes.
    expect_problem(
        alice.request(Method::GET, "/v1/app"),
        403,
        "server_key_required",
    )
    .await;
    expect_problem(
        alice
            .request(Method::PATCH, "/v1/app")
            .json(&json!({"name": "mine"})),
        403,
        "server_key_required",
    )
    .await;
    expect_problem(
        alice
            .request(Method::POST, "/v1/tokens")
            .json(&json!({"user_id": "alice"})),
        403,
        "server_key_required",
    )
    .await;
    expect_problem(
        alice
            .request(Method::POST, "/v1/tokens")
            .json(&json!({"user_id": "mallory"})),
        403,
        "server_key_required",
    )
    .await;
    // The secret key on a user-only route.
    expect_problem(t.server(Method::GET, "/v1/me"), 403, "forbidden").await;
    expect_problem(t.server(Method::GET, "/v1/me/unread"), 403, "forbidden").await;
    // The operator API.
    expect_problem(
        app.request(Method::GET, "/admin/v1/tenants"),
        401,
        "missing_credentials",
    )
    .await;
    expect_problem(
        app.request(Method::GET, "/admin/v1/tenants")
            .bearer_auth("adm_wrong"),
        401,
        "invalid_admin_token",
    )
    .await;
    let almost = format!("{}x", app.admin_token);
    expect_problem(
        app.request(Method::GET, "/admin/v1/tenants")
            .bearer_auth(&almost),
        401,
        "invalid_admin_token",
    )
    .await;
    for key in [&t.secret_key, &t.publishable_key, &alice.token] {
        expect_problem(
            app.request(Method::GET, "/admin/v1/tenants")
                .bearer_auth(key),
            401,
            "invalid_admin_token",
        )
        .await;
        expect_problem(
            app.request(Method::POST, "/admin/v1/tenants")
                .bearer_auth(key)
                .json(&json!({"name": "evil"})),
            401,
            "invalid_admin_token",
        )
        .await;
    }
    // The operator token is not a tenant credential.
    expect_problem(
        get("/v1/app").bearer_auth(&app.admin_token),
        401,
        "missing_credentials",
    )
    .await;

    // Nothing above got through; the real credentials do.
    let (status, list) = send(app.admin(Method::GET, "/admin/v1/tenants")).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    let (status, a) = send(t.server(Method::GET, "/v1/app")).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["name"], "Acme");
    let (status, me) = send(alice.request(Method::GET, "/v1/me")).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["id"], "alice");
    assert_eq!(history(&t).await, Vec::<String>::new());
}

async fn unknown_routes_and_channel_types(app: TestApp) {
    let (t, alice) = setup(&app).await;
    for (method, path) in [
        (Method::GET, "/v1/nope"),
        (Method::GET, "/nope"),
        (Method::POST, "/v1/channels/messaging/room/nope"),
        (Method::GET, "/admin/v1/nope"),
    ] {
        let p = expect_problem(t.server(method.clone(), path), 404, "not_found").await;
        assert!(detail(&p).contains(path), "{p}");
    }
    // Without credentials an unknown route is still a 404 problem.
    expect_problem(app.request(Method::GET, "/v1/nope"), 404, "not_found").await;

    // A type the app does not have: no such channel, and the detail says why. A malformed
    // type name is a bad request.
    for path in [
        "/v1/channels/bogus/room",
        "/v1/channels/bogus/room/messages",
    ] {
        let p = expect_problem(t.server(Method::GET, path), 404, "channel_not_found").await;
        assert!(detail(&p).contains("no channel type `bogus`"), "{p}");
        expect_problem(alice.request(Method::GET, path), 404, "channel_not_found").await;
    }
    let p = expect_problem(
        t.server(Method::GET, "/v1/channels/Messaging/room"),
        400,
        "invalid_request",
    )
    .await;
    assert!(detail(&p).contains("`type`"), "{p}");
    expect_problem(
        alice
            .request(Method::POST, "/v1/channels/bogus/room/messages")
            .json(&json!({"text": "x"})),
        404,
        "channel_not_found",
    )
    .await;
    expect_problem(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "bogus", "id": "x"})),
        400,
        "invalid_request",
    )
    .await;
    // A bad channel id in the path.
    expect_problem(
        t.server(Method::GET, "/v1/channels/messaging/bad%20id"),
        400,
        "invalid_request",
    )
    .await;
}

async fn page_sizes_and_cursors_are_validated(app: TestApp) {
    let (t, alice) = setup(&app).await;
    let (status, m) = send(
        alice
            .request(Method::POST, ROOM_MESSAGES)
            .json(&json!({"text": "one"})),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    let mid = m["id"].as_str().unwrap().to_owned();
    let lists = [
        "/v1/users".to_owned(),
        "/v1/channels".to_owned(),
        ROOM_MESSAGES.to_owned(),
        format!("/v1/messages/{mid}/replies"),
    ];
    for path in &lists {
        for limit in ["0", "201"] {
            let p = expect_problem(
                t.server(Method::GET, path).query(&[("limit", limit)]),
                400,
                "invalid_request",
            )
            .await;
            assert!(detail(&p).contains("limit"), "{path}: {p}");
        }
        expect_problem(
            t.server(Method::GET, path).query(&[("limit", "ten")]),
            400,
            "invalid_request",
        )
        .await;
        expect_problem(
            t.server(Method::GET, path).query(&[("limit", "-1")]),
            400,
            "invalid_request",
        )
        .await;
        let p = expect_problem(
            t.server(Method::GET, path)
                .query(&[("cursor", "!!not a cursor!!")]),
            400,
            "invalid_request",
        )
        .await;
        assert!(detail(&p).contains("cursor"), "{path}: {p}");
        // The edges are accepted.
        for limit in ["1", "200"] {
            let (status, page) = send(t.server(Method::GET, path).query(&[("limit", limit)])).await;
            assert_eq!(status, 200, "{path} limit={limit}: {page}");
            assert!(page["items"].is_array(), "{page}");
        }
    }
    expect_problem(
        app.admin(Method::GET, "/admin/v1/tenants?limit=0"),
        400,
        "invalid_request",
    )
    .await;
    expect_problem(
        app.admin(Method::GET, "/admin/v1/tenants?limit=201"),
        400,
        "invalid_request",
    )
    .await;
    // Well-formed base64 that is no cursor of ours.
    for path in ["/v1/channels", ROOM_MESSAGES] {
        expect_problem(
            t.server(Method::GET, path)
                .query(&[("cursor", "bm90LWEtbnVtYmVy")]),
            400,
            "invalid_request",
        )
        .await;
    }
    // Unknown query parameters are refused, not ignored.
    expect_problem(
        t.server(Method::GET, "/v1/users?limt=3"),
        400,
        "invalid_request",
    )
    .await;
}

async fn user_list_pages_walk_every_user_once(app: TestApp) {
    let t = app.tenant("Acme").await;
    let mut expected: Vec<String> = (1..=7).map(|i| format!("user{i}")).collect();
    // Created out of order: the list is by id.
    for id in expected.iter().rev() {
        t.create_user(id).await;
    }
    expected.sort();

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut sizes = Vec::new();
    for _ in 0..5 {
        let mut req = t.server(Method::GET, "/v1/users").query(&[("limit", "3")]);
        if let Some(c) = &cursor {
            req = req.query(&[("cursor", c)]);
        }
        let (status, page) = send(req).await;
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().unwrap();
        sizes.push(items.len());
        seen.extend(items.iter().map(|u| u["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => {
                assert!(page["next_cursor"].is_null(), "{page}");
                break;
            }
        }
    }
    assert_eq!(sizes, [3, 3, 1]);
    assert_eq!(seen, expected);

    // A page that ends exactly at the last user says so: no empty extra page.
    let (status, page) = send(t.server(Method::GET, "/v1/users?limit=7")).await;
    assert_eq!(status, 200);
    assert_eq!(page["items"].as_array().unwrap().len(), 7);
    assert!(page["next_cursor"].is_null(), "{page}");

    // The same walk as a user, and through the channel list (offset cursors).
    for i in 1..=5 {
        let (status, ch) = send(t.server(Method::POST, "/v1/channels").json(&json!({
            "type": "team", "id": format!("c{i}"), "user_id": "user1"
        })))
        .await;
        assert_eq!(status, 201, "{ch}");
    }
    let user1 = t.user("user1").await;
    let mut cids = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        pages += 1;
        assert!(pages <= 4, "the channel list does not end");
        let mut req = user1
            .request(Method::GET, "/v1/channels")
            .query(&[("limit", "2")]);
        if let Some(c) = &cursor {
            req = req.query(&[("cursor", c)]);
        }
        let (status, page) = send(req).await;
        assert_eq!(status, 200, "{page}");
        cids.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["cid"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    cids.sort();
    assert_eq!(
        cids,
        ["team:c1", "team:c2", "team:c3", "team:c4", "team:c5"]
    );
}

async fn rate_limits_answer_429_per_user(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.limits.user_requests_per_second = 2).await;
    let t = app.tenant("Acme").await;
    let alice = t.user("alice").await;
    let bob = t.user("bob").await;

    // Twenty requests at once against a bucket of four refilled at 2/s: however slowly they
    // are served, at most 4 + 2/s of the time they took get through.
    let t0 = std::time::Instant::now();
    let burst = futures_util::future::join_all(
        (0..20).map(|_| alice.request(Method::GET, "/v1/me").send()),
    )
    .await;
    let budget = 4 + (2.0 * t0.elapsed().as_secs_f64()).ceil() as usize;
    let mut limited = None;
    let mut ok = 0;
    for res in burst {
        let res = res.expect("request");
        match res.status().as_u16() {
            200 => ok += 1,
            429 => limited = Some(res),
            other => panic!("{other}"),
        }
    }
    assert!(ok >= 1, "the very first request was limited");
    assert!(ok <= budget, "{ok} of 20 got through a budget of {budget}");
    let res = limited.expect("twenty requests at once at 2/s (burst 4) were never limited");
    let retry_after = res
        .headers()
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .to_owned();
    let secs: u64 = retry_after
        .parse()
        .unwrap_or_else(|_| panic!("Retry-After {retry_after:?} is not an integer"));
    assert!(secs >= 1, "Retry-After {secs}");
    let ctype = res
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(ctype, "application/problem+json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited", "{body}");
    assert_eq!(body["status"], 429);

    // Alice is limited on every route, not only the one she hammered: the same bucket.
    let others = futures_util::future::join_all(
        (0..20).map(|_| alice.request(Method::GET, "/v1/channels").send()),
    )
    .await;
    let budget = 4 + (2.0 * t0.elapsed().as_secs_f64()).ceil() as usize;
    let status =
        |r: &reqwest::Result<reqwest::Response>| r.as_ref().map_or(0, |r| r.status().as_u16());
    let through = others.iter().filter(|r| status(r) == 200).count();
    assert!(
        ok + through <= budget,
        "{ok} + {through} requests on two routes got through a budget of {budget}"
    );
    assert!(
        others.iter().any(|r| status(r) == 429),
        "the other route was not limited"
    );

    // Another user of the same tenant, at the same moment, is not limited.
    let (status, me) = send(bob.request(Method::GET, "/v1/me")).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["id"], "bob");
    // Nor is the tenant server.
    let (status, _) = send(t.server(Method::GET, "/v1/users/alice")).await;
    assert_eq!(status, 200);
    // After the delay she may go on.
    tokio::time::sleep(std::time::Duration::from_millis(1_000)).await;
    let (status, me) = send(alice.request(Method::GET, "/v1/me")).await;
    assert_eq!(status, 200, "{me}");
}

/// Rate limits need their own configuration, so these two are declared by hand.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_answer_429_per_user_sqlite() {
    rate_limits_answer_429_per_user(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_answer_429_per_user_postgres() {
    rate_limits_answer_429_per_user(Backend::Postgres).await;
}

async fn ops_routes_answer(app: TestApp) {
    let (status, body) = send(app.request(Method::GET, "/healthz")).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    let (status, body) = send(app.request(Method::GET, "/readyz")).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ready");

    let res = app
        .request(Method::GET, "/openapi.json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let ctype = res
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(ctype.starts_with("application/json"), "{ctype}");
    let doc: Value = res.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap_or("").starts_with("3.1"),
        "openapi: {}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/v1/channels/{type}/{id}/messages",
        "/admin/v1/tenants",
        "/admin/v1/tenants/{tenant_id}/keys/{key_id}",
        "/v1/messages/{message_id}/reactions/{type}",
        "/v1/users/{user_id}",
        "/healthz",
    ] {
        assert!(paths.contains_key(p), "openapi.json lacks {p}");
    }
    assert!(
        paths["/v1/channels/{type}/{id}/messages"]
            .get("post")
            .is_some()
    );
    assert!(
        paths["/v1/channels/{type}/{id}/messages"]
            .get("get")
            .is_some()
    );

    let res = app.request(Method::GET, "/docs/").send().await.unwrap();
    assert_eq!(res.status(), 200);
    let ctype = res
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(ctype.starts_with("text/html"), "{ctype}");
    let html = res.text().await.unwrap();
    assert!(html.to_lowercase().contains("<html"), "{html}");
    assert!(
        html.contains("swagger") || html.contains("Swagger"),
        "{html}"
    );
}

/// A newcomer who opens the server's address in a browser learns what it is and where the
/// API is described, instead of a bare 404; every link it gives answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_root_says_what_this_is_and_links_to_the_docs() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (status, body) = send(app.request(Method::GET, "/")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "Parley");
    assert!(
        body["version"].as_str().is_some_and(|v| !v.is_empty()),
        "{body}"
    );
    let links = body["links"].as_object().expect("links");
    for key in ["docs", "openapi", "healthz", "readyz"] {
        let path = links[key].as_str().unwrap_or_else(|| panic!("links.{key}"));
        let res = app.request(Method::GET, path).send().await.unwrap();
        assert_eq!(res.status(), 200, "links.{key} = {path}");
    }
    let (_, doc) = send(app.request(Method::GET, "/openapi.json")).await;
    assert!(
        doc["paths"]["/"]["get"].is_object(),
        "GET / is not documented"
    );
}

/// Closing the (shared) SQLite pool makes every database call fail as it would if the
/// database went away: requests answer 503 with `Retry-After`; liveness stays up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_database_answers_503() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (t, alice) = setup(&app).await;
    let (status, _) = send(alice.request(Method::GET, "/v1/me")).await;
    assert_eq!(status, 200);

    let db = app.running.as_ref().unwrap().ctx.db.clone();
    db.close().await.unwrap();

    for req in [
        t.server(Method::GET, "/v1/users"),
        alice.request(Method::GET, "/v1/me"),
        alice
            .request(Method::POST, ROOM_MESSAGES)
            .json(&json!({"text": "lost?"})),
        app.admin(Method::GET, "/admin/v1/tenants"),
    ] {
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 503);
        let retry: u64 = res
            .headers()
            .get("retry-after")
            .expect("Retry-After")
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(retry >= 1);
        let ctype = res
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(ctype, "application/problem+json");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "database_unavailable", "{body}");
        assert_eq!(body["status"], 503);
        // No internals leak.
        let detail = body["detail"].as_str().unwrap();
        assert!(!detail.to_lowercase().contains("pool"), "{detail}");
    }
    let res = app.request(Method::GET, "/readyz").send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert!(res.headers().get("retry-after").is_some());
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "database_unavailable", "{body}");
    let (status, body) = send(app.request(Method::GET, "/healthz")).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    // Errors that need no database are unchanged.
    expect_problem(
        app.request(Method::GET, "/v1/me"),
        401,
        "missing_credentials",
    )
    .await;
    expect_problem(app.request(Method::GET, "/nope"), 404, "not_found").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_type_names_the_field_sqlite() {
    wrong_type_names_the_field(TestApp::spawn(Backend::Sqlite).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_type_names_the_field_postgres() {
    wrong_type_names_the_field(TestApp::spawn(Backend::Postgres).await).await;
}

parley_tests::on_both_backends!(
    bad_json_bodies_are_400_problems_naming_the_fault,
    sizes_are_limited,
    custom_data_must_be_a_small_object,
    json_routes_need_a_json_content_type,
    credentials_are_checked,
    unknown_routes_and_channel_types,
    page_sizes_and_cursors_are_validated,
    user_list_pages_walk_every_user_once,
    ops_routes_answer,
);
