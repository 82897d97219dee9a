//! Extractors for what every route checks first — its token, its JSON body, its uuid —
//! whose rejections are the API's JSON errors (axum's own are plain text).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::AppState;
use super::auth::Role;
use super::routes::{MAX_BASE64_RESULT_BYTES, MAX_IMAGE_BYTES, MAX_JSON_BYTES};
use crate::wire::WireError;
use crate::wire::fractal::check_uuid;

/// A request that carries the client token (create, delete), when one is configured.
#[derive(Debug, Clone, Copy)]
pub struct RequireClient;

impl FromRequestParts<AppState> for RequireClient {
    type Rejection = WireError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        state.auth.check(&parts.headers, Role::Client).map(|()| Self)
    }
}

/// A request that carries the worker token (results), when one is configured.
#[derive(Debug, Clone, Copy)]
pub struct RequireWorker;

impl FromRequestParts<AppState> for RequireWorker {
    type Rejection = WireError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        state.auth.check(&parts.headers, Role::Worker).map(|()| Self)
    }
}

/// A JSON body under Flask's rules, in the original's order: a body within the route's
/// limit (413), declared `application/json` (415), that parses (`Unable to decode data`).
#[derive(Debug, Clone)]
pub struct FlaskJson(pub Value);

impl<S: Send + Sync> FromRequest<S> for FlaskJson {
    type Rejection = WireError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let declared = declares_json(request.headers());
        let RequestBody(body) = RequestBody::from_request(request, state).await?;
        if !declared {
            return Err(WireError::unsupported_media_type());
        }
        serde_json::from_slice(&body).map(Self).map_err(|_| WireError::unable_to_decode())
    }
}

/// The original's 415 rule: a JSON body must say so.
fn declares_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/json"))
}

/// The whole request body; a 413 that names the limit, or a 408 for a body that came too
/// slowly.
#[derive(Debug, Clone)]
pub struct RequestBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RequestBody {
    type Rejection = WireError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(request, state).await.map(Self).map_err(body_error)
    }
}

fn body_error(e: BytesRejection) -> WireError {
    if is_body_timeout(&e) {
        return WireError { status: 408, body: json!({ "message": e.body_text() }) };
    }
    let status = e.status().as_u16();
    let message = if status == 413 {
        format!(
            "request body too large: at most {MAX_JSON_BYTES} bytes of JSON, {MAX_IMAGE_BYTES} bytes for an image upload, {MAX_BASE64_RESULT_BYTES} for a base64 result"
        )
    } else {
        format!("cannot read the request body: {e}")
    };
    WireError { status, body: json!({ "message": message }) }
}

/// Whether `error` (or one of its causes) is a request body that came too slowly.
fn is_body_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if e.is::<super::serve::BodyTimeout>() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// The `{uuid}` path segment, checked against what a fractal's uuid may be.
#[derive(Debug, Clone)]
pub struct UuidPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for UuidPath {
    type Rejection = WireError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(uuid) = Path::<String>::from_request_parts(parts, state).await.map_err(path_error)?;
        check_uuid(&uuid)?;
        Ok(Self(uuid))
    }
}

fn path_error(e: PathRejection) -> WireError {
    WireError::invalid_field("uuid", format!("the path segment is not valid: {}", e.body_text()))
}

/// Query parameters, with a JSON 400 naming the problem when they do not parse.
#[derive(Debug, Clone)]
pub struct JsonQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for JsonQuery<T> {
    type Rejection = WireError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Self(value)),
            Err(e) => Err(query_error(e)),
        }
    }
}

fn query_error(e: QueryRejection) -> WireError {
    WireError::bad_request(format!("invalid query parameters: {}", e.body_text()))
}
