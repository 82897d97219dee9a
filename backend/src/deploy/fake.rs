//! An in-memory [`Cloud`] for the fast tests (and the desktop app's tests): servers go
//! BUILD → ACTIVE after a few polls, deletes take a few polls, security groups answer 409
//! while a server still uses them, quotas are enforced, and any operation can be made to
//! fail. Every change is logged, so tests can check the order.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use super::cloud::{
    AppCredential, Choices, Cloud, CloudError, CloudResult, Flavor, FloatingIp, Health, Named, Quota, Quotas, Rule,
    SecurityGroup, Server, ServerSpec, ServerStatus,
};

/// The fake's knobs and contents.
#[derive(Debug, Default)]
pub struct FakeState {
    /// The number in the next id (`server-0007`, …); ids are never reused.
    pub next: u64,
    /// Security groups by id.
    pub groups: BTreeMap<String, SecurityGroup>,
    /// Keypairs by name (public keys).
    pub keypairs: BTreeMap<String, String>,
    /// Servers by id, with their polls left until ACTIVE (or until gone, when deleting).
    pub servers: BTreeMap<String, (Server, u32, bool)>,
    /// Security groups each server uses.
    pub server_groups: HashMap<String, Vec<String>>,
    /// The user data each server got (base64).
    pub user_data: HashMap<String, String>,
    /// Floating IPs by id.
    pub fips: BTreeMap<String, FloatingIp>,
    /// Containers and their objects.
    pub containers: BTreeMap<String, BTreeMap<String, usize>>,
    /// The objects' bytes, by (container, object).
    pub objects: BTreeMap<(String, String), Vec<u8>>,
    /// Application credentials by id: their names.
    pub app_credentials: BTreeMap<String, String>,
    /// Quota limits (`None`: unlimited): instances, …
    pub limit_instances: Option<u64>,
    /// … floating IPs, …
    pub limit_fips: Option<u64>,
    /// … and security groups.
    pub limit_groups: Option<u64>,
    /// Polls of `get_server` before a new server is ACTIVE.
    pub build_polls: u32,
    /// Polls before a deleted server is gone.
    pub delete_polls: u32,
    /// Servers whose name contains this go to ERROR with this fault.
    pub error_on: Option<(String, String)>,
    /// Forced 409s on security-group deletes (on top of the real in-use ones).
    pub extra_conflicts: u32,
    /// Servers never leave BUILD (a timeout test).
    pub stuck: bool,
    /// Operations (`"create_server:faafo-worker-2"`, `"add_rule"`, …) that fail once.
    pub fail_once: HashMap<String, CloudError>,
    /// What `probe` answers; `None`: unreachable.
    pub health: Option<Health>,
    /// What every console log says; `None`: the installer's OK once ACTIVE.
    pub console: Option<String>,
    /// The project has no network of its own (an admin project): finding one without a
    /// name fails, and only the shared network `shared` is offered.
    pub no_own_network: bool,
    /// Every change, in order: `create_server faafo-controller`, …
    pub log: Vec<String>,
}

/// The fake cloud (cheap to share by reference).
#[derive(Debug)]
pub struct FakeCloud {
    state: Mutex<FakeState>,
}

impl Default for FakeCloud {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeCloud {
    /// A project with flavor `m1.small`, image `ubuntu-24.04`, network `private` and
    /// external network `public`, ample quotas; servers ACTIVE after 2 polls.
    pub fn new() -> Self {
        Self { state: Mutex::new(FakeState { build_polls: 2, delete_polls: 1, ..FakeState::default() }) }
    }

    /// The state, to set knobs or look.
    pub fn state(&self) -> MutexGuard<'_, FakeState> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The change log, emptied.
    pub fn take_log(&self) -> Vec<String> {
        std::mem::take(&mut self.state().log)
    }

    /// Resources carrying `tag`: (servers, security groups, floating IPs).
    pub fn tagged(&self, tag: &str) -> (usize, usize, usize) {
        let s = self.state();
        (
            s.servers.values().filter(|(v, _, _)| v.tags.iter().any(|t| t == tag)).count(),
            s.groups.values().filter(|g| g.tags.iter().any(|t| t == tag)).count(),
            s.fips.values().filter(|f| f.tags.iter().any(|t| t == tag)).count(),
        )
    }

    fn op(&self, op: &str, name: &str) -> CloudResult<MutexGuard<'_, FakeState>> {
        let mut s = self.state();
        for key in [format!("{op}:{name}"), op.to_owned()] {
            if let Some(e) = s.fail_once.remove(&key) {
                return Err(e);
            }
        }
        Ok(s)
    }
}

fn id(s: &mut FakeState, kind: &str) -> String {
    s.next += 1;
    format!("{kind}-{:04}", s.next)
}

fn find(kind: &str, name_or_id: &str, known: &[(&str, &str)]) -> CloudResult<Named> {
    known
        .iter()
        .find(|(i, n)| *i == name_or_id || *n == name_or_id)
        .map(|(i, n)| Named { id: (*i).to_owned(), name: (*n).to_owned() })
        .ok_or_else(|| CloudError::NotFound(format!("{kind} '{name_or_id}'")))
}

impl Cloud for FakeCloud {
    async fn find_flavor(&self, name_or_id: &str) -> CloudResult<Flavor> {
        let n = find("flavor", name_or_id, &[("flavor-1", "m1.small"), ("flavor-2", "m1.large")])?;
        Ok(Flavor { id: n.id, name: n.name, vcpus: 1, ram_mb: 2048 })
    }

    async fn find_image(&self, name_or_id: &str) -> CloudResult<Named> {
        find("image", name_or_id, &[("image-1", "ubuntu-24.04")])
    }

    async fn find_network(&self, name_or_id: Option<&str>) -> CloudResult<Named> {
        if self.state().no_own_network {
            let name = name_or_id.ok_or_else(|| {
                CloudError::NotFound(
                    "the project has no network of its own: name the network the servers should use".into(),
                )
            })?;
            return find("network", name, &[("net-shared", "shared")]);
        }
        find("network", name_or_id.unwrap_or("private"), &[("net-private", "private")])
    }

    async fn choices(&self) -> CloudResult<Choices> {
        let s = self.op("choices", "")?;
        let named = |id: &str, name: &str| Named { id: id.to_owned(), name: name.to_owned() };
        let flavor =
            |id: &str, name: &str, vcpus, ram_mb| Flavor { id: id.to_owned(), name: name.to_owned(), vcpus, ram_mb };
        Ok(Choices {
            images: vec![named("image-1", "ubuntu-24.04")],
            flavors: vec![flavor("flavor-1", "m1.small", 1, 2048), flavor("flavor-2", "m1.large", 1, 2048)],
            networks: if s.no_own_network {
                vec![named("net-shared", "shared")]
            } else {
                vec![named("net-private", "private")]
            },
            external_networks: vec![named("net-public", "public")],
        })
    }

    async fn find_external_network(&self, name_or_id: Option<&str>) -> CloudResult<Named> {
        find("external network", name_or_id.unwrap_or("public"), &[("net-public", "public")])
    }

    async fn quotas(&self) -> CloudResult<Quotas> {
        let s = self.op("quotas", "")?;
        let rules = s.groups.values().map(|g| g.rules.len() as u64 + 2).sum();
        Ok(Quotas {
            instances: Quota { limit: s.limit_instances, used: s.servers.len() as u64 },
            cores: Quota { limit: None, used: s.servers.len() as u64 },
            ram_mb: Quota { limit: None, used: 2048 * s.servers.len() as u64 },
            floating_ips: Quota { limit: s.limit_fips, used: s.fips.len() as u64 },
            security_groups: Quota { limit: s.limit_groups, used: s.groups.len() as u64 + 1 },
            security_group_rules: Quota { limit: None, used: rules },
        })
    }

    async fn list_security_groups(&self, tag: &str) -> CloudResult<Vec<SecurityGroup>> {
        Ok(self.state().groups.values().filter(|g| g.tags.iter().any(|t| t == tag)).cloned().collect())
    }

    async fn get_security_group(&self, id: &str) -> CloudResult<Option<SecurityGroup>> {
        Ok(self.state().groups.get(id).cloned())
    }

    async fn create_security_group(
        &self,
        name: &str,
        _description: &str,
        tags: &[String],
    ) -> CloudResult<SecurityGroup> {
        let mut s = self.op("create_security_group", name)?;
        if s.limit_groups.is_some_and(|l| s.groups.len() as u64 + 1 >= l) {
            return Err(CloudError::Quota("Quota exceeded for resources: ['security_group']".into()));
        }
        let g = SecurityGroup { id: id(&mut s, "sg"), name: name.to_owned(), tags: tags.to_vec(), rules: Vec::new() };
        s.groups.insert(g.id.clone(), g.clone());
        s.log.push(format!("create_security_group {name}"));
        Ok(g)
    }

    async fn add_rule(&self, group_id: &str, rule: &Rule) -> CloudResult<String> {
        let mut s = self.op("add_rule", group_id)?;
        let rid = id(&mut s, "rule");
        let name = {
            let g =
                s.groups.get_mut(group_id).ok_or_else(|| CloudError::NotFound(format!("security group {group_id}")))?;
            if g.rules.contains(rule) {
                return Err(CloudError::Conflict("Security group rule already exists".into()));
            }
            g.rules.push(rule.clone());
            g.name.clone()
        };
        s.log.push(format!("add_rule {name} {}", rule.port));
        Ok(rid)
    }

    async fn delete_security_group(&self, id: &str) -> CloudResult<()> {
        let mut s = self.op("delete_security_group", id)?;
        if !s.groups.contains_key(id) {
            return Err(CloudError::NotFound(format!("security group {id}")));
        }
        let in_use = s.server_groups.iter().any(|(srv, gs)| s.servers.contains_key(srv) && gs.iter().any(|g| g == id));
        if in_use || s.extra_conflicts > 0 {
            s.extra_conflicts = s.extra_conflicts.saturating_sub(u32::from(!in_use));
            return Err(CloudError::Conflict(format!("Security Group {id} in use.")));
        }
        let g = s.groups.remove(id);
        s.log.push(format!("delete_security_group {}", g.map(|g| g.name).unwrap_or_default()));
        Ok(())
    }

    async fn keypair_exists(&self, name: &str) -> CloudResult<bool> {
        Ok(self.state().keypairs.contains_key(name))
    }

    async fn import_keypair(&self, name: &str, public_key: &str) -> CloudResult<()> {
        let mut s = self.op("import_keypair", name)?;
        if s.keypairs.contains_key(name) {
            return Err(CloudError::Conflict(format!("Key pair '{name}' already exists.")));
        }
        s.keypairs.insert(name.to_owned(), public_key.to_owned());
        s.log.push(format!("import_keypair {name}"));
        Ok(())
    }

    async fn generate_keypair(&self, name: &str) -> CloudResult<String> {
        let mut s = self.op("generate_keypair", name)?;
        if s.keypairs.contains_key(name) {
            return Err(CloudError::Conflict(format!("Key pair '{name}' already exists.")));
        }
        s.keypairs.insert(name.to_owned(), "ssh-rsa AAAA fake".to_owned());
        s.log.push(format!("generate_keypair {name}"));
        Ok("-----BEGIN RSA PRIVATE KEY-----\nfake\n-----END RSA PRIVATE KEY-----\n".to_owned())
    }

    async fn delete_keypair(&self, name: &str) -> CloudResult<()> {
        let mut s = self.op("delete_keypair", name)?;
        s.keypairs.remove(name).ok_or_else(|| CloudError::NotFound(format!("keypair {name}")))?;
        s.log.push(format!("delete_keypair {name}"));
        Ok(())
    }

    async fn create_server(&self, spec: &ServerSpec) -> CloudResult<Server> {
        let mut s = self.op("create_server", &spec.name)?;
        if s.limit_instances.is_some_and(|l| s.servers.len() as u64 >= l) {
            return Err(CloudError::Quota(format!(
                "Quota exceeded for instances: Requested 1, but already used {} of {} instances",
                s.servers.len(),
                s.limit_instances.unwrap_or(0)
            )));
        }
        for g in &spec.security_groups {
            if !s.groups.contains_key(g) {
                return Err(CloudError::Rejected(format!("security group {g} not found")));
            }
        }
        if let Some(k) = &spec.key_name
            && !s.keypairs.contains_key(k)
        {
            return Err(CloudError::Rejected(format!("Invalid key_name provided: {k}")));
        }
        let sid = id(&mut s, "server");
        let n = s.next;
        let server = Server {
            id: sid.clone(),
            name: spec.name.clone(),
            status: ServerStatus::Build,
            fault: None,
            private_ip: Some(format!("10.0.0.{}", n % 250 + 3)),
            tags: spec.tags.clone(),
        };
        let polls = s.build_polls;
        s.servers.insert(sid.clone(), (server.clone(), polls, false));
        s.server_groups.insert(sid.clone(), spec.security_groups.clone());
        s.user_data.insert(sid, spec.user_data_b64.clone());
        s.log.push(format!("create_server {}", spec.name));
        Ok(server)
    }

    async fn get_server(&self, id: &str) -> CloudResult<Option<Server>> {
        let mut s = self.op("get_server", id)?;
        let (error_on, stuck) = (s.error_on.clone(), s.stuck);
        let Some((server, polls, deleting)) = s.servers.get_mut(id) else { return Ok(None) };
        if *deleting {
            if *polls == 0 {
                s.servers.remove(id);
                return Ok(None);
            }
            *polls -= 1;
            return Ok(Some(server.clone()));
        }
        if server.status == ServerStatus::Build && !stuck {
            if *polls == 0 {
                match error_on {
                    Some((pat, fault)) if server.name.contains(&pat) => {
                        server.status = ServerStatus::Error;
                        server.fault = Some(fault);
                    }
                    _ => server.status = ServerStatus::Active,
                }
            } else {
                *polls -= 1;
            }
        }
        Ok(Some(server.clone()))
    }

    async fn list_servers(&self, tag: &str) -> CloudResult<Vec<Server>> {
        Ok(self
            .state()
            .servers
            .values()
            .filter(|(v, _, _)| v.tags.iter().any(|t| t == tag))
            .map(|(v, _, _)| v.clone())
            .collect())
    }

    async fn delete_server(&self, id: &str) -> CloudResult<()> {
        let mut s = self.op("delete_server", id)?;
        let polls = s.delete_polls;
        let entry = s.servers.get_mut(id).ok_or_else(|| CloudError::NotFound(format!("server {id}")))?;
        entry.1 = polls;
        entry.2 = true;
        let name = entry.0.name.clone();
        // A deleted server's floating IP comes loose.
        let port = format!("port-of-{id}");
        for f in s.fips.values_mut() {
            if f.port_id.as_deref() == Some(&port) {
                f.port_id = None;
            }
        }
        s.log.push(format!("delete_server {name}"));
        Ok(())
    }

    async fn console_log(&self, id: &str) -> CloudResult<String> {
        let s = self.state();
        if let Some(c) = &s.console {
            return Ok(c.clone());
        }
        let ok = s.servers.get(id).is_some_and(|(v, _, _)| v.status == ServerStatus::Active);
        Ok(if ok { "faafo-install: OK\n".into() } else { String::new() })
    }

    async fn server_port(&self, server_id: &str) -> CloudResult<Option<String>> {
        Ok(self.state().servers.contains_key(server_id).then(|| format!("port-of-{server_id}")))
    }

    async fn list_floating_ips(&self, network_id: &str) -> CloudResult<Vec<FloatingIp>> {
        Ok(self.state().fips.values().filter(|f| f.network_id == network_id).cloned().collect())
    }

    async fn create_floating_ip(&self, network_id: &str, tags: &[String]) -> CloudResult<FloatingIp> {
        let mut s = self.op("create_floating_ip", "")?;
        if s.limit_fips.is_some_and(|l| s.fips.len() as u64 >= l) {
            return Err(CloudError::Quota("Quota exceeded for resources: ['floatingip'].".into()));
        }
        let fid = id(&mut s, "fip");
        let n = s.next;
        let f = FloatingIp {
            id: fid.clone(),
            address: format!("203.0.113.{}", n % 250 + 3),
            port_id: None,
            network_id: network_id.to_owned(),
            tags: tags.to_vec(),
        };
        s.fips.insert(fid, f.clone());
        s.log.push(format!("create_floating_ip {}", f.address));
        Ok(f)
    }

    async fn set_floating_ip_port(&self, id: &str, port_id: Option<&str>) -> CloudResult<()> {
        let mut s = self.op("set_floating_ip_port", id)?;
        let f = s.fips.get_mut(id).ok_or_else(|| CloudError::NotFound(format!("floating ip {id}")))?;
        f.port_id = port_id.map(str::to_owned);
        let line = format!("{} floating_ip {}", if port_id.is_some() { "attach" } else { "detach" }, f.address);
        s.log.push(line);
        Ok(())
    }

    async fn set_floating_ip_tags(&self, id: &str, tags: &[String]) -> CloudResult<()> {
        let mut s = self.op("set_floating_ip_tags", id)?;
        let f = s.fips.get_mut(id).ok_or_else(|| CloudError::NotFound(format!("floating ip {id}")))?;
        f.tags = tags.to_vec();
        let line = format!("tag floating_ip {}", f.address);
        s.log.push(line);
        Ok(())
    }

    async fn delete_floating_ip(&self, id: &str) -> CloudResult<()> {
        let mut s = self.op("delete_floating_ip", id)?;
        let f = s.fips.remove(id).ok_or_else(|| CloudError::NotFound(format!("floating ip {id}")))?;
        s.log.push(format!("delete_floating_ip {}", f.address));
        Ok(())
    }

    async fn create_public_container(&self, name: &str) -> CloudResult<String> {
        let mut s = self.op("create_public_container", name)?;
        s.containers.entry(name.to_owned()).or_default();
        s.log.push(format!("create_container {name}"));
        Ok(format!("http://swift.invalid/v1/AUTH_fake/{name}"))
    }

    async fn upload_object(&self, container: &str, name: &str, bytes: Vec<u8>) -> CloudResult<()> {
        let mut s = self.op("upload_object", name)?;
        s.containers
            .get_mut(container)
            .ok_or_else(|| CloudError::NotFound(format!("container {container}")))?
            .insert(name.to_owned(), bytes.len());
        s.objects.insert((container.to_owned(), name.to_owned()), bytes);
        s.log.push(format!("upload_object {container}/{name}"));
        Ok(())
    }

    async fn delete_container(&self, name: &str) -> CloudResult<()> {
        let mut s = self.op("delete_container", name)?;
        s.objects.retain(|(c, _), _| c != name);
        if s.containers.remove(name).is_some() {
            s.log.push(format!("delete_container {name}"));
        }
        Ok(())
    }

    async fn create_private_container(&self, name: &str) -> CloudResult<()> {
        let mut s = self.op("create_private_container", name)?;
        s.containers.entry(name.to_owned()).or_default();
        s.log.push(format!("create_container {name}"));
        Ok(())
    }

    async fn download_object(&self, container: &str, name: &str) -> CloudResult<Option<Vec<u8>>> {
        let s = self.op("download_object", name)?;
        Ok(s.objects.get(&(container.to_owned(), name.to_owned())).cloned())
    }

    async fn create_app_credential(&self, name: &str, _description: &str) -> CloudResult<AppCredential> {
        let mut s = self.op("create_app_credential", name)?;
        let cid = id(&mut s, "appcred");
        s.app_credentials.insert(cid.clone(), name.to_owned());
        s.log.push(format!("create_app_credential {name}"));
        Ok(AppCredential {
            id: cid,
            name: name.to_owned(),
            secret: format!("secret-of-{name}"),
            auth_url: "http://keystone.invalid/v3".to_owned(),
        })
    }

    async fn delete_app_credential(&self, id: &str) -> CloudResult<()> {
        let mut s = self.op("delete_app_credential", id)?;
        let name =
            s.app_credentials.remove(id).ok_or_else(|| CloudError::NotFound(format!("application credential {id}")))?;
        s.log.push(format!("delete_app_credential {name}"));
        Ok(())
    }

    async fn probe(&self, url: &str) -> CloudResult<Health> {
        self.state().health.clone().ok_or_else(|| CloudError::Other(format!("{url}: connection refused")))
    }
}
