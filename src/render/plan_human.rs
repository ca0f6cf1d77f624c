//! The plan for a terminal: warnings first, changes grouped by action with
//! symbols (`+ ⇐ ~ → ↑ ↓ -`), field changes, a unified content diff with
//! word-level highlights, and a summary line with counts.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use similar::{InlineChangeOptions, TextDiff};

use super::{BLUE, CYAN, GREEN, Paint, RED, YELLOW, count, diff_mark, plural};
use crate::model::{Channel, Training};
use crate::plan::{Change, Field, Flag, HandMade, Identity, Likeness, Modify, Plan, Toggle};
use crate::text::{escape, escape_line};

/// Lines of a created training's content shown before eliding the rest.
const CREATE_PREVIEW_LINES: usize = 6;
/// Keys listed in a warning before "and N more".
const WARNING_KEYS: usize = 20;

/// Writes the human plan, styled with `p`.
pub fn render(plan: &Plan, p: Paint, out: &mut dyn Write) -> io::Result<()> {
    header(plan, &p, out)?;
    writeln!(out)?;
    warnings(plan, &p, out)?;
    for group in Group::ALL {
        let changes: Vec<&Change> = plan
            .changes
            .iter()
            .filter(|c| Group::of(c) == group)
            .collect();
        if changes.is_empty() {
            continue;
        }
        writeln!(out, "{} ({})", p.bold(group.title()), changes.len())?;
        for change in changes {
            let hand_made = plan.hand_made.iter().find(|h| h.key == change.key());
            entry(change, group, hand_made, &p, out)?;
        }
        writeln!(out)?;
    }
    summary(plan, &p, out)?;
    footer(plan, out)
}

/// The fingerprint a reviewer approves (`apply --expect-fingerprint`).
fn footer(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "Fingerprint: {}", plan.fingerprint())
}

/// `Plan for workspace W` (`in environment E` when it is one's).
fn header(plan: &Plan, p: &Paint, out: &mut dyn Write) -> io::Result<()> {
    write!(
        out,
        "{} {}",
        p.bold("Plan for workspace"),
        p.paint(CYAN, &escape_line(&plan.workspace))
    )?;
    if let Some(env) = &plan.environment {
        write!(
            out,
            " {} {}",
            p.bold("in environment"),
            p.paint(CYAN, &escape_line(env))
        )?;
    }
    writeln!(out)?;
    if let Some(targeting) = targeting(plan) {
        let line = format!("targeting {targeting} (--target); the others are not planned");
        writeln!(out, "{}", p.paint(YELLOW, &line))?;
    }
    Ok(())
}

/// The sections of the plan, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Group {
    Create,
    Adopt,
    Update,
    Move,
    Publish,
    Unpublish,
    Delete,
}

impl Group {
    pub(crate) const ALL: [Group; 7] = [
        Group::Create,
        Group::Adopt,
        Group::Update,
        Group::Move,
        Group::Publish,
        Group::Unpublish,
        Group::Delete,
    ];

    /// The section a change is listed under: its most consequential action
    /// (which is also its first).
    pub(crate) fn of(change: &Change) -> Group {
        let m = match change {
            Change::Create(_) => return Group::Create,
            Change::Delete(_) => return Group::Delete,
            Change::Modify(m) => m,
        };
        match m.identity() {
            Identity::Adopt => Group::Adopt,
            Identity::Rename { .. } => Group::Move,
            Identity::Keep if m.directory_change().is_some() => Group::Move,
            Identity::Keep if !m.updated_fields().is_empty() => Group::Update,
            Identity::Keep => match m.toggle() {
                Some(Toggle::Publish) => Group::Publish,
                Some(Toggle::Unpublish) | None => Group::Unpublish,
            },
        }
    }

    pub(crate) fn title(self) -> &'static str {
        match self {
            Self::Create => "Create",
            Self::Adopt => "Adopt",
            Self::Update => "Update",
            Self::Move => "Move / rename",
            Self::Publish => "Publish",
            Self::Unpublish => "Unpublish",
            Self::Delete => "Delete",
        }
    }

    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Self::Create => "+",
            Self::Adopt => "⇐",
            Self::Update => "~",
            Self::Move => "→",
            Self::Publish => "↑",
            Self::Unpublish => "↓",
            Self::Delete => "-",
        }
    }

    fn color(self) -> &'static str {
        match self {
            Self::Create | Self::Adopt => GREEN,
            Self::Update | Self::Move => YELLOW,
            Self::Publish | Self::Unpublish => BLUE,
            Self::Delete => RED,
        }
    }
}

fn warnings(plan: &Plan, p: &Paint, out: &mut dyn Write) -> io::Result<()> {
    let lines = warning_lines(plan);
    for (severity, text) in &lines {
        let color = match severity {
            Severity::Danger => RED,
            Severity::Caution => YELLOW,
        };
        writeln!(out, "{} {}", p.paint(color, "!"), p.paint(color, text))?;
    }
    if !lines.is_empty() {
        writeln!(out)?;
    }
    Ok(())
}

/// How loud a warning is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Severity {
    /// Red: data loss or refusal.
    Danger,
    /// Yellow: worth a look.
    Caution,
}

/// The warnings every rendering puts first, as plain sentences.
pub(crate) fn warning_lines(plan: &Plan) -> Vec<(Severity, String)> {
    let keys_with = |pred: &dyn Fn(&Change) -> bool| -> Vec<&str> {
        plan.changes
            .iter()
            .filter(|c| pred(c))
            .map(Change::key)
            .collect()
    };
    let mut lines = Vec::new();
    let conflicts = keys_with(&|c| c.flags().contains(&Flag::Conflict));
    if !conflicts.is_empty() {
        lines.push((
            Severity::Danger,
            format!(
                "{} changed both in the files and in the dashboard since the last apply \
                 (apply refuses without --force): {}",
                count(conflicts.len(), "training"),
                key_list(&conflicts)
            ),
        ));
    }
    let deletes = keys_with(&|c| matches!(c, Change::Delete(_)));
    if !deletes.is_empty() {
        lines.push((
            Severity::Danger,
            format!(
                "{} will be deleted: {}",
                count(deletes.len(), "training"),
                key_list(&deletes)
            ),
        ));
    }
    let drift = keys_with(&|c| c.flags().contains(&Flag::Drift));
    if !drift.is_empty() {
        lines.push((
            Severity::Caution,
            format!(
                "{} edited in the dashboard since the last apply; applying overwrites that edit: {}",
                count(drift.len(), "training"),
                key_list(&drift)
            ),
        ));
    }
    let unknown = keys_with(&|c| c.flags().contains(&Flag::DashboardEditUnknown));
    if !unknown.is_empty() {
        lines.push((
            Severity::Caution,
            format!(
                "{} since their stored cxtrain_hash, which updates on this server cannot \
                 refresh (put_accepts_metadata = false): compared file against remote, so a \
                 dashboard edit to them can no longer be told apart from a file edit and is \
                 overwritten: {}",
                count(unknown.len(), "training") + " changed",
                key_list(&unknown)
            ),
        ));
    }
    let mut drafts = keys_with(&|c| c.flags().contains(&Flag::PendingDashboardDraft));
    drafts.extend(plan.pending_drafts.iter().map(String::as_str));
    drafts.sort_unstable();
    if !drafts.is_empty() {
        lines.push((
            Severity::Caution,
            format!(
                "{} {} an unpublished dashboard draft: {}",
                count(drafts.len(), "training"),
                plural(drafts.len(), "has", "have"),
                key_list(&drafts)
            ),
        ));
    }
    for h in plan.hand_made.iter().take(WARNING_KEYS) {
        lines.push((
            Severity::Caution,
            format!("{}: {}", escape_line(&h.key), lookalike(h)),
        ));
    }
    if plan.hand_made.len() > WARNING_KEYS {
        lines.push((
            Severity::Caution,
            format!(
                "and {} more creates that look like hand-made trainings",
                plan.hand_made.len() - WARNING_KEYS
            ),
        ));
    }
    if !plan.deletes_withheld.is_empty() {
        let keys: Vec<&str> = plan.deletes_withheld.iter().map(String::as_str).collect();
        lines.push((
            Severity::Caution,
            format!(
                "--no-delete keeps {} whose file is gone: {}",
                count(keys.len(), "training"),
                key_list(&keys)
            ),
        ));
    }
    lines
}

/// `looks like hand-made trn_x (same title: "…") — adopt it (`cxtrain pull
/// --adopt KEY=ID`) instead of creating a duplicate`, for a create.
pub(crate) fn lookalike(h: &HandMade) -> String {
    let why = likeness(h.likeness);
    format!(
        "looks like hand-made {} ({why}: {}) — adopt it (`{}`) instead of creating a duplicate",
        escape_line(&h.id),
        quoted(&h.title),
        escape_line(&h.adopt_command())
    )
}

/// What a create shares with a hand-made training, in words.
pub(crate) fn likeness(l: Likeness) -> String {
    match l {
        Likeness::SameContent => "same content".to_owned(),
        Likeness::SameTitle => "same title".to_owned(),
        Likeness::SimilarContent { similarity } => format!("{similarity}% similar content"),
    }
}

/// `3 of 412 trainings` for a `--target` plan.
pub(crate) fn targeting(plan: &Plan) -> Option<String> {
    plan.targeting
        .map(|t| format!("{} of {}", t.targeted, count(t.total, "training")))
}

/// Keys (remote text, some of them) escaped, the first [`WARNING_KEYS`] of them.
fn key_list(keys: &[&str]) -> String {
    let shown: Vec<Cow<str>> = keys
        .iter()
        .take(WARNING_KEYS)
        .map(|k| escape_line(k))
        .collect();
    let mut s = shown.join(", ");
    if keys.len() > WARNING_KEYS {
        s.push_str(&format!(" and {} more", keys.len() - WARNING_KEYS));
    }
    s
}

fn entry(
    change: &Change,
    group: Group,
    hand_made: Option<&HandMade>,
    p: &Paint,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut head = format!(
        "  {} {}",
        p.paint(group.color(), group.symbol()),
        p.bold(&escape_line(change.key()))
    );
    if let Some(path) = change.path() {
        head.push_str(&format!("  {}", p.dim(&escape_line(path.as_str()))));
    }
    if let Some(remote) = change.remote() {
        head.push_str(&format!(
            "  {}",
            p.dim(&format!("({})", escape_line(&remote.id)))
        ));
    }
    writeln!(out, "{head}")?;
    for flag in change.flags() {
        let (color, text) = match flag {
            Flag::Conflict => (
                RED,
                "conflict: file and dashboard both changed since the last apply",
            ),
            Flag::Drift if matches!(change, Change::Delete(_)) => {
                (YELLOW, "drift: deleting discards a dashboard edit")
            }
            Flag::Drift => (YELLOW, "drift: overwrites a dashboard edit"),
            Flag::PendingDashboardDraft => (YELLOW, "has an unpublished dashboard draft"),
            Flag::DashboardEditUnknown => (
                YELLOW,
                "changed since its stored hash: a dashboard edit cannot be told apart",
            ),
        };
        writeln!(out, "      {}", p.paint(color, &format!("! {text}")))?;
    }
    if let Some(h) = hand_made {
        writeln!(
            out,
            "      {}",
            p.paint(YELLOW, &format!("! {}", lookalike(h)))
        )?;
    }
    match change {
        Change::Create(c) => created(&c.desired, p, out),
        Change::Modify(m) => modified(m, p, out),
        Change::Delete(d) => deleted(&d.current, p, out),
    }
}

/// A modify's lines, in the order of its actions.
fn modified(m: &Modify, p: &Paint, out: &mut dyn Write) -> io::Result<()> {
    match m.identity() {
        Identity::Keep => {}
        Identity::Adopt => writeln!(
            out,
            "      {}",
            p.paint(GREEN, "adopt: tag as managed by this workspace")
        )?,
        Identity::Rename { from, similarity } => writeln!(
            out,
            "      {}",
            p.paint(
                YELLOW,
                &format!(
                    "renamed from {} ({similarity}% similar content)",
                    escape_line(from)
                )
            )
        )?,
    }
    if let Some((from, to)) = m.directory_change() {
        writeln!(
            out,
            "      {} {} → {}",
            p.dim("directory"),
            p.paint(RED, &directory(from)),
            p.paint(GREEN, &directory(to))
        )?;
    }
    // Short field changes first, the content diff last.
    let (content, scalars): (Vec<Field>, Vec<Field>) = m
        .updated_fields()
        .into_iter()
        .partition(|f| *f == Field::Content);
    for field in scalars.into_iter().chain(content) {
        field_change(field, m.current(), m.desired(), p, out)?;
    }
    match m.toggle() {
        Some(Toggle::Publish) => writeln!(
            out,
            "      {}",
            p.paint(BLUE, "publish: the AI starts using it")
        ),
        Some(Toggle::Unpublish) => writeln!(
            out,
            "      {}",
            p.paint(BLUE, "unpublish: the AI stops using it")
        ),
        None => Ok(()),
    }
}

fn created(t: &Training, p: &Paint, out: &mut dyn Write) -> io::Result<()> {
    let row = |name: &str, value: String| format!("      {} {value}", p.label(name));
    writeln!(out, "{}", row("title", quoted(&t.title)))?;
    writeln!(
        out,
        "{}",
        row(
            "settings",
            format!(
                "{}, {}, directory {}",
                t.kind,
                status(t.draft),
                directory(t.directory_id.as_deref())
            )
        )
    )?;
    writeln!(out, "{}", row("channels", channels(&t.channels)))?;
    writeln!(out, "{}", row("segments", segments(&t.segments)))?;
    if !t.metadata.is_empty() {
        writeln!(out, "{}", row("metadata", metadata(&t.metadata)))?;
    }
    writeln!(out, "      {}", p.dim("content"))?;
    let lines: Vec<&str> = t.content.lines().collect();
    for line in lines.iter().take(CREATE_PREVIEW_LINES) {
        writeln!(
            out,
            "        {}",
            p.paint(GREEN, &format!("+{}", escape(line)))
        )?;
    }
    if lines.len() > CREATE_PREVIEW_LINES {
        writeln!(
            out,
            "        {}",
            p.dim(&format!(
                "… {} more lines",
                lines.len() - CREATE_PREVIEW_LINES
            ))
        )?;
    }
    Ok(())
}

fn deleted(t: &Training, p: &Paint, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "      {} {}",
        p.label("title"),
        p.paint(RED, &quoted(&t.title))
    )?;
    writeln!(
        out,
        "      {} {}, {}, directory {}, {} of content",
        p.label("was"),
        t.kind,
        status(t.draft),
        directory(t.directory_id.as_deref()),
        count(t.content.lines().count(), "line")
    )
}

fn field_change(
    field: Field,
    old: &Training,
    new: &Training,
    p: &Paint,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut pair = |a: String, b: String| -> io::Result<()> {
        writeln!(
            out,
            "      {} {} → {}",
            p.label(field.name()),
            p.paint(RED, &a),
            p.paint(GREEN, &b)
        )
    };
    match field {
        Field::Title => pair(quoted(&old.title), quoted(&new.title)),
        Field::Type => pair(old.kind.to_string(), new.kind.to_string()),
        Field::Channels => pair(channels(&old.channels), channels(&new.channels)),
        Field::Segments => pair(segments(&old.segments), segments(&new.segments)),
        Field::Metadata => pair(metadata(&old.metadata), metadata(&new.metadata)),
        Field::Content => {
            writeln!(out, "      {}", p.dim("content"))?;
            content_diff(&old.content, &new.content, p, out)
        }
    }
}

/// A unified diff (3 lines of context) with changed words emphasised.
fn content_diff(old: &str, new: &str, p: &Paint, out: &mut dyn Write) -> io::Result<()> {
    let (old, new) = (with_newline(old), with_newline(new));
    let diff = TextDiff::from_lines(old.as_ref(), new.as_ref());
    for hunk in diff.grouped_ops(3) {
        let (first, last) = (&hunk[0], &hunk[hunk.len() - 1]);
        let old_range = first.old_range().start..last.old_range().end;
        let new_range = first.new_range().start..last.new_range().end;
        writeln!(
            out,
            "        {}",
            p.paint(
                CYAN,
                &format!(
                    "@@ -{},{} +{},{} @@",
                    old_range.start + 1,
                    old_range.len(),
                    new_range.start + 1,
                    new_range.len()
                )
            )
        )?;
        for op in &hunk {
            for change in
                diff.iter_inline_changes_with_options_deadline(op, InlineChangeOptions::new(), None)
            {
                let (sign, color) = diff_mark(change.tag());
                let mut line = String::new();
                for (emphasised, text) in change.iter_strings_lossy() {
                    let text = escape(text.trim_end_matches('\n'));
                    line.push_str(&if emphasised {
                        p.paint(&format!("{color};1;4"), &text)
                    } else {
                        p.paint(color, &text)
                    });
                }
                writeln!(out, "        {}{line}", p.paint(color, sign))?;
            }
        }
    }
    Ok(())
}

fn summary(plan: &Plan, p: &Paint, out: &mut dyn Write) -> io::Result<()> {
    let c = plan.counts();
    if !plan.has_changes() {
        writeln!(
            out,
            "{} {} up to date, {} unmanaged ignored.",
            p.paint(GREEN, "No changes."),
            count(plan.unchanged, "training"),
            plan.unmanaged_ignored
        )?;
        return Ok(());
    }
    let adopt = (c.adopt > 0).then_some((c.adopt, "to adopt", GREEN));
    let parts = [
        Some((c.create, "to create", GREEN)),
        adopt,
        Some((c.update, "to update", YELLOW)),
        Some((c.moved, "to move/rename", YELLOW)),
        Some((c.publish, "to publish", BLUE)),
        Some((c.unpublish, "to unpublish", BLUE)),
        Some((c.delete, "to delete", RED)),
    ];
    let counts: Vec<String> = parts
        .iter()
        .flatten()
        .map(|(n, what, color)| {
            let text = format!("{n} {what}");
            if *n == 0 { text } else { p.paint(color, &text) }
        })
        .collect();
    writeln!(
        out,
        "{} {}; {} unchanged, {} unmanaged ignored.",
        p.bold("Plan:"),
        counts.join(", "),
        plan.unchanged,
        plan.unmanaged_ignored
    )
}

/// Content with a final newline, so the last line diffs like the others.
pub(crate) fn with_newline(s: &str) -> Cow<'_, str> {
    if s.is_empty() || s.ends_with('\n') {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(format!("{s}\n"))
    }
}

fn quoted(s: &str) -> String {
    format!("\"{}\"", escape_line(s))
}

pub(crate) fn status(draft: bool) -> &'static str {
    if draft { "draft" } else { "published" }
}

pub(crate) fn directory(d: Option<&str>) -> String {
    d.map_or_else(|| "(root)".to_owned(), |d| escape_line(d).into_owned())
}

pub(crate) fn channels(c: &BTreeSet<Channel>) -> String {
    if c.is_empty() {
        "all".to_owned()
    } else {
        escape_line(&c.iter().map(Channel::as_str).collect::<Vec<_>>().join(", ")).into_owned()
    }
}

pub(crate) fn segments(s: &BTreeSet<String>) -> String {
    if s.is_empty() {
        "all".to_owned()
    } else {
        escape_line(&s.iter().cloned().collect::<Vec<_>>().join(", ")).into_owned()
    }
}

pub(crate) fn metadata(m: &BTreeMap<String, String>) -> String {
    if m.is_empty() {
        "(none)".to_owned()
    } else {
        let pairs: Vec<String> = m.iter().map(|(k, v)| format!("{k}={v}")).collect();
        escape_line(&pairs.join(", ")).into_owned()
    }
}
