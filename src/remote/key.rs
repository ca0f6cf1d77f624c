//! The API key: a secret that can be handed around but never printed.

use std::fmt;

use super::error::RemoteError;

/// Environment variable holding the OpenCX API key.
pub const API_KEY_ENV: &str = "OPENCX_API_KEY";

/// An OpenCX API key. `Debug` and `Display` print `ApiKey(***)`, never the
/// value, so it can sit inside configs and errors without leaking.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Reads the key from `OPENCX_API_KEY`; unset or blank is an error.
    pub fn from_env() -> Result<ApiKey, RemoteError> {
        match std::env::var(API_KEY_ENV) {
            Ok(value) if !value.trim().is_empty() => Ok(ApiKey(value.trim().to_owned())),
            _ => Err(RemoteError::MissingKey),
        }
    }

    /// Wraps a key obtained some other way (tests, the embedded emulator).
    pub fn new(value: String) -> ApiKey {
        ApiKey(value)
    }

    /// The secret itself. Only for building the `Authorization` header or
    /// configuring a local emulator with the same key; never print it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let key = ApiKey::new("ocx_live_supersecret".into());
        assert_eq!(format!("{key:?}"), "ApiKey(***)");
        assert_eq!(format!("{key}"), "ApiKey(***)");
        assert_eq!(format!("{:?}", Some(&key)), "Some(ApiKey(***))");
        assert_eq!(key.expose(), "ocx_live_supersecret");
    }
}
