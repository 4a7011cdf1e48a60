//! Blocklists: a tenant's lists of words and regular expressions, which channel types screen
//! messages with (block, mask or flag; see [`BlocklistAction`]).
//!
//! Text is folded before matching: each character is decomposed (NFKD), its combining marks
//! dropped and the rest lowercased, so `Ｂád`, `bád` and `BAD` all read `bad`. Words match as
//! whole words; expressions anywhere. Everything is compiled with the `regex` crate, whose
//! matching is linear in the text whatever the expression, and compiled lists are cached per
//! node by the list's `updated_at`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use regex::{Regex, RegexBuilder};
use sea_orm::{
    ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::audit::{AuditAction, Change, TargetKind};
use crate::authn::Caller;
use crate::authz::{Action, Target, authorize};
use crate::entities::{blocklist, channel_type};
use crate::model::blocklist::{Blocklist, BlocklistAction, BlocklistInput, BlocklistRule};
use crate::model::channel_type::ChannelTypeSettings;
use crate::work::UnitOfWork;
use crate::{Error, ErrorCode, Parley, Result};

const MAX_WORDS: usize = 10_000;
const MAX_WORD_CHARS: usize = 100;
const MAX_PATTERNS: usize = 100;
const MAX_PATTERN_CHARS: usize = 500;
/// Compiled size limits: a list cannot make a node spend unbounded memory.
const WORDS_SIZE_LIMIT: usize = 64 << 20;
const PATTERN_SIZE_LIMIT: usize = 1 << 20;
/// Blocklists one tenant may have.
const MAX_LISTS: u64 = 100;
pub const MASK: &str = "***";

fn not_found(name: &str) -> Error {
    Error::new(
        ErrorCode::BlocklistNotFound,
        format!("no blocklist `{name}`"),
    )
}

/// A list's name: 1 to 64 of `a-z 0-9 _ -`.
fn parse_name(name: &str) -> Result<String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-'));
    if ok {
        Ok(name.to_owned())
    } else {
        Err(Error::invalid(format!(
            "`name`: `{name}` must be 1 to 64 of a-z, 0-9, _ and -"
        )))
    }
}

/// Folds text for matching, and gives for each byte of the folded text the byte offset in
/// `text` of the character it came from.
fn fold(text: &str) -> (String, Vec<usize>) {
    let mut folded = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len());
    for (at, c) in text.char_indices() {
        for d in std::iter::once(c).nfkd().filter(|d| !is_combining_mark(*d)) {
            for l in d.to_lowercase() {
                folded.push(l);
                origin.resize(folded.len(), at);
            }
        }
    }
    (folded, origin)
}

/// A list's checked content: words folded, patterns compiled.
struct Checked {
    words: Vec<String>,
    patterns: Vec<String>,
}

fn check(input: BlocklistInput) -> Result<Checked> {
    if input.words.len() > MAX_WORDS {
        return Err(Error::invalid(format!(
            "`words`: at most {MAX_WORDS} per list"
        )));
    }
    if input.patterns.len() > MAX_PATTERNS {
        return Err(Error::invalid(format!(
            "`patterns`: at most {MAX_PATTERNS} per list"
        )));
    }
    if input.words.is_empty() && input.patterns.is_empty() {
        return Err(Error::invalid("a blocklist needs `words` or `patterns`"));
    }
    let mut words = Vec::with_capacity(input.words.len());
    for (i, w) in input.words.iter().enumerate() {
        let trimmed = w.trim();
        let n = trimmed.chars().count();
        if n == 0 || n > MAX_WORD_CHARS || trimmed.chars().any(char::is_control) {
            return Err(Error::invalid(format!(
                "`words[{i}]`: 1 to {MAX_WORD_CHARS} characters, no control characters"
            )));
        }
        words.push(trimmed.to_owned());
    }
    for (i, p) in input.patterns.iter().enumerate() {
        let n = p.chars().count();
        if n == 0 || n > MAX_PATTERN_CHARS {
            return Err(Error::invalid(format!(
                "`patterns[{i}]`: 1 to {MAX_PATTERN_CHARS} characters"
            )));
        }
        compile_pattern(p).map_err(|e| Error::invalid(format!("`patterns[{i}]`: {e}")))?;
    }
    compile_words(&words).map_err(|e| Error::invalid(format!("`words`: {e}")))?;
    Ok(Checked {
        words,
        patterns: input.patterns,
    })
}

fn compile_pattern(pattern: &str) -> std::result::Result<Regex, String> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(PATTERN_SIZE_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => "the expression compiles too big".to_owned(),
            other => other
                .to_string()
                .lines()
                .last()
                .unwrap_or("invalid")
                .trim()
                .to_owned(),
        })
}

/// One expression for every word: each folded and escaped, any run of spaces in a phrase
/// matching any run of spaces, bounded by `\b` on the sides that are word characters (so
/// `f*ck` still matches inside `a f*ck b`).
fn compile_words(words: &[String]) -> std::result::Result<Option<Regex>, String> {
    if words.is_empty() {
        return Ok(None);
    }
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let alternatives: Vec<String> = words
        .iter()
        .map(|w| {
            let (folded, _) = fold(w);
            let start = if is_word(folded.chars().next()) {
                r"\b"
            } else {
                ""
            };
            let end = if is_word(folded.chars().last()) {
                r"\b"
            } else {
                ""
            };
            let body: Vec<String> = folded.split_whitespace().map(regex::escape).collect();
            format!("{start}{}{end}", body.join(r"\s+"))
        })
        .collect();
    RegexBuilder::new(&format!("(?:{})", alternatives.join("|")))
        .size_limit(WORDS_SIZE_LIMIT)
        .build()
        .map(Some)
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => "the words compile too big".to_owned(),
            other => other.to_string(),
        })
}

/// A compiled list.
pub struct Matcher {
    words: Option<Regex>,
    patterns: Vec<Regex>,
}

impl Matcher {
    fn compile(row: &blocklist::Model) -> Result<Self> {
        let words: Vec<String> = serde_json::from_value(row.words.clone())?;
        let patterns: Vec<String> = serde_json::from_value(row.patterns.clone())?;
        Ok(Self {
            words: compile_words(&words).map_err(Error::internal)?,
            patterns: patterns
                .iter()
                .map(|p| compile_pattern(p))
                .collect::<std::result::Result<_, _>>()
                .map_err(Error::internal)?,
        })
    }

    /// The byte ranges of `text` that match, in order, overlapping ones merged.
    pub fn find(&self, text: &str) -> Vec<std::ops::Range<usize>> {
        let (folded, origin) = fold(text);
        let to_text = |at: usize| origin.get(at).copied().unwrap_or(text.len());
        let mut ranges: Vec<std::ops::Range<usize>> = self
            .words
            .iter()
            .chain(&self.patterns)
            .flat_map(|re| re.find_iter(&folded).collect::<Vec<_>>())
            .filter(|m| !m.is_empty())
            .map(|m| {
                let start = to_text(m.start());
                // The end is where the character after the match starts, or, when the match
                // ends inside one character's folding, where that character ends.
                let mut end = to_text(m.end());
                if end <= start {
                    end = text[start..]
                        .chars()
                        .next()
                        .map_or(text.len(), |c| start + c.len_utf8());
                }
                start..end
            })
            .collect();
        ranges.sort_by_key(|r| (r.start, r.end));
        let mut merged: Vec<std::ops::Range<usize>> = Vec::with_capacity(ranges.len());
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        merged
    }
}

/// `text` with each range replaced by `***`.
pub fn mask(text: &str, ranges: &[std::ops::Range<usize>]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for r in ranges {
        out.push_str(&text[at..r.start]);
        out.push_str(MASK);
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

/// A compiled list, by tenant and name, with the `updated_at` it was compiled from.
type Compiled = HashMap<(String, String), (DateTime<Utc>, Arc<Matcher>)>;

/// Compiled lists of this node.
#[derive(Default)]
pub struct Cache {
    compiled: Mutex<Compiled>,
}

impl Cache {
    fn get(&self, tenant: &str, name: &str, version: DateTime<Utc>) -> Option<Arc<Matcher>> {
        let map = self.compiled.lock().ok()?;
        map.get(&(tenant.to_owned(), name.to_owned()))
            .filter(|(v, _)| *v == version)
            .map(|(_, m)| Arc::clone(m))
    }

    fn put(&self, tenant: &str, name: &str, version: DateTime<Utc>, matcher: Arc<Matcher>) {
        if let Ok(mut map) = self.compiled.lock() {
            map.insert((tenant.to_owned(), name.to_owned()), (version, matcher));
        }
    }
}

/// What screening a text found.
#[derive(Debug, Default)]
pub struct Screening {
    /// The first list with `block` that matched.
    pub blocked_by: Option<String>,
    /// The text with the matches of `mask` lists replaced, when one matched.
    pub masked: Option<String>,
    /// The `flag` lists that matched.
    pub flagged_by: Vec<String>,
}

/// Screens `text` with a channel type's blocklists.
pub async fn screen(
    ctx: &Parley,
    tenant: &str,
    rules: &[BlocklistRule],
    text: &str,
) -> Result<Screening> {
    let mut out = Screening::default();
    if rules.is_empty() || text.is_empty() {
        return Ok(out);
    }
    let names: Vec<&str> = rules.iter().map(|r| r.name.as_str()).collect();
    let versions: Vec<(String, DateTime<Utc>)> = blocklist::Entity::find()
        .select_only()
        .column(blocklist::Column::Name)
        .column(blocklist::Column::UpdatedAt)
        .filter(blocklist::Column::TenantId.eq(tenant))
        .filter(blocklist::Column::Name.is_in(names))
        .into_tuple()
        .all(ctx.fresh_reads())
        .await?;
    let mut current = text.to_owned();
    let mut masked = false;
    // Blocks first, then masks (on the text as masks leave it), then flags.
    let mut ordered: Vec<&BlocklistRule> = rules.iter().collect();
    ordered.sort_by_key(|r| std::cmp::Reverse(r.action));
    for rule in ordered {
        let Some((_, version)) = versions.iter().find(|(n, _)| *n == rule.name) else {
            continue;
        };
        let matcher = matcher(ctx, tenant, &rule.name, *version).await?;
        let found = matcher.find(&current);
        if found.is_empty() {
            continue;
        }
        match rule.action {
            BlocklistAction::Block => {
                out.blocked_by = Some(rule.name.clone());
                return Ok(out);
            }
            BlocklistAction::Mask => {
                current = mask(&current, &found);
                masked = true;
            }
            BlocklistAction::Flag => out.flagged_by.push(rule.name.clone()),
        }
    }
    if masked {
        out.masked = Some(current);
    }
    Ok(out)
}

async fn matcher(
    ctx: &Parley,
    tenant: &str,
    name: &str,
    version: DateTime<Utc>,
) -> Result<Arc<Matcher>> {
    if let Some(m) = ctx.blocklists.get(tenant, name, version) {
        return Ok(m);
    }
    let row = blocklist::Entity::find_by_id((tenant.to_owned(), name.to_owned()))
        .one(ctx.fresh_reads())
        .await?
        .ok_or_else(|| not_found(name))?;
    let compiled = Arc::new(Matcher::compile(&row)?);
    ctx.blocklists
        .put(tenant, name, row.updated_at, Arc::clone(&compiled));
    Ok(compiled)
}

/// Checks that every list a channel type names exists.
pub(crate) async fn require_all(ctx: &Parley, tenant: &str, rules: &[BlocklistRule]) -> Result<()> {
    if rules.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = rules.iter().map(|r| r.name.as_str()).collect();
    let found: Vec<String> = blocklist::Entity::find()
        .select_only()
        .column(blocklist::Column::Name)
        .filter(blocklist::Column::TenantId.eq(tenant))
        .filter(blocklist::Column::Name.is_in(names))
        .into_tuple()
        .all(&ctx.db)
        .await?;
    match rules
        .iter()
        .enumerate()
        .find(|(_, r)| !found.contains(&r.name))
    {
        Some((i, r)) => Err(Error::invalid(format!(
            "`blocklists[{i}].name`: no blocklist `{}` (create it with PUT /v1/blocklists/{})",
            r.name, r.name
        ))),
        None => Ok(()),
    }
}

fn view(row: blocklist::Model) -> Result<Blocklist> {
    Ok(Blocklist {
        words: serde_json::from_value(row.words)?,
        patterns: serde_json::from_value(row.patterns)?,
        name: row.name,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// The tenant's blocklists, by name.
pub async fn list(ctx: &Parley, caller: &Caller) -> Result<Vec<Blocklist>> {
    authorize(caller, Action::ManageApp, Target::App)?;
    blocklist::Entity::find()
        .filter(blocklist::Column::TenantId.eq(caller.tenant_id()))
        .order_by_asc(blocklist::Column::Name)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(view)
        .collect()
}

pub async fn get(ctx: &Parley, caller: &Caller, name: &str) -> Result<Blocklist> {
    authorize(caller, Action::ManageApp, Target::App)?;
    let row = blocklist::Entity::find_by_id((caller.tenant_id().to_owned(), name.to_owned()))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| not_found(name))?;
    view(row)
}

/// Creates or replaces a list. Returns it and whether it was created.
pub async fn put(
    ctx: &Parley,
    caller: &Caller,
    name: &str,
    input: BlocklistInput,
) -> Result<(Blocklist, bool)> {
    let permit = authorize(caller, Action::ManageApp, Target::App)?;
    let name = parse_name(name)?;
    let checked = check(input)?;
    let tenant = caller.tenant_id();
    let existing = blocklist::Entity::find_by_id((tenant.to_owned(), name.clone()))
        .one(&ctx.db)
        .await?;
    if existing.is_none() {
        let count = blocklist::Entity::find()
            .filter(blocklist::Column::TenantId.eq(tenant))
            .count(&ctx.db)
            .await?;
        if count >= MAX_LISTS {
            return Err(Error::invalid(format!(
                "an app has at most {MAX_LISTS} blocklists"
            )));
        }
    }
    let now = ctx.now();
    // A write always moves `updated_at`, which is what nodes' caches compare.
    let updated_at = match &existing {
        Some(e) if e.updated_at >= now => e.updated_at + chrono::Duration::milliseconds(1),
        _ => now,
    };
    let row = blocklist::Model {
        tenant_id: tenant.to_owned(),
        name: name.clone(),
        words: serde_json::to_value(&checked.words)?,
        patterns: serde_json::to_value(&checked.patterns)?,
        created_at: existing.as_ref().map_or(now, |e| e.created_at),
        updated_at,
    };
    let work = UnitOfWork::begin(ctx, &permit).await?;
    blocklist::Entity::insert(row.clone().into_active_model())
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                blocklist::Column::TenantId,
                blocklist::Column::Name,
            ])
            .update_columns([
                blocklist::Column::Words,
                blocklist::Column::Patterns,
                blocklist::Column::UpdatedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(&*work)
        .await?;
    let change = Change::new(AuditAction::BlocklistUpdated, TargetKind::Blocklist, &name).with(
        serde_json::json!({
            "words": checked.words.len(),
            "patterns": checked.patterns.len(),
        }),
    );
    work.audit(caller, change).await?;
    work.commit().await?;
    Ok((view(row)?, existing.is_none()))
}

/// Deletes a list no channel type uses.
pub async fn delete(ctx: &Parley, caller: &Caller, name: &str) -> Result<()> {
    let permit = authorize(caller, Action::ManageApp, Target::App)?;
    let tenant = caller.tenant_id();
    let types = channel_type::Entity::find()
        .filter(channel_type::Column::TenantId.eq(tenant))
        .all(&ctx.db)
        .await?;
    let users: Vec<String> = types
        .into_iter()
        .filter(|t| {
            serde_json::from_value::<ChannelTypeSettings>(t.settings.clone())
                .is_ok_and(|s| s.blocklists.iter().any(|r| r.name == name))
        })
        .map(|t| t.name)
        .collect();
    if !users.is_empty() {
        return Err(Error::new(
            ErrorCode::BlocklistInUse,
            format!(
                "channel type(s) {} screen with `{name}`; take it out of them first",
                users.join(", ")
            ),
        ));
    }
    let work = UnitOfWork::begin(ctx, &permit).await?;
    let gone = blocklist::Entity::delete_by_id((tenant.to_owned(), name.to_owned()))
        .exec(&*work)
        .await?;
    if gone.rows_affected == 0 {
        return Err(not_found(name));
    }
    let change = Change::new(AuditAction::BlocklistDeleted, TargetKind::Blocklist, name);
    work.audit(caller, change).await?;
    work.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(words: &[&str], patterns: &[&str]) -> Matcher {
        Matcher {
            words: compile_words(&words.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>())
                .unwrap(),
            patterns: patterns
                .iter()
                .map(|p| compile_pattern(p).unwrap())
                .collect(),
        }
    }

    #[test]
    fn folding_ignores_case_accents_and_compatibility_forms() {
        let m = matcher(&["bad"], &[]);
        for text in ["BAD", "bád", "ｂａｄ", "ba\u{301}d", "so Bad!"] {
            assert_eq!(m.find(text).len(), 1, "{text}");
        }
        assert!(m.find("badge abad").is_empty(), "whole words only");
    }

    #[test]
    fn masks_map_back_to_the_original_text() {
        let m = matcher(&["bad", "f*ck"], &[r"\d{4}-\d{4}"]);
        assert_eq!(mask("Ｂád day", &m.find("Ｂád day")), "*** day");
        assert_eq!(mask("a f*ck b", &m.find("a f*ck b")), "a *** b");
        assert_eq!(
            mask("call 1234-5678 now", &m.find("call 1234-5678 now")),
            "call *** now"
        );
        assert_eq!(mask("ok", &m.find("ok")), "ok");
    }

    #[test]
    fn bad_patterns_are_refused_with_their_index() {
        let e = check(BlocklistInput {
            words: vec![],
            patterns: vec!["ok".into(), "(unclosed".into()],
        })
        .err()
        .unwrap();
        assert!(e.detail.contains("patterns[1]"), "{}", e.detail);
        // Look-around would need backtracking: the regex crate refuses it.
        let e = check(BlocklistInput {
            words: vec![],
            patterns: vec!["a(?=b)".into()],
        })
        .err()
        .unwrap();
        assert!(e.detail.contains("patterns[0]"), "{}", e.detail);
    }
}
