//! The HTTP client against the real emulator over HTTP on 127.0.0.1: every
//! operation, pagination, filters, error classes, fault injection and the
//! pacer as counted by the server.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use cxtrain::emulator::{EmulatorConfig, RateLimitHeaders, Running, start};
use cxtrain::model::{META_KEY, META_WORKSPACE, TrainingType};
use cxtrain::remote::api::{ListQuery, SearchRequest, TrainingInput};
use cxtrain::remote::{ApiKey, Client, ClientConfig, RemoteError};

const KEY: &str = "ocx_live_emulator_test_key";

async fn emulator(config: EmulatorConfig) -> Running {
    start(config, "127.0.0.1:0".parse().unwrap()).await.unwrap()
}

fn emulator_config() -> EmulatorConfig {
    EmulatorConfig {
        api_key: KEY.into(),
        ..EmulatorConfig::default()
    }
}

fn client(running: &Running) -> Client {
    let mut config = ClientConfig::new(running.base_url(), ApiKey::new(KEY.into()));
    config.requests_per_minute = 0;
    config.max_in_flight = 8;
    config.backoff_base = Duration::from_millis(2);
    Client::new(config).unwrap()
}

fn input(key: &str, workspace: &str) -> TrainingInput {
    TrainingInput {
        title: format!("Scenario {key}"),
        content: format!("Instructions for {key}, long enough."),
        kind: TrainingType::ScenarioSpecific,
        is_draft: true,
        directory_id: None,
        restricted_to_channels: vec![],
        restricted_to_segments: vec![],
        metadata: BTreeMap::from([
            (META_KEY.to_owned(), key.to_owned()),
            (META_WORKSPACE.to_owned(), workspace.to_owned()),
        ]),
    }
}

fn ids(items: &[cxtrain::remote::api::Training]) -> Vec<String> {
    items.iter().map(|t| t.id.clone()).collect()
}

/// Creates `count` trainings `{prefix}/{i}` in `workspace`, concurrently.
async fn seed(client: &Client, workspace: &str, prefix: &str, count: usize) -> Vec<String> {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..count {
        let client = client.clone();
        let body = input(&format!("{prefix}/{i:04}"), workspace);
        tasks.spawn(async move { client.create(&body).await.map(|t| t.id) });
    }
    let mut created: Vec<String> = tasks
        .join_all()
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    created.sort();
    created
}

#[tokio::test]
async fn every_operation_round_trips() {
    let emu = emulator(emulator_config()).await;
    let c = client(&emu);

    let created = c.create(&input("billing/cancel", "ws")).await.unwrap();
    assert!(created.is_draft);
    assert_eq!(created.metadata_str(META_KEY), Some("billing/cancel"));
    assert_eq!(created.current_version, None);

    let got = c.get(&created.id).await.unwrap();
    assert_eq!(got, created);

    let mut changed = input("billing/cancel", "ws");
    changed.title = "How do I cancel my plan?".into();
    let updated = c.update(&created.id, &changed).await.unwrap();
    assert_eq!(
        updated.draft_title.as_deref().unwrap_or(&updated.title),
        "How do I cancel my plan?"
    );

    let published = c.set_draft(&created.id, false).await.unwrap().unwrap();
    assert!(!published.is_draft);
    assert_eq!(published.title, "How do I cancel my plan?");
    assert!(published.current_version.is_some());
    assert!(published.published_at.is_some());

    c.move_to_directory(&created.id, Some("dir_billing"))
        .await
        .unwrap();
    assert_eq!(
        c.get(&created.id).await.unwrap().directory_id.as_deref(),
        Some("dir_billing")
    );

    let hits = c
        .search(&SearchRequest {
            query: "cancel my plan".into(),
            limit: Some(5),
        })
        .await
        .unwrap();
    assert!(
        hits.iter()
            .any(|h| h.id.as_deref() == Some(created.id.as_str())),
        "{hits:?}"
    );

    let generated = c.generate("sess_42").await.unwrap();
    assert!(!generated.title.is_empty());

    c.delete(&created.id).await.unwrap();
    let e = c.get(&created.id).await.unwrap_err();
    assert_is!(e, RemoteError::NotFound { .. });
    let e = c.delete(&created.id).await.unwrap_err();
    assert_is!(e, RemoteError::NotFound { .. });
}

#[tokio::test]
async fn pagination_across_250_items() {
    let emu = emulator(emulator_config()).await;
    let c = client(&emu);
    let created = seed(&c, "ws", "k", 260).await;
    let before = emu
        .stats()
        .by_route
        .get("GET /training")
        .copied()
        .unwrap_or(0);
    let listing = c.list_all(&ListQuery::default()).await.unwrap();
    assert_eq!(listing.total, 260);
    let mut got = ids(&listing.items);
    assert_eq!(got.iter().collect::<BTreeSet<_>>().len(), 260, "duplicates");
    got.sort();
    assert_eq!(got, created);
    let after = emu
        .stats()
        .by_route
        .get("GET /training")
        .copied()
        .unwrap_or(0);
    assert_eq!(after - before, 3, "three pages of 100");
    assert_eq!(c.count(&ListQuery::default()).await.unwrap(), 260);
}

#[tokio::test]
async fn metadata_and_field_filters() {
    let emu = emulator(emulator_config()).await;
    let c = client(&emu);
    let a = seed(&c, "ws-a", "a", 3).await;
    seed(&c, "ws-b", "b", 2).await;
    let mut behavioral = input("a/behave", "ws-a");
    behavioral.kind = TrainingType::Behavioral;
    behavioral.is_draft = false;
    let behavioral = c.create(&behavioral).await.unwrap();

    let query = |metadata: &str| ListQuery {
        metadata: Some(metadata.to_owned()),
        ..ListQuery::default()
    };
    let in_a = c
        .list_all(&query(r#"{"cxtrain_workspace":"ws-a"}"#))
        .await
        .unwrap();
    let mut got = ids(&in_a.items);
    got.sort();
    let mut want = a.clone();
    want.push(behavioral.id.clone());
    want.sort();
    assert_eq!(got, want);

    let one = c
        .list_all(&query(
            r#"{"cxtrain_workspace":"ws-a","cxtrain_key":"a/0001"}"#,
        ))
        .await
        .unwrap();
    assert_eq!(one.items.len(), 1);
    assert_eq!(one.items[0].metadata_str(META_KEY), Some("a/0001"));

    let none = c
        .list_all(&query(r#"{"cxtrain_workspace":"ws-c"}"#))
        .await
        .unwrap();
    assert_eq!(
        none,
        cxtrain::remote::Listing {
            items: vec![],
            total: 0
        }
    );

    let by_type = c
        .list_all(&ListQuery {
            kind: Some(TrainingType::Behavioral),
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(&by_type.items), vec![behavioral.id.clone()]);
    let published = c
        .list_all(&ListQuery {
            is_draft: Some("false".into()),
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(&published.items), vec![behavioral.id]);
}

#[tokio::test]
async fn error_classes_against_the_emulator() {
    let emu = emulator(emulator_config()).await;
    let mut config = ClientConfig::new(emu.base_url(), ApiKey::new("ocx_live_wrong".into()));
    config.requests_per_minute = 0;
    let e = Client::new(config)
        .unwrap()
        .count(&ListQuery::default())
        .await
        .unwrap_err();
    assert_is!(e, RemoteError::Unauthorized { .. });

    let c = client(&emu);
    let e = c.get("trn_missing").await.unwrap_err();
    assert_is!(e, RemoteError::NotFound { .. });

    let mut short = input("x", "ws");
    short.title = "x".into();
    let e = c.create(&short).await.unwrap_err();
    assert_is!(e, RemoteError::Rejected { .. });
    assert!(e.to_string().contains("title"), "{e}");

    let e = c
        .list_all(&ListQuery {
            metadata: Some("not json".into()),
            ..ListQuery::default()
        })
        .await
        .unwrap_err();
    assert_is!(e, RemoteError::Rejected { .. });
}

#[tokio::test]
async fn server_errors_and_429_bursts_are_ridden_out() {
    let emu = emulator(EmulatorConfig {
        error_rate: 0.3,
        burst_429_every: 25,
        seed: 11,
        ..emulator_config()
    })
    .await;
    let mut config = ClientConfig::new(emu.base_url(), ApiKey::new(KEY.into()));
    config.requests_per_minute = 0;
    config.backoff_base = Duration::from_millis(2);
    config.max_retries = 8;
    let c = Client::new(config).unwrap();
    let created = seed(&c, "ws", "k", 30).await;
    let listing = c.list_all(&ListQuery::default()).await.unwrap();
    let mut got = ids(&listing.items);
    got.sort();
    assert_eq!(got, created);
    let stats = emu.stats();
    assert!(
        stats.server_errors > 0 && stats.too_many_requests > 0,
        "{stats:?}"
    );
    assert!(c.stats().retries >= stats.server_errors + stats.too_many_requests);
}

#[tokio::test]
async fn dropped_create_responses_do_not_duplicate() {
    let emu = emulator(EmulatorConfig {
        drop_rate: 0.5,
        seed: 3,
        ..emulator_config()
    })
    .await;
    let c = client(&emu);
    let created = seed(&c, "ws", "k", 12).await;
    assert!(emu.stats().dropped_responses > 0);
    let listing = c.list_all(&ListQuery::default()).await.unwrap();
    assert_eq!(listing.items.len(), 12, "a dropped create was duplicated");
    let keys: BTreeSet<&str> = listing
        .items
        .iter()
        .filter_map(|t| t.metadata_str(META_KEY))
        .collect();
    assert_eq!(keys.len(), 12);
    let mut got = ids(&listing.items);
    got.sort();
    assert_eq!(got, created);
}

/// The emulator's limit in the pacing tests: 5 per rolling 2 s (time
/// compressed 30×: the client's window is set to match).
const LIMIT: u32 = 5;
const WINDOW: Duration = Duration::from_secs(2);

/// Sends 12 counts at once through a client paced at `client_limit` per
/// [`WINDOW`] against an emulator allowing [`LIMIT`] per [`WINDOW`] and
/// sending `headers`; what the emulator saw, and how long it took.
async fn paced_counts(
    headers: RateLimitHeaders,
    client_limit: u32,
) -> (cxtrain::emulator::Stats, Duration) {
    let emu = emulator(EmulatorConfig {
        rate_limit_per_minute: LIMIT,
        rate_window: WINDOW,
        rate_limit_headers: headers,
        ..emulator_config()
    })
    .await;
    let mut config = ClientConfig::new(emu.base_url(), ApiKey::new(KEY.into()));
    config.requests_per_minute = client_limit;
    config.rate_window = WINDOW;
    config.max_retries = 0;
    let c = Client::new(config).unwrap();
    let started = std::time::Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let c = c.clone();
        tasks.spawn(async move { c.count(&ListQuery::default()).await });
    }
    for result in tasks.join_all().await {
        result.expect("no request is refused");
    }
    (emu.stats(), started.elapsed())
}

#[tokio::test]
async fn the_window_pacer_bursts_to_the_limit_and_never_past_it() {
    let (stats, elapsed) = paced_counts(RateLimitHeaders::None, LIMIT).await;
    assert_eq!(stats.total_requests, 12);
    assert_eq!(stats.too_many_requests, 0, "{stats:?}");
    assert_eq!(stats.max_in_window(WINDOW), LIMIT as usize, "{stats:?}");
    // 5 at once, 5 one window later, 2 after another.
    let t = &stats.request_times;
    assert!(t[4] - t[0] < Duration::from_millis(500), "a burst: {t:?}");
    assert!(t[5] - t[0] >= WINDOW, "{t:?}");
    assert!(t[10] - t[0] >= WINDOW * 2, "{t:?}");
    assert!(elapsed < WINDOW * 4, "{elapsed:?}");
}

/// With `headers`, the server's count keeps a client whose own limit is
/// far looser (1000 per window) from ever being refused.
async fn the_server_count_governs(headers: RateLimitHeaders) {
    let (stats, elapsed) = paced_counts(headers, 1000).await;
    assert_eq!(stats.total_requests, 12);
    assert_eq!(stats.too_many_requests, 0, "{stats:?}");
    assert!(stats.max_in_window(WINDOW) <= LIMIT as usize, "{stats:?}");
    assert!(elapsed < WINDOW * 5, "{elapsed:?}");
}

#[tokio::test]
async fn x_ratelimit_headers_override_a_looser_local_limit() {
    the_server_count_governs(RateLimitHeaders::XRateLimit).await;
}

#[tokio::test]
async fn ietf_ratelimit_headers_override_a_looser_local_limit() {
    the_server_count_governs(RateLimitHeaders::Ietf).await;
}
