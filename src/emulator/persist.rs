//! The optional JSON state file: loaded at start, rewritten after every
//! change through a temporary file in the same directory that is fsynced and
//! renamed over the old one, so a crash leaves either the old or the new
//! state, never a torn file.
//!
//! One emulator at a time serves a state file: it holds an exclusive lock
//! on `FILE.lock` (which records its process id) from loading the state
//! until it stops, so a second one — two `--local` runs at once — is
//! refused instead of silently overwriting the first one's writes. The OS
//! releases the lock when the process ends, however it ends.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::atomic::{self, Overwrite};
use crate::remote::api::Training;

/// The state file format version this emulator writes and reads.
pub const FORMAT: u32 = 1;

/// Everything the emulator needs to resume where it stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateFile {
    /// [`FORMAT`].
    pub format: u32,
    /// The counter behind the next `trn_` id.
    pub next_id: u64,
    /// The logical clock's last stamp (ms since the epoch).
    pub clock_ms: i64,
    /// Every training, in id order.
    pub trainings: Vec<Training>,
}

/// A state file that could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    /// The file exists but could not be read.
    #[error("cannot read emulator state file {path}")]
    Read {
        /// The state file.
        path: PathBuf,
        /// Why reading failed.
        #[source]
        source: std::io::Error,
    },
    /// The file was read but does not hold emulator state.
    #[error("emulator state file {path} is not valid state: {message}")]
    Parse {
        /// The state file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The state could not be saved.
    #[error("cannot write emulator state file {path}")]
    Write {
        /// The state file.
        path: PathBuf,
        /// Why writing failed.
        #[source]
        source: std::io::Error,
    },
    /// The state file's lock could not be taken or checked.
    #[error("cannot lock emulator state file {path}")]
    Lock {
        /// The state file.
        path: PathBuf,
        /// Why locking failed.
        #[source]
        source: std::io::Error,
    },
    /// Another emulator (process `holder`, when it recorded itself) serves
    /// the state file.
    #[error("emulator state file {path} is in use by another process{}", holder.map(|pid| format!(" ({pid})")).unwrap_or_default())]
    InUse {
        /// The state file.
        path: PathBuf,
        /// The process id the holder recorded, if it did.
        holder: Option<u32>,
    },
}

/// The exclusive hold of one emulator on its state file, released when
/// dropped (or when the process ends).
#[derive(Debug)]
pub struct StateLock {
    _file: File,
}

/// Takes the state file's lock (`FILE.lock`, created with its folder as
/// needed) without waiting, and records this process's id in it. A file
/// system without locks is served unlocked.
pub fn lock(path: &Path) -> Result<Option<StateLock>, PersistError> {
    let lock_path = lock_path(path);
    let failed = |source: std::io::Error| PersistError::Lock {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = lock_path.parent() {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(failed)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut recorded = String::new();
            // Best effort: the holder may be writing it right now.
            let _ = file.read_to_string(&mut recorded);
            return Err(PersistError::InUse {
                path: path.to_owned(),
                holder: recorded.trim().parse().ok(),
            });
        }
        Err(TryLockError::Error(e)) if e.kind() == std::io::ErrorKind::Unsupported => {
            return Ok(None);
        }
        Err(TryLockError::Error(e)) => return Err(failed(e)),
    }
    let pid = std::process::id().to_string();
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| file.write_all(pid.as_bytes()))
        .map_err(failed)?;
    Ok(Some(StateLock { _file: file }))
}

/// `FILE.lock` beside `FILE`.
fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".lock");
    path.with_file_name(name)
}

/// Reads the state file; `None` when it does not exist yet.
pub fn load(path: &Path) -> Result<Option<StateFile>, PersistError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(PersistError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    let parse = |message: String| PersistError::Parse {
        path: path.to_owned(),
        message,
    };
    let state: StateFile = serde_json::from_slice(&bytes).map_err(|e| parse(e.to_string()))?;
    if state.format != FORMAT {
        return Err(parse(format!(
            "format {} is not the supported format {FORMAT}",
            state.format
        )));
    }
    Ok(Some(state))
}

/// Replaces the state file atomically ([`atomic::write`]).
pub fn save(path: &Path, state: &StateFile) -> Result<(), PersistError> {
    let write = |source: std::io::Error| PersistError::Write {
        path: path.to_owned(),
        source,
    };
    let mut json = serde_json::to_vec_pretty(state).map_err(|e| write(e.into()))?;
    json.push(b'\n');
    atomic::write(path, &json, Overwrite::Replace).map_err(|e| write(e.into()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(n: u64) -> StateFile {
        StateFile {
            format: FORMAT,
            next_id: n,
            clock_ms: 7,
            trainings: Vec::new(),
        }
    }

    #[test]
    fn one_holder_at_a_time_and_the_next_one_learns_who() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("state.json");
        let held = lock(&path).unwrap().expect("this file system locks");
        match lock(&path) {
            Err(PersistError::InUse { holder, .. }) => {
                assert_eq!(holder, Some(std::process::id()));
            }
            other => panic!("{other:?}"),
        }
        drop(held);
        assert!(lock(&path).unwrap().is_some(), "free again");
        assert!(dir.path().join("sub").join("state.json.lock").is_file());
    }

    #[test]
    fn missing_file_is_empty_state_and_save_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/state.json");
        assert_eq!(load(&path).unwrap(), None);
        save(&path, &state(3)).unwrap();
        save(&path, &state(4)).unwrap();
        assert_eq!(load(&path).unwrap(), Some(state(4)));
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, ["state.json"]);
    }

    #[test]
    fn rejects_garbage_and_other_formats() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, "{\"format\":1,").unwrap();
        assert!(matches!(load(&path), Err(PersistError::Parse { .. })));
        std::fs::write(
            &path,
            r#"{"format":9,"next_id":1,"clock_ms":0,"trainings":[]}"#,
        )
        .unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("format 9"), "{err}");
    }
}
