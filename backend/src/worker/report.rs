//! The worker's side of the API: result uploads and failure reports.
//!
//! Two protocols. Against our `faafo-api` (its `/health` says `"binary_upload": true`)
//! the PNG goes as the body of `PUT /v1/fractal/<uuid>/image`, and a task that cannot be
//! rendered is reported as `failed` with its error. Against the original API the result
//! is the original worker's base64 JSON `PUT`, exactly, and failures are only logged
//! (the original has no status to record them in).

use std::time::Duration;

use base64::Engine as _;
use reqwest::{StatusCode, header};
use serde_json::json;

use crate::client::http;

/// What one upload attempt came to.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Worth retrying: the API is unreachable, timed out, or answered 5xx/429.
    #[error("API unavailable: {0}")]
    Transient(String),
    /// The API refused this worker's credentials: retrying cannot help, and other tasks
    /// would fail the same way.
    #[error("the API refused the worker token ({0}); check --token / FAAFO_WORKER_TOKEN")]
    Unauthorized(StatusCode),
    /// The API refused this result for good (fractal deleted, checksum refused, …).
    #[error("the API refused the result: {status} {body}")]
    Rejected {
        /// The HTTP status.
        status: StatusCode,
        /// The start of the response body.
        body: String,
    },
}

/// A rendered result.
#[derive(Debug, Clone)]
pub struct RenderResult {
    /// The PNG.
    pub png: Vec<u8>,
    /// Its SHA-256, lowercase hex.
    pub checksum: String,
    /// Render time.
    pub duration: Duration,
}

/// A client for one API endpoint.
#[derive(Debug, Clone)]
pub struct Reporter {
    http: reqwest::Client,
    endpoint: http::Endpoint,
    token: Option<String>,
    generated_by: String,
    binary: bool,
}

/// Longest error text sent to the API (it keeps no more).
const MAX_ERROR_CHARS: usize = crate::wire::fractal::MAX_ERROR_CHARS;

impl Reporter {
    /// A client for `endpoint_url` (a trailing `/` is dropped: the original built
    /// `//v1/…` from it and lost the result). HTTP basics are the API client's.
    pub fn new(endpoint_url: &str, token: Option<String>, generated_by: String) -> Result<Self, String> {
        let endpoint = http::Endpoint::parse(endpoint_url).map_err(|e| e.to_string())?;
        let http = http::http_client()?;
        Ok(Self { http, endpoint, token, generated_by, binary: false })
    }

    /// Asks the API what it offers; our API's `/health` says `binary_upload`. Returns
    /// `Err` while the API cannot be reached (the caller retries).
    pub async fn probe(&mut self) -> Result<(), ReportError> {
        let response = self.http.get(self.endpoint.join(&["health"])).send().await.map_err(transient)?;
        if response.status().is_server_error() {
            return Err(ReportError::Transient(format!("/health answered {}", response.status())));
        }
        let health: serde_json::Value = response.json().await.unwrap_or_default();
        self.binary = http::advertises_extended(&health);
        Ok(())
    }

    /// Whether results go as a binary upload (our API) or base64 JSON (the original).
    pub fn binary(&self) -> bool {
        self.binary
    }

    fn authorize(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        http::authorize(request, self.token.as_deref())
    }

    /// Uploads one result.
    pub async fn upload(&self, uuid: &str, result: &RenderResult) -> Result<(), ReportError> {
        let duration = result.duration.as_secs_f64();
        let request = if self.binary {
            self.http
                .put(self.endpoint.join(&["v1", "fractal", uuid, "image"]))
                .query(&[("checksum", result.checksum.as_str()), ("generated_by", self.generated_by.as_str())])
                .query(&[("duration", duration)])
                .header(header::CONTENT_TYPE, "image/png")
                .body(result.png.clone())
        } else {
            // The original worker's request, field for field.
            let body = json!({
                "uuid": uuid,
                "duration": duration,
                "image": base64::engine::general_purpose::STANDARD.encode(&result.png),
                "checksum": result.checksum,
                "size": result.png.len(),
                "generated_by": self.generated_by,
            });
            self.http
                .put(self.endpoint.join(&["v1", "fractal", uuid]))
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ACCEPT, "text/plain")
                .body(body.to_string())
        };
        self.send(self.authorize(request)).await
    }

    /// Records that a task cannot be rendered (our API only; a no-op for the original).
    pub async fn report_failure(&self, uuid: &str, error: &str) -> Result<(), ReportError> {
        if !self.binary {
            return Ok(());
        }
        let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
        let body = json!({ "status": "failed", "error": error, "generated_by": self.generated_by });
        let request = self
            .http
            .put(self.endpoint.join(&["v1", "fractal", uuid]))
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        self.send(self.authorize(request)).await
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<(), ReportError> {
        let response = request.send().await.map_err(transient)?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        if http::is_auth_failure(status) {
            return Err(ReportError::Unauthorized(status));
        }
        let body: String = response.text().await.unwrap_or_default().chars().take(300).collect();
        if http::is_transient(status) {
            Err(ReportError::Transient(format!("{status} {body}")))
        } else {
            Err(ReportError::Rejected { status, body })
        }
    }
}

fn transient(e: reqwest::Error) -> ReportError {
    ReportError::Transient(e.to_string())
}
