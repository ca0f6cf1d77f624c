//! Paths below the repository, or below the trainings root: `/`-separated
//! and normalised in one place, so no other code checks for `""`, `.`, `..`
//! or doubled slashes.

use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A relative path as the user writes it in a repository: `/`-separated
/// names, none of them empty, `.` or `..`. Whether it is relative to the
/// repository or to the trainings root is up to the field holding it; the
/// empty path ([`RepoPath::TOP`]) is that base itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RepoPath(String);

/// Why text is not a path below the repository.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{}` is not a path below the repository: it climbs out with `..`",
    path.escape_debug()
)]
pub struct RepoPathError {
    /// The text as given.
    pub path: String,
}

impl RepoPath {
    /// The base itself: the repository (or trainings root) folder.
    pub const TOP: RepoPath = RepoPath(String::new());

    /// A relative file-system path (as `Path::strip_prefix` returns it).
    /// `None` when it is absolute or climbs out with `..`. Names that are
    /// not UTF-8 are converted lossily.
    pub fn from_relative(path: &Path) -> Option<RepoPath> {
        let mut out = RepoPath::TOP;
        for component in path.components() {
            match component {
                Component::Normal(name) => out.push(&name.to_string_lossy()),
                Component::CurDir => {}
                Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
            }
        }
        Some(out)
    }

    /// Where `path` lies below the folder `base`, resolving `.` and `..`
    /// lexically (the path may name a file that no longer exists). A
    /// relative `path` is taken relative to `base`, a relative `base`
    /// relative to the working directory. `None` when it lies outside.
    pub fn resolve(base: &Path, path: &Path) -> Option<RepoPath> {
        let base = lexical(&absolute(base));
        let path = lexical(&base.join(path));
        RepoPath::from_relative(path.strip_prefix(&base).ok()?)
    }

    /// The path as stored: `/`-separated, `""` for [`RepoPath::TOP`].
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is the base itself.
    pub fn is_top(&self) -> bool {
        self.0.is_empty()
    }

    /// The names along the path; none for [`RepoPath::TOP`].
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/').filter(|s| !s.is_empty())
    }

    /// The last name (`refund.md` of `billing/refund.md`); `""` for
    /// [`RepoPath::TOP`].
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or_default()
    }

    /// The folder holding this path; [`RepoPath::TOP`] for a name at the
    /// top, and for the top itself.
    pub fn parent(&self) -> RepoPath {
        RepoPath(self.0.rsplit_once('/').map_or("", |(p, _)| p).to_owned())
    }

    /// `below`, taken relative to this path.
    pub fn join(&self, below: &RepoPath) -> RepoPath {
        let mut out = self.clone();
        out.push(&below.0);
        out
    }

    /// Whether this path is `base` or lies below it, name by name (so
    /// `billing-old` is not below `billing`). Everything lies below
    /// [`RepoPath::TOP`].
    pub fn starts_with(&self, base: &RepoPath) -> bool {
        self.strip_prefix(base).is_some()
    }

    /// This path relative to `base`, when it lies below it.
    pub fn strip_prefix(&self, base: &RepoPath) -> Option<RepoPath> {
        if base.is_top() {
            return Some(self.clone());
        }
        match self.0.strip_prefix(&base.0)? {
            "" => Some(RepoPath::TOP),
            rest => rest.strip_prefix('/').map(|r| RepoPath(r.to_owned())),
        }
    }

    /// The file-system path of this path below the folder `base`.
    pub fn to_path(&self, base: &Path) -> PathBuf {
        let mut out = base.to_path_buf();
        out.extend(self.segments());
        out
    }

    /// Appends `/`-separated names already known to be clean.
    fn push(&mut self, names: &str) {
        if names.is_empty() {
            return;
        }
        if !self.0.is_empty() {
            self.0.push('/');
        }
        self.0.push_str(names);
    }
}

/// Reads a path written by a user or a file (the config, a plan file).
/// Empty and `.` segments are dropped, so `./billing/`, `billing` and
/// `/billing` are all `billing`; a `..` segment is refused, since it would
/// leave the base.
impl FromStr for RepoPath {
    type Err = RepoPathError;

    fn from_str(text: &str) -> Result<RepoPath, RepoPathError> {
        let mut out = RepoPath::TOP;
        for segment in text.split('/') {
            match segment {
                "" | "." => {}
                ".." => {
                    return Err(RepoPathError {
                        path: text.to_owned(),
                    });
                }
                name => out.push(name),
            }
        }
        Ok(out)
    }
}

/// As the user should see it: the stored form, and `.` for the top.
impl fmt::Display for RepoPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_top() { "." } else { &self.0 })
    }
}

/// The stored form, so plan files and JSON keep plain strings.
impl Serialize for RepoPath {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Read through [`RepoPath::from_str`]: a plan file is untrusted input.
impl<'de> Deserialize<'de> for RepoPath {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_owned()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    }
}

/// `.` and `..` resolved without looking at the disk.
fn lexical(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> RepoPath {
        text.parse().unwrap()
    }

    #[test]
    fn parsing_normalises_once() {
        for (text, stored) in [
            ("trainings", "trainings"),
            ("./trainings/", "trainings"),
            ("/trainings//billing/./a.md", "trainings/billing/a.md"),
            ("", ""),
            (".", ""),
            ("./", ""),
        ] {
            assert_eq!(path(text).as_str(), stored, "{text}");
        }
        assert!(path("./").is_top());
        for text in ["..", "a/../b", "../trainings", "a/.."] {
            let err = text.parse::<RepoPath>().unwrap_err();
            assert_eq!(err.path, text);
            assert!(err.to_string().contains("climbs out"), "{err}");
        }
    }

    #[test]
    fn displays_the_top_as_a_dot() {
        assert_eq!(RepoPath::TOP.to_string(), ".");
        assert_eq!(path("a/b.md").to_string(), "a/b.md");
    }

    #[test]
    fn names_parents_and_joins() {
        let p = path("trainings/billing/refund.md");
        assert_eq!(p.file_name(), "refund.md");
        assert_eq!(p.parent(), path("trainings/billing"));
        assert_eq!(path("a.md").parent(), RepoPath::TOP);
        assert_eq!(RepoPath::TOP.parent(), RepoPath::TOP);
        assert_eq!(
            p.segments().collect::<Vec<_>>(),
            ["trainings", "billing", "refund.md"]
        );
        assert_eq!(RepoPath::TOP.segments().count(), 0);
        assert_eq!(
            path("trainings").join(&path("a/b.md")),
            path("trainings/a/b.md")
        );
        assert_eq!(RepoPath::TOP.join(&path("a.md")), path("a.md"));
        assert_eq!(path("a").join(&RepoPath::TOP), path("a"));
    }

    #[test]
    fn prefixes_match_whole_names() {
        let p = path("trainings/billing/refund.md");
        assert_eq!(
            p.strip_prefix(&path("trainings")),
            Some(path("billing/refund.md"))
        );
        assert_eq!(p.strip_prefix(&RepoPath::TOP), Some(p.clone()));
        assert_eq!(p.strip_prefix(&p), Some(RepoPath::TOP));
        assert_eq!(p.strip_prefix(&path("train")), None);
        assert!(p.starts_with(&path("trainings/billing")));
        assert!(!path("trainings/billing-old/a.md").starts_with(&path("trainings/billing")));
        assert!(!path("trainings").starts_with(&p));
    }

    #[test]
    fn file_system_paths_convert_both_ways() {
        assert_eq!(
            RepoPath::from_relative(Path::new("./a/b.md")),
            Some(path("a/b.md"))
        );
        assert_eq!(RepoPath::from_relative(Path::new("../a")), None);
        assert_eq!(RepoPath::from_relative(Path::new("/a")), None);
        assert_eq!(RepoPath::from_relative(Path::new("")), Some(RepoPath::TOP));
        assert_eq!(
            path("a/b.md").to_path(Path::new("/repo")),
            Path::new("/repo/a/b.md")
        );
        assert_eq!(
            RepoPath::TOP.to_path(Path::new("/repo")),
            Path::new("/repo")
        );
    }

    #[test]
    fn targets_resolve_below_the_repository() {
        let repo = Path::new("/work/repo");
        let resolve = |p: &str| RepoPath::resolve(repo, Path::new(p));
        assert_eq!(
            resolve("trainings/billing/"),
            Some(path("trainings/billing"))
        );
        assert_eq!(
            resolve("./trainings/../trainings/a.md"),
            Some(path("trainings/a.md"))
        );
        assert_eq!(resolve("/work/repo/trainings"), Some(path("trainings")));
        assert_eq!(resolve("/elsewhere/x"), None);
        assert_eq!(resolve("../repo-other/x"), None);
        assert_eq!(resolve("/work/repo"), Some(RepoPath::TOP));
    }

    #[test]
    fn serialises_as_the_stored_string_and_refuses_escapes() {
        let p = path("trainings/a.md");
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"trainings/a.md\"");
        assert_eq!(
            serde_json::from_str::<RepoPath>("\"trainings//a.md\"").unwrap(),
            p
        );
        assert!(serde_json::from_str::<RepoPath>("\"../etc/passwd\"").is_err());
    }
}
