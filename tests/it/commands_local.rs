//! `search`, `generate`, `pull` and `fmt` end to end: the real
//! binary in a temporary repository, talking to the embedded local remote
//! (`--local`, seeded through its state file) or to an emulator on an
//! ephemeral loopback port.

use std::path::{Path, PathBuf};

use predicates::prelude::*;
use serde_json::{Value, json};

use crate::common::{Remote, Repo, record, run};

#[test]
fn search_maps_hits_to_local_files() {
    let repo = Repo::empty();
    repo.write("cxtrain.toml", "workspace = \"bot\"\n")
        .write(
            "trainings/refund.md",
            "---\ntitle: Refund after thirty days\n---\nOffer store credit for late refunds.\n",
        )
        .seed_local(vec![
            record(
                "trn_1",
                "Refund after thirty days",
                "Offer store credit for late refunds.",
                json!({"metadata": {"cxtrain_workspace": "bot", "cxtrain_key": "refund"}}),
            ),
            record(
                "trn_2",
                "Refund by hand",
                "Made in the dashboard.",
                json!({}),
            ),
            record("trn_3", "Shipping", "Nothing about money.", json!({})),
        ]);
    let out = run(repo.cmd(&["--local", "search", "late refund"]), 0).stdout;
    assert_eq!(
        out,
        "SCORE  TITLE                     FILE\n\
         1.00   Refund after thirty days  trainings/refund.md\n\
         0.50   Refund by hand            not in this repo\n"
    );
    let out = run(
        &mut repo.cmd(&["--local", "search", "refund", "--limit", "1"]),
        0,
    )
    .stdout;
    assert_eq!(out.lines().count(), 2, "{out}");
    let out = run(repo.cmd(&["--local", "search", "zebra"]), 0).stdout;
    assert_eq!(out, "no matches\n");
}

#[test]
fn search_api_errors_exit_1_without_the_key() {
    let repo = Repo::empty();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let running = rt
        .block_on(cxtrain::emulator::start(
            cxtrain::emulator::EmulatorConfig::default(),
            ([127, 0, 0, 1], 0).into(),
        ))
        .unwrap();
    repo.write("cxtrain.toml", "workspace = \"bot\"\n").write(
        "trainings/a.md",
        "---\ntitle: Something\n---\nSome content here.\n",
    );
    let secret = "ocx_wrong_key_4242";
    let out = repo
        .cmd(&["--api-url", &running.base_url(), "search", "refund"])
        .env("OPENCX_API_KEY", secret)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("401") || stderr.contains("rejected"),
        "{stderr}"
    );
    assert!(!stderr.contains(secret));
    assert!(out.stdout.is_empty());
    rt.block_on(running.shutdown());
}

#[test]
fn search_refuses_an_invalid_repository() {
    let repo = Repo::empty();
    repo.write("cxtrain.toml", "workspace = \"bot\"\n")
        .write("trainings/a.md", "---\ntitel: x\n---\nSome content here.\n");
    repo.cmd(&["--local", "search", "x"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("unknown front matter key `titel`"));
}

#[test]
fn generate_writes_a_draft_and_never_overwrites() {
    let repo = Repo::empty();
    repo.write("cxtrain.toml", "workspace = \"bot\"\n")
        .write("trainings/.keep", "");
    let out = run(
        &mut repo.cmd(&["--local", "generate", "--session", "ses_42"]),
        0,
    )
    .stdout;
    let path = PathBuf::from(out.trim());
    let rel = path
        .strip_prefix(repo.path())
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/");
    assert!(rel.starts_with("trainings/how-do-i-"), "{rel}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("---\ntitle: How do I "), "{text}");
    assert!(text.contains("\ndraft: true\n---\n"), "{text}");
    assert!(text.contains("(Learned from session ses_42.)\n"), "{text}");
    repo.cmd(&["validate", "--strict"]).assert().success();

    let before = std::fs::read(&path).unwrap();
    repo.cmd(&["--local", "generate", "--session", "ses_42"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("not overwriting it"));
    assert_eq!(std::fs::read(&path).unwrap(), before);

    let out = run(
        &mut repo.cmd(&[
            "--local",
            "generate",
            "--session",
            "ses_42",
            "--out",
            repo.path().join("trainings/picked.md").to_str().unwrap(),
        ]),
        0,
    )
    .stdout;
    assert!(out.trim().ends_with("picked.md"), "{out}");
    assert_eq!(repo.read("trainings/picked.md").as_bytes(), before);
}

#[test]
fn generate_reports_api_validation_errors() {
    let repo = Repo::empty();
    repo.write("cxtrain.toml", "workspace = \"bot\"\n");
    repo.cmd(&["--local", "generate", "--session", " "])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("the server rejected the request"));
    assert_eq!(repo.files(), ["cxtrain.toml"]);
}

/// A remote with managed, hand-made, foreign, staged and unmapped trainings.
fn seeded_for_pull() -> Repo {
    let repo = Repo::empty();
    repo.write(
        "cxtrain.toml",
        "workspace = \"bot\"\n\n# folders\n[directories]\n\"billing\" = \"dir_b\"\n\n[safety]\nmax_deletes = 5\n",
    )
    .write("trainings/.keep", "")
    .seed_local(vec![
        record(
            "trn_1",
            "Refund after thirty days",
            "# Policy\n\nOffer store credit: always.",
            json!({"directory_id": "dir_b", "restricted_to_channels": ["email", "web"],
                   "metadata": {"cxtrain_workspace": "bot", "cxtrain_key": "billing/refund-late",
                                "cxtrain_hash": "abc", "team": "billing"}}),
        ),
        record(
            "trn_2",
            "yes",
            "Live text the customers get.",
            json!({"draft_title": "Staged title", "draft_content": "Staged in the dashboard.",
                   "metadata": {"cxtrain_workspace": "bot", "cxtrain_key": "greeting"}}),
        ),
        record(
            "trn_3",
            "Hand-made: lost parcels",
            "Ask for the tracking number.",
            json!({"directory_id": "dir_b", "type": "BEHAVIORAL", "is_draft": true,
                   "current_version": null}),
        ),
        record(
            "trn_4",
            "Someone else's",
            "Owned by another repository.",
            json!({"metadata": {"cxtrain_workspace": "other", "cxtrain_key": "x"}}),
        ),
    ]);
    repo
}

#[test]
fn pull_writes_managed_trainings_that_parse_back_identical() {
    let repo = seeded_for_pull();
    let out = repo.cmd(&["--local", "pull"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stdout.contains("wrote    "), "{stdout}");
    assert!(
        stderr.contains("`yes` (trn_2) has an unpublished dashboard draft"),
        "{stderr}"
    );
    assert_eq!(
        repo.files(),
        [
            "cxtrain.toml",
            "trainings/.keep",
            "trainings/billing/refund-late.md",
            "trainings/greeting.md",
        ]
    );
    assert_eq!(
        repo.read("trainings/billing/refund-late.md"),
        "---\ntitle: Refund after thirty days\nchannels: [web, email]\nmetadata:\n  team: billing\n---\n# Policy\n\nOffer store credit: always.\n"
    );
    assert_eq!(
        repo.read("trainings/greeting.md"),
        "---\ntitle: \"yes\"\n---\nLive text the customers get.\n"
    );
    let checked = cxtrain::validate::load_checked(repo.path(), None).unwrap();
    assert_eq!(checked.report.diagnostics.len(), 0);
    let refund = &checked.trainings[0].training;
    assert_eq!(refund.key, "billing/refund-late");
    assert_eq!(refund.directory_id.as_deref(), Some("dir_b"));
    assert_eq!(refund.content, "# Policy\n\nOffer store credit: always.");

    let again = run(repo.cmd(&["--local", "pull"]), 0).stdout;
    assert_eq!(again.matches("same     ").count(), 2, "{again}");
    repo.cmd(&["fmt", "--check"]).assert().success();
}

#[test]
fn pull_all_adopts_hand_made_trainings() {
    let repo = seeded_for_pull();
    let out = run(repo.cmd(&["--local", "pull", "--all"]), 0).stdout;
    assert!(
        out.contains("ignored  1 owned by other workspaces"),
        "{out}"
    );
    assert_eq!(
        repo.read("cxtrain.toml"),
        "workspace = \"bot\"\n\n# folders\n[directories]\n\"billing\" = \"dir_b\"\n\n[safety]\nmax_deletes = 5\n\n[adopt]\n\"billing/hand-made-lost-parcels\" = \"trn_3\"\n"
    );
    assert!(
        out.contains("adopting billing/hand-made-lost-parcels = trn_3"),
        "{out}"
    );
    assert_eq!(
        repo.read("trainings/billing/hand-made-lost-parcels.md"),
        "---\ntype: behavioral\ntitle: \"Hand-made: lost parcels\"\ndraft: true\n---\nAsk for the tracking number.\n"
    );
    repo.cmd(&["validate", "--strict"]).assert().success();
}

/// The `--local` remote's trainings, as its state file holds them.
fn remote_trainings(repo: &Repo) -> Vec<Value> {
    let state: Value = serde_json::from_str(&repo.read(".cxtrain/local-state.json")).unwrap();
    state["trainings"].as_array().unwrap().clone()
}

#[test]
fn pull_all_then_apply_adopts_without_duplicates() {
    let repo = Repo::empty();
    repo.write(
        "cxtrain.toml",
        "workspace = \"bot\"\n[directories]\nbilling = \"dir_b\"\n",
    )
    .write("trainings/.keep", "")
    .seed_local(vec![
        record(
            "trn_1",
            "Lost parcels",
            "Ask for the tracking number.",
            json!({}),
        ),
        record(
            "trn_2",
            "Late refunds",
            "Offer store credit.",
            json!({"directory_id": "dir_b", "metadata": {"team": "billing"}}),
        ),
        record(
            "trn_3",
            "Managed already",
            "Tagged by this workspace.",
            json!({"metadata": {"cxtrain_workspace": "bot", "cxtrain_key": "managed"}}),
        ),
    ]);
    let out = run(repo.cmd(&["--local", "pull", "--all"]), 0).stdout;
    assert!(out.contains("adopting lost-parcels = trn_1"), "{out}");
    assert!(
        out.contains("adopting billing/late-refunds = trn_2"),
        "{out}"
    );
    let config = repo.read("cxtrain.toml");
    assert!(
        config
            .contains("[adopt]\n\"billing/late-refunds\" = \"trn_2\"\nlost-parcels = \"trn_1\"\n"),
        "{config}"
    );
    assert!(!config.contains("\"managed\""), "{config}");

    let plan = repo
        .cmd(&["--local", "plan", "--detailed-exitcode"])
        .assert()
        .code(2)
        .get_output()
        .stdout
        .clone();
    let plan = String::from_utf8(plan).unwrap();
    assert!(plan.contains("⇐ lost-parcels"), "{plan}");
    assert!(plan.contains("⇐ billing/late-refunds"), "{plan}");
    assert!(
        plan.contains("0 to create, 2 to adopt, 0 to update"),
        "{plan}"
    );
    assert!(plan.contains("1 unchanged"), "{plan}");

    let applied = run(repo.cmd(&["--local", "apply", "--yes"]), 0).stdout;
    assert!(applied.contains("0 created, 2 adopted"), "{applied}");
    let remote = remote_trainings(&repo);
    assert_eq!(remote.len(), 3, "{remote:#?}");
    for t in &remote {
        assert_eq!(t["metadata"]["cxtrain_workspace"], "bot", "{t:#}");
    }
    let by_id = |id: &str| remote.iter().find(|t| t["id"] == id).unwrap().clone();
    assert_eq!(by_id("trn_1")["metadata"]["cxtrain_key"], "lost-parcels");
    assert_eq!(
        by_id("trn_2")["metadata"]["cxtrain_key"],
        "billing/late-refunds"
    );
    assert_eq!(by_id("trn_2")["metadata"]["team"], "billing");
    assert_eq!(by_id("trn_2")["directory_id"], "dir_b");

    // The entries are history now: they are ignored, and nothing is left to do.
    repo.cmd(&["--local", "plan", "--detailed-exitcode"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No changes."));
}

#[test]
fn adopting_a_missing_or_foreign_training_is_an_error() {
    let repo = Repo::empty();
    repo.write(
        "cxtrain.toml",
        "workspace = \"bot\"\n[adopt]\n\"faq\" = \"trn_9\"\n",
    )
    .write(
        "trainings/faq.md",
        "---\ntitle: FAQ\n---\nAnswer questions.\n",
    )
    .seed_local(vec![record(
        "trn_1",
        "Theirs",
        "Owned elsewhere.",
        json!({"metadata": {"cxtrain_workspace": "other", "cxtrain_key": "faq"}}),
    )]);
    repo.cmd(&["--local", "plan"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "cannot adopt `faq`: training trn_9 does not exist",
        ));
    repo.write(
        "cxtrain.toml",
        "workspace = \"bot\"\n[adopt]\n\"faq\" = \"trn_1\"\n",
    );
    repo.cmd(&["--local", "apply", "--yes"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "cannot adopt `faq`: training trn_1 belongs to workspace `other`",
        ));
    assert_eq!(remote_trainings(&repo).len(), 1);
}

#[test]
fn pull_skips_changed_files_unless_forced() {
    let repo = seeded_for_pull();
    run(repo.cmd(&["--local", "pull"]), 0);
    let same_meaning = "---\n# yaml-language-server: $schema=../s.json\ntype: scenario\ntitle: 'yes'\ndraft: false\n---\n\nLive text the customers get.   \r\n";
    repo.write("trainings/greeting.md", same_meaning);
    let out = run(repo.cmd(&["--local", "pull", "--force"]), 0).stdout;
    assert!(
        out.contains("same     ") && out.contains("greeting.md"),
        "{out}"
    );
    assert_eq!(repo.read("trainings/greeting.md"), same_meaning);
    let edited =
        "---\n# yaml-language-server: $schema=../s.json\ntitle: \"yes\"\n---\nMy local edit.\n";
    repo.write("trainings/greeting.md", edited);
    let out = run(repo.cmd(&["--local", "pull"]), 0).stdout;
    assert!(
        out.contains("greeting.md (exists and differs; --force overwrites it)"),
        "{out}"
    );
    assert_eq!(repo.read("trainings/greeting.md"), edited);
    let out = run(repo.cmd(&["--local", "pull", "--force"]), 0).stdout;
    assert!(
        out.contains("replaced ") && out.contains("greeting.md"),
        "{out}"
    );
    assert!(
        out.contains("\n-My local edit.\n+Live text the customers get.\n"),
        "{out}"
    );
    assert!(
        repo.read("trainings/greeting.md")
            .contains("Live text the customers get.")
    );
}

#[test]
fn fmt_rewrites_front_matter_and_keeps_bodies() {
    let repo = Repo::empty();
    let messy_body = "\nBody with trailing spaces   \r\n\n```yaml\n---\nkey: v\n```\n\n\n";
    let messy = format!(
        "---\n# yaml-language-server: $schema=../schema.json\nkey: billing/late\ndraft: false\nchannels: [ email , web ]\ntitle: 'Refund: late'\ntype: SCENARIO_SPECIFIC\n---\n{messy_body}"
    );
    let canonical = "---\ntitle: Already canonical\n---\nNothing to change here.\n";
    repo.write("cxtrain.toml", "[directories]\n\"billing\" = \"dir_b\"\n")
        .write("trainings/billing/refund.md", &messy)
        .write("trainings/ok.md", canonical);

    let out = repo.cmd(&["fmt", "--check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "would reformat trainings/billing/refund.md\n1 to reformat, 1 already canonical\n"
    );
    assert_eq!(repo.read("trainings/billing/refund.md"), messy);

    let before = cxtrain::validate::load_checked(repo.path(), None).unwrap();
    let out = run(repo.cmd(&["fmt"]), 0).stdout;
    assert_eq!(
        out,
        "formatted trainings/billing/refund.md\n1 reformatted, 1 already canonical\n"
    );
    assert_eq!(
        repo.read("trainings/billing/refund.md"),
        format!(
            "---\n# yaml-language-server: $schema=../schema.json\ntype: scenario\ntitle: \"Refund: late\"\nchannels: [web, email]\ndraft: false\nkey: billing/late\n---\n{messy_body}"
        )
    );
    assert_eq!(repo.read("trainings/ok.md"), canonical);
    let after = cxtrain::validate::load_checked(repo.path(), None).unwrap();
    let states = |c: &cxtrain::validate::Checked| -> Vec<cxtrain::model::Training> {
        c.trainings.iter().map(|t| t.training.clone()).collect()
    };
    assert_eq!(states(&after), states(&before));
    repo.cmd(&["fmt", "--check"]).assert().success();
}

#[test]
fn fmt_refuses_an_invalid_repository_and_writes_nothing() {
    let repo = Repo::empty();
    let bad = "---\ntitle: Fine title\ndraft: maybe\n---\nSome content here.\n";
    let messy = "---\ndraft: true\ntitle: Other title\n---\nSome other content.\n";
    repo.write("cxtrain.toml", "workspace = \"bot\"\n")
        .write("trainings/bad.md", bad)
        .write("trainings/messy.md", messy);
    repo.cmd(&["fmt"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("`draft` must be a boolean"));
    assert_eq!(repo.read("trainings/bad.md"), bad);
    assert_eq!(repo.read("trainings/messy.md"), messy);
}

#[test]
fn the_bundled_example_is_canonical() {
    let repo = Repo::example("support-bot");
    let checked = run(repo.cmd(&["fmt", "--check"]), 0);
    assert_eq!(checked.stdout, "0 to reformat, 23 already canonical\n");
}

/// Moves the `title` line of `text`'s front matter last, as a hand edit
/// might: the same training, out of canonical order when it has more keys.
fn title_last(text: &str) -> String {
    let (front, body) = text[4..].split_once("\n---\n").expect("front matter");
    let (titles, rest): (Vec<&str>, Vec<&str>) =
        front.lines().partition(|l| l.starts_with("title:"));
    format!(
        "---\n{}\n{}\n---\n{body}",
        rest.join("\n"),
        titles.join("\n")
    )
}

#[test]
fn fmt_on_the_example_repository_keeps_every_training() {
    let repo = Repo::example("support-bot");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/support-bot");
    let before = cxtrain::validate::load_checked(repo.path(), None).unwrap();
    for t in &before.trainings {
        repo.write(t.path.as_str(), &title_last(&repo.read(t.path.as_str())));
    }
    let reordered = run(repo.cmd(&["fmt", "--check"]), 3).stdout;
    assert!(
        reordered.ends_with("17 to reformat, 6 already canonical\n"),
        "{reordered}"
    );
    run(repo.cmd(&["fmt"]), 0);
    let after = cxtrain::validate::load_checked(repo.path(), None).unwrap();
    assert_eq!(after.trainings.len(), before.trainings.len());
    for (a, b) in after.trainings.iter().zip(&before.trainings) {
        assert_eq!(a.training, b.training, "{}", a.path);
        let text = repo.read(a.path.as_str());
        let original = std::fs::read_to_string(example.join(a.path.as_str())).unwrap();
        let body = |t: &str| t.splitn(3, "---\n").nth(2).map(str::to_owned);
        assert_eq!(body(&text), body(&original), "{}", a.path);
        assert_eq!(text, original, "{}", a.path);
    }
    repo.cmd(&["fmt", "--check"]).assert().success();
}

#[test]
fn search_and_pull_against_a_spawned_emulator() {
    let repo = seeded_for_pull();
    let state = repo.path().join(".cxtrain/local-state.json");
    let emulator = Remote::spawn(&["--state", state.to_str().expect("UTF-8 path")]);
    let remote = |args: &[&str]| {
        let mut cmd = repo.cmd(&[&["--api-url", emulator.url().as_str()], args].concat());
        cmd.env("OPENCX_API_KEY", emulator.key());
        cmd
    };
    let out = run(remote(&["search", "store credit refund"]), 0).stdout;
    assert_eq!(
        out,
        "SCORE  TITLE                     FILE\n1.00   Refund after thirty days  not in this repo\n"
    );
    let out = run(remote(&["pull"]), 0).stdout;
    assert!(out.contains("refund-late.md"), "{out}");
    let out = run(remote(&["search", "store credit refund"]), 0).stdout;
    assert!(out.ends_with("trainings/billing/refund-late.md\n"), "{out}");
}

/// Runs `cxtrain --dir <repo> ARGS` under umask 022, as a shell would.
#[cfg(unix)]
fn under_umask_022(repo: &Repo, args: &[&str]) {
    let out = std::process::Command::new("sh")
        .args(["-c", "umask 022 && exec \"$@\"", "sh"])
        .arg(assert_cmd::cargo::cargo_bin("cxtrain"))
        .arg("--dir")
        .arg(repo.path())
        .args(args)
        .env_remove("OPENCX_API_KEY")
        .env_remove("OPENCX_API_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[cfg(unix)]
#[test]
fn created_files_are_0644_and_rewritten_files_keep_their_mode() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |repo: &Repo, rel: &str| {
        let meta = std::fs::metadata(repo.path().join(rel)).unwrap();
        (rel.to_owned(), meta.permissions().mode() & 0o7777)
    };
    let set = |repo: &Repo, rel: &str, m: u32| {
        std::fs::set_permissions(repo.path().join(rel), std::fs::Permissions::from_mode(m))
            .unwrap();
    };
    let repo = Repo::empty();
    under_umask_022(&repo, &["init"]);
    let created: Vec<String> = repo.files();
    for rel in &created {
        assert_eq!(mode(&repo, rel), (rel.clone(), 0o644));
    }

    repo.write(
        "trainings/messy.md",
        "---\ndraft: false\ntitle: Messy\n---\nA body long enough to validate.\n",
    );
    set(&repo, "trainings/messy.md", 0o640);
    under_umask_022(&repo, &["fmt"]);
    assert!(
        repo.read("trainings/messy.md")
            .starts_with("---\ntitle: Messy\n")
    );
    assert_eq!(mode(&repo, "trainings/messy.md").1, 0o640);

    let repo = seeded_for_pull();
    set(&repo, "cxtrain.toml", 0o600);
    under_umask_022(&repo, &["--local", "pull", "--all"]);
    assert!(repo.read("cxtrain.toml").contains("[adopt]"));
    assert_eq!(mode(&repo, "cxtrain.toml").1, 0o600);
    for rel in [
        "trainings/billing/refund-late.md",
        "trainings/billing/hand-made-lost-parcels.md",
    ] {
        assert_eq!(mode(&repo, rel), (rel.to_owned(), 0o644));
    }
}

/// Runs `cxtrain --dir <repo> ARGS` with a stdout nobody reads any more, as
/// `cxtrain ... | head` ends up: every write gets EPIPE.
fn with_closed_stdout(repo: &Repo, args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    std::process::Command::new(assert_cmd::cargo::cargo_bin("cxtrain"))
        .arg("--dir")
        .arg(repo.path())
        .args(["--color", "never"])
        .args(args)
        .env_remove("OPENCX_API_KEY")
        .env_remove("OPENCX_API_URL")
        .stdout(writer)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn a_closed_stdout_is_a_quiet_success() {
    let repo = Repo::empty();
    repo.write("cxtrain.toml", "workspace = \"bot\"\n").write(
        "trainings/refund.md",
        "---\ntitle: Refund after thirty days\n---\nOffer store credit for late refunds.\n",
    );
    for args in [
        &["completions", "bash"][..],
        &["schema"],
        &["validate"],
        &["validate", "--format", "json"],
        &["--local", "plan", "--format", "json"],
        &["--local", "apply", "--yes"],
        &["--local", "search", "refund"],
    ] {
        let out = with_closed_stdout(&repo, args);
        assert_eq!(
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).as_ref()
            ),
            (Some(0), ""),
            "{args:?}"
        );
    }
    // The apply ran to the end although nobody read its summary.
    assert_eq!(remote_trainings(&repo).len(), 1);
}

#[test]
fn a_failed_pull_leaves_the_config_as_it_was() {
    let repo = seeded_for_pull();
    // The folder the pulled trainings go to cannot be created.
    repo.write("trainings/billing", "a file, not a folder\n");
    let config = repo.read("cxtrain.toml");
    let out = repo.cmd(&["--local", "pull", "--all"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // ENOTDIR, however the report wraps its text.
    assert!(stderr.contains("(os error 20)"), "{stderr}");
    assert_eq!(repo.read("cxtrain.toml"), config);
}

#[test]
fn a_config_edit_that_cannot_be_made_stops_pull_before_any_file() {
    let repo = seeded_for_pull();
    // The key pull would adopt trn_3 under already names another training.
    let config = format!(
        "{}\n[adopt]\n\"billing/hand-made-lost-parcels\" = \"trn_9\"\n",
        repo.read("cxtrain.toml")
    );
    repo.write("cxtrain.toml", &config);
    let out = repo.cmd(&["--local", "pull", "--all"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("it already says `trn_9`"), "{stderr}");
    assert_eq!(repo.read("cxtrain.toml"), config);
    assert_eq!(repo.files(), ["cxtrain.toml", "trainings/.keep"]);
}
