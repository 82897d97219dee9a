//! `faafo delete <uuid>…`.

use clap::Args;
use serde_json::json;

use super::output::{self, print};
use super::{CliError, Ctx};
use crate::client::ClientError;

/// Options of `faafo delete`.
#[derive(Debug, Args)]
#[command(after_help = "\
Prints `deleted <uuid>` for each. Unknown uuids are skipped, then reported, with exit
code 4. Example: faafo delete $(faafo list --status failed --format json | jq -r '.[].uuid')")]
pub struct DeleteArgs {
    /// The fractals' uuids.
    #[arg(required = true, num_args = 1.., value_name = "UUID")]
    uuids: Vec<String>,
}

/// `faafo delete`.
pub async fn run(ctx: &Ctx, args: &DeleteArgs) -> anyhow::Result<()> {
    let (mut deleted, mut missing) = (Vec::new(), Vec::new());
    for uuid in &args.uuids {
        match ctx.client.delete(uuid).await {
            Ok(()) => {
                if !ctx.json() {
                    print(&format!("deleted {uuid}\n"));
                }
                deleted.push(uuid.clone());
            }
            Err(ClientError::NotFound { .. }) => missing.push(uuid.clone()),
            Err(e) => return Err(e.into()),
        }
    }
    if ctx.json() {
        output::print_json(&json!({ "deleted": deleted, "not_found": missing }))?;
    }
    match missing.len() {
        0 => Ok(()),
        1 => Err(ClientError::NotFound { uuid: missing.remove(0) }.into()),
        n => Err(CliError::NotFound(format!("{n} of {} fractals not found: {}", args.uuids.len(), missing.join(", ")))
            .into()),
    }
}
