//! YAML front matter: finding it between `---` lines, parsing it with
//! serde-saphyr into a spanned tree, and checking every field so that one run
//! reports every problem (serde would stop at the first).

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::problem::{Code, Problem};
use crate::key::{self, KeyError};
use crate::model::{Channel, META_PREFIX, TrainingType};
use crate::suggest::did_you_mean;

/// The front matter of a scenario file. This type is the source of
/// `schema/scenario.schema.json`; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[schemars(
    title = "cxtrain scenario front matter",
    description = "YAML front matter of an OpenCX training file managed by cxtrain."
)]
pub struct FrontMatter {
    /// `scenario` (matched to questions) or `behavioral` (always active).
    /// Default: `[defaults] type` in cxtrain.toml.
    #[serde(rename = "type")]
    #[schemars(schema_with = "type_schema")]
    pub kind: Option<TrainingType>,
    /// The training title. Default: the leading `# heading` of the body, else
    /// the file name humanised.
    #[schemars(length(min = 3))]
    pub title: Option<String>,
    /// Channels the training is restricted to; absent or empty = all.
    #[schemars(schema_with = "channels_schema")]
    pub channels: Option<Vec<Channel>>,
    /// Customer segments the training is restricted to; absent or empty = all.
    pub segments: Option<Vec<String>>,
    /// `true`: saved but not used by the AI. Default: `[defaults] draft`.
    pub draft: Option<bool>,
    /// The environments (`[environments.NAME]` in cxtrain.toml) this training
    /// lives in, e.g. `[staging]` while it is tried out; absent = all.
    #[schemars(schema_with = "environments_schema")]
    pub environments: Option<Vec<String>>,
    /// Stable identity. Default: the path below the root without `.md`.
    #[schemars(length(min = 1))]
    pub key: Option<String>,
    /// Extra string metadata sent to the API (keys must not start with `cxtrain_`).
    #[schemars(schema_with = "metadata_schema")]
    pub metadata: Option<BTreeMap<String, String>>,
}

/// The front matter keys, in canonical order.
pub const FIELDS: [&str; 8] = [
    "type",
    "title",
    "channels",
    "segments",
    "draft",
    "environments",
    "key",
    "metadata",
];

/// Byte spans (into the file text) of the values of the fields that were set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSpans {
    /// `title` value.
    pub title: Option<Range<usize>>,
    /// `key` value.
    pub key: Option<Range<usize>>,
    /// `environments` value.
    pub environments: Option<Range<usize>>,
    /// Each name of the `environments` list, in order.
    pub environment_names: Vec<Range<usize>>,
}

/// The JSON Schema of [`FrontMatter`], pretty-printed with a final newline.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(FrontMatter);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema always serialises");
    text.push('\n');
    text
}

fn type_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": ["string", "null"], "enum": TrainingType::NAMES.iter().map(|s| Some(*s)).chain([None]).collect::<Vec<_>>() })
}

fn channels_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let names: Vec<&str> = Channel::KNOWN.iter().map(Channel::as_str).collect();
    schemars::json_schema!({
        "type": ["array", "null"],
        "items": { "type": "string", "enum": names },
        "uniqueItems": true
    })
}

fn environments_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": ["array", "null"],
        "items": { "type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$" },
        "minItems": 1,
        "uniqueItems": true
    })
}

fn metadata_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": ["object", "null"],
        "additionalProperties": { "type": "string" },
        "propertyNames": { "not": { "pattern": "^cxtrain_" } }
    })
}

/// Where the front matter and the body are in a file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The YAML between the `---` lines, if the file has front matter.
    pub yaml: Option<Range<usize>>,
    /// Where the body starts.
    pub body_start: usize,
}

/// Finds the front matter: the file's first line is `---`, and it ends at
/// the next line that is `---` (or `...`). A `---` later in the body, e.g.
/// inside a code fence, is body text.
pub fn split(text: &str) -> Result<Split, Problem> {
    let mut lines = line_ranges(text);
    let Some(first) = lines.next() else {
        return Ok(Split {
            yaml: None,
            body_start: 0,
        });
    };
    if text[first.clone()].trim_end() != "---" {
        return Ok(Split {
            yaml: None,
            body_start: 0,
        });
    }
    let yaml_start = first.end;
    for line in lines {
        let content = text[line.clone()].trim_end();
        if content == "---" || content == "..." {
            return Ok(Split {
                yaml: Some(yaml_start..line.start),
                body_start: line.end,
            });
        }
    }
    Err(Problem::new(
        Code::UnterminatedFrontMatter,
        0..3,
        "front matter is never closed",
        "front matter opened here",
    )
    .help("end the front matter with a line containing only `---`"))
}

/// Byte ranges of lines, each including its line break.
fn line_ranges(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let end = text[start..]
            .find('\n')
            .map_or(text.len(), |i| start + i + 1);
        let range = start..end;
        start = end;
        Some(range)
    })
}

/// Parsed front matter and the problems found in it.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// The fields that were valid.
    pub front: FrontMatter,
    /// Where their values are.
    pub spans: FieldSpans,
    /// Every problem, in source order.
    pub problems: Vec<Problem>,
    /// `false` when the YAML could not be read at all.
    pub usable: bool,
}

/// Parses the YAML at `range` of `text`, checking every field.
pub fn parse(text: &str, range: Range<usize>) -> Parsed {
    let base = range.start;
    let yaml = &text[range.clone()];
    let mut out = Parsed {
        usable: true,
        ..Parsed::default()
    };
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
        strict_booleans: true,
    };
    let root: Spanned<Node> = match serde_saphyr::from_str_with_options(yaml, options) {
        Ok(root) => root,
        Err(e) => {
            let inner = e.without_snippet();
            let span = inner
                .location()
                .map_or(base..base, |l| located(&l, base, yaml));
            out.problems.push(
                Problem::new(
                    Code::MalformedYaml,
                    span,
                    format!("front matter is not valid YAML: {}", yaml_message(inner)),
                    "YAML error here",
                )
                .help("fix the YAML syntax; quote values that contain `: ` or start with a special character"),
            );
            out.usable = false;
            return out;
        }
    };
    let root_span = span_of(&root, base, yaml);
    nul_characters(&root, base, yaml, &mut out.problems);
    match root.value {
        Node::Null => {}
        Node::Map(entries) => check_fields(entries, text, range, &mut out),
        other => {
            out.problems.push(
                Problem::new(
                    Code::FrontMatterNotAMapping,
                    root_span,
                    format!(
                        "front matter must be a mapping of keys to values, not {}",
                        other.describe()
                    ),
                    "expected `key: value` lines",
                )
                .help("write fields as `title: ...`, one per line"),
            );
            out.usable = false;
        }
    }
    out
}

fn yaml_message(e: &serde_saphyr::Error) -> String {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or_default();
    first
        .split(" at line ")
        .next()
        .unwrap_or(first)
        .trim()
        .to_owned()
}

fn check_fields(
    entries: Vec<(Spanned<Node>, Spanned<Node>)>,
    text: &str,
    range: Range<usize>,
    out: &mut Parsed,
) {
    let base = range.start;
    let yaml = &text[range];
    let mut seen: BTreeMap<String, Range<usize>> = BTreeMap::new();
    let mut merges = Vec::new();
    for (key, value) in entries {
        if let Some(problem) = merge_key(&key, base, yaml, &mut merges) {
            out.problems.extend(problem);
            continue;
        }
        let key_span = span_of(&key, base, yaml);
        let Node::Str(name) = &key.value else {
            out.problems.push(Problem::new(
                Code::UnknownKey,
                key_span,
                format!("front matter keys are names, not {}", key.value.describe()),
                "unknown key",
            ));
            continue;
        };
        if let Some(first) = seen.get(name) {
            out.problems.push(
                Problem::new(
                    Code::DuplicateYamlKey,
                    key_span,
                    format!("`{name}` is set twice"),
                    "second definition",
                )
                .help(format!(
                    "remove one of the two `{name}` lines (the first is on line {})",
                    text[..first.start].matches('\n').count() + 1
                )),
            );
            continue;
        }
        seen.insert(name.clone(), key_span.clone());
        if !FIELDS.contains(&name.as_str()) {
            let help = match did_you_mean(name, FIELDS) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("known keys: {}", FIELDS.join(", ")),
            };
            out.problems.push(
                Problem::new(
                    Code::UnknownKey,
                    key_span,
                    format!("unknown front matter key `{name}`"),
                    "unknown key",
                )
                .help(help),
            );
            continue;
        }
        let span = span_of(&value, base, yaml);
        if matches!(value.value, Node::Null) {
            continue;
        }
        let mut field = Field {
            name,
            span: span.clone(),
            problems: &mut out.problems,
        };
        let front = &mut out.front;
        let spans = &mut out.spans;
        match name.as_str() {
            "type" => front.kind = field.training_type(value.value),
            "title" => {
                front.title = field.string(value.value);
                spans.title = Some(span);
            }
            "channels" => front.channels = field.channels(value.value, base, yaml),
            "segments" => front.segments = field.segments(value.value, base, yaml),
            "environments" => {
                spans.environments = Some(span);
                if let Some(items) = field.list(value.value, base, yaml) {
                    let (names, at): (Vec<String>, Vec<Range<usize>>) = items.into_iter().unzip();
                    front.environments = Some(names);
                    spans.environment_names = at;
                }
            }
            "draft" => front.draft = field.boolean(value.value),
            "key" => {
                front.key = field.string(value.value).and_then(|k| field.key(k));
                spans.key = Some(span);
            }
            _ => front.metadata = field.metadata(value.value, base, yaml),
        }
    }
}

/// Checks one field's value, recording problems.
struct Field<'a> {
    name: &'a str,
    span: Range<usize>,
    problems: &'a mut Vec<Problem>,
}

impl Field<'_> {
    fn wrong_type(&mut self, span: Range<usize>, expected: &str, found: &Node, help: String) {
        self.problems.push(
            Problem::new(
                Code::WrongType,
                span,
                format!(
                    "`{}` must be {expected}, not {}",
                    self.name,
                    found.describe()
                ),
                format!("expected {expected}"),
            )
            .help(help),
        );
    }

    fn string(&mut self, node: Node) -> Option<String> {
        match node {
            Node::Str(s) => Some(s),
            other => {
                let help = format!("quote the value: `{}: \"...\"`", self.name);
                self.wrong_type(self.span.clone(), "a string", &other, help);
                None
            }
        }
    }

    fn boolean(&mut self, node: Node) -> Option<bool> {
        match node {
            Node::Bool(b) => Some(b),
            other => {
                let help = format!("`{}` is `true` or `false`", self.name);
                self.wrong_type(self.span.clone(), "a boolean", &other, help);
                None
            }
        }
    }

    fn training_type(&mut self, node: Node) -> Option<TrainingType> {
        let name = self.string(node)?;
        let kind = TrainingType::parse(&name);
        if kind.is_none() {
            let help = match did_you_mean(&name, TrainingType::NAMES) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("use one of {}", TrainingType::NAMES.join(", ")),
            };
            self.problems.push(
                Problem::new(
                    Code::UnknownType,
                    self.span.clone(),
                    format!("unknown training type `{name}`"),
                    "not a training type",
                )
                .help(help),
            );
        }
        kind
    }

    fn list(&mut self, node: Node, base: usize, yaml: &str) -> Option<Vec<(String, Range<usize>)>> {
        let items = match node {
            Node::Seq(items) => items,
            other => {
                let help = format!("write a list: `{}: [a, b]`", self.name);
                self.wrong_type(self.span.clone(), "a list", &other, help);
                return None;
            }
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for item in items {
            let span = span_of(&item, base, yaml);
            match item.value {
                Node::Str(s) if !s.trim().is_empty() => out.push((s, span)),
                other => {
                    ok = false;
                    let help = format!("every entry of `{}` is a non-empty name", self.name);
                    self.wrong_type(span, "a list of names", &other, help);
                }
            }
        }
        ok.then_some(out)
    }

    fn channels(&mut self, node: Node, base: usize, yaml: &str) -> Option<Vec<Channel>> {
        let items = self.list(node, base, yaml)?;
        let names: Vec<&str> = Channel::KNOWN.iter().map(Channel::as_str).collect();
        let mut out: Vec<Channel> = Vec::with_capacity(items.len());
        let mut ok = true;
        for (name, span) in items {
            match Channel::known(&name) {
                Some(c) if out.contains(&c) => {
                    ok = false;
                    self.problems.push(
                        Problem::new(
                            Code::DuplicateChannel,
                            span,
                            format!("channel `{name}` is listed twice"),
                            "listed again here",
                        )
                        .help("remove the repeat; if you meant another channel, name it"),
                    );
                }
                Some(c) => out.push(c),
                None => {
                    ok = false;
                    let help = match did_you_mean(&name, names.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`? channels: {}", names.join(", ")),
                        None => format!("channels: {}", names.join(", ")),
                    };
                    self.problems.push(
                        Problem::new(
                            Code::UnknownChannel,
                            span,
                            format!("unknown channel `{name}`"),
                            "not a channel",
                        )
                        .help(help),
                    );
                }
            }
        }
        ok.then_some(out)
    }

    fn segments(&mut self, node: Node, base: usize, yaml: &str) -> Option<Vec<String>> {
        self.list(node, base, yaml)
            .map(|items| items.into_iter().map(|(s, _)| s).collect())
    }

    fn key(&mut self, key: String) -> Option<String> {
        let Err(e) = key::check(&key) else {
            return Some(key);
        };
        let code = match e {
            KeyError::Empty => Code::EmptyKey,
            KeyError::Climbs => Code::KeyEscapesRoot,
            _ => Code::InvalidKey,
        };
        self.problems.push(
            Problem::new(code, self.span.clone(), e.message(), "invalid key").help(e.help(&key)),
        );
        None
    }

    fn metadata(
        &mut self,
        node: Node,
        base: usize,
        yaml: &str,
    ) -> Option<BTreeMap<String, String>> {
        let entries = match node {
            Node::Map(entries) => entries,
            other => {
                let help = "write `metadata: { team: billing }`".to_owned();
                self.wrong_type(self.span.clone(), "a mapping", &other, help);
                return None;
            }
        };
        let mut out = BTreeMap::new();
        let mut ok = true;
        let mut seen: BTreeMap<String, Range<usize>> = BTreeMap::new();
        let mut merges = Vec::new();
        for (k, v) in entries {
            if let Some(problem) = merge_key(&k, base, yaml, &mut merges) {
                self.problems.extend(problem);
                ok = false;
                continue;
            }
            let key_span = span_of(&k, base, yaml);
            let value_span = span_of(&v, base, yaml);
            if let Node::Str(name) = &k.value {
                if let Some(first) = seen.get(name) {
                    ok = false;
                    let line = yaml[..first.start - base].matches('\n').count() + 2;
                    self.problems.push(
                        Problem::new(
                            Code::DuplicateYamlKey,
                            key_span,
                            format!("metadata key `{name}` is set twice"),
                            "second definition",
                        )
                        .help(format!(
                            "remove one of the two `{name}` entries (the first is on line {line})"
                        )),
                    );
                    continue;
                }
                seen.insert(name.clone(), key_span.clone());
            }
            match (k.value, v.value) {
                (Node::Str(k), _) if k.starts_with(META_PREFIX) => {
                    ok = false;
                    self.problems.push(
                        Problem::new(
                            Code::ReservedMetadataKey,
                            key_span,
                            format!("metadata key `{k}` is reserved for cxtrain"),
                            "reserved prefix",
                        )
                        .help(format!(
                            "rename it; keys starting with `{META_PREFIX}` are managed by cxtrain"
                        )),
                    );
                }
                (Node::Str(k), Node::Str(v)) => {
                    out.insert(k, v);
                }
                (Node::Str(k), other) => {
                    ok = false;
                    let help = format!("quote the value: `{k}: \"...\"`");
                    self.wrong_type(value_span, "a string", &other, help);
                }
                (other, _) => {
                    ok = false;
                    let help = "metadata keys are names".to_owned();
                    self.wrong_type(key_span, "a string", &other, help);
                }
            }
        }
        ok.then_some(out)
    }
}

/// Where the parts of front matter YAML are, for keeping comments with the
/// keys they annotate while `fmt` reorders them. Offsets are into the YAML.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outline {
    /// The top-level entries, in source order.
    pub entries: Vec<OutlineEntry>,
    /// Every scalar (keys and values, at any depth): text a `#` inside of
    /// does not start a comment.
    pub scalars: Vec<Range<usize>>,
}

/// One `key: value` entry of a mapping.
#[derive(Debug, Clone)]
pub(crate) struct OutlineEntry {
    /// The key's text.
    pub name: String,
    /// The key's span.
    pub key: Range<usize>,
    /// From where the value starts to the end of its last scalar.
    pub value: Range<usize>,
    /// The entries of a mapping value (`metadata`).
    pub children: Vec<OutlineEntry>,
}

/// The outline of front matter YAML; `None` when it is not a mapping of
/// string keys the parser can read (`validate` reports those).
pub(crate) fn outline(yaml: &str) -> Option<Outline> {
    let root: Spanned<Node> = serde_saphyr::from_str(yaml).ok()?;
    let mut out = Outline::default();
    collect_scalars(&root, yaml, &mut out.scalars);
    out.scalars.sort_by_key(|r| r.start);
    out.entries = match root.value {
        Node::Null => Vec::new(),
        Node::Map(entries) => outline_entries(entries, yaml)?,
        _ => return None,
    };
    Some(out)
}

fn outline_entries(
    entries: Vec<(Spanned<Node>, Spanned<Node>)>,
    yaml: &str,
) -> Option<Vec<OutlineEntry>> {
    let mut out = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        let Node::Str(name) = k.value else {
            return None;
        };
        let key = located(&k.referenced, 0, yaml);
        let start = located(&v.referenced, 0, yaml).start;
        let mut scalars = Vec::new();
        collect_scalars(&v, yaml, &mut scalars);
        let end = scalars
            .iter()
            .map(|r| r.end)
            .max()
            .unwrap_or(start)
            .max(start);
        let children = match v.value {
            Node::Map(children) => outline_entries(children, yaml)?,
            _ => Vec::new(),
        };
        out.push(OutlineEntry {
            name,
            key,
            value: start..end,
            children,
        });
    }
    Some(out)
}

fn collect_scalars(node: &Spanned<Node>, yaml: &str, out: &mut Vec<Range<usize>>) {
    match &node.value {
        Node::Seq(items) => items.iter().for_each(|i| collect_scalars(i, yaml, out)),
        Node::Map(entries) => {
            for (k, v) in entries {
                collect_scalars(k, yaml, out);
                collect_scalars(v, yaml, out);
            }
        }
        _ => out.push(span_of(node, 0, yaml)),
    }
}

/// The problem of an entry a YAML merge key (`<<: *base`, `<<: {...}`)
/// brought into a mapping: it would set fields past every check of this
/// file's own lines. The parser resolves merges and aliases, so such an
/// entry is told apart by being used somewhere other than where it is
/// defined. One problem per `<<` (`seen` holds those reported), none for
/// the other entries it brought in.
fn merge_key(
    key: &Spanned<Node>,
    base: usize,
    yaml: &str,
    seen: &mut Vec<Range<usize>>,
) -> Option<Option<Problem>> {
    if key.referenced == key.defined {
        return None;
    }
    let used = span_of(key, base, yaml);
    // Point at the `<<` itself when it is on the line where the merge is used.
    let at = used.start - base;
    let line_start = yaml[..at].rfind('\n').map_or(0, |i| i + 1);
    let span = match yaml[line_start..at].rfind("<<") {
        Some(i) => base + line_start + i..base + line_start + i + 2,
        None => used,
    };
    if seen.contains(&span) {
        return Some(None);
    }
    seen.push(span.clone());
    Some(Some(
        Problem::new(
            Code::MergeKey,
            span,
            "YAML merge keys (`<<`) and aliases are not allowed in front matter",
            "merge key",
        )
        .help("write each field out in this file, so every value is checked"),
    ))
}

/// A problem for every name or string value holding a NUL character (the
/// API cannot store one; written `"\0"` or `"\x00"` in YAML).
fn nul_characters(node: &Spanned<Node>, base: usize, yaml: &str, problems: &mut Vec<Problem>) {
    match &node.value {
        Node::Str(s) if s.contains('\0') => problems.push(
            Problem::new(
                Code::NulCharacter,
                span_of(node, base, yaml),
                "text must not contain a NUL character (`\\0`)",
                "contains NUL",
            )
            .help("remove the `\\0` (or `\\x00`, `\\u0000`) escape"),
        ),
        Node::Seq(items) => {
            for item in items {
                nul_characters(item, base, yaml, problems);
            }
        }
        Node::Map(entries) => {
            for (k, v) in entries {
                nul_characters(k, base, yaml, problems);
                nul_characters(v, base, yaml, problems);
            }
        }
        _ => {}
    }
}

/// A YAML value with spans on every node.
#[derive(Debug)]
enum Node {
    Null,
    Bool(bool),
    Number,
    Str(String),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<Node>, Spanned<Node>)>),
}

impl Node {
    fn describe(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Number => "a number",
            Node::Str(_) => "a string",
            Node::Seq(_) => "a list",
            Node::Map(_) => "a mapping",
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Node, E> {
        Ok(Node::Number)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Node, E> {
        Ok(Node::Number)
    }

    fn visit_i128<E: de::Error>(self, _: i128) -> Result<Node, E> {
        Ok(Node::Number)
    }

    fn visit_u128<E: de::Error>(self, _: u128) -> Result<Node, E> {
        Ok(Node::Number)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Number)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Node::Map(entries))
    }
}

/// The file byte span of a spanned node (YAML offsets are relative to `base`).
fn span_of<T>(node: &Spanned<T>, base: usize, yaml: &str) -> Range<usize> {
    located(&node.referenced, base, yaml)
}

fn located(location: &serde_saphyr::Location, base: usize, yaml: &str) -> Range<usize> {
    let span = location.span();
    let to_usize = |v: Option<u64>| v.and_then(|v| usize::try_from(v).ok());
    // Parser errors carry only character positions; fall back to line/column.
    let start = to_usize(span.byte_offset())
        .unwrap_or_else(|| byte_at(yaml, location.line(), location.column()))
        .min(yaml.len());
    let len = to_usize(span.byte_len()).unwrap_or(0);
    let end = (start + len).min(yaml.len());
    base + start..base + end
}

/// The byte offset of a 1-based line and character column.
fn byte_at(yaml: &str, line: u64, column: u64) -> usize {
    let line_start = yaml
        .split_inclusive('\n')
        .take(usize::try_from(line.saturating_sub(1)).unwrap_or(usize::MAX))
        .map(str::len)
        .sum::<usize>();
    let skip = usize::try_from(column.saturating_sub(1)).unwrap_or(usize::MAX);
    yaml[line_start..]
        .char_indices()
        .nth(skip)
        .map_or(yaml.len(), |(i, _)| line_start + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(text: &str) -> Parsed {
        let split = split(text).unwrap();
        parse(text, split.yaml.unwrap())
    }

    fn token<'a>(text: &'a str, p: &Problem) -> &'a str {
        &text[p.span.clone()]
    }

    #[test]
    fn split_finds_front_matter_and_keeps_fenced_dashes_in_body() {
        let text = "---\ntitle: x\n---\n```yaml\n---\na: b\n```\n";
        let s = split(text).unwrap();
        assert_eq!(&text[s.yaml.unwrap()], "title: x\n");
        assert_eq!(&text[s.body_start..], "```yaml\n---\na: b\n```\n");
        let plain = "```\n---\n```\n";
        assert_eq!(
            split(plain).unwrap(),
            Split {
                yaml: None,
                body_start: 0
            }
        );
    }

    #[test]
    fn unterminated_front_matter() {
        let p = split("---\ntitle: x\nbody\n").unwrap_err();
        assert_eq!(p.code, Code::UnterminatedFrontMatter);
        assert_eq!(p.span, 0..3);
    }

    #[test]
    fn fields_parse_with_spans() {
        let text = "---\ntype: behavioral\ntitle: Hello there\nchannels: [web, email]\nsegments: [vip]\ndraft: true\nkey: a/b\nmetadata: { team: billing }\n---\nbody\n";
        let p = parse_all(text);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.front.kind, Some(TrainingType::Behavioral));
        assert_eq!(p.front.title.as_deref(), Some("Hello there"));
        assert_eq!(p.front.channels, Some(vec![Channel::Web, Channel::Email]));
        assert_eq!(p.front.segments, Some(vec!["vip".to_owned()]));
        assert_eq!(p.front.draft, Some(true));
        assert_eq!(p.front.key.as_deref(), Some("a/b"));
        assert_eq!(p.front.metadata.unwrap()["team"], "billing");
        assert_eq!(&text[p.spans.title.unwrap()], "Hello there");
        assert_eq!(&text[p.spans.key.unwrap()], "a/b");
    }

    #[test]
    fn every_field_problem_is_reported() {
        let text = "---\nchanels: [web]\ndraft: maybe\nchannels: [webb, web, web]\ntype: behavioural\nmetadata: { cxtrain_key: x }\ndraft: true\nkey: ../x\n---\nbody\n";
        let p = parse_all(text);
        let got: Vec<(Code, &str)> = p
            .problems
            .iter()
            .map(|p| (p.code, token(text, p)))
            .collect();
        assert_eq!(
            got,
            vec![
                (Code::UnknownKey, "chanels"),
                (Code::WrongType, "maybe"),
                (Code::UnknownChannel, "webb"),
                (Code::DuplicateChannel, "web"),
                (Code::UnknownType, "behavioural"),
                (Code::ReservedMetadataKey, "cxtrain_key"),
                (Code::DuplicateYamlKey, "draft"),
                (Code::KeyEscapesRoot, "../x"),
            ]
        );
        assert_eq!(
            p.problems[0].help.as_deref(),
            Some("did you mean `channels`?")
        );
        assert!(
            p.problems[2]
                .help
                .as_deref()
                .unwrap()
                .starts_with("did you mean `web`?")
        );
        assert_eq!(
            p.problems[4].help.as_deref(),
            Some("did you mean `behavioral`?")
        );
    }

    #[test]
    fn api_type_names_and_nulls_are_accepted() {
        let p = parse_all("---\ntype: SCENARIO_SPECIFIC\ntitle:\n---\nb\n");
        assert!(p.problems.is_empty());
        assert_eq!(p.front.kind, Some(TrainingType::ScenarioSpecific));
        assert_eq!(p.front.title, None);
    }

    #[test]
    fn malformed_and_non_mapping() {
        let text = "---\ntitle: ok\nsegments: vip: gold\n---\nb\n";
        let p = parse_all(text);
        assert!(!p.usable);
        assert_eq!(p.problems[0].code, Code::MalformedYaml);
        assert_eq!(p.problems[0].span.start, 27);
        let text = "---\n- title\n- x\n---\nb\n";
        let p = parse_all(text);
        assert_eq!(p.problems[0].code, Code::FrontMatterNotAMapping);
        assert_eq!(p.problems[0].span.start, 4);
    }

    #[test]
    fn merge_keys_are_refused_at_the_merge() {
        for text in [
            "---\n<<: {title: Merged title, draft: true}\nchannels: [web]\n---\nb\n",
            "---\nx: &b {title: T}\n<<: *b\n---\nb\n",
            "---\nmetadata:\n  <<: {team: a}\n  tier: b\n---\nb\n",
        ] {
            let p = parse_all(text);
            let merges: Vec<&Problem> = p
                .problems
                .iter()
                .filter(|p| p.code == Code::MergeKey)
                .collect();
            assert_eq!(merges.len(), 1, "{text} {:?}", p.problems);
            assert_eq!(token(text, merges[0]), "<<", "{text}");
            assert_eq!(p.front.title, None, "{text}: merged fields set nothing");
        }
    }

    #[test]
    fn nul_characters_are_refused_in_every_string() {
        let text =
            "---\ntitle: \"a\\0b\"\nkey: \"k\\x00\"\nmetadata: {team: \"t\\u0000\"}\n---\nb\n";
        let p = parse_all(text);
        let got: Vec<&str> = p
            .problems
            .iter()
            .filter(|p| p.code == Code::NulCharacter)
            .map(|p| token(text, p))
            .collect();
        assert_eq!(got, ["\"a\\0b\"", "\"k\\x00\"", "\"t\\u0000\""]);
    }

    #[test]
    fn duplicate_metadata_keys_are_refused() {
        let text = "---\nmetadata:\n  team: a\n  tier: x\n  team: b\n---\nb\n";
        let p = parse_all(text);
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
        let problem = &p.problems[0];
        assert_eq!(problem.code, Code::DuplicateYamlKey);
        assert_eq!(problem.span.start, text.rfind("team").unwrap());
        assert!(problem.help.as_deref().unwrap().ends_with("line 3)"));
        assert_eq!(p.front.metadata, None);
        let flow = "---\nmetadata: {team: a, team: b}\n---\nb\n";
        assert_eq!(parse_all(flow).problems[0].code, Code::DuplicateYamlKey);
    }

    #[test]
    fn bad_keys() {
        for (key, code) in [
            ("\"\"", Code::EmptyKey),
            ("/abs", Code::InvalidKey),
            ("'a\\b'", Code::InvalidKey),
            ("a//b", Code::InvalidKey),
            ("a/", Code::InvalidKey),
            ("./a/./b", Code::InvalidKey),
            ("a/ b", Code::InvalidKey),
            ("a/../../b", Code::KeyEscapesRoot),
            ("a/./b", Code::InvalidKey),
            ("\"C:\\\\x\"", Code::InvalidKey),
            ("\"a\\eb\"", Code::InvalidKey),
        ] {
            let p = parse_all(&format!("---\nkey: {key}\n---\nb\n"));
            assert_eq!(p.problems.len(), 1, "{key}");
            assert_eq!(p.problems[0].code, code, "{key}");
            assert_eq!(p.front.key, None);
        }
        let help = |key: &str| key::check(key).unwrap_err().help(key);
        assert_eq!(help("./a/./b"), "write it as `a/b`");
        assert_eq!(help("a//b/"), "write it as `a/b`");
        assert_eq!(help("/a\\b"), "write it as `a/b`");
        assert_eq!(key::check("billing/refund policy"), Ok(()));
    }
}
