//! Serving the API emulator on 127.0.0.1 until Ctrl-C.

use std::net::{Ipv4Addr, SocketAddr};

use crate::emulator::{self, EmulatorConfig};
use crate::exit::Failure;

use super::IoError;

/// Serves `config` on `port` (0 picks a free one); `ready` gets the base
/// URL once the port is bound. Returns after Ctrl-C and a clean shutdown.
pub fn serve(config: EmulatorConfig, port: u16, ready: impl FnOnce(&str)) -> Result<(), Failure> {
    super::runtime()?.block_on(async {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let running = emulator::start(config, addr).await?;
        ready(&running.base_url());
        let waited = tokio::signal::ctrl_c().await;
        running.shutdown().await;
        waited.map_err(|e| IoError::new("wait for Ctrl-C", e))?;
        Ok(())
    })
}
