//! The autoscaler's decision: how many workers a queue depth wants, and whether to go
//! there now. Pure — no cloud, no clock, no API — so every rule is a unit test; the
//! step that reads the queue and scales is [`super::autoscaler`].
//!
//! The rules: `wanted = clamp(ceil(depth / tasks_per_worker), min, max)`. Scaling up
//! happens at once (a queue that grows wants renderers now); scaling down only once
//! `cooldown_seconds` have passed since the last change, so a queue that empties between
//! two bursts does not make the cluster delete and re-create servers (each costs minutes
//! of boot and install).

use serde::{Deserialize, Serialize};

use super::scale::MAX_WORKERS;

/// How many decisions the state file keeps (the newest).
pub const KEEP_DECISIONS: usize = 20;

/// What the autoscaler aims for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Never fewer workers than this.
    pub min: u32,
    /// Never more workers than this (at most [`MAX_WORKERS`]).
    pub max: u32,
    /// Queued tasks one worker is meant to take care of (at least 1).
    pub tasks_per_worker: u32,
    /// Seconds after a change before the cluster may shrink.
    pub cooldown_seconds: u64,
}

/// A policy that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// `min` over `max`.
    #[error("--min {min} is more than --max {max}")]
    MinOverMax { min: u32, max: u32 },
    /// `max` over the cap `scale` enforces.
    #[error("--max {max} is more than {MAX_WORKERS}, the most workers a deployment may have")]
    OverCap { max: u32 },
    /// Zero tasks per worker.
    #[error("--tasks-per-worker must be at least 1")]
    ZeroTasks,
}

impl Policy {
    /// A checked policy.
    pub fn new(min: u32, max: u32, tasks_per_worker: u32, cooldown_seconds: u64) -> Result<Self, PolicyError> {
        if min > max {
            return Err(PolicyError::MinOverMax { min, max });
        }
        if max > MAX_WORKERS {
            return Err(PolicyError::OverCap { max });
        }
        if tasks_per_worker == 0 {
            return Err(PolicyError::ZeroTasks);
        }
        Ok(Self { min, max, tasks_per_worker, cooldown_seconds })
    }

    /// The workers `depth` queued tasks want, within `min..=max`.
    pub fn wanted(&self, depth: u64) -> u32 {
        let per = u64::from(self.tasks_per_worker.max(1));
        let raw = u32::try_from(depth.div_ceil(per)).unwrap_or(u32::MAX);
        raw.clamp(self.min, self.max.max(self.min))
    }
}

/// What to do about the worker count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Decision {
    /// Already the wanted number.
    Keep { workers: u32 },
    /// Scale from `from` to `to` workers now.
    Scale { from: u32, to: u32 },
    /// Fewer are wanted, but the cool-down has `remaining_seconds` to go.
    Hold { workers: u32, wanted: u32, remaining_seconds: u64 },
}

impl Decision {
    /// The worker count after this decision.
    pub fn target(&self) -> u32 {
        match *self {
            Self::Keep { workers } | Self::Hold { workers, .. } => workers,
            Self::Scale { to, .. } => to,
        }
    }

    /// Whether it changes the worker count.
    pub fn changes(&self) -> bool {
        matches!(self, Self::Scale { .. })
    }
}

/// The decision for `current` workers and `depth` queued tasks at `now`, the last change
/// having been at `last_change` (unix seconds; `None`: never).
pub fn decide(policy: &Policy, current: u32, depth: u64, last_change: Option<u64>, now: u64) -> Decision {
    let wanted = policy.wanted(depth);
    if wanted == current {
        return Decision::Keep { workers: current };
    }
    if wanted > current {
        return Decision::Scale { from: current, to: wanted };
    }
    let since = last_change.map_or(u64::MAX, |t| now.saturating_sub(t));
    if since >= policy.cooldown_seconds {
        Decision::Scale { from: current, to: wanted }
    } else {
        Decision::Hold { workers: current, wanted, remaining_seconds: policy.cooldown_seconds - since }
    }
}

/// One decision as the state file keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecord {
    /// When (unix seconds); for a run of unchanged decisions, the latest.
    pub at: u64,
    /// The queue depth it was based on.
    pub depth: u64,
    #[serde(flatten)]
    pub decision: Decision,
}

impl DecisionRecord {
    /// One line for a person: `12:04:05 queue 180 → 4 workers (+2)` (UTC).
    pub fn line(&self) -> String {
        let t = self.at % 86_400;
        let clock = format!("{:02}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60);
        let what = match self.decision {
            Decision::Keep { workers } => format!("{workers} workers (no change)"),
            Decision::Scale { from, to } => format!("{to} workers ({:+})", i64::from(to) - i64::from(from)),
            Decision::Hold { workers, wanted, remaining_seconds } => {
                format!("{workers} workers (wants {wanted}; cool-down: {remaining_seconds} s left)")
            }
        };
        format!("{clock} queue {} → {what}", self.depth)
    }
}

/// The `autoscale` section of a deployment's state file: the policy last used, when the
/// worker count last changed, and the newest decisions.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AutoscaleState {
    /// The policy of the latest run.
    pub policy: Option<Policy>,
    /// When the autoscaler last changed the worker count (unix seconds).
    pub last_change: Option<u64>,
    /// The newest decisions, oldest first, at most [`KEEP_DECISIONS`].
    #[serde(default)]
    pub decisions: Vec<DecisionRecord>,
}

impl AutoscaleState {
    /// Records `record` made under `policy`. A decision that changes nothing replaces an
    /// unchanged one just before it, so a quiet loop every 30 s does not push the last
    /// changes out of the bounded list.
    pub fn record(&mut self, policy: Policy, record: DecisionRecord) {
        self.policy = Some(policy);
        if record.decision.changes() {
            self.last_change = Some(record.at);
        } else if self.decisions.last().is_some_and(|d| !d.decision.changes()) {
            self.decisions.pop();
        }
        self.decisions.push(record);
        let excess = self.decisions.len().saturating_sub(KEEP_DECISIONS);
        self.decisions.drain(..excess);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn policy(cooldown: u64) -> Policy {
        Policy::new(1, 4, 20, cooldown).unwrap()
    }

    #[test]
    fn scales_up_at_once_but_never_over_max() {
        let p = policy(300);
        assert_eq!(decide(&p, 2, 200, Some(1000), 1001), Decision::Scale { from: 2, to: 4 });
        assert_eq!(decide(&p, 1, 41, None, 0), Decision::Scale { from: 1, to: 3 });
        assert_eq!(decide(&p, 4, 10_000, None, 0), Decision::Keep { workers: 4 });
    }

    #[test]
    fn scales_down_only_after_the_cool_down() {
        let p = policy(300);
        assert_eq!(
            decide(&p, 4, 20, Some(1000), 1200),
            Decision::Hold { workers: 4, wanted: 1, remaining_seconds: 100 }
        );
        assert_eq!(decide(&p, 4, 20, Some(1000), 1300), Decision::Scale { from: 4, to: 1 });
        assert_eq!(decide(&p, 4, 20, None, 5), Decision::Scale { from: 4, to: 1 }, "never changed: no wait");
        assert_eq!(decide(&policy(0), 4, 20, Some(1000), 1000), Decision::Scale { from: 4, to: 1 });
    }

    #[test]
    fn never_below_min_and_depth_zero_wants_min() {
        let p = Policy::new(2, 5, 10, 0).unwrap();
        assert_eq!(p.wanted(0), 2);
        assert_eq!(decide(&p, 5, 0, None, 0), Decision::Scale { from: 5, to: 2 });
        assert_eq!(decide(&p, 2, 0, None, 0), Decision::Keep { workers: 2 });
        assert_eq!(decide(&p, 0, 0, Some(0), 0), Decision::Scale { from: 0, to: 2 }, "below min: up at once");
        assert_eq!(decide(&policy(300), 3, 0, Some(0), 300), Decision::Scale { from: 3, to: 1 });
    }

    #[test]
    fn rejects_policies_that_cannot_work() {
        assert_eq!(Policy::new(3, 2, 1, 0), Err(PolicyError::MinOverMax { min: 3, max: 2 }));
        assert_eq!(Policy::new(1, MAX_WORKERS + 1, 1, 0), Err(PolicyError::OverCap { max: MAX_WORKERS + 1 }));
        assert_eq!(Policy::new(1, 2, 0, 0), Err(PolicyError::ZeroTasks));
    }

    #[test]
    fn lines_and_a_bounded_record() {
        let r = DecisionRecord { at: 12 * 3600 + 4 * 60 + 5, depth: 180, decision: Decision::Scale { from: 2, to: 4 } };
        assert_eq!(r.line(), "12:04:05 queue 180 → 4 workers (+2)");
        let mut s = AutoscaleState::default();
        s.record(policy(0), r);
        for at in 0..30 {
            s.record(policy(0), DecisionRecord { at, depth: 0, decision: Decision::Keep { workers: 4 } });
        }
        assert_eq!(s.decisions.len(), 2, "quiet decisions collapse: {:?}", s.decisions);
        assert_eq!(s.decisions[1].at, 29);
        for at in 0..30 {
            s.record(policy(0), DecisionRecord { at, depth: 0, decision: Decision::Scale { from: 1, to: 2 } });
        }
        assert_eq!(s.decisions.len(), KEEP_DECISIONS);
        assert_eq!(s.last_change, Some(29));
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(serde_json::from_value::<AutoscaleState>(json).unwrap(), s);
    }
}
