//! `faafo-api` options, under the original's names (`listen_address`, `bind_port`,
//! `database_url`), from flags, `FAAFO_*` environment variables or `/etc/faafo/faafo.conf`,
//! in that order of precedence ([`crate::settings::parse`]).

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Parser;

/// faafo-api: the faafo REST API, web gallery and (embedded mode) renderer.
#[derive(Debug, Clone, Parser)]
#[command(name = "faafo-api", version)]
pub struct Config {
    /// Address to listen on. Anything but loopback needs a client token (or --insecure).
    #[arg(long, env = "FAAFO_LISTEN_ADDRESS", default_value = "127.0.0.1")]
    pub listen_address: IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "FAAFO_BIND_PORT", default_value_t = 8080)]
    pub bind_port: u16,
    /// Database: sqlite://PATH, postgres://…, mysql://… (also the original's
    /// sqlite:////PATH and mysql+pymysql://…). Default: a SQLite file in the data directory.
    #[arg(long, env = "FAAFO_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Task queue: amqp://USER:PASSWORD@HOST:5672/ sends tasks to RabbitMQ for
    /// `faafo-worker`s. Default: none, the built-in renderer takes them in process.
    #[arg(long, env = "FAAFO_TRANSPORT_URL", hide_env_values = true)]
    pub transport_url: Option<String>,
    /// Where PNGs are kept: `database` (the `image` column), `directory:PATH` (one file
    /// per fractal) or `swift:CONTAINER` (OpenStack object storage; credentials from
    /// OS_CLOUD and a clouds.yaml, or the OS_* variables).
    #[arg(long, env = "FAAFO_IMAGE_STORE", default_value = "database", value_parser = parse_image_store)]
    pub image_store: ImageStore,
    /// Memory for recently served PNGs, in MiB (0 disables the cache).
    #[arg(long, env = "FAAFO_IMAGE_CACHE_MIB", default_value_t = 64, value_parser = clap::value_parser!(u32).range(0..=65536))]
    pub image_cache_mib: u32,
    /// Token that clients must send (Authorization: Bearer) to create and delete.
    #[arg(long, env = "FAAFO_CLIENT_TOKEN", hide_env_values = true)]
    pub client_token: Option<String>,
    /// File holding the client token (keeps it out of the process list).
    #[arg(long, conflicts_with = "client_token")]
    pub client_token_file: Option<PathBuf>,
    /// Token that workers must send to report results.
    #[arg(long, env = "FAAFO_WORKER_TOKEN", hide_env_values = true)]
    pub worker_token: Option<String>,
    /// File holding the worker token.
    #[arg(long, conflicts_with = "worker_token")]
    pub worker_token_file: Option<PathBuf>,
    /// Accept listening on a non-loopback address without a client token, and tokens
    /// shorter than 16 characters.
    #[arg(long)]
    pub insecure: bool,
    /// Seconds tasks may wait in the outbox, or fractals wait while no result is
    /// committed, before /health says "degraded".
    #[arg(long, env = "FAAFO_STALL_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=86_400))]
    pub stall_seconds: u32,
    /// Seconds a client has to send a request's headers (also how long an idle
    /// keep-alive connection stays open).
    #[arg(long, env = "FAAFO_HEADER_TIMEOUT_SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=3600))]
    pub header_timeout_seconds: u32,
    /// Seconds a client has to send a whole request body.
    #[arg(long, env = "FAAFO_BODY_TIMEOUT_SECONDS", default_value_t = 120, value_parser = clap::value_parser!(u32).range(1..=3600))]
    pub body_timeout_seconds: u32,
    /// Connections open at once; at the cap the oldest idle one is closed for a new one.
    /// Lowered to what the process's open-file limit allows.
    #[arg(long, env = "FAAFO_MAX_CONNECTIONS", default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(16..=1_000_000))]
    pub max_connections: u32,
    /// Log lines as readable text or JSON objects (one per line); `RUST_LOG` filters them
    /// (default `info`).
    #[arg(long, env = "FAAFO_LOG_FORMAT", value_enum, default_value_t = crate::logging::LogFormat::Text)]
    pub log_format: crate::logging::LogFormat,
    /// The original's configuration file: its [DEFAULT] keys (listen_address, bind_port,
    /// database_url, …) fill in what flags and environment leave unset. A missing default
    /// file is fine; a missing file given here is an error.
    #[arg(long, env = "FAAFO_CONFIG_FILE", default_value = crate::settings::DEFAULT_CONFIG_FILE)]
    pub config_file: PathBuf,
}

/// The `image_store` option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageStore {
    /// In the database.
    Database,
    /// Files in a directory.
    Directory(PathBuf),
    /// Objects in a Swift container.
    Swift(String),
}

fn parse_image_store(spec: &str) -> Result<ImageStore, String> {
    if let Some(container) = spec.strip_prefix("swift:") {
        return if crate::store::swift::valid_container(container) {
            Ok(ImageStore::Swift(container.to_owned()))
        } else {
            Err(format!("'{container}' is not a Swift container name"))
        };
    }
    Ok(match crate::store::blob::parse_spec(spec).map_err(|e| format!("{e}, or 'swift:CONTAINER'"))? {
        None => ImageStore::Database,
        Some(dir) => ImageStore::Directory(dir),
    })
}

impl Config {
    /// The database URL to use, creating the data directory for the default.
    pub fn database_url(&self) -> std::io::Result<String> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        let dir = data_dir();
        std::fs::create_dir_all(&dir)?;
        Ok(format!("sqlite://{}", dir.join("faafo.db").display()))
    }

    /// The configured tokens, reading token files.
    pub fn auth(&self) -> Result<super::auth::Auth, String> {
        let read = |given: &Option<String>, file: &Option<PathBuf>, what: &str| -> Result<Option<String>, String> {
            match (given, file) {
                (Some(t), _) => Ok(Some(t.clone())),
                (None, Some(path)) => std::fs::read_to_string(path)
                    .map(Some)
                    .map_err(|e| format!("cannot read the {what} token file {}: {e}", path.display())),
                (None, None) => Ok(None),
            }
        };
        Ok(super::auth::Auth::new(
            read(&self.client_token, &self.client_token_file, "client")?,
            read(&self.worker_token, &self.worker_token_file, "worker")?,
        ))
    }

    /// Refuses a configuration that would leave writes open by mistake, unless told
    /// `--insecure`: listening beyond loopback without a client token (a worker token
    /// alone left creating and deleting open to anyone), or a token short enough to guess.
    pub fn check_exposure(&self) -> Result<(), String> {
        if self.insecure {
            return Ok(());
        }
        let auth = self.auth()?;
        if let Some((role, length)) = auth.shortest().filter(|(_, n)| *n < MIN_TOKEN_CHARS) {
            return Err(format!(
                "the {role} token has {length} characters; tokens need at least {MIN_TOKEN_CHARS} (e.g. `openssl rand -hex 16`), or pass --insecure"
            ));
        }
        if self.listen_address.is_loopback() || auth.has_client_token() {
            Ok(())
        } else {
            Err(format!(
                "refusing to listen on {} without a client token: anyone who can reach it could create and delete fractals; set --client-token-file (and --worker-token-file), listen on 127.0.0.1, or pass --insecure",
                self.listen_address
            ))
        }
    }

    /// The server's limits, with the connection cap fitted to the open-file limit.
    pub fn serve_limits(&self) -> super::serve::ServeLimits {
        super::serve::ServeLimits {
            header_read: std::time::Duration::from_secs(u64::from(self.header_timeout_seconds)),
            body_read: std::time::Duration::from_secs(u64::from(self.body_timeout_seconds)),
            max_connections: super::serve::fit_connection_cap(self.max_connections as usize),
        }
    }
}

/// Shortest token accepted without `--insecure`.
pub const MIN_TOKEN_CHARS: usize = 16;

/// The token flags given on the command line itself (where `ps` shows them to every
/// user of the machine), for a warning.
pub fn tokens_on_command_line(args: &[std::ffi::OsString]) -> Vec<&'static str> {
    ["--client-token", "--worker-token"]
        .into_iter()
        .filter(|flag| args.iter().filter_map(|a| a.to_str()).any(|a| a == *flag || a.starts_with(&format!("{flag}="))))
        .collect()
}

/// `$XDG_DATA_HOME/faafo`, else `~/.local/share/faafo`, else `./faafo-data`.
pub fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("faafo");
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(home) => PathBuf::from(home).join(".local/share/faafo"),
        None => PathBuf::from("faafo-data"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposure_needs_a_client_token_or_insecure() {
        let c = Config::parse_from(["faafo-api"]);
        assert!(c.check_exposure().is_ok());
        let open = Config::parse_from(["faafo-api", "--listen-address", "0.0.0.0"]);
        assert!(open.check_exposure().unwrap_err().contains("--insecure"));
        let forced = Config::parse_from(["faafo-api", "--listen-address", "0.0.0.0", "--insecure"]);
        assert!(forced.check_exposure().is_ok());
        let (c16, w16) = ("c".repeat(16), "w".repeat(16));
        let worker_only = Config::parse_from(["faafo-api", "--listen-address", "0.0.0.0", "--worker-token", &w16]);
        assert!(
            worker_only.check_exposure().unwrap_err().contains("without a client token"),
            "the half-configured case"
        );
        let both = ["faafo-api", "--listen-address", "0.0.0.0", "--client-token", &c16, "--worker-token", &w16];
        assert!(Config::parse_from(both).check_exposure().is_ok());
        let short = Config::parse_from(["faafo-api", "--client-token", "s3cret"]);
        let e = short.check_exposure().unwrap_err();
        assert!(e.contains("client token has 6 characters") && e.contains("at least 16"), "{e}");
        assert!(Config::parse_from(["faafo-api", "--client-token", "s3cret", "--insecure"]).check_exposure().is_ok());
    }

    #[test]
    fn tokens_on_the_command_line_are_noticed() {
        let args = |a: &[&str]| a.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert_eq!(tokens_on_command_line(&args(&["faafo-api", "--client-token", "x"])), ["--client-token"]);
        assert_eq!(tokens_on_command_line(&args(&["faafo-api", "--worker-token=x"])), ["--worker-token"]);
        assert!(tokens_on_command_line(&args(&["faafo-api", "--client-token-file", "/f"])).is_empty());
    }
}
