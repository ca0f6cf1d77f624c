//! The plan as a pull-request comment: counts table first, warnings up
//! front, one `<details>` per training with a `diff` block; with several
//! environments, one such section per environment in one comment. Every
//! piece of file text is escaped for the context it lands in, and the
//! comment stays under GitHub's 65,536-character limit with a visible
//! truncation note (each environment gets an equal share).

use std::io::{self, Write};

use similar::TextDiff;

use crate::model::Training;
use crate::plan::{Change, Field, Flag, HandMade, Identity, Modify, Plan, Toggle};

use super::count;
use super::plan_human::{
    Group, Severity, channels, directory, likeness, metadata, segments, status, targeting,
    warning_lines, with_newline,
};
use crate::text::{escape, escape_line};

/// GitHub's limit on a comment body, in characters.
pub const COMMENT_LIMIT: usize = 65_536;

/// Room kept for the truncation note.
const NOTE_ROOM: usize = 1_024;

/// The first line of every plan comment, so a workflow can find and update
/// its comment in place.
pub const MARKER: &str = "<!-- cxtrain-plan -->";

/// Writes the markdown plans (one per environment) as one comment, at most
/// `limit` bytes (`None`: all of it).
pub fn render(plans: &[&Plan], limit: Option<usize>, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(document(plans, limit).as_bytes())
}

/// The markdown plan as a string, at most [`COMMENT_LIMIT`] bytes (so at
/// most that many characters).
pub fn to_string(plan: &Plan) -> String {
    document(&[plan], Some(COMMENT_LIMIT))
}

/// One comment holding every plan (one per environment), at most `limit`
/// bytes when one is given: each plan's section gets an equal share.
pub fn document(plans: &[&Plan], limit: Option<usize>) -> String {
    let mut doc = format!("{MARKER}\n");
    // Room for a line break between sections.
    let separators = plans.len().saturating_sub(1);
    let share =
        limit.map(|limit| limit.saturating_sub(doc.len() + separators) / plans.len().max(1));
    for plan in plans {
        if doc.len() > MARKER.len() + 1 && !doc.ends_with("\n\n") {
            doc.push('\n');
        }
        doc.push_str(&plan_section(plan, share));
    }
    doc
}

/// One plan's section, at most `limit` bytes when one is given.
fn plan_section(plan: &Plan, limit: Option<usize>) -> String {
    let mut doc = header(plan);
    let mut sections = Vec::new();
    for group in Group::ALL {
        for change in plan.changes.iter().filter(|c| Group::of(c) == group) {
            let hand_made = plan.hand_made.iter().find(|h| h.key == change.key());
            sections.push(section(change, group, hand_made));
        }
    }
    let total = sections.len();
    for (shown, section) in sections.into_iter().enumerate() {
        if limit.is_some_and(|limit| doc.len() + section.len() + NOTE_ROOM > limit) {
            doc.push_str(&format!(
                "> [!NOTE]\n> **Truncated:** {} of {total} changed trainings are not shown, to \
                 stay under GitHub's comment size limit. The full plan is in the job artifact \
                 (`cxtrain plan --out`), see the workflow run.\n",
                total - shown
            ));
            return doc;
        }
        doc.push_str(&section);
    }
    doc
}

fn header(plan: &Plan) -> String {
    let c = plan.counts();
    let mut s = format!(
        "{}### cxtrain plan for workspace <code>{}</code>{}\n\n",
        fingerprint_marker(plan),
        html(&plan.workspace),
        plan.environment
            .as_deref()
            .map_or_else(String::new, |e| format!(" in <code>{}</code>", html(e)))
    );
    if let Some(targeting) = targeting(plan) {
        s.push_str(&format!(
            "**Targeting {targeting}** (`--target`): the others are not planned.\n\n"
        ));
    }
    if !plan.has_changes() {
        s.push_str(&format!(
            "**No changes.** {} up to date; {} unmanaged trainings ignored.\n",
            count(plan.unchanged, "training"),
            plan.unmanaged_ignored
        ));
    } else {
        // The Adopt column only appears when something is adopted.
        let (adopt_head, adopt_rule, adopt_cell) = if c.adopt > 0 {
            (" Adopt |", "---:|", format!(" {} |", c.adopt))
        } else {
            ("", "", String::new())
        };
        s.push_str(&format!(
            "| Create |{adopt_head} Update | Move / rename | Publish | Unpublish | Delete | Unchanged | Unmanaged (ignored) |\n\
             |---:|{adopt_rule}---:|---:|---:|---:|---:|---:|---:|\n",
        ));
        s.push_str(&format!(
            "| {} |{adopt_cell} {} | {} | {} | {} | {} | {} | {} |\n\n",
            c.create,
            c.update,
            c.moved,
            c.publish,
            c.unpublish,
            bold_if(c.delete),
            plan.unchanged,
            plan.unmanaged_ignored
        ));
    }
    for (severity, text) in warning_lines(plan) {
        let kind = match severity {
            Severity::Danger => "CAUTION",
            Severity::Caution => "WARNING",
        };
        s.push_str(&format!("> [!{kind}]\n> {}\n\n", md(&text)));
    }
    s
}

/// The hidden line a workflow reads the reviewed fingerprint from:
/// `<!-- cxtrain:fingerprint [env=NAME ]HEX -->`, before anything the
/// comment-size limit can cut.
fn fingerprint_marker(plan: &Plan) -> String {
    let env = (plan.environment.as_deref())
        .map(|e| format!("env={} ", html(e)))
        .unwrap_or_default();
    format!("<!-- cxtrain:fingerprint {env}{} -->\n", plan.fingerprint())
}

fn bold_if(n: usize) -> String {
    if n == 0 {
        "0".to_owned()
    } else {
        format!("**{n}**")
    }
}

fn section(change: &Change, group: Group, hand_made: Option<&HandMade>) -> String {
    let verbs: Vec<String> = change.actions().iter().map(ToString::to_string).collect();
    let title = change
        .desired()
        .or(change.current())
        .map(|t| t.title.as_str())
        .unwrap_or_default();
    let mut flags = String::new();
    for flag in change.flags() {
        flags.push_str(match flag {
            Flag::Conflict => " ⛔ conflict",
            Flag::Drift => " ⚠️ drift",
            Flag::PendingDashboardDraft => " 📝 dashboard draft",
            Flag::DashboardEditUnknown => " ❔ two-way",
        });
    }
    let mut s = format!(
        "<details><summary><code>{}</code> <b>{}</b> <code>{}</code> — {}{flags}</summary>\n\n",
        group.symbol(),
        html(&verbs.join(", ")),
        html(change.key()),
        html(title),
    );
    let mut facts = Vec::new();
    if let Some(path) = change.path() {
        facts.push(format!("**File:** {}", code(path.as_str())));
    }
    if let Some(remote) = change.remote() {
        facts.push(format!("**Remote id:** {}", code(&remote.id)));
    }
    for flag in change.flags() {
        facts.push(
            match flag {
                Flag::Conflict => "⛔ **Conflict:** the file and the dashboard both changed since the last apply; apply refuses without `--force`.",
                Flag::Drift if matches!(change, Change::Delete(_)) => "⚠️ **Drift:** edited in the dashboard since the last apply; deleting discards that edit.",
                Flag::Drift => "⚠️ **Drift:** edited in the dashboard since the last apply; applying overwrites that edit.",
                Flag::PendingDashboardDraft => "📝 **Pending dashboard draft:** an unpublished edit is staged on this training.",
                Flag::DashboardEditUnknown => "❔ **Compared two-way:** changed since its stored hash, which updates on this server cannot refresh; a dashboard edit cannot be told apart from a file edit.",
            }
            .to_owned(),
        );
    }
    if let Some(h) = hand_made {
        facts.push(format!(
            "🔁 **Looks like hand-made** {} ({}: {}): adopt it with {} instead of creating a \
             duplicate",
            code(&h.id),
            likeness(h.likeness),
            code(&h.title),
            code(&h.adopt_command())
        ));
    }
    let mut diff_blocks = Vec::new();
    match change {
        Change::Create(c) => {
            facts.extend(settings(&c.desired));
            diff_blocks.push(diff_block("", &c.desired.content));
        }
        Change::Delete(d) => {
            facts.extend(settings(&d.current));
            diff_blocks.push(diff_block(&d.current.content, ""));
        }
        Change::Modify(m) => modified(m, &mut facts, &mut diff_blocks),
    }
    for fact in facts {
        s.push_str(&format!("- {fact}\n"));
    }
    for block in diff_blocks {
        s.push('\n');
        s.push_str(&block);
    }
    s.push_str("\n</details>\n\n");
    s
}

/// A modify's facts and content diff, in the order of its actions.
fn modified(m: &Modify, facts: &mut Vec<String>, diff_blocks: &mut Vec<String>) {
    match m.identity() {
        Identity::Keep => {}
        Identity::Adopt => facts
            .push("**Adopt:** tag this existing training as managed by this workspace".to_owned()),
        Identity::Rename { from, similarity } => facts.push(format!(
            "**Renamed** from {} ({similarity}% similar content); the remote id stays",
            code(from)
        )),
    }
    if let Some((from, to)) = m.directory_change() {
        facts.push(format!(
            "**Directory:** {} → {}",
            code(&directory(from)),
            code(&directory(to))
        ));
    }
    let (old, new) = (m.current(), m.desired());
    for field in m.updated_fields() {
        match field_pair(field, old, new) {
            Some((a, b)) => facts.push(format!(
                "**{}:** {} → {}",
                capitalised(field.name()),
                code(&a),
                code(&b)
            )),
            None => diff_blocks.push(diff_block(&old.content, &new.content)),
        }
    }
    match m.toggle() {
        Some(Toggle::Publish) => facts.push("**Publish:** the AI starts using it".to_owned()),
        Some(Toggle::Unpublish) => facts.push("**Unpublish:** the AI stops using it".to_owned()),
        None => {}
    }
}

fn settings(t: &Training) -> Vec<String> {
    vec![
        format!("**Title:** {}", code(&t.title)),
        format!(
            "**Type:** {} · **Status:** {} · **Directory:** {}",
            t.kind,
            status(t.draft),
            code(&directory(t.directory_id.as_deref()))
        ),
        format!(
            "**Channels:** {} · **Segments:** {}",
            code(&channels(&t.channels)),
            code(&segments(&t.segments))
        ),
    ]
    .into_iter()
    .chain(
        (!t.metadata.is_empty()).then(|| format!("**Metadata:** {}", code(&metadata(&t.metadata)))),
    )
    .collect()
}

/// A scalar field's old and new values as text; `None` for content, which
/// gets a diff block instead.
fn field_pair(field: Field, old: &Training, new: &Training) -> Option<(String, String)> {
    Some(match field {
        Field::Title => (old.title.clone(), new.title.clone()),
        Field::Type => (old.kind.to_string(), new.kind.to_string()),
        Field::Channels => (channels(&old.channels), channels(&new.channels)),
        Field::Segments => (segments(&old.segments), segments(&new.segments)),
        Field::Metadata => (metadata(&old.metadata), metadata(&new.metadata)),
        Field::Content => return None,
    })
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// A fenced `diff` block of a unified content diff. The fence is longer
/// than any backtick run in the text, so file content cannot close it.
fn diff_block(old: &str, new: &str) -> String {
    let (old, new) = (with_newline(old), with_newline(new));
    let diff = TextDiff::from_lines(old.as_ref(), new.as_ref());
    // Control characters (terminal escapes in a file) are shown escaped.
    let body: String = diff
        .unified_diff()
        .context_radius(3)
        .to_string()
        .lines()
        .map(|line| format!("{}\n", escape(line)))
        .collect();
    let longest_run = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run.max(2) + 1);
    format!("{fence}diff\n{body}{fence}\n")
}

/// Text for an HTML context (inside `<summary>`): control characters and
/// line breaks escaped (a line break would end the HTML block), entities for
/// markup characters.
fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in escape_line(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text for a Markdown context: control characters and line breaks
/// escaped, then every ASCII punctuation character backslash-escaped
/// (CommonMark allows it for all of them), so no emphasis, link, HTML, table
/// pipe or code span can start.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in escape_line(s).chars() {
        match c {
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Inline code in Markdown: HTML `<code>` with the text escaped for both
/// Markdown (so also for HTML: `<`, `>`, `&` come out as entities), so
/// backticks in the text cannot break out.
fn code(s: &str) -> String {
    format!("<code>{}</code>", md(s))
}
