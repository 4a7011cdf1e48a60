//! The Rust SDK (sdk/rust) against live servers: REST flows typed with the server's own wire
//! types, problems as typed errors, and the realtime client's guarantees across connections
//! cut mid-stream, a replay the log cannot serve, and an expired token.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use parley_sdk::wire::{
    AddMembers, MarkRead, NewChannel, NewMessage, NewReaction, NewTenant, NewToken, NewUpload,
    NewWebhook, UserInput,
};
use parley_sdk::{
    Client, ConnectionState, HistoryQuery, Realtime, RealtimeEvent, RealtimeOptions, RepliesQuery,
    RetryPolicy, TokenProvider,
};
use parley_tests::{Backend, TestApp};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// A TCP proxy in front of a server whose connections the test can cut, and refuse for a
/// while: a network that drops, between the SDK and the server.
struct Proxy {
    base: String,
    cut: Arc<Notify>,
    down: Arc<AtomicBool>,
}

impl Proxy {
    async fn start(target: std::net::SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let cut = Arc::new(Notify::new());
        let down = Arc::new(AtomicBool::new(false));
        let (c, d) = (Arc::clone(&cut), Arc::clone(&down));
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if d.load(Ordering::SeqCst) {
                    let _ = inbound.shutdown().await;
                    continue;
                }
                let cut = Arc::clone(&c);
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut.notified() => {}
                    }
                });
            }
        });
        Self { base, cut, down }
    }

    /// Drops every open connection.
    fn cut(&self) {
        self.cut.notify_waiters();
    }
}

async fn tenant(app: &TestApp) -> (Client, parley_sdk::wire::CreatedTenant) {
    let admin = Client::admin(&app.base, &app.admin_token).unwrap();
    let created = admin
        .create_tenant(&NewTenant {
            name: "Acme".into(),
            settings: None,
        })
        .await
        .unwrap();
    let server = Client::server(&app.base, &created.secret_key).unwrap();
    for u in ["alice", "bob"] {
        server
            .put_user(
                u,
                &UserInput {
                    name: Some(u.to_uppercase()),
                    image: None,
                    role: None,
                    custom: None,
                },
            )
            .await
            .unwrap();
    }
    (server, created)
}

fn provider(secret: String, user: &'static str, calls: Arc<AtomicUsize>) -> TokenProvider {
    Arc::new(move || {
        let secret = secret.clone();
        let calls = Arc::clone(&calls);
        Box::pin(async move {
            calls.fetch_add(1, Ordering::SeqCst);
            parley_sdk::mint_user_token(&secret, user, 3_600)
        })
    })
}

fn text(s: &str) -> NewMessage {
    NewMessage {
        text: s.into(),
        ..Default::default()
    }
}

async fn room(server: &Client) -> String {
    server
        .create_channel(&NewChannel {
            kind: "messaging".into(),
            id: Some("room".into()),
            name: Some("Room".into()),
            members: vec!["alice".into(), "bob".into()],
            distinct: false,
            custom: None,
            user_id: Some("alice".into()),
        })
        .await
        .unwrap()
        .cid
}

/// Waits for the next channel event of `kind`, skipping everything else.
async fn next_event(rt: &mut Realtime, kind: &str) -> parley_sdk::wire::Event {
    loop {
        match tokio::time::timeout(Duration::from_secs(20), rt.next()).await {
            Ok(Some(RealtimeEvent::Event(e))) if e.kind.as_str() == kind => return *e,
            Ok(Some(_)) => {}
            other => panic!("no {kind}: {other:?}"),
        }
    }
}

/// Bob's realtime connection through `proxy`, reconnecting after about `backoff_ms`; ready.
async fn bob_through(
    proxy: &Proxy,
    created: &parley_sdk::wire::CreatedTenant,
    backoff_ms: u64,
) -> Realtime {
    let tokens = provider(
        created.signing_secret.clone(),
        "bob",
        Arc::new(AtomicUsize::new(0)),
    );
    let bob = Client::user(&proxy.base, &created.publishable_key, tokens).unwrap();
    let mut rt = Realtime::connect(
        &bob,
        RealtimeOptions {
            min_backoff: Duration::from_millis(backoff_ms),
            ..Default::default()
        },
    );
    connected(&mut rt).await;
    rt
}

async fn connected(rt: &mut Realtime) {
    tokio::time::timeout(Duration::from_secs(20), rt.ready())
        .await
        .expect("connected within 20 s")
        .expect("connected");
}

#[tokio::test]
async fn rest_calls_use_the_servers_types_and_problems_are_typed() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (server, created) = tenant(&app).await;
    let token = server
        .create_token(&NewToken {
            user_id: "alice".into(),
            expires_in: Some(600),
        })
        .await
        .unwrap();
    let alice = Client::user_with_token(&app.base, &created.publishable_key, &token.token).unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let bob = Client::user(
        &app.base,
        &created.publishable_key,
        provider(created.signing_secret.clone(), "bob", Arc::clone(&calls)),
    )
    .unwrap();
    assert_eq!(alice.me().await.unwrap().id, "alice");
    assert_eq!(bob.me().await.unwrap().id, "bob");

    // Channels, members, messages, reactions, threads.
    let cid = room(&server).await;
    server
        .add_members(
            &cid,
            &AddMembers {
                user_ids: vec!["bob".into()],
                role: None,
            },
        )
        .await
        .unwrap();
    let mut sent = Vec::new();
    for i in 0..5 {
        sent.push(
            alice
                .send_message(&cid, &text(&format!("m{i}")))
                .await
                .unwrap(),
        );
    }
    let with_reaction = bob
        .add_reaction(
            &sent[0].id,
            &NewReaction {
                kind: "like".into(),
                user_id: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(with_reaction.reaction_counts.get("like"), Some(&1));
    let reply = bob
        .send_message(
            &cid,
            &NewMessage {
                parent_id: Some(sent[1].id.clone()),
                ..text("in the thread")
            },
        )
        .await
        .unwrap();
    let thread = alice
        .replies(&sent[1].id, &RepliesQuery::default())
        .await
        .unwrap();
    assert_eq!(
        thread.items.iter().map(|m| &m.id).collect::<Vec<_>>(),
        [&reply.id]
    );

    // History in pages of two, oldest last.
    let mut seen = Vec::new();
    let mut query = HistoryQuery {
        limit: Some(2),
        ..Default::default()
    };
    loop {
        let page = bob.history(&cid, &query).await.unwrap();
        seen.splice(0..0, page.items.iter().map(|m| m.text.clone()));
        match page.next_cursor {
            Some(c) => query.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, ["m0", "m1", "m2", "m3", "m4"]);

    // Read state and unread counts.
    let unread = bob.my_unread().await.unwrap();
    assert_eq!(unread.total_unread_count, 5);
    bob.mark_read(
        &cid,
        Some(&MarkRead {
            seq: Some(sent[2].seq),
            user_id: None,
        }),
    )
    .await
    .unwrap();
    assert_eq!(bob.my_unread().await.unwrap().total_unread_count, 2);

    // An upload through its signed URL.
    let notes = b"Meeting notes: ship the Rust SDK.".to_vec();
    let upload = alice
        .create_upload(&NewUpload {
            filename: "notes.txt".into(),
            content_type: "text/plain".into(),
            size: notes.len() as u64,
            user_id: None,
        })
        .await
        .unwrap();
    alice.put_upload(&upload, notes.clone()).await.unwrap();
    let done = alice.complete_upload(&upload.upload_id).await.unwrap();
    assert_eq!(done.upload_id, upload.upload_id);
    let url = done.url.as_deref().expect("a download URL");
    assert_eq!(alice.get_signed(url).await.unwrap(), notes);

    // Webhooks.
    let hook = server
        .create_webhook(&NewWebhook {
            url: "http://127.0.0.1:9/parley".into(),
            event_types: vec!["message.new".into()],
            description: None,
            enabled: None,
        })
        .await
        .unwrap();
    assert_eq!(server.list_webhooks().await.unwrap().items.len(), 1);
    server.delete_webhook(&hook.id).await.unwrap();

    // A 404 as a typed problem.
    let missing = alice.get_channel("messaging:nope").await.unwrap_err();
    let problem = missing.api().expect("a problem");
    assert_eq!((problem.status, problem.code()), (404, "channel_not_found"));
    // The provider was asked once, for bob's first call.
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn rate_limits_are_typed_with_retry_after_and_retried_when_asked() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.limits.user_requests_per_second = 1).await;
    let (_, created) = tenant(&app).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let alice = Client::user(
        &app.base,
        &created.publishable_key,
        provider(created.signing_secret.clone(), "alice", calls),
    )
    .unwrap();
    let mut limited = None;
    for _ in 0..10 {
        if let Err(e) = alice.me().await {
            limited = Some(e);
            break;
        }
    }
    let e = limited.expect("a 429 within ten calls");
    let api = e.api().expect("a problem");
    assert_eq!((api.status, api.code()), (429, "rate_limited"));
    assert!(
        api.retry_after.is_some_and(|d| d >= Duration::from_secs(1)),
        "{api:?}"
    );
    // With a retry policy the same burst goes through, waiting as told.
    let patient = alice.with_retry(RetryPolicy::standard());
    for _ in 0..4 {
        patient.me().await.unwrap();
    }
}

#[tokio::test]
async fn realtime_survives_cut_connections_with_every_message_once_in_order() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (server, created) = tenant(&app).await;
    let cid = room(&server).await;
    let proxy = Proxy::start(app.addr).await;
    let mut rt = bob_through(&proxy, &created, 50).await;

    // Alice sends 60 messages straight to the server while bob's connection is cut three
    // times, once while it is down for half a second.
    let sender = server.clone();
    let cid2 = cid.clone();
    let sending = tokio::spawn(async move {
        for i in 0..60 {
            sender
                .send_message(
                    &cid2,
                    &NewMessage {
                        user_id: Some("alice".into()),
                        ..text(&format!("m{i}"))
                    },
                )
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(15)).await;
        }
    });
    let cutter = async {
        for pause in [200, 150, 150] {
            tokio::time::sleep(Duration::from_millis(pause)).await;
            proxy.down.store(true, Ordering::SeqCst);
            proxy.cut();
            tokio::time::sleep(Duration::from_millis(if pause == 150 { 500 } else { 50 })).await;
            proxy.down.store(false, Ordering::SeqCst);
        }
    };
    let mut texts = Vec::new();
    let mut reconnects = 0;
    let receiving = async {
        while texts.len() < 60 {
            match tokio::time::timeout(Duration::from_secs(30), rt.next()).await {
                Ok(Some(RealtimeEvent::Event(e))) if e.kind.as_str() == "message.new" => {
                    texts.push(e.payload.message.expect("message").text);
                }
                Ok(Some(RealtimeEvent::State(ConnectionState::Reconnecting { .. }))) => {
                    reconnects += 1
                }
                Ok(Some(_)) => {}
                other => panic!("after {} messages: {other:?}", texts.len()),
            }
        }
    };
    tokio::join!(cutter, receiving);
    sending.await.unwrap();
    let expected: Vec<String> = (0..60).map(|i| format!("m{i}")).collect();
    assert_eq!(texts, expected, "every message once, in order");
    assert!(reconnects >= 3, "the connection was cut {reconnects} times");
    // Nothing more arrives: no duplicates were held back.
    let extra = tokio::time::timeout(
        Duration::from_millis(500),
        next_event(&mut rt, "message.new"),
    )
    .await;
    assert!(extra.is_err(), "a message arrived twice");
    // Sends over the socket are acknowledged with the stored message.
    let stored = rt.send_message(&cid, text("from bob")).await.unwrap();
    assert_eq!(stored.user_id.as_deref(), Some("bob"));
    rt.close();
}

#[tokio::test]
async fn a_replay_the_log_cannot_serve_is_refetched_and_reported() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.realtime.max_resume_events = 3).await;
    let (server, created) = tenant(&app).await;
    let cid = room(&server).await;
    let proxy = Proxy::start(app.addr).await;
    let mut rt = bob_through(&proxy, &created, 300).await;
    proxy.down.store(true, Ordering::SeqCst);
    proxy.cut();
    for i in 0..6 {
        server
            .send_message(
                &cid,
                &NewMessage {
                    user_id: Some("alice".into()),
                    ..text(&format!("missed {i}"))
                },
            )
            .await
            .unwrap();
    }
    proxy.down.store(false, Ordering::SeqCst);
    let (failed_cid, seq, channel) = loop {
        match tokio::time::timeout(Duration::from_secs(20), rt.next()).await {
            Ok(Some(RealtimeEvent::ResumeFailed {
                cid,
                seq,
                channel,
                reason,
            })) => {
                assert_eq!(reason, "too_far_behind");
                break (cid, seq, channel);
            }
            Ok(Some(RealtimeEvent::Event(e))) if e.kind.as_str() == "message.new" => {
                panic!("a replayed message despite the limit")
            }
            Ok(Some(_)) => {}
            other => panic!("no resume.failed: {other:?}"),
        }
    };
    assert_eq!(failed_cid, cid);
    let channel = channel.expect("the channel, fetched again");
    assert_eq!(channel.cid, cid);
    assert!(seq > 0);
    // Live events continue after the new cursor.
    server
        .send_message(
            &cid,
            &NewMessage {
                user_id: Some("alice".into()),
                ..text("after")
            },
        )
        .await
        .unwrap();
    let after = next_event(&mut rt, "message.new").await;
    assert_eq!(after.payload.message.unwrap().text, "after");
    assert_eq!(rt.cursors()[&cid], after.seq.unwrap());
}

#[tokio::test]
async fn an_expired_token_is_replaced_by_the_provider() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, created) = tenant(&app).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let secret = created.signing_secret.clone();
    let counter = Arc::clone(&calls);
    // The first token handed out expired a minute ago; the next ones are fresh.
    let provider: TokenProvider = Arc::new(move || {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let secret = secret.clone();
        Box::pin(async move {
            if n == 0 {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs();
                let claims = serde_json::json!({"sub": "bob", "iat": now - 120, "exp": now - 60});
                Ok(jsonwebtoken::encode(
                    &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
                    &claims,
                    &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
                )
                .unwrap())
            } else {
                parley_sdk::mint_user_token(&secret, "bob", 600)
            }
        })
    });
    let bob = Client::user(&app.base, &created.publishable_key, provider).unwrap();
    let mut rt = Realtime::connect(
        &bob,
        RealtimeOptions {
            min_backoff: Duration::from_millis(50),
            ..Default::default()
        },
    );
    connected(&mut rt).await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "asked again after the refusal"
    );
    // REST with the refreshed token needs no further call.
    assert_eq!(bob.me().await.unwrap().id, "bob");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}
