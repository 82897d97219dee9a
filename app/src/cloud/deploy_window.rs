//! The "Deploy to OpenStack" window: the credentials and deployment fields, the five
//! actions (plan, deploy, scale, status, tear down after a confirmation), progress and
//! the last result. Jobs run on a thread of their own ([`super::run`]).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError};

use egui::{RichText, TextEdit, Ui};
use faafo_backend::deploy::userdata::BINARIES;
use faafo_backend::deploy::{BinarySource, DeployEvent, Options, Wait};

use super::credentials::{CredentialForm, CredentialSource, DeploySettings, FormError, FormMethod, Target};
use super::jobs::{DeployConfig, FieldError, Job, JobError, MAX_WORKERS, Outcome};
use super::run::{self, Message, SecretPlan, Verb, check_name};

/// Progress lines kept.
const LOG_LINES: usize = 500;

struct Running {
    verb: Verb,
    rx: Receiver<Message>,
    phase: String,
}

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
    /// Where the binaries are uploaded from, as typed.
    pub binaries_dir: String,
    /// Wait for the API's health check (else only for the servers to be ACTIVE).
    pub wait_for_health: bool,
    confirm_down: bool,
    running: Option<Running>,
    log: Vec<String>,
    result: Option<(Verb, Result<Outcome, JobError>)>,
    /// *Use this cluster* was pressed: the API's URL and client token, for the app.
    use_cluster: Option<(String, Option<String>)>,
    /// Why *Use this cluster* could not.
    use_note: Option<String>,
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
            confirm_down: false,
            running: None,
            log: Vec::new(),
            result: None,
            use_cluster: None,
            use_note: None,
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

    /// The last finished job and its outcome (or error).
    pub fn result(&self) -> Option<(Verb, Result<&Outcome, &JobError>)> {
        self.result.as_ref().map(|(v, r)| (*v, r.as_ref()))
    }

    /// The progress lines of the current (or last) job.
    pub fn log(&self) -> &[String] {
        &self.log
    }

    /// What *Use this cluster* asked for since the last call: the deployment's API URL
    /// and client token, for the Cluster window to connect with.
    pub fn take_use_cluster(&mut self) -> Option<(String, Option<String>)> {
        self.use_cluster.take()
    }

    /// The deployment's API URL and client token, from its state file.
    fn cluster_of(&self) -> Result<(String, Option<String>), String> {
        let name = self.settings.name.trim();
        let store = faafo_backend::deploy::StateStore::new(self.config.state_dir.clone());
        let state = store.load(name).map_err(|e| e.to_string())?;
        let state = state.ok_or_else(|| format!("no deployment '{name}' is recorded here; deploy it first"))?;
        let url = state.url().ok_or_else(|| format!("deployment '{name}' has no floating IP (no API URL) yet"))?;
        let token = Some(state.secrets.client_token.clone()).filter(|t| !t.is_empty());
        Ok((url, token))
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

    fn options(&self, verb: Verb) -> Result<Options, FieldError> {
        let dir = PathBuf::from(self.binaries_dir.trim());
        if verb == Verb::Up && !BINARIES.iter().all(|b| dir.join(b).is_file()) {
            return Err(FieldError::Binaries { dir, missing: BINARIES.join(", ") });
        }
        // Scaling reuses the binaries the deployment recorded when it went up.
        let source = if verb == Verb::Scale { BinarySource::Recorded } else { BinarySource::Upload(dir) };
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
        let started = self.job(verb).and_then(|(job, target)| {
            let secret = SecretPlan {
                store: Arc::clone(&self.config.secrets),
                account: target.keyring_account(),
                remember: self.settings.remember_secret,
                typed: Some(self.secret.trim().to_owned()).filter(|s| !s.is_empty()),
            };
            run::spawn(job, target, secret, &self.config, ctx)
        });
        match started {
            Ok(rx) => {
                self.result = None;
                self.running = Some(Running { verb, rx, phase: String::new() });
            }
            Err(e) => self.result = Some((verb, Err(e))),
        }
    }

    /// The job `verb` stands for with the fields as they are, and the cloud to run it on.
    fn job(&self, verb: Verb) -> Result<(Job, Target), JobError> {
        let name = self.settings.name.trim().to_owned();
        let workers = self.settings.workers.min(MAX_WORKERS);
        check_name(&name)?;
        let job = match verb {
            Verb::Plan => Job::Plan(self.options(verb)?),
            Verb::Up => Job::Up(self.options(verb)?),
            Verb::Scale => Job::Scale { options: self.options(verb)?, workers },
            Verb::Status => Job::Status { name, probe: self.wait_for_health },
            Verb::Down => Job::Down(name),
        };
        let target = self.target().map_err(FieldError::from)?;
        Ok((job, target))
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
                    finished = Some(Err(JobError::Stopped));
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
    fn target(&self) -> Result<Target, FormError> {
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
                ui.label(RichText::new(format!("0 to {MAX_WORKERS}")).small());
            });
            if s.workers == 0 {
                let warning = "No workers: the controller takes tasks, but nothing renders them until you scale up.";
                ui.label(RichText::new(warning).color(ui.visuals().warn_fg_color));
            }
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
                    Err(e) => e.to_string(),
                },
                Err(e) => e.to_string(),
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
            if ui.add_enabled(!busy, egui::Button::new("Use this cluster")).clicked() {
                match self.cluster_of() {
                    Ok(found) => {
                        self.use_cluster = Some(found);
                        self.use_note = None;
                    }
                    Err(e) => self.use_note = Some(e),
                }
            }
        });
        if let Some(note) = &self.use_note {
            ui.label(RichText::new(note).color(ui.visuals().error_fg_color));
        }
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
