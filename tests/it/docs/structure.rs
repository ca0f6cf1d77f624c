//! The guide holds together: every page `SUMMARY.md` lists exists and every
//! page is listed, every relative link and `#anchor` resolves, every file a
//! page cites exists, every shell example either runs or says why not, and
//! every error code cxtrain can print is explained in troubleshooting.

use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};

use super::examples::{segments, setup_name};
use super::pages::{self, Page};
use super::setups::SETUPS;

/// The pages `SUMMARY.md` links to, relative to `docs/src`.
fn summary_pages() -> Vec<String> {
    let summary = Page::read("docs/src/SUMMARY.md");
    links(&summary)
        .into_iter()
        .map(|(_, target)| target)
        .collect()
}

#[test]
fn summary_lists_every_page_and_every_listed_page_exists() {
    let listed: BTreeSet<String> = summary_pages()
        .into_iter()
        .map(|t| t.split('#').next().unwrap_or_default().to_owned())
        .collect();
    for page in &listed {
        assert!(
            pages::guide().join(page).is_file(),
            "SUMMARY.md lists {page}, which does not exist"
        );
    }
    for page in pages::guide_pages() {
        let rel = page.rel.strip_prefix("docs/src/").expect("in docs/src");
        if rel != "SUMMARY.md" {
            assert!(
                listed.contains(rel),
                "{} is not listed in docs/src/SUMMARY.md",
                page.rel
            );
        }
    }
}

#[test]
fn book_output_stays_out_of_git() {
    let ignore = std::fs::read_to_string(pages::root().join(".gitignore")).expect(".gitignore");
    assert!(ignore.lines().any(|l| l.trim() == "/docs/book/"));
    let book = std::fs::read_to_string(pages::root().join("docs/book.toml")).expect("book.toml");
    assert!(
        book.contains("src = \"src\""),
        "docs/book.toml names its source folder"
    );
}

/// The `[text](target)` links of a page outside code, with their 0-based
/// line.
fn links(page: &Page) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in prose_lines(page) {
        let prose = without_code_spans(line);
        let mut rest = prose.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].split_whitespace().next().unwrap_or_default();
            out.push((i, target.to_owned()));
            rest = &after[end..];
        }
    }
    out
}

/// The lines of a page outside fenced blocks, with their 0-based index.
fn prose_lines(page: &Page) -> Vec<(usize, &str)> {
    let blocks = page.blocks();
    page.lines()
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !pages::in_block(&blocks, *i))
        .collect()
}

/// `line` with every inline code span blanked out.
fn without_code_spans(line: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for c in line.chars() {
        if c == '`' {
            in_code = !in_code;
            out.push(' ');
        } else {
            out.push(if in_code { ' ' } else { c });
        }
    }
    out
}

/// The inline code spans of a page outside fenced blocks, with their line.
fn code_spans(page: &Page) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in prose_lines(page) {
        let parts: Vec<&str> = line.split('`').collect();
        out.extend(
            parts
                .iter()
                .skip(1)
                .step_by(2)
                .take(parts.len().saturating_sub(1) / 2)
                .map(|s| (i, (*s).to_owned())),
        );
    }
    out
}

/// The anchor ids of a page's headings, as mdBook (and GitHub) make them.
fn anchors(page: &Page) -> BTreeSet<String> {
    let blocks = page.blocks();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = BTreeSet::new();
    for (i, line) in page.lines().iter().enumerate() {
        if pages::in_block(&blocks, i) || !line.starts_with('#') {
            continue;
        }
        let text = line.trim_start_matches('#').trim();
        let id = anchor(text);
        let n = seen.entry(id.clone()).or_insert(0);
        out.insert(if *n == 0 {
            id.clone()
        } else {
            format!("{id}-{n}")
        });
        *n += 1;
    }
    out
}

/// A heading's anchor: link targets dropped, then lowercase letters, digits,
/// `-` and `_` kept and spaces turned into `-`.
fn anchor(heading: &str) -> String {
    let mut text = String::new();
    let mut rest = heading;
    while let Some(at) = rest.find("](") {
        text.push_str(&rest[..at]);
        rest = rest[at..].find(')').map_or("", |end| &rest[at + end + 1..]);
    }
    text.push_str(rest);
    text.chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c.to_ascii_lowercase())
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// `path` with `.` and `..` folded, without touching the file system.
fn normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[test]
fn every_relative_link_and_anchor_resolves() {
    let root = pages::root();
    let mut problems = Vec::new();
    for page in pages::all() {
        let folder = Path::new(&page.rel)
            .parent()
            .unwrap_or(Path::new(""))
            .to_owned();
        for (line, target) in links(&page) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, fragment) = target.split_once('#').unwrap_or((&target, ""));
            let rel = if file.is_empty() {
                PathBuf::from(&page.rel)
            } else {
                normal(&folder.join(file))
            };
            let at = page.at(line);
            if !root.join(&rel).exists() {
                problems.push(format!("{at}: `{target}` does not exist"));
                continue;
            }
            if page.rel.starts_with("docs/src/") && !rel.starts_with("docs/src") {
                problems.push(format!(
                    "{at}: `{target}` leaves docs/src, so it breaks in the built book; \
                     name the file in `code` instead"
                ));
            }
            if !fragment.is_empty() {
                let ids = anchors(&Page::read(&rel.to_string_lossy().replace('\\', "/")));
                if !ids.contains(fragment) {
                    problems.push(format!(
                        "{at}: no heading `#{fragment}` in {}",
                        rel.display()
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

/// Top-level folders of the repository whose files the docs cite by path.
const CITED: &[&str] = &[
    "src/",
    "tests/",
    "examples/",
    "action/",
    "benches/",
    "schema/",
    "docs/",
    "fuzz/",
    ".github/",
    ".ci/",
];

/// Paths the docs name in the user's trainings repository, not in this one.
const IN_USERS_REPOSITORY: &[&str] = &[".github/workflows/cxtrain.yml"];

#[test]
fn every_cited_repository_file_exists() {
    let mut problems = Vec::new();
    for page in pages::all() {
        for (line, span) in code_spans(&page) {
            let path = span.trim_end_matches(['/', ':']);
            let cited = CITED.iter().any(|d| span.starts_with(d))
                && !span.contains([' ', '*', '<', '{', '…', '$'])
                && !span.contains("NAME")
                && !span.contains("/.cxtrain")
                && !IN_USERS_REPOSITORY.contains(&span.as_str());
            if cited && !pages::root().join(path).exists() {
                problems.push(format!("{}: `{span}` does not exist", page.at(line)));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "cited files missing:\n{}",
        problems.join("\n")
    );
}

#[test]
fn shell_examples_run_or_say_why_not() {
    let known: BTreeSet<&str> = SETUPS.iter().map(|(name, _)| *name).collect();
    let mut problems = Vec::new();
    let mut ignored = 0;
    for page in pages::all() {
        let lines = page.lines();
        for (i, line) in lines.iter().enumerate() {
            if let Some(name) = setup_name(line)
                && !known.contains(name)
            {
                problems.push(format!("{}: unknown setup `{name}`", page.at(i)));
            }
        }
        let blocks = page.blocks();
        let (_, orphans) = segments(&page);
        for b in orphans {
            problems.push(format!(
                "{}: a console block with no `<!-- setup: NAME -->` above it",
                page.at(blocks[b].open)
            ));
        }
        for b in &blocks {
            let at = page.at(b.open);
            if matches!(b.lang(), "sh" | "bash" | "shell" | "zsh") {
                problems.push(format!(
                    "{at}: write shell examples as `console` blocks (`$ ` before each command)"
                ));
            } else if b.lang() == "console" && b.ignored() {
                let reason = b.open.checked_sub(1).map(|p| lines[p].trim());
                if !reason.is_some_and(|r| r.starts_with("<!-- not run:") && r.ends_with("-->")) {
                    problems.push(format!(
                        "{at}: an ignored console block needs `<!-- not run: WHY -->` on the line above"
                    ));
                }
                ignored += 1;
            } else if b.lang() != "console" && b.body.iter().any(|l| l.starts_with("$ ")) {
                problems.push(format!("{at}: a `$ ` command outside a console block"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "shell examples:\n{}",
        problems.join("\n")
    );
    eprintln!("{ignored} console blocks are marked `not run`");
}

/// Every diagnostic code the source defines: `code(cxtrain::...)` in
/// `src/`, and validate's problem codes.
fn diagnostic_codes() -> BTreeSet<String> {
    let mut codes: BTreeSet<String> = cxtrain::workspace::problem::Code::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    for entry in walkdir::WalkDir::new(pages::root().join("src")) {
        let entry = entry.expect("walk src");
        if entry.path().extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).expect("read source");
        for part in text.split("code(cxtrain::").skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '-'))
                .collect();
            codes.insert(format!("cxtrain::{name}"));
        }
    }
    codes
}

#[test]
fn troubleshooting_explains_every_error_code() {
    let page = Page::read("docs/src/troubleshooting.md");
    let documented: BTreeSet<String> = code_spans(&page).into_iter().map(|(_, s)| s).collect();
    let codes = diagnostic_codes();
    assert!(codes.len() > 80, "found only {} codes", codes.len());
    let missing: Vec<&String> = codes.iter().filter(|c| !documented.contains(*c)).collect();
    assert!(
        missing.is_empty(),
        "docs/src/troubleshooting.md does not explain: {missing:?}"
    );
    let stale: Vec<&String> = documented
        .iter()
        .filter(|s| s.starts_with("cxtrain::") && !s.ends_with("...") && !codes.contains(*s))
        .collect();
    assert!(
        stale.is_empty(),
        "troubleshooting names codes cxtrain no longer has: {stale:?}"
    );
}

/// The source of `src/`, each file without its `#[cfg(test)]` module.
fn library_sources() -> Vec<(PathBuf, String)> {
    walkdir::WalkDir::new(pages::root().join("src"))
        .into_iter()
        .map(|entry| entry.expect("walk src").into_path())
        .filter(|path| path.extension().is_some_and(|x| x == "rs"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("read source");
            let code = match text.find("#[cfg(test)]\nmod tests") {
                Some(at) => text[..at].to_owned(),
                None => text,
            };
            (path, code)
        })
        .collect()
}

/// Each error shape (a struct, or an enum's variant) of every type deriving
/// `miette::Diagnostic` in `code`: its name and the attribute lines above it.
fn diagnostic_shapes(code: &str) -> Vec<(String, String)> {
    let mut shapes = Vec::new();
    for (at, _) in code.match_indices("\n#[derive(") {
        let rest = &code[at + 1..];
        if !rest
            .lines()
            .next()
            .is_some_and(|l| l.ends_with("Diagnostic)]"))
        {
            continue;
        }
        let item = rest
            .lines()
            .skip(1)
            .position(|l| l.starts_with("pub struct") || l.starts_with("pub enum"))
            .expect("a derive precedes an item");
        let lines: Vec<&str> = rest.lines().skip(1).collect();
        let header = lines[..item].join("\n");
        let name = lines[item].split_whitespace().nth(2).unwrap_or_default();
        if lines[item].starts_with("pub struct") {
            shapes.push((name.trim_end_matches(['{', '(', ';']).to_owned(), header));
            continue;
        }
        let mut attributes = String::new();
        for line in &lines[item + 1..] {
            if *line == "}" {
                break;
            }
            let variant = line
                .strip_prefix("    ")
                .filter(|v| v.starts_with(char::is_uppercase));
            match variant {
                Some(variant) => {
                    let variant: String = variant
                        .chars()
                        .take_while(|c| c.is_alphanumeric())
                        .collect();
                    shapes.push((
                        format!("{name}::{variant}"),
                        std::mem::take(&mut attributes),
                    ));
                }
                None if line.starts_with("    }") || line.starts_with("    ///") => {
                    attributes.clear();
                }
                None => {
                    attributes.push_str(line);
                    attributes.push('\n');
                }
            }
        }
    }
    shapes
}

/// Troubleshooting promises a code on every error: each error type the
/// library can print names one (or forwards another's, `transparent`).
#[test]
fn every_error_type_names_its_code() {
    let mut missing = Vec::new();
    let mut seen = 0;
    for (path, code) in library_sources() {
        for (name, attributes) in diagnostic_shapes(&code) {
            seen += 1;
            if !attributes.contains("code(cxtrain::") && !attributes.contains("transparent") {
                missing.push(format!("{}: {name}", path.display()));
            }
        }
    }
    assert!(seen > 80, "found only {seen} error shapes");
    assert!(missing.is_empty(), "errors without a code: {missing:#?}");
}

#[test]
fn anchors_are_made_like_mdbook_makes_them() {
    assert_eq!(anchor("Exit codes"), "exit-codes");
    assert_eq!(anchor("`cxtrain plan`: the plan"), "cxtrain-plan-the-plan");
    assert_eq!(
        anchor("[Unverified](x.md) endpoints"),
        "unverified-endpoints"
    );
    let page = Page {
        rel: "x.md".into(),
        text: "# A\n```\n# not a heading\n```\n## A\n".into(),
    };
    assert_eq!(
        anchors(&page),
        BTreeSet::from(["a".to_owned(), "a-1".to_owned()])
    );
}
