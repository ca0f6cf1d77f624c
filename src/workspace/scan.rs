//! Walking the trainings root (SPEC §1): `.md` files in a stable sorted
//! order; `README.md`, `_`/`.` names and `ignore` globs skipped; symlinks
//! never followed.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use walkdir::WalkDir;

use crate::repo_path::RepoPath;

/// A path found below the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Path below the root.
    pub rel: RepoPath,
    /// Path on disk.
    pub abs: PathBuf,
    /// What it is.
    pub kind: FoundKind,
}

/// What a found path is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FoundKind {
    /// A regular `.md` file: a scenario.
    Scenario,
    /// A symlink that would be a scenario or folder if followed.
    Symlink,
    /// A path that could not be read while walking.
    Unreadable(String),
}

/// Compiles `ignore` globs (already checked when the config was loaded).
pub fn ignore_set(globs: &[String]) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for g in globs {
        if let Ok(glob) = Glob::new(g) {
            builder.add(glob);
        }
    }
    builder.build().unwrap_or_else(|_| GlobSet::empty())
}

/// Lists scenarios, symlinks and unreadable paths below `root`, sorted by path.
pub fn scan(root: &Path, ignore: &GlobSet) -> Vec<Found> {
    let mut found = Vec::new();
    let walker = WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !skipped(root, e.path(), ignore));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let abs = e
                    .path()
                    .map_or_else(|| root.to_path_buf(), Path::to_path_buf);
                found.push(Found {
                    rel: relative(root, &abs),
                    abs,
                    kind: FoundKind::Unreadable(e.to_string()),
                });
                continue;
            }
        };
        let abs = entry.path().to_path_buf();
        let ft = entry.file_type();
        let kind = if ft.is_symlink() {
            let is_dir = std::fs::metadata(&abs).is_ok_and(|m| m.is_dir());
            (is_dir || is_markdown(&abs)).then_some(FoundKind::Symlink)
        } else if ft.is_file() && is_markdown(&abs) {
            Some(FoundKind::Scenario)
        } else {
            None
        };
        if let Some(kind) = kind {
            found.push(Found {
                rel: relative(root, &abs),
                abs,
                kind,
            });
        }
    }
    found.sort_by(|a, b| a.rel.cmp(&b.rel));
    found
}

fn is_markdown(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "md")
}

/// SPEC §1 skip rules for one path below the root.
fn skipped(root: &Path, path: &Path, ignore: &GlobSet) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    skipped_name(&name) || ignore.is_match(relative(root, path).as_str())
}

/// Whether a file or folder of this name is skipped wherever it is:
/// `README.md`, and names starting with `_` or `.`.
pub fn skipped_name(name: &str) -> bool {
    name.starts_with('_') || name.starts_with('.') || name.eq_ignore_ascii_case("readme.md")
}

/// Whether the walk would skip `rel` (a path below the root), or a folder
/// on the way to it: what is written there is not a training.
pub fn would_skip(rel: &RepoPath, ignore: &GlobSet) -> bool {
    let text = rel.as_str();
    let mut start = 0;
    let ends = text.match_indices('/').map(|(i, _)| i).chain([text.len()]);
    ends.into_iter().any(|end| {
        let name = &text[start..end];
        start = end + 1;
        skipped_name(name) || ignore.is_match(&text[..end])
    })
}

/// `path` below `root` (walking only yields such paths).
fn relative(root: &Path, path: &Path) -> RepoPath {
    path.strip_prefix(root)
        .ok()
        .and_then(RepoPath::from_relative)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_skip_rules_in_sorted_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "b.md",
            "a/z.md",
            "a/b.md",
            "a-c.md",
            "README.md",
            "a/readme.md",
            "_draft.md",
            ".hidden/x.md",
            "_private/y.md",
            "notes.txt",
            "drafts/d.md",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        let ignore = ignore_set(&["drafts/**".into()]);
        let found = scan(root, &ignore);
        let rels: Vec<&str> = found.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, vec!["a-c.md", "a/b.md", "a/z.md", "b.md"]);
        assert!(found.iter().all(|f| f.kind == FoundKind::Scenario));
        for (rel, skip) in [
            ("a/b.md", false),
            ("README.md", true),
            ("a/readme.md", true),
            ("_draft.md", true),
            (".hidden/x.md", true),
            ("a/_private/y.md", true),
            ("drafts/d.md", true),
            (".md", true),
        ] {
            assert_eq!(would_skip(&rel.parse().unwrap(), &ignore), skip, "{rel}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_reported_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("x.md"), "x").unwrap();
        std::os::unix::fs::symlink(outside.join("x.md"), root.join("link.md")).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("dir")).unwrap();
        let found = scan(&root, &GlobSet::empty());
        let got: Vec<(&str, &FoundKind)> =
            found.iter().map(|f| (f.rel.as_str(), &f.kind)).collect();
        assert_eq!(
            got,
            vec![
                ("dir", &FoundKind::Symlink),
                ("link.md", &FoundKind::Symlink)
            ]
        );
    }
}
