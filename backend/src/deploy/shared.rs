//! The autoscaler `up --autoscale` installs on the controller, and what it shares with
//! the workstation.
//!
//! The controller's user data is written before the deployment's state is complete (the
//! workers and the floating IP come after it), so the state cannot travel in it. Instead
//! `up` creates a private object-storage container of the deployment's own and, once the
//! deployment stands, uploads two objects there:
//! - [`STATE_OBJECT`]: the state file without its secrets (the controller has its own
//!   copy of those, and the application credential's secret is in its user data). The
//!   controller's loop reads it each round, scales through the same code as `scale`, and
//!   writes it back with the new workers and its decisions.
//! - [`POLICY_OBJECT`]: the [`SharedPolicy`] — min, max, tasks per worker, cool-down,
//!   paused. Only people write it (`up`, the Deploy window); the loop only reads it.
//!
//! The loop authenticates with a restricted application credential created at `up` (and
//! deleted at `down`), so no password of a person is ever on a server.

use serde::{Deserialize, Serialize};

use super::autoscale::{AutoscaleState, DecisionRecord, Policy};
use super::cloud::{Cloud, CloudError};
use super::resource::ResourceKind;
use super::run::{Run, Undo};
use super::state::State;
use super::userdata::Secrets;
use super::{AutoscaleOptions, DeployError, DeployEvent, DeployResult, Deployer, Phase as _, Wait};

/// The object holding the deployment's state, without secrets.
pub const STATE_OBJECT: &str = "deployment.json";
/// The object holding the [`SharedPolicy`].
pub const POLICY_OBJECT: &str = "policy.json";

/// The private container of deployment `deployment_id`'s autoscaler.
pub fn container_name(deployment_id: &str) -> String {
    format!("faafo-{deployment_id}-autoscale")
}

/// The autoscaler's policy as people set it: the range and pace, and whether it is
/// paused (a paused loop reads the queue no more and changes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedPolicy {
    #[serde(flatten)]
    pub policy: Policy,
    #[serde(default)]
    pub paused: bool,
}

/// What the Deploy window (and `status`) show of the autoscaler on the controller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedView {
    /// The policy people set; `None` until `up` has written it.
    pub policy: Option<SharedPolicy>,
    /// The loop's latest decisions, as it wrote them back.
    pub autoscale: Option<AutoscaleState>,
    /// Workers the deployment has, as the loop last saw it.
    pub workers: usize,
}

/// What one round of the controller's loop came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharedOutcome {
    /// `up` has not written the state or the policy yet: nothing to do.
    Waiting(String),
    /// The policy says paused.
    Paused,
    /// A decision, acted on.
    Decided(DecisionRecord),
}

/// What the controller's loop works with.
#[derive(Debug, Clone)]
pub struct SharedOptions {
    /// The deployment's container ([`container_name`]).
    pub container: String,
    /// The deployment's generated secrets, from the controller's own copy: the new
    /// workers' user data needs them.
    pub secrets: Secrets,
    /// The API to ask for the queue depth (the controller's own, `http://127.0.0.1/`).
    pub api_url: Option<String>,
    pub wait: Wait,
}

/// `state` as it may leave the workstation: no generated secrets, no application
/// credential secret, no local key path.
pub fn without_secrets(state: &State) -> State {
    let mut s = state.clone();
    s.secrets = Secrets::blank();
    if let Some(c) = &mut s.app_credential {
        c.secret.clear();
    }
    if let Some(k) = &mut s.keypair {
        k.private_key = None;
    }
    s
}

fn malformed(object: &str, e: &serde_json::Error) -> DeployError {
    DeployError::Local(format!("the autoscaler's {object} is malformed: {e}"))
}

impl<C: Cloud> Deployer<'_, C> {
    /// Creates what the controller's autoscaler needs before the controller boots: its
    /// private container and its application credential (kept when recorded).
    pub(crate) async fn ensure_autoscaler(&self, run: &mut Run) -> DeployResult<()> {
        self.emit(DeployEvent::Phase("autoscaler".into()));
        let id = run.state.deployment_id.clone();
        if run.state.autoscale_container.is_none() {
            let name = container_name(&id);
            self.cloud.create_private_container(&name).await.phase("the autoscaler's container")?;
            run.created(Undo::Container(name.clone()));
            run.state.autoscale_container = Some(name.clone());
            self.store.save(&run.state)?;
            self.emit(DeployEvent::Created { kind: ResourceKind::Container, name: name.clone(), id: name });
        }
        match &run.state.app_credential {
            Some(c) => self.emit(DeployEvent::Kept { kind: ResourceKind::AppCredential, name: c.name.clone() }),
            None => {
                let name = format!("faafo-{id}");
                let description = format!("faafo deployment {} ({id}): the controller's autoscaler", run.state.name);
                let cred =
                    self.cloud.create_app_credential(&name, &description).await.phase("application credential")?;
                run.created(Undo::AppCredential(cred.id.clone(), cred.name.clone()));
                self.emit(DeployEvent::Created { kind: ResourceKind::AppCredential, name, id: cred.id.clone() });
                run.state.app_credential = Some(cred);
                self.store.save(&run.state)?;
            }
        }
        Ok(())
    }

    /// Uploads `state` (without secrets) for the controller's loop, if it has one.
    pub(crate) async fn publish_state(&self, state: &State) -> DeployResult<()> {
        let Some(container) = &state.autoscale_container else { return Ok(()) };
        let json = serde_json::to_vec_pretty(&without_secrets(state)).map_err(|e| malformed(STATE_OBJECT, &e))?;
        self.cloud.upload_object(container, STATE_OBJECT, json).await.phase("sharing the state with the autoscaler")
    }

    /// Sets the controller's autoscaling policy (`up`, the Deploy window).
    pub async fn set_shared_policy(&self, name: &str, policy: SharedPolicy) -> DeployResult<()> {
        let state = self.load(name)?;
        let container = state.autoscale_container.ok_or_else(|| no_autoscaler(name))?;
        self.write_policy(&container, policy).await
    }

    pub(crate) async fn write_policy(&self, container: &str, policy: SharedPolicy) -> DeployResult<()> {
        let json = serde_json::to_vec_pretty(&policy).map_err(|e| malformed(POLICY_OBJECT, &e))?;
        self.cloud.upload_object(container, POLICY_OBJECT, json).await.phase("the autoscaler's policy")
    }

    /// The autoscaler's policy and latest decisions, as the controller shares them.
    pub async fn shared_view(&self, name: &str) -> DeployResult<SharedView> {
        let state = self.load(name)?;
        let container = state.autoscale_container.as_ref().ok_or_else(|| no_autoscaler(name))?;
        let policy = self.download::<SharedPolicy>(container, POLICY_OBJECT).await?;
        let shared = self.download::<State>(container, STATE_OBJECT).await?;
        Ok(SharedView {
            policy,
            workers: shared.as_ref().map_or(state.workers.len(), |s| s.workers.len()),
            autoscale: shared.and_then(|s| s.autoscale),
        })
    }

    /// Takes in the workers and decisions the controller's loop recorded, so `down`,
    /// `status` and `scale` see the deployment as it is; the local secrets stay.
    pub async fn pull_shared(&self, name: &str) -> DeployResult<()> {
        let mut state = self.load(name)?;
        let Some(container) = state.autoscale_container.clone() else { return Ok(()) };
        if let Some(shared) = self.download::<State>(&container, STATE_OBJECT).await?
            && shared.deployment_id == state.deployment_id
        {
            state.workers = shared.workers;
            state.autoscale = shared.autoscale;
            self.store.save(&state)?;
        }
        Ok(())
    }

    /// One round of the controller's loop: read the shared state and policy, decide and
    /// scale as `autoscale --once` does, and share the result.
    pub async fn autoscale_shared_once(&self, opts: &SharedOptions) -> DeployResult<SharedOutcome> {
        let Some(policy) = self.download::<SharedPolicy>(&opts.container, POLICY_OBJECT).await? else {
            return Ok(SharedOutcome::Waiting(format!("no {POLICY_OBJECT} in {} yet", opts.container)));
        };
        let Some(mut state) = self.download::<State>(&opts.container, STATE_OBJECT).await? else {
            return Ok(SharedOutcome::Waiting(format!("no {STATE_OBJECT} in {} yet", opts.container)));
        };
        if policy.paused {
            return Ok(SharedOutcome::Paused);
        }
        state.secrets = opts.secrets.clone();
        self.store.save(&state)?;
        let auto = AutoscaleOptions {
            name: state.name.clone(),
            policy: policy.policy,
            api_url: opts.api_url.clone(),
            wait: opts.wait,
            keep_on_failure: false,
        };
        let result = self.autoscale_once(&auto).await;
        self.publish_state(&self.load(&state.name)?).await?;
        result.map(SharedOutcome::Decided)
    }

    async fn download<T: serde::de::DeserializeOwned>(&self, container: &str, object: &str) -> DeployResult<Option<T>> {
        let bytes = match self.cloud.download_object(container, object).await {
            Ok(b) => b,
            Err(CloudError::NotFound(_)) => None,
            Err(e) => return Err(DeployError::Cloud { phase: format!("reading {container}/{object}"), source: e }),
        };
        bytes.map(|b| serde_json::from_slice(&b).map_err(|e| malformed(object, &e))).transpose()
    }
}

fn no_autoscaler(name: &str) -> DeployError {
    DeployError::Usage(format!(
        "deployment '{name}' has no autoscaler on its controller: `up --autoscale A..B` installs one"
    ))
}
