//! cloud-init user data for the servers: `assets/deploy/cloud-init.yaml` filled in with
//! the role's configuration, the binaries' SHA-256 sums, the installer
//! (`assets/deploy/install.sh`, base64) and its command line. Only this deployment's
//! generated secrets go in: RabbitMQ and database passwords and the API's client and
//! worker tokens — never guest/guest, never the OpenStack credentials.
//!
//! Nova takes user data base64-encoded, at most 65,535 characters of it
//! ([`USER_DATA_LIMIT`], ~48 KiB raw): the binaries are downloaded at boot, never embedded.

use std::collections::BTreeMap;
use std::fmt;

pub use autoscaler::Autoscaler;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// The cloud-init template (`assets/deploy/cloud-init.yaml`), with `{{…}}` placeholders.
pub const TEMPLATE: &str = include_str!("../../../assets/deploy/cloud-init.yaml");
/// The installer (`assets/deploy/install.sh`), sent base64 inside the user data.
pub const INSTALLER: &str = include_str!("../../../assets/deploy/install.sh");
/// Nova's limit on base64-encoded user data, in characters.
pub const USER_DATA_LIMIT: usize = 65_535;
/// What the installer prints last on success.
pub const MARKER_OK: &str = "faafo-install: OK";
/// What it prints last on failure.
pub const MARKER_FAILED: &str = "faafo-install: FAILED";
/// The binaries a server installs.
pub const BINARIES: [&str; 3] = ["faafo", "faafo-api", "faafo-worker"];

/// What a server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// faafo-api, RabbitMQ and MariaDB.
    Controller,
    /// faafo-worker, pointed at the controller.
    Worker,
    /// Everything on one server (the tutorial's first step).
    AllInOne,
}

impl Role {
    /// The name used in server names and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Controller => "controller",
            Role::Worker => "worker",
            Role::AllInOne => "all-in-one",
        }
    }
}

/// One deployment's generated credentials.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Secrets {
    /// RabbitMQ's user (`faafo`, never `guest`).
    pub rabbit_user: String,
    pub rabbit_password: String,
    /// MariaDB password of user `faafo`.
    pub db_password: String,
    /// Token clients send to create and delete.
    pub client_token: String,
    /// Token workers send to report results.
    pub worker_token: String,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secrets").field("rabbit_user", &self.rabbit_user).finish_non_exhaustive()
    }
}

/// A fresh secret: two v4 uuids, 244 random bits from the OS generator, 64 hex digits
/// (safe in URLs, YAML and SQL, and long enough for faafo-api's token rule).
pub fn random_hex() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

impl Secrets {
    /// No credentials: what the shared copy of a state file carries
    /// ([`super::shared::without_secrets`]).
    pub fn blank() -> Self {
        Self {
            rabbit_user: String::new(),
            rabbit_password: String::new(),
            db_password: String::new(),
            client_token: String::new(),
            worker_token: String::new(),
        }
    }

    /// Fresh random credentials.
    pub fn generate() -> Self {
        Self {
            rabbit_user: "faafo".to_owned(),
            rabbit_password: random_hex(),
            db_password: random_hex(),
            client_token: random_hex(),
            worker_token: random_hex(),
        }
    }
}

/// Where the servers download the binaries from, and their SHA-256 sums.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binaries {
    /// Base URL: `<base>/faafo-api` and so on.
    pub base_url: String,
    /// Binary name → SHA-256 (hex).
    pub sha256: BTreeMap<String, String>,
}

/// Rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum UserDataError {
    /// Encoded user data over Nova's limit.
    #[error("user data for the {role} is {size} base64 characters, over Nova's limit of {USER_DATA_LIMIT}")]
    TooLarge {
        /// The role it is for.
        role: &'static str,
        /// Its encoded size, in characters.
        size: usize,
    },
    /// A value that cannot go into the template (a newline in a URL, a missing sum).
    #[error("{0}")]
    Bad(String),
}

/// What to render.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    pub role: Role,
    /// The deployment id (for the comment).
    pub deployment: &'a str,
    /// The deployment's generated credentials.
    pub secrets: &'a Secrets,
    /// Where the installer downloads the binaries, and their sums.
    pub binaries: &'a Binaries,
    /// The controller's private address (a worker needs it; others ignore it).
    pub controller_ip: Option<&'a str>,
    /// Create a batch of fractals once the API answers (`-r demo`).
    pub demo: bool,
    /// The autoscaler a controller runs (`up --autoscale`); other roles ignore it.
    pub autoscaler: Option<Autoscaler<'a>>,
}

fn indent(lines: &[String], spaces: usize) -> String {
    lines.iter().map(|l| format!("{}{l}", " ".repeat(spaces))).collect::<Vec<_>>().join("\n")
}

/// Renders the `#cloud-config` document.
pub fn render(input: &Input<'_>) -> Result<String, UserDataError> {
    let b = input.binaries;
    if b.base_url.contains(['\n', '\r']) || b.base_url.is_empty() {
        return Err(UserDataError::Bad("the binaries URL must be one non-empty line".into()));
    }
    let Setup { conf, install, mut roles } = setup(input)?;
    if input.demo && input.role != Role::Worker {
        roles.push("demo");
    }
    let mut command: Vec<String> = vec!["/usr/local/sbin/faafo-install".into()];
    for i in install {
        command.extend(["-i".into(), (*i).to_owned()]);
    }
    for r in roles {
        command.extend(["-r".into(), r.to_owned()]);
    }
    command.extend(["-b".into(), b.base_url.clone()]);
    // JSON is YAML: a flow sequence of quoted strings, whatever the URL holds.
    let command = serde_json::to_string(&command).map_err(|e| UserDataError::Bad(e.to_string()))?;
    let installer = base64::engine::general_purpose::STANDARD.encode(INSTALLER);
    let (autoscaler_files, autoscaler_start) = match (&input.autoscaler, input.role) {
        (Some(a), Role::Controller) => (autoscaler::files(a, input.secrets)?, autoscaler::START.to_owned()),
        _ => (String::new(), String::new()),
    };
    let out = TEMPLATE
        .replace("{{role}}", input.role.as_str())
        .replace("{{deployment}}", input.deployment)
        .replace("{{conf}}", &indent(&conf, 6))
        .replace("{{sums}}", &indent(&sums(b)?, 6))
        .replace("{{installer_b64}}", &installer)
        .replace("{{command}}", &command)
        .replace("{{autoscaler_files}}", &autoscaler_files)
        .replace("{{autoscaler_start}}", &autoscaler_start);
    if out.contains("{{") {
        return Err(UserDataError::Bad("the cloud-init template has an unknown placeholder".into()));
    }
    Ok(out)
}

/// What a role's server runs: its `faafo.conf` lines, and `install.sh`'s `-i` and `-r`.
struct Setup {
    conf: Vec<String>,
    install: &'static [&'static str],
    roles: Vec<&'static str>,
}

fn setup(input: &Input<'_>) -> Result<Setup, UserDataError> {
    let s = input.secrets;
    let local_amqp = format!("amqp://{}:{}@127.0.0.1:5672/", s.rabbit_user, s.rabbit_password);
    let database = format!("mysql://faafo:{}@127.0.0.1:3306/faafo", s.db_password);
    Ok(match input.role {
        Role::Controller => Setup {
            conf: vec![
                format!("database_url = {database}"),
                format!("transport_url = {local_amqp}"),
                format!("client_token = {}", s.client_token),
                format!("worker_token = {}", s.worker_token),
            ],
            install: &["messaging", "database", "faafo"],
            roles: vec!["api"],
        },
        Role::AllInOne => Setup {
            conf: vec![
                format!("database_url = {database}"),
                format!("transport_url = {local_amqp}"),
                "endpoint_url = http://127.0.0.1".to_owned(),
                format!("client_token = {}", s.client_token),
                format!("worker_token = {}", s.worker_token),
            ],
            install: &["messaging", "database", "faafo"],
            roles: vec!["api", "worker"],
        },
        Role::Worker => {
            let ip = input
                .controller_ip
                .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok())
                .ok_or_else(|| UserDataError::Bad("a worker needs the controller's private address".into()))?;
            Setup {
                conf: vec![
                    format!("transport_url = amqp://{}:{}@{ip}:5672/", s.rabbit_user, s.rabbit_password),
                    format!("endpoint_url = http://{ip}"),
                    format!("worker_token = {}", s.worker_token),
                ],
                install: &["faafo"],
                roles: vec!["worker"],
            }
        }
    })
}

/// The `sha256sum -c` lines for the binaries; every sum must be 64 hex digits.
fn sums(b: &Binaries) -> Result<Vec<String>, UserDataError> {
    BINARIES
        .iter()
        .map(|name| {
            let sum = b
                .sha256
                .get(*name)
                .filter(|h| h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit()))
                .ok_or_else(|| UserDataError::Bad(format!("no valid SHA-256 for {name}")))?;
            Ok(format!("{sum}  {name}"))
        })
        .collect()
}

/// Base64 for Nova, refused when over [`USER_DATA_LIMIT`].
pub fn encode(role: Role, user_data: &str) -> Result<String, UserDataError> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(user_data);
    if b64.len() > USER_DATA_LIMIT {
        return Err(UserDataError::TooLarge { role: role.as_str(), size: b64.len() });
    }
    Ok(b64)
}

/// Renders and encodes.
pub fn build(input: &Input<'_>) -> Result<String, UserDataError> {
    encode(input.role, &render(input)?)
}

/// What a console log says about the installer: `Some(Ok(()))` done, `Some(Err(line))`
/// failed, `None` not finished.
pub fn install_outcome(console: &str) -> Option<Result<(), String>> {
    console.lines().rev().find_map(|l| {
        if l.contains(MARKER_FAILED) {
            Some(Err(l.trim().to_owned()))
        } else if l.contains(MARKER_OK) {
            Some(Ok(()))
        } else {
            None
        }
    })
}

mod autoscaler;
#[cfg(test)]
mod tests;
