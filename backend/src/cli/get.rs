//! `faafo get <uuid> [-o FILE]`: the PNG, checked against the stored SHA-256 (the
//! original's `get` was never implemented).

use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::output::{self, print};
use super::{CliError, Ctx};

/// Options of `faafo get`.
#[derive(Debug, Args)]
#[command(after_help = "\
The download is checked against the fractal's stored checksum and size before anything
is written. Example: faafo get d123e9c1-3934-4ffd-8b09-0032ca2b6564 -o julia.png")]
pub struct GetArgs {
    /// The fractal's uuid.
    uuid: String,
    /// Where to write the PNG (default: <uuid>.png; - for stdout).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Overwrite FILE if it exists.
    #[arg(short, long)]
    force: bool,
    /// Skip the checksum check (the original API re-encodes images, so its bytes may
    /// differ from the stored checksum).
    #[arg(long)]
    no_verify: bool,
}

/// `faafo get`.
pub async fn run(ctx: &Ctx, args: &GetArgs) -> anyhow::Result<()> {
    let path = args.output.clone().unwrap_or_else(|| PathBuf::from(format!("{}.png", args.uuid)));
    let stdout = path.as_os_str() == "-";
    // Refuse before downloading anything.
    if !stdout && !args.force && path.exists() {
        return Err(CliError::Failed(format!("{} exists; use --force to overwrite it", path.display())).into());
    }
    ctx.info(&format!("downloading fractal {} from {}", args.uuid, ctx.client.endpoint()));
    let png = if args.no_verify {
        ctx.client.image_unverified(&args.uuid).await?
    } else {
        ctx.client.image(&args.uuid).await?
    };
    if stdout {
        let mut out = std::io::stdout().lock();
        out.write_all(&png)
            .and_then(|()| out.flush())
            .map_err(|e| CliError::Failed(format!("cannot write the image to stdout: {e}")))?;
        return Ok(());
    }
    write(&path, &png, args.force).map_err(|e| CliError::Failed(format!("cannot write {}: {e}", path.display())))?;
    let checksum = faafo_engine::sha256_hex(&png);
    if ctx.json() {
        output::print_json(&json!({
            "uuid": args.uuid, "path": path, "size": png.len(), "checksum": checksum, "verified": !args.no_verify,
        }))?;
    } else {
        let how = if args.no_verify { "not verified" } else { "SHA-256 verified" };
        print(&format!("saved {} to {} ({} bytes, {how})\n", args.uuid, path.display(), png.len()));
    }
    Ok(())
}

/// Writes `bytes` to `path`. Without `force` an existing file is never replaced (even
/// one created since the check); with it, the file is replaced whole through a temporary
/// file, so a failed write leaves no half image.
fn write(path: &std::path::Path, bytes: &[u8], force: bool) -> std::io::Result<()> {
    if !force {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
        return file.write_all(bytes).inspect_err(|_| {
            let _ = std::fs::remove_file(path);
        });
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.part", std::process::id()));
    std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path)).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
