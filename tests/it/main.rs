//! The integration tests, linked once: one module per area, sharing the
//! harness in `common`. Add new integration tests as modules here, never as
//! new files directly under `tests/` (each of those is a separate binary that
//! links the whole dev-dependency tree again).

/// Fails unless `value` matches `pattern`, showing `value` when it does not.
macro_rules! assert_is {
    ($value:expr, $pattern:pat $(if $guard:expr)?) => {
        assert!(matches!($value, $pattern $(if $guard)?), "{:?}", $value)
    };
}

mod common;

mod apply_answers;
mod apply_e2e;
mod apply_executor;
mod campaign;
mod cli_contract;
mod client;
mod client_emulator;
mod commands_local;
mod config_e2e;
mod docs;
mod doctor;
mod emulator;
mod emulator_cli;
mod environments;
mod first_run;
mod local_lock;
mod plan_e2e;
mod plan_props;
mod plan_render;
mod pull_e2e;
mod pull_hostile;
mod reviewed_plan;
mod robustness;
mod status;
mod untrusted_output;
mod validate_examples;
mod validate_inputs;
mod validate_schema;
mod waiting;
