//! One autoscaler step: ask the deployment's API how deep the queue is, decide
//! ([`super::autoscale::decide`]), scale with the same code as `faafo deploy scale`, and
//! record the decision in the state file. The loop around it (and the signals that end
//! it) belong to the caller: the CLI's `faafo deploy autoscale`.

use std::time::{SystemTime, UNIX_EPOCH};

use super::autoscale::{self, AutoscaleState, DecisionRecord, Policy};
use super::cloud::Cloud;
use super::{DeployError, DeployResult, Deployer, ScaleOptions, Wait};
use crate::client::{Client, ClientError};

/// What one autoscaler step works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoscaleOptions {
    /// The deployment (its state file must exist).
    pub name: String,
    pub policy: Policy,
    /// The API to ask for the queue depth; `None`: the deployment's floating IP.
    pub api_url: Option<String>,
    /// What a scaling waits for (as `scale`'s).
    pub wait: Wait,
    /// Leave new workers of a failed scale-up instead of deleting them again.
    pub keep_on_failure: bool,
}

impl<C: Cloud> Deployer<'_, C> {
    /// One autoscaler decision for `opts.name`, acted on and recorded in its state file.
    ///
    /// A scale-down removes the newest (highest-numbered) workers, as `scale` does: the
    /// API knows how many tasks are queued, not which worker is busy, so a removed worker
    /// may be mid-render. Nothing is lost — its unacknowledged task goes back to the queue
    /// and another worker renders it — but that render starts over.
    pub async fn autoscale_once(&self, opts: &AutoscaleOptions) -> DeployResult<DecisionRecord> {
        let state = self.load(&opts.name)?;
        if state.all_in_one() {
            return Err(DeployError::Usage(format!(
                "deployment '{}' is all-in-one: it has no workers to scale",
                opts.name
            )));
        }
        let url = opts.api_url.clone().or_else(|| state.url()).ok_or_else(|| {
            DeployError::Usage(format!("deployment '{}' has no floating IP: give --api-url", opts.name))
        })?;
        let depth = queue_depth(&url, &state.secrets.client_token).await?;
        let current = u32::try_from(state.workers.len()).unwrap_or(u32::MAX);
        let last_change = state.autoscale.as_ref().and_then(|a| a.last_change);
        let now = unix_now();
        let decision = autoscale::decide(&opts.policy, current, depth, last_change, now);
        if decision.changes() {
            let scale = ScaleOptions {
                wait: opts.wait,
                keep_on_failure: opts.keep_on_failure,
                ..ScaleOptions::new(&opts.name, decision.target())
            };
            self.scale_to(&scale).await?;
        }
        let record = DecisionRecord { at: now, depth, decision };
        // scale_to saved the new servers: record on top of what it wrote.
        let mut state = self.load(&opts.name)?;
        state.autoscale.get_or_insert_with(AutoscaleState::default).record(opts.policy, record);
        self.store.save(&state)?;
        // The Deploy window reads decisions from the shared copy, if the deployment has one.
        self.publish_state(&state).await?;
        Ok(record)
    }
}

/// The tasks waiting in the queue, from `GET /v1/status` with the deployment's client
/// token (the API wants it for status when tokens are configured).
async fn queue_depth(url: &str, token: &str) -> DeployResult<u64> {
    let api = |source| DeployError::Api { url: url.to_owned(), source };
    let client = Client::new(url, Some(token.to_owned())).map_err(api)?;
    let status = client.status().await.map_err(api)?;
    status.queue.depth.ok_or_else(|| {
        api(ClientError::Malformed {
            url: url.to_owned(),
            what: format!("no queue depth (queue up: {}, transport {})", status.queue.up, status.queue.transport),
        })
    })
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
