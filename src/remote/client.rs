//! The OpenCX HTTP client: one request path for every operation, with
//! bearer auth, pacing, bounded concurrency, retries and error mapping.
//!
//! Every HTTP request, retries included, goes through `Client::attempt`:
//! take an in-flight permit, then a pacer slot, then send. The permit comes
//! first so that a request never holds a pacer slot while queued for a
//! permit (which would let slots pile up and go out as a burst).

use std::fmt;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;

use super::api::{self, paths};
use super::config::ClientConfig;
use super::error::{RemoteError, Scope};
use super::key::ApiKey;
use super::pacer::Pacer;
use super::retry;
use crate::model::{META_KEY, META_WORKSPACE};

/// Longest server message kept in an error, in characters.
const MAX_MESSAGE_CHARS: usize = 300;

/// Cap on the connect phase, so a black-holed host fails before `timeout`.
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
    timeout: Duration,
    max_retries: u32,
    backoff_base: Duration,
    rng: Mutex<fastrand::Rng>,
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
    /// Answers that carried rate-limit headers (`X-RateLimit-*`,
    /// `RateLimit-*`, `RateLimit`); the API documents none.
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
pub(super) struct Call {
    method: Method,
    path: String,
    scope: Scope,
    query: Option<api::ListQuery>,
    body: Option<Vec<u8>>,
}

impl Call {
    pub(super) fn new(method: Method, path: String, scope: Scope) -> Call {
        Call {
            method,
            path,
            scope,
            query: None,
            body: None,
        }
    }

    pub(super) fn query(mut self, query: api::ListQuery) -> Call {
        self.query = Some(query);
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
    fn endpoint(&self) -> String {
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
    Connect,
    Transport(String),
}

impl Failure {
    fn from_reqwest(e: reqwest::Error) -> Failure {
        if e.is_timeout() {
            Failure::Timeout
        } else if e.is_connect() {
            Failure::Connect
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
            Self::Timeout | Self::Connect | Self::Transport(_) => true,
        }
    }

    /// The request certainly did not take effect: rate limited, or no
    /// connection was made.
    fn certainly_not_landed(&self) -> bool {
        match self {
            Self::Status { status, .. } => *status == StatusCode::TOO_MANY_REQUESTS,
            Self::Connect => true,
            Self::Timeout | Self::Transport(_) => false,
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
            .connect_timeout(config.timeout.min(MAX_CONNECT_TIMEOUT))
            // A redirect could carry the key to another scheme or host.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("cxtrain/", env!("CARGO_PKG_VERSION")));
        if loopback {
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| RemoteError::Setup {
            reason: e.without_url().to_string(),
        })?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url: config.base_url.trim_end_matches('/').to_owned(),
                auth,
                key: config.api_key,
                pacer: Pacer::new(config.requests_per_minute),
                in_flight: Semaphore::new(config.max_in_flight.max(1)),
                timeout: config.timeout,
                max_retries: config.max_retries,
                backoff_base: config.backoff_base,
                rng: Mutex::new(fastrand::Rng::new()),
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
        let call = Call::new(Method::GET, paths::training(&segment(id)), Scope::Read);
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
        loop {
            let failure = match self.attempt(&call).await {
                Ok(bytes) => return self.decode(&call, &bytes),
                Err(failure) => failure,
            };
            if !failure.retryable() || retries >= self.inner.max_retries {
                return Err(self.error(&call, failure, retries + 1));
            }
            if failure.certainly_not_landed() {
                self.back_off(retries, &failure).await;
            } else {
                let Some(identity) = &identity else {
                    return Err(RemoteError::CreateUnverifiable {
                        endpoint: call.endpoint(),
                        cause: Box::new(self.error(&call, failure, retries + 1)),
                    });
                };
                self.back_off(retries, &failure).await;
                if let Some(existing) = self.find(identity).await? {
                    return Ok(existing);
                }
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
            Call::new(Method::PUT, paths::training(&segment(id)), Scope::Write).json(body)?;
        self.fetch(&call, Retry::Idempotent).await
    }

    /// `DELETE /training/{id}`: the answer's body, which is undocumented
    /// (empty, or the deleted training). A retry answered with 404 means an
    /// earlier attempt landed and its response was lost: that counts as
    /// done, with an empty body.
    pub async fn delete(&self, id: &str) -> Result<Vec<u8>, RemoteError> {
        let call = Call::new(Method::DELETE, paths::training(&segment(id)), Scope::Write);
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
        let call =
            Call::new(Method::PUT, paths::toggle_draft(&segment(id)), Scope::Write).json(body)?;
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
            paths::move_to_directory(&segment(id)),
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
        loop {
            let failure = match self.attempt(call).await {
                Ok(bytes) => return Ok(bytes),
                Err(failure) => failure,
            };
            if call.method == Method::DELETE && retries > 0 && failure.is_not_found() {
                return Ok(Vec::new());
            }
            let may_retry = match policy {
                Retry::Idempotent => failure.retryable(),
                Retry::IfNotLanded => failure.certainly_not_landed(),
            };
            if !may_retry || retries >= self.inner.max_retries {
                return Err(self.error(call, failure, retries + 1));
            }
            self.back_off(retries, &failure).await;
            retries += 1;
        }
    }

    /// One HTTP request: permit, pacer slot, send, read the whole body.
    async fn attempt(&self, call: &Call) -> Result<Vec<u8>, Failure> {
        // The semaphore is never closed, so this only waits.
        let _permit = self.inner.in_flight.acquire().await.ok();
        self.inner.pacer.acquire().await;
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
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
        let response = request.send().await.map_err(Failure::from_reqwest)?;
        if has_rate_limit_headers(response.headers()) {
            self.inner
                .rate_limit_headers
                .fetch_add(1, Ordering::Relaxed);
        }
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry::parse_retry_after(v, SystemTime::now()));
        let body = response.bytes().await.map_err(Failure::from_reqwest)?;
        if status.is_success() {
            return Ok(body.to_vec());
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            self.inner.rate_limited.fetch_add(1, Ordering::Relaxed);
        }
        Err(Failure::Status {
            status,
            retry_after,
            body: body.to_vec(),
        })
    }

    async fn back_off(&self, retry: u32, failure: &Failure) {
        let wait = {
            let mut rng = self.inner.rng.lock().unwrap_or_else(|e| e.into_inner());
            retry::delay(
                retry,
                self.inner.backoff_base,
                failure.retry_after(),
                &mut rng,
            )
        };
        self.inner.retries.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(wait).await;
    }

    fn decode<T: DeserializeOwned>(&self, call: &Call, bytes: &[u8]) -> Result<T, RemoteError> {
        serde_json::from_slice(bytes).map_err(|e| RemoteError::InvalidJson {
            endpoint: call.endpoint(),
            reason: self.redact(e.to_string()),
        })
    }

    fn error(&self, call: &Call, failure: Failure, attempts: u32) -> RemoteError {
        let endpoint = call.endpoint();
        match failure {
            Failure::Status { status, body, .. } => {
                let message = self.redact(server_message(status, &body));
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
            Failure::Connect => RemoteError::Connect {
                endpoint,
                base_url: self.inner.base_url.clone(),
                attempts,
            },
            Failure::Transport(reason) => RemoteError::Transport {
                endpoint,
                reason: self.redact(reason),
                attempts,
            },
        }
    }

    /// Server-provided text could echo the key back; it never reaches us.
    fn redact(&self, text: String) -> String {
        let key = self.inner.key.expose();
        if key.is_empty() || !text.contains(key) {
            text
        } else {
            text.replace(key, "***")
        }
    }
}

/// Whether an answer carries rate-limit headers of either family in use
/// (`X-RateLimit-*`, or the IETF `RateLimit-*` / `RateLimit`).
fn has_rate_limit_headers(headers: &reqwest::header::HeaderMap) -> bool {
    headers.keys().any(|name| {
        let name = name.as_str();
        name.starts_with("x-ratelimit-") || name.starts_with("ratelimit")
    })
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

/// The server's `message` (string or array), else its body text, else the
/// reason phrase; shortened to [`MAX_MESSAGE_CHARS`].
fn server_message(status: StatusCode, body: &[u8]) -> String {
    let parsed = serde_json::from_slice::<api::ErrorBody>(body)
        .ok()
        .and_then(|b| b.message.map(|m| m.joined()).or(b.error));
    let text = parsed.unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_owned());
    let text = if text.is_empty() {
        status.canonical_reason().unwrap_or("no message").to_owned()
    } else {
        text
    };
    if text.chars().count() > MAX_MESSAGE_CHARS {
        let mut short: String = text.chars().take(MAX_MESSAGE_CHARS).collect();
        short.push('…');
        short
    } else {
        text
    }
}

fn check_base_url(raw: &str) -> Result<Url, RemoteError> {
    let invalid = |reason: &str| RemoteError::InvalidUrl {
        url: raw.to_owned(),
        reason: reason.to_owned(),
    };
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
fn segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
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
    fn ids_cannot_escape_their_segment() {
        assert_eq!(segment("trn_8f2c-1.x~"), "trn_8f2c-1.x~");
        assert_eq!(segment("../a?b=c d"), "..%2Fa%3Fb%3Dc%20d");
    }

    #[test]
    fn server_message_shapes() {
        let s = StatusCode::BAD_REQUEST;
        assert_eq!(
            server_message(s, br#"{"message":"bad title"}"#),
            "bad title"
        );
        assert_eq!(
            server_message(s, br#"{"statusCode":422,"message":["a","b"],"error":"x"}"#),
            "a; b"
        );
        assert_eq!(
            server_message(s, br#"{"error":"Bad Request"}"#),
            "Bad Request"
        );
        assert_eq!(server_message(s, b"  plain text "), "plain text");
        assert_eq!(server_message(s, b""), "Bad Request");
        let long = "x".repeat(1000);
        assert_eq!(
            server_message(s, long.as_bytes()).chars().count(),
            MAX_MESSAGE_CHARS + 1
        );
    }
}
