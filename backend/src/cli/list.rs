//! `faafo list`: every fractal, all pages, as the original's `UUID | Dimensions |
//! Filesize` table plus status and age.

use clap::{Args, ValueEnum};

use super::Ctx;
use super::output::{self, Align, Table};
use crate::client::{ListQuery, Status};

/// A status to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    /// Waiting for a worker.
    Pending,
    /// Being rendered.
    Rendering,
    /// Rendered.
    Done,
    /// Rendering failed.
    Failed,
}

impl From<StatusArg> for Status {
    fn from(s: StatusArg) -> Self {
        match s {
            StatusArg::Pending => Status::Pending,
            StatusArg::Rendering => Status::Rendering,
            StatusArg::Done => Status::Done,
            StatusArg::Failed => Status::Failed,
        }
    }
}

/// Options of `faafo list`.
#[derive(Debug, Args)]
#[command(after_help = "\
Against the original API, status is derived (done once a checksum is stored) and ages
are unknown (-). Example: faafo list --status failed --newest --limit 5")]
pub struct ListArgs {
    /// Only fractals with this status (comma-separated or repeated for several).
    #[arg(long, value_enum, value_delimiter = ',')]
    status: Vec<StatusArg>,
    /// Show at most this many.
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Newest first (default: by uuid, as the original). Needs faafo-api: the original
    /// records no creation time.
    #[arg(long)]
    newest: bool,
}

/// `faafo list`.
pub async fn run(ctx: &Ctx, args: &ListArgs) -> anyhow::Result<()> {
    ctx.info(&format!("listing all fractals at {}", ctx.client.endpoint()));
    let query = ListQuery { status: args.status.iter().map(|s| Status::from(*s)).collect(), newest_first: args.newest };
    let rows = ctx.client.list_filtered(&query, args.limit).await?;
    if ctx.json() {
        return output::print_json(&rows);
    }
    let now = output::now_unix();
    let mut table = Table::new(&["UUID", "Dimensions", "Filesize", "Status", "Age"], Align::Centre);
    for f in &rows {
        table.row(vec![
            f.uuid.clone(),
            output::dimensions(f),
            output::filesize(f),
            f.status.as_str().to_owned(),
            output::age(Some(f.created_at.as_str()).filter(|t| !t.is_empty()), now),
        ]);
    }
    output::print(&table.render());
    Ok(())
}
