//! The progress display of `create --wait` and `demo`, on stderr.
//!
//! On a terminal: one bar redrawn in place. Otherwise (a log, a pipe, CI): one plain line
//! each time the counts change, with no carriage returns or escape codes.

use std::io::{IsTerminal as _, Write};
use std::time::Instant;

use super::output::human_seconds;
use crate::client::BatchProgress;

/// Characters of the bar between its brackets.
const BAR: usize = 24;

/// A progress display over a batch.
#[derive(Debug)]
pub struct Progress<W: Write> {
    out: W,
    tty: bool,
    start: Instant,
    last: Option<BatchProgress>,
}

impl Progress<std::io::Stderr> {
    /// On stderr, as a bar when stderr is a terminal.
    pub fn stderr() -> Self {
        let tty = std::io::stderr().is_terminal();
        Self::new(std::io::stderr(), tty)
    }
}

impl<W: Write> Progress<W> {
    /// On `out`, as a redrawn bar when `tty`, else as plain lines.
    pub fn new(out: W, tty: bool) -> Self {
        Self { out, tty, start: Instant::now(), last: None }
    }

    /// The last counts shown.
    pub fn last(&self) -> Option<BatchProgress> {
        self.last
    }

    /// Shows `p`.
    pub fn update(&mut self, p: &BatchProgress) {
        let text = describe(p, self.start.elapsed().as_secs_f64());
        let _ = if self.tty {
            let filled = (p.finished() * BAR).checked_div(p.total).unwrap_or(BAR);
            let bar = format!("{}{}", "#".repeat(filled), "-".repeat(BAR - filled));
            write!(self.out, "\r\x1b[2K[{bar}] {text}")
        } else {
            writeln!(self.out, "{text}")
        };
        let _ = self.out.flush();
        self.last = Some(*p);
    }

    /// Ends the display with a summary line.
    pub fn finish(&mut self) {
        if self.tty {
            let _ = writeln!(self.out);
        }
        if let Some(p) = self.last {
            let _ = writeln!(
                self.out,
                "{} of {} finished in {}: {} done, {} failed, {} pending",
                p.finished(),
                p.total,
                human_seconds(self.start.elapsed().as_secs_f64()),
                p.done,
                p.failed,
                p.pending
            );
        }
        let _ = self.out.flush();
    }
}

/// `3/10 finished: 3 done, 0 failed, 7 pending; 1.2/s, ETA 6s`.
pub fn describe(p: &BatchProgress, elapsed: f64) -> String {
    let mut text =
        format!("{}/{} finished: {} done, {} failed, {} pending", p.finished(), p.total, p.done, p.failed, p.pending);
    if p.finished() > 0 && elapsed > 0.0 {
        let rate = p.finished() as f64 / elapsed;
        text.push_str(&format!("; {}/s", fmt_rate(rate)));
        if p.pending > 0 {
            text.push_str(&format!(", ETA {}", human_seconds(p.pending as f64 / rate)));
        }
    }
    text
}

fn fmt_rate(rate: f64) -> String {
    if rate >= 10.0 { format!("{rate:.0}") } else { format!("{rate:.1}") }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
mod tests {
    use super::*;

    fn counts(total: usize, done: usize, failed: usize) -> BatchProgress {
        BatchProgress { total, done, failed, pending: total - done - failed }
    }

    #[test]
    fn lines_say_counts_rate_and_eta() {
        assert_eq!(describe(&counts(10, 0, 0), 1.0), "0/10 finished: 0 done, 0 failed, 10 pending");
        assert_eq!(describe(&counts(10, 3, 1), 2.0), "4/10 finished: 3 done, 1 failed, 6 pending; 2.0/s, ETA 3.0s");
        assert_eq!(describe(&counts(4, 4, 0), 2.0), "4/4 finished: 4 done, 0 failed, 0 pending; 2.0/s");
    }

    #[test]
    fn plain_output_has_no_control_characters() {
        let mut p = Progress::new(Vec::new(), false);
        p.update(&counts(3, 0, 0));
        p.update(&counts(3, 2, 1));
        p.finish();
        let text = String::from_utf8(p.out).unwrap();
        assert!(!text.contains('\r') && !text.contains('\x1b'), "{text:?}");
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(text.lines().last().unwrap().starts_with("3 of 3 finished in "), "{text}");
    }

    #[test]
    fn terminal_output_redraws_one_line() {
        let mut p = Progress::new(Vec::new(), true);
        p.update(&counts(4, 2, 0));
        let text = String::from_utf8(p.out.clone()).unwrap();
        assert!(text.starts_with("\r\x1b[2K[############------------] 2/4 finished"), "{text:?}");
        assert!(!text.contains('\n'));
    }
}
