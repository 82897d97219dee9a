//! `faafo create` and `faafo demo`.
//!
//! The original's options and random ranges (faafo-spec §6.2): every parameter is either
//! fixed (`--width 640`) or drawn per fractal from `[--min-width, --max-width]` (integers
//! inclusive, floats uniform). The original's defaults for xa and ya had "min" above
//! "max" (`--min-xa -1 --max-xa -4`); the ranges are the same here, written the right
//! way round (`--min-xa -4 --max-xa -1`), and a reversed range is refused.

use std::time::Duration;

use clap::{Args, Parser};
use faafo_engine::FractalKind;
use faafo_engine::fractal::parse_complex;
use faafo_engine::location::{Center, Location, Scale};
use serde_json::Value;

use super::colouring::ColouringArgs;
use super::output::{self, print};
use super::progress::Progress;
use super::{CliError, Ctx};
use crate::client::random::{Draw, Ranges, random_request};
use crate::client::{Fractal, NewFractalRequest, Status};

/// The random parameters of a batch, with the original's defaults.
#[derive(Debug, Clone, Args)]
pub struct DrawArgs {
    /// Fractals to create (default: random in [--min-tasks, --max-tasks]).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..), help_heading = "Batch")]
    tasks: Option<u32>,
    /// Fewest fractals when --tasks is not given.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..), help_heading = "Batch")]
    min_tasks: u32,
    /// Most fractals when --tasks is not given.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..), help_heading = "Batch")]
    max_tasks: u32,

    /// Image width in pixels (default: random in [--min-width, --max-width]).
    #[arg(long, help_heading = "Size")]
    width: Option<u32>,
    /// Smallest random width.
    #[arg(long, default_value_t = 256, help_heading = "Size")]
    min_width: u32,
    /// Largest random width.
    #[arg(long, default_value_t = 1024, help_heading = "Size")]
    max_width: u32,
    /// Image height in pixels (default: random in [--min-height, --max-height]).
    #[arg(long, help_heading = "Size")]
    height: Option<u32>,
    /// Smallest random height.
    #[arg(long, default_value_t = 256, help_heading = "Size")]
    min_height: u32,
    /// Largest random height.
    #[arg(long, default_value_t = 1024, help_heading = "Size")]
    max_height: u32,
    /// Escape tests per pixel (default: random in [--min-iterations, --max-iterations]).
    #[arg(long, help_heading = "Size")]
    iterations: Option<u32>,
    /// Fewest random iterations.
    #[arg(long, default_value_t = 128, help_heading = "Size")]
    min_iterations: u32,
    /// Most random iterations.
    #[arg(long, default_value_t = 512, help_heading = "Size")]
    max_iterations: u32,

    /// Real part at the left edge (default: random in [--min-xa, --max-xa]).
    #[arg(long, allow_hyphen_values = true, help_heading = "Region")]
    xa: Option<f64>,
    /// Lowest random xa (the original's --max-xa: its min and max were reversed).
    #[arg(long, default_value_t = -4.0, allow_hyphen_values = true, help_heading = "Region")]
    min_xa: f64,
    /// Highest random xa.
    #[arg(long, default_value_t = -1.0, allow_hyphen_values = true, help_heading = "Region")]
    max_xa: f64,
    /// Real part at the right edge (default: random in [--min-xb, --max-xb]).
    #[arg(long, allow_hyphen_values = true, help_heading = "Region")]
    xb: Option<f64>,
    /// Lowest random xb.
    #[arg(long, default_value_t = 1.0, allow_hyphen_values = true, help_heading = "Region")]
    min_xb: f64,
    /// Highest random xb.
    #[arg(long, default_value_t = 4.0, allow_hyphen_values = true, help_heading = "Region")]
    max_xb: f64,
    /// Imaginary part at the top row (default: random in [--min-ya, --max-ya]).
    #[arg(long, allow_hyphen_values = true, help_heading = "Region")]
    ya: Option<f64>,
    /// Lowest random ya (the original's --max-ya).
    #[arg(long, default_value_t = -3.0, allow_hyphen_values = true, help_heading = "Region")]
    min_ya: f64,
    /// Highest random ya.
    #[arg(long, default_value_t = -0.5, allow_hyphen_values = true, help_heading = "Region")]
    max_ya: f64,
    /// Imaginary part at the bottom row (default: random in [--min-yb, --max-yb]).
    #[arg(long, allow_hyphen_values = true, help_heading = "Region")]
    yb: Option<f64>,
    /// Lowest random yb.
    #[arg(long, default_value_t = 0.5, allow_hyphen_values = true, help_heading = "Region")]
    min_yb: f64,
    /// Highest random yb.
    #[arg(long, default_value_t = 3.0, allow_hyphen_values = true, help_heading = "Region")]
    max_yb: f64,
}

/// Options of `faafo create`.
#[derive(Debug, Args)]
#[command(after_help = "\
Prints the uuid of each fractal as it is created (with --format json: the fractals).
Example: faafo create --tasks 3 --width 640 --height 480 --wait")]
pub struct CreateArgs {
    #[command(flatten)]
    draw: DrawArgs,
    /// Fractal kind: classic (the original's Julia sets), mandelbrot, julia,
    /// burning-ship, multibrot. Needs faafo-api (the original API has classic only).
    #[arg(long, help_heading = "Kind (faafo-api only)")]
    kind: Option<FractalKind>,
    /// Julia constant as RE,IM or RE+IMi (classic, julia; default: the server's choice).
    #[arg(long, allow_hyphen_values = true, help_heading = "Kind (faafo-api only)")]
    c: Option<String>,
    /// Seed of the classic kind's search for c, to reproduce an image.
    #[arg(long, conflicts_with = "c", value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64), help_heading = "Kind (faafo-api only)")]
    seed: Option<u64>,
    /// Exact centre of every fractal as RE,IM (decimal text, any number of digits; with
    /// --scale): a deep view, rendered with perturbation. xa..yb are then its nearest
    /// doubles.
    #[arg(long, allow_hyphen_values = true, requires = "scale", conflicts_with_all = ["xa", "xb", "ya", "yb"], help_heading = "Kind (faafo-api only)")]
    center: Option<String>,
    /// Exact width of every fractal's view (xb - xa), e.g. 5.06722630e-433 (with --center).
    #[arg(long, requires = "center", help_heading = "Kind (faafo-api only)")]
    scale: Option<String>,
    #[command(flatten)]
    colouring: ColouringArgs,
    /// Wait until every fractal is rendered, showing progress on stderr; exit 1 if any
    /// failed.
    #[arg(long)]
    wait: bool,
    /// Give up waiting after this many seconds (exit 1). The original API never marks a
    /// render failed, so waiting on it can otherwise last for ever.
    #[arg(long, requires = "wait", value_name = "SECONDS")]
    timeout: Option<f64>,
    /// Print the requests (JSON, one per line) instead of sending them.
    #[arg(long, conflicts_with = "wait")]
    dry_run: bool,
}

/// Options of `faafo demo`.
#[derive(Debug, Args)]
#[command(after_help = "\
Creates 1 to 10 fractals with the original create's random parameters, waits for them,
and prints the gallery's address. install.sh's `-r demo` runs this.")]
pub struct DemoArgs {
    /// Give up waiting after this many seconds (exit 1).
    #[arg(long, default_value_t = 600.0, value_name = "SECONDS")]
    timeout: f64,
}

/// `DrawArgs` with every default, for `demo`.
#[derive(Debug, Parser)]
struct DefaultDraw {
    #[command(flatten)]
    draw: DrawArgs,
}

fn int_range(name: &str, min: u32, max: u32) -> Result<(), CliError> {
    if min > max {
        return Err(CliError::Usage(format!("--min-{name} ({min}) must not be greater than --max-{name} ({max})")));
    }
    Ok(())
}

/// A parameter's range: `(v, v)` when fixed, else `(min, max)`.
fn range<T: Copy>(fixed: Option<T>, min: T, max: T) -> (T, T) {
    fixed.map_or((min, max), |v| (v, v))
}

/// The batch's requests, drawn as the original's `create` drew them.
pub fn plan(d: &DrawArgs, draw: &mut Draw) -> Result<Vec<NewFractalRequest>, CliError> {
    int_range("tasks", d.min_tasks, d.max_tasks)?;
    let drawn = Ranges {
        width: (d.min_width, d.max_width),
        height: (d.min_height, d.max_height),
        iterations: (d.min_iterations, d.max_iterations),
        xa: (d.min_xa, d.max_xa),
        xb: (d.min_xb, d.max_xb),
        ya: (d.min_ya, d.max_ya),
        yb: (d.min_yb, d.max_yb),
    };
    drawn.check().map_err(|e| CliError::Usage(e.to_string()))?;
    for (name, v) in [("xa", d.xa), ("xb", d.xb), ("ya", d.ya), ("yb", d.yb)] {
        if v.is_some_and(|v| !v.is_finite()) {
            return Err(CliError::Usage(format!("--{name} must be a finite number")));
        }
    }
    let ranges = Ranges {
        width: range(d.width, d.min_width, d.max_width),
        height: range(d.height, d.min_height, d.max_height),
        iterations: range(d.iterations, d.min_iterations, d.max_iterations),
        xa: range(d.xa, d.min_xa, d.max_xa),
        xb: range(d.xb, d.min_xb, d.max_xb),
        ya: range(d.ya, d.min_ya, d.max_ya),
        yb: range(d.yb, d.min_yb, d.max_yb),
    };
    let tasks = draw.int(d.tasks, d.min_tasks, d.max_tasks);
    Ok((0..tasks).map(|_| random_request(&ranges, draw)).collect())
}

/// Creates the batch, printing uuids as they come (table format).
async fn create_all(ctx: &Ctx, plan: &[NewFractalRequest]) -> anyhow::Result<Vec<Fractal>> {
    ctx.info(&format!("generating {} task(s) at {}", plan.len(), ctx.client.endpoint()));
    let mut created = Vec::with_capacity(plan.len());
    for request in plan {
        let f = ctx.client.create(request).await?;
        if ctx.debug {
            let body = request.body(&f.uuid);
            ctx.info(&format!("created task {body}"));
        }
        if !ctx.json() {
            print(&format!("{}\n", f.uuid));
        }
        created.push(f);
    }
    Ok(created)
}

/// Waits for the batch with a progress display; returns the final fractals, and an
/// error when any failed.
async fn wait_all(ctx: &Ctx, created: &[Fractal], timeout: Option<f64>) -> anyhow::Result<Vec<Fractal>> {
    let uuids: Vec<String> = created.iter().map(|f| f.uuid.clone()).collect();
    let mut progress = Progress::stderr();
    let waiting = ctx.client.wait(&uuids, |p| progress.update(p));
    let result = match timeout {
        Some(t) => {
            let limit = Duration::try_from_secs_f64(t)
                .map_err(|_| CliError::Usage(format!("--timeout must be a positive number of seconds, got {t}")))?;
            match tokio::time::timeout(limit, waiting).await {
                Ok(r) => r,
                Err(_) => {
                    progress.finish();
                    let pending = progress.last().map_or(uuids.len(), |p| p.pending);
                    return Err(CliError::Failed(format!(
                        "gave up waiting after {}: {pending} of {} fractals still pending",
                        output::human_seconds(t),
                        uuids.len()
                    ))
                    .into());
                }
            }
        }
        None => waiting.await,
    };
    progress.finish();
    let finals = result?;
    let mut failed = 0;
    for uuid in &uuids {
        match finals.iter().find(|f| &f.uuid == uuid) {
            Some(f) if f.status == Status::Failed => {
                failed += 1;
                eprintln!("faafo: fractal {uuid} failed: {}", f.error.as_deref().unwrap_or("no reason given"));
            }
            Some(_) => {}
            None => {
                failed += 1;
                eprintln!("faafo: fractal {uuid} disappeared while waiting (deleted?)");
            }
        }
    }
    if ctx.json() {
        output::print_json(&finals)?;
    }
    if failed > 0 {
        return Err(CliError::Failed(format!("{failed} of {} fractals failed", uuids.len())).into());
    }
    Ok(finals)
}

/// `faafo create`.
pub async fn run(ctx: &Ctx, args: &CreateArgs) -> anyhow::Result<()> {
    let mut batch = plan(&args.draw, &mut Draw::new())?;
    with_options(&mut batch, args)?;
    if args.dry_run {
        let bodies: Vec<Value> = batch.iter().map(|r| r.body(r.uuid.as_deref().unwrap_or_default())).collect();
        if ctx.json() {
            output::print_json(&bodies)?;
        } else {
            print(&bodies.iter().map(|b| format!("{b}\n")).collect::<String>());
        }
        return Ok(());
    }
    let created = create_all(ctx, &batch).await?;
    if args.wait {
        wait_all(ctx, &created, args.timeout).await?;
    } else if ctx.json() {
        output::print_json(&created)?;
    }
    Ok(())
}

/// Sets what `--kind`, `--c`, `--seed` and `--center`/`--scale` ask for on every request
/// of the batch (an exact location replaces the drawn region with its nearest doubles).
fn with_options(batch: &mut [NewFractalRequest], args: &CreateArgs) -> Result<(), CliError> {
    let c = args.c.as_deref().map(parse_complex).transpose().map_err(|e| CliError::Usage(format!("--c: {e}")))?;
    let location = exact_location(args)?;
    // The server's checks, here, so a bad value is named before anything is sent.
    args.colouring.apply(faafo_engine::Colouring::default())?;
    let colouring = args.colouring.fields();
    for r in batch {
        r.kind = args.kind;
        r.c = c;
        r.seed = args.seed.map(|s| s as i64);
        if let Some(l) = &location {
            *r = NewFractalRequest {
                uuid: r.uuid.take(),
                kind: r.kind,
                c: r.c,
                seed: r.seed,
                ..NewFractalRequest::at(r.width, r.height, r.iterations, l.clone())
            };
        }
        r.colouring = colouring.clone();
    }
    Ok(())
}

/// The exact location `--center`/`--scale` give, if any.
fn exact_location(args: &CreateArgs) -> Result<Option<Location>, CliError> {
    let (Some(center), Some(scale)) = (args.center.as_deref(), args.scale.as_deref()) else { return Ok(None) };
    let (re, im) = center.split_once(',').ok_or_else(|| {
        CliError::Usage(format!("--center must be RE,IM (two decimal numbers and a comma), got '{center}'"))
    })?;
    let center = Center::parse(re.trim(), im.trim()).map_err(|e| CliError::Usage(format!("--center: {e}")))?;
    let scale = Scale::parse(scale.trim())
        .map_err(|e| CliError::Usage(format!("--scale must be a number > 0 such as 5.06722630e-433: {e}")))?;
    Ok(Some(Location::new(center, scale)))
}

/// `faafo demo`.
pub async fn demo(ctx: &Ctx, args: &DemoArgs) -> anyhow::Result<()> {
    let defaults = DefaultDraw::try_parse_from(["demo"])?;
    let batch = plan(&defaults.draw, &mut Draw::new())?;
    let created = create_all(ctx, &batch).await?;
    let finals = wait_all(ctx, &created, Some(args.timeout)).await?;
    let gallery = ctx.client.gallery_url();
    if !ctx.json() {
        print(&format!("{} fractals rendered; see them at {gallery}\n", finals.len()));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
mod tests {
    use super::*;

    fn draw_args(extra: &[&str]) -> DrawArgs {
        let mut args = vec!["create"];
        args.extend(extra);
        DefaultDraw::try_parse_from(args).unwrap().draw
    }

    #[test]
    fn random_draws_stay_in_the_originals_ranges() {
        // faafo-spec §10 T8, over many draws.
        let d = draw_args(&[]);
        let mut draw = Draw::new();
        let (mut tasks_seen, mut widths) = (std::collections::BTreeSet::new(), std::collections::BTreeSet::new());
        for _ in 0..2000 {
            let batch = plan(&d, &mut draw).unwrap();
            assert!((1..=10).contains(&batch.len()));
            tasks_seen.insert(batch.len());
            for r in batch {
                assert!((256..=1024).contains(&r.width) && (256..=1024).contains(&r.height), "{r:?}");
                assert!((128..=512).contains(&r.iterations), "{r:?}");
                assert!((-4.0..=-1.0).contains(&r.xa) && (1.0..=4.0).contains(&r.xb), "{r:?}");
                assert!((-3.0..=-0.5).contains(&r.ya) && (0.5..=3.0).contains(&r.yb), "{r:?}");
                assert!(r.uuid.is_some() && r.extensions().is_empty());
                widths.insert(r.width);
            }
        }
        // Both ends of the inclusive integer ranges come up.
        assert_eq!(tasks_seen.len(), 10, "{tasks_seen:?}");
        assert!(widths.contains(&256) && widths.contains(&1024));
    }

    #[test]
    fn fixed_values_win_and_bad_ranges_are_refused() {
        let d = draw_args(&[
            "--tasks",
            "3",
            "--width",
            "640",
            "--xa",
            "-2.5",
            "--min-height",
            "300",
            "--max-height",
            "300",
        ]);
        let batch = plan(&d, &mut Draw::new()).unwrap();
        assert_eq!(batch.len(), 3);
        assert!(batch.iter().all(|r| r.width == 640 && r.xa == -2.5 && r.height == 300));
        let e = plan(&draw_args(&["--min-width", "900", "--max-width", "300"]), &mut Draw::new()).unwrap_err();
        assert_eq!(e.to_string(), "--min-width (900) must not be greater than --max-width (300)");
        // The original's reversed defaults, given explicitly, are refused with a clear message.
        let e = plan(&draw_args(&["--min-xa", "-1", "--max-xa", "-4"]), &mut Draw::new()).unwrap_err();
        assert!(e.to_string().contains("--min-xa (-1) must not be greater than --max-xa (-4)"), "{e}");
        assert!(DefaultDraw::try_parse_from(["create", "--tasks", "0"]).is_err());
    }

    #[test]
    fn an_exact_location_goes_into_every_request() {
        #[derive(Debug, Parser)]
        struct Create {
            #[command(flatten)]
            args: CreateArgs,
        }
        let re = format!("-1.{}", "3".repeat(400));
        let center = format!("{re},0.25");
        let c = Create::try_parse_from(["create", "--tasks", "2", "--center", &center, "--scale", "5.06722630e-433"])
            .unwrap();
        let location = exact_location(&c.args).unwrap().unwrap();
        assert_eq!((location.center.re(), location.scale.to_string()), (re.as_str(), "5.0672263e-433".to_owned()));
        let mut batch = plan(&c.args.draw, &mut Draw::new()).unwrap();
        with_options(&mut batch, &c.args).unwrap();
        for r in &batch {
            assert!(r.uuid.is_some());
            let body = r.body("u");
            assert_eq!(body["center_re"], re.as_str());
            assert_eq!(body["scale"], "5.0672263e-433");
            // xa..yb are the location's nearest doubles, for the original's fields.
            assert_eq!(body["xa"], body["xb"]);
            assert_eq!(body["ya"], 0.25);
        }
        let bad = Create::try_parse_from(["create", "--center", "1;2", "--scale", "1e-5"]).unwrap();
        assert!(exact_location(&bad.args).unwrap_err().to_string().contains("--center must be RE,IM"));
        assert!(Create::try_parse_from(["create", "--center", "0,0"]).is_err(), "--center needs --scale");
        assert!(Create::try_parse_from(["create", "--center", "0,0", "--scale", "1", "--xa", "1"]).is_err());
    }

    #[test]
    fn colouring_flags_go_into_every_request() {
        #[derive(Debug, Parser)]
        struct Create {
            #[command(flatten)]
            args: CreateArgs,
        }
        let flags = ["create", "--tasks", "2", "--colouring", "lighting", "--light-angle", "-30", "--antialias", "3"];
        let c = Create::try_parse_from(flags).unwrap();
        let mut batch = plan(&c.args.draw, &mut Draw::new()).unwrap();
        with_options(&mut batch, &c.args).unwrap();
        for r in &batch {
            let body = r.body("u");
            assert_eq!(
                (body["colouring"].clone(), body["light_angle"].clone()),
                (serde_json::json!("lighting"), serde_json::json!(-30.0))
            );
            assert_eq!(body["antialias"], 3);
            assert!(body.get("light_strength").is_none(), "unset flags are not sent: {body}");
            assert!(r.extensions().contains(&"colouring"));
        }
        // Without the flags the body is the original's.
        let plain = Create::try_parse_from(["create"]).unwrap();
        let mut batch = plan(&plain.args.draw, &mut Draw::new()).unwrap();
        with_options(&mut batch, &plain.args).unwrap();
        assert!(batch[0].body("u").get("colouring").is_none() && batch[0].extensions().is_empty());
        assert!(Create::try_parse_from(["create", "--antialias", "5"]).is_err());
        assert!(Create::try_parse_from(["create", "--colouring", "glow"]).is_err());
        let bad = Create::try_parse_from(["create", "--light-strength", "2"]).unwrap();
        let e = with_options(&mut batch, &bad.args).unwrap_err().to_string();
        assert!(e.contains("--light-strength") && e.contains("from 0 to 1"), "{e}");
    }
}
