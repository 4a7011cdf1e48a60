//! Several nodes on PostgreSQL + Redis behave as one service: events and typing cross nodes,
//! a node killed with SIGKILL loses no message for its clients (they reconnect elsewhere and
//! resume), its users go offline, and a Redis outage only pauses cross-node delivery. A node
//! stopped cleanly takes its users offline at once; a node names the settings it does not share
//! with its peers, and a database that does not exist stops the start with a clear message.

use std::process::Stdio;
use std::time::Duration;

use parley_tests::realtime::{Follower, Ws};
use parley_tests::*;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const ADMIN: &str = "adm_cluster_test_token";

fn redis_url() -> String {
    std::env::var("PARLEY_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

struct Node {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

fn node_command(db: &str, redis: &str, prefix: &str, dir: &std::path::Path) -> Command {
    node_command_with(
        db,
        redis,
        prefix,
        dir,
        "[realtime]\npresence_offline_delay_ms = 300\n",
    )
}

fn node_command_with(
    db: &str,
    redis: &str,
    prefix: &str,
    dir: &std::path::Path,
    toml: &str,
) -> Command {
    let config = dir.join("parley.toml");
    std::fs::write(&config, toml).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_parley-node"));
    cmd.arg("--config")
        .arg(&config)
        .env("PARLEY_BIND", "127.0.0.1:0")
        .env("PARLEY_DATA_DIR", dir)
        .env("PARLEY_DATABASE_URL", db)
        .env("PARLEY_REDIS_URL", redis)
        .env("PARLEY_REDIS_PREFIX", prefix)
        .env("PARLEY_ADMIN_TOKEN", ADMIN)
        // Nodes of one database share the key its secrets are sealed with.
        .env(
            "PARLEY_MASTER_KEY",
            "Y2x1c3Rlci10ZXN0LW1hc3Rlci1rZXktMzItYnl0ZXM=",
        )
        .env("PARLEY_LOG", "warn")
        .kill_on_drop(true);
    cmd
}

async fn start_node(db: &str, redis: &str, prefix: &str) -> Node {
    start_node_env(db, redis, prefix, &[]).await
}

async fn start_node_env(db: &str, redis: &str, prefix: &str, env: &[(&str, &str)]) -> Node {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = node_command(db, redis, prefix, dir.path());
    cmd.envs(env.iter().copied());
    start_node_with(cmd, dir).await
}

async fn start_node_with(mut cmd: Command, dir: tempfile::TempDir) -> Node {
    let mut child = cmd
        .arg("serve")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start parley-node");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let base = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.strip_prefix("parley listening on ") {
                return rest.split_whitespace().next().unwrap().to_owned();
            }
        }
        panic!("node exited before listening");
    })
    .await
    .expect("node start timeout");
    // Keep draining stdout so the node never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Node {
        child,
        base,
        _dir: dir,
    }
}

async fn migrate(db: &str) {
    let dir = tempfile::tempdir().unwrap();
    let status = node_command(db, &redis_url(), "unused", dir.path())
        .arg("migrate")
        .stdout(Stdio::null())
        .status()
        .await
        .unwrap();
    assert!(status.success());
}

fn tenant_on(t: &Tenant, node: &Node) -> Tenant {
    Tenant {
        app_base: node.base.clone(),
        ..t.clone()
    }
}

async fn create_tenant(client: &reqwest::Client, node: &Node) -> Tenant {
    let (status, body) = send(
        client
            .post(format!("{}/admin/v1/tenants", node.base))
            .bearer_auth(ADMIN)
            .json(&json!({"name": "Acme"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    Tenant {
        app_base: node.base.clone(),
        client: client.clone(),
        id: body["tenant"]["id"].as_str().unwrap().to_owned(),
        publishable_key: body["publishable_key"].as_str().unwrap().to_owned(),
        secret_key: body["secret_key"].as_str().unwrap().to_owned(),
        signing_secret: body["signing_secret"].as_str().unwrap().to_owned(),
    }
}

/// Each node caches the channel types and bans its sends check. A change made through one
/// node reaches the other node's cache at once, through Redis, instead of when the entry
/// expires (30 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_change_on_one_node_reaches_the_other_nodes_cache() {
    let (_db, url) = PgDatabase::create().await;
    let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
    let tweak = |c: &mut parley_core::kernel::config::Config| {
        c.redis_url = Some(redis_url());
        c.redis_prefix = prefix.clone();
    };
    let n1 = TestApp::spawn_on(Some(url.clone()), tweak).await;
    let n2 = TestApp::spawn_on(Some(url.clone()), tweak).await;
    let t = n1.tenant("Acme").await;
    for u in ["alice", "bob"] {
        t.create_user(u).await;
    }
    t.create_messaging_channel("room", &["alice", "bob"]).await;
    // Node 2 hears node 1: an event sent through node 1 reaches a socket on node 2.
    let on2 = n2.on(&t);
    let mut bob2 = on2.user("bob").await.connect().await;
    let alice1 = t.user("alice").await;
    let alice2 = on2.user("alice").await;
    let post = |user: &User, body: Value| {
        user.request(Method::POST, "/v1/channels/messaging/room/messages")
            .json(&body)
    };
    let (status, first) = send(post(&alice1, json!({"text": "hello"}))).await;
    assert_eq!(status, 201, "{first}");
    bob2.expect("message.new").await;
    // Node 2's caches now hold alice's bans (none) and the type (replies on).
    let reply = json!({"text": "re", "parent_id": first["id"]});
    let (status, body) = send(post(&alice2, reply.clone())).await;
    assert_eq!(status, 201, "{body}");

    let (status, body) = send(
        t.server(Method::POST, "/v1/channels/messaging/room/bans")
            .json(&json!({"user_id": "alice", "reason": "spam"})),
    )
    .await;
    assert!(status.is_success(), "{body}");
    eventually(
        "node 2 refuses the banned user",
        Duration::from_secs(5),
        async || {
            let (status, body) = send(post(&alice2, json!({"text": "still here?"}))).await;
            if status == 403 && body["code"] == "user_banned" {
                Ok(())
            } else {
                Err(format!("{status} {body}"))
            }
        },
    )
    .await;
    let (status, body) =
        send(t.server(Method::DELETE, "/v1/channels/messaging/room/bans/alice")).await;
    assert!(status.is_success(), "{body}");
    eventually(
        "node 2 takes the unbanned user",
        Duration::from_secs(5),
        async || {
            let (status, body) = send(post(&alice2, json!({"text": "back"}))).await;
            if status == 201 {
                Ok(())
            } else {
                Err(format!("{status} {body}"))
            }
        },
    )
    .await;

    let (status, body) = send(
        t.server(Method::PUT, "/v1/channel-types/messaging")
            .json(&json!({"features": {"replies": false}})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    eventually(
        "node 2 sees replies turned off",
        Duration::from_secs(5),
        async || {
            let (status, body) = send(post(&alice2, reply.clone())).await;
            if status == 403 && body["code"] == "feature_disabled" {
                Ok(())
            } else {
                Err(format!("{status} {body}"))
            }
        },
    )
    .await;

    // The channel and alice's membership, which node 2 read for her sends: frozen through
    // node 1, then thawed; alice removed through node 1, then added back.
    let refused_on_2 = async |what: &str, code: &str| {
        eventually(what, Duration::from_secs(5), async || {
            match send(post(&alice2, json!({"text": "anyone?"}))).await {
                (s, b) if s == 403 && b["code"] == code => Ok(()),
                (s, b) => Err(format!("{s} {b}")),
            }
        })
        .await;
    };
    let taken_on_2 = async |what: &str| {
        eventually(what, Duration::from_secs(5), async || {
            match send(post(&alice2, json!({"text": "here"}))).await {
                (s, _) if s == 201 => Ok(()),
                (s, b) => Err(format!("{s} {b}")),
            }
        })
        .await;
    };
    let patch_room = |frozen: bool| {
        t.server(Method::PATCH, "/v1/channels/messaging/room")
            .json(&json!({ "frozen": frozen }))
    };
    assert_eq!(send(patch_room(true)).await.0, 200);
    refused_on_2("node 2 sees the channel frozen", "channel_frozen").await;
    assert_eq!(send(patch_room(false)).await.0, 200);
    taken_on_2("node 2 sees the channel thawed").await;
    let (status, body) =
        send(t.server(Method::DELETE, "/v1/channels/messaging/room/members/alice")).await;
    assert_eq!(status, 204, "{body}");
    refused_on_2("node 2 sees alice removed", "not_a_member").await;
    let (status, body) = send(
        t.server(Method::POST, "/v1/channels/messaging/room/members")
            .json(&json!({"user_ids": ["alice"]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    taken_on_2("node 2 sees alice added back").await;

    // A user deactivated through node 1 is refused by node 2, which had them cached.
    let bob2 = on2.user("bob").await;
    assert_eq!(send(bob2.request(Method::GET, "/v1/me")).await.0, 200);
    let (status, body) = send(t.server(Method::DELETE, "/v1/users/bob?mode=soft")).await;
    assert!(status.is_success(), "{status} {body}");
    eventually(
        "node 2 refuses the deactivated user",
        Duration::from_secs(5),
        async || match send(bob2.request(Method::GET, "/v1/me")).await {
            (s, b) if s == 403 && b["code"] == "user_deactivated" => Ok(()),
            (s, b) => Err(format!("{s} {b}")),
        },
    )
    .await;

    // Keys and their tenant: a key used on node 2 (now in its cache) and revoked through
    // node 1 is refused by node 2 at once, and so is every key of a tenant disabled there.
    let tenant_path = format!("/admin/v1/tenants/{}", t.id);
    let (status, key) = send(
        n1.admin(Method::POST, &format!("{tenant_path}/keys"))
            .json(&json!({"kind": "secret", "name": "ci"})),
    )
    .await;
    assert_eq!(status, 201, "{key}");
    let with_key = |k: &str| {
        on2.client
            .get(format!("{}/v1/app", on2.app_base))
            .bearer_auth(k.to_owned())
    };
    let ci = key["key"].as_str().unwrap().to_owned();
    assert_eq!(send(with_key(&ci)).await.0, 200);
    let (status, body) = send(n1.admin(
        Method::DELETE,
        &format!("{tenant_path}/keys/{}", key["id"].as_str().unwrap()),
    ))
    .await;
    assert_eq!(status, 204, "{body}");
    eventually(
        "node 2 refuses the revoked key",
        Duration::from_secs(5),
        async || match send(with_key(&ci)).await {
            (s, b) if s == 401 && b["code"] == "invalid_api_key" => Ok(()),
            (s, b) => Err(format!("{s} {b}")),
        },
    )
    .await;
    assert_eq!(send(with_key(&t.secret_key)).await.0, 200);
    let (status, body) = send(
        n1.admin(Method::PATCH, &tenant_path)
            .json(&json!({"disabled": true})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    eventually(
        "node 2 refuses the disabled tenant",
        Duration::from_secs(5),
        async || match send(with_key(&t.secret_key)).await {
            (s, b) if s == 403 && b["code"] == "tenant_disabled" => Ok(()),
            (s, b) => Err(format!("{s} {b}")),
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_share_events_and_survive_a_killed_node() {
    let (_db, url) = PgDatabase::create().await;
    migrate(&url).await;
    let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
    let a = start_node(&url, &redis_url(), &prefix).await;
    let b = start_node(&url, &redis_url(), &prefix).await;
    let mut c = start_node(&url, &redis_url(), &prefix).await;
    let client = reqwest::Client::new();
    let t = create_tenant(&client, &a).await;
    for u in ["alice", "bob", "carol", "dave"] {
        t.create_user(u).await;
    }
    send(
        t.server(Method::POST, "/v1/channels").json(
            &json!({"type": "messaging", "id": "room", "members": ["alice", "bob", "carol"]}),
        ),
    )
    .await;
    send(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "dm", "members": ["alice", "dave"]})),
    )
    .await;
    let alice = t.user("alice").await;
    let bob = t.user("bob").await;
    let carol = t.user("carol").await;
    let dave = t.user("dave").await;
    let mut wa = alice.connect_to(&a.base).await;
    let mut wb = bob.connect_to(&b.base).await;
    let mut wc = carol.connect_to(&c.base).await;
    let _wd = dave.connect_to(&c.base).await;
    wa.expect_where("dave online", |v| {
        v["type"] == "presence.changed" && v["user_id"] == "dave"
    })
    .await;

    // A message sent on node A reaches clients on B and C.
    let (status, _) = send(
        tenant_on(&t, &a)
            .server(Method::POST, "/v1/channels/messaging/room/messages")
            .json(&json!({"text": "across", "user_id": "alice"})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(wb.expect("message.new").await["message"]["text"], "across");
    let first = wc.expect("message.new").await;
    assert_eq!(first["message"]["text"], "across");
    // Typing crosses nodes too.
    wb.send(json!({"type": "typing.start", "cid": "messaging:room"}))
        .await;
    assert_eq!(wa.expect("typing.start").await["user_id"], "bob");

    // Messages flow through A and B while C is killed; Carol reconnects to A and resumes.
    let mut follower = Follower::new("messaging:room", first["seq"].as_i64().unwrap() - 1);
    follower.feed(&mut wc, first).await;
    let total: usize = 150;
    let (ta, tb) = (tenant_on(&t, &a), tenant_on(&t, &b));
    let sender = tokio::spawn(async move {
        for i in 0..total {
            let via = if i % 2 == 0 { &ta } else { &tb };
            let (status, body) = send(
                via.server(Method::POST, "/v1/channels/messaging/room/messages")
                    .json(&json!({"text": format!("m{i}"), "user_id": "alice"})),
            )
            .await;
            assert_eq!(status, 201, "{body}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    let mut killed = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut ws: Ws = wc;
    while follower.messages.len() < total + 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} of {} messages",
            follower.messages.len(),
            total + 1
        );
        if !killed && follower.messages.len() >= 40 {
            c.child.start_kill().unwrap();
            let _ = c.child.wait().await;
            killed = true;
        }
        match ws.recv(Duration::from_secs(2)).await {
            Some(frame) => follower.feed(&mut ws, frame).await,
            None if ws.closed.is_some() => {
                ws = carol.connect_to(&a.base).await;
                follower.resume(&mut ws).await;
            }
            None => {}
        }
    }
    sender.await.unwrap();
    assert!(killed);
    assert_eq!(
        follower.message_seqs(),
        (1..=(total as i64 + 1)).collect::<Vec<_>>()
    );
    assert!(follower.resumes >= 1);

    // Dave was only on the dead node: the survivors take him offline once its presence
    // record expires (a 10 s TTL refreshed every 3 s, so up to ~13 s after the kill).
    let offline = wa
        .expect_where_within("dave offline", Duration::from_secs(30), |v| {
            v["type"] == "presence.changed" && v["user_id"] == "dave" && v["online"] == false
        })
        .await;
    assert!(offline["last_active_at"].is_string());
    drop(b);
}

struct PrivateRedis {
    child: Child,
    port: u16,
}

impl PrivateRedis {
    async fn start(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("redis-server on PATH");
        for _ in 0..50 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Self { child, port }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_outage_keeps_local_delivery_and_heals() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut redis = PrivateRedis::start(port).await;
    let (_db, url) = PgDatabase::create().await;
    let redis_url = redis.url();
    let tweak = |c: &mut parley_core::kernel::config::Config| {
        c.redis_url = Some(redis_url.clone());
        c.admin_token = Some(ADMIN.to_owned().into());
    };
    let n1 = TestApp::spawn_on(Some(url.clone()), tweak).await;
    let n2 = TestApp::spawn_on(Some(url.clone()), tweak).await;
    let t = n1.tenant("Acme").await;
    for u in ["alice", "bob", "carol"] {
        t.create_user(u).await;
    }
    send(
        t.server(Method::POST, "/v1/channels").json(
            &json!({"type": "messaging", "id": "room", "members": ["alice", "bob", "carol"]}),
        ),
    )
    .await;
    let bob = t.user("bob").await;
    let carol = t.user("carol").await;
    let mut wb = bob.connect_to(&n2.base).await;
    let mut wc = carol.connect_to(&n1.base).await;
    let post = |text: &str| {
        t.server(Method::POST, "/v1/channels/messaging/room/messages")
            .json(&json!({"text": text, "user_id": "alice"}))
    };
    // Wait until the nodes' subscriptions are up: the first message crosses.
    assert_eq!(send(post("before")).await.0, 201);
    assert_eq!(wb.expect("message.new").await["message"]["text"], "before");
    wc.expect("message.new").await;

    // Redis goes down: sends still succeed and same-node clients still get them.
    redis.child.start_kill().unwrap();
    let _ = redis.child.wait().await;
    assert_eq!(send(post("during")).await.0, 201);
    assert_eq!(wc.expect("message.new").await["message"]["text"], "during");

    // Redis comes back: the nodes reconnect by themselves; bob heals the gap with resume.
    let _redis = PrivateRedis::start(port).await;
    let mut follower = Follower::new("messaging:room", 2);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut i = 0;
    while follower.messages.len() < 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "cross-node delivery did not recover: {:?}",
            follower.messages
        );
        if i < 20 {
            assert_eq!(send(post(&format!("after {i}"))).await.0, 201);
            i += 1;
        }
        if let Some(frame) = wb.recv(Duration::from_millis(500)).await {
            follower.feed(&mut wb, frame).await;
        }
    }
    let seqs = follower.message_seqs();
    assert_eq!(
        seqs[..3],
        [2, 3, 4],
        "the message sent during the outage was recovered by resume"
    );
    drop(n2);
}

/// Nodes starting together on a fresh PostgreSQL database take turns migrating it: both start.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nodes_starting_together_migrate_once() {
    let (pg, url) = PgDatabase::create().await;
    let (a, b, c) = tokio::join!(
        TestApp::spawn_on(Some(url.clone()), |_| {}),
        TestApp::spawn_on(Some(url.clone()), |_| {}),
        TestApp::spawn_on(Some(url.clone()), |_| {}),
    );
    let t = a.tenant("Acme").await;
    let (status, _) = send(b.on(&t).server(Method::GET, "/v1/app")).await;
    assert_eq!(status, 200);
    let (status, _) = send(c.on(&t).server(Method::GET, "/v1/app")).await;
    assert_eq!(status, 200);
    drop((a, b, c));
    drop(pg);
}

/// A node stopped with SIGTERM announces its users offline as it drains: a user watching from
/// another node sees it at once, not when the stopped node's heartbeat expires (~10 s, as after
/// a crash). The offline delay is made longer than the test's patience, so only the drain can
/// deliver it in time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_stopped_cleanly_takes_its_users_offline_at_once() {
    let (_db, url) = PgDatabase::create().await;
    migrate(&url).await;
    let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
    let toml = "[realtime]\npresence_offline_delay_ms = 20000\nshutdown_grace_ms = 1000\n";
    let start = |url: String, prefix: String| async move {
        let dir = tempfile::tempdir().unwrap();
        let cmd = node_command_with(&url, &redis_url(), &prefix, dir.path(), toml);
        start_node_with(cmd, dir).await
    };
    let mut a = start(url.clone(), prefix.clone()).await;
    let b = start(url.clone(), prefix.clone()).await;
    let client = reqwest::Client::new();
    let t = create_tenant(&client, &a).await;
    t.create_user("alice").await;
    t.create_user("bob").await;
    send(
        t.server(Method::POST, "/v1/channels")
            .json(&json!({"type": "messaging", "id": "dm", "members": ["alice", "bob"]})),
    )
    .await;
    let mut bob = t.user("bob").await.connect_to(&b.base).await;
    let _alice = t.user("alice").await.connect_to(&a.base).await;
    bob.expect_where("alice online", |v| {
        v["type"] == "presence.changed" && v["user_id"] == "alice" && v["online"] == true
    })
    .await;

    let pid = a.child.id().expect("node A runs");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let stopped = tokio::time::Instant::now();
    let deadline = stopped + Duration::from_secs(5);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let Some(v) = bob.recv(left).await else {
            panic!("bob saw no presence.changed offline for alice within 5 s of SIGTERM");
        };
        if v["type"] == "presence.changed" && v["user_id"] == "alice" {
            assert_eq!(v["online"], false, "{v}");
            assert!(v["last_active_at"].is_string(), "{v}");
            break;
        }
    }
    let exit = tokio::time::timeout(Duration::from_secs(20), a.child.wait())
        .await
        .expect("node A exits")
        .unwrap();
    assert!(exit.success(), "node A exited with {exit}");
    drop(b);
}

/// A node on PostgreSQL + Redis that generates (or keeps in its own data directory) a value its
/// peers must share says so at start, naming the variable that sets it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_node_names_the_settings_it_does_not_share() {
    let (_db, url) = PgDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_parley-node"))
        .arg("serve")
        .current_dir(dir.path())
        .env("PARLEY_BIND", "127.0.0.1:0")
        .env("PARLEY_DATA_DIR", dir.path())
        .env("PARLEY_DATABASE_URL", &url)
        .env("PARLEY_REDIS_URL", redis_url())
        .env(
            "PARLEY_REDIS_PREFIX",
            format!("test-{}", uuid::Uuid::new_v4().simple()),
        )
        .env("PARLEY_LOG", "warn")
        .env_remove("PARLEY_ADMIN_TOKEN")
        .env_remove("PARLEY_MASTER_KEY")
        .env_remove("PARLEY_MEDIA_SIGNING_KEY")
        .env_remove("PARLEY_MEDIA_DIR")
        .env_remove("PARLEY_PUBLIC_URL")
        .env_remove("PARLEY_S3_BUCKET")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start parley-node");
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut err = BufReader::new(child.stderr.take().unwrap()).lines();
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = out.next_line().await.unwrap() {
            if line.starts_with("parley listening on ") {
                return;
            }
        }
        panic!("node exited before listening");
    })
    .await
    .expect("node start timeout");
    child.start_kill().unwrap();
    let _ = child.wait().await;
    let mut log = String::new();
    while let Ok(Some(line)) = err.next_line().await {
        log.push_str(&line);
        log.push('\n');
    }
    for var in [
        "PARLEY_ADMIN_TOKEN",
        "PARLEY_MASTER_KEY",
        "PARLEY_MEDIA_SIGNING_KEY",
        "PARLEY_MEDIA_DIR",
        "PARLEY_PUBLIC_URL",
    ] {
        assert!(log.contains(var), "no warning names {var}:\n{log}");
    }
}

/// A database URL naming a database that does not exist stops the start at once, saying so
/// and how to create it, instead of "try again shortly".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_database_stops_the_start_with_how_to_create_it() {
    let admin_url = postgres_admin_url();
    let name = format!("parley_missing_{}", uuid::Uuid::new_v4().simple());
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    let missing = format!("{base}/{name}");
    let dir = tempfile::tempdir().unwrap();
    let output = tokio::time::timeout(
        Duration::from_secs(20),
        node_command(&missing, &redis_url(), "unused", dir.path())
            .env("PARLEY_LOG", "off")
            .arg("serve")
            .output(),
    )
    .await
    .expect("the start fails fast")
    .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(stderr.contains("createdb"), "{stderr}");
    assert!(
        stderr.contains(&format!("CREATE DATABASE \"{name}\"")),
        "{stderr}"
    );
    assert!(stderr.contains("PARLEY_DATABASE_URL"), "{stderr}");
}

/// Two nodes on one PostgreSQL database, each taking concurrent sends for the same channel:
/// every message gets its own seq, and the seqs (of messages and of channel events) run
/// 1, 2, 3… with no gap and no repeat.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sends_on_two_nodes_get_gap_free_seqs() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    let (_db, url) = PgDatabase::create().await;
    let n1 = TestApp::spawn_on(Some(url.clone()), |_| {}).await;
    let n2 = TestApp::spawn_on(Some(url.clone()), |_| {}).await;
    let t = n1.tenant("Acme").await;
    t.create_user("alice").await;
    t.create_messaging_channel("room", &["alice"]).await;
    let per_sender = 40;
    let mut senders = tokio::task::JoinSet::new();
    for w in 0..6 {
        let via = if w % 2 == 0 { n1.on(&t) } else { n2.on(&t) };
        senders.spawn(async move {
            let mut acks = Vec::new();
            for i in 0..per_sender {
                let (status, m) = send(
                    via.server(Method::POST, "/v1/channels/messaging/room/messages")
                        .json(&json!({"text": format!("w{w}-{i}"), "user_id": "alice"})),
                )
                .await;
                assert_eq!(status, 201, "{m}");
                acks.push((
                    m["seq"].as_i64().unwrap(),
                    m["id"].as_str().unwrap().to_owned(),
                ));
            }
            acks
        });
    }
    let mut acked: Vec<(i64, String)> = Vec::new();
    while let Some(acks) = senders.join_next().await {
        acked.extend(acks.unwrap());
    }
    acked.sort();
    let total = 6 * per_sender;
    assert_eq!(
        acked.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        (1..=total as i64).collect::<Vec<_>>(),
        "each acknowledged send has its own seq, with no gap"
    );
    // The stored history says the same, message by message.
    let mut stored = Vec::new();
    let mut after = 0;
    loop {
        let (status, page) = send(t.server(
            Method::GET,
            &format!("/v1/channels/messaging/room/messages?after_seq={after}&limit=100"),
        ))
        .await;
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().unwrap();
        if items.is_empty() {
            break;
        }
        for m in items {
            stored.push((
                m["seq"].as_i64().unwrap(),
                m["id"].as_str().unwrap().to_owned(),
            ));
        }
        after = stored.last().unwrap().0;
    }
    assert_eq!(stored, acked);
    // So does the event log that resume replays from.
    use parley_core::entities::channel_event;
    let seqs: Vec<i64> = channel_event::Entity::find()
        .select_only()
        .column(channel_event::Column::Seq)
        .filter(channel_event::Column::TenantId.eq(t.id.as_str()))
        .filter(channel_event::Column::Cid.eq("messaging:room"))
        .order_by_asc(channel_event::Column::Seq)
        .into_tuple()
        .all(n2.db())
        .await
        .unwrap();
    assert_eq!(seqs, (1..=total as i64 + 1).collect::<Vec<_>>());
}

/// Sends SIGTERM to a child process, as a process manager stops it.
async fn terminate(child: &Child) {
    let pid = child.id().expect("still running").to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(status.success());
}

/// Waits for a child to exit and returns whether it exited cleanly.
async fn exits_cleanly(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    tokio::time::timeout(within, child.wait())
        .await
        .expect("the process did not exit after SIGTERM")
        .unwrap()
}

/// A webhook endpoint answering slowly, and a message whose delivery is in flight.
async fn delivery_in_flight(t: &Tenant) -> std::sync::Arc<parley_tests::webhooks::Receiver> {
    let r = parley_tests::webhooks::Receiver::start().await;
    r.set_delay(Duration::from_millis(1_500));
    let (status, hook) = send(
        t.server(Method::POST, "/v1/webhooks")
            .json(&json!({"url": r.url(), "event_types": ["message.new"]})),
    )
    .await;
    assert_eq!(status, 201, "{hook}");
    r.set_secret(hook["secret"].as_str().unwrap());
    let hook_id = hook["id"].as_str().unwrap().to_owned();
    let (status, m) = send(
        t.server(Method::POST, "/v1/channels/messaging/room/messages")
            .json(&json!({"text": "in flight", "user_id": "alice"})),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    eventually(
        "the delivery in flight",
        Duration::from_secs(20),
        async || {
            let (_, log) = send(t.server(
                Method::GET,
                &format!("/v1/webhooks/{hook_id}/deliveries?status=sending"),
            ))
            .await;
            if log["items"].as_array().is_some_and(|i| !i.is_empty()) {
                Ok(())
            } else {
                Err(log.to_string())
            }
        },
    )
    .await;
    r
}

/// The delivery the stopped process had in flight is done, not left claimed.
async fn delivery_done(url: &str) {
    let db = sea_orm::Database::connect(url).await.unwrap();
    let done = count(
        &db,
        "SELECT COUNT(*) FROM outbox WHERE kind = 'webhook' AND status = 'done' AND locked_by IS NULL",
        [],
    )
    .await;
    assert_eq!(done, 1, "the in-flight delivery was finished and recorded");
    let _ = db.close().await;
}

/// `parley serve` as a real process stopped with SIGTERM: its WebSocket clients are told to
/// reconnect elsewhere (1012), the webhook delivery its in-process worker had in flight
/// finishes, and the process exits with success.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_parley_serve_cleanly() {
    let (_db, url) = PgDatabase::create().await;
    migrate(&url).await;
    let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
    let mut node = start_node_env(
        &url,
        &redis_url(),
        &prefix,
        &[("PARLEY_ALLOW_PRIVATE_URLS", "true")],
    )
    .await;
    let client = reqwest::Client::new();
    let t = create_tenant(&client, &node).await;
    t.create_user("alice").await;
    t.create_messaging_channel("room", &["alice"]).await;
    let mut ws = t.user("alice").await.connect_to(&node.base).await;
    let r = delivery_in_flight(&t).await;

    terminate(&node.child).await;
    let (code, reason) = ws.closed_with(Duration::from_secs(10)).await;
    assert_eq!(code, 1012, "{reason}");
    assert!(reason.contains("reconnect elsewhere"), "{reason}");
    let status = exits_cleanly(&mut node.child, Duration::from_secs(30)).await;
    assert!(status.success(), "parley serve exited with {status}");
    assert_eq!(r.received().len(), 1, "the in-flight delivery arrived");
    delivery_done(&url).await;
}

/// `parley worker` as a real process stopped with SIGTERM in the middle of a delivery: it
/// finishes the delivery, records it, and exits with success.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_parley_worker_finish_its_delivery() {
    let (_db, url) = PgDatabase::create().await;
    let app = TestApp::spawn_on(Some(url.clone()), |c| {
        c.worker.in_process = false;
        c.admin_token = Some(ADMIN.to_owned().into());
        c.master_key = Some("Y2x1c3Rlci10ZXN0LW1hc3Rlci1rZXktMzItYnl0ZXM=".into());
    })
    .await;
    let t = app.tenant("Acme").await;
    t.create_user("alice").await;
    t.create_messaging_channel("room", &["alice"]).await;
    let dir = tempfile::tempdir().unwrap();
    let mut worker = node_command(&url, &redis_url(), "unused", dir.path())
        .env("PARLEY_ALLOW_PRIVATE_URLS", "true")
        .arg("worker")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start parley-node worker");
    let mut lines = BufReader::new(worker.stdout.take().unwrap()).lines();
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains("parley worker running") {
                return;
            }
        }
        panic!("the worker exited before running");
    })
    .await
    .expect("worker start timeout");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let r = delivery_in_flight(&t).await;

    terminate(&worker).await;
    let status = exits_cleanly(&mut worker, Duration::from_secs(30)).await;
    assert!(status.success(), "parley worker exited with {status}");
    assert_eq!(r.received().len(), 1, "the in-flight delivery arrived");
    delivery_done(&url).await;
}
