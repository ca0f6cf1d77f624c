//! A seeded, model-based campaign: a generated trainings repository, and a
//! remote it shares with hand-made trainings and another workspace's, go
//! through rounds of random file edits, dashboard edits, injected faults
//! (5xx, dropped write responses, 429 bursts) and applies killed with
//! SIGKILL. `apply` is re-run until it succeeds; then the remote must hold
//! exactly what the files ask for (see `check`): one training per key and
//! no other managed ones, every field as the file says (live text, or
//! `draft_* ?? live` for a draft file), untouchable trainings byte for
//! byte as seeded, ids kept across moves and renames, a clean next plan
//! that flags every pending dashboard draft. Some rounds apply through a
//! saved plan (`plan --out`, then `apply FILE`), at times with a file or
//! dashboard edit in between, which apply must refuse as stale when the
//! plan no longer holds.
//!
//! `cargo test --test it campaign` runs a few seeds in seconds. Environment:
//! `CXTRAIN_CAMPAIGN_SEEDS=500` runs seeds 1 to 500, `CXTRAIN_CAMPAIGN_SEED=N`
//! replays seed N, `CXTRAIN_CAMPAIGN_ROUNDS=R` sets the rounds per seed.
//! The seed also picks how the emulator answers a `PUT` (see [`server_of`]):
//! publishing the text, staging it as a draft, staging it while keeping an
//! older dashboard draft when the text is the live one, or refusing
//! `metadata` (then files keep their keys and metadata, which such a server
//! cannot change, and `put_accepts_metadata = false` is configured). A
//! failure prints the seed and its operation log.
//!
//! Conflicts (a file and its dashboard training both changed since the last
//! apply) are resolved by a policy drawn for each round:
//! - `Force`: every apply runs with `--force` (the files win);
//! - `Pull`: apply without `--force`; on the conflict refusal (exit 4), take
//!   the dashboard's version of each conflicting file (`pull --force
//!   FILE...`) and apply again. A conflict pull cannot settle (the file was
//!   also moved or renamed, which pull does not undo) is then forced;
//! - `Refuse`: apply without `--force`; on the refusal, apply with it.
//!
//! A refusal for another reason, or with `--force`, is a failure, and so is
//! any exit but 0 from an apply that ran without injected faults — except
//! the one a person must act on: against the server that keeps an older
//! dashboard draft, apply fails a change whose text that draft hides and
//! asks for the draft to be discarded, which the campaign then does.

mod check;
mod model;
mod ops;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::Stdio;
use std::time::{Duration, Instant};

use cxtrain::emulator::{EmulatorConfig, UpdateMetadata, UpdateMode};
use cxtrain::model::{META_HASH, META_KEY, META_WORKSPACE, TrainingType};
use cxtrain::remote::api;
use serde_json::{Value, json};

use crate::common::{self, Remote, Repo, cxtrain};
use model::{FileSpec, Model, ROOT, WORKSPACE};
use ops::Texts;

/// Seeds `cargo test` runs (one per server behaviour).
const DEFAULT_SEEDS: u64 = 4;
/// Rounds per seed, after the first apply.
const DEFAULT_ROUNDS: u64 = 4;
/// Applies per round before the round counts as not converging.
const MAX_ATTEMPTS: u32 = 8;
/// Attempts of a round that run with the round's faults (later ones run
/// without, so a round always has the chance to converge).
const FAULTY_ATTEMPTS: u32 = 2;
/// What apply's conflict refusal says.
const CONFLICT: &str = "changed both in the files and in the dashboard";
/// What apply says of a change the server answered by keeping an older
/// pending draft.
const STALE_DRAFT: &str = "the server kept another pending draft";
/// What apply's refusals of a saved plan that no longer holds say: the
/// files or touched trainings changed, or the plan derived now differs.
const STALE: [&str; 2] = [
    "refusing to apply a stale plan",
    "refusing to apply the plan file",
];

#[test]
fn random_edits_dashboard_edits_faults_and_kills_converge() {
    let seeds: Vec<u64> = match env("CXTRAIN_CAMPAIGN_SEED") {
        Some(seed) => vec![seed],
        None => (1..=env("CXTRAIN_CAMPAIGN_SEEDS").unwrap_or(DEFAULT_SEEDS)).collect(),
    };
    let rounds = env("CXTRAIN_CAMPAIGN_ROUNDS").unwrap_or(DEFAULT_ROUNDS);
    let mut failed = Vec::new();
    for seed in seeds {
        let mode = server_of(seed);
        let mut log = Vec::new();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            Campaign::new(seed, mode, &mut log).run(rounds);
        }));
        if std::env::var_os("CXTRAIN_CAMPAIGN_LOG").is_some() {
            eprintln!("{}\n", log.join("\n  "));
        }
        if let Err(panic) = outcome {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            eprintln!(
                "campaign seed {seed} ({mode:?}) failed: {message}\n\
                 replay: CXTRAIN_CAMPAIGN_SEED={seed} cargo test --test it campaign\n\
                 operation log:\n  {}\n",
                log.join("\n  ")
            );
            failed.push(seed);
        }
    }
    assert!(
        failed.is_empty(),
        "campaign seeds failed: {failed:?} (logs above)"
    );
}

fn env(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, not {value:?}")),
    )
}

/// How the emulator answers a `PUT`: the behaviours the real API may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Server {
    update_mode: UpdateMode,
    update_metadata: UpdateMetadata,
}

/// The server a seed runs against, by seed modulo 4: 1 publishes a `PUT`'s
/// text, 2 stages it as a draft, 3 stages it and keeps an older dashboard
/// draft when the text is the live one, 0 refuses `metadata` in a `PUT`
/// (publishing or staging, alternately).
fn server_of(seed: u64) -> Server {
    let (update_mode, update_metadata) = match seed % 4 {
        1 => (UpdateMode::Publish, UpdateMetadata::Accept),
        2 => (UpdateMode::StageDraft, UpdateMetadata::Accept),
        3 => (UpdateMode::StageDraftKeepingStale, UpdateMetadata::Accept),
        _ if seed.is_multiple_of(8) => (UpdateMode::StageDraft, UpdateMetadata::Refuse),
        _ => (UpdateMode::Publish, UpdateMetadata::Refuse),
    };
    Server {
        update_mode,
        update_metadata,
    }
}

/// The random source of one part of one round: independent of how earlier
/// rounds went, so a replay makes the same edits.
fn rng_for(seed: u64, round: u64, part: u64) -> fastrand::Rng {
    let mut x = seed ^ round.rotate_left(24) ^ part.rotate_left(48);
    // splitmix64, so that nearby seeds give unrelated streams.
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    fastrand::Rng::with_seed(x ^ (x >> 31))
}

/// How a round settles conflicts (see the module comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Policy {
    Force,
    Pull,
    Refuse,
}

/// The emulator's fault settings for one apply.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Faults {
    error_rate: f64,
    drop_rate: f64,
    burst_429_every: u64,
    latency_ms: u64,
}

impl Faults {
    /// Faults in half the rounds. Retries back off 5 ms (`backoff_ms`), but
    /// a 429 burst costs its `Retry-After` second, so bursts stay rare.
    fn random(rng: &mut fastrand::Rng) -> Faults {
        match rng.u8(..8) {
            0 => Faults {
                error_rate: 0.1,
                ..Faults::default()
            },
            1 => Faults {
                drop_rate: 0.3,
                ..Faults::default()
            },
            2 => Faults {
                burst_429_every: rng.u64(5..=9),
                ..Faults::default()
            },
            3 => Faults {
                error_rate: 0.05,
                drop_rate: 0.2,
                ..Faults::default()
            },
            _ => Faults::default(),
        }
    }
}

/// How one apply ended.
enum Outcome {
    /// A saved plan refused as stale after an edit made it so.
    Stale,
    Exit {
        code: i32,
        stdout: String,
        stderr: String,
    },
    Killed {
        writes: u64,
    },
}

struct Campaign<'a> {
    seed: u64,
    mode: Server,
    log: &'a mut Vec<String>,
    repo: Repo,
    /// The emulator's state file and the killed applies' output.
    scratch: tempfile::TempDir,
    remote: Option<Remote>,
    model: Model,
    texts: Texts,
    /// Key → remote id after the last round.
    ids: BTreeMap<String, String>,
    /// Records cxtrain must never touch, as seeded.
    untouchable: Vec<Value>,
    /// Keys edited in the dashboard this round.
    edited_in_dashboard: BTreeSet<String>,
}

impl<'a> Campaign<'a> {
    fn new(seed: u64, mode: Server, log: &'a mut Vec<String>) -> Campaign<'a> {
        log.push(format!("seed {seed}, PUT behaviour {mode:?}"));
        Campaign {
            seed,
            mode,
            log,
            repo: Repo::new(&model::config_toml(
                mode.update_metadata == UpdateMetadata::Accept,
            )),
            scratch: tempfile::tempdir().expect("tempdir"),
            remote: None,
            model: Model::default(),
            texts: Texts::default(),
            ids: BTreeMap::new(),
            untouchable: Vec::new(),
            edited_in_dashboard: BTreeSet::new(),
        }
    }

    fn run(&mut self, rounds: u64) {
        self.setup();
        for round in 1..=rounds {
            self.round(round);
        }
    }

    /// The first files, the untouchable remote trainings, the first apply.
    fn setup(&mut self) {
        let mut rng = rng_for(self.seed, 0, 0);
        for _ in 0..rng.usize(5..=9) {
            let line = ops::add_file(&mut rng, &mut self.texts, &mut self.model, &self.repo);
            self.log.push(line);
        }
        self.restart(Faults::default(), 0);
        self.seed_untouchables(&mut rng);
        let pulled = self.converge(0);
        assert!(pulled.is_empty(), "nothing to pull in the first round");
        self.check(0, &BTreeMap::new());
    }

    /// Trainings cxtrain must leave alone: hand-made ones (one holding the
    /// same text as a file, one with a pending draft), another workspace's
    /// (one with a key this repository uses), and one tagged with this
    /// workspace but no key.
    fn seed_untouchables(&mut self, rng: &mut fastrand::Rng) {
        let (first_path, first) = self.model.files.iter().next().expect("a file");
        let first_key = first.key_at(first_path);
        let input = |title: String, content: String, dir: Option<&str>, meta: &[(&str, &str)]| {
            api::TrainingInput {
                title,
                content,
                kind: TrainingType::ScenarioSpecific,
                is_draft: false,
                directory_id: dir.map(str::to_owned),
                restricted_to_channels: Vec::new(),
                restricted_to_segments: Vec::new(),
                metadata: meta
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            }
        };
        let hash = "0".repeat(64);
        let inputs = [
            input(
                first.title.clone(),
                first.content.clone(),
                None,
                &[("source", "dashboard")],
            ),
            input(
                self.texts.title(rng, "Hand-made"),
                self.texts.content(rng),
                Some("dir_billing"),
                &[],
            ),
            input(
                self.texts.title(rng, "Other team"),
                self.texts.content(rng),
                Some("dir_faq"),
                &[
                    (META_WORKSPACE, "other-team"),
                    (META_KEY, &first_key),
                    (META_HASH, &hash),
                ],
            ),
            input(
                self.texts.title(rng, "Untagged"),
                self.texts.content(rng),
                None,
                &[(META_WORKSPACE, WORKSPACE)],
            ),
        ];
        let remote = self.remote();
        let ids: Vec<String> = inputs.iter().map(|i| remote.create(i).id).collect();
        remote.dashboard_edit_id(
            &ids[1],
            json!({ "draft_content": "A pending edit nobody published yet." }),
        );
        let ids: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        self.untouchable = remote
            .raw_records()
            .into_iter()
            .filter(|r| ids.contains(r["id"].as_str().unwrap_or_default()))
            .collect();
        self.log.push(format!(
            "remote: {} untouchable trainings {ids:?} (the other team's holds key {first_key})",
            self.untouchable.len()
        ));
    }

    /// Dashboard edits, file edits, apply until it succeeds, checks.
    fn round(&mut self, round: u64) {
        self.log.push(format!("round {round}"));
        let mut rng = rng_for(self.seed, round, 0);
        let before = self.model.clone();
        self.edited_in_dashboard.clear();
        for _ in 0..rng.usize(0..=3) {
            self.edit_dashboard(&mut rng);
        }
        for _ in 0..rng.usize(1..=5) {
            self.edit_file(&mut rng);
        }
        let pulled = self.converge(round);
        let mut renames = ops::expected_renames(&before, &self.model, |key| {
            !self.edited_in_dashboard.contains(key)
        });
        renames.retain(|key, _| !pulled.contains(key));
        self.check(round, &renames);
    }

    /// One dashboard edit of a managed training (through the admin
    /// endpoint, which faults never touch). Returns the id edited.
    fn edit_dashboard(&mut self, rng: &mut fastrand::Rng) -> Option<String> {
        let ids = check::ids(&self.saved_records());
        if ids.is_empty() {
            return None;
        }
        let (key, line) = ops::edit_dashboard(rng, &mut self.texts, &ids, remote(&self.remote));
        self.edited_in_dashboard.insert(key.clone());
        self.log.push(line);
        ids.get(&key).cloned()
    }

    /// One file edit; often of a file just edited in the dashboard, so that
    /// rounds have conflicts to settle.
    fn edit_file(&mut self, rng: &mut fastrand::Rng) {
        let target = self
            .edited_in_dashboard
            .iter()
            .filter_map(|key| {
                self.model
                    .files
                    .iter()
                    .find(|(path, spec)| spec.key_at(path) == *key)
                    .map(|(path, _)| path.clone())
            })
            .collect::<Vec<_>>();
        let target =
            (!target.is_empty() && rng.bool()).then(|| target[rng.usize(..target.len())].clone());
        let identity_fixed = self.mode.update_metadata != UpdateMetadata::Accept;
        let line = ops::edit_file(
            rng,
            &mut self.texts,
            &mut self.model,
            &self.repo,
            target,
            identity_fixed,
        );
        self.log.push(line);
    }

    /// Applies until an apply succeeds, under the round's faults, kills and
    /// conflict policy, sometimes through a saved plan, sometimes with more
    /// edits between a killed apply and the next. Returns the keys whose
    /// files were pulled.
    fn converge(&mut self, round: u64) -> BTreeSet<String> {
        let mut rng = rng_for(self.seed, round, 1);
        let policy = [Policy::Force, Policy::Pull, Policy::Refuse][rng.usize(..3)];
        let faults = Faults::random(&mut rng);
        let kill_at = (rng.u8(..3) == 0).then(|| rng.u64(1..=4));
        let parallelism = [1, 2, 4][rng.usize(..3)];
        let saved = rng.u8(..3) == 0;
        self.log.push(format!(
            "apply: policy {policy:?}, faults {faults:?}, kill at write {kill_at:?}, \
             parallelism {parallelism}{}",
            if saved { ", through a saved plan" } else { "" }
        ));
        let mut force = policy == Policy::Force;
        let mut pulled = BTreeSet::new();
        let mut pulled_once = false;
        for attempt in 1..=MAX_ATTEMPTS {
            let faulty = attempt <= FAULTY_ATTEMPTS;
            let kill_at = kill_at.filter(|_| attempt <= 2 && rng.bool());
            let mut settings = if faulty { faults } else { Faults::default() };
            if kill_at.is_some() {
                // Time between a write's arrival and its answer to kill in.
                settings.latency_ms = 3;
            }
            let seed = rng.u64(..);
            self.restart(settings, seed);
            // Edits between plan and apply only while faults may strike
            // too, so that a round always gets to converge.
            let meddle = if saved && faulty { rng.u8(..4) } else { 2 };
            let outcome = if saved {
                self.apply_saved(force, parallelism, kill_at, meddle, &mut rng)
            } else {
                self.apply(force, parallelism, kill_at, None)
            };
            match outcome {
                Outcome::Stale => {
                    self.log
                        .push(format!("  attempt {attempt}: refused the stale plan"));
                }
                // The edit made after planning is not applied yet.
                Outcome::Exit { code: 0, .. } if meddle < 2 => {
                    self.log.push(format!(
                        "  attempt {attempt}: exit 0, but the plan predates an edit"
                    ));
                }
                Outcome::Killed { writes } => {
                    self.log
                        .push(format!("  attempt {attempt}: killed after {writes} writes"));
                    // Someone edits on, with the last apply half done.
                    if rng.u8(..3) == 0 {
                        self.edit_dashboard(&mut rng);
                    }
                    if rng.u8(..3) == 0 {
                        self.edit_file(&mut rng);
                    }
                }
                Outcome::Exit { code: 0, .. } => {
                    self.log.push(format!("  attempt {attempt}: exit 0"));
                    return pulled;
                }
                // A server that keeps an older dashboard draft when a `PUT`
                // repeats the live text: apply reports the change as failed
                // and asks for that draft to be discarded, which a person
                // does in the dashboard.
                Outcome::Exit {
                    code: 1, stdout, ..
                } if self.mode.update_mode == UpdateMode::StageDraftKeepingStale
                    && stdout.contains(STALE_DRAFT) =>
                {
                    let keys: BTreeMap<String, String> = check::ids(&self.saved_records())
                        .into_iter()
                        .map(|(key, id)| (id, key))
                        .collect();
                    for id in stale_draft_ids(&stdout) {
                        self.log.push(format!(
                            "  attempt {attempt}: exit 1, {id} kept a dashboard draft: discarded"
                        ));
                        self.remote().dashboard_edit_id(
                            &id,
                            json!({ "draft_title": null, "draft_content": null }),
                        );
                        self.edited_in_dashboard.extend(keys.get(&id).cloned());
                    }
                }
                Outcome::Exit {
                    code: 1, stderr, ..
                } if faulty && settings != Faults::default() => {
                    self.log.push(format!(
                        "  attempt {attempt}: exit 1 under faults: {}",
                        first_line(&stderr)
                    ));
                }
                Outcome::Exit {
                    code: 4, stderr, ..
                } if !force && stderr.contains(CONFLICT) => {
                    self.log.push(format!(
                        "  attempt {attempt}: refused: {}",
                        first_line(&stderr)
                    ));
                    if policy == Policy::Pull && !pulled_once {
                        pulled_once = true;
                        pulled = self.take_dashboard_versions();
                    } else {
                        force = true;
                        self.log.push("  conflicts remain: --force".into());
                    }
                }
                Outcome::Exit {
                    code,
                    stdout,
                    stderr,
                } => panic!(
                    "apply (attempt {attempt}, force {force}, faults {settings:?}) exited \
                     {code}\nstdout:\n{stdout}\nstderr:\n{stderr}"
                ),
            }
        }
        panic!("apply did not succeed in {MAX_ATTEMPTS} attempts");
    }

    /// `plan --out`, then `apply` of that plan file (a failed plan is the
    /// outcome). Between the two, `meddle` 0 edits a file and 1 the
    /// dashboard: apply must then refuse the plan as stale — after any
    /// change to the files, and after a dashboard edit of a training the
    /// plan touches.
    fn apply_saved(
        &mut self,
        force: bool,
        parallelism: usize,
        kill_at: Option<u64>,
        meddle: u8,
        rng: &mut fastrand::Rng,
    ) -> Outcome {
        let plan = self.scratch.path().join("plan.json");
        let plan_arg = plan.to_str().expect("a UTF-8 path").to_owned();
        let mut args = vec!["plan", "--out", &plan_arg];
        if force {
            args.push("--force");
        }
        match self.cli(&args) {
            (0, ..) => {}
            (code, stdout, stderr) => {
                return Outcome::Exit {
                    code,
                    stdout,
                    stderr,
                };
            }
        }
        let saved: Value =
            serde_json::from_str(&std::fs::read_to_string(&plan).expect("the plan file"))
                .expect("plan file JSON");
        let touched: BTreeSet<&str> = saved["plan"]["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .filter_map(|c| c["remote"]["id"].as_str())
            .collect();
        let must_refuse = match meddle {
            0 => {
                self.log.push("  between plan and apply:".into());
                let before = self.model.texts();
                self.edit_file(rng);
                // Some edits change nothing (channels set to what they were).
                self.model.texts() != before
            }
            1 => {
                self.log.push("  between plan and apply:".into());
                let edited = self.edit_dashboard(rng);
                edited.is_some_and(|id| touched.contains(id.as_str()))
            }
            _ => false,
        };
        let outcome = self.apply(force, parallelism, kill_at, Some(&plan_arg));
        match outcome {
            Outcome::Exit {
                code: 4, stderr, ..
            } if meddle < 2 && STALE.iter().any(|s| stderr.contains(s)) => Outcome::Stale,
            Outcome::Exit { code: 0, .. } if must_refuse => {
                panic!("apply applied a saved plan after it went stale")
            }
            other => other,
        }
    }

    /// Runs `apply --yes`, killing it once the remote has seen `kill_at`
    /// writes (if it gets that far).
    fn apply(
        &self,
        force: bool,
        parallelism: usize,
        kill_at: Option<u64>,
        plan_file: Option<&str>,
    ) -> Outcome {
        let remote = self.remote();
        let stdout_path = self.scratch.path().join("apply.stdout");
        let stderr_path = self.scratch.path().join("apply.stderr");
        let mut command = common::command(&self.repo, &remote.url(), remote.key());
        command
            .args(["apply", "--yes", "--parallelism", &parallelism.to_string()])
            .args(force.then_some("--force"))
            .args(plan_file)
            .stdin(Stdio::null())
            .stdout(File::create(&stdout_path).expect("stdout file"))
            .stderr(File::create(&stderr_path).expect("stderr file"));
        let mut child = command.spawn().expect("binary starts");
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                let read = |p| std::fs::read_to_string(p).unwrap_or_default();
                return Outcome::Exit {
                    code: status.code().expect("an exit code"),
                    stdout: read(&stdout_path),
                    stderr: read(&stderr_path),
                };
            }
            if let Some(at) = kill_at {
                let writes = remote.writes();
                if writes >= at {
                    child.kill().expect("SIGKILL");
                    child.wait().expect("wait");
                    return Outcome::Killed { writes };
                }
            }
            assert!(Instant::now() < deadline, "apply hangs");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// The `Pull` policy: `pull --force` of the conflicting files. Returns
    /// the keys of the files rewritten.
    fn take_dashboard_versions(&mut self) -> BTreeSet<String> {
        self.restart(Faults::default(), 0);
        let (_, stdout, _) = self.cli(&["plan", "--format", "json"]);
        let plan: Value = serde_json::from_str(&stdout).expect("plan JSON");
        let has = |c: &Value, list: &str, field: &str, value: &str| {
            c[list]
                .as_array()
                .is_some_and(|items| items.iter().any(|i| i[field] == value))
        };
        let changes = plan["changes"].as_array().expect("changes");
        assert!(
            changes.iter().any(|c| has(c, "flags", "flag", "conflict")),
            "a refused plan has conflicts:\n{stdout}"
        );
        // A renamed file holds a key the remote does not have yet: there is
        // nothing to pull into it.
        let conflicted: Vec<String> = changes
            .iter()
            .filter(|c| {
                has(c, "flags", "flag", "conflict") && !has(c, "actions", "action", "rename")
            })
            .filter_map(|c| c["path"].as_str().map(str::to_owned))
            .collect();
        if conflicted.is_empty() {
            return BTreeSet::new();
        }
        let before: Vec<String> = conflicted.iter().map(|p| self.repo.read(p)).collect();
        let (code, _, stderr) = self.cli(
            &["pull", "--force"]
                .into_iter()
                .chain(conflicted.iter().map(String::as_str))
                .collect::<Vec<_>>(),
        );
        // Pull refuses a training whose file would not validate (a title
        // another file took meanwhile) and pulls the rest.
        assert!(
            code == 0 || stderr.contains("not pulled"),
            "pull failed (exit {code}):\n{stderr}"
        );
        let mut rewritten = BTreeSet::new();
        for (repo_path, before) in conflicted.into_iter().zip(before) {
            let pulled = self.repo.read(&repo_path);
            if pulled == before {
                self.log.push(format!("  pull: {repo_path} unchanged"));
                continue;
            }
            let path = repo_path
                .strip_prefix(&format!("{ROOT}/"))
                .expect("below the root")
                .to_owned();
            let spec = FileSpec::read(&pulled)
                .unwrap_or_else(|e| panic!("pulled {repo_path} does not read back: {e}\n{pulled}"));
            self.log
                .push(format!("  pull: took the dashboard's {repo_path}"));
            rewritten.insert(spec.key_at(&path));
            self.model.files.insert(path, spec);
        }
        rewritten
    }

    /// Every invariant, against a fault-free emulator; then remembers ids.
    fn check(&mut self, round: u64, renames: &BTreeMap<String, String>) {
        self.restart(Faults::default(), 0);
        let records = self.remote().raw_records();
        let (code, stdout, _) = self.cli(&["plan", "--detailed-exitcode", "--format", "json"]);
        let problems = check::problems(
            &records,
            code,
            &stdout,
            &check::Expectations {
                model: &self.model,
                untouchable: &self.untouchable,
                ids: &self.ids,
                renames,
            },
        );
        assert!(
            problems.is_empty(),
            "round {round} broke invariants:\n  {}",
            problems.join("\n  ")
        );
        self.ids = check::ids(&records);
        self.log.push(format!(
            "  checked: {} files, {} remote trainings",
            self.model.files.len(),
            records.len()
        ));
    }

    /// `cxtrain ARGS` against the current emulator: exit code, stdout, stderr.
    fn cli(&self, args: &[&str]) -> (i32, String, String) {
        let out = cxtrain(&self.repo, self.remote())
            .args(args)
            .output()
            .expect("binary runs");
        (
            out.status.code().expect("an exit code"),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Stops the emulator and starts it again from its state file with
    /// these faults (waiting out the stopped one's lock, see
    /// [`Remote::reopen`]).
    fn restart(&mut self, faults: Faults, seed: u64) {
        self.remote = None;
        self.remote = Some(Remote::reopen(EmulatorConfig {
            update_mode: self.mode.update_mode,
            update_metadata: self.mode.update_metadata,
            state_file: Some(self.scratch.path().join("state.json")),
            error_rate: faults.error_rate,
            drop_rate: faults.drop_rate,
            burst_429_every: faults.burst_429_every,
            latency: Duration::from_millis(faults.latency_ms),
            seed,
            ..EmulatorConfig::default()
        }));
    }

    /// Every record as the emulator last saved it (its state file is
    /// rewritten before each write is answered), read without a request.
    fn saved_records(&self) -> Vec<Value> {
        let path = self.scratch.path().join("state.json");
        let state: Value =
            serde_json::from_slice(&std::fs::read(&path).expect("the emulator's state file"))
                .expect("state JSON");
        state["trainings"].as_array().expect("trainings").clone()
    }

    fn remote(&self) -> &Remote {
        remote(&self.remote)
    }
}

/// The running emulator (a free function, so it borrows only that field).
fn remote(remote: &Option<Remote>) -> &Remote {
    remote.as_ref().expect("the emulator runs")
}

/// The trainings apply's output names as kept on an older pending draft
/// (`training ID: ... the server kept another pending draft ...`).
fn stale_draft_ids(stdout: &str) -> BTreeSet<String> {
    stdout
        .lines()
        .filter(|l| l.contains(STALE_DRAFT))
        .filter_map(|l| l.split("training ").nth(1)?.split(':').next())
        .map(str::to_owned)
        .collect()
}

fn first_line(text: &str) -> &str {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
}
