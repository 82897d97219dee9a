//! Keystone's application credentials for the autoscaler on the controller: created for
//! the user of the session (`POST /v3/users/{id}/application_credentials`) and deleted
//! again. osauth has no identity service type, so these are plain requests to the auth
//! URL with the session's token.
//!
//! How far the credential is restricted: `unrestricted: false` (it cannot create or
//! delete application credentials or trusts), and only the `member` role when the user
//! has it (not `admin` or others). Keystone's access rules (per-API-path limits) are not
//! used: every service must then run keystonemiddleware with `service_type` set, or it
//! refuses each request of such a credential — as the local test stack's services do.

use reqwest::Method;
use serde_json::{Value, json};

use super::super::cloud::{AppCredential, CloudError, CloudResult};
use super::wire::{check, from_os, s};

/// The user a session acts for, as its token says.
#[derive(Debug, Clone, Default)]
pub(super) struct Who {
    /// Keystone's v3 URL.
    auth_url: String,
    user_id: String,
    /// The role names the token carries on the project.
    roles: Vec<String>,
}

impl Who {
    /// From a `GET /v3/auth/tokens` body's `token`.
    pub(super) fn from_token(auth_url: &str, token: &Value) -> Self {
        let roles = token["roles"].as_array().into_iter().flatten().map(|r| s(r, "name")).collect();
        Self { auth_url: auth_url.trim_end_matches('/').to_owned(), user_id: s(&token["user"], "id"), roles }
    }

    /// The roles a credential for scaling gets: `member` alone when the user has it.
    fn roles_for_scaling(&self) -> Vec<Value> {
        let member = self.roles.iter().any(|r| r == "member");
        self.roles.iter().filter(|r| !member || *r == "member").map(|r| json!({ "name": r })).collect()
    }

    fn url(&self, tail: &str) -> String {
        format!("{}/users/{}/application_credentials{tail}", self.auth_url, self.user_id)
    }
}

/// One authenticated request to Keystone.
async fn send(
    session: &osauth::Session,
    method: Method,
    url: &str,
    body: Option<Value>,
) -> CloudResult<reqwest::Response> {
    let client = session.client();
    let mut rb = client.inner().request(method, url);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let rb = client.auth_type().authenticate(client.inner(), rb).await.map_err(from_os)?;
    check(rb.send().await.map_err(|e| CloudError::Other(format!("{url}: {e}")))?).await
}

/// Creates a restricted credential named `name`.
pub(super) async fn create(
    session: &osauth::Session,
    who: &Who,
    name: &str,
    description: &str,
) -> CloudResult<AppCredential> {
    let body = json!({ "application_credential": {
        "name": name,
        "description": description,
        "unrestricted": false,
        "roles": who.roles_for_scaling(),
    }});
    let v: Value = match send(session, Method::POST, &who.url(""), Some(body)).await {
        Ok(r) => r.json().await.map_err(|e| CloudError::Other(format!("malformed answer: {e}")))?,
        Err(CloudError::Denied(m)) => {
            return Err(CloudError::Denied(format!(
                "{m} (an application credential can create another only if it is unrestricted: log in with a password)"
            )));
        }
        Err(e) => return Err(e),
    };
    let c = &v["application_credential"];
    let cred =
        AppCredential { id: s(c, "id"), name: s(c, "name"), secret: s(c, "secret"), auth_url: who.auth_url.clone() };
    if cred.id.is_empty() || cred.secret.is_empty() {
        return Err(CloudError::Other("Keystone's answer has no application credential id or secret".into()));
    }
    Ok(cred)
}

/// Deletes the credential `id`.
pub(super) async fn delete(session: &osauth::Session, who: &Who, id: &str) -> CloudResult<()> {
    send(session, Method::DELETE, &who.url(&format!("/{id}")), None).await.map(drop)
}
