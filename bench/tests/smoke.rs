//! A seconds-long run of every scenario against Parley, so the benchmark cannot rot.
//! The real runs and their numbers are in bench/RESULTS.md; these only check that each
//! scenario runs end to end and measures something.

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
        .arg("300")
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

fn delivered(report: &Value) -> f64 {
    report["rows"][0]["deliveries_per_s"].as_f64().unwrap()
}

#[test]
fn fanout_smoke() {
    let r = run(&["fanout", "--subscribers", "5", "--rates", "10"]);
    assert!(delivered(&r) > 0.0, "{r}");
    assert_eq!(r["rows"][0]["ok"], true, "{r}");
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
    assert!(delivered(&r) > 0.0, "{r}");
}

#[test]
fn idle_smoke() {
    let r = run(&["idle", "--connections", "20"]);
    assert_eq!(r["params"]["open"], 20, "{r}");
    assert!(r["params"]["kib_per_connection"].as_f64().unwrap() >= 0.0);
}

#[test]
fn send_smoke_sqlite() {
    for via in ["rest", "ws"] {
        let r = run(&["send", "--via", via, "--concurrency", "2"]);
        assert!(delivered(&r) > 0.0, "{r}");
    }
}

#[test]
fn webhooks_smoke() {
    let r = run(&["webhooks", "--channels", "2", "--rates", "5"]);
    assert!(delivered(&r) > 0.0, "{r}");
    assert_eq!(r["rows"][0]["ok"], true, "{r}");
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
    assert!(delivered(&send) > 0.0);
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
    assert!(delivered(&cluster) > 0.0, "{cluster}");
}
