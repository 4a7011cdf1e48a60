//! The scenarios: fanout, rooms, idle, send, mixed, cluster, webhooks. Each prints a progress line while it runs
//! and returns a report for the summary table (or JSON).

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::stream::{SplitSink, SplitStream, StreamExt};
use futures_util::{SinkExt, stream};
use serde::Serialize;
use serde_json::json;
use tokio::sync::{Mutex, Semaphore};
use tokio_tungstenite::tungstenite::Message;

use crate::metrics::{Drops, Latency, Recorder};
use crate::proto::{Proto, Socket, source_ip};
use crate::receiver::Receiver;
use crate::server::{ParleyOptions, ProcStats, Server};
use crate::setup::{self, Tenant};
use crate::{Common, Target};

const PAD: &str = "lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor";

/// The p99 (ms) a realtime step must stay within, unless `--p99-bound` says otherwise.
const P99_BOUND_MS: f64 = 50.0;

/// One measured step.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub label: String,
    /// Messages (or sends) per second offered.
    pub rate: f64,
    /// Deliveries per second measured (fan-out: messages × receivers).
    pub deliveries_per_s: f64,
    /// Messages (or sends) made in the step; `latency.count` is what was delivered of them.
    pub sent: u64,
    pub latency: Latency,
    pub server_cpu_s: f64,
    pub server_cpu_us_per_delivery: f64,
    pub server_rss_mib: f64,
    pub server_peak_rss_mib: f64,
    /// CPU seconds the generator itself used in the step (it shares the machine).
    pub generator_cpu_s: f64,
    pub ok: bool,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub scenario: String,
    pub target: String,
    pub params: serde_json::Value,
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
}

fn progress(line: &str) {
    let mut err = std::io::stderr();
    let _ = write!(err, "\r\x1b[2K{line}");
    let _ = err.flush();
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Servers under test, with their summed stats.
pub struct Servers(pub Vec<Server>);

impl Servers {
    fn stats(&self) -> ProcStats {
        self.0
            .iter()
            .map(Server::stats)
            .fold(ProcStats::default(), |a, b| ProcStats {
                cpu_s: a.cpu_s + b.cpu_s,
                rss_kib: a.rss_kib + b.rss_kib,
                peak_rss_kib: a.peak_rss_kib + b.peak_rss_kib,
            })
    }

    pub async fn stop(self) {
        for s in self.0 {
            s.kill().await;
        }
    }
}

/// Starts the target and returns how to speak to it (for Parley: with a fresh tenant).
async fn start(
    target: Target,
    opts: &ParleyOptions,
    nodes: usize,
) -> anyhow::Result<(Servers, Vec<Proto>, Option<Tenant>)> {
    let mut servers = Vec::new();
    for _ in 0..nodes.max(1) {
        servers.push(Server::start(target, opts).await?);
    }
    let (protos, tenant) = match target {
        Target::Parley => {
            let t = setup::tenant(&servers[0].base).await?;
            let protos = servers
                .iter()
                .map(|s| Proto::Parley {
                    port: s.port,
                    publishable_key: t.publishable_key.clone(),
                    signing_secret: t.signing_secret.clone(),
                })
                .collect();
            (protos, Some(t))
        }
        Target::Socketio | Target::Flask => (
            servers
                .iter()
                .map(|s| Proto::SocketIo { port: s.port })
                .collect(),
            None,
        ),
        Target::Ceiling => (
            servers
                .iter()
                .map(|s| Proto::Ceiling { port: s.port })
                .collect(),
            None,
        ),
    };
    Ok((Servers(servers), protos, tenant))
}

type Sink = SplitSink<Socket, Message>;

/// Seconds of flat CPU use after which `settle` takes the load for a steady background.
const STEADY_SECONDS: usize = 5;

/// Waits until the servers are quiet, so that work left over from opening connections (presence,
/// subscriptions) does not count against the first step: under 10% of a core for a second, or
/// steady for `STEADY_SECONDS` seconds running, under half a core and within 5% of a core. Leftover
/// work runs flat out and then falls; a low, flat load is a background that will not drain, such
/// as the pings of a short `--heartbeat-interval-ms` to many sockets.
async fn settle(servers: &Servers) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut recent = std::collections::VecDeque::with_capacity(STEADY_SECONDS);
    loop {
        let before = servers.stats().cpu_s;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let busy = servers.stats().cpu_s - before;
        if recent.len() == STEADY_SECONDS {
            recent.pop_front();
        }
        recent.push_back(busy);
        let (low, high) = recent
            .iter()
            .fold((f64::MAX, 0.0f64), |(lo, hi), &b| (lo.min(b), hi.max(b)));
        let steady = recent.len() == STEADY_SECONDS && high < 0.5 && high - low < 0.05;
        if busy < 0.1 || steady || Instant::now() > deadline {
            return;
        }
        progress(&format!(
            "waiting for the server to settle ({:.0}% of a core)",
            busy * 100.0
        ));
    }
}

/// Reads connection `i` until it ends: answers what needs an answer, records deliveries, and
/// counts the connection as dropped with the reason it ended.
async fn read_deliveries(
    i: usize,
    mut rx: SplitStream<Socket>,
    writer: Arc<Mutex<Sink>>,
    proto: Proto,
    recorder: Arc<Recorder>,
    drops: Arc<Drops>,
) {
    let cause = loop {
        match rx.next().await {
            Some(Ok(Message::Text(t))) => {
                if let Some(reply) = proto.reply_to(&t) {
                    let _ = writer.lock().await.send(Message::text(reply)).await;
                } else if proto.is_delivery(&t) {
                    recorder.record(i, &t);
                }
            }
            Some(Ok(Message::Close(Some(frame)))) => {
                break format!(
                    "closed by the server ({}: {})",
                    u16::from(frame.code),
                    frame.reason
                );
            }
            Some(Ok(Message::Close(None))) => break "closed by the server".to_owned(),
            Some(Ok(_)) => {}
            Some(Err(e)) => break format!("failed: {e}"),
            None => break "ended without a close frame".to_owned(),
        }
    };
    drops.record(i, cause);
}

/// Opens `n` connections (bounded concurrency), each joining its room, and returns their write
/// halves in the order of `users`. Each connection's reader task starts as soon as it has joined,
/// not after the others: a socket left unread answers none of the server's pings, and a storm that
/// outlasts the server's idle timeout would see its first sockets closed as idle.
async fn open_receivers(
    protos: &[Proto],
    users: Vec<(String, String)>,
    subscribe: bool,
    spread: usize,
    recorder: &Arc<Recorder>,
    drops: &Arc<Drops>,
) -> anyhow::Result<Vec<Arc<Mutex<Sink>>>> {
    let opened = Arc::new(AtomicUsize::new(0));
    let total = users.len();
    let results: Vec<anyhow::Result<(usize, Arc<Mutex<Sink>>)>> =
        stream::iter(users.into_iter().enumerate().map(|(i, (user, room))| {
            let proto = protos[i % protos.len()].clone();
            let opened = Arc::clone(&opened);
            let recorder = Arc::clone(recorder);
            let drops = Arc::clone(drops);
            async move {
                let ws = proto
                    .join(source_ip(i, spread), &user, &room, subscribe)
                    .await
                    .with_context(|| format!("connection {i}"))?;
                let (sink, rx) = ws.split();
                let sink = Arc::new(Mutex::new(sink));
                tokio::spawn(read_deliveries(
                    i,
                    rx,
                    Arc::clone(&sink),
                    proto,
                    recorder,
                    drops,
                ));
                let n = opened.fetch_add(1, Ordering::Relaxed) + 1;
                if n.is_multiple_of(500) || n == total {
                    progress(&format!("connected {n}/{total}"));
                }
                Ok((i, sink))
            }
        }))
        .buffer_unordered(128)
        .collect()
        .await;
    let mut sinks: Vec<(usize, Arc<Mutex<Sink>>)> =
        results.into_iter().collect::<anyhow::Result<_>>()?;
    sinks.sort_by_key(|(i, _)| *i);
    eprintln!();
    Ok(sinks.into_iter().map(|(_, sink)| sink).collect())
}

/// Sends at `rate` messages per second for `duration`, picking the sender with `pick`.
async fn pace(
    rate: f64,
    duration: Duration,
    recorder: &Recorder,
    mut send: impl FnMut(u64, String) -> futures_util::future::BoxFuture<'static, ()>,
) -> u64 {
    let start = tokio::time::Instant::now();
    let mut sent = 0u64;
    let mut last_progress = Instant::now();
    loop {
        let due = start + Duration::from_secs_f64(sent as f64 / rate);
        if due.duration_since(start) >= duration {
            break;
        }
        tokio::time::sleep_until(due).await;
        send(sent, recorder.body(PAD)).await;
        sent += 1;
        if last_progress.elapsed() > Duration::from_secs(1) {
            last_progress = Instant::now();
            progress(&format!(
                "rate {rate}/s: sent {sent}, delivered {}",
                recorder.count()
            ));
        }
    }
    sent
}

/// Runs rate steps until p99 exceeds the bound or deliveries fall short.
#[allow(clippy::too_many_arguments)]
async fn steps(
    label: &str,
    rates: &[f64],
    per_message: f64,
    common: &Common,
    servers: &Servers,
    recorder: &Arc<Recorder>,
    drops: &Drops,
    mut send: impl FnMut(u64, String) -> futures_util::future::BoxFuture<'static, ()>,
) -> Vec<Row> {
    let mut rows = Vec::new();
    let duration = Duration::from_secs_f64(common.duration_s);
    for &rate in rates {
        recorder.finish_step();
        let before = servers.stats();
        let gen_before = crate::server::proc_stats(std::process::id()).unwrap_or_default();
        let t0 = Instant::now();
        let sent = pace(rate, duration, recorder, &mut send).await;
        tokio::time::sleep(Duration::from_millis(common.grace_ms)).await;
        let elapsed = t0.elapsed().as_secs_f64() - common.grace_ms as f64 / 1000.0;
        let after = servers.stats();
        let gen_after = crate::server::proc_stats(std::process::id()).unwrap_or_default();
        let latency = recorder.finish_step();
        let expected = sent as f64 * per_message;
        let deliveries = latency.count as f64;
        let cpu = after.cpu_s - before.cpu_s;
        let complete = deliveries >= expected * 0.99;
        let ok = complete
            && latency.p99_ms <= common.p99_bound_ms.unwrap_or(P99_BOUND_MS)
            && drops.count() == 0;
        let row = Row {
            label: label.to_owned(),
            rate,
            sent,
            deliveries_per_s: deliveries / elapsed.max(0.001),
            server_cpu_s: cpu,
            server_cpu_us_per_delivery: if deliveries > 0.0 {
                cpu * 1e6 / deliveries
            } else {
                0.0
            },
            server_rss_mib: mib(after.rss_kib),
            server_peak_rss_mib: mib(after.peak_rss_kib),
            generator_cpu_s: gen_after.cpu_s - gen_before.cpu_s,
            ok,
            latency,
        };
        progress("");
        eprintln!(
            "{label} rate {rate}/s: {:.0} deliveries/s, p50 {:.1} ms, p99 {:.1} ms, {:.2} µs CPU/delivery, server {:.0}% / generator {:.0}% of a core, {}{}",
            row.deliveries_per_s,
            row.latency.p50_ms,
            row.latency.p99_ms,
            row.server_cpu_us_per_delivery,
            row.server_cpu_s * 100.0 / elapsed,
            row.generator_cpu_s * 100.0 / elapsed,
            if complete {
                "complete".to_owned()
            } else {
                format!("INCOMPLETE ({} connections dropped)", drops.count())
            },
            if ok { "" } else { " -> over the bound" }
        );
        rows.push(row);
        if !ok {
            break;
        }
    }
    rows
}

fn sender_fn(
    sink: Arc<Mutex<Sink>>,
    proto: Proto,
    room: String,
) -> impl FnMut(u64, String) -> futures_util::future::BoxFuture<'static, ()> {
    move |i, body| {
        let sink = Arc::clone(&sink);
        let frame = proto.send_frame(&room, &body, i);
        Box::pin(async move {
            let _ = sink.lock().await.send(Message::text(frame)).await;
        })
    }
}

/// One room, N subscribers, one sender at increasing rates.
pub async fn fanout(
    common: &Common,
    subscribers: usize,
    rates: &[f64],
    nodes: usize,
) -> anyhow::Result<Report> {
    let (servers, protos, tenant) = start(common.target, &common.parley, nodes).await?;
    let room = match &tenant {
        Some(t) => {
            t.users(&["sender".to_owned()]).await?;
            t.channel("livestream", "bench", &["sender".to_owned()])
                .await?;
            "livestream:bench".to_owned()
        }
        None => "bench".to_owned(),
    };
    let recorder = Arc::new(Recorder::new());
    let drops = Arc::new(Drops::default());
    let users = (0..subscribers)
        .map(|i| (format!("sub{i}"), room.clone()))
        .collect();
    let _receivers =
        open_receivers(&protos, users, true, common.source_ips, &recorder, &drops).await?;
    let sender_ws = protos[0]
        .join(source_ip(0, common.source_ips), "sender", &room, false)
        .await?;
    let (sink, mut rx) = sender_ws.split();
    let sink = Arc::new(Mutex::new(sink));
    let pong = Arc::clone(&sink);
    let sender_proto = protos[0].clone();
    tokio::spawn(async move {
        while let Some(Ok(msg)) = rx.next().await {
            if let Message::Text(t) = msg
                && let Some(r) = sender_proto.reply_to(&t)
            {
                let _ = pong.lock().await.send(Message::text(r)).await;
            }
        }
    });
    settle(&servers).await;
    let label = format!("{} fanout x{subscribers}", common.target.name());
    let rows = steps(
        &label,
        rates,
        subscribers as f64,
        common,
        &servers,
        &recorder,
        &drops,
        sender_fn(sink, protos[0].clone(), room),
    )
    .await;
    // Before the servers stop: stopping them ends every connection.
    let notes = drops.summary().into_iter().collect();
    servers.stop().await;
    Ok(Report {
        scenario: if nodes > 1 {
            "cluster".into()
        } else {
            "fanout".into()
        },
        target: common.target.name().into(),
        params: json!({"subscribers": subscribers, "nodes": nodes, "duration_s": common.duration_s, "p99_bound_ms": common.p99_bound_ms.unwrap_or(P99_BOUND_MS)}),
        rows,
        notes,
    })
}

/// Many small rooms with random senders.
pub async fn rooms(
    common: &Common,
    channels: usize,
    members: usize,
    rates: &[f64],
) -> anyhow::Result<Report> {
    let (servers, protos, tenant) = start(common.target, &common.parley, 1).await?;
    let mut users = Vec::with_capacity(channels * members);
    for c in 0..channels {
        for m in 0..members {
            users.push((format!("u{c}x{m}"), format!("r{c}")));
        }
    }
    let mut notes = Vec::new();
    let subscribe = match &tenant {
        Some(t) => {
            progress("creating users and channels");
            let ids: Vec<String> = users.iter().map(|(u, _)| u.clone()).collect();
            t.users(&ids).await?;
            let specs = (0..channels)
                .map(|c| {
                    (
                        "messaging".to_owned(),
                        format!("r{c}"),
                        (0..members).map(|m| format!("u{c}x{m}")).collect(),
                    )
                })
                .collect();
            t.channels(specs).await?;
            for u in &mut users {
                u.1 = format!("messaging:{}", u.1);
            }
            notes.push("Parley: members are subscribed to their channel at connect; every message is persisted".into());
            false
        }
        None => true,
    };
    if common.target == Target::Ceiling {
        anyhow::bail!("the ceiling server has a single room; the rooms scenario does not apply");
    }
    let recorder = Arc::new(Recorder::new());
    let drops = Arc::new(Drops::default());
    let rooms_of: Vec<String> = users.iter().map(|(_, r)| r.clone()).collect();
    let connections = users.len();
    let t0 = Instant::now();
    let sinks = open_receivers(
        &protos,
        users,
        subscribe,
        common.source_ips,
        &recorder,
        &drops,
    )
    .await?;
    let connect_s = t0.elapsed().as_secs_f64();
    settle(&servers).await;
    // A socket closed during the storm is only noticed once read, at the latest while settling.
    let lost_opening = drops.count();
    notes.push(format!(
        "opened {connections} connections in {connect_s:.1} s ({:.0}/s); {lost_opening} lost by the time the server settled",
        connections as f64 / connect_s.max(0.001)
    ));
    eprintln!("{}", notes[notes.len() - 1]);
    let proto = protos[0].clone();
    let mut rng: u64 = 0x9E37_79B9_7F4A_7C15;
    let send = move |i: u64, body: String| -> futures_util::future::BoxFuture<'static, ()> {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let who = (rng % sinks.len() as u64) as usize;
        let sink = Arc::clone(&sinks[who]);
        let frame = proto.send_frame(&rooms_of[who], &body, i);
        Box::pin(async move {
            let _ = sink.lock().await.send(Message::text(frame)).await;
        })
    };
    let label = format!("{} rooms {channels}x{members}", common.target.name());
    let rows = steps(
        &label,
        rates,
        members as f64,
        common,
        &servers,
        &recorder,
        &drops,
        send,
    )
    .await;
    // Before the servers stop: stopping them ends every connection.
    notes.extend(drops.summary());
    servers.stop().await;
    Ok(Report {
        scenario: "rooms".into(),
        target: common.target.name().into(),
        params: json!({"channels": channels, "members": members, "duration_s": common.duration_s,
            "connections": connections, "connect_s": connect_s, "lost_opening": lost_opening}),
        rows,
        notes,
    })
}

/// Idle authenticated connections and the server's memory per connection.
pub async fn idle(common: &Common, connections: usize) -> anyhow::Result<Report> {
    let (servers, protos, _tenant) = start(common.target, &common.parley, 1).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = servers.stats();
    let recorder = Arc::new(Recorder::new());
    let drops = Arc::new(Drops::default());
    let room = if common.target == Target::Parley {
        "livestream:none"
    } else {
        "idle"
    };
    let users = (0..connections)
        .map(|i| (format!("idle{i}"), room.to_owned()))
        .collect();
    let t0 = Instant::now();
    let sinks = open_receivers(&protos, users, false, common.source_ips, &recorder, &drops).await?;
    let connect_s = t0.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = servers.stats();
    let per_conn_kib =
        (after.rss_kib.saturating_sub(before.rss_kib)) as f64 / connections.max(1) as f64;
    let open = connections as u64 - drops.count();
    let mut notes = vec![
        format!("{open} of {connections} connections open after settling"),
        format!("opened in {connect_s:.1} s"),
        format!(
            "server RSS {:.1} MiB before, {:.1} MiB after",
            mib(before.rss_kib),
            mib(after.rss_kib)
        ),
        format!(
            "{per_conn_kib:.2} KiB per connection; 1M connections ≈ {:.1} GiB",
            per_conn_kib * 1e6 / 1024.0 / 1024.0
        ),
    ];
    notes.extend(drops.summary());
    for n in &notes {
        eprintln!("{n}");
    }
    drop(sinks);
    servers.stop().await;
    Ok(Report {
        scenario: "idle".into(),
        target: common.target.name().into(),
        params: json!({"connections": connections, "open": open, "kib_per_connection": per_conn_kib, "connect_s": connect_s}),
        rows: vec![Row {
            label: format!("{} idle x{connections}", common.target.name()),
            rate: 0.0,
            sent: 0,
            deliveries_per_s: 0.0,
            latency: Latency::default(),
            server_cpu_s: after.cpu_s - before.cpu_s,
            server_cpu_us_per_delivery: 0.0,
            server_rss_mib: mib(after.rss_kib),
            server_peak_rss_mib: mib(after.peak_rss_kib),
            generator_cpu_s: 0.0,
            ok: open == connections as u64,
        }],
        notes,
    })
}

/// The database Parley runs on: `postgres` or `sqlite`.
fn backend(common: &Common) -> &'static str {
    if common
        .parley
        .database_url
        .as_deref()
        .is_some_and(|u| u.starts_with("postgres"))
    {
        "postgres"
    } else {
        "sqlite"
    }
}

/// The channel (of type `messaging`) that sender `i` writes into when the senders are spread
/// round-robin over `channels` channels: `bench` when there is one, as before the option existed.
fn send_channel(i: usize, channels: usize) -> String {
    if channels <= 1 {
        "bench".to_owned()
    } else {
        format!("bench{}", i % channels)
    }
}

/// Creates `concurrency` sending users, `w0` .. `w{concurrency-1}`, each a member of its
/// `send_channel`, and returns their ids.
async fn senders_and_channels(
    t: &Tenant,
    concurrency: usize,
    channels: usize,
) -> anyhow::Result<Vec<String>> {
    let ids: Vec<String> = (0..concurrency).map(|i| format!("w{i}")).collect();
    t.users(&ids).await?;
    let specs = (0..channels)
        .map(|c| {
            let members = ids.iter().skip(c).step_by(channels).cloned().collect();
            ("messaging".to_owned(), send_channel(c, channels), members)
        })
        .collect();
    t.channels(specs).await?;
    Ok(ids)
}

/// One user sending persisted messages into one channel, waiting for each answer: the `ack` of a
/// WebSocket `message.send`, or REST's 201.
struct Sender {
    tenant: Tenant,
    proto: Proto,
    src: std::net::Ipv4Addr,
    user: String,
    channel: String,
    /// The open WebSocket (`--via ws`); None over REST, or after the connection was lost.
    ws: Option<Socket>,
    via_ws: bool,
    req_id: u64,
}

impl Sender {
    async fn open(
        tenant: Tenant,
        proto: Proto,
        src: std::net::Ipv4Addr,
        user: String,
        channel: String,
        via_ws: bool,
    ) -> anyhow::Result<Self> {
        let ws = if via_ws {
            Some(proto.join(src, &user, "", false).await?)
        } else {
            None
        };
        Ok(Self {
            tenant,
            proto,
            src,
            user,
            channel,
            ws,
            via_ws,
            req_id: 0,
        })
    }

    /// Sends `body` and waits for the answer; Err says why it was not accepted. A WebSocket
    /// that was lost is reopened by the next send.
    async fn send(&mut self, body: &str) -> anyhow::Result<()> {
        self.req_id += 1;
        if !self.via_ws {
            let res = self
                .tenant
                .post(&format!("/v1/channels/messaging/{}/messages", self.channel))
                .json(&json!({"text": body, "user_id": self.user}))
                .send()
                .await?;
            anyhow::ensure!(
                res.status().as_u16() == 201,
                "send answered {}",
                res.status()
            );
            return Ok(());
        }
        let ws = match self.ws.as_mut() {
            Some(ws) => ws,
            None => self
                .ws
                .insert(self.proto.join(self.src, &self.user, "", false).await?),
        };
        let frame =
            self.proto
                .send_frame(&format!("messaging:{}", self.channel), body, self.req_id);
        let mut lost = true;
        let answer = async {
            ws.send(Message::text(frame)).await?;
            loop {
                match ws.next().await {
                    Some(Ok(Message::Text(f))) if f.contains("\"ack\"") => return Ok(()),
                    Some(Ok(Message::Text(f)))
                        if f.contains("\"error\"") && f.contains("req_id") =>
                    {
                        lost = false;
                        anyhow::bail!("send failed: {f}")
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => anyhow::bail!("connection lost: {e}"),
                    None => anyhow::bail!("connection lost"),
                }
            }
        }
        .await;
        if answer.is_err() && lost {
            self.ws = None;
        }
        answer
    }
}

/// `rest` or `ws`, as the reports name them.
fn via_name(via_ws: bool) -> &'static str {
    if via_ws { "ws" } else { "rest" }
}

/// Persisted sends per second through REST or WebSocket `message.send`, `concurrency` senders
/// each waiting for its answer before sending again, spread round-robin over `channels`
/// channels (one: every sender writes into the same channel).
pub async fn send(
    common: &Common,
    via_ws: bool,
    concurrency: usize,
    channels: usize,
) -> anyhow::Result<Report> {
    anyhow::ensure!(
        common.target == Target::Parley,
        "the send scenario measures Parley's persisted sends"
    );
    anyhow::ensure!(
        (1..=concurrency).contains(&channels),
        "--channels must be between 1 and --concurrency ({concurrency})"
    );
    let (servers, protos, tenant) = start(Target::Parley, &common.parley, 1).await?;
    let t = tenant.context("tenant")?;
    let ids = senders_and_channels(&t, concurrency, channels).await?;
    let recorder = Arc::new(Recorder::new());
    recorder.finish_step();
    let duration = Duration::from_secs_f64(common.duration_s);
    let before = servers.stats();
    let t0 = Instant::now();
    let done = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for (i, user) in ids.iter().enumerate() {
        let recorder = Arc::clone(&recorder);
        let done = Arc::clone(&done);
        let src = source_ip(i, common.source_ips);
        let opening = Sender::open(
            t.clone(),
            protos[0].clone(),
            src,
            user.clone(),
            send_channel(i, channels),
            via_ws,
        );
        tasks.push(tokio::spawn(async move {
            let mut sender = opening.await?;
            let mut n = 0u64;
            while t0.elapsed() < duration {
                let body = recorder.body(PAD);
                let start = recorder.now_us();
                sender.send(&body).await?;
                recorder.record_since(i, start);
                n += 1;
                let total = done.fetch_add(1, Ordering::Relaxed) + 1;
                if i == 0 && n.is_multiple_of(50) {
                    progress(&format!("sent {total}"));
                }
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let after = servers.stats();
    let latency = recorder.finish_step();
    progress("");
    let total = done.load(Ordering::Relaxed) as f64;
    let backend = backend(common);
    let mut label = format!("send {} {backend} x{concurrency}", via_name(via_ws));
    if channels > 1 {
        label.push_str(&format!(" in {channels} channels"));
    }
    let cpu = after.cpu_s - before.cpu_s;
    eprintln!(
        "{label}: {:.0} sends/s, p50 {:.2} ms, p99 {:.2} ms",
        total / elapsed,
        latency.p50_ms,
        latency.p99_ms
    );
    servers.stop().await;
    Ok(Report {
        scenario: "send".into(),
        target: "parley".into(),
        params: json!({"via": via_name(via_ws), "backend": backend, "concurrency": concurrency, "channels": channels, "duration_s": common.duration_s}),
        rows: vec![Row {
            label,
            rate: total / elapsed,
            sent: done.load(Ordering::Relaxed),
            deliveries_per_s: total / elapsed,
            server_cpu_us_per_delivery: if total > 0.0 { cpu * 1e6 / total } else { 0.0 },
            server_cpu_s: cpu,
            server_rss_mib: mib(after.rss_kib),
            server_peak_rss_mib: mib(after.peak_rss_kib),
            generator_cpu_s: 0.0,
            ok: total > 0.0,
            latency,
        }],
        notes: Vec::new(),
    })
}

/// Messages in the channel before a mixed run starts, so that every history page is full.
const MIXED_PREFILL: usize = 100;

/// Messages per history page the mixed scenario's readers ask for.
const HISTORY_LIMIT: usize = 50;

/// The history p99 (ms) a mixed run must stay within, unless `--p99-bound` says otherwise.
const HISTORY_P99_BOUND_MS: f64 = 10.0;

/// Failures of one kind of request in a mixed run: how many, and the first one's cause.
#[derive(Default)]
struct Failures {
    count: AtomicU64,
    first: std::sync::Mutex<Option<String>>,
}

impl Failures {
    fn record(&self, cause: String) {
        self.count.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut first) = self.first.lock() {
            first.get_or_insert(cause);
        }
    }

    fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// "N {what} failed (first: …)", or None when none did.
    fn summary(&self, what: &str) -> Option<String> {
        let first = self.first.lock().ok()?.clone()?;
        Some(format!("{} {what} failed (first: {first})", self.count()))
    }
}

/// Waits for `tasks` until `deadline`, aborts those still running, and says how many were.
async fn join_by(deadline: Instant, tasks: Vec<tokio::task::JoinHandle<()>>) -> usize {
    let mut unfinished = 0;
    for task in tasks {
        let abort = task.abort_handle();
        if tokio::time::timeout_at(deadline.into(), task)
            .await
            .is_err()
        {
            abort.abort();
            unfinished += 1;
        }
    }
    unfinished
}

/// Reads the channel's newest history page over and over until `end`, timing each.
/// When readers read: back to back, or their share of a schedule of pages per second.
#[derive(Clone, Copy)]
struct ReadPace {
    t0: Instant,
    /// Pages per second over all readers; `None`: back to back.
    rate: Option<f64>,
    readers: usize,
}

async fn read_history(
    i: usize,
    t: Tenant,
    end: Instant,
    pace: ReadPace,
    recorder: Arc<Recorder>,
    failures: Arc<Failures>,
) {
    let url = format!(
        "{}/v1/channels/messaging/bench/messages?limit={HISTORY_LIMIT}",
        t.base
    );
    // Reader i reads the pages i, i + readers, … of the schedule, when a rate is set.
    let mut k = i;
    while Instant::now() < end {
        if let Some(rate) = pace.rate {
            let due = pace.t0 + Duration::from_secs_f64(k as f64 / rate);
            k += pace.readers;
            if due >= end {
                break;
            }
            tokio::time::sleep_until(due.into()).await;
        }
        let start = recorder.now_us();
        let res = t.client.get(&url).bearer_auth(&t.secret_key).send().await;
        // The whole body is read: a page is served when its last byte has arrived.
        match res {
            Ok(res) if res.status().is_success() => match res.bytes().await {
                Ok(_) => {
                    recorder.record_since(i, start);
                }
                Err(e) => failures.record(e.to_string()),
            },
            Ok(res) => failures.record(format!("history answered {}", res.status())),
            Err(e) => failures.record(e.to_string()),
        }
    }
}

/// Sends at `send_rate` messages per second in total, over `concurrency` senders in one channel
/// (REST or WebSocket, each waiting for its answer), while `readers` readers fetch the channel's
/// newest page of 50 messages, back to back or at `read_rate` pages per second in total. A
/// send's latency runs from when it was due, so a sender
/// that falls behind shows it; history latency from the request to the page's last byte.
pub async fn mixed(
    common: &Common,
    via_ws: bool,
    concurrency: usize,
    send_rate: f64,
    readers: usize,
    read_rate: Option<f64>,
) -> anyhow::Result<Report> {
    anyhow::ensure!(
        common.target == Target::Parley,
        "the mixed scenario measures Parley's persisted sends and history"
    );
    anyhow::ensure!(concurrency >= 1, "--concurrency must be at least 1");
    anyhow::ensure!(send_rate > 0.0, "--send-rate must be above 0");
    anyhow::ensure!(
        read_rate.is_none_or(|r| r > 0.0),
        "--read-rate must be above 0"
    );
    let (servers, protos, tenant) = start(Target::Parley, &common.parley, 1).await?;
    let t = tenant.context("tenant")?;
    let ids = senders_and_channels(&t, concurrency, 1).await?;
    progress(&format!("writing {MIXED_PREFILL} messages of history"));
    let one_at_a_time = Arc::new(Semaphore::new(1));
    for n in 0..MIXED_PREFILL {
        send_rest(
            t.clone(),
            Arc::clone(&one_at_a_time),
            "bench".into(),
            ids[n % ids.len()].clone(),
            format!("history {n}: {PAD}"),
        )
        .await
        .map_err(|e| anyhow::anyhow!("writing the history: {e}"))?;
    }
    let mut senders = Vec::with_capacity(concurrency);
    for (i, user) in ids.iter().enumerate() {
        let src = source_ip(i, common.source_ips);
        senders.push(
            Sender::open(
                t.clone(),
                protos[0].clone(),
                src,
                user.clone(),
                "bench".into(),
                via_ws,
            )
            .await?,
        );
    }
    settle(&servers).await;

    let sends = Arc::new(Recorder::new());
    let reads = Arc::new(Recorder::new());
    sends.finish_step();
    reads.finish_step();
    let send_failures = Arc::new(Failures::default());
    let read_failures = Arc::new(Failures::default());
    let duration = Duration::from_secs_f64(common.duration_s);
    let before = servers.stats();
    let gen_before = crate::server::proc_stats(std::process::id()).unwrap_or_default();
    let t0 = Instant::now();
    let t0_us = sends.now_us();
    let end = t0 + duration;
    let mut sending = Vec::new();
    for (i, mut sender) in senders.into_iter().enumerate() {
        let recorder = Arc::clone(&sends);
        let failures = Arc::clone(&send_failures);
        sending.push(tokio::spawn(async move {
            // Sender i sends the messages i, i + concurrency, … of a schedule at send_rate.
            for k in (i..).step_by(concurrency) {
                let due_s = k as f64 / send_rate;
                let due = t0 + Duration::from_secs_f64(due_s);
                if due >= end || Instant::now() >= end {
                    break;
                }
                tokio::time::sleep_until(due.into()).await;
                match sender.send(&recorder.body(PAD)).await {
                    Ok(()) => {
                        recorder.record_since(i, t0_us + (due_s * 1e6) as u64);
                    }
                    Err(e) => failures.record(e.to_string()),
                }
            }
        }));
    }
    let mut reading = Vec::new();
    let pace = ReadPace {
        t0,
        rate: read_rate,
        readers,
    };
    for r in 0..readers {
        reading.push(tokio::spawn(read_history(
            r,
            t.clone(),
            end,
            pace,
            Arc::clone(&reads),
            Arc::clone(&read_failures),
        )));
    }
    let progress_line = {
        let (sends, reads) = (Arc::clone(&sends), Arc::clone(&reads));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                progress(&format!(
                    "sent {}, history pages read {}",
                    sends.count(),
                    reads.count()
                ));
            }
        })
    };
    // Requests still in flight at the end have the grace period to finish; sends answered
    // after the end stretch the time the sends took.
    let deadline = end + Duration::from_millis(common.grace_ms);
    let mut unfinished = join_by(deadline, sending).await;
    let send_s = t0.elapsed().as_secs_f64().max(duration.as_secs_f64());
    unfinished += join_by(deadline, reading).await;
    progress_line.abort();
    let run_s = duration.as_secs_f64();
    let after = servers.stats();
    let gen_after = crate::server::proc_stats(std::process::id()).unwrap_or_default();
    let send_latency = sends.finish_step();
    let read_latency = reads.finish_step();
    progress("");
    let backend = backend(common);
    let via = via_name(via_ws);
    let sent = send_latency.count;
    let sends_per_s = sent as f64 / send_s;
    let reads_per_s = read_latency.count as f64 / run_s;
    let cpu = after.cpu_s - before.cpu_s;
    let requests = (sent + read_latency.count) as f64;
    let cpu_us_per_request = if requests > 0.0 {
        cpu * 1e6 / requests
    } else {
        0.0
    };
    let bound = common.p99_bound_ms.unwrap_or(HISTORY_P99_BOUND_MS);
    let row = |label: String, rate: f64, sent: u64, per_s: f64, latency: Latency, ok: bool| Row {
        label,
        rate,
        sent,
        deliveries_per_s: per_s,
        latency,
        server_cpu_s: cpu,
        server_cpu_us_per_delivery: cpu_us_per_request,
        server_rss_mib: mib(after.rss_kib),
        server_peak_rss_mib: mib(after.peak_rss_kib),
        generator_cpu_s: gen_after.cpu_s - gen_before.cpu_s,
        ok,
    };
    let mut notes = vec![format!(
        "sends: {sends_per_s:.0}/s of the {send_rate}/s offered; history: {reads_per_s:.0} pages of {HISTORY_LIMIT}/s by {readers} readers, p99 {:.2} ms (bound {bound} ms); server CPU µs per request, sends and reads together",
        read_latency.p99_ms
    )];
    notes.extend(send_failures.summary("sends"));
    notes.extend(read_failures.summary("history reads"));
    if unfinished > 0 {
        notes.push(format!(
            "{unfinished} senders or readers still waiting {} ms after the end",
            common.grace_ms
        ));
    }
    for n in &notes {
        eprintln!("{n}");
    }
    let rows = vec![
        row(
            format!("mixed sends {via} {backend} x{concurrency}"),
            send_rate,
            sent,
            sends_per_s,
            send_latency,
            send_failures.count() == 0 && unfinished == 0 && sends_per_s >= send_rate * 0.95,
        ),
        row(
            format!("mixed history {backend} x{readers}"),
            0.0,
            read_latency.count,
            reads_per_s,
            read_latency.clone(),
            read_failures.count() == 0 && read_latency.count > 0 && read_latency.p99_ms <= bound,
        ),
    ];
    servers.stop().await;
    Ok(Report {
        scenario: "mixed".into(),
        target: "parley".into(),
        params: json!({"via": via, "backend": backend, "concurrency": concurrency,
            "send_rate": send_rate, "readers": readers, "read_rate": read_rate, "history_limit": HISTORY_LIMIT,
            "prefill": MIXED_PREFILL, "duration_s": common.duration_s, "p99_bound_ms": bound,
            "sends_per_s": sends_per_s, "send_errors": send_failures.count(),
            "reads_per_s": reads_per_s, "read_errors": read_failures.count(),
            "unfinished": unfinished}),
        rows,
        notes,
    })
}

/// The p99 (ms) a webhooks step must stay within, unless `--p99-bound` says otherwise.
const WEBHOOK_P99_BOUND_MS: f64 = 1000.0;

/// REST sends in flight at once in the webhooks scenario. Sends beyond it wait in the generator,
/// their latency counting from when they were due, so a slow server cannot slow the offered rate.
const WEBHOOK_SENDS_IN_FLIGHT: usize = 64;

/// Sends one message over REST as `user`; Err says why it was not accepted.
async fn send_rest(
    t: Tenant,
    in_flight: Arc<Semaphore>,
    channel: String,
    user: String,
    text: String,
) -> Result<(), String> {
    let _permit = in_flight.acquire_owned().await.map_err(|e| e.to_string())?;
    let res = t
        .post(&format!("/v1/channels/messaging/{channel}/messages"))
        .json(&json!({"text": text, "user_id": user}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if res.status().as_u16() == 201 {
        Ok(())
    } else {
        Err(format!("send answered {}", res.status()))
    }
}

/// Webhook deliveries through the worker: messages sent over REST at each rate, round-robin
/// over `channels` channels, each delivered by the worker to a receiver in this process. A step
/// is ok when every accepted message arrived within the grace period and p99 is within the
/// bound (default 1 s); throughput is the deliveries over the step's duration, or up to its
/// last delivery when that came later.
pub async fn webhooks(common: &Common, channels: usize, rates: &[f64]) -> anyhow::Result<Report> {
    anyhow::ensure!(
        common.target == Target::Parley,
        "the webhooks scenario measures Parley's worker"
    );
    let channels = channels.max(1);
    let mut opts = common.parley.clone();
    // The receiver listens on loopback, which webhook URLs may not point to by default.
    opts.env
        .push(("PARLEY_ALLOW_PRIVATE_URLS".into(), "true".into()));
    let (servers, _, tenant) = start(Target::Parley, &opts, 1).await?;
    let t = tenant.context("tenant")?;
    progress("creating users, channels and the webhook");
    let senders: Vec<String> = (0..channels).map(|c| format!("s{c}")).collect();
    t.users(&senders).await?;
    let specs = senders
        .iter()
        .enumerate()
        .map(|(c, s)| ("messaging".to_owned(), format!("wh{c}"), vec![s.clone()]))
        .collect();
    t.channels(specs).await?;
    let recorder = Arc::new(Recorder::new());
    let receiver = Receiver::start(Arc::clone(&recorder)).await?;
    t.webhook(&receiver.url, &["message.new"]).await?;
    settle(&servers).await;
    let backend = backend(common);
    let label = format!("webhooks {backend} x{channels}");
    let bound = common.p99_bound_ms.unwrap_or(WEBHOOK_P99_BOUND_MS);
    let duration = Duration::from_secs_f64(common.duration_s);
    let grace = Duration::from_millis(common.grace_ms);
    let in_flight = Arc::new(Semaphore::new(WEBHOOK_SENDS_IN_FLIGHT));
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for &rate in rates {
        recorder.finish_step();
        receiver.new_step();
        let before = servers.stats();
        let gen_before = crate::server::proc_stats(std::process::id()).unwrap_or_default();
        let t0_us = recorder.now_us();
        let mut sends = Vec::new();
        let send = |i: u64, body: String| -> futures_util::future::BoxFuture<'static, ()> {
            let c = usize::try_from(i).unwrap_or(0) % channels;
            sends.push(tokio::spawn(send_rest(
                t.clone(),
                Arc::clone(&in_flight),
                format!("wh{c}"),
                senders[c].clone(),
                body,
            )));
            Box::pin(std::future::ready(()))
        };
        let sent = pace(rate, duration, &recorder, send).await;
        // Sends still in flight and deliveries still on their way share the grace period.
        let deadline = tokio::time::Instant::now() + grace;
        let mut accepted = 0u64;
        let mut failures: Vec<String> = Vec::new();
        for s in sends {
            match tokio::time::timeout_at(deadline, s).await {
                Ok(Ok(Ok(()))) => accepted += 1,
                Ok(Ok(Err(e))) => failures.push(e),
                Ok(Err(e)) => failures.push(e.to_string()),
                Err(_) => failures.push("no answer within the grace period".into()),
            }
        }
        while recorder.count() < accepted && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let after = servers.stats();
        let gen_after = crate::server::proc_stats(std::process::id()).unwrap_or_default();
        let last_us = receiver.last_us();
        let latency = recorder.finish_step();
        let delivered = latency.count;
        let missing = accepted.saturating_sub(delivered);
        // Sending takes the step's duration; a backlog stretches it to the last delivery.
        let elapsed = (last_us.saturating_sub(t0_us) as f64 / 1e6).max(duration.as_secs_f64());
        let cpu = after.cpu_s - before.cpu_s;
        let ok = failures.is_empty() && accepted > 0 && missing == 0 && latency.p99_ms <= bound;
        if missing > 0 {
            notes.push(format!(
                "{label} at {rate}/s: {missing} of {accepted} messages not delivered within {} ms",
                common.grace_ms
            ));
        }
        if let Some(first) = failures.first() {
            notes.push(format!(
                "{label} at {rate}/s: {} of {sent} sends failed (first: {first})",
                failures.len()
            ));
        }
        let row = Row {
            label: label.clone(),
            rate,
            sent: accepted,
            deliveries_per_s: delivered as f64 / elapsed.max(0.001),
            server_cpu_s: cpu,
            server_cpu_us_per_delivery: if delivered > 0 {
                cpu * 1e6 / delivered as f64
            } else {
                0.0
            },
            server_rss_mib: mib(after.rss_kib),
            server_peak_rss_mib: mib(after.peak_rss_kib),
            generator_cpu_s: gen_after.cpu_s - gen_before.cpu_s,
            ok,
            latency,
        };
        progress("");
        eprintln!(
            "{label} rate {rate}/s: {:.0} deliveries/s, p50 {:.1} ms, p99 {:.1} ms, {:.0} µs CPU/delivery, server {:.0}% / generator {:.0}% of a core, {delivered} of {accepted} delivered{}",
            row.deliveries_per_s,
            row.latency.p50_ms,
            row.latency.p99_ms,
            row.server_cpu_us_per_delivery,
            row.server_cpu_s * 100.0 / elapsed.max(0.001),
            row.generator_cpu_s * 100.0 / elapsed.max(0.001),
            if ok { "" } else { " -> over the bound" }
        );
        rows.push(row);
        if !ok {
            break;
        }
    }
    if receiver.duplicates() > 0 {
        notes.push(format!(
            "{} deliveries arrived twice (counted once)",
            receiver.duplicates()
        ));
    }
    drop(receiver);
    servers.stop().await;
    Ok(Report {
        scenario: "webhooks".into(),
        target: "parley".into(),
        params: json!({"backend": backend, "channels": channels, "duration_s": common.duration_s, "grace_ms": common.grace_ms, "p99_bound_ms": bound}),
        rows,
        notes,
    })
}
