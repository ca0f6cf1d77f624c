//! The first hour of a new user, end to end with the real binary: `init`
//! (twice), a stray `.md` without front matter, `fmt` on commented front
//! matter, and a plan whose create looks like a hand-made training.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

use crate::common::{self, Remote, cxtrain, scenario, seeded_example};

/// `cxtrain --dir DIR --color never ARGS` with no remote around.
fn offline(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("cxtrain").unwrap();
    cmd.env_remove("OPENCX_API_KEY")
        .env_remove("OPENCX_API_URL")
        .arg("--dir")
        .arg(dir)
        .args(["--color", "never"])
        .args(args);
    cmd
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap()
}

fn stdout(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

const ACTION: &str = "acme/cxtrain@v1";

#[test]
fn init_scaffolds_a_repository_that_validates_and_a_workflow_that_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = stdout(&mut offline(
        dir.path(),
        &["init", "--workspace", "help-desk", "--action", ACTION],
    ));
    for line in [
        "created  cxtrain.toml",
        "created  trainings/welcome.md",
        "created  schema/scenario.schema.json",
        "created  .github/workflows/cxtrain.yml",
        "created  .gitignore",
    ] {
        assert!(out.contains(line), "{out}");
    }
    // The workspace is written, and the user is told it must never change.
    assert!(read(dir.path(), "cxtrain.toml").contains("workspace = \"help-desk\""));
    assert!(read(dir.path(), "cxtrain.toml").contains("NEVER CHANGE IT"));
    assert!(
        out.contains("Workspace `help-desk` is written in cxtrain.toml"),
        "{out}"
    );
    assert!(out.contains("never change it"), "{out}");
    // Both ways forward.
    for next in [
        "cxtrain validate",
        "cxtrain plan --local",
        "cxtrain status --all",
        "cxtrain pull --all",
    ] {
        assert!(out.contains(next), "{out}");
    }
    // The workflow is valid YAML, names a real action and watches its files.
    let workflow = read(dir.path(), ".github/workflows/cxtrain.yml");
    let doc: serde_json::Value = serde_saphyr::from_str(&workflow).expect("valid YAML");
    assert!(
        !workflow.contains('<') && !workflow.contains("OWNER"),
        "{workflow}"
    );
    let mut uses = Vec::new();
    for job in doc["jobs"].as_object().unwrap().values() {
        for step in job["steps"].as_array().unwrap() {
            if let Some(u) = step["uses"].as_str() {
                uses.push(u.to_owned());
            }
        }
    }
    assert!(
        uses.iter().filter(|u| *u == ACTION).count() >= 2,
        "{uses:?}"
    );
    assert!(
        uses.iter()
            .all(|u| u == ACTION || u.starts_with("actions/")),
        "{uses:?}"
    );
    let watched = doc["on"]["pull_request"]["paths"].as_array().unwrap();
    for path in [
        "trainings/**",
        "cxtrain.toml",
        ".github/workflows/cxtrain.yml",
    ] {
        assert!(watched.contains(&path.into()), "{watched:?}");
    }
    let schema = stdout(&mut offline(dir.path(), &["schema"]));
    assert_eq!(read(dir.path(), "schema/scenario.schema.json"), schema);
    offline(dir.path(), &["validate", "--strict"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "checked 1 file: 0 errors, 0 warnings",
        ));
}

#[test]
fn init_without_a_known_action_writes_no_broken_workflow() {
    let dir = tempfile::tempdir().unwrap();
    let out = stdout(&mut offline(dir.path(), &["init"]));
    assert!(
        out.contains("skipped  .github/workflows/cxtrain.yml: pass --action OWNER/REPO@REF"),
        "{out}"
    );
    assert!(!dir.path().join(".github").exists());
    offline(dir.path(), &["init", "--action", "<owner>/cxtrain@v1"])
        .assert()
        .code(64);
}

#[test]
fn init_refuses_a_workspace_its_config_could_not_hold() {
    for bad in [" ", "bot\u{7f}"] {
        let dir = tempfile::tempdir().unwrap();
        offline(
            dir.path(),
            &["init", "--workspace", bad, "--action", ACTION],
        )
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "`workspace` must be a name without control characters",
        ));
        let written: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(written.is_empty(), "{bad:?}: {written:?}");
    }
}

#[test]
fn init_twice_refuses_then_force_redoes_only_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join(".gitignore"), "target/\n*.log").unwrap();
    stdout(&mut offline(d, &["init", "--workspace", "help-desk"]));
    let gitignore = read(d, ".gitignore");
    assert_eq!(
        gitignore,
        "target/\n*.log\n# the --local remote's state\n/.cxtrain/\n"
    );
    let config = read(d, "cxtrain.toml");

    // A second init changes nothing and says why (exit 4).
    offline(d, &["init"])
        .assert()
        .code(4)
        .stdout("")
        .stderr(predicate::str::contains("cxtrain.toml already exists"))
        .stderr(predicate::str::contains("--force"));
    assert_eq!(read(d, "cxtrain.toml"), config);

    // --force: a fresh config with the same root and workspace, the old one
    // kept; the deleted example stays deleted; .gitignore gains nothing.
    std::fs::write(d.join("cxtrain.toml"), format!("{config}# my note\n")).unwrap();
    std::fs::remove_file(d.join("trainings/welcome.md")).unwrap();
    let out = stdout(&mut offline(d, &["init", "--force", "--action", ACTION]));
    assert!(
        out.contains("replaced cxtrain.toml (the previous one is cxtrain.toml.bak)"),
        "{out}"
    );
    assert!(
        out.contains("skipped  .gitignore (already ignores .cxtrain/)"),
        "{out}"
    );
    assert!(
        out.contains("created  .github/workflows/cxtrain.yml"),
        "{out}"
    );
    assert!(!out.contains("welcome.md"), "{out}");
    assert_eq!(read(d, "cxtrain.toml"), config);
    assert_eq!(read(d, "cxtrain.toml.bak"), format!("{config}# my note\n"));
    assert!(!d.join("trainings/welcome.md").exists());
    assert_eq!(read(d, ".gitignore"), gitignore);

    // The workspace never changes, not even with --force.
    offline(d, &["init", "--force", "--workspace", "other"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("will not change it to `other`"));
    assert!(read(d, "cxtrain.toml").contains("workspace = \"help-desk\""));
}

#[test]
fn init_quiet_prints_only_what_it_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let out = stdout(&mut offline(
        dir.path(),
        &["-q", "init", "--action", ACTION],
    ));
    assert!(out.lines().all(|l| l.starts_with("created  ")), "{out}");
    assert_eq!(out.lines().count(), 5, "{out}");
}

#[test]
fn a_markdown_file_without_front_matter_is_an_error_not_a_training() {
    let (repo, remote) = seeded_example(Default::default());
    repo.write("trainings/billing/NOTES.md", "ask Ana about refunds\n");
    for args in [&["validate"][..], &["plan"], &["apply", "--yes"]] {
        let out = cxtrain(&repo, &remote).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(3), "{args:?}: {out:?}");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            all.contains("no front matter, so it is not a training"),
            "{all}"
        );
        assert!(all.contains("_NOTES.md"), "{all}");
        assert!(all.contains("ignore"), "{all}");
    }
    // Nothing was created.
    assert!(remote.trainings().values().all(|t| t.title != "NOTES"));
    // Each fix works.
    repo.rename("trainings/billing/NOTES.md", "trainings/billing/_NOTES.md");
    cxtrain(&repo, &remote)
        .args(["plan", "--detailed-exitcode"])
        .assert()
        .code(0);
    repo.rename("trainings/billing/_NOTES.md", "trainings/billing/NOTES.md");
    repo.edit("cxtrain.toml", "ignore = []", "ignore = [\"**/NOTES.md\"]");
    cxtrain(&repo, &remote)
        .args(["plan", "--detailed-exitcode"])
        .assert()
        .code(0);
    repo.write(
        "trainings/billing/NOTES.md",
        &scenario(
            "Refund notes from Ana",
            "Ask Ana about refunds before promising one.",
        ),
    );
    cxtrain(&repo, &remote).args(["validate"]).assert().code(0);
}

#[test]
fn fmt_keeps_every_comment_and_leaves_what_it_cannot_keep() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("cxtrain.toml"), "workspace = \"bot\"\n").unwrap();
    std::fs::create_dir_all(d.join("trainings")).unwrap();
    let commented = "---\n\
        # keep drafts until the policy page ships\n\
        draft: true\n\
        title: Refund window   # agreed with legal on 2026-03-01\n\
        metadata:\n  \
          team: billing  # on call in May\n\
        ---\n\
        Refunds after 30 days: offer store credit.\n";
    let listed = "---\n\
        title: Lost parcel\n\
        channels:\n  \
          - web      # the widget\n  \
          - email\n\
        ---\n\
        File a claim with the carrier after five days.\n";
    std::fs::write(d.join("trainings/refund.md"), commented).unwrap();
    std::fs::write(d.join("trainings/lost.md"), listed).unwrap();

    let check = offline(d, &["fmt", "--check"]).output().unwrap();
    assert_eq!(check.status.code(), Some(3), "{check:?}");
    let out = stdout(&mut offline(d, &["fmt"]));
    assert!(out.contains("formatted trainings/refund.md"), "{out}");
    assert!(
        out.contains("kept as it is: trainings/lost.md:4: a comment inside a value"),
        "{out}"
    );
    assert!(
        out.ends_with("1 reformatted, 0 already canonical, 1 kept as it is\n"),
        "{out}"
    );
    assert_eq!(
        read(d, "trainings/refund.md"),
        "---\n\
         title: Refund window # agreed with legal on 2026-03-01\n\
         # keep drafts until the policy page ships\n\
         draft: true\n\
         metadata:\n  \
           team: billing # on call in May\n\
         ---\n\
         Refunds after 30 days: offer store credit.\n"
    );
    assert_eq!(read(d, "trainings/lost.md"), listed, "left byte for byte");
    // What fmt leaves is not a change: fmt, then fmt --check, passes.
    let again = offline(d, &["fmt", "--check"]).output().unwrap();
    assert_eq!(again.status.code(), Some(0), "{again:?}");
    let again = String::from_utf8(again.stdout).unwrap();
    assert!(
        again.contains("kept as it is: trainings/lost.md:4"),
        "{again}"
    );
}

/// A training made by hand in the dashboard: no cxtrain metadata.
fn hand_made(remote: &Remote, title: &str, content: &str) -> String {
    remote.create(&common::hand_made(title, content, &[])).id
}

#[test]
fn a_create_that_looks_like_a_hand_made_training_is_flagged() {
    let (repo, remote) = seeded_example(Default::default());
    let by_title = hand_made(
        &remote,
        "Gift card balance",
        "Tell them where the balance shows.",
    );
    let refund = "Gift cards cannot be refunded. Offer to resend the code to the \
        recipient's email address, or to move the balance to another card.";
    let by_text = hand_made(&remote, "Something a colleague wrote", refund);
    hand_made(
        &remote,
        "Unrelated",
        "Nothing like the new trainings at all, really.",
    );

    // A plan without creates reads what it always read: one page and a count.
    remote.reset_stats();
    cxtrain(&repo, &remote)
        .args(["plan", "--detailed-exitcode"])
        .assert()
        .code(0);
    assert_eq!(remote.stats().total_requests, 2);

    repo.write(
        "trainings/billing/gift-card-balance.md",
        &scenario("Gift card balance", "Show the balance on the account page."),
    )
    .write(
        "trainings/billing/gift-card-refund.md",
        &scenario("Refunding a gift card", refund),
    )
    .write(
        "trainings/billing/plan-pause.md",
        &scenario(
            "Pausing a plan",
            "Plans can be paused for up to three months.",
        ),
    );
    remote.reset_stats();
    let human = String::from_utf8(
        cxtrain(&repo, &remote)
            .arg("plan")
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap();
    // The listing of every training is read once, only because of the creates.
    assert_eq!(remote.stats().total_requests, 3);
    for (key, id, why) in [
        ("billing/gift-card-balance", &by_title, "same title"),
        ("billing/gift-card-refund", &by_text, "same content"),
    ] {
        let hint = format!(
            "looks like hand-made {id} ({why}: \"{}\") — adopt it (`cxtrain pull --adopt {key}={id}`) instead of creating a duplicate",
            if why == "same title" {
                "Gift card balance"
            } else {
                "Something a colleague wrote"
            }
        );
        assert!(human.contains(&format!("      ! {hint}")), "{human}");
        assert!(human.contains(&format!("! {key}: {hint}")), "{human}");
    }
    assert!(!human.contains("billing/plan-pause: looks like"), "{human}");

    let markdown = String::from_utf8(
        cxtrain(&repo, &remote)
            .args(["plan", "--format", "markdown"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let id = by_title.replace('_', "\\_");
    assert!(
        markdown.contains(&format!(
            "- 🔁 **Looks like hand-made** <code>{id}</code> (same title: <code>Gift card balance</code>): adopt it with <code>cxtrain pull \\-\\-adopt billing\\/gift\\-card\\-balance\\={id}</code> instead of creating a duplicate"
        )),
        "{markdown}"
    );

    let json: serde_json::Value = serde_json::from_slice(
        &cxtrain(&repo, &remote)
            .args(["plan", "--format", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(
        json["hand_made"],
        serde_json::json!([
            {"key": "billing/gift-card-balance", "id": by_title, "title": "Gift card balance", "match": "same_title"},
            {"key": "billing/gift-card-refund", "id": by_text, "title": "Something a colleague wrote", "match": "same_content"},
        ])
    );
    // The creates are still creates: the hint is advice, not a change.
    assert_eq!(json["summary"]["create"], 3);
}
