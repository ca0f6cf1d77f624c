//! Values for the tests that call the library without the binary: a
//! training as the scanner reads it, as an apply leaves it on the server,
//! and the plan between the two.

use cxtrain::model::{StateHash, Training};
use cxtrain::plan::{self, DeletePolicy, Plan, PlanOptions, StoredHash, Targets};
use cxtrain::remote::api;
use cxtrain::remote::managed::ManagedTraining;
use cxtrain::workspace::LocalTraining;

/// `t` as the scanner reads it from `trainings/<key>.md` (the file hash is
/// the content's: only its identity matters here).
pub fn local(t: &Training) -> LocalTraining {
    LocalTraining {
        path: format!("trainings/{}.md", t.key)
            .parse()
            .expect("a key path"),
        file_hash: StateHash::of_bytes(t.content.as_bytes()),
        training: t.clone(),
        scope: Default::default(),
    }
}

/// The record an apply of `t` by `workspace` leaves on the server: `t`'s
/// fields, its metadata and cxtrain's tags, published at version 1.
pub fn applied(id: &str, t: &Training, workspace: &str) -> api::Training {
    let metadata = super::applied_input(workspace, t)
        .metadata
        .into_iter()
        .map(|(k, v)| (k, v.into()))
        .collect();
    api::Training {
        metadata: Some(metadata),
        ..api::Training::holding(id, t)
    }
}

/// The plan of workspace `workspace` from `locals` (files below
/// `trainings/`) to `remotes`, with `unmanaged` trainings beside them: every
/// training targeted, deletes allowed, the stored hash trusted.
pub fn plan(
    locals: &[Training],
    remotes: &[ManagedTraining],
    unmanaged: u64,
    workspace: &str,
) -> Plan {
    plan::build(
        &locals.iter().map(local).collect::<Vec<_>>(),
        remotes,
        unmanaged,
        &PlanOptions {
            workspace: workspace.into(),
            root: "trainings".parse().expect("a root"),
            targets: Targets::All,
            deletes: DeletePolicy::Delete,
            stored_hash: StoredHash::LastApplied,
        },
    )
}
