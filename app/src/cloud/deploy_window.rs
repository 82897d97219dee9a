//! The "Deploy to OpenStack" window (issue 7): plan, deploy, inspect and tear down a
//! faafo deployment from the explorer, on the library behind `faafo deploy`
//! ([`faafo_backend::deploy`]).
//!
//! Every job runs on a thread of its own with a single-threaded tokio runtime, so the UI
//! thread never waits on the cloud. Progress ([`DeployEvent`]s) and the result come back
//! over a channel; the sender calls `request_repaint` so egui wakes up for them.
//!
//! The cloud is injectable: the panel asks a [`Connector`] to run each [`Job`].
//! [`OpenStackConnector`] resolves clouds.yaml / `OS_*` credentials and talks to the real
//! cloud; [`Connected`] wraps a cloud that is already there (the in-memory
//! [`faafo_backend::deploy::fake::FakeCloud`] in the tests).

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, TryRecvError};

use crate::deploy_credentials::{
    CredentialForm, CredentialSource, DeploySettings, FormMethod, OsKeyring, SecretStore, Target,
};
use egui::{RichText, TextEdit, Ui};
use faafo_backend::deploy::credentials::{self, Environment, Selection};
use faafo_backend::deploy::real::OpenStack;
use faafo_backend::deploy::userdata::{BINARIES, Binaries};
use faafo_backend::deploy::{
    BinarySource, Cloud, DeployEvent, Deployer, EventSink, Options, StateStore, Timeouts, Wait,
};

/// Most workers the panel offers.
pub const MAX_WORKERS: u32 = 20;
/// Progress lines kept.
const LOG_LINES: usize = 500;

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
        /// Workers wanted.
        workers: u32,
    },
    /// The deployment as it is.
    Status {
        /// Deployment name.
        name: String,
        /// Ask its API's `/health` too.
        probe: bool,
    },
    /// Delete everything the deployment created.
    Down(String),
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
        /// Its URL.
        url: Option<String>,
        /// Servers now.
        servers: usize,
        /// Resources created by this run.
        created: usize,
        /// Where a generated private key was saved.
        private_key: Option<PathBuf>,
    },
    /// The deployment now has `workers` workers.
    Scaled {
        /// Workers now.
        workers: usize,
        /// Workers added.
        added: usize,
        /// Workers removed.
        removed: usize,
    },
    /// The deployment's status.
    Status {
        /// As `faafo deploy status` prints it.
        text: String,
        /// Each server's name and state (ACTIVE, BUILD, MISSING, …).
        servers: Vec<(String, String)>,
    },
    /// The deployment is gone.
    Down {
        /// Resources deleted.
        removed: usize,
    },
}

/// Everything a job needs besides the cloud.
#[derive(Clone)]
pub struct JobContext {
    /// What to do.
    pub job: Job,
    /// Where deployments' state files live.
    pub store: StateStore,
    /// Time limits.
    pub timeouts: Timeouts,
    /// Where progress goes.
    pub events: EventSink,
}

// By hand: the event sink is a closure.
impl std::fmt::Debug for JobContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobContext").field("job", &self.job).field("store", &self.store).finish_non_exhaustive()
    }
}

/// A job running; its error is a message for the person.
pub type JobFuture<'a> = Pin<Box<dyn Future<Output = Result<Outcome, String>> + 'a>>;

/// Connects to a cloud and runs jobs on it: the panel's seam to OpenStack.
pub trait Connector: Send + Sync {
    /// Where the clouds come from (for the person) and their names; an empty list means
    /// the `OS_*` variables are used.
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
) -> Result<Outcome, String> {
    let deployer = Deployer::new(cloud, ctx.store).with_events(ctx.events).with_timeouts(ctx.timeouts);
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
    };
    outcome.map_err(|e| e.to_string())
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
            let creds = credentials::resolve(&selection, &env).map_err(|e| e.to_string())?;
            (ctx.events)(DeployEvent::Note(format!("using {}", creds.describe())));
            let os = OpenStack::connect(&creds).await.map_err(|e| e.to_string())?;
            (ctx.events)(DeployEvent::Note(format!("project '{}' ({})", os.project_name(), os.project_id())));
            run_on(&os, &creds.cloud_name(), creds.region.clone(), ctx).await
        })
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

/// Where the panel deploys, and how.
#[derive(Clone)]
pub struct DeployConfig {
    /// The clouds.
    pub connector: Arc<dyn Connector>,
    /// Where the state files live.
    pub state_dir: PathBuf,
    /// Time limits.
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

/// The panel's four actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// Plan.
    Plan,
    /// Deploy (`up`).
    Up,
    /// Scale the workers of a deployment that is up.
    Scale,
    /// Status.
    Status,
    /// Tear down (`down`).
    Down,
}

impl Verb {
    fn doing(self) -> &'static str {
        match self {
            Verb::Plan => "Planning",
            Verb::Up => "Deploying",
            Verb::Scale => "Scaling",
            Verb::Status => "Asking for the status",
            Verb::Down => "Tearing down",
        }
    }
}

enum Message {
    Event(DeployEvent),
    /// The typed secret is in the keyring now: the field can be emptied.
    SecretKept,
    Done(Result<Outcome, String>),
}

struct Running {
    verb: Verb,
    rx: Receiver<Message>,
    phase: String,
}

/// The window's state: fields, the running job, the last result.
pub struct DeployPanel {
    config: DeployConfig,
    open: bool,
    clouds: Option<Result<(String, Vec<String>), String>>,
    /// The fields that are saved with the explorer's settings.
    settings: DeploySettings,
    /// The password or application-credential secret typed (kept in memory only).
    secret: String,
    /// What the last keyring action did.
    keyring_note: Option<String>,
    /// Binaries directory field.
    pub binaries_dir: String,
    /// Wait for the API's health check.
    pub wait_for_health: bool,
    confirm_down: bool,
    running: Option<Running>,
    log: Vec<String>,
    result: Option<(Verb, Result<Outcome, String>)>,
}

/// What the job thread does with the secret: use the typed one (and keep it in the
/// keyring once it worked, if asked) or look one up there.
struct SecretPlan {
    store: Arc<dyn SecretStore>,
    account: String,
    typed: Option<String>,
    remember: bool,
}

impl SecretPlan {
    /// Puts the secret into `target`; says where it came from.
    fn apply(&self, target: &mut Target, events: &EventSink) {
        if let Some(typed) = &self.typed {
            target.secret = Some(typed.clone());
            return;
        }
        match self.store.get(&self.account) {
            Ok(Some(secret)) => {
                events(DeployEvent::Note("using the secret kept in the OS keyring".to_owned()));
                target.secret = Some(secret);
            }
            Ok(None) => {}
            Err(e) => events(DeployEvent::Note(format!("{e}; going on without a kept secret"))),
        }
    }

    /// After a job that authenticated: keeps the typed secret if asked. Returns whether
    /// it is now in the keyring.
    fn keep(&self, events: &EventSink) -> bool {
        let (Some(typed), true) = (&self.typed, self.remember) else { return false };
        match self.store.set(&self.account, typed) {
            Ok(()) => {
                events(DeployEvent::Note("the secret is kept in the OS keyring".to_owned()));
                true
            }
            Err(e) => {
                events(DeployEvent::Note(format!("{e}; the secret was not kept")));
                false
            }
        }
    }
}

impl std::fmt::Debug for DeployPanel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeployPanel")
            .field("open", &self.open)
            .field("settings", &self.settings)
            .field("running", &self.running.as_ref().map(|r| r.verb))
            .field("result", &self.result)
            .finish_non_exhaustive()
    }
}

/// Deployment names as the CLI takes them: they name files and servers.
fn check_name(name: &str) -> Result<(), String> {
    let ok =
        !name.is_empty() && name.len() <= 40 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!("the deployment name must be 1 to 40 letters, digits, '-' or '_', got '{name}'"))
    }
}

impl DeployPanel {
    /// A closed panel deploying as `config` says.
    pub fn new(config: DeployConfig) -> Self {
        Self {
            binaries_dir: config.binaries_dir.display().to_string(),
            wait_for_health: config.wait_for_health,
            config,
            open: false,
            clouds: None,
            settings: DeploySettings::default(),
            secret: String::new(),
            keyring_note: None,
            confirm_down: false,
            running: None,
            log: Vec::new(),
            result: None,
        }
    }

    /// The panel with `settings` (from the explorer's settings file).
    pub fn with_settings(mut self, settings: DeploySettings) -> Self {
        self.settings = settings;
        self
    }

    /// The fields to save with the explorer's settings.
    pub fn settings(&self) -> &DeploySettings {
        &self.settings
    }

    /// Whether the window is open.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Opens (re-reading the clouds) or closes the window; a running job goes on.
    pub fn set_open(&mut self, open: bool) {
        if open && !self.open {
            self.load_clouds();
        }
        self.open = open;
    }

    /// The cloud chosen (`None`: the `OS_*` variables).
    pub fn cloud(&self) -> Option<&str> {
        self.settings.cloud.as_deref()
    }

    /// Whether a job is running.
    pub fn is_busy(&self) -> bool {
        self.running.is_some()
    }

    /// The last finished job and its outcome (or error message).
    pub fn result(&self) -> Option<(Verb, Result<&Outcome, &str>)> {
        self.result.as_ref().map(|(v, r)| (*v, r.as_ref().map_err(String::as_str)))
    }

    /// The progress lines of the current (or last) job.
    pub fn log(&self) -> &[String] {
        &self.log
    }

    fn load_clouds(&mut self) {
        let clouds = self.config.connector.clouds();
        if let Ok((_, names)) = &clouds {
            let keep = self.settings.cloud.as_ref().is_some_and(|c| names.contains(c));
            if !keep {
                let wanted = std::env::var("OS_CLOUD").ok().filter(|c| names.contains(c));
                self.settings.cloud = wanted.or_else(|| names.first().cloned());
            }
        }
        self.clouds = Some(clouds);
    }

    fn options(&self, verb: Verb) -> Result<Options, String> {
        let dir = PathBuf::from(self.binaries_dir.trim());
        if verb == Verb::Up && !BINARIES.iter().all(|b| dir.join(b).is_file()) {
            return Err(format!(
                "the binaries directory '{}' lacks {}: build them (cargo build -p faafo-backend) or choose their directory",
                dir.display(),
                BINARIES.join(", ")
            ));
        }
        // Scaling reuses the binaries the deployment recorded when it went up.
        let source = if verb == Verb::Scale {
            BinarySource::Url(Binaries { base_url: String::new(), sha256: BTreeMap::new() })
        } else {
            BinarySource::Upload(dir)
        };
        let mut opts = Options::new(source);
        opts.name = self.settings.name.trim().to_owned();
        opts.workers = self.settings.workers.min(MAX_WORKERS);
        opts.wait = if self.wait_for_health { Wait::Health } else { Wait::Active };
        Ok(opts)
    }

    /// Starts `verb` in the background; a bad field is reported as that job's error.
    pub fn start(&mut self, verb: Verb, ctx: &egui::Context) {
        if self.running.is_some() {
            return;
        }
        self.confirm_down = false;
        self.log.clear();
        let name = self.settings.name.trim().to_owned();
        let workers = self.settings.workers.min(MAX_WORKERS);
        let job = check_name(&name).and_then(|()| match verb {
            Verb::Plan => self.options(verb).map(Job::Plan),
            Verb::Up => self.options(verb).map(Job::Up),
            Verb::Scale => self.options(verb).map(|options| Job::Scale { options, workers }),
            Verb::Status => Ok(Job::Status { name, probe: self.wait_for_health }),
            Verb::Down => Ok(Job::Down(name)),
        });
        let (job, mut target) = match job.and_then(|job| Ok((job, self.target()?))) {
            Ok(both) => both,
            Err(e) => {
                self.result = Some((verb, Err(e)));
                return;
            }
        };
        let typed = Some(self.secret.trim().to_owned()).filter(|s| !s.is_empty());
        let secret = SecretPlan {
            store: Arc::clone(&self.config.secrets),
            account: target.keyring_account(),
            remember: self.settings.remember_secret,
            typed,
        };
        let (tx, rx) = mpsc::channel();
        let events: EventSink = {
            let (tx, ctx) = (tx.clone(), ctx.clone());
            Arc::new(move |e| {
                let _ = tx.send(Message::Event(e));
                ctx.request_repaint();
            })
        };
        let job_ctx = JobContext {
            job,
            store: StateStore::new(self.config.state_dir.clone()),
            timeouts: self.config.timeouts,
            events: Arc::clone(&events),
        };
        let connector = Arc::clone(&self.config.connector);
        let repaint = ctx.clone();
        let spawned = std::thread::Builder::new().name("faafo-deploy".to_owned()).spawn(move || {
            // The keyring may block (a locked collection asks to be unlocked): here, not
            // on the UI thread.
            secret.apply(&mut target, &events);
            let result = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => runtime.block_on(connector.run(&target, job_ctx)),
                Err(e) => Err(format!("cannot start the async runtime: {e}")),
            };
            // Every job authenticates first, so success means the secret is right.
            if result.is_ok() && secret.keep(&events) {
                let _ = tx.send(Message::SecretKept);
            }
            let _ = tx.send(Message::Done(result));
            repaint.request_repaint();
        });
        match spawned {
            Ok(_) => {
                self.result = None;
                self.running = Some(Running { verb, rx, phase: String::new() });
            }
            Err(e) => self.result = Some((verb, Err(format!("cannot start the deploy thread: {e}")))),
        }
    }

    /// Takes in what the running job sent.
    pub fn poll(&mut self) {
        let Some(running) = &mut self.running else { return };
        let mut finished = None;
        loop {
            match running.rx.try_recv() {
                Ok(Message::Event(e)) => {
                    if let DeployEvent::Phase(p) = &e {
                        running.phase.clone_from(p);
                    }
                    self.log.push(e.to_string());
                }
                Ok(Message::SecretKept) => {
                    self.secret.clear();
                    self.keyring_note = Some("The secret is kept in the OS keyring.".to_owned());
                }
                Ok(Message::Done(result)) => {
                    finished = Some(result);
                    break;
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    finished = Some(Err("the deploy thread stopped unexpectedly".to_owned()));
                    break;
                }
            }
        }
        if self.log.len() > LOG_LINES {
            self.log.drain(..self.log.len() - LOG_LINES);
        }
        if let Some(result) = finished {
            let verb = running.verb;
            self.running = None;
            self.result = Some((verb, result));
        }
    }

    /// Takes in progress and draws the window (if open).
    pub fn ui(&mut self, ctx: &egui::Context) {
        self.poll();
        if !self.open {
            return;
        }
        if self.clouds.is_none() {
            self.load_clouds();
        }
        let mut open = self.open;
        egui::Window::new("Deploy to OpenStack").open(&mut open).default_width(560.0).show(ctx, |ui| {
            self.form_ui(ui);
            ui.separator();
            self.actions_ui(ui);
            ui.separator();
            self.result_ui(ui);
        });
        self.open = open;
    }

    /// The cloud the fields point at (the secret is added in the job thread).
    fn target(&self) -> Result<Target, String> {
        match self.settings.source {
            CredentialSource::CloudsYaml => Ok(Target { cloud: self.settings.cloud.clone(), ..Target::default() }),
            CredentialSource::Form => Ok(Target { form: Some(self.settings.form.env_pairs()?), ..Target::default() }),
        }
    }

    fn form_ui(&mut self, ui: &mut Ui) {
        let busy = self.is_busy();
        ui.add_enabled_ui(!busy, |ui| {
            self.credentials_ui(ui);
            ui.separator();
            let s = &mut self.settings;
            ui.horizontal(|ui| {
                let l = ui.label("Deployment name");
                ui.add(TextEdit::singleline(&mut s.name).desired_width(160.0)).labelled_by(l.id);
            });
            ui.horizontal(|ui| {
                let l = ui.label("Workers");
                ui.add(egui::DragValue::new(&mut s.workers).range(0..=MAX_WORKERS)).labelled_by(l.id);
            });
            ui.horizontal(|ui| {
                let l = ui.label("Binaries directory");
                ui.add(TextEdit::singleline(&mut self.binaries_dir).desired_width(300.0)).labelled_by(l.id);
            });
            ui.checkbox(&mut self.wait_for_health, "Wait until the API answers (else until the servers are ACTIVE)");
        });
    }

    /// Where the credentials come from, and the secret.
    fn credentials_ui(&mut self, ui: &mut Ui) {
        let s = &mut self.settings;
        ui.horizontal(|ui| {
            ui.label("Credentials:");
            ui.radio_value(&mut s.source, CredentialSource::CloudsYaml, "clouds.yaml");
            ui.radio_value(&mut s.source, CredentialSource::Form, "Form");
        });
        match s.source {
            CredentialSource::CloudsYaml => match &self.clouds {
                Some(Ok((source, names))) => {
                    ui.label(RichText::new(format!("Clouds: {source}")).small());
                    if !names.is_empty() {
                        let selected = s.cloud.clone().unwrap_or_default();
                        egui::ComboBox::from_label("Cloud").selected_text(selected).show_ui(ui, |ui| {
                            for n in names {
                                ui.selectable_value(&mut s.cloud, Some(n.clone()), n);
                            }
                        });
                    }
                }
                Some(Err(e)) => {
                    ui.label(RichText::new(format!("Cannot read the clouds: {e}")).color(ui.visuals().error_fg_color));
                }
                None => {}
            },
            CredentialSource::Form => form_fields_ui(&mut s.form, ui),
        }
        let mut forget = false;
        ui.horizontal(|ui| {
            let l = ui.label("Password or secret");
            ui.add(TextEdit::singleline(&mut self.secret).password(true).desired_width(200.0)).labelled_by(l.id);
            ui.checkbox(&mut s.remember_secret, "Keep in the OS keyring");
            forget = ui.button("Forget kept secret").clicked();
        });
        if forget {
            self.keyring_note = Some(match self.target() {
                Ok(t) => match self.config.secrets.delete(&t.keyring_account()) {
                    Ok(()) => "The OS keyring holds no secret for this cloud now.".to_owned(),
                    Err(e) => e,
                },
                Err(e) => e,
            });
        }
        let hint = self.keyring_note.as_deref().unwrap_or(
            "Leave empty when clouds.yaml has it, or to use the one kept in the OS keyring; never saved in a settings file.",
        );
        ui.label(RichText::new(hint).small());
    }

    fn actions_ui(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        let busy = self.is_busy();
        ui.horizontal(|ui| {
            for (verb, text) in
                [(Verb::Plan, "Plan"), (Verb::Up, "Deploy"), (Verb::Scale, "Scale workers"), (Verb::Status, "Status")]
            {
                if ui.add_enabled(!busy, egui::Button::new(text)).clicked() {
                    self.start(verb, &ctx);
                }
            }
            if ui.add_enabled(!busy && !self.confirm_down, egui::Button::new("Tear down")).clicked() {
                self.confirm_down = true;
            }
        });
        if self.confirm_down {
            ui.horizontal(|ui| {
                ui.label(format!("Delete every resource of deployment '{}'?", self.settings.name.trim()));
                if ui.button("Yes, tear down").clicked() {
                    self.start(Verb::Down, &ctx);
                }
                if ui.button("Cancel").clicked() {
                    self.confirm_down = false;
                }
            });
        }
        if let Some(r) = &self.running {
            ui.horizontal(|ui| {
                ui.spinner();
                let phase = if r.phase.is_empty() { String::new() } else { format!(": {}", r.phase) };
                ui.label(format!("{}…{phase}", r.verb.doing()));
            });
        }
    }

    fn result_ui(&self, ui: &mut Ui) {
        match &self.result {
            Some((verb, Err(e))) => {
                let text = format!("{} failed: {e}", verb.doing());
                ui.label(RichText::new(text).color(ui.visuals().error_fg_color));
            }
            Some((_, Ok(outcome))) => match outcome {
                Outcome::Plan { text, quota_ok } => {
                    ui.label(RichText::new(text).monospace());
                    if !quota_ok {
                        ui.label(
                            RichText::new("Not enough quota: Deploy would stop before creating anything.")
                                .color(ui.visuals().warn_fg_color),
                        );
                    }
                }
                Outcome::Up { url, servers, created, private_key } => {
                    match url {
                        Some(url) => {
                            ui.horizontal(|ui| {
                                ui.label("Deployed:");
                                ui.hyperlink(url);
                            });
                        }
                        None => {
                            ui.label("Deployed (no floating IP).");
                        }
                    }
                    ui.label(format!("{servers} server(s); {created} resource(s) created by this run"));
                    if let Some(key) = private_key {
                        ui.label(format!("SSH private key: {}", key.display()));
                    }
                }
                Outcome::Scaled { workers, added, removed } => {
                    ui.label(format!("Scaled: {workers} worker(s) now ({added} added, {removed} removed)."));
                }
                Outcome::Status { text, .. } => {
                    ui.label(RichText::new(text).monospace());
                }
                Outcome::Down { removed } => {
                    ui.label(format!("Torn down: {removed} resource(s) removed."));
                }
            },
            None => {}
        }
        if !self.log.is_empty() {
            egui::CollapsingHeader::new("Progress").default_open(true).show(ui, |ui| {
                egui::ScrollArea::vertical().max_height(160.0).stick_to_bottom(true).show(ui, |ui| {
                    for line in &self.log {
                        ui.label(RichText::new(line).small());
                    }
                });
            });
        }
    }
}

/// The form's fields, labelled as in an openrc file's comments.
fn form_fields_ui(form: &mut CredentialForm, ui: &mut Ui) {
    let field = |ui: &mut Ui, label: &str, value: &mut String| {
        ui.horizontal(|ui| {
            let l = ui.label(label);
            ui.add(TextEdit::singleline(value).desired_width(260.0)).labelled_by(l.id);
        });
    };
    field(ui, "Auth URL", &mut form.auth_url);
    ui.horizontal(|ui| {
        ui.radio_value(&mut form.method, FormMethod::Password, "Password");
        ui.radio_value(&mut form.method, FormMethod::ApplicationCredential, "Application credential");
    });
    match form.method {
        FormMethod::Password => {
            field(ui, "User name", &mut form.username);
            field(ui, "User domain", &mut form.user_domain);
            field(ui, "Project", &mut form.project);
            field(ui, "Project domain", &mut form.project_domain);
        }
        FormMethod::ApplicationCredential => field(ui, "Credential ID", &mut form.credential_id),
    }
    field(ui, "Region (optional)", &mut form.region);
}
