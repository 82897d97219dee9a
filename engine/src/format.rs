//! Image files chosen by the name's extension: PNG (8 or 16 bits per channel, streamed
//! with bounded memory, see [`crate::write_png`]) and JPEG (quality 1..=100, through the
//! `image` crate's encoder). Anything else is refused with the extensions that work, so
//! `small.jpg` never silently gets PNG bytes.

use std::io::Write;
use std::path::Path;

use crate::control::Control;
use crate::error::RenderError;
use crate::output::{BitDepth, write_png};
use crate::params::Params;
use crate::render::{RenderOptions, Window, render_window};

/// JPEG quality when none is asked for: visually lossless for these smooth gradients at
/// about a tenth of the PNG's size.
pub const DEFAULT_JPEG_QUALITY: u8 = 90;

/// Rows rendered per band when a JPEG is built (the encoder needs the whole image, so
/// only the escape values are kept per band: 3 bytes per pixel in total).
const JPEG_BAND_PIXELS: u64 = 1 << 20;

/// A file format and its settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// `.png`: lossless, 8 or 16 bits per channel.
    Png(BitDepth),
    /// `.jpg` / `.jpeg`: lossy, 8 bits per channel, quality 1..=100.
    Jpeg {
        /// 1 (smallest) ..= 100 (best).
        quality: u8,
    },
}

/// The extensions [`ImageFormat::from_path`] knows, for messages.
pub const IMAGE_EXTENSIONS: &str = ".png, .jpg or .jpeg";

/// Why an image file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The name has no extension or one no encoder is chosen for.
    #[error("cannot save {path}: unknown image type '{extension}' (use {IMAGE_EXTENSIONS})")]
    UnknownExtension {
        /// The path as given.
        path: String,
        /// Its extension, with the dot (empty when there is none).
        extension: String,
    },
    /// A JPEG quality outside 1..=100.
    #[error("JPEG quality must be between 1 and 100, got {0}")]
    Quality(u8),
    /// A JPEG side over 65535 pixels (the format's limit).
    #[error("a JPEG can be at most 65535 pixels a side, this one is {width}×{height}; save it as .png")]
    TooLargeForJpeg {
        /// Pixels.
        width: u32,
        /// Pixels.
        height: u32,
    },
    /// Rendering failed (bad parameters, cancelled, I/O while streaming a PNG).
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The JPEG encoder failed (its write errors included).
    #[error("JPEG encoding failed: {0}")]
    Jpeg(#[from] image::ImageError),
}

impl ImageFormat {
    /// The format `path`'s extension names (case-insensitive), with `depth` for a PNG
    /// and `jpeg_quality` for a JPEG.
    pub fn from_path(path: &Path, depth: BitDepth, jpeg_quality: u8) -> Result<Self, ImageError> {
        let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        match extension.as_str() {
            "png" => Ok(Self::Png(depth)),
            "jpg" | "jpeg" => {
                if (1..=100).contains(&jpeg_quality) {
                    Ok(Self::Jpeg { quality: jpeg_quality })
                } else {
                    Err(ImageError::Quality(jpeg_quality))
                }
            }
            _ => Err(ImageError::UnknownExtension {
                path: path.display().to_string(),
                extension: path.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default(),
            }),
        }
    }
}

/// Renders `params` and writes it to `out` in `format`: a PNG streamed band by band, a
/// JPEG from 8-bit RGB built band by band (3 bytes per pixel held).
pub fn write_image<W: Write>(
    params: &Params,
    options: &RenderOptions,
    control: &Control,
    format: ImageFormat,
    out: W,
) -> Result<(), ImageError> {
    match format {
        ImageFormat::Png(depth) => write_png(params, options, control, depth, out).map(|_| ()).map_err(Into::into),
        ImageFormat::Jpeg { quality } => {
            let rgb = render_rgb8_in_bands(params, options, control, JPEG_BAND_PIXELS)?;
            encode_jpeg(&rgb, params.width, params.height, quality, out)
        }
    }
}

/// Encodes 8-bit RGB (`3 · width · height` bytes, row-major) as a JPEG.
pub fn encode_jpeg<W: Write>(rgb: &[u8], width: u32, height: u32, quality: u8, out: W) -> Result<(), ImageError> {
    if !(1..=100).contains(&quality) {
        return Err(ImageError::Quality(quality));
    }
    if width > 65535 || height > 65535 {
        return Err(ImageError::TooLargeForJpeg { width, height });
    }
    let expected = 3 * u64::from(width) * u64::from(height);
    if rgb.len() as u64 != expected {
        return Err(RenderError::Io(std::io::Error::other(format!(
            "{} bytes of RGB for a {width}×{height} image, expected {expected}",
            rgb.len()
        )))
        .into());
    }
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(out, quality);
    encoder.encode(rgb, width, height, image::ExtendedColorType::Rgb8)?;
    Ok(())
}

/// The coloured image as 8-bit RGB, rendered in bands of rows so the escape values of
/// only one band are held at a time.
fn render_rgb8_in_bands(
    params: &Params,
    options: &RenderOptions,
    control: &Control,
    band_pixels: u64,
) -> Result<Vec<u8>, RenderError> {
    params.validate(&options.limits)?;
    let (w, h) = (params.width, params.height);
    let band_rows = ((band_pixels / u64::from(w.max(1))) as u32).clamp(2, h.max(2));
    let mut rgb = Vec::with_capacity(3 * w as usize * h as usize);
    let mut row = 0;
    while row < h {
        // The engine's smallest window is 2 rows: a last single row comes with the one
        // above it, and only its own row is kept.
        let rows = band_rows.min(h - row);
        let (y, skip) = if rows == 1 && row > 0 { (row - 1, 1) } else { (row, 0) };
        let window = Window { x: 0, y, width: w, height: rows + skip };
        let bytes = if crate::output::needs_samples(params) {
            crate::antialias::render_window_rgb8(params, window, options, control)?
        } else {
            render_window(params, window, options, control)?.buffer.to_rgb8(&params.colouring)
        };
        rgb.extend_from_slice(&bytes[skip as usize * 3 * w as usize..]);
        row += rows;
    }
    Ok(rgb)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;
    use crate::fractal::Fractal;
    use num_complex::Complex64;

    #[test]
    fn the_extension_chooses_the_format() {
        let f = |p: &str| ImageFormat::from_path(Path::new(p), BitDepth::Sixteen, 80);
        assert_eq!(f("a.png").unwrap(), ImageFormat::Png(BitDepth::Sixteen));
        assert_eq!(f("dir/A.PNG").unwrap(), ImageFormat::Png(BitDepth::Sixteen));
        assert_eq!(f("small.jpg").unwrap(), ImageFormat::Jpeg { quality: 80 });
        assert_eq!(f("small.JPEG").unwrap(), ImageFormat::Jpeg { quality: 80 });
        let e = f("x.gif").unwrap_err().to_string();
        assert!(e.contains("'.gif'") && e.contains(IMAGE_EXTENSIONS), "{e}");
        let e = f("noext").unwrap_err().to_string();
        assert!(e.contains("unknown image type ''"), "{e}");
        let e = ImageFormat::from_path(Path::new("a.jpg"), BitDepth::Eight, 0).unwrap_err().to_string();
        assert!(e.contains("between 1 and 100"), "{e}");
    }

    #[test]
    fn a_jpeg_is_a_jpeg_of_the_image() {
        // Odd height: the last band is a single row rendered with the row above it.
        let mut params = Params::from_center_scale(Fractal::Mandelbrot, Complex64::new(-0.75, 0.1), 3.0, 97, 63, 200);
        params.colouring = crate::palette::Colouring::default();
        let mut out = Vec::new();
        let options = RenderOptions::default();
        write_image(&params, &options, &Control::new(), ImageFormat::Jpeg { quality: 95 }, &mut out).unwrap();
        assert_eq!(&out[..3], &[0xFF, 0xD8, 0xFF], "JPEG SOI marker");
        let decoded = image::load_from_memory_with_format(&out, image::ImageFormat::Jpeg).unwrap().to_rgb8();
        assert_eq!(decoded.dimensions(), (97, 63));
        // Close to the exact colours everywhere (lossy, but not another picture).
        let exact = crate::render(&params, &options, &Control::new()).unwrap().buffer.to_rgb8(&params.colouring);
        let mean_error = decoded.as_raw().iter().zip(&exact).map(|(a, b)| f64::from(a.abs_diff(*b))).sum::<f64>()
            / exact.len() as f64;
        assert!(mean_error < 12.0, "mean error {mean_error}");
    }

    #[test]
    fn bands_assemble_to_the_whole_image() {
        let params = Params::from_center_scale(Fractal::Mandelbrot, Complex64::new(-0.5, 0.0), 3.0, 40, 33, 100);
        let options = RenderOptions::default();
        // 4 rows a band: 8 bands and a last single row.
        let banded = render_rgb8_in_bands(&params, &options, &Control::new(), 160).unwrap();
        let whole = crate::render(&params, &options, &Control::new()).unwrap().buffer.to_rgb8(&params.colouring);
        assert_eq!(banded, whole);
    }
}
