//! JSONP for the read routes, as Flask-Restless offered it: `?callback=fn` wraps the
//! JSON body as `fn({"meta": {...}, "data": ...})` with `application/javascript`.
//!
//! Unlike the original, the callback name is checked: an arbitrary `callback` string
//! would let any page inject script into the response.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::wire::WireError;

/// Longest callback name accepted.
const MAX_CALLBACK_CHARS: usize = 64;
/// Largest JSON body re-wrapped (a page of at most 100 objects is far smaller).
const MAX_WRAPPED_BYTES: usize = 16 * 1024 * 1024;

/// The `callback` query parameter, if any.
fn callback(query: Option<&str>) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == "callback").then(|| v.to_owned())
    })
}

/// A JavaScript identifier path such as `cb`, `$.handle` or `jQuery_123`.
fn valid(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_CALLBACK_CHARS
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '.')
        && !name.starts_with(|c: char| c.is_ascii_digit() || c == '.')
}

/// The middleware.
pub async fn wrap(request: Request, next: Next) -> Response {
    if request.method() != Method::GET {
        return next.run(request).await;
    }
    let Some(name) = callback(request.uri().query()) else { return next.run(request).await };
    if !valid(&name) {
        return WireError::invalid_field(
            "callback",
            format!(
                "must be a JavaScript name (letters, digits, '_', '$', '.'; at most {MAX_CALLBACK_CHARS} characters)"
            ),
        )
        .into_response();
    }
    let response = next.run(request).await;
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_WRAPPED_BYTES).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Ok(data) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let mut meta = Map::new();
    meta.insert("status".into(), json!(parts.status.as_u16()));
    if let Some(link) = parts.headers.get(header::LINK).and_then(|v| v.to_str().ok()) {
        meta.insert("Link".into(), json!(link));
    }
    let content = format!("{name}({})", json!({ "meta": meta, "data": data }));
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/javascript")], content).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(callback(Some("page=2&callback=cb")), Some("cb".to_owned()));
        assert_eq!(callback(Some("page=2")), None);
        assert!(valid("cb") && valid("$.x_1") && valid("jQuery123_456"));
        assert!(!valid("") && !valid("alert(1)") && !valid("a b") && !valid("1x") && !valid(&"a".repeat(65)));
    }
}
