//! `down`: delete exactly what the deployment created, in reverse order — floating IP
//! (released if allocated, detached and untagged if reused), servers (and wait until they
//! are gone), security groups (retrying 409 while ports go away), keypair, binaries
//! container — then the state file. Anything carrying the deployment's tag but missing
//! from the state file (a run that died between creating and recording) goes too.

use super::cloud::{Cloud, CloudError};
use super::resource::{ResourceKind, ResourceRef};
use super::state::{FloatingIpRecord, State};
use super::{DeployError, DeployEvent, DeployResult, Deployer, Phase as _};

/// What `down` removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DownReport {
    /// How many resources were deleted, released or detached.
    pub removed: usize,
}

impl<C: Cloud> Deployer<'_, C> {
    /// Tears the deployment `name` down.
    pub async fn down(&self, name: &str) -> DeployResult<DownReport> {
        // Workers the controller's autoscaler added are in its shared copy of the state.
        if let Err(e) = self.pull_shared(name).await {
            self.emit(DeployEvent::Note(format!("the autoscaler's state could not be read ({e}): going by tags")));
        }
        let mut state = self.load(name)?;
        // The autoscaler goes first, so it adds no server while the others go.
        let mut removed = 0;
        if let Some(c) = state.app_credential.take() {
            self.emit(DeployEvent::Phase("application credential".into()));
            self.delete_app_credential(&c.id, &c.name).await?;
            self.store.save(&state)?;
            removed += 1;
        }
        removed += self.down_fip(&mut state).await?;
        removed += self.down_servers(&mut state).await?;
        removed += self.down_groups(&mut state).await?;
        removed += self.down_keypair(&mut state).await?;
        for container in [state.binaries_container.take(), state.autoscale_container.take()].into_iter().flatten() {
            self.cloud.delete_container(&container).await.phase("deleting the container")?;
            self.emit(DeployEvent::Deleted { kind: ResourceKind::Container, name: container });
            removed += 1;
        }
        self.store.remove(name)?;
        self.emit(DeployEvent::Note(format!("deployment {name} removed ({removed} resources)")));
        Ok(DownReport { removed })
    }

    /// Deletes an application credential (gone already is fine).
    pub(crate) async fn delete_app_credential(&self, id: &str, name: &str) -> DeployResult<()> {
        match self.cloud.delete_app_credential(id).await {
            Ok(()) | Err(CloudError::NotFound(_)) => {
                self.emit(DeployEvent::Deleted { kind: ResourceKind::AppCredential, name: name.to_owned() });
                Ok(())
            }
            Err(e) => Err(DeployError::Cloud { phase: "deleting the application credential".into(), source: e }),
        }
    }

    /// Gives back the recorded floating IP, and releases any other carrying the tag.
    async fn down_fip(&self, state: &mut State) -> DeployResult<usize> {
        self.emit(DeployEvent::Phase("floating IP".into()));
        let mut removed = 0;
        if let Some(f) = state.floating_ip.clone() {
            self.release_fip(&f).await?;
            state.floating_ip = None;
            self.store.save(state)?;
            removed += 1;
        }
        if let Some(r) = &state.resolved {
            let tag = state.tag();
            for f in self.cloud.list_floating_ips(&r.external_network.0).await.phase("floating IPs")? {
                if f.tags.contains(&tag) {
                    let rec =
                        FloatingIpRecord { id: f.id, address: f.address, allocated: true, previous_tags: Vec::new() };
                    self.release_fip(&rec).await?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    /// Deletes the recorded servers (workers first) and any other carrying the tag, and
    /// waits until they are gone.
    async fn down_servers(&self, state: &mut State) -> DeployResult<usize> {
        self.emit(DeployEvent::Phase("servers".into()));
        let mut removed = 0;
        let mut servers: Vec<ResourceRef> = state
            .workers
            .iter()
            .rev()
            .chain(state.controller.iter())
            .map(|s| ResourceRef::new(&s.id, &s.name))
            .collect();
        for s in self.cloud.list_servers(&state.tag()).await.phase("servers")? {
            if !servers.iter().any(|r| r.id == s.id) {
                servers.push(ResourceRef::new(s.id, s.name));
            }
        }
        for server in &servers {
            match self.cloud.delete_server(&server.id).await {
                Ok(()) => {
                    self.emit(DeployEvent::Deleted { kind: ResourceKind::Server, name: server.name.clone() });
                    removed += 1;
                }
                Err(CloudError::NotFound(_)) => {}
                Err(e) => return Err(DeployError::Cloud { phase: format!("deleting {}", server.name), source: e }),
            }
        }
        self.wait_gone("servers", &servers).await?;
        state.workers.clear();
        state.controller = None;
        self.store.save(state)?;
        Ok(removed)
    }

    /// Deletes the recorded security groups and any other carrying the tag, control first.
    async fn down_groups(&self, state: &mut State) -> DeployResult<usize> {
        self.emit(DeployEvent::Phase("security groups".into()));
        let mut groups: Vec<ResourceRef> = state
            .security_groups
            .iter()
            .rev()
            .map(|(role, id)| ResourceRef::new(id, format!("{}-{role}", state.name)))
            .collect();
        for g in self.cloud.list_security_groups(&state.tag()).await.phase("security groups")? {
            if !groups.iter().any(|r| r.id == g.id) {
                groups.push(ResourceRef::new(g.id, g.name));
            }
        }
        // The control group's rule names the worker group: drop control first.
        groups.sort_by_key(|g| !g.name.ends_with("-control"));
        for group in &groups {
            self.delete_group(group).await?;
            state.security_groups.retain(|_, v| *v != group.id);
        }
        self.store.save(state)?;
        Ok(groups.len())
    }

    /// Deletes the keypair if the deployment made it (and the private key saved for it).
    async fn down_keypair(&self, state: &mut State) -> DeployResult<usize> {
        let Some(k) = state.keypair.take() else { return Ok(0) };
        let mut removed = 0;
        if k.created {
            self.emit(DeployEvent::Phase("keypair".into()));
            match self.cloud.delete_keypair(&k.name).await {
                Ok(()) => {
                    self.emit(DeployEvent::Deleted { kind: ResourceKind::Keypair, name: k.name.clone() });
                    removed += 1;
                }
                Err(CloudError::NotFound(_)) => {}
                Err(e) => return Err(DeployError::Cloud { phase: "deleting the keypair".into(), source: e }),
            }
            if let Some(path) = &k.private_key {
                let _ = std::fs::remove_file(path);
            }
        }
        self.store.save(state)?;
        Ok(removed)
    }
}
