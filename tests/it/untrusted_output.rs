//! Remote text never reaches a terminal or a CI log raw: hostile titles,
//! keys, contents, ids and server messages — terminal escapes (CSI, OSC 52,
//! BEL), C1, DEL, bidi overrides and GitHub workflow commands — run through
//! `plan` (human and markdown), `apply`, `search`, `validate` and the final
//! error report, which show them escaped, exactly. A server echoing the key
//! shows none of it, credentials in the API URL are never repeated, and an
//! id no URL can hold is never requested.

use cxtrain::remote::api;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{
    Printed, Remote, Repo, assert_lines, cxtrain, cxtrain_at, record, run, scenario,
};

/// A title with a clipboard write (OSC 52), a colour, BEL, C1, DEL and a
/// right-to-left override.
const TITLE: &str = "Refund \u{1b}]52;c;cHduZWQ=\u{7} \u{1b}[31mnow\u{9b}0m\u{7f}\u{202e}txt";
/// How every human output shows [`TITLE`].
const TITLE_SHOWN: &str =
    r"Refund \u{1b}]52;c;cHduZWQ=\u{7} \u{1b}[31mnow\u{9b}0m\u{7f}\u{202e}txt";
/// Content whose lines are workflow commands and escapes.
const CONTENT: &str = "Offer store credit.\n::error file=x::pwned\n##[group]hidden\n  ::warning::indented\nBell\u{7} and \u{1b}[2J clear.";
/// A key holding escapes and a workflow command.
const KEY: &str = "gone/\u{1b}[1mbold::error::k";
/// An id holding escapes.
const ID: &str = "trn_\u{1b}]0;title\u{7}";

/// Whether `c` could drive a terminal: C0 but line breaks and tabs, DEL,
/// C1, and the bidi overrides and isolates.
pub fn is_raw(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Fails when `out` holds anything that could drive a terminal or a CI log.
pub fn assert_inert(out: &str) {
    if let Some(c) = out.chars().find(|c| is_raw(*c)) {
        panic!("raw {c:?} in output:\n{out}");
    }
    for line in out.lines() {
        let line = line.trim_start();
        assert!(
            !line.starts_with("::") && !line.contains("##["),
            "workflow command in output: {line:?}\n{out}"
        );
    }
}

/// A repository with one file, `kept.md`, applied; the remote edits it in
/// the dashboard with hostile text and also holds a managed training with a
/// hostile key and id whose file is gone.
fn hostile() -> (Repo, Remote) {
    let repo = Repo::new("workspace = \"bot\"\n\n[api]\nrequests_per_minute = 0\n");
    repo.write(
        "trainings/kept.md",
        &scenario("Kept", "Offer store credit."),
    );
    let gone = record(
        ID,
        TITLE,
        CONTENT,
        json!({"metadata": {"cxtrain_workspace": "bot", "cxtrain_key": KEY}}),
    );
    let remote = Remote::in_repo(&repo, vec![gone]);
    remote.seed_from(&repo);
    remote.dashboard_edit("kept", json!({"title": TITLE, "content": CONTENT}));
    (repo, remote)
}

#[test]
fn plan_shows_hostile_remote_text_escaped() {
    let (repo, remote) = hostile();
    let out = run(
        cxtrain(&repo, &remote).args(["plan", "--allow-deletes", "1"]),
        0,
    );
    let stdout = out.stdout;
    assert_inert(&stdout);
    assert_inert(&out.stderr);
    assert_lines(
        &stdout,
        &[
            r"! 1 training will be deleted: gone/\u{1b}[1mbold::error::k".to_owned(),
            r"  ~ kept  trainings/kept.md  (trn_00000100)".to_owned(),
            format!("      title     \"{TITLE_SHOWN}\" → \"Kept\""),
            r"        -\u{3a}:error file=x::pwned".to_owned(),
            r"        -#\u{23}[group]hidden".to_owned(),
            r"        -  \u{3a}:warning::indented".to_owned(),
            r"        -Bell\u{7} and \u{1b}[2J clear.".to_owned(),
            r"  - gone/\u{1b}[1mbold::error::k  (trn_\u{1b}]0;title\u{7})".to_owned(),
            format!("      title     \"{TITLE_SHOWN}\""),
        ],
    );
}

#[test]
fn markdown_plan_shows_hostile_remote_text_escaped() {
    let (repo, remote) = hostile();
    let out = run(
        cxtrain(&repo, &remote).args(["plan", "--allow-deletes", "1", "--format", "markdown"]),
        0,
    );
    let stdout = out.stdout;
    assert_inert(&stdout);
    assert_lines(
        &stdout,
        &[
            r"-::error file=x::pwned",
            r"-#\u{23}[group]hidden",
            r"-  ::warning::indented",
            r"-Bell\u{7} and \u{1b}[2J clear.",
            r"- **Remote id:** <code>trn\_\\u\{1b\}\]0\;title\\u\{7\}</code>",
            r"- **Title:** <code>Refund \\u\{1b\}\]52\;c\;cHduZWQ\=\\u\{7\} \\u\{1b\}\[31mnow\\u\{9b\}0m\\u\{7f\}\\u\{202e\}txt</code>",
        ],
    );
    assert!(
        stdout.contains(
            r"<code>gone/\u{1b}[1mbold::error::k</code> — Refund \u{1b}]52;c;cHduZWQ=\u{7}"
        ),
        "{stdout}"
    );
}

#[test]
fn apply_progress_and_summary_show_hostile_text_escaped() {
    let (repo, remote) = hostile();
    let out = run(
        cxtrain(&repo, &remote).args(["apply", "--yes", "--allow-deletes", "1"]),
        0,
    );
    let stdout = out.stdout;
    assert_inert(&stdout);
    assert_inert(&out.stderr);
    assert!(
        stdout
            .lines()
            .any(|l| l == r"- gone/\u{1b}[1mbold::error::k  deleted"),
        "{stdout}"
    );
    assert!(remote.trainings().keys().all(|k| k == "kept"));
}

#[test]
fn search_shows_hostile_titles_escaped() {
    let (repo, remote) = hostile();
    let out = run(cxtrain(&repo, &remote).args(["search", "refund"]), 0);
    let stdout = out.stdout;
    assert_inert(&stdout);
    let cut: String = TITLE_SHOWN.chars().take(59).collect();
    assert!(
        stdout
            .lines()
            .any(|l| l.contains(&format!("{cut}…")) && l.ends_with("trainings/kept.md")),
        "{stdout}"
    );
}

/// A runtime for a scripted server that must outlive each blocking command.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// Makes `server` list `training` as the only one.
async fn lists(server: &MockServer, training: Value) {
    Mock::given(method("GET"))
        .and(path(api::paths::TRAININGS))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"items": [training], "total": 1, "limit": 100, "offset": 0, "has_more": false}),
        ))
        .mount(server)
        .await;
}

/// `apply --yes --allow-deletes 1` of an empty repository against
/// `server`, which must fail.
fn apply_against(server: &MockServer) -> Printed {
    let repo = Repo::new("workspace = \"bot\"\n\n[api]\nrequests_per_minute = 0\n");
    let args = ["apply", "--yes", "--allow-deletes", "1"];
    run(
        cxtrain_at(&repo, &server.uri(), "ocx_test_key").args(args),
        1,
    )
}

/// A server message that tries everything, at the start of a line too.
const MESSAGE: &str = "::error::pwned\n##[group]x \u{1b}]52;c;cHduZWQ=\u{7}\u{9b}\u{7f}\u{202e}";
/// How one line shows [`MESSAGE`] (the client escapes server text where it
/// enters an error, so even its leading `::` is defused).
const MESSAGE_SHOWN: &str =
    r"\u{3a}:error::pwned\u{a}#\u{23}[group]x \u{1b}]52;c;cHduZWQ=\u{7}\u{9b}\u{7f}\u{202e}";

#[test]
fn a_hostile_api_error_message_is_shown_escaped() {
    let rt = runtime();
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(400).set_body_json(json!({"message": [MESSAGE]})))
            .mount(&server)
            .await;
        server
    });
    let repo = Repo::new("workspace = \"bot\"\n");
    let out = run(
        cxtrain_at(&repo, &server.uri(), "ocx_test_key").args(["plan"]),
        1,
    );
    let stderr = out.stderr;
    assert_inert(&stderr);
    // The report keeps the message's line break, behind miette's gutter.
    assert!(
        stderr.contains(concat!(
            r"  × GET /training: 400, the server rejected the request: \u{3a}:error::pwned",
            "\n",
            r"  │ #\u{23}[group]x \u{1b}]52;c;cHduZWQ=\u{7}\u{9b}\u{7f}\u{202e}",
            "\n"
        )),
        "{stderr}"
    );
}

#[test]
fn a_hostile_message_for_one_change_is_shown_escaped_in_progress_and_summary() {
    let rt = runtime();
    let gone: Value = json!({
        "id": ID, "title": TITLE, "content": CONTENT, "type": "SCENARIO_SPECIFIC",
        "is_draft": false, "metadata": {"cxtrain_workspace": "bot", "cxtrain_key": KEY},
    });
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        lists(&server, gone).await;
        Mock::given(method("DELETE"))
            .respond_with(ResponseTemplate::new(422).set_body_json(json!({"message": MESSAGE})))
            .mount(&server)
            .await;
        server
    });
    let out = apply_against(&server);
    let (stdout, stderr) = (out.stdout, out.stderr);
    assert_inert(&stdout);
    assert_inert(&stderr);
    let endpoint = r"DELETE /training/trn_%1B%5D0%3Btitle%07";
    let failure = format!("{endpoint}: 422, the server rejected the request: {MESSAGE_SHOWN}");
    assert!(
        stdout.lines().any(|l| l
            == format!(r"✗ gone/\u{{1b}}[1mbold::error::k  failed to apply (deleted): {failure}")),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l == format!(r"  ✗ gone/\u{{1b}}[1mbold::error::k: {failure}")),
        "{stdout}"
    );
}

#[test]
fn credentials_in_the_api_url_are_refused_and_never_shown() {
    let repo = Repo::new("workspace = \"bot\"\n");
    for via_env in [false, true] {
        let mut cmd = assert_cmd::Command::cargo_bin("cxtrain").unwrap();
        cmd.env("OPENCX_API_KEY", "ocx_test_key")
            .args(["--color", "never", "--dir"])
            .arg(repo.path());
        let url = "https://deploy:hunter2secret@api.open.cx";
        if via_env {
            cmd.env("OPENCX_API_URL", url);
        } else {
            cmd.env_remove("OPENCX_API_URL").args(["--api-url", url]);
        }
        let out = run(cmd.arg("plan"), 1);
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(!all.contains("hunter2"), "{all}");
        assert!(!all.contains("deploy"), "{all}");
        assert!(
            all.contains("invalid API URL `https://***@api.open.cx`"),
            "{all}"
        );
        // Nor does --help, with the URL in the environment.
        if via_env {
            let help = cmd_help(url);
            assert!(!help.contains("hunter2"), "{help}");
        }
    }
}

fn cmd_help(url: &str) -> String {
    let out = run(
        assert_cmd::Command::cargo_bin("cxtrain")
            .unwrap()
            .env("OPENCX_API_URL", url)
            .args(["plan", "--help"]),
        0,
    );
    out.stdout
}

/// A repository whose file name, front matter and body hold escapes and
/// workflow commands, and fails validation on each of them.
fn hostile_files() -> Repo {
    let repo = Repo::new("workspace = \"bot\"\n");
    repo.write(
        "trainings/e\u{1b}]52;c;eA==\u{7}.md",
        "---\nchannels: [\"w\\e[2Jb\", \"::error::x\"]\n---\nLong enough body.\n",
    )
    .write(
        "trainings/short.md",
        "---\ntitle: Short\n---\n::e\u{1b}[2J\u{9b}\n",
    );
    repo
}

#[test]
fn validate_shows_hostile_file_text_escaped() {
    let repo = hostile_files();
    let out = run(
        assert_cmd::Command::cargo_bin("cxtrain")
            .unwrap()
            .args(["--color", "never", "validate"])
            .arg(repo.path()),
        3,
    );
    let stdout = out.stdout;
    assert_inert(&stdout);
    assert_inert(&out.stderr);
    for needle in [
        r"unknown channel `w\u{1b}[2Jb`",
        r"unknown channel `::error::x`",
        r"trainings/e\u{1b}]52;c;eA==\u{7}.md:2:12]",
        r"trainings/short.md:4:1]",
        r" 4 │ \u{3a}:e\u{1b}[2J\u{9b}",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in:\n{stdout}");
    }
}

#[test]
fn validate_annotations_cannot_break_out_of_their_line() {
    let repo = hostile_files();
    let out = run(
        assert_cmd::Command::cargo_bin("cxtrain")
            .unwrap()
            .args(["--color", "never", "validate", "--format", "github"])
            .arg(repo.path()),
        3,
    );
    let stdout = out.stdout;
    let lines: Vec<&str> = stdout.lines().collect();
    let (summary, annotations) = lines.split_last().unwrap();
    assert_eq!(
        *summary, "checked 2 files: 3 errors, 0 warnings",
        "{stdout}"
    );
    assert_eq!(annotations.len(), 3, "{stdout}");
    for (line, file) in annotations.iter().zip([
        r"e\u{1b}]52;c;eA==\u{7}.md,line=2,col=12,",
        r"e\u{1b}]52;c;eA==\u{7}.md,line=2,col=23,",
        "short.md,line=4,col=1,",
    ]) {
        assert!(line.starts_with("::error file="), "{stdout}");
        assert!(line.contains(file), "{file} in {stdout}");
        assert!(!line.chars().any(is_raw), "{line:?}");
    }
    assert!(
        annotations[2].ends_with(r"content has 8 characters; at least 10 are required%0Ahelp: describe what the AI should do in this situation"),
        "{stdout}"
    );
}

#[test]
fn a_server_echoing_the_key_past_the_cut_shows_none_of_it() {
    let key = "ocx_live_0123456789abcdefghijklmn";
    let rt = runtime();
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        // The cut at 300 characters falls inside the echoed key.
        let message = format!("{} Bearer {key}", "x".repeat(285));
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(400).set_body_json(json!({"message": message})))
            .mount(&server)
            .await;
        server
    });
    let repo = Repo::new("workspace = \"bot\"\n");
    let out = run(cxtrain_at(&repo, &server.uri(), key).args(["plan"]), 1);
    let all = format!("{}{}", out.stdout, out.stderr);
    let flat: String = all.split_whitespace().collect();
    for run in key.as_bytes().windows(4) {
        let run = std::str::from_utf8(run).unwrap();
        assert!(!flat.contains(run), "{run:?} of the key in:\n{all}");
    }
    assert!(flat.contains("xBearer***"), "{all}");
}

#[test]
fn an_id_no_request_can_name_is_never_requested() {
    let rt = runtime();
    let gone = record(
        "..",
        "Parent",
        "Resolves to the base path.",
        json!({"metadata": {"cxtrain_workspace": "bot", "cxtrain_key": "gone"}}),
    );
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        lists(&server, gone).await;
        server
    });
    let out = apply_against(&server);
    assert!(
        out.stdout
            .contains("refusing to request training id `..`: it cannot name a training in a URL"),
        "{}",
        out.stdout
    );
    let requests = rt.block_on(server.received_requests()).unwrap();
    assert!(
        requests
            .iter()
            .all(|r| r.method.as_str() == "GET" && r.url.path() == "/training"),
        "{requests:?}"
    );
}
