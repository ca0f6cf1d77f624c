//! cxtrain: OpenCX AI trainings as code.
//!
//! The pipeline, one way: files → [`workspace`] → [`model`] ← [`remote`];
//! [`plan`] compares the two into a [`plan::Plan`], which [`render`] prints
//! and [`apply`] executes. [`validate`] checks the local side offline, and
//! [`emulator`] serves the API contract for tests and `--local`.
//!
//! The command line sits on top: [`cli`] declares the flags, [`commands`]
//! wires each subcommand to one operation in [`ops`] (which returns values)
//! and to a printer in [`render`]; [`exit`] maps errors to exit codes.

#![warn(missing_docs)]

pub mod apply;
pub mod atomic;
pub mod cli;
pub mod commands;
pub mod config;
pub mod connect;
pub mod emulator;
pub mod exit;
pub mod key;
pub mod model;
pub mod ops;
pub mod plan;
pub mod remote;
pub mod render;
pub mod repo_path;
pub mod suggest;
pub mod text;
pub mod validate;
pub mod workspace;
