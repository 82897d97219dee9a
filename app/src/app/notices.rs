//! Messages: the last one at the end of the status bar, every one in the message log
//! (time, level, full text; the Messages window shows it) and on stderr. Errors reach
//! here typed and become text.

use std::fmt::Display;
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds an information stays in the status bar.
const INFO_SECS: f64 = 8.0;
/// Seconds an error stays in the status bar.
const ERROR_SECS: f64 = 30.0;
/// Messages kept in the log; the oldest go first.
pub(crate) const LOG_CAPACITY: usize = 1000;

/// How serious a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Something worked or is worth knowing.
    Info,
    /// Something went wrong.
    Error,
}

impl Level {
    /// Lower-case name, as on stderr and in the log.
    pub fn name(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Error => "error",
        }
    }
}

/// One message of the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Wall-clock time it was said, `HH:MM:SS` UTC.
    pub time: String,
    pub level: Level,
    /// The whole text, never cut short.
    pub text: String,
}

impl Message {
    /// `HH:MM:SS level: text`, as copied and as written to stderr.
    pub fn line(&self) -> String {
        format!("{} {}: {}", self.time, self.level.name(), self.text)
    }
}

/// A message in the status bar.
#[derive(Debug, Clone)]
struct Notice {
    text: String,
    error: bool,
    /// egui time it was shown (0: at start-up, kept until replaced).
    at: f64,
}

/// The status bar's message, if any, and the log of all of them.
#[derive(Debug)]
pub(crate) struct Notices {
    ctx: egui::Context,
    current: Option<Notice>,
    log: Vec<Message>,
    /// Whether messages also go to stderr (off in unit tests of this module only).
    stderr: bool,
}

impl Notices {
    /// No message; times come from `ctx`.
    pub(crate) fn new(ctx: &egui::Context) -> Self {
        Self { ctx: ctx.clone(), current: None, log: Vec::new(), stderr: true }
    }

    /// Problems found at start-up, kept in the status bar until something replaces them.
    pub(crate) fn at_start(&mut self, problems: &[String]) {
        for p in problems {
            self.record(Level::Error, p.clone());
        }
        if !problems.is_empty() {
            self.current = Some(Notice { text: problems.join("; "), error: true, at: 0.0 });
        }
    }

    /// Says that something worked.
    pub(crate) fn info(&mut self, text: impl Display) {
        self.show(text.to_string(), false);
    }

    /// Says what went wrong.
    pub(crate) fn error(&mut self, e: impl Display) {
        self.show(e.to_string(), true);
    }

    fn show(&mut self, text: String, error: bool) {
        let at = self.ctx.input(|i| i.time);
        self.record(if error { Level::Error } else { Level::Info }, text.clone());
        self.current = Some(Notice { text, error, at });
    }

    fn record(&mut self, level: Level, text: String) {
        let message = Message { time: utc_time_of_day(SystemTime::now()), level, text };
        if self.stderr {
            eprintln!("faafo-explorer: {}", message.line());
        }
        if self.log.len() >= LOG_CAPACITY {
            self.log.remove(0);
        }
        self.log.push(message);
    }

    /// Drops a message from the status bar that has been up long enough (the log keeps it).
    pub(crate) fn expire(&mut self) {
        if let Some(n) = &self.current {
            let ttl = if n.error { ERROR_SECS } else { INFO_SECS };
            let now = self.ctx.input(|i| i.time);
            if n.at > 0.0 && now - n.at > ttl {
                self.current = None;
            }
        }
    }

    /// The status bar's text and whether it is an error.
    pub(crate) fn current(&self) -> Option<(&str, bool)> {
        self.current.as_ref().map(|n| (n.text.as_str(), n.error))
    }

    /// Every message kept, oldest first.
    pub(crate) fn log(&self) -> &[Message] {
        &self.log
    }

    /// Empties the log (the status bar keeps its message).
    pub(crate) fn clear_log(&mut self) {
        self.log.clear();
    }
}

/// `HH:MM:SS` of `t` in UTC.
fn utc_time_of_day(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) % 86_400;
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_keeps_every_message_in_full_and_the_bar_the_last() {
        let ctx = egui::Context::default();
        let mut n = Notices::new(&ctx);
        n.stderr = false;
        let long = "x".repeat(5000);
        n.error(&long);
        n.info("saved");
        assert_eq!(n.log().len(), 2);
        assert_eq!(n.log()[0].text, long);
        assert_eq!(n.log()[0].level, Level::Error);
        assert_eq!(n.current(), Some(("saved", false)));
        for i in 0..LOG_CAPACITY {
            n.info(i);
        }
        assert_eq!(n.log().len(), LOG_CAPACITY);
        assert_eq!(n.log()[LOG_CAPACITY - 1].text, (LOG_CAPACITY - 1).to_string());
    }

    #[test]
    fn time_of_day_is_utc() {
        let t = UNIX_EPOCH + std::time::Duration::from_secs(86_400 * 3 + 7 * 3600 + 5 * 60 + 9);
        assert_eq!(utc_time_of_day(t), "07:05:09");
    }
}
