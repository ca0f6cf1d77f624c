//! Environments end to end: one repository, two emulators standing in for a
//! staging and a production organisation (different keys, different
//! directory ids), the real binary choosing between them with `--env`.

use assert_cmd::Command;
use cxtrain::emulator::EmulatorConfig;
use predicates::prelude::*;

use cxtrain::model::Training;

use crate::common::{Remote, Repo, applied_input, says, scenario};

const STAGING_KEY_VAR: &str = "CXTRAIN_TEST_KEY_STAGING";
const PRODUCTION_KEY_VAR: &str = "CXTRAIN_TEST_KEY_PRODUCTION";

/// A repository with `staging` and `production` environments, each an
/// emulator of its own.
struct Envs {
    repo: Repo,
    staging: Remote,
    production: Remote,
}

impl Envs {
    fn new() -> Envs {
        let staging = Remote::with(EmulatorConfig {
            api_key: "ocx_staging_key_5f1a".into(),
            ..EmulatorConfig::default()
        });
        let production = Remote::with(EmulatorConfig {
            api_key: "ocx_production_key_9c3e".into(),
            ..EmulatorConfig::default()
        });
        let repo = Repo::new(&format!(
            r#"workspace = "support-bot"

[directories]
"billing" = "dir_shared_billing"

[api]
requests_per_minute = 0

[environments.staging]
api_url = "{}"
api_key_env = "{STAGING_KEY_VAR}"
[environments.staging.directories]
"billing" = "dir_s_billing"
"shipping" = "dir_s_shipping"

[environments.production]
api_url = "{}"
api_key_env = "{PRODUCTION_KEY_VAR}"
[environments.production.directories]
"billing" = "dir_p_billing"
"shipping" = "dir_p_shipping"
"#,
            staging.url(),
            production.url()
        ));
        repo.write(
            "trainings/billing/refund.md",
            &scenario("Refund after 30 days", "Apologise and offer store credit."),
        )
        .write(
            "trainings/shipping/customs.md",
            &scenario("Customs fees", "Explain who pays customs on delivery."),
        )
        .write(
            "trainings/beta.md",
            "---\ntitle: Beta returns portal\nenvironments: [staging]\n---\nSend customers to the new returns portal.\n",
        );
        Envs {
            repo,
            staging,
            production,
        }
    }

    /// The binary in the repository, with each environment's key in its own
    /// variable and no shared key, URL or environment set.
    fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("cxtrain").expect("binary");
        cmd.env_remove("OPENCX_API_KEY")
            .env_remove("OPENCX_API_URL")
            .env_remove("CXTRAIN_ENV")
            .env(STAGING_KEY_VAR, self.staging.key())
            .env(PRODUCTION_KEY_VAR, self.production.key())
            .arg("--dir")
            .arg(self.repo.path())
            .args(["--color", "never"]);
        cmd
    }

    fn run(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        self.cmd().args(args).assert()
    }

    /// Requests each emulator refused for a wrong or missing key.
    fn unauthorized(&self) -> (u64, u64) {
        (
            self.staging.stats().unauthorized,
            self.production.stats().unauthorized,
        )
    }
}

#[test]
fn one_repository_lands_in_the_right_directory_of_each_environment() {
    let envs = Envs::new();
    envs.run(&["apply", "--env", "staging", "--yes"])
        .success()
        .stdout(predicate::str::contains(
            "Apply complete in environment staging: 3 created",
        ));
    envs.run(&["apply", "--env", "production", "--yes"])
        .success()
        .stdout(predicate::str::contains(
            "Apply complete in environment production: 2 created",
        ));
    for (remote, key, directory) in [
        (&envs.staging, "billing/refund", "dir_s_billing"),
        (&envs.staging, "shipping/customs", "dir_s_shipping"),
        (&envs.production, "billing/refund", "dir_p_billing"),
        (&envs.production, "shipping/customs", "dir_p_shipping"),
    ] {
        assert_eq!(
            remote.get(key).directory_id.as_deref(),
            Some(directory),
            "{key}"
        );
    }
    envs.run(&[
        "plan",
        "--env",
        "staging",
        "--env",
        "production",
        "--detailed-exitcode",
    ])
    .code(0);
    assert_eq!(envs.unauthorized(), (0, 0));
}

#[test]
fn a_training_limited_to_staging_reaches_staging_only() {
    let envs = Envs::new();
    envs.run(&["apply", "--env", "staging", "--yes"]).success();
    envs.run(&["apply", "--env", "production", "--yes"])
        .success();
    assert!(envs.staging.trainings().contains_key("beta"));
    let production = envs.production.trainings();
    assert!(!production.contains_key("beta"), "{production:?}");
    assert_eq!(production.len(), 2);
    // Promoting it is one edit: the next production plan creates it.
    envs.repo.edit(
        "trainings/beta.md",
        "environments: [staging]",
        "environments: [staging, production]",
    );
    envs.run(&["plan", "--env", "production"])
        .success()
        .stdout(predicate::str::contains("Create (1)").and(predicate::str::contains("+ beta")));
}

#[test]
fn a_staging_plan_file_is_refused_for_production_and_applies_to_staging() {
    let envs = Envs::new();
    let plan = envs.repo.path().join("plan-staging.json");
    envs.cmd()
        .args(["plan", "--env", "staging", "--out"])
        .arg(&plan)
        .assert()
        .success();
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    assert_eq!(saved["environment"], "staging");
    envs.production.reset_stats();
    envs.cmd()
        .args(["apply", "--env", "production", "--yes"])
        .arg(&plan)
        .assert()
        .code(4)
        .stderr(says(
            "was made for environment `staging`, but this run targets `production`",
        ));
    assert_eq!(envs.production.writes(), 0);
    assert!(envs.production.trainings().is_empty());
    // Without --env the plan file names its environment.
    envs.cmd()
        .args(["apply", "--yes"])
        .arg(&plan)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "in environment staging: 3 created",
        ));
    assert_eq!(envs.staging.trainings().len(), 3);
    assert!(envs.production.trainings().is_empty());
}

#[test]
fn a_missing_mapping_is_a_validation_error_naming_the_environment() {
    let envs = Envs::new();
    let config = envs.repo.read("cxtrain.toml");
    envs.repo.write(
        "cxtrain.toml",
        &config.replace("\"shipping\" = \"dir_p_shipping\"\n", ""),
    );
    envs.run(&["validate"]).code(3).stdout(
        predicate::str::contains(
            "folder `shipping` is not mapped to an OpenCX directory in environment \
                 `production`",
        )
        .and(predicate::str::contains(
            "`[environments.production.directories]`",
        ))
        .and(predicate::str::contains("environment `staging`").not()),
    );
    // Planning staging alone is refused too: the repository does not validate.
    envs.run(&["plan", "--env", "staging"]).code(3);
    assert_eq!(envs.staging.stats().total_requests, 0);
    // A training kept to staging needs no production mapping.
    envs.repo.edit(
        "trainings/shipping/customs.md",
        "title: Customs fees",
        "title: Customs fees\nenvironments: [staging]",
    );
    envs.run(&["validate"]).success();
}

#[test]
fn front_matter_environments_must_exist() {
    let envs = Envs::new();
    envs.repo.edit(
        "trainings/beta.md",
        "environments: [staging]",
        "environments: [stagin]",
    );
    envs.run(&["validate"]).code(3).stdout(
        predicate::str::contains("unknown environment `stagin`")
            .and(predicate::str::contains("did you mean `staging`?")),
    );
}

#[test]
fn a_multi_environment_markdown_plan_has_one_section_per_environment() {
    let envs = Envs::new();
    envs.run(&["apply", "--env", "staging", "--yes"]).success();
    let out = envs
        .cmd()
        .args([
            "plan",
            "--env",
            "staging",
            "--env",
            "production",
            "--format",
            "markdown",
            "--detailed-exitcode",
            "--out",
        ])
        .arg(envs.repo.path().join("plan-{env}.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "production has changes");
    let md = String::from_utf8(out.stdout).unwrap();
    assert_eq!(md.matches("<!-- cxtrain-plan -->").count(), 1, "{md}");
    assert!(md.starts_with("<!-- cxtrain-plan -->\n"), "{md}");
    let headings: Vec<&str> = md.lines().filter(|l| l.starts_with("### ")).collect();
    assert_eq!(
        headings,
        [
            "### cxtrain plan for workspace <code>support-bot</code> in <code>staging</code>",
            "### cxtrain plan for workspace <code>support-bot</code> in <code>production</code>",
        ]
    );
    // Each section opens with its own fingerprint, which the Action reads back.
    let at = |needle: &str| {
        assert_eq!(md.matches(needle).count(), 1, "{needle} in {md}");
        md.find(needle).unwrap()
    };
    let order = [
        at("<!-- cxtrain:fingerprint env=staging "),
        at(headings[0]),
        at("<!-- cxtrain:fingerprint env=production "),
        at(headings[1]),
    ];
    assert!(order.is_sorted(), "{md}");
    let (staging, production) = md.split_once(headings[1]).unwrap();
    assert!(staging.contains("**No changes.**"), "{staging}");
    assert!(production.contains("dir\\_p\\_billing"), "{production}");
    assert!(!production.contains("beta"), "{production}");
    for env in ["staging", "production"] {
        let file = envs.repo.path().join(format!("plan-{env}.json"));
        let saved: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        assert_eq!(saved["environment"], env);
    }
}

#[test]
fn several_environments_need_a_placeholder_in_out_and_no_api_url() {
    let envs = Envs::new();
    envs.run(&[
        "plan",
        "--env",
        "staging",
        "--env",
        "production",
        "--out",
        "plan.json",
    ])
    .code(3)
    .stderr(says("names one file for 2 environments"));
    envs.cmd()
        .args(["--api-url", &envs.staging.url()])
        .args(["plan", "--env", "staging", "--env", "production"])
        .assert()
        .code(3)
        .stderr(says(
            "would send the API key of every planned environment to one URL",
        ));
    assert_eq!(envs.staging.stats().total_requests, 0);
    assert_eq!(envs.production.stats().total_requests, 0);
}

#[test]
fn the_key_of_one_environment_is_never_sent_to_another() {
    let envs = Envs::new();
    envs.run(&["plan", "--env", "staging", "--env", "production"])
        .success();
    assert!(envs.staging.stats().total_requests > 0);
    assert!(envs.production.stats().total_requests > 0);
    assert_eq!(
        envs.unauthorized(),
        (0, 0),
        "a key reached the wrong server"
    );

    // Production's variable unset: its plan fails, and staging's key (which
    // is set) is not tried on production's server instead.
    envs.production.reset_stats();
    envs.cmd()
        .env_remove(PRODUCTION_KEY_VAR)
        .env("OPENCX_API_KEY", envs.staging.key())
        .args(["plan", "--env", "staging", "--env", "production"])
        .assert()
        .code(1)
        .stderr(says(format!(
            "{PRODUCTION_KEY_VAR} is not set (it holds the API key of environment `production`)"
        )));
    assert_eq!(envs.production.stats().total_requests, 0);
}

#[test]
fn no_environment_selected_lists_the_names() {
    let envs = Envs::new();
    envs.run(&["plan"]).code(3).stderr(says(
        "cxtrain.toml defines environments (production, staging) and none is selected",
    ));
    envs.run(&["plan", "--env", "prod"])
        .code(3)
        .stderr(says("did you mean `production`?"));
    envs.cmd()
        .env("CXTRAIN_ENV", "production")
        .args(["plan"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "Plan for workspace support-bot in environment production\n",
        ));
    let config = envs.repo.read("cxtrain.toml");
    envs.repo.write(
        "cxtrain.toml",
        &config.replace(
            "[directories]",
            "default_env = \"staging\"\n\n[directories]",
        ),
    );
    envs.run(&["plan"])
        .success()
        .stdout(predicate::str::contains("in environment staging"));
    assert_eq!(envs.unauthorized(), (0, 0));
}

#[test]
fn local_keeps_one_state_file_per_environment() {
    let envs = Envs::new();
    envs.run(&["--local", "apply", "--env", "staging", "--yes"])
        .success()
        .stdout(predicate::str::contains("3 created"));
    let state = |env: &str| {
        envs.repo
            .path()
            .join(format!(".cxtrain/local-state-{env}.json"))
    };
    assert!(state("staging").is_file());
    assert!(!state("production").exists());
    envs.run(&["--local", "plan", "--env", "production"])
        .success()
        .stdout(predicate::str::contains("Create (2)"));
    envs.run(&["--local", "plan", "--env", "staging", "--detailed-exitcode"])
        .code(0);
    assert_eq!(envs.staging.stats().total_requests, 0);
}

#[test]
fn without_environments_everything_works_as_before() {
    let repo = Repo::example("support-bot");
    let remote = Remote::start();
    crate::common::cxtrain(&repo, &remote)
        .args(["plan", "--env", "staging"])
        .assert()
        .code(3)
        .stderr(says(
            "`--env staging`: cxtrain.toml defines no environments",
        ));
    crate::common::cxtrain(&repo, &remote)
        .args(["plan", "--format", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"environment\": null"));
}

#[test]
fn pull_keeps_environment_ids_and_lists_in_their_place() {
    let envs = Envs::new();
    envs.run(&["apply", "--env", "staging", "--yes"]).success();
    // A dashboard edit of the staging-only training, pulled over the file:
    // the file keeps its `environments` list.
    envs.staging.dashboard_edit(
        "beta",
        serde_json::json!({"title": "Beta returns portal (pilot)"}),
    );
    envs.run(&["pull", "--env", "staging", "--force"]).success();
    let beta = envs.repo.read("trainings/beta.md");
    assert!(
        beta.contains("title: Beta returns portal (pilot)\n"),
        "{beta}"
    );
    assert!(beta.contains("environments: [staging]\n"), "{beta}");
    // A training of this workspace in a directory only production has: its
    // id goes to production's own table, never the shared one.
    envs.run(&["apply", "--env", "production", "--yes"])
        .success();
    managed(
        &envs.production,
        "returns/policy",
        "Returns policy",
        "dir_p_returns",
    );
    let shared_before = envs.repo.read("cxtrain.toml");
    envs.run(&["pull", "--env", "production"]).success();
    let config = envs.repo.read("cxtrain.toml");
    let (shared, _) = config.split_once("[environments.staging]").unwrap();
    assert_eq!(
        shared,
        shared_before
            .split_once("[environments.staging]")
            .unwrap()
            .0
    );
    let production = config
        .split_once("[environments.production.directories]")
        .unwrap()
        .1;
    assert!(production.contains("= \"dir_p_returns\""), "{config}");
}

/// Creates in `remote` the training `key` as an apply of workspace
/// `support-bot` leaves it, with `title`, in `directory`.
fn managed(remote: &Remote, key: &str, title: &str, directory: &str) {
    let training = Training {
        directory_id: Some(directory.into()),
        ..Training::scenario(key, title, &format!("What {title} says on this remote."))
    };
    remote.create(&applied_input("support-bot", &training));
}

#[test]
fn pull_finds_the_file_of_a_key_whatever_environments_it_lists() {
    let envs = Envs::new();
    // Production's file for `billing/refund-late`, at a path of its own.
    envs.repo.write(
        "trainings/billing/late.md",
        "---\ntitle: Late refunds\nkey: billing/refund-late\nenvironments: [production]\n---\n\
         Explain the late refund policy and offer store credit.\n",
    );
    // Staging holds that key, and a key whose own path is that file.
    managed(
        &envs.staging,
        "billing/refund-late",
        "Late refunds",
        "dir_s_billing",
    );
    managed(
        &envs.staging,
        "billing/late",
        "Late deliveries",
        "dir_s_billing",
    );

    envs.run(&["pull", "--env", "staging", "--force"])
        .code(1)
        .stdout(predicate::str::contains("billing/late.md"))
        .stderr(says("1 training was not pulled"));

    // The key's file took its text and kept what made it production's; no
    // second file holds the key, and the other key did not take the file.
    let late = envs.repo.read("trainings/billing/late.md");
    assert!(late.contains("key: billing/refund-late\n"), "{late}");
    assert!(late.contains("environments: [production]\n"), "{late}");
    assert!(
        late.contains("What Late refunds says on this remote."),
        "{late}"
    );
    assert!(
        !envs
            .repo
            .path()
            .join("trainings/billing/refund-late.md")
            .exists()
    );
    envs.run(&["validate"]).success();
}
