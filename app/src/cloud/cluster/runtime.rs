//! The app's small tokio runtime for cluster calls: started on first use, two worker
//! threads, shut down without waiting when the window goes. Tasks send their answer over
//! a channel and wake the UI (`request_repaint`); the UI thread only ever `try_recv`s.

use std::future::Future;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

use super::errors::ClusterError;

/// Sends a message to the UI and wakes it.
#[derive(Debug)]
pub struct Replier<M> {
    tx: Sender<M>,
    ctx: egui::Context,
}

impl<M> Clone for Replier<M> {
    fn clone(&self) -> Self {
        Self { tx: self.tx.clone(), ctx: self.ctx.clone() }
    }
}

impl<M> Replier<M> {
    /// Sends `message` (dropped when the window is gone) and asks for a frame.
    pub fn send(&self, message: M) {
        let _ = self.tx.send(message);
        self.ctx.request_repaint();
    }
}

/// The runtime and the channel its tasks answer on.
pub struct Net<M> {
    runtime: Option<Runtime>,
    replier: Replier<M>,
    rx: Receiver<M>,
}

impl<M> std::fmt::Debug for Net<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Net").field("started", &self.runtime.is_some()).finish_non_exhaustive()
    }
}

impl<M: Send + 'static> Net<M> {
    /// No runtime yet: it starts with the first task.
    pub fn new(ctx: &egui::Context) -> Self {
        let (tx, rx) = mpsc::channel();
        Self { runtime: None, replier: Replier { tx, ctx: ctx.clone() }, rx }
    }

    /// The UI's context (for textures made from answers).
    pub fn ctx(&self) -> &egui::Context {
        &self.replier.ctx
    }

    /// Where a task can send progress.
    pub fn replier(&self) -> Replier<M> {
        self.replier.clone()
    }

    fn runtime(&mut self) -> Result<&Runtime, ClusterError> {
        if self.runtime.is_none() {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("faafo-cluster")
                .enable_all()
                .build()
                .map_err(|source| ClusterError::Start { what: "network runtime".into(), source })?;
            self.runtime = Some(runtime);
        }
        self.runtime.as_ref().ok_or(ClusterError::Stopped)
    }

    /// Runs `task`; its answer arrives through [`Net::try_recv`].
    pub fn spawn(&mut self, task: impl Future<Output = M> + Send + 'static) -> Result<JoinHandle<()>, ClusterError> {
        let replier = self.replier.clone();
        Ok(self.runtime()?.spawn(async move { replier.send(task.await) }))
    }

    /// A message that arrived, if any (never waits).
    pub fn try_recv(&self) -> Option<M> {
        self.rx.try_recv().ok()
    }
}

impl<M> Drop for Net<M> {
    /// Stops the tasks without waiting for them: the UI never blocks.
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// `call`, given up after `limit` (what each short API call gets).
pub async fn timed<T, E: Into<ClusterError>>(
    what: &'static str,
    limit: Duration,
    call: impl Future<Output = Result<T, E>>,
) -> Result<T, ClusterError> {
    match tokio::time::timeout(limit, call).await {
        Ok(result) => result.map_err(Into::into),
        Err(_) => Err(ClusterError::Timeout { what, secs: limit.as_secs() }),
    }
}
