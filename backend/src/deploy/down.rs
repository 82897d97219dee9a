//! `down`: delete exactly what the deployment created, in reverse order — floating IP
//! (released if allocated, detached and untagged if reused), servers (and wait until they
//! are gone), security groups (retrying 409 while ports go away), keypair, binaries
//! container — then the state file. Anything carrying the deployment's tag but missing
//! from the state file (a run that died between creating and recording) goes too.

use super::cloud::{Cloud, CloudError};
use super::state::FloatingIpRecord;
use super::{DeployError, DeployEvent, DeployResult, Deployer, Phase as _};

/// What `down` removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DownReport {
    /// Resources deleted, released or detached.
    pub removed: usize,
}

impl<C: Cloud> Deployer<'_, C> {
    /// Tears the deployment `name` down.
    pub async fn down(&self, name: &str) -> DeployResult<DownReport> {
        let mut state = self.load(name)?;
        let tag = state.tag();
        let mut removed = 0;

        self.emit(DeployEvent::Phase("floating IP".into()));
        let ext = state.resolved.as_ref().map(|r| r.external_network.0.clone());
        if let Some(f) = state.floating_ip.clone() {
            self.release_fip(&f).await?;
            state.floating_ip = None;
            self.store.save(&state)?;
            removed += 1;
        }
        if let Some(ext) = &ext {
            for f in self.cloud.list_floating_ips(ext).await.phase("floating IPs")? {
                if f.tags.contains(&tag) {
                    let rec =
                        FloatingIpRecord { id: f.id, address: f.address, allocated: true, previous_tags: Vec::new() };
                    self.release_fip(&rec).await?;
                    removed += 1;
                }
            }
        }

        self.emit(DeployEvent::Phase("servers".into()));
        let mut servers: Vec<(String, String)> =
            state.workers.iter().rev().chain(state.controller.iter()).map(|s| (s.id.clone(), s.name.clone())).collect();
        for s in self.cloud.list_servers(&tag).await.phase("servers")? {
            if !servers.iter().any(|(id, _)| *id == s.id) {
                servers.push((s.id, s.name));
            }
        }
        for (id, sname) in &servers {
            match self.cloud.delete_server(id).await {
                Ok(()) => {
                    self.emit(DeployEvent::Deleted { kind: "server", name: sname.clone() });
                    removed += 1;
                }
                Err(CloudError::NotFound(_)) => {}
                Err(e) => return Err(DeployError::Cloud { phase: format!("deleting {sname}"), source: e }),
            }
        }
        self.wait_gone("servers", &servers).await?;
        state.workers.clear();
        state.controller = None;
        self.store.save(&state)?;

        self.emit(DeployEvent::Phase("security groups".into()));
        let mut groups: Vec<(String, String)> = state
            .security_groups
            .iter()
            .rev()
            .map(|(role, id)| (id.clone(), format!("{}-{role}", state.name)))
            .collect();
        for g in self.cloud.list_security_groups(&tag).await.phase("security groups")? {
            if !groups.iter().any(|(id, _)| *id == g.id) {
                groups.push((g.id, g.name));
            }
        }
        // The control group's rule names the worker group: drop control first.
        groups.sort_by_key(|(_, n)| !n.ends_with("-control"));
        for (id, gname) in &groups {
            self.delete_group(id, gname).await?;
            state.security_groups.retain(|_, v| v != id);
            removed += 1;
        }
        self.store.save(&state)?;

        if let Some(k) = state.keypair.take() {
            if k.created {
                self.emit(DeployEvent::Phase("keypair".into()));
                match self.cloud.delete_keypair(&k.name).await {
                    Ok(()) => {
                        self.emit(DeployEvent::Deleted { kind: "keypair", name: k.name.clone() });
                        removed += 1;
                    }
                    Err(CloudError::NotFound(_)) => {}
                    Err(e) => return Err(DeployError::Cloud { phase: "deleting the keypair".into(), source: e }),
                }
                if let Some(path) = &k.private_key {
                    let _ = std::fs::remove_file(path);
                }
            }
            self.store.save(&state)?;
        }
        if let Some(container) = state.binaries_container.take() {
            self.cloud.delete_container(&container).await.phase("deleting the binaries container")?;
            self.emit(DeployEvent::Deleted { kind: "container", name: container });
            removed += 1;
        }
        self.store.remove(name)?;
        self.emit(DeployEvent::Note(format!("deployment {name} removed ({removed} resources)")));
        Ok(DownReport { removed })
    }
}
