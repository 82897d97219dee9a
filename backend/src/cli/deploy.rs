//! `faafo deploy plan|up|status|scale|autoscale|down`: faafo on an OpenStack project
//! ([`crate::deploy`]). Progress goes to stderr; the result (the URL, the plan, the
//! status) to stdout, or as JSON with `--format json`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::output::{self, Format, print};
use super::{CliError, EXIT_AUTH, EXIT_FAILURE, EXIT_NOT_FOUND, EXIT_UNREACHABLE, EXIT_USAGE};
use crate::client::ClientError;
use crate::deploy::credentials::{self, CredError, Environment, Selection};
use crate::deploy::real::OpenStack;
use crate::deploy::shared::{SharedOptions, SharedOutcome};
use crate::deploy::userdata::{BINARIES, Binaries};
use crate::deploy::{
    AutoscaleOptions, BinarySource, Cloud, DeployError, DeployEvent, Deployer, DeploymentName, EventSink, KeyChoice,
    Options, Policy, ScaleOptions, StateStore, Timeouts, Wait,
};

/// Options of `faafo deploy`.
#[derive(Debug, Args)]
#[command(after_help = "\
Credentials as OpenStack users keep them: --os-cloud NAME (or OS_CLOUD) with a clouds.yaml
($OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack/, /etc/openstack/; secrets may
sit in secure.yaml or OS_PASSWORD), or the OS_* variables of an openrc file; application
credentials work in both. Every resource is tagged faafo-<deployment id> and recorded in
a state file (with the deployment's generated secrets, mode 0600).

Example:  faafo deploy --os-cloud mycloud plan --workers 2
          faafo deploy --os-cloud mycloud up --workers 2 --key-name demokey
          faafo deploy --os-cloud mycloud scale --workers 3
          faafo deploy --os-cloud mycloud autoscale --min 1 --max 4 --tasks-per-worker 20
          faafo deploy --os-cloud mycloud down")]
pub struct DeployArgs {
    /// The cloud in clouds.yaml (default: $OS_CLOUD, else the OS_* variables).
    #[arg(long, value_name = "NAME", global = true)]
    os_cloud: Option<String>,
    /// Region, overriding the cloud's (also OS_REGION_NAME).
    #[arg(long, value_name = "REGION", global = true)]
    os_region_name: Option<String>,
    /// Endpoint interface: public, internal or admin (also OS_INTERFACE).
    #[arg(long, value_name = "INTERFACE", global = true)]
    os_interface: Option<String>,
    /// The deployment's name: its state file and the servers' names (<name>-controller, …).
    #[arg(long, default_value = "faafo", value_parser = DeploymentName::parse, global = true)]
    name: DeploymentName,
    /// Where state files live (default: $XDG_STATE_HOME/faafo/deployments, else
    /// ~/.local/state/faafo/deployments).
    #[arg(long, value_name = "DIR", env = "FAAFO_DEPLOY_STATE_DIR", global = true)]
    state_dir: Option<PathBuf>,
    #[command(subcommand)]
    verb: Verb,
}

#[derive(Debug, Subcommand)]
enum Verb {
    /// Show what `up` would create and check the project's quotas; changes nothing.
    Plan(UpArgs),
    /// Create (or converge) the deployment: security groups, keypair, controller,
    /// workers, floating IP; wait until it answers; print its URL.
    Up(UpArgs),
    /// What the deployment has now: servers, groups, API health, queue depth, workers.
    Status(StatusArgs),
    /// Add or remove workers.
    Scale(ScaleArgs),
    /// Follow the queue: workers = clamp(ceil(depth / T), min, max), checked every
    /// --interval seconds (or once); scale-downs wait for the cool-down and remove the
    /// newest workers.
    Autoscale(AutoscaleArgs),
    /// Delete everything the deployment created, and its state file.
    Down,
}

/// What `up` and `scale` wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum WaitArg {
    /// Servers ACTIVE (clouds whose servers do not boot, like the local test stack).
    Active,
    /// Installers OK and the API's /health answering (the default).
    Health,
}

#[derive(Debug, Args)]
struct WaitArgs {
    /// What to wait for before finishing.
    #[arg(long, value_enum, default_value_t = WaitArg::Health)]
    wait: WaitArg,
    /// Seconds for servers to become ACTIVE.
    #[arg(long, default_value_t = 600, value_name = "SECONDS")]
    timeout_active: u64,
    /// Seconds for the installers and the API's health check.
    #[arg(long, default_value_t = 900, value_name = "SECONDS")]
    timeout_health: u64,
    /// Seconds for deletes (servers gone, security groups free).
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    timeout_delete: u64,
    /// Leave what a failed run created instead of rolling it back.
    #[arg(long)]
    keep_on_failure: bool,
}

#[derive(Debug, Args)]
struct UpArgs {
    /// Worker servers.
    #[arg(long, default_value_t = 2)]
    workers: u32,
    /// One server with everything (the tutorial's first step); no workers.
    #[arg(long, conflicts_with = "workers")]
    all_in_one: bool,
    /// Flavor name or id.
    #[arg(long, default_value = "m1.small")]
    flavor: String,
    /// Image name or id (Debian 12+ or Ubuntu 24.04+).
    #[arg(long, default_value = "ubuntu-24.04")]
    image: String,
    /// Network name or id (default: the project's only network).
    #[arg(long)]
    network: Option<String>,
    /// External network for the floating IP (default: the first).
    #[arg(long)]
    external_network: Option<String>,
    /// Use this existing keypair.
    #[arg(long, value_name = "NAME", conflicts_with = "public_key")]
    key_name: Option<String>,
    /// Import this public key (default: the cloud generates a keypair and the private key
    /// is saved beside the state file, mode 0600).
    #[arg(long, value_name = "FILE")]
    public_key: Option<PathBuf>,
    /// Where the servers download faafo, faafo-api and faafo-worker (a directory URL).
    #[arg(long, value_name = "URL", conflicts_with = "binaries_dir")]
    binaries_url: Option<String>,
    /// Their SHA-256 sums (sha256sum format; default: <URL>/SHA256SUMS).
    #[arg(long, value_name = "FILE", requires = "binaries_url")]
    binaries_sha256: Option<PathBuf>,
    /// Upload the binaries from this directory to a public-read container of the
    /// deployment's own (default: the directory of this faafo).
    #[arg(long, value_name = "DIR")]
    binaries_dir: Option<PathBuf>,
    /// Where SSH is allowed from.
    #[arg(long, default_value = "0.0.0.0/0", value_name = "CIDR")]
    ssh_from: String,
    /// Create a batch of fractals once the API is up (install.sh -r demo).
    #[arg(long)]
    demo: bool,
    /// Run the autoscaler on the controller: between A and B workers follow the queue
    /// (with a restricted application credential of the deployment's own; --workers is
    /// kept within the range).
    #[arg(long, value_name = "A..B", value_parser = parse_range, conflicts_with = "all_in_one")]
    autoscale: Option<(u32, u32)>,
    /// With --autoscale: queued tasks per worker.
    #[arg(long, default_value_t = 20, value_name = "T")]
    tasks_per_worker: u32,
    /// With --autoscale: seconds after a change before the cluster may shrink.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    cooldown: u64,
    #[command(flatten)]
    wait: WaitArgs,
}

impl UpArgs {
    /// The autoscaler's policy, if asked for.
    fn policy(&self) -> Result<Option<Policy>, CliError> {
        self.autoscale
            .map(|(min, max)| Policy::new(min, max, self.tasks_per_worker, self.cooldown))
            .transpose()
            .map_err(|e| CliError::Usage(format!("--autoscale: {e}")))
    }
}

/// `A..B` (or `A-B`): a range of worker counts.
fn parse_range(s: &str) -> Result<(u32, u32), String> {
    let (a, b) = s.split_once("..").or_else(|| s.split_once('-')).ok_or("expected A..B, e.g. 1..4")?;
    let n = |v: &str| v.trim().parse::<u32>().map_err(|_| format!("'{v}' is not a number of workers"));
    Ok((n(a)?, n(b)?))
}

#[derive(Debug, Args)]
struct StatusArgs {
    /// Do not ask the API (its address may be unreachable from here).
    #[arg(long)]
    no_health: bool,
}

#[derive(Debug, Args)]
struct ScaleArgs {
    /// Workers wanted.
    #[arg(long)]
    workers: u32,
    #[command(flatten)]
    wait: WaitArgs,
}

#[derive(Debug, Args)]
struct AutoscaleArgs {
    /// Never fewer workers.
    #[arg(long, value_name = "A", required_unless_present = "shared_state")]
    min: Option<u32>,
    /// Never more workers.
    #[arg(long, value_name = "B", required_unless_present = "shared_state")]
    max: Option<u32>,
    /// Queued tasks per worker.
    #[arg(long, value_name = "T", required_unless_present = "shared_state")]
    tasks_per_worker: Option<u32>,
    /// The controller's loop (`up --autoscale` installs it): the state and the policy
    /// come from this private container, and the state goes back there each round.
    #[arg(long, value_name = "CONTAINER", requires = "secrets_file", conflicts_with_all = ["min", "max", "tasks_per_worker"])]
    shared_state: Option<String>,
    /// With --shared-state: the deployment's generated secrets (JSON), which the shared
    /// state leaves out.
    #[arg(long, value_name = "FILE", requires = "shared_state")]
    secrets_file: Option<PathBuf>,
    /// Seconds after a change before the cluster may shrink.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    cooldown: u64,
    /// Make one decision and exit.
    #[arg(long)]
    once: bool,
    /// The API to read the queue from (default: the deployment's floating IP).
    #[arg(long, value_name = "URL")]
    api_url: Option<String>,
    /// Seconds between decisions.
    #[arg(long, default_value_t = 30, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    interval: u64,
    #[command(flatten)]
    wait: WaitArgs,
}

impl AutoscaleArgs {
    fn policy(&self) -> Result<Policy, CliError> {
        let (Some(min), Some(max), Some(per)) = (self.min, self.max, self.tasks_per_worker) else {
            return Err(CliError::Usage("give --min, --max and --tasks-per-worker (or --shared-state)".into()));
        };
        Policy::new(min, max, per, self.cooldown).map_err(|e| CliError::Usage(e.to_string()))
    }

    /// The controller loop's options, if it is one.
    fn shared(&self) -> Result<Option<SharedOptions>, CliError> {
        let (Some(container), Some(file)) = (&self.shared_state, &self.secrets_file) else { return Ok(None) };
        let text = std::fs::read_to_string(file)
            .map_err(|e| CliError::Usage(format!("cannot read the secrets {}: {e}", file.display())))?;
        let secrets = serde_json::from_str(&text)
            .map_err(|e| CliError::Usage(format!("the secrets {} are malformed: {e}", file.display())))?;
        Ok(Some(SharedOptions {
            container: container.clone(),
            secrets,
            api_url: self.api_url.clone(),
            wait: self.wait.wait(),
        }))
    }
}

impl WaitArgs {
    fn timeouts(&self) -> Timeouts {
        Timeouts {
            active: Duration::from_secs(self.timeout_active),
            health: Duration::from_secs(self.timeout_health),
            delete: Duration::from_secs(self.timeout_delete),
            ..Timeouts::default()
        }
    }

    fn wait(&self) -> Wait {
        match self.wait {
            WaitArg::Active => Wait::Active,
            WaitArg::Health => Wait::Health,
        }
    }
}

/// The exit code of a deploy failure, if `cause` is one.
pub fn exit_code(cause: &(dyn std::error::Error + 'static)) -> Option<u8> {
    if let Some(e) = cause.downcast_ref::<CredError>() {
        return Some(match e {
            CredError::Auth { .. } | CredError::Refused { .. } | CredError::NotKeystone { .. } => EXIT_AUTH,
            _ => EXIT_USAGE,
        });
    }
    let e = cause.downcast_ref::<DeployError>()?;
    let e = match e {
        DeployError::RolledBack { source, .. } => source.as_ref(),
        e => e,
    };
    Some(match e {
        DeployError::Usage(_) => EXIT_USAGE,
        DeployError::NoDeployment { .. } => EXIT_NOT_FOUND,
        DeployError::Api { source: ClientError::Unreachable { .. } | ClientError::BadEndpoint(_), .. } => {
            EXIT_UNREACHABLE
        }
        DeployError::Api { source: ClientError::Unauthorized { .. }, .. } => EXIT_AUTH,
        DeployError::Cloud { source: crate::deploy::CloudError::Denied(_), .. } => EXIT_AUTH,
        _ => EXIT_FAILURE,
    })
}

/// `faafo deploy …`.
pub fn run(args: &DeployArgs, format: Format, verbose: bool) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(run_async(args, format, verbose))
}

async fn run_async(args: &DeployArgs, format: Format, verbose: bool) -> anyhow::Result<()> {
    // A policy that cannot work is a usage error before any cloud is asked.
    match &args.verb {
        Verb::Autoscale(a) if a.shared_state.is_none() => drop(a.policy()?),
        Verb::Up(up) | Verb::Plan(up) => drop(up.policy()?),
        _ => {}
    }
    let env = Environment::from_process();
    let selection = Selection {
        cloud: args.os_cloud.clone(),
        region: args.os_region_name.clone(),
        interface: args.os_interface.clone(),
        secret: None,
    };
    let creds = credentials::resolve(&selection, &env)?;
    let cloud = OpenStack::connect(&creds).await?;
    eprintln!("faafo: using {} — project '{}' ({})", creds.describe(), cloud.project_name(), cloud.project_id());
    let store = StateStore::new(args.state_dir.clone().unwrap_or_else(StateStore::default_dir));
    let json = format == Format::Json;
    let events: EventSink = Arc::new(move |e| {
        // Phases and changes always; waiting lines only with --verbose.
        if verbose || !matches!(e, DeployEvent::Waiting(_)) {
            eprintln!("faafo: {e}");
        }
    });
    let deployer = Deployer::new(&cloud, store).with_events(events);
    let name = args.name.as_str();
    match &args.verb {
        Verb::Plan(up) => {
            let plan = deployer.plan(&options(args, up).await?).await?;
            if json {
                output::print_json(&plan)?;
            } else {
                print(&format!("{plan}\n"));
            }
            plan.check()?;
        }
        Verb::Up(up) => {
            let opts = options(args, up).await?;
            let deployer = deployer.with_timeouts(up.wait.timeouts());
            run_up(&deployer, &opts, &creds.cloud_name(), creds.region.clone(), json).await?;
        }
        Verb::Status(st) => {
            let report = deployer.status(name, !st.no_health).await?;
            if json {
                output::print_json(&report)?;
            } else {
                print(&format!("{report}\n"));
            }
        }
        Verb::Scale(sc) => {
            let opts = ScaleOptions {
                wait: sc.wait.wait(),
                keep_on_failure: sc.wait.keep_on_failure,
                ..ScaleOptions::new(name, sc.workers)
            };
            let report = deployer.with_timeouts(sc.wait.timeouts()).scale_to(&opts).await?;
            if json {
                output::print_json(
                    &json!({ "created": report.created, "removed": report.removed, "servers": report.servers, "url": report.url }),
                )?;
            } else {
                print(&format!(
                    "{} worker(s): {} added, {} removed\n",
                    report.servers.saturating_sub(1),
                    report.created,
                    report.removed
                ));
            }
        }
        Verb::Autoscale(a) => run_autoscale(deployer, a, name, json).await?,
        Verb::Down => {
            let report = deployer.down(name).await?;
            if json {
                output::print_json(&json!({ "removed": report.removed }))?;
            } else {
                print(&format!("removed {} resource(s) of deployment {name}\n", report.removed));
            }
        }
    }
    Ok(())
}

/// `faafo deploy autoscale`: the controller's loop on the shared state (`--shared-state`),
/// or the workstation's on the local state file.
async fn run_autoscale(
    deployer: Deployer<'_, OpenStack>,
    a: &AutoscaleArgs,
    name: &str,
    json: bool,
) -> anyhow::Result<()> {
    if a.shared_state.is_some() {
        let opts = a.shared()?.ok_or_else(|| CliError::Usage("--shared-state needs --secrets-file".into()))?;
        let deployer = deployer.with_timeouts(a.wait.timeouts());
        let step = async || {
            let outcome = deployer.autoscale_shared_once(&opts).await?;
            Ok(match outcome {
                SharedOutcome::Waiting(why) => format!("waiting: {why}"),
                SharedOutcome::Paused => "paused: the policy says so".to_owned(),
                SharedOutcome::Decided(r) if json => serde_json::to_string(&r)?,
                SharedOutcome::Decided(r) => r.line(),
            })
        };
        repeat(a.once, Duration::from_secs(a.interval), step).await?;
    } else {
        let opts = AutoscaleOptions {
            name: name.to_owned(),
            policy: a.policy()?,
            api_url: a.api_url.clone(),
            wait: a.wait.wait(),
            keep_on_failure: a.wait.keep_on_failure,
        };
        let deployer = deployer.with_timeouts(a.wait.timeouts());
        let step = async || {
            let record = deployer.autoscale_once(&opts).await?;
            Ok(if json { serde_json::to_string(&record)? } else { record.line() })
        };
        repeat(a.once, Duration::from_secs(a.interval), step).await?;
    }
    Ok(())
}

/// `faafo deploy autoscale`: one `step` (`once`), else one every `interval` until SIGINT
/// or SIGTERM. A signal during a scaling lets that scaling finish (cancelling it half-way
/// could leave a server the state file does not know) and then ends the loop. Each step
/// (a decision) is one line on stdout (or a JSON object per line).
async fn repeat(
    once: bool,
    interval: Duration,
    mut step: impl AsyncFnMut() -> anyhow::Result<String>,
) -> anyhow::Result<()> {
    let (stop_tx, mut stop) = tokio::sync::watch::channel(false);
    let watcher = tokio::spawn(async move {
        crate::shutdown::signal().await;
        let _ = stop_tx.send(true);
    });
    let result = async {
        loop {
            let line = step().await?;
            print(&format!("{line}\n"));
            if once || *stop.borrow() {
                return Ok(());
            }
            tokio::select! {
                () = tokio::time::sleep(interval) => {}
                _ = stop.changed() => return Ok(()),
            }
        }
    }
    .await;
    watcher.abort();
    result
}

/// `faafo deploy up`: the URL on stdout; the key and where the client token is on stderr.
async fn run_up<C: Cloud>(
    deployer: &Deployer<'_, C>,
    opts: &Options,
    cloud: &str,
    region: Option<String>,
    json: bool,
) -> anyhow::Result<()> {
    let report = deployer.up(opts, cloud, region).await?;
    let state = deployer.store().load(&opts.name)?;
    if json {
        output::print_json(&json!({
            "name": opts.name,
            "deployment_id": state.as_ref().map(|s| s.deployment_id.clone()),
            "url": report.url,
            "created": report.created,
            "removed": report.removed,
            "servers": report.servers,
            "private_key": report.private_key,
            "state_file": deployer.store().path(&opts.name),
        }))?;
    } else {
        if let Some(key) = &report.private_key {
            eprintln!("faafo: ssh key: {}", key.display());
        }
        if let Some(s) = &state {
            eprintln!(
                "faafo: client token for creating and deleting: in {} (secrets.client_token)",
                deployer.store().path(&s.name).display()
            );
        }
        print(&format!("{}\n", report.url.unwrap_or_default()));
    }
    Ok(())
}

/// The options of `plan` and `up`.
async fn options(args: &DeployArgs, up: &UpArgs) -> anyhow::Result<Options> {
    let binaries = match (&up.binaries_url, &up.binaries_dir) {
        (Some(url), _) => {
            BinarySource::Url(Binaries { base_url: url.clone(), sha256: sums(url, up.binaries_sha256.as_ref()).await? })
        }
        (None, Some(dir)) => BinarySource::Upload(dir.clone()),
        (None, None) => {
            let exe =
                std::env::current_exe().map_err(|e| CliError::Failed(format!("cannot find this program: {e}")))?;
            let dir = exe.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
            if !BINARIES.iter().all(|b| dir.join(b).is_file()) {
                return Err(CliError::Usage(format!(
                    "{} lacks faafo-api or faafo-worker: give --binaries-dir DIR or --binaries-url URL",
                    dir.display()
                ))
                .into());
            }
            BinarySource::Upload(dir)
        }
    };
    let key = match (&up.key_name, &up.public_key) {
        (Some(n), _) => KeyChoice::Existing(n.clone()),
        (None, Some(path)) => KeyChoice::Import(
            std::fs::read_to_string(path)
                .map_err(|e| CliError::Usage(format!("cannot read the public key {}: {e}", path.display())))?,
        ),
        (None, None) => KeyChoice::Generate,
    };
    let mut opts = Options::new(binaries);
    opts.name = args.name.to_string();
    opts.workers = up.workers;
    opts.all_in_one = up.all_in_one;
    opts.flavor.clone_from(&up.flavor);
    opts.image.clone_from(&up.image);
    opts.network.clone_from(&up.network);
    opts.external_network.clone_from(&up.external_network);
    opts.key = key;
    opts.ssh_cidr.clone_from(&up.ssh_from);
    opts.demo = up.demo;
    opts.wait = up.wait.wait();
    opts.keep_on_failure = up.wait.keep_on_failure;
    opts.autoscale = up.policy()?;
    if let Some(p) = opts.autoscale {
        opts.workers = opts.workers.clamp(p.min, p.max);
    }
    Ok(opts)
}

/// SHA-256 sums from a file, or from `<url>/SHA256SUMS`.
async fn sums(url: &str, file: Option<&PathBuf>) -> anyhow::Result<BTreeMap<String, String>> {
    let text = match file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| CliError::Usage(format!("cannot read the SHA-256 sums {}: {e}", path.display())))?,
        None => {
            let sums_url = format!("{}/SHA256SUMS", url.trim_end_matches('/'));
            let resp = reqwest::get(&sums_url).await.and_then(reqwest::Response::error_for_status).map_err(|e| {
                CliError::Failed(format!("cannot fetch {sums_url}: {e} (or give --binaries-sha256 FILE)"))
            })?;
            resp.text().await.map_err(|e| CliError::Failed(format!("cannot read {sums_url}: {e}")))?
        }
    };
    let map: BTreeMap<String, String> = text
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let (sum, name) = (parts.next()?, parts.next()?);
            Some((name.trim_start_matches('*').to_owned(), sum.to_owned()))
        })
        .collect();
    for b in BINARIES {
        if !map.contains_key(b) {
            return Err(CliError::Usage(format!("the SHA-256 sums have no line for {b}")).into());
        }
    }
    Ok(map)
}
