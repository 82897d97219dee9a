//! `faafo show <uuid>`: the original's `Parameter | Value` table, plus status, kind and c.

use clap::Args;

use super::Ctx;
use super::output::{self, Align, Table};
use crate::client::Fractal;

/// Options of `faafo show`.
#[derive(Debug, Args)]
#[command(after_help = "\
A fractal not rendered yet shows its status (pending, rendering) and - for the result
fields. Example: faafo show d123e9c1-3934-4ffd-8b09-0032ca2b6564")]
pub struct ShowArgs {
    /// The fractal's uuid.
    uuid: String,
}

/// The rows of the table: the original's, in its order, then ours.
pub fn rows(f: &Fractal) -> Vec<(&'static str, String)> {
    let or_dash = |v: Option<String>| v.unwrap_or_else(|| "-".to_owned());
    let mut rows = vec![
        ("uuid", f.uuid.clone()),
        ("duration", or_dash(f.duration.map(|d| format!("{d:.6} seconds")))),
        ("dimensions", output::dimensions(f)),
        ("iterations", f.iterations.to_string()),
        ("xa", f.xa.to_string()),
        ("xb", f.xb.to_string()),
        ("ya", f.ya.to_string()),
        ("yb", f.yb.to_string()),
        ("size", or_dash(f.size.map(|s| format!("{s} bytes")))),
        ("checksum", or_dash(f.checksum.clone())),
        ("generated_by", or_dash(f.generated_by.clone())),
        ("status", f.status.as_str().to_owned()),
        ("kind", f.kind.clone()),
        ("c", or_dash(f.c().map(|c| output::complex(c.re, c.im)))),
    ];
    if let Some(seed) = f.seed {
        rows.push(("seed", seed.to_string()));
    }
    rows.push(("palette", f.palette.clone()));
    // The original API records no creation time (read as empty).
    if !f.created_at.is_empty() {
        rows.push(("created_at", f.created_at.clone()));
    }
    if let Some(e) = &f.error {
        rows.push(("error", e.clone()));
    }
    rows
}

/// `faafo show`.
pub async fn run(ctx: &Ctx, args: &ShowArgs) -> anyhow::Result<()> {
    let f = ctx.client.get(&args.uuid).await?;
    if ctx.json() {
        return output::print_json(&f);
    }
    let mut table = Table::new(&["Parameter", "Value"], Align::Left);
    for (name, value) in rows(&f) {
        table.row(vec![name.to_owned(), value]);
    }
    output::print(&table.render());
    Ok(())
}
