//! Parley's worker: claims jobs from the transactional outbox, delivers webhooks and push
//! notifications at least once, retries with backoff and records every attempt. `parley serve`
//! runs it in-process; `parley worker` runs it alone.

pub mod push;
