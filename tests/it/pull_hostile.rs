//! `pull` against a hostile remote: remote data becomes a file only through
//! the rules `validate` enforces. Keys that climb out of the root, name a
//! file the scanner skips, break a key rule or collide with another file
//! (also in letter case), ids no request can name, and trainings whose file
//! would not validate are each reported and skipped; nothing unsafe is
//! written, what is written validates, and `pull` exits 1. Remote text in
//! the report is escaped, and no id breaks `cxtrain.toml`.

use serde_json::{Value, json};

use crate::common::{Remote, Repo, assert_lines, cxtrain, record, run};
use crate::untrusted_output::assert_inert;

fn mine(key: &str) -> Value {
    json!({"metadata": {"cxtrain_workspace": "bot", "cxtrain_key": key}})
}

fn repo(config: &str) -> Repo {
    Repo::new(&format!(
        "workspace = \"bot\"\n{config}\n[api]\nrequests_per_minute = 0\n"
    ))
}

const BODY: &str = "Offer store credit for late refunds.";

#[test]
fn unsafe_keys_are_refused_and_nothing_unsafe_is_written() {
    let repo = repo("");
    let remote = Remote::in_repo(
        &repo,
        vec![
            record("trn_01", "Windows escape", BODY, mine("..\\..\\..\\PWNED3")),
            record("trn_02", "Readme", BODY, mine("README")),
            record("trn_03", "Hidden", BODY, mine("_hidden")),
            record("trn_04", "No name", BODY, mine("")),
            record("trn_05", "Dots", BODY, mine("...")),
            record("trn_06", "Climbs", BODY, mine("../../x")),
            record("trn_07", "Dot segment", BODY, mine("a/./b")),
            record("trn_08", "Drive", BODY, mine("C:x")),
            record("trn_09", "Escape", BODY, mine("x\u{1b}]52;c;eA==\u{7}")),
            record("trn_10", "Command", BODY, mine("::error::k")),
            record("trn_11", "Fine", BODY, mine("fine")),
        ],
    );
    let out = run(cxtrain(&repo, &remote).arg("pull"), 1);
    let (stdout, stderr) = (out.stdout, out.stderr);
    assert_inert(&stdout);
    assert_inert(&stderr);
    let fine = repo.path().join("trainings/fine.md");
    assert_eq!(stdout, format!("wrote    {}\n", fine.display()));
    let refused: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(
        refused,
        [
            r"error: trn_01 (key `..\..\..\PWNED3`) not pulled: its key is refused: `key` must be a relative `/`-separated path without empty segments",
            "error: trn_02 (key `README`) not pulled: its file would be trainings/README.md, which validate and plan skip (names starting with `_` or `.`, README.md, `ignore` globs), so the next plan would delete it",
            "error: trn_03 (key `_hidden`) not pulled: its file would be trainings/_hidden.md, which validate and plan skip (names starting with `_` or `.`, README.md, `ignore` globs), so the next plan would delete it",
            "error: trn_04 (key ``) not pulled: its key is refused: `key` is empty",
            "error: trn_05 (key `...`) not pulled: its file would be trainings/....md, which validate and plan skip (names starting with `_` or `.`, README.md, `ignore` globs), so the next plan would delete it",
            "error: trn_06 (key `../../x`) not pulled: its key is refused: `key` must not contain `..` segments",
            "error: trn_07 (key `a/./b`) not pulled: its key is refused: `key` must not contain `.` segments",
            "error: trn_08 (key `C:x`) not pulled: its key is refused: `key` must not contain `:`",
            r"error: trn_09 (key `x\u{1b}]52;c;eA==\u{7}`) not pulled: its key is refused: `key` must not contain control characters",
            r"error: trn_10 (key `\u{3a}:error::k`) not pulled: its key is refused: `key` must not contain `:`",
        ]
    );
    assert!(stderr.contains("10 trainings were not pulled"), "{stderr}");
    // Only the safe file, nothing beside or above the repository.
    assert_eq!(repo.files(), ["cxtrain.toml", "trainings/fine.md"]);
    for above in repo.path().ancestors().skip(1) {
        let names = std::fs::read_dir(above).unwrap().flatten();
        assert!(
            names
                .map(|e| e.file_name())
                .all(|n| !n.to_string_lossy().contains("PWNED3")),
            "{}",
            above.display()
        );
    }
    cxtrain(&repo, &remote)
        .args(["validate", "--strict"])
        .assert()
        .code(0);
}

#[test]
fn ids_no_request_can_name_are_refused() {
    let repo = repo("");
    let remote = Remote::in_repo(
        &repo,
        vec![
            record("..", "Parent", BODY, mine("parent")),
            record(".", "Itself", BODY, mine("itself")),
        ],
    );
    let out = run(cxtrain(&repo, &remote).arg("pull"), 1);
    let stderr = out.stderr;
    for id in ["..", "."] {
        assert!(
            stderr.contains(&format!(
                "error: {id} (key `{}`) not pulled: its id cannot name a training in a request",
                if id == "." { "itself" } else { "parent" }
            )),
            "{stderr}"
        );
    }
    assert_eq!(repo.files(), ["cxtrain.toml"]);
}

#[test]
fn a_del_or_quote_in_a_remote_id_never_breaks_the_config() {
    let repo = repo("");
    let id = "trn_\"q'\u{7f}\\\u{1b}[0m";
    let remote = Remote::in_repo(&repo, vec![record(id, "Lost parcels", BODY, json!({}))]);
    let out = run(cxtrain(&repo, &remote).args(["pull", "--all"]), 0);
    let stdout = out.stdout;
    assert_inert(&stdout);
    assert!(
        stdout.contains(r#"adopting lost-parcels = trn_"q'\u{7f}\\u{1b}[0m in "#),
        "{stdout}"
    );
    let config = repo.read("cxtrain.toml");
    assert!(
        !config.contains('\u{7f}') && !config.contains('\u{1b}'),
        "{config}"
    );
    assert_eq!(repo.checked().config.adopt["lost-parcels"], id);
    // The next apply tags that very training, through its percent-encoded id.
    cxtrain(&repo, &remote)
        .args(["apply", "--yes"])
        .assert()
        .code(0);
    let trainings = remote.trainings();
    assert_eq!(trainings.len(), 1, "{trainings:#?}");
    assert_eq!(trainings["lost-parcels"].id, id);
}

#[test]
fn files_colliding_in_letter_case_are_refused() {
    let repo = repo("[directories]\nbilling = \"dir_b\"\n");
    repo.write(
        "trainings/billing/refund.md",
        "---\ntitle: Refunds\n---\nOffer store credit.\n",
    );
    let remote = Remote::in_repo(
        &repo,
        vec![
            record(
                "trn_1",
                "Same file, other case",
                BODY,
                json!({"directory_id": "dir_b", "metadata": {"cxtrain_workspace": "bot", "cxtrain_key": "billing/Refund"}}),
            ),
            record(
                "trn_2",
                "Same folder, other case",
                BODY,
                json!({"directory_id": "dir_x", "metadata": {"cxtrain_workspace": "bot", "cxtrain_key": "Billing/late"}}),
            ),
            record("trn_3", "Root one", BODY, mine("Twice")),
            record("trn_4", "Root two", BODY, mine("twice")),
        ],
    );
    let config = repo.read("cxtrain.toml");
    let out = run(cxtrain(&repo, &remote).arg("pull"), 1);
    let stderr = out.stderr;
    assert_lines(
        &stderr,
        &[
            "error: trn_1 (key `billing/Refund`) not pulled: its file trainings/billing/Refund.md would be trainings/billing/refund.md on a case-insensitive file system, which holds another training",
            "error: trn_2 (key `Billing/late`) not pulled: its file trainings/Billing/late.md would be trainings/billing on a case-insensitive file system, which holds another training",
            "error: trn_4 (key `twice`) not pulled: its file trainings/twice.md would be trainings/Twice.md on a case-insensitive file system, which holds another training",
        ],
    );
    assert_eq!(
        repo.files(),
        [
            "cxtrain.toml",
            "trainings/Twice.md",
            "trainings/billing/refund.md"
        ]
    );
    assert_eq!(repo.read("cxtrain.toml"), config);
}

#[test]
fn a_file_that_would_not_validate_is_refused() {
    let repo = repo("");
    let remote = Remote::in_repo(
        &repo,
        vec![
            record("trn_1", "No", BODY, mine("short-title")),
            record("trn_2", "Short body", "Too short", mine("short-body")),
            record("trn_3", "Hand-made twin", BODY, json!({})),
            record("trn_4", "hand-made twin ", BODY, json!({})),
        ],
    );
    let out = run(cxtrain(&repo, &remote).args(["pull", "--all"]), 1);
    let stderr = out.stderr;
    assert_lines(
        &stderr,
        &[
            "error: trn_1 (key `short-title`) not pulled: its file trainings/short-title.md would not validate: title has 2 characters; at least 3 are required",
            "error: trn_2 (key `short-body`) not pulled: its file trainings/short-body.md would not validate: content has 9 characters; at least 10 are required",
            "error: trn_4 (key `hand-made-twin-2`) not pulled: its file trainings/hand-made-twin-2.md would not validate: its title is already used by trainings/hand-made-twin.md",
        ],
    );
    assert_eq!(
        repo.files(),
        ["cxtrain.toml", "trainings/hand-made-twin.md"]
    );
    cxtrain(&repo, &remote)
        .args(["validate", "--strict"])
        .assert()
        .code(0);
}

#[test]
fn hostile_titles_in_the_report_are_escaped() {
    let repo = repo("");
    let remote = Remote::in_repo(
        &repo,
        vec![record(
            "trn_1",
            "Live \u{1b}]52;c;eA==\u{7}",
            BODY,
            json!({"draft_title": "::error::staged", "draft_content": "Staged text.",
                   "metadata": {"cxtrain_workspace": "bot", "cxtrain_key": "staged"}}),
        )],
    );
    let out = run(cxtrain(&repo, &remote).arg("pull"), 0);
    let stderr = out.stderr;
    assert_inert(&stderr);
    assert_eq!(
        stderr,
        "warning: `Live \\u{1b}]52;c;eA==\\u{7}` (trn_1) has an unpublished dashboard draft; wrote the live text\n"
    );
}
