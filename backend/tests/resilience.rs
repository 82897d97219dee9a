//! `faafo-api` as a flaky network and a hostile client see it, with real processes:
//! clients that vanish mid-request (PostgreSQL and MariaDB, RabbitMQ, two workers),
//! slow-header and slow-body connections, concurrent large uploads, and configurations
//! that would leave writes open.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use sqlx::{Executor as _, Row as _};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

mod common;
use common::procs::{self, Api, BROKER, Scratch, Vhost, worker};

const LONG: Duration = Duration::from_secs(240);
/// Clients in the disconnect storm, and how many are in flight at once.
const STORM_CLIENTS: usize = 400;
const STORM_PARALLEL: usize = 64;

fn http() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap()
}

fn random() -> u128 {
    uuid::Uuid::new_v4().as_u128()
}

/// Where a storm client cuts its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cut {
    /// Half-way through the headers.
    InHeaders,
    /// Half-way through the body.
    InBody,
    /// Right after the last byte of the request.
    AfterBody,
    /// A few hundred microseconds to a few milliseconds after the request: while the
    /// API is in the database.
    WhileHandled,
    /// Never: reads the answer (the control group).
    Never,
}

const CUTS: [Cut; 5] = [Cut::InHeaders, Cut::InBody, Cut::AfterBody, Cut::WhileHandled, Cut::Never];

/// One storm client: a `POST /v1/fractal` with its own uuid, cut at `cut`. Returns the
/// status when it read one.
async fn storm_client(addr: &str, uuid: &str, cut: Cut) -> Option<u16> {
    let body = json!({"uuid": uuid, "width": 48, "height": 32, "iterations": 60,
        "xa": -2.0, "xb": 1.0, "ya": -1.5, "yb": 1.5, "kind": "mandelbrot"})
    .to_string();
    let head = format!(
        "POST /v1/fractal HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).await.ok()?;
    // With zero linger a close is a reset, as when a client vanishes.
    let _ = socket2_free_linger(&stream);
    match cut {
        Cut::InHeaders => {
            let _ = stream.write_all(&head.as_bytes()[..head.len() / 2]).await;
            return None;
        }
        Cut::InBody => {
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&body.as_bytes()[..body.len() / 2]).await;
            return None;
        }
        _ => {}
    }
    let request = format!("{head}{body}");
    stream.write_all(request.as_bytes()).await.ok()?;
    match cut {
        Cut::AfterBody => None,
        Cut::WhileHandled => {
            tokio::time::sleep(Duration::from_micros(200 + (random() % 4000) as u64)).await;
            None
        }
        _ => {
            let mut answer = Vec::new();
            let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer)).await;
            let text = String::from_utf8_lossy(&answer);
            text.split_whitespace().nth(1).and_then(|s| s.parse().ok())
        }
    }
}

/// Sets `SO_LINGER` to zero (tokio's setter is deprecated for blocking on drop, which a
/// zero linger never does).
fn socket2_free_linger(stream: &TcpStream) -> std::io::Result<()> {
    use std::os::fd::AsRawFd as _;
    let linger = libc::linger { l_onoff: 1, l_linger: 0 };
    // SAFETY: setsockopt on our own open socket with a correctly sized struct.
    let rc = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    if rc == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

async fn metric(http: &reqwest::Client, base: &str, name: &str) -> Option<f64> {
    let text = http.get(format!("{base}/metrics")).send().await.ok()?.text().await.ok()?;
    text.lines().find(|l| l.starts_with(name)).and_then(|l| l.rsplit(' ').next()).and_then(|v| v.parse().ok())
}

/// Connections of `database` that sit inside a transaction nobody is running.
async fn stranded_transactions(admin_url: &str, database: &str, postgres: bool) -> i64 {
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin_url).await.unwrap();
    let sql = if postgres {
        format!(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '{database}' AND state LIKE 'idle in transaction%'"
        )
    } else {
        format!(
            "SELECT COUNT(*) FROM information_schema.innodb_trx t JOIN information_schema.processlist p \
             ON t.trx_mysql_thread_id = p.id WHERE p.db = '{database}' AND p.command = 'Sleep'"
        )
    };
    conn.fetch_one(sql.as_str()).await.unwrap().try_get::<i64, _>(0).unwrap()
}

async fn disconnect_storm_on(database_url: &str, admin_url: &str, database: &str, postgres: bool) {
    let vhost = Vhost::new();
    let dir = Scratch::new();
    let api = Api::start(&dir.0, database_url, Some(&vhost.url()), 0);
    let w1 = worker(&dir.0, &api.base, &vhost.url(), "storm-a", &[]);
    let w2 = worker(&dir.0, &api.base, &vhost.url(), "storm-b", &[]);
    let addr = api.base.trim_start_matches("http://").to_owned();

    let mut sent: Vec<(String, Cut)> = Vec::new();
    let mut answered: HashMap<String, u16> = HashMap::new();
    for round in 0..STORM_CLIENTS.div_ceil(STORM_PARALLEL) {
        let mut tasks = Vec::new();
        for i in 0..STORM_PARALLEL {
            let uuid = format!("storm-{round}-{i}-{:08x}", random() as u32);
            let cut = CUTS[(random() % CUTS.len() as u128) as usize];
            sent.push((uuid.clone(), cut));
            let addr = addr.clone();
            tasks.push(tokio::spawn(async move { (uuid.clone(), storm_client(&addr, &uuid, cut).await) }));
        }
        for t in tasks {
            if let (uuid, Some(status)) = t.await.unwrap() {
                answered.insert(uuid, status);
            }
        }
    }

    // Every row that exists reaches done; the outbox drains.
    let http = http();
    let start = Instant::now();
    let rows = loop {
        let rows = procs::all(&http, &api.base).await;
        let finished = rows.iter().all(|f| f["status"] == "done");
        let outbox = metric(&http, &api.base, "faafo_outbox_tasks").await;
        if finished && outbox == Some(0.0) {
            break rows;
        }
        assert!(
            start.elapsed() < LONG,
            "not finished: {} rows, {} not done, outbox {outbox:?}\n{}",
            rows.len(),
            rows.iter().filter(|f| f["status"] != "done").count(),
            api.proc.log_text()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let existing: HashSet<&str> = rows.iter().map(|f| f["uuid"].as_str().unwrap()).collect();
    assert_eq!(existing.len(), rows.len(), "no duplicate rows");
    for (uuid, cut) in &sent {
        match cut {
            Cut::InHeaders | Cut::InBody => {
                assert!(!existing.contains(uuid.as_str()), "{uuid}: an incomplete request created a row")
            }
            Cut::Never => {
                assert_eq!(answered.get(uuid), Some(&201), "{uuid}");
                assert!(existing.contains(uuid.as_str()), "{uuid}: answered 201 but lost");
            }
            _ => {}
        }
    }
    assert!(existing.iter().all(|u| u.starts_with("storm-")));
    // None rendered twice: each done row has exactly one worker's "done" line.
    let logs = format!("{}{}", w1.log_text(), w2.log_text());
    let mut renders: HashMap<&str, usize> = HashMap::new();
    for line in logs.lines().filter(|l| l.contains(" done: ")) {
        // "… {uuid} done: 48x32, …": the word before "done:".
        if let Some(uuid) = line.split(" done: ").next().and_then(|head| head.rsplit(' ').next()) {
            *renders.entry(uuid).or_default() += 1;
        }
    }
    let twice: Vec<_> = renders.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "rendered twice: {twice:?}");
    assert!(existing.iter().all(|u| renders.get(u) == Some(&1)), "every row rendered once");
    assert_eq!(stranded_transactions(admin_url, database, postgres).await, 0, "a connection left in a transaction");
    let health: Value = http.get(format!("{}/health", api.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok", "{health}");
    eprintln!(
        "storm on {}: {} clients, {} rows created, all done, none rendered twice",
        if postgres { "PostgreSQL" } else { "MariaDB" },
        sent.len(),
        rows.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn clients_that_vanish_mid_request_lose_and_duplicate_nothing_on_postgresql_and_mariadb() {
    let _shared = BROKER.read().await;
    let dbs = common::Databases::new();
    let urls = dbs.urls().await;
    let name = urls[1].rsplit('/').next().unwrap().to_owned();
    let pg_admin =
        std::env::var("FAAFO_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let my_admin = std::env::var("FAAFO_TEST_MYSQL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/mysql".into());
    disconnect_storm_on(&urls[1], &pg_admin, &name, true).await;
    disconnect_storm_on(&urls[2], &my_admin, &name, false).await;
    dbs.drop_all().await;
}

/// A connection that sends part of a request's headers and then nothing.
async fn slow_header(addr: &str) -> Option<TcpStream> {
    let mut s = TcpStream::connect(addr).await.ok()?;
    s.write_all(b"GET /v1/fractal HTTP/1.1\r\nHost: slow\r\nX-Slow: ").await.ok()?;
    Some(s)
}

/// Whether the server has closed `stream` (read gives end of file or an error).
async fn closed(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 512];
    loop {
        match tokio::time::timeout(within, stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slowloris_does_not_lock_out_other_clients() {
    let dir = Scratch::new();
    let db = format!("sqlite://{}", dir.0.join("s.db").display());
    let extra = ["--max-connections", "64", "--header-timeout-seconds", "3", "--body-timeout-seconds", "2"];
    let api = Api::start_with(&dir.0, &db, None, 0, &extra);
    let addr = api.base.trim_start_matches("http://").to_owned();
    let mut slow = Vec::new();
    for _ in 0..300 {
        slow.extend(slow_header(&addr).await);
    }
    assert!(slow.len() >= 250, "the test could open only {} connections", slow.len());
    // Well-behaved clients get in at once, with 300 slow connections against a cap of 64.
    let http = reqwest::Client::builder().timeout(Duration::from_secs(2)).pool_max_idle_per_host(0).build().unwrap();
    for i in 0..20 {
        let r = http.get(format!("{}/health", api.base)).send().await;
        assert!(r.as_ref().is_ok_and(|r| r.status() == 200), "request {i} during the slowloris: {r:?}");
        slow.extend(slow_header(&addr).await);
    }
    // Slow headers are cut off after the header timeout.
    let mut first = slow.swap_remove(slow.len() - 1);
    assert!(closed(&mut first, Duration::from_secs(6)).await, "a slow-header connection outlived the timeout");
    // An idle keep-alive connection is closed too.
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    idle.write_all(format!("GET /health HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes()).await.unwrap();
    assert!(closed(&mut idle, Duration::from_secs(8)).await, "an idle keep-alive connection stayed open");
    // A body that never arrives whole gets a JSON 408 after the body timeout.
    let mut dribble = TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /v1/fractal HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"width\":"
    );
    dribble.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(8), dribble.read(&mut answer)).await.unwrap().unwrap();
    let text = String::from_utf8_lossy(&answer[..n]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("application/json") && text.contains("did not arrive within"), "{text}");
}

/// Peak resident memory of a process, in MiB (`VmHWM`).
fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kib / 1024.0
}

#[tokio::test(flavor = "multi_thread")]
async fn eight_concurrent_60_mb_uploads_stay_within_300_mib() {
    let dir = Scratch::new();
    let db = format!("sqlite://{}", dir.0.join("u.db").display());
    let api = Api::start(&dir.0, &db, None, 0);
    let http = reqwest::Client::builder().timeout(Duration::from_secs(300)).build().unwrap();
    // A "PNG" of 45 MB: the signature, then filler (the API checks the signature and the
    // checksum, not the pixels); 60 MB as base64.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.resize(45 * 1024 * 1024, 7);
    let b64 = base64::engine::general_purpose::STANDARD.encode(&png);
    let uuids = procs::create(&http, &api.base, 8, &procs::task(32, 32, 10)).await;
    let mut puts = Vec::new();
    for (i, uuid) in uuids.iter().enumerate() {
        let (http, base, uuid) = (http.clone(), api.base.clone(), uuid.clone());
        let request = if i % 2 == 0 {
            let body = json!({"image": b64, "duration": 1.0, "generated_by": "big"}).to_string();
            http.put(format!("{base}/v1/fractal/{uuid}")).header("content-type", "application/json").body(body)
        } else {
            http.put(format!("{base}/v1/fractal/{uuid}/image")).body(png.clone())
        };
        puts.push(tokio::spawn(async move { request.send().await.map(|r| r.status().as_u16()) }));
    }
    for p in puts {
        assert_eq!(p.await.unwrap().unwrap(), 200);
    }
    let peak = peak_rss_mib(api.proc.child.id());
    eprintln!("peak RSS of faafo-api over 8 concurrent 45-60 MB uploads: {peak:.0} MiB");
    assert!(peak < 300.0, "peak RSS {peak:.0} MiB");
    let rows = procs::all(&http, &api.base).await;
    assert!(rows.iter().all(|f| f["status"] == "done" && f["size"] == json!(png.len())), "every upload stored");
}

#[test]
fn half_configured_auth_is_refused_at_start() {
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_faafo-api"))
            .args(args)
            .args(["--bind-port", "0", "--database-url", "sqlite::memory:"])
            .env("FAAFO_CONFIG_FILE", "/dev/null")
            .env_remove("FAAFO_CLIENT_TOKEN")
            .env_remove("FAAFO_WORKER_TOKEN")
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, stderr) = run(&["--listen-address", "0.0.0.0", "--worker-token", "w-0123456789abcdef"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("without a client token"), "{stderr}");
    assert!(stderr.contains("visible to every user in `ps`"), "a token on the command line is warned about: {stderr}");
    let (code, stderr) = run(&["--client-token", "short"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("at least 16"), "{stderr}");
}
