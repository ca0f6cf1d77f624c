//! cxtrain: OpenCX AI trainings as code.
//!
//! The pipeline, one way: files → [`workspace`] → [`model`] ← [`remote`];
//! [`plan`] compares the two into a [`plan::Plan`], which [`render`] prints
//! and [`apply`] executes. [`validate`] checks the local side offline, and
//! [`emulator`] serves the API contract for tests and `--local`.

pub mod apply;
pub mod cli;
pub mod commands;
pub mod config;
pub mod connect;
pub mod emulator;
pub mod exit;
pub mod model;
pub mod plan;
pub mod remote;
pub mod render;
pub mod text;
pub mod validate;
pub mod workspace;
