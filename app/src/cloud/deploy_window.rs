//! The "Deploy to OpenStack" window: the credentials and deployment fields, the pickers
//! ([`super::pickers`]), the actions (plan, deploy, scale, status, tear down after a
//! confirmation), the autoscaler (range at deploy time; policy, decisions, pause),
//! progress ([`super::progress`]) with *Cancel*, and the last result.
//! Jobs run on a thread of their own ([`super::run`]); *Status* may run beside another
//! job, since it only reads.
//!
//! This module holds the [`DeployPanel`], its accessors and the window frame; the rest
//! is split by concern: `form` (the credentials and deployment fields), `picks` (the
//! pickers' glue), `actions` (the buttons), `autoscale` (the autoscaling section), `job` (starting jobs and taking in what they
//! send) and `report` (the running job, the outcome and the progress log).

mod actions;
mod autoscale;
mod form;
mod job;
mod picks;
mod report;

use faafo_backend::deploy::Offer;
use faafo_backend::deploy::shared::{SharedPolicy, SharedView};

use self::job::Running;
use super::credentials::DeploySettings;
use super::jobs::{DeployConfig, JobError, Outcome};
use super::progress::Log;
use super::run::Verb;

/// The window's state: fields, the running job, the last result.
pub struct DeployPanel {
    config: DeployConfig,
    open: bool,
    /// Where the clouds come from and their names, or why they cannot be listed.
    clouds: Option<Result<(String, Vec<String>), String>>,
    /// The fields that are saved with the explorer's settings.
    settings: DeploySettings,
    /// The password or application-credential secret typed (kept in memory only).
    secret: String,
    /// What the last keyring action did.
    keyring_note: Option<String>,
    /// There is no OS keyring (found out by a job): said once, the box unticked and off.
    no_keyring: bool,
    /// Where the binaries are uploaded from, as typed.
    pub binaries_dir: String,
    /// Wait for the API's health check (else only for the servers to be ACTIVE).
    pub wait_for_health: bool,
    confirm_down: bool,
    running: Option<Running>,
    /// *Status* asked while another job runs, and its last answer.
    side: Option<Running>,
    side_result: Option<Result<Outcome, JobError>>,
    log: Log,
    result: Option<(Verb, Result<Outcome, JobError>)>,
    /// The pickers' contents, for the login (keyring account) they were loaded with.
    offer: Option<(String, Offer)>,
    /// *Use this cluster* was pressed: the API's URL and client token, for the app.
    use_cluster: Option<(String, Option<String>)>,
    /// Why *Use this cluster* could not.
    use_note: Option<String>,
    /// The autoscaler on the controller, as last read.
    autoscaler: Option<SharedView>,
    /// Its policy as being edited (sent by *Apply*, *Pause*, *Resume*).
    policy_edit: Option<SharedPolicy>,
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
            no_keyring: false,
            confirm_down: false,
            running: None,
            side: None,
            side_result: None,
            log: Log::default(),
            result: None,
            offer: None,
            use_cluster: None,
            use_note: None,
            autoscaler: None,
            policy_edit: None,
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

    /// Opens (re-reading the clouds) or closes the window. Closing stops a running job
    /// as *Cancel* does: nobody would see it end.
    pub fn set_open(&mut self, open: bool) {
        if open && !self.open {
            self.load_clouds();
        }
        if !open {
            self.cancel();
        }
        self.open = open;
    }

    /// Stops the running jobs (see [`run::spawn`](super::run::spawn) for what each does when stopped).
    pub fn cancel(&mut self) {
        for r in [&mut self.running, &mut self.side].into_iter().flatten() {
            r.stop();
        }
    }

    /// The last answer of a *Status* asked while another job ran.
    pub fn side_status(&self) -> Option<Result<&Outcome, &JobError>> {
        self.side_result.as_ref().map(Result::as_ref)
    }

    /// Whether a job's thread found that there is no OS keyring.
    pub fn keyring_missing(&self) -> bool {
        self.no_keyring
    }

    /// The pickers' contents, once loaded.
    pub fn offer(&self) -> Option<&Offer> {
        self.offer.as_ref().map(|(_, o)| o)
    }

    /// The cloud chosen (`None`: the `OS_*` variables).
    pub fn cloud(&self) -> Option<&str> {
        self.settings.cloud.as_deref()
    }

    /// Whether a job is running.
    pub fn is_busy(&self) -> bool {
        self.running.is_some()
    }

    /// The autoscaler on the controller, as last read (*Show autoscaler*).
    pub fn autoscaler(&self) -> Option<&SharedView> {
        self.autoscaler.as_ref()
    }

    /// The last finished job and its outcome (or error).
    pub fn result(&self) -> Option<(Verb, Result<&Outcome, &JobError>)> {
        self.result.as_ref().map(|(v, r)| (*v, r.as_ref()))
    }

    /// The progress lines of the current (or last) job.
    pub fn log(&self) -> &[String] {
        self.log.lines()
    }

    /// What *Use this cluster* asked for since the last call: the deployment's API URL
    /// and client token, for the Cluster window to connect with.
    pub fn take_use_cluster(&mut self) -> Option<(String, Option<String>)> {
        self.use_cluster.take()
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
            ui.separator();
            self.autoscale_ui(ui);
        });
        if !open {
            self.set_open(false);
        }
        if self.running.is_some() {
            // The elapsed time moves on without messages.
            ctx.request_repaint_after(std::time::Duration::from_millis(500));
        }
    }
}

impl Drop for DeployPanel {
    /// The explorer closing stops a running job, as closing the window does.
    fn drop(&mut self) {
        self.cancel();
    }
}
