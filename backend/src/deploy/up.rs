//! `up`: converge the project to the deployment the options describe — create what is
//! missing, keep what exists, record every id as soon as it exists — then wait. A failure
//! rolls back what this run created unless `keep_on_failure`.

use std::collections::BTreeMap;

use sha2::{Digest as _, Sha256};

use super::cloud::{Cloud, CloudError, ServerSpec};
use super::plan::{self, Plan};
use super::state::{FloatingIpRecord, KeypairRecord, ServerRecord, State, write_private};
use super::userdata::{self, Binaries, Role};
use super::{BinarySource, DeployError, DeployEvent, DeployResult, Deployer, KeyChoice, Options, Phase as _, Wait};

/// What `up` (or `scale`) did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The API's URL (`http://<floating ip>/`).
    pub url: Option<String>,
    /// Resources created.
    pub created: usize,
    /// Resources deleted (scaling down).
    pub removed: usize,
    /// Servers now.
    pub servers: usize,
    /// Where the generated private key is, if one was generated.
    pub private_key: Option<std::path::PathBuf>,
}

/// Something this run created, to undo on failure.
#[derive(Debug, Clone)]
pub(crate) enum Undo {
    Container(String),
    Keypair(String),
    Group(String, String),
    Server(String, String),
    FloatingIp(FloatingIpRecord),
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
        let mut undo = Vec::new();
        let result = self.converge(opts, &plan, &mut state, &mut undo).await;
        self.finish(opts.keep_on_failure, &mut state, undo, result).await
    }

    /// Saves the state after a run; on failure rolls back `undo` unless told to keep.
    pub(crate) async fn finish(
        &self,
        keep: bool,
        state: &mut State,
        undo: Vec<Undo>,
        result: DeployResult<Report>,
    ) -> DeployResult<Report> {
        match result {
            Ok(report) => {
                self.store.save(state)?;
                Ok(report)
            }
            Err(e) if keep || undo.is_empty() => {
                if state.is_empty() {
                    self.store.remove(&state.name)?;
                } else {
                    self.store.save(state)?;
                }
                if keep && !undo.is_empty() {
                    self.emit(DeployEvent::Note(format!(
                        "kept {} resource(s) of the failed run (--keep-on-failure); `faafo deploy down --name {}` removes them",
                        undo.len(),
                        state.name
                    )));
                }
                Err(e)
            }
            Err(e) => {
                self.emit(DeployEvent::Phase(format!("rolling back after: {e}")));
                let (undone, left) = self.rollback(state, undo).await;
                if state.is_empty() {
                    self.store.remove(&state.name)?;
                } else {
                    self.store.save(state)?;
                }
                Err(DeployError::RolledBack { source: Box::new(e), undone, left })
            }
        }
    }

    async fn rollback(&self, state: &mut State, undo: Vec<Undo>) -> (usize, Vec<String>) {
        let (mut undone, mut left) = (0, Vec::new());
        // Servers first (all at once, then wait), so the groups come free.
        let servers: Vec<(String, String)> = undo
            .iter()
            .filter_map(|u| if let Undo::Server(id, n) = u { Some((id.clone(), n.clone())) } else { None })
            .collect();
        for (id, name) in &servers {
            match self.cloud.delete_server(id).await {
                Ok(()) | Err(CloudError::NotFound(_)) => {
                    self.emit(DeployEvent::Deleted { kind: "server", name: name.clone() })
                }
                Err(e) => left.push(format!("server {name}: {e}")),
            }
        }
        if let Err(e) = self.wait_gone("rollback", &servers).await {
            left.push(e.to_string());
        }
        for (id, _) in &servers {
            state.workers.retain(|w| &w.id != id);
            if state.controller.as_ref().is_some_and(|c| &c.id == id) {
                state.controller = None;
            }
            undone += 1;
        }
        for u in undo.into_iter().rev() {
            let r = match &u {
                Undo::Server(..) => continue,
                Undo::FloatingIp(f) => self.release_fip(f).await.map(|()| state.floating_ip = None),
                Undo::Group(id, name) => {
                    self.delete_group(id, name).await.map(|()| state.security_groups.retain(|_, v| v != id))
                }
                Undo::Keypair(name) => match self.cloud.delete_keypair(name).await {
                    Ok(()) | Err(CloudError::NotFound(_)) => {
                        self.emit(DeployEvent::Deleted { kind: "keypair", name: name.clone() });
                        if let Some(path) = state.keypair.take().and_then(|k| k.private_key) {
                            let _ = std::fs::remove_file(path);
                        }
                        Ok(())
                    }
                    Err(e) => Err(DeployError::Cloud { phase: "rollback".into(), source: e }),
                },
                Undo::Container(name) => self.cloud.delete_container(name).await.phase("rollback").map(|()| {
                    self.emit(DeployEvent::Deleted { kind: "container", name: name.clone() });
                    state.binaries_container = None;
                    state.binaries = None;
                }),
            };
            match r {
                Ok(()) => undone += 1,
                Err(e) => left.push(format!("{u:?}: {e}")),
            }
        }
        (undone, left)
    }

    /// Releases a floating IP this deployment allocated, or detaches a reused one and
    /// gives it back its tags.
    pub(crate) async fn release_fip(&self, f: &FloatingIpRecord) -> DeployResult<()> {
        if f.allocated {
            match self.cloud.delete_floating_ip(&f.id).await {
                Ok(()) | Err(CloudError::NotFound(_)) => {}
                Err(e) => return Err(DeployError::Cloud { phase: "releasing the floating IP".into(), source: e }),
            }
            self.emit(DeployEvent::Deleted { kind: "floating IP", name: f.address.clone() });
        } else {
            match self.cloud.set_floating_ip_port(&f.id, None).await {
                Ok(()) | Err(CloudError::NotFound(_)) => {}
                Err(e) => return Err(DeployError::Cloud { phase: "detaching the floating IP".into(), source: e }),
            }
            match self.cloud.set_floating_ip_tags(&f.id, &f.previous_tags).await {
                Ok(()) | Err(CloudError::NotFound(_)) => {}
                Err(e) => return Err(DeployError::Cloud { phase: "untagging the floating IP".into(), source: e }),
            }
            self.emit(DeployEvent::Deleted { kind: "floating IP (detached, kept: not ours)", name: f.address.clone() });
        }
        Ok(())
    }

    async fn converge(
        &self,
        opts: &Options,
        plan: &Plan,
        state: &mut State,
        undo: &mut Vec<Undo>,
    ) -> DeployResult<Report> {
        let mut report = Report::default();
        let all_in_one = state.resolved.as_ref().is_some_and(|r| r.all_in_one);
        self.ensure_binaries(opts, state, undo, &mut report).await?;
        self.ensure_keypair(opts, state, undo, &mut report).await?;
        self.ensure_groups(opts, state, all_in_one, undo, &mut report).await?;

        self.emit(DeployEvent::Phase("controller".into()));
        let controller = match &state.controller {
            Some(rec) => match self.cloud.get_server(&rec.id).await.phase("controller")? {
                Some(_) => {
                    self.emit(DeployEvent::Kept { kind: "server", name: rec.name.clone() });
                    Some(rec.clone())
                }
                None => {
                    self.emit(DeployEvent::Note(format!("server {} is gone: creating it again", rec.name)));
                    None
                }
            },
            None => None,
        };
        let mut controller = match controller {
            Some(c) => c,
            None => {
                let role = if all_in_one { Role::AllInOne } else { Role::Controller };
                let rec = self.create_server(opts, state, role, 0, None, undo).await?;
                report.created += 1;
                state.controller = Some(rec.clone());
                self.store.save(state)?;
                rec
            }
        };
        let mut one = [controller.clone()];
        self.wait_active("controller", &mut one).await?;
        controller.clone_from(&one[0]);
        state.controller = Some(controller.clone());
        self.store.save(state)?;

        let workers = if all_in_one { 0 } else { opts.workers };
        let (created, removed) = self.ensure_workers(opts, plan, state, workers, undo).await?;
        report.created += created;
        report.removed += removed;

        self.ensure_fip(plan, state, undo, &mut report).await?;
        self.store.save(state)?;

        self.wait_all(opts.wait, state).await?;
        report.url = state.url();
        report.servers = usize::from(state.controller.is_some()) + state.workers.len();
        report.private_key = state.keypair.as_ref().and_then(|k| k.private_key.clone());
        if report.created == 0 && report.removed == 0 {
            self.emit(DeployEvent::Note("no changes: the deployment is as asked".into()));
        }
        Ok(report)
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
            self.emit(DeployEvent::Waiting(last));
            self.sleep().await;
        }
    }

    async fn ensure_binaries(
        &self,
        opts: &Options,
        state: &mut State,
        undo: &mut Vec<Undo>,
        report: &mut Report,
    ) -> DeployResult<()> {
        if state.binaries.is_some() {
            return Ok(());
        }
        self.emit(DeployEvent::Phase("binaries".into()));
        match &opts.binaries {
            BinarySource::Url(b) => state.binaries = Some(b.clone()),
            BinarySource::Upload(dir) => {
                let mut files = Vec::new();
                for name in userdata::BINARIES {
                    let path = dir.join(name);
                    let bytes = std::fs::read(&path)
                        .map_err(|e| DeployError::Local(format!("cannot read the binary {}: {e}", path.display())))?;
                    files.push((name, bytes));
                }
                let container = format!("faafo-{}-binaries", state.deployment_id);
                let base_url = self.cloud.create_public_container(&container).await.phase("binaries container")?;
                undo.push(Undo::Container(container.clone()));
                state.binaries_container = Some(container.clone());
                self.store.save(state)?;
                report.created += 1;
                self.emit(DeployEvent::Created { kind: "container", name: container.clone(), id: base_url.clone() });
                let mut sha256 = BTreeMap::new();
                for (name, bytes) in files {
                    sha256.insert(name.to_owned(), format!("{:x}", Sha256::digest(&bytes)));
                    let size = bytes.len();
                    self.cloud.upload_object(&container, name, bytes).await.phase("uploading binaries")?;
                    self.emit(DeployEvent::Note(format!("uploaded {name} ({} MiB)", size / (1 << 20))));
                }
                state.binaries = Some(Binaries { base_url, sha256 });
            }
        }
        self.store.save(state)?;
        Ok(())
    }

    async fn ensure_keypair(
        &self,
        opts: &Options,
        state: &mut State,
        undo: &mut Vec<Undo>,
        report: &mut Report,
    ) -> DeployResult<()> {
        self.emit(DeployEvent::Phase("keypair".into()));
        if let Some(k) = &state.keypair
            && self.cloud.keypair_exists(&k.name).await.phase("keypair")?
        {
            self.emit(DeployEvent::Kept { kind: "keypair", name: k.name.clone() });
            return Ok(());
        }
        let name = format!("faafo-{}", state.deployment_id);
        let record = match &opts.key {
            KeyChoice::Existing(n) => {
                if !self.cloud.keypair_exists(n).await.phase("keypair")? {
                    return Err(DeployError::Usage(format!("keypair '{n}' does not exist in the project")));
                }
                KeypairRecord { name: n.clone(), created: false, private_key: None }
            }
            KeyChoice::Import(public_key) => {
                self.cloud.import_keypair(&name, public_key).await.phase("importing the keypair")?;
                undo.push(Undo::Keypair(name.clone()));
                KeypairRecord { name: name.clone(), created: true, private_key: None }
            }
            KeyChoice::Generate => {
                let private = self.cloud.generate_keypair(&name).await.phase("generating the keypair")?;
                undo.push(Undo::Keypair(name.clone()));
                let path = self.store.key_path(&state.name);
                write_private(&path, private.as_bytes())
                    .map_err(|e| DeployError::Local(format!("cannot save the private key {}: {e}", path.display())))?;
                self.emit(DeployEvent::Note(format!("private key saved to {} (0600)", path.display())));
                KeypairRecord { name: name.clone(), created: true, private_key: Some(path) }
            }
        };
        if record.created {
            report.created += 1;
            self.emit(DeployEvent::Created { kind: "keypair", name: name.clone(), id: name });
        }
        state.keypair = Some(record);
        self.store.save(state)?;
        Ok(())
    }

    async fn ensure_groups(
        &self,
        opts: &Options,
        state: &mut State,
        all_in_one: bool,
        undo: &mut Vec<Undo>,
        report: &mut Report,
    ) -> DeployResult<()> {
        self.emit(DeployEvent::Phase("security groups".into()));
        let mut groups = BTreeMap::new();
        for role in plan::group_roles(all_in_one) {
            let name = format!("{}-{role}", state.name);
            let existing = match state.security_groups.get(*role) {
                Some(id) => self.cloud.get_security_group(id).await.phase("security groups")?,
                None => None,
            };
            let group = match existing {
                Some(g) => {
                    self.emit(DeployEvent::Kept { kind: "security group", name: g.name.clone() });
                    g
                }
                None => {
                    let description = format!("faafo deployment {} ({role})", state.deployment_id);
                    let g = self
                        .cloud
                        .create_security_group(&name, &description, &state.tags())
                        .await
                        .phase("security groups")?;
                    undo.push(Undo::Group(g.id.clone(), g.name.clone()));
                    report.created += 1;
                    self.emit(DeployEvent::Created { kind: "security group", name: name.clone(), id: g.id.clone() });
                    state.security_groups.insert((*role).to_owned(), g.id.clone());
                    self.store.save(state)?;
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

    async fn create_server(
        &self,
        opts: &Options,
        state: &State,
        role: Role,
        index: u32,
        controller_ip: Option<&str>,
        undo: &mut Vec<Undo>,
    ) -> DeployResult<ServerRecord> {
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
        undo.push(Undo::Server(server.id.clone(), name.clone()));
        self.emit(DeployEvent::Created { kind: "server", name: name.clone(), id: server.id.clone() });
        Ok(ServerRecord { id: server.id, name, index, private_ip: None })
    }

    /// Converges the workers to `count`: keeps the live ones with the lowest numbers,
    /// creates the missing ones, deletes the rest. Returns (created, removed).
    pub(crate) async fn ensure_workers(
        &self,
        opts: &Options,
        plan: &Plan,
        state: &mut State,
        count: u32,
        undo: &mut Vec<Undo>,
    ) -> DeployResult<(usize, usize)> {
        self.emit(DeployEvent::Phase(format!("workers: {count}")));
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
        let (mut created, mut removed) = (0, 0);
        let mut doomed = Vec::new();
        while state.workers.len() > count as usize {
            if let Some(w) = state.workers.pop() {
                doomed.push(w);
            }
        }
        for w in &doomed {
            match self.cloud.delete_server(&w.id).await {
                Ok(()) | Err(CloudError::NotFound(_)) => {}
                Err(e) => return Err(DeployError::Cloud { phase: format!("deleting {}", w.name), source: e }),
            }
            self.emit(DeployEvent::Deleted { kind: "server", name: w.name.clone() });
            removed += 1;
        }
        if !doomed.is_empty() {
            self.store.save(state)?;
            let ids: Vec<(String, String)> = doomed.iter().map(|w| (w.id.clone(), w.name.clone())).collect();
            self.wait_gone("scaling down", &ids).await?;
        }
        for w in &state.workers {
            self.emit(DeployEvent::Kept { kind: "server", name: w.name.clone() });
        }
        while state.workers.len() < count as usize {
            let index = (1..).find(|i| !state.workers.iter().any(|w| w.index == *i)).unwrap_or(1);
            let rec = self.create_server(opts, state, Role::Worker, index, Some(&controller_ip), undo).await?;
            state.workers.push(rec);
            state.workers.sort_by_key(|w| w.index);
            self.store.save(state)?;
            created += 1;
        }
        Ok((created, removed))
    }

    async fn ensure_fip(
        &self,
        plan: &Plan,
        state: &mut State,
        undo: &mut Vec<Undo>,
        report: &mut Report,
    ) -> DeployResult<()> {
        self.emit(DeployEvent::Phase("floating IP".into()));
        let controller = state.controller.clone().ok_or_else(|| DeployError::Usage("no controller".into()))?;
        let port = self
            .cloud
            .server_port(&controller.id)
            .await
            .phase("controller port")?
            .ok_or_else(|| DeployError::Usage(format!("{} has no port", controller.name)))?;
        let ext = &plan.external_network.id;
        let existing = match &state.floating_ip {
            Some(r) => self.cloud.list_floating_ips(ext).await.phase("floating IP")?.into_iter().find(|f| f.id == r.id),
            None => None,
        };
        let fip = match existing {
            Some(f) => {
                self.emit(DeployEvent::Kept { kind: "floating IP", name: f.address.clone() });
                f
            }
            None => {
                let (f, record) = match &plan.free_fip {
                    Some(free) => {
                        self.cloud.set_floating_ip_tags(&free.id, &state.tags()).await.phase("floating IP")?;
                        self.emit(DeployEvent::Note(format!("reusing the free floating IP {}", free.address)));
                        let record = FloatingIpRecord {
                            id: free.id.clone(),
                            address: free.address.clone(),
                            allocated: false,
                            previous_tags: free.tags.clone(),
                        };
                        (free.clone(), record)
                    }
                    None => {
                        let f = self.cloud.create_floating_ip(ext, &state.tags()).await.phase("floating IP")?;
                        report.created += 1;
                        self.emit(DeployEvent::Created {
                            kind: "floating IP",
                            name: f.address.clone(),
                            id: f.id.clone(),
                        });
                        let record = FloatingIpRecord {
                            id: f.id.clone(),
                            address: f.address.clone(),
                            allocated: true,
                            previous_tags: Vec::new(),
                        };
                        (f, record)
                    }
                };
                undo.push(Undo::FloatingIp(record.clone()));
                state.floating_ip = Some(record);
                self.store.save(state)?;
                f
            }
        };
        if fip.port_id.as_deref() != Some(port.as_str()) {
            self.cloud.set_floating_ip_port(&fip.id, Some(&port)).await.phase("attaching the floating IP")?;
            self.emit(DeployEvent::Note(format!("{} attached to {}", fip.address, controller.name)));
        }
        Ok(())
    }
}
