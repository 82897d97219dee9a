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
    /// Address to listen on. Anything but loopback needs --insecure until auth tokens exist.
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
    /// Accept listening on a non-loopback address without any token.
    #[arg(long)]
    pub insecure: bool,
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

    /// Refuses an open, unauthenticated listener unless told `--insecure`.
    pub fn check_exposure(&self) -> Result<(), String> {
        let tokens = self.auth().map(|a| a.enabled()).unwrap_or(false);
        if self.listen_address.is_loopback() || self.insecure || tokens {
            Ok(())
        } else {
            Err(format!(
                "refusing to listen on {} without authentication: anyone who can reach it could create and delete fractals; set --client-token and --worker-token (or their files), listen on 127.0.0.1, or pass --insecure",
                self.listen_address
            ))
        }
    }
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
    fn exposure_needs_insecure() {
        let c = Config::parse_from(["faafo-api"]);
        assert!(c.check_exposure().is_ok());
        let open = Config::parse_from(["faafo-api", "--listen-address", "0.0.0.0"]);
        assert!(open.check_exposure().unwrap_err().contains("--insecure"));
        let forced = Config::parse_from(["faafo-api", "--listen-address", "0.0.0.0", "--insecure"]);
        assert!(forced.check_exposure().is_ok());
        let tokens = Config::parse_from([
            "faafo-api",
            "--listen-address",
            "0.0.0.0",
            "--client-token",
            "a",
            "--worker-token",
            "b",
        ]);
        assert!(tokens.check_exposure().is_ok());
    }
}
