//! Tests of loading `cxtrain.toml`: defaults, every table, every problem
//! reported at its span in one run, discovery, environments.

use super::*;

fn load_text(text: &str) -> Result<Config, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(FILE_NAME), text).unwrap();
    Config::load(dir.path(), None)
}

/// Every problem of `text`: (spanned text, message, help).
fn problems(text: &str) -> Vec<(String, String, Option<String>)> {
    match load_text(text).unwrap_err() {
        ConfigError::Invalid(i) => i
            .problems
            .into_iter()
            .map(|p| (text[p.span].to_owned(), p.message, p.help))
            .collect(),
        other => panic!("{other:?}"),
    }
}

/// The one problem of `text`.
fn invalid(text: &str) -> (String, String, Option<String>) {
    let mut all = problems(text);
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

#[test]
fn defaults_when_absent() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("support-bot");
    std::fs::create_dir_all(repo.join("trainings")).unwrap();
    let c = Config::load(&repo, None).unwrap();
    assert_eq!(c.root.as_str(), "trainings");
    assert_eq!(c.workspace, None, "the folder name is never a workspace");
    assert_eq!(c.api_url, DEFAULT_API_URL);
    assert_eq!(c.api_key_env, "OPENCX_API_KEY");
    assert_eq!(c.limits, Limits::default());
    assert_eq!(c.safety.max_deletes, 10);
    assert_eq!(c.api, ApiSettings::default());
    assert_eq!(c.defaults.kind, TrainingType::ScenarioSpecific);
    assert!(c.environments.is_empty());
    std::fs::remove_dir(repo.join("trainings")).unwrap();
    assert!(Config::load(&repo, None).unwrap().root.is_top());
}

#[test]
fn full_file_loads() {
    let c = load_text(
        r#"
root = "t"
workspace = "w"
api_url = "http://127.0.0.1:1"
api_key_env = "MY_KEY"
ignore = ["drafts/**"]
[defaults]
draft = true
type = "BEHAVIORAL"
[directories]
"billing/" = "dir_1"
[safety]
max_deletes = 3
[api]
requests_per_minute = 0
timeout_secs = 2
backoff_ms = 5
max_trainings = 20
max_body_bytes = 4096
put_accepts_metadata = false
[limits]
title_max = 60
content_max = 500
"#,
    )
    .unwrap();
    assert_eq!(c.root.as_str(), "t");
    assert_eq!(c.workspace.as_deref(), Some("w"));
    assert_eq!(c.api_key_env, "MY_KEY");
    assert_eq!(c.ignore, vec!["drafts/**"]);
    assert_eq!(c.defaults.kind, TrainingType::Behavioral);
    assert!(c.defaults.draft);
    assert_eq!(
        c.directories.get("billing").map(String::as_str),
        Some("dir_1")
    );
    assert_eq!(c.safety.max_deletes, 3);
    assert_eq!(
        c.api,
        ApiSettings {
            requests_per_minute: 0,
            timeout_secs: 2,
            backoff_ms: 5,
            max_trainings: 20,
            max_body_bytes: 4096,
            put_accepts_metadata: false,
        }
    );
    assert_eq!(c.limits.content_max, 500);
}

#[test]
fn unknown_key_points_at_it_with_suggestion() {
    let text = "root = \"t\"\n[safety]\nmax_delets = 3\n";
    let (span, message, help) = invalid(text);
    assert_eq!(span, "max_delets");
    assert_eq!(message, "unknown key `max_delets` in [safety]");
    assert_eq!(help.as_deref(), Some("did you mean `max_deletes`?"));
}

#[test]
fn wrong_type_points_at_value() {
    let text = "[defaults]\ndraft = \"maybe\"\n";
    let (span, message, _) = invalid(text);
    assert_eq!(span, "\"maybe\"");
    assert_eq!(message, "`draft` must be true or false, not a string");
}

#[test]
fn bad_type_name_and_glob_are_errors() {
    let text = "[defaults]\ntype = \"faq\"\n";
    let (span, _, help) = invalid(text);
    assert_eq!(span, "\"faq\"");
    assert!(help.unwrap().contains("behavioral"));
    let text = "ignore = [\"a/[\"]\n";
    let (span, message, _) = invalid(text);
    assert_eq!(span, "\"a/[\"");
    assert!(message.contains("glob"));
}

#[test]
fn every_problem_is_reported_in_one_run_each_with_a_did_you_mean() {
    let text = "\
workspace = \"bot\"
rot = \"trainings\"
[defaults]
drafts = true
[api]
timeout_secs = 0
requests_per_minit = 5
[safety]
max_deletes = \"ten\"
[limits]
title_max = 1
[directorys]
";
    let all = problems(text);
    let shown: Vec<(&str, &str, Option<&str>)> = all
        .iter()
        .map(|(s, m, h)| (s.as_str(), m.as_str(), h.as_deref()))
        .collect();
    assert_eq!(
        shown,
        [
            ("rot", "unknown key `rot`", Some("did you mean `root`?")),
            (
                "drafts",
                "unknown key `drafts` in [defaults]",
                Some("did you mean `draft`?")
            ),
            (
                "0",
                "`timeout_secs` must be between 1 and 3600, not 0",
                Some(
                    "a request given no time always fails, and one left waiting longer than \
                     an hour hangs CI; the default is 30"
                )
            ),
            (
                "requests_per_minit",
                "unknown key `requests_per_minit` in [api]",
                Some("did you mean `requests_per_minute`?")
            ),
            (
                "\"ten\"",
                "`max_deletes` must be a whole number, not a string",
                None
            ),
            (
                "1",
                "`title_max` must be at least 3, not 1",
                Some("titles need at least 3 characters, so a lower limit rejects every title")
            ),
            (
                "directorys",
                "unknown key `directorys`",
                Some("did you mean `directories`?")
            ),
        ]
    );
    let err = load_text(text).unwrap_err();
    assert!(err.to_string().ends_with("has 7 problems"), "{err}");
}

#[test]
fn values_that_cannot_work_are_errors_at_the_value() {
    for (text, token, message) in [
        (
            "[api]\ntimeout_secs = 86400\n",
            "86400",
            "`timeout_secs` must be between 1 and 3600, not 86400",
        ),
        (
            "[api]\nmax_trainings = 0\n",
            "0",
            "`max_trainings` must be at least 1, not 0",
        ),
        (
            "[api]\nmax_body_bytes = 0\n",
            "0",
            "`max_body_bytes` must be at least 1, not 0",
        ),
        (
            "[api]\nrequests_per_minute = -1\n",
            "-1",
            "`requests_per_minute` must be between 0 and 4294967295, not -1",
        ),
        (
            "[limits]\ncontent_max = 9\n",
            "9",
            "`content_max` must be at least 10, not 9",
        ),
        (
            "api_url = \"ftp://example.com\"\n",
            "\"ftp://example.com\"",
            "`api_url` is not an http(s) URL",
        ),
        (
            "api_key_env = \"OPENCX KEY\"\n",
            "\"OPENCX KEY\"",
            "`api_key_env` must be the name of an environment variable",
        ),
        (
            "workspace = \" \"\n",
            "\" \"",
            "`workspace` must be a name without control characters",
        ),
        (
            "[directories]\nbilling = \"\"\n",
            "\"\"",
            "empty id for `billing` in [directories]",
        ),
    ] {
        let (span, got, _) = invalid(text);
        assert_eq!((span.as_str(), got.as_str()), (token, message), "{text}");
    }
    assert_eq!(
        load_text("[api]\nrequests_per_minute = 0\n")
            .unwrap()
            .api
            .requests_per_minute,
        0,
        "0 is documented as unpaced"
    );
}

#[test]
fn root_and_folders_are_normalised_paths_below_the_repository() {
    let c = load_text("root = \"./t//\"\n[directories]\n\"./billing//eu/\" = \"dir_1\"\n").unwrap();
    assert_eq!(c.root.as_str(), "t");
    assert_eq!(
        c.directories.get("billing/eu").map(String::as_str),
        Some("dir_1")
    );
    assert!(load_text("root = \".\"\n").unwrap().root.is_top());
    let text = "root = \"../elsewhere\"\n";
    let (span, message, _) = invalid(text);
    assert_eq!(span, "\"../elsewhere\"");
    assert!(
        message.starts_with("`root` is outside the repository"),
        "{message}"
    );
    assert!(message.contains("climbs out with `..`"), "{message}");
    let text = "[directories]\n\"a/../..\" = \"dir_1\"\n";
    let (span, message, _) = invalid(text);
    assert_eq!(span, "\"a/../..\"");
    assert!(message.contains("invalid folder path"), "{message}");
}

#[cfg(unix)]
#[test]
fn a_root_symlinked_out_of_the_repository_is_an_error() {
    let outside = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("t")).unwrap();
    let text = "root = \"t\"\n";
    std::fs::write(dir.path().join(FILE_NAME), text).unwrap();
    let ConfigError::Invalid(i) = Config::load(dir.path(), None).unwrap_err() else {
        panic!("expected an invalid config");
    };
    assert_eq!(&text[i.problems[0].span.clone()], "\"t\"");
    assert!(
        i.problems[0]
            .message
            .starts_with("`root` is outside the repository: `t` leads to "),
        "{:?}",
        i.problems
    );
}

#[test]
fn adopt_table_maps_keys_to_ids() {
    let c = load_text("[adopt]\n\"billing/refund-late\" = \"trn_123\"\nfaq = \"trn_9\"\n").unwrap();
    assert_eq!(
        c.adopt,
        [
            ("billing/refund-late".to_owned(), "trn_123".to_owned()),
            ("faq".to_owned(), "trn_9".to_owned())
        ]
        .into()
    );
    assert!(load_text("").unwrap().adopt.is_empty());
}

#[test]
fn adopt_table_rejects_bad_entries() {
    let text = "[adopt]\n\"billing/\" = \"trn_1\"\n";
    let (span, message, _) = invalid(text);
    assert_eq!(span, "\"billing/\"");
    assert!(message.contains("invalid training key"), "{message}");
    let text = "[adopt]\nfaq = \" \"\n";
    let (span, message, _) = invalid(text);
    assert_eq!(span, "\" \"");
    assert!(message.contains("empty id"), "{message}");
    let text = "[adopt]\nfaq = 3\n";
    let (span, message, _) = invalid(text);
    assert_eq!(span, "3");
    assert_eq!(message, "`adopt.faq` must be a string, not an integer");
    let text = "[adopt]\nfaq = \"trn_1\"\n[adopts]\n";
    let (span, _, help) = invalid(text);
    assert_eq!(span, "adopts");
    assert_eq!(help.as_deref(), Some("did you mean `adopt`?"));
}

#[test]
fn syntax_errors_point_at_the_text() {
    let text = "root = \"t\"\nworkspace = \n";
    let all = problems(text);
    assert!(!all.is_empty());
    assert!(all[0].1.starts_with("invalid TOML"), "{all:?}");
}

#[test]
fn explicit_missing_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = Config::load(dir.path(), Some(&dir.path().join("nope.toml"))).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }));
}

#[test]
fn the_config_is_found_in_the_folder_or_its_parents() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let deep = repo.join("trainings/billing");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(repo.join(FILE_NAME), "workspace = \"w\"\n").unwrap();
    let here = Located::find(&repo, None).unwrap();
    assert_eq!(here.repo_dir, repo);
    let below = Located::find(&deep, None).unwrap();
    assert_eq!(below.repo_dir, deep.join("..").join(".."));
    assert_eq!(
        std::fs::canonicalize(&below.repo_dir).unwrap(),
        std::fs::canonicalize(&repo).unwrap()
    );
    assert_eq!(below.load().unwrap().workspace.as_deref(), Some("w"));
    let elsewhere = tempfile::tempdir().unwrap();
    let err = Located::find(elsewhere.path(), None).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "no cxtrain.toml in {} or its parents (run `cxtrain init`, or pass `--dir`)",
            elsewhere.path().display()
        )
    );
    let missing = elsewhere.path().join("no-such-folder");
    assert!(matches!(
        Located::find(&missing, None),
        Err(ConfigError::NotFound { .. })
    ));
    let explicit = Located::find(elsewhere.path(), Some(&repo.join(FILE_NAME))).unwrap();
    assert_eq!(explicit.repo_dir, elsewhere.path());
}

const ENVIRONMENTS: &str = r#"
workspace = "support-bot"
default_env = "staging"

[directories]
"billing" = "dir_shared_billing"
"shipping" = "dir_shared_shipping"

[safety]
max_deletes = 10

[environments.staging]
api_url = "https://staging.example"
api_key_env = "OPENCX_API_KEY_STAGING"

[environments.staging.directories]
"billing" = "dir_s_billing"

[environments.production]
api_key_env = "OPENCX_API_KEY_PRODUCTION"
workspace = "support-bot-prod"
defaults = { draft = true }
[environments.production.directories]
"billing" = "dir_p_billing"
[environments.production.safety]
max_deletes = 3
"#;

#[test]
fn an_environment_overrides_the_shared_settings() {
    let c = load_text(ENVIRONMENTS).unwrap();
    assert_eq!(c.environment, None);
    assert_eq!(
        c.environments.keys().collect::<Vec<_>>(),
        ["production", "staging"]
    );
    let staging = c.for_environment("staging").unwrap();
    assert_eq!(staging.environment.as_deref(), Some("staging"));
    assert_eq!(staging.api_url, "https://staging.example");
    assert_eq!(staging.api_key_env, "OPENCX_API_KEY_STAGING");
    assert_eq!(staging.workspace.as_deref(), Some("support-bot"));
    assert_eq!(staging.directories["billing"], "dir_s_billing");
    assert_eq!(staging.directories["shipping"], "dir_shared_shipping");
    assert_eq!(staging.safety.max_deletes, 10);
    assert!(!staging.defaults.draft);
    let production = c.for_environment("production").unwrap();
    assert_eq!(production.api_url, DEFAULT_API_URL);
    assert_eq!(production.workspace.as_deref(), Some("support-bot-prod"));
    assert_eq!(production.directories["billing"], "dir_p_billing");
    assert_eq!(production.safety.max_deletes, 3);
    assert!(production.defaults.draft);
}

#[test]
fn selecting_environments() {
    let c = load_text(ENVIRONMENTS).unwrap();
    let names = |selected: Vec<Config>| -> Vec<Option<String>> {
        selected.into_iter().map(|c| c.environment).collect()
    };
    assert_eq!(names(c.select(&[]).unwrap()), [Some("staging".to_owned())]);
    let both = [
        "production".to_owned(),
        "staging".into(),
        "production".into(),
    ];
    assert_eq!(
        names(c.select(&both).unwrap()),
        [Some("production".to_owned()), Some("staging".to_owned())]
    );
    let err = c.select(&["prod".to_owned()]).unwrap_err();
    assert_eq!(err.to_string(), "unknown environment `prod`");
    let EnvError::Unknown { help, .. } = err else {
        panic!()
    };
    assert_eq!(
        help,
        "did you mean `production`? (defined: production, staging)"
    );

    let no_default = load_text(&ENVIRONMENTS.replace("default_env = \"staging\"", "")).unwrap();
    assert_eq!(
        no_default.select_one(None).unwrap_err(),
        EnvError::NoneSelected {
            names: vec!["production".into(), "staging".into()]
        }
    );
    assert_eq!(
        no_default
            .select_one(Some("production"))
            .unwrap()
            .environment
            .as_deref(),
        Some("production")
    );

    let plain = load_text("workspace = \"w\"\n").unwrap();
    assert_eq!(names(plain.select(&[]).unwrap()), [None]);
    assert_eq!(
        plain.select_one(Some("staging")).unwrap_err(),
        EnvError::NoneDefined {
            name: "staging".into()
        }
    );
}

#[test]
fn environment_problems_are_reported_at_their_spans() {
    let text = r#"
default_env = "stagin"
[environments.Staging]
[environments.staging]
api_key = "x"
[environments.staging.directories]
"billing" = ""
"#;
    let all = problems(text);
    let shown: Vec<(&str, &str)> = all
        .iter()
        .map(|(s, m, _)| (s.as_str(), m.as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            (
                "\"stagin\"",
                "`default_env` names `stagin`, which is not an environment"
            ),
            ("Staging", "invalid environment name `Staging`"),
            ("api_key", "unknown key `api_key` in [environments.staging]"),
            (
                "\"\"",
                "empty id for `billing` in [environments.staging.directories]"
            ),
        ]
    );
    assert_eq!(
        all[0].2.as_deref(),
        Some("did you mean `staging`? (defined: staging)")
    );
    assert_eq!(all[2].2.as_deref(), Some("did you mean `api_key_env`?"));
}

#[test]
fn one_key_variable_for_two_urls_is_an_error() {
    let text = r#"
[environments.staging]
api_url = "https://staging.example"
[environments.production]
"#;
    let (span, message, help) = invalid(text);
    assert_eq!(span, "staging");
    assert_eq!(
        message,
        "environments `production` and `staging` both read their API key from OPENCX_API_KEY but \
         talk to different URLs"
    );
    assert!(help.unwrap().starts_with(
        "give each environment its own variable: `api_key_env = \"OPENCX_API_KEY_STAGING\"`"
    ),);
    // One organisation, two workspaces: one key, one URL.
    load_text("[environments.a]\nworkspace = \"a\"\n[environments.b]\nworkspace = \"b\"\n")
        .unwrap();
}

#[test]
fn environment_names() {
    for ok in ["staging", "prod-eu", "a", "0", "eu_1"] {
        assert!(is_environment_name(ok), "{ok}");
    }
    for bad in ["", "Staging", "-x", "_x", "a b", "a/b", "é"] {
        assert!(!is_environment_name(bad), "{bad}");
    }
}

#[test]
fn a_missing_workspace_says_what_to_add() {
    let c = load_text("").unwrap();
    let err = c.workspace().unwrap_err();
    assert_eq!(err.to_string(), "`workspace` is not set in cxtrain.toml");
    let help = miette::Diagnostic::help(&err).unwrap().to_string();
    assert!(
        help.starts_with("add `workspace = \"<name>\"` at the top"),
        "{help}"
    );
    assert!(help.contains("must never change"), "{help}");
}
