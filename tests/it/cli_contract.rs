//! The command-line contract end to end: usage errors exit 64 (never 2,
//! which CI reads as "changes"), `--help` puts the global options under
//! their own heading and offers the remote options only where a remote is
//! involved, and `-q`/`-v` mean the same thing in every command.

use assert_cmd::Command;

use crate::common::{Remote, Repo, cxtrain, cxtrain_local, seeded_example};

/// The binary with no repository, remote or terminal around it.
fn bare() -> Command {
    let mut cmd = Command::cargo_bin("cxtrain").unwrap();
    cmd.env_remove("OPENCX_API_URL")
        .env_remove("OPENCX_API_KEY")
        .env("COLUMNS", "100");
    cmd
}

/// An error report as one line: miette wraps its help text (at hyphens too).
fn unwrapped(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    lines.join(" ").replace("- ", "-")
}

fn stdout(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn usage_errors_exit_64_everywhere() {
    for args in [
        &["plan", "--targte", "x"][..],
        &["--no-such-flag", "validate"],
        &["valdate"],
        &[],
        &["apply", "--parallelism", "0"],
        &["apply", "--parallelism", "65"],
        &["apply", "--parallelism", "18446744073709551616"],
        &["plan", "--format", "yaml"],
        &["search"],
        &["completions", "tcsh"],
        &["schema", "--local"],
        &["validate", "--api-url", "http://127.0.0.1:9"],
        &["fmt", "--local"],
        &["-q", "-v", "validate"],
    ] {
        let out = bare().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(64), "{args:?}: {out:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn help_and_version_exit_0_on_stdout() {
    for args in [&["--help"][..], &["-h"], &["--version"], &["help", "plan"]] {
        let out = bare().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(!out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn remote_flags_work_after_and_before_the_command_name() {
    let (repo, remote) = seeded_example(Default::default());
    let after = Command::cargo_bin("cxtrain")
        .unwrap()
        .env("OPENCX_API_KEY", remote.key())
        .env_remove("OPENCX_API_URL")
        .args(["--dir"])
        .arg(repo.path())
        .args(["plan", "--api-url", &remote.url(), "--detailed-exitcode"])
        .output()
        .unwrap();
    assert_eq!(after.status.code(), Some(0), "{after:?}");
    let from_env = Command::cargo_bin("cxtrain")
        .unwrap()
        .env("OPENCX_API_KEY", remote.key())
        .env("OPENCX_API_URL", remote.url())
        .args(["--dir"])
        .arg(repo.path())
        .args(["plan", "--detailed-exitcode"])
        .output()
        .unwrap();
    assert_eq!(from_env.status.code(), Some(0), "{from_env:?}");
    cxtrain(&repo, &remote)
        .args(["plan", "--detailed-exitcode"])
        .assert()
        .code(0);
}

#[test]
fn plan_help_is_pinned() {
    let help = stdout(bare().args(["plan", "--help"]));
    insta::assert_snapshot!(help);
}

#[test]
fn global_options_have_their_own_heading_and_remote_options_only_remote_commands() {
    let remote_commands = ["plan", "apply", "pull", "search", "generate"];
    let others = [
        "validate",
        "fmt",
        "init",
        "schema",
        "completions",
        "emulator",
    ];
    for command in remote_commands.iter().chain(&others) {
        let help = stdout(bare().args([command, "--help"]));
        let global = help
            .find("\nGlobal options:\n")
            .unwrap_or_else(|| panic!("{command}: no global heading\n{help}"));
        let (own, globals) = help.split_at(global);
        // An option's own line, not a mention in another option's text.
        let offers = |text: &str, flag: &str| {
            text.lines().any(|l| {
                let l = l.trim_start();
                l.starts_with(flag) || l.get(4..).is_some_and(|rest| rest.starts_with(flag))
            })
        };
        for flag in ["--dir", "--config", "--color", "--quiet", "--verbose"] {
            assert!(offers(globals, flag), "{command}: {flag} not global");
            assert!(!offers(own, flag), "{command}: {flag} outside its heading");
        }
        let offers_remote = offers(&help, "--local") || offers(&help, "--api-url");
        assert_eq!(
            offers_remote,
            remote_commands.contains(command),
            "{command}\n{help}"
        );
        assert!(
            !help.contains("OPENCX_API_URL="),
            "{command}: env value shown"
        );
    }
    for command in ["plan", "apply"] {
        let help = stdout(bare().args([command, "--help"]));
        for needle in [
            "OPENCX_API_KEY",
            "Examples:",
            "Exit codes:",
            "64  usage error",
        ] {
            assert!(help.contains(needle), "{command} --help lacks {needle}");
        }
    }
}

#[test]
fn env_api_url_value_is_never_shown_in_help() {
    let help = stdout(
        bare()
            .env("OPENCX_API_URL", "https://user:secret@example.com")
            .args(["plan", "--help"]),
    );
    assert!(help.contains("[env: OPENCX_API_URL]"), "{help}");
    assert!(!help.contains("secret"), "{help}");
}

#[test]
fn quiet_prints_only_errors_and_results() {
    let repo = Repo::unpaced_example("support-bot");
    // A warning (secret-looking text) that plan shows without -q.
    repo.write(
        "trainings/billing/keys.md",
        "---\ntitle: Where API keys live\n---\nNever paste ocx_live_FAKE0000EXAMPLE0000NOT0000REAL anywhere.\n",
    );
    let remote = Remote::start();
    let loud = cxtrain(&repo, &remote).arg("plan").output().unwrap();
    let quiet = cxtrain(&repo, &remote)
        .args(["-q", "plan"])
        .output()
        .unwrap();
    assert_eq!(loud.stdout, quiet.stdout);
    assert!(String::from_utf8_lossy(&loud.stderr).contains("warning"));
    assert!(quiet.stderr.is_empty(), "{quiet:?}");
}

#[test]
fn verbose_reports_requests_and_time_in_every_remote_command() {
    let repo = Repo::unpaced_example("support-bot");
    for args in [
        &["plan"][..],
        &["apply", "--yes"],
        &["pull"],
        &["search", "refund"],
    ] {
        let out = cxtrain_local(&repo).arg("-v").args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {out:?}");
        assert!(
            err.contains(" requests (") && err.contains(" retries, "),
            "{args:?}: {err}"
        );
        let quiet = cxtrain_local(&repo).args(args).output().unwrap();
        assert!(
            !String::from_utf8_lossy(&quiet.stderr).contains(" requests ("),
            "{args:?}"
        );
    }
    // The offline commands say how long they took.
    for command in ["validate", "fmt"] {
        let out = cxtrain_local(&repo).args(["-v", command]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with(&format!("{command} took ")), "{err}");
    }
}

#[test]
fn target_that_matches_nothing_fails_with_did_you_mean() {
    let (repo, remote) = seeded_example(Default::default());
    let out = cxtrain(&repo, &remote)
        .args(["plan", "--target", "trainings/biling"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(out.stdout.is_empty(), "no plan is printed");
    let err = unwrapped(&out.stderr);
    assert!(
        err.contains("--target trainings/biling matches no training"),
        "{err}"
    );
    assert!(err.contains("did you mean `trainings/billing`?"), "{err}");
    // A key given where a path belongs points at the key's file.
    let err = cxtrain(&repo, &remote)
        .args([
            "plan",
            "--target",
            "billing/change-plan",
            "trainings/shiping",
        ])
        .assert()
        .code(3)
        .get_output()
        .stderr
        .clone();
    let err = unwrapped(&err);
    assert!(err.contains("2 targets match no training"), "{err}");
    assert!(
        err.contains("did you mean `trainings/billing/change-plan.md`?"),
        "{err}"
    );
    assert!(err.contains("did you mean `trainings/shipping`?"), "{err}");
    // Outside the repository.
    cxtrain(&repo, &remote)
        .args(["plan", "--target", "../elsewhere"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("outside the repository"));
    // The former file of a training whose file is gone still matches: its delete.
    repo.remove("trainings/billing/change-plan.md");
    cxtrain(&repo, &remote)
        .args(["plan", "--target", "trainings/billing/change-plan.md"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("- billing/change-plan"));
}

#[test]
fn a_targeted_plan_says_so_in_its_header() {
    let (repo, remote) = seeded_example(Default::default());
    let total = repo.training_files().len();
    let in_billing = repo
        .training_files()
        .iter()
        .filter(|f| f.starts_with("trainings/billing/"))
        .count();
    let counts = format!("{in_billing} of {total} trainings");
    let human = stdout(cxtrain(&repo, &remote).args(["plan", "--target", "trainings/billing"]));
    assert_eq!(
        human.lines().nth(1),
        Some(&*format!(
            "targeting {counts} (--target); the others are not planned"
        ))
    );
    let markdown = stdout(cxtrain(&repo, &remote).args([
        "plan",
        "--format",
        "markdown",
        "--target",
        "trainings/billing",
    ]));
    assert!(
        markdown.contains(&format!("**Targeting {counts}** (`--target`)")),
        "{markdown}"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(cxtrain(&repo, &remote).args([
        "plan",
        "--format",
        "json",
        "--target",
        "trainings/billing",
    ])))
    .unwrap();
    assert_eq!(json["targeting"]["targeted"], in_billing);
    assert_eq!(json["targeting"]["total"], total);
    let untargeted = stdout(cxtrain(&repo, &remote).args(["plan", "--format", "json"]));
    assert!(!untargeted.contains("targeting"));
}
