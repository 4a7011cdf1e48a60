//! Latency and throughput recording. Every message body starts with `bench:{step}:{micros}:`,
//! stamped by the sender with this process's clock and read back by receivers in the same
//! process, so latency has no clock skew. Receivers only scan for the marker (no JSON parsing)
//! to keep the generator's own CPU use low. Connections lost on the way are counted by cause.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use hdrhistogram::Histogram;
use serde::Serialize;

const SHARDS: usize = 64;

pub struct Recorder {
    epoch: Instant,
    step: AtomicU64,
    shards: Vec<Mutex<Histogram<u64>>>,
}

/// 1 µs to 2 minutes at 3 significant figures: constant bounds, valid by construction.
#[allow(clippy::expect_used)]
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 120_000_000, 3).expect("valid histogram bounds")
}

/// Percentiles of one measurement, in milliseconds.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Latency {
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Recorder {
    pub fn new() -> Self {
        Self {
            epoch: Instant::now(),
            step: AtomicU64::new(0),
            shards: (0..SHARDS).map(|_| Mutex::new(histogram())).collect(),
        }
    }

    pub fn now_us(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    pub fn step(&self) -> u64 {
        self.step.load(Ordering::Relaxed)
    }

    /// The body a sender sends now.
    pub fn body(&self, pad: &str) -> String {
        format!("bench:{}:{}:{pad}", self.step(), self.now_us())
    }

    /// Records a received frame if it carries a body of the current step (and says whether it
    /// did).
    pub fn record(&self, conn: usize, frame: &str) -> bool {
        let Some(i) = frame.find("bench:") else {
            return false;
        };
        let mut parts = frame[i + 6..].splitn(3, ':');
        let (Some(step), Some(ts)) = (parts.next(), parts.next()) else {
            return false;
        };
        let (Ok(step), Ok(ts)) = (step.parse::<u64>(), ts.parse::<u64>()) else {
            return false;
        };
        if step != self.step() {
            return false;
        }
        self.record_since(conn, ts)
    }

    /// Records the time from `start_us` (this recorder's clock) to now, for a request answered
    /// in the same process: a send's acknowledgement, a history page.
    pub fn record_since(&self, conn: usize, start_us: u64) -> bool {
        let latency = self.now_us().saturating_sub(start_us).max(1);
        match self.shards[conn % SHARDS].lock() {
            Ok(mut h) => h.record(latency).is_ok(),
            Err(_) => false,
        }
    }

    /// Ends the current step: returns its latencies and starts the next one.
    pub fn finish_step(&self) -> Latency {
        self.step.fetch_add(1, Ordering::Relaxed);
        let mut all = histogram();
        for shard in &self.shards {
            if let Ok(mut h) = shard.lock() {
                let _ = all.add(&*h);
                h.reset();
            }
        }
        let ms = |v: u64| v as f64 / 1000.0;
        Latency {
            count: all.len(),
            p50_ms: ms(all.value_at_quantile(0.50)),
            p90_ms: ms(all.value_at_quantile(0.90)),
            p99_ms: ms(all.value_at_quantile(0.99)),
            max_ms: ms(all.max()),
        }
    }

    /// Deliveries recorded so far in the current step.
    pub fn count(&self) -> u64 {
        self.shards
            .iter()
            .filter_map(|s| s.lock().ok().map(|h| h.len()))
            .sum()
    }
}

/// Connections lost while a scenario ran, counted by cause (the server's close frame or the
/// client's error), so that a report says why and not only how many.
#[derive(Default)]
pub struct Drops {
    count: AtomicU64,
    causes: Mutex<BTreeMap<String, u64>>,
}

impl Drops {
    /// Counts connection `conn` as lost; the first few are also printed as they happen.
    pub fn record(&self, conn: usize, cause: String) {
        if self.count.fetch_add(1, Ordering::Relaxed) < 3 {
            eprintln!("\nconnection {conn} {cause}");
        }
        if let Ok(mut causes) = self.causes.lock() {
            *causes.entry(cause).or_default() += 1;
        }
    }

    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// "N connections dropped: how many of each cause", or None when none was.
    pub fn summary(&self) -> Option<String> {
        let causes = self.causes.lock().ok()?;
        if causes.is_empty() {
            return None;
        }
        let each: Vec<String> = causes.iter().map(|(c, n)| format!("{n} {c}")).collect();
        Some(format!(
            "{} connections dropped: {}",
            self.count(),
            each.join("; ")
        ))
    }
}
