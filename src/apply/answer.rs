//! Judging a write's answer: does the training the server returned hold what
//! the write meant to store? Apply reports a change as done only when an
//! answer shows it; otherwise the answer says which corrective step may make
//! it take (the draft toggle, the move endpoint, a fresh read) or the change
//! fails. Pure functions over values.

use std::collections::BTreeSet;
use std::fmt;

use crate::model::{META_WORKSPACE, Training};
use crate::plan::same_text;
use crate::remote::api;

/// A part of the desired state an answer does not show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    /// The title customers get (published) or the one being edited (draft).
    Title,
    /// The content, read like the title.
    Content,
    /// The training type (only when the answer reports one).
    Type,
    /// The channel restriction.
    Channels,
    /// The segment restriction.
    Segments,
    /// The directory.
    Directory,
    /// Published or draft.
    Draft,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Title => "title",
            Self::Content => "content",
            Self::Type => "type",
            Self::Channels => "channels",
            Self::Segments => "segments",
            Self::Directory => "directory",
            Self::Draft => "draft flag",
        })
    }
}

/// The text a training shows in the view a file compares with (SPEC §7):
/// live for a published file, `draft_* ?? live` for a draft file.
fn view(answer: &api::Training, draft: bool) -> (&str, &str) {
    if draft {
        (
            answer.draft_title.as_deref().unwrap_or(&answer.title),
            answer.draft_content.as_deref().unwrap_or(&answer.content),
        )
    } else {
        (&answer.title, &answer.content)
    }
}

/// Every part of `desired` that `answer` does not hold, in [`Part`] order.
/// Text is compared up to line endings and trailing whitespace, lists as
/// sets, and a type only when the answer reports one.
pub fn unconfirmed(desired: &Training, answer: &api::Training) -> Vec<Part> {
    let (title, content) = view(answer, desired.draft);
    let mut parts = Vec::new();
    let mut check = |differs: bool, part| {
        if differs {
            parts.push(part);
        }
    };
    check(!same_text(title, &desired.title), Part::Title);
    check(!same_text(content, &desired.content), Part::Content);
    check(answer.kind.is_some_and(|k| k != desired.kind), Part::Type);
    check(
        answer
            .restricted_to_channels
            .iter()
            .collect::<BTreeSet<_>>()
            != desired.channels.iter().collect(),
        Part::Channels,
    );
    check(
        answer
            .restricted_to_segments
            .iter()
            .collect::<BTreeSet<_>>()
            != desired.segments.iter().collect(),
        Part::Segments,
    );
    check(answer.directory_id != desired.directory_id, Part::Directory);
    check(answer.is_draft != desired.draft, Part::Draft);
    parts
}

/// The draft toggle an answer calls for, if any: `Some(false)` publishes,
/// `Some(true)` unpublishes.
///
/// The server may not honour `is_draft` in a write: it may stage an edit of a
/// published training as a draft (`draft_title`/`draft_content` set, live
/// text unchanged), and changing a training's type may reset its published
/// state. A file that says published needs the toggle when the training is
/// not live with the file's text, but publishing would make it so: the text
/// the toggle puts live (`draft_* ?? live`) is the file's. So the toggle never
/// publishes someone else's pending edit, nor text the write did not store. A
/// file that says draft needs it when the answer is published.
pub fn draft_fix(desired: &Training, answer: &api::Training) -> Option<bool> {
    if desired.draft {
        return (!answer.is_draft).then_some(true);
    }
    let live_matches =
        same_text(&answer.title, &desired.title) && same_text(&answer.content, &desired.content);
    let (title, content) = view(answer, true);
    let publishes_the_file =
        same_text(title, &desired.title) && same_text(content, &desired.content);
    ((answer.is_draft || !live_matches) && publishes_the_file).then_some(false)
}

/// Whether an answer shows the server dropped this workspace's ownership
/// tag: it carries metadata, but not `cxtrain_workspace` = `workspace`. An
/// answer without metadata tells nothing (the documented `GET` omits it).
pub fn ownership_lost(answer: &api::Training, workspace: &str) -> bool {
    answer.metadata.is_some() && answer.metadata_str(META_WORKSPACE) != Some(workspace)
}

/// Why a change is not confirmed, in words a user can act on.
pub fn advice(desired: &Training, answer: &api::Training, parts: &[Part]) -> &'static str {
    let text = parts
        .iter()
        .any(|p| matches!(p, Part::Title | Part::Content));
    let pending = answer.draft_title.is_some() || answer.draft_content.is_some();
    if text && desired.draft && pending {
        "the server kept another pending draft instead of the file's text: discard that draft \
         in the OpenCX dashboard, then run apply again"
    } else if parts.contains(&Part::Directory) {
        "neither the update's directory_id nor the move endpoint moved it: check the directory \
         id in cxtrain.toml (`cxtrain doctor --probe` shows which move call this server takes)"
    } else {
        "the server did not store it: run `cxtrain plan` to see what the remote holds, then \
         apply again"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Channel, TrainingType};

    fn desired() -> Training {
        Training {
            channels: [Channel::Web, Channel::Email].into_iter().collect(),
            segments: ["vip".to_owned()].into_iter().collect(),
            directory_id: Some("dir_1".into()),
            ..Training::scenario("faq", "Title of faq", "Content of faq, long enough.")
        }
    }

    fn answer(t: &Training) -> api::Training {
        api::Training::holding("trn_1", t)
    }

    #[test]
    fn an_answer_holding_the_file_confirms_everything() {
        let d = desired();
        let mut a = answer(&d);
        a.restricted_to_channels = vec![Channel::Email, Channel::Web];
        a.content.push_str("\r\n");
        a.kind = None;
        assert_eq!(unconfirmed(&d, &a), vec![]);
    }

    #[test]
    fn every_part_that_did_not_take_is_named() {
        let d = desired();
        let mut a = answer(&d);
        a.title = "Old title".into();
        a.kind = Some(TrainingType::Behavioral);
        a.restricted_to_channels = vec![Channel::Web];
        a.restricted_to_segments = vec![];
        a.directory_id = None;
        a.is_draft = true;
        assert_eq!(
            unconfirmed(&d, &a),
            vec![
                Part::Title,
                Part::Type,
                Part::Channels,
                Part::Segments,
                Part::Directory,
                Part::Draft
            ]
        );
    }

    #[test]
    fn a_draft_file_is_read_from_the_pending_draft() {
        let mut d = desired();
        d.draft = true;
        let mut a = answer(&d);
        a.draft_content = Some("A dashboard edit nobody published".into());
        assert_eq!(unconfirmed(&d, &a), vec![Part::Content]);
        assert_eq!(draft_fix(&d, &a), None, "a toggle cannot fix it");
        assert!(advice(&d, &a, &[Part::Content]).contains("discard that draft"));
        // The same pending draft beside a published file is the dashboard's
        // business: the live text is what the file asks for.
        let p = desired();
        let mut a = answer(&p);
        a.draft_content = Some("A dashboard edit nobody published".into());
        assert_eq!(unconfirmed(&p, &a), vec![]);
        assert_eq!(draft_fix(&p, &a), None);
    }

    #[test]
    fn draft_fix_publishes_a_staged_edit_of_the_file() {
        let d = desired();
        let mut staged = answer(&d);
        staged.title = "Old live title".into();
        staged.draft_title = Some(d.title.clone());
        staged.draft_content = Some(d.content.clone());
        assert_eq!(unconfirmed(&d, &staged), vec![Part::Title]);
        assert_eq!(draft_fix(&d, &staged), Some(false));
    }

    #[test]
    fn draft_fix_publishes_when_the_server_left_a_draft() {
        let d = desired();
        let mut reset = answer(&d);
        reset.is_draft = true;
        assert_eq!(draft_fix(&d, &reset), Some(false));
    }

    #[test]
    fn draft_fix_never_publishes_text_that_is_not_the_files() {
        let d = desired();
        let mut other = answer(&d);
        other.title = "Old live title".into();
        other.draft_title = Some("Someone else's pending edit".into());
        assert_eq!(draft_fix(&d, &other), None);
        let mut ignored = answer(&d);
        ignored.is_draft = true;
        ignored.content = "The write did not store the text".into();
        assert_eq!(draft_fix(&d, &ignored), None);
    }

    #[test]
    fn draft_fix_unpublishes_when_the_write_did_not() {
        let mut d = desired();
        d.draft = true;
        let mut published = answer(&d);
        published.is_draft = false;
        assert_eq!(draft_fix(&d, &published), Some(true));
        published.is_draft = true;
        published.draft_title = Some("staged".into());
        assert_eq!(draft_fix(&d, &published), None);
    }

    #[test]
    fn ownership_is_lost_only_when_the_answer_shows_it() {
        let d = desired();
        let mut a = answer(&d);
        assert!(!ownership_lost(&a, "ws"), "no metadata in the answer");
        a.metadata = Some([(META_WORKSPACE.to_owned(), "ws".into())].into());
        assert!(!ownership_lost(&a, "ws"));
        a.metadata = Some(Default::default());
        assert!(ownership_lost(&a, "ws"));
    }
}
