//! Command-line definitions (clap). Argument wiring only: every flag of every
//! command is declared and documented here, and nothing here does work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::plan::Fingerprint;

/// Trainings-as-code for OpenCX AI: keep trainings as Markdown files in git,
/// validate them offline, plan against the live API, apply safely.
#[derive(Debug, Parser)]
#[command(name = "cxtrain", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Where to start looking for `cxtrain.toml` (this folder, then its
    /// parents); the folder holding it is the repository root.
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
    /// Config file (default: `cxtrain.toml` in `--dir` or a parent); the
    /// repository root is then `--dir`.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// API base URL (overrides `api_url` in the config).
    #[arg(long, global = true, env = "OPENCX_API_URL", value_name = "URL")]
    pub api_url: Option<String>,
    /// Use the embedded local remote (an emulator on 127.0.0.1 with state in
    /// `.cxtrain/local-state.json`, one file per environment) instead of the
    /// real API.
    #[arg(long, global = true)]
    pub local: bool,
    /// When to use colours (`NO_COLOR` is respected with `auto`).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print less (only errors and results).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more (requests, timings).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the trainings offline: syntax, schema, limits, whole-corpus rules.
    Validate(ValidateArgs),
    /// Compare the files with the remote and show what apply would change.
    Plan(PlanArgs),
    /// Apply a saved plan, or plan and apply.
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
    /// Write a new draft scenario file from a chat session.
    Generate(GenerateArgs),
    /// Check the config, the API key and the API; `--probe` also measures
    /// what the API does not document, with a scratch training it deletes.
    Doctor(DoctorArgs),
    /// Print the JSON Schema of the scenario front matter.
    Schema,
    /// Serve the local API emulator.
    Emulator(EmulatorArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
}

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
    Human,
    Json,
    Github,
}

/// `--env` for commands that work on one environment.
#[derive(Debug, Clone, Args)]
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
        action = clap::ArgAction::Append
    )]
    pub env: Vec<String>,
    /// Write the plan to FILE for `apply`; with several `--env`, FILE holds
    /// `{env}`, which becomes each environment's name (one file each).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    /// Exit 0 with no changes, 2 with changes, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Limit the plan to these files or folders.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub target: Vec<PathBuf>,
    #[command(flatten)]
    pub safety: SafetyArgs,
}

/// `plan --format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Human,
    Markdown,
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
    /// Changes in flight at once.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub parallelism: usize,
    /// Refuse (exit 4, nothing written) unless the plan to apply has this
    /// fingerprint: the one `plan` printed for the reviewed plan.
    #[arg(long, value_name = "FP")]
    pub expect_fingerprint: Option<Fingerprint>,
    #[command(flatten)]
    pub safety: SafetyArgs,
    #[command(flatten)]
    pub env: EnvArg,
}

/// `show` flags.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A plan saved with `plan --out`.
    pub plan_file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
}

/// `pull` flags.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// Include trainings no workspace owns: each gets an `[adopt]` entry in
    /// cxtrain.toml so the next apply tags it instead of creating a copy
    /// (entries may be removed once applied).
    #[arg(long)]
    pub all: bool,
    /// Overwrite local files that differ.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub env: EnvArg,
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
    /// Workspace name (default: the folder name).
    #[arg(long)]
    pub workspace: Option<String>,
}

/// `search` flags.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What to look for.
    pub query: String,
    /// Maximum hits.
    #[arg(long, default_value_t = 10)]
    pub limit: u32,
    #[command(flatten)]
    pub env: EnvArg,
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
    #[command(flatten)]
    pub env: EnvArg,
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
    #[command(flatten)]
    pub env: EnvArg,
}

/// `doctor --format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DoctorFormat {
    Human,
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
    /// What a PUT on a published training does: publish the new text, or
    /// stage it as a draft (`draft_title`/`draft_content`); `stage-stale`
    /// stages too, but a text equal to the live one leaves an older pending
    /// draft in place.
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
    Publish,
    Stage,
    StageStale,
}

/// `completions` flags.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate for.
    pub shell: clap_complete::Shell,
}
