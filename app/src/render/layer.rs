//! A picture on the GPU: the texture with the grid it was computed on, so it can be
//! drawn reprojected to whatever view is current.

use std::sync::Arc;

use egui::TextureOptions;

use crate::model::view::Grid;
use crate::render::worker::{Pass, Picture, RenderKey};

/// A texture to paint, with the grid it was computed on.
pub struct Layer {
    /// Generation of the request it answers: newer layers are drawn over older ones.
    pub generation: u64,
    /// The pixel grid it was computed on (smaller than the frame for a preview).
    pub grid: Grid,
    /// Which pass made it.
    pub pass: Pass,
    /// What it shows.
    pub key: RenderKey,
    pub texture: egui::TextureHandle,
}

// By hand: `TextureHandle` has no `Debug`.
impl std::fmt::Debug for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Layer")
            .field("generation", &self.generation)
            .field("pass", &self.pass)
            .field("size", &self.texture.size())
            .finish_non_exhaustive()
    }
}

/// Puts a picture into a layer, reusing its texture (updated in place, not reallocated).
pub(crate) fn set_layer(slot: &mut Option<Layer>, ctx: &egui::Context, name: &str, p: &Picture) {
    let image = egui::ImageData::Color(Arc::clone(&p.image));
    let options = TextureOptions::LINEAR;
    match slot {
        Some(layer) => {
            layer.texture.set(image, options);
            layer.generation = p.generation;
            layer.grid = p.grid.clone();
            layer.pass = p.pass;
            layer.key = p.key.clone();
        }
        None => {
            let texture = ctx.load_texture(name, image, options);
            *slot = Some(Layer {
                generation: p.generation,
                grid: p.grid.clone(),
                pass: p.pass,
                key: p.key.clone(),
                texture,
            });
        }
    }
}
