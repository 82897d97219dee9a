//! The message at the end of the status bar: what just happened, or what went wrong.
//! Errors reach it typed and become text here.

use std::fmt::Display;

/// Seconds an information stays up.
const INFO_SECS: f64 = 8.0;
/// Seconds an error stays up.
const ERROR_SECS: f64 = 30.0;

/// A message in the status bar.
#[derive(Debug, Clone)]
struct Notice {
    text: String,
    error: bool,
    /// egui time it was shown (0: at start-up, kept until replaced).
    at: f64,
}

/// The status bar's message, if any.
#[derive(Debug)]
pub(crate) struct Notices {
    ctx: egui::Context,
    current: Option<Notice>,
}

impl Notices {
    /// No message; times come from `ctx`.
    pub(crate) fn new(ctx: &egui::Context) -> Self {
        Self { ctx: ctx.clone(), current: None }
    }

    /// Problems found at start-up, kept until something replaces them.
    pub(crate) fn at_start(&mut self, problems: &[String]) {
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
        self.current = Some(Notice { text, error, at });
    }

    /// Drops a message that has been up long enough.
    pub(crate) fn expire(&mut self) {
        if let Some(n) = &self.current {
            let ttl = if n.error { ERROR_SECS } else { INFO_SECS };
            let now = self.ctx.input(|i| i.time);
            if n.at > 0.0 && now - n.at > ttl {
                self.current = None;
            }
        }
    }

    /// The text and whether it is an error.
    pub(crate) fn current(&self) -> Option<(&str, bool)> {
        self.current.as_ref().map(|n| (n.text.as_str(), n.error))
    }
}
