//! `cxtrain emulator` end to end: the real binary prints the port it bound,
//! answers requests with the configured key and update mode, keeps its
//! state file, and refuses a corrupt one.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

/// A running `cxtrain emulator`, killed when dropped (also when a test fails).
struct Server {
    child: Child,
    base_url: String,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cxtrain"))
            .arg("emulator")
            .args(["--port", "0"])
            .args(args)
            .env_remove("OPENCX_EMULATOR_API_KEY")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base_url = line
            .strip_prefix("cxtrain emulator listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .trim_end()
            .to_owned();
        assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");
        assert!(!base_url.ends_with(":0"), "the real port is printed");
        Server { child, base_url }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        key: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = reqwest::Client::new()
            .request(method, format!("{}{path}", self.base_url))
            .bearer_auth(key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// Kills the server and returns what it wrote to stderr.
    fn stop(mut self) -> String {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            pipe.read_to_string(&mut stderr).unwrap();
        }
        stderr
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Already reaped by `stop` in the normal case; this covers panics.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn state_arg(path: &Path) -> String {
    path.to_str().unwrap().to_owned()
}

#[tokio::test]
async fn binary_prints_its_port_and_serves_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let key = "ocx_cli_secret_key";
    let server = Server::start(&["--api-key", key, "--state", &state_arg(&state)]);
    let (status, body) = server
        .send(reqwest::Method::GET, "/training", "ocx_test_local", None)
        .await;
    assert_eq!((status, &body["statusCode"]), (401, &json!(401)));
    let (status, created) = server
        .send(
            reqwest::Method::POST,
            "/training",
            key,
            Some(json!({"title": "From the binary", "content": "Served by cxtrain emulator."})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let (status, page) = server
        .send(reqwest::Method::GET, "/training", key, None)
        .await;
    assert_eq!((status, &page["total"]), (200, &json!(1)));
    let stderr = server.stop();
    assert!(!stderr.contains(key), "{stderr}");

    // Same state file, new process: the training is still there.
    let server = Server::start(&["--api-key", key, "--state", &state_arg(&state)]);
    let path = format!("/training/{}", created["id"].as_str().unwrap());
    let (status, again) = server.send(reqwest::Method::GET, &path, key, None).await;
    assert_eq!((status, &again), (200, &created));
    server.stop();
}

#[tokio::test]
async fn update_mode_and_rate_limit_flags_take_effect() {
    let server = Server::start(&["--update-mode", "stage", "--rate-limit", "3"]);
    let key = "ocx_test_local";
    let (_, created) = server
        .send(
            reqwest::Method::POST,
            "/training",
            key,
            Some(json!({"title": "Live title", "content": "Live content here."})),
        )
        .await;
    let path = format!("/training/{}", created["id"].as_str().unwrap());
    let (status, staged) = server
        .send(
            reqwest::Method::PUT,
            &path,
            key,
            Some(json!({"title": "Staged title", "content": "Staged content.", "is_draft": false})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(staged["title"], json!("Live title"));
    assert_eq!(staged["draft_title"], json!("Staged title"));
    let (status, _) = server.send(reqwest::Method::GET, &path, key, None).await;
    assert_eq!(status, 200, "the third request of the minute is allowed");
    let (status, limited) = server.send(reqwest::Method::GET, &path, key, None).await;
    assert_eq!((status, &limited["statusCode"]), (429, &json!(429)));
    server.stop();
}

#[test]
fn corrupt_state_file_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(&state, "[1, 2").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cxtrain"))
        .args(["emulator", "--port", "0", "--state", &state_arg(&state)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no listening line");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("state.json"), "{stderr}");
    assert!(stderr.contains("not valid state"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&state).unwrap(), "[1, 2");
}

#[test]
fn help_never_shows_the_key_from_the_environment() {
    let out = Command::new(env!("CARGO_BIN_EXE_cxtrain"))
        .args(["emulator", "--help"])
        .env("OPENCX_EMULATOR_API_KEY", "ocx_env_secret")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--update-mode"), "{help}");
    assert!(!help.contains("ocx_env_secret"), "{help}");
}
