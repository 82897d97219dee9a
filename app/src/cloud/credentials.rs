//! Whose OpenStack the Deploy window talks to: a cloud of the clouds.yaml found, or a form
//! filled in by hand, and the password or application-credential secret for it.
//!
//! The secret never goes into the settings file. It is typed once and, if the person
//! asks, kept in the OS keyring ([`OsKeyring`]: the Secret Service on Linux, Keychain on
//! macOS, Credential Manager on Windows) under an account name derived from the cloud
//! ([`Target::keyring_account`]); later jobs take it from there when the field is empty.

use serde::{Deserialize, Serialize};

/// What the credential form lacks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// Keystone is reached over HTTP(S).
    #[error("the Auth URL must start with http:// or https://, got '{}'", super::jobs::shorten(.0, 60))]
    AuthUrl(String),
    /// A field the method needs is empty; its label.
    #[error("the form's '{0}' is empty")]
    Empty(&'static str),
}

/// Why the OS keyring could not be used; the keyring's own message is kept as text
/// (its error type is neither `Clone` nor comparable).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    /// No keyring to talk to, or it refused access.
    #[error(
        "the OS keyring is not available ({0}); on Linux it needs a Secret Service such as \
         gnome-keyring or KeePassXC on the session D-Bus"
    )]
    Unavailable(String),
    /// Any other failure.
    #[error("the OS keyring failed: {0}")]
    Failed(String),
}

/// Where the credentials come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialSource {
    /// A cloud of the clouds.yaml found (or the `OS_*` variables when there is none).
    #[default]
    CloudsYaml,
    /// The form's fields.
    Form,
}

/// How the form authenticates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FormMethod {
    /// User name and password, scoped to a project.
    #[default]
    Password,
    /// An application credential (ID and secret); the project is the credential's.
    ApplicationCredential,
}

/// The form's fields: everything an openrc file sets except the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CredentialForm {
    /// Keystone's URL (`OS_AUTH_URL`).
    pub auth_url: String,
    /// Password or application credential.
    pub method: FormMethod,
    /// `OS_USERNAME` (password method).
    pub username: String,
    /// `OS_USER_DOMAIN_NAME` (password method).
    pub user_domain: String,
    /// `OS_PROJECT_NAME` (password method).
    pub project: String,
    /// `OS_PROJECT_DOMAIN_NAME` (password method).
    pub project_domain: String,
    /// `OS_APPLICATION_CREDENTIAL_ID` (application-credential method).
    pub credential_id: String,
    /// `OS_REGION_NAME`; empty for the cloud's only region.
    pub region: String,
}

impl Default for CredentialForm {
    fn default() -> Self {
        Self {
            auth_url: String::new(),
            method: FormMethod::Password,
            username: String::new(),
            user_domain: "Default".to_owned(),
            project: String::new(),
            project_domain: "Default".to_owned(),
            credential_id: String::new(),
            region: String::new(),
        }
    }
}

impl CredentialForm {
    /// The `OS_*` variables the form stands for (without the secret), or what is missing.
    pub fn env_pairs(&self) -> Result<Vec<(String, String)>, FormError> {
        let url = self.auth_url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(FormError::AuthUrl(url.to_owned()));
        }
        let mut pairs = vec![("OS_AUTH_URL", url)];
        let required = match self.method {
            FormMethod::Password => {
                pairs.push(("OS_AUTH_TYPE", "password"));
                vec![
                    ("OS_USERNAME", "User name", &self.username),
                    ("OS_USER_DOMAIN_NAME", "User domain", &self.user_domain),
                    ("OS_PROJECT_NAME", "Project", &self.project),
                    ("OS_PROJECT_DOMAIN_NAME", "Project domain", &self.project_domain),
                ]
            }
            FormMethod::ApplicationCredential => {
                pairs.push(("OS_AUTH_TYPE", "v3applicationcredential"));
                vec![("OS_APPLICATION_CREDENTIAL_ID", "Credential ID", &self.credential_id)]
            }
        };
        for (var, label, value) in required {
            let value = value.trim();
            if value.is_empty() {
                return Err(FormError::Empty(label));
            }
            pairs.push((var, value));
        }
        if !self.region.trim().is_empty() {
            pairs.push(("OS_REGION_NAME", self.region.trim()));
        }
        Ok(pairs.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect())
    }
}

/// The Deploy window's fields that survive a restart. The secret is not one of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeploySettings {
    /// clouds.yaml or the form.
    pub source: CredentialSource,
    /// The clouds.yaml cloud last chosen.
    pub cloud: Option<String>,
    /// The form's fields.
    pub form: CredentialForm,
    /// Keep a typed secret in the OS keyring once it has worked.
    pub remember_secret: bool,
    /// Deployment name.
    pub name: String,
    /// Workers wanted.
    pub workers: u32,
    /// The pickers' choices per cloud (by [`Target::keyring_account`]), so a cloud
    /// without a network of its own keeps the one picked for it.
    pub picks: std::collections::BTreeMap<String, Picks>,
    /// The autoscaler to deploy with.
    pub autoscale: AutoscaleSettings,
}

/// The autoscaler *Deploy* installs on the controller, if `enabled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AutoscaleSettings {
    pub enabled: bool,
    /// Fewest workers.
    pub min: u32,
    /// Most workers.
    pub max: u32,
    /// Queued tasks per worker.
    pub tasks_per_worker: u32,
    /// Seconds after a change before the cluster may shrink.
    pub cooldown_seconds: u64,
}

impl Default for AutoscaleSettings {
    /// Off; 1 to 4 workers, 20 tasks per worker, 5 minutes' cool-down (the CLI's).
    fn default() -> Self {
        Self { enabled: false, min: 1, max: 4, tasks_per_worker: 20, cooldown_seconds: 300 }
    }
}

impl Default for DeploySettings {
    fn default() -> Self {
        Self {
            source: CredentialSource::CloudsYaml,
            cloud: None,
            form: CredentialForm::default(),
            remember_secret: true,
            name: "faafo".to_owned(),
            workers: 2,
            picks: std::collections::BTreeMap::new(),
            autoscale: AutoscaleSettings::default(),
        }
    }
}

/// The cloud a job runs on.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// A cloud of the clouds.yaml (`None` with `form` `None`: the `OS_*` variables).
    pub cloud: Option<String>,
    /// The form's `OS_*` variables, used instead of clouds.yaml and the environment.
    pub form: Option<Vec<(String, String)>>,
    /// The password or application-credential secret: overrides the cloud entry's.
    pub secret: Option<String>,
    /// Where `secret` came from.
    pub typed_from: Option<TypedFrom>,
}

/// Where the window's secret came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypedFrom {
    /// The *Password or secret* field.
    Field,
    /// The OS keyring.
    Keyring,
}

/// The image, flavor and networks picked for one cloud (`None`: the automatic choice).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Picks {
    pub image: Option<String>,
    pub flavor: Option<String>,
    /// The servers' network.
    pub network: Option<String>,
    /// Where the floating IP comes from.
    pub external_network: Option<String>,
}

// By hand: the secret is never printed.
impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("cloud", &self.cloud)
            .field("form", &self.form)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("typed_from", &self.typed_from)
            .finish()
    }
}

impl Target {
    /// The keyring account its secret is kept under: the cloud's name, or the form's
    /// Keystone URL and user (or credential ID), so each login has its own entry.
    pub fn keyring_account(&self) -> String {
        match (&self.form, &self.cloud) {
            (Some(pairs), _) => {
                let var = |k: &str| pairs.iter().find(|(key, _)| key == k).map_or("", |(_, v)| v.as_str());
                let who = match var("OS_APPLICATION_CREDENTIAL_ID") {
                    "" => format!("{}@{}/{}", var("OS_USERNAME"), var("OS_USER_DOMAIN_NAME"), var("OS_PROJECT_NAME")),
                    id => format!("application-credential {id}"),
                };
                format!("openstack {} {who}", var("OS_AUTH_URL"))
            }
            (None, Some(cloud)) => format!("openstack cloud {cloud}"),
            (None, None) => "openstack OS_* variables".to_owned(),
        }
    }
}

/// Where secrets are kept between sessions.
pub trait SecretStore: Send + Sync {
    /// The secret kept for `account`, if any.
    fn get(&self, account: &str) -> Result<Option<String>, KeyringError>;
    /// Keeps `secret` for `account`, replacing an earlier one.
    fn set(&self, account: &str, secret: &str) -> Result<(), KeyringError>;
    /// Forgets `account`'s secret; no error when there was none.
    fn delete(&self, account: &str) -> Result<(), KeyringError>;
}

/// The OS keyring, under one service name.
#[derive(Debug, Clone)]
pub struct OsKeyring {
    service: String,
}

impl OsKeyring {
    /// The service name the explorer's entries carry in the keyring.
    pub const SERVICE: &'static str = "faafo-explorer";

    /// Entries under `service` (tests use their own).
    pub fn new(service: impl Into<String>) -> Self {
        Self { service: service.into() }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, KeyringError> {
        keyring::Entry::new(&self.service, account).map_err(|e| unavailable(&e))
    }
}

impl Default for OsKeyring {
    fn default() -> Self {
        Self::new(Self::SERVICE)
    }
}

/// The error of a keyring that cannot be used, saying what it needs.
fn unavailable(e: &keyring::Error) -> KeyringError {
    match e {
        keyring::Error::NoDefaultStore | keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
            KeyringError::Unavailable(e.to_string())
        }
        _ => KeyringError::Failed(e.to_string()),
    }
}

impl SecretStore for OsKeyring {
    fn get(&self, account: &str) -> Result<Option<String>, KeyringError> {
        match self.entry(account)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(&e)),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), KeyringError> {
        self.entry(account)?.set_password(secret).map_err(|e| unavailable(&e))
    }

    fn delete(&self, account: &str) -> Result<(), KeyringError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(&e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_form_becomes_openrc_variables() {
        let form = CredentialForm {
            auth_url: " https://keystone.example:5000/v3 ".into(),
            username: "ada".into(),
            project: "fractals".into(),
            region: "RegionTwo".into(),
            ..CredentialForm::default()
        };
        let pairs = form.env_pairs().unwrap();
        let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert_eq!(get("OS_AUTH_URL"), Some("https://keystone.example:5000/v3"));
        assert_eq!(get("OS_USERNAME"), Some("ada"));
        assert_eq!(get("OS_PROJECT_DOMAIN_NAME"), Some("Default"));
        assert_eq!(get("OS_REGION_NAME"), Some("RegionTwo"));
        assert_eq!(get("OS_PASSWORD"), None, "the form never carries the secret");
    }

    #[test]
    fn an_incomplete_form_names_the_field() {
        let form = CredentialForm { auth_url: "keystone:5000".into(), ..CredentialForm::default() };
        assert!(form.env_pairs().unwrap_err().to_string().contains("must start with http:// or https://"));
        // A pasted page is cut short, not echoed whole.
        let form = CredentialForm { auth_url: "x".repeat(500), ..CredentialForm::default() };
        let e = form.env_pairs().unwrap_err().to_string();
        assert!(e.contains("… (500 characters)") && e.len() < 200, "{e}");
        let form =
            CredentialForm { auth_url: "http://k/v3".into(), username: "ada".into(), ..CredentialForm::default() };
        assert_eq!(form.env_pairs().unwrap_err().to_string(), "the form's 'Project' is empty");
        let form = CredentialForm {
            auth_url: "http://k/v3".into(),
            method: FormMethod::ApplicationCredential,
            ..CredentialForm::default()
        };
        assert_eq!(form.env_pairs().unwrap_err().to_string(), "the form's 'Credential ID' is empty");
    }

    #[test]
    fn each_login_has_its_own_keyring_account_and_debug_hides_the_secret() {
        let form = |user: &str| CredentialForm {
            auth_url: "http://k/v3".into(),
            username: user.into(),
            project: "p".into(),
            ..CredentialForm::default()
        };
        let target = |f: CredentialForm| Target { form: Some(f.env_pairs().unwrap()), ..Target::default() };
        assert_ne!(target(form("ada")).keyring_account(), target(form("bob")).keyring_account());
        assert_eq!(target(form("ada")).keyring_account(), "openstack http://k/v3 ada@Default/p");
        let cloud = Target { cloud: Some("fs-demo".into()), secret: Some("hunter2".into()), ..Target::default() };
        assert_eq!(cloud.keyring_account(), "openstack cloud fs-demo");
        assert!(!format!("{cloud:?}").contains("hunter2"));
    }
}
