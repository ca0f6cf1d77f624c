//! Waiting is visible and bounded (issue 9): every retry is a line on stderr
//! (none with `-q`), an API nobody answers at is given up on within 15 s,
//! an apply whose server dies stops starting changes, reports, and
//! converges when run again, an apply against a server that rate-limits
//! every write is bounded by one call's retries rather than by the number
//! of changes, and the reported time leaves out the confirmation prompt.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::common::hostile::{self, Hostile, Reply};
use crate::common::{self, Remote, Repo, cxtrain};
use cxtrain::model::META_KEY;

/// A loopback URL where nothing listens.
fn nobody_listening() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}

#[test]
fn an_unreachable_api_prints_each_retry_and_gives_up_within_15_s() {
    // The example's own settings: the default back-off and retries.
    let repo = Repo::example("support-bot");
    let mut cmd = common::command(&repo, &nobody_listening(), "ocx_test_key");
    cmd.arg("plan");
    let run = hostile::run_bounded(cmd, Duration::from_secs(60));

    assert_eq!(run.code, Some(1), "{run:?}");
    for retry in 1..=4 {
        let line = format!("GET /training failed: connection refused; retry {retry} of 4 in ");
        assert!(
            run.stderr.lines().any(|l| l.starts_with(&line)),
            "no {line:?} in:\n{}",
            run.stderr
        );
    }
    assert!(
        common::words(&run.stderr).contains("could not connect to"),
        "{}",
        run.stderr
    );
    // 4 retries at 0.5, 1, 2 and 4 s (each 50 to 100 %): 7.5 s at most.
    assert!(run.elapsed < Duration::from_secs(15), "{:?}", run.elapsed);
    eprintln!("gave up after {:.1?}", run.elapsed);
}

#[test]
fn quiet_prints_no_retry_lines() {
    let repo = Repo::unpaced_example("support-bot");
    let mut cmd = common::command(&repo, &nobody_listening(), "ocx_test_key");
    cmd.args(["-q", "plan"]);
    let run = hostile::run_bounded(cmd, Duration::from_secs(60));

    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(!run.stderr.contains("retry"), "{}", run.stderr);
    assert!(
        common::words(&run.stderr).contains("could not connect to"),
        "{}",
        run.stderr
    );
}

/// A repository of `n` trainings, unpaced, with the default back-off.
fn many(n: usize) -> Repo {
    Repo::numbered("workspace = \"ws\"\n\n[api]\nrequests_per_minute = 0\n", n)
}

#[test]
fn an_apply_whose_server_dies_stops_reports_and_converges_when_run_again() {
    const TRAININGS: usize = 60;
    let repo = many(TRAININGS);
    let state = repo.path().join("remote-state.json");
    let state_arg = state.to_str().expect("UTF-8 path");
    let remote = Remote::spawn(&["--state", state_arg, "--latency-ms", "50"]);
    let (url, key) = (remote.url(), remote.key().to_owned());
    let mut cmd = common::command(&repo, &url, &key);
    cmd.args(["apply", "--yes", "--parallelism", "2"]);
    let apply = std::thread::spawn(move || hostile::run_bounded(cmd, Duration::from_secs(60)));
    let deadline = Instant::now() + Duration::from_secs(20);
    while remote.requests_to("POST /training") < 6 {
        assert!(Instant::now() < deadline, "apply made no progress");
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(remote); // SIGKILL
    let killed = Instant::now();
    let run = apply.join().expect("apply thread");
    let stopped_after = killed.elapsed();

    assert_eq!(run.code, Some(1), "{run:?}");
    // Each change in flight gives up after its own retries (7.5 s at most);
    // none starts after that.
    assert!(stopped_after < Duration::from_secs(30), "{stopped_after:?}");
    eprintln!("stopped {stopped_after:.1?} after the server died");
    assert!(
        run.stderr
            .contains("failed: connection refused; retry 1 of 4 in"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("Apply stopped: "), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("Stopped because the server stopped answering (GET /training: connection refused, 5 attempts)")
            || run.stdout.contains(
                "Stopped because the server stopped answering (POST /training: connection refused, 5 attempts)"
            ),
        "{}",
        run.stdout
    );
    let not_started = run
        .stdout
        .matches("not started (created): the server was unavailable")
        .count();
    assert!(not_started >= TRAININGS / 2, "{}", run.stdout);

    // A new server from the state the dead one left.
    let remote = Remote::spawn(&["--state", state_arg]);
    let landed = remote.records().len();
    assert!((1..TRAININGS).contains(&landed), "{landed}");
    let rerun = common::run(cxtrain(&repo, &remote).args(["apply", "--yes"]), 0);
    assert!(
        rerun
            .stdout
            .contains(&format!("Apply complete: {} created", TRAININGS - landed)),
        "{}",
        rerun.stdout
    );
    let records = remote.records();
    let keys: std::collections::BTreeSet<_> = records
        .iter()
        .map(|r| r.metadata_str(META_KEY).expect("managed").to_owned())
        .collect();
    assert_eq!(records.len(), TRAININGS, "no duplicates");
    assert_eq!(keys.len(), TRAININGS, "none missing");
    common::run(
        cxtrain(&repo, &remote).args(["plan", "--detailed-exitcode"]),
        0,
    );
}

#[test]
fn an_apply_rate_limited_on_every_write_is_bounded_by_one_change_not_by_all() {
    const TRAININGS: usize = 20;
    let repo = many(TRAININGS);
    let posts = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&posts);
    let server = Hostile::start(move |request| {
        if request.method == "POST" {
            counted.fetch_add(1, Ordering::Relaxed);
            Reply::TooMany { retry_after: 1 }
        } else {
            Reply::Json {
                status: 200,
                body: hostile::page(0, 0, 0, false),
            }
        }
    });
    let mut cmd = common::command(&repo, &server.url(), "ocx_test_key");
    cmd.args(["apply", "--yes", "--parallelism", "2"]);
    let run = hostile::run_bounded(cmd, Duration::from_secs(60));

    assert_eq!(run.code, Some(1), "{run:?}");
    // Two creates in flight, 5 attempts each, and no more creates started:
    // without the rule, all 20 would make 5 attempts (100 requests, ~50 s).
    let sent = posts.load(Ordering::Relaxed);
    assert!(sent <= 12, "{sent} creates sent");
    assert!(
        run.stderr
            .contains("POST /training failed: 429 Too Many Requests; retry 4 of 4 in "),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains(
            "Stopped because the server kept answering 429 Too Many Requests (POST /training, \
             5 attempts)"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout
            .matches("not started (created): the server was unavailable")
            .count(),
        TRAININGS - 2,
        "{}",
        run.stdout
    );
    eprintln!("{sent} creates sent, stopped after {:.1?}", run.elapsed);
}

/// A pseudo-terminal: the controller (which the test writes the answer
/// to) and the terminal the binary reads as its stdin.
#[cfg(target_os = "linux")]
fn pty() -> (std::fs::File, std::os::fd::OwnedFd) {
    use std::os::fd::FromRawFd;
    let (mut controller, mut terminal) = (0, 0);
    // SAFETY: out-parameters only; no name, termios or window size.
    let status = unsafe {
        libc::openpty(
            &mut controller,
            &mut terminal,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(status, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors are fresh and owned by nobody else.
    unsafe {
        (
            std::fs::File::from_raw_fd(controller),
            std::os::fd::OwnedFd::from_raw_fd(terminal),
        )
    }
}

#[cfg(target_os = "linux")]
#[test]
fn the_reported_time_leaves_out_the_time_the_prompt_waited() {
    use std::io::{Read, Write};
    const ANSWERED_AFTER: Duration = Duration::from_millis(1500);
    let repo = Repo::unpaced_example("support-bot");
    let remote = Remote::start();
    let (mut controller, terminal) = pty();
    let mut child = common::command(&repo, &remote.url(), remote.key())
        .arg("apply")
        .stdin(std::process::Stdio::from(terminal))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut stderr = child.stderr.take().expect("stderr");
    let mut asked = Vec::new();
    let mut byte = [0u8; 1];
    while !asked.ends_with(b"[y/N] ") {
        let n = stderr.read(&mut byte).expect("read stderr");
        assert_eq!(n, 1, "no prompt: {}", String::from_utf8_lossy(&asked));
        asked.push(byte[0]);
    }
    std::thread::sleep(ANSWERED_AFTER);
    controller.write_all(b"y\n").expect("answer");
    let out = child.wait_with_output().expect("apply ends");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");

    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let took: f64 = stdout
        .lines()
        .find_map(|l| l.strip_suffix("s.")?.rsplit_once(" in ")?.1.parse().ok())
        .unwrap_or_else(|| panic!("no time in:\n{stdout}"));
    assert!(
        took < ANSWERED_AFTER.as_secs_f64(),
        "{took} s includes the prompt:\n{stdout}"
    );
}
