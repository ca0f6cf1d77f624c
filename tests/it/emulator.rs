//! The API emulator over real HTTP (plain reqwest, not the cxtrain client):
//! every endpoint, auth, pagination, filters, draft/version semantics in
//! both update modes, the rate limit, each injected fault, and the state file.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use cxtrain::emulator::{self, EmulatorConfig, EmulatorError, Running, UpdateMode};
use cxtrain::remote::api::{ListPage, Training};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

const KEY: &str = "ocx_test_local";

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// A running emulator and a client for it.
struct Emu {
    running: Running,
    http: reqwest::Client,
}

/// One answer: status, headers, JSON body (`Null` when empty).
struct Answer {
    status: StatusCode,
    headers: header::HeaderMap,
    body: Value,
}

impl Emu {
    async fn start(tune: impl FnOnce(&mut EmulatorConfig)) -> Emu {
        let mut config = EmulatorConfig::default();
        tune(&mut config);
        Emu {
            running: emulator::start(config, loopback()).await.unwrap(),
            http: reqwest::Client::new(),
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.running.base_url()));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        self.send(method, path, Some(KEY), body).await
    }

    async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let answer = self.call(method.clone(), path, body).await;
        assert!(
            answer.status.is_success(),
            "{method} {path}: {} {}",
            answer.status,
            answer.body
        );
        answer.body
    }

    async fn create(&self, body: Value) -> Training {
        let answer = self.call(Method::POST, "/training", Some(body)).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        serde_json::from_value(answer.body).unwrap()
    }

    async fn get(&self, id: &str) -> Training {
        serde_json::from_value(self.ok(Method::GET, &format!("/training/{id}"), None).await)
            .unwrap()
    }

    async fn put(&self, id: &str, body: Value) -> Training {
        serde_json::from_value(
            self.ok(Method::PUT, &format!("/training/{id}"), Some(body))
                .await,
        )
        .unwrap()
    }

    async fn toggle(&self, id: &str, is_draft: bool) -> Training {
        let path = format!("/training/{id}/draft");
        serde_json::from_value(
            self.ok(Method::PUT, &path, Some(json!({"is_draft": is_draft})))
                .await,
        )
        .unwrap()
    }

    async fn list(&self, query: &str) -> ListPage {
        serde_json::from_value(
            self.ok(Method::GET, &format!("/training{query}"), None)
                .await,
        )
        .unwrap()
    }
}

fn training(n: usize) -> Value {
    json!({
        "title": format!("Question number {n}"),
        "content": format!("The answer to question {n}."),
        "metadata": {"cxtrain_key": format!("k/{n}")},
    })
}

#[tokio::test]
async fn auth_rejects_missing_and_wrong_keys_without_echoing_them() {
    let emu = Emu::start(|_| {}).await;
    let secret = "ocx_live_wrong_and_secret";
    for key in [None, Some(secret)] {
        for path in ["/training", "/training/trn_00000001", "/_emulator/stats"] {
            let answer = emu.send(Method::GET, path, key, None).await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}");
            assert_eq!(
                answer.body,
                json!({"statusCode": 401, "message": "Unauthorized", "error": "Unauthorized"})
            );
            let headers = format!("{:?}", answer.headers);
            assert!(!headers.contains(secret) && !headers.contains(KEY));
        }
    }
    let basic = emu
        .http
        .get(format!("{}/training", emu.running.base_url()))
        .header(header::AUTHORIZATION, format!("Basic {KEY}"))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);
    let custom = Emu::start(|c| c.api_key = "ocx_other".into()).await;
    let answer = custom
        .send(Method::GET, "/training", Some("ocx_other"), None)
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let debug = format!(
        "{:?}",
        EmulatorConfig {
            api_key: "ocx_do_not_print".into(),
            ..EmulatorConfig::default()
        }
    );
    assert!(!debug.contains("ocx_do_not_print"), "{debug}");
}

#[tokio::test]
async fn create_get_update_delete_round_trip() {
    let emu = Emu::start(|_| {}).await;
    let created = emu
        .create(json!({
            "title": "How do I cancel?",
            "content": "Cancel from Account, then Billing.",
            "type": "BEHAVIORAL",
            "directory_id": "dir_billing",
            "restricted_to_channels": ["web", "phone_voice"],
            "restricted_to_segments": ["vip"],
            "metadata": {"cxtrain_key": "billing/cancel", "n": 1},
        }))
        .await;
    assert!(created.id.starts_with("trn_"));
    assert!(!created.is_draft, "is_draft defaults to false");
    assert_eq!(created.current_version, Some(1));
    assert_eq!(created.published_at, created.created_at);
    assert_eq!(created.directory_id.as_deref(), Some("dir_billing"));
    assert_eq!(created.restricted_to_channels.len(), 2);
    assert_eq!(created.metadata_str("cxtrain_key"), Some("billing/cancel"));
    assert_eq!(emu.get(&created.id).await, created);

    let updated = emu
        .put(
            &created.id,
            json!({"title": "How do I cancel now?", "content": "Cancel from Settings instead.", "directory_id": null}),
        )
        .await;
    assert_eq!(updated.title, "How do I cancel now?");
    assert_eq!(updated.directory_id, None, "explicit null clears");
    assert_eq!(
        updated.restricted_to_segments,
        ["vip"],
        "absent fields are kept"
    );
    assert_eq!(
        updated.metadata, created.metadata,
        "absent metadata is kept"
    );
    let replaced = emu
        .put(
            &created.id,
            json!({"title": "How do I cancel now?", "content": "Cancel from Settings instead.", "metadata": {"x": "y"}}),
        )
        .await;
    assert_eq!(
        replaced.metadata,
        Some([("x".to_owned(), json!("y"))].into())
    );

    let deleted = emu
        .ok(Method::DELETE, &format!("/training/{}", created.id), None)
        .await;
    assert_eq!(deleted["id"], json!(created.id));
    for method in [Method::GET, Method::DELETE] {
        let answer = emu
            .call(method, &format!("/training/{}", created.id), None)
            .await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
        assert_eq!(answer.body["statusCode"], json!(404));
        assert_eq!(answer.body["error"], json!("Not Found"));
    }
    let answer = emu
        .call(Method::PUT, "/training/trn_missing", Some(training(1)))
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn validation_failures_are_400_with_an_array_message() {
    let emu = Emu::start(|_| {}).await;
    let answer = emu
        .call(
            Method::POST,
            "/training",
            Some(json!({"title": "ab", "content": "short"})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer.body,
        json!({"statusCode": 400, "error": "Bad Request", "message": [
            "title must be longer than or equal to 3 characters",
            "content must be longer than or equal to 10 characters",
        ]})
    );
    let answer = emu
        .call(
            Method::POST,
            "/training",
            Some(json!({"title": "Fine title", "content": "Fine content", "type": "OTHER"})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.body["message"].is_array());
    let answer = emu
        .call(Method::POST, "/training", Some(json!({"title": "Fine title", "content": "Fine content", "restricted_to_channels": ["fax"]})))
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(emu.list("").await.total, 0, "nothing was stored");
}

#[tokio::test]
async fn pagination_walks_260_trainings_exactly_once() {
    let emu = Emu::start(|_| {}).await;
    let mut ids = Vec::new();
    for n in 0..260 {
        ids.push(emu.create(training(n)).await.id);
    }
    let first = emu.list("").await;
    assert_eq!((first.items.len(), first.limit, first.total), (50, 50, 260));
    assert!(first.has_more);

    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let page = emu.list(&format!("?limit=100&offset={offset}")).await;
        assert_eq!((page.total, page.offset, page.limit), (260, offset, 100));
        offset += page.items.len() as u64;
        seen.extend(page.items.into_iter().map(|t| t.id));
        if !page.has_more {
            break;
        }
    }
    assert_eq!(seen, ids, "every training once, oldest first");
    let past = emu.list("?offset=1000").await;
    assert!(past.items.is_empty() && !past.has_more && past.total == 260);
    for bad in [
        "?limit=0",
        "?limit=101",
        "?limit=ten",
        "?offset=-3",
        "?sort_by=title",
    ] {
        let answer = emu
            .call(Method::GET, &format!("/training{bad}"), None)
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    assert_eq!(
        emu.list("?sort_by=created_at&limit=1").await.items[0].id,
        ids[0]
    );
}

#[tokio::test]
async fn filters_by_type_draft_search_and_metadata_containment() {
    let emu = Emu::start(|_| {}).await;
    emu.create(json!({"title": "Refund policy", "content": "Refunds within 30 days.", "type": "SCENARIO_SPECIFIC", "metadata": {"cxtrain_workspace": "ws", "team": "billing"}})).await;
    emu.create(json!({"title": "Tone of voice", "content": "Be friendly, never mention REFUNDS.", "type": "BEHAVIORAL", "is_draft": true, "metadata": {"cxtrain_workspace": "ws", "tags": ["a", "b"]}})).await;
    emu.create(json!({"title": "Shipping times", "content": "Ships in two days.", "metadata": {"cxtrain_workspace": "other"}})).await;
    let titles = |page: ListPage| page.items.into_iter().map(|t| t.title).collect::<Vec<_>>();
    let metadata = |v: Value| {
        let json = v.to_string();
        let encoded: String = json
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        format!("?metadata={encoded}")
    };

    assert_eq!(
        titles(emu.list("?type=BEHAVIORAL").await),
        ["Tone of voice"]
    );
    assert_eq!(
        titles(emu.list("?is_draft=false").await),
        ["Refund policy", "Shipping times"]
    );
    assert_eq!(
        titles(emu.list("?search=refund").await),
        ["Refund policy", "Tone of voice"]
    );
    assert_eq!(
        titles(emu.list("?search=SHIPPING").await),
        ["Shipping times"]
    );
    assert_eq!(
        titles(
            emu.list(&metadata(json!({"cxtrain_workspace": "ws"})))
                .await
        ),
        ["Refund policy", "Tone of voice"]
    );
    assert_eq!(
        titles(
            emu.list(&metadata(
                json!({"cxtrain_workspace": "ws", "team": "billing"})
            ))
            .await
        ),
        ["Refund policy"]
    );
    assert_eq!(
        titles(emu.list(&metadata(json!({"tags": ["b"]}))).await),
        ["Tone of voice"]
    );
    assert!(
        emu.list(&metadata(json!({"team": "support"})))
            .await
            .items
            .is_empty()
    );
    let combined = emu
        .list(&format!(
            "{}&type=SCENARIO_SPECIFIC&is_draft=false&search=days",
            metadata(json!({"cxtrain_workspace": "ws"}))
        ))
        .await;
    assert_eq!(
        (titles(combined.clone()), combined.total),
        (vec!["Refund policy".to_owned()], 1)
    );
    for bad in [
        "?metadata=%5B1%5D",
        "?metadata=nope",
        "?type=behavioral",
        "?is_draft=1",
    ] {
        let answer = emu
            .call(Method::GET, &format!("/training{bad}"), None)
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(answer.body["statusCode"], json!(400), "{bad}");
    }
}

#[tokio::test]
async fn publish_mode_put_publishes_a_new_version() {
    let emu = Emu::start(|c| c.update_mode = UpdateMode::Publish).await;
    let t = emu.create(training(1)).await;
    let u = emu
        .put(
            &t.id,
            json!({"title": "New live title", "content": "New live content.", "is_draft": false}),
        )
        .await;
    assert_eq!(
        (u.title.as_str(), u.draft_title.as_deref()),
        ("New live title", None)
    );
    assert_eq!(u.current_version, Some(2));
    assert!(u.published_at > t.published_at);
    let off = emu.toggle(&t.id, true).await;
    assert!(off.is_draft);
    assert_eq!(off.current_version, Some(2));
    assert_eq!(
        emu.toggle(&t.id, true).await,
        off,
        "unpublishing twice changes nothing"
    );
    let on = emu.toggle(&t.id, false).await;
    assert!(!on.is_draft);
    assert_eq!(on.current_version, Some(3));
    let changed_type = emu
        .put(&t.id, json!({"title": "New live title", "content": "New live content.", "type": "BEHAVIORAL", "is_draft": false}))
        .await;
    assert_eq!(
        changed_type.current_version,
        Some(1),
        "a type change restarts versions"
    );
    assert!(!changed_type.is_draft);
}

#[tokio::test]
async fn stage_mode_put_stages_a_draft_until_toggled() {
    let emu = Emu::start(|c| c.update_mode = UpdateMode::StageDraft).await;
    let t = emu.create(training(1)).await;
    let staged = emu
        .put(
            &t.id,
            json!({"title": "Edited title", "content": "Edited content.", "is_draft": false}),
        )
        .await;
    assert_eq!(staged.title, t.title, "live text unchanged");
    assert_eq!(staged.draft_title.as_deref(), Some("Edited title"));
    assert_eq!(staged.draft_content.as_deref(), Some("Edited content."));
    assert_eq!(
        (staged.current_version, &staged.published_at),
        (Some(1), &t.published_at)
    );
    assert!(staged.updated_at > t.updated_at);
    assert_eq!(emu.get(&t.id).await, staged);

    let published = emu.toggle(&t.id, false).await;
    assert_eq!(published.title, "Edited title");
    assert_eq!(
        (published.draft_title, published.draft_content),
        (None, None)
    );
    assert_eq!(published.current_version, Some(2));
    assert_eq!(emu.toggle(&t.id, false).await, emu.get(&t.id).await);
    assert_eq!(
        emu.get(&t.id).await.current_version,
        Some(2),
        "publishing again is a no-op"
    );

    let draft = emu
        .create(
            json!({"title": "Never published", "content": "Draft content here.", "is_draft": true}),
        )
        .await;
    assert_eq!(
        (draft.current_version, draft.published_at.clone()),
        (None, None)
    );
    let edited = emu
        .put(
            &draft.id,
            json!({"title": "Still a draft", "content": "Draft content here.", "is_draft": true}),
        )
        .await;
    assert_eq!(
        (edited.title.as_str(), edited.draft_title),
        ("Still a draft", None)
    );

    let retyped = emu
        .put(&t.id, json!({"title": "Edited title", "content": "Edited content.", "type": "BEHAVIORAL", "is_draft": false}))
        .await;
    assert!(
        retyped.is_draft,
        "a type change resets to an unpublished draft"
    );
    assert_eq!(
        (retyped.current_version, retyped.published_at),
        (None, None)
    );
    assert_eq!(emu.toggle(&t.id, false).await.current_version, Some(1));
}

#[tokio::test]
async fn move_search_generate_and_updated_at_order() {
    let emu = Emu::start(|_| {}).await;
    let a = emu
        .create(json!({"title": "Cancel subscription", "content": "Cancel from billing settings."}))
        .await;
    let b = emu
        .create(json!({"title": "Refund after cancel", "content": "Refunds are prorated."}))
        .await;
    let moved: Training = serde_json::from_value(
        emu.ok(
            Method::PUT,
            &format!("/training/{}/move", a.id),
            Some(json!({"directory_id": "dir_x"})),
        )
        .await,
    )
    .unwrap();
    assert_eq!(moved.directory_id.as_deref(), Some("dir_x"));
    assert_eq!(
        moved.current_version, a.current_version,
        "a move is not a publish"
    );
    assert!(a.updated_at < b.updated_at && b.updated_at < moved.updated_at);

    let hits = emu
        .ok(
            Method::POST,
            "/training/search",
            Some(json!({"query": "refund cancel", "limit": 5})),
        )
        .await;
    let results = hits["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["id"], json!(b.id));
    assert_eq!(results[0]["score"], json!(1.0));
    assert_eq!(results[1]["score"], json!(0.5));
    assert_eq!(results[0]["source"], json!("training"));
    let empty = emu
        .call(
            Method::POST,
            "/training/search",
            Some(json!({"query": " "})),
        )
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);

    let one = emu
        .ok(
            Method::POST,
            "/training/generate",
            Some(json!({"session_id": "ses_42"})),
        )
        .await;
    let again = emu
        .ok(
            Method::POST,
            "/training/generate",
            Some(json!({"session_id": "ses_42"})),
        )
        .await;
    assert_eq!(one, again);
    assert!(one["title"].as_str().unwrap().ends_with('?'));
    assert!(one["content"].as_str().unwrap().contains("ses_42"));
    assert_eq!(emu.list("").await.total, 2, "generate creates nothing");
    let bad = emu
        .call(Method::POST, "/training/generate", Some(json!({})))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["statusCode"], json!(400));
}

#[tokio::test]
async fn admin_dashboard_edit_and_stats() {
    let emu = Emu::start(|_| {}).await;
    let t = emu.create(training(1)).await;
    emu.get(&t.id).await;
    let live: Training = serde_json::from_value(
        emu.ok(
            Method::PUT,
            &format!("/_emulator/dashboard/{}", t.id),
            Some(json!({"content": "Edited in the dashboard."})),
        )
        .await,
    )
    .unwrap();
    assert_eq!(live.content, "Edited in the dashboard.");
    assert_eq!(live.current_version, Some(2));
    assert_eq!(live.metadata, t.metadata);
    let pending: Training = serde_json::from_value(
        emu.ok(
            Method::PUT,
            &format!("/_emulator/dashboard/{}", t.id),
            Some(json!({"draft_title": "Pending edit"})),
        )
        .await,
    )
    .unwrap();
    assert_eq!(pending.draft_title.as_deref(), Some("Pending edit"));
    assert_eq!(pending.current_version, Some(2));
    assert!(pending.updated_at > live.updated_at);

    let stats = emu.ok(Method::GET, "/_emulator/stats", None).await;
    assert_eq!(
        stats["total_requests"],
        json!(2),
        "admin calls are not counted"
    );
    assert_eq!(
        stats["by_route"],
        json!({"GET /training/{id}": 1, "POST /training": 1})
    );
    assert_eq!(emu.running.stats().total_requests, 2);
    assert_eq!(emu.running.stats().request_times.len(), 2);
    let reset = emu.call(Method::DELETE, "/_emulator/stats", None).await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT);
    assert_eq!(emu.running.stats().total_requests, 0);
    let missing = emu
        .call(
            Method::PUT,
            "/_emulator/dashboard/trn_nope",
            Some(json!({})),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let emu = Emu::start(|c| c.rate_limit_per_minute = 3).await;
    for _ in 0..3 {
        assert_eq!(
            emu.call(Method::GET, "/training", None).await.status,
            StatusCode::OK
        );
    }
    let limited = emu.call(Method::GET, "/training", None).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = limited.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((59..=60).contains(&retry), "{retry}");
    assert_eq!(limited.body["statusCode"], json!(429));
    let created = emu.call(Method::POST, "/training", Some(training(1))).await;
    assert_eq!(
        created.status,
        StatusCode::TOO_MANY_REQUESTS,
        "writes count too"
    );
    let stats = emu.running.stats();
    assert_eq!((stats.total_requests, stats.too_many_requests), (5, 2));
    assert_eq!(stats.max_in_window(Duration::from_secs(60)), 5);
}

#[tokio::test]
async fn burst_fault_answers_every_nth_request_with_retry_after_1() {
    let emu = Emu::start(|c| c.burst_429_every = 3).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let answer = emu.call(Method::GET, "/training", None).await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(answer.headers[header::RETRY_AFTER], "1");
        }
        statuses.push(answer.status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 429, 200, 200, 429]);
}

#[tokio::test]
async fn error_fault_answers_500_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let emu = Emu::start(|c| {
        c.error_rate = 1.0;
        c.state_file = Some(path.clone());
    })
    .await;
    let answer = emu.call(Method::POST, "/training", Some(training(1))).await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!path.exists(), "the failed create was never stored");
    assert_eq!(answer.body["statusCode"], json!(500));
    assert_eq!(emu.running.stats().server_errors, 1);
    // An unauthenticated request is refused before the dice roll.
    let anonymous = emu.send(Method::GET, "/training", None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let seen = emu.ok(Method::GET, "/_emulator/stats", None).await;
    assert_eq!(seen["server_errors"], json!(1));

    let half = Emu::start(|c| {
        c.error_rate = 0.5;
        c.seed = 9;
    })
    .await;
    let mut codes = Vec::new();
    for _ in 0..40 {
        codes.push(
            half.call(Method::GET, "/training", None)
                .await
                .status
                .as_u16(),
        );
    }
    let fails = codes.iter().filter(|c| **c == 500).count();
    assert!((8..=32).contains(&fails), "{fails} of 40");
}

#[tokio::test]
async fn drop_fault_commits_the_write_then_closes_the_connection() {
    let emu = Emu::start(|c| c.drop_rate = 1.0).await;
    let sent = emu
        .http
        .post(format!("{}/training", emu.running.base_url()))
        .bearer_auth(KEY)
        .json(&training(1))
        .send()
        .await;
    let err = sent.expect_err("the response must be dropped");
    assert!(!err.is_status() && !err.is_timeout(), "{err:?}");
    let page = emu.list("").await;
    assert_eq!(page.total, 1, "the write was stored");
    assert_eq!(page.items[0].metadata_str("cxtrain_key"), Some("k/1"));
    assert_eq!(emu.running.stats().dropped_responses, 1);
    // Search and generate only read: their answers always arrive.
    let search = emu
        .call(
            Method::POST,
            "/training/search",
            Some(json!({"query": "question"})),
        )
        .await;
    assert_eq!(
        search.body["results"][0]["metadata"]["cxtrain_key"],
        json!("k/1")
    );
    let generated = emu
        .call(
            Method::POST,
            "/training/generate",
            Some(json!({"session_id": "s"})),
        )
        .await;
    assert_eq!(generated.status, StatusCode::OK);
    // Failed writes are answered normally: nothing was committed.
    let invalid = emu.call(Method::POST, "/training", Some(json!({}))).await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
    assert_eq!(emu.running.stats().dropped_responses, 1);
}

#[tokio::test]
async fn latency_delays_every_api_request() {
    let emu = Emu::start(|c| c.latency = Duration::from_millis(60)).await;
    let started = Instant::now();
    emu.call(Method::GET, "/training", None).await;
    assert!(started.elapsed() >= Duration::from_millis(60));
}

#[tokio::test]
async fn state_file_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let with_state = |c: &mut EmulatorConfig| c.state_file = Some(path.clone());
    let emu = Emu::start(with_state).await;
    let a = emu.create(training(1)).await;
    let b = emu.create(training(2)).await;
    emu.ok(Method::DELETE, &format!("/training/{}", b.id), None)
        .await;
    let a = emu
        .put(
            &a.id,
            json!({"title": "Renamed title", "content": "Renamed content."}),
        )
        .await;
    emu.running.shutdown().await;
    let on_disk: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(on_disk["trainings"].as_array().unwrap().len(), 1);

    let emu = Emu::start(with_state).await;
    assert_eq!(emu.get(&a.id).await, a);
    let c = emu.create(training(3)).await;
    assert_eq!(c.id, "trn_00000003", "ids are never reused");
    assert!(c.updated_at > a.updated_at);
    assert_eq!(emu.list("").await.total, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_file_is_never_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let emu = Emu::start(|c| c.state_file = Some(path.clone())).await;
    emu.create(training(0)).await;
    let reader = {
        let path = path.clone();
        std::thread::spawn(move || {
            let mut reads = 0;
            let started = Instant::now();
            while started.elapsed() < Duration::from_millis(400) {
                let text = std::fs::read_to_string(&path).unwrap();
                let state: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("torn state file ({e}): {text}"));
                assert!(state["trainings"].is_array());
                reads += 1;
            }
            reads
        })
    };
    let writers: Vec<_> = (1..=4)
        .map(|w| {
            let http = emu.http.clone();
            let url = format!("{}/training", emu.running.base_url());
            tokio::spawn(async move {
                for n in 0..15 {
                    let response = http
                        .post(&url)
                        .bearer_auth(KEY)
                        .json(&training(w * 100 + n))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(response.status(), StatusCode::CREATED);
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    assert!(reader.join().unwrap() > 0);
    let state: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(state["trainings"].as_array().unwrap().len(), 61);
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["state.json", "state.json.lock"],
        "no temporary files left behind"
    );
}

#[tokio::test]
async fn refuses_bad_configuration() {
    let public = SocketAddr::from(([0, 0, 0, 0], 0));
    assert!(matches!(
        emulator::start(EmulatorConfig::default(), public).await,
        Err(EmulatorError::NotLoopback(_))
    ));
    let config = EmulatorConfig {
        drop_rate: 1.5,
        ..EmulatorConfig::default()
    };
    assert!(matches!(
        emulator::start(config, loopback()).await,
        Err(EmulatorError::BadRate { .. })
    ));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    std::fs::write(&path, "{ not json").unwrap();
    let config = EmulatorConfig {
        state_file: Some(path.clone()),
        ..EmulatorConfig::default()
    };
    let err = emulator::start(config, loopback()).await.unwrap_err();
    assert!(matches!(err, EmulatorError::State(_)));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "{ not json",
        "left as it was"
    );
}

#[tokio::test]
async fn wire_shape_of_a_training_and_an_error() {
    let emu = Emu::start(|_| {}).await;
    let created = emu
        .ok(
            Method::POST,
            "/training",
            Some(json!({"title": "How do I cancel?", "content": "Cancel from Account → Billing.", "restricted_to_channels": ["web"], "metadata": {"cxtrain_key": "billing/cancel"}})),
        )
        .await;
    let mut created = created;
    for field in ["created_at", "updated_at", "published_at"] {
        let stamp = created[field].as_str().unwrap();
        assert!(stamp.len() == 24 && stamp.ends_with('Z'), "{stamp}");
        created[field] = json!("[timestamp]");
    }
    let missing = emu.call(Method::GET, "/training/trn_nope", None).await;
    insta::assert_json_snapshot!(json!({"created": created, "missing": missing.body}));
}
