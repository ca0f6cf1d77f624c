//! `cxtrain emulator`: serve the API emulator on 127.0.0.1 until Ctrl-C.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use crate::cli::{EmulatorArgs, EmulatorRateLimitHeaders, EmulatorUpdateMode, GlobalArgs};
use crate::emulator::{self, EmulatorConfig, RateLimitHeaders, UpdateMode};
use crate::exit::{CommandResult, Exit, Failure};

/// Runs `cxtrain emulator`.
pub fn run(_global: &GlobalArgs, args: &EmulatorArgs) -> CommandResult {
    let config = EmulatorConfig {
        api_key: args.api_key.clone(),
        rate_limit_per_minute: args.rate_limit,
        rate_limit_headers: match args.rate_limit_headers {
            EmulatorRateLimitHeaders::None => RateLimitHeaders::None,
            EmulatorRateLimitHeaders::XRatelimit => RateLimitHeaders::XRateLimit,
            EmulatorRateLimitHeaders::Ietf => RateLimitHeaders::Ietf,
        },
        latency: Duration::from_millis(args.latency_ms),
        error_rate: args.error_rate,
        burst_429_every: args.burst_429_every,
        drop_rate: args.drop_rate,
        seed: args.seed,
        state_file: args.state.clone(),
        update_mode: match args.update_mode {
            EmulatorUpdateMode::Publish => UpdateMode::Publish,
            EmulatorUpdateMode::Stage => UpdateMode::StageDraft,
        },
        ..EmulatorConfig::default()
    };
    let runtime = super::support::runtime()?;
    runtime.block_on(async {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
        let running = emulator::start(config, addr).await?;
        // Tests (and scripts using --port 0) read this line to find the port.
        let mut stdout = std::io::stdout().lock();
        // A closed stdout must not stop the server; the port is still bound.
        let _ = writeln!(
            stdout,
            "cxtrain emulator listening on {}",
            running.base_url()
        )
        .and_then(|()| stdout.flush());
        drop(stdout);
        let waited = tokio::signal::ctrl_c().await;
        running.shutdown().await;
        waited.map_err(|e| {
            Failure::new(Exit::Error, miette::miette!("cannot wait for Ctrl-C: {e}"))
        })?;
        Ok(Exit::Success)
    })
}
