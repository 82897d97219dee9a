//! `scale`: converge a recorded deployment to N workers — add the missing ones (after the
//! quota pre-check), or delete the highest-numbered ones.

use super::cloud::Cloud;
use super::run::Run;
use super::up::Report;
use super::{DeployError, DeployEvent, DeployResult, Deployer, Options, ScaleOptions};

/// The most workers `scale` (and the autoscaler's `--max`) will ask for: a guard against a
/// typo (`--workers 200` for 20) creating a cloud bill; the quota pre-check comes after.
pub const MAX_WORKERS: u32 = 100;

impl<C: Cloud> Deployer<'_, C> {
    /// Scales the deployment `opts.name` to `opts.workers` workers; flavor, image, network
    /// and binaries stay the recorded ones.
    pub async fn scale_to(&self, opts: &ScaleOptions) -> DeployResult<Report> {
        let name = &opts.name;
        let workers = opts.workers;
        if workers > MAX_WORKERS {
            return Err(DeployError::Usage(format!(
                "{workers} workers is more than {MAX_WORKERS}, the most `scale` adds"
            )));
        }
        let mut state = self.load(name)?;
        if state.all_in_one() {
            return Err(DeployError::Usage(format!("deployment '{name}' is all-in-one: it has no workers to scale")));
        }
        let controller = state.controller.clone().ok_or_else(|| {
            DeployError::Usage(format!("deployment '{name}' has no controller: run `faafo deploy up` first"))
        })?;
        let up_opts = opts.options();
        self.emit(DeployEvent::Phase("plan and quota check".into()));
        let plan = self.plan_for(&up_opts, &state, workers).await?;
        self.emit(DeployEvent::Note(plan.need_text()));
        plan.check()?;
        // The workers need the controller's private address.
        let mut one = [controller];
        self.wait_active("controller", &mut one).await?;
        let [controller] = one;
        state.controller = Some(controller);
        let mut run = Run::new(state);
        let result = async {
            self.ensure_workers(&mut run, &up_opts, &plan, workers).await?;
            self.store.save(&run.state)?;
            self.wait_all(opts.wait, &mut run.state).await?;
            if run.report.created == 0 && run.report.removed == 0 {
                self.emit(DeployEvent::Note(format!("no changes: {workers} worker(s) already")));
            }
            run.report.describe(&run.state);
            Ok(())
        }
        .await;
        self.finish(opts.keep_on_failure, run, result).await
    }

    /// Scales the deployment `opts.name` to `workers` workers, taking the wait mode,
    /// `keep_on_failure` and `demo` from `opts` (the rest of `opts` is not used): the
    /// form the desktop app calls; [`Deployer::scale_to`] says only what matters.
    pub async fn scale(&self, opts: &Options, workers: u32) -> DeployResult<Report> {
        self.scale_to(&ScaleOptions::from_options(opts, workers)).await
    }
}
