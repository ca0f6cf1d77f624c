//! `doctor`: whether cxtrain can work with this repository and API — the
//! config, the key, reachability, authentication, rate-limit headers, list
//! paging, the metadata filter and the mapped directories — each check a
//! value with a status and, when it fails, the next step. It also removes a
//! scratch training an interrupted `doctor --probe` left behind (found by
//! its tag, and nothing else). `--probe` ([`probe`]) then measures what the
//! API does not document.

pub mod probe;

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::PathBuf;

use serde::Serialize;

use crate::apply::confirm;
use crate::config::{Config, Located};
use crate::connect::{ConnectError, ConnectOptions};
use crate::exit::{ErrorExit, Exit, Failure};
use crate::model::META_WORKSPACE;
use crate::remote::api::{self, ListQuery, ListResponse};
use crate::remote::{Client, DEFAULT_REQUESTS_PER_MINUTE, RemoteError};

use super::{IoError, Session};

/// What `doctor` is asked for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--dir`: the repository.
    pub dir: PathBuf,
    /// `--config`.
    pub config: Option<PathBuf>,
    /// `--env`: the environment to check (default: `default_env`).
    pub environment: Option<String>,
    /// Which remote.
    pub connect: ConnectOptions,
}

/// The repository the checks found: its config for the chosen environment,
/// that config's workspace, and its root.
struct Repository {
    config: Config,
    workspace: String,
    dir: PathBuf,
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// As expected.
    Pass,
    /// A fact worth knowing; neither good nor bad.
    Info,
    /// Worth a look, but cxtrain works.
    Warn,
    /// cxtrain cannot work (well) like this; the check says what to do.
    Fail,
    /// Not run: an earlier check failed.
    Skip,
}

/// What a check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckName {
    /// `cxtrain.toml` found and valid.
    Config,
    /// `OPENCX_API_KEY` present (never shown).
    ApiKey,
    /// The API answers at all.
    Reachable,
    /// The key is accepted (one list call).
    Authentication,
    /// Whether answers carry rate-limit headers.
    RateLimitHeaders,
    /// `limit`/`offset` paging.
    Paging,
    /// The `metadata` containment filter of the list.
    MetadataFilter,
    /// Every mapped directory id seen on the remote, or not.
    Directories,
    /// Scratch trainings of an interrupted `doctor --probe`, removed.
    LeftoverProbes,
}

impl CheckName {
    /// How the human table names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Config => "config",
            Self::ApiKey => "API key",
            Self::Reachable => "API reachable",
            Self::Authentication => "authentication",
            Self::RateLimitHeaders => "rate-limit headers",
            Self::Paging => "list paging",
            Self::MetadataFilter => "metadata filter",
            Self::Directories => "directories",
            Self::LeftoverProbes => "leftover probes",
        }
    }
}

/// One check's result. Its texts may quote the server: renderers escape
/// them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked.
    pub name: CheckName,
    /// How it came out.
    pub status: Status,
    /// One line on what was found.
    pub summary: String,
    /// Lines of detail (one per mapped directory, say).
    pub details: Vec<String>,
    /// What to do about a failure or warning.
    pub next: Option<String>,
}

impl Check {
    fn new(name: CheckName, status: Status, summary: impl Into<String>) -> Check {
        Check {
            name,
            status,
            summary: summary.into(),
            details: Vec::new(),
            next: None,
        }
    }

    fn next(mut self, next: impl Into<String>) -> Check {
        self.next = Some(next.into());
        self
    }

    fn details(mut self, details: Vec<String>) -> Check {
        self.details = details;
        self
    }

    fn skipped(name: CheckName, because: &str) -> Check {
        Check::new(name, Status::Skip, format!("not checked: {because}"))
    }
}

/// Why `doctor --probe` did not run.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum DoctorError {
    /// No terminal to ask on and no `--yes`.
    #[error("doctor --probe writes to the API and needs confirmation, but stdin is not a terminal")]
    #[diagnostic(
        code(cxtrain::doctor::needs_yes),
        help(
            "run `cxtrain doctor --probe --yes` to probe without asking: it creates one scratch \
             draft training, publishes it for about a second on the api channel, and deletes it"
        )
    )]
    NeedsYes,
    /// The user answered no.
    #[error("probe cancelled: nothing was written")]
    #[diagnostic(code(cxtrain::doctor::cancelled))]
    Cancelled,
}

impl ErrorExit for DoctorError {
    fn exit(&self) -> Exit {
        match self {
            Self::NeedsYes => Exit::Refused,
            // The user said no: nothing was refused.
            Self::Cancelled => Exit::Error,
        }
    }
}

/// Reads the answer to the probe's prompt: only an explicit yes goes on.
pub fn confirmed(input: &mut impl BufRead) -> Result<(), Failure> {
    if confirm::read_answer(input).map_err(|e| IoError::new("read stdin", e))? {
        Ok(())
    } else {
        Err(DoctorError::Cancelled.into())
    }
}

/// The checks' results, and what a probe needs to follow them.
pub struct Diagnosis {
    /// Every check, in the order run.
    pub checks: Vec<Check>,
    /// The API checked (never contains the key).
    pub target: Option<String>,
    /// Set when the remote checks could run: the connection and repository
    /// a probe uses.
    remote: Option<(Session, Repository)>,
}

impl Diagnosis {
    /// Checks that stopped before the remote could be reached.
    fn without_remote(checks: Vec<Check>) -> Diagnosis {
        Diagnosis {
            checks,
            target: None,
            remote: None,
        }
    }

    /// Whether no check failed.
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.status != Status::Fail)
    }

    /// The directory a probe moves its scratch training into: the first
    /// mapped one, as `(folder, id)`.
    pub fn probe_directory(&self) -> Option<(&str, &str)> {
        let (_, repository) = self.remote.as_ref()?;
        repository
            .config
            .directories
            .iter()
            .next()
            .map(|(folder, id)| (folder.as_str(), id.as_str()))
    }

    /// Whether a probe can run: the key was accepted.
    pub fn can_probe(&self) -> bool {
        self.remote.is_some()
            && self
                .checks
                .iter()
                .any(|c| c.name == CheckName::Authentication && c.status == Status::Pass)
    }

    /// Runs `doctor --probe` on the checked connection (see [`probe`]);
    /// `None` when [`Diagnosis::can_probe`] is false. The first Ctrl-C stops
    /// the probe and still deletes its training.
    pub fn probe(&self) -> Option<probe::ProbeReport> {
        if !self.can_probe() {
            return None;
        }
        let (session, repository) = self.remote.as_ref()?;
        let directory = self
            .probe_directory()
            .map(|(folder, id)| (folder.to_owned(), id.to_owned()));
        let setup = probe::Setup {
            workspace: repository.workspace.clone(),
            directory,
            put_accepts_metadata: repository.config.api.put_accepts_metadata,
        };
        Some(session.run(probe::run(session.client(), &setup, super::interrupt())))
    }
}

/// Runs every check; a check that cannot run because an earlier one failed
/// is skipped. Fails only when no async runtime can start.
pub fn diagnose(options: &Options) -> Result<Diagnosis, Failure> {
    let mut checks = Vec::new();
    let repository = match load_config(options) {
        Ok((check, repository)) => {
            checks.push(check);
            repository
        }
        Err(check) => {
            checks.push(check);
            checks.extend(remote_names().map(|n| Check::skipped(n, "no valid config")));
            return Ok(Diagnosis::without_remote(checks));
        }
    };
    checks.push(key_check(&options.connect, &repository.config));
    if checks.last().is_some_and(|c| c.status == Status::Fail) {
        checks.extend(
            remote_names()
                .skip(1)
                .map(|n| Check::skipped(n, "no API key")),
        );
        return Ok(Diagnosis::without_remote(checks));
    }
    let session = match Session::connect(&options.connect, &repository.config, &repository.dir) {
        Ok(session) => session,
        Err(failure) => {
            let check = connect_failure(&failure);
            let from = if check.name == CheckName::ApiKey {
                checks.pop();
                1
            } else {
                2
            };
            checks.push(check);
            checks.extend(
                remote_names()
                    .skip(from)
                    .map(|n| Check::skipped(n, "no connection")),
            );
            return Ok(Diagnosis::without_remote(checks));
        }
    };
    let target = session.target().to_owned();
    checks.extend(session.run(remote_checks(session.client(), &repository, &target)));
    Ok(Diagnosis {
        checks,
        target: Some(target),
        remote: Some((session, repository)),
    })
}

/// The checks that need the remote, in order; the key check is the first.
fn remote_names() -> impl Iterator<Item = CheckName> {
    [
        CheckName::ApiKey,
        CheckName::Reachable,
        CheckName::Authentication,
        CheckName::RateLimitHeaders,
        CheckName::Paging,
        CheckName::MetadataFilter,
        CheckName::Directories,
        CheckName::LeftoverProbes,
    ]
    .into_iter()
}

fn load_config(options: &Options) -> Result<(Check, Repository), Check> {
    let failed = |summary: String, next: Option<String>| Check {
        next,
        ..Check::new(CheckName::Config, Status::Fail, summary)
    };
    let located = Located::find(&options.dir, options.config.as_deref()).map_err(|e| {
        failed(
            e.to_string(),
            Some("run `cxtrain init` here, or point --dir/--config at the repository".to_owned()),
        )
    })?;
    let shown = crate::render::shown(&located.path);
    let config = located.load().map_err(|e| {
        failed(
            format!("{shown}: {e}"),
            Some("fix it: `cxtrain validate` points at each problem".to_owned()),
        )
    })?;
    let config = config
        .select_one(options.environment.as_deref())
        .map_err(|e| failed(format!("{shown}: {e}"), help(&e)))?;
    let workspace = config
        .workspace()
        .map_err(|e| failed(format!("{shown}: {e}"), help(&e)))?
        .to_owned();
    let environment = config
        .environment
        .as_deref()
        .map_or_else(String::new, |e| format!(", environment `{e}`"));
    let n = config.directories.len();
    let summary = format!(
        "{shown}: workspace `{workspace}`{environment}, {n} mapped director{}",
        if n == 1 { "y" } else { "ies" }
    );
    let check = Check::new(CheckName::Config, Status::Pass, summary);
    Ok((
        check,
        Repository {
            config,
            workspace,
            dir: located.repo_dir,
        },
    ))
}

/// An error's help text.
fn help(e: &dyn miette::Diagnostic) -> Option<String> {
    e.help().map(|h| h.to_string())
}

fn key_check(connect: &ConnectOptions, config: &Config) -> Check {
    if connect.local {
        return Check::new(
            CheckName::ApiKey,
            Status::Info,
            "not needed: --local uses the embedded emulator",
        );
    }
    let variable = &config.api_key_env;
    match std::env::var(variable) {
        Ok(value) if !value.trim().is_empty() => Check::new(
            CheckName::ApiKey,
            Status::Pass,
            format!("{variable} is set (never shown)"),
        ),
        _ => {
            let missing = ConnectError::MissingKey {
                variable: variable.clone(),
                environment: config.environment.clone(),
            };
            Check {
                next: help(&missing),
                ..Check::new(CheckName::ApiKey, Status::Fail, missing.to_string())
            }
        }
    }
}

/// A connection that could not be set up: a key that is not a header value,
/// or a URL the client refuses.
fn connect_failure(failure: &Failure) -> Check {
    let key = matches!(
        failure.report.downcast_ref::<ConnectError>(),
        Some(ConnectError::Remote(RemoteError::InvalidKey))
    );
    let name = if key {
        CheckName::ApiKey
    } else {
        CheckName::Reachable
    };
    let mut check = Check::new(name, Status::Fail, failure.report.to_string());
    check.next = failure.report.help().map(|h| h.to_string());
    check
}

/// Reachability and authentication from one list call (the first
/// one-training page, which also gives the count and the first page the
/// paging check judges), then, once the key is accepted, the rest.
async fn remote_checks(client: &Client, repository: &Repository, target: &str) -> Vec<Check> {
    let (config, workspace) = (&repository.config, repository.workspace.as_str());
    let mut checks = Vec::new();
    let everything = ListQuery::default();
    let first = match client.list_page(&everything, 0, 1).await {
        Ok(first) => first,
        Err(e) => {
            checks.extend(unreachable_or_refused(&e, target));
            let skipped = remote_names().skip(3);
            checks.extend(skipped.map(|n| Check::skipped(n, "the key was not accepted")));
            return checks;
        }
    };
    let total = match &first {
        ListResponse::Page(page) => page.total,
        ListResponse::Bare(items) => items.len() as u64,
    };
    checks.push(Check::new(
        CheckName::Reachable,
        Status::Pass,
        format!("{target} answers"),
    ));
    checks.push(Check::new(
        CheckName::Authentication,
        Status::Pass,
        format!(
            "the key was accepted (training:read); the organisation has {total} training{}",
            if total == 1 { "" } else { "s" }
        ),
    ));
    checks.push(rate_limit_headers(client.stats().rate_limit_headers));
    let second = if total >= 2 {
        client.list_page(&everything, 1, 1).await.map(Some)
    } else {
        Ok(None)
    };
    checks.push(match second {
        Ok(second) => paging(total, &first, second.as_ref()),
        Err(e) => failed(CheckName::Paging, &e),
    });
    let (mine, nothing) = (workspace_query(workspace), nothing_query());
    let listed = tokio::try_join!(
        client.list_all(&everything),
        client.list_all(&mine),
        client.list_page(&nothing, 0, 1),
    );
    match listed {
        Ok((all, mine, none)) => {
            checks.push(metadata_filter(workspace, &all.items, &mine.items, &none));
            checks.push(directories(&config.directories, &all.items));
            checks.push(remove_leftovers(client, workspace, &all.items).await);
        }
        Err(e) => {
            for name in [
                CheckName::MetadataFilter,
                CheckName::Directories,
                CheckName::LeftoverProbes,
            ] {
                checks.push(failed(name, &e));
            }
        }
    }
    checks
}

/// The list call failed: was the API reached at all, and was the key the
/// problem?
fn unreachable_or_refused(e: &RemoteError, target: &str) -> Vec<Check> {
    if e.status().is_none() {
        return vec![
            failed(CheckName::Reachable, e),
            Check::skipped(CheckName::Authentication, "the API did not answer"),
        ];
    }
    vec![
        Check::new(
            CheckName::Reachable,
            Status::Pass,
            format!("{target} answers"),
        ),
        failed(CheckName::Authentication, e),
    ]
}

/// A check that could not finish because a request failed.
fn failed(name: CheckName, e: &RemoteError) -> Check {
    Check {
        next: help(e),
        ..Check::new(name, Status::Fail, e.to_string())
    }
}

fn rate_limit_headers(seen: u64) -> Check {
    if seen > 0 {
        Check::new(
            CheckName::RateLimitHeaders,
            Status::Info,
            "seen: cxtrain follows the server's count of requests left",
        )
    } else {
        Check::new(
            CheckName::RateLimitHeaders,
            Status::Info,
            format!(
                "none seen (the API documents none): cxtrain paces itself \
                 ([api] requests_per_minute, {DEFAULT_REQUESTS_PER_MINUTE} by default)"
            ),
        )
    }
}

/// Judges `limit=1` pages at offsets 0 and 1 of a listing of `total`.
fn paging(total: u64, first: &ListResponse, second: Option<&ListResponse>) -> Check {
    let name = CheckName::Paging;
    let (first, second) =
        match (first, second) {
            (ListResponse::Page(first), None) => (first, None),
            (ListResponse::Page(first), Some(ListResponse::Page(second))) => (first, Some(second)),
            _ => return Check::new(
                name,
                Status::Warn,
                "the list answers a bare array (an older API shape): no total and no has_more",
            )
            .next(
                "cxtrain still pages through it, stopping at the first short page; check the API \
             URL points at the current API",
            ),
        };
    let mut problems = Vec::new();
    let mut page = |p: &api::ListPage, offset: u64| {
        if p.items.len() > 1 {
            problems.push(format!(
                "asked for 1 training at offset {offset}, got {}",
                p.items.len()
            ));
        }
        if p.total != total {
            problems.push(format!(
                "the page at offset {offset} says total {}, the count said {total}",
                p.total
            ));
        }
        let more = offset + 1 < total;
        if p.has_more != more {
            problems.push(format!(
                "the page at offset {offset} says has_more {}, expected {more}",
                p.has_more
            ));
        }
    };
    page(first, 0);
    if let Some(second) = second {
        page(second, 1);
        let id = |p: &api::ListPage| p.items.first().map(|t| t.id.clone());
        if id(first).is_none() || id(first) == id(second) {
            problems.push("offset 1 did not move past the first training".to_owned());
        }
    }
    if !problems.is_empty() {
        return Check::new(name, Status::Fail, "pages do not add up")
            .details(problems)
            .next(
                "cxtrain refuses inconsistent listings rather than plan from them: report this \
                 to OpenCX with the details above",
            );
    }
    match second {
        Some(_) => Check::new(
            name,
            Status::Pass,
            "limit, offset, total and has_more agree (checked on two pages of one training)",
        ),
        None => Check::new(
            name,
            Status::Info,
            format!("only {total} training(s) in the organisation: offset paging not checked"),
        ),
    }
}

/// The listing query of this workspace's trainings, as `plan` sends it.
fn workspace_query(workspace: &str) -> ListQuery {
    ListQuery {
        metadata: Some(serde_json::json!({ META_WORKSPACE: workspace }).to_string()),
        ..ListQuery::default()
    }
}

/// A metadata filter no training matches: a server that honours the filter
/// answers with nothing.
fn nothing_query() -> ListQuery {
    let nonce = format!("{:016x}", fastrand::u64(..));
    ListQuery {
        metadata: Some(serde_json::json!({ "cxtrain_doctor": nonce }).to_string()),
        ..ListQuery::default()
    }
}

/// Judges the metadata filter: a filter nothing matches must answer with
/// nothing, and the workspace filter must answer with exactly the trainings
/// the unfiltered listing shows tagged with the workspace.
fn metadata_filter(
    workspace: &str,
    all: &[api::Training],
    mine: &[api::Training],
    none: &ListResponse,
) -> Check {
    let name = CheckName::MetadataFilter;
    let tagged = |t: &&api::Training| t.metadata_str(META_WORKSPACE) == Some(workspace);
    let expected: BTreeSet<&str> = all.iter().filter(tagged).map(|t| t.id.as_str()).collect();
    let got: BTreeSet<&str> = mine.iter().map(|t| t.id.as_str()).collect();
    let unmatched = match none {
        ListResponse::Page(p) => p.total.max(p.items.len() as u64),
        ListResponse::Bare(items) => items.len() as u64,
    };
    let ignored = "cxtrain filters again on its side, so plans stay right, but each plan then \
                   reads the whole organisation: report this to OpenCX";
    if unmatched > 0 {
        return Check::new(
            name,
            Status::Fail,
            format!("ignored: a filter no training matches answered with {unmatched} training(s)"),
        )
        .next(ignored);
    }
    if got != expected {
        let extra = got.difference(&expected).count();
        let missed = expected.difference(&got).count();
        return Check::new(
            name,
            Status::Fail,
            format!(
                "the workspace filter answered {} training(s): {extra} not tagged `{workspace}`, \
                 {missed} tagged ones missing",
                got.len()
            ),
        )
        .next(ignored);
    }
    Check::new(
        name,
        Status::Pass,
        format!(
            "matches by containment: {} training(s) tagged `{workspace}`",
            got.len()
        ),
    )
}

/// Which mapped directory ids the organisation's trainings use. The API
/// cannot list directories, so one holding no training is invisible.
fn directories(mapped: &BTreeMap<String, String>, all: &[api::Training]) -> Check {
    let name = CheckName::Directories;
    if mapped.is_empty() {
        return Check::new(
            name,
            Status::Pass,
            "none mapped: every training is at the root",
        );
    }
    let mut used: BTreeMap<&str, usize> = BTreeMap::new();
    for t in all {
        if let Some(id) = &t.directory_id {
            *used.entry(id.as_str()).or_default() += 1;
        }
    }
    let mut unseen = 0;
    let details = mapped
        .iter()
        .map(|(folder, id)| match used.get(id.as_str()) {
            Some(n) => format!("{folder} → {id}: seen on {n} training(s)"),
            None => {
                unseen += 1;
                format!("{folder} → {id}: not seen on any training")
            }
        })
        .collect();
    if unseen == 0 {
        return Check::new(
            name,
            Status::Pass,
            format!("all {} mapped id(s) seen on the remote", mapped.len()),
        )
        .details(details);
    }
    Check::new(
        name,
        Status::Warn,
        format!(
            "{unseen} of {} mapped id(s) not seen on the remote",
            mapped.len()
        ),
    )
    .details(details)
    .next(
        "the API cannot list directories, so one holding no training yet is invisible: check \
         the id in the OpenCX dashboard (AI Instructions); `cxtrain doctor --probe` moves its \
         scratch training into the first mapped directory",
    )
}

/// Deletes this workspace's leftover probe trainings among `all`.
async fn remove_leftovers(client: &Client, workspace: &str, all: &[api::Training]) -> Check {
    let name = CheckName::LeftoverProbes;
    let leftovers: Vec<&str> = all
        .iter()
        .filter(|t| probe::is_probe(t, workspace))
        .map(|t| t.id.as_str())
        .collect();
    if leftovers.is_empty() {
        return Check::new(name, Status::Pass, "none");
    }
    let removal = probe::delete_all(client, leftovers.iter().copied()).await;
    if removal.failed.is_empty() {
        return Check::new(
            name,
            Status::Pass,
            format!(
                "removed {} scratch training(s) an interrupted `doctor --probe` left: {}",
                removal.deleted.len(),
                removal.deleted.join(", ")
            ),
        );
    }
    Check::new(
        name,
        Status::Fail,
        format!(
            "{} scratch training(s) of an interrupted `doctor --probe` could not be deleted",
            removal.failed.len()
        ),
    )
    .details(removal.failed.clone())
    .next(format!(
        "delete the trainings titled \"{}\" in the OpenCX dashboard, or run `cxtrain doctor` \
         again",
        probe::TITLE
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Training;

    fn record(id: &str) -> api::Training {
        api::Training::holding(id, &Training::scenario("k", "A title", "Some content"))
    }

    fn tagged(id: &str, workspace: &str) -> api::Training {
        api::Training {
            metadata: Some([(META_WORKSPACE.to_owned(), workspace.into())].into()),
            ..record(id)
        }
    }

    fn page(ids: &[&str], total: u64, offset: u64, has_more: bool) -> ListResponse {
        ListResponse::Page(api::ListPage {
            items: ids.iter().map(|id| record(id)).collect(),
            total,
            limit: 1,
            offset,
            has_more,
        })
    }

    #[test]
    fn paging_that_adds_up_passes() {
        let c = paging(
            3,
            &page(&["a"], 3, 0, true),
            Some(&page(&["b"], 3, 1, true)),
        );
        assert_eq!(c.status, Status::Pass, "{c:?}");
        let small = paging(1, &page(&["a"], 1, 0, false), None);
        assert_eq!(small.status, Status::Info);
    }

    #[test]
    fn paging_that_does_not_add_up_fails_with_every_problem() {
        let c = paging(
            3,
            &page(&["a", "b", "c"], 3, 0, false),
            Some(&page(&["a"], 4, 0, true)),
        );
        assert_eq!(c.status, Status::Fail);
        assert_eq!(
            c.details,
            vec![
                "asked for 1 training at offset 0, got 3",
                "the page at offset 0 says has_more false, expected true",
                "the page at offset 1 says total 4, the count said 3",
                "offset 1 did not move past the first training",
            ]
        );
        assert!(c.next.is_some());
        let bare = paging(2, &ListResponse::Bare(vec![record("a")]), None);
        assert_eq!(bare.status, Status::Warn);
    }

    #[test]
    fn a_filter_that_is_ignored_or_wrong_fails() {
        let all = vec![tagged("1", "ws"), tagged("2", "other"), record("3")];
        let honoured = metadata_filter("ws", &all, &all[..1], &page(&[], 0, 0, false));
        assert_eq!(honoured.status, Status::Pass, "{honoured:?}");
        let ignored = metadata_filter("ws", &all, &all, &page(&["1"], 3, 0, true));
        assert_eq!(ignored.status, Status::Fail);
        assert!(ignored.summary.contains("answered with 3"), "{ignored:?}");
        let wrong = metadata_filter("ws", &all, &all[1..2], &page(&[], 0, 0, false));
        assert_eq!(wrong.status, Status::Fail);
        assert!(
            wrong
                .summary
                .contains("1 not tagged `ws`, 1 tagged ones missing"),
            "{wrong:?}"
        );
    }

    #[test]
    fn directories_seen_or_not() {
        let mut in_billing = record("1");
        in_billing.directory_id = Some("dir_b".into());
        let mapped: BTreeMap<String, String> = [
            ("billing".to_owned(), "dir_b".to_owned()),
            ("shipping".to_owned(), "dir_s".to_owned()),
        ]
        .into();
        let c = directories(&mapped, &[in_billing.clone(), record("2")]);
        assert_eq!(c.status, Status::Warn);
        assert_eq!(
            c.details,
            vec![
                "billing → dir_b: seen on 1 training(s)",
                "shipping → dir_s: not seen on any training"
            ]
        );
        let only_billing: BTreeMap<String, String> =
            [("billing".to_owned(), "dir_b".to_owned())].into();
        assert_eq!(
            directories(&only_billing, &[in_billing]).status,
            Status::Pass
        );
        assert_eq!(directories(&BTreeMap::new(), &[]).status, Status::Pass);
    }

    #[test]
    fn a_failed_list_call_tells_unreachable_from_refused() {
        let refused = unreachable_or_refused(
            &RemoteError::Unauthorized {
                endpoint: "GET /training".into(),
            },
            "https://api.open.cx",
        );
        assert_eq!(
            refused.iter().map(|c| c.status).collect::<Vec<_>>(),
            vec![Status::Pass, Status::Fail]
        );
        assert!(
            refused[1]
                .next
                .as_deref()
                .unwrap()
                .contains("OPENCX_API_KEY")
        );
        let down = unreachable_or_refused(
            &RemoteError::Connect {
                endpoint: "GET /training".into(),
                base_url: "https://api.open.cx".into(),
                attempts: 6,
            },
            "https://api.open.cx",
        );
        assert_eq!(
            down.iter().map(|c| c.status).collect::<Vec<_>>(),
            vec![Status::Fail, Status::Skip]
        );
    }
}
