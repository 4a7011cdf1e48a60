//! Webhooks end to end: a real receiver on loopback verifies every Standard Webhooks
//! signature with its own verifier; events arrive for every type, in per-channel order, and
//! none is lost while the receiver is down; 410 and persistent failure disable an endpoint;
//! dead deliveries are listed and retried; private addresses are refused; two separate
//! `parley worker` processes on PostgreSQL deliver each job once; the before-send hook accepts,
//! rejects and rewrites.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use parley_tests::webhooks::{Received, Receiver};
use parley_tests::*;
use reqwest::Method;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);

async fn hook(t: &Tenant, url: &str, types: Value) -> (String, String) {
    let (status, body) = send(
        t.server(Method::POST, "/v1/webhooks")
            .json(&json!({"url": url, "event_types": types})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let secret = body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    (body["id"].as_str().unwrap().to_owned(), secret)
}

async fn receiver_for(t: &Tenant, types: Value) -> (Arc<Receiver>, String) {
    let r = Receiver::start().await;
    let (id, secret) = hook(t, &r.url(), types).await;
    r.set_secret(&secret);
    (r, id)
}

async fn say(t: &Tenant, cid_path: &str, user: &str, text: &str) -> Value {
    let (status, m) = send(
        t.server(Method::POST, &format!("/v1/channels/{cid_path}/messages"))
            .json(&json!({"text": text, "user_id": user})),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    m
}

fn types(got: &[Received]) -> HashSet<String> {
    got.iter().map(|r| r.event_type().to_owned()).collect()
}

async fn every_event_type_arrives_signed(app: TestApp) {
    let t = app.tenant("Acme").await;
    let (r, hook_id) = receiver_for(&t, json!([])).await;
    // The secret is shown once: reading the endpoint does not return it.
    let (_, got) = send(t.server(Method::GET, &format!("/v1/webhooks/{hook_id}"))).await;
    assert!(got.get("secret").is_none(), "{got}");
    assert_eq!(got["enabled"], true);
    for u in ["alice", "bob", "eve"] {
        t.create_user(u).await;
    }
    let alice = t.user("alice").await;
    let bob = t.user("bob").await;
    // Every step must succeed, or an event would be missing for the wrong reason.
    let ok = |(status, body): (reqwest::StatusCode, Value)| {
        assert!(status.is_success(), "{status} {body}");
    };
    ok(send(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "room", "members": ["alice", "bob"]})),
    )
    .await);
    let m = say(&t, "messaging/room", "alice", "hello").await;
    let id = m["id"].as_str().unwrap();
    ok(send(
        alice
            .request(Method::PATCH, &format!("/v1/messages/{id}"))
            .json(&json!({"text": "hello!"})),
    )
    .await);
    ok(send(
        bob.request(Method::POST, &format!("/v1/messages/{id}/reactions"))
            .json(&json!({"type": "like"})),
    )
    .await);
    ok(send(bob.request(Method::DELETE, &format!("/v1/messages/{id}/reactions/like"))).await);
    ok(send(
        t.server(Method::PATCH, "/v1/channels/messaging/room")
            .json(&json!({"name": "Room"})),
    )
    .await);
    ok(send(bob.request(Method::POST, "/v1/channels/messaging/room/read")).await);
    ok(send(
        t.server(Method::PATCH, "/v1/channels/messaging/room/members/bob")
            .json(&json!({"role": "moderator"})),
    )
    .await);
    ok(send(
        t.server(Method::POST, "/v1/channels/messaging/room/members")
            .json(&json!({"user_ids": ["eve"]})),
    )
    .await);
    ok(send(t.server(Method::DELETE, "/v1/channels/messaging/room/members/eve")).await);
    ok(send(alice.request(Method::DELETE, &format!("/v1/messages/{id}"))).await);
    ok(send(t.server(Method::DELETE, "/v1/channels/messaging/room")).await);
    let all = [
        "channel.created",
        "message.new",
        "message.updated",
        "reaction.new",
        "reaction.deleted",
        "channel.updated",
        "read.updated",
        "member.updated",
        "member.added",
        "member.removed",
        "message.deleted",
        "channel.deleted",
    ];
    let got = r
        .wait_for(WAIT, |got| {
            let seen = types(got);
            all.iter().all(|t| seen.contains(*t))
        })
        .await;
    assert!(r.rejected().is_empty(), "{:?}", r.rejected());
    // channel.deleted came last of the channel's ordered events; once the outbox holds
    // nothing to send, nothing more can come, so the list is final.
    outbox_settled(app.db(), WAIT).await;
    assert_eq!(r.received().len(), got.len(), "{:?}", types(&r.received()));
    // In order: the channel's events as they happened.
    let order: Vec<&str> = got.iter().map(Received::event_type).collect();
    assert_eq!(order, all, "{order:?}");
    for rec in &got {
        let b = &rec.body;
        assert_eq!(b["id"], rec.id, "webhook-id is the envelope's id");
        assert_eq!(b["tenant_id"], t.id);
        assert!(b["created_at"].is_string());
        assert_eq!(b["data"]["type"], b["type"]);
        assert_eq!(b["data"]["cid"], "messaging:room");
    }
    let new = got
        .iter()
        .find(|r| r.event_type() == "message.new")
        .unwrap();
    assert_eq!(new.body["data"]["message"]["text"], "hello");
    assert_eq!(new.body["data"]["message"]["user_id"], "alice");

    // The delivery log: every delivery succeeded with a 200, with its attempt.
    let (_, log) = send(t.server(
        Method::GET,
        &format!("/v1/webhooks/{hook_id}/deliveries?limit=100"),
    ))
    .await;
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), all.len(), "{log}");
    for d in items {
        assert_eq!(d["status"], "succeeded", "{d}");
        assert_eq!(d["attempts"], 1);
        assert_eq!(d["attempt_log"][0]["status_code"], 200);
        assert!(d["attempt_log"][0]["duration_ms"].is_number());
        assert_eq!(d["attempt_log"][0]["response"], "{\"ok\":true}");
    }
}

async fn filters_test_event_and_secret_rotation(app: TestApp) {
    let t = app.tenant("Acme").await;
    let (r, hook_id) = receiver_for(&t, json!(["message.*"])).await;
    t.create_user("alice").await;
    send(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "room", "members": ["alice"]})),
    )
    .await;
    say(&t, "messaging/room", "alice", "one").await;
    // A test event, whatever the filter.
    let (status, d) = send(t.server(Method::POST, &format!("/v1/webhooks/{hook_id}/test"))).await;
    assert_eq!(status, 202, "{d}");
    let got = r
        .wait_for(WAIT, |g| types(g).contains("webhook.test") && g.len() >= 2)
        .await;
    assert_eq!(
        types(&got),
        HashSet::from(["message.new".to_owned(), "webhook.test".to_owned()])
    );

    // Unknown event types are refused by name.
    let p = expect_problem(
        t.server(Method::PATCH, &format!("/v1/webhooks/{hook_id}"))
            .json(&json!({"event_types": ["message.nope"]})),
        400,
        "invalid_request",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("message.nope"));

    // Rotation: the new secret is returned once and signs what follows.
    let (_, rotated) = send(
        t.server(Method::PATCH, &format!("/v1/webhooks/{hook_id}"))
            .json(&json!({"rotate_secret": true})),
    )
    .await;
    let secret = rotated["secret"].as_str().unwrap();
    r.set_secret(secret);
    say(&t, "messaging/room", "alice", "two").await;
    r.wait_for(WAIT, |g| {
        g.iter().any(|x| x.body["data"]["message"]["text"] == "two")
    })
    .await;
    assert!(r.rejected().is_empty(), "{:?}", r.rejected());

    // Another tenant cannot see or touch the endpoint.
    let other = app.tenant("Globex").await;
    expect_problem(
        other.server(Method::GET, &format!("/v1/webhooks/{hook_id}")),
        404,
        "webhook_not_found",
    )
    .await;
    expect_problem(
        other.server(Method::POST, &format!("/v1/webhooks/{hook_id}/test")),
        404,
        "webhook_not_found",
    )
    .await;
    let (_, list) = send(other.server(Method::GET, "/v1/webhooks")).await;
    assert_eq!(list["items"], json!([]));
}

/// The receiver is down while messages flow in two channels; when it is back, every event
/// arrives exactly once, each channel's in order.
async fn receiver_down_then_up_loses_nothing(app: TestApp) {
    let t = app.tenant("Acme").await;
    let (r, hook_id) = receiver_for(&t, json!(["message.new"])).await;
    t.create_user("alice").await;
    for id in ["a", "b"] {
        send(
            t.server(Method::POST, "/v1/channels")
                .json(&json!({"type": "messaging", "id": id, "members": ["alice"]})),
        )
        .await;
    }
    say(&t, "messaging/a", "alice", "before").await;
    r.wait_for(WAIT, |g| g.len() == 1).await;

    r.stop();
    for i in 0..25 {
        say(&t, "messaging/a", "alice", &format!("a{i}")).await;
        say(&t, "messaging/b", "alice", &format!("b{i}")).await;
    }
    // Attempts fail meanwhile, and the log says why.
    eventually("a failed attempt logged", WAIT, async || {
        let (_, log) = send(t.server(
            Method::GET,
            &format!("/v1/webhooks/{hook_id}/deliveries?status=pending&limit=100"),
        ))
        .await;
        let failed = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["attempts"].as_i64() >= Some(2) && d["last_error"].is_string());
        if failed { Ok(()) } else { Err(log.to_string()) }
    })
    .await;
    r.restart().await;
    r.wait_for(WAIT, |g| g.len() >= 51).await;
    // A later event on the same channel comes after any repeat of the earlier ones, and once
    // the outbox holds nothing to send, nothing more can come.
    say(&t, "messaging/a", "alice", "sentinel").await;
    r.wait_for(WAIT, |g| {
        g.iter()
            .any(|r| r.body["data"]["message"]["text"] == "sentinel")
    })
    .await;
    outbox_settled(app.db(), WAIT).await;
    let mut got = r.received();
    let sentinel = got
        .iter()
        .position(|g| g.body["data"]["message"]["text"] == "sentinel")
        .unwrap();
    assert_eq!(sentinel, got.len() - 1, "the sentinel came last");
    got.pop();
    assert_eq!(got.len(), 51, "each event exactly once");
    let ids: HashSet<&str> = got.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(ids.len(), 51);
    let mut per_channel: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for g in &got {
        per_channel
            .entry(g.body["data"]["cid"].as_str().unwrap().to_owned())
            .or_default()
            .push(g.body["data"]["message"]["seq"].as_i64().unwrap());
    }
    assert_eq!(per_channel["messaging:a"], (1..=26).collect::<Vec<_>>());
    assert_eq!(per_channel["messaging:b"], (1..=25).collect::<Vec<_>>());
    // The endpoint recovered: no longer marked failing.
    let (_, h) = send(t.server(Method::GET, &format!("/v1/webhooks/{hook_id}"))).await;
    assert!(h["failing_since"].is_null(), "{h}");
    assert_eq!(h["enabled"], true);
}

/// 410 disables at once; a receiver that keeps failing is disabled after the configured time;
/// dead deliveries are listed (tenant and operator) and can be retried once it works again.
async fn gone_and_failing_endpoints_are_disabled(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.worker.webhook_disable_after_s = 1;
        c.worker.max_attempts = 50;
    })
    .await;
    let t = app.tenant("Acme").await;
    t.create_user("alice").await;
    send(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "room", "members": ["alice"]})),
    )
    .await;
    let (gone, gone_id) = receiver_for(&t, json!(["message.new"])).await;
    gone.set_status(410);
    let (failing, failing_id) = receiver_for(&t, json!(["message.new"])).await;
    failing.set_status(500);
    say(&t, "messaging/room", "alice", "hello").await;

    let wait_disabled = async |id: String| {
        eventually("the endpoint disabled", WAIT, async || {
            let (_, h) = send(t.server(Method::GET, &format!("/v1/webhooks/{id}"))).await;
            if h["enabled"] == false {
                Ok(h)
            } else {
                Err(h.to_string())
            }
        })
        .await
    };
    let h = wait_disabled(gone_id.clone()).await;
    assert!(
        h["disabled_reason"].as_str().unwrap().contains("410"),
        "{h}"
    );
    let h = wait_disabled(failing_id.clone()).await;
    let reason = h["disabled_reason"].as_str().unwrap();
    assert!(reason.contains("no successful delivery since"), "{h}");
    assert!(reason.contains("500"), "{h}");

    // The failed delivery is in the tenant's log and the operator's dead jobs.
    let (_, log) = send(t.server(
        Method::GET,
        &format!("/v1/webhooks/{failing_id}/deliveries?status=failed"),
    ))
    .await;
    let d = &log["items"][0];
    assert_eq!(d["status"], "failed", "{log}");
    assert!(d["attempts"].as_i64().unwrap() >= 2);
    let delivery_id = d["id"].as_i64().unwrap();
    let (_, one) = send(t.server(
        Method::GET,
        &format!("/v1/webhooks/{failing_id}/deliveries/{delivery_id}"),
    ))
    .await;
    let attempts = one["attempt_log"].as_array().unwrap();
    assert_eq!(attempts.len() as i64, one["attempts"].as_i64().unwrap());
    assert!(
        attempts
            .iter()
            .all(|a| a["status_code"] == 500 && a["ok"] == false)
    );
    let (_, dead) = send(app.admin(
        Method::GET,
        &format!("/admin/v1/jobs?status=dead&tenant_id={}", t.id),
    ))
    .await;
    let dead_ids: Vec<i64> = dead["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_i64().unwrap())
        .collect();
    assert!(dead_ids.contains(&delivery_id), "{dead}");

    // Fixed and re-enabled, a retry delivers it.
    failing.set_status(200);
    send(
        t.server(Method::PATCH, &format!("/v1/webhooks/{failing_id}"))
            .json(&json!({"enabled": true})),
    )
    .await;
    let (status, _) = send(t.server(
        Method::POST,
        &format!("/v1/webhooks/{failing_id}/deliveries/{delivery_id}/retry"),
    ))
    .await;
    assert_eq!(status, 202);
    let got = failing.wait_for(WAIT, |g| g.len() == 1).await;
    assert_eq!(got[0].body["data"]["message"]["text"], "hello");
    // The operator can retry a dead job too.
    send(
        t.server(Method::PATCH, &format!("/v1/webhooks/{gone_id}"))
            .json(&json!({"enabled": true})),
    )
    .await;
    gone.set_status(200);
    let gone_job = dead["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["webhook_id"] == gone_id.as_str())
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, _) =
        send(app.admin(Method::POST, &format!("/admin/v1/jobs/{gone_job}/retry"))).await;
    assert_eq!(status, 202);
    gone.wait_for(WAIT, |g| g.len() == 1).await;
    // The receiver has answered; the worker records the attempt, then finishes the job.
    let j = eventually("the retried job done", WAIT, async || {
        let (status, j) = send(app.admin(Method::GET, &format!("/admin/v1/jobs/{gone_job}"))).await;
        assert_eq!(status, 200);
        if j["status"] == "done" {
            Ok(j)
        } else {
            Err(j.to_string())
        }
    })
    .await;
    assert_eq!(j["status"], "done", "{j}");
    assert!(j["attempt_log"].as_array().unwrap().len() >= 2);
}

/// Private, loopback and link-local destinations are refused when saved and when delivered.
async fn private_addresses_are_refused(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.worker.allow_private_urls = false).await;
    let t = app.tenant("Acme").await;
    let r = Receiver::start().await;
    for url in [
        r.url(),
        "http://localhost:9/x".into(),
        "http://localhost.:9/x".into(),
        "http://vm:9/x".into(),
        "http://[::1]:9/x".into(),
        "http://169.254.169.254/latest/meta-data".into(),
        "http://10.0.0.1/x".into(),
        "http://192.168.1.1/x".into(),
        "http://0.0.0.0:9/x".into(),
        "http://[::ffff:127.0.0.1]:9/x".into(),
    ] {
        let p = expect_problem(
            t.server(Method::POST, "/v1/webhooks")
                .json(&json!({"url": url})),
            400,
            "url_not_allowed",
        )
        .await;
        assert!(p["detail"].is_string(), "{url}: {p}");
        // An address refusal names the setting that lifts it.
        if url.contains("127.0.0.1") || url.starts_with("http://localhost:") {
            let detail = p["detail"].as_str().unwrap_or_default();
            assert!(detail.contains("PARLEY_ALLOW_PRIVATE_URLS"), "{url}: {p}");
        }
    }
    expect_problem(
        t.server(Method::POST, "/v1/webhooks")
            .json(&json!({"url": "file:///etc/passwd"})),
        400,
        "url_not_allowed",
    )
    .await;
    expect_problem(
        t.server(Method::PATCH, "/v1/app")
            .json(&json!({"settings": {"before_send": {"url": r.url()}}})),
        400,
        "url_not_allowed",
    )
    .await;

    // A name that passed the check but now resolves to loopback (DNS rebinding) is refused at
    // delivery time: simulate it by pointing a saved endpoint at such a name.
    let db = sea_orm::Database::connect(&app.running.as_ref().unwrap().ctx.config.database_url)
        .await
        .unwrap();
    let (id, secret) = {
        // Saved while the name was "public": write the row as the API would have.
        let ctx = &app.running.as_ref().unwrap().ctx;
        let id = "wh_rebound".to_owned();
        let secret = parley_core::integrations::outbound::new_signing_secret();
        use sea_orm::{ActiveModelTrait, Set};
        parley_core::entities::webhook::ActiveModel {
            id: Set(id.clone()),
            tenant_id: Set(t.id.clone()),
            url: Set(format!("http://vm:{}/hook", r.addr.port())),
            description: Set(None),
            event_types: Set("[]".into()),
            enabled: Set(true),
            disabled_reason: Set(None),
            secret: Set(ctx.secrets.seal(&secret).unwrap()),
            failing_since: Set(None),
            created_at: Set(chrono::Utc::now()),
            updated_at: Set(chrono::Utc::now()),
        }
        .insert(&db)
        .await
        .unwrap();
        (id, secret)
    };
    r.set_secret(&secret);
    t.create_user("alice").await;
    send(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "room", "members": ["alice"]})),
    )
    .await;
    eventually("the delivery refused", WAIT, async || {
        let (_, log) = send(t.server(Method::GET, &format!("/v1/webhooks/{id}/deliveries"))).await;
        let err = log["items"][0]["attempt_log"][0]["error"]
            .as_str()
            .unwrap_or("");
        if err.contains("refused") {
            Ok(())
        } else {
            Err(log.to_string())
        }
    })
    .await;
    assert!(
        r.received().is_empty(),
        "nothing reached the private address"
    );
}

/// Two `parley worker` processes share one PostgreSQL outbox: 1,000 messages, each delivered
/// once, each channel's in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_deliver_each_job_once() {
    let (pg, url) = PgDatabase::create().await;
    let master_key = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode([42u8; 32])
    };
    let mk = master_key.clone();
    let app = TestApp::spawn_on(Some(url.clone()), move |c| {
        c.worker.in_process = false;
        c.master_key = Some(mk.into());
    })
    .await;
    let t = app.tenant("Acme").await;
    let (r, _) = receiver_for(&t, json!(["message.new"])).await;
    t.create_user("alice").await;
    let channels: Vec<String> = (0..10).map(|i| format!("c{i}")).collect();
    for c in &channels {
        send(
            t.server(Method::POST, "/v1/channels")
                .json(&json!({"type": "messaging", "id": c, "members": ["alice"]})),
        )
        .await;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("parley.toml");
    std::fs::write(&config, "[worker]\npoll_interval_ms = 50\n").unwrap();
    let mut workers = Vec::new();
    for n in 0..2 {
        let log = std::fs::File::create(dir.path().join(format!("worker{n}.log"))).unwrap();
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_parley-node"))
            .arg("--config")
            .arg(&config)
            .arg("worker")
            .env("PARLEY_DATA_DIR", dir.path())
            .env("PARLEY_DATABASE_URL", &url)
            .env("PARLEY_MASTER_KEY", &master_key)
            .env("PARLEY_ALLOW_PRIVATE_URLS", "true")
            .env("PARLEY_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("start parley-node worker");
        workers.push(child);
    }
    for n in 0..2 {
        let path = dir.path().join(format!("worker{n}.log"));
        eventually(&format!("worker {n} started"), WAIT, async || {
            let log = std::fs::read_to_string(&path).unwrap_or_default();
            if log.contains("worker started") {
                Ok(())
            } else {
                Err(log)
            }
        })
        .await;
    }
    let mut tasks = tokio::task::JoinSet::new();
    for c in channels.clone() {
        let t = t.clone();
        tasks.spawn(async move {
            for i in 0..100 {
                say(&t, &format!("messaging/{c}"), "alice", &format!("{c}-{i}")).await;
            }
        });
    }
    while tasks.join_next().await.is_some() {}

    r.wait_for(Duration::from_secs(120), |g| g.len() >= 1000)
        .await;
    // Anything delivered twice would come from a job still in the outbox: wait until none
    // is left, then count.
    let db = sea_orm::Database::connect(&url).await.unwrap();
    outbox_settled(&db, WAIT).await;
    let got = r.received();
    assert!(r.rejected().is_empty(), "{:?}", r.rejected());
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for g in &got {
        *seen.entry(g.id.as_str()).or_default() += 1;
    }
    assert_eq!(seen.len(), 1000, "every event delivered");
    assert!(seen.values().all(|n| *n == 1), "no event delivered twice");
    let mut per_channel: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for g in &got {
        per_channel
            .entry(g.body["data"]["cid"].as_str().unwrap().to_owned())
            .or_default()
            .push(g.body["data"]["message"]["seq"].as_i64().unwrap());
    }
    for (cid, seqs) in &per_channel {
        assert_eq!(seqs, &(1..=100).collect::<Vec<_>>(), "{cid} in order");
    }
    // Both workers took part.
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT COUNT(DISTINCT worker) FROM outbox_attempts",
        ))
        .await
        .unwrap()
        .unwrap();
    let n: i64 = row.try_get_by_index(0).unwrap();
    assert_eq!(n, 2, "both workers delivered");
    let _ = db.close().await;
    for mut w in workers {
        let _ = w.kill().await;
    }
    drop(app);
    drop(pg);
}

/// The before-send hook sees each message first: accept, reject with a reason, rewrite; a slow
/// hook times out and the tenant's fail-open/closed setting decides.
/// While a slow before-send hook decides on a WebSocket send, the connection keeps receiving
/// live events: holding them back until the `ack` would overflow a busy connection's queue
/// and close it as a slow consumer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_before_send_hook_holds_back_no_live_events() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.realtime.send_queue = 16).await;
    let t = app.tenant("Acme").await;
    let r = Receiver::start().await;
    r.respond_with(|_| (200, json!({"action": "accept"}).to_string()));
    r.set_delay(Duration::from_secs(2));
    let (status, appv) = send(t.server(Method::PATCH, "/v1/app").json(
        &json!({"settings": {"before_send": {"url": r.url(), "timeout_ms": 8_000, "fail_open": false}}}),
    ))
    .await;
    assert_eq!(status, 200, "{appv}");
    r.set_secret(appv["before_send_secret"].as_str().unwrap());
    t.create_user("alice").await;
    t.create_messaging_channel("room", &["alice"]).await;
    let alice = t.user("alice").await;
    let mut ws = alice.connect().await;
    ws.send(json!({"type": "message.send", "req_id": "s1", "cid": "messaging:room", "message": {"text": "hello"}}))
        .await;
    // Twice the queue's worth of events while the hook takes its time.
    for i in 0..32 {
        let (status, body) = send(
            t.server(Method::PATCH, "/v1/channels/messaging/room")
                .json(&json!({"custom": {"n": i}})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let ack = ws.expect("ack").await;
    assert_eq!(ack["req_id"], "s1", "{ack}");
    assert_eq!(ack["message"]["text"], "hello");
    assert!(ws.closed.is_none(), "closed: {:?}", ws.closed);
    for _ in 0..32 {
        ws.expect("channel.updated").await;
    }
}

async fn before_send_hook_decides(app: TestApp) {
    let t = app.tenant("Acme").await;
    let r = Receiver::start().await;
    r.respond_with(|body| {
        let text = body["data"]["message"]["text"].as_str().unwrap_or("");
        if text.contains("spam") {
            (200, json!({"action": "reject", "reason": "no spam here"}).to_string())
        } else if text.contains("darn") {
            (
                200,
                json!({"action": "rewrite", "message": {"text": text.replace("darn", "****"), "custom": {"moderated": true}}})
                    .to_string(),
            )
        } else if text.contains("broken") {
            (500, String::new())
        } else {
            (200, json!({"action": "accept"}).to_string())
        }
    });
    let (status, appv) = send(t.server(Method::PATCH, "/v1/app").json(
        &json!({"settings": {"before_send": {
            "url": r.url(), "timeout_ms": 5_000, "fail_open": false
        }}}),
    ))
    .await;
    assert_eq!(status, 200, "{appv}");
    let secret = appv["before_send_secret"].as_str().unwrap();
    r.set_secret(secret);
    let (_, again) = send(t.server(Method::GET, "/v1/app")).await;
    assert!(again.get("before_send_secret").is_none(), "shown once");
    assert_eq!(again["settings"]["before_send"]["fail_open"], false);

    t.create_user("alice").await;
    send(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "room", "members": ["alice"]})),
    )
    .await;
    let alice = t.user("alice").await;
    let post = |text: &str| {
        alice
            .request(Method::POST, "/v1/channels/messaging/room/messages")
            .json(&json!({"text": text}))
    };
    let (status, m) = send(post("hello")).await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(m["text"], "hello");
    let p = expect_problem(post("buy spam now"), 422, "message_rejected").await;
    assert_eq!(p["detail"], "no spam here");
    let (status, m) = send(post("darn it")).await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(m["text"], "**** it");
    assert_eq!(m["custom"]["moderated"], true);
    // Over the WebSocket the sender gets the reason in an error frame for its request.
    let mut ws = alice.connect().await;
    ws.send(json!({"type": "message.send", "req_id": "s1", "cid": "messaging:room", "message": {"text": "more spam"}})).await;
    let err = ws.expect("error").await;
    assert_eq!(err["req_id"], "s1", "{err}");
    assert_eq!(err["code"], "message_rejected", "{err}");
    assert!(err.to_string().contains("no spam here"), "{err}");
    // The hook saw the message with its author and channel, signed.
    let seen = r.received();
    assert!(r.rejected().is_empty(), "{:?}", r.rejected());
    assert_eq!(seen[0].body["type"], "message.before_send");
    assert_eq!(seen[0].body["data"]["message"]["user_id"], "alice");
    assert_eq!(seen[0].body["data"]["message"]["cid"], "messaging:room");

    // Fail-closed: a failing or slow hook refuses the message with 503 and Retry-After.
    let res = post("broken").send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert!(res.headers().get("retry-after").is_some());
    // A hook slower than its timeout (here 300 ms against a 1.5 s answer; the generous 5 s
    // above keeps a busy machine from failing the quick answers).
    let (status, body) = send(
        t.server(Method::PATCH, "/v1/app")
            .json(&json!({"settings": {
                "before_send": {"url": r.url(), "timeout_ms": 300, "fail_open": false}
            }})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    if let Some(secret) = body["before_send_secret"].as_str() {
        r.set_secret(secret);
    }
    r.set_delay(Duration::from_millis(1_500));
    expect_problem(post("slow"), 503, "hook_unavailable").await;
    // Fail-open: the same slow hook lets messages through.
    let (status, body) = send(t.server(Method::PATCH, "/v1/app").json(
        &json!({"settings": {"before_send": {
            "url": r.url(), "timeout_ms": 200, "fail_open": true
        }}}),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, m) = send(post("slow but fine")).await;
    assert_eq!(status, 201, "{m}");
    // Nothing rejected was stored.
    let (_, history) =
        send(alice.request(Method::GET, "/v1/channels/messaging/room/messages")).await;
    let texts: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["hello", "**** it", "slow but fine"]);
}

on_both_backends!(
    every_event_type_arrives_signed,
    filters_test_event_and_secret_rotation,
    receiver_down_then_up_loses_nothing,
    before_send_hook_decides,
);

mod configured {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn gone_and_failing_endpoints_are_disabled_sqlite() {
        gone_and_failing_endpoints_are_disabled(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn gone_and_failing_endpoints_are_disabled_postgres() {
        gone_and_failing_endpoints_are_disabled(Backend::Postgres).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn private_addresses_are_refused_sqlite() {
        private_addresses_are_refused(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn private_addresses_are_refused_postgres() {
        private_addresses_are_refused(Backend::Postgres).await;
    }
}

/// A node stopped while a delivery is in flight lets it finish before it exits: the receiver
/// has it and the job is done, not left claimed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_in_flight_deliveries() {
    let mut app = TestApp::spawn(Backend::Sqlite).await;
    let t = app.tenant("Acme").await;
    let (r, hook_id) = receiver_for(&t, json!(["message.new"])).await;
    r.set_delay(Duration::from_millis(1_000));
    t.create_user("alice").await;
    send(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "room", "members": ["alice"]})),
    )
    .await;
    say(&t, "messaging/room", "alice", "in flight").await;
    eventually("the delivery sending", WAIT, async || {
        let (_, log) = send(t.server(
            Method::GET,
            &format!("/v1/webhooks/{hook_id}/deliveries?status=sending"),
        ))
        .await;
        if log["items"].as_array().unwrap().is_empty() {
            Err(log.to_string())
        } else {
            Ok(())
        }
    })
    .await;
    let url = app
        .running
        .as_ref()
        .unwrap()
        .ctx
        .config
        .database_url
        .clone();
    app.stop().await;
    assert_eq!(
        r.received().len(),
        1,
        "the delivery finished before the node stopped"
    );
    let db = sea_orm::Database::connect(&url).await.unwrap();
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Sqlite,
            "SELECT status, locked_by FROM outbox WHERE kind = 'webhook'",
        ))
        .await
        .unwrap()
        .unwrap();
    let status: String = row.try_get_by_index(0).unwrap();
    let locked: Option<String> = row.try_get_by_index(1).unwrap();
    assert_eq!((status.as_str(), locked), ("done", None));
}

/// Secrets are sealed at rest with the master key (the tenant's token signing secret and a
/// webhook's secret are not readable in the database), and a node given another key than the
/// one the database was set up with refuses to start, saying why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_are_sealed_and_the_master_key_is_checked() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let t = app.tenant("Acme").await;
    let (_, secret) = hook(&t, "http://127.0.0.1:9/hook", json!([])).await;
    // Tokens signed with the secret shown at creation still work.
    t.create_user("alice").await;
    let alice = t.user("alice").await;
    let (status, _) = send(alice.request(Method::GET, "/v1/me")).await;
    assert_eq!(status, 200);

    let url = app
        .running
        .as_ref()
        .unwrap()
        .ctx
        .config
        .database_url
        .clone();
    let db = sea_orm::Database::connect(&url).await.unwrap();
    let read = |sql: &'static str| {
        let db = db.clone();
        async move {
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DatabaseBackend::Sqlite,
                    sql,
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index::<String>(0).unwrap()
        }
    };
    let stored = read("SELECT signing_secret FROM tenants").await;
    assert!(
        stored.starts_with("v1:") && stored != t.signing_secret,
        "{stored}"
    );
    let stored = read("SELECT secret FROM webhooks").await;
    assert!(
        stored.starts_with("v1:") && !stored.contains(&secret[6..]),
        "{stored}"
    );

    let dir = tempfile::tempdir().unwrap();
    let mut config =
        parley_core::kernel::config::Config::for_tests(dir.path().to_path_buf(), Some(url));
    config.master_key = Some("b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMTI=".into());
    let err = parley_api::startup::spawn(
        config,
        parley_api::startup::ServeOptions {
            workers: 1,
            handle_signals: false,
        },
    )
    .await
    .err()
    .expect("a node with another master key must not start");
    assert!(err.to_string().contains("PARLEY_MASTER_KEY"), "{err}");
}

/// Retries follow the schedule: after attempt n the next is due 5 s × 3ⁿ⁻¹ later, ±25 %, as
/// the delivery log records it; the last allowed attempt marks the delivery failed for good.
/// Each retry is brought forward in the database rather than waited for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_back_off_and_the_last_attempt_marks_the_delivery_dead() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.worker.retry_base_ms = 5_000;
        c.worker.retry_max_delay_ms = 4 * 3600 * 1000;
        c.worker.max_attempts = 4;
    })
    .await;
    let t = app.tenant("Acme").await;
    let (r, hook_id) = receiver_for(&t, json!(["message.new"])).await;
    r.set_status(500);
    t.create_user("alice").await;
    t.create_messaging_channel("room", &["alice"]).await;
    say(&t, "messaging/room", "alice", "never taken").await;
    let delivery = |attempts: i64| {
        let t = t.clone();
        let hook_id = hook_id.clone();
        async move {
            eventually(&format!("attempt {attempts} recorded"), WAIT, async || {
                let (_, list) =
                    send(t.server(Method::GET, &format!("/v1/webhooks/{hook_id}/deliveries")))
                        .await;
                let d = &list["items"][0];
                let id = d["id"].as_i64().ok_or(list.to_string())?;
                let (_, d) = send(t.server(
                    Method::GET,
                    &format!("/v1/webhooks/{hook_id}/deliveries/{id}"),
                ))
                .await;
                if d["attempts"] == attempts && d["status"] != "sending" {
                    Ok(d)
                } else {
                    Err(d.to_string())
                }
            })
            .await
        }
    };
    let time = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap())
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    for n in 1..=3 {
        let d = delivery(n).await;
        assert_eq!(d["status"], "pending", "{d}");
        assert_eq!(
            d["attempt_log"].as_array().unwrap().len(),
            n as usize,
            "{d}"
        );
        assert_eq!(d["attempt_log"][n as usize - 1]["status_code"], 500, "{d}");
        let delay = (time(&d["next_attempt_at"]) - time(&d["updated_at"])).num_milliseconds();
        let nominal = 5_000 * 3_i64.pow(n as u32 - 1);
        assert!(
            delay >= nominal * 3 / 4 - 50 && delay <= nominal * 5 / 4 + 50,
            "attempt {n}: next one due {delay} ms later, not {nominal} ms ±25 %: {d}"
        );
        assert_eq!(r.tried().len(), n as usize, "no attempt before it is due");
        let res = app
            .db()
            .execute_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DatabaseBackend::Sqlite,
                "UPDATE outbox SET run_at = ? WHERE id = ? AND status = 'pending'",
                [
                    chrono::Utc::now().timestamp_millis().into(),
                    d["id"].as_i64().unwrap().into(),
                ],
            ))
            .await
            .unwrap();
        assert_eq!(res.rows_affected(), 1);
    }
    let d = delivery(4).await;
    assert_eq!(d["status"], "failed", "the last attempt ends it: {d}");
    assert!(d["next_attempt_at"].is_null(), "{d}");
    assert_eq!(d["attempt_log"].as_array().unwrap().len(), 4, "{d}");
    let got = r.tried();
    assert_eq!(got.len(), 4);
    assert!(r.received().is_empty());
    assert!(
        got.iter().all(|g| g.id == got[0].id),
        "every attempt carries the same webhook-id"
    );
    let (_, failed) = send(t.server(
        Method::GET,
        &format!("/v1/webhooks/{hook_id}/deliveries?status=failed"),
    ))
    .await;
    assert_eq!(failed["items"][0]["id"], d["id"]);
}
