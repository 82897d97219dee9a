//! `faafo-api` against the original's wire protocol (faafo-spec §3, T6), in process, on
//! real SQLite, PostgreSQL and MariaDB databases (see `common`).
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine as _;
use faafo_backend::api::{AppState, relay, renderer, routes};
use faafo_backend::queue::memory::{self, InProcessQueue, InProcessReceiver};
use faafo_backend::store::Store;
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;

mod common;

struct Api {
    router: Router,
    state: AppState,
    queue: InProcessQueue,
    rx: Option<InProcessReceiver>,
}

async fn api(url: &str) -> Api {
    let store = Store::connect(url).await.unwrap_or_else(|e| panic!("{url}: {e}"));
    let (queue, rx) = memory::channel();
    let state = AppState::new(store, Arc::new(queue.clone()), "test-host");
    Api { router: routes::router(state.clone()), state, queue, rx: Some(rx) }
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    bytes: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.bytes)))
    }
    fn header(&self, name: header::HeaderName) -> String {
        self.headers.get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
    }
}

impl Api {
    async fn call(&self, method: &str, uri: &str, content_type: Option<&str>, body: Vec<u8>) -> Reply {
        let mut req = Request::builder().method(method).uri(uri).header(header::HOST, "faafo.test");
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        let resp = self.router.clone().oneshot(req.body(Body::from(body)).unwrap()).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes().to_vec();
        Reply { status, headers, bytes }
    }
    async fn get(&self, uri: &str) -> Reply {
        self.call("GET", uri, None, vec![]).await
    }
    async fn send_json(&self, method: &str, uri: &str, body: Value) -> Reply {
        self.call(method, uri, Some("application/json"), body.to_string().into_bytes()).await
    }
}

fn task(uuid: &str) -> Value {
    json!({"uuid": uuid, "width": 510, "height": 278, "iterations": 281, "xa": -3.3528957195683087,
           "xb": 1.1428457603077387, "ya": -2.1341119130263717, "yb": 2.478654026560605})
}

fn small_png() -> Vec<u8> {
    let p = faafo_engine::scenes::find("classic").unwrap().params.with_size(40, 30);
    let r = faafo_engine::render(&p, &Default::default(), &faafo_engine::Control::new()).unwrap();
    faafo_engine::encode_png(&r.buffer, &p.colouring, faafo_engine::BitDepth::Eight).unwrap()
}

#[tokio::test]
async fn create_show_and_the_originals_errors() {
    common::on_all_databases(|url| async move { create_show_and_the_originals_errors_on(&url).await }).await;
}

async fn create_show_and_the_originals_errors_on(url: &str) {
    let api = api(url).await;
    let empty = api.get("/v1/fractal").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(empty.json(), json!({"num_results": 0, "objects": [], "page": 1, "total_pages": 0}));

    let uuid = "212e8c23-e67f-4bd3-86e1-5a5e811ee2f4";
    let r = api.call("POST", "/v1/fractal", None, task(uuid).to_string().into_bytes()).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(r.json(), json!({"message": "Request must have \"Content-Type: application/json\" header"}));
    let r = api.call("POST", "/v1/fractal", Some("application/json"), b"{nope".to_vec()).await;
    assert_eq!((r.status, r.json()), (StatusCode::BAD_REQUEST, json!({"message": "Unable to decode data"})));
    let mut extra = task(uuid);
    extra["colour"] = json!("red");
    let r = api.send_json("POST", "/v1/fractal", extra).await;
    assert_eq!(r.json(), json!({"validation_errors": "Could not determine specific validation errors"}));
    let mut thin = task(uuid);
    thin["width"] = json!(1);
    let r = api.send_json("POST", "/v1/fractal", thin).await;
    assert_eq!((r.status, r.json()["field"].clone()), (StatusCode::BAD_REQUEST, json!("width")));

    let r = api.send_json("POST", "/v1/fractal", task(uuid)).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.header(header::LOCATION), format!("http://faafo.test/v1/fractal/{uuid}"));
    let body = String::from_utf8(r.bytes.clone()).unwrap();
    assert!(body.contains("\"xa\": -3.3528957195683087"), "full precision, Flask's layout: {body}");
    let created = r.json();
    assert_eq!(created["status"], "pending");
    assert_eq!(created["checksum"], Value::Null);
    assert!(created["c_re"].is_f64() && created["seed"].is_i64(), "the constant is recorded: {created}");
    // The task waits in the outbox, written with the row; its body is the original's
    // message: the created object.
    let outbox = api.state.store.outbox_batch(10).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(serde_json::from_str::<Value>(&outbox[0].1).unwrap(), created);

    let r = api.send_json("POST", "/v1/fractal", task(uuid)).await;
    assert_eq!((r.status, r.json()), (StatusCode::BAD_REQUEST, json!({"message": "IntegrityError"})));

    assert_eq!(api.get(&format!("/v1/fractal/{uuid}")).await.json(), created);
    let r = api.get("/v1/fractal/nope").await;
    assert_eq!((r.status, r.json()), (StatusCode::NOT_FOUND, json!({})));
    let r = api.get("/fractal/nope").await;
    assert_eq!((r.status, r.json()), (StatusCode::NOT_FOUND, json!({"code": 404, "message": "Fracal not found"})));
    let r = api.get(&format!("/fractal/{uuid}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "pending: a clear 404, never a 500");
    assert_eq!(r.json()["status"], "pending");

    // A server-side uuid when none is given.
    let mut anonymous = task(uuid);
    anonymous.as_object_mut().unwrap().remove("uuid");
    let r = api.send_json("POST", "/v1/fractal", anonymous).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.json()["uuid"].as_str().unwrap().len(), 36);

    for (method, uri) in
        [("PATCH", format!("/v1/fractal/{uuid}")), ("PUT", "/v1/fractal".into()), ("DELETE", "/v1/fractal".into())]
    {
        assert_eq!(
            api.call(method, &uri, Some("application/json"), b"{}".to_vec()).await.status,
            StatusCode::METHOD_NOT_ALLOWED
        );
    }
    assert_eq!(api.call("DELETE", &format!("/v1/fractal/{uuid}"), None, vec![]).await.status, StatusCode::NO_CONTENT);
    assert_eq!(api.call("DELETE", &format!("/v1/fractal/{uuid}"), None, vec![]).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_original_workers_result_put() {
    common::on_all_databases(|url| async move { the_original_workers_result_put_on(&url).await }).await;
}

async fn the_original_workers_result_put_on(url: &str) {
    let api = api(url).await;
    let uuid = "d123e9c1-3934-4ffd-8b09-0032ca2b6564";
    api.send_json("POST", "/v1/fractal", task(uuid)).await;
    let png = small_png();
    let sha = faafo_engine::sha256_hex(&png);
    let b64 = base64::engine::general_purpose::STANDARD.encode(&png);
    assert!(b64.starts_with("iVBORw0KGgo"));
    let put = |checksum: &str| {
        json!({"uuid": uuid, "duration": 0.8725259304046631, "image": b64, "checksum": checksum,
               "size": png.len(), "generated_by": "app-worker-1"})
    };
    let r = api.send_json("PUT", &format!("/v1/fractal/{uuid}"), put(&"0".repeat(64))).await;
    assert_eq!((r.status, r.json()["field"].clone()), (StatusCode::BAD_REQUEST, json!("checksum")));
    let r = api.call("PUT", &format!("/v1/fractal/{uuid}"), None, put(&sha).to_string().into_bytes()).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = api.send_json("PUT", &format!("/v1/fractal/{uuid}"), json!({"colour": 1})).await;
    assert_eq!(r.json(), json!({"message": "Model does not have field 'colour'"}));

    let r = api.send_json("PUT", &format!("/v1/fractal/{uuid}"), put(&sha)).await;
    assert_eq!(r.status, StatusCode::OK);
    let done = r.json();
    assert_eq!(
        (done["status"].clone(), done["checksum"].clone(), done["generated_by"].clone()),
        (json!("done"), json!(sha), json!("app-worker-1"))
    );
    assert!(done.get("image").is_none());

    let r = api.get(&format!("/fractal/{uuid}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.bytes, png, "served exactly as uploaded");
    assert_eq!(r.header(header::CONTENT_TYPE), "image/png");
    assert_eq!(r.header(header::ETAG), format!("\"{sha}\""));
    assert!(r.header(header::CACHE_CONTROL).contains("max-age"));
    let mut req = axum::http::Request::builder()
        .uri(format!("/fractal/{uuid}"))
        .header(header::IF_NONE_MATCH, format!("\"{sha}\""));
    req = req.header(header::HOST, "faafo.test");
    let resp = api.router.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);

    // The binary upload route: same checks, no base64.
    let other = "66054419-f721-492f-8964-a5c9291d0524";
    api.send_json("POST", "/v1/fractal", task(other)).await;
    let r = api
        .call("PUT", &format!("/v1/fractal/{other}/image?checksum={}", "f".repeat(64)), Some("image/png"), png.clone())
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = api
        .call("PUT", &format!("/v1/fractal/{other}/image?duration=1.5&generated_by=w2"), Some("image/png"), png.clone())
        .await;
    assert_eq!(
        (r.status, r.json()["size"].clone(), r.json()["status"].clone()),
        (StatusCode::OK, json!(png.len()), json!("done"))
    );
    let r = api.call("PUT", &format!("/v1/fractal/{other}/image"), Some("image/png"), b"not a png".to_vec()).await;
    assert_eq!(r.json()["field"], "image");
}

#[tokio::test]
async fn paging_and_search_as_flask_restless() {
    common::on_all_databases(|url| async move { paging_and_search_as_flask_restless_on(&url).await }).await;
}

async fn paging_and_search_as_flask_restless_on(url: &str) {
    let api = api(url).await;
    for i in 0..23 {
        let mut t = task(&format!("row-{i:02}"));
        t["width"] = json!(256 + i);
        assert_eq!(api.send_json("POST", "/v1/fractal", t).await.status, StatusCode::CREATED);
    }
    let r = api.get("/v1/fractal?page=2").await;
    let env = r.json();
    assert_eq!(
        (env["num_results"].clone(), env["page"].clone(), env["total_pages"].clone()),
        (json!(23), json!(2), json!(3))
    );
    assert_eq!(env["objects"].as_array().unwrap().len(), 10);
    assert_eq!(
        r.header(header::LINK),
        "<http://faafo.test/v1/fractal?page=3&results_per_page=10>; rel=\"next\", <http://faafo.test/v1/fractal?page=3&results_per_page=10>; rel=\"last\""
    );
    assert_eq!(api.get("/v1/fractal?results_per_page=-1").await.json()["objects"].as_array().unwrap().len(), 10);
    assert_eq!(api.get("/v1/fractal?page=x").await.status, StatusCode::BAD_REQUEST);

    // Percent-encode everything but the unreserved characters, as a client library would.
    let q = |s: &str| {
        let encoded: String = s
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        format!("/v1/fractal?q={encoded}")
    };
    let r = api.get(&q(r#"{"filters": [{"name": "width", "op": ">=", "val": 270}]}"#)).await;
    assert_eq!(r.json()["num_results"], 9);
    let r = api.get(&q(r#"{"filters": [{"name": "uuid", "op": "==", "val": "row-05"}], "single": true}"#)).await;
    assert_eq!(r.json()["width"], 261);
    let r = api.get(&q(r#"{"filters": [{"name": "uuid", "op": "==", "val": "none"}], "single": true}"#)).await;
    assert_eq!((r.status, r.json()), (StatusCode::NOT_FOUND, json!({"message": "No result found"})));
    let r = api.get(&q(r#"{"single": true}"#)).await;
    assert_eq!(r.json(), json!({"message": "Multiple results found"}));
    let r = api.get(&q(r#"{"filters": [{"name": "nope", "op": "==", "val": 1}]}"#)).await;
    assert_eq!(r.json(), json!({"message": "Unable to construct query"}));
    let r = api.get("/v1/fractal?q=notjson").await;
    assert_eq!(r.json(), json!({"message": "Unable to decode data"}));
}

#[tokio::test]
async fn embedded_mode_renders_a_created_fractal_with_no_broker() {
    common::on_all_databases(
        |url| async move { embedded_mode_renders_a_created_fractal_with_no_broker_on(&url).await },
    )
    .await;
}

async fn embedded_mode_renders_a_created_fractal_with_no_broker_on(url: &str) {
    let mut api = api(url).await;
    tokio::spawn(renderer::run(api.state.clone(), api.queue.clone(), api.rx.take().unwrap()));
    tokio::spawn(relay::run(api.state.store.clone(), api.state.relay.clone()));
    let mut t = task("e1");
    t["width"] = json!(64);
    t["height"] = json!(48);
    assert_eq!(api.send_json("POST", "/v1/fractal", t).await.status, StatusCode::CREATED);
    let mut done = Value::Null;
    for _ in 0..200 {
        done = api.get("/v1/fractal/e1").await.json();
        if done["status"] == "done" || done["status"] == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["generated_by"], "test-host");
    let png = api.get("/fractal/e1").await;
    assert_eq!(faafo_engine::sha256_hex(&png.bytes), done["checksum"].as_str().unwrap());
    assert_eq!(png.bytes.len() as u64, done["size"].as_u64().unwrap());
    // The stored c and seed reproduce the image bit for bit.
    let c = faafo_engine::Complex64::new(done["c_re"].as_f64().unwrap(), done["c_im"].as_f64().unwrap());
    let p = faafo_engine::Params {
        fractal: faafo_engine::Fractal::Classic { c },
        region: faafo_engine::Region::new(
            -3.3528957195683087,
            1.1428457603077387,
            -2.1341119130263717,
            2.478654026560605,
        ),
        width: 64,
        height: 48,
        max_iterations: 281,
        colouring: faafo_engine::Colouring::classic(),
    };
    let again = faafo_engine::render(&p, &Default::default(), &faafo_engine::Control::new()).unwrap();
    let mut bytes = Vec::new();
    faafo_engine::write_png(
        &p,
        &Default::default(),
        &faafo_engine::Control::new(),
        faafo_engine::BitDepth::Eight,
        &mut bytes,
    )
    .unwrap();
    assert_eq!(faafo_engine::sha256_hex(&bytes), done["checksum"].as_str().unwrap());
    assert_eq!(again.buffer.width(), 64);
}

/// With tokens configured every write needs the right one; reads stay open.
#[tokio::test]
async fn writes_need_their_token() {
    let dir = std::env::temp_dir().join(format!("faafo-auth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut api = api(&format!("sqlite://{}", dir.join("a.db").display())).await;
    api.state.auth = faafo_backend::api::auth::Auth::new(Some("client-t".into()), Some("worker-t".into()));
    api.router = routes::router(api.state.clone());
    let with = |token: Option<&str>, method: &str, uri: &str, body: Value| {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, "faafo.test")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let router = api.router.clone();
        async move { router.oneshot(req.body(Body::from(body.to_string())).unwrap()).await.unwrap().status() }
    };
    assert_eq!(with(None, "POST", "/v1/fractal", task("t1")).await, StatusCode::UNAUTHORIZED);
    assert_eq!(with(Some("worker-t"), "POST", "/v1/fractal", task("t1")).await, StatusCode::UNAUTHORIZED);
    assert_eq!(with(Some("client-t"), "POST", "/v1/fractal", task("t1")).await, StatusCode::CREATED);
    assert_eq!(api.get("/v1/fractal/t1").await.status, StatusCode::OK, "reads stay open");
    let result = json!({"duration": 1.0, "generated_by": "w"});
    assert_eq!(with(None, "PUT", "/v1/fractal/t1", result.clone()).await, StatusCode::UNAUTHORIZED);
    assert_eq!(with(Some("client-t"), "PUT", "/v1/fractal/t1", result.clone()).await, StatusCode::UNAUTHORIZED);
    assert_eq!(with(Some("worker-t"), "PUT", "/v1/fractal/t1", result).await, StatusCode::OK);
    assert_eq!(with(Some("worker-t"), "DELETE", "/v1/fractal/t1", json!({})).await, StatusCode::UNAUTHORIZED);
    assert_eq!(with(Some("client-t"), "DELETE", "/v1/fractal/t1", json!({})).await, StatusCode::NO_CONTENT);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn jsonp_callbacks_and_body_limits() {
    let dir = std::env::temp_dir().join(format!("faafo-jsonp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let api = api(&format!("sqlite://{}", dir.join("j.db").display())).await;
    assert_eq!(api.send_json("POST", "/v1/fractal", task("j1")).await.status, StatusCode::CREATED);

    // Flask-Restless JSONP: fn({"meta": {...}, "data": body}).
    let r = api.get("/v1/fractal?callback=show_page").await;
    assert_eq!(r.header(header::CONTENT_TYPE), "application/javascript");
    let text = String::from_utf8(r.bytes.clone()).unwrap();
    let inner = text.strip_prefix("show_page(").and_then(|t| t.strip_suffix(')')).unwrap();
    let wrapped: Value = serde_json::from_str(inner).unwrap();
    assert_eq!(wrapped["meta"]["status"], 200);
    assert_eq!(wrapped["data"]["num_results"], 1);
    let r = api.get("/v1/fractal/nope?callback=cb").await;
    let text = String::from_utf8(r.bytes.clone()).unwrap();
    assert_eq!(text.replace(char::is_whitespace, ""), r#"cb({"data":{},"meta":{"status":404}})"#);
    // A callback that is not a name would inject script: refused, naming what is allowed.
    let r = api.get("/v1/fractal?callback=alert(document.cookie)").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()["message"].as_str().unwrap().contains("JavaScript name"), "{}", r.json());

    // Body limits: a JSON create is small; an oversized one is a 413 that names the limits.
    let mut huge = task("j2");
    huge["uuid"] = json!("x".repeat(faafo_backend::api::routes::MAX_JSON_BYTES));
    let r = api.send_json("POST", "/v1/fractal", huge).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.json()["message"].as_str().unwrap().contains("at most"), "{}", r.json());
    // An image upload may be far larger than a JSON body (this one is refused for not
    // being a PNG, after it was read in full).
    let big = vec![0u8; 2 * faafo_backend::api::routes::MAX_JSON_BYTES];
    let r = api.call("PUT", "/v1/fractal/j1/image", Some("image/png"), big).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", String::from_utf8_lossy(&r.bytes));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_served_image_follows_new_results_and_deletes() {
    let dir = std::env::temp_dir().join(format!("faafo-imgcache-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let api = api(&format!("sqlite://{}", dir.join("c.db").display())).await;
    assert_eq!(api.send_json("POST", "/v1/fractal", task("c1")).await.status, StatusCode::CREATED);
    let first = small_png();
    let r = api.call("PUT", "/v1/fractal/c1/image", Some("image/png"), first.clone()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(api.get("/fractal/c1").await.bytes, first);
    assert_eq!(api.get("/fractal/c1").await.bytes, first, "served again (from the cache)");
    // A new result replaces what is served at once.
    let p = faafo_engine::scenes::find("standard").unwrap().params.with_size(30, 20);
    let r = faafo_engine::render(&p, &Default::default(), &faafo_engine::Control::new()).unwrap();
    let second = faafo_engine::encode_png(&r.buffer, &p.colouring, faafo_engine::BitDepth::Eight).unwrap();
    assert_ne!(first, second);
    let r = api.call("PUT", "/v1/fractal/c1/image", Some("image/png"), second.clone()).await;
    assert_eq!(r.status, StatusCode::OK);
    let served = api.get("/fractal/c1").await;
    assert_eq!(served.bytes, second);
    assert_eq!(served.header(header::ETAG), format!("\"{}\"", faafo_engine::sha256_hex(&second)));
    assert_eq!(api.call("DELETE", "/v1/fractal/c1", None, vec![]).await.status, StatusCode::NO_CONTENT);
    assert_eq!(api.get("/fractal/c1").await.status, StatusCode::NOT_FOUND);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn lists_reflect_every_write_at_once() {
    let dir = std::env::temp_dir().join(format!("faafo-pages-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let api = api(&format!("sqlite://{}", dir.join("p.db").display())).await;
    let count = |r: Reply| r.json()["num_results"].as_u64().unwrap();
    assert_eq!(count(api.get("/v1/fractal").await), 0);
    assert_eq!(api.send_json("POST", "/v1/fractal", task("p1")).await.status, StatusCode::CREATED);
    assert_eq!(count(api.get("/v1/fractal").await), 1, "a create through the API");
    assert_eq!(count(api.get("/v1/fractal").await), 1);
    // A write that bypasses the routes (as the embedded renderer's do).
    let status = faafo_backend::wire::fractal::column("status").unwrap();
    let done = [(status, faafo_backend::wire::fractal::FieldValue::Text("failed".into()))];
    api.state.store.update("p1", &done, None).await.unwrap();
    assert_eq!(api.get("/v1/fractal").await.json()["objects"][0]["status"], "failed");
    assert_eq!(api.call("DELETE", "/v1/fractal/p1", None, vec![]).await.status, StatusCode::NO_CONTENT);
    assert_eq!(count(api.get("/v1/fractal").await), 0, "a delete");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn hostile_input_gets_a_json_4xx_naming_what_is_wrong() {
    common::on_all_databases(|url| async move { hostile_input_on(&url).await }).await;
}

/// Asserts a 400 whose JSON body's message mentions `needle`.
fn assert_json_400(r: &Reply, what: &str, needle: &str) {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}: {}", String::from_utf8_lossy(&r.bytes));
    let message = r.json()["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains(needle), "{what}: '{message}' should mention '{needle}'");
}

async fn hostile_input_on(url: &str) {
    let api = api(url).await;
    // Uuids the pipeline cannot carry (a path, an escape, spaces, a NUL) are refused
    // at the door instead of stranding a pending row.
    for bad in ["../../etc/passwd", "a%2Fb", "x y?z#", "nul\u{0}byte", "é", &"a".repeat(37)] {
        let mut body = task(bad);
        body["uuid"] = json!(bad);
        let r = api.send_json("POST", "/v1/fractal", body).await;
        assert_json_400(&r, bad, "uuid");
    }
    let r = api.send_json("POST", "/v1/fractal", task("plain_name-42")).await;
    assert_eq!(r.status, StatusCode::CREATED, "a conservative non-UUID name still works");
    let uuid = "5f0c5b8e-9f3a-4c2e-8d7b-1a2b3c4d5e6f";
    assert_eq!(api.send_json("POST", "/v1/fractal", task(uuid)).await.status, StatusCode::CREATED);

    // Numbers past what the databases can count.
    for (query, field) in [
        ("page=1000000000000000000", "page"),
        ("page=9223372036854775808", "page"),
        ("q=%7B%22limit%22%3A18446744073709551615%7D", "limit"),
        ("q=%7B%22offset%22%3A9223372036854775808%7D", "offset"),
        ("q=%7B%22limit%22%3A1e30%7D", "limit"),
    ] {
        let r = api.get(&format!("/v1/fractal?{query}")).await;
        assert_json_400(&r, query, field);
        assert_eq!(r.json()["field"], field, "{query}");
    }
    // NUL bytes: in a path, a search value, an error text.
    let r = api.get("/v1/fractal/a%00b").await;
    assert_json_400(&r, "NUL in path", "uuid");
    let q = "q=%7B%22filters%22%3A%5B%7B%22name%22%3A%22uuid%22%2C%22op%22%3A%22eq%22%2C%22val%22%3A%22a%5Cu0000b%22%7D%5D%7D";
    assert_json_400(&api.get(&format!("/v1/fractal?{q}")).await, "NUL in q", "NUL");
    let r =
        api.send_json("PUT", &format!("/v1/fractal/{uuid}"), json!({"status": "failed", "error": "bad\u{0}"})).await;
    assert_json_400(&r, "NUL in error", "error");
    // Path segments that are not UTF-8.
    let r = api.get("/fractal/%ff%fe").await;
    assert_json_400(&r, "non-UTF-8 path", "uuid");

    // An update is checked as a create is.
    for (field, value) in [
        ("width", json!(-5)),
        ("iterations", json!(0)),
        ("xa", json!(5.0)),
        ("kind", json!("bogus")),
        ("palette", json!("bogus")),
        ("height", Value::Null),
    ] {
        let r = api.send_json("PUT", &format!("/v1/fractal/{uuid}"), json!({ field: value })).await;
        assert_json_400(&r, field, field);
    }
    let r = api.send_json("PUT", &format!("/v1/fractal/{uuid}"), json!({"iterations": 300, "palette": "fire"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", String::from_utf8_lossy(&r.bytes));
    let stored = api.get(&format!("/v1/fractal/{uuid}")).await.json();
    assert_eq!((stored["iterations"].clone(), stored["xa"].clone()), (json!(300), json!(-3.3528957195683087)));

    // Query parameters that do not parse: JSON, naming them.
    let r = api.call("PUT", &format!("/v1/fractal/{uuid}/image?duration=abc"), Some("image/png"), small_png()).await;
    assert_json_400(&r, "duration=abc", "duration");
}

#[tokio::test]
async fn status_shows_the_cluster_at_a_glance() {
    common::on_all_databases(|url| async move { status_on(&url).await }).await;
}

async fn status_on(url: &str) {
    let mut api = api(url).await;
    let rx = api.rx.take().unwrap();
    tokio::spawn(renderer::run(api.state.clone(), api.queue.clone(), rx));
    tokio::spawn(relay::run(api.state.store.clone(), api.state.relay.clone()));
    for i in 0..3 {
        let mut t = task(&format!("status-{i}"));
        t["width"] = json!(40);
        t["height"] = json!(30);
        assert_eq!(api.send_json("POST", "/v1/fractal", t).await.status, StatusCode::CREATED);
    }
    let mut status = Value::Null;
    for _ in 0..200 {
        status = api.get("/v1/status").await.json();
        if status["fractals"]["done"] == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status["server"], "faafo-api", "{status}");
    assert_eq!(status["fractals"]["done"], 3, "{status}");
    assert_eq!(status["fractals"]["pending"], 0);
    assert_eq!(status["auth"], json!({"client": false, "worker": false}));
    assert_eq!(status["queue"]["transport"], "embedded");
    assert_eq!(status["queue"]["consumers"], 1);
    assert_eq!(status["recent"]["done"], 3);
    assert!(status["recent"]["pixel_iterations_per_second"].as_f64().unwrap() > 0.0, "{status}");

    // With a client token, it is the client's to read.
    let guarded = Api {
        router: routes::router(AppState {
            auth: faafo_backend::api::auth::Auth::new(Some("c".repeat(16)), None),
            ..api.state.clone()
        }),
        ..api
    };
    assert_eq!(guarded.get("/v1/status").await.status, StatusCode::UNAUTHORIZED);
}

/// A deep view: 1e-100 wide next to the Misiurewicz point i, where the boundary is
/// spirals at every depth. The real part has 103 significant digits, more than any double.
fn deep_task(uuid: &str) -> Value {
    json!({"uuid": uuid, "kind": "mandelbrot", "width": 40, "height": 30, "iterations": 2000,
           "center_re": deep_re(), "center_im": "1.0", "scale": "3.25e-100"})
}

fn deep_re() -> String {
    format!("0.{}123", "0".repeat(100))
}

/// The engine's normal form of the centre (same value, fewest characters).
fn deep_center() -> faafo_engine::location::Center {
    faafo_engine::location::Center::parse(&deep_re(), "1.0").unwrap()
}

#[tokio::test]
async fn exact_locations_are_kept_and_rendered_deep() {
    common::on_all_databases(|url| async move { exact_locations_on(&url).await }).await;
}

async fn exact_locations_on(url: &str) {
    let mut api = api(url).await;
    tokio::spawn(renderer::run(api.state.clone(), api.queue.clone(), api.rx.take().unwrap()));
    tokio::spawn(relay::run(api.state.store.clone(), api.state.relay.clone()));

    // Created without xa..yb: they are filled with the location's nearest doubles.
    let r = api.send_json("POST", "/v1/fractal", deep_task("deep-1")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&r.bytes));
    let created = r.json();
    assert_eq!(created["center_re"], deep_center().re());
    assert_eq!(created["center_im"], deep_center().im());
    assert_eq!(created["scale"], "3.25e-100");
    for edge in ["xa", "xb"] {
        assert!(created[edge].as_f64().unwrap().abs() < 1e-90, "{edge}: {created}");
    }
    assert!((created["ya"].as_f64().unwrap() - 1.0).abs() < 1e-15, "{created}");

    // Kept exactly by the database, and in listings.
    let stored = api.get("/v1/fractal/deep-1").await.json();
    assert_eq!((stored["center_re"].clone(), stored["scale"].clone()), (json!(deep_center().re()), json!("3.25e-100")));
    let q = "q=%7B%22filters%22%3A%5B%7B%22name%22%3A%22scale%22%2C%22op%22%3A%22eq%22%2C%22val%22%3A%223.25e-100%22%7D%5D%7D";
    let listed = api.get(&format!("/v1/fractal?{q}")).await.json();
    assert_eq!(listed["num_results"], 1, "{listed}");
    assert_eq!(listed["objects"][0]["center_re"], deep_center().re());

    // A fractal without a location has no such keys: old clients see the old object.
    let plain = api.send_json("POST", "/v1/fractal", task("plain-1")).await.json();
    assert!(plain.get("center_re").is_none() && plain.get("scale").is_none(), "{plain}");

    // Rendered with perturbation by the embedded renderer, to the pixels `faafo render`
    // and the workers make of the same location.
    let mut done = Value::Null;
    for _ in 0..600 {
        done = api.get("/v1/fractal/deep-1").await.json();
        if done["status"] == "done" || done["status"] == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(done["status"], "done", "{done}");
    let png = api.get("/fractal/deep-1").await;
    assert_eq!(faafo_engine::sha256_hex(&png.bytes), done["checksum"].as_str().unwrap());
    let row: faafo_backend::wire::fractal::Fractal = serde_json::from_value(done.clone()).unwrap();
    let location = row.deep_location().unwrap().expect("1e-100 needs perturbation");
    let mut local = Vec::new();
    faafo_backend::worker::deep::write_png(
        &row.params().unwrap(),
        &location,
        None,
        faafo_engine::BitDepth::Eight,
        &faafo_engine::Control::new(),
        &mut local,
    )
    .unwrap();
    assert_eq!(faafo_engine::sha256_hex(&local), done["checksum"].as_str().unwrap());

    // Bad locations are refused, naming the field and what is allowed.
    let with = |key: &str, value: Value| {
        let mut t = deep_task("deep-bad");
        t[key] = value;
        t
    };
    let mut alone = task("deep-bad");
    alone["scale"] = json!("1e-5");
    for (body, field, needle) in [
        (alone, "center_re", "go together"),
        (with("scale", json!("abc")), "scale", "scale"),
        (with("scale", json!("-1e-100")), "scale", "scale"),
        (with("center_re", json!(0.5)), "center_re", "string"),
        (with("center_im", json!("1.0.0")), "center_im", "center_im"),
        (with("center_re", json!(format!("0.{}", "1".repeat(6000)))), "center_re", "at most"),
        (with("kind", json!("burning-ship")), "kind", "deep views are for"),
    ] {
        let r = api.send_json("POST", "/v1/fractal", body).await;
        assert_json_400(&r, field, needle);
        assert_eq!(r.json()["field"], field);
    }
    // An update of the location is checked as a create is, and kept exactly.
    let r = api.send_json("PUT", "/v1/fractal/deep-1", json!({"scale": "-2"})).await;
    assert_json_400(&r, "PUT scale", "scale");
    let r = api.send_json("PUT", "/v1/fractal/deep-1", json!({"scale": "1.5e-200"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", String::from_utf8_lossy(&r.bytes));
    assert_eq!(api.get("/v1/fractal/deep-1").await.json()["scale"], "1.5e-200");
}

/// Issue 16: a task's colouring mode, light and antialiasing are stored, sent and
/// rendered by the embedded renderer to the bytes the engine writes for that colouring.
#[tokio::test]
async fn lit_antialiased_tasks_render_the_engines_image() {
    common::on_all_databases(|url| async move { lit_antialiased_on(&url).await }).await;
}

async fn lit_antialiased_on(url: &str) {
    let mut api = api(url).await;
    tokio::spawn(renderer::run(api.state.clone(), api.queue.clone(), api.rx.take().unwrap()));
    tokio::spawn(relay::run(api.state.store.clone(), api.state.relay.clone()));
    let body = json!({"uuid": "lit-1", "kind": "mandelbrot", "width": 64, "height": 48, "iterations": 300,
        "xa": -2.0, "xb": 1.0, "ya": -1.125, "yb": 1.125, "colouring": "lighting", "light_angle": 210.0,
        "light_elevation": 0.5, "light_strength": 0.9, "antialias": 3});
    let r = api.send_json("POST", "/v1/fractal", body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&r.bytes));
    let mut done = Value::Null;
    for _ in 0..400 {
        done = api.get("/v1/fractal/lit-1").await.json();
        if done["status"] == "done" || done["status"] == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(done["status"], "done", "{done}");
    for key in ["colouring", "light_angle", "light_elevation", "light_strength", "antialias"] {
        assert_eq!(done[key], body[key], "{key} kept by the database: {done}");
    }
    assert!(done.get("boundary_width").is_none(), "not given, not sent: {done}");
    let colouring = faafo_engine::Colouring {
        mode: faafo_engine::ColouringMode::Lighting,
        light: faafo_engine::Light { angle_degrees: 210.0, elevation: 0.5, strength: 0.9 },
        antialias: 3,
        ..faafo_engine::Colouring::default()
    };
    let p = faafo_engine::Params {
        fractal: faafo_engine::Fractal::Mandelbrot,
        region: faafo_engine::Region::new(-2.0, 1.0, -1.125, 1.125),
        width: 64,
        height: 48,
        max_iterations: 300,
        colouring,
    };
    let mut bytes = Vec::new();
    let (options, control) = (Default::default(), faafo_engine::Control::new());
    faafo_engine::write_png(&p, &options, &control, faafo_engine::BitDepth::Eight, &mut bytes).unwrap();
    let png = api.get("/fractal/lit-1").await;
    assert_eq!(png.bytes, bytes, "the embedded renderer's PNG is the engine's");
    assert_eq!(faafo_engine::sha256_hex(&bytes), done["checksum"].as_str().unwrap());

    // Bad values are refused naming the field; a deep view refuses antialiasing.
    let mut bad = body.clone();
    bad["uuid"] = json!("lit-bad");
    bad["antialias"] = json!(8);
    assert_json_400(&api.send_json("POST", "/v1/fractal", bad).await, "antialias", "from 1 to 4");
    let mut deep = deep_task("lit-deep");
    deep["antialias"] = json!(2);
    assert_json_400(&api.send_json("POST", "/v1/fractal", deep).await, "antialias", "past double precision");
}
