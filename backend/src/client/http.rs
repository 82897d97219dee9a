//! HTTP basics every faafo API client shares: the endpoint, the `reqwest` client and its
//! timeouts, the bearer token, what `/health` advertises, and which statuses are worth a
//! retry. Used by [`super::Client`] and by the worker's reporter.

use std::time::Duration;

use reqwest::{RequestBuilder, StatusCode, Url};
use serde_json::Value;

/// How long to wait for a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one request may take in all (a big PNG included).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A bad endpoint URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("endpoint URL '{given}' {problem}")]
pub struct EndpointError {
    /// The URL as given.
    pub given: String,
    /// What is wrong with it.
    pub problem: String,
}

/// A faafo API's base URL, normalised: `http(s)://host[:port][/prefix]` without a
/// trailing `/`. The original built `endpoint + "/v1/…"` by concatenation, so
/// `http://host/` gave `//v1/…` and a 404; here a trailing slash does not matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    url: Url,
    text: String,
}

impl Endpoint {
    /// Parses and normalises `given`.
    pub fn parse(given: &str) -> Result<Self, EndpointError> {
        let bad = |problem: String| EndpointError { given: given.to_owned(), problem };
        let trimmed = given.trim();
        if !(trimmed.starts_with("http://") || trimmed.starts_with("https://")) {
            return Err(bad("must start with http:// or https://".to_owned()));
        }
        let mut url = Url::parse(trimmed).map_err(|e| bad(format!("is not a valid URL ({e})")))?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("has no host".to_owned()));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("must not have a query (?…) or fragment (#…)".to_owned()));
        }
        let path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&path);
        let text = url.as_str().trim_end_matches('/').to_owned();
        Ok(Self { url, text })
    }

    /// The normalised base, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The URL of `segments` under the base, each segment percent-encoded as needed (a
    /// uuid given by a user cannot change the path).
    pub fn join(&self, segments: &[&str]) -> Url {
        let mut url = self.url.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// The HTTP client every faafo client uses: rustls, the timeouts above.
pub fn http_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .pool_idle_timeout(Duration::from_secs(30))
        .user_agent(concat!("faafo/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// Adds `Authorization: Bearer <token>` when there is a token.
pub fn authorize(request: RequestBuilder, token: Option<&str>) -> RequestBuilder {
    match token {
        Some(t) => request.bearer_auth(t),
        None => request,
    }
}

/// Whether a `/health` body is our API's, which takes the extended fields (status,
/// kind, c, seed, …) and binary uploads. The original API has no `/health` at all.
pub fn advertises_extended(health: &Value) -> bool {
    health.get("binary_upload").and_then(Value::as_bool).unwrap_or(false)
}

/// The API refused the credentials (none, or the wrong token).
pub fn is_auth_failure(status: StatusCode) -> bool {
    status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN
}

/// A status worth retrying later: the server is failing or busy, not refusing.
pub fn is_transient(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::REQUEST_TIMEOUT
}

/// The innermost cause of a transport error, e.g. `Connection refused (os error 111)`,
/// rather than reqwest's generic "error sending request for url (…)".
pub fn root_cause(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "timed out".to_owned();
    }
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn trailing_slashes_do_not_matter() {
        for given in
            ["http://localhost:8080", "http://localhost:8080/", "http://localhost:8080//", " http://localhost:8080 "]
        {
            let e = Endpoint::parse(given).unwrap();
            assert_eq!(e.as_str(), "http://localhost:8080", "{given}");
            assert_eq!(e.join(&["v1", "fractal"]).as_str(), "http://localhost:8080/v1/fractal");
        }
        let prefixed = Endpoint::parse("https://example.org/faafo/").unwrap();
        assert_eq!(prefixed.as_str(), "https://example.org/faafo");
        assert_eq!(prefixed.join(&["fractal", "a/b c"]).as_str(), "https://example.org/faafo/fractal/a%2Fb%20c");
    }

    #[test]
    fn bad_endpoints_say_why() {
        for (given, why) in [
            ("localhost:8080", "must start with http://"),
            ("ftp://host", "must start with http://"),
            ("http://", "valid URL"),
            ("http://host/?a=1", "query"),
        ] {
            let e = Endpoint::parse(given).unwrap_err();
            assert!(e.to_string().contains(why), "{given}: {e}");
            assert!(e.to_string().contains(given), "{given}: {e}");
        }
    }

    #[test]
    fn health_and_statuses() {
        assert!(advertises_extended(&json!({"status": "ok", "binary_upload": true})));
        assert!(!advertises_extended(&json!({"status": "ok"})));
        assert!(!advertises_extended(&Value::Null));
        assert!(is_auth_failure(StatusCode::UNAUTHORIZED) && is_auth_failure(StatusCode::FORBIDDEN));
        assert!(is_transient(StatusCode::BAD_GATEWAY) && is_transient(StatusCode::TOO_MANY_REQUESTS));
        assert!(!is_transient(StatusCode::NOT_FOUND));
    }
}
