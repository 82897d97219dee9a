//! A local cluster for a machine without a cloud: `faafo-api` (and `faafo-worker`s when a
//! RabbitMQ answers on 127.0.0.1:5672) run as child processes of the explorer, on
//! loopback, with a fresh random token (the deploy library's secret generator), their database in the explorer's data folder (kept
//! for next time), stopped on *Stop* or when the explorer closes.
//!
//! `faafo-worker` takes tasks only from RabbitMQ. Without a broker the API renders tasks
//! itself (its built-in renderer already uses every core), which is the same machine's
//! power without the broker's moving parts.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The programs a local cluster runs.
pub const API: &str = "faafo-api";
/// The worker program (with a broker).
pub const WORKER: &str = "faafo-worker";
/// Where a local broker is looked for.
const BROKER: &str = "127.0.0.1:5672";
/// How long the API may take to listen.
const API_START: Duration = Duration::from_secs(15);
/// The broker URL the local cluster uses (RabbitMQ's default user works on loopback).
const BROKER_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// Why a local cluster cannot start.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// The programs are not installed.
    #[error(
        "{API} is not beside the explorer nor on PATH: install the cluster programs with \
         scripts/install-desktop.sh (or cargo install --path backend)"
    )]
    NotInstalled,
    /// A file or process could not be made.
    #[error("cannot start the local cluster: {0}")]
    Io(#[from] std::io::Error),
    /// The API stopped (or never listened) while starting.
    #[error("the local faafo-api did not start ({0}); its log is in the local cluster's folder")]
    Exited(String),
}

/// The directory holding `faafo-api`: `FAAFO_CLUSTER_BIN_DIR`, else beside the explorer's
/// own executable, else the first directory on `PATH` that has it.
pub fn find_programs() -> Option<PathBuf> {
    let has_api = |dir: &Path| dir.join(API).is_file();
    if let Some(dir) = std::env::var_os("FAAFO_CLUSTER_BIN_DIR").map(PathBuf::from) {
        return has_api(&dir).then_some(dir);
    }
    let beside = std::env::current_exe().ok().and_then(|exe| exe.parent().map(Path::to_path_buf));
    beside.into_iter().chain(std::env::var_os("PATH").iter().flat_map(std::env::split_paths)).find(|dir| has_api(dir))
}

/// Where the local cluster keeps its database and logs: `$XDG_DATA_HOME/faafo/local-cluster`
/// (else `~/.local/share/…`).
pub fn data_dir() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("faafo").join("local-cluster")
}

/// A running local cluster; dropping it stops the processes.
#[derive(Debug)]
pub struct LocalCluster {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    /// The client token it was started with (fresh each time, never stored).
    pub token: String,
    /// Workers started (0: the API renders itself).
    pub workers: usize,
    children: Vec<Child>,
}

impl LocalCluster {
    /// Starts `faafo-api` from `programs` with its database in `dir`, and workers when a
    /// broker answers; returns once the API listens (well under a second: it opens its
    /// database first), so the window connects at once.
    pub fn start(programs: &Path, dir: &Path) -> Result<Self, LocalError> {
        if !programs.join(API).is_file() {
            return Err(LocalError::NotInstalled);
        }
        std::fs::create_dir_all(dir)?;
        let port = free_port()?;
        let token = faafo_backend::deploy::userdata::random_hex();
        let broker = broker_answers();
        let endpoint = format!("http://127.0.0.1:{port}");
        let mut api = Command::new(programs.join(API));
        api.args(["--listen-address", "127.0.0.1", "--bind-port", &port.to_string()])
            .arg("--database-url")
            .arg(format!("sqlite://{}", dir.join("faafo.db").display()));
        if broker {
            api.args(["--transport-url", BROKER_URL]);
        }
        let mut children = vec![spawn(api, &token, &dir.join("api.log"))?];
        if let Err(e) = wait_listening(&mut children[0], port, &dir.join("api.log")) {
            stop_all(&mut children);
            return Err(e);
        }
        let workers = if broker && programs.join(WORKER).is_file() { worker_count() } else { 0 };
        for i in 0..workers {
            let mut w = Command::new(programs.join(WORKER));
            w.args(["--endpoint-url", &endpoint, "--transport-url", BROKER_URL, "--name"])
                .arg(format!("local-{}", i + 1));
            match spawn(w, &token, &dir.join(format!("worker-{}.log", i + 1))) {
                Ok(child) => children.push(child),
                Err(e) => {
                    stop_all(&mut children);
                    return Err(e);
                }
            }
        }
        Ok(Self { endpoint, token, workers, children })
    }

    /// Whether the API process still runs.
    pub fn running(&mut self) -> bool {
        self.children.first_mut().is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// The processes' ids (API first), for tests and the window.
    pub fn pids(&self) -> Vec<u32> {
        self.children.iter().map(Child::id).collect()
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        stop_all(&mut self.children);
    }
}

/// Runs `command` with the tokens in its environment (not its arguments, which `ps`
/// shows) and its log in `log`.
fn spawn(mut command: Command, token: &str, log: &Path) -> Result<Child, LocalError> {
    let log = std::fs::File::create(log)?;
    Ok(command
        .env("FAAFO_CLIENT_TOKEN", token)
        .env("FAAFO_WORKER_TOKEN", token)
        .env("FAAFO_CONFIG_FILE", "/dev/null")
        .env_remove("FAAFO_DATABASE_URL")
        .env_remove("FAAFO_TRANSPORT_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()?)
}

/// Kills and reaps every process (workers first, so none reports to a vanished API).
fn stop_all(children: &mut Vec<Child>) {
    for child in children.iter_mut().rev() {
        let _ = child.kill();
        let _ = child.wait();
    }
    children.clear();
}

/// Waits until the API accepts connections on `port` (it opens and migrates its
/// database first: well under a second), or says why it stopped.
fn wait_listening(api: &mut Child, port: u16, log: &Path) -> Result<(), LocalError> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let started = std::time::Instant::now();
    while started.elapsed() < API_START {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = api.try_wait() {
            let said = std::fs::read_to_string(log).unwrap_or_default();
            let last = said.lines().last().unwrap_or("no output").to_owned();
            return Err(LocalError::Exited(format!("{status}: {last}")));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(LocalError::Exited(format!("{API} did not listen on port {port} within {API_START:?}")))
}

/// A port nobody listens on now.
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Whether a broker accepts connections on 127.0.0.1:5672.
fn broker_answers() -> bool {
    BROKER.parse::<SocketAddr>().is_ok_and(|a| TcpStream::connect_timeout(&a, Duration::from_millis(300)).is_ok())
}

/// Cores less one for the explorer itself, at least one.
fn worker_count() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn missing_programs_say_how_to_install_them() {
        let dir = std::env::temp_dir().join(format!("faafo-no-programs-{}", std::process::id()));
        let e = LocalCluster::start(&dir, &dir).unwrap_err().to_string();
        assert!(e.contains("install-desktop.sh"), "{e}");
    }
}
