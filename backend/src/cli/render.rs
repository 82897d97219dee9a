//! `faafo render`: one image on this machine.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use faafo_engine::antialias::write_png_antialiased;
use faafo_engine::classic::{CSearch, find_c};
use faafo_engine::fractal::parse_complex;
use faafo_engine::location::{Center, Location, Scale};
use faafo_engine::{
    BitDepth, Colouring, Complex64, Control, DEFAULT_JPEG_QUALITY, Fractal, FractalKind, ImageFormat, KernelPath,
    Palette, Params, Region, RenderOptions, encode_jpeg, sha256_hex, write_png,
};

use super::CliError;
use super::colouring::{ColouringArgs, refuse_if_deep};
use crate::wire::colouring::is_plain;

/// Options of `faafo render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub(super) view: ViewArgs,
    /// Shift along the palette, as a fraction of one cycle.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    palette_offset: f32,
    /// Iterations per trip through the palette.
    #[arg(long, default_value_t = 64.0)]
    palette_cycle: f32,
    /// Colour of points that never escape, as RRGGBB hex.
    #[arg(long, default_value = "000000")]
    interior: String,
    /// Bits per channel of the PNG.
    #[arg(long, value_enum, default_value_t = Depth::Eight)]
    depth: Depth,
    /// Kernel path: avx512, avx2+fma, scalar, reference (default: fastest available).
    #[arg(long)]
    kernel: Option<KernelPath>,
    /// Quality of a JPEG (`-o NAME.jpg`), 1 to 100.
    #[arg(long, default_value_t = DEFAULT_JPEG_QUALITY, value_parser = clap::value_parser!(u8).range(1..=100))]
    jpeg_quality: u8,
    /// Output file; its extension picks the format: .png, or .jpg/.jpeg (8 bits per channel).
    #[arg(short, long, default_value = "fractal.png")]
    output: PathBuf,
}

/// What to render: the kind, the view, the size and the colours every renderer carries,
/// with the colouring flags (shared by `faafo render` and `faafo poster`, so both make
/// the same image).
#[derive(Debug, Args)]
pub struct ViewArgs {
    /// Fractal kind: classic (the original faafo Julia set), mandelbrot, julia,
    /// burning-ship, multibrot.
    #[arg(long, default_value = "mandelbrot")]
    pub(super) kind: FractalKind,
    /// Image width in pixels.
    #[arg(long, default_value_t = 1024)]
    pub(super) width: u32,
    /// Image height in pixels.
    #[arg(long, default_value_t = 768)]
    pub(super) height: u32,
    /// Escape tests per pixel (default: 362 for classic, 1000 otherwise).
    #[arg(long)]
    pub(super) iterations: Option<u32>,
    /// Real part at the left edge (give all of --xa --xb --ya --yb, or --center/--scale).
    #[arg(long, allow_hyphen_values = true, requires_all = ["xb", "ya", "yb"], conflicts_with_all = ["center", "scale"])]
    pub(super) xa: Option<f64>,
    /// Real part at the right edge.
    #[arg(long, allow_hyphen_values = true, requires = "xa")]
    pub(super) xb: Option<f64>,
    /// Imaginary part at the top row.
    #[arg(long, allow_hyphen_values = true, requires = "xa")]
    pub(super) ya: Option<f64>,
    /// Imaginary part at the bottom row.
    #[arg(long, allow_hyphen_values = true, requires = "xa")]
    pub(super) yb: Option<f64>,
    /// Centre of the view as RE,IM (default: the kind's home view). Read exactly, with
    /// as many digits as given: views deeper than doubles (about 1e-13 wide) are
    /// rendered with perturbation.
    #[arg(long, allow_hyphen_values = true)]
    pub(super) center: Option<String>,
    /// Width of the view in the complex plane (xb - xa), e.g. 3.5 or 5.06722630e-433;
    /// read exactly, any depth.
    #[arg(long)]
    pub(super) scale: Option<String>,
    /// Julia constant as RE,IM or RE+IMi (julia: default -0.8,0.156; classic: chosen by
    /// the original's search unless given).
    #[arg(long, allow_hyphen_values = true)]
    pub(super) c: Option<String>,
    /// Seed for the classic kind's search for c (default: random; printed so the image
    /// can be reproduced).
    #[arg(long, conflicts_with = "c")]
    pub(super) seed: Option<u64>,
    /// Multibrot exponent (2..=32).
    #[arg(long, default_value_t = 3)]
    pub(super) power: u32,
    /// Palette: ultra, fire, ocean, grayscale, rainbow, classic (default: classic for the
    /// classic kind, ultra otherwise).
    #[arg(long)]
    pub(super) palette: Option<Palette>,
    #[command(flatten)]
    pub(super) colouring: ColouringArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Depth {
    #[value(name = "8")]
    Eight,
    #[value(name = "16")]
    Sixteen,
}

/// The kind's default view: (centre, x extent).
fn home_view(kind: FractalKind) -> (Complex64, f64) {
    match kind {
        FractalKind::Mandelbrot => (Complex64::new(-0.75, 0.0), 3.5),
        FractalKind::BurningShip => (Complex64::new(-0.45, -0.5), 3.6),
        FractalKind::Classic | FractalKind::Julia | FractalKind::Multibrot => (Complex64::new(0.0, 0.0), 3.5),
    }
}

fn parse_rgb(text: &str) -> Result<[u8; 3], CliError> {
    let t = text.trim_start_matches('#');
    let bad =
        || CliError::Usage(format!("--interior must be a colour as RRGGBB hex (for example 000000), got '{text}'"));
    if t.len() != 6 {
        return Err(bad());
    }
    let v = u32::from_str_radix(t, 16).map_err(|_| bad())?;
    Ok([(v >> 16) as u8, (v >> 8) as u8, v as u8])
}

/// Builds the parameters; for the classic kind also returns how `c` was found.
fn params(render: &RenderArgs) -> anyhow::Result<(Params, Option<CSearch>, Option<u64>)> {
    let base = Colouring {
        palette: render.view.palette.unwrap_or_else(|| default_palette(render.view.kind)),
        offset: render.palette_offset,
        cycle_iterations: render.palette_cycle,
        interior: parse_rgb(&render.interior)?,
        ..Colouring::default()
    };
    view_params(&render.view, base)
}

/// The palette of a kind when none is given.
pub(super) fn default_palette(kind: FractalKind) -> Palette {
    if kind == FractalKind::Classic { Palette::Classic } else { Palette::Ultra }
}

/// The view's parameters with `base` and the colouring flags applied to it; for the
/// classic kind also how `c` was found.
pub(super) fn view_params(args: &ViewArgs, base: Colouring) -> anyhow::Result<(Params, Option<CSearch>, Option<u64>)> {
    let colouring = args.colouring.apply(base)?;
    let iterations = args.iterations.unwrap_or(if args.kind == FractalKind::Classic { 362 } else { 1000 });
    let region = match (args.xa, args.xb, args.ya, args.yb) {
        (Some(xa), Some(xb), Some(ya), Some(yb)) => Region::new(xa, xb, ya, yb),
        _ => match deep_location(args)? {
            // Its nearest doubles, for the printed region and the wire's xa..yb: the
            // picture is rendered from the location itself.
            Some(location) => location.region(args.width, args.height),
            None => {
                // Within doubles: today's arithmetic, bit for bit.
                let (home_c, home_s) = home_view(args.kind);
                let center = args.center.as_deref().map(parse_complex).transpose()?.unwrap_or(home_c);
                let scale = match args.scale.as_deref() {
                    Some(text) => text.trim().parse::<f64>().map_err(|_| scale_error(text))?,
                    None => home_s,
                };
                if !(scale.is_finite() && scale > 0.0) {
                    return Err(scale_error(&scale.to_string()).into());
                }
                Region::from_center_scale(center, scale, args.width, args.height)
            }
        },
    };
    let given_c = args.c.as_deref().map(parse_complex).transpose()?;
    let mut search = None;
    let mut seed_used = None;
    if args.kind == FractalKind::Classic && given_c.is_none() {
        // Validate the region first: the search draws from it.
        region.validate(args.width.max(2), args.height.max(2))?;
    }
    let fractal = Fractal::from_kind(args.kind, given_c, args.power, || {
        let seed = args.seed.unwrap_or_else(random_seed);
        seed_used = Some(seed);
        let s = find_c(&region, iterations, seed);
        search = Some(s);
        s.c
    });
    let params =
        Params { fractal, region, width: args.width, height: args.height, max_iterations: iterations, colouring };
    Ok((params, search, seed_used))
}

fn scale_error(text: &str) -> CliError {
    CliError::Usage(format!("--scale must be a number > 0 such as 3.5 or 5.06722630e-433, got '{text}'"))
}

/// The exact location `--center`/`--scale` give, when it is too deep for doubles (the
/// picture is then rendered with perturbation); `None` for views doubles can render.
pub(super) fn deep_location(args: &ViewArgs) -> anyhow::Result<Option<Location>> {
    if args.xa.is_some() || (args.center.is_none() && args.scale.is_none()) {
        return Ok(None);
    }
    let (home_c, home_s) = home_view(args.kind);
    let center = match args.center.as_deref() {
        // RE,IM read exactly; the RE+IMi spelling is read as doubles (as before).
        Some(text) => match text.split_once(',') {
            Some((re, im)) => {
                Center::parse(re.trim(), im.trim()).map_err(|e| CliError::Usage(format!("--center: {e}")))?
            }
            None => Center::from_complex(parse_complex(text)?),
        },
        None => Center::from_complex(home_c),
    };
    let scale = match args.scale.as_deref() {
        Some(text) => Scale::parse(text.trim()).map_err(|_| scale_error(text))?,
        None => Scale::from_f64(home_s).ok_or_else(|| scale_error(&home_s.to_string()))?,
    };
    let location = Location::new(center, scale);
    let (width, height) = (args.width, args.height);
    if !location.needs_perturbation(width, height) {
        return Ok(None);
    }
    // Only the kinds with a deep path; the others render their doubles as far as those go.
    let probe = Fractal::from_kind(args.kind, Some(Complex64::new(0.0, 0.0)), args.power, Complex64::default);
    if faafo_engine::deep::supports(&probe) {
        return Ok(Some(location));
    }
    match location.region(width, height).validate(width.max(2), height.max(2)) {
        Ok(()) => Ok(None),
        Err(_) => Err(faafo_engine::ParamError::DeepUnsupported {
            kind: args.kind.name(),
            width: location.scale.to_string(),
            supported: faafo_engine::deep::DEEP_KINDS,
        }
        .into()),
    }
}

/// A seed from the OS's per-process hash randomisation: no RNG dependency needed.
fn random_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// Runs `faafo render`.
pub fn run(args: &RenderArgs) -> anyhow::Result<()> {
    let (params, search, seed) = params(args)?;
    let deep = deep_location(&args.view)?;
    refuse_if_deep(deep.is_some(), &params.colouring)?;
    let options = RenderOptions { kernel: args.kernel, ..RenderOptions::default() };
    let depth = match args.depth {
        Depth::Eight => BitDepth::Eight,
        Depth::Sixteen => BitDepth::Sixteen,
    };
    let format = ImageFormat::from_path(&args.output, depth, args.jpeg_quality)
        .map_err(|e| CliError::Usage(format!("-o: {e}")))?;
    if matches!(format, ImageFormat::Jpeg { .. }) && depth == BitDepth::Sixteen {
        return Err(CliError::Usage("a JPEG has 8 bits per channel: use a .png name for --depth 16".to_owned()).into());
    }
    // Write next to the target and rename at the end, so a failed or interrupted render
    // never leaves a truncated PNG under the requested name.
    let tmp = temp_path(&args.output);
    let file = File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let plain = is_plain(&params.colouring);
    let result = match &deep {
        Some(location) => crate::worker::deep::write_png(&params, location, None, depth, &Control::new(), file),
        None if plain => write_png(&params, &options, &Control::new(), depth, BufWriter::new(file)),
        None => {
            let (n, control) = (params.colouring.antialias, Control::new());
            write_png_antialiased(&params, None, n, &options, &control, depth, BufWriter::new(file))
        }
    };
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.into());
        }
    };
    // Every path above writes a PNG; a JPEG is that picture re-encoded (8-bit, so
    // exactly its pixels), and the checksum is the JPEG file's.
    let (checksum, bytes) = match format {
        ImageFormat::Png(_) => (summary.sha256.clone(), summary.bytes),
        ImageFormat::Jpeg { quality } => match png_to_jpeg(&tmp, quality) {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
        },
    };
    std::fs::rename(&tmp, &args.output).with_context(|| format!("cannot write {}", args.output.display()))?;

    println!("output:     {}", args.output.display());
    println!("checksum:   {checksum}");
    println!("size:       {bytes} bytes");
    if let Some(c) = params.fractal.c() {
        println!("c:          {},{}", c.re, c.im);
    }
    if let (Some(s), Some(seed)) = (search, seed) {
        let how = if s.fallback { " (no candidate accepted; documented fallback used)" } else { "" };
        println!("seed:       {seed} ({} candidates drawn){how}", s.attempts);
    }
    println!(
        "region:     xa={} xb={} ya={} yb={}",
        params.region.xa, params.region.xb, params.region.ya, params.region.yb
    );
    if let Some(location) = &deep {
        println!(
            "location:   center={},{} scale={} (perturbation)",
            location.center.re(),
            location.center.im(),
            location.scale
        );
    }
    if deep.is_some() {
        println!("iterations: limit {} per pixel (perturbation does not count them)", params.max_iterations);
    } else {
        println!("iterations: {} computed (limit {} per pixel)", summary.iterations, params.max_iterations);
    }
    if !plain {
        println!("colouring:  {} · antialias {n}×{n}", params.colouring.mode, n = params.colouring.antialias);
    }
    println!("kernel:     {}", summary.kernel);
    println!("time:       {:.3} s render, {:.3} s total", summary.compute.as_secs_f64(), summary.total.as_secs_f64());
    Ok(())
}

/// Rewrites the 8-bit PNG at `path` as a JPEG of `quality`; returns the JPEG's SHA-256
/// and length.
fn png_to_jpeg(path: &Path, quality: u8) -> anyhow::Result<(String, u64)> {
    let png_bytes = std::fs::read(path).with_context(|| format!("cannot read back {}", path.display()))?;
    let mut reader = png::Decoder::new(std::io::Cursor::new(&png_bytes)).read_info().context("re-reading the PNG")?;
    let mut rgb = vec![0; reader.output_buffer_size().context("PNG too large to re-read")?];
    let info = reader.next_frame(&mut rgb).context("re-reading the PNG")?;
    rgb.truncate(info.buffer_size());
    let mut jpeg = Vec::new();
    encode_jpeg(&rgb, info.width, info.height, quality, &mut jpeg)?;
    std::fs::write(path, &jpeg).with_context(|| format!("cannot write {}", path.display()))?;
    Ok((sha256_hex(&jpeg), jpeg.len() as u64))
}

fn temp_path(target: &Path) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "fractal.png".into());
    target.with_file_name(format!(".{name}.{}.partial", std::process::id()))
}
