//! `cxtrain validate` on generated repositories: one test per bad-input
//! class (exact line:column), and the valid-but-unusual files that must pass
//! and normalise.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

use crate::common::Repo;

const CONFIG: &str =
    "[directories]\n\"billing\" = \"dir_billing\"\n[limits]\ntitle_max = 40\ncontent_max = 200\n";
const BODY: &str = "Apologise, explain the policy and offer store credit.\n";

/// A repository with `cxtrain.toml` and files below `trainings/`.
fn repo(files: &[(&str, &[u8])]) -> Repo {
    let repo = Repo::new(CONFIG);
    for (path, bytes) in files {
        repo.write_bytes(&format!("trainings/{path}"), bytes);
    }
    repo
}

/// Runs `validate --format json` in `dir`: exit code and document.
fn validate(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let out = Command::cargo_bin("cxtrain")
        .unwrap()
        .current_dir(dir)
        .args(["validate", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stdout));
    });
    (out.status.code().unwrap(), doc)
}

/// Asserts the run fails with exactly one diagnostic and returns it.
fn only(files: &[(&str, &[u8])]) -> Value {
    let dir = repo(files);
    let (code, doc) = validate(dir.path(), &[]);
    let diags = doc["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{doc:#}");
    assert_eq!(code, 3, "{doc:#}");
    diags[0].clone()
}

/// Asserts code, file, line and column of a diagnostic.
fn at(d: &Value, code: &str, file: &str, line: u64, column: u64) {
    assert_eq!(d["code"], format!("cxtrain::{code}"), "{d:#}");
    assert_eq!(d["file"], file, "{d:#}");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(line), Some(column)),
        "{d:#}"
    );
    assert!(!d["label"].as_str().unwrap().is_empty());
    assert!(d["help"].is_string(), "every diagnostic has help: {d:#}");
}

fn md(front: &str, body: &str) -> Vec<u8> {
    format!("---\n{front}---\n{body}").into_bytes()
}

#[test]
fn malformed_yaml() {
    let d = only(&[(
        "a.md",
        &md("title: Refund policy\nsegments: vip: gold\n", BODY),
    )]);
    at(&d, "malformed-yaml", "trainings/a.md", 3, 14);
}

#[test]
fn unterminated_front_matter() {
    let d = only(&[(
        "a.md",
        b"---\ntitle: Refund policy\nApologise and offer credit.\n",
    )]);
    at(&d, "unterminated-front-matter", "trainings/a.md", 1, 1);
}

#[test]
fn front_matter_not_a_mapping() {
    let d = only(&[("a.md", &md("- title\n- channels\n", BODY))]);
    at(&d, "front-matter-not-a-mapping", "trainings/a.md", 2, 1);
}

#[test]
fn unknown_key_suggests_the_right_one() {
    let d = only(&[("a.md", &md("title: Refund policy\nsegmnets: [vip]\n", BODY))]);
    at(&d, "unknown-key", "trainings/a.md", 3, 1);
    assert_eq!(d["help"], "did you mean `segments`?");
}

#[test]
fn wrong_type() {
    let d = only(&[("a.md", &md("title: Refund policy\ndraft: maybe\n", BODY))]);
    at(&d, "wrong-type", "trainings/a.md", 3, 8);
    assert_eq!(d["help"], "`draft` is `true` or `false`");
}

#[test]
fn unknown_channel_suggests_the_right_one() {
    let d = only(&[(
        "a.md",
        &md("title: Refund policy\nchannels: [web, emial]\n", BODY),
    )]);
    at(&d, "unknown-channel", "trainings/a.md", 3, 17);
    assert!(
        d["help"]
            .as_str()
            .unwrap()
            .starts_with("did you mean `email`?"),
        "{d:#}"
    );
}

#[test]
fn channel_listed_twice() {
    let d = only(&[("refund.md", &md("channels: [web, sms, web]\n", BODY))]);
    at(&d, "duplicate-channel", "trainings/refund.md", 2, 22);
}

#[test]
fn duplicate_yaml_key() {
    let d = only(&[(
        "a.md",
        &md("title: Refund policy\ndraft: false\ndraft: true\n", BODY),
    )]);
    at(&d, "duplicate-yaml-key", "trainings/a.md", 4, 1);
    assert!(d["help"].as_str().unwrap().contains("line 3"));
}

#[test]
fn empty_and_whitespace_only_body() {
    let d = only(&[("a.md", &md("title: Refund policy\n", ""))]);
    at(&d, "empty-body", "trainings/a.md", 4, 1);
    let d = only(&[("a.md", &md("title: Refund policy\n", "  \n\t\n\n"))]);
    at(&d, "empty-body", "trainings/a.md", 4, 1);
}

#[test]
fn title_too_short() {
    let d = only(&[("a.md", &md("title: Hi\n", BODY))]);
    at(&d, "title-too-short", "trainings/a.md", 2, 8);
}

#[test]
fn title_too_short_from_file_name() {
    let d = only(&[("ab.md", &md("draft: false\n", BODY))]);
    at(&d, "title-too-short", "trainings/ab.md", 1, 1);
    assert!(d["message"].as_str().unwrap().contains("file name"));
}

#[test]
fn content_too_short() {
    let d = only(&[("a.md", &md("title: Refund policy\n", "Too short\n"))]);
    at(&d, "content-too-short", "trainings/a.md", 4, 1);
}

#[test]
fn over_configured_maximums() {
    let d = only(&[("a.md", &md(&format!("title: {}\n", "T".repeat(41)), BODY))]);
    at(&d, "title-too-long", "trainings/a.md", 2, 8);
    let long = "word ".repeat(41);
    let d = only(&[("a.md", &md("title: Refund policy\n", &long))]);
    at(&d, "content-too-long", "trainings/a.md", 4, 1);
    assert!(d["message"].as_str().unwrap().contains("limit is 200"));
}

#[test]
fn invalid_utf8() {
    let d = only(&[(
        "a.md",
        b"---\ntitle: Cafe prices\n---\ncaf\xff\xfe au lait is three dollars.\n",
    )]);
    at(&d, "invalid-utf8", "trainings/a.md", 4, 4);
    assert!(d["message"].as_str().unwrap().contains("FF FE"));
}

#[test]
fn file_over_one_mebibyte() {
    let big = md("title: Huge file\n", &"x".repeat(1024 * 1024));
    let d = only(&[("a.md", &big)]);
    at(&d, "file-too-large", "trainings/a.md", 1, 1);
}

#[test]
fn unmapped_folder_names_the_fix() {
    let d = only(&[("gifts/cards.md", &md("title: Gift cards\n", BODY))]);
    at(&d, "unmapped-folder", "trainings/gifts/cards.md", 1, 1);
    assert!(
        d["help"]
            .as_str()
            .unwrap()
            .contains("\"gifts\" = \"<directory id>\"")
    );
}

#[test]
fn same_key_in_two_files() {
    let d = only(&[
        ("a.md", &md("title: First title\nkey: shared\n", BODY)),
        (
            "billing/b.md",
            &md(
                "title: Second title\nkey: shared\n",
                "Something else entirely here.\n",
            ),
        ),
    ]);
    at(&d, "duplicate-key", "trainings/billing/b.md", 3, 6);
    assert_eq!(d["related"][0]["file"], "trainings/a.md");
    assert_eq!(d["related"][0]["line"], 3);
}

#[test]
fn path_key_clashing_with_explicit_key() {
    let d = only(&[
        ("a.md", &md("title: First title\nkey: billing/b\n", BODY)),
        (
            "billing/b.md",
            &md("title: Second title\n", "Something else entirely here.\n"),
        ),
    ]);
    at(&d, "duplicate-key", "trainings/billing/b.md", 1, 1);
}

#[test]
fn same_title_in_two_files() {
    let d = only(&[
        ("a.md", &md("title: Refund policy\n", BODY)),
        (
            "billing/b.md",
            &md("title: refund POLICY\n", "Something else entirely here.\n"),
        ),
    ]);
    at(&d, "duplicate-title", "trainings/billing/b.md", 2, 8);
    assert_eq!(d["related"][0]["file"], "trainings/a.md");
}

#[test]
fn key_escaping_the_root_or_empty() {
    let d = only(&[("a.md", &md("title: Refund policy\nkey: ../x\n", BODY))]);
    at(&d, "key-escapes-root", "trainings/a.md", 3, 6);
    let d = only(&[("a.md", &md("title: Refund policy\nkey: \"\"\n", BODY))]);
    at(&d, "empty-key", "trainings/a.md", 3, 6);
    let d = only(&[("a.md", &md("title: Refund policy\nkey: /abs\n", BODY))]);
    at(&d, "invalid-key", "trainings/a.md", 3, 6);
}

#[test]
fn reserved_metadata_key() {
    let d = only(&[(
        "a.md",
        &md("title: Refund policy\nmetadata:\n  cxtrain_hash: x\n", BODY),
    )]);
    at(&d, "reserved-metadata-key", "trainings/a.md", 4, 3);
}

#[cfg(unix)]
#[test]
fn symlink_is_reported_not_followed() {
    let dir = repo(&[("a.md", &md("title: Refund policy\n", BODY))]);
    let outside = dir.path().join("outside.md");
    std::fs::write(&outside, md("title: Outside\n", BODY)).unwrap();
    std::os::unix::fs::symlink(&outside, dir.path().join("trainings/link.md")).unwrap();
    let (code, doc) = validate(dir.path(), &[]);
    assert_eq!(code, 3);
    let d = &doc["diagnostics"][0];
    at(d, "symlink", "trainings/link.md", 1, 1);
    assert_eq!(doc["summary"]["errors"], 1);
}

#[test]
fn config_unknown_key_points_into_toml() {
    let dir = repo(&[("a.md", &md("title: Refund policy\n", BODY))]);
    std::fs::write(
        dir.path().join("cxtrain.toml"),
        "root = \"trainings\"\n[safety]\nmax_delete = 1\n",
    )
    .unwrap();
    let (code, doc) = validate(dir.path(), &[]);
    assert_eq!(code, 3);
    let d = &doc["diagnostics"][0];
    assert_eq!(d["code"], "cxtrain::config");
    assert_eq!(d["file"], "cxtrain.toml");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(d["help"], "did you mean `max_deletes`?");
}

#[test]
fn warnings_pass_unless_strict() {
    let dir = repo(&[(
        "a.md",
        &md(
            "title: Sandbox key\n",
            "Use the key ocx_live_FAKE0000EXAMPLE0000NOT0000REAL in tests.\n",
        ),
    )]);
    let (code, doc) = validate(dir.path(), &[]);
    assert_eq!(code, 0);
    let d = &doc["diagnostics"][0];
    assert_eq!(d["severity"], "warning");
    at(d, "secret", "trainings/a.md", 4, 13);
    let (code, _) = validate(dir.path(), &["--strict"]);
    assert_eq!(code, 3);
}

#[test]
fn near_duplicates_warn_on_the_second_file() {
    let a = "Customers who ask for a refund on a voided label should wait fourteen days for USPS and two days for other carriers, because the carrier confirms the label was never scanned.\n";
    let b = a.replace("fourteen", "fifteen");
    let dir = repo(&[
        ("a.md", &md("title: Voided label refund\n", a)),
        ("b.md", &md("title: Refund for a voided label\n", &b)),
    ]);
    let (code, doc) = validate(dir.path(), &[]);
    assert_eq!(code, 0, "{doc:#}");
    let d = &doc["diagnostics"][0];
    at(d, "near-duplicate", "trainings/b.md", 4, 1);
    assert_eq!(d["related"][0]["file"], "trainings/a.md");
}

#[test]
fn every_problem_in_one_run() {
    let dir = repo(&[
        (
            "refund.md",
            &md(
                "tilte: Refund policy\ndraft: maybe\nchannels: [webb]\n",
                BODY,
            ),
        ),
        ("b.md", &md("title: Hi\n", "Too short\n")),
        ("c.md", b"---\ntitle: never closed\n"),
        (
            "gifts/d.md",
            &md(
                "title: Gift cards\n",
                "Gift cards never expire; check the balance page.\n",
            ),
        ),
    ]);
    let (code, doc) = validate(dir.path(), &[]);
    assert_eq!(code, 3);
    let got: Vec<(String, String)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_owned(),
                d["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want = [
        ("trainings/b.md", "cxtrain::title-too-short"),
        ("trainings/b.md", "cxtrain::content-too-short"),
        ("trainings/c.md", "cxtrain::unterminated-front-matter"),
        ("trainings/gifts/d.md", "cxtrain::unmapped-folder"),
        ("trainings/refund.md", "cxtrain::unknown-key"),
        ("trainings/refund.md", "cxtrain::wrong-type"),
        ("trainings/refund.md", "cxtrain::unknown-channel"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(doc["summary"]["files"], 4);
}

#[test]
fn skipped_files_are_not_checked() {
    let dir = repo(&[
        ("a.md", &md("title: Refund policy\n", BODY)),
        ("README.md", b"---\nbroken"),
        ("_draft.md", b"---\nbroken"),
        (".hidden/x.md", b"---\nbroken"),
        ("notes.txt", b"---\nbroken"),
    ]);
    let (code, doc) = validate(dir.path(), &[]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["summary"]["files"], 1);
}

/// Loads a one-file repository through the library and returns the training.
fn load_one(bytes: &[u8]) -> cxtrain::model::Training {
    let dir = repo(&[("billing/refund-late.md", bytes)]);
    let checked = cxtrain::validate::load_checked(dir.path(), None)
        .unwrap_or_else(|e| panic!("{:#?}", e.report));
    assert!(
        checked.report.diagnostics.is_empty(),
        "{:#?}",
        checked.report
    );
    assert_eq!(checked.trainings.len(), 1);
    checked.trainings.into_iter().next().unwrap().training
}

#[test]
fn unusual_but_valid_files_pass_and_normalise() {
    let canonical = load_one(b"---\ntitle: R\xc3\xa9sum\xc3\xa9 \xe2\x80\x94 refunds \xf0\x9f\x92\xb8\n---\nLine one.\nLine two.\n");
    assert_eq!(canonical.title, "Résumé — refunds 💸");
    assert_eq!(canonical.content, "Line one.\nLine two.");
    assert_eq!(canonical.key, "billing/refund-late");
    assert_eq!(canonical.directory_id.as_deref(), Some("dir_billing"));
    for variant in [
        &b"\xef\xbb\xbf---\ntitle: R\xc3\xa9sum\xc3\xa9 \xe2\x80\x94 refunds \xf0\x9f\x92\xb8\n---\nLine one.\nLine two.\n"[..],
        b"---\r\ntitle: R\xc3\xa9sum\xc3\xa9 \xe2\x80\x94 refunds \xf0\x9f\x92\xb8\r\n---\r\nLine one.\r\nLine two.\r\n",
        b"---\ntitle: R\xc3\xa9sum\xc3\xa9 \xe2\x80\x94 refunds \xf0\x9f\x92\xb8\n---\nLine one.\nLine two.",
    ] {
        assert_eq!(load_one(variant), canonical);
    }
}

#[test]
fn only_title_and_body() {
    let t = load_one(b"---\ntitle: Late refund\n---\nOffer store credit after 30 days.\n");
    assert_eq!(t.title, "Late refund");
    assert!(!t.draft);
    assert!(t.channels.is_empty());
    assert_eq!(t.kind, cxtrain::model::TrainingType::ScenarioSpecific);
}

#[test]
fn body_starting_with_dashes_in_a_code_fence() {
    let t = load_one(
        b"---\ntitle: Config sample\n---\n```yaml\n---\nkey: value\n```\nThat is the format.\n",
    );
    assert_eq!(
        t.content,
        "```yaml\n---\nkey: value\n```\nThat is the format."
    );
    // Without front matter the fenced `---` does not make one: not a training.
    let d = only(&[(
        "a.md",
        b"```yaml\n---\nkey: value\n```\nThat is the format.\n",
    )]);
    at(&d, "no-front-matter", "trainings/a.md", 1, 1);
}

#[test]
fn heading_title_is_taken_and_stripped() {
    let t = load_one(b"---\n---\n# Refund after 30 days\n\nOffer store credit instead.\n");
    assert_eq!(t.title, "Refund after 30 days");
    assert_eq!(t.content, "Offer store credit instead.");
}

#[test]
fn empty_body_is_reported_beside_front_matter_problems() {
    let dir = repo(&[(
        "refund.md",
        &md("title: Refund policy\ncolour: red\n", "\n"),
    )]);
    let (code, doc) = validate(dir.path(), &[]);
    assert_eq!(code, 3);
    let codes: Vec<&str> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["cxtrain::unknown-key", "cxtrain::empty-body"]);
}

#[test]
fn missing_root_is_invalid_input() {
    let dir = repo(&[]);
    std::fs::write(dir.path().join("cxtrain.toml"), "root = \"nope\"\n").unwrap();
    let (code, doc) = validate(dir.path(), &[]);
    assert_eq!(code, 3);
    assert_eq!(doc["diagnostics"][0]["code"], "cxtrain::root-missing");
    assert_eq!(doc["diagnostics"][0]["file"], "nope");
}
