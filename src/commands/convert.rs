//! The clap values turned into the library's own types: library modules
//! never import `cli`, so each conversion lives here, once.

use crate::cli::{self, EmulatorRateLimitHeaders, EmulatorUpdateMode, SafetyArgs};
use crate::emulator::{RateLimitHeaders, UpdateMode};
use crate::ops::plan::Safety;
use crate::render::ColorChoice;
use crate::render::plan::PlanFormat;

impl From<cli::ColorChoice> for ColorChoice {
    fn from(c: cli::ColorChoice) -> ColorChoice {
        match c {
            cli::ColorChoice::Auto => ColorChoice::Auto,
            cli::ColorChoice::Always => ColorChoice::Always,
            cli::ColorChoice::Never => ColorChoice::Never,
        }
    }
}

impl From<cli::PlanFormatArgs> for PlanFormat {
    fn from(f: cli::PlanFormatArgs) -> PlanFormat {
        match f.format {
            cli::PlanFormat::Human => PlanFormat::Human,
            cli::PlanFormat::Markdown => PlanFormat::Markdown {
                limit: (f.comment_limit > 0).then_some(f.comment_limit),
            },
            cli::PlanFormat::Json => PlanFormat::Json,
        }
    }
}

impl From<&SafetyArgs> for Safety {
    fn from(a: &SafetyArgs) -> Safety {
        Safety {
            no_delete: a.no_delete,
            allow_deletes: a.allow_deletes,
            force: a.force,
        }
    }
}

impl From<EmulatorRateLimitHeaders> for RateLimitHeaders {
    fn from(h: EmulatorRateLimitHeaders) -> RateLimitHeaders {
        match h {
            EmulatorRateLimitHeaders::None => RateLimitHeaders::None,
            EmulatorRateLimitHeaders::XRatelimit => RateLimitHeaders::XRateLimit,
            EmulatorRateLimitHeaders::Ietf => RateLimitHeaders::Ietf,
        }
    }
}

impl From<EmulatorUpdateMode> for UpdateMode {
    fn from(m: EmulatorUpdateMode) -> UpdateMode {
        match m {
            EmulatorUpdateMode::Publish => UpdateMode::Publish,
            EmulatorUpdateMode::Stage => UpdateMode::StageDraft,
            EmulatorUpdateMode::StageStale => UpdateMode::StageDraftKeepingStale,
        }
    }
}
