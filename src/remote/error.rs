//! Everything that can go wrong talking to the API, each with the next step.
//!
//! Every variant names the request (`GET /training/abc`) when there is one and
//! never carries the API key: server-provided text is redacted, shortened and
//! escaped before it gets here (see `client.rs`), so it is safe to print.

use std::fmt;
use std::time::Duration;

use miette::Diagnostic;
use thiserror::Error;

/// The API scope a request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `training:read`: list, get, search.
    Read,
    /// `training:write`: create, update, delete, toggle, move, generate.
    Write,
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Read => "training:read",
            Self::Write => "training:write",
        })
    }
}

/// An error of the remote layer.
#[derive(Debug, Error, Diagnostic)]
pub enum RemoteError {
    /// The key cannot be put in an HTTP header (control characters, ...).
    #[error("the API key is not a valid HTTP header value")]
    #[diagnostic(
        code(cxtrain::remote::invalid_key),
        help(
            "the key must be one line of visible ASCII characters; copy it again from the dashboard"
        )
    )]
    InvalidKey,

    /// The base URL does not parse or is not http(s).
    #[error("invalid API URL `{url}`: {reason}")]
    #[diagnostic(
        code(cxtrain::remote::invalid_url),
        help("use a full URL such as https://api.open.cx")
    )]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        reason: String,
    },

    /// Plain `http://` to something other than loopback.
    #[error("refusing to send the API key over plain http to `{url}`")]
    #[diagnostic(
        code(cxtrain::remote::insecure_url),
        help(
            "use https://; plain http is only allowed to loopback addresses \
             (127.0.0.1, ::1, localhost), such as a local emulator"
        )
    )]
    InsecureUrl {
        /// The URL as given.
        url: String,
    },

    /// The HTTP stack could not be initialised.
    #[error("could not set up the HTTP client: {reason}")]
    #[diagnostic(
        code(cxtrain::remote::setup),
        help("the TLS setup of this machine may be broken; please report this")
    )]
    Setup {
        /// The underlying error.
        reason: String,
    },

    /// A training id that cannot be one segment of a request path: `.`,
    /// `..` (which URL parsers resolve, even percent-encoded) or empty.
    #[error("refusing to request training id `{}`: it cannot name a training in a URL", id.escape_debug())]
    #[diagnostic(
        code(cxtrain::remote::invalid_id),
        help(
            "the id comes from the server, a plan file or `[adopt]` in cxtrain.toml; ids are \
             opaque names such as trn_123"
        )
    )]
    InvalidId {
        /// The id as given.
        id: String,
    },

    /// 401.
    #[error("{endpoint}: 401 Unauthorized, the API key is missing or invalid")]
    #[diagnostic(
        code(cxtrain::remote::unauthorized),
        help(
            "check OPENCX_API_KEY: it must be a current key of this organisation (keys look like \
             ocx_live_…); if it was revoked, create a new one under Settings → Access"
        )
    )]
    Unauthorized {
        /// Method and path.
        endpoint: String,
    },

    /// 403.
    #[error("{endpoint}: 403 Forbidden, the API key lacks the `{scope}` scope")]
    #[diagnostic(
        code(cxtrain::remote::forbidden),
        help(
            "give the key the `{scope}` scope (or Full access) under Settings → Access in the \
             OpenCX dashboard"
        )
    )]
    Forbidden {
        /// Method and path.
        endpoint: String,
        /// The scope this request needs.
        scope: Scope,
    },

    /// 404.
    #[error("{endpoint}: 404 Not Found")]
    #[diagnostic(
        code(cxtrain::remote::not_found),
        help(
            "the training may have been deleted in the dashboard: run `cxtrain plan` again to \
             refresh the remote state; for move, search and generate the endpoint path itself is \
             unverified (see the README)"
        )
    )]
    NotFound {
        /// Method and path.
        endpoint: String,
    },

    /// 400 / 422: the server refused the request's content.
    #[error("{endpoint}: {status}, the server rejected the request: {message}")]
    #[diagnostic(
        code(cxtrain::remote::rejected),
        help(
            "fix what the server's message names in the training file (`cxtrain validate` checks \
             the documented limits) and try again"
        )
    )]
    Rejected {
        /// Method and path.
        endpoint: String,
        /// HTTP status code.
        status: u16,
        /// The server's `message` (an array is joined with `; `).
        message: String,
    },

    /// 429 after every retry.
    #[error("{endpoint}: 429 Too Many Requests, still rate limited after {attempts} attempts")]
    #[diagnostic(
        code(cxtrain::remote::rate_limited),
        help(
            "the API allows 100 requests/minute per key and other tools using the same key count \
             too: lower `requests_per_minute`, or wait a minute and run again"
        )
    )]
    RateLimited {
        /// Method and path.
        endpoint: String,
        /// Requests sent, retries included.
        attempts: u32,
    },

    /// 5xx after every retry.
    #[error("{endpoint}: server error {status} after {attempts} attempts: {message}")]
    #[diagnostic(
        code(cxtrain::remote::server),
        help(
            "OpenCX is having trouble; try again later (apply is idempotent, re-running is safe)"
        )
    )]
    Server {
        /// Method and path.
        endpoint: String,
        /// HTTP status code.
        status: u16,
        /// The server's message, or the reason phrase.
        message: String,
        /// Requests sent, retries included.
        attempts: u32,
    },

    /// No complete response in time, after every retry.
    #[error("{endpoint}: no response within {timeout:?} after {attempts} attempts")]
    #[diagnostic(
        code(cxtrain::remote::timeout),
        help(
            "the API is slow or unreachable: check your network, raise the timeout, or retry later"
        )
    )]
    Timeout {
        /// Method and path.
        endpoint: String,
        /// The per-request deadline.
        timeout: Duration,
        /// Requests sent, retries included.
        attempts: u32,
    },

    /// Connection refused or failed, after every retry.
    #[error("{endpoint}: could not connect to {base_url} after {attempts} attempts")]
    #[diagnostic(
        code(cxtrain::remote::connect),
        help(
            "check the API URL and your network; for an emulator, make sure it is running on \
             that port"
        )
    )]
    Connect {
        /// Method and path.
        endpoint: String,
        /// Where the client tried to connect.
        base_url: String,
        /// Requests sent, retries included.
        attempts: u32,
    },

    /// Any other transport failure (connection reset mid-response, ...).
    #[error("{endpoint}: request failed after {attempts} attempts: {reason}")]
    #[diagnostic(
        code(cxtrain::remote::transport),
        help("check your network or proxy settings and try again")
    )]
    Transport {
        /// Method and path.
        endpoint: String,
        /// The underlying error, without URL.
        reason: String,
        /// Requests sent, retries included.
        attempts: u32,
    },

    /// A 2xx whose body is not the JSON we expect.
    #[error("{endpoint}: the server's response is not valid JSON of the expected shape: {reason}")]
    #[diagnostic(
        code(cxtrain::remote::invalid_json),
        help(
            "the API may have changed, or something other than the OpenCX API answered: check \
             the API URL, and report this message if it persists"
        )
    )]
    InvalidJson {
        /// Method and path.
        endpoint: String,
        /// What the decoder said.
        reason: String,
    },

    /// A success whose body is larger than the configured cap.
    #[error("{endpoint}: the response is larger than {limit} bytes")]
    #[diagnostic(
        code(cxtrain::remote::body_too_large),
        help(
            "something other than the OpenCX API may be answering: check the API URL; if \
             responses this large are expected, raise `max_body_bytes` under [api] in \
             cxtrain.toml"
        )
    )]
    BodyTooLarge {
        /// Method and path.
        endpoint: String,
        /// The cap, in bytes (`[api] max_body_bytes`).
        limit: u64,
    },

    /// A listing claims (or returns) more trainings than allowed.
    #[error(
        "{endpoint}: the server claims {claimed} trainings, more than the {limit} cxtrain \
         accepts"
    )]
    #[diagnostic(
        code(cxtrain::remote::too_many_trainings),
        help(
            "check the API URL: a real organisation this large is unusual; if it is right, \
             raise `max_trainings` under [api] in cxtrain.toml"
        )
    )]
    TooManyTrainings {
        /// Method and path.
        endpoint: String,
        /// The total the server claims, or the items it returned.
        claimed: u64,
        /// The cap (`[api] max_trainings`).
        limit: u64,
    },

    /// The pages of a listing contradict each other or themselves.
    #[error("{endpoint}: the server's listing contradicts itself: {reason}")]
    #[diagnostic(
        code(cxtrain::remote::inconsistent_listing),
        help(
            "nothing was planned from a partial listing; if trainings were being changed while \
             cxtrain listed them, run it again; otherwise the server (or whatever answers at the \
             API URL) is broken"
        )
    )]
    InconsistentListing {
        /// Method and path of the listing.
        endpoint: String,
        /// Which answer contradicts which.
        reason: String,
    },

    /// The work's deadline passed before the server finished answering.
    #[error("{endpoint}: not done within {budget:?}, the most this work should take")]
    #[diagnostic(
        code(cxtrain::remote::deadline),
        help(
            "the server answers too slowly or keeps asking to wait (the deadline grows with the \
             work: one timeout per round of requests plus the rate-limit windows they need); \
             check the API URL and your network, or raise `timeout_secs` under [api]"
        )
    )]
    Deadline {
        /// Method and path of the request that was cut short.
        endpoint: String,
        /// The time the work was given.
        budget: Duration,
    },

    /// Any status not covered above (3xx, 409, ...).
    #[error("{endpoint}: unexpected HTTP status {status}: {message}")]
    #[diagnostic(
        code(cxtrain::remote::unexpected_status),
        help("check the API URL (redirects are not followed) and try again")
    )]
    UnexpectedStatus {
        /// Method and path.
        endpoint: String,
        /// HTTP status code.
        status: u16,
        /// The server's message, or the reason phrase.
        message: String,
    },

    /// A request body could not be encoded (a bug: our types always encode).
    #[error("{endpoint}: could not encode the request body: {reason}")]
    #[diagnostic(
        code(cxtrain::remote::encode),
        help("this is a bug in cxtrain; please report it")
    )]
    Encode {
        /// Method and path.
        endpoint: String,
        /// What the encoder said.
        reason: String,
    },

    /// A create failed in a way that may have landed, and the request carries
    /// no `cxtrain_key`/`cxtrain_workspace` to check, so it was not retried.
    #[error("{endpoint}: the create may or may not have landed ({cause}); not retried")]
    #[diagnostic(
        code(cxtrain::remote::create_unverifiable),
        help(
            "check the dashboard for a duplicate before retrying; trainings created by cxtrain \
             carry cxtrain_key and cxtrain_workspace metadata so this cannot happen to them"
        )
    )]
    CreateUnverifiable {
        /// Method and path.
        endpoint: String,
        /// What went wrong with the create.
        cause: Box<RemoteError>,
    },

    /// An `[adopt]` entry names a training another workspace owns.
    #[error("cannot adopt `{key}`: training {id} belongs to workspace `{owner}`")]
    #[diagnostic(
        code(cxtrain::remote::adopt_foreign),
        help(
            "remove this entry from [adopt] in cxtrain.toml: a workspace never takes over \
             another one's trainings"
        )
    )]
    AdoptForeign {
        /// The key the entry adopts it as.
        key: String,
        /// The remote training id.
        id: String,
        /// The workspace that owns it.
        owner: String,
    },

    /// An `[adopt]` entry names a training that does not exist.
    #[error("cannot adopt `{key}`: training {id} does not exist")]
    #[diagnostic(
        code(cxtrain::remote::adopt_missing),
        help(
            "it was probably deleted in the dashboard: remove the entry from [adopt] in \
             cxtrain.toml (the file then plans a create) or fix the id"
        )
    )]
    AdoptMissing {
        /// The key the entry adopts it as.
        key: String,
        /// The remote training id.
        id: String,
    },
}

impl RemoteError {
    /// The HTTP status behind this error, if the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Unauthorized { .. } => Some(401),
            Self::Forbidden { .. } => Some(403),
            Self::NotFound { .. } => Some(404),
            Self::RateLimited { .. } => Some(429),
            Self::Rejected { status, .. }
            | Self::Server { status, .. }
            | Self::UnexpectedStatus { status, .. } => Some(*status),
            _ => None,
        }
    }
}
