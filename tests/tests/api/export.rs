//! A user's data export (`GET /v1/users/{user_id}/export`): every part of it, nothing of
//! anyone else's, who may ask, large exports streamed whole; and a hard delete that leaves no
//! row naming the user and no file of theirs.

use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::StreamExt;
use parley_core::users::export::{Part, WITHHELD};
use parley_tests::realtime::Sse;
use parley_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

use crate::media::{fetch, upload};

const GENERAL: &str = "/v1/channels/messaging/general/messages";

/// Sends and expects success; returns the body.
async fn ok(req: reqwest::RequestBuilder) -> Value {
    let (status, body) = send(req).await;
    assert!(status.is_success(), "{status} {body}");
    body
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

/// Reads `user`'s export and checks the answer's headers; returns the document.
async fn export_of(req: reqwest::RequestBuilder, user: &str) -> Value {
    export_with_text(req, user).await.0
}

/// [`export_of`], with the body as sent.
async fn export_with_text(req: reqwest::RequestBuilder, user: &str) -> (Value, String) {
    let res = req.send().await.expect("request");
    assert_eq!(res.status(), 200);
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(header("content-type").as_deref(), Some("application/json"));
    assert_eq!(
        header("content-disposition"),
        Some(format!("attachment; filename=\"user-{user}-export.json\""))
    );
    let text = res.text().await.expect("body");
    let doc = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (doc, text)
}

fn items<'a>(doc: &'a Value, part: &str) -> &'a Vec<Value> {
    doc[part]
        .as_array()
        .unwrap_or_else(|| panic!("`{part}` is not an array: {doc}"))
}

/// The document's keys: the profile, every part, the time; the same as the OpenAPI schema's.
fn assert_shape(doc: &Value) {
    let keys: BTreeSet<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected: BTreeSet<&str> = Part::ALL.iter().map(|p| p.name()).collect();
    expected.extend(["user", "exported_at"]);
    assert_eq!(keys, expected, "{doc}");
    let api: Value = serde_json::from_str(&parley_api::openapi::document_json()).unwrap();
    let documented: BTreeSet<&str> = api["components"]["schemas"]["UserExport"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, documented, "the document and its OpenAPI schema");
}

/// What the fixture made for alice, for the checks.
struct Alice {
    hello: String,
    reply: String,
    with_file: String,
    deleted: String,
    bobs: String,
    file: Value,
    file_bytes: Vec<u8>,
    device: &'static str,
}

/// Alice, in every table that can name a user: messages (one a thread reply, one with a
/// file, one deleted), reactions, memberships (member of `general`, owner of `hers`) with a
/// read position, a device, an upload, a report she made and one she resolved while an admin,
/// a report of her, a ban of her and one she imposed, mutes both ways, a pin, an SSE stream.
/// Bob and carol write things of their own that her export must not show.
async fn alice_everywhere(app: &TestApp, t: &Tenant) -> Alice {
    for u in ["alice", "bob", "carol"] {
        t.create_user(u).await;
    }
    ok(t.server(Method::POST, "/v1/channels").json(
        &json!({"type": "messaging", "id": "general", "members": ["alice", "bob", "carol"]}),
    ))
    .await;
    let alice = t.user("alice").await;
    let bob = t.user("bob").await;
    let say = async |who: &User, body: Value| {
        id(&ok(who.request(Method::POST, GENERAL).json(&body)).await)
    };

    let hello = say(&alice, json!({"text": "hello from alice"})).await;
    let bobs = say(&bob, json!({"text": "bob's secret plan"})).await;
    say(&bob, json!({"text": "carol, look", "mentions": ["carol"]})).await;
    let reply = say(
        &alice,
        json!({"text": "a reply in bob's thread", "parent_id": bobs}),
    )
    .await;
    let file_bytes = b"alice's notes\n".to_vec();
    let file = upload(&alice, "notes.txt", "text/plain", file_bytes.clone()).await;
    let with_file = say(
        &alice,
        json!({"text": "see attached", "attachments": [{"upload_id": file["upload_id"]}]}),
    )
    .await;
    let deleted = say(&alice, json!({"text": "regretted"})).await;
    ok(alice.request(Method::DELETE, &format!("/v1/messages/{deleted}"))).await;

    for (who, message, kind) in [
        (&alice, &bobs, "like"),
        (&alice, &hello, "heart"),
        (&bob, &hello, "wow"),
    ] {
        ok(who
            .request(Method::POST, &format!("/v1/messages/{message}/reactions"))
            .json(&json!({"type": kind})))
        .await;
    }
    ok(alice.request(Method::POST, &format!("/v1/messages/{bobs}/pin"))).await;
    ok(alice.request(Method::POST, "/v1/channels/messaging/general/read")).await;

    // Her own channel, where she bans bob.
    ok(alice
        .request(Method::POST, "/v1/channels")
        .json(&json!({"type": "messaging", "id": "hers", "members": ["bob"]})))
    .await;
    ok(alice
        .request(Method::POST, "/v1/channels/messaging/hers/bans")
        .json(&json!({"user_id": "bob", "reason": "alice's reason"})))
    .await;

    let device = "fcm-token-alice-0123456789abcdefghijklmnop";
    ok(alice
        .request(Method::POST, "/v1/devices")
        .json(&json!({"provider": "fcm", "token": device})))
    .await;
    ok(alice.request(Method::POST, "/v1/me/mutes/bob")).await;
    ok(bob.request(Method::POST, "/v1/me/mutes/alice")).await;
    // Blocks both ways, with dave (who shares no channel with her).
    t.create_user("dave").await;
    ok(alice.request(Method::POST, "/v1/me/blocks/dave")).await;
    let dave = t.user("dave").await;
    ok(dave.request(Method::POST, "/v1/me/blocks/alice")).await;

    // Reports: hers of bob's message (which she then resolves as an admin), bob's of hers.
    let flag = ok(alice
        .request(Method::POST, &format!("/v1/messages/{bobs}/flag"))
        .json(&json!({"reason": "rude"})))
    .await;
    ok(bob
        .request(Method::POST, &format!("/v1/messages/{hello}/flag"))
        .json(&json!({"reason": "bob reported this"})))
    .await;
    let role = |r: &str| {
        t.server(Method::PATCH, "/v1/users/alice")
            .json(&json!({"role": r}))
    };
    ok(role("admin")).await;
    ok(alice
        .request(Method::POST, &format!("/v1/flags/{}/resolve", id(&flag)))
        .json(&json!({"action": "dismiss"})))
    .await;
    ok(role("user")).await;

    // An event stream keeps her positions.
    let url = format!(
        "{}/v1/events?api_key={}&token={}",
        app.base, t.publishable_key, alice.token
    );
    let mut sse = Sse::open(&app.client, &url, None).await;
    sse.expect("connection.ready").await;
    drop(sse);

    // Last, as it shuts her out of `general`: carol's ban of her there.
    ok(t.server(Method::POST, "/v1/channels/messaging/general/bans")
        .json(&json!({"user_id": "alice", "reason": "spam", "timeout_s": 600, "banned_by": "carol"})))
    .await;

    Alice {
        hello,
        reply,
        with_file,
        deleted,
        bobs,
        file,
        file_bytes,
        device,
    }
}

async fn export_has_every_part_and_nothing_of_others(app: TestApp) {
    let t = app.tenant("Acme").await;
    let a = alice_everywhere(&app, &t).await;
    let alice = t.user("alice").await;
    let (doc, text) = export_with_text(
        alice.request(Method::GET, "/v1/users/alice/export"),
        "alice",
    )
    .await;
    assert_shape(&doc);

    assert_eq!(doc["user"]["id"], "alice");
    assert_eq!(doc["user"]["name"], "alice");
    assert_eq!(doc["user"]["role"], "user");
    assert!(doc["exported_at"].is_string());

    // Her messages, every one, deleted included; nobody else's.
    let messages = items(&doc, "messages");
    let ids: BTreeSet<&str> = messages.iter().map(|m| m["id"].as_str().unwrap()).collect();
    let expected: BTreeSet<&str> = [&a.hello, &a.reply, &a.with_file, &a.deleted]
        .into_iter()
        .map(String::as_str)
        .collect();
    assert_eq!(ids, expected, "{messages:?}");
    let by_id = |id: &str| messages.iter().find(|m| m["id"] == id).unwrap();
    assert_eq!(by_id(&a.hello)["text"], "hello from alice");
    assert_eq!(by_id(&a.hello)["deleted"], false);
    assert_eq!(by_id(&a.reply)["parent_id"], a.bobs.as_str());
    assert_eq!(by_id(&a.reply)["type"], "reply");
    let gone = by_id(&a.deleted);
    assert_eq!(
        (&gone["deleted"], &gone["type"]),
        (&json!(true), &json!("deleted"))
    );
    assert!(gone["deleted_at"].is_string());
    let attachment = &by_id(&a.with_file)["attachments"][0];
    assert_eq!(attachment["upload_id"], a.file["upload_id"]);
    let (status, _, bytes) = fetch(&attachment["url"]).await;
    assert_eq!((status.as_u16(), &bytes), (200, &a.file_bytes));

    // Her reactions, with their channels.
    let mut reactions: Vec<(String, String, String)> = items(&doc, "reactions")
        .iter()
        .map(|r| {
            (
                r["message_id"].as_str().unwrap().to_owned(),
                r["type"].as_str().unwrap().to_owned(),
                r["cid"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    reactions.sort();
    let mut expected = vec![
        (
            a.bobs.clone(),
            "like".to_owned(),
            "messaging:general".to_owned(),
        ),
        (
            a.hello.clone(),
            "heart".to_owned(),
            "messaging:general".to_owned(),
        ),
    ];
    expected.sort();
    assert_eq!(reactions, expected);

    // Memberships with roles and read state.
    let memberships = items(&doc, "memberships");
    let general = memberships
        .iter()
        .find(|m| m["cid"] == "messaging:general")
        .unwrap();
    assert_eq!(general["role"], "member");
    assert!(general["last_read_seq"].as_i64().unwrap() >= 4, "{general}");
    let hers = memberships
        .iter()
        .find(|m| m["cid"] == "messaging:hers")
        .unwrap();
    assert_eq!(hers["role"], "owner");
    assert_eq!(memberships.len(), 2);

    // The device with its token, the upload with a working URL.
    let devices = items(&doc, "devices");
    assert_eq!(devices.len(), 1);
    assert_eq!(
        (&devices[0]["provider"], &devices[0]["token"]),
        (&json!("fcm"), &json!(a.device))
    );
    let uploads = items(&doc, "uploads");
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0]["upload_id"], a.file["upload_id"]);
    assert_eq!(uploads[0]["message_id"], a.with_file.as_str());
    let (status, _, bytes) = fetch(&uploads[0]["get_url"]).await;
    assert_eq!((status.as_u16(), &bytes), (200, &a.file_bytes));

    // The report she made (not bob's of her), without who resolved it.
    let flags = items(&doc, "flags");
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(flags[0]["user_id"], "bob");
    assert_eq!(flags[0]["message_id"], a.bobs.as_str());
    assert_eq!(flags[0]["reason"], "rude");
    assert_eq!(flags[0]["status"], "resolved");
    assert_eq!(flags[0]["resolution"], "dismiss");
    assert!(flags[0].get("resolved_by").is_none() && flags[0].get("created_by").is_none());

    // The ban of her (not the one she imposed), without who imposed it.
    let bans = items(&doc, "bans");
    assert_eq!(bans.len(), 1, "{bans:?}");
    assert_eq!(bans[0]["cid"], "messaging:general");
    assert_eq!(bans[0]["reason"], "spam");
    assert!(bans[0]["expires_at"].is_string());
    assert!(bans[0].get("created_by").is_none());

    // The mute she made, not bob's of her.
    let mutes = items(&doc, "mutes");
    assert_eq!(mutes.len(), 1);
    assert_eq!(mutes[0]["target_id"], "bob");
    // The block she made, not dave's of her.
    let blocks = items(&doc, "blocks");
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0]["target_id"], "dave");

    // Nothing others wrote or decided about her.
    for secret in [
        "bob's secret plan",
        "carol, look",
        "bob reported this",
        "alice's reason",
        "carol",
    ] {
        assert!(!text.contains(secret), "`{secret}` leaked into {text}");
    }

    // The tenant server and the user see the same export.
    let by_server = export_of(t.server(Method::GET, "/v1/users/alice/export"), "alice").await;
    for part in Part::ALL {
        assert_eq!(
            items(&by_server, part.name()).len(),
            items(&doc, part.name()).len(),
            "{}",
            part.name()
        );
    }
}

async fn only_the_server_admins_and_the_user_may_export(app: TestApp) {
    let t = app.tenant("Acme").await;
    for u in ["alice", "bob"] {
        t.create_user(u).await;
    }
    ok(t.server(Method::PUT, "/v1/users/dana")
        .json(&json!({"role": "admin"})))
    .await;
    let bob = t.user("bob").await;
    let denied = expect_problem(
        bob.request(Method::GET, "/v1/users/alice/export"),
        403,
        "forbidden",
    )
    .await;
    assert_eq!(denied["action"], "export_user");
    // Asked about a user who does not exist, a user learns nothing more.
    expect_problem(
        bob.request(Method::GET, "/v1/users/nobody/export"),
        403,
        "forbidden",
    )
    .await;
    expect_problem(
        t.server(Method::GET, "/v1/users/nobody/export"),
        404,
        "user_not_found",
    )
    .await;
    let other = app.tenant("Other").await;
    expect_problem(
        other.server(Method::GET, "/v1/users/alice/export"),
        404,
        "user_not_found",
    )
    .await;
    expect_problem(
        app.request(Method::GET, "/v1/users/alice/export"),
        401,
        "missing_credentials",
    )
    .await;
    let dana = t.user("dana").await;
    let doc = export_of(dana.request(Method::GET, "/v1/users/alice/export"), "alice").await;
    assert_eq!(doc["user"]["id"], "alice");

    // A user new to the app has every part, empty.
    let newcomer = t.user("newcomer").await;
    let doc = export_of(
        newcomer.request(Method::GET, "/v1/users/newcomer/export"),
        "newcomer",
    )
    .await;
    assert_shape(&doc);
    for part in Part::ALL {
        assert!(
            items(&doc, part.name()).is_empty(),
            "{}: {doc}",
            part.name()
        );
    }

    // A user banned from the app is refused everywhere; the tenant server exports them.
    ok(t.server(Method::POST, "/v1/users/bob/ban")
        .json(&json!({"reason": "spam"})))
    .await;
    expect_problem(
        bob.request(Method::GET, "/v1/users/bob/export"),
        403,
        "user_banned",
    )
    .await;
    let doc = export_of(t.server(Method::GET, "/v1/users/bob/export"), "bob").await;
    let bans = items(&doc, "bans");
    assert_eq!(bans.len(), 1);
    assert!(bans[0]["cid"].is_null(), "an app-wide ban: {doc}");
}

/// More rows than a page in the biggest parts (1,200 messages, 600 reactions whose page
/// boundary falls between two reactions to one message): every row once, in a chunked body.
async fn large_exports_stream_every_row(app: TestApp) {
    let t = app.tenant("Acme").await;
    for u in ["alice", "bob"] {
        t.create_user(u).await;
    }
    ok(t.server(Method::POST, "/v1/channels")
        .json(&json!({"type": "messaging", "id": "general", "members": ["alice", "bob"]})))
    .await;
    let sent: Vec<String> = futures_util::stream::iter(0..1_200)
        .map(|i| {
            let t = t.clone();
            async move {
                id(&ok(t
                    .server(Method::POST, GENERAL)
                    .json(&json!({"text": format!("message {i}"), "user_id": "alice"})))
                .await)
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let reacted: Vec<(String, String)> = sent[..200]
        .iter()
        .flat_map(|m| ["a", "b", "c"].map(|kind| (m.clone(), kind.to_owned())))
        .collect();
    futures_util::stream::iter(reacted.clone())
        .map(|(message, kind)| {
            let t = t.clone();
            async move {
                ok(
                    t.server(Method::POST, &format!("/v1/messages/{message}/reactions"))
                        .json(&json!({"type": kind, "user_id": "alice"})),
                )
                .await
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;

    let res = t
        .server(Method::GET, "/v1/users/alice/export")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers().get("content-length").is_none(),
        "the body is streamed, not sized up front: {:?}",
        res.headers()
    );
    let doc: Value = res.json().await.unwrap();
    let got: Vec<&str> = items(&doc, "messages")
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(got.len(), 1_200, "every message once");
    let got: BTreeSet<&str> = got.into_iter().collect();
    let expected: BTreeSet<&str> = sent.iter().map(String::as_str).collect();
    assert_eq!(got, expected);
    let got: Vec<(String, String)> = items(&doc, "reactions")
        .iter()
        .map(|r| {
            (
                r["message_id"].as_str().unwrap().to_owned(),
                r["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(got.len(), 600, "every reaction once");
    let got: BTreeSet<_> = got.into_iter().collect();
    assert_eq!(got, reacted.into_iter().collect());
}

/// A failure after the first byte can no longer change the status: the body is cut short,
/// never a document that looks complete.
async fn a_failure_part_way_cuts_the_body_short(app: TestApp) {
    use sea_orm::ConnectionTrait;
    let t = app.tenant("Acme").await;
    t.create_user("alice").await;
    // The last part's table is gone: the checks and the first parts pass, the last one fails.
    app.db()
        .execute_unprepared("DROP TABLE user_mutes")
        .await
        .unwrap();
    let res = t
        .server(Method::GET, "/v1/users/alice/export")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    match res.bytes().await {
        Ok(body) => panic!(
            "the body ended normally: {}",
            String::from_utf8_lossy(&body)
        ),
        Err(e) => assert!(e.is_body() || e.is_decode(), "{e:?}"),
    }
}

/// After a hard delete nothing names her: every column that named her before (the fixture
/// reaches all of them, so the check cannot pass by having nothing to check) names her no
/// more, her file is gone from the store, and there is nothing left to export.
async fn hard_delete_leaves_nothing_the_export_showed(app: TestApp) {
    let t = app.tenant("Acme").await;
    let a = alice_everywhere(&app, &t).await;
    let before = user_rows(app.db(), &t.id, "alice").await;
    let missing: Vec<&String> = before
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(c, _)| c)
        .collect();
    assert!(
        missing.is_empty(),
        "the fixture should put alice in every column that names a user: {missing:?}"
    );
    let doc = export_of(t.server(Method::GET, "/v1/users/alice/export"), "alice").await;
    let file_url = items(&doc, "uploads")[0]["get_url"].clone();
    assert_eq!(fetch(&file_url).await.0, 200);

    let (status, body) = send(t.server(Method::DELETE, "/v1/users/alice?mode=hard")).await;
    assert_eq!(status, 204, "{body}");
    let left: Vec<(String, i64)> = user_rows(app.db(), &t.id, "alice")
        .await
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect();
    assert!(left.is_empty(), "rows still naming alice: {left:?}");
    assert_eq!(
        count(
            app.db(),
            "SELECT COUNT(*) FROM users WHERE tenant_id = ? AND id = 'alice'",
            [t.id.as_str().into()]
        )
        .await,
        0
    );
    let media = &app.running.as_ref().unwrap().ctx.media;
    let key = format!("{}/{}", t.id, a.file["upload_id"].as_str().unwrap());
    eventually(
        "her file gone from the store",
        Duration::from_secs(10),
        async || match media.size_of(&key).await.unwrap() {
            None => Ok(()),
            Some(n) => Err(format!("{n} bytes still stored")),
        },
    )
    .await;
    assert_eq!(fetch(&file_url).await.0, 404, "her file's URL is dead");
    expect_problem(
        t.server(Method::GET, "/v1/users/alice/export"),
        404,
        "user_not_found",
    )
    .await;
    // Bob's message she reacted to and pinned stays, without her.
    let (_, bobs) = send(t.server(Method::GET, &format!("/v1/messages/{}", a.bobs))).await;
    assert_eq!(bobs["text"], "bob's secret plan");
    assert!(bobs["pinned_by"].is_null(), "{bobs}");
}

/// Every column of the delete registry that names a user is read by a part of the export or
/// withheld with a reason; a table of user data added to the registry fails here until the
/// export shows it or says why not.
#[test]
fn every_user_column_of_the_registry_is_exported_or_withheld() {
    use parley_core::entities::owned::TABLES;
    let registered: BTreeSet<(&str, &str)> = TABLES
        .iter()
        .flat_map(|t| t.users.iter().map(|(c, _)| (t.table, *c)))
        .collect();
    let exported: BTreeSet<(&str, &str)> = Part::ALL.iter().map(|p| p.source()).collect();
    let withheld: BTreeSet<(&str, &str)> = WITHHELD.iter().map(|(t, c, _)| (*t, *c)).collect();
    assert_eq!(exported.len(), Part::ALL.len(), "two parts read one column");
    assert_eq!(withheld.len(), WITHHELD.len(), "a column withheld twice");
    assert!(
        exported.is_disjoint(&withheld),
        "both exported and withheld: {:?}",
        exported.intersection(&withheld).collect::<Vec<_>>()
    );
    let covered: BTreeSet<(&str, &str)> = exported.union(&withheld).copied().collect();
    assert_eq!(
        registered.difference(&covered).collect::<Vec<_>>(),
        Vec::<&(&str, &str)>::new(),
        "columns naming a user that the export neither shows nor withholds"
    );
    assert_eq!(
        covered.difference(&registered).collect::<Vec<_>>(),
        Vec::<&(&str, &str)>::new(),
        "columns the export names that the registry does not"
    );
    for (table, column, why) in WITHHELD {
        assert!(!why.trim().is_empty(), "{table}.{column}: no reason");
    }
}

on_both_backends!(
    export_has_every_part_and_nothing_of_others,
    only_the_server_admins_and_the_user_may_export,
    large_exports_stream_every_row,
    a_failure_part_way_cuts_the_body_short,
    hard_delete_leaves_nothing_the_export_showed,
);
