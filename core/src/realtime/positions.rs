//! Where a Server-Sent Events stream stands in each of its channels, carried in every event
//! id so that `Last-Event-ID` resumes every channel exactly once. An id is a snapshot (all
//! channels' positions, stored once) plus the channels that moved since:
//! `{snapshot}.{key}={seq}…`, where a key is the channel's index in the snapshot or, for a
//! channel the snapshot does not know, its cid. When the moves grow past [`MAX_MOVES`] a new
//! snapshot is stored, so ids stay short and a stream writes rarely.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::authn::Caller;
use crate::entities::stream_cursor;
use crate::{Parley, Result};

/// Moves carried in an id before a new snapshot is stored.
const MAX_MOVES: usize = 32;

/// A stream's positions: the last event `seq` it sent (or that the client had) per channel.
pub struct Positions {
    snapshot: String,
    base: Vec<(Arc<str>, i64)>,
    index: HashMap<Arc<str>, usize>,
    moved: BTreeMap<Arc<str>, i64>,
    /// Most channels kept (a tenant-wide stream sees every channel of the tenant): past it the
    /// channel that moved least recently is forgotten.
    cap: usize,
    /// When each channel last moved, to find the one to forget.
    touched: HashMap<Arc<str>, u64>,
    tick: u64,
}

impl Positions {
    /// Stores the starting positions and returns them, ready to stamp ids.
    pub async fn start(
        ctx: &Parley,
        caller: &Caller,
        start: Vec<(Arc<str>, i64)>,
        cap: usize,
    ) -> Result<Self> {
        let mut p = Self {
            snapshot: String::new(),
            base: Vec::new(),
            index: HashMap::new(),
            moved: BTreeMap::new(),
            cap: cap.max(1),
            touched: HashMap::new(),
            tick: 0,
        };
        for (cid, seq) in start {
            p.touched.insert(Arc::clone(&cid), 0);
            p.moved.insert(cid, seq);
        }
        p.trim();
        p.save(ctx, caller).await?;
        Ok(p)
    }

    /// The position in `cid`, if the stream follows it.
    pub fn get(&self, cid: &str) -> Option<i64> {
        self.moved
            .get(cid)
            .copied()
            .or_else(|| self.index.get(cid).map(|&i| self.base[i].1))
    }

    /// Records that the event `cid:seq` was sent; stores a new snapshot when the id would grow
    /// too long.
    pub async fn advance(
        &mut self,
        ctx: &Parley,
        caller: &Caller,
        cid: &Arc<str>,
        seq: i64,
    ) -> Result<()> {
        self.tick += 1;
        self.touched.insert(Arc::clone(cid), self.tick);
        self.moved.insert(Arc::clone(cid), seq);
        if self.moved.len() > MAX_MOVES || self.touched.len() > self.cap {
            self.trim();
            self.save(ctx, caller).await?;
        }
        Ok(())
    }

    /// Forgets a channel (deleted: a channel created again under its cid starts from 1).
    pub fn forget(&mut self, cid: &str) {
        self.moved.remove(cid);
        self.touched.remove(cid);
        if let Some(i) = self.index.remove(cid) {
            // Keep indexes stable until the next snapshot; mark the slot unused.
            self.base[i].1 = i64::MIN;
        }
    }

    /// The event id that stands for the current positions.
    pub fn token(&self) -> String {
        let mut out = String::with_capacity(self.snapshot.len() + self.moved.len() * 12);
        out.push_str(&self.snapshot);
        for (cid, seq) in &self.moved {
            out.push('.');
            match self.index.get(cid) {
                Some(i) => out.push_str(&i.to_string()),
                None => out.push_str(cid),
            }
            out.push('=');
            out.push_str(&seq.to_string());
        }
        out
    }

    /// Forgets the channels that moved least recently, past the cap.
    fn trim(&mut self) {
        while self.touched.len() > self.cap {
            let Some(oldest) = self
                .touched
                .iter()
                .min_by_key(|(_, t)| **t)
                .map(|(c, _)| Arc::clone(c))
            else {
                break;
            };
            self.forget(&oldest);
        }
    }

    /// Folds the moves into a new snapshot and stores it.
    async fn save(&mut self, ctx: &Parley, caller: &Caller) -> Result<()> {
        let mut all: Vec<(Arc<str>, i64)> = self
            .base
            .iter()
            .filter(|(c, s)| *s != i64::MIN && !self.moved.contains_key(c))
            .cloned()
            .collect();
        all.extend(self.moved.iter().map(|(c, s)| (Arc::clone(c), *s)));
        all.sort();
        let id = uuid::Uuid::now_v7().simple().to_string();
        let cursors: Vec<(&str, i64)> = all.iter().map(|(c, s)| (&**c, *s)).collect();
        stream_cursor::Entity::insert(stream_cursor::ActiveModel {
            tenant_id: Set(caller.tenant_id().to_owned()),
            id: Set(id.clone()),
            user_id: Set(caller.user_id().map(|u| u.as_str().to_owned())),
            cursors: Set(serde_json::to_string(&cursors)?),
            created_at: Set(Utc::now()),
        })
        .exec_without_returning(&ctx.db)
        .await?;
        self.index = all
            .iter()
            .enumerate()
            .map(|(i, (c, _))| (Arc::clone(c), i))
            .collect();
        self.base = all;
        self.moved.clear();
        self.snapshot = id;
        Ok(())
    }
}

/// The positions an event id stands for, when it is one of these ids, it belongs to this
/// caller (same tenant, same user) and its snapshot is still kept.
pub async fn resolve(
    ctx: &Parley,
    caller: &Caller,
    token: &str,
) -> Result<Option<HashMap<String, i64>>> {
    let mut parts = token.split('.');
    let snapshot = parts.next().unwrap_or_default();
    if snapshot.len() != 32 || !snapshot.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let Some(row) = stream_cursor::Entity::find()
        .filter(stream_cursor::Column::TenantId.eq(caller.tenant_id()))
        .filter(stream_cursor::Column::Id.eq(snapshot))
        .one(&ctx.db)
        .await?
    else {
        return Ok(None);
    };
    if row.user_id.as_deref() != caller.user_id().map(|u| u.as_str()) {
        return Ok(None);
    }
    let base: Vec<(String, i64)> = serde_json::from_str(&row.cursors)?;
    let mut out: HashMap<String, i64> = base.iter().cloned().collect();
    for part in parts {
        let Some((key, seq)) = part.split_once('=') else {
            return Ok(None);
        };
        let Ok(seq) = seq.parse::<i64>() else {
            return Ok(None);
        };
        let cid = match key.parse::<usize>() {
            Ok(i) => match base.get(i) {
                Some((c, _)) => c.clone(),
                None => return Ok(None),
            },
            Err(_) if key.contains(':') => key.to_owned(),
            Err(_) => return Ok(None),
        };
        out.insert(cid, seq);
    }
    Ok(Some(out))
}

/// Deletes snapshots older than `cutoff` (the event log's retention: past it, resuming fails
/// anyway).
pub(crate) async fn prune(
    ctx_db: &sea_orm::DatabaseConnection,
    cutoff: chrono::DateTime<Utc>,
) -> Result<()> {
    stream_cursor::Entity::delete_many()
        .filter(stream_cursor::Column::CreatedAt.lt(cutoff))
        .exec(ctx_db)
        .await?;
    Ok(())
}
