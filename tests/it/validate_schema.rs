//! The committed JSON Schema matches the Rust front matter type, and the
//! example files' front matter validates against it.

use std::path::Path;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn committed_schema_is_up_to_date() {
    let committed = std::fs::read_to_string(root().join("schema/scenario.schema.json")).unwrap();
    let generated = cxtrain::workspace::frontmatter::schema_json();
    assert!(
        committed == generated,
        "schema/scenario.schema.json is stale: run `cargo run -- schema > schema/scenario.schema.json`"
    );
}

#[test]
fn schema_command_prints_it() {
    let out = assert_cmd::Command::cargo_bin("cxtrain")
        .unwrap()
        .arg("schema")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        cxtrain::workspace::frontmatter::schema_json()
    );
}

/// The front matter of a file as JSON (via serde-saphyr).
fn front_matter(text: &str) -> Option<Value> {
    let rest = text.strip_prefix("---\n")?;
    let end = rest.find("\n---\n")?;
    Some(serde_saphyr::from_str::<Value>(&rest[..end + 1]).unwrap_or(Value::Null))
}

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schema/scenario.schema.json")).unwrap(),
    )
    .unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
fn support_bot_front_matter_matches_the_schema() {
    let validator = validator();
    let mut checked = 0;
    for entry in walk(&root().join("examples/support-bot/trainings")) {
        let text = std::fs::read_to_string(&entry).unwrap();
        let Some(front) = front_matter(&text) else {
            continue;
        };
        let errors: Vec<String> = validator
            .iter_errors(&front)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", entry.display());
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} files with front matter");
}

#[test]
fn schema_rejects_what_validate_rejects() {
    let validator = validator();
    for bad in [
        "chanels: [web]\n",
        "channels: [webb]\n",
        "draft: maybe\n",
        "type: faq\n",
        "title: Hi\n",
        "metadata: { cxtrain_key: x }\n",
        "key: \"\"\n",
    ] {
        let front: Value = serde_saphyr::from_str(bad).unwrap();
        assert!(!validator.is_valid(&front), "{bad}");
    }
    let good: Value = serde_saphyr::from_str(
        "type: BEHAVIORAL\ntitle: Tone\nchannels: [web, phone_voice]\ndraft: false\n",
    )
    .unwrap();
    assert!(validator.is_valid(&good));
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    out.sort();
    out
}
