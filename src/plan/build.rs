//! The planner: desired trainings (files) + managed remote trainings →
//! [`Plan`]. Identity by key, then renames by content, then per-pair diffs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::remote::managed::{ManagedTraining, Origin};
use crate::repo_path::RepoPath;
use crate::workspace::LocalTraining;

use super::compare::{aligned, remote_edited, three_way};
use super::rename;
use super::{Change, Create, Delete, Flag, Identity, Modify, Plan, RemoteRef};

/// What the planner needs besides the two sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOptions {
    /// The workspace (ownership tag).
    pub workspace: String,
    /// The trainings root. Locates a deleted training's file.
    pub root: RepoPath,
    /// `--target`: which changes the plan keeps.
    pub targets: Targets,
    /// Whether trainings whose file was removed are deleted.
    pub deletes: DeletePolicy,
    /// What a stored `cxtrain_hash` is the hash of.
    pub stored_hash: StoredHash,
}

/// What the `cxtrain_hash` a managed training carries is the hash of, which
/// decides whether it can be the base of a three-way comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredHash {
    /// The state last applied: every write stores it. A remote that no
    /// longer hashes to it was edited in the dashboard.
    LastApplied,
    /// The state of the last write that carried metadata, usually the
    /// create: the server refuses `metadata` on update (`[api]
    /// put_accepts_metadata = false`), so updates leave the hash behind. A
    /// remote that still hashes to it is unchanged since, and the
    /// comparison stays three-way; one that does not was changed by a
    /// dashboard edit or by an update, and no data tells which: such a
    /// training is compared two-way ([`Flag::DashboardEditUnknown`]).
    LastWithMetadata,
}

/// The part of the repository a plan covers (`--target`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Targets {
    /// No `--target`: every change.
    All,
    /// Only changes whose file (for a delete: where its file was,
    /// `<root>/<key>.md`) is one of these files or lies in one of these
    /// folders. A target outside the repository is left out by the caller:
    /// it matches nothing.
    Only(Vec<RepoPath>),
}

/// How much of the repository a `--target` plan covers: the trainings whose
/// file (or, for a training whose file is gone, whose former file) lies in
/// a target, of every training the plan could touch (each file, and each
/// managed training no file holds any more).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Targeting {
    /// Trainings in scope.
    pub targeted: usize,
    /// Trainings in all.
    pub total: usize,
}

/// `--no-delete` or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeletePolicy {
    /// Delete managed trainings whose file was removed.
    Delete,
    /// Keep them, listing them in [`Plan::deletes_withheld`].
    Withhold,
}

/// Builds the plan. Pure and deterministic: the same inputs give the same
/// plan, whatever their order.
pub fn build(
    desired: &[LocalTraining],
    managed: &[ManagedTraining],
    unmanaged: u64,
    options: &PlanOptions,
) -> Plan {
    let mut desired: Vec<&LocalTraining> = desired.iter().collect();
    desired.sort_by(|a, b| a.training.key.cmp(&b.training.key));
    let files_total = desired.len();
    let files_targeted = desired
        .iter()
        .filter(|d| options.targets.contain(&d.path))
        .count();

    // Several remotes with one key (a create retried after a lost answer,
    // say): the lowest tagged id keeps the identity, the others are orphans.
    let mut by_key: BTreeMap<&str, Vec<&ManagedTraining>> = BTreeMap::new();
    for m in managed {
        by_key.entry(&m.key).or_default().push(m);
    }
    for list in by_key.values_mut() {
        list.sort_by(|a, b| (a.origin, &a.id).cmp(&(b.origin, &b.id)));
        list.reverse();
    }

    let mut pairs: Vec<(&LocalTraining, &ManagedTraining, Identity)> = Vec::new();
    let mut new_files = Vec::new();
    for d in desired {
        match by_key.get_mut(d.training.key.as_str()).and_then(Vec::pop) {
            Some(m) => {
                let identity = match m.origin {
                    Origin::Adopted => Identity::Adopt,
                    Origin::Tagged => Identity::Keep,
                };
                pairs.push((d, m, identity));
            }
            None => new_files.push(d),
        }
    }
    // An adopted training no file matches is not ours yet: it is neither
    // renamed nor deleted, just left alone like any other unmanaged one.
    let (orphans, unadopted): (Vec<&ManagedTraining>, Vec<&ManagedTraining>) = by_key
        .into_values()
        .flat_map(|l| l.into_iter().rev())
        .partition(|m| m.origin == Origin::Tagged);

    let renames = rename::pair(
        &new_files.iter().map(|d| &d.training).collect::<Vec<_>>(),
        &orphans,
    );
    let mut renamed_local = vec![false; new_files.len()];
    let mut renamed_orphan = vec![false; orphans.len()];
    for p in &renames {
        renamed_local[p.local] = true;
        renamed_orphan[p.orphan] = true;
        let orphan = orphans[p.orphan];
        pairs.push((
            new_files[p.local],
            orphan,
            Identity::Rename {
                from: orphan.key.clone(),
                similarity: p.similarity,
            },
        ));
    }

    let mut plan = Plan {
        workspace: options.workspace.clone(),
        changes: Vec::new(),
        unchanged: 0,
        managed: managed.len() - unadopted.len(),
        unmanaged_ignored: unmanaged + unadopted.len() as u64,
        deletes_withheld: Vec::new(),
        pending_drafts: Vec::new(),
        targeting: None,
        hand_made: Vec::new(),
        // Where the plan is for is the caller's to say: the planner reads
        // no remote.
        api_url: String::new(),
        environment: None,
    };
    if let Targets::Only(_) = options.targets {
        let gone = orphans
            .iter()
            .zip(&renamed_orphan)
            .filter(|(_, renamed)| !**renamed);
        let gone_targeted = gone
            .clone()
            .filter(|(m, _)| options.targets.contain_deleted(&options.root, &m.key))
            .count();
        plan.targeting = Some(Targeting {
            targeted: files_targeted + gone_targeted,
            total: files_total + gone.count(),
        });
    }
    for (d, m, identity) in pairs {
        if !options.targets.contain(&d.path) {
            continue;
        }
        match update(d, m, identity, options.stored_hash) {
            Some(change) => plan.changes.push(change),
            None => {
                plan.unchanged += 1;
                if m.pending_draft.is_some() && !d.training.draft {
                    plan.pending_drafts.push(d.training.key.clone());
                }
            }
        }
    }
    for (d, _) in new_files.iter().zip(&renamed_local).filter(|(_, r)| !**r) {
        if options.targets.contain(&d.path) {
            plan.changes.push(Change::Create(Create {
                path: d.path.clone(),
                desired: d.training.clone(),
            }));
        }
    }
    for (m, _) in orphans.iter().zip(&renamed_orphan).filter(|(_, r)| !**r) {
        if !options.targets.contain_deleted(&options.root, &m.key) {
            continue;
        }
        match options.deletes {
            DeletePolicy::Delete => plan.changes.push(delete(m, options.stored_hash)),
            DeletePolicy::Withhold => plan.deletes_withheld.push(m.key.clone()),
        }
    }
    plan.changes.sort_by(|a, b| order(a).cmp(&order(b)));
    plan.pending_drafts.sort();
    plan.deletes_withheld.sort();
    plan
}

/// Where a change sorts in a plan: by key, then remote id (orphans share
/// a key), with no copy per comparison.
fn order(change: &Change) -> (&str, Option<&str>) {
    (change.key(), change.remote().map(|r| r.id.as_str()))
}

impl Targets {
    /// The targets no training lies in: no file, and no former file of a
    /// managed training whose file is gone. Empty for [`Targets::All`].
    pub fn unmatched<'a>(
        &'a self,
        desired: &[LocalTraining],
        managed: &[ManagedTraining],
        root: &RepoPath,
    ) -> Vec<&'a RepoPath> {
        let Self::Only(targets) = self else {
            return Vec::new();
        };
        targets
            .iter()
            .filter(|t| {
                let only = Targets::Only(vec![(*t).clone()]);
                !desired.iter().any(|d| only.contain(&d.path))
                    && !managed.iter().any(|m| only.contain_deleted(root, &m.key))
            })
            .collect()
    }

    /// Whether the file `path` is in scope.
    fn contain(&self, path: &RepoPath) -> bool {
        match self {
            Self::All => true,
            Self::Only(targets) => targets.iter().any(|t| path.starts_with(t)),
        }
    }

    /// Whether the file a training of `key` had below `root` is in scope. A
    /// remote key that names no file below the root (`..`) lies in no target.
    fn contain_deleted(&self, root: &RepoPath, key: &str) -> bool {
        match self {
            Self::All => true,
            Self::Only(_) => format!("{key}.md")
                .parse()
                .is_ok_and(|file| self.contain(&root.join(&file))),
        }
    }
}

/// The change a matched pair needs, or `None` when it is in sync.
fn update(
    d: &LocalTraining,
    m: &ManagedTraining,
    identity: Identity,
    stored: StoredHash,
) -> Option<Change> {
    let desired = &d.training;
    let current = aligned(desired, m);
    let mut change = Modify::new(d.path.clone(), remote_ref(m), identity, current, desired)?;
    change.flags.extend(three_way(desired, m, stored));
    if m.pending_draft.is_some() && !desired.draft {
        change.flags.push(Flag::PendingDashboardDraft);
    }
    Some(Change::Modify(change))
}

fn delete(m: &ManagedTraining, stored: StoredHash) -> Change {
    let flags = match (remote_edited(m, m.live.draft), stored) {
        (Some(true), StoredHash::LastApplied) => vec![Flag::Drift],
        (Some(true), StoredHash::LastWithMetadata) => vec![Flag::DashboardEditUnknown],
        _ => Vec::new(),
    };
    Change::Delete(Delete {
        remote: remote_ref(m),
        current: m.view(m.live.draft).clone(),
        flags,
    })
}

fn remote_ref(m: &ManagedTraining) -> RemoteRef {
    RemoteRef {
        id: m.id.clone(),
        updated_at: m.updated_at.clone(),
        observed: m.observed.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Channel, StateHash, Training, TrainingType};
    use crate::plan::Action;
    use crate::plan::{ConflictPolicy, DeleteBudget, Field, Refusal, SafetyOptions, check_safety};
    use crate::remote::api;

    fn training(key: &str, content: &str) -> Training {
        Training::scenario(key, &format!("Title of {key}"), content)
    }

    fn local(t: &Training) -> LocalTraining {
        LocalTraining {
            path: format!("trainings/{}.md", t.key).parse().unwrap(),
            file_hash: StateHash::of_bytes(t.content.as_bytes()),
            training: t.clone(),
            scope: Default::default(),
        }
    }

    /// The remote as the last apply of `applied` left it, with `edit` made
    /// in the dashboard afterwards.
    fn remote(
        id: &str,
        applied: &Training,
        edit: impl FnOnce(&mut api::Training),
    ) -> ManagedTraining {
        let mut r = api::Training {
            metadata: Some(
                [
                    ("cxtrain_workspace", "ws".to_owned()),
                    ("cxtrain_key", applied.key.clone()),
                    ("cxtrain_hash", applied.state_hash().0),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), serde_json::Value::String(v)))
                .chain(
                    applied
                        .metadata
                        .iter()
                        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))),
                )
                .collect(),
            ),
            created_at: Some("2025-01-01T00:00:00Z".into()),
            updated_at: Some("2025-01-01T00:00:00Z".into()),
            ..api::Training::holding(id, applied)
        };
        edit(&mut r);
        ManagedTraining::from_api(&r).unwrap()
    }

    fn options() -> PlanOptions {
        PlanOptions {
            workspace: "ws".into(),
            root: "trainings".parse().unwrap(),
            targets: Targets::All,
            deletes: DeletePolicy::Delete,
            stored_hash: StoredHash::LastApplied,
        }
    }

    fn plan<const N: usize>(locals: [Training; N], remotes: &[ManagedTraining]) -> Plan {
        build(
            &locals.iter().map(local).collect::<Vec<_>>(),
            remotes,
            0,
            &options(),
        )
    }

    fn summary(plan: &Plan) -> Vec<(String, Vec<Action>, Vec<Flag>)> {
        plan.changes
            .iter()
            .map(|c| (c.key().to_owned(), c.actions(), c.flags().to_vec()))
            .collect()
    }

    const LONG: &str = "Refunds requested after thirty days: apologise, explain the policy, \
        offer store credit, and escalate to a human when the customer mentions a chargeback \
        or a bank dispute of any kind.";

    /// An untagged remote holding `t`, adopted through `[adopt]` as `key`.
    fn adopted(id: &str, key: &str, t: &Training) -> ManagedTraining {
        let record = api::Training::holding(id, t);
        ManagedTraining::adopted(&record, key)
    }

    #[test]
    fn adopted_trainings_are_tagged_not_created_nor_deleted() {
        let same = training("same", "Content of same");
        let edited = training("edited", "New content");
        let before = training("edited", "Old content");
        let loose = training("loose", "No file for this one");
        let p = plan(
            [same.clone(), edited],
            &[
                adopted("1", "same", &same),
                adopted("2", "edited", &before),
                adopted("3", "loose", &loose),
            ],
        );
        assert_eq!(
            summary(&p),
            vec![
                (
                    "edited".into(),
                    vec![
                        Action::Adopt,
                        Action::Update {
                            fields: vec![Field::Content]
                        }
                    ],
                    vec![]
                ),
                ("same".into(), vec![Action::Adopt], vec![]),
            ]
        );
        assert_eq!(p.changes[1].remote().unwrap().id, "1");
        assert_eq!((p.counts().adopt, p.counts().create), (2, 0));
        assert_eq!((p.unchanged, p.managed, p.unmanaged_ignored), (0, 2, 1));
    }

    #[test]
    fn a_tagged_training_wins_over_an_adopted_one_with_its_key() {
        let a = training("a", "Content of a");
        let p = plan(
            [a.clone()],
            &[adopted("0", "a", &a), remote("9", &a, |_| {})],
        );
        assert!(!p.has_changes(), "{:?}", summary(&p));
        assert_eq!((p.unchanged, p.unmanaged_ignored), (1, 1));
    }

    #[test]
    fn new_repo_plans_all_creates() {
        let a = training("a", "Content of a");
        let b = training("b/c", "Content of c");
        let p = build(&[local(&b), local(&a)], &[], 12, &options());
        assert_eq!(
            summary(&p),
            vec![
                ("a".into(), vec![Action::Create], vec![]),
                ("b/c".into(), vec![Action::Create], vec![]),
            ]
        );
        assert_eq!(p.unmanaged_ignored, 12);
        assert_eq!(p.changes[0].desired(), Some(&a));
        assert_eq!(
            p.changes[0].path(),
            Some(&"trainings/a.md".parse().unwrap())
        );
    }

    #[test]
    fn in_sync_plans_nothing() {
        let a = training("a", "Content of a");
        let p = plan([a.clone()], &[remote("1", &a, |_| {})]);
        assert!(!p.has_changes());
        assert_eq!(p.unchanged, 1);
        assert_eq!(p.managed, 1);
    }

    #[test]
    fn no_spurious_diffs_from_shapes_order_and_whitespace() {
        let mut a = training("a", "Line one\nLine two");
        a.channels = [Channel::Web, Channel::Email].into();
        a.kind = TrainingType::Behavioral;
        let r = remote("1", &a, |r| {
            r.kind = None;
            r.restricted_to_channels = vec![Channel::Web, Channel::Email];
            r.content = "Line one\r\nLine two\n".into();
            r.metadata
                .as_mut()
                .unwrap()
                .insert("n".into(), serde_json::json!(1));
        });
        assert!(!plan([a], &[r]).has_changes());
    }

    #[test]
    fn field_updates_are_listed() {
        let base = training("a", "Content of a");
        let mut edited = base.clone();
        edited.title = "New title".into();
        edited.content = "New content".into();
        edited.kind = TrainingType::Behavioral;
        edited.channels = [Channel::Sms].into();
        edited.segments = ["vip".to_owned()].into();
        edited.metadata = [("team".to_owned(), "x".to_owned())].into();
        let p = plan([edited.clone()], &[remote("1", &base, |_| {})]);
        assert_eq!(
            summary(&p),
            vec![(
                "a".into(),
                vec![Action::Update {
                    fields: vec![
                        Field::Title,
                        Field::Content,
                        Field::Type,
                        Field::Channels,
                        Field::Segments,
                        Field::Metadata
                    ]
                }],
                vec![]
            )]
        );
        let c = &p.changes[0];
        assert_eq!(c.remote().unwrap().id, "1");
        assert_eq!(c.current().unwrap().title, base.title);
        assert_eq!(c.desired(), Some(&edited));
    }

    #[test]
    fn move_publish_unpublish() {
        let base = training("a", "Content of a");
        let mut moved = base.clone();
        moved.directory_id = Some("dir_b".into());
        let mut drafted = training("b", "Content of b");
        let published_b = drafted.clone();
        drafted.draft = true;
        let mut draft_c = training("c", "Content of c");
        draft_c.draft = true;
        let mut published_c = draft_c.clone();
        published_c.draft = false;
        let p = plan(
            [moved, drafted, published_c],
            &[
                remote("1", &base, |_| {}),
                remote("2", &published_b, |_| {}),
                remote("3", &draft_c, |_| {}),
            ],
        );
        assert_eq!(
            summary(&p),
            vec![
                (
                    "a".into(),
                    vec![Action::Move {
                        from: None,
                        to: Some("dir_b".into())
                    }],
                    vec![]
                ),
                ("b".into(), vec![Action::Unpublish], vec![]),
                ("c".into(), vec![Action::Publish], vec![]),
            ]
        );
        let counts = p.counts();
        assert_eq!((counts.moved, counts.publish, counts.unpublish), (1, 1, 1));
    }

    #[test]
    fn deleted_file_deletes_unless_withheld() {
        let a = training("a", "Content of a");
        let gone = training("gone", "Entirely unrelated text");
        let remotes = [remote("1", &a, |_| {}), remote("2", &gone, |_| {})];
        let p = plan([a.clone()], &remotes);
        assert_eq!(
            summary(&p),
            vec![("gone".into(), vec![Action::Delete], vec![])]
        );
        assert_eq!(p.changes[0].path(), None);
        assert_eq!(p.changes[0].current().unwrap().title, gone.title);
        let mut o = options();
        o.deletes = DeletePolicy::Withhold;
        let p = build(&[local(&a)], &remotes, 0, &o);
        assert!(!p.has_changes());
        assert_eq!(p.deletes_withheld, vec!["gone".to_owned()]);
    }

    #[test]
    fn rename_by_identical_and_similar_content_keeps_the_id() {
        let old = training("old", LONG);
        let mut renamed = training("new/place", LONG);
        renamed.title = old.title.clone();
        let p = plan([renamed], &[remote("7", &old, |_| {})]);
        assert_eq!(
            summary(&p),
            vec![(
                "new/place".into(),
                vec![Action::Rename {
                    from: "old".into(),
                    similarity: 100
                }],
                vec![]
            )]
        );
        assert_eq!(p.changes[0].remote().unwrap().id, "7");

        let mut edited = training("new", &LONG.replace("store credit", "a store credit"));
        edited.title = old.title.clone();
        let p = plan([edited], &[remote("7", &old, |_| {})]);
        let c = &p.changes[0];
        assert!(
            matches!(&c.actions()[0], Action::Rename { from, similarity } if from == "old" && *similarity >= 90)
        );
        assert_eq!(
            c.actions()[1],
            Action::Update {
                fields: vec![Field::Content]
            }
        );
        assert_eq!(c.remote().unwrap().id, "7");
    }

    #[test]
    fn dissimilar_new_file_is_create_plus_delete() {
        let old = training("old", LONG);
        let new = training(
            "new",
            "A training about shipping parcels to other countries.",
        );
        let p = plan([new], &[remote("7", &old, |_| {})]);
        assert_eq!(
            summary(&p),
            vec![
                ("new".into(), vec![Action::Create], vec![]),
                ("old".into(), vec![Action::Delete], vec![]),
            ]
        );
    }

    #[test]
    fn explicit_key_keeps_identity_across_file_renames() {
        let t = training("billing/refund-late", "Content of the refund");
        let mut l = local(&t);
        l.path = "trainings/somewhere/else.md".parse().unwrap();
        let p = build(&[l], &[remote("1", &t, |_| {})], 0, &options());
        assert!(!p.has_changes());
    }

    #[test]
    fn three_way_drift_conflict_and_pending_draft() {
        let base = training("a", "Content of a");
        let mut local_edit = base.clone();
        local_edit.content = "Local edit".into();
        let dashboard = |r: &mut api::Training| r.title = "Dashboard title".into();

        let p = plan([local_edit.clone()], &[remote("1", &base, |_| {})]);
        assert_eq!(p.changes[0].flags(), vec![]);

        let p = plan([base.clone()], &[remote("1", &base, dashboard)]);
        assert_eq!(
            summary(&p),
            vec![(
                "a".into(),
                vec![Action::Update {
                    fields: vec![Field::Title]
                }],
                vec![Flag::Drift]
            )]
        );

        let p = plan([local_edit.clone()], &[remote("1", &base, dashboard)]);
        assert_eq!(p.changes[0].flags(), vec![Flag::Conflict]);
        let guard = SafetyOptions {
            delete_budget: DeleteBudget::Config(10),
            conflicts: ConflictPolicy::Refuse,
        };
        assert_eq!(
            check_safety(&p, &guard),
            Err(Refusal::Conflicts {
                keys: vec!["a".into()]
            })
        );
        let force = SafetyOptions {
            conflicts: ConflictPolicy::Overwrite,
            ..guard
        };
        assert_eq!(check_safety(&p, &force), Ok(()));

        let staged = |r: &mut api::Training| r.draft_content = Some("Staged in dashboard".into());
        let p = plan([local_edit], &[remote("1", &base, staged)]);
        assert_eq!(p.changes[0].flags(), vec![Flag::PendingDashboardDraft]);
        let p = plan([base.clone()], &[remote("1", &base, staged)]);
        assert!(!p.has_changes());
        assert_eq!(p.pending_drafts, vec!["a".to_owned()]);
    }

    /// Options for a server that refuses `metadata` on update.
    fn refusing() -> PlanOptions {
        PlanOptions {
            stored_hash: StoredHash::LastWithMetadata,
            ..options()
        }
    }

    #[test]
    fn a_training_updated_without_metadata_is_compared_two_way() {
        let created = training("a", "Content at create");
        let mut applied = created.clone();
        applied.content = "Content applied without metadata".into();
        let mut edited = applied.clone();
        edited.content = "Content edited again in the file".into();
        // The server holds what the update sent, beside the create's hash.
        let r = remote("1", &created, |r| r.content.clone_from(&applied.content));

        let in_sync = build(&[local(&applied)], std::slice::from_ref(&r), 0, &refusing());
        assert!(!in_sync.has_changes(), "{:?}", summary(&in_sync));

        let p = build(&[local(&edited)], std::slice::from_ref(&r), 0, &refusing());
        assert_eq!(
            summary(&p),
            vec![(
                "a".into(),
                vec![Action::Update {
                    fields: vec![Field::Content]
                }],
                vec![Flag::DashboardEditUnknown]
            )]
        );
        let guard = SafetyOptions {
            delete_budget: DeleteBudget::Config(10),
            conflicts: ConflictPolicy::Refuse,
        };
        assert_eq!(check_safety(&p, &guard), Ok(()));

        // The very same records from a server that stores the hash on every
        // write mean file and dashboard both changed: nothing in the data
        // tells the two apart, so the planner is told which server it is.
        let p = plan([edited], &[r]);
        assert_eq!(p.changes[0].flags(), vec![Flag::Conflict]);
    }

    #[test]
    fn a_stored_hash_the_remote_still_holds_stays_a_three_way_base() {
        let created = training("a", "Content at create");
        let mut edited = created.clone();
        edited.content = "Edited in the file only".into();
        let untouched = remote("1", &created, |_| {});
        let p = build(&[local(&edited)], &[untouched], 0, &refusing());
        assert_eq!(p.changes[0].flags(), vec![]);

        // A dashboard edit of a training never updated since its create
        // looks like an update that could not store its hash: two-way too.
        let dashboard = remote("1", &created, |r| r.title = "Dashboard title".into());
        let p = build(
            &[local(&created)],
            std::slice::from_ref(&dashboard),
            0,
            &refusing(),
        );
        assert_eq!(p.changes[0].flags(), vec![Flag::DashboardEditUnknown]);
        let p = build(&[], &[dashboard], 0, &refusing());
        assert_eq!(
            summary(&p),
            vec![(
                "a".into(),
                vec![Action::Delete],
                vec![Flag::DashboardEditUnknown]
            )],
            "deletes are judged the same way"
        );
    }

    #[test]
    fn deleting_a_dashboard_edited_training_is_flagged() {
        let keep = training("keep", "Content kept");
        let gone = training("gone", "Entirely unrelated text");
        let p = plan(
            [keep.clone()],
            &[
                remote("1", &keep, |_| {}),
                remote("2", &gone, |r| r.title = "Edited".into()),
            ],
        );
        assert_eq!(
            summary(&p),
            vec![("gone".into(), vec![Action::Delete], vec![Flag::Drift])]
        );
    }

    #[test]
    fn duplicate_remotes_of_one_key_lowest_id_wins() {
        let a = training("a", "Content of a");
        let p = plan(
            [a.clone()],
            &[remote("2", &a, |_| {}), remote("1", &a, |_| {})],
        );
        assert_eq!(
            summary(&p),
            vec![("a".into(), vec![Action::Delete], vec![])]
        );
        assert_eq!(p.changes[0].remote().unwrap().id, "2");
    }

    #[test]
    fn target_limits_the_plan() {
        let a = training("billing/a", "Content of a");
        let b = training("shipping/b", "Content of b");
        let gone = training("billing/gone", "Entirely unrelated text");
        let gone2 = training("shipping/gone", "Something else altogether here");
        let mut o = options();
        let targets = |t: &[&str]| Targets::Only(t.iter().map(|t| t.parse().unwrap()).collect());
        o.targets = targets(&["trainings/billing/"]);
        let p = build(
            &[local(&a), local(&b)],
            &[remote("1", &gone, |_| {}), remote("2", &gone2, |_| {})],
            0,
            &o,
        );
        assert_eq!(
            summary(&p),
            vec![
                ("billing/a".into(), vec![Action::Create], vec![]),
                ("billing/gone".into(), vec![Action::Delete], vec![]),
            ]
        );
        o.targets = targets(&["trainings/shipping/b.md", "trainings/bill"]);
        let p = build(&[local(&a), local(&b)], &[], 0, &o);
        assert_eq!(
            summary(&p),
            vec![("shipping/b".into(), vec![Action::Create], vec![])]
        );
        // Every `--target` lay outside the repository: nothing is in scope.
        o.targets = Targets::Only(Vec::new());
        assert!(!build(&[local(&a)], &[], 0, &o).has_changes());
    }

    #[test]
    fn a_remote_key_climbing_out_of_the_root_is_in_no_target() {
        let escape = remote("1", &training("../escape", "Unrelated text"), |_| {});
        let p = plan([], std::slice::from_ref(&escape));
        assert_eq!(
            summary(&p),
            vec![("../escape".into(), vec![Action::Delete], vec![])]
        );
        let mut o = options();
        o.targets = Targets::Only(vec!["trainings".parse().unwrap()]);
        assert!(!build(&[], &[escape], 0, &o).has_changes());
    }

    #[test]
    fn delete_guards() {
        let keep = training("keep", "Content kept");
        let remotes: Vec<ManagedTraining> = (0..5)
            .map(|i| {
                remote(
                    &i.to_string(),
                    &training(
                        &format!("gone{i}"),
                        &format!("Text number {i} quite unique"),
                    ),
                    |_| {},
                )
            })
            .chain([remote("k", &keep, |_| {})])
            .collect();
        let budget = |b| SafetyOptions {
            delete_budget: b,
            conflicts: ConflictPolicy::Refuse,
        };
        let p = plan([keep.clone()], &remotes);
        assert_eq!(p.counts().delete, 5);
        assert_eq!(
            check_safety(&p, &budget(DeleteBudget::Config(4))),
            Err(Refusal::TooManyDeletes { count: 5, limit: 4 })
        );
        assert_eq!(check_safety(&p, &budget(DeleteBudget::Config(5))), Ok(()));
        assert_eq!(check_safety(&p, &budget(DeleteBudget::Explicit(5))), Ok(()));

        let empty_root = plan([], &remotes);
        let everything = Err(Refusal::DeletesEverything {
            workspace: "ws".into(),
            count: 6,
        });
        assert_eq!(
            check_safety(&empty_root, &budget(DeleteBudget::Config(100))),
            everything
        );
        assert_eq!(
            check_safety(&empty_root, &budget(DeleteBudget::Explicit(5))),
            everything
        );
        assert_eq!(
            check_safety(&empty_root, &budget(DeleteBudget::Explicit(6))),
            Ok(())
        );
        assert_eq!(
            check_safety(&plan([], &[]), &budget(DeleteBudget::Config(0))),
            Ok(())
        );
    }

    #[test]
    fn plan_is_independent_of_input_order() {
        let a = training("a", "Content of a");
        let b = training("b", "Content of b");
        let mut b2 = b.clone();
        b2.title = "Changed".into();
        let ra = remote("1", &a, |_| {});
        let rb = remote("2", &b, |_| {});
        let gone = remote("3", &training("gone", "Unrelated text here"), |_| {});
        let p1 = plan(
            [a.clone(), b2.clone()],
            &[ra.clone(), rb.clone(), gone.clone()],
        );
        let p2 = plan([b2, a], &[gone, rb, ra]);
        assert_eq!(p1, p2);
    }
}
