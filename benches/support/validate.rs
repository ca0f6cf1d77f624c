//! The `validate` benchmarks' corpus: 10,000 generated files in 20 folders,
//! and the time it takes to read them (`cat`, the I/O floor) or validate
//! them (in process, or with the release binary), best of [`RUNS`] each.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Files in the corpus.
pub const FILES: usize = 10_000;
const FOLDERS: usize = 20;
/// Runs of each timing; the fastest counts.
pub const RUNS: usize = 3;

const WORDS: &[&str] = &[
    "refund",
    "label",
    "carrier",
    "customer",
    "order",
    "invoice",
    "plan",
    "upgrade",
    "package",
    "tracking",
    "delay",
    "store",
    "credit",
    "policy",
    "escalate",
    "billing",
    "address",
    "customs",
    "duties",
    "return",
    "portal",
    "wallet",
    "postage",
    "account",
    "password",
    "team",
    "member",
    "webhook",
    "integration",
    "shopify",
    "sync",
    "warehouse",
    "weight",
    "dimension",
    "insurance",
    "claim",
    "damage",
    "lost",
    "delivered",
    "signature",
    "pickup",
    "schedule",
    "rate",
    "discount",
    "apologise",
    "explain",
    "offer",
    "confirm",
    "collect",
    "number",
    "date",
    "days",
    "weeks",
];

/// Writes the corpus below `root`: seeded random bodies, so every run
/// validates the same files.
fn generate(root: &Path) {
    let mut rng = fastrand::Rng::with_seed(7);
    let mut config = String::from("root = \"trainings\"\nworkspace = \"bench\"\n[directories]\n");
    for f in 0..FOLDERS {
        config.push_str(&format!("\"topic-{f:02}\" = \"dir_{f:02}\"\n"));
        std::fs::create_dir_all(root.join(format!("trainings/topic-{f:02}"))).unwrap();
    }
    std::fs::write(root.join("cxtrain.toml"), config).unwrap();
    for i in 0..FILES {
        let mut body = String::new();
        for line in 0..8 {
            let words: Vec<&str> = (0..12).map(|_| WORDS[rng.usize(..WORDS.len())]).collect();
            body.push_str(&format!("{} {}.\n", words.join(" "), line));
        }
        let text = format!(
            "---\ntitle: Scenario number {i} about {}\nchannels: [web, email]\nsegments: [vip]\nmetadata: {{ team: t{} }}\n---\n{body}",
            WORDS[i % WORDS.len()],
            i % 7
        );
        let path = root.join(format!(
            "trainings/topic-{:02}/scenario-{i:05}.md",
            i % FOLDERS
        ));
        std::fs::write(path, text).unwrap();
    }
}

/// A generated repository in a temporary folder, deleted on drop.
pub struct Corpus {
    dir: tempfile::TempDir,
}

impl Corpus {
    /// Writes the [`FILES`] files and their `cxtrain.toml`.
    pub fn generate() -> Corpus {
        let dir = tempfile::tempdir().expect("tempdir");
        generate(dir.path());
        Corpus { dir }
    }

    /// The repository.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `find -exec cat` of every file to `/dev/null`: the I/O floor.
    pub fn cat(&self) -> Duration {
        best(|| {
            let status = Command::new("sh")
                .arg("-c")
                .arg("find . -name '*.md' -type f -exec cat {} + > /dev/null")
                .current_dir(self.path().join("trainings"))
                .status()
                .expect("sh runs");
            assert!(status.success(), "find -exec cat");
        })
    }

    /// Walking the folder and reading every file, in process.
    pub fn read(&self) -> Duration {
        best(|| {
            walkdir::WalkDir::new(self.path().join("trainings"))
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .map(|e| std::fs::read(e.path()).expect("read").len())
                .sum::<usize>()
        })
    }

    /// `cxtrain::validate::load_checked`, in process.
    pub fn library(&self) -> Duration {
        best(|| {
            let checked =
                cxtrain::validate::load_checked(self.path(), None).expect("the corpus is valid");
            assert_eq!(checked.trainings.len(), FILES);
            assert!(
                checked.report.diagnostics.is_empty(),
                "{:?}",
                checked.report.diagnostics.first()
            );
        })
    }

    /// `cxtrain validate --format json` with the release binary.
    pub fn binary(&self) -> Duration {
        best(|| {
            let status = Command::new(env!("CARGO_BIN_EXE_cxtrain"))
                .args(["validate", "--format", "json"])
                .current_dir(self.path())
                .stdout(Stdio::null())
                .status()
                .expect("cxtrain runs");
            assert!(status.success(), "cxtrain validate");
        })
    }
}

/// The fastest of [`RUNS`] runs of `f`.
fn best<T>(mut f: impl FnMut() -> T) -> Duration {
    (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .min()
        .expect("RUNS > 0")
}

/// Files per second at `d` for the corpus.
pub fn rate(d: Duration) -> f64 {
    FILES as f64 / d.as_secs_f64()
}
