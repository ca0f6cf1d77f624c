//! One file → one canonical training: decode, split the front matter, check
//! its fields, resolve the title, normalise the content, apply defaults.

use std::ops::Range;
use std::sync::Arc;

use super::body::{self, leading_blank_lines};
use super::frontmatter;
use super::problem::{Code, Problem};
use super::{LocalTraining, Scope};
use crate::config::Config;
use crate::model::{StateHash, Training};
use crate::repo_path::RepoPath;
use crate::suggest::did_you_mean;

/// Files larger than this are not read.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Where the title came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TitleSource {
    /// Front matter `title`.
    FrontMatter,
    /// The level-1 heading opening the body (stripped from the content).
    Heading,
    /// The file name, humanised.
    FileName,
}

/// Spans the whole-corpus and limit rules point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spans {
    /// The title's value (empty at 0 when it came from the file name).
    pub title: Range<usize>,
    /// Where the title came from.
    pub title_source: TitleSource,
    /// The content in the file text.
    pub content: Range<usize>,
    /// The `key` value (empty at 0 when the key is the path).
    pub key: Range<usize>,
}

/// A file that produced a training (possibly with problems).
#[derive(Debug, Clone)]
pub struct ParsedFile {
    /// The training.
    pub local: LocalTraining,
    /// Where its parts are.
    pub spans: Spans,
}

/// Everything known about one file after parsing.
#[derive(Debug, Clone)]
pub struct FileOutcome {
    /// The file, below the repository.
    pub path: RepoPath,
    /// The decoded text (BOM removed; lossy when the file is not UTF-8).
    pub source: Arc<str>,
    /// The training, when the file could be understood.
    pub parsed: Option<ParsedFile>,
    /// Problems found in this file alone.
    pub problems: Vec<Problem>,
}

impl FileOutcome {
    /// An outcome with one problem and no training.
    pub fn failed(path: RepoPath, source: Arc<str>, problem: Problem) -> FileOutcome {
        FileOutcome {
            path,
            source,
            parsed: None,
            problems: vec![problem],
        }
    }
}

/// Parses a file's bytes. `rel` is the path below the root, `path` below
/// the repository.
pub fn parse_file(path: RepoPath, rel: &RepoPath, bytes: &[u8], config: &Config) -> FileOutcome {
    let file_hash = StateHash::of_bytes(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let at = e.valid_up_to();
            let shown: Vec<String> = invalid_run(&bytes[at..])
                .iter()
                .map(|b| format!("{b:02X}"))
                .collect();
            let source: Arc<str> = String::from_utf8_lossy(bytes).into();
            let problem = Problem::new(
                Code::InvalidUtf8,
                at..at,
                format!("file is not valid UTF-8 (bytes {})", shown.join(" ")),
                "invalid bytes start here",
            )
            .help("re-save the file as UTF-8");
            return FileOutcome::failed(path, source, problem);
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let source: Arc<str> = text.into();
    let split = match frontmatter::split(text) {
        Ok(split) => split,
        Err(problem) => return FileOutcome::failed(path, source, problem),
    };
    let Some(yaml) = split.yaml.clone() else {
        let problem = no_front_matter(text, rel);
        return FileOutcome::failed(path, source, problem);
    };
    let parsed = frontmatter::parse(text, yaml);
    let mut problems = parsed.problems;
    if !parsed.usable {
        return FileOutcome {
            path,
            source,
            parsed: None,
            problems,
        };
    }
    problems.extend(environment_problems(
        parsed.front.environments.as_deref(),
        &parsed.spans,
        config,
    ));
    let front = parsed.front;
    let body_text = &text[split.body_start..];
    let stem = rel.file_name().trim_end_matches(".md");
    let (title, title_span, title_source, content_from) = match (&front.title, parsed.spans.title) {
        (Some(t), Some(span)) => (t.trim().to_owned(), span, TitleSource::FrontMatter, 0),
        _ => match body::leading_h1(body_text) {
            Some(h) => {
                let span = split.body_start + h.span.start..split.body_start + h.span.end;
                (h.text, span, TitleSource::Heading, h.span.end)
            }
            None => (body::humanize(stem), 0..0, TitleSource::FileName, 0),
        },
    };
    let rest = &body_text[content_from..];
    let content = body::normalize(rest);
    let content_start = split.body_start + content_from + leading_blank_lines(rest);
    let content_span = content_start..content_start + text[content_start..].trim_end().len();
    let folder = rel.parent();
    let (key, key_span) = match (front.key, parsed.spans.key) {
        (Some(k), Some(span)) => (k, span),
        _ => (rel.as_str().trim_end_matches(".md").to_owned(), 0..0),
    };
    if let Some(at) = body_text.find('\0') {
        let at = split.body_start + at;
        problems.push(
            Problem::new(
                Code::NulCharacter,
                at..at + 1,
                "the content contains a NUL character",
                "NUL here",
            )
            .help("remove it; NUL bytes usually come from a binary file or a bad copy-paste"),
        );
    }
    if content.trim().is_empty() {
        problems.push(
            Problem::new(
                Code::EmptyBody,
                split.body_start..split.body_start,
                "the training has no content",
                "body is empty",
            )
            .help("write the instructions for the AI below the front matter"),
        );
    }
    let scope = Scope {
        folder,
        draft: front.draft,
        kind: front.kind,
        environments: front.environments.map(|e| e.into_iter().collect()),
    };
    let mut training = Training {
        key,
        title,
        content,
        kind: config.defaults.kind,
        channels: front.channels.unwrap_or_default().into_iter().collect(),
        segments: front.segments.unwrap_or_default().into_iter().collect(),
        draft: config.defaults.draft,
        directory_id: None,
        metadata: front.metadata.unwrap_or_default(),
    };
    scope.resolve(&mut training, config);
    FileOutcome {
        parsed: Some(ParsedFile {
            local: LocalTraining {
                path: path.clone(),
                file_hash,
                training,
                scope,
            },
            spans: Spans {
                title: title_span,
                title_source,
                content: content_span,
                key: key_span,
            },
        }),
        path,
        source,
        problems,
    }
}

/// Problems with a file's `environments` list: names the config does not
/// define, and an empty list (a training in no environment at all).
fn environment_problems(
    names: Option<&[String]>,
    spans: &frontmatter::FieldSpans,
    config: &Config,
) -> Vec<Problem> {
    let Some(names) = names else {
        return Vec::new();
    };
    if names.is_empty() {
        return vec![
            Problem::new(
                Code::UnknownEnvironment,
                spans.environments.clone().unwrap_or(0..0),
                "`environments` is empty: the training would live in no environment",
                "empty list",
            )
            .help("list the environments it lives in, or remove the line to put it in all"),
        ];
    }
    let defined: Vec<&str> = config.environments.keys().map(String::as_str).collect();
    names
        .iter()
        .zip(&spans.environment_names)
        .filter(|(name, _)| !config.environments.contains_key(*name))
        .map(|(name, span)| {
            let help = if defined.is_empty() {
                "cxtrain.toml defines no environments: add `[environments.NAME]` tables, or \
                 remove `environments`"
                    .to_owned()
            } else {
                match did_you_mean(name, defined.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`? defined: {}", defined.join(", ")),
                    None => format!("defined: {}", defined.join(", ")),
                }
            };
            Problem::new(
                Code::UnknownEnvironment,
                span.clone(),
                format!("unknown environment `{name}`"),
                "not an environment in cxtrain.toml",
            )
            .help(help)
        })
        .collect()
}

/// A `.md` file without front matter is not a training (a `NOTES.md` with
/// "ask Ana about refunds" must never be published): the problem names the
/// ways to make it one, or to keep it out.
fn no_front_matter(text: &str, rel: &RepoPath) -> Problem {
    let first_line = text.find('\n').map_or(text.len(), |i| i);
    let first_line = text[..first_line].trim_end_matches('\r').len();
    let name = rel.file_name();
    Problem::new(
        Code::NoFrontMatter,
        0..first_line,
        "the file has no front matter, so it is not a training",
        "expected a `---` line here",
    )
    .help(format!(
        "to make it a training, start it with front matter (a `---` line, `title: ...`, \
         a `---` line); to keep it out, rename it `_{name}`, or add `\"{rel}\"` to \
         `ignore` in cxtrain.toml"
    ))
}

/// The invalid bytes at the start of `bytes`, up to the next valid character
/// (at most 8, enough to recognise an encoding).
fn invalid_run(bytes: &[u8]) -> &[u8] {
    let mut end = 0;
    while end < bytes.len().min(8) {
        match std::str::from_utf8(&bytes[end..]) {
            Err(e) if e.valid_up_to() == 0 => end += e.error_len().unwrap_or(bytes.len() - end),
            _ => break,
        }
    }
    &bytes[..end.min(bytes.len())]
}

/// What the workspace's unit tests parse with.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    /// A config without a workspace whose `billing` folder maps to `dir_b`.
    pub(crate) fn config() -> Config {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Config::load(dir.path(), None).unwrap();
        c.directories.insert("billing".into(), "dir_b".into());
        c
    }

    /// Parses `text` as the file `rel` below the `trainings` root.
    pub(crate) fn parse(rel: &str, text: &str, config: &Config) -> FileOutcome {
        let path = format!("trainings/{rel}").parse().unwrap();
        parse_file(path, &rel.parse().unwrap(), text.as_bytes(), config)
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::config;
    use super::*;
    use crate::model::{Channel, TrainingType};

    fn parse(rel: &str, text: &str) -> FileOutcome {
        fixtures::parse(rel, text, &config())
    }

    fn training(rel: &str, text: &str) -> ParsedFile {
        let out = parse(rel, text);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        out.parsed.unwrap()
    }

    #[test]
    fn full_file() {
        let text = "---\ntitle: Refund late\nchannels: [email, web]\ndraft: true\n---\nApologise and offer credit.\n";
        let p = training("billing/refund.md", text);
        let t = &p.local.training;
        assert_eq!(t.key, "billing/refund");
        assert_eq!(t.title, "Refund late");
        assert_eq!(t.content, "Apologise and offer credit.");
        assert_eq!(
            t.channels,
            [Channel::Web, Channel::Email].into_iter().collect()
        );
        assert!(t.draft);
        assert_eq!(t.kind, TrainingType::ScenarioSpecific);
        assert_eq!(t.directory_id.as_deref(), Some("dir_b"));
        assert_eq!(p.local.path.as_str(), "trainings/billing/refund.md");
        assert_eq!(p.local.file_hash, StateHash::of_bytes(text.as_bytes()));
        assert_eq!(&text[p.spans.title], "Refund late");
        assert_eq!(&text[p.spans.content], "Apologise and offer credit.");
    }

    #[test]
    fn title_from_heading_is_stripped_from_content() {
        let p = training(
            "faq.md",
            "---\n---\n# Where is my order?\n\nCheck the tracking page first.\n",
        );
        assert_eq!(p.local.training.title, "Where is my order?");
        assert_eq!(p.local.training.content, "Check the tracking page first.");
        assert_eq!(p.spans.title_source, TitleSource::Heading);
        assert_eq!(p.local.training.directory_id, None);
    }

    #[test]
    fn title_from_file_name() {
        let p = training(
            "refund-after-30-days.md",
            "---\ndraft: false\n---\nOffer store credit instead.",
        );
        assert_eq!(p.local.training.title, "Refund after 30 days");
        assert_eq!(p.spans.title_source, TitleSource::FileName);
    }

    #[test]
    fn unusual_but_valid_files_normalise_identically() {
        let plain = training(
            "x.md",
            "---\ntitle: Émoji 🚚 title\n---\nLine one\nLine two\n",
        );
        for variant in [
            "\u{feff}---\ntitle: Émoji 🚚 title\n---\nLine one\nLine two\n",
            "---\r\ntitle: Émoji 🚚 title\r\n---\r\nLine one\r\nLine two\r\n",
            "---\ntitle: Émoji 🚚 title\n---\nLine one\nLine two",
            "---\ntitle: Émoji 🚚 title\n---\nLine one\nLine two   \n",
        ] {
            let p = training("x.md", variant);
            assert_eq!(p.local.training, plain.local.training, "{variant:?}");
        }
    }

    #[test]
    fn fenced_dashes_at_body_start() {
        let text =
            "---\ntitle: Config sample\n---\n```yaml\n---\nkey: value\n```\nThat is the format.\n";
        let p = training("x.md", text);
        assert_eq!(
            p.local.training.content,
            "```yaml\n---\nkey: value\n```\nThat is the format."
        );
        let no_front = parse("x.md", "```\n---\n```\nExplain this block.\n");
        assert_eq!(no_front.problems[0].code, Code::NoFrontMatter);
    }

    #[test]
    fn a_file_without_front_matter_is_not_a_training() {
        for text in [
            "Ask Ana about refunds.\r\nAnd more.",
            "",
            "# Notes\n\nstuff",
        ] {
            let out = parse("team/NOTES.md", text);
            assert!(out.parsed.is_none(), "{text:?}");
            let codes: Vec<Code> = out.problems.iter().map(|p| p.code).collect();
            assert_eq!(codes, [Code::NoFrontMatter], "{text:?}");
            let first_line = text.lines().next().unwrap_or_default().trim_end();
            assert_eq!(&text[out.problems[0].span.clone()], first_line);
            let help = out.problems[0].help.as_deref().unwrap();
            for fix in [
                "front matter",
                "`_NOTES.md`",
                "`\"team/NOTES.md\"`",
                "`ignore`",
            ] {
                assert!(help.contains(fix), "{help}");
            }
        }
    }

    #[test]
    fn nul_in_the_body_is_an_error_at_its_byte() {
        let text = "---\ntitle: Refund window\n---\nOffer\0 credit.\n";
        let out = parse("x.md", text);
        let nul: Vec<_> = out
            .problems
            .iter()
            .filter(|p| p.code == Code::NulCharacter)
            .collect();
        assert_eq!(nul.len(), 1);
        assert_eq!(&text[nul[0].span.clone()], "\0");
    }

    #[test]
    fn invalid_utf8_points_at_first_bad_byte() {
        let out = parse_file(
            "p".parse().unwrap(),
            &"p.md".parse().unwrap(),
            b"---\ntitle: ok\n---\ncaf\xff\xfe\n",
            &config(),
        );
        assert_eq!(out.problems[0].code, Code::InvalidUtf8);
        assert_eq!(out.problems[0].span, 21..21);
        assert!(
            out.problems[0].message.contains("bytes FF FE)"),
            "{}",
            out.problems[0].message
        );
        assert!(out.parsed.is_none());
    }

    #[test]
    fn empty_body_is_one_problem() {
        let out = parse("x.md", "---\ntitle: Something\n---\n  \n\t\n\n");
        let codes: Vec<Code> = out.problems.iter().map(|p| p.code).collect();
        assert_eq!(codes, vec![Code::EmptyBody]);
        assert_eq!(out.problems[0].span.start, 25);
    }

    proptest::proptest! {
        #[test]
        fn any_input_gives_problems_not_panics(
            front in "(title|key|channels|draft|x|-|:|\\[|\\]|\"|é| |\n){0,40}",
            body in "[a-z#\\-` \r\n]{0,30}",
        ) {
            let text = format!("---\n{front}\n---\n{body}");
            let p: RepoPath = "p.md".parse().unwrap();
            let out = parse_file(p.clone(), &p, text.as_bytes(), &config());
            for p in &out.problems {
                proptest::prop_assert!(out.source.get(p.span.clone()).is_some(), "{p:?}");
            }
            proptest::prop_assert!(out.parsed.is_some() || !out.problems.is_empty());
        }
    }
}
