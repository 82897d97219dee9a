//! Starting a job from the fields and taking in what its thread sends: kept apart from
//! the drawing so the job's life (start, *Status* beside another job, messages, the
//! keyring found missing, the offer adopted) reads in one place.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::Instant;

use faafo_backend::deploy::userdata::BINARIES;
use faafo_backend::deploy::{BinarySource, Cancel, DeployEvent, Options, Policy, Wait};

use super::DeployPanel;
use crate::cloud::credentials::Target;
use crate::cloud::jobs::{FieldError, Job, JobError, MAX_WORKERS, Outcome};
use crate::cloud::pickers;
use crate::cloud::run::{self, Message, SecretPlan, Verb, check_name};

/// A job on its thread.
pub(super) struct Running {
    pub(super) verb: Verb,
    pub(super) rx: Receiver<Message>,
    pub(super) phase: String,
    pub(super) started: Instant,
    pub(super) phase_started: Instant,
    pub(super) cancel: Cancel,
    /// *Cancel* was pressed: the job is stopping (and rolling back).
    pub(super) cancelling: bool,
}

impl Running {
    pub(super) fn new(verb: Verb, rx: Receiver<Message>, cancel: Cancel) -> Self {
        let now = Instant::now();
        Self { verb, rx, phase: String::new(), started: now, phase_started: now, cancel, cancelling: false }
    }

    pub(super) fn stop(&mut self) {
        self.cancel.cancel();
        self.cancelling = true;
    }
}

impl DeployPanel {
    /// The options of `verb` from the fields; the binaries must all be there to go up.
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
        let a = self.settings.autoscale;
        if a.enabled && matches!(verb, Verb::Up | Verb::Plan) {
            let policy = Policy::new(a.min, a.max, a.tasks_per_worker, a.cooldown_seconds)
                .map_err(|e| FieldError::Autoscale(e.to_string().replace("--", "")))?;
            opts.autoscale = Some(policy);
            // As the CLI does: the first worker count within the range.
            opts.workers = opts.workers.clamp(policy.min, policy.max);
        }
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
            Verb::Autoscaler => Job::Autoscaler(name),
            Verb::Policy => {
                let policy = self
                    .policy_edit
                    .ok_or_else(|| FieldError::Autoscale("read the autoscaler first (Show autoscaler)".to_owned()))?;
                let p = policy.policy;
                Policy::new(p.min, p.max, p.tasks_per_worker, p.cooldown_seconds)
                    .map_err(|e| FieldError::Autoscale(e.to_string().replace("--", "")))?;
                Job::SetPolicy { name, policy }
            }
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
            if let Ok(Outcome::Autoscaler(view)) = &result {
                self.policy_edit = view.policy;
                self.autoscaler = Some((**view).clone());
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
}
