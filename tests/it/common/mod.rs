//! Test harness: a trainings repository in a temporary folder, an emulator
//! on an ephemeral 127.0.0.1 port, and the real binary pointed at both, so a
//! test reads "given these files and this remote, `cxtrain` prints this".
//!
//! ```ignore
//! let repo = Repo::example("support-bot");
//! let remote = Remote::start();
//! remote.seed_from(&repo);
//! repo.write("trainings/billing/new.md", &scenario("A new one", "Body text here."));
//! cxtrain(&repo, &remote).arg("plan").assert().code(0);
//! ```

pub mod fixtures;
pub mod hostile;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cxtrain::emulator::{self, EmulatorConfig, Running, Stats};
use cxtrain::model::{META_HASH, META_KEY, META_WORKSPACE};
use cxtrain::remote::api;
use cxtrain::validate::{self, Checked};

/// A trainings repository in a temporary folder, deleted on drop, with a
/// cache folder of its own (so no test touches the user's cache).
pub struct Repo {
    dir: tempfile::TempDir,
    cache: tempfile::TempDir,
}

impl Repo {
    /// An empty repository: no config, no folders.
    pub fn empty() -> Repo {
        Repo {
            dir: tempfile::tempdir().expect("tempdir"),
            cache: tempfile::tempdir().expect("cache tempdir"),
        }
    }

    /// An empty repository with this `cxtrain.toml`.
    pub fn new(config_toml: &str) -> Repo {
        let repo = Repo::empty();
        repo.write("cxtrain.toml", config_toml);
        std::fs::create_dir_all(repo.path().join("trainings")).expect("root");
        repo
    }

    /// A repository with this `cxtrain.toml` and `n` trainings at the root,
    /// `trainings/t000.md`, `trainings/t001.md`...
    pub fn numbered(config_toml: &str, n: usize) -> Repo {
        let repo = Repo::new(config_toml);
        for i in 0..n {
            repo.write(
                &format!("trainings/t{i:03}.md"),
                &scenario(
                    &format!("Training {i}"),
                    &format!("What to say in case {i}."),
                ),
            );
        }
        repo
    }

    /// A copy of `examples/<name>`, without the `.cxtrain/` state a local
    /// run of the README's quick start leaves there.
    pub fn example(name: &str) -> Repo {
        let repo = Repo::empty();
        copy_example(name, repo.path());
        repo
    }

    /// [`Repo::example`] with client pacing off (`[api] requests_per_minute
    /// = 0`) and a 5 ms retry back-off (`backoff_ms = 5`): for tests where
    /// pacing and back-off are not what is tested, so they run at the
    /// emulator's speed, faults included.
    pub fn unpaced_example(name: &str) -> Repo {
        let repo = Repo::example(name);
        let config = repo.read("cxtrain.toml");
        assert!(
            !config.contains("[api]"),
            "examples/{name} already has [api]"
        );
        repo.write(
            "cxtrain.toml",
            &format!("{config}\n[api]\nrequests_per_minute = 0\nbackoff_ms = 5\n"),
        );
        repo
    }

    /// The repository folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The cache folder runs against this repository use
    /// (`CXTRAIN_CACHE_DIR`): where the shared rate budget goes.
    pub fn cache_dir(&self) -> &Path {
        self.cache.path()
    }

    /// Writes a file (creating folders), relative to the repository.
    pub fn write(&self, rel: &str, text: &str) -> &Repo {
        self.write_bytes(rel, text.as_bytes())
    }

    /// Writes a file that need not be text (creating folders), relative to
    /// the repository.
    pub fn write_bytes(&self, rel: &str, bytes: &[u8]) -> &Repo {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).expect("mkdir");
        std::fs::write(path, bytes).expect("write");
        self
    }

    /// Reads a file relative to the repository.
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).expect("read")
    }

    /// Deletes a file relative to the repository.
    pub fn remove(&self, rel: &str) -> &Repo {
        std::fs::remove_file(self.path().join(rel)).expect("remove");
        self
    }

    /// Moves a file within the repository (creating folders).
    pub fn rename(&self, from: &str, to: &str) -> &Repo {
        let to = self.path().join(to);
        std::fs::create_dir_all(to.parent().unwrap()).expect("mkdir");
        std::fs::rename(self.path().join(from), to).expect("rename");
        self
    }

    /// Replaces text in a file, failing if it is not there.
    pub fn edit(&self, rel: &str, from: &str, to: &str) -> &Repo {
        let text = self.read(rel);
        assert!(text.contains(from), "{rel} does not contain {from:?}");
        self.write(rel, &text.replacen(from, to, 1))
    }

    /// The repository as `plan` sees it (must validate).
    pub fn checked(&self) -> Checked {
        validate::load_checked(self.path(), None)
            .unwrap_or_else(|e| panic!("repository does not validate: {:?}", e.report))
    }

    /// Seeds the embedded local remote (`--local`) with exactly `trainings`.
    pub fn seed_local(&self, trainings: Vec<serde_json::Value>) -> &Repo {
        self.write(".cxtrain/local-state.json", &state_file(trainings))
    }

    /// Every file below the repository except the local remote's state,
    /// `/`-separated and sorted.
    pub fn files(&self) -> Vec<String> {
        let mut files: Vec<String> = walkdir::WalkDir::new(self.path())
            .into_iter()
            .map(|entry| entry.expect("walk repo"))
            .filter(|entry| entry.file_type().is_file())
            .map(|entry| {
                let rel = entry.path().strip_prefix(self.path()).expect("below");
                rel.to_string_lossy().replace('\\', "/")
            })
            .filter(|rel| !rel.starts_with(".cxtrain/"))
            .collect();
        files.sort();
        files
    }

    /// The binary against this repository with `args`: colours off, and no
    /// API key or URL from the environment (each test says which remote).
    pub fn cmd(&self, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::cargo_bin("cxtrain").expect("binary");
        cmd.env_remove("OPENCX_API_KEY")
            .env_remove("OPENCX_API_URL")
            .env(cxtrain::remote::CACHE_DIR_ENV, self.cache_dir())
            .arg("--dir")
            .arg(self.path())
            .args(["--color", "never"])
            .args(args);
        cmd
    }

    /// Every scenario file below `trainings/`, repository-relative.
    pub fn training_files(&self) -> Vec<String> {
        self.checked()
            .trainings
            .into_iter()
            .map(|t| t.path.as_str().to_owned())
            .collect()
    }
}

/// An emulator state file holding exactly `trainings` (API records, ids
/// and all; see [`record`]).
fn state_file(trainings: Vec<serde_json::Value>) -> String {
    serde_json::json!({
        "format": 1,
        "next_id": 100,
        "clock_ms": 1_700_000_000_000_i64,
        "trainings": trainings,
    })
    .to_string()
}

/// Copies `examples/<name>` into `to`, without the `.cxtrain/` state a
/// local run of the README's quick start leaves there.
pub fn copy_example(name: &str, to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    let entries = walkdir::WalkDir::new(&from)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".cxtrain");
    for entry in entries {
        let entry = entry.expect("walk example");
        let target = to.join(entry.path().strip_prefix(&from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// A scenario file with a title and a body.
pub fn scenario(title: &str, body: &str) -> String {
    format!("---\ntitle: {title}\n---\n{body}\n")
}

/// An emulator on 127.0.0.1 — in this process, or a spawned
/// `cxtrain emulator` — stopped on drop.
pub struct Remote {
    rt: tokio::runtime::Runtime,
    server: Option<Server>,
    url: String,
    key: String,
    http: reqwest::Client,
}

enum Server {
    InProcess(Running),
    Process(std::process::Child),
}

impl Remote {
    /// An in-process emulator with the default configuration.
    pub fn start() -> Remote {
        Remote::with(EmulatorConfig::default())
    }

    /// An in-process emulator with this configuration.
    pub fn with(config: EmulatorConfig) -> Remote {
        Remote::try_with(config).expect("emulator starts")
    }

    /// An in-process emulator with this configuration, or why it did not
    /// start.
    pub fn try_with(config: EmulatorConfig) -> Result<Remote, emulator::EmulatorError> {
        let key = config.api_key.clone();
        let rt = runtime();
        let running = rt.block_on(emulator::start(config, ([127, 0, 0, 1], 0).into()))?;
        Ok(Remote {
            url: running.base_url(),
            rt,
            server: Some(Server::InProcess(running)),
            key,
            http: reqwest::Client::new(),
        })
    }

    /// An in-process emulator on the state file `config` names, started
    /// once that file's lock is free.
    ///
    /// The lock is an `flock`, shared with any child process that another
    /// test thread forks before that child's `exec` closes the descriptor;
    /// so the lock an emulator of this process held may outlive it by a
    /// moment, and this waits for it (at most 5 s). A lock another process
    /// holds fails at once.
    pub fn reopen(config: EmulatorConfig) -> Remote {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match Remote::try_with(config.clone()) {
                Ok(remote) => return remote,
                Err(emulator::EmulatorError::StateInUse { holder, .. })
                    if holder == Some(std::process::id()) && Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => panic!("emulator starts: {e:?}"),
            }
        }
    }

    /// An in-process emulator holding exactly `trainings` (API records, ids
    /// and all; see [`record`]), kept in the state file `state`.
    pub fn holding(state: &Path, trainings: Vec<serde_json::Value>) -> Remote {
        std::fs::create_dir_all(state.parent().expect("state file folder")).expect("mkdir");
        std::fs::write(state, state_file(trainings)).expect("state file");
        Remote::with(EmulatorConfig {
            state_file: Some(state.to_owned()),
            ..EmulatorConfig::default()
        })
    }

    /// [`Remote::holding`] with its state file in `repo`'s `.cxtrain/`,
    /// which validate, plan and [`Repo::files`] leave out.
    pub fn in_repo(repo: &Repo, trainings: Vec<serde_json::Value>) -> Remote {
        Remote::holding(&repo.path().join(".cxtrain/remote.json"), trainings)
    }

    /// A `cxtrain emulator --port 0` process with these extra flags; its
    /// URL is read from the line it prints.
    pub fn spawn(extra: &[&str]) -> Remote {
        use std::io::BufRead;
        let key = "ocx_test_spawned";
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("cxtrain"))
            .args(["emulator", "--port", "0", "--api-key", key])
            .args(extra)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn cxtrain emulator");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("emulator prints its address");
        let url = line
            .trim()
            .rsplit(' ')
            .next()
            .filter(|u| u.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_owned();
        Remote {
            rt: runtime(),
            server: Some(Server::Process(child)),
            url,
            key: key.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// The base URL.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The bearer token it expects.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Requests served so far (admin requests excluded).
    pub fn stats(&self) -> Stats {
        serde_json::from_value(self.call(reqwest::Method::GET, "/_emulator/stats", None))
            .expect("stats")
    }

    /// Writes the trainings it holds to `path` (in-process emulators only),
    /// to start other emulators with the same data.
    #[allow(
        dead_code,
        reason = "only benches/plan.rs starts emulators from a saved state"
    )]
    pub fn save_state(&self, path: &Path) {
        match &self.server {
            Some(Server::InProcess(running)) => running.save_state(path).expect("state saved"),
            _ => panic!("only an in-process emulator can save its state"),
        }
    }

    /// Forgets the requests served so far.
    pub fn reset_stats(&self) {
        self.call(reqwest::Method::DELETE, "/_emulator/stats", None);
    }

    /// Requests served so far that could change something: every one but a
    /// `GET`.
    pub fn writes(&self) -> u64 {
        let stats = self.stats();
        let reads = stats
            .by_route
            .iter()
            .filter(|(route, _)| route.starts_with("GET "));
        stats.total_requests - reads.map(|(_, n)| n).sum::<u64>()
    }

    /// Requests served to one route, e.g. `"GET /training"`.
    pub fn requests_to(&self, route: &str) -> u64 {
        self.stats().by_route.get(route).copied().unwrap_or(0)
    }

    /// Every training on the remote, by key (untagged ones by id).
    pub fn trainings(&self) -> BTreeMap<String, api::Training> {
        self.raw_records()
            .into_iter()
            .map(|record| {
                let t: api::Training = serde_json::from_value(record).expect("a training");
                (t.metadata_str(META_KEY).unwrap_or(&t.id).to_owned(), t)
            })
            .collect()
    }

    /// Every training on the remote as the list returns it (raw JSON, so
    /// comparisons see every byte), in id order, duplicates included.
    pub fn raw_records(&self) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        loop {
            let page = self.call(
                reqwest::Method::GET,
                &format!("/training?limit=100&offset={}", out.len()),
                None,
            );
            let items = page["items"].as_array().expect("list page items");
            out.extend(items.iter().cloned());
            if items.is_empty() || page["has_more"] != serde_json::Value::Bool(true) {
                return out;
            }
        }
    }

    /// Every record on the remote, duplicates included, through the real
    /// client.
    pub fn records(&self) -> Vec<api::Training> {
        let mut config = cxtrain::remote::ClientConfig::new(
            self.url(),
            cxtrain::remote::ApiKey::new(self.key.clone()),
        );
        config.requests_per_minute = 0;
        let client = cxtrain::remote::Client::new(config).expect("client");
        self.rt
            .block_on(client.list_all(&api::ListQuery::default()))
            .expect("listing")
            .items
    }

    /// The training with this `cxtrain_key`.
    pub fn get(&self, key: &str) -> api::Training {
        self.trainings()
            .remove(key)
            .unwrap_or_else(|| panic!("no remote training with key {key}"))
    }

    /// Creates a training directly (a hand-made, dashboard-style one when
    /// the metadata carries no cxtrain keys).
    pub fn create(&self, input: &api::TrainingInput) -> api::Training {
        serde_json::from_value(self.call(
            reqwest::Method::POST,
            api::paths::TRAININGS,
            Some(serde_json::to_value(input).unwrap()),
        ))
        .expect("created training")
    }

    /// Creates every training of the repository as a successful apply
    /// leaves it: same fields, tagged with workspace, key and state hash.
    pub fn seed_from(&self, repo: &Repo) {
        self.seed_dir(repo.path());
    }

    /// [`Remote::seed_from`] for the repository in `dir`.
    pub fn seed_dir(&self, dir: &Path) {
        let checked = validate::load_checked(dir, None)
            .unwrap_or_else(|e| panic!("repository does not validate: {:?}", e.report));
        for local in &checked.trainings {
            self.create(&applied_input(
                checked.config.workspace().unwrap(),
                &local.training,
            ));
        }
    }

    /// Simulates a dashboard edit (`PUT /_emulator/dashboard/{id}`), e.g.
    /// `json!({"title": "..."})` or `json!({"draft_content": "..."})`.
    pub fn dashboard_edit(&self, key: &str, edit: serde_json::Value) {
        self.dashboard_edit_id(&self.get(key).id, edit);
    }

    /// [`Remote::dashboard_edit`] of the training with this id.
    pub fn dashboard_edit_id(&self, id: &str, edit: serde_json::Value) {
        self.call(
            reqwest::Method::PUT,
            &format!("/_emulator/dashboard/{id}"),
            Some(edit),
        );
    }

    fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        self.rt.block_on(async {
            let mut req = self
                .http
                .request(method, format!("{}{path}", self.url()))
                .bearer_auth(self.key());
            if let Some(body) = body {
                req = req.json(&body);
            }
            let res = req.send().await.expect("emulator answers");
            let status = res.status();
            let text = res.text().await.expect("body");
            assert!(status.is_success(), "{path}: {status} {text}");
            if text.is_empty() {
                serde_json::Value::Null
            } else {
                serde_json::from_str(&text).expect("json body")
            }
        })
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        match self.server.take() {
            Some(Server::InProcess(running)) => self.rt.block_on(running.shutdown()),
            Some(Server::Process(mut child)) => {
                // Best effort: the process may already be gone.
                let _ = child.kill();
                let _ = child.wait();
            }
            None => {}
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// The unpaced `support-bot` example, and an emulator with `config` holding
/// each of its trainings as a successful apply leaves them.
pub fn seeded_example(config: EmulatorConfig) -> (Repo, Remote) {
    let repo = Repo::unpaced_example("support-bot");
    let remote = Remote::with(config);
    remote.seed_from(&repo);
    (repo, remote)
}

/// The create body of a training made by hand in the dashboard: a published
/// scenario at the root for everyone, with `metadata` (none of cxtrain's
/// keys unless given).
pub fn hand_made(title: &str, content: &str, metadata: &[(&str, &str)]) -> api::TrainingInput {
    api::TrainingInput {
        title: title.into(),
        content: content.into(),
        kind: cxtrain::model::TrainingType::ScenarioSpecific,
        is_draft: false,
        directory_id: None,
        restricted_to_channels: vec![],
        restricted_to_segments: vec![],
        metadata: metadata
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

/// Runs `args` against `repo` and `remote` with stdin not a terminal and
/// no `--yes`: asserts the refusal (exit 4, before any request) and returns
/// its stderr.
pub fn refused_without_terminal(repo: &Repo, remote: &Remote, args: &[&str]) -> String {
    remote.reset_stats();
    let out = cxtrain(repo, remote)
        .args(args)
        .write_stdin("y\n")
        .output()
        .expect("binary runs");
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(remote.stats().total_requests, 0);
    String::from_utf8(out.stderr).expect("UTF-8 stderr")
}

/// A training as the API returns it: a published scenario at the root
/// with no metadata, changed by the fields of `extra`.
pub fn record(id: &str, title: &str, content: &str, extra: serde_json::Value) -> serde_json::Value {
    let mut t = serde_json::json!({
        "id": id,
        "title": title,
        "content": content,
        "type": "SCENARIO_SPECIFIC",
        "is_draft": false,
        "directory_id": null,
        "restricted_to_channels": [],
        "restricted_to_segments": [],
        "current_version": 1,
        "metadata": {},
        "created_at": "2023-11-14T22:13:20.000Z",
        "updated_at": "2023-11-14T22:13:20.000Z",
    });
    for (k, v) in extra.as_object().expect("extra fields") {
        t[k] = v.clone();
    }
    t
}

/// The create body apply sends for a training of `workspace`.
pub fn applied_input(workspace: &str, t: &cxtrain::model::Training) -> api::TrainingInput {
    let mut metadata = t.metadata.clone();
    metadata.insert(META_WORKSPACE.into(), workspace.into());
    metadata.insert(META_KEY.into(), t.key.clone());
    metadata.insert(META_HASH.into(), t.state_hash().0);
    api::TrainingInput {
        title: t.title.clone(),
        content: t.content.clone(),
        kind: t.kind,
        is_draft: t.draft,
        directory_id: t.directory_id.clone(),
        restricted_to_channels: t.channels.iter().cloned().collect(),
        restricted_to_segments: t.segments.iter().cloned().collect(),
        metadata,
    }
}

/// What a finished command printed.
pub struct Printed {
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

/// Runs `cmd`, which must exit with `code`; what it printed.
pub fn run(mut cmd: impl std::borrow::BorrowMut<assert_cmd::Command>, code: i32) -> Printed {
    let out = cmd.borrow_mut().assert().code(code).get_output().clone();
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("UTF-8 output");
    Printed {
        stdout: text(out.stdout),
        stderr: text(out.stderr),
    }
}

/// Fails unless each of `lines` is a whole line of `text`.
pub fn assert_lines<S: AsRef<str>>(text: &str, lines: &[S]) {
    for line in lines {
        let line = line.as_ref();
        assert!(
            text.lines().any(|l| l == line),
            "missing line {line:?} in:\n{text}"
        );
    }
}

/// The binary, run against `repo` and `remote`, colours off.
pub fn cxtrain(repo: &Repo, remote: &Remote) -> assert_cmd::Command {
    cxtrain_at(repo, &remote.url(), remote.key())
}

/// [`cxtrain`] against any server at `url` (a scripted or hostile one) with
/// API key `key`.
pub fn cxtrain_at(repo: &Repo, url: &str, key: &str) -> assert_cmd::Command {
    command(repo, url, key).into()
}

/// The binary as a plain process (to spawn, signal or bound in time),
/// against `repo` and the API at `url` with `key`, colours off.
pub fn command(repo: &Repo, url: &str, key: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("cxtrain"));
    cmd.env("OPENCX_API_KEY", key)
        .env(cxtrain::remote::CACHE_DIR_ENV, repo.cache_dir())
        .env_remove("OPENCX_API_URL")
        .env_remove("NO_COLOR")
        .arg("--dir")
        .arg(repo.path())
        .args(["--api-url", url, "--color", "never"]);
    cmd
}

/// The binary as [`cxtrain`] runs it, with `args`, as a child process (for
/// signals): stdin empty, stdout and stderr piped.
pub fn spawn(repo: &Repo, remote: &Remote, args: &[&str]) -> std::process::Child {
    use std::process::Stdio;
    command(repo, &remote.url(), remote.key())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts")
}

/// Presses Ctrl-C on `child` (SIGINT) and waits for it to end.
pub fn ctrl_c(child: std::process::Child) -> std::process::Output {
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "SIGINT delivered");
    child.wait_with_output().expect("the binary ends")
}

/// [`cxtrain_local`] as a plain process (to spawn several at once).
pub fn command_local(repo: &Repo) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("cxtrain"));
    cmd.env_remove("OPENCX_API_KEY")
        .env(cxtrain::remote::CACHE_DIR_ENV, repo.cache_dir())
        .env_remove("OPENCX_API_URL")
        .arg("--dir")
        .arg(repo.path())
        .args(["--local", "--color", "never"]);
    cmd
}

/// Proptest's configuration for this binary: seeds of past failures are
/// kept next to the test module, in `<module>.proptest-regressions`, and
/// replayed before new cases. Said explicitly: proptest's default looks
/// beside the nearest folder with a `main.rs`
/// (`tests/proptest-regressions/<module>.txt` here).
pub fn proptest_config() -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..proptest::test_runner::Config::default()
    }
}

/// The binary against `repo` with the embedded local remote (`--local`).
pub fn cxtrain_local(repo: &Repo) -> assert_cmd::Command {
    repo.cmd(&["--local"])
}

/// `plan --detailed-exitcode`'s exit code: 0 nothing to do, 2 changes.
pub fn plan_code(repo: &Repo, remote: &Remote) -> i32 {
    cxtrain(repo, remote)
        .args(["plan", "--detailed-exitcode"])
        .output()
        .expect("binary runs")
        .status
        .code()
        .expect("exit code")
}

/// Where a test's plan file goes.
pub fn plan_path(repo: &Repo) -> PathBuf {
    repo.path().join("plan.json")
}

/// Runs `plan --out` (exit 0) and returns where the plan was saved.
pub fn saved_plan(repo: &Repo, remote: &Remote) -> PathBuf {
    let plan = plan_path(repo);
    cxtrain(repo, remote)
        .args(["plan", "--out"])
        .arg(&plan)
        .assert()
        .code(0);
    plan
}

/// `cxtrain apply --yes ARGS...`, returning (exit code, stdout, stderr).
pub fn apply(repo: &Repo, remote: &Remote, args: &[&str]) -> (i32, String, String) {
    let out = cxtrain(repo, remote)
        .arg("apply")
        .arg("--yes")
        .args(args)
        .output()
        .expect("binary runs");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Applies and expects success; the standard output.
pub fn apply_ok(repo: &Repo, remote: &Remote, args: &[&str]) -> String {
    let (code, stdout, stderr) = apply(repo, remote, args);
    assert_eq!(
        code, 0,
        "apply failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    stdout
}

/// `text` with its whitespace collapsed and miette's `│` gutters dropped, so
/// a message can be found however the report wrapped it.
pub fn words(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ")
}

/// A predicate: the output says `text`, however its lines were wrapped.
pub fn says(text: impl Into<String>) -> impl predicates::Predicate<str> {
    let want = words(&text.into());
    predicates::function::function(move |s: &str| words(s).contains(&want))
}
