//! API response bodies (training, list page shapes, errors, search, generate). The properties are
//! `tests/it/robustness/oracles.rs`, shared with the proptests.
#![no_main]

#[path = "../../tests/it/robustness/oracles.rs"]
#[allow(dead_code, reason = "each target calls one of the oracles")]
mod oracles;

libfuzzer_sys::fuzz_target!(|data: &[u8]| oracles::api_response(data));
