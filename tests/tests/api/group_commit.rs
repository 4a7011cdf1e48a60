//! Group commit: concurrent sends are stored in shared transactions, and each keeps the
//! semantics of a send stored alone: gap-free `seq`s, idempotent client ids, refusals that
//! fail only their own send, and acknowledgements that mean committed.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use parley_tests::*;
use reqwest::Method;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

/// Long enough that concurrent requests land in one batch.
const LINGER_US: u64 = 50_000;

fn lingering(config: &mut parley_core::kernel::config::Config) {
    config.writes.batch_linger_us = LINGER_US;
}

fn stats(app: &TestApp) -> parley_core::messages::WriteStats {
    app.running.as_ref().expect("running").ctx.write_stats()
}

async fn rooms(app: &TestApp, names: &[&str]) -> Tenant {
    let t = app.tenant("Acme").await;
    for u in ["alice", "bob", "carol"] {
        t.create_user(u).await;
    }
    for name in names {
        let (status, body) =
            send(t.server(Method::POST, "/v1/channels").json(
                &json!({"type": "messaging", "id": name, "members": ["alice", "bob", "carol"]}),
            ))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    t
}

fn post(user: &User, room: &str, body: Value) -> reqwest::RequestBuilder {
    user.request(
        Method::POST,
        &format!("/v1/channels/messaging/{room}/messages"),
    )
    .json(&body)
}

/// Every message of a room, oldest first, through history.
async fn history(t: &Tenant, room: &str) -> Vec<Value> {
    let (status, page) = send(t.server(
        Method::GET,
        &format!("/v1/channels/messaging/{room}/messages?limit=200"),
    ))
    .await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

/// The channel's event log numbers 1, 2, 3… with no gap and no repeat.
async fn assert_event_log_gap_free(app: &TestApp, room: &str) {
    let db = app.db();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT seq FROM channel_events WHERE cid = 'messaging:{room}' ORDER BY seq"),
        ))
        .await
        .unwrap();
    let seqs: Vec<i64> = rows
        .iter()
        .map(|r| r.try_get_by_index(0).unwrap())
        .collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "event seqs of {room}"
    );
}

/// Concurrent sends over several channels, with thread replies and repeats of one client id,
/// land in shared batches: each channel's `seq`s run 1, 2, 3…, every acknowledged message is
/// stored once with the seq it was acknowledged with, and the repeats return the first.
async fn batches_are_gap_free_and_store_each_send_once(app: TestApp) {
    let names = ["r0", "r1", "r2", "r3"];
    let t = rooms(&app, &names).await;
    let (alice, bob) = (t.user("alice").await, t.user("bob").await);
    let (status, parent) = send(post(&alice, "r1", json!({"text": "thread"}))).await;
    assert_eq!(status, 201, "{parent}");
    let before = stats(&app);

    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..40 {
        let who = if i % 2 == 0 {
            alice.clone()
        } else {
            bob.clone()
        };
        let room = names[i % names.len()];
        tasks.spawn(async move {
            let (status, m) = send(post(&who, room, json!({"text": format!("m{i}")}))).await;
            ("plain", status.as_u16(), m)
        });
    }
    for _ in 0..6 {
        let who = alice.clone();
        tasks.spawn(async move {
            let (status, m) = send(post(&who, "r0", json!({"id": "once", "text": "x"}))).await;
            ("repeat", status.as_u16(), m)
        });
    }
    for i in 0..3 {
        let who = bob.clone();
        let parent_id = parent["id"].clone();
        tasks.spawn(async move {
            let (status, m) = send(post(
                &who,
                "r1",
                json!({"text": format!("reply {i}"), "parent_id": parent_id}),
            ))
            .await;
            ("reply", status.as_u16(), m)
        });
    }
    let mut acked: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    let mut repeats = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (kind, status, m) = done.unwrap();
        if kind == "repeat" {
            assert!(status == 201 || status == 200, "{status} {m}");
            repeats.push((status, m));
            continue;
        }
        assert_eq!(status, 201, "{m}");
        acked
            .entry(m["cid"].as_str().unwrap().to_owned())
            .or_default()
            .push((
                m["seq"].as_i64().unwrap(),
                m["id"].as_str().unwrap().to_owned(),
            ));
    }
    // The repeated client id: stored once, and every answer is that message.
    assert_eq!(repeats.iter().filter(|(s, _)| *s == 201).count(), 1);
    let first = &repeats.iter().find(|(s, _)| *s == 201).unwrap().1;
    for (_, m) in &repeats {
        assert_eq!(m, first, "a repeat answers with the stored message");
    }
    acked
        .entry("messaging:r0".into())
        .or_default()
        .push((first["seq"].as_i64().unwrap(), "once".into()));
    acked
        .entry("messaging:r1".into())
        .or_default()
        .push((1, parent["id"].as_str().unwrap().to_owned()));

    let (status, replies) = send(t.server(
        Method::GET,
        &format!("/v1/messages/{}/replies", parent["id"].as_str().unwrap()),
    ))
    .await;
    assert_eq!(status, 200, "{replies}");
    for room in names {
        let mut stored: Vec<(i64, String)> = history(&t, room)
            .await
            .iter()
            .chain(replies["items"].as_array().unwrap().iter())
            .filter(|m| m["cid"] == format!("messaging:{room}"))
            .map(|m| {
                (
                    m["seq"].as_i64().unwrap(),
                    m["id"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        stored.sort();
        let mut want = acked.remove(&format!("messaging:{room}")).unwrap();
        want.sort();
        assert_eq!(
            stored, want,
            "{room}: what was acknowledged is what is stored"
        );
        assert_eq!(
            stored.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
            (1..=stored.len() as i64).collect::<Vec<_>>(),
            "{room}: seqs without gaps"
        );
        assert_event_log_gap_free(&app, room).await;
    }
    let (_, thread) = send(t.server(
        Method::GET,
        &format!("/v1/messages/{}", parent["id"].as_str().unwrap()),
    ))
    .await;
    assert_eq!(thread["reply_count"], 3, "{thread}");

    let after = stats(&app);
    let sends = after.sends - before.sends;
    let batches = after.batches - before.batches;
    // Every send but the repeats that arrived after the first was committed (those are
    // answered before they reach the writer).
    assert!(
        (44..=49).contains(&sends),
        "every send went through the writer: {before:?} → {after:?}"
    );
    assert!(
        batches < sends && after.largest > 1,
        "sends shared transactions: {before:?} → {after:?}"
    );
}

/// In a batch, a send that a guard refuses, one that takes an upload another send of the
/// batch took, and one that reuses another user's client id each fail alone: the others are
/// stored, and `seq`s stay gap-free.
async fn a_refused_send_fails_alone(app: TestApp) {
    let t = rooms(&app, &["room"]).await;
    let (alice, bob) = (t.user("alice").await, t.user("bob").await);
    let (status, list) = send(
        t.server(Method::PUT, "/v1/blocklists/rude")
            .json(&json!({"words": ["darn"]})),
    )
    .await;
    assert_eq!(status, 201, "{list}");
    let (status, kind) = send(
        t.server(Method::PUT, "/v1/channel-types/messaging")
            .json(&json!({"blocklists": [{"name": "rude", "action": "block"}]})),
    )
    .await;
    assert_eq!(status, 200, "{kind}");
    let att = crate::media::upload(&alice, "a.txt", "text/plain", b"shared\n".to_vec()).await;

    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..10 {
        let who = if i % 2 == 0 {
            alice.clone()
        } else {
            bob.clone()
        };
        tasks.spawn(async move {
            let (status, m) = send(post(&who, "room", json!({"text": format!("ok {i}")}))).await;
            ("ok", status.as_u16(), m)
        });
    }
    {
        let who = bob.clone();
        tasks.spawn(async move {
            let (status, m) = send(post(&who, "room", json!({"text": "well darn"}))).await;
            ("blocked", status.as_u16(), m)
        });
    }
    for i in 0..2 {
        let who = alice.clone();
        let upload_id = att["upload_id"].clone();
        tasks.spawn(async move {
            let (status, m) = send(post(
                &who,
                "room",
                json!({"text": format!("file {i}"), "attachments": [{"upload_id": upload_id}]}),
            ))
            .await;
            ("upload", status.as_u16(), m)
        });
    }
    for who in [alice.clone(), bob.clone()] {
        tasks.spawn(async move {
            let (status, m) = send(post(&who, "room", json!({"id": "mine", "text": "hi"}))).await;
            ("claim", status.as_u16(), m)
        });
    }
    let mut acked = BTreeSet::new();
    let mut outcomes: BTreeMap<&str, Vec<(u16, Value)>> = BTreeMap::new();
    while let Some(done) = tasks.join_next().await {
        let (kind, status, m) = done.unwrap();
        if status == 201 {
            acked.insert((
                m["seq"].as_i64().unwrap(),
                m["id"].as_str().unwrap().to_owned(),
            ));
        }
        outcomes.entry(kind).or_default().push((status, m));
    }
    assert!(outcomes["ok"].iter().all(|(s, _)| *s == 201));
    let (status, refusal) = &outcomes["blocked"][0];
    assert_eq!(
        (*status, refusal["code"].as_str()),
        (422, Some("message_blocked"))
    );
    let mut uploads: Vec<(u16, Option<&str>)> = outcomes["upload"]
        .iter()
        .map(|(s, m)| (*s, m["code"].as_str()))
        .collect();
    uploads.sort();
    assert_eq!(uploads[0], (201, None), "{:?}", outcomes["upload"]);
    assert_eq!(uploads[1].1, Some("upload_already_attached"));
    let mut claims: Vec<(u16, Option<&str>)> = outcomes["claim"]
        .iter()
        .map(|(s, m)| (*s, m["code"].as_str()))
        .collect();
    claims.sort();
    assert_eq!(
        claims,
        vec![(201, None), (409, Some("message_id_conflict"))],
        "{:?}",
        outcomes["claim"]
    );

    let stored: BTreeSet<(i64, String)> = history(&t, "room")
        .await
        .iter()
        .map(|m| {
            (
                m["seq"].as_i64().unwrap(),
                m["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(stored, acked, "exactly the acknowledged sends are stored");
    assert_eq!(
        stored.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        (1..=12).collect::<Vec<_>>()
    );
    assert_event_log_gap_free(&app, "room").await;
}

/// A user deactivated while her send waits in the writer's queue: the batch reads every
/// sender's credentials again in its transaction, so hers fails alone with the code a new
/// request would get, and the others are stored with gap-free `seq`s.
async fn a_send_whose_user_is_withdrawn_meanwhile_fails_alone(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.writes.batch_linger_us = 600_000).await;
    let t = rooms(&app, &["room"]).await;
    let (alice, bob, carol) = (
        t.user("alice").await,
        t.user("bob").await,
        t.user("carol").await,
    );
    let mut tasks = tokio::task::JoinSet::new();
    for (i, who) in [alice, bob, carol].into_iter().enumerate() {
        tasks.spawn(async move {
            let (status, m) = send(post(&who, "room", json!({"text": format!("m{i}")}))).await;
            (who.id.clone(), status.as_u16(), m)
        });
    }
    // The writer lingers 600 ms after the first send; carol is deactivated meanwhile.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (status, _) = send(t.server(Method::DELETE, "/v1/users/carol")).await;
    assert_eq!(status, 204);
    let mut answers = BTreeMap::new();
    while let Some(done) = tasks.join_next().await {
        let (who, status, m) = done.unwrap();
        answers.insert(who, (status, m));
    }
    assert_eq!(answers["alice"].0, 201, "{:?}", answers["alice"]);
    assert_eq!(answers["bob"].0, 201, "{:?}", answers["bob"]);
    let (status, refusal) = &answers["carol"];
    assert_eq!(
        (*status, refusal["code"].as_str()),
        (403, Some("user_deactivated")),
        "{refusal}"
    );
    let texts: BTreeSet<String> = history(&t, "room")
        .await
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(texts, BTreeSet::from(["m0".to_owned(), "m1".to_owned()]));
    assert_event_log_gap_free(&app, "room").await;
}

async fn spawn_lingering(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, lingering).await
}

/// Both backends, with a writer that lingers so concurrent requests share batches.
mod lingering {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn batches_sqlite() {
        batches_are_gap_free_and_store_each_send_once(spawn_lingering(Backend::Sqlite).await).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn batches_postgres() {
        batches_are_gap_free_and_store_each_send_once(spawn_lingering(Backend::Postgres).await)
            .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn refusals_sqlite() {
        a_refused_send_fails_alone(spawn_lingering(Backend::Sqlite).await).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn refusals_postgres() {
        a_refused_send_fails_alone(spawn_lingering(Backend::Postgres).await).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn withdrawn_sqlite() {
        a_send_whose_user_is_withdrawn_meanwhile_fails_alone(Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn withdrawn_postgres() {
        a_send_whose_user_is_withdrawn_meanwhile_fails_alone(Backend::Postgres).await
    }
}

/// Two nodes on one PostgreSQL database batch sends for the same channels, in different
/// orders: every channel's `seq`s and event log stay gap-free, and nothing waits forever
/// (the rows a batch bumps are locked in key order).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_batching_the_same_channels_stay_gap_free() {
    let (_db, url) = PgDatabase::create().await;
    let tweak = |c: &mut parley_core::kernel::config::Config| c.writes.batch_linger_us = 5_000;
    let n1 = TestApp::spawn_on(Some(url.clone()), tweak).await;
    let n2 = TestApp::spawn_on(Some(url.clone()), tweak).await;
    let names = ["a", "b", "c", "d"];
    let t = rooms(&n1, &names).await;
    let mut senders = tokio::task::JoinSet::new();
    for w in 0..12usize {
        let via = if w % 2 == 0 { n1.on(&t) } else { n2.on(&t) };
        senders.spawn(async move {
            let mut acks = Vec::new();
            for i in 0..12usize {
                // Each sender walks the channels in its own order.
                let room = names[(w + i * (1 + w % 3)) % names.len()];
                let (status, m) = send(
                    via.server(
                        Method::POST,
                        &format!("/v1/channels/messaging/{room}/messages"),
                    )
                    .json(&json!({"text": format!("w{w}-{i}"), "user_id": "alice"})),
                )
                .await;
                assert_eq!(status, 201, "{m}");
                acks.push((
                    m["cid"].as_str().unwrap().to_owned(),
                    m["seq"].as_i64().unwrap(),
                ));
            }
            acks
        });
    }
    let mut acked: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let outcome = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(acks) = senders.join_next().await {
            for (cid, seq) in acks.unwrap() {
                acked.entry(cid).or_default().push(seq);
            }
        }
    })
    .await;
    assert!(outcome.is_ok(), "the senders finished");
    assert_eq!(acked.values().map(Vec::len).sum::<usize>(), 144);
    for room in names {
        let mut seqs = acked
            .remove(&format!("messaging:{room}"))
            .unwrap_or_default();
        seqs.sort();
        assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "{room}");
        let stored: Vec<i64> = history(&t, room)
            .await
            .iter()
            .map(|m| m["seq"].as_i64().unwrap())
            .collect();
        assert_eq!(stored, seqs, "{room}: stored as acknowledged");
        assert_event_log_gap_free(&n1, room).await;
    }
    let (s1, s2) = (stats(&n1), stats(&n2));
    assert!(
        s1.largest > 1 && s2.largest > 1,
        "both nodes batched: {s1:?} {s2:?}"
    );
}

/// The database connection of a batch dies while the batch waits on a row lock: none of its
/// sends is acknowledged, each sender gets 503 `database_unavailable` with `Retry-After`,
/// nothing of the batch is stored, and the next send is stored with the seq the dead batch
/// would have taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_batch_whose_database_dies_acks_nothing() {
    use sea_orm::TransactionTrait;
    let app = TestApp::spawn_with(Backend::Postgres, |c| {
        c.writes.batch_linger_us = 300_000;
    })
    .await;
    let t = rooms(&app, &["room"]).await;
    let alice = t.user("alice").await;
    // Another session holds the channel's row: the batch will wait on it.
    let holder = sea_orm::Database::connect(app.database_url())
        .await
        .unwrap();
    let lock = holder.begin().await.unwrap();
    lock.execute_unprepared("SELECT 1 FROM channels WHERE cid = 'messaging:room' FOR UPDATE")
        .await
        .unwrap();

    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..6 {
        let who = alice.clone();
        tasks.spawn(async move {
            let res = post(&who, "room", json!({"text": format!("lost {i}")}))
                .send()
                .await
                .unwrap();
            let retry_after = res.headers().get("retry-after").cloned();
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap();
            (status, retry_after, body)
        });
    }
    // Kill the batch's connection once it waits on the lock.
    let killed = eventually(
        "the batch waits on the row lock",
        Duration::from_secs(10),
        async || {
            let rows = holder
                .query_all_raw(Statement::from_string(
                    sea_orm::DatabaseBackend::Postgres,
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock' \
                 AND query LIKE '%UPDATE channels%'",
                ))
                .await
                .map_err(|e| e.to_string())?;
            if rows.is_empty() {
                Err("no waiting batch yet".into())
            } else {
                Ok(rows.len())
            }
        },
    )
    .await;
    assert_eq!(killed, 1, "one batch");
    while let Some(done) = tasks.join_next().await {
        let (status, retry_after, body) = done.unwrap();
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["code"], "database_unavailable", "{body}");
        assert!(retry_after.is_some(), "{body}");
    }
    lock.rollback().await.unwrap();
    assert!(history(&t, "room").await.is_empty(), "nothing was stored");
    let (status, next) = send(post(&alice, "room", json!({"text": "after"}))).await;
    assert_eq!(status, 201, "{next}");
    assert_eq!(next["seq"], 1, "the lost batch left no gap");
    let s = stats(&app);
    assert!(s.largest >= 6, "the six sends were one batch: {s:?}");
}
