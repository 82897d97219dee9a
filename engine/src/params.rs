//! The one parameter type that describes an image completely.

use num_complex::Complex64;

use crate::error::ParamError;
use crate::fractal::Fractal;
use crate::palette::Colouring;
use crate::region::Region;

/// Default cap on width × height: a 16384 × 16384 image.
pub const DEFAULT_MAX_PIXELS: u64 = 16384 * 16384;
/// Default cap on the iteration limit.
pub const DEFAULT_MAX_ITERATIONS: u32 = 10_000_000;
/// Smallest width or height: the pixel mapping divides by `n - 1`.
pub const MIN_SIDE_PX: u32 = 2;
/// Largest side of an image rendered in windows (a poster cut into tiles): each window
/// stays within [`Limits::max_pixels`], the whole image may not.
pub const MAX_POSTER_SIDE: u32 = 65_536;

/// Everything needed to reproduce an image: what to draw, where, how big, how deep and
/// in which colours.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Params {
    /// The fractal and its constants.
    pub fractal: Fractal,
    /// The rectangle of the complex plane.
    pub region: Region,
    /// Image width in pixels.
    pub width: u32,
    /// Image height in pixels.
    pub height: u32,
    /// Escape tests per pixel (the original's `iterations`).
    pub max_iterations: u32,
    /// Palette and colour options.
    #[cfg_attr(feature = "serde", serde(default))]
    pub colouring: Colouring,
}

/// Caps that a deployment may tighten (an API with small workers) or loosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest width × height.
    pub max_pixels: u64,
    /// Largest iteration limit.
    pub max_iterations: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_pixels: DEFAULT_MAX_PIXELS, max_iterations: DEFAULT_MAX_ITERATIONS }
    }
}

impl Params {
    /// Parameters for a view given by centre and x extent, with square pixels.
    pub fn from_center_scale(
        fractal: Fractal,
        center: Complex64,
        scale: f64,
        width: u32,
        height: u32,
        max_iterations: u32,
    ) -> Self {
        Self {
            fractal,
            region: Region::from_center_scale(center, scale, width, height),
            width,
            height,
            max_iterations,
            colouring: Colouring::default(),
        }
    }

    /// The same view at another size (same edges), e.g. a coarse preview.
    pub fn with_size(&self, width: u32, height: u32) -> Self {
        Self { width, height, ..*self }
    }

    /// Number of pixels.
    pub fn pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }

    /// Checks every field against `limits`; the error names the field and its allowed range.
    pub fn validate(&self, limits: &Limits) -> Result<(), ParamError> {
        let side_max = u64::from(u32::MAX);
        for (name, value) in [("width", self.width), ("height", self.height)] {
            if value < MIN_SIDE_PX {
                return Err(ParamError::OutOfRange {
                    name,
                    value: u64::from(value),
                    min: u64::from(MIN_SIDE_PX),
                    max: limits.max_pixels.min(side_max) / u64::from(MIN_SIDE_PX),
                });
            }
        }
        if self.pixels() > limits.max_pixels {
            return Err(ParamError::TooManyPixels {
                width: self.width,
                height: self.height,
                pixels: self.pixels(),
                cap: limits.max_pixels,
            });
        }
        if self.max_iterations == 0 || self.max_iterations > limits.max_iterations {
            return Err(ParamError::OutOfRange {
                name: "iterations",
                value: u64::from(self.max_iterations),
                min: 1,
                max: u64::from(limits.max_iterations),
            });
        }
        self.fractal.validate()?;
        self.region.validate(self.width, self.height)?;
        self.colouring.validate()
    }

    /// Checks that `window` of this image can be rendered: inside the image, at least
    /// [`MIN_SIDE_PX`] a side and within the pixel cap, the whole image at most
    /// [`MAX_POSTER_SIDE`] a side, and everything else as [`Params::validate`] checks it
    /// (the region's depth against the whole image's pixel grid).
    pub fn validate_window(&self, window: crate::render::Window, limits: &Limits) -> Result<(), ParamError> {
        for (name, value) in [("width", self.width), ("height", self.height)] {
            if !(MIN_SIDE_PX..=MAX_POSTER_SIDE).contains(&value) {
                return Err(ParamError::OutOfRange {
                    name,
                    value: u64::from(value),
                    min: u64::from(MIN_SIDE_PX),
                    max: u64::from(MAX_POSTER_SIDE),
                });
            }
        }
        let inside = [
            ("tile_x", window.x, self.width - MIN_SIDE_PX.min(self.width)),
            ("tile_y", window.y, self.height - MIN_SIDE_PX.min(self.height)),
            ("tile_width", window.width, self.width.saturating_sub(window.x)),
            ("tile_height", window.height, self.height.saturating_sub(window.y)),
        ];
        for (name, value, max) in inside {
            let min = if name.ends_with("width") || name.ends_with("height") { MIN_SIDE_PX } else { 0 };
            if value < min || value > max {
                return Err(ParamError::OutOfRange {
                    name,
                    value: u64::from(value),
                    min: u64::from(min),
                    max: u64::from(max),
                });
            }
        }
        // The window is what is rendered and held: it is what the caps apply to.
        self.with_size(window.width, window.height).validate(limits)?;
        self.region.validate(self.width, self.height)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok() -> Params {
        Params {
            fractal: Fractal::Mandelbrot,
            region: Region::new(-2.5, 1.0, -1.0, 1.0),
            width: 64,
            height: 48,
            max_iterations: 100,
            colouring: Colouring::default(),
        }
    }

    #[test]
    fn bad_input_is_named() {
        let l = Limits::default();
        assert!(ok().validate(&l).is_ok());
        let cases: [(Params, &str); 5] = [
            (Params { width: 0, ..ok() }, "width must be between 2"),
            (Params { height: 1, ..ok() }, "height must be between 2"),
            (Params { max_iterations: 0, ..ok() }, "iterations must be between 1 and 10000000"),
            (Params { width: 100_000, height: 100_000, ..ok() }, "over the cap"),
            (Params { region: Region::new(0.0, f64::INFINITY, 0.0, 1.0), ..ok() }, "xb must be a finite"),
        ];
        for (p, want) in cases {
            let e = p.validate(&l).unwrap_err().to_string();
            assert!(e.contains(want), "{e:?} should contain {want:?}");
        }
        let tight = Limits { max_pixels: 1000, max_iterations: 50 };
        assert!(ok().validate(&tight).unwrap_err().to_string().contains("cap of 1000"));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_round_trip_keeps_full_precision() {
        let p = Params {
            fractal: Fractal::Julia { c: Complex64::new(-0.8, 0.156) },
            region: Region::new(-1.77488588389, 3.08249829401, -1.31213919301, 1.952_816_908_971),
            ..ok()
        };
        let text = serde_json::to_string(&p).unwrap();
        let back: Params = serde_json::from_str(&text).unwrap();
        assert_eq!(back, p);
        assert!(text.contains("\"kind\":\"julia\""), "{text}");
    }
}
