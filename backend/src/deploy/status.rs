//! `status`: what the deployment has in the cloud now, and how the API is doing.

use std::fmt;

use serde::Serialize;

use super::cloud::{Cloud, Health};
use super::{DeployResult, Deployer, Phase as _};

/// One server's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerLine {
    pub name: String,
    /// Nova's id.
    pub id: String,
    /// Nova's status word (see [`super::ServerStatus`]), or `MISSING` when Nova does not
    /// know the server any more.
    pub status: String,
    /// Its fixed address: Nova's, else the recorded one.
    pub private_ip: Option<String>,
}

/// The deployment now.
#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    pub name: String,
    /// Its random id (the tag is `faafo-<id>`).
    pub deployment_id: String,
    /// The clouds.yaml name it was deployed with (`env`: the `OS_*` variables).
    pub cloud: String,
    /// The API's URL (`http://<floating ip>/`), if it has a floating IP.
    pub url: Option<String>,
    /// Controller first, then the workers.
    pub servers: Vec<ServerLine>,
    /// Security groups: (name, id, exists).
    pub security_groups: Vec<(String, String, bool)>,
    /// Resources carrying the tag: servers, security groups.
    pub tagged: (usize, usize),
    /// The API's health, queue depth and workers seen; the error if it did not answer;
    /// `None` when not asked.
    pub health: Option<Result<Health, String>>,
}

impl fmt::Display for StatusReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "deployment {} (id {}, tag faafo-{}) on cloud {}",
            self.name, self.deployment_id, self.deployment_id, self.cloud
        )?;
        writeln!(f, "url: {}", self.url.as_deref().unwrap_or("(no floating IP)"))?;
        for s in &self.servers {
            writeln!(
                f,
                "  server {:<24} {:<8} {:<15} {}",
                s.name,
                s.status,
                s.private_ip.as_deref().unwrap_or("-"),
                s.id
            )?;
        }
        for (name, id, exists) in &self.security_groups {
            writeln!(f, "  group  {name:<24} {:<8} {id}", if *exists { "ok" } else { "MISSING" })?;
        }
        match &self.health {
            None => write!(f, "api: not asked"),
            Some(Ok(h)) => write!(
                f,
                "api: {}; queue depth {}; workers seen: {}",
                h.status,
                h.queue_depth.map_or("?".to_owned(), |d| d.to_string()),
                if h.workers_seen.is_empty() { "none yet".to_owned() } else { h.workers_seen.join(", ") }
            ),
            Some(Err(e)) => write!(f, "api: not answering ({e})"),
        }
    }
}

impl<C: Cloud> Deployer<'_, C> {
    /// The deployment `name` as it is; with `probe`, asks its API too.
    pub async fn status(&self, name: &str, probe: bool) -> DeployResult<StatusReport> {
        let state = self.load(name)?;
        let mut servers = Vec::new();
        for rec in state.controller.iter().chain(&state.workers) {
            let s = self.cloud.get_server(&rec.id).await.phase("servers")?;
            servers.push(ServerLine {
                name: rec.name.clone(),
                id: rec.id.clone(),
                status: s.as_ref().map_or("MISSING".to_owned(), |s| s.status.to_string()),
                private_ip: s.and_then(|s| s.private_ip).or_else(|| rec.private_ip.clone()),
            });
        }
        let mut groups = Vec::new();
        for (role, id) in &state.security_groups {
            let g = self.cloud.get_security_group(id).await.phase("security groups")?;
            let exists = g.is_some();
            groups.push((g.map_or_else(|| format!("{}-{role}", state.name), |g| g.name), id.clone(), exists));
        }
        let tag = state.tag();
        let tagged = (
            self.cloud.list_servers(&tag).await.phase("servers")?.len(),
            self.cloud.list_security_groups(&tag).await.phase("security groups")?.len(),
        );
        let url = state.url();
        let health = match (&url, probe) {
            (Some(u), true) => Some(self.cloud.probe(u).await.map_err(|e| e.to_string())),
            _ => None,
        };
        Ok(StatusReport {
            name: state.name.clone(),
            deployment_id: state.deployment_id.clone(),
            cloud: state.cloud.clone(),
            url,
            servers,
            security_groups: groups,
            tagged,
            health,
        })
    }
}
