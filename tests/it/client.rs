//! The HTTP client against scripted wiremock servers on 127.0.0.1: auth,
//! decoding, every error class and its message, retries, `Retry-After`,
//! lost create responses, pagination shapes, that the key never leaks, and
//! hostile servers (lying totals, endless pages, huge bodies, hostile text).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crate::common::hand_made;
use crate::common::hostile::{Hostile, Reply};
use cxtrain::model::{META_KEY, META_WORKSPACE, TrainingType};
use cxtrain::remote::api::{ListQuery, SearchRequest, TrainingInput};
use cxtrain::remote::{
    ApiKey, AttemptFailure, Client, ClientConfig, OnRetry, REDACT_RUN, RemoteError, RetryObserver,
    Retrying, Scope,
};
use serde_json::{Value, json};
use wiremock::matchers::{bearer_token, body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "ocx_live_TESTKEY_must_never_leak_7f3a";

/// A fast client: unpaced, tiny backoff, short timeout.
fn config(uri: &str) -> ClientConfig {
    let mut config = ClientConfig::new(uri, ApiKey::new(KEY.to_owned()));
    config.requests_per_minute = 0;
    config.backoff_base = Duration::from_millis(2);
    config.timeout = Duration::from_secs(5);
    config.max_retries = 2;
    config
}

fn client(server: &MockServer) -> Client {
    Client::new(config(&server.uri())).unwrap()
}

fn training(id: &str) -> Value {
    json!({
        "id": id, "title": format!("Title {id}"), "content": "Some content here",
        "draft_title": null, "draft_content": null, "type": "SCENARIO_SPECIFIC",
        "is_draft": false, "directory_id": null, "restricted_to_channels": [],
        "restricted_to_segments": [], "current_version": 1,
        "metadata": {"cxtrain_key": id, "cxtrain_workspace": "ws"},
        "published_at": "2025-01-01T00:00:00Z",
        "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z"
    })
}

fn input(metadata: &[(&str, &str)]) -> TrainingInput {
    hand_made(
        "How do I cancel?",
        "Cancel from Account, Billing.",
        metadata,
    )
}

fn page(ids: &[String], total: u64, offset: u64, has_more: bool) -> Value {
    let items: Vec<Value> = ids.iter().map(|id| training(id)).collect();
    json!({"items": items, "total": total, "limit": 100, "offset": offset, "has_more": has_more})
}

fn ids(range: std::ops::Range<u32>) -> Vec<String> {
    range.map(|i| format!("t{i:04}")).collect()
}

async fn requests_to(server: &MockServer, verb: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == verb)
        .count()
}

/// A loopback address that refuses connections: bound but not listening,
/// and kept bound so no other test's server can take the port meanwhile.
fn refusing() -> (tokio::net::TcpSocket, String) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let uri = format!("http://{}", socket.local_addr().unwrap());
    (socket, uri)
}

/// A server answering every request with `status` and `body`.
async fn answering(status: u16, body: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    server
}

/// Answers every `verb` request to `server` that no earlier mock takes
/// with `reply`.
async fn always(server: &MockServer, verb: &str, reply: impl wiremock::Respond + 'static) {
    Mock::given(method(verb))
        .respond_with(reply)
        .mount(server)
        .await;
}

/// Answers the first `times` `verb` requests to `server` with `reply`;
/// mocks mounted after it answer the rest.
async fn first(
    server: &MockServer,
    times: u64,
    verb: &str,
    reply: impl wiremock::Respond + 'static,
) {
    Mock::given(method(verb))
        .respond_with(reply)
        .up_to_n_times(times)
        .mount(server)
        .await;
}

/// A server answering every GET with a training, each after `delay`.
async fn slow(delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    let reply = ResponseTemplate::new(200).set_body_json(training("a"));
    always(&server, "GET", reply.set_delay(delay)).await;
    server
}

#[tokio::test]
async fn get_sends_the_bearer_key_and_decodes() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/training/trn_1"))
        .and(bearer_token(KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(training("trn_1")))
        .expect(1)
        .mount(&server)
        .await;
    let got = client(&server).get("trn_1").await.unwrap();
    assert_eq!(got.id, "trn_1");
    assert_eq!(got.metadata_str(META_KEY), Some("trn_1"));
}

#[tokio::test]
async fn status_errors_name_the_request_and_the_next_step() {
    let s = answering(401, json!({"statusCode":401,"message":"Unauthorized"})).await;
    let e = client(&s).get("a").await.unwrap_err();
    assert_is!(e, RemoteError::Unauthorized { .. });
    assert!(e.to_string().contains("GET /training/a"), "{e}");
    assert!(e.to_string().contains("missing or invalid"), "{e}");

    let s = answering(403, json!({"statusCode":403,"message":"Forbidden"})).await;
    let e = client(&s).get("a").await.unwrap_err();
    assert_is!(
        e,
        RemoteError::Forbidden {
            scope: Scope::Read,
            ..
        }
    );
    assert!(e.to_string().contains("`training:read`"), "{e}");
    let e = client(&s).update("a", &input(&[])).await.unwrap_err();
    assert_is!(
        e,
        RemoteError::Forbidden {
            scope: Scope::Write,
            ..
        }
    );
    assert!(e.to_string().contains("PUT /training/a"), "{e}");
    assert!(e.to_string().contains("`training:write`"), "{e}");
    let e = client(&s).search(&search()).await.unwrap_err();
    assert_is!(
        e,
        RemoteError::Forbidden {
            scope: Scope::Read,
            ..
        }
    );

    let s = answering(404, json!({"statusCode":404,"message":"Not Found"})).await;
    let e = client(&s).delete("gone").await.unwrap_err();
    assert_is!(e, RemoteError::NotFound { .. });
    assert_eq!(e.to_string(), "DELETE /training/gone: 404 Not Found");
    assert_eq!(requests_to(&s, "DELETE").await, 1, "a first 404 is final");

    let s = answering(
        400,
        json!({"statusCode":400,"message":"title too short","error":"Bad Request"}),
    )
    .await;
    let e = client(&s).create(&input(&[])).await.unwrap_err();
    assert_is!(e, RemoteError::Rejected { status: 400, .. });
    assert!(e.to_string().contains("POST /training"), "{e}");
    assert!(e.to_string().ends_with("title too short"), "{e}");

    let s = answering(
        422,
        json!({"statusCode":422,"message":["title must be longer","content must be a string"]}),
    )
    .await;
    let e = client(&s).update("x", &input(&[])).await.unwrap_err();
    assert_is!(e, RemoteError::Rejected { status: 422, .. });
    assert!(
        e.to_string()
            .ends_with("title must be longer; content must be a string"),
        "{e}"
    );

    let s = answering(409, json!({"message":"conflict"})).await;
    let e = client(&s).get("a").await.unwrap_err();
    assert_is!(e, RemoteError::UnexpectedStatus { status: 409, .. });
    assert_eq!(requests_to(&s, "GET").await, 1, "4xx is not retried");
}

fn search() -> SearchRequest {
    SearchRequest {
        query: "cancel".into(),
        limit: Some(5),
    }
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let s = answering(502, json!({"message":"upstream down"})).await;
    let c = client(&s);
    let e = c.get("a").await.unwrap_err();
    assert_is!(
        e,
        RemoteError::Server {
            status: 502,
            attempts: 3,
            ..
        }
    );
    assert!(e.to_string().contains("upstream down"), "{e}");
    assert_eq!(requests_to(&s, "GET").await, 3);
    assert_eq!(c.stats().requests, 3);
    assert_eq!(c.stats().retries, 2);
}

#[tokio::test]
async fn rate_limited_every_time_is_reported_with_attempts() {
    let s = MockServer::start().await;
    always(
        &s,
        "GET",
        ResponseTemplate::new(429).insert_header("Retry-After", "0"),
    )
    .await;
    let c = client(&s);
    let e = c.count(&ListQuery::default()).await.unwrap_err();
    assert_is!(e, RemoteError::RateLimited { attempts: 3, .. });
    assert_eq!(c.stats().rate_limited, 3);
}

/// A server answering its first GET with `status` and `Retry-After:
/// retry_after`, and every other request with a training.
async fn once_retry_after(status: u16, retry_after: &str) -> MockServer {
    let s = MockServer::start().await;
    first(
        &s,
        1,
        "GET",
        ResponseTemplate::new(status).insert_header("Retry-After", retry_after),
    )
    .await;
    always(
        &s,
        "GET",
        ResponseTemplate::new(200).set_body_json(training("a")),
    )
    .await;
    s
}

#[tokio::test]
async fn retry_after_seconds_is_honoured() {
    let s = once_retry_after(429, "1").await;
    let c = client(&s);
    let start = Instant::now();
    c.get("a").await.unwrap();
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    let stats = c.stats();
    assert_eq!(
        (stats.requests, stats.retries, stats.rate_limited),
        (2, 1, 1)
    );
}

#[tokio::test]
async fn retry_after_http_date_is_honoured() {
    let at = SystemTime::now() + Duration::from_secs(1);
    let header = httpdate::fmt_http_date(at);
    // The header has whole seconds: the client must wait until that second.
    let until = httpdate::parse_http_date(&header).unwrap();
    let s = once_retry_after(503, &header).await;
    let c = client(&s);
    c.get("a").await.unwrap();
    let now = SystemTime::now();
    // Allow for the second-granular clocks of the two parse points.
    assert!(
        now + Duration::from_millis(20) >= until,
        "retried {:?} before the Retry-After date",
        until.duration_since(now).unwrap_or_default()
    );
    assert_eq!(c.stats().retries, 1);
}

#[tokio::test]
async fn server_errors_then_success() {
    let s = MockServer::start().await;
    first(&s, 2, "PUT", ResponseTemplate::new(500)).await;
    Mock::given(method("PUT"))
        .and(path("/training/a"))
        .and(body_json(input(&[])))
        .respond_with(ResponseTemplate::new(200).set_body_json(training("a")))
        .mount(&s)
        .await;
    let c = client(&s);
    assert_eq!(c.update("a", &input(&[])).await.unwrap().id, "a");
    assert_eq!(c.stats().retries, 2);
}

#[tokio::test]
async fn timeouts_are_retried_then_reported() {
    let s = slow(Duration::from_millis(500)).await;
    let mut cfg = config(&s.uri());
    cfg.timeout = Duration::from_millis(50);
    cfg.max_retries = 1;
    let e = Client::new(cfg).unwrap().get("a").await.unwrap_err();
    assert_is!(e, RemoteError::Timeout { attempts: 2, .. });
    assert!(
        e.to_string()
            .starts_with("GET /training/a: no response within"),
        "{e}"
    );
}

#[tokio::test]
async fn connection_refused_is_reported() {
    let (_reserved, uri) = refusing();
    let c = Client::new(config(&uri)).unwrap();
    let e = c.get("a").await.unwrap_err();
    assert_is!(e, RemoteError::Connect { attempts: 3, .. });
    assert!(e.to_string().contains(&uri), "{e}");
}

/// Every retry the client reports.
#[derive(Default)]
struct Retries(Mutex<Vec<Retrying>>);

impl RetryObserver for Retries {
    fn retrying(&self, retry: &Retrying) {
        self.0.lock().unwrap().push(retry.clone());
    }
}

/// A loopback listener that never accepts, its queue already full, so a
/// new connection is never made (the SYN goes unanswered): a black hole.
async fn black_hole() -> (tokio::net::TcpListener, Vec<tokio::net::TcpStream>, String) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut queued = Vec::new();
    while let Ok(Ok(stream)) = tokio::time::timeout(
        Duration::from_millis(200),
        tokio::net::TcpStream::connect(addr),
    )
    .await
    {
        queued.push(stream);
        assert!(queued.len() < 64, "the listen queue never fills");
    }
    (listener, queued, format!("http://{addr}"))
}

#[tokio::test]
async fn a_connect_timeout_is_a_connection_failure_not_a_lost_answer() {
    let (_listener, _queued, uri) = black_hole().await;
    let mut cfg = config(&uri);
    cfg.timeout = Duration::from_millis(300);
    cfg.max_retries = 1;
    let retries = Arc::new(Retries::default());
    cfg.on_retry = Some(OnRetry(retries.clone()));
    let e = Client::new(cfg).unwrap().get("a").await.unwrap_err();
    // Nothing reached the server: a create would be retried at once, not
    // looked up first, and the retry notice says so.
    assert!(
        matches!(e, RemoteError::Connect { attempts: 2, .. }),
        "{e:?}"
    );
    let seen = retries.0.lock().unwrap();
    assert!(
        matches!(&seen[..], [Retrying { failure: AttemptFailure::NoConnection(why), retry: 1, of: 1, .. }] if why.contains("timed out")),
        "{seen:?}"
    );
}

#[tokio::test]
async fn invalid_json_names_the_request() {
    let s = MockServer::start().await;
    always(
        &s,
        "GET",
        ResponseTemplate::new(200).set_body_string("<html>login</html>"),
    )
    .await;
    let e = client(&s).get("a").await.unwrap_err();
    assert_is!(e, RemoteError::InvalidJson { .. });
    assert!(e.to_string().starts_with("GET /training/a: "), "{e}");
    assert_eq!(requests_to(&s, "GET").await, 1, "a bad body is not retried");
}

#[tokio::test]
async fn lost_create_response_is_found_by_metadata_not_duplicated() {
    let s = MockServer::start().await;
    // The server commits the create but the answer never arrives in time.
    Mock::given(method("POST"))
        .and(path("/training"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(training("created"))
                .set_delay(Duration::from_millis(400)),
        )
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/training"))
        .and(query_param(
            "metadata",
            json!({META_KEY: "billing/cancel", META_WORKSPACE: "ws"}).to_string(),
        ))
        .and(query_param("limit", "100"))
        .and(query_param("offset", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "items": [{"id": "created", "title": "How do I cancel?", "content": "Cancel from Account, Billing.",
                       "metadata": {META_KEY: "billing/cancel", META_WORKSPACE: "ws"}}],
            "total": 1, "limit": 100, "offset": 0, "has_more": false
        })))
        .expect(1)
        .mount(&s)
        .await;
    let mut cfg = config(&s.uri());
    cfg.timeout = Duration::from_millis(100);
    let c = Client::new(cfg).unwrap();
    let got = c
        .create(&input(&[
            (META_KEY, "billing/cancel"),
            (META_WORKSPACE, "ws"),
        ]))
        .await
        .unwrap();
    assert_eq!(got.id, "created");
    assert_eq!(requests_to(&s, "POST").await, 1);
}

#[tokio::test]
async fn failed_create_not_found_by_lookup_is_sent_again() {
    let s = MockServer::start().await;
    first(&s, 1, "POST", ResponseTemplate::new(500)).await;
    always(
        &s,
        "POST",
        ResponseTemplate::new(201).set_body_json(training("new")),
    )
    .await;
    always(
        &s,
        "GET",
        ResponseTemplate::new(200).set_body_json(page(&[], 0, 0, false)),
    )
    .await;
    let got = client(&s)
        .create(&input(&[(META_KEY, "k"), (META_WORKSPACE, "ws")]))
        .await
        .unwrap();
    assert_eq!(got.id, "new");
    assert_eq!(requests_to(&s, "POST").await, 2);
    assert_eq!(requests_to(&s, "GET").await, 1);
}

#[tokio::test]
async fn rate_limited_create_is_retried_without_lookup() {
    let s = MockServer::start().await;
    first(
        &s,
        1,
        "POST",
        ResponseTemplate::new(429).insert_header("Retry-After", "0"),
    )
    .await;
    always(
        &s,
        "POST",
        ResponseTemplate::new(201).set_body_json(training("new")),
    )
    .await;
    let got = client(&s).create(&input(&[])).await.unwrap();
    assert_eq!(got.id, "new");
    assert_eq!(requests_to(&s, "GET").await, 0);
}

#[tokio::test]
async fn unverifiable_create_is_not_retried() {
    let s = answering(503, json!({"message": "busy"})).await;
    let e = client(&s)
        .create(&input(&[(META_KEY, "k")]))
        .await
        .unwrap_err();
    assert_is!(e, RemoteError::CreateUnverifiable { .. });
    assert_eq!(requests_to(&s, "POST").await, 1);
}

#[tokio::test]
async fn delete_retry_answered_404_counts_as_done() {
    let s = MockServer::start().await;
    first(&s, 1, "DELETE", ResponseTemplate::new(504)).await;
    always(&s, "DELETE", ResponseTemplate::new(404)).await;
    client(&s).delete("a").await.unwrap();
    assert_eq!(requests_to(&s, "DELETE").await, 2);
}

#[tokio::test]
async fn list_all_fetches_every_page_once_in_server_order() {
    let s = MockServer::start().await;
    let all = ids(0..250);
    for (offset, chunk) in all.chunks(100).enumerate() {
        let offset = offset as u64 * 100;
        Mock::given(method("GET"))
            .and(path("/training"))
            .and(query_param("limit", "100"))
            .and(query_param("offset", offset.to_string()))
            .and(query_param("type", "BEHAVIORAL"))
            .respond_with(ResponseTemplate::new(200).set_body_json(page(
                chunk,
                250,
                offset,
                offset + 100 < 250,
            )))
            .expect(1)
            .mount(&s)
            .await;
    }
    let query = ListQuery {
        kind: Some(TrainingType::Behavioral),
        limit: Some(7),
        offset: Some(3),
        ..ListQuery::default()
    };
    let listing = client(&s).list_all(&query).await.unwrap();
    assert_eq!(listing.total, 250);
    let got: Vec<String> = listing.items.into_iter().map(|t| t.id).collect();
    assert_eq!(got, all);
}

#[tokio::test]
async fn list_all_follows_has_more_when_pages_disagree() {
    let s = MockServer::start().await;
    let respond = |offset: u64, chunk: Vec<String>, total: u64, more: bool| {
        Mock::given(method("GET"))
            .and(query_param("offset", offset.to_string()))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(page(&chunk, total, offset, more)),
            )
            .expect(1)
    };
    // The total grows from 150 to 230 while listing; t0099 shows up twice.
    respond(0, ids(0..100), 150, true).mount(&s).await;
    respond(100, ids(99..199), 230, true).mount(&s).await;
    respond(200, ids(199..230), 230, false).mount(&s).await;
    let listing = client(&s).list_all(&ListQuery::default()).await.unwrap();
    assert_eq!(listing.total, 230);
    let got: Vec<String> = listing.items.into_iter().map(|t| t.id).collect();
    assert_eq!(got, ids(0..230));
}

#[tokio::test]
async fn list_all_accepts_a_bare_array() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "1", "question": "Q one?", "answer": "Answer one", "organization_id": "o"},
            {"id": "2", "question": "Q two?", "answer": "Answer two", "organization_id": "o"}
        ])))
        .expect(1)
        .mount(&s)
        .await;
    let listing = client(&s).list_all(&ListQuery::default()).await.unwrap();
    assert_eq!(listing.total, 2);
    assert_eq!(listing.items[1].title, "Q two?");
}

#[tokio::test]
async fn list_all_refuses_a_server_that_ignores_offset() {
    let s = MockServer::start().await;
    always(
        &s,
        "GET",
        ResponseTemplate::new(200).set_body_json(json!(
            ids(0..100)
                .iter()
                .map(|id| training(id))
                .collect::<Vec<_>>()
        )),
    )
    .await;
    let e = client(&s)
        .list_all(&ListQuery::default())
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "GET /training: the server's listing contradicts itself: the page at offset 100 repeats \
         only trainings already listed"
    );
    assert_eq!(requests_to(&s, "GET").await, 2);
}

/// A server answering every list request with `page(offset)`.
async fn paging(page: impl Fn(u64) -> Value + Send + Sync + 'static) -> MockServer {
    paging_slowly(Duration::ZERO, page).await
}

/// [`paging`], each answer `delay` late.
async fn paging_slowly(
    delay: Duration,
    page: impl Fn(u64) -> Value + Send + Sync + 'static,
) -> MockServer {
    let s = MockServer::start().await;
    always(&s, "GET", move |r: &wiremock::Request| {
        let offset = r
            .url
            .query_pairs()
            .find(|(k, _)| k == "offset")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        ResponseTemplate::new(200)
            .set_body_json(page(offset))
            .set_delay(delay)
    })
    .await;
    s
}

/// A page of `len` trainings numbered from `offset` (fresh ids on every page).
fn fresh(offset: u64, len: u32, total: u64, has_more: bool) -> Value {
    let first = u32::try_from(offset).unwrap();
    page(&ids(first..first + len), total, offset, has_more)
}

/// `list_all` on `config`, failing the test if it does not end within 10 s
/// (today's endless listings never do).
async fn bounded_list(config: ClientConfig) -> Result<cxtrain::remote::Listing, RemoteError> {
    let c = Client::new(config).unwrap();
    tokio::time::timeout(Duration::from_secs(10), c.list_all(&ListQuery::default()))
        .await
        .expect("the listing must end")
}

#[tokio::test]
async fn a_claimed_total_above_max_trainings_is_refused_before_paging() {
    let s = paging(|offset| page(&ids(0..100), 5_000, offset, true)).await;
    let mut config = config(&s.uri());
    config.max_trainings = 1_000;
    let e = bounded_list(config).await.unwrap_err();
    assert!(matches!(
        e,
        RemoteError::TooManyTrainings {
            claimed: 5_000,
            limit: 1_000,
            ..
        }
    ));
    assert_eq!(
        e.to_string(),
        "GET /training: the server claims 5000 trainings, more than the 1000 cxtrain accepts"
    );
    assert_eq!(requests_to(&s, "GET").await, 1, "no page after the first");
}

#[tokio::test]
async fn endless_pages_end_with_an_error_naming_the_contradiction() {
    // Fresh ids on every page, `has_more` forever, a total of 250.
    let s = paging(|offset| fresh(offset, 100, 250, true)).await;
    let e = bounded_list(config(&s.uri())).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "GET /training: the server's listing contradicts itself: it listed 300 trainings but \
         claims there are 250"
    );
    assert!(requests_to(&s, "GET").await <= 1 + 4 + 1);
}

#[tokio::test]
async fn endless_bare_arrays_stop_at_max_trainings() {
    let s = paging(|offset| fresh(offset, 100, 0, true)["items"].clone()).await;
    let mut config = config(&s.uri());
    config.max_trainings = 450;
    let e = bounded_list(config).await.unwrap_err();
    assert_is!(
        e,
        RemoteError::TooManyTrainings {
            claimed: 500,
            limit: 450,
            ..
        }
    );
    assert_eq!(requests_to(&s, "GET").await, 5, "one page at a time");
}

#[tokio::test]
async fn a_short_page_claiming_more_ends_the_listing() {
    let s = paging(|offset| fresh(offset, if offset == 0 { 100 } else { 30 }, 10_000, true)).await;
    let e = bounded_list(config(&s.uri())).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "GET /training: the server's listing contradicts itself: the page at offset 100 has 30 \
         items, fewer than the page size of 100, yet says more follow"
    );
}

#[tokio::test]
async fn pages_are_fetched_lazily_with_bounded_concurrency() {
    let s = paging_slowly(Duration::from_millis(30), |offset| {
        fresh(offset, 100, 2_000, offset < 1_900)
    })
    .await;
    let mut config = config(&s.uri());
    config.max_in_flight = 3;
    let started = Instant::now();
    let listing = bounded_list(config).await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(listing.items.len(), 2_000);
    assert_eq!(requests_to(&s, "GET").await, 20);
    // 1 first page, then 19 pages three at a time: at least 7 round trips.
    assert!(elapsed >= Duration::from_millis(7 * 30), "{elapsed:?}");
}

#[tokio::test]
async fn a_listing_that_outlives_its_deadline_is_cut_short() {
    // Two pages; the second answers 500 after 250 ms, forever. The listing
    // may take one 300 ms timeout per round of pages plus one: 600 ms.
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param("offset", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(&ids(0..100), 200, 0, true)))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(query_param("offset", "100"))
        .respond_with(ResponseTemplate::new(500).set_delay(Duration::from_millis(250)))
        .mount(&s)
        .await;
    let mut config = config(&s.uri());
    config.timeout = Duration::from_millis(300);
    config.max_retries = 50;
    let started = Instant::now();
    let e = bounded_list(config).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "GET /training: not done within 600ms, the most this work should take"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_huge_body_is_refused_without_reading_it_whole() {
    // 300 MB of JSON whitespace after a valid start, streamed in chunks.
    let server = Hostile::start(|_| Reply::Stream {
        prefix: "{\"items\":[".into(),
        filler: b' ',
        total: 300_000_000,
    });
    let started = Instant::now();
    let e = Client::new(config(&server.url()))
        .unwrap()
        .get("a")
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "GET /training/a: the response is larger than 33554432 bytes"
    );
    assert_eq!(server.requests(), 1, "not retried");
    assert!(started.elapsed() < Duration::from_secs(10));
    let mut small = config(&server.url());
    small.max_body_bytes = 1000;
    let e = Client::new(small).unwrap().get("a").await.unwrap_err();
    assert_is!(e, RemoteError::BodyTooLarge { limit: 1000, .. });
}

#[tokio::test]
async fn an_error_echoing_the_key_after_padding_shows_no_run_of_it() {
    // Today's cut at 300 characters, before redaction, kept 22 of its
    // characters: the message is redacted whole first.
    let echo = |auth: &str| format!("{} {auth}", "x".repeat(271 - 1));
    let server = Hostile::start(move |r| Reply::Json {
        status: 400,
        body: json!({"message": echo(&r.authorization)}).to_string(),
    });
    let e = Client::new(config(&server.url()))
        .unwrap()
        .get("a")
        .await
        .unwrap_err();
    let outputs = renderings(&e);
    for out in &outputs {
        for run in KEY.as_bytes().windows(REDACT_RUN) {
            let run = std::str::from_utf8(run).unwrap();
            assert!(!out.contains(run), "{run:?} of the key in: {out}");
        }
    }
    assert!(outputs[0].ends_with(" Bearer ***"), "{}", outputs[0]);
}

#[tokio::test]
async fn escape_sequences_in_server_text_are_escaped() {
    let hostile = "\u{1b}]52;c;cHduZWQ=\u{7}\u{1b}[2J\n::error::pwned ##[warning]x\u{9b}";
    let s = answering(422, json!({"message": hostile})).await;
    let e = client(&s).get("a").await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "GET /training/a: 422, the server rejected the request: \\u{1b}]52;c;cHduZWQ=\\u{7}\\u{1b}[2J\n\
         \\u{3a}:error::pwned #\\u{23}[warning]x\\u{9b}"
    );
    // The same for JSON the client cannot decode: the decoder quotes it.
    let s = MockServer::start().await;
    always(
        &s,
        "GET",
        ResponseTemplate::new(200).set_body_string(
            r#"{"id": "a", "title": "T", "content": "C", "type": "\u001b]0;pwned\u0007"}"#,
        ),
    )
    .await;
    let e = client(&s).get("a").await.unwrap_err();
    assert_is!(e, RemoteError::InvalidJson { .. });
    for out in renderings(&e) {
        assert!(!out.contains(['\u{1b}', '\u{7}']), "{out:?}");
    }
}

#[tokio::test]
async fn every_clone_waits_out_a_retry_after_another_one_received() {
    let s = once_retry_after(429, "1").await;
    let mut cfg = config(&s.uri());
    cfg.requests_per_minute = 1000;
    let c = Client::new(cfg).unwrap();
    let started = Instant::now();
    let first = {
        let c = c.clone();
        tokio::spawn(async move { c.get("a").await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    // A clone that never saw the 429 still waits for its Retry-After.
    c.clone().get("b").await.unwrap();
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
    first.await.unwrap().unwrap();
    assert_eq!(c.stats().rate_limited, 1);
}

#[tokio::test]
async fn count_reads_total_from_one_small_page() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param("limit", "1"))
        .and(query_param("metadata", r#"{"cxtrain_workspace":"ws"}"#))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(&ids(0..1), 4321, 0, true)))
        .expect(1)
        .mount(&s)
        .await;
    let query = ListQuery {
        metadata: Some(r#"{"cxtrain_workspace":"ws"}"#.into()),
        ..ListQuery::default()
    };
    assert_eq!(client(&s).count(&query).await.unwrap(), 4321);
}

#[tokio::test]
async fn draft_move_search_generate_send_their_bodies() {
    let s = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/training/a/draft"))
        .and(body_json(json!({"is_draft": false})))
        .respond_with(ResponseTemplate::new(200).set_body_json(training("a")))
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path("/training/b/draft"))
        .and(body_json(json!({"is_draft": true})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path("/training/a/move"))
        .and(body_json(json!({"directory_id": null})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/training/search"))
        .and(body_json(json!({"query": "cancel", "limit": 5})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "results": [{"id": "a", "title": "T", "score": 0.9, "source": "training"}]
        })))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/training/generate"))
        .and(body_json(json!({"session_id": "sess_1"})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"question": "Where is my parcel?"})),
        )
        .mount(&s)
        .await;
    let c = client(&s);
    assert_eq!(c.set_draft("a", false).await.unwrap().unwrap().id, "a");
    assert_eq!(c.set_draft("b", true).await.unwrap(), None);
    c.move_to_directory("a", None).await.unwrap();
    let hits = c.search(&search()).await.unwrap();
    assert_eq!(hits[0].score, Some(0.9));
    assert_eq!(
        c.generate("sess_1").await.unwrap().title,
        "Where is my parcel?"
    );
}

/// Sends `n` GETs at once, each through its own clone of `c`; how long
/// they all took.
async fn concurrent_gets(c: &Client, n: usize) -> Duration {
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let c = c.clone();
        tasks.spawn(async move { c.get("a").await.map(|_| ()) });
    }
    for result in tasks.join_all().await {
        result.unwrap();
    }
    start.elapsed()
}

#[tokio::test]
async fn in_flight_limit_bounds_concurrency() {
    let s = slow(Duration::from_millis(100)).await;
    let mut cfg = config(&s.uri());
    cfg.max_in_flight = 2;
    let c = Client::new(cfg).unwrap();
    let elapsed = concurrent_gets(&c, 6).await;
    // Six requests two at a time: at least three rounds of 100 ms.
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused_before_any_request() {
    let e = Client::new(ClientConfig::new(
        "http://api.open.cx",
        ApiKey::new(KEY.into()),
    ))
    .unwrap_err();
    assert_is!(e, RemoteError::InsecureUrl { .. });
    assert_eq!(
        e.to_string(),
        "refusing to send the API key over plain http to `http://api.open.cx`"
    );
}

/// Every way an error, config or client can be shown to a user or a log.
fn renderings(e: &RemoteError) -> Vec<String> {
    let mut fancy = String::new();
    miette::GraphicalReportHandler::new()
        .render_report(&mut fancy, e)
        .unwrap();
    let help = miette::Diagnostic::help(e)
        .map(|h| h.to_string())
        .unwrap_or_default();
    assert!(!help.is_empty(), "no help for {e:?}");
    vec![
        e.to_string(),
        format!("{e:?}"),
        format!("{e:#?}"),
        fancy,
        help,
    ]
}

#[tokio::test]
async fn the_key_never_appears_in_any_output() {
    let mut errors = Vec::new();
    for status in [400, 401, 403, 404, 409, 422, 429, 500] {
        // A hostile or buggy server echoing the key back.
        let s = answering(status, json!({"message": format!("bad token {KEY}")})).await;
        errors.push(client(&s).get("a").await.unwrap_err());
        errors.push(
            client(&s)
                .create(&input(&[(META_KEY, "k")]))
                .await
                .unwrap_err(),
        );
    }
    let s = MockServer::start().await;
    always(
        &s,
        "GET",
        ResponseTemplate::new(200).set_body_string(format!("{{\"id\": {KEY}}}")),
    )
    .await;
    errors.push(client(&s).get("a").await.unwrap_err());
    let (_reserved, uri) = refusing();
    errors.push(
        Client::new(config(&uri))
            .unwrap()
            .get("a")
            .await
            .unwrap_err(),
    );
    errors.push(
        Client::new(ClientConfig::new(
            "http://example.com",
            ApiKey::new(KEY.into()),
        ))
        .unwrap_err(),
    );
    errors.push(
        Client::new(ClientConfig::new(
            "https://x",
            ApiKey::new(format!("{KEY}\n")),
        ))
        .unwrap_err(),
    );

    let mut outputs: Vec<String> = errors.iter().flat_map(renderings).collect();
    let c = client(&s);
    outputs.push(format!("{c:?}"));
    outputs.push(format!("{:?}", config(&uri)));
    outputs.push(format!("{:?}", ApiKey::new(KEY.into())));
    for e in errors {
        let panic = std::panic::catch_unwind(|| std::hint::black_box(Err::<(), _>(e)).unwrap())
            .unwrap_err();
        outputs.push(panic.downcast::<String>().map(|s| *s).unwrap());
    }
    assert!(outputs.len() > 60);
    for out in &outputs {
        assert!(!out.contains(KEY), "key leaked in: {out}");
        assert!(!out.contains("TESTKEY"), "part of the key leaked in: {out}");
    }
    assert!(
        outputs.iter().any(|o| o.contains("bad token ***")),
        "redaction marker missing"
    );
}
