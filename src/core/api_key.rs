//! The enrollment's api_key: validated once, sent only in the `x-api-key` header, never shown.

use super::error::FlowError;
use std::fmt;

/// Longest api_key accepted (ID360's are 32 hex characters; we allow room).
pub const MAX_API_KEY_LEN: usize = 256;

/// A validated api_key. Its `Debug` and `Display` never show the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Checks an api_key: 1 to 256 printable ASCII characters, no whitespace or control
    /// characters (so it can never split an HTTP header).
    pub fn parse(raw: &str) -> Result<Self, FlowError> {
        if raw.is_empty() {
            return Err(FlowError::invalid_input(
                "apiKey is empty: pass the api_key your server got when it created the enrollment.",
            ));
        }
        if raw.len() > MAX_API_KEY_LEN {
            return Err(FlowError::invalid_input(format!(
                "apiKey is longer than {MAX_API_KEY_LEN} characters: pass the enrollment's api_key, not another value."
            )));
        }
        if !raw.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return Err(FlowError::invalid_input(
                "apiKey must be printable ASCII without spaces or line breaks: check how your server passes it to the page.",
            ));
        }
        Ok(ApiKey(raw.to_string()))
    }

    /// The secret itself, for the `x-api-key` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted api_key>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ErrorCode;

    #[test]
    fn accepts_a_real_looking_key_and_never_prints_it() {
        let key = ApiKey::parse("0123456789abcdef0123456789abcdef").map_err(|e| e.message);
        let key = key
            .as_ref()
            .map(|k| (format!("{k:?}"), k.to_string(), k.expose().to_string()));
        assert_eq!(
            key,
            Ok((
                "ApiKey(<redacted>)".to_string(),
                "<redacted api_key>".to_string(),
                "0123456789abcdef0123456789abcdef".to_string()
            ))
        );
    }

    #[test]
    fn refuses_empty_spaced_control_non_ascii_and_huge_keys() {
        let huge = "a".repeat(MAX_API_KEY_LEN + 1);
        for bad in [
            "",
            " abc",
            "ab c",
            "abc\r\nx-evil: 1",
            "abc\t",
            "clé",
            "\u{7f}",
            huge.as_str(),
        ] {
            let err = ApiKey::parse(bad)
                .err()
                .map(|e| (e.code, e.message.contains(bad) && !bad.is_empty()));
            assert_eq!(err, Some((ErrorCode::InvalidInput, false)), "{bad:?}");
        }
        assert!(ApiKey::parse(&"a".repeat(MAX_API_KEY_LEN)).is_ok());
    }
}
