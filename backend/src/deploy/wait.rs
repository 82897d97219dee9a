//! Waiting on the cloud, poll by poll within the [`Timeouts`](super::Timeouts): servers
//! ACTIVE, installers and the API healthy, servers gone, security groups free to delete.

use super::cloud::{Cloud, CloudError, ServerStatus};
use super::resource::{ResourceKind, ResourceRef};
use super::state::{ServerRecord, State};
use super::userdata;
use super::{DeployError, DeployEvent, DeployResult, Deployer, Phase as _, Wait};

impl<C: Cloud> Deployer<'_, C> {
    /// Waits until every server is ACTIVE, recording its private address; fails fast on
    /// ERROR with Nova's fault.
    pub(crate) async fn wait_active(&self, phase: &str, servers: &mut [ServerRecord]) -> DeployResult<()> {
        let deadline = tokio::time::Instant::now() + self.timeouts.active;
        let mut last: Vec<Option<ServerStatus>> = vec![None; servers.len()];
        let mut done = vec![false; servers.len()];
        loop {
            for (i, rec) in servers.iter_mut().enumerate() {
                if done[i] {
                    continue;
                }
                let server = self.cloud.get_server(&rec.id).await.phase(phase)?.ok_or_else(|| DeployError::Cloud {
                    phase: phase.to_owned(),
                    source: CloudError::NotFound(format!("server {} vanished", rec.name)),
                })?;
                if last[i].as_ref() != Some(&server.status) {
                    self.emit(DeployEvent::Waiting(format!("{} is {}", rec.name, server.status)));
                    last[i] = Some(server.status.clone());
                }
                match server.status {
                    ServerStatus::Active => {
                        rec.private_ip = server.private_ip.clone();
                        done[i] = true;
                    }
                    ServerStatus::Error => {
                        return Err(DeployError::ServerFailed {
                            name: rec.name.clone(),
                            fault: server.fault.unwrap_or_else(|| "no fault message".to_owned()),
                        });
                    }
                    _ => {}
                }
            }
            if done.iter().all(|d| *d) {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                let pending: Vec<&str> =
                    servers.iter().zip(&done).filter(|(_, d)| !**d).map(|(s, _)| s.name.as_str()).collect();
                return Err(DeployError::Timeout {
                    phase: phase.to_owned(),
                    seconds: self.timeouts.active.as_secs(),
                    waiting: format!("{} to become ACTIVE", pending.join(", ")),
                });
            }
            self.pause("the servers to become ACTIVE").await?;
        }
    }

    /// Waits until none of these servers exists.
    pub(crate) async fn wait_gone(&self, phase: &str, servers: &[ResourceRef]) -> DeployResult<()> {
        let deadline = tokio::time::Instant::now() + self.timeouts.delete;
        let mut pending: Vec<&ResourceRef> = servers.iter().collect();
        while !pending.is_empty() {
            let mut still = Vec::new();
            for server in pending {
                if self.cloud.get_server(&server.id).await.phase(phase)?.is_some() {
                    still.push(server);
                }
            }
            pending = still;
            if pending.is_empty() {
                break;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(DeployError::Timeout {
                    phase: phase.to_owned(),
                    seconds: self.timeouts.delete.as_secs(),
                    waiting: format!(
                        "{} to be deleted",
                        pending.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                });
            }
            self.sleep().await;
        }
        Ok(())
    }

    /// Deletes a security group, retrying while a port still uses it (409).
    pub(crate) async fn delete_group(&self, group: &ResourceRef) -> DeployResult<()> {
        let deadline = tokio::time::Instant::now() + self.timeouts.delete;
        let name = &group.name;
        loop {
            match self.cloud.delete_security_group(&group.id).await {
                Ok(()) => {
                    self.emit(DeployEvent::Deleted { kind: ResourceKind::SecurityGroup, name: name.clone() });
                    return Ok(());
                }
                Err(CloudError::NotFound(_)) => return Ok(()),
                Err(CloudError::Conflict(m)) if tokio::time::Instant::now() < deadline => {
                    self.emit(DeployEvent::Waiting(format!("security group {name} still in use ({m})")));
                    self.sleep().await;
                }
                Err(e) => {
                    return Err(DeployError::Cloud { phase: format!("deleting security group {name}"), source: e });
                }
            }
        }
    }

    /// Waits for every server to be ACTIVE, then (with [`Wait::Health`]) for the installers
    /// and the API.
    pub(crate) async fn wait_all(&self, wait: Wait, state: &mut State) -> DeployResult<()> {
        self.emit(DeployEvent::Phase("waiting for servers to be ACTIVE".into()));
        let mut all: Vec<ServerRecord> = state.controller.iter().chain(&state.workers).cloned().collect();
        self.wait_active("servers", &mut all).await?;
        for rec in &all {
            if let Some(w) = state.workers.iter_mut().find(|w| w.id == rec.id) {
                w.private_ip.clone_from(&rec.private_ip);
            }
        }
        if wait == Wait::Health {
            self.wait_health(state, &all).await?;
        }
        Ok(())
    }

    /// Waits until every installer printed its OK on the console and `/health` says ok;
    /// fails at once on an installer's FAILED.
    async fn wait_health(&self, state: &State, servers: &[ServerRecord]) -> DeployResult<()> {
        self.emit(DeployEvent::Phase("waiting for the installers and the API's health check".into()));
        let url = state.url().ok_or_else(|| DeployError::Usage("the deployment has no floating IP".into()))?;
        let deadline = tokio::time::Instant::now() + self.timeouts.health;
        let mut ok = vec![false; servers.len()];
        loop {
            for (i, s) in servers.iter().enumerate() {
                if ok[i] {
                    continue;
                }
                let log = self.cloud.console_log(&s.id).await.phase("console log")?;
                match userdata::install_outcome(&log) {
                    Some(Ok(())) => {
                        ok[i] = true;
                        self.emit(DeployEvent::Note(format!("{}: installed", s.name)));
                    }
                    Some(Err(line)) => return Err(DeployError::InstallFailed { name: s.name.clone(), line }),
                    None => {}
                }
            }
            let mut last = String::from("the installers");
            if ok.iter().all(|o| *o) {
                match self.cloud.probe(&url).await {
                    Ok(h) if h.status == "ok" => {
                        self.emit(DeployEvent::Note(format!("{url} answers: {}", h.status)));
                        return Ok(());
                    }
                    Ok(h) => last = format!("{url}health to be ok (it is {})", h.status),
                    Err(e) => last = format!("{url}health ({e})"),
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(DeployError::Timeout {
                    phase: "health".into(),
                    seconds: self.timeouts.health.as_secs(),
                    waiting: last,
                });
            }
            self.emit(DeployEvent::Waiting(last.clone()));
            self.pause(&last).await?;
        }
    }
}
