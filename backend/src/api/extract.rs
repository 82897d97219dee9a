//! Extractors whose rejections are the API's JSON errors (axum's own are plain text).

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::wire::WireError;
use crate::wire::fractal::check_uuid;

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
