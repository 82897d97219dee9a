//! Bearer tokens for writes: one for clients (create, delete), one for workers (results).
//!
//! Reads stay open, as in the original. Once any token exists, no write is anonymous:
//! with only a client token, results need it too; with only a worker token, creating
//! and deleting need that one.

use axum::http::{HeaderMap, header};
use serde_json::json;

use crate::wire::WireError;

/// Which kind of write a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Create or delete fractals.
    Client,
    /// Report a render's result.
    Worker,
}

/// The configured tokens. `Debug` never shows them.
#[derive(Clone, Default)]
pub struct Auth {
    client: Option<String>,
    worker: Option<String>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("client", &self.client.as_ref().map(|_| "<set>"))
            .field("worker", &self.worker.as_ref().map(|_| "<set>"))
            .finish()
    }
}

/// Compares without an early exit, so timing does not reveal how much of a guess matched.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Auth {
    /// Tokens for clients and workers; empty strings count as unset.
    pub fn new(client: Option<String>, worker: Option<String>) -> Self {
        let keep = |t: Option<String>| t.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        Self { client: keep(client), worker: keep(worker) }
    }

    /// Whether any write needs a token.
    pub fn enabled(&self) -> bool {
        self.client.is_some() || self.worker.is_some()
    }

    /// Whether clients have a token of their own.
    pub fn has_client_token(&self) -> bool {
        self.client.is_some()
    }

    /// Whether workers have a token of their own.
    pub fn has_worker_token(&self) -> bool {
        self.worker.is_some()
    }

    /// The shortest configured token: which one and its length in characters.
    pub fn shortest(&self) -> Option<(&'static str, usize)> {
        [("client", &self.client), ("worker", &self.worker)]
            .into_iter()
            .filter_map(|(role, t)| t.as_ref().map(|t| (role, t.chars().count())))
            .min_by_key(|(_, n)| *n)
    }

    /// Checks the request's `Authorization: Bearer` against what `role` needs.
    pub fn check(&self, headers: &HeaderMap, role: Role) -> Result<(), WireError> {
        let expected = match role {
            Role::Client => self.client.as_deref().or(self.worker.as_deref()),
            Role::Worker => self.worker.as_deref().or(self.client.as_deref()),
        };
        let Some(expected) = expected else {
            return Ok(());
        };
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim);
        match given {
            Some(token) if same(token, expected) => Ok(()),
            Some(_) => Err(WireError { status: 401, body: json!({ "message": "invalid token" }) }),
            None => Err(WireError {
                status: 401,
                body: json!({ "message": "authentication required: send Authorization: Bearer <token>" }),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn bearer(t: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {t}")).unwrap());
        h
    }

    #[test]
    fn roles_and_tokens() {
        let open = Auth::new(None, Some(" ".into()));
        assert!(!open.enabled());
        assert!(open.check(&HeaderMap::new(), Role::Client).is_ok());

        let both = Auth::new(Some("c-secret".into()), Some("w-secret".into()));
        assert_eq!(both.check(&HeaderMap::new(), Role::Client).unwrap_err().status, 401);
        assert!(both.check(&bearer("c-secret"), Role::Client).is_ok());
        assert!(both.check(&bearer("w-secret"), Role::Client).is_err());
        assert!(both.check(&bearer("w-secret"), Role::Worker).is_ok());
        assert!(both.check(&bearer("c-secret"), Role::Worker).is_err());

        let client_only = Auth::new(Some("c".into()), None);
        assert!(client_only.check(&HeaderMap::new(), Role::Worker).is_err(), "no anonymous writes once a token exists");
        assert!(client_only.check(&bearer("c"), Role::Worker).is_ok());
        let worker_only = Auth::new(None, Some("w".into()));
        assert!(worker_only.check(&HeaderMap::new(), Role::Client).is_err(), "no anonymous creates either");
        assert!(worker_only.check(&bearer("w"), Role::Client).is_ok());
        assert_eq!(both.shortest(), Some(("client", 8)));
        assert!(!format!("{both:?}").contains("secret"));
    }
}
