//! The kinds of resource a deployment is made of, and a handle on one of them.

use std::fmt;

use serde::Serialize;

/// A kind of resource a deployment creates, keeps, reuses or deletes. Shown (and
/// serialized) as the lower-case words the plan and the progress lines have always used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ResourceKind {
    /// A Nova server: the controller, the all-in-one server or a worker.
    #[serde(rename = "server")]
    Server,
    /// A Neutron security group (`<name>-control`, `<name>-worker`).
    #[serde(rename = "security group")]
    SecurityGroup,
    /// A Nova keypair.
    #[serde(rename = "keypair")]
    Keypair,
    /// A Neutron floating IP.
    #[serde(rename = "floating IP")]
    FloatingIp,
    /// The object-storage container the binaries were uploaded to.
    #[serde(rename = "container")]
    Container,
    /// The Keystone application credential the controller's autoscaler uses.
    #[serde(rename = "application credential")]
    AppCredential,
}

impl ResourceKind {
    /// `server`, `security group`, `keypair`, `floating IP`, `container` or
    /// `application credential`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Server => "server",
            ResourceKind::SecurityGroup => "security group",
            ResourceKind::Keypair => "keypair",
            ResourceKind::FloatingIp => "floating IP",
            ResourceKind::Container => "container",
            ResourceKind::AppCredential => "application credential",
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A resource found or created by id, with the name the user knows it by (OpenStack names
/// are not unique, so calls go by id and messages by name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRef {
    /// The cloud's id.
    pub id: String,
    /// The name, for messages.
    pub name: String,
}

impl ResourceRef {
    /// The resource `id`, called `name`.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self { id: id.into(), name: name.into() }
    }
}

impl fmt::Display for ResourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, self.id)
    }
}
