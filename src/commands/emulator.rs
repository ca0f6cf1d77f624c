//! `cxtrain emulator`: serve the API emulator on 127.0.0.1 until Ctrl-C.

use std::time::Duration;

use crate::cli::EmulatorArgs;
use crate::emulator::{EmulatorConfig, UpdateMetadata};
use crate::exit::{CommandResult, Exit};
use crate::ops::emulator::serve;
use crate::render::notes;

use super::support::Context;

/// Runs `cxtrain emulator`.
pub fn run(ctx: &Context, args: &EmulatorArgs) -> CommandResult {
    let config = EmulatorConfig {
        api_key: args.api_key.clone(),
        rate_limit_per_minute: args.rate_limit,
        rate_limit_headers: args.rate_limit_headers.into(),
        latency: Duration::from_millis(args.latency_ms),
        error_rate: args.error_rate,
        burst_429_every: args.burst_429_every,
        drop_rate: args.drop_rate,
        seed: args.seed,
        state_file: args.state.clone(),
        update_mode: args.update_mode.into(),
        update_metadata: if args.refuse_update_metadata {
            UpdateMetadata::Refuse
        } else {
            UpdateMetadata::Accept
        },
        ..EmulatorConfig::default()
    };
    let mut out = ctx.stdout();
    // A closed stdout must not stop the server: the port is still bound.
    serve(config, args.port, |url| {
        let _ = out.line(&notes::listening(url));
    })?;
    Ok(Exit::Success)
}
