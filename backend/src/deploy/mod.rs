//! One-command (and, from the desktop app, one-click) deployment of faafo to an OpenStack
//! project: what the first-app tutorial did by hand (its §9), done safely and undone
//! exactly.
//!
//! # Layout
//! - [`credentials`]: clouds.yaml / secure.yaml / `OS_*` resolution → an osauth session.
//! - [`cloud`]: the [`Cloud`] trait — exactly the operations needed; [`real`] implements it
//!   on the `openstack` crate and raw calls on its osauth session, [`fake`] in memory.
//! - [`Options`], [`ScaleOptions`], [`DeploymentName`]: what to deploy or scale.
//! - [`plan`]: what `up` would create, and the quota pre-check; [`Offer`]: what a person
//!   may pick from (images, flavors, networks) and `up`'s own choices.
//! - [`up`], [`scale`], [`down`], [`status`]: the orchestration, on [`Deployer`]; `up`'s
//!   steps for servers and the floating IP, the bookkeeping of a run (and its rollback)
//!   and the waiting on the cloud each have a module of their own.
//! - [`autoscale`]: the autoscaler's pure decision (queue depth → workers, cool-down);
//!   [`Deployer::autoscale_once`] reads the queue from the API and scales.
//! - [`shared`]: `up --autoscale`'s autoscaler on the controller — its application
//!   credential, and the state and policy it shares with the workstation through a
//!   private object-storage container.
//! - [`state`]: the local state file of ids (and generated secrets) per deployment.
//! - [`userdata`]: cloud-init from `assets/deploy/`, base64, Nova's size limit.
//!
//! Every resource carries the tags `faafo` and `faafo-<deployment id>`
//! ([`state::State::tag`]); the state file records the ids. Progress goes to an event
//! callback ([`DeployEvent`], [`Deployer::with_events`]: the CLI prints it, the desktop
//! app's window lists it); [`Deployer::with_channel`] sends it to a channel instead.

pub mod autoscale;
mod autoscaler;
mod cancel;
pub mod cloud;
pub mod credentials;
pub mod down;
mod error;
mod event;
pub mod fake;
mod floating_ip;
mod name;
mod offer;
mod options;
pub mod plan;
pub mod real;
mod resource;
mod run;
pub mod scale;
mod servers;
pub mod shared;
pub mod state;
pub mod status;
pub mod up;
pub mod userdata;
mod wait;

use std::fmt;
use std::sync::Arc;

pub use autoscale::{Decision, DecisionRecord, Policy, PolicyError};
pub use autoscaler::AutoscaleOptions;
pub use cancel::Cancel;
pub use cloud::{AppCredential, Choices, Cloud, CloudError, ServerStatus};
pub use error::DeployError;
pub use error::DeployResult;
pub(crate) use error::Phase;
pub use event::{DeployEvent, EventSink};
pub use name::{DeploymentName, InvalidName};
pub use offer::Offer;
pub use options::{BinarySource, KeyChoice, Options, ScaleOptions, Timeouts, Wait};
pub use plan::Plan;
pub use resource::{ResourceKind, ResourceRef};
pub use state::{State, StateStore};
pub use up::Report;

/// Runs deployments on a cloud, recording them in a state store.
pub struct Deployer<'a, C: Cloud> {
    cloud: &'a C,
    store: StateStore,
    events: EventSink,
    timeouts: Timeouts,
    cancel: Cancel,
}

impl<C: Cloud> fmt::Debug for Deployer<'_, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deployer").field("store", &self.store).field("timeouts", &self.timeouts).finish_non_exhaustive()
    }
}

impl<'a, C: Cloud> Deployer<'a, C> {
    /// A deployer on `cloud` with state in `store`, silent, default timeouts.
    pub fn new(cloud: &'a C, store: StateStore) -> Self {
        Self { cloud, store, events: Arc::new(|_| {}), timeouts: Timeouts::default(), cancel: Cancel::new() }
    }

    /// Reports progress to `events`.
    pub fn with_events(mut self, events: EventSink) -> Self {
        self.events = events;
        self
    }

    /// Reports progress on a channel (the tests read it; a closed channel is ignored).
    pub fn with_channel(self, tx: tokio::sync::mpsc::UnboundedSender<DeployEvent>) -> Self {
        self.with_events(Arc::new(move |e| {
            let _ = tx.send(e);
        }))
    }

    /// Uses these time limits.
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Stops waiting (and rolls back as on any failure) once `cancel` is set.
    pub fn with_cancel(mut self, cancel: Cancel) -> Self {
        self.cancel = cancel;
        self
    }

    /// The state store.
    pub fn store(&self) -> &StateStore {
        &self.store
    }

    fn emit(&self, event: DeployEvent) {
        (self.events)(event);
    }

    fn load(&self, name: &str) -> DeployResult<State> {
        self.store
            .load(name)?
            .ok_or_else(|| DeployError::NoDeployment { name: name.to_owned(), path: self.store.path(name) })
    }

    async fn sleep(&self) {
        tokio::time::sleep(self.timeouts.poll).await;
    }

    /// One poll interval of a wait that may be cancelled: fails with
    /// [`DeployError::Cancelled`] as soon as the [`Cancel`] is set (looked at every
    /// 100 ms, so a click is answered at once even with a long poll interval).
    async fn pause(&self, waiting: &str) -> DeployResult<()> {
        let slice = std::time::Duration::from_millis(100);
        let deadline = tokio::time::Instant::now() + self.timeouts.poll;
        loop {
            if self.cancel.is_cancelled() {
                return Err(DeployError::Cancelled { waiting: waiting.to_owned() });
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Ok(());
            }
            tokio::time::sleep(slice.min(deadline - now)).await;
        }
    }
}

#[cfg(test)]
mod tests;
