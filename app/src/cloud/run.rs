//! Running a job: the window's five actions, each on a thread of its own with a
//! single-threaded tokio runtime so the UI thread never waits on the cloud, the secret
//! taken from (or kept in) the OS keyring there, since the keyring may block, and the
//! messages that bring progress and the result back.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};

use faafo_backend::deploy::{DeployEvent, EventSink, StateStore};

use super::credentials::{SecretStore, Target};
use super::jobs::{DeployConfig, FieldError, Job, JobContext, JobError, Outcome};

/// The window's actions.
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
    pub(super) fn doing(self) -> &'static str {
        match self {
            Verb::Plan => "Planning",
            Verb::Up => "Deploying",
            Verb::Scale => "Scaling",
            Verb::Status => "Asking for the status",
            Verb::Down => "Tearing down",
        }
    }
}

/// What the job's thread sends back.
pub(super) enum Message {
    /// Progress.
    Event(DeployEvent),
    /// The typed secret is in the keyring now: the field can be emptied.
    SecretKept,
    /// The job is over.
    Done(Result<Outcome, JobError>),
}

/// What the job thread does with the secret: use the typed one (and keep it in the
/// keyring once it worked, if asked) or look one up there.
pub(super) struct SecretPlan {
    pub(super) store: Arc<dyn SecretStore>,
    pub(super) account: String,
    /// The secret typed, if any (else the kept one is used).
    pub(super) typed: Option<String>,
    /// Keep the typed secret once a job has worked with it.
    pub(super) remember: bool,
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

/// Deployment names by the deploy library's one rule, the CLI's: they name files and
/// servers.
pub(super) fn check_name(name: &str) -> Result<(), FieldError> {
    faafo_backend::deploy::DeploymentName::parse(name).map(drop).map_err(|e| FieldError::Name(e.name))
}

/// Starts `job` on `target` on a thread of its own; what it sends arrives on the
/// returned channel, and `ctx` is woken for each message.
pub(super) fn spawn(
    job: Job,
    mut target: Target,
    secret: SecretPlan,
    config: &DeployConfig,
    ctx: &egui::Context,
) -> Result<Receiver<Message>, JobError> {
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
        store: StateStore::new(config.state_dir.clone()),
        timeouts: config.timeouts,
        events: Arc::clone(&events),
    };
    let connector = Arc::clone(&config.connector);
    let repaint = ctx.clone();
    std::thread::Builder::new()
        .name("faafo-deploy".to_owned())
        .spawn(move || {
            // The keyring may block (a locked collection asks to be unlocked): here, not
            // on the UI thread.
            secret.apply(&mut target, &events);
            let result = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => runtime.block_on(connector.run(&target, job_ctx)),
                Err(source) => Err(JobError::Start { what: "async runtime", source }),
            };
            // Every job authenticates first, so success means the secret is right.
            if result.is_ok() && secret.keep(&events) {
                let _ = tx.send(Message::SecretKept);
            }
            let _ = tx.send(Message::Done(result));
            repaint.request_repaint();
        })
        .map_err(|source| JobError::Start { what: "deploy thread", source })?;
    Ok(rx)
}
