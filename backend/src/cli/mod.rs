//! The `faafo` command line: parsing, dispatch, and turning errors into one clear line
//! and an exit code.

mod bench;
mod render;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code for bad command-line usage (clap uses the same).
pub const EXIT_USAGE: u8 = 2;
/// Exit code for a failure while doing the work.
pub const EXIT_FAILURE: u8 = 1;

/// faafo: fractals, rendered locally or farmed out to workers.
#[derive(Debug, Parser)]
#[command(name = "faafo", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Render one fractal on this machine and write it as a PNG.
    Render(render::RenderArgs),
    /// Render fixed scenes and print speed figures (to compare machines or kernels).
    Bench(bench::BenchArgs),
}

/// A failure that maps to a specific exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The arguments were wrong (bad value, conflicting flags).
    #[error("{0}")]
    Usage(String),
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Render(args) => render::run(&args),
        Command::Bench(args) => bench::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("faafo: error: {err:#}");
            let usage = err.chain().any(|e| {
                e.downcast_ref::<CliError>().is_some()
                    || e.downcast_ref::<faafo_engine::ParamError>().is_some()
                    || matches!(
                        e.downcast_ref::<faafo_engine::RenderError>(),
                        Some(faafo_engine::RenderError::Params(_))
                    )
            });
            ExitCode::from(if usage { EXIT_USAGE } else { EXIT_FAILURE })
        }
    }
}
