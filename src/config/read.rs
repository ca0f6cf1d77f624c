//! Reading `cxtrain.toml`: the TOML tree with spans, walked key by key, so
//! one run reports every problem of the file — syntax, unknown keys (with a
//! did-you-mean), wrong types, values that cannot work — each at its span.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::{Range, RangeInclusive};
use std::path::Path;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::environment::{self, Environment, PartialDefaults};
use super::{
    ApiSettings, Config, ConfigProblem, DEFAULT_API_KEY_ENV, DEFAULT_API_URL, Defaults, Limits,
    Safety,
};
use crate::model::{CONTENT_MIN, TITLE_MIN, TrainingType};
use crate::repo_path::RepoPath;
use crate::suggest::did_you_mean;

type Key<'i> = Spanned<Cow<'i, str>>;
type Item<'i> = Spanned<DeValue<'i>>;

const TOP: &[&str] = &[
    "root",
    "workspace",
    "api_url",
    "api_key_env",
    "default_env",
    "ignore",
    "defaults",
    "directories",
    "adopt",
    "safety",
    "api",
    "limits",
    "environments",
];
const ENVIRONMENT: &[&str] = &[
    "api_url",
    "api_key_env",
    "workspace",
    "directories",
    "adopt",
    "defaults",
    "safety",
];
const DEFAULTS: &[&str] = &["draft", "type"];
const SAFETY: &[&str] = &["max_deletes"];
const API: &[&str] = &[
    "requests_per_minute",
    "timeout_secs",
    "backoff_ms",
    "max_trainings",
    "max_body_bytes",
    "put_accepts_metadata",
];
const LIMITS: &[&str] = &["title_max", "content_max"];

/// The config `text` means for the repository at `repo_dir`, or every
/// problem it has.
pub(super) fn read(repo_dir: &Path, text: &str) -> Result<Config, Vec<ConfigProblem>> {
    let (doc, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        return Err(errors.iter().map(|e| syntax(e, text)).collect());
    }
    let mut reader = Reader::default();
    let config = reader.top(repo_dir, doc.get_ref());
    if reader.problems.is_empty() {
        Ok(config)
    } else {
        reader.problems.sort_by_key(|p| (p.span.start, p.span.end));
        Err(reader.problems)
    }
}

fn syntax(e: &toml::de::Error, text: &str) -> ConfigProblem {
    let span = e.span().unwrap_or(0..0);
    let span = span.start.min(text.len())..span.end.min(text.len());
    ConfigProblem {
        span,
        message: format!("invalid TOML: {}", e.message().trim()),
        label: "here".to_owned(),
        help: None,
    }
}

/// The shared settings as the file spells them, before defaults.
#[derive(Default)]
struct Shared {
    root: Option<Spanned<String>>,
    workspace: Option<String>,
    api_url: Option<String>,
    api_key_env: Option<String>,
    default_env: Option<Spanned<String>>,
    ignore: Vec<String>,
    defaults: PartialDefaults,
    directories: BTreeMap<String, String>,
    adopt: BTreeMap<String, String>,
    max_deletes: Option<usize>,
    api: ApiSettings,
    limits: Limits,
    environments: BTreeMap<String, (Range<usize>, Environment)>,
}

/// Collects problems while converting the tree.
#[derive(Default)]
struct Reader {
    problems: Vec<ConfigProblem>,
}

/// What an integer setting accepts, and why.
struct Bounds {
    range: RangeInclusive<u64>,
    why: &'static str,
}

impl Bounds {
    const ANY: Bounds = Bounds {
        range: 0..=u64::MAX,
        why: "",
    };

    fn describe(&self) -> String {
        match (*self.range.start(), *self.range.end()) {
            (0, u64::MAX) => "a whole number, 0 or more".to_owned(),
            (min, u64::MAX) => format!("at least {min}"),
            (min, max) => format!("between {min} and {max}"),
        }
    }
}

impl Reader {
    fn problem(&mut self, span: Range<usize>, message: String, label: &str, help: Option<String>) {
        self.problems.push(ConfigProblem {
            span,
            message,
            label: label.to_owned(),
            help,
        });
    }

    fn top(&mut self, repo_dir: &Path, table: &DeTable<'_>) -> Config {
        let mut s = Shared {
            api: ApiSettings::default(),
            limits: Limits::default(),
            ..Shared::default()
        };
        for (key, item) in table.iter() {
            match key.get_ref().as_ref() {
                "root" => s.root = self.string("root", item),
                "workspace" => s.workspace = self.workspace("workspace", item),
                "api_url" => s.api_url = self.api_url("api_url", item),
                "api_key_env" => s.api_key_env = self.key_variable("api_key_env", item),
                "default_env" => s.default_env = self.string("default_env", item),
                "ignore" => s.ignore = self.globs(item),
                "defaults" => s.defaults = self.defaults("defaults", item),
                "directories" => s.directories = self.directories("directories", item),
                "adopt" => s.adopt = self.adopt("adopt", item),
                "safety" => s.max_deletes = self.safety("safety", item),
                "api" => self.api(item, &mut s.api),
                "limits" => self.limits(item, &mut s.limits),
                "environments" => s.environments = self.environments(item),
                _ => self.unknown(key, None, TOP),
            }
        }
        let root = self.root(repo_dir, s.root.as_ref());
        self.cross_checks(&s);
        Config {
            root,
            workspace: s.workspace,
            api_url: s.api_url.unwrap_or_else(|| DEFAULT_API_URL.to_owned()),
            api_key_env: s
                .api_key_env
                .unwrap_or_else(|| DEFAULT_API_KEY_ENV.to_owned()),
            ignore: s.ignore,
            defaults: s.defaults.over(Defaults::default()),
            directories: s.directories,
            adopt: s.adopt,
            safety: Safety {
                max_deletes: s.max_deletes.unwrap_or(Safety::default().max_deletes),
            },
            api: s.api,
            limits: s.limits,
            environments: s
                .environments
                .into_iter()
                .map(|(name, (_, env))| (name, env))
                .collect(),
            default_env: s.default_env.map(Spanned::into_inner),
            environment: None,
        }
    }

    /// Problems that involve several settings.
    fn cross_checks(&mut self, s: &Shared) {
        if let Some(name) = &s.default_env
            && !s.environments.contains_key(name.get_ref())
        {
            let help = environment::unknown_help(name.get_ref(), s.environments.keys());
            self.problem(
                name.span(),
                format!(
                    "`default_env` names `{}`, which is not an environment",
                    name.get_ref()
                ),
                "no such environment",
                Some(help),
            );
        }
        // One key variable sent to two URLs would hand one organisation's
        // key to another's server.
        let shared_url = s.api_url.as_deref().unwrap_or(DEFAULT_API_URL);
        let shared_var = s.api_key_env.as_deref().unwrap_or(DEFAULT_API_KEY_ENV);
        let mut seen: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
        for (name, (span, env)) in &s.environments {
            let var = env.api_key_env.as_deref().unwrap_or(shared_var);
            let url = env.api_url.as_deref().unwrap_or(shared_url);
            match seen.get(var) {
                Some((other, other_url)) if *other_url != url => self.problem(
                    span.clone(),
                    format!(
                        "environments `{other}` and `{name}` both read their API key from {var} \
                         but talk to different URLs"
                    ),
                    "shares a key variable",
                    Some(format!(
                        "give each environment its own variable: `api_key_env = \"{}\"` under \
                         [environments.{name}], so one organisation's key is never sent to \
                         another's server",
                        suggested_variable(name)
                    )),
                ),
                Some(_) => {}
                None => {
                    seen.insert(var, (name, url));
                }
            }
        }
    }

    fn unknown(&mut self, key: &Key<'_>, table: Option<&str>, known: &[&str]) {
        let name = key.get_ref();
        let help = match did_you_mean(name, known.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("known keys here: {}", known.join(", ")),
        };
        let place = table.map_or_else(String::new, |t| format!(" in [{t}]"));
        self.problem(
            key.span(),
            format!("unknown key `{name}`{place}"),
            "unknown key",
            Some(help),
        );
    }

    fn wrong_type(&mut self, name: &str, item: &Item<'_>, expected: &str) {
        self.problem(
            item.span(),
            format!("`{name}` must be {expected}, not {}", kind(item.get_ref())),
            "wrong type",
            None,
        );
    }

    fn string(&mut self, name: &str, item: &Item<'_>) -> Option<Spanned<String>> {
        match item.get_ref() {
            DeValue::String(s) => Some(Spanned::new(item.span(), s.to_string())),
            _ => {
                self.wrong_type(name, item, "a string");
                None
            }
        }
    }

    fn table<'a, 'i>(&mut self, name: &str, item: &'a Item<'i>) -> Option<&'a DeTable<'i>> {
        match item.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => {
                self.wrong_type(name, item, "a table");
                None
            }
        }
    }

    fn integer(&mut self, name: &str, item: &Item<'_>, bounds: &Bounds) -> Option<u64> {
        let DeValue::Integer(i) = item.get_ref() else {
            self.wrong_type(name, item, "a whole number");
            return None;
        };
        let value = i128::from_str_radix(i.as_str(), i.radix()).ok();
        match value
            .and_then(|v| u64::try_from(v).ok())
            .filter(|v| bounds.range.contains(v))
        {
            Some(v) => Some(v),
            None => {
                self.problem(
                    item.span(),
                    format!("`{name}` must be {}, not {i}", bounds.describe()),
                    "out of range",
                    (!bounds.why.is_empty()).then(|| bounds.why.to_owned()),
                );
                None
            }
        }
    }

    fn workspace(&mut self, name: &str, item: &Item<'_>) -> Option<String> {
        let value = self.string(name, item)?;
        let text = value.get_ref();
        if text.trim().is_empty() || text.chars().any(char::is_control) {
            self.problem(
                item.span(),
                format!("`{name}` must be a name without control characters"),
                "not a workspace name",
                Some("choose a short stable name, e.g. \"support-bot\"".to_owned()),
            );
            return None;
        }
        Some(value.into_inner())
    }

    fn api_url(&mut self, name: &str, item: &Item<'_>) -> Option<String> {
        let value = self.string(name, item)?;
        let parsed = reqwest::Url::parse(value.get_ref()).ok();
        let ok = parsed.is_some_and(|u| {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
        });
        if !ok {
            self.problem(
                item.span(),
                format!("`{name}` is not an http(s) URL"),
                "not a URL",
                Some(format!("use the API base URL, e.g. \"{DEFAULT_API_URL}\"")),
            );
            return None;
        }
        Some(value.into_inner())
    }

    fn key_variable(&mut self, name: &str, item: &Item<'_>) -> Option<String> {
        let value = self.string(name, item)?;
        let text = value.get_ref();
        let valid = text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            self.problem(
                item.span(),
                format!("`{name}` must be the name of an environment variable"),
                "not a variable name",
                Some(format!(
                    "name the variable that holds the key, e.g. \"{DEFAULT_API_KEY_ENV}_STAGING\" \
                     (the key itself never goes in cxtrain.toml)"
                )),
            );
            return None;
        }
        Some(value.into_inner())
    }

    fn root(&mut self, repo_dir: &Path, root: Option<&Spanned<String>>) -> RepoPath {
        let Some(root) = root else {
            return if repo_dir.join("trainings").is_dir() {
                "trainings".parse().expect("a plain name is a path")
            } else {
                RepoPath::TOP
            };
        };
        let outside = |reader: &mut Reader, message: String| {
            reader.problem(
                root.span(),
                message,
                "not a folder below the repository",
                Some(
                    "use a `/`-separated path relative to the repository, e.g. \"trainings\""
                        .into(),
                ),
            );
            RepoPath::TOP
        };
        let path: RepoPath = match root.get_ref().parse() {
            Ok(path) => path,
            Err(e) => return outside(self, format!("`root` is outside the repository: {e}")),
        };
        // A symlinked root may lead anywhere; the files must be the repository's.
        let dir = path.to_path(repo_dir);
        if let (Ok(real), Ok(repo)) = (std::fs::canonicalize(&dir), std::fs::canonicalize(repo_dir))
            && !real.starts_with(&repo)
        {
            return outside(
                self,
                format!(
                    "`root` is outside the repository: `{path}` leads to {}",
                    real.display()
                ),
            );
        }
        path
    }

    fn globs(&mut self, item: &Item<'_>) -> Vec<String> {
        let DeValue::Array(items) = item.get_ref() else {
            self.wrong_type("ignore", item, "a list of globs");
            return Vec::new();
        };
        let mut out = Vec::new();
        for glob in items {
            let Some(glob) = self.string("ignore", glob) else {
                continue;
            };
            match globset::Glob::new(glob.get_ref()) {
                Ok(_) => out.push(glob.into_inner()),
                Err(e) => self.problem(
                    glob.span(),
                    format!("invalid ignore glob `{}`", glob.get_ref()),
                    "invalid glob",
                    Some(e.kind().to_string()),
                ),
            }
        }
        out
    }

    fn defaults(&mut self, name: &str, item: &Item<'_>) -> PartialDefaults {
        let mut out = PartialDefaults::default();
        let Some(table) = self.table(name, item) else {
            return out;
        };
        for (key, item) in table.iter() {
            match key.get_ref().as_ref() {
                "draft" => match item.get_ref() {
                    DeValue::Boolean(b) => out.draft = Some(*b),
                    _ => self.wrong_type("draft", item, "true or false"),
                },
                "type" => {
                    let Some(value) = self.string("type", item) else {
                        continue;
                    };
                    match TrainingType::parse(value.get_ref()) {
                        Some(kind) => out.kind = Some(kind),
                        None => {
                            let help = match did_you_mean(value.get_ref(), TrainingType::NAMES) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => format!("use one of {}", TrainingType::NAMES.join(", ")),
                            };
                            self.problem(
                                value.span(),
                                format!("unknown training type `{}`", value.get_ref()),
                                "not a training type",
                                Some(help),
                            );
                        }
                    }
                }
                _ => self.unknown(key, Some(name), DEFAULTS),
            }
        }
        out
    }

    /// A table of strings; each value must be a non-blank id.
    fn string_map<'a, 'i>(
        &mut self,
        name: &str,
        item: &'a Item<'i>,
        example: &str,
    ) -> Vec<(&'a Key<'i>, Spanned<String>)> {
        let Some(table) = self.table(name, item) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, value) in table.iter() {
            let Some(id) = self.string(&format!("{name}.{}", key.get_ref()), value) else {
                continue;
            };
            if id.get_ref().trim().is_empty() {
                self.problem(
                    id.span(),
                    format!("empty id for `{}` in [{name}]", key.get_ref()),
                    "empty id",
                    Some(format!("use the remote id, e.g. \"{example}\"")),
                );
                continue;
            }
            out.push((key, id));
        }
        out
    }

    fn directories(&mut self, name: &str, item: &Item<'_>) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (folder, id) in self.string_map(name, item, "dir_2f9c1") {
            let path = folder
                .get_ref()
                .parse::<RepoPath>()
                .ok()
                .filter(|p| !p.is_top() && !p.as_str().contains('\\'));
            match path {
                Some(path) => {
                    out.insert(path.as_str().to_owned(), id.into_inner());
                }
                None => self.problem(
                    folder.span(),
                    format!("invalid folder path `{}`", folder.get_ref()),
                    "not a folder below the root",
                    Some("use a `/`-separated path relative to the root, e.g. \"billing\"".into()),
                ),
            }
        }
        out
    }

    fn adopt(&mut self, name: &str, item: &Item<'_>) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (key, id) in self.string_map(name, item, "trn_123") {
            let text = key.get_ref();
            if let Err(e) = crate::key::check(text) {
                self.problem(
                    key.span(),
                    format!("invalid training key `{text}`: {}", e.message()),
                    "not a training key",
                    Some("use the key of a training file, e.g. \"billing/refund-late\"".into()),
                );
                continue;
            }
            out.insert(text.to_string(), id.into_inner());
        }
        out
    }

    fn safety(&mut self, name: &str, item: &Item<'_>) -> Option<usize> {
        let table = self.table(name, item)?;
        let mut out = None;
        for (key, item) in table.iter() {
            match key.get_ref().as_ref() {
                "max_deletes" => {
                    out = self
                        .integer("max_deletes", item, &Bounds::ANY)
                        .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
                }
                _ => self.unknown(key, Some(name), SAFETY),
            }
        }
        out
    }

    fn api(&mut self, item: &Item<'_>, api: &mut ApiSettings) {
        let Some(table) = self.table("api", item) else {
            return;
        };
        for (key, item) in table.iter() {
            let name = key.get_ref().as_ref();
            let (bounds, slot) = match name {
                "put_accepts_metadata" => {
                    match item.get_ref() {
                        DeValue::Boolean(b) => api.put_accepts_metadata = *b,
                        _ => self.wrong_type(name, item, "true or false"),
                    }
                    continue;
                }
                "requests_per_minute" => {
                    let bounds = Bounds {
                        range: 0..=u64::from(u32::MAX),
                        why: "",
                    };
                    if let Some(n) = self.integer(name, item, &bounds) {
                        api.requests_per_minute = u32::try_from(n).unwrap_or(u32::MAX);
                    }
                    continue;
                }
                "timeout_secs" => (
                    Bounds {
                        range: 1..=3_600,
                        why: "a request given no time always fails, and one left waiting \
                              longer than an hour hangs CI; the default is 30",
                    },
                    &mut api.timeout_secs,
                ),
                "backoff_ms" => (
                    Bounds {
                        range: 0..=60_000,
                        why: "the first retry waits this long and each next one twice as long; \
                              the default is 500",
                    },
                    &mut api.backoff_ms,
                ),
                "max_trainings" => (
                    Bounds {
                        range: 1..=u64::MAX,
                        why: "zero refuses every listing; remove it for the default of 100000",
                    },
                    &mut api.max_trainings,
                ),
                "max_body_bytes" => (
                    Bounds {
                        range: 1..=u64::MAX,
                        why: "zero refuses every answer; remove it for the default of 32 MiB",
                    },
                    &mut api.max_body_bytes,
                ),
                _ => {
                    self.unknown(key, Some("api"), API);
                    continue;
                }
            };
            if let Some(n) = self.integer(name, item, &bounds) {
                *slot = n;
            }
        }
    }

    fn limits(&mut self, item: &Item<'_>, limits: &mut Limits) {
        let Some(table) = self.table("limits", item) else {
            return;
        };
        for (key, item) in table.iter() {
            let name = key.get_ref().as_ref();
            let (min, slot, why) = match name {
                "title_max" => (
                    TITLE_MIN,
                    &mut limits.title_max,
                    "titles need at least 3 characters, so a lower limit rejects every title",
                ),
                "content_max" => (
                    CONTENT_MIN,
                    &mut limits.content_max,
                    "content needs at least 10 characters, so a lower limit rejects every file",
                ),
                _ => {
                    self.unknown(key, Some("limits"), LIMITS);
                    continue;
                }
            };
            let bounds = Bounds {
                range: min as u64..=u64::MAX,
                why,
            };
            if let Some(n) = self.integer(name, item, &bounds) {
                *slot = usize::try_from(n).unwrap_or(usize::MAX);
            }
        }
    }

    fn environments(&mut self, item: &Item<'_>) -> BTreeMap<String, (Range<usize>, Environment)> {
        let mut out = BTreeMap::new();
        let Some(table) = self.table("environments", item) else {
            return out;
        };
        for (key, item) in table.iter() {
            let name = key.get_ref();
            if !environment::is_environment_name(name) {
                self.problem(
                    key.span(),
                    format!("invalid environment name `{name}`"),
                    "not an environment name",
                    Some(
                        "use lowercase letters, digits, `-` and `_`, starting with a letter or \
                         digit, e.g. \"staging\""
                            .into(),
                    ),
                );
                continue;
            }
            let place = format!("environments.{name}");
            let Some(table) = self.table(&place, item) else {
                continue;
            };
            let mut env = Environment::default();
            for (key, item) in table.iter() {
                match key.get_ref().as_ref() {
                    "api_url" => env.api_url = self.api_url("api_url", item),
                    "api_key_env" => env.api_key_env = self.key_variable("api_key_env", item),
                    "workspace" => env.workspace = self.workspace("workspace", item),
                    "directories" => {
                        env.directories = self.directories(&format!("{place}.directories"), item);
                    }
                    "adopt" => env.adopt = self.adopt(&format!("{place}.adopt"), item),
                    "defaults" => env.defaults = self.defaults(&format!("{place}.defaults"), item),
                    "safety" => env.max_deletes = self.safety(&format!("{place}.safety"), item),
                    _ => self.unknown(key, Some(&place), ENVIRONMENT),
                }
            }
            out.insert(name.to_string(), (key.span(), env));
        }
        out
    }
}

/// A variable name for an environment's key: `OPENCX_API_KEY_STAGING`.
fn suggested_variable(environment: &str) -> String {
    format!(
        "{DEFAULT_API_KEY_ENV}_{}",
        environment.to_ascii_uppercase().replace('-', "_")
    )
}

/// A value's kind, for messages.
fn kind(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}
