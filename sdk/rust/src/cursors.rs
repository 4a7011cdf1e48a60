//! Per-channel event cursors, applying the ordering rules of `openapi/asyncapi.yaml`
//! ("Events, sequence numbers and ordering", "Resume"): a duplicate is dropped, the next
//! event is applied, an event past a gap is held back and asks for one `resume` of that
//! channel; `resumed` is authoritative for the cursor, since events the server hides from
//! this user (shadow-banned authors, blocked users) leave gaps it skips on purpose.

use std::collections::{BTreeMap, HashMap, HashSet};

use parley_wire::Event;

#[derive(Default)]
pub(crate) struct Cursors {
    /// `last[cid]`: the newest event `seq` applied, or set by the server.
    last: HashMap<String, i64>,
    /// Events that arrived past a gap, by channel and `seq`.
    held: HashMap<String, BTreeMap<i64, Event>>,
    /// Channels with a `resume` in flight: no second one until `resumed` arrives.
    resuming: HashSet<String>,
}

/// What handling a frame asks for: events to hand to the app, in order, and channels to
/// resume (with their cursors).
#[derive(Default)]
pub(crate) struct Step {
    pub apply: Vec<Event>,
    pub resume: HashMap<String, i64>,
}

impl Cursors {
    pub fn new(initial: HashMap<String, i64>) -> Self {
        Self {
            last: initial,
            ..Self::default()
        }
    }

    pub fn snapshot(&self) -> HashMap<String, i64> {
        self.last.clone()
    }

    /// Takes the cursors of `connection.ready` or `subscribed` for channels without one.
    pub fn adopt(&mut self, cursors: &BTreeMap<String, i64>) {
        for (cid, seq) in cursors {
            self.last.entry(cid.clone()).or_insert(*seq);
        }
    }

    /// Marks every channel as resuming, when a `resume` of all of them is sent (reconnect).
    pub fn resuming_all(&mut self) {
        self.resuming.extend(self.last.keys().cloned());
    }

    /// Handles one persistent event (one with `cid` and `seq`).
    pub fn receive(&mut self, event: Event, cid: String, seq: i64) -> Step {
        let mut step = Step::default();
        let Some(&last) = self.last.get(&cid) else {
            // A channel without a cursor (just added to it): its first event starts it.
            self.last.insert(cid, seq);
            step.apply.push(event);
            return step;
        };
        if seq <= last {
            return step;
        }
        if seq == last + 1 {
            self.last.insert(cid.clone(), seq);
            step.apply.push(event);
            self.release(&cid, &mut step);
            return step;
        }
        self.held.entry(cid.clone()).or_default().insert(seq, event);
        if self.resuming.insert(cid.clone()) {
            step.resume.insert(cid, last);
        }
        step
    }

    /// Handles `resumed`: held events at or below each new cursor are released in order,
    /// then the cursor becomes the server's, then what follows it in order is released; what
    /// is still held past a gap asks for a new `resume`.
    pub fn resumed(&mut self, cursors: &BTreeMap<String, i64>) -> Step {
        let mut step = Step::default();
        for (cid, &cursor) in cursors {
            self.resuming.remove(cid);
            if let Some(held) = self.held.get_mut(cid) {
                let later = held.split_off(&(cursor + 1));
                let upto = std::mem::replace(held, later);
                let last = self.last.get(cid).copied().unwrap_or(0);
                step.apply
                    .extend(upto.into_iter().filter(|(s, _)| *s > last).map(|(_, e)| e));
            }
            // Never back: events past the cursor may already have been applied in order.
            let last = self.last.get(cid).copied().unwrap_or(cursor).max(cursor);
            self.last.insert(cid.clone(), last);
            self.release(cid, &mut step);
            if self.held.get(cid).is_some_and(|h| !h.is_empty())
                && self.resuming.insert(cid.clone())
            {
                step.resume.insert(cid.clone(), cursor);
            }
        }
        step
    }

    /// Handles `resume.failed`: what is held is dropped (the app refetches the channel) and
    /// the cursor continues from the channel's newest event.
    pub fn failed(&mut self, cid: &str, seq: i64) {
        self.held.remove(cid);
        self.resuming.remove(cid);
        self.last.insert(cid.to_owned(), seq);
    }

    pub fn forget(&mut self, cid: &str) {
        self.held.remove(cid);
        self.resuming.remove(cid);
        self.last.remove(cid);
    }

    /// Applies held events that now follow the cursor.
    fn release(&mut self, cid: &str, step: &mut Step) {
        let Some(held) = self.held.get_mut(cid) else {
            return;
        };
        let mut last = self.last.get(cid).copied().unwrap_or(0);
        while let Some(entry) = held.first_entry() {
            let seq = *entry.key();
            if seq <= last {
                entry.remove();
                continue;
            }
            if seq != last + 1 {
                break;
            }
            step.apply.push(entry.remove());
            last = seq;
        }
        self.last.insert(cid.to_owned(), last);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(cid: &str, seq: i64) -> Event {
        serde_json::from_value(serde_json::json!({
            "type": "read.updated", "cid": cid, "seq": seq,
            "created_at": "2026-12-03T00:00:00Z", "user_id": "u", "last_read_seq": 1,
        }))
        .unwrap()
    }

    fn seqs(step: &Step) -> Vec<i64> {
        step.apply.iter().filter_map(|e| e.seq).collect()
    }

    #[test]
    fn duplicates_are_dropped_and_gaps_held_until_resumed() {
        let mut c = Cursors::new(HashMap::from([("m:a".into(), 3)]));
        assert_eq!(
            seqs(&c.receive(ev("m:a", 3), "m:a".into(), 3)),
            Vec::<i64>::new()
        );
        assert_eq!(seqs(&c.receive(ev("m:a", 4), "m:a".into(), 4)), vec![4]);
        let gap = c.receive(ev("m:a", 7), "m:a".into(), 7);
        assert!(gap.apply.is_empty());
        assert_eq!(gap.resume, HashMap::from([("m:a".to_owned(), 4)]));
        // A second event past the gap asks for no second resume.
        assert!(c.receive(ev("m:a", 8), "m:a".into(), 8).resume.is_empty());
        // The replay brings 5 and 6; `resumed` says 6; the held 7 and 8 follow.
        assert_eq!(seqs(&c.receive(ev("m:a", 5), "m:a".into(), 5)), vec![5]);
        assert_eq!(
            seqs(&c.receive(ev("m:a", 6), "m:a".into(), 6)),
            vec![6, 7, 8]
        );
        let done = c.resumed(&BTreeMap::from([("m:a".to_owned(), 6)]));
        assert!(done.apply.is_empty() && done.resume.is_empty());
        assert_eq!(c.snapshot()["m:a"], 8);
    }

    #[test]
    fn resumed_skips_what_the_server_hides() {
        let mut c = Cursors::new(HashMap::from([("m:a".into(), 1)]));
        c.receive(ev("m:a", 4), "m:a".into(), 4);
        // Seqs 2 and 3 are hidden from this user: the server's cursor jumps over them.
        let done = c.resumed(&BTreeMap::from([("m:a".to_owned(), 3)]));
        assert_eq!(seqs(&done), vec![4]);
        assert_eq!(c.snapshot()["m:a"], 4);
    }

    #[test]
    fn failed_drops_what_is_held() {
        let mut c = Cursors::new(HashMap::from([("m:a".into(), 1)]));
        c.receive(ev("m:a", 9), "m:a".into(), 9);
        c.failed("m:a", 20);
        assert!(seqs(&c.receive(ev("m:a", 21), "m:a".into(), 21)) == vec![21]);
    }
}
