//! The OpenStack operations a deployment needs, as a small trait: the real cloud
//! ([`super::real::OpenStack`], on the `openstack` crate and raw calls on its osauth
//! session) and an in-memory fake ([`super::fake::FakeCloud`]) for the fast tests.
//!
//! Everything is by id once found: names are not unique in OpenStack.

use std::collections::BTreeMap;
use std::future::Future;

use serde::{Deserialize, Serialize};

/// A cloud failure, sorted by what the orchestration does about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudError {
    /// The resource does not exist (404).
    #[error("not found: {0}")]
    NotFound(String),
    /// The resource is in use or in the wrong state (409): retry later.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A quota would be exceeded (Nova 403 "Quota exceeded", Neutron 409 OverQuota).
    #[error("quota exceeded: {0}")]
    Quota(String),
    /// Authentication or permission failed (401, 403).
    #[error("not allowed: {0}")]
    Denied(String),
    /// A bad request (400): a bug or a bad option.
    #[error("rejected: {0}")]
    Rejected(String),
    /// Anything else (5xx, network, malformed answers).
    #[error("{0}")]
    Other(String),
}

/// The result of a cloud call.
pub type CloudResult<T> = Result<T, CloudError>;

/// A flavor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flavor {
    pub id: String,
    pub name: String,
    /// Virtual CPUs per server.
    pub vcpus: u64,
    /// Memory per server, MiB.
    pub ram_mb: u64,
}

/// An image, or a network: anything found by name or id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    pub id: String,
    pub name: String,
}

/// Where an ingress rule lets traffic in from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Remote {
    /// An address range (`0.0.0.0/0`).
    Cidr(String),
    /// Members of a security group (by id): matches their fixed addresses.
    Group(String),
}

/// An ingress TCP rule on one port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// The TCP port let in.
    pub port: u16,
    pub remote: Remote,
}

/// A security group and its ingress TCP rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    /// Neutron tags: `faafo` and the deployment's.
    pub tags: Vec<String>,
    /// Ingress TCP rules (egress defaults are not listed).
    pub rules: Vec<Rule>,
}

/// What to boot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSpec {
    pub name: String,
    pub flavor_id: String,
    pub image_id: String,
    /// The network of its one interface.
    pub network_id: String,
    /// Security group ids.
    pub security_groups: Vec<String>,
    /// Keypair name, if any.
    pub key_name: Option<String>,
    /// cloud-init user data, already base64-encoded.
    pub user_data_b64: String,
    /// Nova tags (microversion 2.52): `faafo` and the deployment's.
    pub tags: Vec<String>,
    /// Nova metadata: `faafo_deployment` and `faafo_role`.
    pub metadata: BTreeMap<String, String>,
}

/// A server as Nova reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Server {
    pub id: String,
    pub name: String,
    /// What Nova says the server is doing.
    pub status: ServerStatus,
    /// Nova's fault message, for a server in ERROR.
    pub fault: Option<String>,
    /// The first fixed address.
    pub private_ip: Option<String>,
    pub tags: Vec<String>,
}

/// A server's status as Nova reports it; serialized as Nova's upper-case word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum ServerStatus {
    /// `BUILD`: booting for the first time.
    Build,
    /// `ACTIVE`: running (its installer may still be at work).
    Active,
    /// `ERROR`: failed; Nova's fault says why.
    Error,
    /// `DELETED`: gone, though Nova still answers for it a while.
    Deleted,
    /// Any other status (`SHUTOFF`, `REBOOT`, …), as Nova spelled it.
    Other(String),
}

impl ServerStatus {
    /// Nova's word for it.
    pub fn as_str(&self) -> &str {
        match self {
            ServerStatus::Build => "BUILD",
            ServerStatus::Active => "ACTIVE",
            ServerStatus::Error => "ERROR",
            ServerStatus::Deleted => "DELETED",
            ServerStatus::Other(s) => s,
        }
    }
}

impl From<&str> for ServerStatus {
    fn from(s: &str) -> Self {
        match s {
            "BUILD" => ServerStatus::Build,
            "ACTIVE" => ServerStatus::Active,
            "ERROR" => ServerStatus::Error,
            "DELETED" => ServerStatus::Deleted,
            other => ServerStatus::Other(other.to_owned()),
        }
    }
}

impl From<String> for ServerStatus {
    fn from(s: String) -> Self {
        ServerStatus::from(s.as_str())
    }
}

impl From<ServerStatus> for String {
    fn from(s: ServerStatus) -> Self {
        s.as_str().to_owned()
    }
}

impl std::fmt::Display for ServerStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// A floating IP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FloatingIp {
    pub id: String,
    /// The public address.
    pub address: String,
    /// The port it is attached to; `None`: free.
    pub port_id: Option<String>,
    /// The external network it comes from.
    pub network_id: String,
    /// Neutron tags; an untagged free one may be reused.
    pub tags: Vec<String>,
}

/// One quota: the limit (`None`: unlimited) and what is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Quota {
    /// The limit; `None` is unlimited.
    pub limit: Option<u64>,
    pub used: u64,
}

impl Quota {
    /// What is left (`None`: unlimited).
    pub fn free(&self) -> Option<u64> {
        self.limit.map(|l| l.saturating_sub(self.used))
    }
}

/// The project's quotas that a deployment consumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Quotas {
    /// Nova servers.
    pub instances: Quota,
    /// Nova vCPUs.
    pub cores: Quota,
    /// Nova RAM, MiB.
    pub ram_mb: Quota,
    pub floating_ips: Quota,
    pub security_groups: Quota,
    /// Every rule counts, the egress ones Neutron adds to a new group too.
    pub security_group_rules: Quota,
}

/// What a deployment may be built from, as the project sees it: for pickers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Choices {
    /// Active images.
    pub images: Vec<Named>,
    pub flavors: Vec<Flavor>,
    /// Networks servers may be attached to (the project's own and shared ones; not
    /// external).
    pub networks: Vec<Named>,
    /// External networks floating IPs come from.
    pub external_networks: Vec<Named>,
}

/// What a faafo API's `/health` and `/metrics` said.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Health {
    /// `/health`'s status: ok or degraded.
    pub status: String,
    /// Tasks waiting in the queue, from `/metrics`.
    pub queue_depth: Option<u64>,
    /// Workers that reported results (distinct `generated_by`).
    pub workers_seen: Vec<String>,
}

/// An application credential `up --autoscale` creates for the controller's autoscaler:
/// restricted (it cannot create or delete other credentials) and limited to the roles
/// scaling needs. Keystone shows the secret only once: it is kept in the state file and
/// on the controller, nowhere else.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppCredential {
    pub id: String,
    pub name: String,
    /// The secret (never printed: `Debug` leaves it out).
    pub secret: String,
    /// Keystone's v3 URL the controller authenticates at.
    pub auth_url: String,
}

impl std::fmt::Debug for AppCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppCredential").field("id", &self.id).field("name", &self.name).finish_non_exhaustive()
    }
}

/// The operations a deployment needs. Not object-safe (async methods); the deployer is
/// generic over it.
pub trait Cloud: Send + Sync {
    /// A flavor by name or id.
    fn find_flavor(&self, name_or_id: &str) -> impl Future<Output = CloudResult<Flavor>> + Send;
    /// An image by name or id.
    fn find_image(&self, name_or_id: &str) -> impl Future<Output = CloudResult<Named>> + Send;
    /// A network by name or id; `None`: the project's only non-external network.
    fn find_network(&self, name_or_id: Option<&str>) -> impl Future<Output = CloudResult<Named>> + Send;
    /// An external network by name or id; `None`: the first one.
    fn find_external_network(&self, name_or_id: Option<&str>) -> impl Future<Output = CloudResult<Named>> + Send;
    /// The images, flavors and networks the project may use.
    fn choices(&self) -> impl Future<Output = CloudResult<Choices>> + Send;
    /// The project's quotas and usage.
    fn quotas(&self) -> impl Future<Output = CloudResult<Quotas>> + Send;

    /// Security groups carrying `tag`.
    fn list_security_groups(&self, tag: &str) -> impl Future<Output = CloudResult<Vec<SecurityGroup>>> + Send;
    /// One security group, if it exists.
    fn get_security_group(&self, id: &str) -> impl Future<Output = CloudResult<Option<SecurityGroup>>> + Send;
    /// Creates a security group with these tags.
    fn create_security_group(
        &self,
        name: &str,
        description: &str,
        tags: &[String],
    ) -> impl Future<Output = CloudResult<SecurityGroup>> + Send;
    /// Adds an ingress TCP rule; returns its id.
    fn add_rule(&self, group_id: &str, rule: &Rule) -> impl Future<Output = CloudResult<String>> + Send;
    /// Deletes a security group: [`CloudError::Conflict`] while a port uses it.
    fn delete_security_group(&self, id: &str) -> impl Future<Output = CloudResult<()>> + Send;

    /// Whether a keypair of that name exists.
    fn keypair_exists(&self, name: &str) -> impl Future<Output = CloudResult<bool>> + Send;
    /// Imports a public key.
    fn import_keypair(&self, name: &str, public_key: &str) -> impl Future<Output = CloudResult<()>> + Send;
    /// Has the cloud generate a keypair; returns the private key.
    fn generate_keypair(&self, name: &str) -> impl Future<Output = CloudResult<String>> + Send;
    /// Deletes a keypair.
    fn delete_keypair(&self, name: &str) -> impl Future<Output = CloudResult<()>> + Send;

    /// Boots a server (returns at once, status BUILD).
    fn create_server(&self, spec: &ServerSpec) -> impl Future<Output = CloudResult<Server>> + Send;
    /// One server, if it exists (a DELETED one counts as gone).
    fn get_server(&self, id: &str) -> impl Future<Output = CloudResult<Option<Server>>> + Send;
    /// Servers carrying `tag`.
    fn list_servers(&self, tag: &str) -> impl Future<Output = CloudResult<Vec<Server>>> + Send;
    /// Deletes a server (returns at once).
    fn delete_server(&self, id: &str) -> impl Future<Output = CloudResult<()>> + Send;
    /// The end of the server's console log.
    fn console_log(&self, id: &str) -> impl Future<Output = CloudResult<String>> + Send;
    /// The port of a server's first interface.
    fn server_port(&self, server_id: &str) -> impl Future<Output = CloudResult<Option<String>>> + Send;

    /// Floating IPs on an external network.
    fn list_floating_ips(&self, network_id: &str) -> impl Future<Output = CloudResult<Vec<FloatingIp>>> + Send;
    /// Allocates a floating IP with these tags.
    fn create_floating_ip(
        &self,
        network_id: &str,
        tags: &[String],
    ) -> impl Future<Output = CloudResult<FloatingIp>> + Send;
    /// Attaches a floating IP to a port, or detaches it (`None`).
    fn set_floating_ip_port(&self, id: &str, port_id: Option<&str>) -> impl Future<Output = CloudResult<()>> + Send;
    /// Replaces a floating IP's tags.
    fn set_floating_ip_tags(&self, id: &str, tags: &[String]) -> impl Future<Output = CloudResult<()>> + Send;
    /// Releases a floating IP.
    fn delete_floating_ip(&self, id: &str) -> impl Future<Output = CloudResult<()>> + Send;

    /// Creates an object-storage container anyone may read (binaries for the servers);
    /// returns its public URL.
    fn create_public_container(&self, name: &str) -> impl Future<Output = CloudResult<String>> + Send;
    /// Uploads an object.
    fn upload_object(
        &self,
        container: &str,
        name: &str,
        bytes: Vec<u8>,
    ) -> impl Future<Output = CloudResult<()>> + Send;
    /// Creates an object-storage container only the project may read (the autoscaler's
    /// shared state and policy).
    fn create_private_container(&self, name: &str) -> impl Future<Output = CloudResult<()>> + Send;
    /// Downloads an object; `None` when it (or its container) does not exist.
    fn download_object(&self, container: &str, name: &str)
    -> impl Future<Output = CloudResult<Option<Vec<u8>>>> + Send;
    /// Deletes a container and every object in it (gone already is fine).
    fn delete_container(&self, name: &str) -> impl Future<Output = CloudResult<()>> + Send;

    /// Creates a restricted application credential for the user of this session, with
    /// only the roles scaling needs.
    fn create_app_credential(
        &self,
        name: &str,
        description: &str,
    ) -> impl Future<Output = CloudResult<AppCredential>> + Send;
    /// Deletes an application credential of the user of this session.
    fn delete_app_credential(&self, id: &str) -> impl Future<Output = CloudResult<()>> + Send;

    /// Asks a faafo API at `url` for its health, queue depth and workers seen.
    fn probe(&self, url: &str) -> impl Future<Output = CloudResult<Health>> + Send;
}
