//! The `faafo` command line: parsing, dispatch, and turning errors into one clear line
//! and an exit code.
//!
//! Local verbs: `render`, `bench`. Service verbs, on [`crate::client`]: `create`, `list`,
//! `show`, `get`, `delete`, `demo`, `poster`. OpenStack, on [`crate::deploy`]: `deploy
//! plan|up|status|scale|down`. Global options come from flags, `FAAFO_*` environment
//! variables or `/etc/faafo/faafo.conf` ([`crate::settings`]), and may stand before or
//! after the verb.

mod bench;
mod colouring;
mod create;
mod delete;
mod deploy;
mod get;
mod list;
pub mod output;
mod poster;
pub mod progress;
mod render;
mod show;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

use crate::client::{Client, ClientError};
use output::Format;

/// Exit code for a failure while doing the work (a fractal failed, a checksum mismatch, a
/// file that cannot be written).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code for bad command-line usage (clap uses the same), and for requests the server
/// refused as invalid.
pub const EXIT_USAGE: u8 = 2;
/// Exit code when the API cannot be reached.
pub const EXIT_UNREACHABLE: u8 = 3;
/// Exit code when a fractal does not exist.
pub const EXIT_NOT_FOUND: u8 = 4;
/// Exit code when the API refused the token (or wanted one).
pub const EXIT_AUTH: u8 = 5;
/// Exit code when the server failed (5xx) or answered something that is not faafo's.
pub const EXIT_SERVER: u8 = 6;

const EXIT_CODES: &str = "\
Exit codes: 0 success, 1 failure (a fractal failed, a checksum mismatch, a local file),
2 usage (bad option, or a request the server refused), 3 server unreachable,
4 fractal not found, 5 token refused, 6 server error or malformed reply.";

/// faafo: fractals, rendered locally or farmed out to workers.
#[derive(Debug, Parser)]
#[command(name = "faafo", version, propagate_version = true, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options of every service verb.
#[derive(Debug, Args)]
#[command(next_help_heading = "Service options")]
struct Global {
    /// The faafo API (the original's default was http://localhost, port 80; faafo-api
    /// listens on 8080). A trailing / does not matter.
    #[arg(
        long,
        value_name = "URL",
        env = "FAAFO_ENDPOINT_URL",
        default_value = "http://localhost:8080",
        global = true
    )]
    endpoint_url: String,
    /// Client token for creating and deleting (Authorization: Bearer).
    #[arg(long = "token", value_name = "TOKEN", env = "FAAFO_CLIENT_TOKEN", hide_env_values = true, global = true)]
    client_token: Option<String>,
    /// File holding the client token (keeps it out of the process list).
    #[arg(
        long = "token-file",
        value_name = "FILE",
        env = "FAAFO_CLIENT_TOKEN_FILE",
        conflicts_with = "client_token",
        global = true
    )]
    client_token_file: Option<PathBuf>,
    /// Output: table (the original's) or json.
    #[arg(long, value_enum, default_value_t = Format::Table, global = true)]
    format: Format,
    /// Say what is being done (on stderr).
    #[arg(short, long, global = true)]
    verbose: bool,
    /// Also show every HTTP request and the created tasks (on stderr).
    #[arg(short, long, global = true)]
    debug: bool,
    /// Configuration file (INI, section [DEFAULT]): endpoint_url, client_token, … fill in
    /// what flags and environment leave unset. A missing default file is fine.
    #[arg(long, value_name = "FILE", env = "FAAFO_CONFIG_FILE", default_value = crate::settings::DEFAULT_CONFIG_FILE, global = true)]
    config_file: PathBuf,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Render one fractal on this machine and write it as a PNG.
    Render(render::RenderArgs),
    /// Render fixed scenes and print speed figures (to compare machines or kernels).
    Bench(bench::BenchArgs),
    /// Create a batch of fractals with random (or given) parameters; print their uuids.
    Create(create::CreateArgs),
    /// List every fractal: uuid, dimensions, file size, status and age.
    List(list::ListArgs),
    /// Show one fractal's parameters and result.
    Show(show::ShowArgs),
    /// Download a fractal's PNG, checked against its stored SHA-256.
    Get(get::GetArgs),
    /// Delete fractals.
    Delete(delete::DeleteArgs),
    /// Create one random batch, wait for it, and say where to see it (install.sh -r demo).
    Demo(create::DemoArgs),
    /// Render one view too big for this machine on a faafo cluster, as tiles, into one PNG.
    Poster(poster::PosterArgs),
    /// Deploy to an OpenStack project: plan, up, status, scale, down.
    Deploy(deploy::DeployArgs),
}

/// A failure that maps to a specific exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The arguments were wrong (bad value, conflicting flags).
    #[error("{0}")]
    Usage(String),
    /// The work failed (exit 1).
    #[error("{0}")]
    Failed(String),
    /// Some of the fractals named do not exist (exit 4).
    #[error("{0}")]
    NotFound(String),
}

/// What the service verbs share: the client and how to report.
#[derive(Debug)]
pub struct Ctx {
    client: Client,
    format: Format,
    verbose: bool,
    debug: bool,
}

impl Ctx {
    fn new(global: &Global) -> anyhow::Result<Self> {
        let token = match (&global.client_token, &global.client_token_file) {
            (Some(t), _) => Some(t.clone()),
            (None, Some(path)) => Some(
                std::fs::read_to_string(path)
                    .map_err(|e| CliError::Usage(format!("cannot read the token file {}: {e}", path.display())))?,
            ),
            (None, None) => None,
        };
        let mut client = Client::new(&global.endpoint_url, token)?;
        if global.debug {
            client = client.with_trace(Arc::new(|line: &str| eprintln!("faafo: {line}")));
        }
        Ok(Self { client, format: global.format, verbose: global.verbose || global.debug, debug: global.debug })
    }

    /// Says what is being done, with `--verbose` or `--debug`.
    fn info(&self, message: &str) {
        if self.verbose {
            eprintln!("faafo: {message}");
        }
    }

    fn json(&self) -> bool {
        self.format == Format::Json
    }
}

/// Runs a service verb on a single-threaded runtime.
fn service<F>(global: &Global, verb: impl FnOnce(Ctx) -> F) -> anyhow::Result<()>
where
    F: Future<Output = anyhow::Result<()>>,
{
    let ctx = Ctx::new(global)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(verb(ctx))
}

/// The exit code an error stands for.
fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if let Some(code) = deploy::exit_code(cause) {
            return code;
        }
        let client_error = match cause.downcast_ref::<crate::client::poster::PosterError>() {
            Some(crate::client::poster::PosterError::Client(e)) => Some(e),
            _ => cause.downcast_ref::<ClientError>(),
        };
        if let Some(e) = client_error {
            return match e {
                ClientError::BadEndpoint(_) | ClientError::Unsupported { .. } | ClientError::Rejected { .. } => {
                    EXIT_USAGE
                }
                ClientError::Unreachable { .. } => EXIT_UNREACHABLE,
                ClientError::NotFound { .. } => EXIT_NOT_FOUND,
                ClientError::Unauthorized { .. } => EXIT_AUTH,
                ClientError::Server { .. } | ClientError::Malformed { .. } => EXIT_SERVER,
                ClientError::NotReady { .. } | ClientError::Mismatch { .. } | ClientError::Setup(_) => EXIT_FAILURE,
            };
        }
        if let Some(e) = cause.downcast_ref::<CliError>() {
            return match e {
                CliError::Usage(_) => EXIT_USAGE,
                CliError::Failed(_) => EXIT_FAILURE,
                CliError::NotFound(_) => EXIT_NOT_FOUND,
            };
        }
        if cause.downcast_ref::<faafo_engine::ParamError>().is_some()
            || matches!(cause.downcast_ref::<faafo_engine::RenderError>(), Some(faafo_engine::RenderError::Params(_)))
        {
            return EXIT_USAGE;
        }
    }
    EXIT_FAILURE
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = crate::settings::parse::<Cli>(std::env::args_os()).unwrap_or_else(|e| e.exit("faafo"));
    let g = &cli.global;
    let result = match cli.command {
        Command::Render(args) => render::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Create(args) => service(g, |ctx| async move { create::run(&ctx, &args).await }),
        Command::Poster(args) => service(g, |ctx| async move { poster::run(&ctx, &args).await }),
        Command::List(args) => service(g, |ctx| async move { list::run(&ctx, &args).await }),
        Command::Show(args) => service(g, |ctx| async move { show::run(&ctx, &args).await }),
        Command::Get(args) => service(g, |ctx| async move { get::run(&ctx, &args).await }),
        Command::Delete(args) => service(g, |ctx| async move { delete::run(&ctx, &args).await }),
        Command::Demo(args) => service(g, |ctx| async move { create::demo(&ctx, &args).await }),
        Command::Deploy(args) => deploy::run(&args, g.format, g.verbose || g.debug),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("faafo: error: {err:#}");
            ExitCode::from(exit_code(&err))
        }
    }
}
