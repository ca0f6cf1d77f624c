//! The apply executor over real HTTP against scripted servers (wiremock):
//! the draft follow-up after a staged edit, failures reported with the
//! server's message while independent changes continue, deletes held back
//! after a failure, deletes sent only while a fresh listing shows their
//! training as planned, deletes of trainings already gone, and interruption.

use std::sync::Mutex;
use std::time::Duration;

use cxtrain::apply::answer::Part;
use cxtrain::apply::calls::{self, Step};
use cxtrain::apply::executor::{
    self, Observer, Options, Outcome, Report, SkipReason, StepError, UpdateMetadata,
};
use cxtrain::model::{StateHash, Training};
use cxtrain::plan::{Change, Create, Delete, Identity, Modify, Plan, RemoteRef};
use cxtrain::remote::managed::observed_hash;
use cxtrain::remote::{ApiKey, Client, ClientConfig, api};
use cxtrain::repo_path::RepoPath;
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path, query_param_contains};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn training(key: &str) -> Training {
    Training::scenario(
        key,
        &format!("Title of {key}"),
        &format!("Content of {key}, long enough to be valid."),
    )
}

fn remote(id: &str) -> RemoteRef {
    RemoteRef {
        id: id.into(),
        updated_at: Some("2026-01-01T00:00:00Z".into()),
        observed: StateHash("00".repeat(32)),
    }
}

fn file(key: &str) -> RepoPath {
    format!("trainings/{key}.md").parse().unwrap()
}

fn create(key: &str) -> Change {
    Change::Create(Create {
        path: file(key),
        desired: training(key),
    })
}

/// A content update of remote training `id` to `training(key)`.
fn update(key: &str, id: &str) -> Change {
    let mut current = training(key);
    current.content = "Content before the edit.".into();
    let modify = Modify::new(
        file(key),
        remote(id),
        Identity::Keep,
        current,
        &training(key),
    );
    Change::Modify(modify.expect("the content differs"))
}

/// Training `id` as this workspace's listing shows it, tagged with `key`.
fn listed(id: &str, key: &str) -> Value {
    let mut record = answer(id, &training(key));
    record["metadata"] = json!({"cxtrain_workspace": "ws", "cxtrain_key": key});
    record
}

/// A delete of `id`, planned when it was [`listed`] as `key`.
fn delete(key: &str, id: &str) -> Change {
    let record: api::Training = serde_json::from_value(listed(id, key)).unwrap();
    Change::Delete(Delete {
        remote: RemoteRef {
            observed: observed_hash(&record),
            ..remote(id)
        },
        current: training(key),
        flags: vec![],
    })
}

/// An answer with `status` and the JSON `body`.
fn reply(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

/// Expects exactly one `verb route` request and answers it with `reply`.
async fn once(server: &MockServer, verb: &str, route: &str, reply: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(reply)
        .expect(1)
        .mount(server)
        .await;
}

/// Fails the test if any delete not mocked before is sent.
async fn no_other_deletes(server: &MockServer) {
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(server)
        .await;
}

/// Answers the listing of this workspace's trainings with `key` with
/// `items`, once.
async fn listing(server: &MockServer, key: &str, items: Vec<Value>) {
    let n = items.len();
    Mock::given(method("GET"))
        .and(path("/training"))
        .and(query_param_contains(
            "metadata",
            format!("\"cxtrain_key\":\"{key}\""),
        ))
        .and(query_param_contains(
            "metadata",
            "\"cxtrain_workspace\":\"ws\"",
        ))
        .respond_with(reply(
            200,
            json!({
                "items": items, "total": n, "limit": 100, "offset": 0, "has_more": false
            }),
        ))
        .expect(1)
        .mount(server)
        .await;
}

fn steps(changes: Vec<Change>) -> Vec<Step> {
    calls::steps(&Plan {
        workspace: "ws".into(),
        changes,
        ..Plan::default()
    })
}

/// The API's answer for `t` stored under `id`, live and published.
fn answer(id: &str, t: &Training) -> Value {
    json!({
        "id": id, "title": t.title, "content": t.content,
        "draft_title": null, "draft_content": null, "type": "SCENARIO_SPECIFIC",
        "is_draft": t.draft, "directory_id": null,
        "restricted_to_channels": [], "restricted_to_segments": [],
        "current_version": 1, "metadata": {}, "published_at": null,
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:01Z"
    })
}

fn client(server: &MockServer) -> Client {
    let mut config = ClientConfig::new(server.uri(), ApiKey::new("ocx_test_key".into()));
    config.requests_per_minute = 0;
    config.max_in_flight = 8;
    config.max_retries = 1;
    config.backoff_base = Duration::from_millis(1);
    Client::new(config).unwrap()
}

/// Applies `changes` against `server` with nothing interrupting.
async fn run_to_end(
    server: &MockServer,
    changes: Vec<Change>,
    parallelism: usize,
    observer: &dyn Observer,
) -> Report {
    executor::execute(
        &client(server),
        steps(changes),
        Options {
            parallelism,
            update_metadata: UpdateMetadata::Send,
        },
        observer,
        std::future::pending(),
    )
    .await
}

/// Records finished changes in order.
#[derive(Default)]
struct Log(Mutex<Vec<String>>);

impl Observer for Log {
    fn starting(&self, _total: usize) {}
    fn finished(&self, step: &Step, outcome: &Outcome) {
        let what = match outcome {
            Outcome::Applied { toggled, .. } => format!("applied {toggled:?}"),
            Outcome::AlreadyGone => "gone".to_owned(),
            Outcome::Failed(_) => "failed".to_owned(),
            Outcome::Skipped(r) => format!("skipped {r:?}"),
        };
        self.0
            .lock()
            .unwrap()
            .push(format!("{} {what}", step.change.key()));
    }
    fn interrupted(&self) {
        self.0.lock().unwrap().push("interrupted".to_owned());
    }
}

#[tokio::test]
async fn staged_edit_is_published_and_failures_hold_back_deletes() {
    let server = MockServer::start().await;
    let staged = training("staged");
    let mut staged_answer = answer("trn_staged", &staged);
    staged_answer["title"] = json!("The old live title");
    staged_answer["draft_title"] = json!(staged.title);
    staged_answer["draft_content"] = json!(staged.content);
    Mock::given(method("POST"))
        .and(path("/training"))
        .and(body_partial_json(json!({
            "title": "Title of new", "is_draft": false,
            "metadata": {"cxtrain_key": "new", "cxtrain_workspace": "ws",
                         "cxtrain_hash": training("new").state_hash().0}
        })))
        .respond_with(reply(201, answer("trn_new", &training("new"))))
        .expect(1)
        .mount(&server)
        .await;
    once(
        &server,
        "PUT",
        "/training/trn_staged",
        reply(200, staged_answer),
    )
    .await;
    Mock::given(method("PUT"))
        .and(path("/training/trn_staged/draft"))
        .and(body_partial_json(json!({"is_draft": false})))
        .respond_with(reply(200, answer("trn_staged", &staged)))
        .expect(1)
        .mount(&server)
        .await;
    once(
        &server,
        "PUT",
        "/training/trn_bad",
        reply(400, json!({
            "statusCode": 400, "message": ["content must be longer than or equal to 10 characters"],
            "error": "Bad Request"
        })),
    )
    .await;
    no_other_deletes(&server).await;

    let log = Log::default();
    let report = run_to_end(
        &server,
        vec![
            delete("old", "trn_old"),
            update("bad", "trn_bad"),
            create("new"),
            update("staged", "trn_staged"),
        ],
        1,
        &log,
    )
    .await;

    assert!(!report.all_succeeded());
    assert_eq!(
        *log.0.lock().unwrap(),
        vec![
            "new applied None",
            "bad failed",
            "staged applied Some(false)",
            "old skipped EarlierFailure",
        ]
    );
    let failure = report
        .results
        .iter()
        .find_map(|(s, o)| match o {
            Outcome::Failed(e) if s.change.key() == "bad" => Some(e.to_string()),
            _ => None,
        })
        .unwrap();
    assert!(
        failure.contains("content must be longer than or equal to 10 characters"),
        "{failure}"
    );
    assert!(!failure.contains("ocx_test_key"));
}

#[tokio::test]
async fn deletes_run_last_and_a_missing_training_counts_as_gone() {
    let server = MockServer::start().await;
    once(
        &server,
        "PUT",
        "/training/trn_1",
        reply(200, answer("trn_1", &training("a"))),
    )
    .await;
    listing(&server, "b", vec![listed("trn_2", "b")]).await;
    listing(&server, "c", vec![listed("trn_3", "c")]).await;
    once(
        &server,
        "DELETE",
        "/training/trn_2",
        ResponseTemplate::new(200),
    )
    .await;
    once(
        &server,
        "DELETE",
        "/training/trn_3",
        reply(
            404,
            json!({
                "statusCode": 404, "message": "Training not found", "error": "Not Found"
            }),
        ),
    )
    .await;

    let log = Log::default();
    let report = run_to_end(
        &server,
        vec![
            delete("b", "trn_2"),
            delete("c", "trn_3"),
            update("a", "trn_1"),
        ],
        4,
        &log,
    )
    .await;

    assert!(report.all_succeeded());
    let log = log.0.lock().unwrap();
    assert_eq!(log[0], "a applied None");
    let mut deletes = log[1..].to_vec();
    deletes.sort();
    assert_eq!(deletes, vec!["b applied None", "c gone"]);
}

#[tokio::test]
async fn a_delete_is_sent_only_while_a_fresh_listing_shows_it_as_planned() {
    let server = MockServer::start().await;
    // Edited in the dashboard after the plan read it.
    let mut edited = listed("trn_edited", "edited");
    edited["content"] = json!("Rewritten in the dashboard after the plan.");
    listing(&server, "edited", vec![edited]).await;
    // Re-tagged for another workspace: this workspace lists nothing.
    listing(&server, "retagged", vec![]).await;
    // A server ignoring the filter lists a foreign training with that id.
    let mut foreign = listed("trn_foreign", "foreign");
    foreign["metadata"]["cxtrain_workspace"] = json!("other");
    listing(&server, "foreign", vec![foreign]).await;
    listing(&server, "kept", vec![listed("trn_kept", "kept")]).await;
    once(
        &server,
        "DELETE",
        "/training/trn_kept",
        ResponseTemplate::new(200),
    )
    .await;
    no_other_deletes(&server).await;

    let log = Log::default();
    let report = run_to_end(
        &server,
        vec![
            delete("edited", "trn_edited"),
            delete("retagged", "trn_retagged"),
            delete("foreign", "trn_foreign"),
            delete("kept", "trn_kept"),
        ],
        1,
        &log,
    )
    .await;

    assert_eq!(
        *log.0.lock().unwrap(),
        vec![
            "edited failed",
            "retagged gone",
            "foreign gone",
            "kept applied None"
        ]
    );
    let (_, outcome) = &report.results[0];
    assert!(
        matches!(outcome, Outcome::Failed(StepError::ChangedSincePlanned { id }) if id == "trn_edited"),
        "{outcome:?}"
    );
    assert_eq!(
        outcome_text(outcome),
        "training trn_edited changed since the plan read it (edited in the dashboard \
         meanwhile?), so it was not deleted; plan again"
    );
}

fn outcome_text(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Failed(e) => e.to_string(),
        other => format!("{other:?}"),
    }
}

#[tokio::test]
async fn a_publish_that_does_not_take_is_a_failure() {
    let server = MockServer::start().await;
    let t = training("stuck");
    let mut draft = answer("trn_1", &t);
    draft["is_draft"] = json!(true);
    once(&server, "PUT", "/training/trn_1", reply(200, draft.clone())).await;
    once(
        &server,
        "PUT",
        "/training/trn_1/draft",
        reply(200, draft.clone()),
    )
    .await;
    once(&server, "GET", "/training/trn_1", reply(200, draft)).await;

    let report = run_to_end(&server, vec![update("stuck", "trn_1")], 1, &Log::default()).await;

    let (_, outcome) = &report.results[0];
    assert!(
        matches!(outcome, Outcome::Failed(StepError::Unconfirmed { id, parts, .. })
            if id == "trn_1" && parts == &[Part::Draft]),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn an_interrupt_lets_the_change_in_flight_finish_and_starts_no_more() {
    let server = MockServer::start().await;
    once(
        &server,
        "POST",
        "/training",
        reply(201, answer("trn_1", &training("a"))).set_delay(Duration::from_millis(300)),
    )
    .await;

    let log = Log::default();
    let report = executor::execute(
        &client(&server),
        steps(vec![
            create("a"),
            create("b"),
            create("c"),
            delete("d", "trn_9"),
        ]),
        Options {
            parallelism: 1,
            update_metadata: UpdateMetadata::Send,
        },
        &log,
        tokio::time::sleep(Duration::from_millis(50)),
    )
    .await;

    assert!(report.interrupted);
    assert_eq!(
        *log.0.lock().unwrap(),
        vec![
            "interrupted",
            "a applied None",
            "b skipped Interrupted",
            "c skipped Interrupted",
            "d skipped Interrupted",
        ]
    );
    assert!(matches!(
        report.results[3].1,
        Outcome::Skipped(SkipReason::Interrupted)
    ));
}
