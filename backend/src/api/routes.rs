//! The HTTP surface: `/v1/fractal` (Flask-Restless semantics), `/fractal/<uuid>` (the PNG),
//! `/health`, `/openapi.json` (described in `assets/openapi.json`: document new routes there).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use base64::Engine as _;
use faafo_engine::{FractalKind, classic};
use serde_json::{Value, json};

use super::AppState;
use super::extract::{FlaskJson, JsonQuery, RequestBody, RequireClient, RequireWorker, UuidPath};
use super::page_cache::Page;
use crate::store::{StoreError, now_rfc3339};
use crate::wire::WireError;
use crate::wire::fractal::{self, FieldValue, Fractal, MULTIBROT_POWER, RENDER_COLUMNS, Status, column};
use crate::wire::paging::Paging;
use crate::wire::search;

/// Largest PNG a worker may upload (the original had no limit at all). A 4096² render of
/// the busiest region is about 30 MiB.
pub const MAX_IMAGE_BYTES: usize = 64 * 1024 * 1024;
/// Largest JSON body of a create or an update without an image.
pub const MAX_JSON_BYTES: usize = 64 * 1024;
/// Largest result `PUT` in the original's base64 JSON: the image grows by a third.
pub const MAX_BASE64_RESULT_BYTES: usize = MAX_IMAGE_BYTES / 3 * 4 + MAX_JSON_BYTES;

/// The router with every route.
pub fn router(state: AppState) -> Router {
    let json_limit = DefaultBodyLimit::max(MAX_JSON_BYTES);
    let budget = || axum::middleware::from_fn_with_state(state.uploads.clone(), super::upload_budget::limit);
    Router::new()
        .route("/v1/fractal", get(list).post(create).layer(json_limit))
        .route(
            "/v1/fractal/{uuid}",
            get(show).put(update).delete(remove).layer(DefaultBodyLimit::max(MAX_BASE64_RESULT_BYTES)).layer(budget()),
        )
        .layer(axum::middleware::from_fn(super::jsonp::wrap))
        .route(
            "/v1/fractal/{uuid}/image",
            put(upload_image).layer(DefaultBodyLimit::max(MAX_IMAGE_BYTES)).layer(budget()),
        )
        .route("/fractal/{uuid}", get(image))
        .route("/health", get(super::health::health))
        .route("/v1/status", get(super::status::status))
        .route("/openapi.json", get(super::openapi::document))
        .route("/metrics", get(super::metrics::metrics))
        .merge(super::gallery::routes())
        .layer(json_limit)
        .layer(axum::middleware::from_fn(super::complete::run_to_completion))
        .with_state(state)
}

/// A JSON response as Flask's `jsonify` wrote it (sorted keys, 2-space indent).
pub(super) fn json_response(status: StatusCode, body: &Value) -> Response {
    let text = serde_json::to_string_pretty(body).unwrap_or_else(|_| "{}".to_owned());
    (status, [(header::CONTENT_TYPE, "application/json")], text).into_response()
}

impl IntoResponse for WireError {
    fn into_response(self) -> Response {
        json_response(StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST), &self.body)
    }
}

fn internal(e: StoreError) -> WireError {
    // Log the detail; the client gets the class of failure only.
    tracing::error!("{e}");
    WireError { status: 500, body: json!({ "message": "database error" }) }
}

/// `http://host` as the client addressed us, for `Location` and `Link`.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    format!("http://{host}")
}

async fn create(
    State(state): State<AppState>,
    _: RequireClient,
    headers: HeaderMap,
    FlaskJson(body): FlaskJson,
) -> Result<Response, WireError> {
    let new = fractal::parse_new(&body, &state.limits)?;
    let uuid = new.uuid.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    // Record the constant actually used (and the seed of a classic search), so the image
    // can be reproduced.
    let seed = match (new.kind, new.c) {
        (FractalKind::Classic, None) => {
            Some(new.seed.unwrap_or_else(|| (uuid::Uuid::new_v4().as_u128() as i64) & i64::MAX))
        }
        _ => new.seed,
    };
    let classic_c = || classic::find_c(&new.region, new.iterations, seed.unwrap_or(0) as u64).c;
    // A constant given is recorded as given, whatever the kind.
    let c = new.c.or_else(|| faafo_engine::Fractal::from_kind(new.kind, None, MULTIBROT_POWER, classic_c).c());
    let row = Fractal::from_new(uuid.clone(), &new, c, seed, now_rfc3339());
    // The queue message is the original's: the created object.
    let task = row.to_object().to_string();
    match state.store.insert_with_task(&row, Some(&task)).await {
        Ok(()) => {}
        // The original's body for any integrity failure.
        Err(StoreError::Duplicate(_)) => return Err(WireError::bad_request("IntegrityError")),
        Err(e) => return Err(internal(e)),
    }
    state.relay.wake.notify_one();
    let mut response = json_response(StatusCode::CREATED, &row.to_object());
    if let Ok(location) = HeaderValue::from_str(&format!("{}/v1/fractal/{uuid}", base_url(&headers))) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

#[derive(Debug, serde::Deserialize)]
struct ListQuery {
    page: Option<String>,
    results_per_page: Option<String>,
    q: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    JsonQuery(query): JsonQuery<ListQuery>,
) -> Result<Response, WireError> {
    // The same query (and host, which the Link header names) with no write since: the
    // page is the one computed last time.
    let key = format!("{}?{}", base_url(&headers), raw.unwrap_or_default());
    let generation = state.store.write_generation();
    if let Some(page) = state.pages.get(&key, generation) {
        return Ok(page_response(page));
    }
    let search = match &query.q {
        Some(q) => search::parse(q)?,
        None => search::Search::default(),
    };
    if search.single {
        let (n, rows) = state.store.search(&search, None).await.map_err(internal)?;
        return match (n, rows.first()) {
            (1, Some(f)) => Ok(json_response(StatusCode::OK, &f.to_object())),
            (0, _) => Err(WireError { status: 404, body: json!({ "message": "No result found" }) }),
            _ => Err(WireError::bad_request("Multiple results found")),
        };
    }
    let paging = Paging::parse(query.page.as_deref(), query.results_per_page.as_deref())?;
    let (n, rows) = state.store.search(&search, Some(paging)).await.map_err(internal)?;
    let objects = rows.iter().map(Fractal::to_object).collect();
    let body = serde_json::to_string_pretty(&paging.envelope(n, objects)).unwrap_or_else(|_| "{}".to_owned());
    let link = paging.link_header(&format!("{}/v1/fractal", base_url(&headers)), n);
    let page = Page { status: 200, body: Bytes::from(body), link: Some(link) };
    state.pages.insert(key, generation, page.clone());
    Ok(page_response(page))
}

fn page_response(page: Page) -> Response {
    let mut response = (
        StatusCode::from_u16(page.status).unwrap_or(StatusCode::OK),
        [(header::CONTENT_TYPE, "application/json")],
        page.body,
    )
        .into_response();
    if let Some(v) = page.link.and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(header::LINK, v);
    }
    response
}

async fn show(State(state): State<AppState>, UuidPath(uuid): UuidPath) -> Result<Response, WireError> {
    match state.store.get(&uuid).await.map_err(internal)? {
        Some(f) => Ok(json_response(StatusCode::OK, &f.to_object())),
        None => Err(WireError::not_found()),
    }
}

/// Checks a result's image against its claimed checksum and size; fills them in when
/// absent. A mismatch is refused: storing it would serve bytes nobody can verify.
fn check_image(png: &[u8], fields: &mut Vec<(&'static fractal::Column, FieldValue)>) -> Result<(), WireError> {
    if !png.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err(WireError::invalid_field("image", "is not a PNG"));
    }
    let sha = faafo_engine::sha256_hex(png);
    let claimed = |fields: &[(&'static fractal::Column, FieldValue)], name: &str| {
        fields.iter().find(|(c, _)| c.name == name).map(|(_, v)| v.clone())
    };
    let set = |fields: &mut Vec<(&'static fractal::Column, FieldValue)>, name: &str, v: FieldValue| {
        fields.retain(|(c, _)| c.name != name);
        fields.extend(column(name).map(|c| (c, v)));
    };
    match claimed(fields, "checksum") {
        Some(FieldValue::Text(c)) if c.eq_ignore_ascii_case(&sha) => {}
        Some(FieldValue::Text(c)) => {
            return Err(WireError::invalid_field("checksum", format!("{c} does not match the image's SHA-256 {sha}")));
        }
        _ => set(fields, "checksum", FieldValue::Text(sha)),
    }
    match claimed(fields, "size") {
        Some(FieldValue::Integer(s)) if s == png.len() as i64 => {}
        Some(FieldValue::Integer(s)) => {
            return Err(WireError::invalid_field(
                "size",
                format!("{s} does not match the image's {} bytes", png.len()),
            ));
        }
        _ => set(fields, "size", FieldValue::Integer(png.len() as i64)),
    }
    if claimed(fields, "status").is_none() {
        set(fields, "status", FieldValue::Text(Status::Done.as_str().to_owned()));
    }
    Ok(())
}

async fn update(
    State(state): State<AppState>,
    UuidPath(uuid): UuidPath,
    _: RequireWorker,
    FlaskJson(value): FlaskJson,
) -> Result<Response, WireError> {
    let mut fields = fractal::parse_update(&value)?;
    // The uuid names the row; a body uuid that differs would re-key it.
    fields.retain(|(c, _)| c.name != "uuid");
    let png = match value.get("image") {
        Some(Value::String(b64)) => Some(
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| WireError::invalid_field("image", format!("is not valid base64: {e}")))?,
        ),
        Some(Value::Null) | None => None,
        Some(_) => return Err(WireError::invalid_field("image", "expected base64 text")),
    };
    // Held no longer than needed: a large result is in memory several times over.
    drop(value);
    if let Some(png) = &png {
        check_image(png, &mut fields)?;
    }
    if fields.iter().any(|(c, _)| RENDER_COLUMNS.contains(&c.name)) {
        let Some(current) = state.store.get(&uuid).await.map_err(internal)? else {
            return Err(WireError::not_found());
        };
        current.updated(&fields, &state.limits)?;
    }
    state.images.remove(&uuid);
    match state.store.update(&uuid, &fields, png.as_deref()).await.map_err(internal)? {
        Some(f) => Ok(json_response(StatusCode::OK, &f.to_object())),
        None => Err(WireError::not_found()),
    }
}

#[derive(Debug, serde::Deserialize)]
struct UploadQuery {
    checksum: Option<String>,
    duration: Option<f64>,
    generated_by: Option<String>,
}

/// The binary result upload: the PNG as the body (a third smaller than base64 JSON),
/// the other result fields as query parameters.
async fn upload_image(
    State(state): State<AppState>,
    UuidPath(uuid): UuidPath,
    JsonQuery(query): JsonQuery<UploadQuery>,
    _: RequireWorker,
    RequestBody(body): RequestBody,
) -> Result<Response, WireError> {
    let mut fields = Vec::new();
    let mut add = |name: &str, v: FieldValue| fields.extend(column(name).map(|c| (c, v)));
    if let Some(c) = query.checksum {
        add("checksum", FieldValue::Text(c));
    }
    if let Some(d) = query.duration {
        add("duration", FieldValue::Real(d));
    }
    if let Some(g) = query.generated_by {
        if g.contains('\0') {
            return Err(WireError::invalid_field("generated_by", "must not contain a NUL character"));
        }
        add("generated_by", FieldValue::Text(g));
    }
    add("error", FieldValue::Null);
    check_image(&body, &mut fields)?;
    state.images.remove(&uuid);
    match state.store.update(&uuid, &fields, Some(&body)).await.map_err(internal)? {
        Some(f) => Ok(json_response(StatusCode::OK, &f.to_object())),
        None => Err(WireError::not_found()),
    }
}

async fn remove(
    State(state): State<AppState>,
    UuidPath(uuid): UuidPath,
    _: RequireClient,
) -> Result<Response, WireError> {
    state.images.remove(&uuid);
    if state.store.delete(&uuid).await.map_err(internal)? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(WireError::not_found())
    }
}

/// The PNG exactly as stored, with its checksum as `ETag`.
async fn image(
    State(state): State<AppState>,
    UuidPath(uuid): UuidPath,
    headers: HeaderMap,
) -> Result<Response, WireError> {
    let (checksum, png) = match state.images.get(&uuid) {
        Some(hit) => hit,
        None => {
            let not_found = || WireError { status: 404, body: json!({ "code": 404, "message": "Fracal not found" }) };
            let f = state.store.get(&uuid).await.map_err(internal)?.ok_or_else(not_found)?;
            let Some(png) = state.store.image(&uuid).await.map_err(internal)? else {
                return Err(WireError {
                    status: 404,
                    body: json!({ "code": 404, "message": format!("fractal {uuid} has no image yet (status {})", f.status.as_str()), "status": f.status.as_str() }),
                });
            };
            let checksum = f.checksum.clone().unwrap_or_else(|| faafo_engine::sha256_hex(&png));
            let png = Bytes::from(png);
            if f.status == Status::Done {
                state.images.insert(&uuid, &checksum, png.clone());
            }
            (checksum, png)
        }
    };
    let etag = format!("\"{checksum}\"");
    let cache = "public, max-age=86400";
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag), (header::CACHE_CONTROL, cache.to_owned())])
            .into_response());
    }
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "image/png".to_owned()),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache.to_owned()),
        ],
        png,
    )
        .into_response())
}
