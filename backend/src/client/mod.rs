//! A typed client for the faafo API — ours or the original Python one — shared by the
//! `faafo` command and the desktop app. Async (tokio + reqwest); no terminal code.
//!
//! ```no_run
//! # async fn demo() -> Result<(), faafo_backend::client::ClientError> {
//! use faafo_backend::client::{Client, NewFractalRequest};
//! let client = Client::new("http://localhost:8080/", None)?;
//! let f = client.create(&NewFractalRequest::new(640, 480, 300, (-2.0, 2.0, -1.5, 1.5))).await?;
//! let done = client.wait(&[f.uuid.clone()], |_| {}).await?;
//! let png = client.image(&done[0].uuid).await?; // SHA-256 checked against `checksum`
//! # Ok(()) }
//! ```
//!
//! # Two servers
//! [`Client::capabilities`] asks `/health` once. Our API answers with
//! `"binary_upload": true` and takes the extended fields (`kind`, `c_re`/`c_im`, `seed`,
//! `palette`) and `q=` searches on `status` and `created_at`. The original has no
//! `/health`: the client then sends only the original's eight fields (`uuid, width,
//! height, iterations, xa, xb, ya, yb`), refuses requests that need more
//! ([`ClientError::Unsupported`]), and reads the original's objects, whose status is
//! derived (done once `checksum` and `size` are set, pending before).

pub mod http;

use std::sync::Arc;
use std::time::{Duration, Instant};

use faafo_engine::location::Location;
use faafo_engine::{Complex64, FractalKind, Palette, Window};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::wire::colouring::ColouringFields;

pub mod poster;
pub mod random;
pub mod status;

pub use self::http::{Endpoint, EndpointError};
pub use crate::wire::fractal::Status;

/// Objects per page asked for when fetching everything (the API's maximum).
pub const PAGE_SIZE: u64 = crate::wire::paging::MAX_RESULTS_PER_PAGE;

/// Uuids per `q=` search when polling a batch (keeps URLs short).
const UUIDS_PER_QUERY: usize = 50;

/// Why a request failed. Each variant names the URL or uuid it is about.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The endpoint URL is unusable.
    #[error(transparent)]
    BadEndpoint(#[from] EndpointError),
    /// No connection (refused, DNS, timeout, TLS).
    #[error("cannot reach the faafo API at {url}: {reason}")]
    Unreachable {
        /// The URL tried.
        url: String,
        /// The underlying cause.
        reason: String,
    },
    /// No fractal with this uuid.
    #[error("fractal '{uuid}' not found")]
    NotFound {
        /// The uuid asked for.
        uuid: String,
    },
    /// The API refused the token (or wanted one).
    #[error("{url} refused the request ({status}): {message}; give the client token with --token or --token-file")]
    Unauthorized {
        /// The URL requested.
        url: String,
        /// 401 or 403.
        status: u16,
        /// The server's explanation.
        message: String,
    },
    /// The API refused the request's content (a 4xx other than 401/403/404).
    #[error("{url} refused the request ({status}): {message}")]
    Rejected {
        /// The URL requested.
        url: String,
        /// The status.
        status: u16,
        /// The server's explanation (for ours, it names the field).
        message: String,
    },
    /// The API failed (5xx or an unexpected status).
    #[error("{url} answered {status}: {body}")]
    Server {
        /// The URL requested.
        url: String,
        /// The status.
        status: u16,
        /// The start of the body, on one line.
        body: String,
    },
    /// The reply is not what a faafo API sends.
    #[error("malformed reply from {url}: {what}")]
    Malformed {
        /// The URL requested.
        url: String,
        /// What was wrong with it.
        what: String,
    },
    /// The request needs our API's extensions and the server is the original.
    #[error("{url} is the original faafo API, which cannot take {what}")]
    Unsupported {
        /// The endpoint.
        url: String,
        /// What was asked for.
        what: String,
    },
    /// The fractal has no image yet.
    #[error("fractal '{uuid}' has no image yet (status {})", status.as_str())]
    NotReady {
        /// The uuid.
        uuid: String,
        /// Its status.
        status: Status,
    },
    /// The downloaded image does not match the stored checksum or size.
    #[error("the image of fractal '{uuid}' does not match its stored {what}: expected {expected}, got {actual}")]
    Mismatch {
        /// The uuid.
        uuid: String,
        /// `checksum` or `size`.
        what: &'static str,
        /// The stored value.
        expected: String,
        /// The downloaded image's.
        actual: String,
    },
    /// The HTTP client could not be built.
    #[error("{0}")]
    Setup(String),
}

/// A fractal as the API sends it: the wire's one type, [`crate::wire::fractal::Fractal`].
/// The original API's objects lack our columns; the client fills them in as they are
/// read ([`complete_original`]), so both servers' fractals are this one type.
pub use crate::wire::fractal::Fractal;

/// Fills in what an original API object lacks, so it reads as the wire's [`Fractal`]:
/// a status derived from the stored result (done once `checksum` and `size` are set,
/// pending before), kind and palette `classic` (all the original renders), and empty
/// creation and change times (it records none). Our API's objects have all of these and
/// are left as they are.
pub fn complete_original(object: &mut Value) {
    let Some(o) = object.as_object_mut() else { return };
    if !o.contains_key("status") {
        let set = |key: &str| o.get(key).is_some_and(|v| !v.is_null());
        let status = if set("checksum") && set("size") { Status::Done } else { Status::Pending };
        o.insert("status".into(), json!(status.as_str()));
    }
    for (key, default) in [("kind", "classic"), ("palette", "classic"), ("created_at", ""), ("updated_at", "")] {
        o.entry(key).or_insert_with(|| json!(default));
    }
}

/// A fractal object as read from either server.
pub fn fractal_from(mut object: Value) -> Result<Fractal, serde_json::Error> {
    complete_original(&mut object);
    serde_json::from_value(object)
}

/// One page of `GET /v1/fractal` (the original's envelope).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    /// Matching fractals in all pages.
    pub num_results: u64,
    /// This page's fractals.
    pub objects: Vec<Fractal>,
    /// This page's number, from 1.
    pub page: u64,
    /// Pages in all (0 when nothing matches).
    pub total_pages: u64,
}

/// What to create. The first eight fields are the original's; the rest need our API.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFractalRequest {
    /// The uuid to give it (a random one when `None`, as the original client did).
    pub uuid: Option<String>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Escape tests per pixel.
    pub iterations: u32,
    /// Real part at the left edge.
    pub xa: f64,
    /// Real part at the right edge.
    pub xb: f64,
    /// Imaginary part at the top row.
    pub ya: f64,
    /// Imaginary part at the bottom row.
    pub yb: f64,
    /// Fractal kind (the server's default: classic).
    pub kind: Option<FractalKind>,
    /// Julia constant.
    pub c: Option<Complex64>,
    /// Seed for the classic search for `c`.
    pub seed: Option<i64>,
    /// Palette.
    pub palette: Option<Palette>,
    /// For a poster's tile: the window of the whole `width` × `height` image to render.
    pub window: Option<Window>,
    /// The exact location (sent as `center_re`, `center_im`, `scale`): needed for a view
    /// deeper than `xa..yb`'s doubles can say; they are then its nearest doubles.
    pub location: Option<Location>,
    /// Colouring mode, light and antialiasing (each sent only when set).
    pub colouring: ColouringFields,
}

impl NewFractalRequest {
    /// The original's request: size, iterations and region `(xa, xb, ya, yb)`.
    pub fn new(width: u32, height: u32, iterations: u32, (xa, xb, ya, yb): (f64, f64, f64, f64)) -> Self {
        Self {
            uuid: None,
            width,
            height,
            iterations,
            xa,
            xb,
            ya,
            yb,
            kind: None,
            c: None,
            seed: None,
            palette: None,
            window: None,
            location: None,
            colouring: ColouringFields::default(),
        }
    }

    /// A request for the exact `location`: `xa..yb` are its nearest doubles (for the
    /// original's fields), the server renders the location itself.
    pub fn at(width: u32, height: u32, iterations: u32, location: Location) -> Self {
        let r = location.region(width, height);
        Self { location: Some(location), ..Self::new(width, height, iterations, (r.xa, r.xb, r.ya, r.yb)) }
    }

    /// The extended options set, by flag name (empty for an original request).
    pub fn extensions(&self) -> Vec<&'static str> {
        let mut used = Vec::new();
        if self.kind.is_some() {
            used.push("kind");
        }
        if self.c.is_some() {
            used.push("c");
        }
        if self.seed.is_some() {
            used.push("seed");
        }
        if self.palette.is_some() {
            used.push("palette");
        }
        if self.window.is_some() {
            used.push("tile");
        }
        if self.location.is_some() {
            used.push("location");
        }
        if self.colouring != ColouringFields::default() {
            used.push("colouring");
        }
        used
    }

    /// The JSON body: the original's eight fields, plus the extended ones that are set.
    pub fn body(&self, uuid: &str) -> Value {
        let mut body = json!({
            "uuid": uuid,
            "width": self.width,
            "height": self.height,
            "iterations": self.iterations,
            "xa": self.xa,
            "xb": self.xb,
            "ya": self.ya,
            "yb": self.yb,
        });
        if let Some(k) = self.kind {
            body["kind"] = json!(k.name());
        }
        if let Some(c) = self.c {
            body["c_re"] = json!(c.re);
            body["c_im"] = json!(c.im);
        }
        if let Some(s) = self.seed {
            body["seed"] = json!(s);
        }
        if let Some(p) = self.palette {
            body["palette"] = json!(p.name());
        }
        if let Some(w) = self.window {
            for (key, value) in [("tile_x", w.x), ("tile_y", w.y), ("tile_width", w.width), ("tile_height", w.height)] {
                body[key] = json!(value);
            }
        }
        if let Some(l) = &self.location {
            body["center_re"] = json!(l.center.re());
            body["center_im"] = json!(l.center.im());
            body["scale"] = json!(l.scale.to_string());
        }
        let c = &self.colouring;
        if let Some(mode) = &c.colouring {
            body["colouring"] = json!(mode);
        }
        for (key, value) in [
            ("light_angle", c.light_angle),
            ("light_elevation", c.light_elevation),
            ("light_strength", c.light_strength),
            ("boundary_width", c.boundary_width),
        ] {
            if let Some(v) = value {
                body[key] = json!(v);
            }
        }
        if let Some(n) = c.antialias {
            body["antialias"] = json!(n);
        }
        body
    }
}

/// What the server is.
#[derive(Debug, Clone, PartialEq)]
pub struct Capabilities {
    /// Our API (extended fields, searches on status and creation time).
    pub extended: bool,
    /// The `/health` body, when there is one.
    pub health: Option<Value>,
}

/// Filters and order for listings, as a Flask-Restless `q=` search.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    /// Only these statuses (any of them); empty: all.
    pub status: Vec<Status>,
    /// Newest first (by `created_at`; needs our API) rather than by uuid.
    pub newest_first: bool,
}

/// Counts over a batch being waited for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchProgress {
    /// Fractals in the batch.
    pub total: usize,
    /// Rendered.
    pub done: usize,
    /// Failed (or deleted while waited for).
    pub failed: usize,
    /// Not finished yet.
    pub pending: usize,
}

impl BatchProgress {
    /// Done or failed.
    pub fn finished(&self) -> usize {
        self.done + self.failed
    }
}

/// Called with a line for each request (`GET http://… -> 200 (3 ms)`), for `--debug`.
pub type Trace = Arc<dyn Fn(&str) + Send + Sync>;

/// A client for one faafo API endpoint.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    endpoint: Endpoint,
    token: Option<String>,
    capabilities: Arc<tokio::sync::OnceCell<Capabilities>>,
    trace: Option<Trace>,
    poll: Duration,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint.as_str())
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("capabilities", &self.capabilities.get())
            .finish_non_exhaustive()
    }
}

/// The message of an error body: `message` of a JSON body, else the text, on one line.
fn message_of(status: StatusCode, body: &str) -> String {
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        if let Some(m) = v.get("message").and_then(Value::as_str) {
            return m.to_owned();
        }
        if let Some(m) = v.get("validation_errors") {
            return m.as_str().map_or_else(|| m.to_string(), str::to_owned);
        }
    }
    let text = body.trim();
    if text.is_empty() || text.starts_with('<') {
        // Empty, or an HTML error page (the original's Werkzeug).
        return status.canonical_reason().unwrap_or("no explanation").to_owned();
    }
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut cut: String = line.chars().take(200).collect();
    if cut.len() < line.len() {
        cut.push('…');
    }
    cut
}

impl Client {
    /// A client for `endpoint` (a trailing `/` does not matter), sending `token` as
    /// `Authorization: Bearer` when given.
    pub fn new(endpoint: &str, token: Option<String>) -> Result<Self, ClientError> {
        let endpoint = Endpoint::parse(endpoint)?;
        let http = http::http_client().map_err(ClientError::Setup)?;
        let token = token.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        Ok(Self { http, endpoint, token, capabilities: Arc::default(), trace: None, poll: Duration::from_millis(100) })
    }

    /// Reports every request to `trace`.
    pub fn with_trace(mut self, trace: Trace) -> Self {
        self.trace = Some(trace);
        self
    }

    /// The normalised endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The web gallery's address.
    pub fn gallery_url(&self) -> String {
        format!("{}/", self.endpoint)
    }

    fn request(&self, method: Method, segments: &[&str]) -> RequestBuilder {
        http::authorize(self.http.request(method, self.endpoint.join(segments)), self.token.as_deref())
    }

    /// Sends `request`; transport failures become [`ClientError::Unreachable`].
    async fn send(&self, request: RequestBuilder) -> Result<(String, Response), ClientError> {
        let request = request.build().map_err(|e| ClientError::Setup(format!("cannot build the request: {e}")))?;
        let (method, url) = (request.method().clone(), request.url().to_string());
        let start = Instant::now();
        let result = self.http.execute(request).await;
        if let Some(trace) = &self.trace {
            let outcome = match &result {
                Ok(r) => r.status().as_u16().to_string(),
                Err(e) => http::root_cause(e),
            };
            trace(&format!("{method} {url} -> {outcome} ({} ms)", start.elapsed().as_millis()));
        }
        let response =
            result.map_err(|e| ClientError::Unreachable { url: url.clone(), reason: http::root_cause(&e) })?;
        Ok((url, response))
    }

    /// Passes a 2xx response; turns any other into its error (`uuid` names what a 404
    /// was about).
    async fn check(url: String, response: Response, uuid: Option<&str>) -> Result<(String, Response), ClientError> {
        if response.status().is_success() {
            Ok((url, response))
        } else {
            Err(Self::error_of(url, response, uuid).await)
        }
    }

    /// The error a non-2xx response stands for.
    async fn error_of(url: String, response: Response, uuid: Option<&str>) -> ClientError {
        let status = response.status();
        if status == StatusCode::NOT_FOUND
            && let Some(uuid) = uuid
        {
            return ClientError::NotFound { uuid: uuid.to_owned() };
        }
        let body = response.text().await.unwrap_or_default();
        let message = message_of(status, &body);
        let code = status.as_u16();
        if http::is_auth_failure(status) {
            ClientError::Unauthorized { url, status: code, message }
        } else if status.is_client_error() && status != StatusCode::NOT_FOUND && !http::is_transient(status) {
            ClientError::Rejected { url, status: code, message }
        } else {
            ClientError::Server { url, status: code, body: message }
        }
    }

    /// Sends, checks the status, and parses a JSON body as a fractal (of either server).
    async fn fractal(&self, request: RequestBuilder, uuid: Option<&str>) -> Result<Fractal, ClientError> {
        let (url, mut value) = self.json_value(request, uuid).await?;
        complete_original(&mut value);
        serde_json::from_value(value).map_err(|e| ClientError::Malformed { url, what: e.to_string() })
    }

    /// Sends, checks the status, and parses a JSON body as a page of fractals.
    async fn page(&self, request: RequestBuilder) -> Result<Page, ClientError> {
        let (url, mut value) = self.json_value(request, None).await?;
        if let Some(objects) = value.get_mut("objects").and_then(Value::as_array_mut) {
            objects.iter_mut().for_each(complete_original);
        }
        serde_json::from_value(value).map_err(|e| ClientError::Malformed { url, what: e.to_string() })
    }

    /// Sends, checks the status, and parses a JSON body as `T`.
    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        request: RequestBuilder,
        uuid: Option<&str>,
    ) -> Result<T, ClientError> {
        let (url, value) = self.json_value(request, uuid).await?;
        serde_json::from_value(value).map_err(|e| ClientError::Malformed { url, what: e.to_string() })
    }

    /// Sends, checks the status, and parses the JSON body; answers it with its URL.
    async fn json_value(&self, request: RequestBuilder, uuid: Option<&str>) -> Result<(String, Value), ClientError> {
        let (url, response) = self.send(request).await?;
        let (url, response) = Self::check(url, response, uuid).await?;
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ClientError::Unreachable { url: url.clone(), reason: http::root_cause(&e) })?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| ClientError::Malformed {
            url: url.clone(),
            what: format!("not JSON ({e}): {}", message_of(StatusCode::OK, &String::from_utf8_lossy(&bytes))),
        })?;
        Ok((url, value))
    }

    /// Asks `/health` what the server is (once; the answer is kept). A server without
    /// `/health`, or whose `/health` does not advertise our extensions, is taken for the
    /// original API.
    pub async fn capabilities(&self) -> Result<Capabilities, ClientError> {
        self.capabilities.get_or_try_init(|| self.health()).await.cloned()
    }

    /// Calls `/health` (uncached); see [`Self::capabilities`].
    pub async fn health(&self) -> Result<Capabilities, ClientError> {
        let (url, response) = self.send(self.request(Method::GET, &["health"])).await?;
        if http::is_auth_failure(response.status()) {
            return Err(Self::error_of(url, response, None).await);
        }
        // Ours answers 503 with the same body when the database is down.
        let health: Option<Value> = response.json().await.ok().filter(Value::is_object);
        let extended = health.as_ref().is_some_and(http::advertises_extended);
        Ok(Capabilities { extended, health })
    }

    /// Creates a fractal. Against the original API only the eight original fields are
    /// sent, and a request using extensions is refused before anything is sent.
    pub async fn create(&self, new: &NewFractalRequest) -> Result<Fractal, ClientError> {
        let caps = self.capabilities().await?;
        let used = new.extensions();
        if !caps.extended && !used.is_empty() {
            let what = used.iter().map(|u| format!("--{u}")).collect::<Vec<_>>().join(", ");
            return Err(ClientError::Unsupported { url: self.endpoint.to_string(), what });
        }
        let uuid = new.uuid.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let request = self.request(Method::POST, &["v1", "fractal"]).json(&new.body(&uuid));
        self.fractal(request, None).await
    }

    /// One page of the listing (`page` from 1; `per_page` up to 100), optionally
    /// filtered by a Flask-Restless `q` search.
    pub async fn list(&self, page: u64, per_page: u64, q: Option<&Value>) -> Result<Page, ClientError> {
        let mut request = self
            .request(Method::GET, &["v1", "fractal"])
            .query(&[("page", page.max(1)), ("results_per_page", per_page.clamp(1, PAGE_SIZE))]);
        if let Some(q) = q {
            request = request.query(&[("q", q.to_string())]);
        }
        self.page(request).await
    }

    /// Every fractal matching `q`, all pages, at most `limit`.
    pub async fn list_all(&self, q: Option<&Value>, limit: Option<usize>) -> Result<Vec<Fractal>, ClientError> {
        let mut all = Vec::new();
        let mut page = 1;
        loop {
            let p = self.list(page, PAGE_SIZE, q).await?;
            let empty = p.objects.is_empty();
            all.extend(p.objects);
            if let Some(limit) = limit
                && all.len() >= limit
            {
                all.truncate(limit);
                break;
            }
            if empty || page >= p.total_pages {
                break;
            }
            page += 1;
        }
        Ok(all)
    }

    /// The `q` search for `query`, checked against what the server can do. Against the
    /// original a status filter is applied by [`Self::list_filtered`] instead.
    pub async fn search(&self, query: &ListQuery) -> Result<Option<Value>, ClientError> {
        let caps = self.capabilities().await?;
        if !caps.extended {
            if query.newest_first {
                return Err(ClientError::Unsupported {
                    url: self.endpoint.to_string(),
                    what: "newest-first listings (it records no creation time)".into(),
                });
            }
            return Ok(None);
        }
        let mut q = serde_json::Map::new();
        if !query.status.is_empty() {
            let names: Vec<&str> = query.status.iter().map(|s| s.as_str()).collect();
            q.insert("filters".into(), json!([{"name": "status", "op": "in", "val": names}]));
        }
        if query.newest_first {
            q.insert("order_by".into(), json!([{"field": "created_at", "direction": "desc"}]));
        }
        Ok((!q.is_empty()).then_some(Value::Object(q)))
    }

    /// Every fractal matching `query`, at most `limit`, on either server.
    pub async fn list_filtered(&self, query: &ListQuery, limit: Option<usize>) -> Result<Vec<Fractal>, ClientError> {
        let q = self.search(query).await?;
        let extended = self.capabilities().await?.extended;
        if extended || query.status.is_empty() {
            return self.list_all(q.as_ref(), limit).await;
        }
        // The original cannot search on the derived status: filter here.
        let mut rows = self.list_all(None, None).await?;
        rows.retain(|f| query.status.contains(&f.status));
        if let Some(limit) = limit {
            rows.truncate(limit);
        }
        Ok(rows)
    }

    /// One fractal.
    pub async fn get(&self, uuid: &str) -> Result<Fractal, ClientError> {
        self.fractal(self.request(Method::GET, &["v1", "fractal", uuid]), Some(uuid)).await
    }

    /// The fractals with these uuids that still exist, by `q` searches of 50 at a time.
    pub async fn get_many(&self, uuids: &[String]) -> Result<Vec<Fractal>, ClientError> {
        let mut found = Vec::with_capacity(uuids.len());
        for chunk in uuids.chunks(UUIDS_PER_QUERY) {
            let q = json!({"filters": [{"name": "uuid", "op": "in", "val": chunk}]});
            found.extend(self.list_all(Some(&q), None).await?);
        }
        Ok(found)
    }

    /// Creates `new`, which names its own uuid, at most once: when a retried create meets
    /// the original's `IntegrityError` for that uuid, the fractal is already there (the
    /// first attempt went through), and it is returned.
    pub async fn create_once(&self, new: &NewFractalRequest) -> Result<Fractal, ClientError> {
        match self.create(new).await {
            Err(ClientError::Rejected { status: 400, message, .. }) if message.contains("IntegrityError") => {
                let uuid = new.uuid.as_deref().unwrap_or_default();
                self.get(uuid).await
            }
            other => other,
        }
    }

    /// Polls until every fractal of the batch is done or failed, calling `progress` on
    /// each change; returns them in the order of `uuids`. A fractal deleted meanwhile
    /// counts as failed and is left out of the result. Bound it with a timeout if the
    /// server is the original, whose failed renders stay pending for ever.
    pub async fn wait(
        &self,
        uuids: &[String],
        mut progress: impl FnMut(&BatchProgress),
    ) -> Result<Vec<Fractal>, ClientError> {
        let mut interval = self.poll;
        let mut last: Option<BatchProgress> = None;
        loop {
            let rows = self.get_many(uuids).await?;
            let mut counts = BatchProgress { total: uuids.len(), ..BatchProgress::default() };
            for uuid in uuids {
                match rows.iter().find(|f| &f.uuid == uuid).map(|f| f.status) {
                    Some(Status::Done) => counts.done += 1,
                    Some(Status::Failed) | None => counts.failed += 1,
                    Some(Status::Pending | Status::Rendering) => counts.pending += 1,
                }
            }
            if last != Some(counts) {
                progress(&counts);
                interval = self.poll;
            } else {
                interval = (interval * 2).min(Duration::from_secs(1));
            }
            last = Some(counts);
            if counts.pending == 0 {
                let mut ordered = Vec::with_capacity(rows.len());
                for uuid in uuids {
                    if let Some(f) = rows.iter().find(|f| &f.uuid == uuid) {
                        ordered.push(f.clone());
                    }
                }
                return Ok(ordered);
            }
            tokio::time::sleep(interval).await;
        }
    }

    /// The PNG, checked against the stored SHA-256 and size.
    pub async fn image(&self, uuid: &str) -> Result<Vec<u8>, ClientError> {
        let f = self.get(uuid).await?;
        let Some(checksum) = f.checksum.clone() else {
            return Err(ClientError::NotReady { uuid: uuid.to_owned(), status: f.status });
        };
        let png = self.image_unverified(uuid).await?;
        let actual = faafo_engine::sha256_hex(&png);
        if !actual.eq_ignore_ascii_case(&checksum) {
            return Err(ClientError::Mismatch { uuid: uuid.to_owned(), what: "checksum", expected: checksum, actual });
        }
        if let Some(size) = f.size
            && size != png.len() as i64
        {
            return Err(ClientError::Mismatch {
                uuid: uuid.to_owned(),
                what: "size",
                expected: size.to_string(),
                actual: png.len().to_string(),
            });
        }
        Ok(png)
    }

    /// The PNG as served, unchecked. (The original API re-encodes the stored image on
    /// every request, so its bytes need not match `checksum`.)
    pub async fn image_unverified(&self, uuid: &str) -> Result<Vec<u8>, ClientError> {
        let (url, response) = self.send(self.request(Method::GET, &["fractal", uuid])).await?;
        if response.status() == StatusCode::NOT_FOUND {
            // Ours says when the fractal exists but has no image yet.
            let body: Value = response.json().await.unwrap_or_default();
            return Err(match body.get("status").and_then(Value::as_str).and_then(Status::parse) {
                Some(status) => ClientError::NotReady { uuid: uuid.to_owned(), status },
                None => ClientError::NotFound { uuid: uuid.to_owned() },
            });
        }
        let (url, response) = Self::check(url, response, Some(uuid)).await?;
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ClientError::Unreachable { url: url.clone(), reason: http::root_cause(&e) })?;
        if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Err(ClientError::Malformed { url, what: "the image is not a PNG".into() });
        }
        Ok(bytes.to_vec())
    }

    /// Deletes a fractal.
    pub async fn delete(&self, uuid: &str) -> Result<(), ClientError> {
        let (url, response) = self.send(self.request(Method::DELETE, &["v1", "fractal", uuid])).await?;
        Self::check(url, response, Some(uuid)).await.map(drop)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn original_objects_read_with_a_derived_status() {
        // faafo-spec §3.2's pending object, exactly as the original sends it.
        let pending = fractal_from(json!({"checksum": null, "duration": null,
            "generated_by": null, "height": 278, "iterations": 281, "size": null, "url": null,
            "uuid": "212e8c23-e67f-4bd3-86e1-5a5e811ee2f4", "width": 510,
            "xa": -3.3528957195683087, "xb": 1.1428457603077387,
            "ya": -2.1341119130263717, "yb": 2.478654026560605}))
        .unwrap();
        assert_eq!(pending.status, Status::Pending);
        assert_eq!(
            (pending.kind.as_str(), pending.palette.as_str(), pending.created_at.as_str()),
            ("classic", "classic", "")
        );
        let done = fractal_from(json!({"uuid": "d", "width": 952, "height": 382,
            "iterations": 168, "xa": -2.61217, "xb": 3.98459, "ya": -1.89725, "yb": 2.36849,
            "duration": 1.67141, "size": 34239, "checksum": "d2025a9c", "generated_by": "app-worker-2"}))
        .unwrap();
        assert_eq!(done.status, Status::Done);
        let ours = fractal_from(json!({"uuid": "x", "width": 2, "height": 2,
            "iterations": 20, "xa": -2, "xb": 2, "ya": -1, "yb": 1, "status": "failed",
            "error": "boom", "kind": "julia", "c_re": -0.8, "c_im": 0.156, "palette": "fire",
            "created_at": "2024-03-01T00:00:00Z", "updated_at": "2024-03-01T00:00:01Z"}))
        .unwrap();
        assert_eq!((ours.status, ours.c()), (Status::Failed, Some(Complex64::new(-0.8, 0.156))));
        assert_eq!((ours.kind.as_str(), ours.palette.as_str()), ("julia", "fire"), "ours are kept as sent");
    }

    #[test]
    fn bodies_carry_only_what_is_set() {
        let mut r = NewFractalRequest::new(510, 278, 281, (-3.5, 1.1, -2.1, 2.4));
        let body = r.body("u");
        let mut keys: Vec<_> = body.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["height", "iterations", "uuid", "width", "xa", "xb", "ya", "yb"]);
        assert!(r.extensions().is_empty());
        r.kind = Some(FractalKind::Julia);
        r.c = Some(Complex64::new(-0.8, 0.156));
        r.seed = Some(7);
        assert_eq!(r.extensions(), ["kind", "c", "seed"]);
        let body = r.body("u");
        assert_eq!(
            (body["kind"].as_str(), body["c_re"].as_f64(), body["seed"].as_i64()),
            (Some("julia"), Some(-0.8), Some(7))
        );
    }

    /// The desktop app runs these on a multi-threaded runtime (`tokio::spawn`).
    #[test]
    fn client_and_its_futures_are_send() {
        fn send<T: Send + Sync + 'static>(_: &T) {}
        fn send_future<F: Future + Send>(_: F) {}
        let client = Client::new("http://localhost:8080", Some("t".into())).unwrap();
        send(&client);
        let request = NewFractalRequest::new(64, 64, 100, (-2.0, 2.0, -1.5, 1.5));
        send_future(client.create(&request));
        send_future(client.list_all(None, None));
        send_future(client.wait(&[], |_| {}));
        send_future(client.image("x"));
        send_future(client.delete("x"));
        assert!(!format!("{client:?}").contains("\"t\""), "Debug hides the token");
    }

    #[test]
    fn error_messages_are_one_line() {
        assert_eq!(
            message_of(StatusCode::BAD_REQUEST, r#"{"message": "width: must be between 2 and 16384"}"#),
            "width: must be between 2 and 16384"
        );
        assert_eq!(
            message_of(StatusCode::INTERNAL_SERVER_ERROR, "<html><body>Traceback…</body></html>"),
            "Internal Server Error"
        );
        assert_eq!(message_of(StatusCode::BAD_GATEWAY, "bad\n  gateway\n"), "bad gateway");
        assert_eq!(
            message_of(
                StatusCode::BAD_REQUEST,
                r#"{"validation_errors": "Could not determine specific validation errors"}"#
            ),
            "Could not determine specific validation errors"
        );
    }
}
