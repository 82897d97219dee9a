//! `faafo-worker` options, under the original's names (`endpoint_url`, `transport_url`),
//! from flags, `FAAFO_*` environment variables and `/etc/faafo/faafo.conf`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// faafo-worker: renders fractal tasks from RabbitMQ and reports them to a faafo API.
#[derive(Debug, Clone, Parser)]
#[command(name = "faafo-worker", version)]
pub struct Config {
    /// The faafo API results go to (the original's endpoint_url).
    #[arg(long, env = "FAAFO_ENDPOINT_URL", default_value = "http://localhost")]
    pub endpoint_url: String,
    /// The broker tasks come from (the original's transport_url).
    #[arg(
        long,
        env = "FAAFO_TRANSPORT_URL",
        default_value = "amqp://guest:guest@localhost:5672//",
        hide_env_values = true
    )]
    pub transport_url: String,
    /// Token for the API's worker role (Authorization: Bearer). In the configuration
    /// file: `worker_token`, the API's name for it, so one file serves both.
    #[arg(long = "token", alias = "worker-token", env = "FAAFO_WORKER_TOKEN", hide_env_values = true)]
    pub worker_token: Option<String>,
    /// File holding the worker token (keeps it out of the process list).
    #[arg(
        long = "token-file",
        alias = "worker-token-file",
        env = "FAAFO_WORKER_TOKEN_FILE",
        conflicts_with = "worker_token"
    )]
    pub worker_token_file: Option<PathBuf>,
    /// Tasks in flight at once (also the broker prefetch). Each render uses every core;
    /// a second slot overlaps one task's upload with the next render.
    #[arg(long, env = "FAAFO_CONCURRENCY", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Name recorded as `generated_by` (default: the host name).
    #[arg(long, env = "FAAFO_WORKER_NAME")]
    pub name: Option<String>,
    /// Stop after one task (for batch jobs and tests).
    #[arg(long, conflicts_with = "max_tasks")]
    pub once: bool,
    /// Stop after this many tasks.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_tasks: Option<u64>,
    /// Deliveries of one task (counting redeliveries after a worker died) before it is
    /// moved to the `normal.dead` queue.
    #[arg(long, env = "FAAFO_MAX_ATTEMPTS", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_attempts: u32,
    /// Longest wait between retries of an upload while the API is unreachable, in seconds.
    #[arg(long, default_value_t = 30.0)]
    pub max_retry_seconds: f64,
    /// Log lines as readable text or JSON objects (one per line); `RUST_LOG` filters them
    /// (default `info`).
    #[arg(long, env = "FAAFO_LOG_FORMAT", value_enum, default_value_t = crate::logging::LogFormat::Text)]
    pub log_format: crate::logging::LogFormat,
    /// Configuration file (INI, section [DEFAULT], the original's option names).
    #[arg(long, env = "FAAFO_CONFIG_FILE")]
    pub config_file: Option<PathBuf>,
}

impl Config {
    /// The worker token, reading the token file.
    pub fn token(&self) -> Result<Option<String>, String> {
        match (&self.worker_token, &self.worker_token_file) {
            (Some(t), _) => Ok(Some(t.clone())),
            (None, Some(path)) => std::fs::read_to_string(path)
                .map(|t| Some(t.trim().to_owned()))
                .map_err(|e| format!("cannot read the worker token file {}: {e}", path.display())),
            (None, None) => Ok(None),
        }
    }

    /// Tasks to process before stopping, if limited.
    pub fn task_limit(&self) -> Option<u64> {
        if self.once { Some(1) } else { self.max_tasks }
    }

    /// The cap on retry backoff.
    pub fn max_retry(&self) -> Duration {
        Duration::from_secs_f64(self.max_retry_seconds.clamp(0.01, 3600.0))
    }
}
