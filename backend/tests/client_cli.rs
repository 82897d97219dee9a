//! The `faafo` command's service verbs, run as a user runs them: against a real
//! `faafo-api` (embedded mode, SQLite, port 0), against a stand-in for the original Python
//! API, and against servers that misbehave.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use common::procs::{Api, Proc, Scratch, unique};
use serde_json::{Value, json};

/// One run of the `faafo` binary.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    bytes: Vec<u8>,
}

impl Run {
    fn ok(&self) -> &Self {
        assert_eq!(self.code, 0, "stdout: {}\nstderr: {}", self.stdout, self.stderr);
        self
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }

    /// Asserts the exit code and that stderr is one clear line mentioning `needle`.
    fn fails(&self, code: i32, needle: &str) -> &Self {
        assert_eq!(self.code, code, "stdout: {}\nstderr: {}", self.stdout, self.stderr);
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line expected: {}", self.stderr);
        assert!(lines[0].starts_with("faafo: error: "), "{}", self.stderr);
        assert!(lines[0].contains(needle), "'{needle}' not in: {}", self.stderr);
        for debug in ["panicked", "RUST_BACKTRACE", "Error {", "reqwest::", "kind: "] {
            assert!(!self.stderr.contains(debug), "Rust debug output: {}", self.stderr);
        }
        self
    }
}

/// Runs `faafo` with a clean environment (no configuration file, endpoint or token).
fn faafo_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_faafo"));
    cmd.args(args)
        .env("FAAFO_CONFIG_FILE", "/dev/null")
        .env_remove("FAAFO_ENDPOINT_URL")
        .env_remove("FAAFO_CLIENT_TOKEN")
        .env_remove("FAAFO_CLIENT_TOKEN_FILE")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run faafo");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        bytes: out.stdout,
    }
}

fn faafo(args: &[&str]) -> Run {
    faafo_env(args, &[])
}

/// `faafo --endpoint-url <base> <args…>`.
fn at(base: &str, args: &[&str]) -> Run {
    let mut all = vec!["--endpoint-url", base];
    all.extend(args);
    faafo(&all)
}

fn sqlite(dir: &Scratch) -> String {
    format!("sqlite://{}", dir.0.join(format!("{}.db", unique("c"))).display())
}

/// `faafo-api` with extra flags (procs::Api::start takes none).
fn api_with(dir: &Scratch, extra: &[&str]) -> Api {
    let log = dir.0.join(unique("api_")).with_extension("log");
    let file = std::fs::File::create(&log).unwrap();
    let db = sqlite(dir);
    let child = Command::new(env!("CARGO_BIN_EXE_faafo-api"))
        .args(["--database-url", &db, "--bind-port", "0"])
        .args(extra)
        .env("FAAFO_CONFIG_FILE", "/dev/null")
        .env_remove("FAAFO_DATABASE_URL")
        .env_remove("FAAFO_TRANSPORT_URL")
        .env_remove("FAAFO_CLIENT_TOKEN")
        .env_remove("FAAFO_WORKER_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(file)
        .spawn()
        .unwrap();
    let proc = Proc { child, log };
    let start = Instant::now();
    loop {
        let text = proc.log_text();
        if let Some(rest) = text.split("listening on http://").nth(1) {
            let addr = rest.split_whitespace().next().unwrap().to_owned();
            let port = addr.rsplit(':').next().unwrap().parse().unwrap();
            return Api { base: format!("http://{addr}"), port, proc };
        }
        assert!(start.elapsed() < Duration::from_secs(30), "faafo-api did not start: {text}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn uuids(stdout: &str) -> Vec<String> {
    stdout.lines().map(str::to_owned).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    faafo_engine::sha256_hex(bytes)
}

#[test]
fn every_verb_against_a_live_api() {
    let dir = Scratch::new();
    let api = Api::start(&dir.0, &sqlite(&dir), None, 0);
    // A trailing slash must not matter.
    let slash = format!("{}/", api.base);
    let base = api.base.as_str();

    // create --wait: uuids on stdout, plain progress lines on stderr (not a terminal).
    let small = ["--width", "64", "--max-height", "300", "--min-height", "256", "--iterations", "200"];
    let mut args = vec!["create", "--tasks", "3", "--wait"];
    args.extend(small);
    let created = at(&slash, &args);
    created.ok();
    let ids = uuids(&created.stdout);
    assert_eq!(ids.len(), 3, "{}", created.stdout);
    assert!(ids.iter().all(|u| uuid::Uuid::parse_str(u).is_ok()), "{ids:?}");
    assert!(!created.stderr.contains('\r') && !created.stderr.contains('\x1b'), "{:?}", created.stderr);
    let last = created.stderr.lines().last().unwrap();
    assert!(last.starts_with("3 of 3 finished in ") && last.ends_with("3 done, 0 failed, 0 pending"), "{last}");
    for line in created.stderr.lines() {
        assert!(line.contains("/3 finished: ") || line.starts_with("3 of 3 finished"), "odd line: {line}");
    }

    // list: the original's columns plus status and age, every fractal.
    let list = at(base, &["list"]);
    list.ok();
    let header = list.stdout.lines().nth(1).unwrap();
    for col in ["UUID", "Dimensions", "Filesize", "Status", "Age"] {
        assert!(header.contains(col), "{header}");
    }
    for id in &ids {
        let row = list.stdout.lines().find(|l| l.contains(id.as_str())).unwrap();
        assert!(row.contains("64 x ") && row.contains(" bytes") && row.contains("done"), "{row}");
    }
    let rows = at(base, &["list", "--format", "json"]).ok().json();
    assert_eq!(rows.as_array().unwrap().len(), 3);
    assert!(rows.as_array().unwrap().iter().all(|f| f["status"] == "done" && f["width"] == 64));
    assert_eq!(at(base, &["list", "--format", "json", "--status", "pending,failed"]).ok().json(), json!([]));
    assert_eq!(at(base, &["list", "--format", "json", "--limit", "2"]).ok().json().as_array().unwrap().len(), 2);

    // show: the original's Parameter | Value rows, then status, kind, c.
    let show = at(base, &["show", &ids[0]]);
    show.ok();
    let names: Vec<&str> = show.stdout.lines().skip(3).filter_map(|l| l.split('|').nth(1)).map(str::trim).collect();
    assert_eq!(
        &names[..14],
        [
            "uuid",
            "duration",
            "dimensions",
            "iterations",
            "xa",
            "xb",
            "ya",
            "yb",
            "size",
            "checksum",
            "generated_by",
            "status",
            "kind",
            "c"
        ]
    );
    assert!(
        show.stdout.contains("| Parameter ") && show.stdout.contains(" seconds") && show.stdout.contains(" pixels")
    );
    let shown = at(base, &["show", &ids[0], "--format", "json"]).ok().json();
    assert_eq!((shown["uuid"].as_str(), shown["status"].as_str()), (Some(ids[0].as_str()), Some("done")));

    // get: verified download; no overwrite without --force; stdout with -o -.
    let png = dir.0.join("one.png");
    let path = png.to_str().unwrap();
    let got = at(base, &["get", &ids[0], "-o", path]);
    got.ok();
    assert!(got.stdout.contains("SHA-256 verified"), "{}", got.stdout);
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(Some(sha256_hex(&bytes).as_str()), shown["checksum"].as_str());
    assert_eq!(Some(bytes.len() as u64), shown["size"].as_u64());
    std::fs::write(&png, b"keep me").unwrap();
    at(base, &["get", &ids[0], "-o", path]).fails(1, "use --force");
    assert_eq!(std::fs::read(&png).unwrap(), b"keep me");
    at(base, &["get", &ids[0], "-o", path, "--force"]).ok();
    assert_eq!(std::fs::read(&png).unwrap(), bytes);
    assert_eq!(at(base, &["get", &ids[0], "-o", "-"]).ok().bytes, bytes);

    // Extended options reach our API.
    let julia = at(
        base,
        &[
            "create",
            "--tasks",
            "1",
            "--width",
            "32",
            "--height",
            "32",
            "--kind",
            "julia",
            "--c=-0.8,0.156",
            "--format",
            "json",
        ],
    );
    let julia = julia.ok().json();
    assert_eq!((julia[0]["kind"].as_str(), julia[0]["c_re"].as_f64()), (Some("julia"), Some(-0.8)));
    let seeded =
        at(base, &["create", "--tasks", "1", "--width", "32", "--height", "32", "--seed", "42", "--format", "json"]);
    assert_eq!(seeded.ok().json()[0]["seed"], 42);
    // Newest first: the seeded one was created last.
    let newest = at(base, &["list", "--newest", "--limit", "1", "--format", "json"]).ok().json();
    assert_eq!(newest[0]["uuid"], seeded.json()[0]["uuid"]);

    // The endpoint from the environment and from the configuration file.
    let env = faafo_env(&["show", &ids[1]], &[("FAAFO_ENDPOINT_URL", &slash)]);
    assert!(env.ok().stdout.contains(&ids[1]));
    let conf = dir.0.join("faafo.conf");
    std::fs::write(&conf, format!("[DEFAULT]\nendpoint_url = {slash}\nlog_file = /var/log/faafo.log\n")).unwrap();
    assert!(faafo(&["--config-file", conf.to_str().unwrap(), "show", &ids[1]]).ok().stdout.contains(&ids[1]));

    // delete: reports each; unknown ones are exit 4, naming the uuid.
    let deleted = at(base, &["delete", &ids[0], &ids[1]]);
    assert_eq!(deleted.ok().stdout, format!("deleted {}\ndeleted {}\n", ids[0], ids[1]));
    at(base, &["show", &ids[0]]).fails(4, &format!("fractal '{}' not found", ids[0]));
    at(base, &["get", &ids[0]]).fails(4, &ids[0]);
    let again = at(base, &["delete", &ids[1], &ids[2]]);
    assert_eq!(again.code, 4, "{}", again.stderr);
    assert_eq!(again.stdout, format!("deleted {}\n", ids[2]));
    assert!(again.stderr.contains(&format!("fractal '{}' not found", ids[1])), "{}", again.stderr);
    let left = at(base, &["list", "--format", "json"]).ok().json();
    assert_eq!(left.as_array().unwrap().len(), 2, "{left}");

    // The server's validation comes back as a usage error naming the field.
    at(base, &["create", "--tasks", "1", "--width", "1"]).fails(2, "width");
}

#[test]
fn random_ranges_are_respected_and_demo_shows_the_gallery() {
    // Many draws without a server…
    let mut tasks = Vec::new();
    for _ in 0..30 {
        let run = faafo(&["create", "--dry-run", "--format", "json"]);
        let batch = run.ok().json().as_array().unwrap().clone();
        assert!((1..=10).contains(&batch.len()), "{batch:?}");
        tasks.extend(batch);
    }
    // …and one real batch the server stored.
    let dir = Scratch::new();
    let api = Api::start(&dir.0, &sqlite(&dir), None, 0);
    let real = at(&api.base, &["create", "--format", "json"]).ok().json();
    tasks.extend(real.as_array().unwrap().iter().cloned());
    for t in &tasks {
        let i = |k: &str| t[k].as_i64().unwrap();
        let f = |k: &str| t[k].as_f64().unwrap();
        assert!((256..=1024).contains(&i("width")) && (256..=1024).contains(&i("height")), "{t}");
        assert!((128..=512).contains(&i("iterations")), "{t}");
        assert!((-4.0..=-1.0).contains(&f("xa")) && (1.0..=4.0).contains(&f("xb")), "{t}");
        assert!((-3.0..=-0.5).contains(&f("ya")) && (0.5..=3.0).contains(&f("yb")), "{t}");
    }
    // Dry runs send only the original's eight fields.
    let keys: Vec<String> = tasks[0].as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["height", "iterations", "uuid", "width", "xa", "xb", "ya", "yb"]);

    // demo: one random batch, waited for, then the gallery's address.
    let demo = at(&format!("{}/", api.base), &["demo"]);
    demo.ok();
    let last = demo.stdout.lines().last().unwrap();
    assert!(last.ends_with(&format!("see them at {}/", api.base)), "{}", demo.stdout);
    let made = demo.stdout.lines().count() - 1;
    assert!((1..=10).contains(&made), "{}", demo.stdout);
    let all = at(&api.base, &["list", "--format", "json"]).ok().json();
    assert_eq!(all.as_array().unwrap().len(), made + real.as_array().unwrap().len());
}

#[test]
fn tokens_and_unreachable_servers() {
    let dir = Scratch::new();
    let api = api_with(&dir, &["--client-token", "s3cret-0123456789abcdef"]);
    let base = api.base.as_str();
    let create = ["create", "--tasks", "1", "--width", "32", "--height", "32"];
    let mut args = create.to_vec();
    at(base, &args).fails(5, "401").fails(5, "/v1/fractal");
    args.extend(["--token", "wrong"]);
    let wrong = at(base, &args);
    wrong.fails(5, "--token");
    assert!(!wrong.stderr.contains("wrong"), "the token is not echoed");
    let file = dir.0.join("token");
    std::fs::write(&file, "s3cret-0123456789abcdef\n").unwrap();
    let mut args = create.to_vec();
    args.extend(["--token-file", file.to_str().unwrap()]);
    let id = at(base, &args).ok().stdout.trim().to_owned();
    // Reads stay open; deletes need the token (also from the environment).
    at(base, &["show", &id]).ok();
    at(base, &["delete", &id]).fails(5, "401");
    faafo_env(&["--endpoint-url", base, "delete", &id], &[("FAAFO_CLIENT_TOKEN", "s3cret-0123456789abcdef")]).ok();

    // Nothing listens: exit 3, naming the URL.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dead = format!("http://127.0.0.1:{port}");
    for verb in [&["list"][..], &["show", "x"], &["create", "--tasks", "1"], &["get", "x"], &["delete", "x"]] {
        at(&dead, verb).fails(3, &format!("cannot reach the faafo API at {dead}/"));
    }
    // Bad usage: exit 2.
    at("localhost:8080", &["list"]).fails(2, "must start with http:// or https://");
    assert_eq!(faafo(&["list", "--limit", "many"]).code, 2);
    at(&dead, &["create", "--min-width", "900", "--max-width", "300"]).fails(2, "--min-width (900)");
}

// ---------------------------------------------------------------------------------------
// A stand-in for the original Python API (faafo-spec §3): no /health, objects without
// our fields, 400 for unknown keys. Created fractals are "rendered" by the next listing.

const PNG: &[u8] = b"\x89PNG\r\n\x1a\nnot really an image, but the client checks only the signature";

#[derive(Default)]
struct Original {
    objects: BTreeMap<String, Value>,
    posted: Vec<Value>,
}

type Shared = Arc<Mutex<Original>>;

fn original_object(uuid: &str, done: bool) -> Value {
    let (checksum, size, duration, by) = if done {
        (json!(sha256_hex(PNG)), json!(PNG.len()), json!(0.87), json!("app-worker-1"))
    } else {
        (Value::Null, Value::Null, Value::Null, Value::Null)
    };
    json!({"checksum": checksum, "duration": duration, "generated_by": by, "height": 278,
        "iterations": 281, "size": size, "url": null, "uuid": uuid, "width": 510,
        "xa": -3.3528957195683087, "xb": 1.1428457603077387, "ya": -2.1341119130263717, "yb": 2.478654026560605})
}

fn json_reply(status: StatusCode, v: Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

async fn original_list(State(s): State<Shared>, Query(q): Query<BTreeMap<String, String>>) -> Response {
    let mut s = s.lock().unwrap();
    let page: usize = q.get("page").map_or(1, |p| p.parse().unwrap());
    let rpp: usize = q.get("results_per_page").and_then(|r| r.parse().ok()).filter(|r| *r > 0).unwrap_or(10).min(100);
    let wanted: Option<Vec<String>> = q.get("q").map(|q| {
        let q: Value = serde_json::from_str(q).unwrap();
        let f = &q["filters"][0];
        assert_eq!((f["name"].as_str(), f["op"].as_str()), (Some("uuid"), Some("in")), "only uuid-in searches: {q}");
        f["val"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
    });
    let rows: Vec<Value> = s
        .objects
        .values()
        .filter(|o| wanted.as_ref().is_none_or(|w| w.iter().any(|u| o["uuid"] == *u)))
        .cloned()
        .collect();
    let objects: Vec<Value> = rows.iter().skip((page - 1) * rpp).take(rpp).cloned().collect();
    let body =
        json!({"num_results": rows.len(), "objects": objects, "page": page, "total_pages": rows.len().div_ceil(rpp)});
    // The worker finishes whatever the CLI created, by the next poll.
    let posted: Vec<String> = s.posted.iter().map(|p| p["uuid"].as_str().unwrap().to_owned()).collect();
    for uuid in posted {
        s.objects.insert(uuid.clone(), original_object(&uuid, true));
    }
    json_reply(StatusCode::OK, body)
}

async fn original_create(State(s): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !ct.starts_with("application/json") {
        return json_reply(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            json!({"message": "Request must have \"Content-Type: application/json\" header"}),
        );
    }
    let v: Value = serde_json::from_str(&body).unwrap();
    let columns = [
        "uuid",
        "checksum",
        "url",
        "duration",
        "size",
        "width",
        "height",
        "iterations",
        "xa",
        "xb",
        "ya",
        "yb",
        "generated_by",
    ];
    if v.as_object().unwrap().keys().any(|k| !columns.contains(&k.as_str())) {
        return json_reply(
            StatusCode::BAD_REQUEST,
            json!({"validation_errors": "Could not determine specific validation errors"}),
        );
    }
    let uuid = v["uuid"].as_str().unwrap().to_owned();
    let mut object = original_object(&uuid, false);
    for k in ["width", "height", "iterations", "xa", "xb", "ya", "yb"] {
        object[k] = v[k].clone();
    }
    let mut s = s.lock().unwrap();
    s.posted.push(v);
    s.objects.insert(uuid, object.clone());
    json_reply(StatusCode::CREATED, object)
}

async fn original_show(State(s): State<Shared>, Path(uuid): Path<String>) -> Response {
    match s.lock().unwrap().objects.get(&uuid) {
        Some(o) => json_reply(StatusCode::OK, o.clone()),
        None => json_reply(StatusCode::NOT_FOUND, json!({})),
    }
}

async fn original_delete(State(s): State<Shared>, Path(uuid): Path<String>) -> Response {
    match s.lock().unwrap().objects.remove(&uuid) {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => json_reply(StatusCode::NOT_FOUND, json!({})),
    }
}

async fn original_image(State(s): State<Shared>, Path(uuid): Path<String>) -> Response {
    match s.lock().unwrap().objects.get(&uuid) {
        None => json_reply(StatusCode::NOT_FOUND, json!({"code": 404, "message": "Fracal not found"})),
        // The original crashes on a pending fractal.
        Some(o) if o["checksum"].is_null() => {
            (StatusCode::INTERNAL_SERVER_ERROR, "<html><title>500 Internal Server Error</title></html>").into_response()
        }
        Some(_) => ([(header::CONTENT_TYPE, "image/png")], PNG).into_response(),
    }
}

/// Serves `router` on a free port in a thread of its own; its base URL.
fn serve(router: Router) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, router).await.unwrap();
        });
    });
    format!("http://{}", rx.recv().unwrap())
}

#[test]
fn works_against_the_original_api() {
    let state: Shared = Arc::default();
    {
        let mut s = state.lock().unwrap();
        // 105 rows: the listing takes two pages of 100.
        for i in 0..105 {
            let uuid = format!("seed-{i:03}");
            s.objects.insert(uuid.clone(), original_object(&uuid, i % 5 != 0));
        }
    }
    let router = Router::new()
        .route("/v1/fractal", get(original_list).post(original_create))
        .route("/v1/fractal/{uuid}", get(original_show).delete(original_delete))
        .route("/fractal/{uuid}", get(original_image))
        .with_state(state.clone());
    let base = serve(router);

    // create: only the original's eight fields are sent; --wait reads the original envelope.
    let created = at(&base, &["create", "--tasks", "2", "--wait", "--timeout", "20"]);
    created.ok();
    let ids = uuids(&created.stdout);
    assert_eq!(ids.len(), 2);
    {
        let s = state.lock().unwrap();
        assert_eq!(s.posted.len(), 2);
        for p in &s.posted {
            let keys: Vec<&String> = p.as_object().unwrap().keys().collect();
            assert_eq!(keys, ["height", "iterations", "uuid", "width", "xa", "xb", "ya", "yb"], "{p}");
        }
    }
    // Extensions are refused before anything is sent.
    at(&base, &["create", "--tasks", "1", "--kind", "julia"]).fails(2, "original faafo API, which cannot take --kind");
    at(&base, &["create", "--tasks", "1", "--seed", "7"]).fails(2, "--seed");
    assert_eq!(state.lock().unwrap().posted.len(), 2);

    // list: every page; status derived; no ages.
    let rows = at(&base, &["list", "--format", "json"]).ok().json();
    assert_eq!(rows.as_array().unwrap().len(), 107);
    let pending = at(&base, &["list", "--format", "json", "--status", "pending"]).ok().json();
    assert_eq!(pending.as_array().unwrap().len(), 21);
    assert!(pending.as_array().unwrap().iter().all(|f| f["checksum"].is_null() && f["status"] == "pending"));
    let table = at(&base, &["list", "--limit", "3"]).ok().stdout.clone();
    assert_eq!(table.lines().count(), 3 + 4, "{table}");
    let row = table.lines().find(|l| l.contains("seed-000")).unwrap();
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    assert_eq!(cells, ["", "seed-000", "510 x 278 pixels", "-", "pending", "-", ""], "{table}");
    at(&base, &["list", "--newest"]).fails(2, "creation time");

    // show: a pending fractal shows as pending (the original crashed).
    let show = at(&base, &["show", "seed-000"]);
    show.ok();
    assert!(show.stdout.contains("| status       | pending "), "{}", show.stdout);
    assert!(show.stdout.contains("| duration     | -  "), "{}", show.stdout);
    assert!(at(&base, &["show", "seed-001"]).ok().stdout.contains("| duration     | 0.870000 seconds"));

    // get: verified; a pending one has no image yet (exit 1), an unknown one is 404.
    let out = std::env::temp_dir().join(unique("orig")).with_extension("png");
    at(&base, &["get", "seed-001", "-o", out.to_str().unwrap()]).ok();
    assert_eq!(std::fs::read(&out).unwrap(), PNG);
    let _ = std::fs::remove_file(&out);
    at(&base, &["get", "seed-000", "-o", out.to_str().unwrap()]).fails(1, "has no image yet (status pending)");
    at(&base, &["get", "nope"]).fails(4, "fractal 'nope' not found");

    // delete.
    assert_eq!(at(&base, &["delete", &ids[0]]).ok().stdout, format!("deleted {}\n", ids[0]));
    at(&base, &["delete", &ids[0]]).fails(4, &ids[0]);
}

// ---------------------------------------------------------------------------------------
// Servers that misbehave.

#[test]
fn malformed_replies_server_errors_and_401() {
    let good_png_sum = sha256_hex(PNG);
    let router = Router::new()
        .route("/health", get(|| async { json_reply(StatusCode::OK, json!({"status": "ok", "binary_upload": true})) }))
        .route(
            "/v1/fractal",
            get(|| async { (StatusCode::OK, "<html>a proxy's login page</html>").into_response() })
                .post(|| async { json_reply(StatusCode::UNAUTHORIZED, json!({"message": "authentication required"})) }),
        )
        .route(
            "/v1/fractal/{uuid}",
            get(move |Path(uuid): Path<String>| {
                let sum = good_png_sum.clone();
                async move {
                    match uuid.as_str() {
                        "fieldless" => json_reply(StatusCode::OK, json!({"uuid": "fieldless"})),
                        "boom" => (StatusCode::INTERNAL_SERVER_ERROR, "<html>Traceback</html>").into_response(),
                        "notpng" | "badsum" => {
                            let mut o = original_object(&uuid, true);
                            if uuid == "badsum" {
                                o["checksum"] = json!("0".repeat(64));
                            } else {
                                o["checksum"] = json!(sum);
                            }
                            json_reply(StatusCode::OK, o)
                        }
                        _ => json_reply(StatusCode::NOT_FOUND, json!({})),
                    }
                }
            }),
        )
        .route(
            "/fractal/{uuid}",
            get(|Path(uuid): Path<String>| async move {
                if uuid == "notpng" {
                    (StatusCode::OK, "hello").into_response()
                } else {
                    (StatusCode::OK, PNG).into_response()
                }
            }),
        );
    let base = serve(router);
    at(&base, &["list"]).fails(6, &format!("malformed reply from {base}/v1/fractal"));
    at(&base, &["show", "fieldless"]).fails(6, "malformed reply").fails(6, "missing field");
    at(&base, &["show", "boom"]).fails(6, "answered 500: Internal Server Error");
    at(&base, &["create", "--tasks", "1"]).fails(5, "authentication required");
    at(&base, &["get", "notpng", "-o", "-"]).fails(6, "not a PNG");
    let bad = at(&base, &["get", "badsum", "-o", "-"]);
    bad.fails(1, "does not match its stored checksum");
    assert!(bad.bytes.is_empty(), "nothing written on a mismatch");
}
