//! Push end to end, against the APNs (HTTP/2, TLS, ES256) and FCM (OAuth2 + HTTP v1)
//! stand-ins: credentials sealed and never returned, offline members only, muted channels and
//! muted senders respected, dead tokens removed, passing failures retried, test sends.

use std::time::Duration;

use parley_tests::standins::Reply;
use parley_tests::standins::apns::ApnsStandIn;
use parley_tests::standins::fcm::FcmStandIn;
use parley_tests::*;
use reqwest::Method;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(20);

fn apns_token(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

struct Setup {
    app: TestApp,
    t: Tenant,
    apns: ApnsStandIn,
    fcm: FcmStandIn,
}

async fn setup(backend: Backend) -> Setup {
    let apns = ApnsStandIn::start("KEY1234567", "TEAM123456", "com.example.chat").await;
    let fcm = FcmStandIn::start("example-chat").await;
    let ca = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(ca.path(), apns.ca_pem()).unwrap();
    let (apns_url, fcm_url) = (apns.url(), fcm.url());
    let ca_path = ca.into_temp_path().keep().unwrap();
    let app = TestApp::spawn_with(backend, move |c| {
        c.worker.apns_url = Some(apns_url);
        c.worker.fcm_url = Some(fcm_url);
        c.worker.push_ca_file = Some(ca_path);
    })
    .await;
    let t = app.tenant("Acme").await;
    let creds = apns.credentials();
    let (status, body) = send(t.server(Method::PUT, "/v1/push/apns").json(&json!({
        "p8_key": creds.key_p8, "key_id": creds.key_id, "team_id": creds.team_id,
        "bundle_id": creds.bundle_id, "sandbox": false
    })))
    .await;
    assert_eq!(status, 200, "{body}");
    let sa: Value = serde_json::from_str(&fcm.service_account_json()).unwrap();
    let (status, body) = send(
        t.server(Method::PUT, "/v1/push/fcm")
            .json(&json!({"service_account": sa})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    Setup { app, t, apns, fcm }
}

async fn device(t: &Tenant, user: &str, provider: &str, token: &str) {
    let (status, body) = send(
        t.server(Method::POST, "/v1/devices")
            .json(&json!({"provider": provider, "token": token, "user_id": user})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

async fn offline_members_get_pushed(backend: Backend) {
    let Setup { app, t, apns, fcm } = setup(backend).await;
    // The credentials are shown without their secrets.
    let (_, cfg) = send(t.server(Method::GET, "/v1/push")).await;
    assert_eq!(cfg["apns"]["bundle_id"], "com.example.chat");
    assert_eq!(cfg["fcm"]["project_id"], "example-chat");
    let text = cfg.to_string();
    assert!(!text.contains("PRIVATE KEY"), "{text}");

    for u in ["alice", "bob", "carol", "dave", "erin", "frank", "gina"] {
        t.create_user(u).await;
    }
    let (status, body) = send(t.server(Method::POST, "/v1/channels").json(&json!({
        "type": "messaging", "id": "team", "name": "Team",
        "members": ["alice", "bob", "carol", "dave", "erin", "frank", "gina"]
    })))
    .await;
    assert_eq!(status, 201, "{body}");
    device(&t, "alice", "apns", &apns_token(1)).await;
    device(&t, "bob", "apns", &apns_token(2)).await;
    device(
        &t,
        "carol",
        "fcm",
        "fcm-token-carol-0123456789abcdefghijklmnopqrstuv",
    )
    .await;
    device(&t, "dave", "apns", &apns_token(4)).await;
    device(&t, "erin", "apns", &apns_token(5)).await;
    device(
        &t,
        "frank",
        "fcm",
        "fcm-token-frank-0123456789abcdefghijklmnopqrstuv",
    )
    .await;
    device(&t, "gina", "apns", &apns_token(7)).await;
    apns.mark_unregistered(&apns_token(7));
    // dave is online; erin muted the channel; frank muted alice.
    let _dave = t.user("dave").await.connect().await;
    let erin = t.user("erin").await;
    let (status, m) = send(erin.request(Method::POST, "/v1/channels/messaging/team/mute")).await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["muted"], true);
    let frank = t.user("frank").await;
    let (status, _) = send(frank.request(Method::POST, "/v1/me/mutes/alice")).await;
    assert_eq!(status, 200);
    // A silent message is stored but raises no badge: bob's first badge counts one unread.
    let (status, silent) = send(
        t.server(Method::POST, "/v1/channels/messaging/team/messages")
            .json(&json!({"text": "earlier", "user_id": "carol", "silent": true})),
    )
    .await;
    assert_eq!(status, 201, "{silent}");
    assert_eq!(silent["silent"], true, "{silent}");

    let (status, m) = send(
        t.server(Method::POST, "/v1/channels/messaging/team/messages")
            .json(&json!({"text": "hello team", "user_id": "alice"})),
    )
    .await;
    assert_eq!(status, 201);
    let mid = m["id"].as_str().unwrap().to_owned();

    eventually("bob's and carol's notifications", WAIT, async || {
        if apns.delivered().len() == 1 && fcm.delivered().len() == 1 {
            return Ok(());
        }
        let (_, jobs) = send(app.admin(Method::GET, "/admin/v1/jobs")).await;
        Err(format!(
            "apns {:?}, fcm {:?}, jobs {jobs}",
            apns.requests(),
            fcm.requests()
        ))
    })
    .await;
    // gina's dead token was tried and removed.
    eventually("gina's token tried", WAIT, async || {
        let tried = apns
            .requests()
            .iter()
            .any(|r| r.device_token == apns_token(7) && r.status == 410);
        if tried {
            Ok(())
        } else {
            Err(format!("{:?}", apns.requests()))
        }
    })
    .await;
    eventually("dead token removed", WAIT, async || {
        let (_, gina_devices) = send(t.server(Method::GET, "/v1/devices?user_id=gina")).await;
        if gina_devices["items"] == json!([]) {
            Ok(())
        } else {
            Err(gina_devices.to_string())
        }
    })
    .await;

    let a = &apns.delivered()[0];
    assert_eq!(a.device_token, apns_token(2), "only bob on APNs");
    assert_eq!(a.headers["apns-topic"], "com.example.chat");
    assert_eq!(a.headers["apns-push-type"], "alert");
    assert_eq!(a.headers["apns-collapse-id"], "messaging:team");
    assert_eq!(a.payload["aps"]["alert"]["title"], "Team");
    assert_eq!(a.payload["aps"]["alert"]["body"], "alice: hello team");
    assert_eq!(a.payload["aps"]["badge"], 1);
    assert_eq!(a.payload["cid"], "messaging:team");
    assert_eq!(a.payload["message_id"], mid.as_str());
    let f = &fcm.delivered()[0];
    assert_eq!(
        f.device_token, "fcm-token-carol-0123456789abcdefghijklmnopqrstuv",
        "only carol on FCM"
    );
    assert_eq!(f.message["notification"]["title"], "Team");
    assert_eq!(f.message["data"]["cid"], "messaging:team");
    assert_eq!(f.message["data"]["message_id"], mid.as_str());
    // Nobody else was pushed: not the sender, the online, the muting.
    let pushed: Vec<String> = apns
        .requests()
        .iter()
        .map(|r| r.device_token.clone())
        .collect();
    for skipped in [1, 4, 5] {
        assert!(!pushed.contains(&apns_token(skipped)), "{pushed:?}");
    }
    assert!(
        fcm.requests().iter().all(|r| r.device_token.as_deref()
            != Some("fcm-token-frank-0123456789abcdefghijklmnopqrstuv"))
    );

    // A passing failure is retried for that device alone.
    apns.script(&apns_token(2), [Reply::status(503), Reply::status(503)]);
    let (status, body) = send(
        t.server(Method::POST, "/v1/channels/messaging/team/messages")
            .json(&json!({"text": "again", "user_id": "alice"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    eventually(
        "bob's second notification after two 503s",
        WAIT,
        async || {
            if apns.delivered().len() == 2 && fcm.delivered().len() == 2 {
                Ok(())
            } else {
                Err(format!("{:?}", apns.requests()))
            }
        },
    )
    .await;
    assert_eq!(apns.delivered()[1].payload["aps"]["badge"], 2);
    assert_eq!(fcm.delivered().len(), 2, "carol was not pushed twice");

    // A test push reports each device.
    let (status, r) = send(
        t.server(Method::POST, "/v1/push/test")
            .json(&json!({"user_id": "bob"})),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["results"][0]["result"], "delivered", "{r}");
    assert_eq!(r["results"][0]["provider"], "apns");
    drop(app);
}

async fn credentials_and_devices_are_checked(backend: Backend) {
    let Setup { app, t, .. } = setup(backend).await;
    expect_problem(
        t.server(Method::PUT, "/v1/push/apns").json(&json!({
            "p8_key": "not a key", "key_id": "K", "team_id": "T", "bundle_id": "b"
        })),
        400,
        "invalid_request",
    )
    .await;
    expect_problem(
        t.server(Method::PUT, "/v1/push/fcm")
            .json(&json!({"service_account": {"type": "service_account"}})),
        400,
        "invalid_request",
    )
    .await;
    t.create_user("bob").await;
    expect_problem(
        t.server(Method::POST, "/v1/devices")
            .json(&json!({"provider": "apns", "token": "xyz", "user_id": "bob"})),
        400,
        "invalid_request",
    )
    .await;
    // A user registers their own device and sees only theirs; another tenant sees nothing.
    let bob = t.user("bob").await;
    let (status, _) = send(
        bob.request(Method::POST, "/v1/devices")
            .json(&json!({"provider": "apns", "token": apns_token(9)})),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = send(
        bob.request(Method::POST, "/v1/devices")
            .json(&json!({"provider": "apns", "token": apns_token(9)})),
    )
    .await;
    assert_eq!(status, 200, "registering again is idempotent");
    let (_, list) = send(bob.request(Method::GET, "/v1/devices")).await;
    assert_eq!(list["items"][0]["token"], apns_token(9));
    let other = app.tenant("Globex").await;
    other.create_user("bob").await;
    let (_, list) = send(other.server(Method::GET, "/v1/devices?user_id=bob")).await;
    assert_eq!(list["items"], json!([]));
    expect_problem(
        other.server(Method::DELETE, &format!("/v1/devices/{}", apns_token(9))),
        404,
        "device_not_found",
    )
    .await;
    expect_problem(
        other
            .server(Method::POST, "/v1/push/test")
            .json(&json!({"user_id": "bob"})),
        409,
        "push_not_configured",
    )
    .await;
    let (status, _) =
        send(bob.request(Method::DELETE, &format!("/v1/devices/{}", apns_token(9)))).await;
    assert_eq!(status, 204);
    let (status, _) = send(t.server(Method::DELETE, "/v1/push/fcm")).await;
    assert_eq!(status, 204);
    let (_, cfg) = send(t.server(Method::GET, "/v1/push")).await;
    assert!(cfg["fcm"].is_null() && cfg["apns"].is_object(), "{cfg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_members_get_pushed_sqlite() {
    offline_members_get_pushed(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_members_get_pushed_postgres() {
    offline_members_get_pushed(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_and_devices_are_checked_sqlite() {
    credentials_and_devices_are_checked(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_and_devices_are_checked_postgres() {
    credentials_and_devices_are_checked(Backend::Postgres).await;
}
