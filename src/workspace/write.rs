//! Writing scenario files: canonical front matter (fixed key order, only the
//! fields that say something, YAML-safe quoting), whole files from a
//! [`Training`], and canonical reformatting of an existing file's front
//! matter. Files reach the disk through [`crate::atomic`].
//!
//! The contract: parsing what [`render_training`] writes gives back the same
//! [`Training`], so `pull` → files → `plan` is a no-op.

use std::fmt::Write as _;

use super::comments::{self, Anchor, Comments, is_modeline};
use super::frontmatter::{self, FrontMatter};
use crate::config::Defaults;
use crate::model::{Channel, Training};
use crate::repo_path::RepoPath;

/// The front matter block (`---` lines included) for `front`, in canonical
/// key order. `header` lines (comments such as the `yaml-language-server`
/// schema hint) are written first, verbatim. Empty lists and maps are left
/// out: they mean the same as absent.
pub fn render_front_matter(front: &FrontMatter, header: &[&str]) -> String {
    let mut out = String::from("---\n");
    for line in header {
        out.push_str(line);
        out.push('\n');
    }
    for entry in canonical(front) {
        out.push_str(&entry.line);
        out.push('\n');
        for (_, line) in &entry.children {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str("---\n");
    out
}

/// One front matter entry in canonical form: its key line and, for
/// `metadata`, one line per metadata key (sorted).
struct Entry {
    field: &'static str,
    line: String,
    children: Vec<(String, String)>,
}

/// The entries `front` writes, in canonical order.
fn canonical(front: &FrontMatter) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut push = |field: &'static str, value: String| {
        out.push(Entry {
            field,
            line: format!("{field}: {value}"),
            children: Vec::new(),
        });
    };
    if let Some(kind) = front.kind {
        push("type", kind.file_name().to_owned());
    }
    if let Some(title) = &front.title {
        push("title", scalar(title));
    }
    if let Some(channels) = front.channels.as_ref().filter(|c| !c.is_empty()) {
        push("channels", flow_list(channels, Channel::as_str));
    }
    if let Some(segments) = front.segments.as_ref().filter(|s| !s.is_empty()) {
        push("segments", flow_list(segments, String::as_str));
    }
    if let Some(draft) = front.draft {
        push("draft", draft.to_string());
    }
    // Unlike the other lists, an empty one is written: it is not the same
    // as absent (every environment).
    if let Some(environments) = &front.environments {
        push("environments", flow_list(environments, String::as_str));
    }
    if let Some(key) = &front.key {
        push("key", scalar(key));
    }
    if let Some(metadata) = front.metadata.as_ref().filter(|m| !m.is_empty()) {
        out.push(Entry {
            field: "metadata",
            line: "metadata:".to_owned(),
            children: metadata
                .iter()
                .map(|(k, v)| (k.clone(), format!("  {}: {}", scalar(k), scalar(v))))
                .collect(),
        });
    }
    out
}

/// `[a, b]`: `items` sorted, each once, each [`scalar`] as `name` spells it.
fn flow_list<T: Ord>(items: &[T], name: impl Fn(&T) -> &str) -> String {
    let mut sorted: Vec<&T> = items.iter().collect();
    sorted.sort();
    sorted.dedup();
    let names: Vec<String> = sorted.into_iter().map(|i| scalar(name(i))).collect();
    format!("[{}]", names.join(", "))
}

/// The front matter that makes a file at a path whose default key is
/// `default_key` parse back into `training` under `defaults`. The title is
/// always written (a body opening with `# heading` would otherwise become
/// the title); the other fields only when they differ from the default.
/// `directory_id` is not a front matter field: it follows the folder.
pub fn front_matter_for(
    training: &Training,
    default_key: &str,
    defaults: &Defaults,
) -> FrontMatter {
    let set = |v: Vec<String>| (!v.is_empty()).then_some(v);
    FrontMatter {
        kind: (training.kind != defaults.kind).then_some(training.kind),
        title: Some(training.title.clone()),
        channels: (!training.channels.is_empty())
            .then(|| training.channels.iter().cloned().collect::<Vec<Channel>>()),
        segments: set(training.segments.iter().cloned().collect()),
        draft: (training.draft != defaults.draft).then_some(training.draft),
        environments: None,
        key: (training.key != default_key).then(|| training.key.clone()),
        metadata: (!training.metadata.is_empty()).then(|| training.metadata.clone()),
    }
}

/// A whole scenario file for `training`: front matter, then the content and
/// one final newline (which content normalisation removes again).
pub fn render_training(training: &Training, default_key: &str, defaults: &Defaults) -> String {
    render_training_keeping(training, default_key, defaults, &Kept::default())
}

/// What a rewrite of an existing file keeps from it: what no remote holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Kept<'a> {
    /// The comment lines opening its front matter ([`header_comments`]),
    /// such as the schema hint.
    pub header: Vec<&'a str>,
    /// Its `environments` list, which limits the training to some
    /// environments.
    pub environments: Option<Vec<String>>,
}

impl Kept<'_> {
    /// What rewriting the file `text` keeps.
    pub fn of(text: &str) -> Kept<'_> {
        let body = text.strip_prefix('\u{feff}').unwrap_or(text);
        let environments = frontmatter::split(body)
            .ok()
            .and_then(|s| s.yaml)
            .and_then(|yaml| frontmatter::parse(body, yaml).front.environments);
        Kept {
            header: header_comments(text),
            environments,
        }
    }
}

/// [`render_training`] for a file that exists: with what it [`Kept`].
pub fn render_training_keeping(
    training: &Training,
    default_key: &str,
    defaults: &Defaults,
    kept: &Kept<'_>,
) -> String {
    let mut front = front_matter_for(training, default_key, defaults);
    front.environments.clone_from(&kept.environments);
    let mut out = render_front_matter(&front, &kept.header);
    out.push_str(&training.content);
    out.push('\n');
    out
}

/// Where `init` writes the front matter's JSON Schema, relative to the
/// repository.
pub const SCHEMA_FILE: &str = "schema/scenario.schema.json";

/// The comment line pointing editors (yaml-language-server) at
/// [`SCHEMA_FILE`] from a file in `folder` (below the repository).
pub fn schema_hint(folder: &RepoPath) -> String {
    let up = "../".repeat(folder.segments().count());
    format!("# yaml-language-server: $schema={up}{SCHEMA_FILE}")
}

/// A file name for a title (pulled hand-made trainings, generated
/// scenarios): lowercase ASCII letters and digits joined by `-`, at most 60
/// characters; `scenario` when nothing is left.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() {
        "scenario".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// The comment lines opening a file's front matter (such as
/// `# yaml-language-server: $schema=...`), without line ends.
pub fn header_comments(text: &str) -> Vec<&str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(yaml) = frontmatter::split(text).ok().and_then(|s| s.yaml) else {
        return Vec::new();
    };
    text[yaml]
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .take_while(|l| l.trim_start().starts_with('#'))
        .collect()
}

/// A file `fmt` cannot rewrite without losing a comment: it is left as it
/// is, and the user is told where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unformattable {
    /// The line (1-based, in the file) of the comment.
    pub line: usize,
    /// Why, and what to do.
    pub reason: String,
}

/// `text` with its front matter rewritten canonically and everything after
/// it byte for byte unchanged. Every comment stays with the key it annotates
/// (see [`comments`]); the opening ones (the `yaml-language-server` schema
/// hint) stay at the top. A byte order mark and CRLF line ends of the front
/// matter are kept. `Ok(None)` when the file has no front matter, or has
/// problems (those are `validate`'s to report); [`Unformattable`] when a
/// comment cannot be kept.
pub fn reformat(text: &str) -> Result<Option<String>, Unformattable> {
    let (bom, text) = match text.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", text),
    };
    let Some(split) = frontmatter::split(text).ok() else {
        return Ok(None);
    };
    let Some(range) = split.yaml else {
        return Ok(None);
    };
    let parsed = frontmatter::parse(text, range.clone());
    if !parsed.usable || !parsed.problems.is_empty() {
        return Ok(None);
    }
    let yaml = &text[range];
    let Some(outline) = frontmatter::outline(yaml) else {
        return Ok(None);
    };
    // The file line of a YAML line: the opening `---` is line 1.
    let unformattable = |line: usize, reason: String| Unformattable {
        line: line + 2,
        reason,
    };
    let placed = comments::attach(yaml, &outline).map_err(|l| unformattable(l.line, l.reason))?;
    let entries = canonical(&parsed.front);
    let yaml_line = |offset: usize| comments::line_at(yaml, offset);
    for e in &outline.entries {
        let kept = entries.iter().find(|c| c.field == e.name);
        let dropped_children = e
            .children
            .iter()
            .filter(|c| kept.is_none_or(|k| !k.children.iter().any(|(n, _)| *n == c.name)));
        for (anchor, at) in std::iter::once((Anchor::Field(e.name.clone()), &e.key))
            .filter(|_| kept.is_none())
            .chain(
                dropped_children.map(|c| (Anchor::Child(e.name.clone(), c.name.clone()), &c.key)),
            )
        {
            if placed.annotates(&anchor) {
                return Err(unformattable(
                    yaml_line(at.start),
                    format!(
                        "`{}` says nothing (empty or null), so fmt would drop it with its \
                         comment; remove the key, or move the comment to another key",
                        e.name
                    ),
                ));
            }
        }
    }
    let mut front = with_comments(&entries, &placed);
    // The result must place the very same comments.
    let again = front
        .strip_prefix("---\n")
        .and_then(|f| f.strip_suffix("---\n"));
    let same = again
        .and_then(|y| Some(comments::attach(y, &frontmatter::outline(y)?).ok()? == placed))
        .unwrap_or(false);
    if !same {
        return Err(unformattable(
            0,
            "its comments cannot all be kept in canonical form".to_owned(),
        ));
    }
    if text.starts_with("---\r\n") {
        front = front.replace('\n', "\r\n");
    }
    Ok(Some(format!("{bom}{front}{}", &text[split.body_start..])))
}

/// The canonical entries with their comments placed around them.
fn with_comments(entries: &[Entry], placed: &Comments) -> String {
    let mut out = String::from("---\n");
    let mut line = |text: &str| {
        out.push_str(text);
        out.push('\n');
    };
    for h in &placed.header {
        line(h);
    }
    // A header a blank line ended (not the modeline) keeps that blank line,
    // or the next run would read it as the first key's comment.
    if placed.header.last().is_some_and(|h| !is_modeline(h)) && !entries.is_empty() {
        line("");
    }
    let annotated = |anchor: &Anchor, text: &str, indent: &str, line: &mut dyn FnMut(&str)| {
        for c in placed.leading.get(anchor).into_iter().flatten() {
            line(&format!("{indent}{c}"));
        }
        match placed.trailing.get(anchor) {
            Some(c) => line(&format!("{text} {c}")),
            None => line(text),
        }
    };
    for e in entries {
        annotated(&Anchor::Field(e.field.to_owned()), &e.line, "", &mut line);
        for (key, text) in &e.children {
            let anchor = Anchor::Child(e.field.to_owned(), key.clone());
            annotated(&anchor, text, "  ", &mut line);
        }
    }
    for f in &placed.footer {
        line(f);
    }
    out.push_str("---\n");
    out
}

/// A YAML scalar for `s`: plain when it cannot be read as anything but this
/// string, in block and flow context alike; double-quoted otherwise.
pub fn scalar(s: &str) -> String {
    if is_plain_safe(s) {
        s.to_owned()
    } else {
        double_quoted(s)
    }
}

/// Words YAML 1.1 or 1.2 parsers read as booleans or null.
const RESERVED: [&str; 14] = [
    "true", "false", "yes", "no", "on", "off", "y", "n", "null", "nil", "none", "~", "inf", "nan",
];

fn is_plain_safe(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    // Digits, signs and dots start numbers, dates and times: quote those.
    let first_ok = first.is_alphabetic() || first == '_';
    let rest_ok = chars.all(|c| {
        c.is_alphanumeric()
            || matches!(
                c,
                ' ' | '-' | '_' | '.' | '/' | '?' | '!' | '\'' | '(' | ')'
            )
    });
    first_ok && rest_ok && !s.ends_with(' ') && !RESERVED.contains(&s.to_ascii_lowercase().as_str())
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            // Controls, and characters some YAML parsers treat as line
            // breaks or strip (NEL, LS, PS, BOM), are escaped.
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {

    use proptest::prelude::*;

    use super::*;
    use crate::config::Config;
    use crate::model::TrainingType;
    use crate::workspace::parse::fixtures::{config, parse};

    /// Parses `text` as the file `rel` below the root.
    fn reparse(rel: &str, text: &str, config: &Config) -> Training {
        let out = parse(rel, text, config);
        assert!(out.problems.is_empty(), "{:?}\n{text}", out.problems);
        out.parsed.unwrap().local.training
    }

    fn sample() -> Training {
        Training {
            directory_id: Some("dir_b".into()),
            ..Training::scenario(
                "billing/refund",
                "Refund after 30 days",
                "# Policy\n\nOffer store credit.",
            )
        }
    }

    #[test]
    fn minimal_file_writes_only_the_title() {
        let c = config();
        let text = render_training(&sample(), "billing/refund", &c.defaults);
        assert_eq!(
            text,
            "---\ntitle: Refund after 30 days\n---\n# Policy\n\nOffer store credit.\n"
        );
        assert_eq!(reparse("billing/refund.md", &text, &c), sample());
    }

    #[test]
    fn every_field_in_canonical_order() {
        let c = config();
        let mut t = sample();
        t.kind = TrainingType::Behavioral;
        t.title = "yes".into();
        t.channels = [Channel::WebVoice, Channel::Email, Channel::Web]
            .into_iter()
            .collect();
        t.segments = ["vip", "gold tier"].into_iter().map(String::from).collect();
        t.draft = true;
        t.key = "billing/refund-late".into();
        t.metadata = [("team", "billing"), ("note", "a: b")]
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        let text = render_training(&t, "billing/refund", &c.defaults);
        assert_eq!(
            text,
            "---\ntype: behavioral\ntitle: \"yes\"\nchannels: [web, email, web_voice]\n\
             segments: [gold tier, vip]\ndraft: true\nkey: billing/refund-late\n\
             metadata:\n  note: \"a: b\"\n  team: billing\n---\n# Policy\n\nOffer store credit.\n"
        );
        assert_eq!(reparse("billing/refund.md", &text, &c), t);
    }

    #[test]
    fn quotes_what_would_parse_as_something_else() {
        for (s, want) in [
            ("plain words", "plain words"),
            ("Where's my order?", "Where's my order?"),
            ("", "\"\""),
            ("true", "\"true\""),
            ("No", "\"No\""),
            ("42", "\"42\""),
            ("2024-01-01", "\"2024-01-01\""),
            ("a: b", "\"a: b\""),
            ("x #y", "\"x #y\""),
            ("- item", "\"- item\""),
            ("say \"hi\"\n\\", "\"say \\\"hi\\\"\\n\\\\\""),
            ("trailing ", "\"trailing \""),
            ("a\u{85}b", "\"a\\u0085b\""),
        ] {
            assert_eq!(scalar(s), want, "{s:?}");
        }
    }

    #[test]
    fn reformat_keeps_body_bytes_and_every_comment() {
        let body = "\nBody  with trailing space  \r\n\n\n";
        let text = format!(
            "---\n# yaml-language-server: $schema=x.json\nchannels: [email, web]\nkey: a/b\ntitle:   'Hello'   # greeting\ntype: SCENARIO_SPECIFIC\n---\n{body}"
        );
        let got = reformat(&text).unwrap().unwrap();
        assert_eq!(
            got,
            format!(
                "---\n# yaml-language-server: $schema=x.json\ntype: scenario\ntitle: Hello # greeting\nchannels: [web, email]\nkey: a/b\n---\n{body}"
            )
        );
        assert_eq!(reformat(&got), Ok(Some(got.clone())));
        assert_eq!(
            header_comments(&got),
            ["# yaml-language-server: $schema=x.json"]
        );
        let c = config();
        assert_eq!(reparse("x.md", &got, &c), reparse("x.md", &text, &c));
    }

    #[test]
    fn comments_move_with_the_keys_they_annotate() {
        // The examples from the issue, reordered and with metadata.
        let text = "---\n\
            # yaml-language-server: $schema=../schema/scenario.schema.json\n\
            # keep drafts until the policy page ships\n\
            draft: true\n\
            metadata:   # for the reporting export\n  \
              tier: gold\n  \
              # the team on call\n  \
              team: billing  # since May\n\
            title: Refund window   # agreed with legal on 2026-03-01\n\
            \n\
            # channels: [web]   (not yet)\n\
            ---\nBody text.\n";
        let got = reformat(text).unwrap().unwrap();
        assert_eq!(
            got,
            "---\n\
             # yaml-language-server: $schema=../schema/scenario.schema.json\n\
             title: Refund window # agreed with legal on 2026-03-01\n\
             # keep drafts until the policy page ships\n\
             draft: true\n\
             metadata: # for the reporting export\n  \
               # the team on call\n  \
               team: billing # since May\n  \
               tier: gold\n\
             # channels: [web]   (not yet)\n\
             ---\nBody text.\n"
        );
        assert_eq!(reformat(&got), Ok(Some(got.clone())), "idempotent");
        let c = config();
        assert_eq!(reparse("x.md", &got, &c), reparse("x.md", text, &c));
    }

    #[test]
    fn a_header_ended_by_a_blank_line_stays_a_header() {
        let text = "---\n# reviewed by legal\n\ndraft: false\n# the customer's words\ntitle: Hi there\n---\nBody\n";
        let got = reformat(text).unwrap().unwrap();
        assert_eq!(
            got,
            "---\n# reviewed by legal\n\n# the customer's words\ntitle: Hi there\ndraft: false\n---\nBody\n"
        );
        assert_eq!(reformat(&got), Ok(Some(got.clone())));
        let only_comments = "---\n# nothing set yet\n---\nBody\n";
        assert_eq!(reformat(only_comments), Ok(Some(only_comments.to_owned())));
    }

    #[test]
    fn a_comment_fmt_cannot_keep_leaves_the_file_alone() {
        for (text, line) in [
            (
                "---\ntitle: Hi there\nchannels:\n  - web   # the widget\n  - email\n---\nB\n",
                4,
            ),
            (
                "---\ntitle: Hi there\nsegments: []   # none yet\n---\nB\n",
                3,
            ),
            ("---\ntitle: Hi there\n# later\nkey:\n---\nB\n", 4),
        ] {
            let e = reformat(text).unwrap_err();
            assert_eq!(e.line, line, "{text}");
        }
    }

    #[test]
    fn reformat_keeps_bom_and_crlf_and_skips_what_it_cannot_read() {
        let text = "\u{feff}---\r\ndraft: true # d\r\ntitle: Hi there\r\n---\r\nBody text here\r\n";
        assert_eq!(
            reformat(text).unwrap().unwrap(),
            "\u{feff}---\r\ntitle: Hi there\r\ndraft: true # d\r\n---\r\nBody text here\r\n"
        );
        assert_eq!(reformat("No front matter at all\n"), Ok(None));
        assert_eq!(reformat("---\ntitel: x\n---\nbody\n"), Ok(None));
        assert_eq!(reformat("---\ntitle: [\n---\nbody\n"), Ok(None));
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slug("How do I reset my password?"),
            "how-do-i-reset-my-password"
        );
        assert_eq!(slug("  Café -- crème  "), "caf-cr-me");
        assert_eq!(slug("???"), "scenario");
        assert_eq!(slug(&"ab ".repeat(40)).len(), 59);
    }

    fn text_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9 :#\\-_.,'\"?!\\[\\]{}&*|>%@`\\\\/]{0,24}",
            any::<String>(),
            prop::sample::select(vec![
                "true", "False", "NULL", "~", "1e3", "0x1F", "-1", ".5", "12:30", "yes",
            ])
            .prop_map(String::from),
        ]
    }

    fn training_strategy() -> impl Strategy<Value = Training> {
        let channels =
            prop::collection::btree_set(prop::sample::select(Channel::KNOWN.to_vec()), 0..4);
        let segments = prop::collection::btree_set(
            "[a-z0-9 :\\-]{1,8}".prop_filter("non-blank", |s| !s.trim().is_empty()),
            0..3,
        );
        let metadata = prop::collection::btree_map(
            text_strategy().prop_filter("not reserved", |k| !k.starts_with("cxtrain_")),
            text_strategy(),
            0..3,
        );
        (
            text_strategy()
                .prop_map(|t| format!("T{}", t.trim()))
                .prop_map(|t| t.trim().to_owned()),
            text_strategy()
                .prop_map(|c| format!("Content {c}"))
                .prop_map(|c| crate::workspace::body::normalize(&c)),
            any::<bool>(),
            any::<bool>(),
            channels,
            segments,
            metadata,
            prop::option::of("[a-z]{1,6}(/[a-z0-9-]{1,6}){0,2}"),
        )
            .prop_map(
                |(title, content, behavioral, draft, channels, segments, metadata, key)| Training {
                    key: key.unwrap_or_else(|| "billing/refund".into()),
                    title,
                    content,
                    kind: if behavioral {
                        TrainingType::Behavioral
                    } else {
                        TrainingType::ScenarioSpecific
                    },
                    channels,
                    segments,
                    draft,
                    directory_id: Some("dir_b".into()),
                    metadata,
                },
            )
    }

    proptest! {
        #[test]
        fn scalars_round_trip_through_the_parser(s in text_strategy()) {
            let text = format!("---\nkey: k\nmetadata:\n  {}: {}\n---\nbody\n", scalar(&s), scalar(&s));
            let split = frontmatter::split(&text).unwrap();
            let parsed = frontmatter::parse(&text, split.yaml.unwrap());
            prop_assert!(parsed.problems.is_empty(), "{:?}\n{}", parsed.problems, text);
            let metadata = parsed.front.metadata.unwrap();
            prop_assert_eq!(metadata.get(&s), Some(&s));
        }

        #[test]
        fn fmt_never_loses_a_comment(
            t in training_strategy(),
            order in prop::collection::vec(any::<prop::sample::Index>(), 8),
            notes in prop::collection::vec((any::<prop::sample::Index>(), any::<bool>()), 0..6),
        ) {
            let c = config();
            let text = render_training(&t, "billing/refund", &c.defaults);
            // Where the closing `---` line starts.
            let end = text[3..].find("\n---\n").unwrap() + 4;
            // Top-level entries in a shuffled order (metadata keeps its lines).
            let mut entries: Vec<Vec<String>> = Vec::new();
            for line in text[4..end].lines() {
                match entries.last_mut() {
                    Some(e) if line.starts_with(' ') => e.push(line.to_owned()),
                    _ => entries.push(vec![line.to_owned()]),
                }
            }
            let count = entries.len();
            for (i, at) in order.iter().enumerate() {
                entries.swap(i % count, at.index(count));
            }
            let mut lines: Vec<String> = entries.concat();
            // Comments: on their own line before a line, or after a line.
            for (n, (at, own_line)) in notes.iter().enumerate() {
                let i = at.index(lines.len() + 1);
                if *own_line || i == lines.len() {
                    lines.insert(i, format!("# note {n}: keep me"));
                } else {
                    lines[i].push_str(&format!("  # note {n}: keep me"));
                }
            }
            let shuffled = format!("---\n{}\n---\n{}", lines.join("\n"), &text[end + 4..]);
            match reformat(&shuffled) {
                Ok(Some(out)) => {
                    for n in 0..notes.len() {
                        let note = format!("# note {n}: keep me");
                        prop_assert_eq!(out.matches(&note).count(), 1, "{}\n{}", shuffled, out);
                    }
                    prop_assert_eq!(reparse("billing/refund.md", &out, &c), t.clone());
                    prop_assert_eq!(reformat(&out), Ok(Some(out.clone())), "idempotent");
                }
                other => prop_assert!(false, "{:?}: {}", other, shuffled),
            }
        }

        #[test]
        fn written_files_parse_back_identical(t in training_strategy()) {
            let c = config();
            let text = render_training(&t, "billing/refund", &c.defaults);
            prop_assert_eq!(reparse("billing/refund.md", &text, &c), t.clone());
            prop_assert_eq!(reformat(&text), Ok(Some(text)));
        }
    }
}
