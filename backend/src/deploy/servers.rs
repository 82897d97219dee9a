//! The servers of `up` and `scale`: the controller (or the all-in-one server) and the
//! workers, each booted with its role's cloud-init and recorded as soon as it exists.

use std::collections::BTreeMap;

use super::cloud::{Cloud, CloudError, ServerSpec};
use super::plan::{self, Plan};
use super::resource::{ResourceKind, ResourceRef};
use super::run::{Run, Undo};
use super::state::{ServerRecord, State};
use super::userdata::{self, Role};
use super::{DeployError, DeployEvent, DeployResult, Deployer, Options, Phase as _};

/// The autoscaler a new controller runs, if the deployment has one (`up --autoscale`).
fn autoscaler(state: &State, role: Role) -> Option<userdata::Autoscaler<'_>> {
    let (Some(container), Some(credential)) = (&state.autoscale_container, &state.app_credential) else {
        return None;
    };
    (role == Role::Controller).then_some(userdata::Autoscaler {
        name: &state.name,
        container,
        credential,
        region: state.region.as_deref(),
    })
}

impl<C: Cloud> Deployer<'_, C> {
    /// Keeps the recorded controller if it still exists, else creates it; then waits for
    /// it to be ACTIVE (the workers need its private address).
    pub(crate) async fn ensure_controller(&self, run: &mut Run, opts: &Options) -> DeployResult<()> {
        self.emit(DeployEvent::Phase("controller".into()));
        let kept = match &run.state.controller {
            Some(rec) => match self.cloud.get_server(&rec.id).await.phase("controller")? {
                Some(_) => {
                    self.emit(DeployEvent::Kept { kind: ResourceKind::Server, name: rec.name.clone() });
                    Some(rec.clone())
                }
                None => {
                    self.emit(DeployEvent::Note(format!("server {} is gone: creating it again", rec.name)));
                    None
                }
            },
            None => None,
        };
        let controller = match kept {
            Some(c) => c,
            None => {
                let role = if run.state.all_in_one() { Role::AllInOne } else { Role::Controller };
                let rec = self.create_server(run, opts, role, 0, None).await?;
                run.state.controller = Some(rec.clone());
                self.store.save(&run.state)?;
                rec
            }
        };
        let mut one = [controller];
        self.wait_active("controller", &mut one).await?;
        let [controller] = one;
        run.state.controller = Some(controller);
        self.store.save(&run.state)?;
        Ok(())
    }

    /// Converges the workers to `count`: keeps the live ones with the lowest numbers,
    /// creates the missing ones, deletes the rest.
    pub(crate) async fn ensure_workers(
        &self,
        run: &mut Run,
        opts: &Options,
        plan: &Plan,
        count: u32,
    ) -> DeployResult<()> {
        self.emit(DeployEvent::Phase(format!("workers: {count}")));
        let state = &mut run.state;
        let controller_ip = state
            .controller
            .as_ref()
            .and_then(|c| c.private_ip.clone())
            .ok_or_else(|| DeployError::Usage("the controller has no private address yet".into()))?;
        let before = state.workers.len();
        state.workers = plan.workers_alive.clone();
        if state.workers.len() != before {
            self.emit(DeployEvent::Note(format!("{} recorded worker(s) are gone", before - state.workers.len())));
        }
        let doomed = state.workers.split_off(state.workers.len().min(count as usize));
        for w in doomed.iter().rev() {
            match self.cloud.delete_server(&w.id).await {
                Ok(()) | Err(CloudError::NotFound(_)) => {}
                Err(e) => return Err(DeployError::Cloud { phase: format!("deleting {}", w.name), source: e }),
            }
            self.emit(DeployEvent::Deleted { kind: ResourceKind::Server, name: w.name.clone() });
            run.report.removed += 1;
        }
        if !doomed.is_empty() {
            self.store.save(&run.state)?;
            let gone: Vec<ResourceRef> = doomed.iter().rev().map(|w| ResourceRef::new(&w.id, &w.name)).collect();
            self.wait_gone("scaling down", &gone).await?;
        }
        for w in &run.state.workers {
            self.emit(DeployEvent::Kept { kind: ResourceKind::Server, name: w.name.clone() });
        }
        while run.state.workers.len() < count as usize {
            let index = (1..).find(|i| !run.state.workers.iter().any(|w| w.index == *i)).unwrap_or(1);
            let rec = self.create_server(run, opts, Role::Worker, index, Some(&controller_ip)).await?;
            run.state.workers.push(rec);
            run.state.workers.sort_by_key(|w| w.index);
            self.store.save(&run.state)?;
        }
        Ok(())
    }

    /// Boots one server of `role` (worker number `index`, 0 for the controller) with its
    /// cloud-init; returns at once, status BUILD.
    async fn create_server(
        &self,
        run: &mut Run,
        opts: &Options,
        role: Role,
        index: u32,
        controller_ip: Option<&str>,
    ) -> DeployResult<ServerRecord> {
        let state = &run.state;
        let resolved =
            state.resolved.as_ref().ok_or_else(|| DeployError::Usage("the deployment has no flavor".into()))?;
        let binaries =
            state.binaries.as_ref().ok_or_else(|| DeployError::Usage("the deployment has no binaries".into()))?;
        let name = plan::server_name(&state.name, resolved.all_in_one, index);
        let user_data = userdata::build(&userdata::Input {
            role,
            deployment: &state.deployment_id,
            secrets: &state.secrets,
            binaries,
            controller_ip,
            demo: opts.demo,
            autoscaler: autoscaler(state, role),
        })?;
        let group_role = if role == Role::Worker { "worker" } else { "control" };
        let group = state
            .security_groups
            .get(group_role)
            .cloned()
            .ok_or_else(|| DeployError::Usage(format!("the deployment has no {group_role} security group")))?;
        let spec = ServerSpec {
            name: name.clone(),
            flavor_id: resolved.flavor.0.clone(),
            image_id: resolved.image.0.clone(),
            network_id: resolved.network.0.clone(),
            security_groups: vec![group],
            key_name: state.keypair.as_ref().map(|k| k.name.clone()),
            user_data_b64: user_data,
            tags: state.tags(),
            metadata: BTreeMap::from([
                ("faafo_deployment".to_owned(), state.deployment_id.clone()),
                ("faafo_role".to_owned(), role.as_str().to_owned()),
            ]),
        };
        let server = self.cloud.create_server(&spec).await.phase(&format!("creating {name}"))?;
        run.created(Undo::Server(ResourceRef::new(&server.id, &name)));
        self.emit(DeployEvent::Created { kind: ResourceKind::Server, name: name.clone(), id: server.id.clone() });
        Ok(ServerRecord { id: server.id, name, index, private_ip: None })
    }
}
