//! `cxtrain.toml` (being built).
