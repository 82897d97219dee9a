//! The task path on a real RabbitMQ: `faafo-api` (outbox, publisher confirms) and
//! `faafo-worker` processes, on real SQLite and PostgreSQL databases.
//!
//! Each test gets its own virtual host. The tests that stop the broker hold
//! `procs::BROKER` exclusively, the others shared.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::collections::HashSet;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

mod common;
use common::procs::{self, Api, BROKER, Scratch, Vhost, worker};

const LONG: Duration = Duration::from_secs(180);

fn http() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap()
}

async fn metric(http: &reqwest::Client, base: &str, name: &str) -> Option<f64> {
    let text = http.get(format!("{base}/metrics")).send().await.ok()?.text().await.ok()?;
    text.lines().find(|l| l.starts_with(name)).and_then(|l| l.rsplit(' ').next()).and_then(|v| v.parse().ok())
}

async fn end_to_end_on(database_url: &str) {
    let vhost = Vhost::new();
    let dir = Scratch::new();
    let api = Api::start(&dir.0, database_url, Some(&vhost.url()), 0);
    let w1 = worker(&dir.0, &api.base, &vhost.url(), "worker-one", &[]);
    let w2 = worker(&dir.0, &api.base, &vhost.url(), "worker-two", &[]);
    let http = http();
    let uuids = procs::create(&http, &api.base, 200, &procs::task(96, 64, 200)).await;
    let rows = procs::wait_finished(&http, &api.base, 200, LONG).await;
    let done: HashSet<_> = rows.iter().filter(|f| f["status"] == "done").map(|f| f["uuid"].as_str().unwrap()).collect();
    assert_eq!(
        done.len(),
        200,
        "not all done: {:?}\n{}\n{}",
        rows.iter().map(|f| &f["status"]).collect::<Vec<_>>(),
        w1.log_text(),
        w2.log_text()
    );
    assert_eq!(rows.len(), 200, "no duplicate rows");
    assert!(uuids.iter().all(|u| done.contains(u.as_str())));
    procs::check_images(&http, &api.base, &rows).await;
    let by: HashSet<_> = rows.iter().map(|f| f["generated_by"].as_str().unwrap().to_owned()).collect();
    assert_eq!(by, HashSet::from(["worker-one".to_owned(), "worker-two".to_owned()]), "both workers served");
    assert_eq!(metric(&http, &api.base, "faafo_fractals{status=\"done\"}").await, Some(200.0));
    assert_eq!(metric(&http, &api.base, "faafo_outbox_tasks").await, Some(0.0));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_workers_render_200_tasks_on_sqlite_and_postgresql() {
    let _shared = BROKER.read().await;
    let dbs = common::Databases::new();
    let urls = dbs.urls().await;
    // SQLite and PostgreSQL (the issue's pair); MariaDB runs the in-process contract suite.
    for url in &urls[..2] {
        end_to_end_on(url).await;
    }
    dbs.drop_all().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_killed_mid_render_loses_nothing() {
    let _shared = BROKER.read().await;
    let vhost = Vhost::new();
    let dir = Scratch::new();
    let api = Api::start(&dir.0, &format!("sqlite://{}", dir.0.join("k.db").display()), Some(&vhost.url()), 0);
    let http = http();
    // Renders of tens of milliseconds, so the kill lands mid-render.
    let uuids = procs::create(&http, &api.base, 40, &procs::task(700, 500, 3000)).await;
    let victim = worker(&dir.0, &api.base, &vhost.url(), "victim", &["--concurrency", "2"]);
    // Wait until the victim has finished a few and holds more.
    for _ in 0..600 {
        if victim.log_text().matches(" done: ").count() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    victim.signal(libc::SIGKILL);
    let survivor = worker(&dir.0, &api.base, &vhost.url(), "survivor", &[]);
    let rows = procs::wait_finished(&http, &api.base, 40, LONG).await;
    let done = rows.iter().filter(|f| f["status"] == "done").count();
    assert_eq!(done, 40, "{}\n{}", victim.log_text(), survivor.log_text());
    assert_eq!(rows.len(), uuids.len(), "no duplicate rows");
    assert!(survivor.log_text().contains(" done: "), "the survivor took over the victim's tasks");
    assert!(survivor.log_text().contains("redelivered"), "the kill left tasks in hand: {}", survivor.log_text());
    procs::check_images(&http, &api.base, &rows).await;
    assert_eq!(vhost.messages("normal"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn creates_during_a_broker_outage_are_delayed_not_lost_and_workers_reconnect() {
    let _exclusive = BROKER.write().await;
    let vhost = Vhost::new();
    let dir = Scratch::new();
    let api = Api::start(&dir.0, &format!("sqlite://{}", dir.0.join("o.db").display()), Some(&vhost.url()), 0);
    let w1 = worker(&dir.0, &api.base, &vhost.url(), "w-a", &[]);
    let w2 = worker(&dir.0, &api.base, &vhost.url(), "w-b", &[]);
    let http = http();
    let mut uuids = procs::create(&http, &api.base, 60, &procs::task(300, 200, 2000)).await;
    // Under load: the broker goes away while tasks are queued and in hand.
    procs::rabbitmqctl(&["stop_app"]);
    let during = procs::create(&http, &api.base, 40, &procs::task(64, 48, 100)).await;
    let health: Value = http.get(format!("{}/health", api.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!((health["database"].as_str(), health["queue"].as_str()), (Some("ok"), Some("unavailable")), "{health}");
    assert!(metric(&http, &api.base, "faafo_outbox_tasks").await.unwrap() >= 40.0, "creates wait in the outbox");
    tokio::time::sleep(Duration::from_secs(3)).await;
    procs::rabbitmqctl(&["start_app"]);
    procs::rabbitmqctl(&["await_startup"]);
    uuids.extend(during);
    let rows = procs::wait_finished(&http, &api.base, 100, LONG).await;
    let done: HashSet<_> = rows.iter().filter(|f| f["status"] == "done").map(|f| f["uuid"].as_str().unwrap()).collect();
    assert_eq!(done.len(), 100, "{}\n{}\n{}", api.proc.log_text(), w1.log_text(), w2.log_text());
    assert!(uuids.iter().all(|u| done.contains(u.as_str())));
    assert_eq!(rows.len(), 100);
    assert!(w1.log_text().contains("reconnecting"), "the worker lost the broker: {}", w1.log_text());
    procs::check_images(&http, &api.base, &rows).await;
    assert_eq!(metric(&http, &api.base, "faafo_outbox_tasks").await, Some(0.0));
}

#[tokio::test(flavor = "multi_thread")]
async fn results_wait_while_the_api_is_down_for_30_seconds() {
    let _shared = BROKER.read().await;
    let vhost = Vhost::new();
    let dir = Scratch::new();
    let db = format!("sqlite://{}", dir.0.join("d.db").display());
    let mut api = Api::start(&dir.0, &db, Some(&vhost.url()), 0);
    let port = api.port;
    let http = http();
    let uuids = procs::create(&http, &api.base, 30, &procs::task(400, 300, 2000)).await;
    // Stop the API (SIGTERM: a clean stop), then start the workers: they render with
    // nowhere to send results.
    api.proc.signal(libc::SIGTERM);
    assert_eq!(api.proc.wait(Duration::from_secs(10)), Some(0), "faafo-api exits 0 on SIGTERM");
    let base = api.base.clone();
    drop(api);
    let w = worker(&dir.0, &base, &vhost.url(), "patient", &[]);
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert!(!w.log_text().contains(" done: "), "nothing can be done without the API");
    let api = Api::start(&dir.0, &db, Some(&vhost.url()), port);
    let rows = procs::wait_finished(&http, &api.base, 30, LONG).await;
    let done = rows.iter().filter(|f| f["status"] == "done").count();
    assert_eq!(done, uuids.len(), "{}", w.log_text());
    procs::check_images(&http, &api.base, &rows).await;
    // SIGTERM: the worker finishes and exits 0.
    let mut w = w;
    w.signal(libc::SIGTERM);
    assert_eq!(w.wait(Duration::from_secs(20)), Some(0), "{}", w.log_text());
}

/// Publishes a raw message to exchange `tasks` with key `normal` on `vhost`.
async fn inject(vhost: &Vhost, body: &[u8]) {
    use faafo_backend::queue::amqp;
    let (connection, channel) = amqp::connect(&vhost.url(), "test-injector").await.unwrap();
    amqp::declare_topology(&channel).await.unwrap();
    channel.confirm_select(lapin::options::ConfirmSelectOptions::default()).await.unwrap();
    amqp::publish_confirmed(&channel, "tasks", "normal", body, amqp::task_properties()).await.unwrap();
    let _ = connection.close(200, "done".into()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn poison_tasks_end_failed_or_dead_lettered_and_the_worker_keeps_serving() {
    let _shared = BROKER.read().await;
    let vhost = Vhost::new();
    let dir = Scratch::new();
    let db = format!("sqlite://{}", dir.0.join("p.db").display());
    let api = Api::start(&dir.0, &db, Some(&vhost.url()), 0);
    let http = http();
    // A row the API would never accept (width 1), written straight to the database, and
    // its task: the worker must report it failed.
    let store = faafo_backend::store::Store::connect(&db).await.unwrap();
    let mut bad: Value = procs::task(1, 48, 100);
    bad["uuid"] = json!("poison-width-1");
    let now = faafo_backend::store::now_rfc3339();
    let new =
        faafo_backend::wire::fractal::parse_new(&procs::task(64, 48, 100), &faafo_engine::Limits::default()).unwrap();
    let mut row = faafo_backend::wire::fractal::Fractal::from_new("poison-width-1".into(), &new, None, None, now);
    row.width = 1;
    store.insert(&row).await.unwrap();
    inject(&vhost, b"{this is not json").await;
    inject(
        &vhost,
        br#"{"uuid": "nan-task", "width": 64, "height": 48, "iterations": 100, "xa": NaN, "xb": 1, "ya": -1, "yb": 1}"#,
    )
    .await;
    inject(&vhost, serde_json::to_string(&bad).unwrap().as_bytes()).await;
    let mut unknown = procs::task(64, 48, 0);
    unknown["uuid"] = json!("never-created");
    inject(&vhost, serde_json::to_string(&unknown).unwrap().as_bytes()).await;
    // The original's hang: 10 iterations. Ours renders it.
    let tiny = procs::create(
        &http,
        &api.base,
        1,
        &json!({"width": 64, "height": 48, "iterations": 10, "xa": -2, "xb": 1, "ya": -1.5, "yb": 1.5}),
    )
    .await;
    let good = procs::create(&http, &api.base, 5, &procs::task(64, 48, 100)).await;
    let w = worker(&dir.0, &api.base, &vhost.url(), "sturdy", &[]);
    let rows = procs::wait_finished(&http, &api.base, 7, Duration::from_secs(60)).await;
    let status = |u: &str| rows.iter().find(|f| f["uuid"] == u).map(|f| f["status"].as_str().unwrap().to_owned());
    for u in good.iter().chain(&tiny) {
        assert_eq!(status(u).as_deref(), Some("done"), "{u}: {}", w.log_text());
    }
    let failed = rows.iter().find(|f| f["uuid"] == "poison-width-1").unwrap();
    assert_eq!(failed["status"], "failed");
    assert!(failed["error"].as_str().unwrap().contains("width"), "{failed}");
    // Malformed JSON, NaN, and a bad task the API does not know: dead-lettered, kept.
    for _ in 0..100 {
        if vhost.messages("normal.dead") >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(vhost.messages("normal.dead"), 3, "{}", w.log_text());
    assert_eq!(metric(&http, &api.base, "faafo_dead_letters").await, Some(3.0), "visible in the API's metrics");
    assert_eq!(vhost.messages("normal"), 0);
    assert!(w.child_alive(), "the worker is still serving");
}

/// The original API's result route, recording what it receives.
#[derive(Clone, Default)]
struct Original {
    puts: std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, Value)>>>,
}

#[tokio::test(flavor = "multi_thread")]
async fn the_worker_speaks_the_original_protocol_to_an_original_api() {
    use axum::extract::{Path, State};
    let _shared = BROKER.read().await;
    let vhost = Vhost::new();
    let dir = Scratch::new();
    let original = Original::default();
    // Only the original's routes: no /health, no binary upload.
    let app =
        axum::Router::new()
            .route(
                "/v1/fractal/{uuid}",
                axum::routing::put(
                    |State(o): State<Original>,
                     Path(_uuid): Path<String>,
                     headers: axum::http::HeaderMap,
                     body: String| async move {
                        o.puts.lock().unwrap().push((headers, serde_json::from_str(&body).unwrap_or(Value::Null)));
                        "ok"
                    },
                ),
            )
            .with_state(original.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    // The original API's message: only the original's fields.
    let message = json!({"uuid": "0c1e7d2a-0000-4000-8000-000000000001", "width": 64, "height": 48, "iterations": 120,
        "xa": -2.0, "xb": 1.0, "ya": -1.5, "yb": 1.5, "checksum": null, "duration": null, "generated_by": null,
        "size": null, "url": null});
    inject(&vhost, message.to_string().as_bytes()).await;
    let mut w = worker(&dir.0, &format!("{base}/"), &vhost.url(), "legacy", &["--once"]);
    assert_eq!(w.wait(Duration::from_secs(60)), Some(0), "{}", w.log_text());
    let puts = original.puts.lock().unwrap().clone();
    assert_eq!(puts.len(), 1, "{}", w.log_text());
    let (headers, body) = &puts[0];
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["accept"], "text/plain");
    let keys: HashSet<_> = body.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, HashSet::from(["uuid", "duration", "image", "checksum", "size", "generated_by"]));
    let png = base64::engine::general_purpose::STANDARD.decode(body["image"].as_str().unwrap()).unwrap();
    assert_eq!(body["checksum"].as_str().unwrap(), faafo_engine::sha256_hex(&png));
    assert_eq!(body["size"].as_u64().unwrap(), png.len() as u64);
    assert_eq!(body["generated_by"], "legacy");
    assert_eq!(body["uuid"], message["uuid"]);
    assert!(png.starts_with(b"\x89PNG"));
    assert_eq!(vhost.messages("normal"), 0, "acked after the PUT");
}
