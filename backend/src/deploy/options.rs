//! What to deploy ([`Options`]), what to scale ([`ScaleOptions`]), and how long to wait.

use std::path::PathBuf;
use std::time::Duration;

use super::autoscale::Policy;
use super::userdata::Binaries;

/// How `up` gets a keypair onto the servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyChoice {
    /// Use a keypair that already exists in the project (never deleted).
    Existing(String),
    /// Import this public key (OpenSSH format).
    Import(String),
    /// Have the cloud generate one; the private key is saved next to the state file, 0600.
    Generate,
}

/// Where the servers get the binaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BinarySource {
    /// Already published: base URL and SHA-256 sums.
    Url(Binaries),
    /// Upload `faafo`, `faafo-api` and `faafo-worker` from this directory to a
    /// public-read object-storage container of the deployment's own.
    Upload(PathBuf),
    /// The ones the deployment recorded when it went up (an existing deployment only:
    /// `up` fails when the state file has none).
    Recorded,
}

/// What `up` and `scale` wait for before they finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Wait {
    /// Every server ACTIVE (clouds whose servers never boot, such as the local test stack).
    Active,
    /// Every installer reported OK on the console and the API answers `/health`.
    #[default]
    Health,
}

/// Per-phase time limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// For servers to become ACTIVE (default 10 min).
    pub active: Duration,
    /// For the installers to finish and the API to answer (default 15 min).
    pub health: Duration,
    /// For servers to go away and security groups to come free (default 5 min).
    pub delete: Duration,
    /// Between two polls of the cloud (default 3 s).
    pub poll: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            active: Duration::from_secs(600),
            health: Duration::from_secs(900),
            delete: Duration::from_secs(300),
            poll: Duration::from_secs(3),
        }
    }
}

/// What to deploy.
#[derive(Debug, Clone)]
pub struct Options {
    /// Names the state file and the resources (`<name>-controller`, …); the CLI checks it
    /// with [`super::DeploymentName`].
    pub name: String,
    /// How many worker servers; ignored with `all_in_one`.
    pub workers: u32,
    /// One server running everything (the tutorial's first step); `workers` is ignored.
    pub all_in_one: bool,
    /// Flavor name or id, for every server.
    pub flavor: String,
    /// Image name or id (Debian 12+ or Ubuntu 24.04+: the binaries link glibc 2.36).
    pub image: String,
    /// Network name or id; `None`: the project's only internal network.
    pub network: Option<String>,
    /// External network for the floating IP; `None`: the first external one.
    pub external_network: Option<String>,
    pub key: KeyChoice,
    pub binaries: BinarySource,
    /// Where SSH (port 22) is allowed from, as a CIDR.
    pub ssh_cidr: String,
    /// Create a batch of fractals once the API is up (`install.sh -r demo`).
    pub demo: bool,
    pub wait: Wait,
    /// Leave what a failed run created (for debugging) instead of rolling it back.
    pub keep_on_failure: bool,
    /// Install the autoscaler on the controller with this policy (`up --autoscale`).
    pub autoscale: Option<Policy>,
}

impl Options {
    /// Defaults: deployment `faafo`, 2 workers, `m1.small`, `ubuntu-24.04`, a generated
    /// keypair, SSH from anywhere, waiting for the health check.
    pub fn new(binaries: BinarySource) -> Self {
        Self {
            name: "faafo".to_owned(),
            workers: 2,
            all_in_one: false,
            flavor: "m1.small".to_owned(),
            image: "ubuntu-24.04".to_owned(),
            network: None,
            external_network: None,
            key: KeyChoice::Generate,
            binaries,
            ssh_cidr: "0.0.0.0/0".to_owned(),
            demo: false,
            wait: Wait::Health,
            keep_on_failure: false,
            autoscale: None,
        }
    }
}

/// What to scale: an existing deployment keeps its flavor, image, network, keypair and
/// binaries, so only these matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleOptions {
    /// The deployment (its state file must exist).
    pub name: String,
    /// How many workers it should have afterwards.
    pub workers: u32,
    /// Whether new workers create a batch of fractals once up (`install.sh -r demo`).
    pub demo: bool,
    pub wait: Wait,
    /// Leave new workers of a failed run instead of deleting them again.
    pub keep_on_failure: bool,
}

impl ScaleOptions {
    /// Scale `name` to `workers`, waiting for the health check, rolling back on failure.
    pub fn new(name: impl Into<String>, workers: u32) -> Self {
        Self { name: name.into(), workers, demo: false, wait: Wait::Health, keep_on_failure: false }
    }

    /// The same scaling from the options of `up`.
    pub fn from_options(opts: &Options, workers: u32) -> Self {
        Self {
            name: opts.name.clone(),
            workers,
            demo: opts.demo,
            wait: opts.wait,
            keep_on_failure: opts.keep_on_failure,
        }
    }

    /// [`Options`] for the plan and the new workers: the recorded binaries, the rest
    /// defaults that an existing deployment's state overrides.
    pub(crate) fn options(&self) -> Options {
        let mut opts = Options::new(BinarySource::Recorded);
        opts.name.clone_from(&self.name);
        opts.workers = self.workers;
        opts.demo = self.demo;
        opts.wait = self.wait;
        opts.keep_on_failure = self.keep_on_failure;
        opts
    }
}
