//! Random fractals as the original `faafo create` drew them (faafo-spec §6.2): every
//! parameter uniform in a range (integers inclusive, floats uniform), with the original's
//! default ranges. Shared by `faafo create`/`faafo demo` and the explorer's random batches.

use faafo_engine::classic::SplitMix64;

use super::NewFractalRequest;

/// Draws the original's random values.
#[derive(Debug)]
pub struct Draw(SplitMix64);

impl Draw {
    /// Seeded from the operating system's randomness.
    pub fn new() -> Self {
        Self(SplitMix64::new(uuid::Uuid::new_v4().as_u128() as u64))
    }

    /// Seeded with `seed` (the same draws every time).
    pub fn seeded(seed: u64) -> Self {
        Self(SplitMix64::new(seed))
    }

    /// `fixed`, or uniform in `[min, max]` inclusive (Python's `randint`).
    pub fn int(&mut self, fixed: Option<u32>, min: u32, max: u32) -> u32 {
        fixed.unwrap_or_else(|| {
            let span = u64::from(max) - u64::from(min) + 1;
            min + (self.0.next_u64() % span) as u32
        })
    }

    /// `fixed`, or uniform in `[min, max]` (Python's `uniform`).
    pub fn float(&mut self, fixed: Option<f64>, min: f64, max: f64) -> f64 {
        fixed.unwrap_or_else(|| (min + (max - min) * self.0.next_f64()).clamp(min, max))
    }
}

impl Default for Draw {
    fn default() -> Self {
        Self::new()
    }
}

/// The ranges each random fractal's parameters are drawn from, as `(min, max)`; a fixed
/// value is a range of one. [`Default`] gives the original's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranges {
    /// Width in pixels.
    pub width: (u32, u32),
    /// Height in pixels.
    pub height: (u32, u32),
    /// Escape tests per pixel.
    pub iterations: (u32, u32),
    /// Real part at the left edge (the original's defaults had min and max reversed).
    pub xa: (f64, f64),
    /// Real part at the right edge.
    pub xb: (f64, f64),
    /// Imaginary part at the top row.
    pub ya: (f64, f64),
    /// Imaginary part at the bottom row.
    pub yb: (f64, f64),
}

impl Default for Ranges {
    fn default() -> Self {
        Self {
            width: (256, 1024),
            height: (256, 1024),
            iterations: (128, 512),
            xa: (-4.0, -1.0),
            xb: (1.0, 4.0),
            ya: (-3.0, -0.5),
            yb: (0.5, 3.0),
        }
    }
}

/// A range that cannot be drawn from; the text names it as the CLI's flags do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RangeError {
    /// `min` above `max`.
    #[error("--min-{name} ({min}) must not be greater than --max-{name} ({max})")]
    Reversed {
        /// The parameter (`width`, `xa`, …).
        name: &'static str,
        /// The lower end given.
        min: String,
        /// The upper end given.
        max: String,
    },
    /// A float end that is NaN or infinite.
    #[error("--min-{0} and --max-{0} must be finite numbers")]
    NotFinite(&'static str),
}

impl Ranges {
    /// Checks that every range can be drawn from.
    pub fn check(&self) -> Result<(), RangeError> {
        for (name, (min, max)) in [("width", self.width), ("height", self.height), ("iterations", self.iterations)] {
            if min > max {
                return Err(RangeError::Reversed { name, min: min.to_string(), max: max.to_string() });
            }
        }
        for (name, (min, max)) in [("xa", self.xa), ("xb", self.xb), ("ya", self.ya), ("yb", self.yb)] {
            if !min.is_finite() || !max.is_finite() {
                return Err(RangeError::NotFinite(name));
            }
            if min > max {
                return Err(RangeError::Reversed { name, min: min.to_string(), max: max.to_string() });
            }
        }
        Ok(())
    }
}

/// One random fractal (the original's eight fields) with a fresh uuid of its own, so a
/// retried create is recognised ([`super::Client::create_once`]). `ranges` must pass
/// [`Ranges::check`].
pub fn random_request(ranges: &Ranges, draw: &mut Draw) -> NewFractalRequest {
    let int = |draw: &mut Draw, (min, max): (u32, u32)| draw.int(None, min, max);
    let float = |draw: &mut Draw, (min, max): (f64, f64)| draw.float(None, min, max);
    let mut r = NewFractalRequest::new(
        int(draw, ranges.width),
        int(draw, ranges.height),
        int(draw, ranges.iterations),
        (float(draw, ranges.xa), float(draw, ranges.xb), float(draw, ranges.ya), float(draw, ranges.yb)),
    );
    r.uuid = Some(uuid::Uuid::new_v4().to_string());
    r
}

/// `count` random fractals with the original's ranges.
pub fn random_batch(count: usize) -> Vec<NewFractalRequest> {
    let mut draw = Draw::new();
    (0..count).map(|_| random_request(&Ranges::default(), &mut draw)).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn draws_stay_in_range_and_bad_ranges_are_named() {
        let batch = random_batch(200);
        assert_eq!(batch.len(), 200);
        for r in &batch {
            assert!((256..=1024).contains(&r.width) && (128..=512).contains(&r.iterations), "{r:?}");
            assert!((-4.0..=-1.0).contains(&r.xa) && (0.5..=3.0).contains(&r.yb), "{r:?}");
            assert!(r.uuid.is_some() && r.extensions().is_empty());
        }
        let reversed = Ranges { width: (900, 300), ..Ranges::default() };
        assert_eq!(
            reversed.check().unwrap_err().to_string(),
            "--min-width (900) must not be greater than --max-width (300)"
        );
        assert!(Ranges { xa: (f64::NAN, 1.0), ..Ranges::default() }.check().is_err());
        let fixed = Ranges { width: (640, 640), xa: (-2.5, -2.5), ..Ranges::default() };
        let r = random_request(&fixed, &mut Draw::seeded(7));
        assert_eq!((r.width, r.xa), (640, -2.5));
    }
}
