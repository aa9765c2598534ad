//! Where requests go: the environment's base URL and the exact path and query of every flow
//! endpoint (ID360.md), nothing else.

use super::error::FlowError;

/// Production base URL.
pub const PRODUCTION_URL: &str = "https://id360docaposte.com";
/// Preproduction base URL.
pub const PREPRODUCTION_URL: &str = "https://preprod.id360docaposte.com";
/// Path prefix of every API call.
pub const API_PREFIX: &str = "/api/1.0.0/";

/// Which ID360 to talk to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Environment {
    /// `https://id360docaposte.com`.
    Production,
    /// `https://preprod.id360docaposte.com`.
    Preproduction,
    /// Any other origin: a same-origin proxy, or the local sandbox.
    Custom(BaseUrl),
}

impl Environment {
    /// `"production"` or `"preproduction"`.
    pub fn from_name(name: &str) -> Result<Self, FlowError> {
        match name {
            "production" => Ok(Environment::Production),
            "preproduction" => Ok(Environment::Preproduction),
            other => Err(FlowError::invalid_input(format!(
                "environment '{}' is unknown: use 'production', 'preproduction' or {{ baseUrl }}.",
                truncate(other, 40)
            ))),
        }
    }

    /// The origin requests go to, without trailing slash.
    pub fn base(&self) -> &str {
        match self {
            Environment::Production => PRODUCTION_URL,
            Environment::Preproduction => PREPRODUCTION_URL,
            Environment::Custom(b) => b.as_str(),
        }
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// A validated origin: `https://host[:port]`, or `http://` on a loopback host only. No
/// credentials, path, query or fragment (the library appends `/api/1.0.0/...` itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Validates and normalises (lower-case scheme and host, no trailing slash).
    pub fn parse(raw: &str) -> Result<Self, FlowError> {
        let shown = truncate(raw, 80);
        let bad = |why: &str| FlowError::invalid_input(format!("baseUrl '{shown}' {why}"));
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("contains spaces or control characters."));
        }
        let lower = raw.to_ascii_lowercase();
        let (scheme, rest) = if let Some(r) = lower.strip_prefix("https://") {
            ("https", r)
        } else if let Some(r) = lower.strip_prefix("http://") {
            ("http", r)
        } else {
            return Err(bad(
                "must be an absolute http(s) URL such as https://id360.example.com (relative URLs and other schemes are refused).",
            ));
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at_checked(end).unwrap_or((rest, ""));
        if !(tail.is_empty() || tail == "/") {
            return Err(bad(
                "must be an origin only, without path, query or fragment: the library adds /api/1.0.0/enrollment/flow/... itself, so proxy that path on your origin.",
            ));
        }
        if authority.contains('@') {
            return Err(bad("must not contain credentials (user:password@)."));
        }
        let (host, port) =
            split_host_port(authority).ok_or_else(|| bad("has an invalid host or port."))?;
        if let Some(p) = port {
            if p.is_empty()
                || p.len() > 5
                || !p.bytes().all(|b| b.is_ascii_digit())
                || p.parse::<u32>().map_or(true, |n| n == 0 || n > 65535)
            {
                return Err(bad("has an invalid port."));
            }
        }
        if scheme == "http" && !is_loopback(host) {
            return Err(bad(
                "uses http:// on a host that is not loopback: ID360 must be reached over https (http is only for a local sandbox on 127.0.0.1 or localhost).",
            ));
        }
        Ok(BaseUrl(format!("{scheme}://{authority}")))
    }

    /// The normalised origin.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Splits `host[:port]` or `[v6][:port]`; checks the host's characters.
fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    if let Some(rest) = authority.strip_prefix('[') {
        let close = rest.find(']')?;
        let (inside, after) = rest.split_at_checked(close)?;
        let after = after.strip_prefix(']')?;
        if inside.is_empty()
            || !inside
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return None;
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        let host = authority.get(..close + 2)?;
        return Some((host, port));
    }
    let (host, port) = match authority.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    let valid = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && !host.starts_with(['.', '-'])
        && !super::text::contains(host, "..");
    valid.then_some((host, port))
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "[::1]"
        || host.strip_prefix("127.").is_some_and(|r| {
            r.split('.').count() == 3 && r.split('.').all(|o| o.parse::<u8>().is_ok())
        })
}

/// A document name of the generic upload path `enrollment/flow/document/{name}/`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocumentName(String);

impl DocumentName {
    /// The identity document.
    pub fn id_document() -> Self {
        DocumentName(ID_DOCUMENT.into())
    }
    /// The selfie.
    pub fn selfie() -> Self {
        DocumentName(SELFIE.into())
    }
    /// Checks a name: 1 to 64 of `a-z`, `0-9`, `_` (it goes into a URL path).
    pub fn parse(raw: &str) -> Result<Self, FlowError> {
        let ok = !raw.is_empty()
            && raw.len() <= 64
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(DocumentName(raw.to_string()))
        } else {
            Err(FlowError::invalid_input(format!(
                "document name '{}' is invalid: use ID360's name, e.g. 'id_document_image' (lowercase letters, digits and _).",
                truncate(raw, 40)
            )))
        }
    }
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Whether this is the selfie.
    pub fn is_selfie(&self) -> bool {
        self.0 == SELFIE
    }
}

/// Name of the identity document.
pub const ID_DOCUMENT: &str = "id_document_image";
/// Name of the selfie document.
pub const SELFIE: &str = "selfie_image_upload";

/// The URLs of the flow endpoints for one environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    base: String,
}

impl Endpoints {
    /// Endpoints under this environment.
    pub fn new(env: &Environment) -> Self {
        Endpoints {
            base: format!("{}{API_PREFIX}enrollment/flow/", env.base()),
        }
    }
    /// `GET enrollment/flow/enrollment_info/`.
    pub fn enrollment_info(&self) -> String {
        format!("{}enrollment_info/", self.base)
    }
    /// `POST enrollment/flow/route/{id}/select/`.
    pub fn select_route(&self, route_id: u64) -> String {
        format!("{}route/{route_id}/select/", self.base)
    }
    /// `POST enrollment/flow/consent/?accepted_cgu=true[&accepted_biometry=true]`.
    pub fn consent(&self, biometry: bool) -> String {
        if biometry {
            format!(
                "{}consent/?accepted_cgu=true&accepted_biometry=true",
                self.base
            )
        } else {
            format!("{}consent/?accepted_cgu=true", self.base)
        }
    }
    /// `POST enrollment/flow/document/{name}/?total_pages=N&uploaded_page=I`.
    pub fn document(&self, name: &DocumentName, total_pages: u32, uploaded_page: u32) -> String {
        format!(
            "{}document/{}/?total_pages={total_pages}&uploaded_page={uploaded_page}",
            self.base,
            name.as_str()
        )
    }
    /// `POST enrollment/flow/finalize_enrollment`.
    pub fn finalize(&self) -> String {
        format!("{}finalize_enrollment", self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn custom(url: &str) -> Environment {
        Environment::Custom(BaseUrl::parse(url).unwrap_or(BaseUrl(String::new())))
    }

    #[test]
    fn every_endpoint_is_exactly_the_documented_path_and_query() {
        let e = Endpoints::new(&Environment::Preproduction);
        let p = "https://preprod.id360docaposte.com/api/1.0.0/enrollment/flow/";
        assert_eq!(e.enrollment_info(), format!("{p}enrollment_info/"));
        assert_eq!(e.select_route(275128), format!("{p}route/275128/select/"));
        assert_eq!(
            e.consent(true),
            format!("{p}consent/?accepted_cgu=true&accepted_biometry=true")
        );
        assert_eq!(e.consent(false), format!("{p}consent/?accepted_cgu=true"));
        assert_eq!(
            e.document(&DocumentName::id_document(), 2, 0),
            format!("{p}document/id_document_image/?total_pages=2&uploaded_page=0")
        );
        assert_eq!(
            e.document(&DocumentName::selfie(), 1, 0),
            format!("{p}document/selfie_image_upload/?total_pages=1&uploaded_page=0")
        );
        assert_eq!(e.finalize(), format!("{p}finalize_enrollment"));
        let prod = Endpoints::new(&Environment::Production);
        assert_eq!(
            prod.finalize(),
            "https://id360docaposte.com/api/1.0.0/enrollment/flow/finalize_enrollment"
        );
    }

    #[test]
    fn custom_origins_are_normalised_and_used() {
        let e = Endpoints::new(&custom("HTTPS://Proxy.Bank.example:8443/"));
        assert_eq!(
            e.finalize(),
            "https://proxy.bank.example:8443/api/1.0.0/enrollment/flow/finalize_enrollment"
        );
        for ok in [
            "http://127.0.0.1:8360",
            "http://localhost:3000",
            "http://[::1]:8080",
            "https://[2001:db8::1]",
            "http://app.localhost",
        ] {
            assert!(BaseUrl::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn bad_base_urls_are_refused_with_a_reason() {
        let cases = [
            ("http://id360.example.com", "http://"),
            ("http://127.0.0.1.evil.com", "http://"),
            ("http://128.0.0.1", "http://"),
            ("javascript:alert(1)", "absolute"),
            ("/api", "absolute"),
            ("id360docaposte.com", "absolute"),
            ("ftp://example.com", "absolute"),
            ("https://user:pw@example.com", "credentials"),
            ("https://example.com/proxy", "origin only"),
            ("https://example.com/?x=1", "origin only"),
            ("https://example.com#frag", "origin only"),
            ("https://", "host"),
            ("https://exa mple.com", "spaces"),
            ("https://example.com:99999", "port"),
            ("https://example.com:", "port"),
            ("https://example..com", "host"),
            ("https://[zz::1]", "host"),
            ("https://example.com\n", "control"),
        ];
        for (url, why) in cases {
            match BaseUrl::parse(url) {
                Ok(b) => panic!("{url} accepted as {b:?}"),
                Err(e) => assert!(e.message.contains(why), "{url}: {}", e.message),
            }
        }
    }

    #[test]
    fn environment_names_and_document_names() {
        assert_eq!(
            Environment::from_name("production").map(|e| e.base().to_string()),
            Ok(PRODUCTION_URL.into())
        );
        assert!(Environment::from_name("prod").is_err());
        assert!(Environment::from_name("Production").is_err());
        assert!(DocumentName::parse("proof_of_address").is_ok());
        for bad in ["", "../x", "a/b", "A", "x?y=1", &"a".repeat(65)] {
            assert!(DocumentName::parse(bad).is_err(), "{bad}");
        }
    }
}
