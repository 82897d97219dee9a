//! `up`: converge the project to the deployment the options describe — create what is
//! missing, keep what exists, record every id as soon as it exists — then wait. A failure
//! rolls back what this run created unless `keep_on_failure`.
//!
//! The steps, in order: binaries, keypair, security groups, controller, workers, floating
//! IP ([`super::servers`] and [`super::floating_ip`] hold the last three); each mirrors
//! a step of the plan.

use std::collections::BTreeMap;

use sha2::{Digest as _, Sha256};

use super::cloud::{Cloud, CloudError};
use super::plan::{self, Plan};
use super::resource::{ResourceKind, ResourceRef};
use super::run::{Run, Undo};
use super::shared::SharedPolicy;
use super::state::{KeypairRecord, State, write_private};
use super::userdata::{self, Binaries};
use super::{BinarySource, DeployError, DeployEvent, DeployResult, Deployer, KeyChoice, Options, Phase as _};

/// What `up` (or `scale`) did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The API's URL (`http://<floating ip>/`), once it has a floating IP.
    pub url: Option<String>,
    /// How many resources this run created.
    pub created: usize,
    /// How many workers this run deleted (scaling down).
    pub removed: usize,
    /// How many servers the deployment has now, the controller included.
    pub servers: usize,
    /// Where the generated private key is, if one was generated.
    pub private_key: Option<std::path::PathBuf>,
}

impl Report {
    /// Fills in what the deployment is now: URL, servers, private key.
    pub(crate) fn describe(&mut self, state: &State) {
        self.url = state.url();
        self.servers = usize::from(state.controller.is_some()) + state.workers.len();
        self.private_key = state.keypair.as_ref().and_then(|k| k.private_key.clone());
    }
}

impl<C: Cloud> Deployer<'_, C> {
    /// Creates (or converges) the deployment `opts.name` on the cloud `cloud` (a name for
    /// the state file), region `region`.
    pub async fn up(&self, opts: &Options, cloud: &str, region: Option<String>) -> DeployResult<Report> {
        let mut state = match self.store.load(&opts.name)? {
            Some(s) if !s.cloud.is_empty() && s.cloud != cloud => {
                return Err(DeployError::Usage(format!(
                    "deployment '{}' is on cloud '{}', not '{cloud}': use --os-cloud {} or another --name",
                    opts.name, s.cloud, s.cloud
                )));
            }
            Some(s) => {
                self.emit(DeployEvent::Note(format!(
                    "deployment {} exists (id {}): converging",
                    s.name, s.deployment_id
                )));
                s
            }
            None => State::new(&opts.name, cloud, region),
        };
        self.emit(DeployEvent::Phase("plan and quota check".into()));
        let plan = self.plan_for(opts, &state, opts.workers).await?;
        self.emit(DeployEvent::Note(plan.need_text()));
        plan.check()?;
        if state.resolved.is_none() {
            state.resolved = Some(plan.resolved(opts.all_in_one));
        }
        self.store.save(&state)?;
        let mut run = Run::new(state);
        let result = self.converge(&mut run, opts, &plan).await;
        self.finish(opts.keep_on_failure, run, result).await
    }

    async fn converge(&self, run: &mut Run, opts: &Options, plan: &Plan) -> DeployResult<()> {
        self.ensure_binaries(run, opts).await?;
        if opts.autoscale.is_some() {
            self.ensure_autoscaler(run).await?;
        }
        self.ensure_keypair(run, opts).await?;
        self.ensure_groups(run, opts).await?;
        self.ensure_controller(run, opts).await?;
        let workers = if run.state.all_in_one() { 0 } else { opts.workers };
        self.ensure_workers(run, opts, plan, workers).await?;
        self.ensure_fip(run, plan).await?;
        self.store.save(&run.state)?;

        self.wait_all(opts.wait, &mut run.state).await?;
        if let (Some(policy), Some(container)) = (opts.autoscale, &run.state.autoscale_container) {
            // The state goes up in `finish`; the loop waits for both.
            self.write_policy(container, SharedPolicy { policy, paused: false }).await?;
            self.emit(DeployEvent::Note(format!(
                "autoscaler: {}..{} workers, {} queued tasks per worker, cool-down {} s",
                policy.min, policy.max, policy.tasks_per_worker, policy.cooldown_seconds
            )));
        }
        run.report.describe(&run.state);
        if run.report.created == 0 && run.report.removed == 0 {
            self.emit(DeployEvent::Note("no changes: the deployment is as asked".into()));
        }
        Ok(())
    }

    /// Records where the servers get the binaries, uploading them first if asked to.
    async fn ensure_binaries(&self, run: &mut Run, opts: &Options) -> DeployResult<()> {
        if run.state.binaries.is_some() {
            return Ok(());
        }
        self.emit(DeployEvent::Phase("binaries".into()));
        match &opts.binaries {
            BinarySource::Url(b) => run.state.binaries = Some(b.clone()),
            BinarySource::Upload(dir) => self.upload_binaries(run, dir).await?,
            BinarySource::Recorded => {
                return Err(DeployError::Usage(format!(
                    "deployment '{}' has no binaries recorded: give a directory or a URL",
                    run.state.name
                )));
            }
        }
        self.store.save(&run.state)?;
        Ok(())
    }

    /// Uploads the binaries in `dir` to a public container of the deployment's own.
    async fn upload_binaries(&self, run: &mut Run, dir: &std::path::Path) -> DeployResult<()> {
        let mut files = Vec::new();
        for name in userdata::BINARIES {
            let path = dir.join(name);
            let bytes = std::fs::read(&path)
                .map_err(|e| DeployError::Local(format!("cannot read the binary {}: {e}", path.display())))?;
            files.push((name, bytes));
        }
        let container = format!("faafo-{}-binaries", run.state.deployment_id);
        let base_url = self.cloud.create_public_container(&container).await.phase("binaries container")?;
        run.created(Undo::Container(container.clone()));
        run.state.binaries_container = Some(container.clone());
        self.store.save(&run.state)?;
        self.emit(DeployEvent::Created {
            kind: ResourceKind::Container,
            name: container.clone(),
            id: base_url.clone(),
        });
        let mut sha256 = BTreeMap::new();
        for (name, bytes) in files {
            sha256.insert(name.to_owned(), format!("{:x}", Sha256::digest(&bytes)));
            let size = bytes.len();
            self.cloud.upload_object(&container, name, bytes).await.phase("uploading binaries")?;
            self.emit(DeployEvent::Note(format!("uploaded {name} ({} MiB)", size / (1 << 20))));
        }
        run.state.binaries = Some(Binaries { base_url, sha256 });
        Ok(())
    }

    /// Keeps the recorded keypair if it still exists, else uses, imports or generates one.
    async fn ensure_keypair(&self, run: &mut Run, opts: &Options) -> DeployResult<()> {
        self.emit(DeployEvent::Phase("keypair".into()));
        if let Some(k) = &run.state.keypair
            && self.cloud.keypair_exists(&k.name).await.phase("keypair")?
        {
            self.emit(DeployEvent::Kept { kind: ResourceKind::Keypair, name: k.name.clone() });
            return Ok(());
        }
        let name = format!("faafo-{}", run.state.deployment_id);
        let record = match &opts.key {
            KeyChoice::Existing(n) => {
                if !self.cloud.keypair_exists(n).await.phase("keypair")? {
                    return Err(DeployError::Usage(format!("keypair '{n}' does not exist in the project")));
                }
                KeypairRecord { name: n.clone(), created: false, private_key: None }
            }
            KeyChoice::Import(public_key) => {
                self.cloud.import_keypair(&name, public_key).await.phase("importing the keypair")?;
                run.created(Undo::Keypair(name.clone()));
                KeypairRecord { name: name.clone(), created: true, private_key: None }
            }
            KeyChoice::Generate => {
                let private = self.cloud.generate_keypair(&name).await.phase("generating the keypair")?;
                run.created(Undo::Keypair(name.clone()));
                let path = self.store.key_path(&run.state.name);
                write_private(&path, private.as_bytes())
                    .map_err(|e| DeployError::Local(format!("cannot save the private key {}: {e}", path.display())))?;
                self.emit(DeployEvent::Note(format!("private key saved to {} (0600)", path.display())));
                KeypairRecord { name: name.clone(), created: true, private_key: Some(path) }
            }
        };
        if record.created {
            self.emit(DeployEvent::Created { kind: ResourceKind::Keypair, name: name.clone(), id: name });
        }
        run.state.keypair = Some(record);
        self.store.save(&run.state)?;
        Ok(())
    }

    /// Keeps the recorded security groups that still exist, creates the others, and adds
    /// whatever rules they lack.
    async fn ensure_groups(&self, run: &mut Run, opts: &Options) -> DeployResult<()> {
        self.emit(DeployEvent::Phase("security groups".into()));
        let all_in_one = run.state.all_in_one();
        let mut groups = BTreeMap::new();
        for role in plan::group_roles(all_in_one) {
            let existing = match run.state.security_groups.get(*role) {
                Some(id) => self.cloud.get_security_group(id).await.phase("security groups")?,
                None => None,
            };
            let group = match existing {
                Some(g) => {
                    self.emit(DeployEvent::Kept { kind: ResourceKind::SecurityGroup, name: g.name.clone() });
                    g
                }
                None => {
                    let state = &run.state;
                    let name = format!("{}-{role}", state.name);
                    let description = format!("faafo deployment {} ({role})", state.deployment_id);
                    let g = self
                        .cloud
                        .create_security_group(&name, &description, &state.tags())
                        .await
                        .phase("security groups")?;
                    run.created(Undo::Group(ResourceRef::new(&g.id, &g.name)));
                    self.emit(DeployEvent::Created { kind: ResourceKind::SecurityGroup, name, id: g.id.clone() });
                    run.state.security_groups.insert((*role).to_owned(), g.id.clone());
                    self.store.save(&run.state)?;
                    g
                }
            };
            groups.insert(*role, group);
        }
        let worker_id = groups.get("worker").map(|g| g.id.clone());
        for (role, group) in &groups {
            for rule in plan::rules(role, all_in_one, &opts.ssh_cidr, worker_id.as_deref()) {
                if group.rules.contains(&rule) {
                    continue;
                }
                match self.cloud.add_rule(&group.id, &rule).await {
                    Ok(_) | Err(CloudError::Conflict(_)) => {}
                    Err(e) => return Err(DeployError::Cloud { phase: format!("rules of {}", group.name), source: e }),
                }
            }
        }
        Ok(())
    }
}
