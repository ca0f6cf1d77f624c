//! The emulator's HTTP surface: routes, the gate every request passes
//! (latency, auth, rate limit, faults, dropped responses), handlers, and the
//! NestJS-style error envelope.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, MatchedPath, Path, Query, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use crate::remote::api::{
    ErrorBody, ErrorMessage, GenerateRequest, MoveToDirectory, SearchRequest, SearchResponse,
    ToggleDraft, paths,
};

use super::body::{DashboardEdit, WriteBody};
use super::conn::ConnHandle;
use super::query::ListParams;
use super::search::{self, DEFAULT_HITS};
use super::store::{Store, StoreError};
use super::traffic::{Gate, Stats, Traffic};
use super::{EmulatorConfig, UpdateMetadata};

/// Prefix of the admin endpoints (authenticated, not counted, no faults).
pub const ADMIN_PREFIX: &str = "/_emulator/";

/// Shared server state.
#[derive(Debug)]
pub struct App {
    config: EmulatorConfig,
    store: Mutex<Store>,
    traffic: Mutex<Traffic>,
}

impl App {
    /// State for a server with this configuration and store.
    pub fn new(config: EmulatorConfig, store: Store) -> App {
        let traffic = Mutex::new(Traffic::new(config.seed));
        App {
            config,
            store: Mutex::new(store),
            traffic,
        }
    }

    /// A copy of the statistics.
    pub fn stats(&self) -> Stats {
        lock(&self.traffic).stats()
    }

    /// Writes every training to `path` in the state-file format.
    pub fn save_state(&self, path: &std::path::Path) -> Result<(), super::PersistError> {
        self.store().save_to(path)
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }
}

// A handler that panicked mid-request cannot leave the store half-updated
// (every write is one map insert), so a poisoned lock is still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The router for `app`.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(paths::TRAININGS, get(list).post(create))
        .route(paths::SEARCH, post(search))
        .route(paths::GENERATE, post(generate))
        .route(
            &paths::training("{id}"),
            get(get_one).put(update).delete(delete),
        )
        .route(&paths::toggle_draft("{id}"), put(toggle_draft))
        .route(&paths::move_to_directory("{id}"), put(move_to))
        .route("/_emulator/stats", get(stats).delete(reset_stats))
        .route("/_emulator/dashboard/{id}", put(dashboard))
        .route_layer(middleware::from_fn_with_state(app.clone(), gate))
        .fallback(not_found)
        .with_state(app)
}

/// An error answer: status, message(s), and `Retry-After` for 429.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: ErrorMessage,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: ErrorMessage::One(message.into()),
            retry_after: None,
        }
    }

    fn invalid(messages: Vec<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: ErrorMessage::Many(messages),
            retry_after: None,
        }
    }

    fn too_many(retry_after: u64) -> ApiError {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "ThrottlerException: Too Many Requests",
            )
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound(_) => ApiError::new(StatusCode::NOT_FOUND, e.to_string()),
            StoreError::Invalid(messages) => ApiError::invalid(messages),
            StoreError::Persist(_) => {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            status_code: Some(self.status.as_u16()),
            message: Some(self.message),
            error: Some(self.status.canonical_reason().unwrap_or("Error").to_owned()),
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, secs.into());
        }
        response
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// Every routed request: count it, delay it, check the key, apply the rate
/// limit and injected faults, run the handler, maybe drop a committed
/// write's response, announce the rate limit's count if configured. Admin
/// routes get only the key check.
async fn gate(
    State(app): State<Arc<App>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    request: Request,
    next: Next,
) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || request.uri().path().to_owned(),
        |p| p.as_str().to_owned(),
    );
    let method = request.method().clone();
    if route.starts_with(ADMIN_PREFIX) {
        return match authorize(&app.config, &request) {
            Ok(()) => next.run(request).await,
            Err(e) => e.into_response(),
        };
    }
    lock(&app.traffic).arrive(format!("{method} {route}"), Instant::now());
    if !app.config.latency.is_zero() {
        tokio::time::sleep(app.config.latency).await;
    }
    let mut response = match authorize(&app.config, &request) {
        Err(e) => e.into_response(),
        Ok(()) => {
            let verdict = lock(&app.traffic).gate(&app.config, Instant::now());
            match verdict {
                Gate::TooMany { retry_after } => ApiError::too_many(retry_after).into_response(),
                Gate::Fail => {
                    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
                        .into_response()
                }
                Gate::Pass => {
                    let response = next.run(request).await;
                    if is_write(&method, &route)
                        && response.status().is_success()
                        && lock(&app.traffic).drop_write(&app.config)
                    {
                        conn.sever();
                    }
                    response
                }
            }
        }
    };
    let quota = {
        let mut traffic = lock(&app.traffic);
        traffic.sent(response.status().as_u16());
        traffic.quota(&app.config, Instant::now())
    };
    if let Some(quota) = quota {
        for (name, value) in quota.headers(app.config.rate_limit_headers) {
            if let Ok(value) = header::HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, value);
            }
        }
    }
    response
}

/// Whether a request changes the store (search and generate are POSTs that
/// only read, so their responses are never dropped).
fn is_write(method: &Method, route: &str) -> bool {
    *method != Method::GET && route != paths::SEARCH && route != paths::GENERATE
}

/// Checks `Authorization: Bearer <key>`; the answer never echoes the key.
fn authorize(config: &EmulatorConfig, request: &Request) -> ApiResult<()> {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if presented == Some(config.api_key.as_str()) {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::UNAUTHORIZED, "Unauthorized"))
    }
}

/// A JSON body decoded with the API's 400 envelope on failure (axum's own
/// rejection would answer in plain text).
fn json<T: DeserializeOwned>(bytes: &Bytes) -> ApiResult<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::invalid(vec![format!("request body is invalid: {e}")]))
}

async fn not_found(request: Request) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("Cannot {} {}", request.method(), request.uri().path()),
    )
}

async fn list(
    State(app): State<Arc<App>>,
    raw: Result<Query<BTreeMap<String, String>>, QueryRejection>,
) -> ApiResult<Response> {
    let Query(raw) = raw.map_err(|e| ApiError::invalid(vec![e.body_text()]))?;
    let params = ListParams::parse(&raw).map_err(ApiError::invalid)?;
    Ok(axum::Json(app.store().list(&params)).into_response())
}

async fn get_one(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult<Response> {
    Ok(axum::Json(app.store().get(&id)?.clone()).into_response())
}

async fn create(State(app): State<Arc<App>>, bytes: Bytes) -> ApiResult<Response> {
    let body: WriteBody = json(&bytes)?;
    let created = app.store().create(body)?;
    Ok((StatusCode::CREATED, axum::Json(created)).into_response())
}

async fn update(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult<Response> {
    let body: WriteBody = json(&bytes)?;
    if app.config.update_metadata == UpdateMetadata::Refuse && body.metadata.is_some() {
        return Err(ApiError::invalid(vec![
            "property metadata should not exist".into(),
        ]));
    }
    Ok(axum::Json(app.store().update(&id, body)?).into_response())
}

async fn delete(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult<Response> {
    Ok(axum::Json(app.store().delete(&id)?).into_response())
}

async fn toggle_draft(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult<Response> {
    let body: ToggleDraft = json(&bytes)?;
    Ok(axum::Json(app.store().toggle_draft(&id, body.is_draft)?).into_response())
}

async fn move_to(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult<Response> {
    let body: MoveToDirectory = json(&bytes)?;
    Ok(axum::Json(app.store().move_to(&id, body.directory_id)?).into_response())
}

async fn search(State(app): State<Arc<App>>, bytes: Bytes) -> ApiResult<Response> {
    let body: SearchRequest = json(&bytes)?;
    if body.query.trim().is_empty() {
        return Err(ApiError::invalid(vec!["query should not be empty".into()]));
    }
    let limit = match body.limit {
        None => DEFAULT_HITS,
        Some(n @ 1..=100) => n as usize,
        Some(_) => {
            return Err(ApiError::invalid(vec![
                "limit must be between 1 and 100".into(),
            ]));
        }
    };
    let results = app.store().search(&body.query, limit);
    Ok(axum::Json(SearchResponse::Results { results }).into_response())
}

async fn generate(bytes: Bytes) -> ApiResult<Response> {
    let body: GenerateRequest = json(&bytes)?;
    if body.session_id.trim().is_empty() {
        return Err(ApiError::invalid(vec![
            "session_id should not be empty".into(),
        ]));
    }
    Ok(axum::Json(search::generate(&body.session_id)).into_response())
}

async fn stats(State(app): State<Arc<App>>) -> axum::Json<Stats> {
    axum::Json(app.stats())
}

async fn reset_stats(State(app): State<Arc<App>>) -> StatusCode {
    lock(&app.traffic).reset_stats();
    StatusCode::NO_CONTENT
}

async fn dashboard(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult<Response> {
    let edit: DashboardEdit = json(&bytes)?;
    Ok(axum::Json(app.store().dashboard(&id, edit)?).into_response())
}
