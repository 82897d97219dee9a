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

use std::fmt;
use std::path::PathBuf;

mod sources;

pub use sources::{Environment, list_clouds};
use sources::{Flat, from_file};

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
        /// The clouds.yaml or secure.yaml.
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
    /// Keystone answered 401: the secret (or the user or project) is wrong.
    #[error("the password (or application credential secret) was refused by {auth_url} for {who}")]
    Refused {
        /// The identity endpoint.
        auth_url: String,
        /// "user 'ada', project 'demo'" or "application credential '…'".
        who: String,
    },
    /// Keystone's token endpoint answered with something other than a token or a
    /// refusal (a wrong Auth URL: an empty 404, an HTML page).
    #[error("{url} answered HTTP {status}, not a token: is the Auth URL right (it usually ends in /v3)?")]
    NotKeystone {
        /// The token URL asked.
        url: String,
        /// The status line ("404 Not Found").
        status: String,
    },
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
    /// A password or application-credential secret given by the caller (typed in the
    /// desktop app's window, or kept in its keyring): it overrides the entry's, since what
    /// a person typed is what they mean.
    pub secret: Option<String>,
}

/// Where the password (or application-credential secret) that is used came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretFrom {
    /// [`Selection::secret`]: the caller's (the window's field or its keyring).
    Given,
    /// The cloud's entry in clouds.yaml or secure.yaml.
    File,
    /// `OS_PASSWORD` or `OS_APPLICATION_CREDENTIAL_SECRET`.
    Environment,
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
        /// Never shown: [`Method`]'s `Debug` leaves it out.
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
        /// Never shown: [`Method`]'s `Debug` leaves it out.
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
    /// Keystone's v3 endpoint.
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
    /// Where the secret came from.
    pub secret_from: SecretFrom,
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
    let secret_key = secret_key(&source, &flat);
    let secret_from = if let Some(secret) = &selection.secret {
        // What the caller gives wins over the file's: a typed password is what is meant.
        flat.auth.insert(secret_key.to_owned(), secret.clone());
        SecretFrom::Given
    } else if flat.auth.contains_key(secret_key) {
        if matches!(source, Source::File { .. }) { SecretFrom::File } else { SecretFrom::Environment }
    } else {
        // An entry without its secret takes it from OS_PASSWORD (or the credential's).
        let var = if secret_key == "password" { "OS_PASSWORD" } else { "OS_APPLICATION_CREDENTIAL_SECRET" };
        if let Some(secret) = env.var(var) {
            flat.auth.insert(secret_key.to_owned(), secret);
        }
        SecretFrom::Environment
    };
    let mut creds = build(source, flat, selection, env)?;
    creds.secret_from = secret_from;
    Ok(creds)
}

/// The auth key that holds the secret: the application credential's, or the password.
fn secret_key(source: &Source, flat: &Flat) -> &'static str {
    let by_type = flat.top.get("auth_type").is_some_and(|t| t.contains("applicationcredential"));
    let by_keys = matches!(source, Source::Environment)
        && (flat.auth.contains_key("application_credential_id")
            || flat.auth.contains_key("application_credential_name"));
    if by_type || by_keys { "application_credential_secret" } else { "password" }
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
        secret_from: SecretFrom::File,
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
        format!("{from}: {}", self.describe_login())
    }

    /// [`Self::describe`] without the source: URL, region, project, method and who (for a
    /// caller that names the source in its own words, such as the app's form).
    pub fn describe_login(&self) -> String {
        let project = match &self.project {
            Some(p) => format!("project '{}'", p.name.clone().or_else(|| p.id.clone()).unwrap_or_default()),
            None if matches!(self.method, Method::ApplicationCredential { .. }) => {
                "the application credential's project".to_owned()
            }
            None => "no project scope".to_owned(),
        };
        format!(
            "{}, region {}, {project}, {} ({})",
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

    /// Who authenticates: "user 'ada', project 'demo'" or "application credential 'id'".
    pub fn who(&self) -> String {
        match &self.method {
            Method::Password { username, .. } => {
                let project = self.project.as_ref().and_then(|p| p.name.clone().or_else(|| p.id.clone()));
                format!("user '{username}', project '{}'", project.unwrap_or_default())
            }
            Method::ApplicationCredential { id, name, .. } => {
                format!("application credential '{}'", id.as_ref().or(name.as_ref()).map_or("", String::as_str))
            }
        }
    }

    /// The cause of a failed authentication in words: a refused secret, a token URL
    /// that is not Keystone's (asked again to learn its HTTP status), or osauth's text.
    async fn auth_failure(&self, e: &osauth::Error) -> CredError {
        if e.kind() == osauth::ErrorKind::AuthenticationFailed {
            return CredError::Refused { auth_url: self.auth_url.clone(), who: self.who() };
        }
        let url = format!("{}/auth/tokens", self.auth_url.trim_end_matches('/'));
        let answer = reqwest::Client::new()
            .post(&url)
            .json(&serde_json::json!({"auth": {"identity": {"methods": []}}}))
            .timeout(std::time::Duration::from_secs(10))
            .send()
            .await;
        let Ok(r) = answer else {
            return CredError::Auth { auth_url: self.auth_url.clone(), message: e.to_string() };
        };
        let status = r.status();
        // Keystone rejects the empty identity with 400 or 401 and its JSON error.
        let body: serde_json::Value = r.json().await.unwrap_or_default();
        if matches!(status.as_u16(), 400 | 401) && body.get("error").is_some() {
            CredError::Auth { auth_url: self.auth_url.clone(), message: e.to_string() }
        } else {
            CredError::NotKeystone { url, status: status.to_string() }
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
        };
        let mut session = match session {
            Ok(session) => session,
            Err(e) => return Err(self.auth_failure(&e).await),
        };
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
