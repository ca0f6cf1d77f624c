//! Editing `cxtrain.toml` the way `cargo add` edits `Cargo.toml`: through a
//! format-preserving TOML document ([`toml_edit`]), so comments, key order
//! and the user's spelling of every table survive. New entries go into the
//! `[directories]` or `[adopt]` map (or an environment's,
//! `[environments.NAME.directories]`) however it is written — a standard
//! table, dotted keys (`directories.billing = "..."`) or an inline table —
//! and the result must load as a [`Config`] holding them before anyone
//! writes it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Table, TableLike, Value};

use super::{Config, ConfigError, Environment};

/// A string map of the config that cxtrain adds entries to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapTable {
    /// `[directories]`: folder below the root → directory id.
    Directories,
    /// `[adopt]`: training key → remote id.
    Adopt,
}

impl MapTable {
    /// The table's name in the file.
    pub fn name(self) -> &'static str {
        match self {
            Self::Directories => "directories",
            Self::Adopt => "adopt",
        }
    }

    fn of(self, config: &Config) -> &BTreeMap<String, String> {
        match self {
            Self::Directories => &config.directories,
            Self::Adopt => &config.adopt,
        }
    }

    fn in_environment(self, env: &Environment) -> &BTreeMap<String, String> {
        match self {
            Self::Directories => &env.directories,
            Self::Adopt => &env.adopt,
        }
    }
}

/// Why the config could not be edited; the file is left as it was.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum EditError {
    /// The file is not TOML.
    #[error("cannot edit {}: it is not valid TOML", path.display())]
    #[diagnostic(code(cxtrain::config::edit), help("run `cxtrain validate` to see why"))]
    Parse {
        /// The config file.
        path: PathBuf,
        /// The parser's message.
        #[source]
        source: toml_edit::TomlError,
    },
    /// `directories` or `adopt` is something other than a table.
    #[error("cannot add to `{table}` in {}: it is not a table", path.display())]
    #[diagnostic(code(cxtrain::config::edit))]
    NotATable {
        /// The config file.
        path: PathBuf,
        /// The table's name.
        table: &'static str,
    },
    /// The entry exists with another value.
    #[error(
        "cannot add `{key}` = `{wanted}` to [{table}] in {}: it already says `{existing}`",
        path.display()
    )]
    #[diagnostic(
        code(cxtrain::config::edit),
        help("decide which one is right and edit the entry by hand")
    )]
    Conflict {
        /// The config file.
        path: PathBuf,
        /// The table's name.
        table: &'static str,
        /// The entry's key.
        key: String,
        /// Its value in the file.
        existing: String,
        /// The value cxtrain wanted to write.
        wanted: String,
    },
    /// The edited text would not load, or would not hold the new entries.
    #[error("editing {} would leave a config that does not load as intended", path.display())]
    #[diagnostic(
        code(cxtrain::config::edit),
        help("please report this; the file was left as it is")
    )]
    Broken {
        /// The config file.
        path: PathBuf,
        /// Why the result does not load, when it does not.
        #[source]
        source: Option<ConfigError>,
    },
}

/// `text`, the config at `path`, with every `(table, entries)` addition
/// made — to the tables of `environment` when given (its ids belong to its
/// organisation only): existing entries with the same value are kept as
/// they are, one with another value is an [`EditError::Conflict`]; a missing
/// table is appended. The result is checked by loading it as the repository
/// at `repo_dir` would, and by finding every added entry in what it loads.
pub fn add_entries(
    repo_dir: &Path,
    path: &Path,
    text: &str,
    environment: Option<&str>,
    additions: &[(MapTable, &BTreeMap<String, String>)],
) -> Result<String, EditError> {
    let mut doc: DocumentMut = text.parse().map_err(|source| EditError::Parse {
        path: path.to_owned(),
        source,
    })?;
    for (table, entries) in additions {
        if entries.is_empty() {
            continue;
        }
        let parent: &mut dyn TableLike = match environment {
            None => doc.as_table_mut(),
            Some(env) => {
                let environments = child(doc.as_table_mut(), "environments", path, *table)?;
                child(environments, env, path, *table)?
            }
        };
        add_to(parent, path, *table, entries)?;
    }
    let edited = doc.to_string();
    let broken = |source| EditError::Broken {
        path: path.to_owned(),
        source,
    };
    let config = Config::parse(repo_dir, path, Some(&edited)).map_err(|e| broken(Some(e)))?;
    let holds_all = additions.iter().all(|(table, entries)| {
        let loaded = match environment {
            None => Some(table.of(&config)),
            Some(env) => config
                .environments
                .get(env)
                .map(|e| table.in_environment(e)),
        };
        entries
            .iter()
            .all(|(k, v)| loaded.and_then(|l| l.get(k)) == Some(v))
    });
    if !holds_all {
        return Err(broken(None));
    }
    Ok(edited)
}

/// The table `key` of `parent`, created (as a header-less table) when
/// missing.
fn child<'t>(
    parent: &'t mut dyn TableLike,
    key: &str,
    path: &Path,
    table: MapTable,
) -> Result<&'t mut dyn TableLike, EditError> {
    parent
        .entry(key)
        .or_insert_with(|| {
            let mut new = Table::new();
            new.set_implicit(true);
            Item::Table(new)
        })
        .as_table_like_mut()
        .ok_or_else(|| EditError::NotATable {
            path: path.to_owned(),
            table: table.name(),
        })
}

fn add_to(
    parent: &mut dyn TableLike,
    path: &Path,
    table: MapTable,
    entries: &BTreeMap<String, String>,
) -> Result<(), EditError> {
    let name = table.name();
    let appended = !parent.contains_key(name);
    let item = parent.entry(name).or_insert_with(|| {
        let mut new = Table::new();
        if appended {
            new.decor_mut().set_prefix("\n");
        }
        Item::Table(new)
    });
    let conflict = |key: &str, existing: &Item, wanted: &str| EditError::Conflict {
        path: path.to_owned(),
        table: name,
        key: key.to_owned(),
        existing: existing
            .as_str()
            .map_or_else(|| existing.to_string().trim().to_owned(), str::to_owned),
        wanted: wanted.to_owned(),
    };
    for (key, value) in entries {
        match item {
            Item::Table(t) => match t.get(key) {
                Some(existing) if existing.as_str() == Some(value) => {}
                Some(existing) => return Err(conflict(key, existing, value)),
                None => {
                    t.insert(key, toml_edit::value(value.as_str()));
                }
            },
            Item::Value(Value::InlineTable(t)) => match t.get(key) {
                Some(existing) if existing.as_str() == Some(value) => {}
                Some(existing) => {
                    return Err(conflict(key, &Item::Value(existing.clone()), value));
                }
                None => {
                    t.insert(key, Value::from(value.as_str()));
                    // One line has no comments to keep; spacing is evened out.
                    t.fmt();
                }
            },
            _ => {
                return Err(EditError::NotATable {
                    path: path.to_owned(),
                    table: name,
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// `text` with `dirs` added to `[directories]` and `adopt` to `[adopt]`.
    fn edit(text: &str, dirs: &[(&str, &str)], adopt: &[(&str, &str)]) -> String {
        try_edit(text, dirs, adopt).unwrap()
    }

    fn try_edit(
        text: &str,
        dirs: &[(&str, &str)],
        adopt: &[(&str, &str)],
    ) -> Result<String, EditError> {
        let dir = tempfile::tempdir().unwrap();
        let (dirs, adopt) = (map(dirs), map(adopt));
        add_entries(
            dir.path(),
            &dir.path().join("cxtrain.toml"),
            text,
            None,
            &[(MapTable::Directories, &dirs), (MapTable::Adopt, &adopt)],
        )
    }

    fn load(text: &str) -> Config {
        Config::parse(Path::new("."), Path::new("cxtrain.toml"), Some(text)).unwrap()
    }

    #[test]
    fn standard_table_keeps_comments_and_the_tables_after_it() {
        let text = "root = \"t\"\n\n# where folders go\n[directories] # mapped\n\"a\" = \"1\" # first\n\n[safety]\nmax_deletes = 3\n";
        assert_eq!(
            edit(text, &[("dir-x", "x")], &[]),
            "root = \"t\"\n\n# where folders go\n[directories] # mapped\n\"a\" = \"1\" # first\ndir-x = \"x\"\n\n[safety]\nmax_deletes = 3\n"
        );
    }

    #[test]
    fn dotted_keys_stay_dotted() {
        let text = "workspace = \"w\"\ndirectories.billing = \"dir_b\" # kept\n";
        let edited = edit(text, &[("shipping", "dir_s")], &[]);
        assert_eq!(
            edited,
            "workspace = \"w\"\ndirectories.billing = \"dir_b\" # kept\ndirectories.shipping = \"dir_s\"\n"
        );
        assert_eq!(load(&edited).directories.len(), 2);
    }

    #[test]
    fn inline_tables_stay_inline() {
        let text = "directories = { billing = \"dir_b\" } # kept\nadopt = {}\n";
        let edited = edit(text, &[("shipping", "dir_s")], &[("a/b", "trn_1")]);
        assert_eq!(
            edited,
            "directories = { billing = \"dir_b\", shipping = \"dir_s\" } # kept\nadopt = { \"a/b\" = \"trn_1\" }\n"
        );
        let config = load(&edited);
        assert_eq!(config.directories["shipping"], "dir_s");
        assert_eq!(config.adopt["a/b"], "trn_1");
    }

    #[test]
    fn missing_tables_are_appended_after_a_blank_line() {
        assert_eq!(
            edit("root = \"t\"", &[("dir-x", "x")], &[("dir-x/a", "trn_1")]),
            "root = \"t\"\n\n[directories]\ndir-x = \"x\"\n\n[adopt]\n\"dir-x/a\" = \"trn_1\"\n"
        );
        assert_eq!(
            edit("", &[], &[("k", "trn_1")]),
            "\n[adopt]\nk = \"trn_1\"\n"
        );
    }

    #[test]
    fn quoted_spellings_of_the_same_key_are_one_entry() {
        let text = "[directories]\n'billing' = \"dir_b\"\n\"ship ping\" = 'dir_s'\n";
        let same = edit(text, &[("billing", "dir_b"), ("ship ping", "dir_s")], &[]);
        assert_eq!(same, text);
        let err = try_edit(text, &[("billing", "dir_other")], &[]).unwrap_err();
        assert!(
            err.to_string()
                .contains("cannot add `billing` = `dir_other` to [directories]"),
            "{err}"
        );
    }

    #[test]
    fn quotes_and_control_characters_never_break_the_file() {
        let id = "trn_\"x\u{7f}\\'\u{1b}]52;";
        let key = "odd 'key\" = \"x";
        let edited = edit("[adopt]\n", &[], &[(key, id)]);
        assert_eq!(load(&edited).adopt[key], id);
        assert!(!edited.contains('\u{7f}'), "{edited:?}");
        assert!(!edited.contains('\u{1b}'), "{edited:?}");
    }

    #[test]
    fn an_environment_gets_its_own_tables() {
        let dir = tempfile::tempdir().unwrap();
        let add = |text: &str| {
            add_entries(
                dir.path(),
                &dir.path().join("cxtrain.toml"),
                text,
                Some("staging"),
                &[
                    (MapTable::Directories, &map(&[("billing", "dir_s")])),
                    (MapTable::Adopt, &map(&[("faq", "trn_s")])),
                ],
            )
            .unwrap()
        };
        let text = "[directories]\nbilling = \"dir_shared\"\n\n[environments.staging]\napi_key_env = \"K\"\n";
        let edited = add(text);
        assert_eq!(
            edited,
            "[directories]\nbilling = \"dir_shared\"\n\n[environments.staging]\napi_key_env = \"K\"\n\n\
             [environments.staging.directories]\nbilling = \"dir_s\"\n\n\
             [environments.staging.adopt]\nfaq = \"trn_s\"\n"
        );
        let config = load(&edited);
        assert_eq!(config.directories["billing"], "dir_shared");
        let staging = config.for_environment("staging").unwrap();
        assert_eq!(staging.directories["billing"], "dir_s");
        assert_eq!(staging.adopt["faq"], "trn_s");
        let inline = add("environments.staging = { directories = { shipping = \"dir_x\" } }\n");
        assert_eq!(
            load(&inline).environments["staging"].directories.len(),
            2,
            "{inline}"
        );
    }

    #[test]
    fn a_table_of_another_shape_is_an_error() {
        let err = try_edit("directories = 5\n", &[("a", "1")], &[]).unwrap_err();
        assert!(matches!(err, EditError::NotATable { .. }), "{err:?}");
        let err = try_edit("[adopt\n", &[], &[("a", "1")]).unwrap_err();
        assert!(matches!(err, EditError::Parse { .. }), "{err:?}");
    }

    #[test]
    fn a_result_that_does_not_load_is_refused() {
        // The config validator refuses this key; the edit must not write it.
        let err = try_edit("[adopt]\n", &[], &[("/abs", "trn_1")]).unwrap_err();
        assert!(
            matches!(
                err,
                EditError::Broken {
                    source: Some(_),
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
