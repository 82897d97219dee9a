//! What `up` (or `scale`) would do, and the quota pre-check: nothing is created when the
//! project cannot hold it all.

use std::fmt;

use serde::Serialize;

use super::cloud::{Cloud, Flavor, FloatingIp, Named, Quotas, Remote, Rule};
use super::resource::ResourceKind;
use super::state::{Resolved, ServerRecord, State};
use super::{BinarySource, DeployError, DeployResult, Deployer, KeyChoice, Options, Phase as _};

/// What happens to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Created by this run.
    Create,
    /// Exists already, kept.
    Keep,
    /// Exists outside the deployment and is used (a keypair, a free floating IP).
    Reuse,
    /// Deleted by this run (scaling down).
    Remove,
}

/// One line of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub action: Action,
    pub kind: ResourceKind,
    /// Its name, and what it is for or where it comes from ("faafo-control (22 from
    /// 0.0.0.0/0, 80 from 0.0.0.0/0)").
    pub name: String,
}

/// What the new resources need of the quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Need {
    pub instances: u64,
    /// vCPUs of the new servers' flavor, all together.
    pub cores: u64,
    /// RAM of the new servers' flavor, all together, MiB.
    pub ram_mb: u64,
    pub floating_ips: u64,
    pub security_groups: u64,
    /// Ingress rules of the new groups, plus the two egress rules Neutron adds to each.
    pub security_group_rules: u64,
}

/// The plan.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub name: String,
    /// The recorded id, or `new` for a deployment `up` has not made yet.
    pub deployment_id: String,
    /// For every server (a recorded deployment keeps the one it was made with).
    pub flavor: Flavor,
    pub image: Named,
    /// The servers' network.
    pub network: Named,
    /// Where the floating IP comes from.
    pub external_network: Named,
    /// Every resource and what happens to it.
    pub items: Vec<Item>,
    /// What the new resources need of the quotas.
    pub need: Need,
    /// The project's quotas now.
    pub quotas: Quotas,
    /// What does not fit ("2 instances free"); empty: it fits.
    pub shortfalls: Vec<String>,
    /// Workers alive now (by index), for converging.
    #[serde(skip)]
    pub(crate) workers_alive: Vec<ServerRecord>,
    /// A free floating IP to reuse.
    #[serde(skip)]
    pub(crate) free_fip: Option<FloatingIp>,
}

impl Plan {
    /// Whether anything would be created or removed.
    pub fn changes(&self) -> bool {
        self.items.iter().any(|i| matches!(i.action, Action::Create | Action::Remove))
    }

    /// "need 3 instances, 1 floating IP" (only what is needed).
    pub fn need_text(&self) -> String {
        let n = &self.need;
        let mut parts = Vec::new();
        for (count, what) in [
            (n.instances, "instance"),
            (n.floating_ips, "floating IP"),
            (n.security_groups, "security group"),
            (n.security_group_rules, "security group rule"),
        ] {
            if count > 0 {
                parts.push(format!("{count} {what}{}", if count == 1 { "" } else { "s" }));
            }
        }
        if n.cores > 0 {
            parts.push(format!("{} cores, {} MiB RAM", n.cores, n.ram_mb));
        }
        if parts.is_empty() { "nothing new".to_owned() } else { format!("need {}", parts.join(", ")) }
    }

    /// Fails with the shortfall when the quotas cannot hold the new resources.
    pub fn check(&self) -> DeployResult<()> {
        if self.shortfalls.is_empty() {
            Ok(())
        } else {
            Err(DeployError::Quota(format!("{}; {}", self.need_text(), self.shortfalls.join(", "))))
        }
    }

    pub(crate) fn resolved(&self, all_in_one: bool) -> Resolved {
        Resolved {
            flavor: (self.flavor.id.clone(), self.flavor.name.clone()),
            image: (self.image.id.clone(), self.image.name.clone()),
            network: (self.network.id.clone(), self.network.name.clone()),
            external_network: (self.external_network.id.clone(), self.external_network.name.clone()),
            all_in_one,
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "deployment {} (id {})", self.name, self.deployment_id)?;
        writeln!(
            f,
            "flavor {} ({} vCPU, {} MiB), image {}, network {}, floating IPs from {}",
            self.flavor.name,
            self.flavor.vcpus,
            self.flavor.ram_mb,
            self.image.name,
            self.network.name,
            self.external_network.name
        )?;
        for i in &self.items {
            let action = match i.action {
                Action::Create => "create",
                Action::Keep => "keep",
                Action::Reuse => "reuse",
                Action::Remove => "remove",
            };
            writeln!(f, "  {action:<7} {:<15} {}", i.kind, i.name)?;
        }
        let q = &self.quotas;
        let free = |x: &super::cloud::Quota| x.free().map_or("unlimited".to_owned(), |n| n.to_string());
        writeln!(
            f,
            "quota: {}; free: {} instances, {} cores, {} MiB RAM, {} floating IPs, {} security groups, {} rules",
            self.need_text(),
            free(&q.instances),
            free(&q.cores),
            free(&q.ram_mb),
            free(&q.floating_ips),
            free(&q.security_groups),
            free(&q.security_group_rules)
        )?;
        if self.shortfalls.is_empty() {
            write!(f, "quota check: OK")
        } else {
            write!(f, "quota check: NOT ENOUGH — {}", self.shortfalls.join(", "))
        }
    }
}

/// The ingress rules of each security group role.
pub fn rules(role: &str, all_in_one: bool, ssh_cidr: &str, worker_group: Option<&str>) -> Vec<Rule> {
    let any = || Remote::Cidr("0.0.0.0/0".to_owned());
    let ssh = Rule { port: 22, remote: Remote::Cidr(ssh_cidr.to_owned()) };
    match role {
        "control" => {
            let mut r = vec![ssh, Rule { port: 80, remote: any() }];
            if !all_in_one && let Some(w) = worker_group {
                r.push(Rule { port: 5672, remote: Remote::Group(w.to_owned()) });
            }
            r
        }
        _ => vec![ssh],
    }
}

/// The security group roles of a deployment.
pub fn group_roles(all_in_one: bool) -> &'static [&'static str] {
    if all_in_one { &["control"] } else { &["control", "worker"] }
}

/// A server's name.
pub fn server_name(name: &str, all_in_one: bool, index: u32) -> String {
    match (index, all_in_one) {
        (0, true) => format!("{name}-all-in-one"),
        (0, false) => format!("{name}-controller"),
        (i, _) => format!("{name}-worker-{i}"),
    }
}

/// The quotas `need` does not fit in: "2 instances free", …
fn shortfalls(need: &Need, quotas: &Quotas) -> Vec<String> {
    let mut shortfalls = Vec::new();
    for (needed, quota, what) in [
        (need.instances, quotas.instances, "instances"),
        (need.cores, quotas.cores, "cores"),
        (need.ram_mb, quotas.ram_mb, "MiB RAM"),
        (need.floating_ips, quotas.floating_ips, "floating IPs"),
        (need.security_groups, quotas.security_groups, "security groups"),
        (need.security_group_rules, quotas.security_group_rules, "security group rules"),
    ] {
        if let Some(free) = quota.free()
            && needed > free
        {
            shortfalls.push(format!("{free} {what} free"));
        }
    }
    shortfalls
}

/// Where the servers get the binaries: the object-storage container `up` uploads them to
/// (named as `up` names it), or the one recorded. Published binaries need none.
fn plan_binaries(draft: &mut Draft<'_>) {
    let container = format!("faafo-{}-binaries", draft.state.deployment_id);
    match (&draft.state.binaries, &draft.state.binaries_container, &draft.opts.binaries) {
        (Some(_), Some(c), _) => draft.add(Action::Keep, ResourceKind::Container, c.clone()),
        (Some(_), None, _) | (None, _, BinarySource::Url(_) | BinarySource::Recorded) => {}
        (None, _, BinarySource::Upload(dir)) => draft.add(
            Action::Create,
            ResourceKind::Container,
            format!("{container} (public-read; faafo, faafo-api, faafo-worker from {})", dir.display()),
        ),
    }
}

/// The autoscaler on the controller (`up --autoscale`): its application credential and
/// the private container for its shared state.
fn plan_autoscaler(draft: &mut Draft<'_>) {
    let Some(policy) = draft.opts.autoscale else { return };
    let state = draft.state;
    let id = &state.deployment_id;
    let (action, name) = match &state.app_credential {
        Some(c) => (Action::Keep, c.name.clone()),
        None => (
            Action::Create,
            format!("faafo-{id} (restricted, for the autoscaler: {}..{} workers)", policy.min, policy.max),
        ),
    };
    draft.add(action, ResourceKind::AppCredential, name);
    let (action, name) = match &state.autoscale_container {
        Some(c) => (Action::Keep, c.clone()),
        None => (
            Action::Create,
            format!("{} (private; the autoscaler's state and policy)", super::shared::container_name(id)),
        ),
    };
    draft.add(action, ResourceKind::Container, name);
}

/// The flavor, image and networks a plan builds on.
#[derive(Debug)]
struct Found {
    flavor: Flavor,
    image: Named,
    network: Named,
    external: Named,
    all_in_one: bool,
}

/// A plan being drawn up: each step looks at one resource of the deployment and adds
/// its line, and what it needs of the quotas.
#[derive(Debug)]
struct Draft<'a> {
    opts: &'a Options,
    state: &'a State,
    all_in_one: bool,
    items: Vec<Item>,
    need: Need,
}

impl Draft<'_> {
    fn add(&mut self, action: Action, kind: ResourceKind, name: String) {
        self.items.push(Item { action, kind, name });
    }
}

impl<C: Cloud> Deployer<'_, C> {
    /// What `up` with `opts` would do now (the state file, if any, is read, not written).
    pub async fn plan(&self, opts: &Options) -> DeployResult<Plan> {
        let (state, new) = match self.store.load(&opts.name)? {
            Some(s) => (s, false),
            None => (State::new(&opts.name, "", None), true),
        };
        let mut plan = self.plan_for(opts, &state, opts.workers).await?;
        if new {
            // The id is drawn when `up` runs.
            for item in &mut plan.items {
                item.name = item.name.replace(&state.deployment_id, "<id>");
            }
            plan.deployment_id = "new".to_owned();
        }
        Ok(plan)
    }

    /// The plan for `state` converged to `workers` workers: one step per resource, in
    /// the order `up` takes them.
    pub(crate) async fn plan_for(&self, opts: &Options, state: &State, workers: u32) -> DeployResult<Plan> {
        let found = self.find(opts, state).await?;
        let workers = if found.all_in_one { 0 } else { workers };
        let mut draft = Draft { opts, state, all_in_one: found.all_in_one, items: Vec::new(), need: Need::default() };
        plan_binaries(&mut draft);
        plan_autoscaler(&mut draft);
        self.plan_keypair(&mut draft).await?;
        self.plan_groups(&mut draft).await?;
        self.plan_controller(&mut draft).await?;
        let workers_alive = self.plan_workers(&mut draft, workers).await?;
        let free_fip = self.plan_fip(&mut draft, &found.external).await?;

        let mut need = draft.need;
        need.cores = need.instances * found.flavor.vcpus;
        need.ram_mb = need.instances * found.flavor.ram_mb;
        let quotas = self.cloud.quotas().await.phase("quotas")?;
        Ok(Plan {
            name: opts.name.clone(),
            deployment_id: state.deployment_id.clone(),
            flavor: found.flavor,
            image: found.image,
            network: found.network,
            external_network: found.external,
            items: draft.items,
            need,
            quotas,
            shortfalls: shortfalls(&need, &quotas),
            workers_alive,
            free_fip,
        })
    }

    /// Finds the flavor, image and networks: a recorded deployment keeps what it was made
    /// with, a new one takes what the options name.
    async fn find(&self, opts: &Options, state: &State) -> DeployResult<Found> {
        let c = self.cloud;
        Ok(match &state.resolved {
            Some(r) => Found {
                flavor: c.find_flavor(&r.flavor.0).await.phase("flavor")?,
                image: c.find_image(&r.image.0).await.phase("image")?,
                network: c.find_network(Some(&r.network.0)).await.phase("network")?,
                external: c.find_external_network(Some(&r.external_network.0)).await.phase("external network")?,
                all_in_one: r.all_in_one,
            },
            None => Found {
                flavor: c.find_flavor(&opts.flavor).await.phase("flavor")?,
                image: c.find_image(&opts.image).await.phase("image")?,
                network: c.find_network(opts.network.as_deref()).await.phase("network")?,
                external: c.find_external_network(opts.external_network.as_deref()).await.phase("external network")?,
                all_in_one: opts.all_in_one,
            },
        })
    }

    async fn plan_keypair(&self, draft: &mut Draft<'_>) -> DeployResult<()> {
        let id = &draft.state.deployment_id;
        let (action, name) = match (&draft.state.keypair, &draft.opts.key) {
            (Some(k), _) if self.cloud.keypair_exists(&k.name).await.phase("keypair")? => {
                (Action::Keep, k.name.clone())
            }
            (_, KeyChoice::Existing(n)) => (Action::Reuse, n.clone()),
            (_, KeyChoice::Import(_)) => (Action::Create, format!("faafo-{id} (imported)")),
            (_, KeyChoice::Generate) => (Action::Create, format!("faafo-{id} (generated, private key saved 0600)")),
        };
        draft.add(action, ResourceKind::Keypair, name);
        Ok(())
    }

    async fn plan_groups(&self, draft: &mut Draft<'_>) -> DeployResult<()> {
        let name = &draft.opts.name;
        for role in group_roles(draft.all_in_one) {
            let group = format!("{name}-{role}");
            let exists = match draft.state.security_groups.get(*role) {
                Some(id) => self.cloud.get_security_group(id).await.phase("security groups")?.is_some(),
                None => false,
            };
            if exists {
                draft.add(Action::Keep, ResourceKind::SecurityGroup, group);
                continue;
            }
            let rules = rules(role, draft.all_in_one, &draft.opts.ssh_cidr, Some("worker"));
            let described: Vec<String> = rules
                .iter()
                .map(|r| match &r.remote {
                    Remote::Cidr(cidr) => format!("{} from {cidr}", r.port),
                    Remote::Group(g) => format!("{} from group {name}-{g}", r.port),
                })
                .collect();
            draft.need.security_groups += 1;
            draft.need.security_group_rules += rules.len() as u64 + 2;
            draft.add(Action::Create, ResourceKind::SecurityGroup, format!("{group} ({})", described.join(", ")));
        }
        Ok(())
    }

    async fn plan_controller(&self, draft: &mut Draft<'_>) -> DeployResult<()> {
        let name = server_name(&draft.opts.name, draft.all_in_one, 0);
        let alive = match &draft.state.controller {
            Some(s) => self.cloud.get_server(&s.id).await.phase("servers")?.is_some(),
            None => false,
        };
        let what = if draft.all_in_one { "API + RabbitMQ + DB + worker" } else { "API + RabbitMQ + DB" };
        let action = if alive {
            Action::Keep
        } else {
            draft.need.instances += 1;
            Action::Create
        };
        draft.add(action, ResourceKind::Server, format!("{name} ({what})"));
        Ok(())
    }

    /// Keeps the first `workers` live workers (by number), removes the rest, adds the
    /// missing ones under the free numbers. Returns the live ones.
    async fn plan_workers(&self, draft: &mut Draft<'_>, workers: u32) -> DeployResult<Vec<ServerRecord>> {
        let mut alive = Vec::new();
        for w in &draft.state.workers {
            if self.cloud.get_server(&w.id).await.phase("servers")?.is_some() {
                alive.push(w.clone());
            }
        }
        alive.sort_by_key(|w| w.index);
        for (n, w) in alive.iter().enumerate() {
            let action = if n < workers as usize { Action::Keep } else { Action::Remove };
            draft.add(action, ResourceKind::Server, w.name.clone());
        }
        let mut free_indices = (1..).filter(|i| !alive.iter().any(|w| w.index == *i));
        for _ in alive.len()..workers as usize {
            let i = free_indices.next().unwrap_or(0);
            draft.need.instances += 1;
            draft.add(Action::Create, ResourceKind::Server, server_name(&draft.opts.name, draft.all_in_one, i));
        }
        Ok(alive)
    }

    /// Keeps the recorded floating IP, else reuses a free untagged one, else allocates
    /// one. Returns the free one to reuse.
    async fn plan_fip(&self, draft: &mut Draft<'_>, external: &Named) -> DeployResult<Option<FloatingIp>> {
        let fips = self.cloud.list_floating_ips(&external.id).await.phase("floating IPs")?;
        if let Some(f) = draft.state.floating_ip.as_ref().and_then(|r| fips.iter().find(|f| f.id == r.id)) {
            draft.add(Action::Keep, ResourceKind::FloatingIp, f.address.clone());
            return Ok(None);
        }
        match fips.into_iter().find(|f| f.port_id.is_none() && f.tags.is_empty()) {
            Some(f) => {
                draft.add(Action::Reuse, ResourceKind::FloatingIp, format!("{} (free)", f.address));
                Ok(Some(f))
            }
            None => {
                draft.need.floating_ips += 1;
                draft.add(Action::Create, ResourceKind::FloatingIp, format!("from {}", external.name));
                Ok(None)
            }
        }
    }
}
