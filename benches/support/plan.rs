//! The `plan` benchmarks' corpus: `n` files in ten folders and an emulator
//! holding each of them as a successful apply leaves it; and the no-op plan
//! at the API's real limit (100 requests per rolling 60 s, 50 ms latency).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use cxtrain::emulator::EmulatorConfig;

use super::Runs;
use super::common::{self, Remote, Repo, applied_input};
pub use super::{LATENCY, LIMIT};

const FOLDERS: usize = 10;

/// The corpus's config, paced by default or not at all.
fn config(paced: bool) -> String {
    let mut config = String::from("root = \"trainings\"\nworkspace = \"bench\"\n");
    if !paced {
        config.push_str("[api]\nrequests_per_minute = 0\n");
    }
    config.push_str("[directories]\n");
    for f in 0..FOLDERS {
        config.push_str(&format!("\"area{f}\" = \"dir_{f}\"\n"));
    }
    config
}

/// The path of file `i`.
fn file(i: usize) -> String {
    format!("trainings/area{}/training-{i:04}.md", i % FOLDERS)
}

/// A repository of `n` files and an emulator (no limit, no latency)
/// holding them all as applied; its state is also saved to a file, to start
/// other emulators with the same trainings.
pub struct Corpus {
    /// The repository, paced by default.
    pub repo: Repo,
    /// The emulator holding every file.
    pub remote: Remote,
    /// How many files.
    pub n: usize,
    state: tempfile::TempDir,
}

impl Corpus {
    /// Writes and seeds `n` files.
    pub fn new(n: usize) -> Corpus {
        let repo = Repo::new(&config(true));
        for i in 0..n {
            repo.write(
                &file(i),
                &common::scenario(
                    &format!("Customer question number {i}"),
                    &format!(
                        "When a customer asks question {i}, explain the policy for case {i}, \
                         link the help article and offer to escalate if they are unhappy.\n\n\
                         Keep the answer under five sentences."
                    ),
                ),
            );
        }
        let remote = Remote::start();
        let seeding = Instant::now();
        for local in &repo.checked().trainings {
            remote.create(&applied_input("bench", &local.training));
        }
        println!("seeded {n} trainings in {:.1?}", seeding.elapsed());
        let state = tempfile::tempdir().expect("state dir");
        remote.save_state(&state.path().join("state.json"));
        Corpus {
            repo,
            remote,
            n,
            state,
        }
    }

    /// The saved emulator state holding every file.
    pub fn state(&self) -> PathBuf {
        self.state.path().join("state.json")
    }

    /// Turns the client's pacing off in the repository's config.
    pub fn unpace(&self) {
        self.repo.write("cxtrain.toml", &config(false));
    }

    /// Edits every tenth file's body; returns how many it edited.
    pub fn edit_every_tenth(&self) -> usize {
        for i in (0..self.n).step_by(10) {
            self.repo
                .edit(&file(i), "under five sentences", "under four sentences");
        }
        self.n.div_ceil(10)
    }

    /// The requests a plan makes: the list pages of 100 and one count.
    pub fn plan_requests(&self) -> usize {
        self.n.div_ceil(100) + 1
    }
}

/// What [`no_op_at_the_limit`] measured.
pub struct NoOp {
    /// The wall times of `cxtrain plan`.
    pub runs: Runs,
    /// The most requests one run made.
    pub requests: u64,
    /// 429s over all runs.
    pub too_many_requests: u64,
    /// The network floor: the requests one after another, one latency each.
    pub floor: Duration,
}

/// `runs` no-op `cxtrain plan`s of the (paced) corpus, each against a fresh
/// emulator at the real limit loaded from the corpus's state (so the window
/// starts empty) and a fresh cache directory.
pub fn no_op_at_the_limit(corpus: &Corpus, runs: usize) -> NoOp {
    let floor = LATENCY * u32::try_from(corpus.plan_requests()).expect("small");
    let (mut times, mut requests, mut too_many_requests) = (Vec::new(), 0, 0);
    for _ in 0..runs {
        let remote = Remote::with(EmulatorConfig {
            rate_limit_per_minute: LIMIT,
            latency: LATENCY,
            state_file: Some(corpus.state()),
            ..EmulatorConfig::default()
        });
        let cache = tempfile::tempdir().expect("cache dir");
        let started = Instant::now();
        let out = common::cxtrain(&corpus.repo, &remote)
            .env(cxtrain::remote::CACHE_DIR_ENV, cache.path())
            .args(["plan", "--format", "json", "--detailed-exitcode"])
            .output()
            .expect("cxtrain runs");
        times.push(started.elapsed());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stats = remote.stats();
        requests = requests.max(stats.total_requests);
        too_many_requests += stats.too_many_requests;
    }
    NoOp {
        runs: Runs::new(times),
        requests,
        too_many_requests,
        floor,
    }
}
