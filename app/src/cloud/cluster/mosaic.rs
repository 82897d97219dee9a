//! The live mosaic: a poster's tiles filling in over a small local preview of the same
//! view as they arrive from the cluster, so a person sees the poster grow.
//!
//! Tiles are shrunk on the cluster task's thread as they are downloaded (one pixel in
//! `step`, nearest neighbour, decoded a row at a time), so the UI only ever holds a
//! mosaic of at most [`MOSAIC_SIDE`] pixels a side, whatever the poster's size.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use egui::{Color32, ColorImage, Rect, Sense, TextureHandle, TextureOptions, Ui, pos2, vec2};
use faafo_backend::client::NewFractalRequest;
use faafo_backend::client::poster::Poster;
use faafo_backend::wire::fractal::MULTIBROT_POWER;
use faafo_engine::{Colouring, Control, Fractal, Params, Region, RenderOptions, render};

/// Longest side of the mosaic, in pixels.
pub const MOSAIC_SIDE: u32 = 1024;
/// Height of the mosaic on screen at most, in points (it shares the window).
const MOSAIC_HEIGHT: f32 = 260.0;
/// Longest side of the local preview under the tiles (cheap to render).
pub const PREVIEW_SIDE: u32 = 256;

/// One pixel in `step` of a `width` × `height` poster keeps the mosaic within
/// [`MOSAIC_SIDE`].
pub fn step_for(width: u32, height: u32) -> u32 {
    width.max(height).div_ceil(MOSAIC_SIDE).max(1)
}

/// Why a tile could not be shown (the poster itself is unaffected).
#[derive(Debug, thiserror::Error)]
pub enum MosaicError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: not an 8-bit RGB PNG ({reason})")]
    Decode { path: String, reason: String },
}

/// Pixels `(x * step, y * step)` of the tile PNG at `path`, as a small image.
pub fn shrink_tile(path: &Path, step: u32) -> Result<ColorImage, MosaicError> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|source| MosaicError::Io { path: name.clone(), source })?;
    let bad = |reason: String| MosaicError::Decode { path: name.clone(), reason };
    let mut reader = png::Decoder::new(BufReader::new(file)).read_info().map_err(|e| bad(e.to_string()))?;
    let info = reader.info();
    if (info.color_type, info.bit_depth) != (png::ColorType::Rgb, png::BitDepth::Eight) {
        return Err(bad(format!("{:?} {:?}", info.color_type, info.bit_depth)));
    }
    let (width, height) = (info.width, info.height);
    let step = step.max(1);
    let (w, h) = (width.div_ceil(step) as usize, height.div_ceil(step) as usize);
    let mut pixels = Vec::with_capacity(w * h);
    for y in 0..height {
        let row = reader.next_row().map_err(|e| bad(e.to_string()))?.ok_or_else(|| bad("ended early".into()))?;
        if y % step != 0 {
            continue;
        }
        let data = row.data();
        pixels.extend((0..w).map(|x| {
            let i = x * step as usize * 3;
            Color32::from_rgb(data[i], data[i + 1], data[i + 2])
        }));
    }
    Ok(ColorImage::new([w, h], pixels))
}

/// A small local render of `whole` (the poster's request), longest side [`PREVIEW_SIDE`].
pub fn preview(whole: &NewFractalRequest) -> Option<ColorImage> {
    let scale = f64::from(PREVIEW_SIDE) / f64::from(whole.width.max(whole.height));
    let width = ((f64::from(whole.width) * scale).round() as u32).max(2);
    let height = ((f64::from(whole.height) * scale).round() as u32).max(2);
    let kind = whole.kind.unwrap_or(faafo_engine::FractalKind::Classic);
    let fractal = Fractal::from_kind(kind, whole.c, MULTIBROT_POWER, || faafo_engine::classic::FALLBACK_C);
    let params = Params {
        fractal,
        region: Region::new(whole.xa, whole.xb, whole.ya, whole.yb),
        width,
        height,
        max_iterations: whole.iterations,
        colouring: Colouring { palette: whole.palette.unwrap_or_default(), ..Colouring::default() },
    };
    // A deep poster (its exact location past doubles) is previewed by perturbation.
    let buffer = match &whole.location {
        Some(l) if l.needs_perturbation(width, height) && faafo_engine::deep::supports(&fractal) => {
            faafo_engine::deep::render_location(&fractal, l, width, height, whole.iterations, &Control::new()).ok()?
        }
        _ => render(&params, &RenderOptions::default(), &Control::new()).ok()?.buffer,
    };
    let rgba = buffer.to_rgba8(&params.colouring);
    Some(ColorImage::from_rgba_unmultiplied([width as usize, height as usize], &rgba))
}

/// A tile that arrived: the shrunk pixels and their texture.
struct Piece {
    image: ColorImage,
    texture: TextureHandle,
}

/// The mosaic of one poster.
pub struct Mosaic {
    /// The poster it shows.
    pub poster_id: String,
    /// Whole poster size.
    size: [u32; 2],
    /// One poster pixel in `step` across and down.
    pub step: u32,
    /// Each tile's place in the poster (x, y, width, height), row by row.
    windows: Vec<[u32; 4]>,
    preview: Option<TextureHandle>,
    pieces: Vec<Option<Piece>>,
}

impl std::fmt::Debug for Mosaic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mosaic")
            .field("poster_id", &self.poster_id)
            .field("step", &self.step)
            .field("arrived", &self.arrived())
            .field("tiles", &self.pieces.len())
            .finish_non_exhaustive()
    }
}

impl Mosaic {
    /// An empty mosaic of `poster`.
    pub fn new(poster: &Poster) -> Self {
        let (w, h) = (poster.whole.width, poster.whole.height);
        Self {
            poster_id: poster.id.clone(),
            size: [w, h],
            step: step_for(w, h),
            windows: poster.tiles.iter().map(|t| [t.window.x, t.window.y, t.window.width, t.window.height]).collect(),
            preview: None,
            pieces: poster.tiles.iter().map(|_| None).collect(),
        }
    }

    /// Tiles shown so far.
    pub fn arrived(&self) -> usize {
        self.pieces.iter().filter(|p| p.is_some()).count()
    }

    /// Tiles in all.
    pub fn total(&self) -> usize {
        self.pieces.len()
    }

    /// Whether the local preview is under the tiles.
    pub fn has_preview(&self) -> bool {
        self.preview.is_some()
    }

    /// Tile `index`'s shrunk pixels, once it arrived.
    pub fn tile(&self, index: usize) -> Option<&ColorImage> {
        self.pieces.get(index)?.as_ref().map(|p| &p.image)
    }

    pub fn set_preview(&mut self, ctx: &egui::Context, image: ColorImage) {
        let name = format!("mosaic-preview-{}", self.poster_id);
        self.preview = Some(ctx.load_texture(name, image, TextureOptions::LINEAR));
    }

    pub fn set_tile(&mut self, ctx: &egui::Context, index: usize, image: ColorImage) {
        let Some(slot) = self.pieces.get_mut(index) else { return };
        let name = format!("mosaic-{}-{index}", self.poster_id);
        let texture = ctx.load_texture(name, image.clone(), TextureOptions::LINEAR);
        *slot = Some(Piece { image, texture });
    }

    /// Draws the mosaic at most `max_width` wide: the preview, then each tile that
    /// arrived in its place; tiles still out are outlined.
    pub fn ui(&self, ui: &mut Ui, max_width: f32) {
        let [w, h] = self.size.map(|v| v as f32);
        let scale = (max_width / w).min(MOSAIC_HEIGHT / h).min(1.0 / self.step as f32).max(1e-6);
        let (rect, _) = ui.allocate_exact_size(vec2(w * scale, h * scale), Sense::hover());
        let painter = ui.painter_at(rect);
        let full = Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0));
        match &self.preview {
            Some(t) => {
                painter.image(t.id(), rect, full, Color32::from_white_alpha(110));
            }
            None => {
                painter.rect_filled(rect, 0.0, ui.visuals().extreme_bg_color);
            }
        }
        let stroke = egui::Stroke::new(1.0, ui.visuals().weak_text_color());
        for (window, piece) in self.windows.iter().zip(&self.pieces) {
            let [x, y, tw, th] = window.map(|v| v as f32);
            let place = Rect::from_min_size(rect.min + vec2(x, y) * scale, vec2(tw, th) * scale);
            match piece {
                Some(p) => {
                    painter.image(p.texture.id(), place, full, Color32::WHITE);
                }
                None => {
                    painter.rect_stroke(place, 0.0, stroke, egui::StrokeKind::Inside);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn steps_keep_the_mosaic_small() {
        assert_eq!(step_for(1000, 600), 1);
        assert_eq!(step_for(1025, 10), 2);
        assert_eq!(step_for(65_536, 65_536), 64);
    }

    #[test]
    fn tiles_shrink_by_taking_every_step_th_pixel() {
        let dir = std::env::temp_dir().join(format!("faafo-mosaic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.png");
        let (w, h) = (7u32, 5u32);
        let rgb: Vec<u8> = (0..w * h).flat_map(|i| [i as u8, (i * 3) as u8, 200]).collect();
        let mut enc = png::Encoder::new(File::create(&path).unwrap(), w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.write_header().unwrap().write_image_data(&rgb).unwrap();
        let small = shrink_tile(&path, 3).unwrap();
        assert_eq!(small.size, [3, 2]);
        // Row 1 of the small image is row 3 of the tile; column 2 is column 6.
        let i = (3 * w + 6) as u8;
        assert_eq!(small.pixels[3 + 2], Color32::from_rgb(i, i.wrapping_mul(3), 200));
        std::fs::remove_dir_all(&dir).ok();
    }
}
