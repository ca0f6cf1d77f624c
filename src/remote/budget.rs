//! The rate budget shared between runs: when the requests of the current
//! window went out, kept in the user's cache directory so that a `plan`
//! followed by an `apply` does not spend the API's window twice.
//!
//! One small JSON file per API host and key (the file name carries a hash of
//! the key, never the key), read and rewritten under an exclusive lock. The
//! file is advisory: a missing, locked-for-too-long, unreadable or corrupt
//! file is ignored, and failing to write it never fails a request.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::key::ApiKey;

/// Environment variable naming the cache directory (used as is).
pub const CACHE_DIR_ENV: &str = "CXTRAIN_CACHE_DIR";

/// Entries kept per file: far more than any real limit needs in a window.
const MAX_ENTRIES: usize = 10_000;

/// How long to wait for another process's lock before going on without the
/// file; the lock is only ever held for one read and one write.
const LOCK_WAIT: Duration = Duration::from_millis(200);

/// The file format version.
const FORMAT: u32 = 1;

/// Where cxtrain keeps its cache: `$CXTRAIN_CACHE_DIR`, else the platform's
/// cache directory plus `cxtrain` (`$XDG_CACHE_HOME` or `~/.cache` on Linux,
/// `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows); `None` when
/// there is none.
pub fn cache_dir() -> Option<PathBuf> {
    let from_env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = from_env(CACHE_DIR_ENV) {
        return Some(dir);
    }
    let platform = if cfg!(windows) {
        from_env("LOCALAPPDATA")
    } else if cfg!(target_os = "macos") {
        from_env("HOME").map(|home| home.join("Library").join("Caches"))
    } else {
        from_env("XDG_CACHE_HOME")
            .filter(|dir| dir.is_absolute())
            .or_else(|| from_env("HOME").map(|home| home.join(".cache")))
    };
    platform.map(|dir| dir.join("cxtrain"))
}

/// The budget file of one API host and key.
#[derive(Debug, Clone)]
pub struct SharedBudget {
    path: PathBuf,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct BudgetFile {
    format: u32,
    /// Unix milliseconds at which each request of the window finished.
    sent_ms: Vec<u64>,
}

impl SharedBudget {
    /// The budget of `host` (`host[:port]` of the API URL) and `key`, in
    /// `dir`.
    pub fn new(dir: &Path, host: &str, key: &ApiKey) -> SharedBudget {
        let mut hasher = Sha256::new();
        hasher.update(b"cxtrain rate budget\0");
        hasher.update(key.expose().as_bytes());
        let digest = hasher.finalize();
        let hash = crate::model::hex(&digest[..8]);
        let host: String = host
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        SharedBudget {
            path: dir.join(format!("rate-{host}-{hash}.json")),
        }
    }

    /// The file's path.
    #[cfg(test)]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The send times recorded within the `window` before `now`, oldest
    /// first; empty when the file is missing, locked, unreadable or corrupt.
    pub fn load(&self, now: SystemTime, window: Duration) -> Vec<SystemTime> {
        let Ok(file) = File::open(&self.path) else {
            return Vec::new();
        };
        let Some(mut file) = locked(file) else {
            return Vec::new();
        };
        let mut times = read(&mut file).map_or_else(Vec::new, |f| recent(&f.sent_ms, now, window));
        times.sort();
        times
    }

    /// Adds a request finished at `at` to the file (creating it and its
    /// directory), dropping entries older than `window`. Best effort.
    pub fn record(&self, at: SystemTime, window: Duration) {
        let Some(dir) = self.path.parent() else {
            return;
        };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let Ok(file) = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&self.path)
        else {
            return;
        };
        let Some(mut file) = locked(file) else {
            return;
        };
        let mut times = read(&mut file).map_or_else(Vec::new, |f| recent(&f.sent_ms, at, window));
        times.push(at);
        times.sort();
        let skip = times.len().saturating_sub(MAX_ENTRIES);
        let sent_ms = times[skip..].iter().map(|t| unix_ms(*t)).collect();
        let Ok(json) = serde_json::to_vec(&BudgetFile {
            format: FORMAT,
            sent_ms,
        }) else {
            return;
        };
        // A torn write leaves a corrupt file, which the next reader ignores.
        let _ = file
            .rewind()
            .and_then(|()| file.set_len(0))
            .and_then(|()| file.write_all(&json));
    }
}

/// `file` with an exclusive lock held (released when it is dropped), or
/// `None` if another process keeps it longer than [`LOCK_WAIT`].
fn locked(file: File) -> Option<File> {
    let step = Duration::from_millis(5);
    let mut waited = Duration::ZERO;
    loop {
        match file.try_lock() {
            Ok(()) => return Some(file),
            Err(TryLockError::WouldBlock) if waited < LOCK_WAIT => {
                std::thread::sleep(step);
                waited += step;
            }
            Err(_) => return None,
        }
    }
}

/// The file's content, if it is a budget file of this format.
fn read(file: &mut File) -> Option<BudgetFile> {
    let mut text = String::new();
    // A budget file is small; anything big is not ours.
    file.take(8 * MAX_ENTRIES as u64 * 4)
        .read_to_string(&mut text)
        .ok()?;
    serde_json::from_str::<BudgetFile>(&text)
        .ok()
        .filter(|f| f.format == FORMAT)
}

/// The entries of `sent_ms` within the `window` before `now`. Entries from
/// the future (another machine's clock, a hand edit) count as sent `now`.
fn recent(sent_ms: &[u64], now: SystemTime, window: Duration) -> Vec<SystemTime> {
    sent_ms
        .iter()
        .filter_map(|ms| UNIX_EPOCH.checked_add(Duration::from_millis(*ms)))
        .filter(|t| now.duration_since(*t).map_or(true, |age| age < window))
        .map(|t| t.min(now))
        .collect()
}

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: Duration = Duration::from_secs(60);

    fn budget(dir: &Path) -> SharedBudget {
        SharedBudget::new(dir, "api.open.cx:443", &ApiKey::new("ocx_live_k".into()))
    }

    #[test]
    fn the_file_name_has_the_host_and_no_key() {
        let dir = Path::new("/cache");
        let b = budget(dir);
        let name = b.path().file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with("rate-api.open.cx_443-"), "{name}");
        assert!(!name.contains("ocx_live_k"), "{name}");
        let other = SharedBudget::new(dir, "api.open.cx:443", &ApiKey::new("ocx_live_j".into()));
        assert_ne!(b.path(), other.path());
        let hostile = SharedBudget::new(dir, "../x/..", &ApiKey::new("k".into()));
        assert_eq!(hostile.path().parent(), Some(dir));
    }

    #[test]
    fn records_within_the_window_and_forgets_older_ones() {
        let dir = tempfile::tempdir().unwrap();
        let b = budget(&dir.path().join("nested"));
        let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert!(
            b.load(t0, W).is_empty(),
            "a missing file is an empty budget"
        );
        b.record(t0, W);
        b.record(t0 + Duration::from_secs(30), W);
        assert_eq!(
            b.load(t0 + Duration::from_secs(31), W),
            [t0, t0 + Duration::from_secs(30)]
        );
        assert_eq!(
            b.load(t0 + Duration::from_secs(60), W),
            [t0 + Duration::from_secs(30)]
        );
        b.record(t0 + Duration::from_secs(75), W);
        let text = std::fs::read_to_string(b.path()).unwrap();
        assert_eq!(
            text.matches(',').count(),
            2,
            "the old entry is dropped: {text}"
        );
    }

    #[test]
    fn a_corrupt_file_is_ignored_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let b = budget(dir.path());
        let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        for junk in [
            &b"\xff\x00garbage"[..],
            b"{\"format\":1}",
            b"{\"format\":9,\"sent_ms\":[1]}",
        ] {
            std::fs::write(b.path(), junk).unwrap();
            assert!(b.load(t0, W).is_empty());
        }
        b.record(t0, W);
        assert_eq!(b.load(t0, W), [t0]);
    }

    #[test]
    fn entries_from_the_future_count_as_now() {
        let dir = tempfile::tempdir().unwrap();
        let b = budget(dir.path());
        let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        b.record(t0 + Duration::from_secs(3600), W);
        assert_eq!(b.load(t0, W), [t0]);
    }
}
