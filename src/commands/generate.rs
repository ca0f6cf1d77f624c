//! `cxtrain generate`: ask the API for a scenario learned from a chat
//! session and write it as a new draft file for review.

use super::support;
use crate::cli::{GenerateArgs, GlobalArgs};
use crate::config::Config;
use crate::connect::connect;
use crate::exit::{CommandResult, Exit, Failure};
use crate::model::Training;
use crate::workspace::write::{Overwrite, WriteError, render_training, write_atomic};

/// Runs `cxtrain generate`: exit 0 with the new file's path on stdout, 1 on
/// API errors, 3 for an invalid config, 4 when the file already exists
/// (nothing is overwritten).
pub fn run(global: &GlobalArgs, args: &GenerateArgs) -> CommandResult {
    let config = Config::load(&global.dir, global.config.as_deref()).map_err(Failure::invalid)?;
    let generated = support::runtime()?.block_on(async {
        let conn = connect(global, &config, &global.dir)
            .await
            .map_err(Failure::from)?;
        let generated = conn.client.generate(&args.session).await;
        conn.close().await;
        generated.map_err(Failure::from)
    })?;
    let training = Training {
        key: String::new(),
        content: match generated.content.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => text.to_owned(),
            _ => format!(
                "Describe how the AI should answer: {}",
                generated.title.trim()
            ),
        },
        title: generated.title.trim().to_owned(),
        kind: config.defaults.kind,
        channels: Default::default(),
        segments: Default::default(),
        draft: true,
        directory_id: None,
        metadata: Default::default(),
    };
    let path = args.out.clone().unwrap_or_else(|| {
        config
            .root
            .to_path(&global.dir)
            .join(format!("{}.md", slug(&training.title)))
    });
    let text = render_training(&training, &training.key, &config.defaults);
    write_atomic(&path, text.as_bytes(), Overwrite::Never).map_err(|e| match e {
        WriteError::Exists { .. } => Failure::refused(miette::miette!(
            help = "pass --out FILE to write it somewhere else",
            "{} already exists; not overwriting it",
            support::shown(&path)
        )),
        other => Failure::from(other),
    })?;
    support::print(&format!("{}\n", support::shown(&path)))?;
    Ok(Exit::Success)
}

/// A file name for a title: lowercase ASCII letters and digits joined by
/// `-`, at most 60 characters; `scenario` when nothing is left.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() {
        "scenario".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(
            slug("How do I reset my password?"),
            "how-do-i-reset-my-password"
        );
        assert_eq!(slug("  Café -- crème  "), "caf-cr-me");
        assert_eq!(slug("???"), "scenario");
        assert_eq!(slug(&"ab ".repeat(40)).len(), 59);
    }
}
