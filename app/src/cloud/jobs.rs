//! What a deploy job is and where it runs, on the library behind `faafo deploy`
//! ([`faafo_backend::deploy`]): the [`Job`]s, their [`Outcome`]s, and the [`Connector`]
//! seam to the clouds. [`OpenStackConnector`] resolves clouds.yaml / `OS_*` credentials
//! and talks to the real cloud; [`Connected`] wraps a cloud that is already there (the
//! in-memory [`faafo_backend::deploy::fake::FakeCloud`] in the tests).

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use faafo_backend::deploy::credentials::SecretFrom;
use faafo_backend::deploy::credentials::{self, CredError, Environment, Selection};
use faafo_backend::deploy::real::OpenStack;
use faafo_backend::deploy::shared::{SharedPolicy, SharedView};
use faafo_backend::deploy::{Cancel, Cloud, DeployEvent, Deployer, EventSink, Offer, Options, StateStore, Timeouts};

use super::credentials::{FormError, OsKeyring, SecretStore, Target, TypedFrom};

/// Why a job did not get done; shown as text in the Deploy window only.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// A field of the window is not usable.
    #[error(transparent)]
    Field(#[from] FieldError),
    /// The credentials could not be resolved, or the cloud refused them.
    #[error(transparent)]
    Credentials(#[from] CredError),
    /// The deployment failed on the cloud.
    #[error(transparent)]
    Deploy(#[from] faafo_backend::deploy::DeployError),
    /// The job's thread or its async runtime could not start.
    #[error("cannot start the {what}: {source}")]
    Start {
        /// "deploy thread" or "async runtime".
        what: &'static str,
        source: std::io::Error,
    },
    /// The job's thread ended without a result.
    #[error("the deploy thread stopped unexpectedly")]
    Stopped,
    /// *Cancel* was pressed (or the window closed) on a job that creates nothing.
    #[error("cancelled")]
    Cancelled,
}

impl JobError {
    /// Whether the cloud accepted the credentials before the job failed: every job
    /// authenticates first, so only a credentials error (or none at all reached) says
    /// it did not.
    pub fn authenticated(&self) -> bool {
        matches!(self, JobError::Deploy(_))
    }
}

/// The start of `value` when it is longer than `max` characters ("abc…"), so that a
/// pasted page does not fill the window.
pub fn shorten(value: &str, max: usize) -> String {
    if value.chars().count() <= max {
        value.to_owned()
    } else {
        let start: String = value.chars().take(max).collect();
        format!("{start}… ({} characters)", value.chars().count())
    }
}

/// A field the person typed that a job cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// Deployment names name files and servers.
    #[error(
        "the deployment name must be 1 to 40 letters, digits, '-' or '_', starting with a letter or digit; got '{}'",
        shorten(.0, 40)
    )]
    Name(String),
    /// Deploying uploads `faafo`, `faafo-api` and `faafo-worker` from a directory.
    #[error(
        "the binaries directory '{}' lacks {missing}: build them (cargo build -p faafo-backend) or choose their directory",
        dir.display()
    )]
    Binaries {
        /// The directory typed.
        dir: PathBuf,
        /// The binaries' names, comma-separated.
        missing: String,
    },
    /// The credential form is incomplete.
    #[error(transparent)]
    Form(#[from] FormError),
    /// The autoscaling range or pace cannot work.
    #[error("autoscaling: {0}")]
    Autoscale(String),
}

/// Most workers the window offers: the deploy library's cap, the CLI's too (one rule).
pub const MAX_WORKERS: u32 = faafo_backend::deploy::scale::MAX_WORKERS;

/// One thing to do on the cloud.
#[derive(Debug, Clone)]
pub enum Job {
    /// What `up` would create, and the quota pre-check.
    Plan(Options),
    /// Create (or converge) the deployment.
    Up(Options),
    /// Add or remove workers of a deployment that is up.
    Scale {
        /// The deployment (name, wait mode); its binaries are the recorded ones.
        options: Options,
        /// 0..=[`MAX_WORKERS`].
        workers: u32,
    },
    /// The deployment as it is.
    Status {
        name: String,
        /// Ask its API's `/health` too.
        probe: bool,
    },
    /// Delete everything the deployment created.
    Down(String),
    /// The project's images, flavors and networks, for the pickers.
    Offer,
    /// The autoscaler on the deployment's controller: its policy and last decisions.
    Autoscaler(String),
    /// Changes the autoscaler's policy (range, pause), then reads it back.
    SetPolicy { name: String, policy: SharedPolicy },
}

impl Job {
    /// Whether *Cancel* may simply drop the job: it creates nothing. `up` and `scale`
    /// stop at their next poll and roll back instead; `down` runs to its end, since
    /// stopping a tear-down half-way leaves more behind.
    pub fn read_only(&self) -> bool {
        matches!(self, Job::Plan(_) | Job::Status { .. } | Job::Offer | Job::Autoscaler(_))
    }
}

/// What a finished job reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The plan as text, and whether the quotas can hold it.
    Plan {
        /// The plan, as `faafo deploy plan` prints it.
        text: String,
        /// The quota pre-check passed.
        quota_ok: bool,
    },
    /// The deployment is up.
    Up {
        /// The API's, when it has a floating IP.
        url: Option<String>,
        /// Servers now (the API's and the workers').
        servers: usize,
        /// Resources created by this run.
        created: usize,
        /// Where a generated private key was saved.
        private_key: Option<PathBuf>,
    },
    /// The deployment now has `workers` workers.
    Scaled { workers: usize, added: usize, removed: usize },
    /// The deployment's status.
    Status {
        /// As `faafo deploy status` prints it.
        text: String,
        /// Each server's name and state (ACTIVE, BUILD, MISSING, …).
        servers: Vec<(String, String)>,
    },
    /// The deployment is gone.
    Down {
        /// Resources deleted (servers, ports, groups, keys…).
        removed: usize,
    },
    /// What the pickers offer.
    Offer(Box<Offer>),
    /// The autoscaler on the controller, as it shares its state.
    Autoscaler(Box<SharedView>),
}

/// Everything a job needs besides the cloud.
#[derive(Clone)]
pub struct JobContext {
    pub job: Job,
    /// Where deployments' state files live.
    pub store: StateStore,
    pub timeouts: Timeouts,
    /// Where progress goes (the window's log).
    pub events: EventSink,
    /// Set by *Cancel*: `up` and `scale` stop waiting and roll back.
    pub cancel: Cancel,
}

// By hand: the event sink is a closure.
impl std::fmt::Debug for JobContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobContext").field("job", &self.job).field("store", &self.store).finish_non_exhaustive()
    }
}

/// A job running.
pub type JobFuture<'a> = Pin<Box<dyn Future<Output = Result<Outcome, JobError>> + 'a>>;

/// Connects to a cloud and runs jobs on it: the Deploy window's seam to OpenStack (and
/// the place a connector to another kind of cluster plugs in).
pub trait Connector: Send + Sync {
    /// Where the clouds come from (for the person) and their names; an empty list means
    /// the `OS_*` variables are used. The error is the window's text: connectors outside
    /// this crate (the tests') have their own error types.
    fn clouds(&self) -> Result<(String, Vec<String>), String>;

    /// Runs `ctx.job` on `target`.
    fn run<'a>(&'a self, target: &'a Target, ctx: JobContext) -> JobFuture<'a>;
}

/// Runs a job on a connected cloud (what every [`Connector`] ends up calling).
pub async fn run_on<C: Cloud>(
    cloud: &C,
    cloud_name: &str,
    region: Option<String>,
    ctx: JobContext,
) -> Result<Outcome, JobError> {
    let deployer =
        Deployer::new(cloud, ctx.store).with_events(ctx.events).with_timeouts(ctx.timeouts).with_cancel(ctx.cancel);
    let outcome = match ctx.job {
        Job::Plan(opts) => deployer
            .plan(&opts)
            .await
            .map(|plan| Outcome::Plan { quota_ok: plan.check().is_ok(), text: plan.to_string() }),
        Job::Up(opts) => deployer.up(&opts, cloud_name, region).await.map(|r| Outcome::Up {
            url: r.url,
            servers: r.servers,
            created: r.created,
            private_key: r.private_key,
        }),
        Job::Scale { options, workers } => deployer.scale(&options, workers).await.map(|r| Outcome::Scaled {
            workers: r.servers.saturating_sub(1),
            added: r.created,
            removed: r.removed,
        }),
        Job::Status { name, probe } => deployer.status(&name, probe).await.map(|s| Outcome::Status {
            text: s.to_string(),
            servers: s.servers.iter().map(|v| (v.name.clone(), v.status.clone())).collect(),
        }),
        Job::Down(name) => deployer.down(&name).await.map(|d| Outcome::Down { removed: d.removed }),
        Job::Offer => deployer.offer().await.map(|o| Outcome::Offer(Box::new(o))),
        Job::Autoscaler(name) => deployer.shared_view(&name).await.map(|v| Outcome::Autoscaler(Box::new(v))),
        Job::SetPolicy { name, policy } => match deployer.set_shared_policy(&name, policy).await {
            Ok(()) => deployer.shared_view(&name).await.map(|v| Outcome::Autoscaler(Box::new(v))),
            Err(e) => Err(e),
        },
    };
    Ok(outcome?)
}

/// The real clouds: clouds.yaml (or the `OS_*` variables of an openrc) of this process.
#[derive(Debug, Default, Clone, Copy)]
pub struct OpenStackConnector;

impl Connector for OpenStackConnector {
    fn clouds(&self) -> Result<(String, Vec<String>), String> {
        match credentials::list_clouds(&Environment::from_process()) {
            Ok(Some((path, names))) => Ok((path.display().to_string(), names)),
            Ok(None) => Ok(("no clouds.yaml found; the OS_* variables (an openrc) are used".to_owned(), Vec::new())),
            Err(e) => Err(e.to_string()),
        }
    }

    fn run<'a>(&'a self, target: &'a Target, ctx: JobContext) -> JobFuture<'a> {
        Box::pin(async move {
            // The form stands alone: no clouds.yaml, no variables of this process.
            let (env, cloud) = match &target.form {
                Some(pairs) => (Environment::from_pairs(pairs.iter().cloned(), None), None),
                None => (Environment::from_process(), target.cloud.clone()),
            };
            let selection = Selection { cloud, secret: target.secret.clone(), ..Selection::default() };
            let creds = credentials::resolve(&selection, &env)?;
            // In the window's words: the form is not "OS_* variables" to the person.
            let login = match &target.form {
                Some(_) => format!("using the form: {}", creds.describe_login()),
                None => format!("using {}", creds.describe()),
            };
            (ctx.events)(DeployEvent::Note(login));
            (ctx.events)(DeployEvent::Note(secret_source(target, &creds)));
            let os = OpenStack::connect(&creds).await?;
            (ctx.events)(DeployEvent::Note(format!("project '{}' ({})", os.project_name(), os.project_id())));
            run_on(&os, &creds.cloud_name(), creds.region.clone(), ctx).await
        })
    }
}

/// Which secret a job used, in the window's words.
fn secret_source(target: &Target, creds: &credentials::Credentials) -> String {
    let what = match creds.method {
        credentials::Method::Password { .. } => "password",
        credentials::Method::ApplicationCredential { .. } => "application credential secret",
    };
    let file = if target.form.is_some() { "the form" } else { "clouds.yaml" };
    match (creds.secret_from, target.typed_from) {
        (SecretFrom::Given, Some(TypedFrom::Field)) => {
            format!("{what}: the one typed in this window (it overrides any in {file})")
        }
        (SecretFrom::Given, _) => format!("{what}: the one kept in the OS keyring (it overrides any in {file})"),
        (SecretFrom::File, _) => format!("{what}: the one in clouds.yaml / secure.yaml"),
        (SecretFrom::Environment, _) => {
            format!("{what}: from this program's environment (OS_PASSWORD), none was typed or kept")
        }
    }
}

/// A cloud that is already connected, under one name (tests: the in-memory fake).
#[derive(Debug)]
pub struct Connected<C> {
    name: String,
    cloud: Arc<C>,
}

impl<C: Cloud> Connected<C> {
    /// `cloud`, listed as `name`.
    pub fn new(name: impl Into<String>, cloud: Arc<C>) -> Self {
        Self { name: name.into(), cloud }
    }
}

impl<C: Cloud> Connector for Connected<C> {
    fn clouds(&self) -> Result<(String, Vec<String>), String> {
        Ok(("already connected".to_owned(), vec![self.name.clone()]))
    }

    fn run<'a>(&'a self, target: &'a Target, ctx: JobContext) -> JobFuture<'a> {
        Box::pin(run_on(self.cloud.as_ref(), target.cloud.as_deref().unwrap_or(&self.name), None, ctx))
    }
}

/// Where the Deploy window deploys, and how.
#[derive(Clone)]
pub struct DeployConfig {
    pub connector: Arc<dyn Connector>,
    /// Where the state files live.
    pub state_dir: PathBuf,
    pub timeouts: Timeouts,
    /// Where `faafo`, `faafo-api` and `faafo-worker` are uploaded from (pre-fills the field).
    pub binaries_dir: PathBuf,
    /// Wait for the API's health check (else only for the servers to be ACTIVE).
    pub wait_for_health: bool,
    /// Where typed secrets are kept.
    pub secrets: Arc<dyn SecretStore>,
}

impl DeployConfig {
    /// The real clouds, the CLI's state directory, binaries beside this program.
    pub fn openstack() -> Self {
        let binaries_dir = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(std::path::Path::to_path_buf))
            .unwrap_or_default();
        Self {
            connector: Arc::new(OpenStackConnector),
            state_dir: StateStore::default_dir(),
            timeouts: Timeouts::default(),
            binaries_dir,
            wait_for_health: true,
            secrets: Arc::new(OsKeyring::default()),
        }
    }
}

impl std::fmt::Debug for DeployConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeployConfig")
            .field("state_dir", &self.state_dir)
            .field("binaries_dir", &self.binaries_dir)
            .field("wait_for_health", &self.wait_for_health)
            .finish_non_exhaustive()
    }
}
