//! The OpenCX HTTP client: one request path for every operation, with
//! bearer auth, pacing, bounded concurrency, retries and error mapping.
//!
//! Every HTTP request, retries included, goes through `Client::attempt`:
//! take an in-flight permit, then a pacer slot, then send and read the body
//! as a stream, up to a cap. The permit comes first so that a request never
//! holds a pacer slot while queued for a permit (which would let slots pile
//! up and go out as a burst). A call may carry a deadline; waiting, sending
//! and backing off all stop at it.
//!
//! Every retry is reported to the caller's observer, and every answer or
//! failed call to the shared [`Health`], which may declare an outage: then
//! no call retries any more (see `health.rs`).
//!
//! Server text that reaches an error is redacted (the key, and any long run
//! of it), then shortened, then escaped (see [`crate::text`]), in that order.
//! Server text in a retry notice is redacted and shortened; its printer
//! escapes it.

use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::api::{self, paths};
use super::budget::SharedBudget;
use super::config::ClientConfig;
use super::error::{RemoteError, Scope};
use super::health::{AttemptFailure, Health, Mark, Outage, Retrying};
use super::key::ApiKey;
use super::pacer::{Outcome, Pacer};
use super::{ratelimit, retry};
use crate::model::{META_KEY, META_WORKSPACE};
use crate::text;

/// Longest server message kept in an error, in characters.
const MAX_MESSAGE_CHARS: usize = 300;

/// Most of an error response's body read for its message.
const MAX_ERROR_BODY_BYTES: u64 = 64 * 1024;

/// Cap on the connect phase. It gets half the request timeout, at most
/// this, so a black-holed host fails as a connection failure (nothing was
/// sent) before the request's own timeout.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// An OpenCX API client. Cheap to clone: clones share the connection pool,
/// the pacer, the in-flight limit and the statistics.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// Without trailing slash; paths are appended as is.
    base_url: String,
    /// `Bearer <key>`, marked sensitive so no `Debug` print shows it.
    auth: HeaderValue,
    /// Kept to redact server text that might echo it.
    key: ApiKey,
    pacer: Pacer,
    in_flight: Semaphore,
    max_in_flight: usize,
    timeout: Duration,
    max_retries: u32,
    backoff_base: Duration,
    max_body_bytes: u64,
    max_trainings: u64,
    rng: Mutex<fastrand::Rng>,
    health: Health,
    requests: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    rate_limit_headers: AtomicU64,
}

/// What a client has done so far, across all its clones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Retries (requests sent again after a failure, including the retry of
    /// a create after its lookup).
    pub retries: u64,
    /// 429 answers received.
    pub rate_limited: u64,
    /// Answers whose rate-limit headers (`X-RateLimit-*`, `RateLimit-*`,
    /// `RateLimit`) told how many requests are left; the API documents none.
    pub rate_limit_headers: u64,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// Which failures a request may be sent again after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Retry {
    /// Safe to repeat: every retryable failure.
    Idempotent,
    /// Not safe to repeat: only failures that show it never reached the
    /// server (429, connection refused).
    IfNotLanded,
}

/// One request, possibly sent several times.
#[derive(Clone)]
pub(super) struct Call {
    method: Method,
    path: String,
    scope: Scope,
    query: Option<api::ListQuery>,
    body: Option<Vec<u8>>,
    deadline: Option<Deadline>,
}

/// When a call must be done by, and the budget that was derived from.
#[derive(Debug, Clone, Copy)]
pub(super) struct Deadline {
    at: Instant,
    budget: Duration,
}

impl Deadline {
    /// `budget` from now.
    pub(super) fn after(budget: Duration) -> Deadline {
        Deadline {
            at: Instant::now() + budget,
            budget,
        }
    }
}

impl Call {
    pub(super) fn new(method: Method, path: String, scope: Scope) -> Call {
        Call {
            method,
            path,
            scope,
            query: None,
            body: None,
            deadline: None,
        }
    }

    pub(super) fn query(mut self, query: api::ListQuery) -> Call {
        self.query = Some(query);
        self
    }

    /// Gives up on this call (waits, attempts and back-offs) at `deadline`.
    pub(super) fn until(mut self, deadline: Deadline) -> Call {
        self.deadline = Some(deadline);
        self
    }

    fn json(mut self, body: &impl Serialize) -> Result<Call, RemoteError> {
        let bytes = serde_json::to_vec(body).map_err(|e| RemoteError::Encode {
            endpoint: self.endpoint(),
            reason: e.to_string(),
        })?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// `GET /training/abc`, as errors show it.
    pub(super) fn endpoint(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// How one attempt failed, before it becomes a [`RemoteError`].
#[derive(Debug)]
enum Failure {
    Status {
        status: StatusCode,
        retry_after: Option<Duration>,
        body: Vec<u8>,
    },
    Timeout,
    /// No connection: why, in a few words (`connection refused`).
    Connect(String),
    Transport(String),
    /// A success whose body is over the cap.
    TooLarge,
    /// The call's deadline passed.
    Deadline,
}

/// A server's answer to one attempt, its body read (within the cap).
struct Answer {
    status: StatusCode,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

impl Failure {
    fn from_reqwest(e: reqwest::Error) -> Failure {
        // A connect timeout is both: no connection was made, so nothing
        // reached the server.
        if e.is_connect() {
            Failure::Connect(connect_reason(&e))
        } else if e.is_timeout() {
            Failure::Timeout
        } else {
            let mut chain = Vec::new();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                chain.push(s.to_string());
                source = s.source();
            }
            let mut reason = e.without_url().to_string();
            for cause in chain {
                reason.push_str(": ");
                reason.push_str(&cause);
            }
            Failure::Transport(reason)
        }
    }

    fn retryable(&self) -> bool {
        match self {
            Self::Status { status, .. } => {
                *status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
            }
            Self::Timeout | Self::Connect(_) | Self::Transport(_) => true,
            Self::TooLarge | Self::Deadline => false,
        }
    }

    /// The request certainly did not take effect: rate limited, or no
    /// connection was made.
    fn certainly_not_landed(&self) -> bool {
        match self {
            Self::Status { status, .. } => *status == StatusCode::TOO_MANY_REQUESTS,
            Self::Connect(_) => true,
            Self::Timeout | Self::Transport(_) | Self::TooLarge | Self::Deadline => false,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    fn is_not_found(&self) -> bool {
        matches!(self, Self::Status { status, .. } if *status == StatusCode::NOT_FOUND)
    }
}

impl Client {
    /// A client for `config`. Refuses plain `http://` unless the host is
    /// loopback, so the key never crosses a network in clear text.
    pub fn new(config: ClientConfig) -> Result<Client, RemoteError> {
        let url = check_base_url(&config.base_url)?;
        let loopback = is_loopback(&url);
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", config.api_key.expose()))
            .map_err(|_| RemoteError::InvalidKey)?;
        auth.set_sensitive(true);
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout((config.timeout / 2).min(MAX_CONNECT_TIMEOUT))
            // A redirect could carry the key to another scheme or host.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("cxtrain/", env!("CARGO_PKG_VERSION")));
        if loopback {
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| RemoteError::Setup {
            reason: e.without_url().to_string(),
        })?;
        let shared = config.shared_budget.as_deref().map(|dir| {
            let host = url.host_str().unwrap_or_default();
            let port = url.port_or_known_default().unwrap_or_default();
            SharedBudget::new(dir, &format!("{host}:{port}"), &config.api_key)
        });
        let max_in_flight = config.max_in_flight.max(1);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url: config.base_url.trim_end_matches('/').to_owned(),
                auth,
                key: config.api_key,
                pacer: Pacer::new(config.requests_per_minute, config.rate_window, shared),
                in_flight: Semaphore::new(max_in_flight),
                max_in_flight,
                timeout: config.timeout,
                max_retries: config.max_retries,
                backoff_base: config.backoff_base,
                max_body_bytes: config.max_body_bytes,
                max_trainings: config.max_trainings,
                rng: Mutex::new(fastrand::Rng::new()),
                health: Health::new(config.on_retry),
                requests: AtomicU64::new(0),
                retries: AtomicU64::new(0),
                rate_limited: AtomicU64::new(0),
                rate_limit_headers: AtomicU64::new(0),
            }),
        })
    }

    /// The base URL requests go to, without trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Pages one listing fetches at once: the in-flight limit.
    pub(super) fn page_concurrency(&self) -> usize {
        self.inner.max_in_flight
    }

    /// Most trainings one listing may claim or return.
    pub(super) fn max_trainings(&self) -> u64 {
        self.inner.max_trainings
    }

    /// The most `requests` more requests should take: rounds of
    /// `max_in_flight` requests at one timeout each, plus the pacer's
    /// longest wait for them ([`Pacer::max_wait`]). Derived from the work, so
    /// no answer, however slow or endless, can stall a command forever.
    pub(super) fn budget_for(&self, requests: u64) -> Duration {
        let rounds = requests.div_ceil(self.inner.max_in_flight as u64) + 1;
        let rounds = u32::try_from(rounds).unwrap_or(u32::MAX);
        self.inner
            .timeout
            .saturating_mul(rounds)
            .saturating_add(self.inner.pacer.max_wait(requests))
    }

    /// The outage declared (see `health.rs`), while it lasts: the server
    /// stopped answering, and no call retries until a request is answered.
    pub fn outage(&self) -> Option<Outage> {
        self.inner.health.outage()
    }

    /// Requests sent (retries included), retries and 429s seen so far.
    pub fn stats(&self) -> ClientStats {
        ClientStats {
            requests: self.inner.requests.load(Ordering::Relaxed),
            retries: self.inner.retries.load(Ordering::Relaxed),
            rate_limited: self.inner.rate_limited.load(Ordering::Relaxed),
            rate_limit_headers: self.inner.rate_limit_headers.load(Ordering::Relaxed),
        }
    }

    /// `GET /training/{id}`.
    pub async fn get(&self, id: &str) -> Result<api::Training, RemoteError> {
        let call = Call::new(Method::GET, paths::training(&segment(id)?), Scope::Read);
        self.fetch(&call, Retry::Idempotent).await
    }

    /// `POST /training`. Never blindly retried: when a failure leaves it
    /// unknown whether the create landed, the training is first looked up by
    /// its `cxtrain_key` + `cxtrain_workspace` metadata and returned if found.
    /// Without those keys such a failure is not retried at all.
    pub async fn create(&self, body: &api::TrainingInput) -> Result<api::Training, RemoteError> {
        let call = Call::new(Method::POST, paths::TRAININGS.to_owned(), Scope::Write).json(body)?;
        let identity = Identity::of(body);
        let mut retries = 0;
        let mut since = None;
        loop {
            let failure = match self.attempt(&call).await {
                Ok(bytes) => return self.decode(&call, &bytes),
                Err(failure) => failure,
            };
            let since = *since.get_or_insert_with(|| self.inner.health.mark());
            if !failure.retryable() {
                return Err(self.error(&call, failure, retries + 1));
            }
            if !failure.certainly_not_landed() && identity.is_none() {
                return Err(RemoteError::CreateUnverifiable {
                    endpoint: call.endpoint(),
                    cause: Box::new(self.error(&call, failure, retries + 1)),
                });
            }
            if !self.retry(retries, &failure, &call, since).await {
                return Err(self.error(&call, failure, retries + 1));
            }
            if let Some(identity) = identity
                .as_ref()
                .filter(|_| !failure.certainly_not_landed())
                && let Some(existing) = self.find(identity).await?
            {
                return Ok(existing);
            }
            retries += 1;
        }
    }

    /// `PUT /training/{id}` with the full desired state.
    pub async fn update(
        &self,
        id: &str,
        body: &api::TrainingInput,
    ) -> Result<api::Training, RemoteError> {
        let call =
            Call::new(Method::PUT, paths::training(&segment(id)?), Scope::Write).json(body)?;
        self.fetch(&call, Retry::Idempotent).await
    }

    /// `DELETE /training/{id}`: the answer's body, which is undocumented
    /// (empty, or the deleted training). A retry answered with 404 means an
    /// earlier attempt landed and its response was lost: that counts as
    /// done, with an empty body.
    pub async fn delete(&self, id: &str) -> Result<Vec<u8>, RemoteError> {
        let call = Call::new(Method::DELETE, paths::training(&segment(id)?), Scope::Write);
        self.send(&call, Retry::Idempotent).await
    }

    /// `PUT /training/{id}/draft` (`is_draft: false` publishes). The
    /// response body is undocumented: the training if it decodes as one.
    pub async fn set_draft(
        &self,
        id: &str,
        is_draft: bool,
    ) -> Result<Option<api::Training>, RemoteError> {
        self.toggle_draft(id, &serde_json::json!(api::ToggleDraft { is_draft }))
            .await
    }

    /// `PUT /training/{id}/draft` with `body`, for trying the candidate
    /// bodies of [`api::toggle_draft_bodies`]; the training if the answer
    /// decodes as one.
    pub async fn toggle_draft(
        &self,
        id: &str,
        body: &serde_json::Value,
    ) -> Result<Option<api::Training>, RemoteError> {
        let call = Call::new(
            Method::PUT,
            paths::toggle_draft(&segment(id)?),
            Scope::Write,
        )
        .json(body)?;
        let bytes = self.send(&call, Retry::Idempotent).await?;
        Ok(serde_json::from_slice(&bytes).ok())
    }

    /// Moves a training to a directory (`None`: out of any). \[inferred\]
    /// endpoint; `update` with `directory_id` is the documented way.
    pub async fn move_to_directory(
        &self,
        id: &str,
        directory_id: Option<&str>,
    ) -> Result<(), RemoteError> {
        let call = Call::new(
            Method::PUT,
            paths::move_to_directory(&segment(id)?),
            Scope::Write,
        )
        .json(&api::MoveToDirectory {
            directory_id: directory_id.map(str::to_owned),
        })?;
        self.send(&call, Retry::Idempotent).await.map(drop)
    }

    /// Semantic search over trainings and knowledge base. \[inferred\]
    /// endpoint; a read, so retried like one.
    pub async fn search(
        &self,
        req: &api::SearchRequest,
    ) -> Result<Vec<api::SearchHit>, RemoteError> {
        let call = Call::new(Method::POST, paths::SEARCH.to_owned(), Scope::Read).json(req)?;
        Ok(match self.fetch(&call, Retry::Idempotent).await? {
            api::SearchResponse::Results { results } => results,
            api::SearchResponse::Bare(hits) => hits,
        })
    }

    /// Generates a scenario from a chat session. \[inferred\] endpoint; it may
    /// create something server-side, so it is retried only when the request
    /// certainly did not land.
    pub async fn generate(&self, session_id: &str) -> Result<api::GeneratedScenario, RemoteError> {
        let call = Call::new(Method::POST, paths::GENERATE.to_owned(), Scope::Write).json(
            &api::GenerateRequest {
                session_id: session_id.to_owned(),
            },
        )?;
        self.fetch(&call, Retry::IfNotLanded).await
    }

    /// The managed training a create may have produced, by metadata.
    async fn find(&self, identity: &Identity) -> Result<Option<api::Training>, RemoteError> {
        let query = api::ListQuery {
            metadata: Some(identity.filter.clone()),
            ..api::ListQuery::default()
        };
        let listing = self.list_all(&query).await?;
        // Checked again here in case a server ignores the filter.
        Ok(listing.items.into_iter().find(|t| {
            t.metadata_str(META_KEY) == Some(identity.key.as_str())
                && t.metadata_str(META_WORKSPACE) == Some(identity.workspace.as_str())
        }))
    }

    /// Sends `call` with retries and decodes the JSON answer.
    pub(super) async fn fetch<T: DeserializeOwned>(
        &self,
        call: &Call,
        policy: Retry,
    ) -> Result<T, RemoteError> {
        let bytes = self.send(call, policy).await?;
        self.decode(call, &bytes)
    }

    /// Sends `call`, retrying as `policy` allows; the body of the 2xx.
    async fn send(&self, call: &Call, policy: Retry) -> Result<Vec<u8>, RemoteError> {
        let mut retries = 0;
        let mut since = None;
        loop {
            let failure = match self.attempt(call).await {
                Ok(bytes) => return Ok(bytes),
                Err(failure) => failure,
            };
            if call.method == Method::DELETE && retries > 0 && failure.is_not_found() {
                return Ok(Vec::new());
            }
            let since = *since.get_or_insert_with(|| self.inner.health.mark());
            let may_retry = match policy {
                Retry::Idempotent => failure.retryable(),
                Retry::IfNotLanded => failure.certainly_not_landed(),
            };
            if !may_retry || !self.retry(retries, &failure, call, since).await {
                return Err(self.error(call, failure, retries + 1));
            }
            retries += 1;
        }
    }

    /// Whether to send `call` again after its attempt number `retries`
    /// (from 0) failed with retryable `failure`, its first failure at
    /// `since`: after the back-off, unless the retries are used up, the
    /// deadline would pass or an outage is declared. A call that gives up
    /// with its retries used up is reported to the health.
    async fn retry(&self, retries: u32, failure: &Failure, call: &Call, since: Mark) -> bool {
        let Some(reported) = self.attempt_failure(failure) else {
            return false;
        };
        if retries >= self.inner.max_retries {
            let health = &self.inner.health;
            health.gave_up(since, call.endpoint(), reported, retries + 1);
            return false;
        }
        self.back_off(retries, failure, reported, call).await
    }

    /// One HTTP request: permit, pacer slot, send, read the body; the body
    /// of a success.
    async fn attempt(&self, call: &Call) -> Result<Vec<u8>, Failure> {
        // The semaphore is never closed, so this only waits.
        let _permit = before(call.deadline, self.inner.in_flight.acquire())
            .await?
            .ok();
        let slot = before(call.deadline, self.inner.pacer.acquire()).await?;
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        let (outcome, answer) = match before(call.deadline, self.exchange(call)).await {
            Ok(exchanged) => exchanged,
            Err(deadline) => (Outcome::NoAnswer, Err(deadline)),
        };
        self.inner.pacer.finish(slot, outcome).await;
        let answer = answer?;
        let refused = answer.status == StatusCode::TOO_MANY_REQUESTS;
        if !refused && !answer.status.is_server_error() {
            self.inner.health.answered();
        }
        if answer.status.is_success() {
            return Ok(answer.body);
        }
        if refused {
            self.inner.rate_limited.fetch_add(1, Ordering::Relaxed);
        }
        Err(Failure::Status {
            status: answer.status,
            retry_after: answer.retry_after,
            body: answer.body,
        })
    }

    /// Sends `call` once and reads the answer: what it tells the pacer, and
    /// the answer itself. A success's body over the cap is an error; an error
    /// body is read only as far as its message needs.
    async fn exchange(&self, call: &Call) -> (Outcome, Result<Answer, Failure>) {
        let url = format!("{}{}", self.inner.base_url, call.path);
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), url)
            .header(AUTHORIZATION, self.inner.auth.clone());
        if let Some(query) = &call.query {
            request = request.query(query);
        }
        if let Some(body) = &call.body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(e) => return (Outcome::NoAnswer, Err(Failure::from_reqwest(e))),
        };
        let status = response.status();
        let now = SystemTime::now();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry::parse_retry_after(v, now))
            .filter(|_| !status.is_success());
        let advice = ratelimit::parse(response.headers(), now);
        if advice.is_some() {
            self.inner
                .rate_limit_headers
                .fetch_add(1, Ordering::Relaxed);
        }
        let outcome = Outcome::Answered {
            advice,
            retry_after,
        };
        let body = if status.is_success() {
            read_body(&mut response, self.inner.max_body_bytes, Over::Fail).await
        } else {
            read_body(&mut response, MAX_ERROR_BODY_BYTES, Over::Truncate).await
        };
        let answer = body.map(|body| Answer {
            status,
            retry_after,
            body,
        });
        (outcome, answer)
    }

    /// Waits before retry number `retry` (from 0) and tells the observer,
    /// unless the wait would end past the call's deadline or an outage is
    /// declared (before or during the wait): then returns `false`.
    async fn back_off(
        &self,
        retry: u32,
        failure: &Failure,
        reported: AttemptFailure,
        call: &Call,
    ) -> bool {
        let wait = {
            let mut rng = self.inner.rng.lock().unwrap_or_else(|e| e.into_inner());
            retry::delay(
                retry,
                self.inner.backoff_base,
                failure.retry_after(),
                &mut rng,
            )
        };
        let health = &self.inner.health;
        if call.deadline.is_some_and(|d| Instant::now() + wait >= d.at) || health.outage().is_some()
        {
            return false;
        }
        self.inner.retries.fetch_add(1, Ordering::Relaxed);
        health.retrying(&Retrying {
            endpoint: call.endpoint(),
            failure: reported,
            retry: retry + 1,
            of: self.inner.max_retries,
            wait,
        });
        tokio::select! {
            () = tokio::time::sleep(wait) => true,
            () = health.outage_declared() => false,
        }
    }

    /// A retryable failure as a retry notice shows it (server text redacted
    /// and shortened, not escaped); `None` for the others.
    fn attempt_failure(&self, failure: &Failure) -> Option<AttemptFailure> {
        let message = |text: String| shorten(&self.inner.key.redact(&text), MAX_MESSAGE_CHARS);
        Some(match failure {
            Failure::Status { status, body, .. } => AttemptFailure::Status {
                status: status.as_u16(),
                message: server_message(*status, body).ok().map(message),
            },
            Failure::Timeout => AttemptFailure::Timeout(self.inner.timeout),
            Failure::Connect(reason) => AttemptFailure::NoConnection(message(reason.clone())),
            Failure::Transport(reason) => AttemptFailure::Transport(message(reason.clone())),
            Failure::TooLarge | Failure::Deadline => return None,
        })
    }

    fn decode<T: DeserializeOwned>(&self, call: &Call, bytes: &[u8]) -> Result<T, RemoteError> {
        serde_json::from_slice(bytes).map_err(|e| RemoteError::InvalidJson {
            endpoint: call.endpoint(),
            reason: self.server_text(&e.to_string()),
        })
    }

    fn error(&self, call: &Call, failure: Failure, attempts: u32) -> RemoteError {
        let endpoint = call.endpoint();
        match failure {
            Failure::Status { status, body, .. } => {
                let message = server_message(status, &body).unwrap_or_else(|reason| reason);
                let message = self.server_text(&message);
                match status.as_u16() {
                    401 => RemoteError::Unauthorized { endpoint },
                    403 => RemoteError::Forbidden {
                        endpoint,
                        scope: call.scope,
                    },
                    404 => RemoteError::NotFound { endpoint },
                    400 | 422 => RemoteError::Rejected {
                        endpoint,
                        status: status.as_u16(),
                        message,
                    },
                    429 => RemoteError::RateLimited { endpoint, attempts },
                    code if status.is_server_error() => RemoteError::Server {
                        endpoint,
                        status: code,
                        message,
                        attempts,
                    },
                    code => RemoteError::UnexpectedStatus {
                        endpoint,
                        status: code,
                        message,
                    },
                }
            }
            Failure::Timeout => RemoteError::Timeout {
                endpoint,
                timeout: self.inner.timeout,
                attempts,
            },
            Failure::Connect(_) => RemoteError::Connect {
                endpoint,
                base_url: self.inner.base_url.clone(),
                attempts,
            },
            Failure::Transport(reason) => RemoteError::Transport {
                endpoint,
                reason: self.server_text(&reason),
                attempts,
            },
            Failure::TooLarge => RemoteError::BodyTooLarge {
                endpoint,
                limit: self.inner.max_body_bytes,
            },
            Failure::Deadline => RemoteError::Deadline {
                endpoint,
                budget: call.deadline.map_or(Duration::ZERO, |d| d.budget),
            },
        }
    }

    /// Server-provided text made fit for an error: the key (and any long run
    /// of it) redacted first, then shortened to [`MAX_MESSAGE_CHARS`], then
    /// control characters and workflow commands escaped.
    fn server_text(&self, raw: &str) -> String {
        let redacted = self.inner.key.redact(raw);
        text::escape(&shorten(&redacted, MAX_MESSAGE_CHARS)).into_owned()
    }
}

/// `fut`, unless `deadline` passes first.
async fn before<F: Future>(deadline: Option<Deadline>, fut: F) -> Result<F::Output, Failure> {
    match deadline {
        Some(d) => tokio::time::timeout_at(d.at, fut)
            .await
            .map_err(|_| Failure::Deadline),
        None => Ok(fut.await),
    }
}

/// What to do with a body longer than its cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Over {
    /// Fail with [`Failure::TooLarge`].
    Fail,
    /// Keep the first `limit` bytes and stop reading.
    Truncate,
}

/// Reads `response`'s body chunk by chunk, never holding more than `limit`
/// bytes of it: past that (or when it announces more) it fails or stops, as
/// `over` says.
async fn read_body(
    response: &mut reqwest::Response,
    limit: u64,
    over: Over,
) -> Result<Vec<u8>, Failure> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let announced = response
        .content_length()
        .and_then(|n| usize::try_from(n).ok());
    if over == Over::Fail && announced.is_some_and(|len| len > limit) {
        return Err(Failure::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(Failure::from_reqwest)? {
        let room = limit - body.len();
        if chunk.len() > room {
            return match over {
                Over::Fail => Err(Failure::TooLarge),
                Over::Truncate => {
                    body.extend_from_slice(&chunk[..room]);
                    Ok(body)
                }
            };
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `text` cut to `max` characters, with `…` when cut.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// What identifies a managed training across a lost create response.
struct Identity {
    key: String,
    workspace: String,
    /// JSON object for the list `metadata` containment filter.
    filter: String,
}

impl Identity {
    fn of(body: &api::TrainingInput) -> Option<Identity> {
        let key = body.metadata.get(META_KEY)?.clone();
        let workspace = body.metadata.get(META_WORKSPACE)?.clone();
        let filter = serde_json::json!({ META_KEY: key, META_WORKSPACE: workspace }).to_string();
        Some(Identity {
            key,
            workspace,
            filter,
        })
    }
}

/// The server's `message` (string or array), else its body text, raw, for
/// [`Client::server_text`] to make safe; `Err` with the reason phrase when
/// the server said nothing.
fn server_message(status: StatusCode, body: &[u8]) -> Result<String, String> {
    let parsed = serde_json::from_slice::<api::ErrorBody>(body)
        .ok()
        .and_then(|b| b.message.map(|m| m.joined()).or(b.error));
    let text = parsed.unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_owned());
    if text.is_empty() {
        Err(status.canonical_reason().unwrap_or("no message").to_owned())
    } else {
        Ok(text)
    }
}

/// Why no connection was made, in a few words: `connection refused`, or the
/// innermost cause (a DNS failure...).
fn connect_reason(e: &reqwest::Error) -> String {
    let mut source = std::error::Error::source(e);
    let mut innermost = None;
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return "connection refused".to_owned(),
                std::io::ErrorKind::ConnectionReset => return "connection reset".to_owned(),
                std::io::ErrorKind::TimedOut => return "connection timed out".to_owned(),
                _ => {}
            }
        }
        innermost = Some(s);
        source = s.source();
    }
    innermost.map_or_else(
        || "could not connect".to_owned(),
        |s| format!("could not connect: {s}"),
    )
}

fn check_base_url(raw: &str) -> Result<Url, RemoteError> {
    let shown = without_credentials(raw);
    let invalid = |reason: &str| RemoteError::InvalidUrl {
        url: shown.clone(),
        reason: reason.to_owned(),
    };
    if shown != raw {
        return Err(invalid(
            "it must not contain credentials (the key comes only from OPENCX_API_KEY)",
        ));
    }
    let url = Url::parse(raw).map_err(|e| invalid(&e.to_string()))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("it must not contain credentials"));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(RemoteError::InsecureUrl {
            url: raw.to_owned(),
        }),
        _ => Err(invalid("the scheme must be https")),
    }
}

/// `raw` with any user info (`user:secret@`) of its authority replaced by
/// `***`, so an error about the URL never repeats a secret written into it.
/// Reads the text as loosely as any URL parser might, parsed or not.
fn without_credentials(raw: &str) -> String {
    let (scheme, rest) = raw.split_once("://").unwrap_or(("", raw));
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => {
            let separator = if scheme.is_empty() && !raw.contains("://") {
                ""
            } else {
                "://"
            };
            format!("{scheme}{separator}***{}", &rest[at..])
        }
        None => raw.to_owned(),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host_str() {
        Some(host) if host.eq_ignore_ascii_case("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

/// Percent-encodes an id for use as one path segment: ids are opaque
/// strings and must not be able to add segments or a query.
fn segment(id: &str) -> Result<String, RemoteError> {
    if !api::usable_id(id) {
        return Err(RemoteError::InvalidId { id: id.to_owned() });
    }
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        for ok in [
            "https://api.open.cx",
            "https://api.open.cx/",
            "http://127.0.0.1:8080",
            "http://127.9.9.9",
            "http://localhost:1",
            "http://[::1]:99/",
        ] {
            assert!(check_base_url(ok).is_ok(), "{ok}");
        }
        for insecure in ["http://api.open.cx", "http://10.0.0.1", "http://[::2]"] {
            assert!(
                matches!(
                    check_base_url(insecure),
                    Err(RemoteError::InsecureUrl { .. })
                ),
                "{insecure}"
            );
        }
        for invalid in ["api.open.cx", "ftp://x", "https://u:p@x", "https://x/?a=1"] {
            assert!(
                matches!(check_base_url(invalid), Err(RemoteError::InvalidUrl { .. })),
                "{invalid}"
            );
        }
    }

    #[test]
    fn credentials_in_the_url_are_never_repeated() {
        for (raw, shown) in [
            (
                "https://user:s3cr3t@api.open.cx/v1",
                "https://***@api.open.cx/v1",
            ),
            ("https://s3cr3t@api.open.cx", "https://***@api.open.cx"),
            ("http://u:s3cr3t@127.0.0.1:9", "http://***@127.0.0.1:9"),
            ("https://u:s3cr3t@[bad", "https://***@[bad"),
            ("u:s3cr3t@api.open.cx", "***@api.open.cx"),
            ("https://a:b@c@d/x@y", "https://***@d/x@y"),
        ] {
            let err = check_base_url(raw).unwrap_err();
            let text = format!("{err} {err:?}");
            assert!(!text.contains("s3cr3t"), "{text}");
            assert!(
                matches!(&err, RemoteError::InvalidUrl { url, .. } if url == shown),
                "{err:?}"
            );
        }
    }

    #[test]
    fn ids_cannot_escape_their_segment() {
        assert_eq!(segment("trn_8f2c-1.x~").unwrap(), "trn_8f2c-1.x~");
        assert_eq!(segment("../a?b=c d").unwrap(), "..%2Fa%3Fb%3Dc%20d");
        assert_eq!(segment("a\u{1b}\u{7f}\"").unwrap(), "a%1B%7F%22");
        for unusable in ["", ".", ".."] {
            assert!(
                matches!(segment(unusable), Err(RemoteError::InvalidId { .. })),
                "{unusable:?}"
            );
        }
    }

    #[test]
    fn server_message_shapes() {
        let s = StatusCode::BAD_REQUEST;
        let said = |body: &[u8]| server_message(s, body);
        assert_eq!(said(br#"{"message":"bad title"}"#), Ok("bad title".into()));
        assert_eq!(
            said(br#"{"statusCode":422,"message":["a","b"],"error":"x"}"#),
            Ok("a; b".into())
        );
        assert_eq!(
            said(br#"{"error":"Bad Request"}"#),
            Ok("Bad Request".into())
        );
        assert_eq!(said(b"  plain text "), Ok("plain text".into()));
        assert_eq!(said(b""), Err("Bad Request".into()));
    }

    #[test]
    fn shorten_counts_characters() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcd", 3), "abc…");
        assert_eq!(shorten("ééé", 2), "éé…");
    }
}
