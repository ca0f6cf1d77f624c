//! workspace (being built).
