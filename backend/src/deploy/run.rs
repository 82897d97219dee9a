//! The bookkeeping of one `up` or `scale`: the state as it grows, what this run created
//! (to undo on failure), what to report — and the end of the run: save, or roll back.

use super::cloud::{Cloud, CloudError};
use super::resource::{ResourceKind, ResourceRef};
use super::state::{FloatingIpRecord, State};
use super::up::Report;
use super::{DeployError, DeployEvent, DeployResult, Deployer, Phase as _};

/// Something this run created, to undo on failure.
#[derive(Debug, Clone)]
pub(crate) enum Undo {
    /// The binaries container, by name.
    Container(String),
    /// A keypair, by name.
    Keypair(String),
    Group(ResourceRef),
    Server(ResourceRef),
    FloatingIp(FloatingIpRecord),
    /// An application credential: id and name.
    AppCredential(String, String),
}

impl std::fmt::Display for Undo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Undo::Container(name) => write!(f, "{} {name}", ResourceKind::Container),
            Undo::Keypair(name) => write!(f, "{} {name}", ResourceKind::Keypair),
            Undo::Group(r) => write!(f, "{} {r}", ResourceKind::SecurityGroup),
            Undo::Server(r) => write!(f, "{} {r}", ResourceKind::Server),
            Undo::FloatingIp(r) => write!(f, "{} {} ({})", ResourceKind::FloatingIp, r.address, r.id),
            Undo::AppCredential(id, name) => write!(f, "{} {name} ({id})", ResourceKind::AppCredential),
        }
    }
}

/// One run in progress: each step of `up` and `scale` reads and grows it.
#[derive(Debug)]
pub(crate) struct Run {
    /// The deployment, saved after every change so a crash loses no id.
    pub(crate) state: State,
    /// What this run created, oldest first.
    pub(crate) undo: Vec<Undo>,
    pub(crate) report: Report,
}

impl Run {
    pub(crate) fn new(state: State) -> Self {
        Self { state, undo: Vec::new(), report: Report::default() }
    }

    /// Records a resource this run created: counted in the report, undone on failure.
    pub(crate) fn created(&mut self, undo: Undo) {
        self.undo.push(undo);
        self.report.created += 1;
    }
}

impl<C: Cloud> Deployer<'_, C> {
    /// Saves the state after a run; on failure rolls back what the run created unless
    /// told to `keep` it.
    pub(crate) async fn finish(&self, keep: bool, mut run: Run, result: DeployResult<()>) -> DeployResult<Report> {
        let e = match result {
            Ok(()) => {
                self.store.save(&run.state)?;
                self.publish_state(&run.state).await?;
                return Ok(run.report);
            }
            Err(e) => e,
        };
        if keep || run.undo.is_empty() {
            self.save_or_remove(&run.state)?;
            if keep && !run.undo.is_empty() {
                self.emit(DeployEvent::Note(format!(
                    "kept {} resource(s) of the failed run (--keep-on-failure); `faafo deploy down --name {}` removes them",
                    run.undo.len(),
                    run.state.name
                )));
            }
            return Err(e);
        }
        self.emit(DeployEvent::Phase(format!("rolling back after: {e}")));
        let (undone, left) = self.rollback(&mut run).await;
        self.save_or_remove(&run.state)?;
        Err(DeployError::RolledBack { source: Box::new(e), undone, left })
    }

    /// Keeps the state file while anything in the cloud belongs to the deployment.
    fn save_or_remove(&self, state: &State) -> DeployResult<()> {
        if state.is_empty() {
            self.store.remove(&state.name)?
        } else {
            self.store.save(state)?
        }
        Ok(())
    }

    /// Deletes what the run created, newest first (servers before all else, so the
    /// security groups come free). Returns how many were deleted, and what was not.
    async fn rollback(&self, run: &mut Run) -> (usize, Vec<String>) {
        let undo = std::mem::take(&mut run.undo);
        let state = &mut run.state;
        let (mut undone, mut left) = (0, Vec::new());
        let servers: Vec<ResourceRef> =
            undo.iter().filter_map(|u| if let Undo::Server(r) = u { Some(r.clone()) } else { None }).collect();
        for server in &servers {
            match self.cloud.delete_server(&server.id).await {
                Ok(()) | Err(CloudError::NotFound(_)) => {
                    self.emit(DeployEvent::Deleted { kind: ResourceKind::Server, name: server.name.clone() })
                }
                Err(e) => left.push(format!("server {}: {e}", server.name)),
            }
        }
        if let Err(e) = self.wait_gone("rollback", &servers).await {
            left.push(e.to_string());
        }
        for server in &servers {
            state.workers.retain(|w| w.id != server.id);
            if state.controller.as_ref().is_some_and(|c| c.id == server.id) {
                state.controller = None;
            }
            undone += 1;
        }
        for u in undo.into_iter().rev() {
            let r = match &u {
                Undo::Server(..) => continue,
                Undo::FloatingIp(f) => self.release_fip(f).await.map(|()| state.floating_ip = None),
                Undo::Group(group) => {
                    self.delete_group(group).await.map(|()| state.security_groups.retain(|_, v| *v != group.id))
                }
                Undo::Keypair(name) => match self.cloud.delete_keypair(name).await {
                    Ok(()) | Err(CloudError::NotFound(_)) => {
                        self.emit(DeployEvent::Deleted { kind: ResourceKind::Keypair, name: name.clone() });
                        if let Some(path) = state.keypair.take().and_then(|k| k.private_key) {
                            let _ = std::fs::remove_file(path);
                        }
                        Ok(())
                    }
                    Err(e) => Err(DeployError::Cloud { phase: "rollback".into(), source: e }),
                },
                Undo::Container(name) => self.cloud.delete_container(name).await.phase("rollback").map(|()| {
                    self.emit(DeployEvent::Deleted { kind: ResourceKind::Container, name: name.clone() });
                    if state.autoscale_container.as_ref() == Some(name) {
                        state.autoscale_container = None;
                    } else {
                        state.binaries_container = None;
                        state.binaries = None;
                    }
                }),
                Undo::AppCredential(id, name) => self.delete_app_credential(id, name).await.map(|()| {
                    state.app_credential = None;
                }),
            };
            match r {
                Ok(()) => undone += 1,
                Err(e) => left.push(format!("{u}: {e}")),
            }
        }
        (undone, left)
    }
}
