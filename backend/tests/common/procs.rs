//! Real processes for the broker suites: `faafo-api` and `faafo-worker` binaries, a fresh
//! RabbitMQ virtual host per test, and a lock so tests that restart the broker run alone.
//!
//! RabbitMQ must run on 127.0.0.1:5672 (guest/guest); `scripts/test.sh` starts it.
//! Without it these tests fail: they are never skipped.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::Read as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Held shared by every broker test and exclusively by the ones that stop the broker.
pub static BROKER: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A unique name for this process and call.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Runs `rabbitmqctl`, panicking with its output on failure.
pub fn rabbitmqctl(args: &[&str]) -> String {
    let out = Command::new("rabbitmqctl")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run rabbitmqctl (is RabbitMQ installed? .ci/run starts it): {e}"));
    assert!(out.status.success(), "rabbitmqctl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A fresh virtual host, so parallel tests do not take each other's tasks.
pub struct Vhost {
    pub name: String,
}

impl Vhost {
    pub fn new() -> Self {
        let name = unique("faafo_t");
        rabbitmqctl(&["add_vhost", &name]);
        rabbitmqctl(&["set_permissions", "-p", &name, "guest", ".*", ".*", ".*"]);
        Self { name }
    }

    pub fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:5672/{}", self.name)
    }

    /// Messages in `queue` of this vhost.
    pub fn messages(&self, queue: &str) -> u64 {
        let out = rabbitmqctl(&["list_queues", "-p", &self.name, "--quiet", "--no-table-headers", "name", "messages"]);
        out.lines()
            .filter_map(|l| {
                let mut parts = l.split_whitespace();
                (parts.next()? == queue).then(|| parts.next()?.parse().ok())?
            })
            .next()
            .unwrap_or(0)
    }
}

impl Drop for Vhost {
    fn drop(&mut self) {
        let _ = Command::new("rabbitmqctl").args(["delete_vhost", &self.name]).output();
    }
}

/// Stops the broker application (the Erlang node stays up) and starts it again after
/// `down`; returns once it accepts connections.
pub fn restart_broker(down: Duration) {
    rabbitmqctl(&["stop_app"]);
    std::thread::sleep(down);
    rabbitmqctl(&["start_app"]);
    rabbitmqctl(&["await_startup"]);
}

/// A scratch directory removed at drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(unique("faafo_scratch"));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process whose stderr goes to a log file; killed at drop.
pub struct Proc {
    pub child: Child,
    pub log: PathBuf,
}

impl Proc {
    fn spawn(program: &str, args: &[String], log: PathBuf) -> Self {
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new(program)
            .args(args)
            .env_remove("FAAFO_DATABASE_URL")
            .env_remove("FAAFO_TRANSPORT_URL")
            .env("FAAFO_CONFIG_FILE", "/dev/null")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
        Self { child, log }
    }

    pub fn log_text(&self) -> String {
        let mut s = String::new();
        let _ = std::fs::File::open(&self.log).and_then(|mut f| f.read_to_string(&mut s));
        s
    }

    /// Sends `signal` (libc::SIGTERM, libc::SIGKILL, …).
    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on our own child's pid has no memory-safety preconditions.
        unsafe { libc::kill(self.child.id() as i32, signal) };
    }

    /// Waits for the process to end, up to `limit`; its exit code.
    pub fn wait(&mut self, limit: Duration) -> Option<i32> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status.code().unwrap_or(-1));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `faafo-api` process.
pub struct Api {
    pub proc: Proc,
    pub base: String,
    pub port: u16,
}

impl Api {
    /// Starts `faafo-api` on `database_url` (and `transport_url`, when given), on `port`
    /// (0: any free one); returns once it listens.
    pub fn start(dir: &std::path::Path, database_url: &str, transport_url: Option<&str>, port: u16) -> Self {
        Self::start_with(dir, database_url, transport_url, port, &[])
    }

    /// [`Api::start`] with more flags.
    pub fn start_with(
        dir: &std::path::Path,
        database_url: &str,
        transport_url: Option<&str>,
        port: u16,
        extra: &[&str],
    ) -> Self {
        let mut args =
            vec!["--database-url".to_owned(), database_url.to_owned(), "--bind-port".into(), port.to_string()];
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        if let Some(t) = transport_url {
            args.extend(["--transport-url".to_owned(), t.to_owned()]);
        }
        let proc = Proc::spawn(env!("CARGO_BIN_EXE_faafo-api"), &args, dir.join(unique("api_")).with_extension("log"));
        let start = Instant::now();
        loop {
            let log = proc.log_text();
            if let Some(rest) = log.split("listening on http://").nth(1) {
                let addr = rest.split_whitespace().next().unwrap();
                let port = addr.rsplit(':').next().unwrap().parse().unwrap();
                return Self { base: format!("http://{addr}"), port, proc };
            }
            assert!(start.elapsed() < Duration::from_secs(30), "faafo-api did not start: {log}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A `faafo-worker` process.
pub fn worker(dir: &std::path::Path, endpoint: &str, transport: &str, name: &str, extra: &[&str]) -> Proc {
    let mut args: Vec<String> = ["--endpoint-url", endpoint, "--transport-url", transport, "--name", name]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args.extend(["--max-retry-seconds".to_owned(), "0.5".to_owned()]);
    Proc::spawn(env!("CARGO_BIN_EXE_faafo-worker"), &args, dir.join(format!("{name}.log")))
}

/// A small task body for `POST /v1/fractal`.
pub fn task(width: u32, height: u32, iterations: u32) -> Value {
    json!({"width": width, "height": height, "iterations": iterations,
           "xa": -2.0, "xb": 1.0, "ya": -1.5, "yb": 1.5, "kind": "mandelbrot"})
}

/// Creates `n` fractals; their uuids.
pub async fn create(http: &reqwest::Client, base: &str, n: usize, body: &Value) -> Vec<String> {
    let mut uuids = Vec::with_capacity(n);
    for _ in 0..n {
        let r = http.post(format!("{base}/v1/fractal")).json(body).send().await.unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        let v: Value = r.json().await.unwrap();
        uuids.push(v["uuid"].as_str().unwrap().to_owned());
    }
    uuids
}

/// Every fractal (all pages).
pub async fn all(http: &reqwest::Client, base: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for page in 1.. {
        let v: Value = http
            .get(format!("{base}/v1/fractal?results_per_page=100&page={page}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        out.extend(v["objects"].as_array().unwrap().iter().cloned());
        if page >= v["total_pages"].as_u64().unwrap() {
            break;
        }
    }
    out
}

/// Polls until every fractal is done or failed (or `limit` passes); returns them all.
pub async fn wait_finished(http: &reqwest::Client, base: &str, expected: usize, limit: Duration) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let rows = tokio::time::timeout(Duration::from_secs(10), all(http, base)).await.unwrap_or_default();
        let finished = rows.iter().filter(|f| f["status"] == "done" || f["status"] == "failed").count();
        if rows.len() >= expected && finished == rows.len() {
            return rows;
        }
        if start.elapsed() > limit {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Fetches each done fractal's PNG and checks it against its checksum and size.
pub async fn check_images(http: &reqwest::Client, base: &str, rows: &[Value]) {
    use sha2::Digest as _;
    for f in rows.iter().filter(|f| f["status"] == "done") {
        let uuid = f["uuid"].as_str().unwrap();
        let bytes = http.get(format!("{base}/fractal/{uuid}")).send().await.unwrap().bytes().await.unwrap();
        let sha = format!("{:x}", sha2::Sha256::digest(&bytes));
        assert_eq!(Some(sha.as_str()), f["checksum"].as_str(), "{uuid}");
        assert_eq!(Some(bytes.len() as u64), f["size"].as_u64(), "{uuid}");
    }
}

impl Proc {
    /// Whether the process is still running.
    pub fn child_alive(&self) -> bool {
        // try_wait needs &mut; a signal 0 probe does not.
        // SAFETY: kill(2) with signal 0 only checks that the pid exists.
        unsafe { libc::kill(self.child.id() as i32, 0) == 0 }
    }
}
