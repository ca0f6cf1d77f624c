//! Rules over one parsed file that need the config: length limits.

use std::ops::Range;

use crate::config::Config;
use crate::workspace::parse::{ParsedFile, TitleSource};
use crate::workspace::problem::{Code, Problem};

pub use crate::model::{CONTENT_MIN, TITLE_MIN};

/// Problems of one file that depend on the config.
pub fn check(file: &ParsedFile, source: &str, config: &Config) -> Vec<Problem> {
    let mut out = Vec::new();
    let t = &file.local.training;
    let title_len = t.title.trim().chars().count();
    let title_span = file.spans.title.clone();
    let from_name = file.spans.title_source == TitleSource::FileName;
    let where_from = match file.spans.title_source {
        TitleSource::FrontMatter => "",
        TitleSource::Heading => " (from the leading heading)",
        TitleSource::FileName => " (from the file name)",
    };
    if title_len < TITLE_MIN {
        let mut p = Problem::new(
            Code::TitleTooShort,
            title_span.clone(),
            format!(
                "title{where_from} has {title_len} characters; at least {TITLE_MIN} are required"
            ),
            "title too short",
        );
        p.help = Some(if from_name {
            "add `title: ...` to the front matter".to_owned()
        } else {
            "write a title that says what the customer asks".to_owned()
        });
        out.push(p);
    } else if title_len > config.limits.title_max {
        out.push(
            Problem::new(
                Code::TitleTooLong,
                title_span,
                format!(
                    "title{where_from} has {title_len} characters; the limit is {}",
                    config.limits.title_max
                ),
                "title too long",
            )
            .help("shorten it, or raise `[limits] title_max` in cxtrain.toml"),
        );
    }
    let content_len = t.content.chars().count();
    let first_line = first_line(source, file.spans.content.clone());
    if t.content.trim().is_empty() {
        return out;
    }
    if content_len < CONTENT_MIN {
        out.push(
            Problem::new(
                Code::ContentTooShort,
                file.spans.content.clone(),
                format!(
                    "content has {content_len} characters; at least {CONTENT_MIN} are required"
                ),
                "content too short",
            )
            .help("describe what the AI should do in this situation"),
        );
    } else if content_len > config.limits.content_max {
        out.push(
            Problem::new(
                Code::ContentTooLong,
                first_line,
                format!(
                    "content has {content_len} characters; the limit is {}",
                    config.limits.content_max
                ),
                "content starts here",
            )
            .help(
                "split it into several trainings, or raise `[limits] content_max` in cxtrain.toml",
            ),
        );
    }
    out
}

/// The first line of a span (labels on long bodies stay one line).
pub fn first_line(source: &str, span: Range<usize>) -> Range<usize> {
    let text = source.get(span.clone()).unwrap_or_default();
    let len = text.find('\n').unwrap_or(text.len());
    span.start..span.start + text[..len].trim_end().len()
}
