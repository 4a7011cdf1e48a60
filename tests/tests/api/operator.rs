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
    t.create_user("alice").await;
    let (status, _) = send(app.admin(Method::DELETE, &format!("/admin/v1/tenants/{}", t.id))).await;
    assert_eq!(status, 204);
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
