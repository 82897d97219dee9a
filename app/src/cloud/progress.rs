//! A job's progress as the Deploy window shows it: the log, where a wait that says the
//! same thing poll after poll is one line that updates (with how many checks) instead
//! of a line per poll, and the time a job has been running against the limit of the
//! step it is in.

use std::time::Duration;

use faafo_backend::deploy::{DeployEvent, Timeouts};

/// Progress lines kept.
const LOG_LINES: usize = 500;

/// The progress lines of one job.
#[derive(Debug, Default)]
pub(super) struct Log {
    lines: Vec<String>,
    /// The last line's wait text, and how many polls said it.
    repeating: Option<(String, u32)>,
}

impl Log {
    /// Empties the log for a new job.
    pub(super) fn clear(&mut self) {
        self.lines.clear();
        self.repeating = None;
    }

    /// The lines, oldest first.
    pub(super) fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Adds `event`: a wait that repeats the previous one updates that line.
    pub(super) fn push(&mut self, event: &DeployEvent) {
        let line = event.to_string();
        if let DeployEvent::Waiting(_) = event {
            if let Some((last, count)) = &mut self.repeating
                && *last == line
                && let Some(shown) = self.lines.last_mut()
            {
                *count += 1;
                *shown = format!("{line} (checked {count} times)");
                return;
            }
            self.repeating = Some((line.clone(), 1));
        } else {
            self.repeating = None;
        }
        self.lines.push(line);
        if self.lines.len() > LOG_LINES {
            self.lines.drain(..self.lines.len() - LOG_LINES);
        }
    }
}

/// The library's phases that wait, and the limit each waits within. They are the
/// library's phase texts (`DeployEvent::Phase`), so a renamed phase only loses its limit
/// here, never its progress.
fn limit_of(phase: &str, timeouts: &Timeouts) -> Option<Duration> {
    if phase == "controller" || phase.starts_with("waiting for servers to be ACTIVE") {
        Some(timeouts.active)
    } else if phase.starts_with("waiting for the installers") {
        Some(timeouts.health)
    } else {
        None
    }
}

/// "1:05"; hours as "1:02:03".
pub(super) fn clock(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// "0:42 elapsed" and, in a step that waits, "this step gives up after 15:00 (0:12 so far)".
pub(super) fn elapsed_text(elapsed: Duration, phase: &str, in_phase: Duration, timeouts: &Timeouts) -> String {
    match limit_of(phase, timeouts) {
        Some(limit) => {
            format!(
                "{} elapsed; this step gives up after {} ({} so far)",
                clock(elapsed),
                clock(limit),
                clock(in_phase)
            )
        }
        None => format!("{} elapsed", clock(elapsed)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_waits_are_one_updating_line() {
        let mut log = Log::default();
        log.push(&DeployEvent::Phase("waiting for the installers and the API's health check".into()));
        for _ in 0..3 {
            log.push(&DeployEvent::Waiting("the installers".into()));
        }
        assert_eq!(log.lines().len(), 2, "{:?}", log.lines());
        assert_eq!(log.lines()[1], "waiting: the installers (checked 3 times)");
        // A different wait is a line of its own, and so is the same one after a note.
        log.push(&DeployEvent::Waiting("http://x/health (refused)".into()));
        log.push(&DeployEvent::Note("faafo-controller: installed".into()));
        log.push(&DeployEvent::Waiting("http://x/health (refused)".into()));
        assert_eq!(log.lines().len(), 5, "{:?}", log.lines());
        assert_eq!(log.lines()[4], "waiting: http://x/health (refused)");
    }

    #[test]
    fn elapsed_names_the_limit_of_a_step_that_waits() {
        let t = Timeouts::default();
        let text = elapsed_text(
            Duration::from_secs(75),
            "waiting for the installers and the API's health check",
            Duration::from_secs(12),
            &t,
        );
        assert_eq!(text, "1:15 elapsed; this step gives up after 15:00 (0:12 so far)");
        assert_eq!(elapsed_text(Duration::from_secs(5), "keypair", Duration::ZERO, &t), "0:05 elapsed");
        assert_eq!(clock(Duration::from_secs(3723)), "1:02:03");
    }
}
