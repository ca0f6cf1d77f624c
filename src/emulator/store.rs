//! The emulator's store: trainings by id, the id counter and the logical
//! clock, with every write committed to the state file (if any) before it
//! is acknowledged. A write whose state file update fails is rolled back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::remote::api::{ListPage, SearchHit, Training};

use super::UpdateMode;
use super::body::{DashboardEdit, WriteBody};
use super::clock::{Clock, parse_rfc3339_ms};
use super::lifecycle;
use super::persist::{self, FORMAT, PersistError, StateFile, StateLock};
use super::query::ListParams;
use super::search;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("Training {0} not found")]
    NotFound(String),
    #[error("{}", .0.join("; "))]
    Invalid(Vec<String>),
    #[error(transparent)]
    Persist(#[from] PersistError),
}

/// Trainings in id order (ids are zero-padded counters, so id order is
/// creation order), plus what makes ids and stamps deterministic.
#[derive(Debug)]
pub struct Store {
    trainings: BTreeMap<String, Training>,
    next_id: u64,
    clock: Clock,
    mode: UpdateMode,
    state_file: Option<PathBuf>,
    /// Held while the store lives: no other emulator serves the file.
    _lock: Option<StateLock>,
}

impl Store {
    /// An empty store, or the one saved in `state_file` if it exists; the
    /// state file is locked until the store is dropped.
    pub fn open(mode: UpdateMode, state_file: Option<PathBuf>) -> Result<Store, PersistError> {
        let (lock, saved) = match &state_file {
            Some(path) => (persist::lock(path)?, persist::load(path)?),
            None => (None, None),
        };
        let (trainings, next_id, clock_ms) = match saved {
            Some(s) => {
                // Resume past every stamp in the file, even one edited by hand.
                let newest = s
                    .trainings
                    .iter()
                    .filter_map(|t| parse_rfc3339_ms(t.updated_at.as_deref()?))
                    .max()
                    .unwrap_or(0);
                let trainings = s.trainings.into_iter().map(|t| (t.id.clone(), t)).collect();
                (trainings, s.next_id, s.clock_ms.max(newest))
            }
            None => (BTreeMap::new(), 1, 0),
        };
        Ok(Store {
            trainings,
            next_id,
            clock: Clock::after(clock_ms),
            mode,
            state_file,
            _lock: lock,
        })
    }

    /// One training.
    pub fn get(&self, id: &str) -> Result<&Training, StoreError> {
        self.trainings
            .get(id)
            .ok_or_else(|| StoreError::NotFound(id.to_owned()))
    }

    /// One page of the trainings matching `params`, oldest first.
    pub fn list(&self, params: &ListParams) -> ListPage {
        let matching: Vec<&Training> = self
            .trainings
            .values()
            .filter(|t| params.matches(t))
            .collect();
        let total = matching.len() as u64;
        let start = usize::try_from(params.offset).unwrap_or(usize::MAX);
        let items: Vec<Training> = matching
            .into_iter()
            .skip(start)
            .take(usize::try_from(params.limit).unwrap_or(usize::MAX))
            .cloned()
            .collect();
        ListPage {
            has_more: params.offset.saturating_add(items.len() as u64) < total,
            items,
            total,
            limit: params.limit,
            offset: params.offset,
        }
    }

    /// Semantic search stand-in over every training.
    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        search::search(self.trainings.values(), query, limit)
    }

    /// `POST /training`.
    pub fn create(&mut self, body: WriteBody) -> Result<Training, StoreError> {
        let text = body.validate().map_err(StoreError::Invalid)?;
        let id = self.fresh_id();
        let now = self.clock.tick();
        let t = lifecycle::create(id, body, text, &now);
        self.commit(t)
    }

    /// `PUT /training/{id}`.
    pub fn update(&mut self, id: &str, body: WriteBody) -> Result<Training, StoreError> {
        let old = self.get(id)?;
        let text = body.validate().map_err(StoreError::Invalid)?;
        let old = old.clone();
        let now = self.clock.tick();
        let t = lifecycle::update(&old, body, text, self.mode, &now);
        self.commit(t)
    }

    /// `PUT /training/{id}/draft`.
    pub fn toggle_draft(&mut self, id: &str, is_draft: bool) -> Result<Training, StoreError> {
        let old = self.get(id)?.clone();
        let now = self.clock.tick();
        match lifecycle::toggle_draft(&old, is_draft, &now) {
            Some(t) => self.commit(t),
            None => Ok(old),
        }
    }

    /// The move operation.
    pub fn move_to(
        &mut self,
        id: &str,
        directory_id: Option<String>,
    ) -> Result<Training, StoreError> {
        let old = self.get(id)?.clone();
        let now = self.clock.tick();
        self.commit(lifecycle::move_to(&old, directory_id, &now))
    }

    /// The admin dashboard edit.
    pub fn dashboard(&mut self, id: &str, edit: DashboardEdit) -> Result<Training, StoreError> {
        let old = self.get(id)?.clone();
        let now = self.clock.tick();
        self.commit(lifecycle::dashboard(&old, edit, &now))
    }

    /// `DELETE /training/{id}`: the training as it was.
    pub fn delete(&mut self, id: &str) -> Result<Training, StoreError> {
        let old = self
            .trainings
            .remove(id)
            .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
        if let Err(e) = self.save() {
            self.trainings.insert(old.id.clone(), old);
            return Err(e.into());
        }
        Ok(old)
    }

    /// The next counter id that is not taken (a hand-edited state file may
    /// hold ids past its own counter).
    fn fresh_id(&mut self) -> String {
        loop {
            let id = format!("trn_{:08}", self.next_id);
            self.next_id += 1;
            if !self.trainings.contains_key(&id) {
                return id;
            }
        }
    }

    fn commit(&mut self, t: Training) -> Result<Training, StoreError> {
        let previous = self.trainings.insert(t.id.clone(), t.clone());
        if let Err(e) = self.save() {
            match previous {
                Some(p) => self.trainings.insert(p.id.clone(), p),
                None => self.trainings.remove(&t.id),
            };
            return Err(e.into());
        }
        Ok(t)
    }

    fn save(&self) -> Result<(), PersistError> {
        match &self.state_file {
            Some(path) => self.save_to(path),
            None => Ok(()),
        }
    }

    /// Writes the whole store to `path` in the state-file format.
    pub fn save_to(&self, path: &Path) -> Result<(), PersistError> {
        persist::save(
            path,
            &StateFile {
                format: FORMAT,
                next_id: self.next_id,
                clock_ms: self.clock.last_ms(),
                trainings: self.trainings.values().cloned().collect(),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> WriteBody {
        serde_json::from_str(json).unwrap()
    }

    const T: &str = r#"{"title":"A title","content":"Some content"}"#;

    #[test]
    fn ids_count_up_and_stamps_strictly_increase() {
        let mut store = Store::open(UpdateMode::Publish, None).unwrap();
        let a = store.create(body(T)).unwrap();
        let b = store.create(body(T)).unwrap();
        assert_eq!(
            (a.id.as_str(), b.id.as_str()),
            ("trn_00000001", "trn_00000002")
        );
        let a2 = store.update(&a.id, body(T)).unwrap();
        assert!(a.updated_at < b.updated_at && b.updated_at < a2.updated_at);
        assert_eq!(a2.created_at, a.created_at);
    }

    #[test]
    fn pages_report_total_and_has_more() {
        let mut store = Store::open(UpdateMode::Publish, None).unwrap();
        for _ in 0..5 {
            store.create(body(T)).unwrap();
        }
        let raw = |o: &str| {
            [("limit", "2"), ("offset", o)]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        };
        let p = store.list(&ListParams::parse(&raw("2")).unwrap());
        assert_eq!((p.items.len(), p.total, p.has_more), (2, 5, true));
        assert_eq!(p.items[0].id, "trn_00000003");
        let p = store.list(&ListParams::parse(&raw("4")).unwrap());
        assert_eq!((p.items.len(), p.has_more), (1, false));
        let p = store.list(&ListParams::parse(&raw("9")).unwrap());
        assert_eq!((p.items.len(), p.has_more), (0, false));
    }

    #[test]
    fn failed_state_write_rolls_back() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        let mut store = Store::open(UpdateMode::Publish, Some(sub.join("state.json"))).unwrap();
        let a = store.create(body(T)).unwrap();
        // Replace the state directory with a plain file: no write can succeed.
        std::fs::remove_dir_all(&sub).unwrap();
        std::fs::write(&sub, "").unwrap();
        let failed = store.create(body(T));
        assert!(matches!(failed, Err(StoreError::Persist(_))), "{failed:?}");
        assert!(matches!(
            store.get("trn_00000002"),
            Err(StoreError::NotFound(_))
        ));
        let failed = store.update(
            &a.id,
            body(r#"{"title":"Other","content":"Other content"}"#),
        );
        assert!(matches!(failed, Err(StoreError::Persist(_))));
        assert_eq!(store.get(&a.id).unwrap(), &a);
        assert!(matches!(store.delete(&a.id), Err(StoreError::Persist(_))));
        assert_eq!(store.get(&a.id).unwrap(), &a);
    }

    #[test]
    fn reopens_saved_state_and_continues_ids_and_clock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let mut store = Store::open(UpdateMode::Publish, Some(path.clone())).unwrap();
        let a = store.create(body(T)).unwrap();
        drop(store);
        let mut store = Store::open(UpdateMode::Publish, Some(path)).unwrap();
        assert_eq!(store.get(&a.id).unwrap(), &a);
        let b = store.create(body(T)).unwrap();
        assert_eq!(b.id, "trn_00000002");
        assert!(b.updated_at > a.updated_at);
    }

    #[test]
    fn never_reuses_an_id_taken_in_a_hand_edited_state_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let taken: Training = serde_json::from_value(serde_json::json!({
            "id": "trn_00000001", "title": "Hand made", "content": "Added by hand."
        }))
        .unwrap();
        let state = StateFile {
            format: FORMAT,
            next_id: 1,
            clock_ms: 0,
            trainings: vec![taken.clone()],
        };
        persist::save(&path, &state).unwrap();
        let mut store = Store::open(UpdateMode::Publish, Some(path)).unwrap();
        assert_eq!(store.create(body(T)).unwrap().id, "trn_00000002");
        assert_eq!(store.get("trn_00000001").unwrap(), &taken);
    }
}
