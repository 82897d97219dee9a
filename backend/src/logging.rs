//! Logs of the services (`faafo-api`, `faafo-worker`): `tracing` events in spans (one per
//! request, per task, per relay round), filtered like `RUST_LOG` (default `info`), as
//! readable text or, with `--log-format json`, one JSON object per line for a log
//! collector. The `faafo` command line keeps plain messages on stderr: it talks to a
//! person, not to a log store.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// `2026-12-05T04:41:43.123456Z  INFO task{uuid=…}: done: …`, coloured on a terminal.
    #[default]
    Text,
    /// One JSON object per line: timestamp, level, fields, the spans around the event.
    Json,
}

/// The filter: `RUST_LOG` when set and valid, else `info` (and `warn` for the crates
/// under us, whose `info` lines are noise here).
fn filter() -> EnvFilter {
    const DEFAULT: &str = "info,sqlx=warn,lapin=warn,hyper=warn";
    match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => EnvFilter::try_new(&spec).unwrap_or_else(|e| {
            eprintln!("warning: RUST_LOG='{spec}' is not a valid filter ({e}); using '{DEFAULT}'");
            EnvFilter::new(DEFAULT)
        }),
        _ => EnvFilter::new(DEFAULT),
    }
}

/// Installs the process's subscriber. Call once, first thing in `main`.
pub fn init(program: &'static str, format: LogFormat) {
    let builder = tracing_subscriber::fmt().with_env_filter(filter()).with_writer(std::io::stderr);
    let result = match format {
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).with_target(false).try_init(),
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(true).try_init(),
    };
    // A second call (tests start services in one process) keeps the first subscriber.
    let _ = result;
    tracing::debug!(program, "logging started");
}
