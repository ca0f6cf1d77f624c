//! `pull` end to end against the emulator: into a fresh repository (then
//! `plan` is clean), folders named from `[directories]` or the key, `pull
//! PATH|KEY... --force` overwriting just those files with a diff, the
//! conflict refusal naming that command, and `--adopt` then `apply`
//! tagging hand-made trainings without duplicates.

use serde_json::{Value, json};

use crate::common::{Remote, Repo, assert_lines, cxtrain, record, run, scenario, words};
use crate::untrusted_output::assert_inert;

const CONFIG: &str =
    "root = \"trainings\"\nworkspace = \"bot\"\n\n[api]\nrequests_per_minute = 0\n";

fn mine(key: &str, extra: Value) -> Value {
    let mut v = json!({"metadata": {"cxtrain_workspace": "bot", "cxtrain_key": key}});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

/// A repository holding only `cxtrain.toml` (no trainings root yet).
fn fresh() -> Repo {
    let repo = Repo::new(CONFIG);
    std::fs::remove_dir(repo.path().join("trainings")).unwrap();
    repo
}

/// `cxtrain ARGS`, which must exit 0; its stdout.
fn ok(repo: &Repo, remote: &Remote, args: &[&str]) -> String {
    run(cxtrain(repo, remote).args(args), 0).stdout
}

/// Three managed trainings: in a directory no folder maps yet, at the
/// root, and in a nested folder's directory.
fn managed(repo: &Repo) -> Remote {
    Remote::in_repo(
        repo,
        vec![
            record(
                "trn_1",
                "Refund after thirty days",
                "Offer store credit.",
                mine("billing/refund-late", json!({"directory_id": "dir_b"})),
            ),
            record(
                "trn_2",
                "Greeting",
                "Say hello and offer help.",
                mine("greeting", json!({})),
            ),
            record(
                "trn_3",
                "Customs fees",
                "Explain who pays customs fees.",
                mine("shipping/intl/customs", json!({"directory_id": "dir_s"})),
            ),
        ],
    )
}

#[test]
fn pull_into_a_fresh_repository_then_plan_is_clean() {
    let repo = fresh();
    repo.write("schema/scenario.schema.json", "{}\n");
    let remote = managed(&repo);
    let out = ok(&repo, &remote, &["pull"]);
    assert_inert(&out);
    let config = repo.path().join("cxtrain.toml");
    assert_lines(
        &out,
        &[
            format!("mapped   billing = dir_b in {}", config.display()),
            format!("mapped   shipping/intl = dir_s in {}", config.display()),
        ],
    );
    assert_eq!(
        repo.read("cxtrain.toml"),
        format!("{CONFIG}\n[directories]\nbilling = \"dir_b\"\n\"shipping/intl\" = \"dir_s\"\n")
    );
    // Each new file points at the schema from where it is.
    assert_eq!(
        repo.read("trainings/billing/refund-late.md"),
        "---\n# yaml-language-server: $schema=../../schema/scenario.schema.json\ntitle: Refund after thirty days\n---\nOffer store credit.\n"
    );
    assert_eq!(
        repo.read("trainings/greeting.md"),
        "---\n# yaml-language-server: $schema=../schema/scenario.schema.json\ntitle: Greeting\n---\nSay hello and offer help.\n"
    );
    assert!(repo.read("trainings/shipping/intl/customs.md").starts_with(
        "---\n# yaml-language-server: $schema=../../../schema/scenario.schema.json\n"
    ));
    cxtrain(&repo, &remote)
        .args(["validate", "--strict"])
        .assert()
        .code(0);
    cxtrain(&repo, &remote)
        .args(["plan", "--detailed-exitcode"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains(
            "No changes. 3 trainings up to date",
        ));
    // A second pull finds every file the same.
    let again = ok(&repo, &remote, &["pull"]);
    assert_eq!(again.matches("same     ").count(), 3, "{again}");
}

#[test]
fn a_hand_made_training_in_an_unmapped_directory_is_refused_with_the_fix() {
    let repo = fresh();
    let remote = Remote::in_repo(
        &repo,
        vec![
            record(
                "trn_1",
                "Lost parcels",
                "Ask for the tracking number.",
                json!({"directory_id": "dir_new"}),
            ),
            record("trn_2", "At the root", "Hand-made at the root.", json!({})),
        ],
    );
    let out = run(cxtrain(&repo, &remote).args(["pull", "--all"]), 1);
    let stderr = out.stderr;
    assert!(
        stderr.lines().any(|l| l
            == "error: trn_1 (`Lost parcels`) not pulled: no folder is mapped to its directory \
                `dir_new`: add `\"<folder>\" = \"dir_new\"` under [directories] in cxtrain.toml \
                (`cxtrain status --all` lists the directory ids), then pull again"),
        "{stderr}"
    );
    assert!(!repo.read("cxtrain.toml").contains("dir_new"));
    assert!(!repo.path().join("trainings/dir-dir_new").exists());
    // Once mapped, it is pulled into that folder.
    let config = repo.read("cxtrain.toml");
    repo.write(
        "cxtrain.toml",
        &format!("{config}\n[directories]\nparcels = \"dir_new\"\n"),
    );
    let out = ok(&repo, &remote, &["pull", "--all"]);
    assert!(
        out.contains("adopting parcels/lost-parcels = trn_1"),
        "{out}"
    );
    assert!(
        out.contains("same     ") && out.contains("at-the-root.md"),
        "{out}"
    );
    assert!(
        repo.path()
            .join("trainings/parcels/lost-parcels.md")
            .is_file()
    );
}

#[test]
fn pull_key_force_overwrites_only_that_file_and_shows_the_diff() {
    let repo = fresh();
    let remote = managed(&repo);
    ok(&repo, &remote, &["pull"]);
    repo.edit(
        "trainings/billing/refund-late.md",
        "Offer store credit.",
        "My local edit.",
    );
    repo.edit("trainings/greeting.md", "Say hello", "Wave");
    let greeting = repo.read("trainings/greeting.md");

    // Without --force a differing file is left alone.
    let out = ok(&repo, &remote, &["pull", "billing/refund-late"]);
    assert!(
        out.contains("skipped  ") && out.contains("refund-late.md (exists and differs"),
        "{out}"
    );
    assert!(!out.contains("greeting"), "{out}");

    let out = ok(&repo, &remote, &["pull", "billing/refund-late", "--force"]);
    let path = repo.path().join("trainings/billing/refund-late.md");
    let path = path.display();
    assert_eq!(
        out,
        format!(
            "replaced {path}\n--- {path} (before)\n+++ {path} (pulled)\n@@ -1,4 +1,4 @@\n ---\n title: Refund after thirty days\n ---\n-My local edit.\n+Offer store credit.\n"
        )
    );
    assert!(
        repo.read("trainings/billing/refund-late.md")
            .contains("Offer store credit.")
    );
    assert_eq!(repo.read("trainings/greeting.md"), greeting);

    // A path (relative to the repository) names a file, or a folder's files.
    let out = ok(&repo, &remote, &["pull", "trainings/greeting.md"]);
    assert!(out.contains("greeting.md (exists and differs"), "{out}");
    let out = ok(&repo, &remote, &["pull", "trainings/shipping"]);
    assert!(
        out.starts_with("same     ") && out.contains("customs.md"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1, "{out}");
}

#[test]
fn a_target_that_names_nothing_is_an_error_before_any_write() {
    let repo = fresh();
    let remote = managed(&repo);
    let out = run(
        cxtrain(&repo, &remote).args(["pull", "greeting", "billing/refund-lat"]),
        3,
    );
    let stderr = out.stderr;
    let flat = words(&stderr);
    assert!(
        flat.contains("`billing/refund-lat` is neither the key nor the file of a training"),
        "{stderr}"
    );
    assert!(
        flat.contains("did you mean `billing/refund-late`?"),
        "{stderr}"
    );
    assert!(!repo.path().join("trainings").exists());
}

#[test]
fn the_conflict_refusal_names_the_pull_that_resolves_it() {
    let repo = Repo::new(&format!("{CONFIG}[directories]\nbilling = \"dir_b\"\n"));
    repo.write(
        "trainings/billing/refund-late.md",
        &scenario("Refund after thirty days", "Offer store credit."),
    )
    .write(
        "trainings/greeting.md",
        &scenario("Greeting", "Say hello and offer help."),
    );
    let remote = Remote::start();
    remote.seed_from(&repo);
    remote.dashboard_edit(
        "billing/refund-late",
        json!({"content": "Offer a full refund."}),
    );
    repo.edit(
        "trainings/billing/refund-late.md",
        "store credit",
        "store credit, always",
    );
    let out = run(cxtrain(&repo, &remote).arg("plan"), 4);
    let stderr = out.stderr;
    assert!(
        words(&stderr).contains("run `cxtrain pull billing/refund-late --force`"),
        "{stderr}"
    );
    // Running it takes the dashboard's text, and the conflict is gone.
    let out = ok(&repo, &remote, &["pull", "billing/refund-late", "--force"]);
    assert!(
        out.contains("-Offer store credit, always.\n+Offer a full refund.\n"),
        "{out}"
    );
    let plan = ok(&repo, &remote, &["plan"]);
    assert!(plan.contains("No changes."), "{plan}");
}

/// A local file and a hand-made remote training that says nearly the same,
/// plus an unrelated hand-made one.
fn hand_made() -> (Repo, Remote) {
    let repo = Repo::new(CONFIG);
    repo.write(
        "trainings/lost-parcels.md",
        &scenario(
            "Lost parcels",
            "Ask for the tracking number, then open a claim.",
        ),
    );
    let remote = Remote::in_repo(
        &repo,
        vec![
            record(
                "trn_7",
                "Parcel lost in transit",
                "Ask for the tracking number, then open a claim.",
                json!({}),
            ),
            record(
                "trn_8",
                "Opening hours",
                "We are open from nine to five.",
                json!({}),
            ),
        ],
    );
    (repo, remote)
}

#[test]
fn adopt_key_id_then_apply_tags_without_duplicates() {
    let (repo, remote) = hand_made();
    let plan = ok(&repo, &remote, &["plan"]);
    assert!(plan.contains("1 to create"), "{plan}");

    let out = ok(&repo, &remote, &["pull", "--adopt", "lost-parcels=trn_7"]);
    assert!(out.contains("adopting lost-parcels = trn_7 in "), "{out}");
    // The file is the truth: it differs (its title), so it is kept.
    assert!(out.contains("lost-parcels.md (exists and differs"), "{out}");
    assert!(
        repo.read("cxtrain.toml")
            .ends_with("\n[adopt]\nlost-parcels = \"trn_7\"\n")
    );

    let plan = ok(&repo, &remote, &["plan"]);
    assert!(plan.contains("0 to create, 1 to adopt"), "{plan}");
    ok(&repo, &remote, &["apply", "--yes"]);
    let trainings = remote.trainings();
    assert_eq!(trainings.len(), 2, "{trainings:#?}");
    let adopted = &trainings["lost-parcels"];
    assert_eq!(adopted.id, "trn_7");
    assert_eq!(adopted.title, "Lost parcels");
    assert_eq!(adopted.metadata_str("cxtrain_workspace"), Some("bot"));
    cxtrain(&repo, &remote)
        .args(["plan", "--detailed-exitcode"])
        .assert()
        .code(0);
}

#[test]
fn adopt_key_finds_the_one_look_alike() {
    let (repo, remote) = hand_made();
    let out = ok(
        &repo,
        &remote,
        &["pull", "--adopt", "lost-parcels", "--force"],
    );
    assert!(out.contains("adopting lost-parcels = trn_7 in "), "{out}");
    // --force takes the remote's text into the file, showing what it replaced.
    assert!(
        out.contains("-title: Lost parcels\n+title: Parcel lost in transit\n"),
        "{out}"
    );
    let plan = ok(&repo, &remote, &["plan"]);
    assert!(
        plan.contains("0 to create, 1 to adopt, 0 to update"),
        "{plan}"
    );
}

#[test]
fn adoptions_that_cannot_be_made_write_nothing() {
    let (repo, remote) = hand_made();
    repo.write(
        "trainings/hours.md",
        &scenario("Opening hours", "Open nine to five."),
    );
    let config = repo.read("cxtrain.toml");
    let theirs = remote.create(&cxtrain::remote::api::TrainingInput {
        title: "Theirs".into(),
        content: "Owned by another repository.".into(),
        kind: cxtrain::model::TrainingType::ScenarioSpecific,
        is_draft: false,
        directory_id: None,
        restricted_to_channels: vec![],
        restricted_to_segments: vec![],
        metadata: [("cxtrain_workspace".to_owned(), "other".to_owned())].into(),
    });
    for (args, code, message) in [
        (
            vec!["--adopt", &*format!("x={}", theirs.id)],
            4,
            format!("training `{}` belongs to workspace `other`", theirs.id),
        ),
        (
            vec!["--adopt", "x=trn_404"],
            3,
            "there is no training `trn_404` on the remote".to_owned(),
        ),
        (
            vec!["--adopt", "../x=trn_7"],
            3,
            "cannot adopt as `../x`: `key` must not contain `..` segments".to_owned(),
        ),
        (
            vec!["--adopt", "missing"],
            3,
            "no file has the key `missing`".to_owned(),
        ),
        (
            vec!["--adopt", "a=trn_7", "--adopt", "b=trn_7"],
            3,
            "`trn_7` appears in two --adopt requests".to_owned(),
        ),
    ] {
        let stderr = words(&run(cxtrain(&repo, &remote).arg("pull").args(&args), code).stderr);
        assert!(stderr.contains(&message), "{args:?}: {stderr}");
        assert_eq!(repo.read("cxtrain.toml"), config, "{args:?}");
    }
    // Two hand-made trainings look like it: the user picks.
    remote.create(&cxtrain::remote::api::TrainingInput {
        title: "Opening hours".into(),
        content: "Another text entirely, about holidays.".into(),
        kind: cxtrain::model::TrainingType::ScenarioSpecific,
        is_draft: false,
        directory_id: None,
        restricted_to_channels: vec![],
        restricted_to_segments: vec![],
        metadata: Default::default(),
    });
    let out = run(
        cxtrain(&repo, &remote).args(["pull", "--adopt", "hours"]),
        3,
    );
    let stderr = words(&out.stderr);
    assert!(
        stderr.contains("2 hand-made trainings look like `hours`: "),
        "{stderr}"
    );
    assert!(stderr.contains("trn_8 (`Opening hours`)"), "{stderr}");
    assert!(stderr.contains("cxtrain pull --adopt hours=ID"), "{stderr}");
    assert_eq!(repo.read("cxtrain.toml"), config);
}
