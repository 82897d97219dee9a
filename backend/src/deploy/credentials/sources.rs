//! Where the settings come from: the process environment (`OS_*` variables, the search
//! path of clouds.yaml and secure.yaml) and the files themselves, read into one flat view
//! per cloud.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_yaml::{Mapping, Value};

use super::{CredError, Source};

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
pub(super) struct Flat {
    /// `auth.*` keys, `-` spelled `_`.
    pub(super) auth: HashMap<String, String>,
    /// Top-level keys (`auth_type`, `region_name`, …), `-` spelled `_`.
    pub(super) top: HashMap<String, String>,
}

impl Flat {
    pub(super) fn from_entry(entry: &Value) -> Self {
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

    pub(super) fn from_env(env: &Environment) -> Self {
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

/// The cloud `name` of the clouds.yaml in use, with its secure.yaml entry merged in.
pub(super) fn from_file(name: &str, env: &Environment) -> Result<(Source, Flat), CredError> {
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
