//! Comments in front matter, and the key each one annotates, so `fmt` can
//! reorder keys without losing a word (as `terraform fmt` and prettier keep
//! comments with their nodes):
//! - a comment on its own line annotates the key on the next line that has
//!   one (blank lines between do not matter): it moves with that key;
//! - a comment after a value (`title: Refund window  # agreed with legal`)
//!   stays on its key's line;
//! - comment lines opening the front matter stay at the top when they end
//!   with the editor's `yaml-language-server` line or a blank line; comment
//!   lines closing it stay at the bottom;
//! - inside `metadata`, the same rules hold per metadata key.
//!
//! A comment no rule places (inside a list written one item per line, inside
//! a value spanning lines) makes the file one `fmt` leaves as it is:
//! [`Lossy`] says which line.

use std::collections::BTreeMap;
use std::ops::Range;

use super::frontmatter::{Outline, OutlineEntry};

/// What a comment is attached to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Anchor {
    /// A top-level key (`title`).
    Field(String),
    /// A key inside a top-level mapping (`metadata` → `team`).
    Child(String, String),
}

/// Every comment of a front matter, placed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Comments {
    /// Lines that stay at the top.
    pub header: Vec<String>,
    /// Lines that stay at the bottom.
    pub footer: Vec<String>,
    /// Lines written just above a key.
    pub leading: BTreeMap<Anchor, Vec<String>>,
    /// The comment after a key's value, on its line.
    pub trailing: BTreeMap<Anchor, String>,
}

impl Comments {
    /// Whether `anchor` carries a comment.
    pub fn annotates(&self, anchor: &Anchor) -> bool {
        self.leading.contains_key(anchor) || self.trailing.contains_key(anchor)
    }
}

/// A comment that cannot be kept in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lossy {
    /// Its line in the YAML (0-based; the file line is this + 2).
    pub line: usize,
    /// Why, and what to do.
    pub reason: String,
}

/// One line of the YAML.
struct Line {
    range: Range<usize>,
    /// Where its comment starts, if it has one.
    comment: Option<usize>,
}

impl Line {
    fn own_comment(&self, yaml: &str) -> bool {
        self.comment
            .is_some_and(|c| yaml[self.range.start..c].trim().is_empty())
    }

    fn blank(&self, yaml: &str) -> bool {
        yaml[self.range.clone()].trim().is_empty()
    }
}

/// Places every comment of `yaml` (whose outline is `outline`).
pub(crate) fn attach(yaml: &str, outline: &Outline) -> Result<Comments, Lossy> {
    let lines = lines(yaml, &outline.scalars);
    let line_of = |offset: usize| line_at(yaml, offset);
    // The line of each key, and what it anchors.
    let mut keys: BTreeMap<usize, Anchor> = BTreeMap::new();
    for e in &outline.entries {
        keys.insert(line_of(e.key.start), Anchor::Field(e.name.clone()));
        for c in &e.children {
            keys.entry(line_of(c.key.start))
                .or_insert_with(|| Anchor::Child(e.name.clone(), c.name.clone()));
        }
    }
    let text = |l: &Line| {
        let c = l
            .comment
            .expect("called only for lines that hold a comment");
        yaml[c..l.range.end].trim_end().to_owned()
    };
    let mut out = Comments::default();
    // Own-line comments waiting for their key.
    let mut pending: Vec<Pending> = Vec::new();
    let mut seen_key = false;
    for (i, line) in lines.iter().enumerate() {
        if line.blank(yaml) {
            if let Some(last) = pending.last_mut() {
                last.blank_after = true;
            }
            continue;
        }
        if line.own_comment(yaml) {
            pending.push(Pending {
                text: text(line),
                line: i,
                blank_after: false,
            });
            continue;
        }
        match keys.get(&i) {
            Some(anchor) => {
                if !seen_key {
                    out.header = header(&mut pending);
                    seen_key = true;
                }
                if !pending.is_empty() {
                    let lines = pending.drain(..).map(|p| p.text);
                    out.leading.entry(anchor.clone()).or_default().extend(lines);
                }
            }
            None if !pending.is_empty() => {
                return Err(Lossy {
                    line: pending[0].line,
                    reason: "a comment inside a value that spans lines cannot be kept in \
                             canonical form; move it above the key"
                        .to_owned(),
                });
            }
            None => {}
        }
        if line.comment.is_some() {
            let anchor = trailing_anchor(i, &outline.entries, &line_of).ok_or_else(|| Lossy {
                line: i,
                reason: "a comment inside a value that spans lines cannot be kept in canonical \
                         form; move it above the key"
                    .to_owned(),
            })?;
            out.trailing.insert(anchor, text(line));
        }
    }
    let rest: Vec<String> = pending.into_iter().map(|p| p.text).collect();
    if seen_key {
        out.footer = rest;
    } else {
        out.header = rest;
    }
    Ok(out)
}

/// An own-line comment waiting for the key it annotates.
struct Pending {
    text: String,
    line: usize,
    blank_after: bool,
}

/// The comments opening the front matter that stay at the top: up to the
/// last editor modeline or the last comment a blank line follows. The rest
/// of `pending` annotates the first key.
fn header(pending: &mut Vec<Pending>) -> Vec<String> {
    let end = pending
        .iter()
        .rposition(|p| p.blank_after || is_modeline(&p.text))
        .map_or(0, |i| i + 1);
    pending.drain(..end).map(|p| p.text).collect()
}

/// Whether a comment is the editor's schema line, which belongs at the top.
pub(crate) fn is_modeline(comment: &str) -> bool {
    comment
        .trim_start_matches('#')
        .trim_start()
        .starts_with("yaml-language-server:")
}

/// The key a comment after code on line `i` belongs to: a top-level key
/// whose line it is (when its value ends there, or starts on a later line),
/// or a metadata key whose value ends there.
fn trailing_anchor(
    i: usize,
    entries: &[OutlineEntry],
    line_of: &dyn Fn(usize) -> usize,
) -> Option<Anchor> {
    let entry = entries.iter().rev().find(|e| line_of(e.key.start) <= i)?;
    let last_line = |r: &Range<usize>| line_of(r.end.max(r.start + 1) - 1);
    let key_line = line_of(entry.key.start);
    if key_line == i && (last_line(&entry.value) == i || line_of(entry.value.start) > i) {
        return Some(Anchor::Field(entry.name.clone()));
    }
    entry
        .children
        .iter()
        .find(|c| line_of(c.key.start) == i && last_line(&c.value) == i)
        .map(|c| Anchor::Child(entry.name.clone(), c.name.clone()))
}

/// The 0-based line of byte `offset` (any byte, not only a char boundary).
pub(crate) fn line_at(yaml: &str, offset: usize) -> usize {
    let end = offset.min(yaml.len());
    yaml.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// The lines of `yaml`, each with where its comment starts: a `#` at the
/// start of a line or after a space, outside every scalar.
fn lines(yaml: &str, scalars: &[Range<usize>]) -> Vec<Line> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < yaml.len() {
        let end = yaml[start..]
            .find('\n')
            .map_or(yaml.len(), |i| start + i + 1);
        let comment = yaml[start..end]
            .char_indices()
            .map(|(i, c)| (start + i, c))
            .find(|&(at, c)| {
                c == '#'
                    && (at == start || yaml[..at].ends_with([' ', '\t']))
                    && !scalars.iter().any(|s| s.contains(&at))
            })
            .map(|(at, _)| at);
        out.push(Line {
            range: start..end,
            comment,
        });
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::frontmatter::outline;

    fn placed(yaml: &str) -> Result<Comments, Lossy> {
        attach(yaml, &outline(yaml).unwrap())
    }

    fn field(name: &str) -> Anchor {
        Anchor::Field(name.to_owned())
    }

    #[test]
    fn comments_are_placed_with_their_keys() {
        let yaml = "# yaml-language-server: $schema=x.json\n\
                    # keep drafts until the policy page ships\n\
                    draft: true\n\
                    title: Refund window   # agreed with legal on 2026-03-01\n\
                    \n\
                    # who owns it\n\
                    metadata:   # free-form\n  \
                      # the team on call\n  \
                      team: billing  # since May\n  \
                      tier: \"gold # not a comment\"\n\
                    # the end\n";
        let c = placed(yaml).unwrap();
        assert_eq!(c.header, ["# yaml-language-server: $schema=x.json"]);
        assert_eq!(c.footer, ["# the end"]);
        assert_eq!(
            c.leading[&field("draft")],
            ["# keep drafts until the policy page ships"]
        );
        assert_eq!(c.leading[&field("metadata")], ["# who owns it"]);
        let team = Anchor::Child("metadata".into(), "team".into());
        assert_eq!(c.leading[&team], ["# the team on call"]);
        assert_eq!(c.trailing[&team], "# since May");
        assert_eq!(
            c.trailing[&field("title")],
            "# agreed with legal on 2026-03-01"
        );
        assert_eq!(c.trailing[&field("metadata")], "# free-form");
        let leading: usize = c.leading.values().map(Vec::len).sum();
        assert_eq!(leading + c.trailing.len(), 6);
    }

    #[test]
    fn hash_inside_values_is_not_a_comment() {
        let yaml = "title: 'It''s # one'\nkey: a#b\nsegments: [\"x # y\", z]  # real\n";
        let c = placed(yaml).unwrap();
        assert!(c.leading.is_empty() && c.header.is_empty() && c.footer.is_empty());
        assert_eq!(c.trailing.len(), 1);
        assert_eq!(c.trailing[&field("segments")], "# real");
    }

    #[test]
    fn a_header_is_what_a_blank_line_or_the_modeline_ends() {
        let c = placed("# about this file\n\n# about the title\ntitle: T\n").unwrap();
        assert_eq!(c.header, ["# about this file"]);
        assert_eq!(c.leading[&field("title")], ["# about the title"]);
        let c = placed("# about the title\ntitle: T\n").unwrap();
        assert!(c.header.is_empty());
        let c = placed("# only a comment\n").unwrap();
        assert_eq!(c.header, ["# only a comment"]);
    }

    #[test]
    fn comments_inside_multi_line_values_are_lossy() {
        for (yaml, line) in [
            ("channels:\n  - web  # main\n  - email\n", 1),
            ("channels:\n  # main\n  - web\n", 1),
            ("title: a\n  b # c\n", 1),
            ("channels: [web,  # main\n  email]\n", 0),
        ] {
            let e = placed(yaml).unwrap_err();
            assert_eq!(e.line, line, "{yaml}");
        }
    }
}
