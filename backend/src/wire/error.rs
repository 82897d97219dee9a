//! Errors as the original API reported them: a status code and a JSON body.

use serde_json::{Value, json};

/// An HTTP error response of the faafo API.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("HTTP {status}: {body}")]
pub struct WireError {
    /// HTTP status code.
    pub status: u16,
    /// JSON body, in the original's shape where the original had one.
    pub body: Value,
}

impl WireError {
    /// The human-readable part of the body, for logs and reports.
    pub fn message(&self) -> String {
        match self.body.get("message").and_then(|m| m.as_str()) {
            Some(m) => m.to_owned(),
            None => self.body.to_string(),
        }
    }

    /// 400 `{"message": …}`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self { status: 400, body: json!({ "message": message.into() }) }
    }

    /// The original's body for a search it could not build.
    pub fn unable_to_construct_query() -> Self {
        Self::bad_request("Unable to construct query")
    }

    /// The original's body for JSON it could not parse.
    pub fn unable_to_decode() -> Self {
        Self::bad_request("Unable to decode data")
    }

    /// The original's body for a POST with keys the model does not have.
    pub fn validation_errors() -> Self {
        Self { status: 400, body: json!({ "validation_errors": "Could not determine specific validation errors" }) }
    }

    /// 400 naming a field and what is allowed (our validation; the original had none).
    pub fn invalid_field(field: &str, problem: impl std::fmt::Display) -> Self {
        Self { status: 400, body: json!({ "message": format!("{field}: {problem}"), "field": field }) }
    }

    /// 404 `{}`: the original's answer for an unknown uuid under `/v1`.
    pub fn not_found() -> Self {
        Self { status: 404, body: json!({}) }
    }

    /// 415: the body is not declared as JSON.
    pub fn unsupported_media_type() -> Self {
        Self { status: 415, body: json!({ "message": "Request must have \"Content-Type: application/json\" header" }) }
    }
}
