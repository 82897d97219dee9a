//! OpenStack credentials the way OpenStack users keep them: a named cloud in `clouds.yaml`
//! (with secrets in `secure.yaml`), or the `OS_*` variables of an openrc file; password or
//! application credential; region and interface overrides.
//!
//! The files are found and parsed here rather than by osauth, which misses some of the
//! conventions (`OS_CLIENT_CONFIG_FILE`, `.yml`, `$XDG_CONFIG_HOME`, `auth_type:
//! v3password`). Search order, as openstacksdk's: `$OS_CLIENT_CONFIG_FILE`, then
//! `./clouds.yaml`, `$XDG_CONFIG_HOME/openstack/` (else `~/.config/openstack/`),
//! `/etc/openstack/` — `.yaml` before `.yml`, the first file found wins. `secure.yaml` is
//! looked for in the same places (`$OS_CLIENT_SECURE_FILE` first) and merged into the
//! cloud key by key.
//!
//! Which cloud: `--os-cloud`, else `OS_CLOUD`, else the `OS_*` variables (`OS_AUTH_URL`
//! set). `OS_PASSWORD` fills a password the cloud's entry leaves out; `--os-region-name`
//! and `--os-interface` (or `OS_REGION_NAME`, `OS_INTERFACE`) override the entry's.
//!
//! [`Credentials`] never shows a secret: its `Debug` redacts them and [`Credentials::describe`]
//! says only which file, cloud, region and project were used.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_yaml::{Mapping, Value};

/// Why credentials could not be found or used.
#[derive(Debug, thiserror::Error)]
pub enum CredError {
    /// Nothing names a cloud.
    #[error(
        "no OpenStack cloud selected: pass --os-cloud NAME or set OS_CLOUD (with a clouds.yaml), or source an openrc file (OS_AUTH_URL, …){0}"
    )]
    NoCloud(String),
    /// The named cloud is in no file.
    #[error("cloud '{cloud}' not found{where_}")]
    UnknownCloud {
        /// The name asked for.
        cloud: String,
        /// Where it was looked for, and what was there.
        where_: String,
    },
    /// A file that is not valid clouds.yaml.
    #[error("{}: {problem}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong (never its secret values).
        problem: String,
    },
    /// A cloud entry that lacks what authentication needs.
    #[error("{0}")]
    Incomplete(String),
    /// Authentication or the HTTP client failed.
    #[error("cannot authenticate to {auth_url}: {message}")]
    Auth {
        /// The identity endpoint.
        auth_url: String,
        /// osauth's message.
        message: String,
    },
}

/// The process environment, or a fixed one for tests.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    vars: HashMap<String, String>,
    cwd: Option<PathBuf>,
}

impl Environment {
    /// This process's variables and working directory.
    pub fn from_process() -> Self {
        Self { vars: std::env::vars().collect(), cwd: std::env::current_dir().ok() }
    }

    /// Given variables and working directory (tests, the desktop app's form).
    pub fn from_pairs<I, K, V>(vars: I, cwd: Option<PathBuf>) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Self { vars: vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect(), cwd }
    }

    /// A variable, if set and not empty.
    pub fn var(&self, key: &str) -> Option<String> {
        self.vars.get(key).filter(|v| !v.is_empty()).cloned()
    }

    fn config_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = Vec::new();
        if let Some(cwd) = &self.cwd {
            dirs.push(cwd.clone());
        }
        match (self.var("XDG_CONFIG_HOME"), self.var("HOME")) {
            (Some(xdg), _) => dirs.push(PathBuf::from(xdg).join("openstack")),
            (None, Some(home)) => dirs.push(PathBuf::from(home).join(".config/openstack")),
            (None, None) => {}
        }
        dirs.push(PathBuf::from("/etc/openstack"));
        dirs
    }

    fn find(&self, override_var: &str, stem: &str) -> Option<PathBuf> {
        if let Some(file) = self.var(override_var) {
            return Some(PathBuf::from(file));
        }
        self.config_dirs()
            .into_iter()
            .flat_map(|d| [d.join(format!("{stem}.yaml")), d.join(format!("{stem}.yml"))])
            .find(|p| p.is_file())
    }

    /// The `clouds.yaml` in use, if any.
    pub fn clouds_file(&self) -> Option<PathBuf> {
        self.find("OS_CLIENT_CONFIG_FILE", "clouds")
    }

    /// The `secure.yaml` in use, if any.
    pub fn secure_file(&self) -> Option<PathBuf> {
        self.find("OS_CLIENT_SECURE_FILE", "secure")
    }
}

/// What the command line (or the app) chose; each overrides the environment and the file.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `--os-cloud`.
    pub cloud: Option<String>,
    /// `--os-region-name`.
    pub region: Option<String>,
    /// `--os-interface`: public, internal or admin.
    pub interface: Option<String>,
    /// A password or application-credential secret from elsewhere (the OS keyring), used
    /// when the entry has none.
    pub secret: Option<String>,
}

/// Where the credentials came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A cloud in a clouds.yaml.
    File {
        /// The clouds.yaml.
        path: PathBuf,
        /// The cloud's name.
        cloud: String,
        /// The secure.yaml merged in, if it had this cloud.
        secure: Option<PathBuf>,
    },
    /// `OS_*` variables.
    Environment,
}

/// How to authenticate.
#[derive(Clone, PartialEq, Eq)]
pub enum Method {
    /// User name and password (`auth_type: password` or `v3password`).
    Password {
        /// The user's name.
        username: String,
        /// The user's domain name.
        user_domain: String,
        /// The password.
        password: String,
    },
    /// An application credential (`v3applicationcredential`), by id, or by name with the
    /// user id.
    ApplicationCredential {
        /// The credential's id.
        id: Option<String>,
        /// The credential's name (with `user_id`).
        name: Option<String>,
        /// The owner's user id (with `name`).
        user_id: Option<String>,
        /// The secret.
        secret: String,
    },
}

/// A project scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// By id, when given.
    pub id: Option<String>,
    /// By name, when given.
    pub name: Option<String>,
    /// The project's domain: (is an id, value).
    pub domain: Option<(bool, String)>,
}

/// Resolved credentials for one cloud.
#[derive(Clone)]
pub struct Credentials {
    /// Where they came from.
    pub source: Source,
    /// Keystone v3.
    pub auth_url: String,
    /// How to authenticate.
    pub method: Method,
    /// The project (none for application credentials, which carry their own).
    pub project: Option<Project>,
    /// The region, if any.
    pub region: Option<String>,
    /// The endpoint interface, if not public.
    pub interface: Option<String>,
    /// A CA bundle for TLS, if any.
    pub cacert: Option<PathBuf>,
    /// `verify: false` in the entry.
    pub insecure: bool,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("source", &self.source)
            .field("auth_url", &self.auth_url)
            .field("method", &self.method_name())
            .field("project", &self.project)
            .field("region", &self.region)
            .field("interface", &self.interface)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Method::Password { username, user_domain, .. } => {
                write!(f, "Password {{ username: {username:?}, user_domain: {user_domain:?}, password: <redacted> }}")
            }
            Method::ApplicationCredential { id, name, .. } => {
                write!(f, "ApplicationCredential {{ id: {id:?}, name: {name:?}, secret: <redacted> }}")
            }
        }
    }
}

/// The clouds a clouds.yaml names, for a picker.
pub fn list_clouds(env: &Environment) -> Result<Option<(PathBuf, Vec<String>)>, CredError> {
    let Some(path) = env.clouds_file() else { return Ok(None) };
    let root = read_yaml(&path)?;
    let mut names: Vec<String> =
        clouds_of(&root, &path)?.keys().filter_map(|k| k.as_str().map(str::to_owned)).collect();
    names.sort();
    Ok(Some((path, names)))
}

fn read_yaml(path: &Path) -> Result<Value, CredError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CredError::File { path: path.to_owned(), problem: format!("cannot read: {e}") })?;
    serde_yaml::from_str(&text).map_err(|e| CredError::File {
        path: path.to_owned(),
        // serde_yaml's message names a position, not the value.
        problem: format!("not valid YAML: {e}"),
    })
}

fn clouds_of<'a>(root: &'a Value, path: &Path) -> Result<&'a Mapping, CredError> {
    root.get("clouds")
        .and_then(Value::as_mapping)
        .ok_or_else(|| CredError::File { path: path.to_owned(), problem: "has no 'clouds:' mapping".to_owned() })
}

/// Merges `extra` into `base`, key by key, `extra` winning.
fn merge(base: &mut Value, extra: &Value) {
    match (base, extra) {
        (Value::Mapping(b), Value::Mapping(e)) => {
            for (k, v) in e {
                match b.get_mut(k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, e) => *b = e.clone(),
    }
}

/// A flat view of one cloud's settings: `auth.*` keys and top-level keys.
#[derive(Debug, Default)]
struct Flat {
    auth: HashMap<String, String>,
    top: HashMap<String, String>,
}

impl Flat {
    fn from_entry(entry: &Value) -> Self {
        let mut flat = Flat::default();
        let scalar = |v: &Value| match v {
            Value::String(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        if let Some(map) = entry.as_mapping() {
            for (k, v) in map {
                let Some(key) = k.as_str() else { continue };
                if key == "auth" {
                    for (ak, av) in v.as_mapping().into_iter().flatten() {
                        if let (Some(ak), Some(av)) = (ak.as_str(), scalar(av)) {
                            flat.auth.insert(ak.replace('-', "_"), av);
                        }
                    }
                } else if let Some(s) = scalar(v) {
                    flat.top.insert(key.replace('-', "_"), s);
                }
            }
        }
        flat
    }

    fn from_env(env: &Environment) -> Self {
        let mut flat = Flat::default();
        let pairs = [
            ("auth_url", "OS_AUTH_URL"),
            ("username", "OS_USERNAME"),
            ("user_id", "OS_USER_ID"),
            ("password", "OS_PASSWORD"),
            ("user_domain_name", "OS_USER_DOMAIN_NAME"),
            ("user_domain_id", "OS_USER_DOMAIN_ID"),
            ("project_name", "OS_PROJECT_NAME"),
            ("project_name", "OS_TENANT_NAME"),
            ("project_id", "OS_PROJECT_ID"),
            ("project_id", "OS_TENANT_ID"),
            ("project_domain_name", "OS_PROJECT_DOMAIN_NAME"),
            ("project_domain_id", "OS_PROJECT_DOMAIN_ID"),
            ("application_credential_id", "OS_APPLICATION_CREDENTIAL_ID"),
            ("application_credential_name", "OS_APPLICATION_CREDENTIAL_NAME"),
            ("application_credential_secret", "OS_APPLICATION_CREDENTIAL_SECRET"),
        ];
        for (key, var) in pairs {
            if let Some(v) = env.var(var) {
                flat.auth.entry(key.to_owned()).or_insert(v);
            }
        }
        for (key, var) in [("auth_type", "OS_AUTH_TYPE"), ("cacert", "OS_CACERT")] {
            if let Some(v) = env.var(var) {
                flat.top.insert(key.to_owned(), v);
            }
        }
        flat
    }
}

/// Resolves the credentials `selection` and `env` point at.
pub fn resolve(selection: &Selection, env: &Environment) -> Result<Credentials, CredError> {
    let cloud = selection.cloud.clone().or_else(|| env.var("OS_CLOUD"));
    let (source, mut flat) = match cloud {
        Some(name) => from_file(&name, env)?,
        None if env.var("OS_AUTH_URL").is_some() => (Source::Environment, Flat::from_env(env)),
        None => {
            let hint = match list_clouds(env) {
                Ok(Some((path, names))) if !names.is_empty() => {
                    format!(" ({} has: {})", path.display(), names.join(", "))
                }
                _ => String::new(),
            };
            return Err(CredError::NoCloud(hint));
        }
    };
    if matches!(source, Source::File { .. }) {
        // An entry without its secret takes it from the keyring (the app) or OS_PASSWORD.
        let secret_key = if flat.top.get("auth_type").is_some_and(|t| t.contains("applicationcredential")) {
            "application_credential_secret"
        } else {
            "password"
        };
        if !flat.auth.contains_key(secret_key) {
            let from_env = if secret_key == "password" {
                env.var("OS_PASSWORD")
            } else {
                env.var("OS_APPLICATION_CREDENTIAL_SECRET")
            };
            if let Some(secret) = selection.secret.clone().or(from_env) {
                flat.auth.insert(secret_key.to_owned(), secret);
            }
        }
    } else if let Some(secret) = &selection.secret {
        let key = if flat.auth.contains_key("application_credential_id")
            || flat.auth.contains_key("application_credential_name")
        {
            "application_credential_secret"
        } else {
            "password"
        };
        flat.auth.entry(key.to_owned()).or_insert_with(|| secret.clone());
    }
    build(source, flat, selection, env)
}

fn from_file(name: &str, env: &Environment) -> Result<(Source, Flat), CredError> {
    let Some(path) = env.clouds_file() else {
        return Err(CredError::UnknownCloud {
            cloud: name.to_owned(),
            where_: ": no clouds.yaml found (looked at $OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack/, /etc/openstack/)".to_owned(),
        });
    };
    let root = read_yaml(&path)?;
    let clouds = clouds_of(&root, &path)?;
    let Some(entry) = clouds.get(name) else {
        let mut names: Vec<&str> = clouds.keys().filter_map(Value::as_str).collect();
        names.sort_unstable();
        return Err(CredError::UnknownCloud {
            cloud: name.to_owned(),
            where_: format!(" in {} (it has: {})", path.display(), names.join(", ")),
        });
    };
    let mut entry = entry.clone();
    let mut secure_used = None;
    if let Some(secure) = env.secure_file().filter(|p| p.is_file()) {
        let sroot = read_yaml(&secure)?;
        if let Some(extra) = sroot.get("clouds").and_then(|c| c.get(name)) {
            merge(&mut entry, extra);
            secure_used = Some(secure);
        }
    }
    let source = Source::File { path, cloud: name.to_owned(), secure: secure_used };
    Ok((source, Flat::from_entry(&entry)))
}

fn build(source: Source, flat: Flat, selection: &Selection, env: &Environment) -> Result<Credentials, CredError> {
    let a = |k: &str| flat.auth.get(k).cloned();
    let where_ = match &source {
        Source::File { path, cloud, .. } => format!("cloud '{cloud}' in {}", path.display()),
        Source::Environment => "the OS_* environment".to_owned(),
    };
    let auth_url = a("auth_url").ok_or_else(|| CredError::Incomplete(format!("{where_} has no auth_url")))?;
    let auth_type = flat.top.get("auth_type").cloned().unwrap_or_else(|| {
        if a("application_credential_id").is_some() || a("application_credential_name").is_some() {
            "v3applicationcredential".to_owned()
        } else {
            "password".to_owned()
        }
    });
    let method = match auth_type.as_str() {
        "password" | "v3password" => {
            let username = a("username").ok_or_else(|| {
                CredError::Incomplete(if a("user_id").is_some() {
                    format!(
                        "{where_}: a user given by user_id alone is not supported; give username (and user_domain_name)"
                    )
                } else {
                    format!("{where_} has no username")
                })
            })?;
            let password = a("password").ok_or_else(|| {
                CredError::Incomplete(format!(
                    "{where_} has no password: put it in secure.yaml, set OS_PASSWORD, or keep it in the keyring (desktop app)"
                ))
            })?;
            let user_domain = match (a("user_domain_name"), a("user_domain_id")) {
                (Some(name), _) => name,
                (None, Some(id)) if id == "default" => "Default".to_owned(),
                (None, Some(id)) => {
                    return Err(CredError::Incomplete(format!(
                        "{where_}: user_domain_id '{id}' cannot be used; give user_domain_name instead"
                    )));
                }
                (None, None) => "Default".to_owned(),
            };
            Method::Password { username, user_domain, password }
        }
        "v3applicationcredential" | "applicationcredential" | "v3_application_credential" => {
            let secret = a("application_credential_secret")
                .ok_or_else(|| CredError::Incomplete(format!("{where_} has no application_credential_secret")))?;
            let (id, name) = (a("application_credential_id"), a("application_credential_name"));
            if id.is_none() && (name.is_none() || a("user_id").is_none()) {
                return Err(CredError::Incomplete(format!(
                    "{where_}: an application credential needs application_credential_id (or its name with user_id)"
                )));
            }
            Method::ApplicationCredential { id, name, user_id: a("user_id"), secret }
        }
        other => {
            return Err(CredError::Incomplete(format!(
                "{where_}: auth_type '{other}' is not supported (use password or v3applicationcredential)"
            )));
        }
    };
    let project = match (&method, a("project_id"), a("project_name")) {
        (Method::ApplicationCredential { .. }, _, _) | (_, None, None) => None,
        (_, id, name) => Some(Project {
            id,
            name,
            domain: a("project_domain_id")
                .map(|d| (true, d))
                .or_else(|| a("project_domain_name").map(|d| (false, d)))
                .or_else(|| a("user_domain_id").map(|d| (true, d)))
                .or_else(|| a("user_domain_name").map(|d| (false, d))),
        }),
    };
    let region =
        selection.region.clone().or_else(|| env.var("OS_REGION_NAME")).or_else(|| flat.top.get("region_name").cloned());
    let interface = selection
        .interface
        .clone()
        .or_else(|| env.var("OS_INTERFACE"))
        .or_else(|| env.var("OS_ENDPOINT_TYPE"))
        .or_else(|| flat.top.get("interface").cloned());
    if let Some(i) = &interface
        && !matches!(i.as_str(), "public" | "internal" | "admin" | "publicURL" | "internalURL" | "adminURL")
    {
        return Err(CredError::Incomplete(format!("interface '{i}' is not one of public, internal, admin")));
    }
    Ok(Credentials {
        source,
        auth_url,
        method,
        project,
        region,
        interface,
        cacert: flat.top.get("cacert").map(PathBuf::from),
        insecure: flat.top.get("verify").is_some_and(|v| v == "false"),
    })
}

impl Credentials {
    fn method_name(&self) -> &'static str {
        match self.method {
            Method::Password { .. } => "password",
            Method::ApplicationCredential { .. } => "application credential",
        }
    }

    /// One line: which file, cloud, region, project and method (no secrets).
    pub fn describe(&self) -> String {
        let from = match &self.source {
            Source::File { path, cloud, secure } => {
                let secure = secure.as_ref().map(|s| format!(" + {}", s.display())).unwrap_or_default();
                format!("cloud '{cloud}' from {}{secure}", path.display())
            }
            Source::Environment => "OS_* environment variables".to_owned(),
        };
        let project = match &self.project {
            Some(p) => format!("project '{}'", p.name.clone().or_else(|| p.id.clone()).unwrap_or_default()),
            None if matches!(self.method, Method::ApplicationCredential { .. }) => {
                "the application credential's project".to_owned()
            }
            None => "no project scope".to_owned(),
        };
        format!(
            "{from}: {}, region {}, {project}, {} ({})",
            self.auth_url,
            self.region.as_deref().unwrap_or("(any)"),
            self.method_name(),
            match &self.method {
                Method::Password { username, .. } => format!("user '{username}'"),
                Method::ApplicationCredential { id, name, .. } => {
                    format!("credential '{}'", id.as_ref().or(name.as_ref()).map_or("", String::as_str))
                }
            }
        )
    }

    /// The cloud's name (or `env` for `OS_*` variables), for state files.
    pub fn cloud_name(&self) -> String {
        match &self.source {
            Source::File { cloud, .. } => cloud.clone(),
            Source::Environment => "env".to_owned(),
        }
    }

    /// Authenticates and returns an osauth session with the region and interface set.
    pub async fn connect(&self) -> Result<osauth::Session, CredError> {
        use osauth::common::IdOrName;
        let fail = |message: String| CredError::Auth { auth_url: self.auth_url.clone(), message };
        let mut http = reqwest::Client::builder();
        if let Some(ca) = &self.cacert {
            let pem = std::fs::read(ca).map_err(|e| fail(format!("cannot read cacert {}: {e}", ca.display())))?;
            let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| fail(format!("bad cacert: {e}")))?;
            http = http.add_root_certificate(cert);
        }
        if self.insecure {
            http = http.danger_accept_invalid_certs(true);
        }
        let http = http.build().map_err(|e| fail(format!("HTTP client: {e}")))?;
        let session = match &self.method {
            Method::Password { username, user_domain, password } => {
                let mut auth = osauth::identity::Password::new(&self.auth_url, username, password, user_domain)
                    .map_err(|e| fail(e.to_string()))?;
                if let Some(p) = &self.project {
                    let project = match (&p.id, &p.name) {
                        (Some(id), _) => IdOrName::Id(id.clone()),
                        (None, Some(name)) => IdOrName::Name(name.clone()),
                        (None, None) => IdOrName::Name(String::new()),
                    };
                    let domain =
                        p.domain.clone().map(|(is_id, d)| if is_id { IdOrName::Id(d) } else { IdOrName::Name(d) });
                    auth.set_project_scope(project, domain);
                }
                osauth::Session::new_with_client(http, auth).await
            }
            Method::ApplicationCredential { id, name, user_id, secret } => {
                let auth = match (id, name, user_id) {
                    (Some(id), _, _) => osauth::identity::ApplicationCredential::new(&self.auth_url, id, secret),
                    (None, Some(name), Some(user)) => {
                        osauth::identity::ApplicationCredential::with_user_id(&self.auth_url, name, secret, user)
                    }
                    _ => return Err(fail("an application credential needs an id, or a name and user_id".to_owned())),
                }
                .map_err(|e| fail(e.to_string()))?;
                osauth::Session::new_with_client(http, auth).await
            }
        }
        .map_err(|e| fail(e.to_string()))?;
        let mut session = session;
        if let Some(region) = &self.region {
            session.set_region(region.clone());
        }
        if let Some(interface) = &self.interface {
            let i = interface.parse::<osauth::InterfaceType>().map_err(|e| fail(e.to_string()))?;
            session.set_endpoint_interface(i);
        }
        Ok(session)
    }
}

#[cfg(test)]
mod tests;
