//! `faafo poster`: one view rendered by a faafo cluster as tiles, put together into one
//! PNG — pixel for pixel the image `faafo render` makes of the same options.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use faafo_engine::{Colouring, Fractal, FractalKind};

use super::colouring::refuse_if_deep;
use super::render::{ViewArgs, default_palette, view_params};
use super::{CliError, Ctx};
use crate::client::NewFractalRequest;
use crate::client::poster::{self, Poster, PosterEvent, PosterProgress};
use crate::wire::fractal::MULTIBROT_POWER;

/// Options of `faafo poster`.
#[derive(Debug, Args)]
#[command(after_help = "\
Example: faafo poster --width 16384 --height 9216 --center -0.7436,0.1318 --scale 0.003 \\
           --iterations 5000 -o seahorses.png
The same options with `faafo render` make the same pixels on this machine.")]
pub struct PosterArgs {
    #[command(flatten)]
    view: ViewArgs,
    /// Tiles across and down (N gives N x N; default: enough that no tile is over 4 Mpx).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    tiles: Option<u32>,
    /// Output file.
    #[arg(short, long, default_value = "poster.png")]
    output: PathBuf,
    /// Continue the poster with this id (printed when it starts): tiles already on the
    /// server are reused, not rendered again.
    #[arg(long, value_name = "ID")]
    resume: Option<String>,
    /// Seconds to keep trying while the API is unreachable or failing (it resumes where
    /// it was); after that the poster stops, and --resume continues it.
    #[arg(long, default_value_t = 120.0, value_name = "SECONDS")]
    patience: f64,
}

/// The whole image as a create request: what the wire can carry of the view.
fn whole_request(args: &PosterArgs) -> anyhow::Result<NewFractalRequest> {
    let v = &args.view;
    if v.kind == FractalKind::Multibrot && v.power != MULTIBROT_POWER {
        return Err(CliError::Usage(format!(
            "a cluster renders multibrot with power {MULTIBROT_POWER} only (--power {} given)",
            v.power
        ))
        .into());
    }
    let palette = v.palette.unwrap_or_else(|| default_palette(v.kind));
    // The constant is computed here (for classic, by the original's seeded search), so
    // every tile uses the one `faafo render` would; the colouring flags are checked here.
    let (params, _, seed) = view_params(v, Colouring { palette, ..Colouring::default() })?;
    let location = super::render::deep_location(v)?;
    refuse_if_deep(location.is_some(), &params.colouring)?;
    if let Some(seed) = seed {
        println!("seed:       {seed}");
    }
    let r = params.region;
    Ok(NewFractalRequest {
        kind: Some(v.kind),
        c: match params.fractal {
            Fractal::Classic { c } | Fractal::Julia { c } => Some(c),
            _ => None,
        },
        palette: Some(palette),
        // Every tile carries them (a tile is the whole request with a window).
        colouring: v.colouring.fields(),
        // A view past doubles goes as its exact location.
        location,
        ..NewFractalRequest::new(params.width, params.height, params.max_iterations, (r.xa, r.xb, r.ya, r.yb))
    })
}

/// Runs `faafo poster`.
pub async fn run(ctx: &Ctx, args: &PosterArgs) -> anyhow::Result<()> {
    let whole = whole_request(args)?;
    let (columns, rows) = match args.tiles {
        Some(n) => (n, n),
        None => poster::grid_for(whole.width, whole.height),
    };
    let id = args.resume.clone().unwrap_or_else(poster::new_id);
    let plan = Poster::plan(&id, whole, columns, rows).map_err(|e| CliError::Usage(e.to_string()))?;
    eprintln!(
        "faafo: poster {id}: {}x{} in {columns}x{rows} tiles (resume with --resume {id})",
        plan.whole.width, plan.whole.height
    );
    let dir = args.output.with_file_name(format!(".{id}.tiles"));
    let started = Instant::now();
    let mut shown = String::new();
    let mut report = |p: &PosterProgress| {
        let line = describe(p, started.elapsed().as_secs_f64());
        if line != shown {
            eprintln!("faafo: {line}");
            shown = line;
        }
    };
    let events = |event: PosterEvent<'_>| match event {
        PosterEvent::Progress(p) => report(&p),
        PosterEvent::Waiting(e) => eprintln!("faafo: {e}; trying again"),
        PosterEvent::TileReady { .. } | PosterEvent::TileRow { .. } => {}
    };
    let patience = std::time::Duration::from_secs_f64(args.patience);
    poster::make(&ctx.client, &plan, &dir, &args.output, patience, events).await?;
    println!("output:     {}", args.output.display());
    println!("tiles:      {} ({columns}x{rows})", plan.tiles.len());
    println!("time:       {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// "12/64 tiles done, 2 retried, 8.3 s, about 30 s left".
fn describe(p: &PosterProgress, elapsed: f64) -> String {
    let mut line = format!("{}/{} tiles done", p.done, p.total);
    if p.retried > 0 {
        line.push_str(&format!(", {} retried", p.retried));
    }
    line.push_str(&format!(", {elapsed:.1} s"));
    if p.done > 0 && p.done < p.total {
        let left = elapsed / p.done as f64 * (p.total - p.done) as f64;
        line.push_str(&format!(", about {left:.0} s left"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_lines() {
        let p = PosterProgress { total: 4, done: 1, retried: 0 };
        assert_eq!(describe(&p, 2.0), "1/4 tiles done, 2.0 s, about 6 s left");
        let p = PosterProgress { total: 4, done: 4, retried: 2 };
        assert_eq!(describe(&p, 9.0), "4/4 tiles done, 2 retried, 9.0 s");
    }
}
