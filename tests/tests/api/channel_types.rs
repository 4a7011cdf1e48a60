//! Channel types: the built-in defaults, custom types, grants that allow and deny each action
//! (with the denied action named), features turned off, and changes taking effect at once.

use parley_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

async fn channel(t: &Tenant, kind: &str, id: &str, members: &[&str]) {
    let (status, body) = send(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": kind, "id": id, "members": members})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

async fn say(user: &User, path: &str, body: Value) -> (u16, Value) {
    let (status, body) = send(
        user.request(Method::POST, &format!("/v1/channels/{path}/messages"))
            .json(&body),
    )
    .await;
    (status.as_u16(), body)
}

/// A 403 `forbidden` that names the denied action.
async fn denied(req: reqwest::RequestBuilder, action: &str) {
    let body = expect_problem(req, 403, "forbidden").await;
    assert_eq!(body["action"], action, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains(action),
        "the detail names `{action}`: {body}"
    );
}

async fn put_type(t: &Tenant, name: &str, body: Value) -> (u16, Value) {
    let (status, body) = send(
        t.server(Method::PUT, &format!("/v1/channel-types/{name}"))
            .json(&body),
    )
    .await;
    (status.as_u16(), body)
}

async fn built_ins_list_get_and_validation(app: TestApp) {
    let t = app.tenant("Acme").await;
    let (status, list) = send(t.server(Method::GET, "/v1/channel-types")).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["messaging", "team", "livestream"]);
    let (_, live) = send(t.server(Method::GET, "/v1/channel-types/livestream")).await;
    assert_eq!(live["built_in"], true);
    assert_eq!(live["features"]["typing_events"], false);
    assert_eq!(live["features"]["read_events"], false);
    assert_eq!(live["features"]["reactions"], true);
    let user_grants = live["grants"]["user"].as_array().unwrap();
    assert!(
        user_grants.contains(&json!("read_channel"))
            && user_grants.contains(&json!("join_channel"))
    );
    let (_, messaging) = send(t.server(Method::GET, "/v1/channel-types/messaging")).await;
    assert_eq!(messaging["grants"]["user"], json!(["create_channel"]));
    assert!(
        messaging["grants"]["owner"]
            .as_array()
            .unwrap()
            .contains(&json!("delete_channel"))
    );

    expect_problem(
        t.server(Method::GET, "/v1/channel-types/nope"),
        404,
        "channel_type_not_found",
    )
    .await;
    expect_problem(
        t.server(Method::GET, "/v1/channel-types/Bad%20Name"),
        404,
        "channel_type_not_found",
    )
    .await;
    for (name, body, names) in [
        ("Bad", json!({}), "type"),
        ("ok", json!({"grants": {"member": ["fly"]}}), "grants"),
        (
            "ok",
            json!({"grants": {"admin": ["react"]}}),
            "grants.admin",
        ),
        (
            "ok",
            json!({"grants": {"member": ["create_channel"]}}),
            "grants.member",
        ),
        ("ok", json!({"features": {"teleport": true}}), "teleport"),
    ] {
        let (status, problem) = put_type(&t, name, body).await;
        assert_eq!(status, 400, "{problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(names),
            "the detail names `{names}`: {problem}"
        );
    }
    // Users cannot read or change channel types; another tenant's key does not see this one's.
    t.create_user("alice").await;
    let alice = t.user("alice").await;
    expect_problem(
        alice.request(Method::GET, "/v1/channel-types"),
        403,
        "server_key_required",
    )
    .await;
    let (status, created) = put_type(&t, "support", json!({})).await;
    assert_eq!(status, 201, "{created}");
    let other = app.tenant("Other").await;
    expect_problem(
        other.server(Method::GET, "/v1/channel-types/support"),
        404,
        "channel_type_not_found",
    )
    .await;
    // Creating a channel of a type the app does not have names the field.
    let (status, problem) = send(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "nope", "id": "x"})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        problem["detail"].as_str().unwrap().contains("`type`"),
        "{problem}"
    );
}

/// The defaults: `messaging` is for members only, `team` and `livestream` are open to read and
/// join, and channel roles grant what Stream Chat users expect.
async fn default_grants_of_the_built_in_types(app: TestApp) {
    let t = app.tenant("Acme").await;
    for u in ["owner", "moder", "member", "outsider"] {
        t.create_user(u).await;
    }
    let [owner, moder, member, outsider] = [
        t.user("owner").await,
        t.user("moder").await,
        t.user("member").await,
        t.user("outsider").await,
    ];
    for kind in ["messaging", "team", "livestream"] {
        let (status, _) = send(
            owner
                .request(Method::POST, "/v1/channels")
                .json(&json!({"type": kind, "id": "c", "members": ["moder", "member"]})),
        )
        .await;
        assert_eq!(status, 201);
        let (status, _) = send(
            owner
                .request(
                    Method::PATCH,
                    &format!("/v1/channels/{kind}/c/members/moder"),
                )
                .json(&json!({"role": "moderator"})),
        )
        .await;
        assert_eq!(status, 200);
        let path = format!("{kind}/c");
        let (status, mine) = say(&member, &path, json!({"text": "mine"})).await;
        assert_eq!(status, 201, "{mine}");
        let (status, _) = say(&moder, &path, json!({"text": "theirs"})).await;
        assert_eq!(status, 201);
        let mine_id = mine["id"].as_str().unwrap();

        // A member edits and deletes their own message, not others'.
        let (status, _) = send(
            member
                .request(Method::PATCH, &format!("/v1/messages/{mine_id}"))
                .json(&json!({"text": "mine, edited"})),
        )
        .await;
        assert_eq!(status, 200);
        let (_, hist) =
            send(member.request(Method::GET, &format!("/v1/channels/{path}/messages"))).await;
        let theirs = hist["items"][1]["id"].as_str().unwrap().to_owned();
        denied(
            member
                .request(Method::PATCH, &format!("/v1/messages/{theirs}"))
                .json(&json!({"text": "hijacked"})),
            "edit_any_message",
        )
        .await;
        denied(
            member.request(Method::DELETE, &format!("/v1/messages/{theirs}")),
            "delete_any_message",
        )
        .await;
        // A moderator edits anyone's, updates the channel, but does not delete it.
        let (status, _) = send(
            moder
                .request(Method::PATCH, &format!("/v1/messages/{mine_id}"))
                .json(&json!({"text": "moderated"})),
        )
        .await;
        assert_eq!(status, 200);
        denied(
            member
                .request(Method::PATCH, &format!("/v1/channels/{path}"))
                .json(&json!({"name": "mine now"})),
            "update_channel",
        )
        .await;
        let (status, _) = send(
            moder
                .request(Method::PATCH, &format!("/v1/channels/{path}"))
                .json(&json!({"name": "named"})),
        )
        .await;
        assert_eq!(status, 200);
        denied(
            moder.request(Method::DELETE, &format!("/v1/channels/{path}")),
            "delete_channel",
        )
        .await;
        denied(
            member
                .request(Method::POST, &format!("/v1/channels/{path}/members"))
                .json(&json!({"user_ids": ["outsider"]})),
            "add_members",
        )
        .await;

        // Someone outside: `messaging` is closed; `team` and `livestream` are open to read
        // and to join, and a member's rights come with joining.
        let read = outsider.request(Method::GET, &format!("/v1/channels/{path}/messages"));
        if kind == "messaging" {
            expect_problem(read, 403, "not_a_member").await;
            expect_problem(
                outsider
                    .request(Method::POST, &format!("/v1/channels/{path}/members"))
                    .json(&json!({"user_ids": ["outsider"]})),
                403,
                "not_a_member",
            )
            .await;
        } else {
            let (status, _) = send(read).await;
            assert_eq!(status, 200);
            expect_problem(
                outsider
                    .request(Method::POST, &format!("/v1/channels/{path}/messages"))
                    .json(&json!({"text": "hi"})),
                403,
                "not_a_member",
            )
            .await;
            let (status, _) = send(
                outsider
                    .request(Method::POST, &format!("/v1/channels/{path}/members"))
                    .json(&json!({"user_ids": ["outsider"]})),
            )
            .await;
            assert_eq!(status, 200);
            let (status, _) = say(&outsider, &path, json!({"text": "joined"})).await;
            assert_eq!(status, 201);
        }
        let (status, _) =
            send(owner.request(Method::DELETE, &format!("/v1/channels/{path}"))).await;
        assert_eq!(status, 204);
    }
}

/// A custom type with its own grants and features; a change applies on the next request,
/// and a type in use cannot be deleted.
async fn custom_type_grants_and_features(app: TestApp) {
    let t = app.tenant("Acme").await;
    for u in ["agent", "customer"] {
        t.create_user(u).await;
    }
    let (status, support) = put_type(
        &t,
        "support",
        json!({
            "features": {"replies": false},
            "grants": {"member": ["read_channel", "send_message", "react", "edit_own_message"]}
        }),
    )
    .await;
    assert_eq!(status, 201, "{support}");
    assert_eq!(support["built_in"], false);
    assert_eq!(support["features"]["replies"], false);
    assert_eq!(
        support["features"]["reactions"], true,
        "the rest keeps messaging's defaults"
    );
    assert_eq!(
        support["grants"]["owner"],
        send(t.server(Method::GET, "/v1/channel-types/messaging"))
            .await
            .1["grants"]["owner"],
        "roles left out keep messaging's grants"
    );
    channel(&t, "support", "ticket-1", &["agent", "customer"]).await;
    let customer = t.user("customer").await;
    let (status, first) = say(&customer, "support/ticket-1", json!({"text": "help"})).await;
    assert_eq!(status, 201, "{first}");
    let first_id = first["id"].as_str().unwrap();
    expect_problem(
        customer
            .request(Method::POST, "/v1/channels/support/ticket-1/messages")
            .json(&json!({"text": "again", "parent_id": first_id})),
        403,
        "feature_disabled",
    )
    .await;
    denied(
        customer.request(Method::DELETE, &format!("/v1/messages/{first_id}")),
        "delete_own_message",
    )
    .await;
    let mut ws = customer.connect().await;
    ws.send(json!({"type": "typing.start", "cid": "support:ticket-1", "req_id": 1}))
        .await;
    let err = ws.expect("error").await;
    assert_eq!(err["code"], "forbidden", "{err}");
    assert_eq!(err["action"], "send_typing_events", "{err}");
    let (status, _) = send(
        customer
            .request(Method::POST, &format!("/v1/messages/{first_id}/reactions"))
            .json(&json!({"type": "like"})),
    )
    .await;
    assert_eq!(status, 201);

    // Reactions off and replies on: the next request sees it.
    let (status, changed) = put_type(
        &t,
        "support",
        json!({
            "features": {"reactions": false},
            "grants": {"member": ["read_channel", "send_message", "send_reply", "react", "delete_own_message"]}
        }),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    expect_problem(
        customer
            .request(Method::POST, &format!("/v1/messages/{first_id}/reactions"))
            .json(&json!({"type": "love"})),
        403,
        "feature_disabled",
    )
    .await;
    let (status, reply) = say(
        &customer,
        "support/ticket-1",
        json!({"text": "more", "parent_id": first_id}),
    )
    .await;
    assert_eq!(status, 201, "{reply}");
    let (status, _) =
        send(customer.request(Method::DELETE, &format!("/v1/messages/{first_id}"))).await;
    assert_eq!(status, 200);

    // In use: not deleted; once its channels are gone, it goes.
    expect_problem(
        t.server(Method::DELETE, "/v1/channel-types/support"),
        409,
        "channel_type_in_use",
    )
    .await;
    let (status, _) = send(t.server(Method::DELETE, "/v1/channels/support/ticket-1")).await;
    assert_eq!(status, 204);
    let (status, _) = send(t.server(Method::DELETE, "/v1/channel-types/support")).await;
    assert_eq!(status, 204);
    expect_problem(
        t.server(Method::GET, "/v1/channel-types/support"),
        404,
        "channel_type_not_found",
    )
    .await;
}

/// Changing a built-in type and putting it back; guests; the tenant server is never denied.
async fn built_in_changes_guests_and_the_server(app: TestApp) {
    let t = app.tenant("Acme").await;
    for u in ["alice", "bob", "visitor"] {
        t.create_user(u).await;
    }
    let (status, _) = send(
        t.server(Method::PATCH, "/v1/users/visitor")
            .json(&json!({"role": "guest"})),
    )
    .await;
    assert_eq!(status, 200);
    channel(&t, "messaging", "room", &["alice", "bob"]).await;
    channel(&t, "team", "lobby", &["alice"]).await;
    let alice = t.user("alice").await;
    let (_, msg) = say(&alice, "messaging/room", json!({"text": "hi"})).await;
    let id = msg["id"].as_str().unwrap();

    let (status, _) = put_type(
        &t,
        "messaging",
        json!({"grants": {"member": ["read_channel", "send_message"]}}),
    )
    .await;
    assert_eq!(status, 200, "a built-in type is changed, not created");
    denied(
        alice
            .request(Method::POST, &format!("/v1/messages/{id}/reactions"))
            .json(&json!({"type": "like"})),
        "react",
    )
    .await;
    // The tenant server is never denied, whatever the grants.
    let (status, _) = send(
        t.server(Method::POST, &format!("/v1/messages/{id}/reactions"))
            .json(&json!({"type": "like", "user_id": "bob"})),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = send(t.server(Method::DELETE, "/v1/channel-types/messaging")).await;
    assert_eq!(status, 204, "back to the defaults");
    let (_, back) = send(t.server(Method::GET, "/v1/channel-types/messaging")).await;
    assert!(back.get("updated_at").is_none(), "{back}");
    let (status, _) = send(
        alice
            .request(Method::POST, &format!("/v1/messages/{id}/reactions"))
            .json(&json!({"type": "like"})),
    )
    .await;
    assert_eq!(status, 201);

    // A guest reads open channels but creates none.
    let visitor = t.user("visitor").await;
    let (status, _) = send(visitor.request(Method::GET, "/v1/channels/team/lobby")).await;
    assert_eq!(status, 200);
    denied(
        visitor
            .request(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "members": ["alice"]})),
        "create_channel",
    )
    .await;
    // Granting it to guests lets them.
    let (status, _) = put_type(
        &t,
        "messaging",
        json!({"grants": {"guest": ["create_channel"]}}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = send(
        visitor
            .request(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "asked", "members": ["alice"]})),
    )
    .await;
    assert_eq!(status, 201);
}

/// `livestream` relays no typing: the refusal is an error frame on the WebSocket.
async fn livestream_refuses_typing_over_the_websocket(app: TestApp) {
    let t = app.tenant("Acme").await;
    t.create_user("alice").await;
    channel(&t, "livestream", "show", &["alice"]).await;
    let alice = t.user("alice").await;
    let mut ws = alice.connect().await;
    ws.send(json!({"type": "typing.start", "cid": "livestream:show", "req_id": 1}))
        .await;
    let err = ws.expect("error").await;
    assert_eq!(err["code"], "feature_disabled", "{err}");
    // Messages go through.
    let (status, _) = say(&alice, "livestream/show", json!({"text": "live"})).await;
    assert_eq!(status, 201);
    ws.expect("message.new").await;
}

on_both_backends!(
    built_ins_list_get_and_validation,
    default_grants_of_the_built_in_types,
    custom_type_grants_and_features,
    built_in_changes_guests_and_the_server,
    livestream_refuses_typing_over_the_websocket,
);
