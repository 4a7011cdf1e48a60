//! A seconds-long run of every scenario against Parley, so the benchmark cannot rot.
//! The real runs and their numbers are in bench/RESULTS.md; these check that each scenario
//! runs end to end and that what it measured is complete: every message sent reached every
//! subscriber (across nodes in the cluster run), every send was acknowledged. Latency bounds
//! are left to the real runs: a shared CI machine cannot promise them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use serde_json::Value;

fn run(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_parley-bench"))
        .args(args)
        .arg("--json")
        .arg("--duration")
        .arg("1")
        .arg("--grace-ms")
        .arg("2000")
        // Completeness is checked here; a loaded machine's p99 is not.
        .arg("--p99-bound")
        .arg("10000")
        .output()
        .expect("run parley-bench");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "parley-bench {args:?} failed:\n{stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    let rows = report["rows"].as_array().expect("rows");
    assert!(!rows.is_empty(), "{report}");
    report
}

/// Asserts the first step sent something and every one of its messages reached each of
/// `per_message` receivers, exactly that many deliveries.
fn every_message_delivered(report: &Value, per_message: u64) {
    let row = &report["rows"][0];
    let sent = row["sent"].as_u64().expect("sent");
    assert!(sent > 0, "nothing was sent: {report}");
    assert_eq!(
        row["latency"]["count"].as_u64().expect("count"),
        sent * per_message,
        "{sent} messages × {per_message} receivers: {report}"
    );
    assert!(row["deliveries_per_s"].as_f64().unwrap() > 0.0, "{report}");
    assert_eq!(row["ok"], true, "{report}");
}

#[test]
fn fanout_smoke() {
    let r = run(&["fanout", "--subscribers", "5", "--rates", "10"]);
    every_message_delivered(&r, 5);
}

#[test]
fn rooms_smoke() {
    let r = run(&[
        "rooms",
        "--channels",
        "5",
        "--members",
        "2",
        "--rates",
        "10",
    ]);
    every_message_delivered(&r, 2);
}

/// A connection storm that outlasts the server's idle timeout: each socket must answer the
/// server's pings while the others are still opening, or the first ones are closed as idle (the
/// 2,500 × 4 rooms storm lost 7,600 of its 10,000 sockets so, against the 75 s default). Here the
/// idle timeout is 1 s and the storm starts at 1,200 connections; a machine that opens them
/// within that second runs it again with twice as many, until the storm outlasts the timeout.
#[test]
fn rooms_storm_smoke() {
    let mut channels = 300;
    loop {
        let r = run(&[
            "rooms",
            "--channels",
            &channels.to_string(),
            "--members",
            "4",
            "--rates",
            "10",
            "--heartbeat-interval-ms",
            "500",
            "--idle-timeout-ms",
            "1000",
        ]);
        assert_eq!(r["params"]["lost_opening"], 0, "{r}");
        every_message_delivered(&r, 4);
        let connect_s = r["params"]["connect_s"].as_f64().unwrap();
        if connect_s > 1.0 {
            return;
        }
        assert!(
            channels < 1_200,
            "{} connections opened in {connect_s:.2} s, within the 1 s idle timeout: the storm shows nothing",
            channels * 4
        );
        channels *= 2;
    }
}

#[test]
fn idle_smoke() {
    let r = run(&["idle", "--connections", "20"]);
    assert_eq!(r["params"]["open"], 20, "{r}");
    assert_eq!(r["rows"][0]["ok"], true, "{r}");
    // An idle connection costs little memory (RESULTS.md has the real figure, a few KiB).
    let kib = r["params"]["kib_per_connection"].as_f64().unwrap();
    assert!(kib < 1024.0, "{kib} KiB per idle connection: {r}");
}

#[test]
fn send_smoke_sqlite() {
    for via in ["rest", "ws"] {
        let r = run(&["send", "--via", via, "--concurrency", "2"]);
        // Each send was acknowledged (a failed one fails the run) and timed.
        every_message_delivered(&r, 1);
    }
}

/// Many senders into one channel (the default), and the same senders spread over channels.
#[test]
fn send_channels_smoke() {
    let r = run(&[
        "send",
        "--via",
        "ws",
        "--concurrency",
        "8",
        "--channels",
        "1",
    ]);
    assert_eq!(r["params"]["channels"], 1, "{r}");
    every_message_delivered(&r, 1);
    let r = run(&[
        "send",
        "--via",
        "rest",
        "--concurrency",
        "4",
        "--channels",
        "2",
    ]);
    assert_eq!(r["params"]["channels"], 2, "{r}");
    every_message_delivered(&r, 1);
}

/// Sends at a fixed rate while readers page through the channel's history: every send and every
/// read answered, nothing left hanging. The rate achieved and the latencies are the real runs'.
#[test]
fn mixed_smoke() {
    // Readers back to back over the WebSocket run, paced at 20 pages/s over the REST one.
    for (via, read_rate) in [("ws", None), ("rest", Some("20"))] {
        let mut args = vec![
            "mixed",
            "--via",
            via,
            "--concurrency",
            "2",
            "--send-rate",
            "20",
            "--readers",
            "2",
        ];
        if let Some(rate) = read_rate {
            args.extend(["--read-rate", rate]);
        }
        let r = run(&args);
        let p = &r["params"];
        assert_eq!(p["send_errors"], 0, "{r}");
        assert_eq!(p["read_errors"], 0, "{r}");
        assert_eq!(p["unfinished"], 0, "{r}");
        let (sends, history) = (&r["rows"][0], &r["rows"][1]);
        // 20 sends are due in the second; a sender more than a step behind at the end skips the rest.
        assert!(sends["sent"].as_u64().unwrap() >= 10, "{r}");
        assert_eq!(sends["sent"], sends["latency"]["count"], "{r}");
        assert!(history["sent"].as_u64().unwrap() > 0, "{r}");
        if read_rate.is_some() {
            // 20 pages are due in the second, and no more are read.
            assert!(history["sent"].as_u64().unwrap() <= 20, "{r}");
        }
        assert_eq!(history["ok"], true, "{r}");
    }
}

#[test]
fn webhooks_smoke() {
    let r = run(&["webhooks", "--channels", "2", "--rates", "5"]);
    every_message_delivered(&r, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_and_cluster_smoke_postgres() {
    let (_db, url) = parley_tests::PgDatabase::create().await;
    let redis =
        std::env::var("PARLEY_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let url2 = url.clone();
    let send = tokio::task::spawn_blocking(move || {
        run(&[
            "send",
            "--via",
            "ws",
            "--concurrency",
            "2",
            "--database-url",
            &url2,
        ])
    })
    .await
    .unwrap();
    assert_eq!(send["params"]["backend"], "postgres");
    every_message_delivered(&send, 1);
    // Subscribers are spread over both nodes and the sender is on the first: the run is
    // complete only if every message crossed to the other node through Redis.
    let cluster = tokio::task::spawn_blocking(move || {
        run(&[
            "cluster",
            "--nodes",
            "2",
            "--subscribers",
            "6",
            "--rates",
            "10",
            "--database-url",
            &url,
            "--redis-url",
            &redis,
        ])
    })
    .await
    .unwrap();
    assert_eq!(cluster["params"]["nodes"], 2, "{cluster}");
    every_message_delivered(&cluster, 6);
}
