//! Command-line definitions (clap). Argument wiring only: every flag of every
//! command is declared and documented here, and nothing here does work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::plan::Fingerprint;

/// Trainings-as-code for OpenCX AI: keep trainings as Markdown files in git,
/// validate them offline, plan against the live API, apply safely.
#[derive(Debug, Parser)]
#[command(
    name = "cxtrain",
    version,
    about,
    max_term_width = 100,
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// Flags every command accepts.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// `--api-url`/`--local` written before the command name (`cxtrain
    /// --local plan`): used by the commands that talk to a remote, ignored
    /// by the others, and not shown in any help.
    #[command(flatten)]
    pub leading_remote: LeadingRemoteArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The environment the remote commands read, for their `--help`.
macro_rules! remote_env {
    () => {
        "\
Environment:
  OPENCX_API_KEY  the API key (read only from here; never printed or saved)
  OPENCX_API_URL  the API base URL, like --api-url
  CXTRAIN_ENV     the environment to use, like --env

"
    };
}

/// The last line of every exit-code list.
macro_rules! usage_exit {
    () => {
        "  64  usage error: an unknown flag, a missing or out-of-range value"
    };
}

/// The exit codes, as the top-level `--help` shows them.
const EXIT_CODES: &str = concat!(
    "\
Exit codes:
  0   success; with `plan --detailed-exitcode`: no changes
  1   runtime or API error; a failed or interrupted apply
  2   changes present (only with `plan --detailed-exitcode`)
  3   invalid input: trainings, config or a `--target` that matches nothing
  4   refused for safety: stale or edited plan, delete budget, conflict
",
    usage_exit!()
);

/// Flags every command accepts, listed under their own heading.
///
/// `-q` and `-v` mean the same everywhere: `-q` prints only errors and
/// results (no warnings, notes, hints or progress); `-v` adds what was
/// asked of the remote (requests, retries) and how long it took.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Where to start looking for `cxtrain.toml` (this folder, then its
    /// parents); the folder holding it is the repository root.
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
    /// Config file (default: `cxtrain.toml` in `--dir` or a parent); the
    /// repository root is then `--dir`.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// When to use colours (`NO_COLOR` is respected with `auto`).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print only errors and results: no warnings, notes, hints or progress.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print requests, retries and timings.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Which remote a command talks to: the flags of the commands that talk to
/// one (`plan`, `apply`, `pull`, `status`, `search`, `generate`,
/// `doctor`).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Remote options")]
pub struct RemoteArgs {
    /// API base URL (overrides `api_url` in the config).
    #[arg(
        long,
        env = "OPENCX_API_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub api_url: Option<String>,
    /// Use the embedded local remote (an emulator on 127.0.0.1 with state in
    /// `.cxtrain/local-state.json`, one file per environment) instead of the
    /// real API.
    #[arg(long)]
    pub local: bool,
}

/// [`RemoteArgs`] before the command name, hidden (see [`Cli::leading_remote`]).
/// A copy rather than [`RemoteArgs`] flattened twice: these read no
/// environment variable (`OPENCX_API_URL` read here would win over an
/// `--api-url` written after the command name) and show in no help.
#[derive(Debug, Clone, Default, Args)]
pub struct LeadingRemoteArgs {
    /// API base URL.
    #[arg(
        long = "api-url",
        id = "leading_api_url",
        hide = true,
        value_name = "URL"
    )]
    pub api_url: Option<String>,
    /// The embedded local remote.
    #[arg(long = "local", id = "leading_local", hide = true)]
    pub local: bool,
}

/// `--color` values.
///
/// The variants' docs, here and in the other format enums, are for readers
/// of the code only (`help = None`): help on a possible value would switch
/// every `--help` to the long, one-line-per-word layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal, unless `NO_COLOR` is set.
    #[value(help = None::<&str>)]
    Auto,
    /// Colour even into a pipe or file.
    #[value(help = None::<&str>)]
    Always,
    /// No colour.
    #[value(help = None::<&str>)]
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the trainings offline: syntax, schema, limits, whole-corpus rules.
    Validate(ValidateArgs),
    /// Compare the files with the remote and show what apply would change.
    #[command(after_help = PLAN_HELP)]
    Plan(PlanArgs),
    /// Apply a saved plan, or plan and apply.
    #[command(after_help = APPLY_HELP)]
    Apply(ApplyArgs),
    /// Print a saved plan again, in any plan format.
    Show(ShowArgs),
    /// Write remote trainings into files (adopting them).
    Pull(PullArgs),
    /// Rewrite front matter canonically without touching bodies.
    Fmt(FmtArgs),
    /// Scaffold `cxtrain.toml`, an example scenario and a CI workflow.
    Init(InitArgs),
    /// Semantic search through the API, mapped back to local files.
    Search(SearchArgs),
    /// Show the remote inventory: this workspace's trainings and how each
    /// compares with its file, the others (`--all`), and the directory ids.
    #[command(after_help = STATUS_HELP)]
    Status(StatusArgs),
    /// Write a new draft scenario file from a chat session.
    Generate(GenerateArgs),
    /// Check the config, the API key and the API; `--probe` also measures
    /// what the API does not document, with a scratch training it deletes.
    #[command(after_help = DOCTOR_HELP)]
    Doctor(DoctorArgs),
    /// Print the JSON Schema of the scenario front matter.
    Schema,
    /// Serve the local API emulator.
    Emulator(EmulatorArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
}

/// What `plan --help` shows after the flags.
const PLAN_HELP: &str = concat!(
    "Examples:
  cxtrain plan --local                 try it against the embedded local remote
  cxtrain plan --out plan.json         save the plan; `cxtrain apply plan.json` applies it
  cxtrain plan --format markdown --detailed-exitcode > plan.md
                                       CI: a pull-request comment; exit 2 when it has changes

",
    remote_env!(),
    "\
Exit codes:
  0   success; with --detailed-exitcode: no changes
  1   runtime or API error
  2   changes present (only with --detailed-exitcode)
  3   invalid input: trainings, config or a --target that matches nothing
  4   refused for safety: conflict without --force, delete budget exceeded
",
    usage_exit!()
);

/// What `apply --help` shows after the flags.
const APPLY_HELP: &str = concat!(
    "Examples:
  cxtrain apply plan.json              apply exactly the saved (reviewed) plan
  cxtrain apply --local                plan and apply against the embedded local remote
  cxtrain apply --yes --parallelism 8  unattended (CI): no prompt, 8 changes at once

",
    remote_env!(),
    "\
Exit codes:
  0   every change applied, or nothing to do
  1   a change failed; apply was interrupted, or stopped because the server
      stopped answering; or the answer was no
  3   invalid input: trainings or config
  4   refused for safety: stale or edited plan file, delete budget, conflict
      without --force, no --yes when stdin is not a terminal
",
    usage_exit!()
);

/// What `doctor --help` shows after the flags.
const DOCTOR_HELP: &str = concat!(
    "Examples:
  cxtrain doctor                       check the setup (reads only; removes a leftover probe)
  cxtrain doctor --probe               also measure the API with a scratch training (asks first)
  cxtrain doctor --probe --yes --format json
                                       CI: the facts as JSON (put_on_published, ...)

",
    remote_env!(),
    "\
Exit codes:
  0   every check passed (and the probe ran and cleaned up)
  1   a check failed, the probe failed or was interrupted, or the answer was no
  4   --probe without --yes when stdin is not a terminal
",
    usage_exit!()
);

/// What `status --help` shows after the flags.
const STATUS_HELP: &str = concat!(
    "Examples:
  cxtrain status                       this workspace's trainings, their files and drift
  cxtrain status --all                 also every other training, and every directory id
  cxtrain status --all --format json   the same, for tools

",
    remote_env!(),
    "\
Exit codes:
  0   the inventory was read
  1   runtime or API error
  3   invalid input: trainings or config (`workspace` is required)
",
    usage_exit!()
);

/// `validate` flags.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Repository to check (overrides `--dir`).
    pub repo: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ValidateFormat::Human)]
    pub format: ValidateFormat,
    /// Fail on warnings too.
    #[arg(long)]
    pub strict: bool,
}

/// `validate --format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    /// Annotated source excerpts, for a terminal.
    #[value(help = None::<&str>)]
    Human,
    /// One JSON document, for scripts.
    #[value(help = None::<&str>)]
    Json,
    /// GitHub Actions annotations on the offending lines.
    #[value(help = None::<&str>)]
    Github,
}

/// `--env` for commands that work on one environment.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Remote options")]
pub struct EnvArg {
    /// The environment (`[environments.NAME]` in cxtrain.toml) to work on
    /// (default: `default_env`).
    #[arg(
        long = "env",
        env = "CXTRAIN_ENV",
        hide_env_values = true,
        value_name = "NAME"
    )]
    pub env: Option<String>,
}

/// `plan` flags.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The environment (`[environments.NAME]` in cxtrain.toml) to plan;
    /// repeat it to plan several into one document (default: `default_env`).
    #[arg(
        long = "env",
        env = "CXTRAIN_ENV",
        hide_env_values = true,
        value_name = "NAME",
        action = clap::ArgAction::Append,
        help_heading = "Remote options"
    )]
    pub env: Vec<String>,
    /// Write the plan to FILE for `apply`; with several `--env`, FILE holds
    /// `{env}`, which becomes each environment's name (one file each).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// How to print the plan.
    #[command(flatten)]
    pub format: PlanFormatArgs,
    /// Exit 0 with no changes, 2 with changes, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Limit the plan to these files or folders (relative to the
    /// repository); each must hold a training.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub target: Vec<PathBuf>,
    /// Delete and conflict guards.
    #[command(flatten)]
    pub safety: SafetyArgs,
    /// Which remote to plan against.
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// How `plan` and `show` print a plan.
#[derive(Debug, Clone, Copy, Args)]
pub struct PlanFormatArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    /// With `--format markdown`: cut the plan, with a visible note, to fit
    /// BYTES (GitHub's comment limit by default); 0 keeps the whole plan
    /// (e.g. for a job summary).
    #[arg(long, default_value_t = 65_536, value_name = "BYTES")]
    pub comment_limit: usize,
}

/// `plan --format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// Coloured diffs, for a terminal.
    #[value(help = None::<&str>)]
    Human,
    /// A pull-request comment.
    #[value(help = None::<&str>)]
    Markdown,
    /// The documented plan JSON, for scripts.
    #[value(help = None::<&str>)]
    Json,
}

/// Delete guards shared by `plan` and `apply`.
#[derive(Debug, Clone, Args)]
pub struct SafetyArgs {
    /// Never delete remote trainings.
    #[arg(long)]
    pub no_delete: bool,
    /// Allow up to N deletes (overrides `safety.max_deletes`).
    #[arg(long, value_name = "N")]
    pub allow_deletes: Option<usize>,
    /// Apply even over conflicts (remote and file both changed).
    #[arg(long)]
    pub force: bool,
}

/// `apply` flags.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved with `plan --out`; without it, plan then apply.
    pub plan_file: Option<PathBuf>,
    /// Do not ask for confirmation (required when stdin is not a TTY).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Changes in flight at once (1 to 64).
    #[arg(
        long,
        default_value_t = 4,
        value_name = "N",
        value_parser = clap::value_parser!(u16).range(1..=64)
    )]
    pub parallelism: u16,
    /// Refuse (exit 4, nothing written) unless the plan to apply has this
    /// fingerprint: the one `plan` printed for the reviewed plan.
    #[arg(long, value_name = "FP")]
    pub expect_fingerprint: Option<Fingerprint>,
    /// Delete and conflict guards.
    #[command(flatten)]
    pub safety: SafetyArgs,
    /// The environment to apply to.
    #[command(flatten)]
    pub env: EnvArg,
    /// Which remote to apply to.
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// `show` flags.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A plan saved with `plan --out`.
    pub plan_file: PathBuf,
    /// How to print the plan.
    #[command(flatten)]
    pub format: PlanFormatArgs,
}

/// `pull` flags.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// Pull only these trainings: keys (`billing/refund-late`), or files and
    /// folders (relative to the repository).
    #[arg(value_name = "PATH|KEY")]
    pub targets: Vec<String>,
    /// Include trainings no workspace owns: each gets an `[adopt]` entry in
    /// cxtrain.toml so the next apply tags it instead of creating a copy
    /// (entries may be removed once applied).
    #[arg(long)]
    pub all: bool,
    /// Overwrite local files that differ, showing what each said.
    #[arg(long)]
    pub force: bool,
    /// Adopt the hand-made training ID as key KEY (writes `[adopt]` and its
    /// file); with KEY alone, the one hand-made training that looks like the
    /// file with that key (same title, or near-identical content). Pulls only
    /// the adopted trainings. Repeatable.
    #[arg(
        long,
        value_name = "KEY[=ID]",
        conflicts_with_all = ["all", "targets"]
    )]
    pub adopt: Vec<crate::ops::pull::Adopt>,
    /// The environment to pull from.
    #[command(flatten)]
    pub env: EnvArg,
    /// Which remote to pull from.
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// `fmt` flags.
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Report files that would change and exit 3 instead of writing.
    #[arg(long)]
    pub check: bool,
}

/// `init` flags.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Workspace name: the ownership tag of every training this repository
    /// manages, written once and never changed (default: the folder name).
    #[arg(long)]
    pub workspace: Option<String>,
    /// Write a fresh `cxtrain.toml` over an existing one (its root and
    /// workspace are kept; the old file is saved as `cxtrain.toml.bak`).
    #[arg(long)]
    pub force: bool,
    /// The published cxtrain action the workflow uses, as `OWNER/REPO@REF`
    /// (without it and without a release build that knows, no workflow is
    /// written).
    #[arg(long, value_name = "OWNER/REPO@REF", value_parser = crate::ops::init::valid_action)]
    pub action: Option<String>,
}

/// `status` flags.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Also list the trainings this workspace does not manage (hand-made,
    /// or another workspace's), and count directory ids over every training.
    #[arg(long)]
    pub all: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = StatusFormat::Human)]
    pub format: StatusFormat,
    /// The environment to list.
    #[command(flatten)]
    pub env: EnvArg,
    /// Which remote to list.
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// `status --format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    /// Tables, for a terminal.
    #[value(help = None::<&str>)]
    Human,
    /// The inventory as JSON, for scripts.
    #[value(help = None::<&str>)]
    Json,
}

/// `search` flags.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What to look for.
    pub query: String,
    /// Maximum hits.
    #[arg(long, default_value_t = 10)]
    pub limit: u32,
    /// The environment to search.
    #[command(flatten)]
    pub env: EnvArg,
    /// Which remote to search.
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// `generate` flags.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The chat session to learn from.
    #[arg(long, value_name = "ID")]
    pub session: String,
    /// Where to write the file (default: `<root>/<slug>.md`).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The environment whose remote generates.
    #[command(flatten)]
    pub env: EnvArg,
    /// Which remote generates.
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// `doctor` flags.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Also measure what the API does not document (what an update does to
    /// a published training, whether it takes metadata, the toggle, move
    /// and delete calls) with one scratch draft training, always deleted.
    /// Writes: asks first.
    #[arg(long)]
    pub probe: bool,
    /// Do not ask before probing (required when stdin is not a TTY).
    #[arg(long, short = 'y', requires = "probe")]
    pub yes: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DoctorFormat::Human)]
    pub format: DoctorFormat,
    /// The environment to check.
    #[command(flatten)]
    pub env: EnvArg,
    /// Which remote to check.
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// `doctor --format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DoctorFormat {
    /// A table, for a terminal.
    #[value(help = None::<&str>)]
    Human,
    /// Every check and probed fact as JSON, for scripts.
    #[value(help = None::<&str>)]
    Json,
}

/// `emulator` flags.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8787)]
    pub port: u16,
    /// JSON state file (loaded at start, written atomically on change).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// The bearer token clients must send.
    #[arg(
        long,
        env = "OPENCX_EMULATOR_API_KEY",
        hide_env_values = true,
        default_value = "ocx_test_local"
    )]
    pub api_key: String,
    /// Requests per minute before answering 429 (0 = unlimited).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub rate_limit: u32,
    /// Rate-limit headers on every answer while --rate-limit is set.
    #[arg(long, value_enum, default_value_t = EmulatorRateLimitHeaders::None)]
    pub rate_limit_headers: EmulatorRateLimitHeaders,
    /// Added latency per request, in milliseconds.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency_ms: u64,
    /// Fraction of requests answered 500 (0.0 to 1.0).
    #[arg(long, default_value_t = 0.0, value_name = "RATE")]
    pub error_rate: f64,
    /// Answer every Nth request with 429 (0 = never).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub burst_429_every: u64,
    /// Fraction of writes committed and then answered by dropping the
    /// connection (0.0 to 1.0).
    #[arg(long, default_value_t = 0.0, value_name = "RATE")]
    pub drop_rate: f64,
    /// Seed for fault injection (the same seed gives the same faults).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// What a PUT on a published training does.
    #[arg(long, value_enum, default_value_t = EmulatorUpdateMode::Publish)]
    pub update_mode: EmulatorUpdateMode,
    /// Refuse a PUT carrying `metadata` with 400 "property metadata should
    /// not exist", as a strict server whose update schema lists no metadata.
    #[arg(long)]
    pub refuse_update_metadata: bool,
}

/// `emulator --update-mode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EmulatorUpdateMode {
    /// The new text goes live at once.
    Publish,
    /// The new text waits as a draft (`draft_title`/`draft_content`).
    Stage,
    /// Like `stage`, but a text equal to the live one leaves an older
    /// pending draft in place.
    StageStale,
}

/// `emulator --rate-limit-headers` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EmulatorRateLimitHeaders {
    /// Only `Retry-After` on a 429.
    None,
    /// `X-RateLimit-Limit`, `-Remaining`, `-Reset`.
    XRatelimit,
    /// The IETF `RateLimit` and `RateLimit-Policy` fields.
    Ietf,
}

/// `completions` flags.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate for.
    pub shell: clap_complete::Shell,
}
