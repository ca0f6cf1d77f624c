//! Draft and version semantics as pure transitions: given a training, a
//! request and the current stamp, the training after the write. The rules
//! (opencx-api.md §3.4, §3.6, §5) are documented on each function.

use crate::model::TrainingType;
use crate::remote::api::Training;

use super::UpdateMode;
use super::body::{DashboardEdit, Text, WriteBody};

/// A new training. Published (`is_draft` false, the default) means version 1
/// stamped now; a draft has no version and no `published_at`.
pub fn create(id: String, body: WriteBody, text: Text, now: &str) -> Training {
    let is_draft = body.is_draft.unwrap_or(false);
    Training {
        id,
        title: text.title,
        content: text.content,
        draft_title: None,
        draft_content: None,
        kind: Some(body.kind.unwrap_or(TrainingType::ScenarioSpecific)),
        is_draft,
        directory_id: body.directory_id.flatten(),
        restricted_to_channels: body.restricted_to_channels.unwrap_or_default(),
        restricted_to_segments: body.restricted_to_segments.unwrap_or_default(),
        current_version: (!is_draft).then_some(1),
        metadata: Some(body.metadata.unwrap_or_default()),
        published_at: (!is_draft).then(|| now.to_owned()),
        start_time: body.start_time.flatten(),
        end_time: body.end_time.flatten(),
        created_at: Some(now.to_owned()),
        updated_at: Some(now.to_owned()),
    }
}

/// A full-body `PUT`. Title and content are required; other fields left out
/// keep their value (`metadata` included: present replaces, absent keeps).
///
/// - A training that has never been published (or whose `type` changed,
///   which resets its published state and version history) takes the text
///   as its own; it is published as version 1 if the body says `is_draft:
///   false` — except that in the staging modes a type change always
///   leaves it an unpublished draft, to be published with the draft toggle.
/// - A training with a live version, in [`UpdateMode::Publish`]: the text
///   goes live; if it ends up published, the version is bumped and
///   `published_at` restamped.
/// - A training with a live version, in [`UpdateMode::StageDraft`]: the text
///   is staged in `draft_title`/`draft_content` (cleared when equal to the
///   live text) and the live text, version and `published_at` stay. In
///   [`UpdateMode::StageDraftKeepingStale`] a text equal to the live text
///   leaves the pending draft as it was.
pub fn update(
    old: &Training,
    body: WriteBody,
    text: Text,
    mode: UpdateMode,
    now: &str,
) -> Training {
    let mut t = old.clone();
    if let Some(dir) = body.directory_id {
        t.directory_id = dir;
    }
    if let Some(channels) = body.restricted_to_channels {
        t.restricted_to_channels = channels;
    }
    if let Some(segments) = body.restricted_to_segments {
        t.restricted_to_segments = segments;
    }
    if let Some(metadata) = body.metadata {
        t.metadata = Some(metadata);
    }
    if let Some(start) = body.start_time {
        t.start_time = start;
    }
    if let Some(end) = body.end_time {
        t.end_time = end;
    }
    let kind = body
        .kind
        .or(old.kind)
        .unwrap_or(TrainingType::ScenarioSpecific);
    let type_changed = old.kind.is_some_and(|k| k != kind);
    t.kind = Some(kind);
    let want_draft = body.is_draft.unwrap_or(old.is_draft);
    if type_changed {
        t.current_version = None;
        t.published_at = None;
    }
    match (mode, t.current_version.is_some(), type_changed) {
        (mode, true, _) if mode.stages() => {
            let same = text.title == t.title && text.content == t.content;
            if !same || mode == UpdateMode::StageDraft {
                t.draft_title = (!same).then_some(text.title);
                t.draft_content = (!same).then_some(text.content);
            }
            t.is_draft = want_draft;
        }
        (mode, false, true) if mode.stages() => {
            t.title = text.title;
            t.content = text.content;
            t.draft_title = None;
            t.draft_content = None;
            t.is_draft = true;
        }
        _ => {
            t.title = text.title;
            t.content = text.content;
            t.draft_title = None;
            t.draft_content = None;
            t.is_draft = want_draft;
            if !want_draft {
                publish_version(&mut t, now);
            }
        }
    }
    t.updated_at = Some(now.to_owned());
    t
}

/// `PUT /training/{id}/draft`. Publishing folds a pending draft into the live
/// text and writes a new version; unpublishing only flips `is_draft`. `None`
/// when nothing would change (already in that state with nothing pending).
pub fn toggle_draft(old: &Training, is_draft: bool, now: &str) -> Option<Training> {
    let pending = old.draft_title.is_some() || old.draft_content.is_some();
    let mut t = old.clone();
    if is_draft {
        if old.is_draft {
            return None;
        }
        t.is_draft = true;
    } else {
        if !old.is_draft && !pending && old.current_version.is_some() {
            return None;
        }
        if let Some(title) = t.draft_title.take() {
            t.title = title;
        }
        if let Some(content) = t.draft_content.take() {
            t.content = content;
        }
        t.is_draft = false;
        publish_version(&mut t, now);
    }
    t.updated_at = Some(now.to_owned());
    Some(t)
}

/// The move operation: only `directory_id` changes.
pub fn move_to(old: &Training, directory_id: Option<String>, now: &str) -> Training {
    let mut t = old.clone();
    t.directory_id = directory_id;
    t.updated_at = Some(now.to_owned());
    t
}

/// A simulated dashboard edit: a live title/content change publishes a new
/// version (leaving `is_draft` and metadata alone); draft fields set or
/// clear the pending draft.
pub fn dashboard(old: &Training, edit: DashboardEdit, now: &str) -> Training {
    let mut t = old.clone();
    if edit.title.is_some() || edit.content.is_some() {
        if let Some(title) = edit.title {
            t.title = title;
        }
        if let Some(content) = edit.content {
            t.content = content;
        }
        publish_version(&mut t, now);
    }
    if let Some(draft_title) = edit.draft_title {
        t.draft_title = draft_title;
    }
    if let Some(draft_content) = edit.draft_content {
        t.draft_content = draft_content;
    }
    t.updated_at = Some(now.to_owned());
    t
}

fn publish_version(t: &mut Training, now: &str) {
    t.current_version = Some(t.current_version.map_or(1, |v| v + 1));
    t.published_at = Some(now.to_owned());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> (WriteBody, Text) {
        let b: WriteBody = serde_json::from_str(json).unwrap();
        let text = b.validate().unwrap();
        (b, text)
    }

    fn created(json: &str) -> Training {
        let (b, text) = body(json);
        create("trn_1".into(), b, text, "t0")
    }

    const PUBLISHED: &str =
        r#"{"title":"Live title","content":"Live content here","metadata":{"k":"v"}}"#;

    #[test]
    fn create_defaults_to_published_scenario() {
        let t = created(PUBLISHED);
        assert!(!t.is_draft);
        assert_eq!(t.kind, Some(TrainingType::ScenarioSpecific));
        assert_eq!(t.current_version, Some(1));
        assert_eq!(t.published_at.as_deref(), Some("t0"));
        let d = created(r#"{"title":"Draft","content":"Draft content","is_draft":true}"#);
        assert_eq!((d.current_version, d.published_at), (None, None));
        assert_eq!(d.metadata, Some(Default::default()));
    }

    #[test]
    fn publish_mode_put_bumps_version_and_keeps_absent_metadata() {
        let old = created(PUBLISHED);
        let (b, text) = body(r#"{"title":"New title","content":"New content here"}"#);
        let t = update(&old, b, text, UpdateMode::Publish, "t1");
        assert_eq!(t.title, "New title");
        assert_eq!(t.current_version, Some(2));
        assert_eq!(t.published_at.as_deref(), Some("t1"));
        assert_eq!(t.metadata, old.metadata);
        assert_eq!(t.draft_title, None);
    }

    #[test]
    fn stage_mode_put_writes_draft_and_leaves_live_text() {
        let old = created(PUBLISHED);
        let (b, text) = body(r#"{"title":"New title","content":"New content here","metadata":{}}"#);
        let t = update(&old, b, text, UpdateMode::StageDraft, "t1");
        assert_eq!(t.title, "Live title");
        assert_eq!(t.draft_title.as_deref(), Some("New title"));
        assert_eq!(t.draft_content.as_deref(), Some("New content here"));
        assert_eq!(t.current_version, Some(1));
        assert_eq!(t.published_at.as_deref(), Some("t0"));
        assert_eq!(t.metadata, Some(Default::default()));

        let (b, text) = body(PUBLISHED);
        let back = update(&t, b, text, UpdateMode::StageDraft, "t2");
        assert_eq!((back.draft_title, back.draft_content), (None, None));

        let published = toggle_draft(&t, false, "t3").unwrap();
        assert_eq!(published.title, "New title");
        assert_eq!(published.draft_title, None);
        assert_eq!(published.current_version, Some(2));
        assert_eq!(toggle_draft(&published, false, "t4"), None);
    }

    #[test]
    fn stale_mode_keeps_a_pending_draft_when_the_text_repeats_the_live_one() {
        let old = created(PUBLISHED);
        let edit: DashboardEdit =
            serde_json::from_str(r#"{"draft_content":"Dashboard pending edit"}"#).unwrap();
        let pending = dashboard(&old, edit, "t1");
        let repeat = r#"{"title":"Live title","content":"Live content here","is_draft":true}"#;
        let (b, text) = body(repeat);
        let kept = update(&pending, b, text, UpdateMode::StageDraftKeepingStale, "t2");
        assert_eq!(
            kept.draft_content.as_deref(),
            Some("Dashboard pending edit")
        );
        assert!(kept.is_draft);
        let (b, text) = body(repeat);
        let cleared = update(&pending, b, text, UpdateMode::StageDraft, "t2");
        assert_eq!((cleared.draft_title, cleared.draft_content), (None, None));
        let (b, text) = body(r#"{"title":"Live title","content":"A new text to stage"}"#);
        let replaced = update(&pending, b, text, UpdateMode::StageDraftKeepingStale, "t3");
        assert_eq!(
            replaced.draft_content.as_deref(),
            Some("A new text to stage")
        );
        assert_eq!(replaced.content, "Live content here");
    }

    #[test]
    fn type_change_resets_published_state() {
        let old = created(PUBLISHED);
        let change = r#"{"title":"Live title","content":"Live content here","type":"BEHAVIORAL","is_draft":false}"#;
        let (b, text) = body(change);
        let staged = update(&old, b, text, UpdateMode::StageDraft, "t1");
        assert!(staged.is_draft);
        assert_eq!((staged.current_version, staged.published_at), (None, None));
        let (b, text) = body(change);
        let published = update(&old, b, text, UpdateMode::Publish, "t1");
        assert!(!published.is_draft);
        assert_eq!(published.current_version, Some(1));
    }

    #[test]
    fn unpublish_then_republish_writes_a_new_version() {
        let old = created(PUBLISHED);
        let off = toggle_draft(&old, true, "t1").unwrap();
        assert!(off.is_draft);
        assert_eq!(off.current_version, Some(1));
        assert_eq!(toggle_draft(&off, true, "t2"), None);
        let on = toggle_draft(&off, false, "t3").unwrap();
        assert_eq!(on.current_version, Some(2));
        assert_eq!(on.published_at.as_deref(), Some("t3"));
    }

    #[test]
    fn dashboard_live_edit_bumps_version_and_draft_edit_does_not() {
        let old = created(PUBLISHED);
        let live: DashboardEdit = serde_json::from_str(r#"{"content":"Edited in UI"}"#).unwrap();
        let t = dashboard(&old, live, "t1");
        assert_eq!(t.content, "Edited in UI");
        assert_eq!(t.current_version, Some(2));
        assert_eq!(t.metadata, old.metadata);
        let draft: DashboardEdit = serde_json::from_str(r#"{"draft_title":"Pending"}"#).unwrap();
        let t = dashboard(&t, draft, "t2");
        assert_eq!(t.draft_title.as_deref(), Some("Pending"));
        assert_eq!(t.current_version, Some(2));
        assert_eq!(t.updated_at.as_deref(), Some("t2"));
    }
}
