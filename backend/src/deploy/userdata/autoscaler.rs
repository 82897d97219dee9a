//! The controller's share of `up --autoscale`: three more files in its user data — the
//! application credential as `OS_*` variables (`/etc/faafo/autoscale.env`, root only),
//! the deployment's generated secrets (`/etc/faafo/deploy-secrets.json`, root only; the
//! new workers' user data needs them) and the systemd unit that runs `faafo deploy
//! autoscale --shared-state` ([`super::super::shared`]) — and the command that starts the
//! unit once the installer has put `faafo` in place.

use super::{Secrets, UserDataError, indent};
use crate::deploy::cloud::AppCredential;

/// The systemd unit, with `{{name}}` and `{{container}}` placeholders.
pub const UNIT: &str = include_str!("faafo-autoscale.service");

/// The autoscaler a controller runs.
#[derive(Debug, Clone)]
pub struct Autoscaler<'a> {
    /// The deployment's name (its state file on the controller).
    pub name: &'a str,
    /// The private container it shares state and policy through.
    pub container: &'a str,
    /// What it authenticates with.
    pub credential: &'a AppCredential,
    /// The region, if the deployment chose one.
    pub region: Option<&'a str>,
}

/// A value that goes into a unit's command line or an environment file unquoted.
fn plain(what: &str, v: &str) -> Result<(), UserDataError> {
    let ok = !v.is_empty() && v.chars().all(|c| c.is_ascii_graphic() && !matches!(c, '\'' | '"' | '\\' | '$' | '`'));
    if ok { Ok(()) } else { Err(UserDataError::Bad(format!("the autoscaler's {what} cannot go into its unit: {v:?}"))) }
}

/// The `write_files` entries (indented as the template's).
pub fn files(a: &Autoscaler<'_>, secrets: &Secrets) -> Result<String, UserDataError> {
    plain("deployment name", a.name)?;
    plain("container", a.container)?;
    plain("auth URL", &a.credential.auth_url)?;
    plain("application credential id", &a.credential.id)?;
    plain("application credential secret", &a.credential.secret)?;
    let mut env = vec![
        "OS_AUTH_TYPE=v3applicationcredential".to_owned(),
        format!("OS_AUTH_URL={}", a.credential.auth_url),
        format!("OS_APPLICATION_CREDENTIAL_ID={}", a.credential.id),
        format!("OS_APPLICATION_CREDENTIAL_SECRET={}", a.credential.secret),
    ];
    if let Some(r) = a.region {
        plain("region", r)?;
        env.push(format!("OS_REGION_NAME={r}"));
    }
    let secrets = serde_json::to_string(secrets).map_err(|e| UserDataError::Bad(e.to_string()))?;
    let unit: Vec<String> =
        UNIT.replace("{{name}}", a.name).replace("{{container}}", a.container).lines().map(str::to_owned).collect();
    let file = |path: &str, mode: &str, content: &[String]| {
        format!(
            "  - path: {path}\n    owner: root:root\n    permissions: '{mode}'\n    content: |\n{}",
            indent(content, 6)
        )
    };
    Ok([
        file("/etc/faafo/autoscale.env", "0600", &env),
        file("/etc/faafo/deploy-secrets.json", "0600", &[secrets]),
        file("/etc/systemd/system/faafo-autoscale.service", "0644", &unit),
    ]
    .join("\n"))
}

/// The `runcmd` item that starts the unit (after the installer's; a failed install
/// leaves no `faafo` to start).
pub const START: &str = r#"  - ["sh", "-c", "test -x /usr/local/bin/faafo && systemctl daemon-reload && systemctl enable --now faafo-autoscale.service"]"#;
