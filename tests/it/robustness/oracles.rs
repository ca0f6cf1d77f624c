//! What every reader of untrusted bytes promises, whatever the bytes: a
//! value or a diagnostic, never a panic; every span inside the text it
//! points into; and nothing printed from it carrying raw control characters
//! or GitHub workflow commands. One function per entry point, panicking on a
//! broken promise.
//!
//! Shared by the proptests in `tests/it/robustness.rs` and the fuzz targets
//! in `fuzz/`, which include this file with `#[path]`.

use std::path::Path;
use std::sync::{Arc, LazyLock};

use cxtrain::apply::calls;
use cxtrain::config::{Config, ConfigError};
use cxtrain::plan::file::PlanFile;
use cxtrain::remote::api;
use cxtrain::remote::managed::{ManagedTraining, observed_hash};
use cxtrain::render::{Paint, diagnostics, plan_human, plan_json, plan_markdown};
use cxtrain::repo_path::RepoPath;
use cxtrain::validate::diagnostic::Sources;
use cxtrain::validate::{self, Diagnostic, Report};
use cxtrain::workspace::parse::parse_file;
use cxtrain::workspace::write::reformat;

/// The repository path of the file under test, and its path below the root.
const PATH: &str = "trainings/billing/x.md";
const REL: &str = "billing/x.md";

/// [`PATH`] and [`REL`] as paths.
fn paths() -> (RepoPath, RepoPath) {
    (
        PATH.parse().expect("a repository path"),
        REL.parse().expect("a path below the root"),
    )
}

/// The defaults, with `billing` mapped (so the file's folder is valid), read
/// without a config file or a repository on disk.
static CONFIG: LazyLock<Config> = LazyLock::new(|| {
    let mut config = Config::parse(Path::new("/nonexistent"), Path::new("cxtrain.toml"), None)
        .expect("the defaults are a config");
    config
        .directories
        .insert("billing".to_owned(), "dir_billing".to_owned());
    config
});

/// What every file is checked against: [`CONFIG`] alone, as it defines no
/// environments.
static ENVIRONMENTS: LazyLock<Vec<Config>> = LazyLock::new(|| CONFIG.every_environment());

/// A scenario file's bytes: parsed into a training and/or problems, every
/// span inside the decoded text, every diagnostic rendered cleanly in all
/// three formats, and `fmt`'s rewrite of a valid file meaning the same.
pub fn scenario_file(data: &[u8]) {
    let (path, rel) = paths();
    let outcome = parse_file(path.clone(), &rel, data, &CONFIG);
    let source = &outcome.source;
    assert!(
        outcome.parsed.is_some() || !outcome.problems.is_empty(),
        "neither a training nor a problem"
    );
    if let Some(parsed) = &outcome.parsed {
        for (what, span) in [
            ("title", &parsed.spans.title),
            ("content", &parsed.spans.content),
            ("key", &parsed.spans.key),
        ] {
            assert!(
                source.get(span.clone()).is_some(),
                "{what} span {span:?} outside the text"
            );
        }
    }
    let problems = validate::file_problems(&outcome, &CONFIG, &ENVIRONMENTS);
    for p in &problems {
        assert!(
            source.get(p.span.clone()).is_some(),
            "span outside the text: {p:?}"
        );
        assert!(
            !p.message.trim().is_empty(),
            "a problem without a message: {p:?}"
        );
    }
    let sources = OneFile(source.clone());
    let report = Report {
        files: 1,
        diagnostics: problems
            .into_iter()
            .map(|p| Diagnostic::locate(p, PATH, &sources))
            .collect(),
    };
    rendered_cleanly(&report);

    let (Some(parsed), true) = (&outcome.parsed, outcome.problems.is_empty()) else {
        return;
    };
    let text = std::str::from_utf8(data).expect("a file without problems is UTF-8");
    match reformat(text) {
        Ok(Some(formatted)) => {
            let again = parse_file(path, &rel, formatted.as_bytes(), &CONFIG);
            assert_eq!(
                again.problems,
                [],
                "fmt made a valid file invalid:\n{formatted}"
            );
            assert_eq!(
                again.parsed.map(|p| p.local.training).as_ref(),
                Some(&parsed.local.training),
                "fmt changed what the file means:\n{formatted}"
            );
            assert_eq!(
                reformat(&formatted).ok().flatten().as_deref(),
                Some(formatted.as_str()),
                "fmt is not idempotent"
            );
        }
        Ok(None) => {}
        Err(refusal) => {
            assert!(
                (1..=text.lines().count().max(1)).contains(&refusal.line),
                "fmt refuses at line {} of a {}-line file",
                refusal.line,
                text.lines().count()
            );
            assert!(
                !refusal.reason.trim().is_empty(),
                "a refusal without a reason"
            );
        }
    }
}

/// `cxtrain.toml` text: a config, or an error whose span lies inside the
/// text, rendered cleanly as `validate` reports it.
pub fn config_file(data: &[u8]) {
    // A file that is not UTF-8 is an I/O error before any parsing.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let repo = Path::new("/nonexistent");
    match Config::parse(repo, &repo.join("cxtrain.toml"), Some(text)) {
        Ok(_) => {}
        Err(ConfigError::Invalid(invalid)) => {
            assert!(
                !invalid.problems.is_empty(),
                "an invalid config without a problem"
            );
            for p in &invalid.problems {
                assert!(
                    invalid.text.get(p.span.clone()).is_some(),
                    "span {:?} outside the text",
                    p.span
                );
                assert!(!p.message.trim().is_empty(), "a problem without a message");
            }
            rendered_cleanly(&Report {
                files: 0,
                diagnostics: validate::config_diagnostics(&ConfigError::Invalid(invalid), repo),
            });
        }
        Err(e) => panic!("parsing text read a file: {e}"),
    }
}

/// A validation report in every `validate` format: nothing a terminal or a
/// CI runner would act on, and JSON that parses.
fn rendered_cleanly(report: &Report) {
    let mut human = Vec::new();
    diagnostics::human(report, Paint(false), &mut human).expect("renders to memory");
    printable("validate (human)", &human);
    let mut github = Vec::new();
    diagnostics::github(report, &mut github).expect("renders to memory");
    no_controls("validate (github)", &github);
    annotations_only(&github);
    let mut json = Vec::new();
    diagnostics::json(report, &mut json).expect("renders to memory");
    serde_json::from_slice::<serde_json::Value>(&json).expect("validate --format json is JSON");
}

/// A plan file's bytes: a plan file or an error. An accepted plan file
/// saves and reads back as itself, turns into calls or a refusal, and
/// renders cleanly in every format.
pub fn plan_file(data: &[u8]) {
    let path = Path::new("plan.json");
    let file = match PlanFile::from_bytes(path, data) {
        Ok(file) => file,
        Err(e) => {
            assert!(
                !e.to_string().trim().is_empty(),
                "an error without a message"
            );
            return;
        }
    };
    let saved = serde_json::to_vec(&file).expect("a plan file serialises");
    assert_eq!(
        PlanFile::from_bytes(path, &saved).expect("a saved plan file reads back"),
        file,
        "a plan file does not read back as itself"
    );
    let _ = calls::steps(&file.plan);
    let mut human = Vec::new();
    plan_human::render(&file.plan, Paint(false), &mut human).expect("renders to memory");
    printable("plan (human)", &human);
    printable(
        "plan (markdown)",
        plan_markdown::to_string(&file.plan).as_bytes(),
    );
    let mut json = Vec::new();
    plan_json::render(&file.plan, &mut json).expect("renders to memory");
    serde_json::from_slice::<serde_json::Value>(&json).expect("plan --format json is JSON");
}

/// An API response body: each shape the client decodes is a value or an
/// error; a decoded training converts into what planning reads, and writes
/// and reads back as itself (the emulator keeps its state that way).
pub fn api_response(data: &[u8]) {
    if let Ok(t) = serde_json::from_slice::<api::Training>(data) {
        training(&t);
        let again = serde_json::to_vec(&t).expect("a training serialises");
        assert_eq!(
            serde_json::from_slice::<api::Training>(&again)
                .ok()
                .as_ref(),
            Some(&t),
            "a training does not read back as itself"
        );
    }
    match serde_json::from_slice::<api::ListResponse>(data) {
        Ok(api::ListResponse::Page(page)) => page.items.iter().for_each(training),
        Ok(api::ListResponse::Bare(items)) => items.iter().for_each(training),
        Err(_) => {}
    }
    if let Ok(body) = serde_json::from_slice::<api::ErrorBody>(data) {
        let _ = body.message.map(|m| m.joined());
    }
    let _ = serde_json::from_slice::<api::SearchResponse>(data);
    let _ = serde_json::from_slice::<api::GeneratedScenario>(data);
}

fn training(t: &api::Training) {
    let _ = observed_hash(t);
    if let Some(managed) = ManagedTraining::from_api(t) {
        let _ = managed.view(true).state_hash();
        let _ = managed.view(false).state_hash();
    }
}

/// Output for a terminal or a CI log: no control characters but newlines
/// and tabs (an escape sequence from a file must not reach the terminal),
/// and no line a CI runner would take for a workflow command.
fn printable(what: &str, out: &[u8]) {
    no_controls(what, out);
    let text = String::from_utf8_lossy(out);
    if let Some(line) = text.lines().find(|l| is_command(l)) {
        panic!("{what} output has a workflow command line {line:?}:\n{text}");
    }
}

/// No control characters but newlines (CRLF too) and tabs.
fn no_controls(what: &str, out: &[u8]) {
    let text = String::from_utf8_lossy(out);
    let text = text.replace("\r\n", "\n");
    if let Some(c) = text
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\t'))
    {
        panic!("{what} output carries the control character {c:?}:\n{text}");
    }
}

/// `::name ...::` or `##[name]`, as GitHub's runner reads a log line.
fn is_command(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with("::") || line.starts_with("##[")
}

/// GitHub output: one annotation line per diagnostic, then the summary
/// line; no other line a runner would read as a workflow command.
fn annotations_only(out: &[u8]) {
    let text = String::from_utf8_lossy(out);
    let lines: Vec<&str> = text.lines().collect();
    let (summary, annotations) = lines.split_last().expect("a summary line");
    assert!(summary.starts_with("checked "), "{summary}");
    for line in annotations {
        assert!(
            line.starts_with("::error file=") || line.starts_with("::warning file="),
            "not an annotation (a message broke its line?): {line}"
        );
    }
    assert!(!is_command(summary), "{summary}");
}

/// The file under test as the only source diagnostics quote.
struct OneFile(Arc<str>);

impl Sources for OneFile {
    fn lookup(&self, path: &str) -> (String, Arc<str>) {
        (path.to_owned(), self.0.clone())
    }
}
