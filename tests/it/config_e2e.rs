//! `cxtrain.toml` end to end: found in `--dir` or its parents, never
//! guessed; `workspace` required before any remote is touched; every
//! problem of the file reported in one run.

use predicates::prelude::*;

use crate::common::{Remote, Repo, cxtrain, says, scenario, seeded_example};

#[test]
fn a_renamed_checkout_without_workspace_is_refused() {
    // Applied once from a checkout named `support-bot`, whose name was the
    // workspace until then; the CI checkout has another name.
    let repo = Repo::example("support-bot");
    let remote = Remote::start();
    remote.seed_from(&repo);
    let config = repo.read("cxtrain.toml");
    repo.write(
        "cxtrain.toml",
        &config.replace("workspace = \"support-bot\"\n", ""),
    );
    remote.reset_stats();
    for command in [
        &["plan"][..],
        &["apply", "--yes"],
        &["pull"],
        &["search", "refund"],
    ] {
        cxtrain(&repo, &remote)
            .args(command)
            .assert()
            .code(3)
            .stderr(
                says("`workspace` is not set in cxtrain.toml")
                    .and(says(
                        "add `workspace = \"<name>\"` at the top of cxtrain.toml",
                    ))
                    .and(says("it must never change")),
            );
    }
    assert_eq!(
        remote.stats().total_requests,
        0,
        "nothing was asked of the remote"
    );
    // Offline commands need no workspace.
    cxtrain(&repo, &remote).arg("validate").assert().success();
}

#[test]
fn no_config_is_an_error_not_a_guess() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("notes")).unwrap();
    std::fs::write(dir.path().join("notes/todo.md"), "ask Ana about refunds\n").unwrap();
    let remote = Remote::start();
    for command in [&["validate"][..], &["plan"], &["fmt"], &["pull"]] {
        assert_cmd::Command::cargo_bin("cxtrain")
            .unwrap()
            .env("OPENCX_API_KEY", remote.key())
            .arg("--dir")
            .arg(dir.path())
            .args(command)
            .assert()
            .code(3)
            .stderr(says(format!(
                "no cxtrain.toml in {} or its parents (run `cxtrain init`, or pass `--dir`)",
                dir.path().display()
            )));
    }
    assert_eq!(remote.stats().total_requests, 0);
    // Commands that need no config are unaffected.
    assert_cmd::Command::cargo_bin("cxtrain")
        .unwrap()
        .arg("--dir")
        .arg(dir.path())
        .arg("schema")
        .assert()
        .success();
}

#[test]
fn the_config_is_found_in_a_parent_folder_and_paths_follow() {
    let (repo, remote) = seeded_example(Default::default());
    repo.edit(
        "trainings/billing/refund-after-30-days.md",
        "store credit",
        "a voucher",
    );
    repo.edit(
        "trainings/account/reset-password.md",
        "password",
        "passphrase",
    );
    // Run from inside a folder of the trainings, as a shell user would.
    let billing = repo.path().join("trainings/billing");
    let out = assert_cmd::Command::cargo_bin("cxtrain")
        .unwrap()
        .env("OPENCX_API_KEY", remote.key())
        .env_remove("OPENCX_API_URL")
        .current_dir(&billing)
        .args(["--color", "never", "--api-url", &remote.url()])
        .args(["plan", "--target", "refund-after-30-days.md"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("Plan for workspace support-bot"),
        "{stdout}"
    );
    assert!(stdout.contains("billing/refund-after-30-days"), "{stdout}");
    assert!(!stdout.contains("account/reset-password"), "{stdout}");
    // Diagnostics name files as seen from where the command ran.
    repo.write(
        "trainings/billing/bad.md",
        "---\ntitel: x\n---\nSome content here.\n",
    );
    assert_cmd::Command::cargo_bin("cxtrain")
        .unwrap()
        .current_dir(&billing)
        .args(["--color", "never", "validate"])
        .assert()
        .code(3)
        .stdout(predicate::str::contains(
            "../../trainings/billing/bad.md:2:1",
        ));
}

#[test]
fn every_config_problem_is_reported_in_one_run() {
    let repo = Repo::new(
        "workspace = \"bot\"\nrot = \"trainings\"\n\n[api]\ntimeout_secs = 0\n\n[safety]\nmax_delets = 3\n",
    );
    repo.write("trainings/a.md", &scenario("A title", "Some content here."));
    let out = assert_cmd::Command::cargo_bin("cxtrain")
        .unwrap()
        .arg("--dir")
        .arg(repo.path())
        .args(["--color", "never", "validate", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(String, u64, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["message"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
                d["help"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "unknown key `rot`".to_owned(),
                2,
                "did you mean `root`?".to_owned()
            ),
            (
                "`timeout_secs` must be between 1 and 3600, not 0".to_owned(),
                5,
                "a request given no time always fails, and one left waiting longer than an \
                 hour hangs CI; the default is 30"
                    .to_owned()
            ),
            (
                "unknown key `max_delets` in [safety]".to_owned(),
                8,
                "did you mean `max_deletes`?".to_owned()
            ),
        ]
    );
    // The human report shows each at its line of cxtrain.toml.
    assert_cmd::Command::cargo_bin("cxtrain")
        .unwrap()
        .arg("--dir")
        .arg(repo.path())
        .args(["--color", "never", "plan"])
        .env("OPENCX_API_KEY", "unused")
        .assert()
        .code(3)
        .stderr(
            predicate::str::contains("cxtrain.toml:2:1")
                .and(predicate::str::contains("cxtrain.toml:5:16"))
                .and(predicate::str::contains("cxtrain.toml:8:1")),
        );
}
