//! The commands-and-flags reference, `docs/src/reference/commands.md`, and
//! the man pages in `docs/man/` are generated from the clap definitions
//! (`cxtrain::cli::Cli`), so they cannot drift from the binary: these tests
//! fail when the checked-in files differ from what the definitions give, and
//! `CXTRAIN_UPDATE_DOCS=1` rewrites them.

use std::fmt::Write as _;

use clap::CommandFactory;
use cxtrain::cli::Cli;

use super::pages;

/// Where the generated page lives, relative to the repository root.
const PAGE: &str = "docs/src/reference/commands.md";

/// The page as the clap definitions describe the commands.
fn generate() -> String {
    let mut cli = Cli::command();
    cli.build();
    let mut out = String::from(
        "# Commands and flags\n\n\
         <!-- Generated from src/cli.rs by tests/it/docs/reference.rs: do not edit. \
         Regenerate with `CXTRAIN_UPDATE_DOCS=1 cargo test --test it docs::`. -->\n\n\
         Every command and flag, generated from the definitions the binary parses \
         (`cxtrain --help` and `cxtrain help COMMAND` print the same). What the \
         exit codes mean is in [Exit codes](exit-codes.md); the variables in \
         [Environment variables](environment.md). The same text as man pages, \
         generated from the same definitions, is in `docs/man/` (`man -l \
         docs/man/cxtrain-plan.1`).\n\n",
    );
    for sub in cli
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let _ = writeln!(out, "- [`cxtrain {0}`](#cxtrain-{0})", sub.get_name());
    }
    out.push('\n');
    section(&mut out, &mut cli.clone(), "cxtrain", true);
    let names: Vec<String> = cli
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        let sub = cli.find_subcommand_mut(&name).expect("subcommand");
        section(&mut out, sub, &format!("cxtrain {name}"), false);
    }
    out
}

/// One command's section: what it does, its usage, its arguments by
/// heading, and its extra help (examples, environment, exit codes).
fn section(out: &mut String, cmd: &mut clap::Command, title: &str, top: bool) {
    let _ = writeln!(out, "## `{title}`\n");
    if let Some(about) = cmd.get_long_about().or(cmd.get_about()) {
        let _ = writeln!(out, "{}\n", about.to_string().trim());
    }
    let usage = cmd.render_usage().to_string();
    let _ = writeln!(out, "```text\n{}\n```\n", usage.trim());
    let mut groups: Vec<(String, Vec<&clap::Arg>)> = Vec::new();
    for arg in cmd.get_arguments() {
        let id = arg.get_id().as_str();
        if arg.is_hide_set() || id == "help" || id == "version" || (!top && arg.is_global_set()) {
            continue;
        }
        let heading = match arg.get_help_heading() {
            Some(h) => h.to_owned(),
            None if arg.is_positional() => "Arguments".to_owned(),
            None => "Options".to_owned(),
        };
        match groups.iter_mut().find(|(h, _)| *h == heading) {
            Some((_, args)) => args.push(arg),
            None => groups.push((heading, vec![arg])),
        }
    }
    for (heading, args) in groups {
        let _ = writeln!(
            out,
            "**{heading}**\n\n| {} | Description |\n|---|---|",
            if heading == "Arguments" {
                "Argument"
            } else {
                "Option"
            }
        );
        for arg in args {
            let _ = writeln!(out, "| {} | {} |", spelling(arg), cell(&describe(arg)));
        }
        out.push('\n');
    }
    if !top && let Some(after) = cmd.get_after_long_help().or(cmd.get_after_help()) {
        let _ = writeln!(out, "```text\n{}\n```\n", after.to_string().trim_end());
    }
    if top {
        out.push_str(
            "Global options may be written before or after the command name. \
             The remote options (`--api-url`, `--local`) may also come before the \
             command name (`cxtrain --local plan`), where the commands that talk to \
             no remote ignore them.\n\n",
        );
    }
}

/// How an argument is written: `` `-q`, `--quiet` ``, `` `--out <FILE>` ``,
/// `` `<REPO>` ``.
fn spelling(arg: &clap::Arg) -> String {
    let names: Vec<String> = arg
        .get_value_names()
        .map(|v| v.iter().map(|n| format!("<{n}>")).collect())
        .unwrap_or_else(|| vec![format!("<{}>", arg.get_id().as_str().to_uppercase())]);
    if arg.is_positional() {
        let many = matches!(arg.get_action(), clap::ArgAction::Append);
        return format!("`{}{}`", names.join(" "), if many { "..." } else { "" });
    }
    let mut forms = Vec::new();
    if let Some(s) = arg.get_short() {
        forms.push(format!("-{s}"));
    }
    if let Some(l) = arg.get_long() {
        forms.push(format!("--{l}"));
    }
    let takes = arg.get_action().takes_values();
    forms
        .iter()
        .map(|f| {
            if takes {
                format!("`{f} {}`", names.join(" "))
            } else {
                format!("`{f}`")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// An argument's help, then its values, default and environment variable.
fn describe(arg: &clap::Arg) -> String {
    let mut text = arg
        .get_long_help()
        .or(arg.get_help())
        .map(|h| h.to_string().trim_end().to_owned())
        .unwrap_or_default();
    if !text.is_empty() && !text.ends_with(['.', ')', ':']) {
        text.push('.');
    }
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| match v.get_help() {
            Some(h) => format!(
                "`{}` ({})",
                v.get_name(),
                h.to_string().trim_end_matches('.')
            ),
            None => format!("`{}`", v.get_name()),
        })
        .collect();
    if !values.is_empty() && arg.get_action().takes_values() {
        let _ = write!(text, " Values: {}.", values.join(", "));
    }
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|d| format!("`{}`", d.to_string_lossy()))
        .collect();
    if !defaults.is_empty() && arg.get_action().takes_values() {
        let _ = write!(text, " Default: {}.", defaults.join(", "));
    }
    if let Some(env) = arg.get_env() {
        let _ = write!(text, " Environment: `{}`.", env.to_string_lossy());
    }
    text
}

/// Text fit for one table cell: one line, `|` escaped.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

#[test]
fn the_commands_reference_is_generated_from_the_cli() {
    let path = pages::root().join(PAGE);
    let fresh = generate();
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current == fresh {
        return;
    }
    if pages::update_requested() {
        std::fs::write(&path, fresh).expect("write the reference");
        return;
    }
    panic!(
        "{PAGE} is stale: the clap definitions changed. Regenerate it with\n  \
         CXTRAIN_UPDATE_DOCS=1 cargo test --test it docs::\nand commit the result."
    );
}

/// Where the man pages live, relative to the repository root.
const MAN: &str = "docs/man";

#[test]
fn the_man_pages_are_generated_from_the_cli() {
    let fresh = tempfile::tempdir().expect("tempdir");
    clap_mangen::generate_to(Cli::command(), fresh.path()).expect("man pages");
    let checked_in = pages::root().join(MAN);
    let names = |dir: &std::path::Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    let expected = names(fresh.path());
    assert!(expected.contains(&"cxtrain.1".to_owned()) && expected.len() > 10);
    let same = names(&checked_in) == expected
        && expected.iter().all(|n| {
            std::fs::read(fresh.path().join(n)).ok() == std::fs::read(checked_in.join(n)).ok()
        });
    if same {
        return;
    }
    if pages::update_requested() {
        let _ = std::fs::remove_dir_all(&checked_in);
        std::fs::create_dir_all(&checked_in).expect("mkdir docs/man");
        for n in &expected {
            std::fs::copy(fresh.path().join(n), checked_in.join(n)).expect("copy man page");
        }
        return;
    }
    panic!(
        "{MAN}/ is stale: the clap definitions changed. Regenerate it with\n  \
         CXTRAIN_UPDATE_DOCS=1 cargo test --test it docs::\nand commit the result."
    );
}

#[test]
fn the_reference_names_every_command_and_flag() {
    let page = generate();
    let mut cli = Cli::command();
    cli.build();
    for sub in cli.get_subcommands().filter(|s| s.get_name() != "help") {
        assert!(page.contains(&format!("## `cxtrain {}`", sub.get_name())));
        let shown = sub.get_arguments().filter(|a| {
            !a.is_hide_set()
                && !a.is_global_set()
                && !matches!(a.get_id().as_str(), "help" | "version")
        });
        for arg in shown {
            if let Some(long) = arg.get_long() {
                assert!(page.contains(&format!("`--{long}")), "--{long} missing");
            }
        }
    }
}
