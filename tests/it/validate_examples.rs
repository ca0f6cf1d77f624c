//! `cxtrain validate` on the bundled examples: the support-bot repository is
//! clean, every row of `examples/broken/EXPECTED.md` is reported at its exact
//! position in one run, and the json/github outputs are pinned by snapshots.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// Runs `cxtrain validate examples/<name> <args>` from the crate root.
fn validate(name: &str, args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("cxtrain")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["validate", &format!("examples/{name}"), "--color", "never"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn support_bot_is_clean_even_when_strict() {
    let (code, out) = validate("support-bot", &["--strict"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.ends_with("0 errors, 0 warnings\n"), "{out}");
    assert!(!out.contains("checked 0 files"));
}

/// One row of the EXPECTED.md table.
#[derive(Debug)]
struct Expected {
    file: String,
    class: String,
    line: u64,
    column: u64,
    byte: u64,
    severity: String,
    related: Option<String>,
}

fn expected_rows() -> Vec<Expected> {
    let text = std::fs::read_to_string(examples().join("broken/EXPECTED.md")).unwrap();
    text.lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            let (line, column) = cells[2].split_once(':').unwrap();
            Expected {
                file: cells[0].trim_matches('`').to_owned(),
                class: cells[1].to_owned(),
                line: line.parse().unwrap(),
                column: column.parse().unwrap(),
                byte: cells[3].parse().unwrap(),
                severity: cells[4].to_owned(),
                related: (!cells[5].is_empty()).then(|| cells[5].to_owned()),
            }
        })
        .collect()
}

#[test]
fn broken_reports_every_expected_problem_at_its_position() {
    let (code, out) = validate("broken", &["--format", "json"]);
    assert_eq!(code, 3);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let diags = doc["diagnostics"].as_array().unwrap();
    let rows = expected_rows();
    assert_eq!(rows.len(), 25);
    assert_eq!(diags.len(), rows.len(), "{doc:#}");
    assert_eq!(doc["summary"]["errors"], 23);
    assert_eq!(doc["summary"]["warnings"], 2);
    for row in &rows {
        let file = format!("examples/broken/{}", row.file);
        let d = diags
            .iter()
            .find(|d| d["file"] == file.as_str())
            .unwrap_or_else(|| panic!("no diagnostic for {row:?}"));
        assert_eq!(d["code"], format!("cxtrain::{}", row.class), "{row:?}");
        assert_eq!(d["line"], row.line, "{row:?}");
        assert_eq!(d["column"], row.column, "{row:?}");
        assert_eq!(d["offset"], row.byte, "{row:?}");
        assert_eq!(d["severity"], row.severity.as_str(), "{row:?}");
        if let Some(related) = &row.related {
            let r = &d["related"][0];
            let (rel_file, rest) = related.trim_start_matches('`').split_once("` ").unwrap();
            assert_eq!(r["file"], format!("examples/broken/{rel_file}"), "{row:?}");
            assert!(
                rest.starts_with(&format!("{}:{}", r["line"], r["column"])),
                "{row:?} {r}"
            );
        }
    }
}

#[test]
fn broken_json_snapshot() {
    let (_, out) = validate("broken", &["--format", "json"]);
    insta::assert_snapshot!(out);
}

#[test]
fn broken_github_snapshot() {
    let (code, out) = validate("broken", &["--format", "github"]);
    assert_eq!(code, 3);
    assert!(
        out.lines()
            .filter(|l| l.starts_with("::error file="))
            .count()
            == 23
    );
    assert!(
        out.lines()
            .filter(|l| l.starts_with("::warning file="))
            .count()
            == 2
    );
    insta::assert_snapshot!(out);
}

#[test]
fn broken_human_output_points_at_files() {
    let (code, out) = validate("broken", &[]);
    assert_eq!(code, 3);
    assert!(
        out.contains("╭─[examples/broken/trainings/wrong-type.md:3:8]"),
        "{out}"
    );
    assert!(out.contains("did you mean `channels`?"));
    assert!(out.contains("did you mean `web`?"));
    assert!(
        out.ends_with("checked 28 files: 23 errors, 2 warnings\n"),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'), "no colour with --color never");
    insta::assert_snapshot!(out);
}

#[test]
fn repository_defaults_to_dir_flag() {
    let out = Command::cargo_bin("cxtrain")
        .unwrap()
        .current_dir(examples())
        .args(["--dir", "support-bot", "validate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn explicit_config_flag_is_used() {
    let out = Command::cargo_bin("cxtrain")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "validate",
            "examples/support-bot",
            "--config",
            "examples/broken/cxtrain.toml",
        ])
        .output()
        .unwrap();
    // broken's config maps neither `account` nor `integrations`.
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("folder `account` is not mapped"), "{text}");
}
