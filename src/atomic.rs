//! The one way cxtrain writes a file: atomically and durably. The bytes go to
//! a temporary file in the same folder, which is flushed to disk and renamed
//! into place, then the folder itself is flushed, so readers (and a machine
//! that loses power) see the old file or the new one, never a torn one.
//!
//! A replaced file keeps its permissions; a new file gets the usual ones
//! (0666 less the umask, so 0644 under the common umask 022), as if any
//! other program had written it.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// What to do when the file already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    /// Fail with [`WriteError::Exists`].
    Never,
    /// Replace it, keeping its permissions.
    Replace,
}

/// A file that could not be written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum WriteError {
    /// The file is there and [`Overwrite::Never`] was asked.
    #[error("{} already exists", path.display())]
    #[diagnostic(
        code(cxtrain::write::exists),
        help("move or delete it first, or pick another path")
    )]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// The file system refused.
    #[error("cannot write {}", path.display())]
    #[diagnostic(
        code(cxtrain::write::io),
        help("check that the folder is writable and the disk is not full")
    )]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
}

impl From<WriteError> for std::io::Error {
    fn from(e: WriteError) -> std::io::Error {
        match e {
            WriteError::Exists { path } => std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} already exists", path.display()),
            ),
            WriteError::Io { source, .. } => source,
        }
    }
}

/// Writes `bytes` to `path` atomically (see the module comment). Missing
/// parent folders are created. On any failure the temporary file is removed
/// and `path` is as it was.
pub fn write(path: &Path, bytes: &[u8], overwrite: Overwrite) -> Result<(), WriteError> {
    let io = |source: std::io::Error| WriteError::Io {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let kept = match overwrite {
        Overwrite::Replace => match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() => Some(meta.permissions()),
            _ => None,
        },
        Overwrite::Never => None,
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".cxtrain-").suffix(".tmp");
    // tempfile's private 0600 would stick to every file cxtrain creates.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(io)?;
    if let Some(permissions) = kept {
        tmp.as_file().set_permissions(permissions).map_err(io)?;
    }
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    match overwrite {
        Overwrite::Replace => tmp.persist(path).map(drop).map_err(|e| io(e.error))?,
        Overwrite::Never => tmp.persist_noclobber(path).map(drop).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                WriteError::Exists {
                    path: path.to_owned(),
                }
            } else {
                io(e.error)
            }
        })?,
    }
    sync_dir(dir).map_err(io)
}

/// Makes the rename durable: on Unix a directory entry is only on disk once
/// the directory itself is synced.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Elsewhere the rename is as durable as the platform makes it.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every entry of `dir`, sorted.
    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn refuses_to_clobber_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/a.md");
        write(&path, b"one", Overwrite::Never).unwrap();
        assert!(matches!(
            write(&path, b"two", Overwrite::Never),
            Err(WriteError::Exists { .. })
        ));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one");
        write(&path, b"three", Overwrite::Replace).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "three");
    }

    #[test]
    fn leaves_no_temporary_file_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        write(&path, b"one", Overwrite::Replace).unwrap();
        write(&path, b"two", Overwrite::Replace).unwrap();
        // A refused write and a failed rename (onto a folder) clean up too.
        assert!(write(&path, b"x", Overwrite::Never).is_err());
        std::fs::create_dir(dir.path().join("folder")).unwrap();
        std::fs::write(dir.path().join("folder/inside"), "keep").unwrap();
        let err = write(&dir.path().join("folder"), b"x", Overwrite::Replace).unwrap_err();
        assert!(matches!(err, WriteError::Io { .. }), "{err:?}");
        assert_eq!(entries(dir.path()), ["a.md", "folder"]);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_mode() {
        use std::fs::Permissions;
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        for wanted in [0o640, 0o755, 0o600] {
            let path = dir.path().join(format!("f{wanted:o}"));
            std::fs::write(&path, "old").unwrap();
            std::fs::set_permissions(&path, Permissions::from_mode(wanted)).unwrap();
            write(&path, b"new", Overwrite::Replace).unwrap();
            assert_eq!(mode(&path), wanted, "{}", path.display());
            assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_gets_the_mode_any_program_would_give_it() {
        let dir = tempfile::tempdir().unwrap();
        let ordinary = dir.path().join("ordinary");
        std::fs::write(&ordinary, "x").unwrap();
        for overwrite in [Overwrite::Never, Overwrite::Replace] {
            let path = dir.path().join(format!("{overwrite:?}"));
            write(&path, b"x", overwrite).unwrap();
            // 0666 less the umask: 0644 under the usual umask 022.
            assert_eq!(mode(&path), mode(&ordinary), "{overwrite:?}");
        }
    }
}
