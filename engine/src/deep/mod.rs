//! Deep zoom: views far below what doubles resolve (down to 1e-1000 and beyond), by
//! perturbation around a reference orbit computed in arbitrary precision.
//!
//! # Layout
//! - `decimal`: exact decimal text arithmetic for [`crate::location`].
//! - `bigfloat`: the arbitrary-precision library behind a small wrapper.
//! - `floatexp`: doubles with a separate exponent, for deltas below 1e-301.
//! - `orbit`: reference orbits ([`ReferenceOrbit`] holds one or two).
//! - `bla`: bilinear approximation tables (many iterations in one step).
//! - `hugepages`: the tables' memory in 2 MiB pages where the OS has them.
//! - `pixel`: the per-pixel perturbation loop with rebasing.
//! - `cycle`: interior pixels found by their computation repeating itself.
//! - `newton`: interior pixels proven by Newton's method on their attracting cycle.
//!
//! The pixel mapping is [`crate::location::Location`]'s: square pixels, `scale` between
//! the first and last column centres, row 0 at the top (largest imaginary part) — the
//! same as the direct path's [`crate::Orientation::Up`], so the explorer shows no seam
//! when it switches. Escape counts and |z|² at escape mean what they mean on the direct
//! path, so palettes and the smooth value are the same at any depth.
//!
//! Deterministic: the same orbit, view and limit give the same pixels on every machine
//! (no data-dependent threading; approximations are chosen per pixel from the table).

pub(crate) mod bigfloat;
mod bla;
mod cycle;
pub(crate) mod decimal;
pub(crate) mod floatexp;
mod hugepages;
mod newton;
mod nucleus;
mod orbit;
mod pixel;

use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::buffer::EscapeBuffer;
use crate::control::Control;
use crate::error::{ParamError, RenderError};
use crate::fractal::Fractal;
use crate::kernel::Setup;
use crate::location::{Location, Scale};
use crate::params::MIN_SIDE_PX;
use crate::render::Window;
use bigfloat::BigFloat;
use bla::Bla;
use decimal::Decimal;
use floatexp::{ComplexExp, RealExp};
use orbit::{Ends, Orbit};
use pixel::{CRITICAL, Context, Isa, MAIN};

/// The kinds with a deep path, as named in errors.
pub const DEEP_KINDS: &str = "mandelbrot, julia (and multibrot of power 2)";

/// Extra decimal digits of orbit precision beyond the view's width: pixels of posters up
/// to 65,536 wide (5 digits) and a margin against the orbit's own rounding.
const MARGIN_DIGITS: f64 = 20.0;

/// Reference point within this many view widths of the centre (on each axis) keeps an
/// orbit usable: pans and zooms near it reuse it instead of recomputing.
const REUSE_WIDTHS: f64 = 2.0;

/// Whether `fractal` renders at any depth.
pub fn supports(fractal: &Fractal) -> bool {
    matches!(fractal, Fractal::Mandelbrot | Fractal::Julia { .. } | Fractal::Multibrot { power: 2 })
}

/// Bits of precision an orbit needs for views of width `scale`.
fn bits_for(scale: Scale) -> usize {
    let digits = (-scale.log10()).max(0.0) + MARGIN_DIGITS;
    (digits * std::f64::consts::LOG2_10).ceil() as usize + 64
}

/// Approximation tables kept with an orbit: the log2 bound of |δc| they were built for,
/// whether they include the exponent tables, and the `[MAIN, CRITICAL]` tables.
type CachedTables = (i64, bool, Arc<[Bla; 2]>);

/// The orbit(s) a deep view is perturbed around: computed once in arbitrary precision,
/// then shared (`Send + Sync`) by every render near it.
#[derive(Debug)]
pub struct ReferenceOrbit {
    fractal: Fractal,
    /// The view centre the reference was computed for, exactly as its decimals (what
    /// reuse is judged from).
    point: (Decimal, Decimal),
    /// The reference point itself: that centre, or the nucleus of a minibrot near it
    /// ([`nucleus`]).
    point_big: (BigFloat, BigFloat),
    bits: usize,
    /// The iteration limit it was computed for.
    limit: u32,
    main: Orbit,
    /// Julia sets: the orbit of the critical point 0, where rebased pixels continue.
    critical: Option<Orbit>,
    r2: f64,
    /// The approximation tables of the last render, by the log2 of its largest |δc|.
    tables: Mutex<Option<CachedTables>>,
}

impl ReferenceOrbit {
    /// The orbit through `location`'s centre (or a minibrot's nucleus within its width),
    /// precise enough for its depth, long enough for `max_iterations`.
    pub fn compute(
        fractal: &Fractal,
        location: &Location,
        max_iterations: u32,
        control: &Control,
    ) -> Result<ReferenceOrbit, RenderError> {
        Self::compute_with_headroom(fractal, location, 1.0, max_iterations, control)
    }

    /// [`ReferenceOrbit::compute`], precise enough for views `headroom` (in (0, 1]; other
    /// values count as 1) times as wide as `location`'s, so that zooming on reuses it;
    /// the nucleus is still sought within `location`'s own width.
    pub fn compute_with_headroom(
        fractal: &Fractal,
        location: &Location,
        headroom: f64,
        max_iterations: u32,
        control: &Control,
    ) -> Result<ReferenceOrbit, RenderError> {
        let headroom = if headroom > 0.0 && headroom <= 1.0 { headroom } else { 1.0 };
        let finest = location.scale.mul_f64(headroom);
        if !supports(fractal) {
            return Err(ParamError::DeepUnsupported {
                kind: fractal.kind().name(),
                width: location.scale.to_string(),
                supported: DEEP_KINDS,
            }
            .into());
        }
        fractal.validate()?;
        if max_iterations == 0 {
            return Err(
                ParamError::OutOfRange { name: "iterations", value: 0, min: 1, max: u64::from(u32::MAX) }.into()
            );
        }
        let bits = bits_for(finest);
        let point = (location.center.re_decimal(), location.center.im_decimal());
        let mut point_big = (BigFloat::from_decimal(&point.0, bits), BigFloat::from_decimal(&point.1, bits));
        let r2 = Setup::new(fractal, max_iterations, 0.0, false).r2;
        let zero = BigFloat::from_f64(0.0, bits);
        let limit = max_iterations as usize;
        let (main, critical) = match *fractal {
            Fractal::Julia { c } => {
                let (cr, ci) = (BigFloat::from_f64(c.re, bits), BigFloat::from_f64(c.im, bits));
                let (main, critical) = rayon::join(
                    || Orbit::compute((&point_big.0, &point_big.1), (&cr, &ci), 2, limit, r2, Ends::default(), control),
                    || Orbit::compute((&zero, &zero), (&cr, &ci), 2, limit + 1, r2, Ends::default(), control),
                );
                (main?, Some(critical?))
            }
            _ => {
                // Near a minibrot the reference moves to its nucleus, and its orbit ends
                // after one period ([`nucleus`]); elsewhere it is the centre's orbit.
                let width = scale_exp(location.scale);
                let ends = |seek: bool| Ends {
                    return_below: Some(return_bound(finest)),
                    nucleus_within: seek.then_some(width),
                };
                let c = (&point_big.0, &point_big.1);
                let mut main = Orbit::compute((&zero, &zero), c, 2, limit + 1, r2, ends(true), control)?;
                if let Some(period) = main.candidate {
                    let at = nucleus::find(c, period, bits, width, control)?;
                    if let Some(n) = at {
                        point_big = n;
                    }
                    let c = (&point_big.0, &point_big.1);
                    main = Orbit::compute((&zero, &zero), c, 2, limit + 1, r2, ends(false), control)?;
                }
                (main, None)
            }
        };
        Ok(ReferenceOrbit {
            fractal: *fractal,
            point,
            point_big,
            bits,
            limit: max_iterations,
            main,
            critical,
            r2,
            tables: Mutex::new(None),
        })
    }

    /// The fractal it iterates.
    pub fn fractal(&self) -> &Fractal {
        &self.fractal
    }

    /// The real and imaginary parts of the view centre it was computed for.
    pub fn point(&self) -> (String, String) {
        (self.point.0.to_text(), self.point.1.to_text())
    }

    /// Bits of precision it was computed with.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// Iterations of the reference before it escaped, returned to zero (one period of a
    /// minibrot's nucleus) or reached the limit (for readouts).
    pub fn len(&self) -> usize {
        self.main.len()
    }

    /// Whether the reference stored no value (never: kept for clippy's len rule).
    pub fn is_empty(&self) -> bool {
        self.main.len() == 0
    }

    /// Whether this orbit serves a render of `location` at `width` × `height` with
    /// `max_iterations`: precise enough for its depth, long enough (or escaped), and its
    /// point within [`REUSE_WIDTHS`] view widths of the centre.
    pub fn covers(&self, location: &Location, width: u32, height: u32, max_iterations: u32) -> bool {
        let long_enough = max_iterations <= self.limit || self.complete();
        // A reference that ended at a return to zero serves views whose pixels are wider
        // than that return ([`Orbit::compute`]).
        let returns_fit = self.main.returned.is_none_or(|r| r.lt(return_bound(location.scale)));
        if !long_enough || !returns_fit || bits_for(location.scale) > self.bits {
            return false;
        }
        let (m, e) = location.scale.parts();
        let aspect = f64::from(height.saturating_sub(1).max(1)) / f64::from(width.saturating_sub(1).max(1));
        let near = |center: Decimal, point: &Decimal, extent: f64| {
            let widths = center.add(&point.neg()).shifted(-e).to_f64().abs() / m;
            widths <= REUSE_WIDTHS * extent
        };
        near(location.center.re_decimal(), &self.point.0, 1.0)
            && near(location.center.im_decimal(), &self.point.1, aspect.max(1.0))
    }

    /// Whether every orbit ended by escaping (then any iteration limit is covered).
    fn complete(&self) -> bool {
        let done = |o: &Orbit| o.escaped || o.returned.is_some();
        done(&self.main) && self.critical.as_ref().is_none_or(done)
    }

    /// The approximation tables for an image whose farthest |δc| is `dc_max`.
    fn tables(&self, dc_max: RealExp, with_exp: bool) -> Arc<[Bla; 2]> {
        let key = dc_max.log2().ceil().max(-1e12) as i64;
        let mut slot = self.tables.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((k, x, t)) = slot.as_ref()
            && *k == key
            && (*x || !with_exp)
        {
            return Arc::clone(t);
        }
        let bound = RealExp::new(1.0, key);
        let julia = matches!(self.fractal, Fractal::Julia { .. });
        let main = Bla::build(&self.main.zx, usize::from(!julia), bound, !julia, with_exp);
        let critical = match &self.critical {
            Some(c) => Bla::build(&c.zx, 1, bound, false, with_exp),
            None => Bla::build(&[], 1, bound, false, false),
        };
        let t = Arc::new([main, critical]);
        *slot = Some((key, with_exp, Arc::clone(&t)));
        t
    }
}

/// Renders `location` at `width` × `height` by perturbation around `orbit` (which must
/// [`ReferenceOrbit::covers`] it, or at least have been computed for `max_iterations`):
/// the same escape counts and |z|² as the direct path, so the same palettes apply.
pub fn render_deep(
    orbit: &ReferenceOrbit,
    location: &Location,
    width: u32,
    height: u32,
    max_iterations: u32,
    control: &Control,
) -> Result<EscapeBuffer, RenderError> {
    render_deep_window(orbit, location, width, height, Window::full(width, height), max_iterations, control)
}

/// Renders only `window`'s pixels of the `width` × `height` image [`render_deep`] makes:
/// the same per-pixel offsets and the same approximation tables (chosen for the whole
/// image's farthest pixel, not the window's), so tiles put side by side are the whole
/// image value for value. A poster's tile costs its own pixels, not the whole image's.
pub fn render_deep_window(
    orbit: &ReferenceOrbit,
    location: &Location,
    width: u32,
    height: u32,
    window: Window,
    max_iterations: u32,
    control: &Control,
) -> Result<EscapeBuffer, RenderError> {
    let variant = Variant { cycles: true, newton: true, isa: Isa::detect(), proven: None };
    render_window(orbit, location, (width, height), window, max_iterations, control, variant)
}

/// How [`render_window`] computes the same pixels: always with [`cycle`]'s and
/// [`newton`]'s early ends of interior pixels and the best instruction set, but in the
/// tests that they change nothing.
#[derive(Debug, Clone, Copy)]
struct Variant<'a> {
    cycles: bool,
    newton: bool,
    isa: Isa,
    /// Counts the pixels [`newton`] ended.
    proven: Option<&'a std::sync::atomic::AtomicU64>,
}

/// [`render_deep_window`] computed as `variant` says.
fn render_window(
    orbit: &ReferenceOrbit,
    location: &Location,
    (width, height): (u32, u32),
    window: Window,
    max_iterations: u32,
    control: &Control,
    variant: Variant<'_>,
) -> Result<EscapeBuffer, RenderError> {
    for (name, value) in [("width", width), ("height", height)] {
        if value < MIN_SIDE_PX {
            return Err(
                ParamError::OutOfRange { name, value: u64::from(value), min: 2, max: u64::from(u32::MAX) }.into()
            );
        }
    }
    check_window(window, width, height)?;
    if max_iterations == 0 || (max_iterations > orbit.limit && !orbit.complete()) {
        return Err(ParamError::OutOfRange {
            name: "iterations",
            value: u64::from(max_iterations),
            min: 1,
            max: u64::from(orbit.limit),
        }
        .into());
    }
    let setup = Setup::new(&orbit.fractal, max_iterations, 0.0, false);
    let julia = matches!(orbit.fractal, Fractal::Julia { .. });
    // δc of the centre, and of one pixel step.
    let bits = orbit.bits;
    let offset = {
        let re = BigFloat::from_decimal(&location.center.re_decimal(), bits).sub(&orbit.point_big.0);
        let im = BigFloat::from_decimal(&location.center.im_decimal(), bits).sub(&orbit.point_big.1);
        let ((mr, er), (mi, ei)) = (re.to_mantissa_exp(), im.to_mantissa_exp());
        let e = er.max(ei);
        ComplexExp::new(floatexp::ldexp(mr, er - e), floatexp::ldexp(mi, ei - e), e)
    };
    let step = step_of(location, width);
    let half = RealExp::from_f64(f64::from(width - 1) / 2.0 + f64::from(height - 1) / 2.0).mul(step);
    let dc_max = pixel::farthest(offset, half);
    // Some pixel's δc may be below doubles' range: keep the tables with exponents too.
    let deep = step.log2() < (pixel::SCALED_MIN_LOG2 + 12) as f64;
    let tables = orbit.tables(dc_max, deep);
    let critical = orbit.critical.as_ref().unwrap_or(&orbit.main);
    let n_max = if julia { max_iterations - 1 } else { max_iterations };
    // The common first skip needs the farthest |δc| as a double (else no pixel is on
    // the doubles path at its start anyway).
    let dc_max_f64 = dc_max.to_f64();
    let start = if dc_max_f64.is_normal() { bla::common_start(&tables[MAIN], julia, dc_max_f64, n_max) } else { None };
    let ctx = Context {
        start,
        orbits: [&orbit.main, critical],
        // The Mandelbrot set's critical orbit is its main one, and so is its table.
        blas: [&tables[MAIN], if orbit.critical.is_some() { &tables[CRITICAL] } else { &tables[MAIN] }],
        n_max,
        r2: orbit.r2,
        julia,
        limit: max_iterations,
        cycles: variant.cycles,
        newton: variant.newton && !julia,
        proven: variant.proven,
        isa: variant.isa,
    };
    let mut buffer = EscapeBuffer::new(window.width, window.height, setup.smooth_scale());
    control.start(window.pixels());
    let (counts, norms) = buffer.planes_mut();
    let (cx, cy) = (f64::from(width - 1) / 2.0, f64::from(height - 1) / 2.0);
    let step_m = step.to_parts();
    debug_assert_eq!(pixel_delta(location, width, height, [0, 0]).2, step_m.1);
    let columns = window.x..window.x + window.width;
    counts.par_chunks_mut(window.width as usize).zip(norms.par_chunks_mut(window.width as usize)).enumerate().for_each(
        |(tile_row, (counts, norms))| {
            if control.is_cancelled() {
                return;
            }
            // Rows and columns of the whole image, whatever the window.
            let row = f64::from(window.y) + tile_row as f64;
            let dy = (cy - row) * step_m.0;
            // As `pixel_delta` computes it.
            let dcs: Vec<ComplexExp> = columns
                .clone()
                .map(|col| ComplexExp::new((f64::from(col) - cx) * step_m.0, dy, step_m.1).add(offset))
                .collect();
            ctx.run_pixels(&dcs, counts, norms);
            control.add_done(u64::from(window.width));
        },
    );
    if control.is_cancelled() {
        return Err(RenderError::Cancelled);
    }
    Ok(buffer)
}

/// Refuses a window not inside the `width` × `height` image, with the tile fields' names
/// and the same bounds as [`crate::Params::validate_window`].
fn check_window(window: Window, width: u32, height: u32) -> Result<(), ParamError> {
    let inside = [
        ("tile_x", window.x, 0, width - MIN_SIDE_PX.min(width)),
        ("tile_y", window.y, 0, height - MIN_SIDE_PX.min(height)),
        ("tile_width", window.width, MIN_SIDE_PX, width.saturating_sub(window.x)),
        ("tile_height", window.height, MIN_SIDE_PX, height.saturating_sub(window.y)),
    ];
    for (name, value, min, max) in inside {
        if value < min || value > max {
            return Err(ParamError::OutOfRange {
                name,
                value: u64::from(value),
                min: u64::from(min),
                max: u64::from(max),
            });
        }
    }
    Ok(())
}

/// The distance between pixel centres, `scale / (width − 1)`, as a double with exponent.
fn step_of(location: &Location, width: u32) -> RealExp {
    scale_exp(location.scale).div(RealExp::from_f64(f64::from(width.saturating_sub(1).max(1))))
}

/// A view width as a double with exponent (widths go far below doubles' range).
fn scale_exp(scale: Scale) -> RealExp {
    let d = Decimal::parse(&scale.to_string()).unwrap_or_else(|_| Decimal::zero());
    let (m, e) = BigFloat::from_decimal(&d, 128).to_mantissa_exp();
    RealExp::new(m, e)
}

/// Widths below a pixel of any image of width `scale` (up to 65,536 pixels across): a
/// Mandelbrot reference may end where it returns closer to zero than the pixels' δ
/// ([`Orbit::compute`]).
fn return_bound(scale: Scale) -> RealExp {
    scale_exp(scale).mul(RealExp::new(1.0, -16))
}

/// The offset from `location`'s centre of pixel `[column, row]` (row 0 at the top) that
/// [`render_deep`] iterates, exactly: `(re, im, e)` means `(re + i·im) × 2^e`. Doubles
/// carry 53 bits of it, so a pixel is placed within about 1e-16 of its offset — the same
/// for every perturbation renderer; independent checks iterate this point.
pub fn pixel_delta(location: &Location, width: u32, height: u32, px: [u32; 2]) -> (f64, f64, i64) {
    let (m, e) = step_of(location, width).to_parts();
    let (cx, cy) = (f64::from(width.saturating_sub(1)) / 2.0, f64::from(height.saturating_sub(1)) / 2.0);
    ((f64::from(px[0]) - cx) * m, (cy - f64::from(px[1])) * m, e)
}

/// [`ReferenceOrbit::compute`] then [`render_deep`]: one deep image from scratch.
pub fn render_location(
    fractal: &Fractal,
    location: &Location,
    width: u32,
    height: u32,
    max_iterations: u32,
    control: &Control,
) -> Result<EscapeBuffer, RenderError> {
    let orbit = ReferenceOrbit::compute(fractal, location, max_iterations, control)?;
    render_deep(&orbit, location, width, height, max_iterations, control)
}

/// A coarse preview (1/[`crate::PREVIEW_DIVISOR`] of each side, same orbit) and then the
/// full image, each handed to `on_stage` (`true` for the final one): the explorer's quick
/// pass at depth.
pub fn render_deep_progressive(
    orbit: &ReferenceOrbit,
    location: &Location,
    width: u32,
    height: u32,
    max_iterations: u32,
    control: &Control,
    mut on_stage: impl FnMut(&EscapeBuffer, bool),
) -> Result<EscapeBuffer, RenderError> {
    let (pw, ph) = (width / crate::PREVIEW_DIVISOR, height / crate::PREVIEW_DIVISOR);
    if pw >= MIN_SIDE_PX && ph >= MIN_SIDE_PX {
        let preview = render_deep(orbit, location, pw, ph, max_iterations, control)?;
        on_stage(&preview, false);
    }
    let full = render_deep(orbit, location, width, height, max_iterations, control)?;
    on_stage(&full, true);
    Ok(full)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::Center;

    /// Near the minibrot of Fractalshades' `test_deep_interior_detect` (scripts/bench-deep.sh
    /// view b): a quarter of the pixels are interior at a million iterations.
    #[test]
    fn interior_pixels_ended_by_repetition_are_those_of_the_full_computation() {
        let center = Center::parse(
            "-1.9072475829123560219806014933444037282313",
            "7.54605431570315771754553123674989535657416e-16",
        )
        .unwrap();
        let location = Location::new(center, Scale::parse("3.660343578223062e-32").unwrap());
        let (w, h, limit) = (24, 14, 1_000_000);
        let control = Control::new();
        let orbit = ReferenceOrbit::compute(&Fractal::Mandelbrot, &location, limit, &control).unwrap();
        let render = |cycles| {
            let variant = Variant { cycles, newton: cycles, isa: Isa::Baseline, proven: None };
            render_window(&orbit, &location, (w, h), Window::full(w, h), limit, &control, variant).unwrap()
        };
        let (full, early) = (render(false), render(true));
        assert_eq!(full.counts(), early.counts());
        assert_eq!(full.norms(), early.norms());
        let interior = full.norms().iter().filter(|n| **n < 0.0).count();
        assert!(interior > 0 && interior < (w * h) as usize, "{interior} interior pixels");
    }

    /// Every instruction set this processor runs gives the baseline's pixels, on plain
    /// doubles (1e-100), rescaled doubles (1e-300) and with exponents (1e-1000).
    #[test]
    fn each_instruction_set_renders_the_same_pixels() {
        let views = [
            (
                "0.3457038944654144866833131210461589365345969127365583349605956350254682999604514724727132714356570564538690262564",
                "-0.6458140479592750190183389181286286597972793149378090740398286460693614106550001619785992809936955641620645925337",
                "1e-100",
            ),
            (
                "-1.99996619445037030418434688506350579675531241540724851511761922944801584242342684381376129778868913812287046406560949864353810575744772166485672496092803920097080659646469789724703438027566251577471979564669673587379831280453964895268111522545617924293510683774588487880585490216939383687209739405059004605769908796701019623976540655194251135324893587067691238195420658358947366377265010463778541939294987275505889553073808974007998577633645473104815538142444336800914783229854543906087454331432834731861034475333154404093649823119814972710",
                "0",
                "1e-300",
            ),
        ];
        // Near the Misiurewicz point i, off-centre (as in tests/deep.rs).
        let im = format!("1.{}21", "0".repeat(1000));
        let views = views.into_iter().chain([("0.37e-1000", im.as_str(), "1e-1000")]);
        let control = Control::new();
        for (re, im, scale) in views {
            let location = Location::new(Center::parse(re, im).unwrap(), Scale::parse(scale).unwrap());
            let (w, h, limit) = (40, 24, 20_000);
            let orbit = ReferenceOrbit::compute(&Fractal::Mandelbrot, &location, limit, &control).unwrap();
            let render = |isa| {
                let variant = Variant { cycles: true, newton: true, isa, proven: None };
                render_window(&orbit, &location, (w, h), Window::full(w, h), limit, &control, variant).unwrap()
            };
            let base = render(Isa::Baseline);
            assert!(base.counts().iter().any(|c| *c != base.counts()[0]), "{scale}: a flat picture");
            for isa in Isa::available() {
                let other = render(isa);
                assert_eq!(base.counts(), other.counts(), "{scale} on {isa:?}");
                assert_eq!(base.norms(), other.norms(), "{scale} on {isa:?}");
            }
        }
    }
}
