//! What `up` (or `scale`) would do, and the quota pre-check: nothing is created when the
//! project cannot hold it all.

use std::fmt;

use serde::Serialize;

use super::cloud::{Cloud, Flavor, FloatingIp, Named, Quotas, Rule};
use super::state::{Resolved, ServerRecord, State};
use super::{DeployError, DeployResult, Deployer, KeyChoice, Options, Phase as _};

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
    /// What happens.
    pub action: Action,
    /// Kind: server, security group, …
    pub kind: &'static str,
    /// Name (and details).
    pub name: String,
}

/// What the new resources need of the quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Need {
    /// Instances.
    pub instances: u64,
    /// Cores.
    pub cores: u64,
    /// RAM, MiB.
    pub ram_mb: u64,
    /// Floating IPs.
    pub floating_ips: u64,
    /// Security groups.
    pub security_groups: u64,
    /// Security group rules (Neutron adds two egress rules to each new group).
    pub security_group_rules: u64,
}

/// The plan.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The deployment's name.
    pub name: String,
    /// Its id (new or recorded).
    pub deployment_id: String,
    /// Flavor.
    pub flavor: Flavor,
    /// Image.
    pub image: Named,
    /// Network.
    pub network: Named,
    /// External network.
    pub external_network: Named,
    /// Every resource and what happens to it.
    pub items: Vec<Item>,
    /// What the new resources need.
    pub need: Need,
    /// The quotas.
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
    use super::cloud::Remote;
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

    /// The plan for `state` converged to `workers` workers.
    pub(crate) async fn plan_for(&self, opts: &Options, state: &State, workers: u32) -> DeployResult<Plan> {
        let c = self.cloud;
        // A recorded deployment keeps what it was made with.
        let (flavor, image, network, external, all_in_one) = match &state.resolved {
            Some(r) => (
                c.find_flavor(&r.flavor.0).await.phase("flavor")?,
                c.find_image(&r.image.0).await.phase("image")?,
                c.find_network(Some(&r.network.0)).await.phase("network")?,
                c.find_external_network(Some(&r.external_network.0)).await.phase("external network")?,
                r.all_in_one,
            ),
            None => (
                c.find_flavor(&opts.flavor).await.phase("flavor")?,
                c.find_image(&opts.image).await.phase("image")?,
                c.find_network(opts.network.as_deref()).await.phase("network")?,
                c.find_external_network(opts.external_network.as_deref()).await.phase("external network")?,
                opts.all_in_one,
            ),
        };
        let workers = if all_in_one { 0 } else { workers };
        let mut items = Vec::new();
        let mut need = Need::default();

        match (&state.keypair, &opts.key) {
            (Some(k), _) if c.keypair_exists(&k.name).await.phase("keypair")? => {
                items.push(Item { action: Action::Keep, kind: "keypair", name: k.name.clone() });
            }
            (_, KeyChoice::Existing(n)) => items.push(Item { action: Action::Reuse, kind: "keypair", name: n.clone() }),
            (_, KeyChoice::Import(_)) => {
                items.push(Item {
                    action: Action::Create,
                    kind: "keypair",
                    name: format!("faafo-{} (imported)", state.deployment_id),
                });
            }
            (_, KeyChoice::Generate) => items.push(Item {
                action: Action::Create,
                kind: "keypair",
                name: format!("faafo-{} (generated, private key saved 0600)", state.deployment_id),
            }),
        }

        for role in group_roles(all_in_one) {
            let name = format!("{}-{role}", opts.name);
            let exists = match state.security_groups.get(*role) {
                Some(id) => c.get_security_group(id).await.phase("security groups")?.is_some(),
                None => false,
            };
            if exists {
                items.push(Item { action: Action::Keep, kind: "security group", name });
            } else {
                let rules = rules(role, all_in_one, &opts.ssh_cidr, Some("worker"));
                let described: Vec<String> = rules
                    .iter()
                    .map(|r| match &r.remote {
                        super::cloud::Remote::Cidr(cidr) => format!("{} from {cidr}", r.port),
                        super::cloud::Remote::Group(g) => format!("{} from group {}-{g}", r.port, opts.name),
                    })
                    .collect();
                need.security_groups += 1;
                need.security_group_rules += rules.len() as u64 + 2;
                items.push(Item {
                    action: Action::Create,
                    kind: "security group",
                    name: format!("{name} ({})", described.join(", ")),
                });
            }
        }

        let mut instances = 0u64;
        let controller_name = server_name(&opts.name, all_in_one, 0);
        let controller_alive = match &state.controller {
            Some(s) => c.get_server(&s.id).await.phase("servers")?.is_some(),
            None => false,
        };
        let what = if all_in_one { "API + RabbitMQ + DB + worker" } else { "API + RabbitMQ + DB" };
        if controller_alive {
            items.push(Item { action: Action::Keep, kind: "server", name: format!("{controller_name} ({what})") });
        } else {
            instances += 1;
            items.push(Item { action: Action::Create, kind: "server", name: format!("{controller_name} ({what})") });
        }
        let mut workers_alive = Vec::new();
        for w in &state.workers {
            if c.get_server(&w.id).await.phase("servers")?.is_some() {
                workers_alive.push(w.clone());
            }
        }
        workers_alive.sort_by_key(|w| w.index);
        for (n, w) in workers_alive.iter().enumerate() {
            let action = if n < workers as usize { Action::Keep } else { Action::Remove };
            items.push(Item { action, kind: "server", name: w.name.clone() });
        }
        let mut free_indices = (1..).filter(|i| !workers_alive.iter().any(|w| w.index == *i));
        for _ in workers_alive.len()..workers as usize {
            let i = free_indices.next().unwrap_or(0);
            instances += 1;
            items.push(Item { action: Action::Create, kind: "server", name: server_name(&opts.name, all_in_one, i) });
        }

        let fips = c.list_floating_ips(&external.id).await.phase("floating IPs")?;
        let mut free_fip = None;
        match state.floating_ip.as_ref().and_then(|r| fips.iter().find(|f| f.id == r.id)) {
            Some(f) => items.push(Item { action: Action::Keep, kind: "floating IP", name: f.address.clone() }),
            None => match fips.iter().find(|f| f.port_id.is_none() && f.tags.is_empty()) {
                Some(f) => {
                    items.push(Item {
                        action: Action::Reuse,
                        kind: "floating IP",
                        name: format!("{} (free)", f.address),
                    });
                    free_fip = Some(f.clone());
                }
                None => {
                    need.floating_ips += 1;
                    items.push(Item {
                        action: Action::Create,
                        kind: "floating IP",
                        name: format!("from {}", external.name),
                    });
                }
            },
        }

        need.instances = instances;
        need.cores = instances * flavor.vcpus;
        need.ram_mb = instances * flavor.ram_mb;
        let quotas = c.quotas().await.phase("quotas")?;
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
        Ok(Plan {
            name: opts.name.clone(),
            deployment_id: state.deployment_id.clone(),
            flavor,
            image,
            network,
            external_network: external,
            items,
            need,
            quotas,
            shortfalls,
            workers_alive,
            free_fip,
        })
    }
}
