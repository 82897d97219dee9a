//! Stopping a long wait from outside: the desktop app's *Cancel* (and closing its window)
//! sets a [`Cancel`]; the deployer notices it between two polls of the cloud, fails with
//! [`super::DeployError::Cancelled`], and the run's rollback rules apply as for any other
//! failure. Rollbacks and tear-downs never look at it: stopping those half-way would leave
//! more behind, not less.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A flag shared by whoever may cancel and the deployer that looks at it.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A flag not set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the run to stop at its next poll.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
