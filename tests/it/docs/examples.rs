//! Every `console` block of the README and the guide runs here, with its
//! shown output checked, through `trycmd`: `$ cxtrain ...` runs the real
//! binary, `? N` is the expected exit code, `...` and `[..]` stand for
//! output that varies (timings, fingerprints, temporary paths).
//!
//! Each `<!-- setup: NAME -->` comment starts a segment of its page whose
//! blocks run in order in one sandbox prepared by [`setups::prepare`]. A
//! segment becomes one trycmd case: a copy of the page in which the blocks
//! of other segments are switched off (same line numbers, so a failure
//! points at the page's own lines), with the setup as its `.in/` folder.
//!
//! `TRYCMD=overwrite cargo test --test it docs::` writes the actual output
//! of failing examples back into the pages (review it with `git diff`).

use std::path::{Path, PathBuf};

use super::pages::{self, Block, Page};
use super::setups;

/// A setup comment's name, if `line` is one.
pub fn setup_name(line: &str) -> Option<&str> {
    line.trim()
        .strip_prefix("<!-- setup:")?
        .strip_suffix("-->")
        .map(str::trim)
}

/// One segment of a page: a setup and the running blocks under it.
pub struct Segment {
    /// The setup's name.
    pub setup: String,
    /// 0-based line of the setup comment.
    pub line: usize,
    /// Indexes into the page's blocks.
    pub blocks: Vec<usize>,
}

/// The segments of a page, and the running blocks no setup comment
/// precedes (which never run: a structure test rejects them).
pub fn segments(page: &Page) -> (Vec<Segment>, Vec<usize>) {
    let blocks = page.blocks();
    let mut segments: Vec<Segment> = Vec::new();
    let mut orphans = Vec::new();
    let mut next_block = 0;
    for (i, line) in page.lines().iter().enumerate() {
        if pages::in_block(&blocks, i) {
            if let Some(b) = blocks.get(next_block).filter(|b| b.open == i) {
                if b.runs() {
                    match segments.last_mut() {
                        Some(s) => s.blocks.push(next_block),
                        None => orphans.push(next_block),
                    }
                }
                next_block += 1;
            }
            continue;
        }
        if let Some(name) = setup_name(line) {
            segments.push(Segment {
                setup: name.to_owned(),
                line: i,
                blocks: Vec::new(),
            });
        }
    }
    (segments, orphans)
}

/// The case file text for one segment: the page with every running block
/// outside the segment turned into a `text` block.
fn case_text(page: &Page, blocks: &[Block], keep: &[usize]) -> String {
    let mut lines: Vec<String> = page.lines().iter().map(|l| (*l).to_owned()).collect();
    for (i, b) in blocks.iter().enumerate() {
        if b.runs() && !keep.contains(&i) {
            let fence: String = lines[b.open]
                .chars()
                .take_while(|&c| c == '`' || c == '~')
                .collect();
            lines[b.open] = format!("{fence}text");
        }
    }
    lines.join("\n") + "\n"
}

struct Case {
    page: String,
    segment_line: usize,
    file: PathBuf,
    blocks: Vec<usize>,
}

#[test]
fn documented_examples_run_and_print_what_they_show() {
    let work = tempfile::tempdir().expect("tempdir");
    let cache = tempfile::tempdir().expect("cache");
    let mut cases = Vec::new();
    let mut commands = 0;
    for page in pages::all() {
        let blocks = page.blocks();
        let (segments, _) = segments(&page);
        for (n, segment) in segments.iter().enumerate() {
            if segment.blocks.is_empty() {
                continue;
            }
            let stem = format!("{}-{}", page.rel.replace(['/', '.'], "_"), n + 1);
            let file = work.path().join(format!("{stem}.md"));
            let input = work.path().join(format!("{stem}.in"));
            std::fs::create_dir_all(&input).expect("mkdir .in");
            std::fs::write(input.join(".keep"), "").expect(".keep");
            setups::prepare(&segment.setup, &input);
            // An `.out/` folder makes trycmd copy `.in/` into a sandbox, so
            // the examples can write files.
            let output = work.path().join(format!("{stem}.out"));
            std::fs::create_dir_all(&output).expect("mkdir .out");
            std::fs::write(output.join(".keep"), "").expect(".keep");
            std::fs::write(&file, case_text(&page, &blocks, &segment.blocks)).expect("case");
            commands += segment
                .blocks
                .iter()
                .map(|&b| blocks[b].commands().count())
                .sum::<usize>();
            eprintln!(
                "{} is {} from line {} (setup `{}`)",
                file.display(),
                page.rel,
                segment.line + 1,
                segment.setup
            );
            cases.push(Case {
                page: page.rel.clone(),
                segment_line: segment.line,
                file,
                blocks: segment.blocks.clone(),
            });
        }
    }
    eprintln!("{commands} documented commands in {} segments", cases.len());

    let tests = trycmd::TestCases::new();
    tests
        .register_bin("cxtrain", Path::new(env!("CARGO_BIN_EXE_cxtrain")))
        .env(
            cxtrain::remote::CACHE_DIR_ENV,
            cache.path().display().to_string(),
        )
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .timeout(std::time::Duration::from_secs(120));
    for case in &cases {
        tests.case(&case.file);
    }
    tests.run();
    drop(tests);

    if std::env::var_os("TRYCMD").is_some_and(|m| m == "overwrite") {
        write_back(&cases);
    }
    assert!(commands >= 30, "only {commands} documented commands run");
}

/// Copies the blocks trycmd rewrote in the case files back into the pages.
fn write_back(cases: &[Case]) {
    for case in cases {
        let page = Page::read(&case.page);
        let written = std::fs::read_to_string(&case.file).expect("case file");
        let new_blocks = pages::blocks(&written);
        let old_blocks = page.blocks();
        assert_eq!(
            new_blocks.len(),
            old_blocks.len(),
            "{}: an output holds a code fence; open that block with a longer fence (````console)",
            case.page
        );
        let lines = page.lines();
        // Blocks keep their order; replace each kept one's body.
        let mut out: Vec<String> = Vec::new();
        let mut i = 0;
        for (index, old) in old_blocks.iter().enumerate() {
            out.extend(lines[i..=old.open].iter().map(|l| (*l).to_owned()));
            if case.blocks.contains(&index) {
                out.extend(new_blocks[index].body.iter().cloned());
            } else {
                out.extend(old.body.iter().cloned());
            }
            i = old.close;
        }
        out.extend(lines[i..].iter().map(|l| (*l).to_owned()));
        let text = out.join("\n") + "\n";
        if text != page.text {
            std::fs::write(pages::root().join(&case.page), text).expect("write page");
            eprintln!(
                "rewrote the examples of {} from line {}",
                case.page,
                case.segment_line + 1
            );
        }
    }
}
