//! The operator API: tenants and keys.

use parley_tests::*;
use reqwest::Method;
use serde_json::json;

async fn tenant_lifecycle(app: TestApp) {
    let t = app.tenant("Acme").await;
    let (status, body) = send(app.admin(Method::GET, &format!("/admin/v1/tenants/{}", t.id))).await;
    assert_eq!(status, 200);
    assert_eq!(body["name"], "Acme");
    assert_eq!(body["disabled"], false);

    let (status, body) = send(
        app.admin(Method::PATCH, &format!("/admin/v1/tenants/{}", t.id))
            .json(&json!({"name": "Acme Inc"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "Acme Inc");

    let other = app.tenant("Globex").await;
    let (_, list) = send(app.admin(Method::GET, "/admin/v1/tenants?limit=1")).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let cursor = list["next_cursor"]
        .as_str()
        .expect("a second page")
        .to_owned();
    let (_, page2) = send(app.admin(
        Method::GET,
        &format!("/admin/v1/tenants?limit=1&cursor={cursor}"),
    ))
    .await;
    let ids: Vec<&str> = [&list, &page2]
        .iter()
        .map(|p| p["items"][0]["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&t.id.as_str()) && ids.contains(&other.id.as_str()),
        "{ids:?}"
    );
    assert!(page2["next_cursor"].is_null());

    // Disabled: keys stop working; enabled again: they work.
    send(
        app.admin(Method::PATCH, &format!("/admin/v1/tenants/{}", t.id))
            .json(&json!({"disabled": true})),
    )
    .await;
    expect_problem(t.server(Method::GET, "/v1/app"), 403, "tenant_disabled").await;
    send(
        app.admin(Method::PATCH, &format!("/admin/v1/tenants/{}", t.id))
            .json(&json!({"disabled": false})),
    )
    .await;
    let (status, _) = send(t.server(Method::GET, "/v1/app")).await;
    assert_eq!(status, 200);

    // Deleted: gone, with its data; the other tenant is untouched.
    fill(&t).await;
    fill(&other).await;
    let before = tenant_rows(app.db(), &t.id).await;
    for table in [
        "api_keys",
        "channel_events",
        "channels",
        "devices",
        "members",
        "messages",
        "outbox",
        "reactions",
        "uploads",
        "user_mutes",
        "users",
        "webhooks",
    ] {
        assert!(
            before.get(table).is_some_and(|n| *n > 0),
            "the tenant had no {table} rows to delete: {before:?}"
        );
    }
    let kept = tenant_rows(app.db(), &other.id).await;
    let (status, _) = send(app.admin(Method::DELETE, &format!("/admin/v1/tenants/{}", t.id))).await;
    assert_eq!(status, 204);
    // Every row goes; the jobs deleting its stored media objects last until they ran.
    eventually(
        "no row of the deleted tenant left",
        std::time::Duration::from_secs(20),
        async || {
            let after = tenant_rows(app.db(), &t.id).await;
            if after.values().all(|n| *n == 0) {
                Ok(())
            } else {
                Err(format!("{after:?}"))
            }
        },
    )
    .await;
    let (tenants,): (i64,) = {
        use sea_orm::{ConnectionTrait, Statement};
        let db = app.db();
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                db.get_database_backend(),
                match db.get_database_backend() {
                    sea_orm::DbBackend::Sqlite => "SELECT COUNT(*) AS n FROM tenants WHERE id = ?",
                    _ => "SELECT COUNT(*) AS n FROM tenants WHERE id = $1",
                },
                [t.id.as_str().into()],
            ))
            .await
            .unwrap()
            .unwrap();
        (row.try_get("", "n").unwrap(),)
    };
    assert_eq!(tenants, 0, "the tenant row is gone");
    // The other tenant keeps every row (its webhook's retries may add attempts meanwhile).
    let still = tenant_rows(app.db(), &other.id).await;
    for (table, n) in &kept {
        assert!(
            still.get(table).is_some_and(|now| now >= n),
            "the other tenant lost {table} rows: {kept:?} then {still:?}"
        );
    }
    expect_problem(
        app.admin(Method::GET, &format!("/admin/v1/tenants/{}", t.id)),
        404,
        "tenant_not_found",
    )
    .await;
    expect_problem(
        t.server(Method::GET, "/v1/users/alice"),
        401,
        "invalid_api_key",
    )
    .await;
    let (status, _) = send(other.server(Method::GET, "/v1/app")).await;
    assert_eq!(status, 200);
}

/// Gives a tenant rows in most of its tables: users, a channel with messages and a
/// reaction, a mute, a device, a webhook (and its queued deliveries), an upload.
async fn fill(t: &Tenant) {
    for u in ["alice", "bob"] {
        t.create_user(u).await;
    }
    let ok = |status: reqwest::StatusCode, body: &serde_json::Value| {
        assert!(status.is_success(), "{status} {body}");
    };
    let (status, body) = send(
        t.server(Method::POST, "/v1/webhooks")
            .json(&json!({"url": "http://127.0.0.1:9/hook"})),
    )
    .await;
    ok(status, &body);
    let (status, body) = send(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "room", "members": ["alice", "bob"]})),
    )
    .await;
    ok(status, &body);
    let (status, m) = send(
        t.server(Method::POST, "/v1/channels/messaging/room/messages")
            .json(&json!({"text": "hello", "user_id": "alice"})),
    )
    .await;
    ok(status, &m);
    let bob = t.user("bob").await;
    let (status, body) = send(
        bob.request(
            Method::POST,
            &format!("/v1/messages/{}/reactions", m["id"].as_str().unwrap()),
        )
        .json(&json!({"type": "like"})),
    )
    .await;
    ok(status, &body);
    let (status, body) = send(bob.request(Method::POST, "/v1/me/mutes/alice")).await;
    ok(status, &body);
    let (status, body) =
        send(bob.request(Method::POST, "/v1/devices").json(
            &json!({"provider": "fcm", "token": "fcm-token-bob-0123456789abcdefghijklmnopq"}),
        ))
        .await;
    ok(status, &body);
    let (status, body) = send(
        bob.request(Method::POST, "/v1/uploads")
            .json(&json!({"filename": "a.txt", "content_type": "text/plain", "size": 2})),
    )
    .await;
    ok(status, &body);
}

async fn keys_are_created_listed_and_revoked(app: TestApp) {
    let t = app.tenant("Acme").await;
    let (status, created) = send(
        app.admin(Method::POST, &format!("/admin/v1/tenants/{}/keys", t.id))
            .json(&json!({"kind": "secret", "name": "ci"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("sk_"));
    let key_id = created["id"].as_str().unwrap().to_owned();

    // The new key works, and its use is recorded.
    let res = t
        .client
        .get(format!("{}/v1/app", app.base))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, keys) = send(app.admin(Method::GET, &format!("/admin/v1/tenants/{}/keys", t.id))).await;
    let keys = keys.as_array().unwrap();
    assert_eq!(keys.len(), 3, "default pk + sk + the new one");
    let listed = keys.iter().find(|k| k["id"] == key_id.as_str()).unwrap();
    assert!(listed["last_used_at"].is_string(), "{listed}");
    assert!(
        listed.get("key").is_none() && listed.get("secret_hash").is_none(),
        "secrets never listed: {listed}"
    );

    // Revoked: refused at once.
    let (status, _) = send(app.admin(
        Method::DELETE,
        &format!("/admin/v1/tenants/{}/keys/{key_id}", t.id),
    ))
    .await;
    assert_eq!(status, 204);
    expect_problem(
        t.client
            .get(format!("{}/v1/app", app.base))
            .bearer_auth(&key),
        401,
        "invalid_api_key",
    )
    .await;
    expect_problem(
        app.admin(
            Method::DELETE,
            &format!("/admin/v1/tenants/{}/keys/nope", t.id),
        ),
        404,
        "key_not_found",
    )
    .await;

    // A key is hashed at rest: the database never holds it.
    let db = &app.running.as_ref().unwrap().ctx.db;
    use sea_orm::{ConnectionTrait, Statement};
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT secret_hash FROM api_keys",
        ))
        .await
        .unwrap();
    for row in rows {
        let stored: String = row.try_get_by_index(0).unwrap();
        assert_ne!(stored, key);
        assert!(!stored.contains(&key[3..]));
    }
}

async fn operator_token_is_required(app: TestApp) {
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
    let t = app.tenant("Acme").await;
    expect_problem(
        app.request(Method::GET, "/admin/v1/tenants")
            .bearer_auth(&t.secret_key),
        401,
        "invalid_admin_token",
    )
    .await;
    expect_problem(
        app.admin(Method::POST, "/admin/v1/tenants")
            .json(&json!({"name": ""})),
        400,
        "invalid_request",
    )
    .await;
}

#[test]
fn generated_operator_token_is_private() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let app = TestApp::spawn(Backend::Sqlite).await;
        let path = app.data_dir.path().join("admin-token");
        let token = std::fs::read_to_string(&path).unwrap();
        assert_eq!(token.trim(), app.admin_token);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    });
}

on_both_backends!(
    tenant_lifecycle,
    keys_are_created_listed_and_revoked,
    operator_token_is_required
);
