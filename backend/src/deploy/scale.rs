//! `scale`: converge a recorded deployment to N workers — add the missing ones (after the
//! quota pre-check), or delete the highest-numbered ones.

use super::cloud::Cloud;
use super::up::Report;
use super::{DeployError, DeployEvent, DeployResult, Deployer, Options};

impl<C: Cloud> Deployer<'_, C> {
    /// Scales the deployment `opts.name` to `workers` workers. `opts` supplies the wait
    /// mode, `keep_on_failure` and `demo`; flavor, image and network stay the recorded ones.
    pub async fn scale(&self, opts: &Options, workers: u32) -> DeployResult<Report> {
        let mut state = self.load(&opts.name)?;
        if state.resolved.as_ref().is_some_and(|r| r.all_in_one) {
            return Err(DeployError::Usage(format!(
                "deployment '{}' is all-in-one: it has no workers to scale",
                opts.name
            )));
        }
        let controller = state.controller.clone().ok_or_else(|| {
            DeployError::Usage(format!("deployment '{}' has no controller: run `faafo deploy up` first", opts.name))
        })?;
        self.emit(DeployEvent::Phase("plan and quota check".into()));
        let plan = self.plan_for(opts, &state, workers).await?;
        self.emit(DeployEvent::Note(plan.need_text()));
        plan.check()?;
        // The workers need the controller's private address.
        let mut one = [controller];
        self.wait_active("controller", &mut one).await?;
        state.controller = Some(one[0].clone());
        let mut undo = Vec::new();
        let result = async {
            let (created, removed) = self.ensure_workers(opts, &plan, &mut state, workers, &mut undo).await?;
            self.store.save(&state)?;
            self.wait_all(opts.wait, &mut state).await?;
            if created == 0 && removed == 0 {
                self.emit(DeployEvent::Note(format!("no changes: {workers} worker(s) already")));
            }
            Ok(Report {
                url: state.url(),
                created,
                removed,
                servers: 1 + state.workers.len(),
                private_key: state.keypair.as_ref().and_then(|k| k.private_key.clone()),
            })
        }
        .await;
        self.finish(opts.keep_on_failure, &mut state, undo, result).await
    }
}
