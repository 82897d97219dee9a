//! The "Deploy to OpenStack" window: the credentials and deployment fields, the pickers
//! ([`super::pickers`]), the actions (plan, deploy, scale, status, tear down after a
//! confirmation), progress ([`super::progress`]) with *Cancel*, and the last result.
//! Jobs run on a thread of their own ([`super::run`]); *Status* may run beside another
//! job, since it only reads.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::Instant;

use egui::{RichText, TextEdit, Ui};
use faafo_backend::deploy::userdata::BINARIES;
use faafo_backend::deploy::{BinarySource, Cancel, DeployEvent, Offer, Options, Wait};

use super::credentials::{CredentialForm, CredentialSource, DeploySettings, FormError, FormMethod, Picks, Target};
use super::jobs::{DeployConfig, FieldError, Job, JobError, MAX_WORKERS, Outcome};
use super::pickers;
use super::progress::{self, Log};
use super::run::{self, Message, SecretPlan, Verb, check_name};

/// A job on its thread.
struct Running {
    verb: Verb,
    rx: Receiver<Message>,
    phase: String,
    started: Instant,
    phase_started: Instant,
    cancel: Cancel,
    /// *Cancel* was pressed: the job is stopping (and rolling back).
    cancelling: bool,
}

impl Running {
    fn new(verb: Verb, rx: Receiver<Message>, cancel: Cancel) -> Self {
        let now = Instant::now();
        Self { verb, rx, phase: String::new(), started: now, phase_started: now, cancel, cancelling: false }
    }

    fn stop(&mut self) {
        self.cancel.cancel();
        self.cancelling = true;
    }
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

    /// Stops the running jobs (see [`run::spawn`] for what each does when stopped).
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

    /// The last finished job and its outcome (or error).
    pub fn result(&self) -> Option<(Verb, Result<&Outcome, &JobError>)> {
        self.result.as_ref().map(|(v, r)| (*v, r.as_ref()))
    }

    /// The progress lines of the current (or last) job.
    pub fn log(&self) -> &[String] {
        self.log.lines()
    }

    /// The login the pickers belong to: the cloud's or the form's keyring account.
    fn login(&self) -> Option<String> {
        self.target().ok().map(|t| t.keyring_account())
    }

    /// The picks for the chosen cloud.
    fn picks(&self) -> Picks {
        self.login().and_then(|l| self.settings.picks.get(&l).cloned()).unwrap_or_default()
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
        pickers::apply(&self.picks(), &mut opts);
        Ok(opts)
    }

    /// Starts `verb` in the background; a bad field is reported as that job's error.
    /// *Status* while another job runs goes beside it ([`Self::side_status`]).
    pub fn start(&mut self, verb: Verb, ctx: &egui::Context) {
        let beside = verb == Verb::Status && self.running.is_some();
        if (self.running.is_some() && !beside) || (beside && self.side.is_some()) {
            return;
        }
        let cancel = Cancel::new();
        let started = self.job(verb).and_then(|(job, target)| {
            let secret = SecretPlan {
                store: (!self.no_keyring).then(|| Arc::clone(&self.config.secrets)),
                account: target.keyring_account(),
                remember: self.settings.remember_secret && !self.no_keyring,
                typed: Some(self.secret.trim().to_owned()).filter(|s| !s.is_empty()),
            };
            run::spawn(job, target, secret, cancel.clone(), &self.config, ctx)
        });
        if beside {
            match started {
                Ok(rx) => self.side = Some(Running::new(verb, rx, cancel)),
                Err(e) => self.side_result = Some(Err(e)),
            }
            return;
        }
        self.confirm_down = false;
        self.log.clear();
        match started {
            Ok(rx) => {
                self.result = None;
                self.running = Some(Running::new(verb, rx, cancel));
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
            Verb::Offer => Job::Offer,
        };
        let target = self.target().map_err(FieldError::from)?;
        Ok((job, target))
    }

    /// Takes in what the running jobs sent.
    pub fn poll(&mut self) {
        if let Some(side) = &mut self.side {
            let (mut done, mut no_keyring) = (None, false);
            loop {
                match side.rx.try_recv() {
                    Ok(Message::Done(result)) => done = Some(result),
                    Ok(Message::NoKeyring) => no_keyring = true,
                    Ok(_) => continue,
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        done.get_or_insert(Err(JobError::Stopped));
                        break;
                    }
                }
            }
            if no_keyring {
                self.no_keyring_found();
            }
            if let Some(result) = done {
                self.side = None;
                self.side_result = Some(result);
            }
        }
        let Some(running) = &mut self.running else { return };
        let mut finished = None;
        let mut no_keyring = false;
        loop {
            match running.rx.try_recv() {
                Ok(Message::Event(e)) => {
                    if let DeployEvent::Phase(p) = &e {
                        running.phase.clone_from(p);
                        running.phase_started = Instant::now();
                    }
                    self.log.push(&e);
                }
                Ok(Message::SecretKept) => {
                    self.secret.clear();
                    self.keyring_note = Some("The secret is kept in the OS keyring.".to_owned());
                }
                Ok(Message::NoKeyring) => no_keyring = true,
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
        let verb = running.verb;
        if no_keyring {
            self.no_keyring_found();
        }
        if let Some(result) = finished {
            self.running = None;
            if let Ok(Outcome::Offer(offer)) = &result {
                self.take_offer(offer);
            }
            self.result = Some((verb, result));
        }
    }

    /// Said once: no keyring here, so the box is unticked and off and the typed secret
    /// stays in the field (in memory) for the session.
    fn no_keyring_found(&mut self) {
        if self.no_keyring {
            return;
        }
        self.no_keyring = true;
        self.settings.remember_secret = false;
        self.keyring_note = Some(
            "There is no OS keyring on this computer (on Linux one needs a Secret Service such as gnome-keyring \
             or KeePassXC), so the secret cannot be kept: it is used for this session only."
                .to_owned(),
        );
    }

    /// Fills the pickers, preselecting what a project without its own network needs.
    fn take_offer(&mut self, offer: &Offer) {
        let Some(login) = self.login() else { return };
        let picks = self.settings.picks.entry(login.clone()).or_default();
        pickers::adopt(picks, offer);
        self.offer = Some((login, offer.clone()));
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
        if !open {
            self.set_open(false);
        }
        if self.running.is_some() {
            // The elapsed time moves on without messages.
            ctx.request_repaint_after(std::time::Duration::from_millis(500));
        }
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
            ui.separator();
            self.pickers_ui(ui);
        });
    }

    /// The image, flavor and networks, and the button that fills them from the cloud.
    fn pickers_ui(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        let login = self.login();
        let offer = self.offer.as_ref().filter(|(l, _)| Some(l) == login.as_ref()).map(|(_, o)| o.clone());
        ui.horizontal(|ui| {
            ui.label("Servers");
            if ui.button("Load choices from the cloud").clicked() {
                self.start(Verb::Offer, &ctx);
            }
            if let Some(o) = &offer {
                let c = &o.choices;
                let text = format!(
                    "{} images, {} flavors, {} networks, {} external",
                    c.images.len(),
                    c.flavors.len(),
                    c.networks.len(),
                    c.external_networks.len()
                );
                ui.label(RichText::new(text).small());
            }
        });
        let Some(login) = login else {
            return;
        };
        let picks = self.settings.picks.entry(login).or_default();
        pickers::ui(ui, picks, offer.as_ref());
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
            ui.add_enabled(!self.no_keyring, egui::Checkbox::new(&mut s.remember_secret, "Keep in the OS keyring"));
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
            "What is typed here is used, instead of any in clouds.yaml; leave it empty to use clouds.yaml's or the one \
             kept in the OS keyring. Never saved in a settings file.",
        );
        ui.label(RichText::new(hint).small());
    }

    fn actions_ui(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        let busy = self.is_busy();
        ui.horizontal(|ui| {
            for (verb, text) in [(Verb::Plan, "Plan"), (Verb::Up, "Deploy"), (Verb::Scale, "Scale workers")] {
                if ui.add_enabled(!busy, egui::Button::new(text)).clicked() {
                    self.start(verb, &ctx);
                }
            }
            // Status only reads: it may run beside another job.
            if ui.add_enabled(self.side.is_none(), egui::Button::new("Status")).clicked() {
                self.start(Verb::Status, &ctx);
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
        self.running_ui(ui);
    }

    /// The running job: what it does, for how long, and *Cancel*.
    fn running_ui(&mut self, ui: &mut Ui) {
        let timeouts = self.config.timeouts;
        let Some(r) = &mut self.running else { return };
        ui.horizontal(|ui| {
            ui.spinner();
            let phase = if r.phase.is_empty() { String::new() } else { format!(": {}", r.phase) };
            ui.label(format!("{}…{phase}", r.verb.doing()));
        });
        // The button first: the text beside it grows, and a button pushed out of the
        // window could not be clicked.
        ui.horizontal(|ui| {
            if r.verb == Verb::Down {
                ui.label(
                    RichText::new("A tear-down runs to its end: stopped half-way it would leave more behind.").small(),
                );
            } else if r.cancelling {
                let what = if matches!(r.verb, Verb::Up | Verb::Scale) {
                    "Cancelling: what this run created is deleted again…"
                } else {
                    "Cancelling…"
                };
                ui.label(RichText::new(what).color(ui.visuals().warn_fg_color));
            } else if ui.button("Cancel").clicked() {
                r.stop();
            }
        });
        let text = progress::elapsed_text(r.started.elapsed(), &r.phase, r.phase_started.elapsed(), &timeouts);
        ui.label(RichText::new(text).small());
    }

    fn result_ui(&self, ui: &mut Ui) {
        if self.side.is_some() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(Verb::Status.doing());
            });
        }
        match &self.side_result {
            Some(Ok(Outcome::Status { text, .. })) if self.running.is_some() => {
                ui.label(RichText::new(text).monospace());
            }
            Some(Err(e)) if self.running.is_some() => {
                ui.label(RichText::new(format!("Status failed: {e}")).color(ui.visuals().error_fg_color));
            }
            _ => {}
        }
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
                Outcome::Offer(_) => {
                    ui.label("Choices loaded: pick the image, flavor and networks above.");
                }
            },
            None => {}
        }
        if !self.log.lines().is_empty() {
            egui::CollapsingHeader::new("Progress").default_open(true).show(ui, |ui| {
                egui::ScrollArea::vertical().max_height(160.0).stick_to_bottom(true).show(ui, |ui| {
                    for line in self.log.lines() {
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

impl Drop for DeployPanel {
    /// The explorer closing stops a running job, as closing the window does.
    fn drop(&mut self) {
        self.cancel();
    }
}
