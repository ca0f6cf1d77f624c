//! The change set of a plan — what it writes (keys, remote ids, actions,
//! desired states) and where (workspace, API, environment) — its
//! [`Fingerprint`], and the first difference between two of them.
//!
//! The change set leaves out everything that describes the remote rather
//! than the writes: `current`, `updated_at`, the observed record hash, flags,
//! counts, file paths and the order of the changes. Two plans with equal
//! change sets write the same things to the same place; their fingerprints
//! are equal, and only then.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::compare::changed_fields;
use super::{Action, Change, Plan};
use crate::model::Training;
use crate::text;

/// Tags the encoding the fingerprint hashes; a new encoding needs a new tag.
const ENCODING: &str = "cxtrain-fingerprint/1";

/// A plan's fingerprint: the lowercase hex sha256 of its change set.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Fingerprint(String);

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Fingerprint> for String {
    fn from(f: Fingerprint) -> String {
        f.0
    }
}

/// Text that is no fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a fingerprint is 64 hexadecimal digits (as `cxtrain plan` prints it)")]
pub struct FingerprintError;

impl FromStr for Fingerprint {
    type Err = FingerprintError;

    /// Accepts 64 hex digits in either case; holds them in lowercase.
    fn from_str(s: &str) -> Result<Fingerprint, FingerprintError> {
        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Fingerprint(s.to_ascii_lowercase()))
        } else {
            Err(FingerprintError)
        }
    }
}

impl TryFrom<String> for Fingerprint {
    type Error = FingerprintError;

    fn try_from(s: String) -> Result<Fingerprint, FingerprintError> {
        s.parse()
    }
}

/// Where a plan writes; part of its change set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
struct Target<'a> {
    encoding: &'static str,
    workspace: &'a str,
    api_url: &'a str,
    environment: Option<&'a str>,
}

/// What one change writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry<'a> {
    /// The training's key.
    pub key: &'a str,
    /// The remote training it writes to (`None`: a create).
    pub remote: Option<&'a str>,
    /// What it does.
    pub actions: Vec<Action>,
    /// The state it writes (`None`: a delete).
    pub desired: Option<&'a Training>,
}

impl<'a> Entry<'a> {
    /// The entry of `change`.
    pub fn of(change: &'a Change) -> Entry<'a> {
        Entry {
            key: change.key(),
            remote: change.remote().map(|r| r.id.as_str()),
            actions: change.actions(),
            desired: change.desired(),
        }
    }

    /// How a reviewer reads it: ``update title, content `faq` (trn_1)``;
    /// key and id made inert for a terminal or CI log.
    pub fn describe(&self) -> String {
        let actions: Vec<String> = self.actions.iter().map(ToString::to_string).collect();
        let remote = self
            .remote
            .map(|id| format!(" ({})", text::escape(id)))
            .unwrap_or_default();
        format!(
            "{} `{}`{remote}",
            actions.join("; "),
            text::escape(self.key)
        )
    }

    /// The verb of its first action, as in "the plan deletes trn_1".
    pub fn verb(&self) -> &'static str {
        match self.actions.first() {
            Some(Action::Create) => "creates",
            Some(Action::Adopt) => "adopts",
            Some(Action::Rename { .. }) => "renames",
            Some(Action::Move { .. }) => "moves",
            Some(Action::Update { .. }) => "updates",
            Some(Action::Publish) => "publishes",
            Some(Action::Unpublish) => "unpublishes",
            Some(Action::Delete) => "deletes",
            None => "changes",
        }
    }

    fn canonical(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a change set entry always serialises")
    }
}

impl Plan {
    /// The fingerprint of this plan's change set: independent of the order
    /// of the changes and of everything outside the change set.
    pub fn fingerprint(&self) -> Fingerprint {
        let target = Target {
            encoding: ENCODING,
            workspace: &self.workspace,
            api_url: &self.api_url,
            environment: self.environment.as_deref(),
        };
        let mut entries: Vec<Vec<u8>> = self
            .changes
            .iter()
            .map(|c| Entry::of(c).canonical())
            .collect();
        entries.sort();
        let mut h = Sha256::new();
        let target = serde_json::to_vec(&target).expect("a target always serialises");
        for part in std::iter::once(&target).chain(&entries) {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part);
        }
        Fingerprint(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// How a saved plan's change set differs from the plan derived now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// The plans are for different workspaces, APIs or environments.
    Target {
        /// `workspace`, `API` or `environment`.
        what: &'static str,
        /// What the saved plan says.
        saved: String,
        /// What the plan derived now says.
        now: String,
    },
    /// Change `index` (0-based, in the saved plan's order) is not what the
    /// files and the remote call for: another change for its key, or none.
    Change {
        /// Where it is in the saved plan.
        index: usize,
        /// The saved change, described.
        saved: String,
        /// The change for its key now, described; `None`: no change.
        now: Option<String>,
    },
    /// Change `index` lists other actions than the same change now.
    Actions {
        /// Where it is in the saved plan.
        index: usize,
        /// The saved change, described.
        saved: String,
        /// The change now, described.
        now: String,
    },
    /// Change `index` writes a state its file does not ask for.
    Desired {
        /// Where it is in the saved plan.
        index: usize,
        /// The training's key.
        key: String,
        /// The first field that differs.
        field: &'static str,
    },
    /// A change the files and the remote call for that the saved plan lacks.
    Missing {
        /// The change now, described.
        now: String,
    },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Target { what, saved, now } => write!(
                f,
                "the plan is for {what} `{}`, but this run's is `{}`",
                text::escape(saved),
                text::escape(now)
            ),
            Self::Change {
                index,
                saved,
                now: Some(now),
            } => write!(
                f,
                "change {}: the plan says {saved}, but the files and the remote call for {now}",
                index + 1
            ),
            Self::Change {
                index,
                saved,
                now: None,
            } => write!(
                f,
                "change {}: the plan says {saved}, but the files and the remote call for no \
                 change to it",
                index + 1
            ),
            Self::Actions { index, saved, now } => write!(
                f,
                "change {}: the plan says {saved}, but the files and the remote call for {now}",
                index + 1
            ),
            Self::Desired { index, key, field } => write!(
                f,
                "change {}: the plan's {field} for `{}` is not what its file holds",
                index + 1,
                text::escape(key)
            ),
            Self::Missing { now } => write!(
                f,
                "the files and the remote also call for {now}, which the plan does not hold"
            ),
        }
    }
}

/// The first difference between the change sets of `saved` and `now`
/// (targets first, then the saved changes in their order, then changes
/// only `now` holds); `None` exactly when their fingerprints are equal.
pub fn difference(saved: &Plan, now: &Plan) -> Option<Difference> {
    let targets = [
        ("workspace", &saved.workspace, &now.workspace),
        ("API", &saved.api_url, &now.api_url),
    ];
    for (what, a, b) in targets {
        if a != b {
            return Some(Difference::Target {
                what,
                saved: a.clone(),
                now: b.clone(),
            });
        }
    }
    if saved.environment != now.environment {
        let name = |e: &Option<String>| e.clone().unwrap_or_else(|| "(none)".to_owned());
        return Some(Difference::Target {
            what: "environment",
            saved: name(&saved.environment),
            now: name(&now.environment),
        });
    }
    let current: Vec<Entry> = now.changes.iter().map(Entry::of).collect();
    // The changes of `now` not matched yet, by key (a key has several
    // changes only when orphans share it).
    let mut by_key: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (j, e) in current.iter().enumerate() {
        by_key.entry(e.key).or_default().push(j);
    }
    let claimed: BTreeSet<(&str, Option<&str>)> = (saved.changes.iter())
        .map(|c| (c.key(), c.remote().map(|r| r.id.as_str())))
        .collect();
    let mut matched = vec![false; current.len()];
    for (index, change) in saved.changes.iter().enumerate() {
        let entry = Entry::of(change);
        let same_key = by_key.get_mut(entry.key);
        let Some(candidates) = same_key.filter(|c| !c.is_empty()) else {
            return Some(Difference::Change {
                index,
                saved: entry.describe(),
                now: None,
            });
        };
        let Some(at) = candidates
            .iter()
            .position(|&j| current[j].remote == entry.remote)
        else {
            // Name the change for this key that no saved change accounts for.
            let unclaimed = (candidates.iter())
                .find(|&&j| !claimed.contains(&(current[j].key, current[j].remote)))
                .unwrap_or(&candidates[0]);
            return Some(Difference::Change {
                index,
                saved: entry.describe(),
                now: Some(current[*unclaimed].describe()),
            });
        };
        let j = candidates.remove(at);
        matched[j] = true;
        let now = &current[j];
        if entry.actions != now.actions {
            return Some(Difference::Actions {
                index,
                saved: entry.describe(),
                now: now.describe(),
            });
        }
        if let (Some(a), Some(b)) = (entry.desired, now.desired)
            && let Some(field) = first_difference(a, b)
        {
            return Some(Difference::Desired {
                index,
                key: entry.key.to_owned(),
                field,
            });
        }
    }
    let extra = (0..current.len()).find(|&j| !matched[j])?;
    Some(Difference::Missing {
        now: current[extra].describe(),
    })
}

/// The first field in which two states differ, named for a reviewer.
fn first_difference(a: &Training, b: &Training) -> Option<&'static str> {
    if let Some(field) = changed_fields(a, b).first() {
        return Some(field.name());
    }
    if a.draft != b.draft {
        Some("draft flag")
    } else if a.directory_id != b.directory_id {
        Some("directory")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Channel, TrainingType};
    use crate::plan::{Flag, Identity, RemoteRef};

    fn training(key: &str) -> Training {
        Training::scenario(
            key,
            &format!("Title of {key}"),
            &format!("Content of {key}."),
        )
    }

    fn edited(key: &str) -> Training {
        let mut t = training(key);
        t.content = format!("New content of {key}.");
        t
    }

    /// A plan with one change of each kind.
    fn plan() -> Plan {
        Plan {
            workspace: "ws".into(),
            api_url: "https://api.example".into(),
            environment: Some("staging".into()),
            changes: vec![
                Change::modify("trn_1", Identity::Keep, training("a"), &edited("a")),
                Change::create(training("b")),
                Change::delete("trn_3", training("c")),
            ],
            ..Plan::default()
        }
    }

    #[test]
    fn the_fingerprint_is_pinned() {
        // A change here changes every fingerprint users have reviewed: it
        // needs a new `ENCODING` tag, not a new expected value.
        assert_eq!(
            plan().fingerprint().to_string(),
            "dea46ae95f863d88686db6f51e91ccc6b0037e8f1d5d93fdfc670f1ee38921d5"
        );
    }

    #[test]
    fn order_and_what_the_remote_looked_like_do_not_count() {
        let a = plan();
        let mut b = plan();
        b.changes.reverse();
        b.unchanged = 40;
        b.managed = 41;
        b.unmanaged_ignored = 7;
        b.pending_drafts = vec!["x".into()];
        b.deletes_withheld = vec!["y".into()];
        let Change::Delete(d) = &mut b.changes[0] else {
            panic!()
        };
        d.remote.updated_at = Some("2027-01-01T00:00:00Z".into());
        d.remote.observed = crate::model::StateHash("ff".repeat(32));
        d.current.title = "Edited in the dashboard".into();
        d.flags.push(Flag::Drift);
        let Change::Create(c) = &mut b.changes[1] else {
            panic!()
        };
        c.path = "trainings/elsewhere/b.md".parse().unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_eq!(difference(&a, &b), None);
    }

    /// Every way a change set can differ changes the fingerprint and is
    /// named by [`difference`].
    #[test]
    fn any_difference_in_the_change_set_counts() {
        type Edit = Box<dyn Fn(&mut Plan)>;
        fn desired(p: &mut Plan) -> &mut Training {
            match &mut p.changes[1] {
                Change::Create(c) => &mut c.desired,
                _ => panic!(),
            }
        }
        let edits: Vec<(&str, Edit, &str)> = vec![
            (
                "workspace",
                Box::new(|p| p.workspace = "other".into()),
                "the plan is for workspace `other`, but this run's is `ws`",
            ),
            (
                "api",
                Box::new(|p| p.api_url = "https://elsewhere".into()),
                "the plan is for API `https://elsewhere`, but this run's is `https://api.example`",
            ),
            (
                "environment",
                Box::new(|p| p.environment = None),
                "the plan is for environment `(none)`, but this run's is `staging`",
            ),
            (
                "key",
                Box::new(|p| {
                    p.changes[1] = Change::create(training("b2"));
                }),
                "change 2: the plan says create `b2`, but the files and the remote call for no \
                 change to it",
            ),
            (
                "remote id",
                Box::new(|p| {
                    p.changes[2] = Change::delete("trn_9", training("c"));
                }),
                "change 3: the plan says delete `c` (trn_9), but the files and the remote call \
                 for delete `c` (trn_3)",
            ),
            (
                "kind",
                Box::new(|p| {
                    p.changes[0] = Change::delete("trn_1", training("a"));
                }),
                "change 1: the plan says delete `a` (trn_1), but the files and the remote call \
                 for update content `a` (trn_1)",
            ),
            (
                "actions",
                Box::new(|p| {
                    let mut t = edited("a");
                    t.title = "Retitled".into();
                    p.changes[0] = Change::modify("trn_1", Identity::Keep, training("a"), &t);
                }),
                "change 1: the plan says update title, content `a` (trn_1), but the files and \
                 the remote call for update content `a` (trn_1)",
            ),
            (
                "identity",
                Box::new(|p| {
                    p.changes[0] =
                        Change::modify("trn_1", Identity::Adopt, training("a"), &edited("a"));
                }),
                "change 1: the plan says adopt; update content `a` (trn_1), but the files and \
                 the remote call for update content `a` (trn_1)",
            ),
            (
                "content",
                Box::new(|p| desired(p).content = "Other text.".into()),
                "change 2: the plan's content for `b` is not what its file holds",
            ),
            (
                "title",
                Box::new(|p| desired(p).title = "Other".into()),
                "change 2: the plan's title for `b` is not what its file holds",
            ),
            (
                "type",
                Box::new(|p| desired(p).kind = TrainingType::Behavioral),
                "change 2: the plan's type for `b` is not what its file holds",
            ),
            (
                "channels",
                Box::new(|p| {
                    desired(p).channels.insert(Channel::Web);
                }),
                "change 2: the plan's channels for `b` is not what its file holds",
            ),
            (
                "segments",
                Box::new(|p| {
                    desired(p).segments.insert("vip".into());
                }),
                "change 2: the plan's segments for `b` is not what its file holds",
            ),
            (
                "metadata",
                Box::new(|p| {
                    desired(p).metadata.insert("team".into(), "x".into());
                }),
                "change 2: the plan's metadata for `b` is not what its file holds",
            ),
            (
                "draft",
                Box::new(|p| desired(p).draft = true),
                "change 2: the plan's draft flag for `b` is not what its file holds",
            ),
            (
                "directory",
                Box::new(|p| desired(p).directory_id = Some("dir_1".into())),
                "change 2: the plan's directory for `b` is not what its file holds",
            ),
            (
                "one more change",
                Box::new(|p| p.changes.push(Change::create(training("d")))),
                "change 4: the plan says create `d`, but the files and the remote call for no \
                 change to it",
            ),
            (
                "one change less",
                Box::new(|p| {
                    p.changes.pop();
                }),
                "the files and the remote also call for delete `c` (trn_3), which the plan \
                 does not hold",
            ),
        ];
        let now = plan();
        let mut seen = vec![now.fingerprint()];
        for (name, edit, message) in edits {
            let mut saved = plan();
            edit(&mut saved);
            let fingerprint = saved.fingerprint();
            assert!(
                !seen.contains(&fingerprint),
                "{name}: fingerprint unchanged"
            );
            seen.push(fingerprint);
            let found = difference(&saved, &now).map(|d| d.to_string());
            assert_eq!(found.as_deref(), Some(message), "{name}");
        }
    }

    #[test]
    fn changes_sharing_a_key_match_by_remote_id() {
        let orphans = |ids: [&str; 2]| Plan {
            changes: ids
                .iter()
                .map(|id| Change::delete(id, training("dup")))
                .collect(),
            ..plan()
        };
        let saved = orphans(["trn_1", "trn_2"]);
        assert_eq!(difference(&saved, &orphans(["trn_2", "trn_1"])), None);
        assert_eq!(
            difference(&saved, &orphans(["trn_2", "trn_3"])).map(|d| d.to_string()),
            Some(
                "change 1: the plan says delete `dup` (trn_1), but the files and the remote \
                 call for delete `dup` (trn_3)"
                    .to_owned()
            )
        );
    }

    #[test]
    fn a_differing_id_is_named_before_anything_else_of_its_change() {
        let mut saved = plan();
        let mut t = edited("a");
        t.title = "Hijacked".into();
        saved.changes[0] = Change::Modify(
            crate::plan::Modify::new(
                "trainings/a.md".parse().unwrap(),
                RemoteRef::fixture("trn_foreign"),
                Identity::Keep,
                training("a"),
                &t,
            )
            .unwrap(),
        );
        assert_eq!(
            difference(&saved, &plan()).unwrap().to_string(),
            "change 1: the plan says update title, content `a` (trn_foreign), but the files \
             and the remote call for update content `a` (trn_1)"
        );
    }

    #[test]
    fn descriptions_make_remote_text_inert() {
        let mut p = plan();
        p.changes = vec![Change::delete(
            "trn_\u{1b}]52;c;x\u{7}",
            training("::error::x"),
        )];
        let e = Entry::of(&p.changes[0]);
        assert_eq!(
            e.describe(),
            "delete `\\u{3a}:error::x` (trn_\\u{1b}]52;c;x\\u{7})"
        );
        assert_eq!(e.verb(), "deletes");
    }

    #[test]
    fn fingerprints_parse_in_either_case_and_nothing_else() {
        let f = plan().fingerprint();
        assert_eq!(
            f.to_string().to_uppercase().parse::<Fingerprint>(),
            Ok(f.clone())
        );
        assert_eq!(f.to_string().len(), 64);
        for bad in ["", "abc", &"g".repeat(64), &"a".repeat(65)] {
            assert_eq!(bad.parse::<Fingerprint>(), Err(FingerprintError), "{bad}");
        }
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(serde_json::from_str::<Fingerprint>(&json).unwrap(), f);
        assert!(serde_json::from_str::<Fingerprint>("\"xyz\"").is_err());
    }
}
