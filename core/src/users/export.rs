//! A user's data export (GDPR Art. 15 access and Art. 20 portability): everything stored about
//! them, as one JSON document written part by part, a page of rows at a time, so an export of
//! any size streams in constant memory. [`export`] is the one entry point: it checks the
//! caller and the user before the first byte is sent.
//!
//! Which tables hold a user's data comes from the delete registry
//! ([`crate::entities::owned::TABLES`]): every column there that names a user is either read
//! by a [`Part`] ([`Part::source`]) or listed in [`WITHHELD`] with the reason, and a test fails
//! when a registered column is in neither.

use chrono::{DateTime, Utc};
use futures_util::Stream;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use super::{User, find};
use crate::audit::{AuditAction, Change, TargetKind, Who};
use crate::authn::Caller;
use crate::authz::{Action, Target, authorize};
use crate::entities::{
    ban, device, flag, member, message, reaction, upload, user, user_block, user_mute,
};
use crate::kernel::ids::MemberRole;
use crate::media::{self};
use crate::model::ban::Ban;
use crate::model::flag::Flag;
use crate::model::message::Message;
use crate::{Parley, Result};
pub use parley_wire::export::{
    ExportedBan, ExportedDevice, ExportedFlag, ExportedMembership, ExportedMessage, ExportedMute,
    ExportedReaction, ExportedUser, UserExport,
};

/// Rows read and written per page: one query (and one chunk of the body) each.
const PAGE_ROWS: u64 = 500;

/// The parts of the document after the profile, in the order they are written. Each is an
/// array named [`Part::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Messages,
    Reactions,
    Memberships,
    Devices,
    Uploads,
    Flags,
    Bans,
    Mutes,
    Blocks,
}

impl Part {
    pub const ALL: [Part; 9] = [
        Part::Messages,
        Part::Reactions,
        Part::Memberships,
        Part::Devices,
        Part::Uploads,
        Part::Flags,
        Part::Bans,
        Part::Mutes,
        Part::Blocks,
    ];

    /// The part's key in the document.
    pub fn name(self) -> &'static str {
        match self {
            Self::Messages => "messages",
            Self::Reactions => "reactions",
            Self::Memberships => "memberships",
            Self::Devices => "devices",
            Self::Uploads => "uploads",
            Self::Flags => "flags",
            Self::Bans => "bans",
            Self::Mutes => "mutes",
            Self::Blocks => "blocks",
        }
    }

    /// The part written after this one, if any.
    fn next(self) -> Option<Part> {
        let at = Part::ALL.iter().position(|p| *p == self)?;
        Part::ALL.get(at + 1).copied()
    }

    /// The table the part reads and the column naming the user in it.
    pub fn source(self) -> (&'static str, &'static str) {
        match self {
            Self::Messages => ("messages", "user_id"),
            Self::Reactions => ("reactions", "user_id"),
            Self::Memberships => ("members", "user_id"),
            Self::Devices => ("devices", "user_id"),
            Self::Uploads => ("uploads", "user_id"),
            Self::Flags => ("flags", "created_by"),
            Self::Bans => ("bans", "user_id"),
            Self::Mutes => ("user_mutes", "user_id"),
            Self::Blocks => ("user_blocks", "user_id"),
        }
    }
}

/// Columns of the delete registry that name a user but that no part shows, with the reason:
/// `(table, column, why)`.
pub const WITHHELD: &[(&str, &str, &str)] = &[
    (
        "bans",
        "created_by",
        "bans the user imposed as a moderator are records about the users they banned",
    ),
    (
        "channels",
        "created_by",
        "a channel belongs to its members; the user's own place in it is in `memberships`",
    ),
    (
        "flags",
        "user_id",
        "reports about the user would name the users who reported them (GDPR Art. 15(4))",
    ),
    (
        "flags",
        "resolved_by",
        "reports the user resolved as a moderator are records about other users",
    ),
    (
        "messages",
        "pinned_by",
        "a pin belongs to the message, which may be another user's",
    ),
    (
        "stream_cursors",
        "user_id",
        "resume positions of the user's event streams: channel seqs, no content, kept only \
         for the event log's retention",
    ),
    (
        "user_mutes",
        "target_id",
        "another user muting this one is that user's private setting",
    ),
    (
        "user_blocks",
        "target_id",
        "another user blocking this one is that user's private setting",
    ),
    (
        "channel_events",
        "sent_by",
        "the event log repeats the user's messages (exported in `messages`) for `resume`, \
         and is kept only for its retention",
    ),
];

/// An export that passed its checks: [`Export::chunks`] writes the document.
pub struct Export {
    ctx: Parley,
    tenant: String,
    user: user::Model,
    exported_at: DateTime<Utc>,
}

/// `GET /v1/users/{user_id}/export`: the tenant server, admins, and the user themselves.
/// Another user is refused (403, action `export_user`); an unknown user is 404. Nothing is
/// read beyond the profile until the chunks are polled.
pub async fn export(ctx: &Parley, caller: &Caller, id: &str) -> Result<Export> {
    authorize(caller, Action::ExportUser, Target::User(id))?;
    let tenant = caller.tenant_id();
    let user = find(&ctx.db, tenant, id).await?;
    // Recorded when asked: the document itself is written while the client reads it.
    let change = Change::new(AuditAction::UserExported, TargetKind::User, id);
    crate::audit::record(&ctx.db, ctx, tenant, &Who::of(caller), change).await?;
    Ok(Export {
        ctx: ctx.clone(),
        tenant: tenant.to_owned(),
        user,
        exported_at: Utc::now(),
    })
}

impl Export {
    pub fn user_id(&self) -> &str {
        &self.user.id
    }

    /// The document, a page of rows per chunk. The pages are read one after another, not in
    /// one snapshot: rows written meanwhile may or may not appear. A failure ends the stream
    /// with an error, so the client sees a cut-off body, never a complete-looking one.
    pub fn chunks(self) -> impl Stream<Item = Result<Vec<u8>>> + Send + 'static {
        let writer = Writer {
            export: self,
            step: Step::Profile,
        };
        futures_util::stream::unfold(Some(writer), |writer| async move {
            let mut writer = writer?;
            match writer.next_chunk().await {
                Ok(Some(chunk)) => Some((Ok(chunk), Some(writer))),
                Ok(None) => None,
                Err(e) => {
                    tracing::error!(
                        tenant = %writer.export.tenant,
                        user = %writer.export.user.id,
                        code = e.code.as_str(),
                        cause = e.source.as_deref().unwrap_or(""),
                        "a user export failed part-way"
                    );
                    Some((Err(e), None))
                }
            }
        })
    }
}

/// Where the writer stands.
enum Step {
    Profile,
    /// Inside a part; `after` is where its previous page ended (`None` before its first page).
    Part {
        part: Part,
        after: Option<After>,
    },
    Closing,
    Done,
}

/// The sort key of the last row of a page (after the tenant): the next page starts past it.
#[derive(Debug, Clone)]
enum After {
    One(String),
    /// Reactions: message id, then type.
    Two(String, String),
}

impl After {
    fn one(after: Option<&After>) -> Option<&str> {
        match after {
            Some(After::One(k)) => Some(k),
            _ => None,
        }
    }

    fn two(after: Option<&After>) -> Option<(&str, &str)> {
        match after {
            Some(After::Two(a, b)) => Some((a, b)),
            _ => None,
        }
    }
}

struct Writer {
    export: Export,
    step: Step,
}

/// One page of a part: its rows as JSON, and the key of the last one.
struct Page {
    rows: Vec<Vec<u8>>,
    last: Option<After>,
}

impl Page {
    fn of<T: Serialize>(rows: impl IntoIterator<Item = T>, last: Option<After>) -> Result<Self> {
        let rows = rows
            .into_iter()
            .map(|r| serde_json::to_vec(&r))
            .collect::<Result<_, _>>()?;
        Ok(Self { rows, last })
    }
}

impl Writer {
    /// The next piece of the document (the profile, a page of a part, the closing); `None`
    /// once all is written.
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>> {
        let mut out = Vec::new();
        match std::mem::replace(&mut self.step, Step::Done) {
            Step::Profile => {
                out.extend_from_slice(b"{\"user\":");
                let profile = ExportedUser {
                    last_active_at: self.export.user.last_active_at,
                    user: User::from(self.export.user.clone()),
                };
                serde_json::to_writer(&mut out, &profile)?;
                self.step = Step::Part {
                    part: Part::ALL[0],
                    after: None,
                };
            }
            Step::Part { part, after } => {
                if after.is_none() {
                    out.extend_from_slice(format!(",\"{}\":[", part.name()).as_bytes());
                }
                let page = self.page(part, after.as_ref()).await?;
                let full = page.rows.len() as u64 == PAGE_ROWS;
                for (i, row) in page.rows.into_iter().enumerate() {
                    // A later page follows a full one: its first row needs a comma too.
                    if i > 0 || after.is_some() {
                        out.push(b',');
                    }
                    out.extend(row);
                }
                self.step = match (page.last, part.next()) {
                    (Some(last), _) if full => Step::Part {
                        part,
                        after: Some(last),
                    },
                    (_, next) => {
                        out.push(b']');
                        match next {
                            Some(next) => Step::Part {
                                part: next,
                                after: None,
                            },
                            None => Step::Closing,
                        }
                    }
                };
            }
            Step::Closing => {
                out.extend_from_slice(b",\"exported_at\":");
                serde_json::to_writer(&mut out, &self.export.exported_at)?;
                out.push(b'}');
            }
            Step::Done => return Ok(None),
        }
        Ok(Some(out))
    }

    /// One page of `part`, after `after`, in its key order.
    async fn page(&self, part: Part, after: Option<&After>) -> Result<Page> {
        match part {
            Part::Messages => self.messages(After::one(after)).await,
            Part::Reactions => self.reactions(After::two(after)).await,
            Part::Memberships => self.memberships(After::one(after)).await,
            Part::Devices => self.devices(After::one(after)).await,
            Part::Uploads => self.uploads(After::one(after)).await,
            Part::Flags => self.flags(After::one(after)).await,
            Part::Bans => self.bans(After::one(after)).await,
            Part::Mutes => self.mutes(After::one(after)).await,
            Part::Blocks => self.blocks(After::one(after)).await,
        }
    }

    fn db(&self) -> &sea_orm::DatabaseConnection {
        &self.export.ctx.db
    }

    fn tenant(&self) -> &str {
        &self.export.tenant
    }

    fn user(&self) -> &str {
        &self.export.user.id
    }

    /// The user's messages by id, with fresh URLs for their attachments.
    async fn messages(&self, after: Option<&str>) -> Result<Page> {
        let mut q = message::Entity::find()
            .filter(message::Column::TenantId.eq(self.tenant()))
            .filter(message::Column::UserId.eq(self.user()))
            .order_by_asc(message::Column::Id)
            .limit(PAGE_ROWS);
        if let Some(id) = after {
            q = q.filter(message::Column::Id.gt(id));
        }
        let rows = q.all(self.db()).await?;
        let last = rows.last().map(|m| After::One(m.id.clone()));
        let mut views: Vec<Message> = rows.into_iter().map(crate::model::message::bare).collect();
        media::present(self.db(), &self.export.ctx.media, self.tenant(), &mut views).await?;
        Page::of(views.into_iter().map(ExportedMessage::from), last)
    }

    /// The user's reactions by message and type, with each message's channel.
    async fn reactions(&self, after: Option<(&str, &str)>) -> Result<Page> {
        let mut q = reaction::Entity::find()
            .filter(reaction::Column::TenantId.eq(self.tenant()))
            .filter(reaction::Column::UserId.eq(self.user()))
            .order_by_asc(reaction::Column::MessageId)
            .order_by_asc(reaction::Column::Kind)
            .limit(PAGE_ROWS);
        if let Some((message_id, kind)) = after {
            q = q.filter(
                Condition::any()
                    .add(reaction::Column::MessageId.gt(message_id))
                    .add(
                        Condition::all()
                            .add(reaction::Column::MessageId.eq(message_id))
                            .add(reaction::Column::Kind.gt(kind)),
                    ),
            );
        }
        let rows = q.all(self.db()).await?;
        let last = rows
            .last()
            .map(|r| After::Two(r.message_id.clone(), r.kind.clone()));
        let cids = self
            .cids_of(rows.iter().map(|r| r.message_id.clone()))
            .await?;
        Page::of(
            rows.into_iter().map(|r| ExportedReaction {
                cid: cids.get(&r.message_id).cloned(),
                message_id: r.message_id,
                kind: r.kind,
                created_at: r.created_at,
            }),
            last,
        )
    }

    /// The user's memberships by channel.
    async fn memberships(&self, after: Option<&str>) -> Result<Page> {
        let mut q = member::Entity::find()
            .filter(member::Column::TenantId.eq(self.tenant()))
            .filter(member::Column::UserId.eq(self.user()))
            .order_by_asc(member::Column::Cid)
            .limit(PAGE_ROWS);
        if let Some(cid) = after {
            q = q.filter(member::Column::Cid.gt(cid));
        }
        let rows = q.all(self.db()).await?;
        let last = rows.last().map(|m| After::One(m.cid.clone()));
        Page::of(
            rows.into_iter().map(|m| ExportedMembership {
                role: MemberRole::from_db(&m.role),
                cid: m.cid,
                last_read_seq: m.last_read_seq,
                muted: m.muted,
                created_at: m.created_at,
                updated_at: m.updated_at,
            }),
            last,
        )
    }

    /// The user's push devices by token.
    async fn devices(&self, after: Option<&str>) -> Result<Page> {
        let mut q = device::Entity::find()
            .filter(device::Column::TenantId.eq(self.tenant()))
            .filter(device::Column::UserId.eq(self.user()))
            .order_by_asc(device::Column::Token)
            .limit(PAGE_ROWS);
        if let Some(token) = after {
            q = q.filter(device::Column::Token.gt(token));
        }
        let rows = q.all(self.db()).await?;
        let last = rows.last().map(|d| After::One(d.token.clone()));
        Page::of(
            rows.into_iter().map(|d| ExportedDevice {
                provider: d.provider,
                token: d.token,
                created_at: d.created_at,
            }),
            last,
        )
    }

    /// The user's uploads by id, with fresh download URLs.
    async fn uploads(&self, after: Option<&str>) -> Result<Page> {
        let mut q = upload::Entity::find()
            .filter(upload::Column::TenantId.eq(self.tenant()))
            .filter(upload::Column::UserId.eq(self.user()))
            .order_by_asc(upload::Column::Id)
            .limit(PAGE_ROWS);
        if let Some(id) = after {
            q = q.filter(upload::Column::Id.gt(id));
        }
        let rows = q.all(self.db()).await?;
        let last = rows.last().map(|u| After::One(u.id.clone()));
        let mut views = Vec::with_capacity(rows.len());
        for row in rows {
            views.push(media::upload_view(&self.export.ctx.media, row).await?);
        }
        Page::of(views, last)
    }

    /// The reports the user made, by id.
    async fn flags(&self, after: Option<&str>) -> Result<Page> {
        let mut q = flag::Entity::find()
            .filter(flag::Column::TenantId.eq(self.tenant()))
            .filter(flag::Column::CreatedBy.eq(self.user()))
            .order_by_asc(flag::Column::Id)
            .limit(PAGE_ROWS);
        if let Some(id) = after {
            q = q.filter(flag::Column::Id.gt(id));
        }
        let rows = q.all(self.db()).await?;
        let last = rows.last().map(|f| After::One(f.id.clone()));
        Page::of(
            rows.into_iter().map(|f| ExportedFlag::from(Flag::from(f))),
            last,
        )
    }

    /// The user's bans by channel (the app-wide one, `cid` empty, first).
    async fn bans(&self, after: Option<&str>) -> Result<Page> {
        let mut q = ban::Entity::find()
            .filter(ban::Column::TenantId.eq(self.tenant()))
            .filter(ban::Column::UserId.eq(self.user()))
            .order_by_asc(ban::Column::Cid)
            .limit(PAGE_ROWS);
        if let Some(cid) = after {
            q = q.filter(ban::Column::Cid.gt(cid));
        }
        let rows = q.all(self.db()).await?;
        let last = rows.last().map(|b| After::One(b.cid.clone()));
        Page::of(
            rows.into_iter().map(|b| ExportedBan::from(Ban::from(b))),
            last,
        )
    }

    /// The users the user muted, by id.
    async fn mutes(&self, after: Option<&str>) -> Result<Page> {
        let mut q = user_mute::Entity::find()
            .filter(user_mute::Column::TenantId.eq(self.tenant()))
            .filter(user_mute::Column::UserId.eq(self.user()))
            .order_by_asc(user_mute::Column::TargetId)
            .limit(PAGE_ROWS);
        if let Some(target) = after {
            q = q.filter(user_mute::Column::TargetId.gt(target));
        }
        let rows = q.all(self.db()).await?;
        let last = rows.last().map(|m| After::One(m.target_id.clone()));
        Page::of(
            rows.into_iter().map(|m| ExportedMute {
                target_id: m.target_id,
                created_at: m.created_at,
            }),
            last,
        )
    }

    async fn blocks(&self, after: Option<&str>) -> Result<Page> {
        let mut q = user_block::Entity::find()
            .filter(user_block::Column::TenantId.eq(self.tenant()))
            .filter(user_block::Column::UserId.eq(self.user()))
            .order_by_asc(user_block::Column::TargetId)
            .limit(PAGE_ROWS);
        if let Some(target) = after {
            q = q.filter(user_block::Column::TargetId.gt(target));
        }
        let rows = q.all(self.db()).await?;
        let last = rows.last().map(|b| After::One(b.target_id.clone()));
        Page::of(
            rows.into_iter().map(|b| ExportedMute {
                target_id: b.target_id,
                created_at: b.created_at,
            }),
            last,
        )
    }

    /// The channel of each of these messages, in one query.
    async fn cids_of(
        &self,
        message_ids: impl IntoIterator<Item = String>,
    ) -> Result<std::collections::HashMap<String, String>> {
        let ids: std::collections::BTreeSet<String> = message_ids.into_iter().collect();
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let rows: Vec<(String, String)> = message::Entity::find()
            .select_only()
            .column(message::Column::Id)
            .column(message::Column::Cid)
            .filter(message::Column::TenantId.eq(self.tenant()))
            .filter(message::Column::Id.is_in(ids))
            .into_tuple()
            .all(self.db())
            .await?;
        Ok(rows.into_iter().collect())
    }
}
