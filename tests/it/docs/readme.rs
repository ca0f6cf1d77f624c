//! The README is a landing page whose commands work on a fresh clone, and
//! output that pages show rendered (a plan comment as GitHub shows it) is
//! real: a region
//!
//! ```text
//! <!-- rendered: SETUP: ARGS -->
//! ...
//! <!-- /rendered -->
//! ```
//!
//! holds exactly what `cxtrain ARGS` prints in that setup (fingerprints
//! aside, which change with the local remote's port); `CXTRAIN_UPDATE_DOCS=1`
//! rewrites it.

use std::path::Path;

use super::pages::{self, Page};
use super::setups;

#[test]
fn the_readme_is_a_landing_page() {
    let readme = Page::read("README.md");
    let lines = readme.lines().len();
    assert!(
        lines <= 200,
        "README.md has {lines} lines; the limit is 200"
    );
    assert!(
        readme.text.contains("](docs/src/"),
        "the README links into the guide"
    );
}

/// The README's `cargo run --locked -- ARGS` commands.
fn quick_start(readme: &Page) -> Vec<Vec<String>> {
    readme
        .blocks()
        .iter()
        .flat_map(|b| b.commands().map(str::to_owned).collect::<Vec<_>>())
        .filter_map(|c| {
            c.strip_prefix("cargo run --locked -- ")
                .map(|args| args.split_whitespace().map(str::to_owned).collect())
        })
        .collect()
}

#[test]
fn the_readme_commands_work_on_a_fresh_clone() {
    let readme = Page::read("README.md");
    let runs = quick_start(&readme);
    assert!(
        !runs.is_empty(),
        "the README shows `cargo run --locked -- ...`"
    );
    for args in runs {
        // A fresh clone: the examples without any local state.
        let clone = tempfile::tempdir().expect("tempdir");
        let cache = tempfile::tempdir().expect("cache");
        crate::common::copy_example("support-bot", &clone.path().join("examples/support-bot"));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_cxtrain"))
            .args(&args)
            .current_dir(clone.path())
            .env(cxtrain::remote::CACHE_DIR_ENV, cache.path())
            .env_remove("CXTRAIN_ENV")
            .output()
            .expect("cxtrain runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "README `{}` failed: {out:?}",
            args.join(" ")
        );
        assert!(
            stdout.starts_with("Plan for workspace support-bot"),
            "README `{}` printed:\n{stdout}",
            args.join(" ")
        );
    }
    assert!(
        readme
            .blocks()
            .iter()
            .any(|b| b.commands().any(|c| c == "cargo test --locked")),
        "the README shows the test command"
    );
    let ci = std::fs::read_to_string(pages::root().join(".ci/run")).expect(".ci/run");
    assert!(
        ci.lines().any(|l| l == "cargo test --locked"),
        ".ci/run runs the README's test command"
    );
}

#[test]
fn the_readme_training_is_the_example_file() {
    let readme = Page::read("README.md");
    let shown = readme
        .blocks()
        .into_iter()
        .find(|b| b.lang() == "markdown")
        .expect("the README shows a training file");
    let file = "examples/support-bot/trainings/billing/refund-after-30-days.md";
    let real = std::fs::read_to_string(pages::root().join(file)).expect("example");
    assert_eq!(
        shown.body.join("\n") + "\n",
        real,
        "the README's training is {file}"
    );
}

/// A rendered region: where it starts and ends (0-based lines of its
/// comments), its setup and the arguments.
struct Region {
    open: usize,
    close: usize,
    setup: String,
    args: Vec<String>,
}

fn regions(page: &Page) -> Vec<Region> {
    let lines = page.lines();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(spec) = line
            .trim()
            .strip_prefix("<!-- rendered:")
            .and_then(|s| s.strip_suffix("-->"))
        else {
            continue;
        };
        let (setup, args) = spec
            .split_once(':')
            .expect("<!-- rendered: SETUP: ARGS -->");
        let close = (i..lines.len())
            .find(|&j| lines[j].trim() == "<!-- /rendered -->")
            .unwrap_or_else(|| panic!("{}: no <!-- /rendered --> after it", page.at(i)));
        out.push(Region {
            open: i,
            close,
            setup: setup.trim().to_owned(),
            args: args.split_whitespace().map(str::to_owned).collect(),
        });
    }
    out
}

/// What `cxtrain ARGS` prints in a fresh copy of `setup`.
fn output(setup: &str, args: &[String]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    setups::prepare(setup, dir.path());
    let cache = tempfile::tempdir().expect("cache");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cxtrain"))
        .args(args)
        .current_dir(dir.path())
        .env(cxtrain::remote::CACHE_DIR_ENV, cache.path())
        .env_remove("CXTRAIN_ENV")
        .output()
        .expect("cxtrain runs");
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// `text` with every run of 64 hex digits (a fingerprint) made `<fp>`.
fn without_fingerprints(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            if w.len() == 64 && w.bytes().all(|b| b.is_ascii_hexdigit()) {
                "<fp>"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn rendered_output_in_the_docs_is_real() {
    let mut checked = 0;
    for page in pages::all() {
        let regions = regions(&page);
        if regions.is_empty() {
            continue;
        }
        let lines = page.lines();
        let mut rewritten: Vec<String> = Vec::new();
        let mut from = 0;
        for region in &regions {
            let real = output(&region.setup, &region.args);
            let shown = lines[region.open + 1..region.close].join("\n");
            if without_fingerprints(shown.trim_end()) != without_fingerprints(real.trim_end()) {
                assert!(
                    pages::update_requested(),
                    "{}: the output shown is not what `cxtrain {}` prints in setup `{}`;\n\
                     regenerate with CXTRAIN_UPDATE_DOCS=1 cargo test --test it docs::\n\
                     --- shown\n{shown}\n--- real\n{real}",
                    page.at(region.open),
                    region.args.join(" "),
                    region.setup
                );
            }
            rewritten.extend(lines[from..=region.open].iter().map(|l| (*l).to_owned()));
            rewritten.extend(real.trim_end().lines().map(str::to_owned));
            from = region.close;
            checked += 1;
        }
        rewritten.extend(lines[from..].iter().map(|l| (*l).to_owned()));
        let text = rewritten.join("\n") + "\n";
        if pages::update_requested() && text != page.text {
            std::fs::write(Path::new(pages::root()).join(&page.rel), text).expect("write page");
        }
    }
    assert!(checked >= 1, "no rendered output found in the docs");
}
