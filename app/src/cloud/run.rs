//! Running a job: the window's actions, each on a thread of its own with a
//! single-threaded tokio runtime so the UI thread never waits on the cloud, the secret
//! taken from (or kept in) the OS keyring there, since the keyring may block, and the
//! messages that bring progress and the result back.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};

use faafo_backend::deploy::{Cancel, DeployEvent, EventSink, StateStore};

use super::credentials::{KeyringError, SecretStore, Target, TypedFrom};
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
    /// Fill the pickers from the cloud.
    Offer,
    /// Read the autoscaler's policy and decisions.
    Autoscaler,
    /// Change the autoscaler's policy (range, pause).
    Policy,
}

impl Verb {
    pub(super) fn doing(self) -> &'static str {
        match self {
            Verb::Plan => "Planning",
            Verb::Up => "Deploying",
            Verb::Scale => "Scaling",
            Verb::Status => "Asking for the status",
            Verb::Down => "Tearing down",
            Verb::Offer => "Loading the choices",
            Verb::Autoscaler => "Reading the autoscaler",
            Verb::Policy => "Changing the autoscaling policy",
        }
    }
}

/// What the job's thread sends back.
pub(super) enum Message {
    /// Progress.
    Event(DeployEvent),
    /// The typed secret is in the keyring now: the field can be emptied.
    SecretKept,
    /// There is no OS keyring to use: the window says so once and stops offering to
    /// keep secrets.
    NoKeyring,
    /// The job is over.
    Done(Result<Outcome, JobError>),
}

/// What the job thread does with the secret: use the typed one (and keep it in the
/// keyring once it authenticated, if asked) or look one up there.
pub(super) struct SecretPlan {
    /// `None`: there is no keyring (the window found out earlier).
    pub(super) store: Option<Arc<dyn SecretStore>>,
    pub(super) account: String,
    /// The secret typed, if any (else the kept one is used).
    pub(super) typed: Option<String>,
    /// Keep the typed secret once a job has authenticated with it.
    pub(super) remember: bool,
}

impl SecretPlan {
    /// Puts the secret into `target`: the typed one, else the kept one. A missing
    /// keyring is reported on `tx` (once per job; the window shows it once).
    fn apply(&self, target: &mut Target, events: &EventSink, tx: &Sender<Message>) {
        if let Some(typed) = &self.typed {
            target.secret = Some(typed.clone());
            target.typed_from = Some(TypedFrom::Field);
            return;
        }
        let Some(store) = &self.store else { return };
        match store.get(&self.account) {
            Ok(Some(secret)) => {
                events(DeployEvent::Note("using the secret kept in the OS keyring".to_owned()));
                target.secret = Some(secret);
                target.typed_from = Some(TypedFrom::Keyring);
            }
            Ok(None) => {}
            Err(KeyringError::Unavailable(_)) => {
                let _ = tx.send(Message::NoKeyring);
            }
            Err(e) => events(DeployEvent::Note(format!("{e}; going on without a kept secret"))),
        }
    }

    /// After a job that authenticated: keeps the typed secret if asked. Returns whether
    /// it is now in the keyring.
    fn keep(&self, events: &EventSink, tx: &Sender<Message>) -> bool {
        let (Some(typed), true, Some(store)) = (&self.typed, self.remember, &self.store) else { return false };
        match store.set(&self.account, typed) {
            Ok(()) => {
                events(DeployEvent::Note("the secret is kept in the OS keyring".to_owned()));
                true
            }
            Err(KeyringError::Unavailable(_)) => {
                let _ = tx.send(Message::NoKeyring);
                false
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
/// returned channel, and `ctx` is woken for each message. Setting `cancel` stops it:
/// a job that creates nothing is dropped at once, `up` and `scale` stop at their next
/// poll and roll back, `down` runs to its end.
pub(super) fn spawn(
    job: Job,
    mut target: Target,
    secret: SecretPlan,
    cancel: Cancel,
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
    let droppable = job.read_only();
    let job_ctx = JobContext {
        job,
        store: StateStore::new(config.state_dir.clone()),
        timeouts: config.timeouts,
        events: Arc::clone(&events),
        cancel: cancel.clone(),
    };
    let connector = Arc::clone(&config.connector);
    let repaint = ctx.clone();
    std::thread::Builder::new()
        .name("faafo-deploy".to_owned())
        .spawn(move || {
            // The keyring may block (a locked collection asks to be unlocked): here, not
            // on the UI thread.
            secret.apply(&mut target, &events, &tx);
            let result = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => runtime.block_on(async {
                    tokio::select! {
                        result = connector.run(&target, job_ctx) => result,
                        () = cancelled(&cancel), if droppable => Err(JobError::Cancelled),
                    }
                }),
                Err(source) => Err(JobError::Start { what: "async runtime", source }),
            };
            // Every job authenticates first: a job that got past it proved the secret.
            let authenticated = result.as_ref().map_or_else(JobError::authenticated, |_| true);
            if authenticated && secret.keep(&events, &tx) {
                let _ = tx.send(Message::SecretKept);
            }
            let _ = tx.send(Message::Done(result));
            repaint.request_repaint();
        })
        .map_err(|source| JobError::Start { what: "deploy thread", source })?;
    Ok(rx)
}

/// Returns once `cancel` is set (looked at every 50 ms).
async fn cancelled(cancel: &Cancel) {
    while !cancel.is_cancelled() {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
