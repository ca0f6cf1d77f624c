//! A diagnostic made inert before miette renders it. Every piece of text an
//! error carries — its message, help, labels, causes, related reports and
//! source snippet — may hold untrusted text (a server's message, a remote
//! title, a file's bytes), so each is escaped with [`crate::text`], and the
//! labels' spans are moved onto the escaped source.

use std::fmt;

use miette::{Diagnostic, LabeledSpan, NamedSource, Severity, SourceCode, SourceSpan};

use crate::text::{escape, escape_line, escape_source};

/// An owned, escaped copy of a diagnostic, to render in its place.
#[derive(Debug)]
pub(crate) struct Inert {
    message: String,
    code: Option<String>,
    severity: Option<Severity>,
    help: Option<String>,
    url: Option<String>,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Inert>,
    cause: Option<Cause>,
}

/// What a diagnostic says caused it: another diagnostic, rendered as one,
/// or a plain error.
#[derive(Debug)]
enum Cause {
    Diagnostic(Box<Inert>),
    Error(Box<Plain>),
}

/// A plain error in a cause chain: its escaped message and its own cause.
#[derive(Debug)]
struct Plain {
    message: String,
    source: Option<Box<Plain>>,
}

impl Inert {
    /// The escaped copy of `d`.
    pub(crate) fn new(d: &dyn Diagnostic) -> Inert {
        let (source, map) = match d.source_code().and_then(whole_text) {
            Some((name, text)) => {
                let (escaped, map) = escape_source(&text);
                let escaped = escaped.into_owned();
                let source = match name {
                    Some(name) => NamedSource::new(name, escaped),
                    None => NamedSource::new("", escaped),
                };
                (Some(source), map)
            }
            None => (None, None),
        };
        let moved = |span: &SourceSpan| -> SourceSpan {
            let Some(map) = &map else {
                return *span;
            };
            let at = |offset: usize| map[offset.min(map.len() - 1)];
            let start = at(span.offset());
            (start, at(span.offset() + span.len()) - start).into()
        };
        let labels = d
            .labels()
            .into_iter()
            .flatten()
            .map(|l| {
                let label = l.label().map(|t| escape_line(t).into_owned());
                let span = moved(l.inner());
                if l.primary() {
                    LabeledSpan::new_primary_with_span(label, span)
                } else {
                    LabeledSpan::new_with_span(label, span)
                }
            })
            .collect();
        let cause = match d.diagnostic_source() {
            Some(cause) => Some(Cause::Diagnostic(Box::new(Inert::new(cause)))),
            None => d.source().map(|e| Cause::Error(Box::new(Plain::new(e)))),
        };
        Inert {
            message: escape(&d.to_string()).into_owned(),
            code: d.code().map(|c| escape_line(&c.to_string()).into_owned()),
            severity: d.severity(),
            help: d.help().map(|h| escape(&h.to_string()).into_owned()),
            url: d.url().map(|u| escape_line(&u.to_string()).into_owned()),
            source,
            labels,
            related: d.related().into_iter().flatten().map(Inert::new).collect(),
            cause,
        }
    }
}

impl Plain {
    fn new(e: &dyn std::error::Error) -> Plain {
        Plain {
            message: escape(&e.to_string()).into_owned(),
            source: e.source().map(|s| Box::new(Plain::new(s))),
        }
    }
}

/// The source's name (when it has one) and its whole text, as the labels'
/// offsets count it.
fn whole_text(source: &dyn SourceCode) -> Option<(Option<String>, String)> {
    // With unbounded context either side, a span at the start reads it all.
    let contents = source
        .read_span(&SourceSpan::from(0..0), usize::MAX, usize::MAX)
        .ok()?;
    let text = String::from_utf8_lossy(contents.data()).into_owned();
    Some((contents.name().map(|n| escape_line(n).into_owned()), text))
}

impl fmt::Display for Inert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Plain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Inert {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self.cause.as_ref()? {
            Cause::Diagnostic(d) => Some(d.as_ref()),
            Cause::Error(e) => Some(e.as_ref()),
        }
    }
}

impl std::error::Error for Plain {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

impl Diagnostic for Inert {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<Severity> {
        self.severity
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.url
            .as_ref()
            .map(|u| Box::new(u) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        (!self.related.is_empty()).then(|| {
            Box::new(self.related.iter().map(|r| r as &dyn Diagnostic))
                as Box<dyn Iterator<Item = &'a dyn Diagnostic>>
        })
    }

    fn diagnostic_source(&self) -> Option<&dyn Diagnostic> {
        match self.cause.as_ref()? {
            Cause::Diagnostic(d) => Some(d.as_ref()),
            Cause::Error(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error, miette::Diagnostic)]
    #[error("server said: {0}")]
    #[diagnostic(code(test::hostile), help("help \u{1b}[31m{0}"))]
    struct Hostile(String, #[source] std::io::Error);

    #[derive(Debug, thiserror::Error, miette::Diagnostic)]
    #[error("bad file")]
    struct InFile {
        #[source_code]
        src: NamedSource<String>,
        #[label("here \u{7}")]
        at: SourceSpan,
    }

    fn rendered(d: &dyn Diagnostic) -> String {
        let mut out = String::new();
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .render_report(&mut out, &Inert::new(d))
            .unwrap();
        out
    }

    #[test]
    fn every_text_is_escaped() {
        let e = Hostile(
            "\u{1b}]52;c;cHduZWQ=\u{7}".into(),
            std::io::Error::other("::error::cause\u{9b}"),
        );
        let out = rendered(&e);
        assert!(!out.chars().any(crate::text::is_unsafe), "{out:?}");
        assert!(
            out.contains("server said: \\u{1b}]52;c;cHduZWQ=\\u{7}"),
            "{out}"
        );
        assert!(out.contains("\\u{3a}:error::cause\\u{9b}"), "{out}");
        assert!(out.contains("help \\u{1b}[31m\\u{1b}]52"), "{out}");
    }

    #[test]
    fn labels_follow_the_escaped_source() {
        let text = "a: \u{1b}[2J\nbad: value\n";
        let e = InFile {
            src: NamedSource::new("f\u{1b}.md", text.to_owned()),
            at: (text.find("value").unwrap(), 5).into(),
        };
        let out = rendered(&e);
        assert!(!out.chars().any(crate::text::is_unsafe), "{out:?}");
        assert!(out.contains("[f\\u{1b}.md:2:6]"), "{out}");
        assert!(out.contains("a: \\u{1b}[2J"), "{out}");
        assert!(out.contains("here \\u{7}"), "{out}");
        // The label still points at `value`.
        let mut lines = out.lines().skip_while(|l| !l.contains("bad: value"));
        let (line, under) = (lines.next().unwrap(), lines.next().unwrap());
        let col = line[..line.find("value").unwrap()].chars().count();
        let marks: String = under.chars().skip(col).take(5).collect();
        assert_eq!(marks, "──┬──", "{out}");
    }
}
