//! The controller's floating IP: keep the recorded one, else reuse a free untagged one
//! (tagging it, remembering its old tags), else allocate one; and give it back.

use super::cloud::{Cloud, CloudError, FloatingIp};
use super::plan::Plan;
use super::resource::ResourceKind;
use super::run::{Run, Undo};
use super::state::FloatingIpRecord;
use super::{DeployError, DeployEvent, DeployResult, Deployer, Phase as _};

impl<C: Cloud> Deployer<'_, C> {
    /// Gives the controller a floating IP (as `plan` found it) and attaches it.
    pub(crate) async fn ensure_fip(&self, run: &mut Run, plan: &Plan) -> DeployResult<()> {
        self.emit(DeployEvent::Phase("floating IP".into()));
        let controller = run.state.controller.clone().ok_or_else(|| DeployError::Usage("no controller".into()))?;
        let port = self
            .cloud
            .server_port(&controller.id)
            .await
            .phase("controller port")?
            .ok_or_else(|| DeployError::Usage(format!("{} has no port", controller.name)))?;
        let ext = &plan.external_network.id;
        let existing = match &run.state.floating_ip {
            Some(r) => self.cloud.list_floating_ips(ext).await.phase("floating IP")?.into_iter().find(|f| f.id == r.id),
            None => None,
        };
        let fip = match existing {
            Some(f) => {
                self.emit(DeployEvent::Kept { kind: ResourceKind::FloatingIp, name: f.address.clone() });
                f
            }
            None => {
                let fip = match &plan.free_fip {
                    Some(free) => self.reuse_fip(run, free).await?,
                    None => self.allocate_fip(run, ext).await?,
                };
                self.store.save(&run.state)?;
                fip
            }
        };
        if fip.port_id.as_deref() != Some(port.as_str()) {
            self.cloud.set_floating_ip_port(&fip.id, Some(&port)).await.phase("attaching the floating IP")?;
            self.emit(DeployEvent::Note(format!("{} attached to {}", fip.address, controller.name)));
        }
        Ok(())
    }

    /// Tags a free floating IP as the deployment's; its old tags are recorded.
    async fn reuse_fip(&self, run: &mut Run, free: &FloatingIp) -> DeployResult<FloatingIp> {
        self.cloud.set_floating_ip_tags(&free.id, &run.state.tags()).await.phase("floating IP")?;
        self.emit(DeployEvent::Note(format!("reusing the free floating IP {}", free.address)));
        let record = FloatingIpRecord {
            id: free.id.clone(),
            address: free.address.clone(),
            allocated: false,
            previous_tags: free.tags.clone(),
        };
        // Not created, so not counted; but given back on failure all the same.
        run.undo.push(Undo::FloatingIp(record.clone()));
        run.state.floating_ip = Some(record);
        Ok(free.clone())
    }

    /// Allocates a floating IP on the external network `ext`.
    async fn allocate_fip(&self, run: &mut Run, ext: &str) -> DeployResult<FloatingIp> {
        let f = self.cloud.create_floating_ip(ext, &run.state.tags()).await.phase("floating IP")?;
        self.emit(DeployEvent::Created { kind: ResourceKind::FloatingIp, name: f.address.clone(), id: f.id.clone() });
        let record = FloatingIpRecord {
            id: f.id.clone(),
            address: f.address.clone(),
            allocated: true,
            previous_tags: Vec::new(),
        };
        run.created(Undo::FloatingIp(record.clone()));
        run.state.floating_ip = Some(record);
        Ok(f)
    }

    /// Releases a floating IP this deployment allocated, or detaches a reused one and
    /// gives it back its tags.
    pub(crate) async fn release_fip(&self, f: &FloatingIpRecord) -> DeployResult<()> {
        let given_back = |result: Result<(), CloudError>, phase: &str| match result {
            Ok(()) | Err(CloudError::NotFound(_)) => Ok(()),
            Err(e) => Err(DeployError::Cloud { phase: phase.to_owned(), source: e }),
        };
        if f.allocated {
            given_back(self.cloud.delete_floating_ip(&f.id).await, "releasing the floating IP")?;
            self.emit(DeployEvent::Deleted { kind: ResourceKind::FloatingIp, name: f.address.clone() });
        } else {
            given_back(self.cloud.set_floating_ip_port(&f.id, None).await, "detaching the floating IP")?;
            given_back(self.cloud.set_floating_ip_tags(&f.id, &f.previous_tags).await, "untagging the floating IP")?;
            self.emit(DeployEvent::Deleted {
                kind: ResourceKind::FloatingIp,
                name: format!("{} (detached, kept: not ours)", f.address),
            });
        }
        Ok(())
    }
}
