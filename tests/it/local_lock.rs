//! One run at a time on a `--local` state file (issue 8 §5): a run that
//! finds the state in use fails at once (exit 1) naming the file and the
//! process holding it, and two applies started together never both report
//! writes of which one set is lost.

use std::time::Duration;

use crate::common::{self, Remote, Repo, cxtrain_local};
use cxtrain::connect::LOCAL_STATE;
use cxtrain::emulator::EmulatorConfig;

/// A repository of `n` trainings.
fn many(n: usize) -> Repo {
    Repo::numbered("workspace = \"ws\"\n", n)
}

#[test]
fn a_run_on_a_state_in_use_fails_naming_the_file_and_the_holder() {
    let repo = many(3);
    let state = repo.path().join(LOCAL_STATE);
    let holder = Remote::holding(&state, Vec::new());
    let before = std::fs::read(&state).expect("state");

    let printed = common::run(cxtrain_local(&repo).args(["apply", "--yes"]), 1);

    let said = common::words(&printed.stderr);
    let file = state.display().to_string();
    assert!(
        said.contains(&format!(
            "{file} is in use by another cxtrain (process {})",
            std::process::id()
        )),
        "{}",
        printed.stderr
    );
    assert!(said.contains("wait until that run"), "{}", printed.stderr);
    assert_eq!(std::fs::read(&state).expect("state"), before, "untouched");
    drop(holder);
    common::run(cxtrain_local(&repo).args(["apply", "--yes"]), 0);
}

#[test]
fn two_applies_at_once_never_lose_writes() {
    const TRAININGS: usize = 150;
    let repo = many(TRAININGS);
    let spawn = || {
        common::command_local(&repo)
            .args(["apply", "--yes"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("binary starts")
    };
    let (a, b) = (spawn(), spawn());
    let runs = [a, b].map(|child| child.wait_with_output().expect("apply ends"));

    let mut created = 0;
    for run in &runs {
        let stdout = String::from_utf8_lossy(&run.stdout);
        let stderr = String::from_utf8_lossy(&run.stderr);
        match run.status.code() {
            Some(0) => {
                created += stdout
                    .lines()
                    .find_map(|l| l.strip_prefix("Apply complete: ")?.split(' ').next())
                    .map_or(0, |n| n.parse::<usize>().expect("a count"));
            }
            Some(1) => assert!(
                common::words(&stderr).contains("is in use by another cxtrain"),
                "{stderr}"
            ),
            other => panic!("exit {other:?}: {stdout}\n{stderr}"),
        }
    }
    assert!(runs.iter().any(|r| r.status.success()), "one of them ran");
    // Everything either run reported created is in the state, once.
    let state = repo.path().join(LOCAL_STATE);
    let remote = Remote::with(EmulatorConfig {
        state_file: Some(state),
        ..EmulatorConfig::default()
    });
    assert_eq!(remote.records().len(), TRAININGS);
    assert_eq!(created, TRAININGS, "no run reported writes that were lost");
    drop(remote);
    let plan = cxtrain_local(&repo)
        .args(["plan", "--detailed-exitcode"])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("plan runs");
    assert_eq!(plan.status.code(), Some(0));
}
