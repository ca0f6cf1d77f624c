//! The remote side: OpenCX API wire types, the HTTP client, its pacer and
//! retry rules.

pub mod api;
pub mod managed;
