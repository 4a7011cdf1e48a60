//! The time rules that last (ban expiries, slow mode) are decided by. The system clock in
//! production; tests move an adjustable one forward instead of sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

/// The system clock, optionally shifted by an offset that only moves forward.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: Option<Arc<AtomicI64>>,
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that starts at the system time and that [`Clock::advance`] moves forward.
    pub fn adjustable() -> Self {
        Self {
            offset_ms: Some(Arc::new(AtomicI64::new(0))),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        let offset = self
            .offset_ms
            .as_ref()
            .map_or(0, |o| o.load(Ordering::Relaxed));
        Utc::now() + chrono::Duration::milliseconds(offset)
    }

    /// Moves an adjustable clock forward; the system clock cannot be moved.
    pub fn advance(&self, by: std::time::Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        match &self.offset_ms {
            Some(o) => {
                o.fetch_add(ms, Ordering::Relaxed);
            }
            None => tracing::warn!("the system clock cannot be advanced"),
        }
    }
}
