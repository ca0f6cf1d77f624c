//! Comparing one file with its remote training: which fields differ (with no
//! spurious differences) and what the three-way check against `cxtrain_hash`
//! says about who changed what since the last apply.

use crate::model::{Training, TrainingType};
use crate::remote::managed::{KindReport, ManagedTraining};

use super::{Field, Flag, StoredHash, Toggle};

/// The remote state in the file's terms: the view SPEC §7 says to compare
/// with, where a difference that is not one (line endings, trailing
/// whitespace, a `type` the server did not report) takes the file's value.
pub(super) fn aligned(desired: &Training, remote: &ManagedTraining) -> Training {
    let mut view = remote.view(desired.draft).clone();
    view.key.clone_from(&desired.key);
    if same_text(&view.title, &desired.title) {
        view.title.clone_from(&desired.title);
    }
    if same_text(&view.content, &desired.content) {
        view.content.clone_from(&desired.content);
    }
    if remote.kind_report == KindReport::Missing {
        view.kind = desired.kind;
    }
    view
}

/// Text equal up to line endings and trailing whitespace, which neither the
/// AI nor a reviewer can see and servers may not preserve.
pub(crate) fn same_text(a: &str, b: &str) -> bool {
    a == b || norm(a) == norm(b)
}

/// LF line endings, no trailing whitespace.
pub(super) fn norm(s: &str) -> String {
    s.replace("\r\n", "\n").trim_end().to_owned()
}

/// The fields an update must change, in [`Field`] order.
pub(super) fn changed_fields(desired: &Training, aligned: &Training) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut check = |differs: bool, field| {
        if differs {
            fields.push(field);
        }
    };
    check(desired.title != aligned.title, Field::Title);
    check(desired.content != aligned.content, Field::Content);
    check(desired.kind != aligned.kind, Field::Type);
    check(desired.channels != aligned.channels, Field::Channels);
    check(desired.segments != aligned.segments, Field::Segments);
    check(desired.metadata != aligned.metadata, Field::Metadata);
    fields
}

/// The draft toggle needed, if the draft flag flips.
pub(super) fn draft_toggle(desired: &Training, aligned: &Training) -> Option<Toggle> {
    match (aligned.draft, desired.draft) {
        (true, false) => Some(Toggle::Publish),
        (false, true) => Some(Toggle::Unpublish),
        _ => None,
    }
}

/// Who changed what since the last apply, for a pair that differs.
///
/// Without a stored hash there is no base to compare with, so nothing is
/// flagged. A hash updates cannot refresh ([`StoredHash::LastWithMetadata`])
/// is a base only while the remote still holds its state: once the remote
/// moved, a dashboard edit and an earlier update look the same, so the pair
/// is compared two-way and flagged [`Flag::DashboardEditUnknown`].
pub(super) fn three_way(
    desired: &Training,
    remote: &ManagedTraining,
    stored: StoredHash,
) -> Option<Flag> {
    let base = remote.stored_hash.as_ref()?;
    let local_changed = desired.state_hash() != *base;
    match (local_changed, remote_edited(remote, desired.draft)?, stored) {
        (_, true, StoredHash::LastWithMetadata) => Some(Flag::DashboardEditUnknown),
        (true, true, StoredHash::LastApplied) => Some(Flag::Conflict),
        (false, true, StoredHash::LastApplied) => Some(Flag::Drift),
        (_, false, _) => None,
    }
}

/// Whether the remote changed since the last apply (`None`: no stored
/// hash). It did not if any faithful reading of it hashes to the stored
/// state: its text as sent or normalised (servers may trim or convert line
/// endings), and either type when the server did not report one.
pub(super) fn remote_edited(remote: &ManagedTraining, wants_draft: bool) -> Option<bool> {
    let base = remote.stored_hash.as_ref()?;
    let view = remote.view(wants_draft);
    let kinds: &[TrainingType] = match remote.kind_report {
        KindReport::Reported => &[view.kind],
        KindReport::Missing => &[TrainingType::ScenarioSpecific, TrainingType::Behavioral],
    };
    let mut normalised = view.clone();
    normalised.title = norm(&view.title);
    normalised.content = norm(&view.content);
    let unchanged = [view.clone(), normalised].into_iter().any(|mut reading| {
        kinds.iter().any(|&kind| {
            reading.kind = kind;
            reading.state_hash() == *base
        })
    });
    Some(!unchanged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::api;

    fn remote(json: &str) -> ManagedTraining {
        ManagedTraining::from_api(&serde_json::from_str::<api::Training>(json).unwrap()).unwrap()
    }

    fn desired() -> Training {
        Training::scenario("k", "Title", "Line one\nLine two")
    }

    #[test]
    fn whitespace_line_endings_and_missing_type_are_not_diffs() {
        let r = remote(
            r#"{"id":"1","title":"Title ","content":"Line one\r\nLine two\n",
                "restricted_to_channels":null,"metadata":{"cxtrain_key":"k"}}"#,
        );
        let mut d = desired();
        d.kind = crate::model::TrainingType::Behavioral;
        let a = aligned(&d, &r);
        assert_eq!(changed_fields(&d, &a), vec![]);
        assert_eq!(a, d);
    }

    #[test]
    fn draft_file_compares_with_staged_text() {
        let r = remote(
            r#"{"id":"1","title":"Title","content":"Old","draft_content":"Line one\nLine two",
                "is_draft":true,"type":"SCENARIO_SPECIFIC","metadata":{"cxtrain_key":"k"}}"#,
        );
        let mut d = desired();
        d.draft = true;
        assert_eq!(changed_fields(&d, &aligned(&d, &r)), vec![]);
        d.draft = false;
        let a = aligned(&d, &r);
        assert_eq!(changed_fields(&d, &a), vec![Field::Content]);
        assert_eq!(draft_toggle(&d, &a), Some(Toggle::Publish));
    }

    #[test]
    fn three_way_cases() {
        let base = desired();
        let tagged = |content: &str, extra: &str| {
            remote(&format!(
                r#"{{"id":"1","title":"Title","content":{},"type":"SCENARIO_SPECIFIC",
                    "metadata":{{"cxtrain_key":"k","cxtrain_hash":"{}"}}{extra}}}"#,
                serde_json::to_string(content).unwrap(),
                base.state_hash()
            ))
        };
        let mut local = base.clone();
        local.title = "New title".into();
        let untouched = tagged(&base.content, "");
        let edited = tagged("Edited in the dashboard", "");
        let applied = StoredHash::LastApplied;
        assert_eq!(three_way(&local, &untouched, applied), None);
        assert_eq!(three_way(&base, &edited, applied), Some(Flag::Drift));
        assert_eq!(three_way(&local, &edited, applied), Some(Flag::Conflict));
        // A server that trims or converts line endings did not edit anything.
        let reshaped = tagged("Line one\r\nLine two\n", "");
        assert_eq!(three_way(&local, &reshaped, applied), None);
        let mut untagged = edited.clone();
        untagged.stored_hash = None;
        assert_eq!(three_way(&local, &untagged, applied), None);
    }

    #[test]
    fn missing_type_is_not_a_remote_edit_even_when_the_file_changes_it() {
        let mut base = desired();
        base.kind = crate::model::TrainingType::Behavioral;
        let r = remote(&format!(
            r#"{{"id":"1","title":"Title","content":"Line one\nLine two",
                "metadata":{{"cxtrain_key":"k","cxtrain_hash":"{}"}}}}"#,
            base.state_hash()
        ));
        let mut local = base.clone();
        local.kind = crate::model::TrainingType::ScenarioSpecific;
        local.title = "Changed".into();
        assert_eq!(three_way(&local, &r, StoredHash::LastApplied), None);
        assert_eq!(remote_edited(&r, false), Some(false));
    }
}
