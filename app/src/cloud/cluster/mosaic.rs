//! The live mosaic: a poster's tiles filling in over a small local preview of the same
//! view as they arrive from the cluster, so a person sees the poster grow.
//!
//! Tiles are shrunk on the cluster task's thread from the rows the poster writer decodes
//! as it writes each band of tiles (one pixel in `step`, nearest neighbour; no tile is
//! decoded twice), so the UI only ever holds a mosaic of at most [`MOSAIC_SIDE`] pixels
//! a side, whatever the poster's size. A tile shows once its band is all downloaded.

use std::collections::HashMap;

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

/// Shrinks tiles from the rows the poster writer decodes anyway
/// ([`PosterEvent::TileRow`](faafo_backend::client::poster::PosterEvent::TileRow)), so no
/// tile is decoded twice: keeps pixel `(x * step, y * step)` of each tile and answers the
/// small image once the tile's last row came.
#[derive(Debug)]
pub struct TileShrinker {
    step: u32,
    /// Each tile's width and height.
    sizes: Vec<[u32; 2]>,
    /// The rows kept so far of tiles not finished yet.
    partial: HashMap<usize, Vec<Color32>>,
}

impl TileShrinker {
    pub fn new(poster: &Poster) -> Self {
        let sizes = poster.tiles.iter().map(|t| [t.window.width, t.window.height]).collect();
        Self::with(step_for(poster.whole.width, poster.whole.height), sizes)
    }

    /// Shrinks tiles of `sizes` (width, height) by `step`.
    fn with(step: u32, sizes: Vec<[u32; 2]>) -> Self {
        Self { step: step.max(1), sizes, partial: HashMap::new() }
    }

    /// Takes row `y` of tile `index` (8-bit RGB); answers the tile's shrunk image after
    /// its last row. Rows of an unknown tile, or too short, are ignored (a gap in the
    /// mosaic; the poster itself checks every tile).
    pub fn take_row(&mut self, index: usize, y: u32, rgb: &[u8]) -> Option<ColorImage> {
        let [width, height] = *self.sizes.get(index)?;
        let step = self.step;
        let w = width.div_ceil(step) as usize;
        if y.is_multiple_of(step) {
            let kept = self.partial.entry(index).or_default();
            kept.extend((0..w).map(|x| {
                let i = x * step as usize * 3;
                rgb.get(i..i + 3).map_or(Color32::BLACK, |p| Color32::from_rgb(p[0], p[1], p[2]))
            }));
        }
        if y + 1 != height {
            return None;
        }
        let pixels = self.partial.remove(&index)?;
        let h = height.div_ceil(step) as usize;
        (pixels.len() == w * h).then(|| ColorImage::new([w, h], pixels))
    }
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
        let (w, h) = (2050u32, 5u32);
        let mut shrinker = TileShrinker::with(step_for(w, h), vec![[w, h]]);
        assert_eq!(shrinker.step, 3);
        let pixel = |x: u32, y: u32| [(x % 251) as u8, y as u8, 200];
        let mut done = None;
        for y in 0..h {
            let rgb: Vec<u8> = (0..w).flat_map(|x| pixel(x, y)).collect();
            let out = shrinker.take_row(0, y, &rgb);
            assert_eq!(out.is_some(), y == h - 1, "only the last row finishes the tile");
            done = out;
        }
        let small = done.unwrap();
        assert_eq!(small.size, [684, 2]);
        // Row 1 of the small image is row 3 of the tile; column 2 is column 6.
        let [r, g, b] = pixel(6, 3);
        assert_eq!(small.pixels[684 + 2], Color32::from_rgb(r, g, b));
        assert!(shrinker.take_row(7, 0, &[]).is_none(), "an unknown tile is ignored");
    }
}
