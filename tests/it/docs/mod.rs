//! The documentation is tested like code: the README and the guide in
//! `docs/` (an mdBook) run their shell examples and check what they print,
//! the commands reference is generated from the clap definitions, and the
//! book's structure (pages, links, anchors, cited files, error codes) holds,
//! and the performance table is complete and well formed.

mod examples;
mod pages;
mod performance;
mod readme;
mod reference;
mod setups;
mod structure;
