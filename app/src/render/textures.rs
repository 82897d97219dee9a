//! Textures besides the pictures: bookmark thumbnails (rendered by a
//! [`ThumbnailMaker`]) and the palette preview strips.

use std::collections::{HashMap, HashSet};

use egui::TextureOptions;
use faafo_engine::{Colouring, Palette};

use crate::model::bookmarks::Bookmark;
use crate::model::colour::Look;
use crate::render::thumbnails::ThumbnailMaker;

/// The side panel's textures.
pub(crate) struct Textures {
    thumbs: Option<ThumbnailMaker>,
    /// By [`Bookmark::thumbnail_key`].
    thumbnails: HashMap<String, egui::TextureHandle>,
    /// Keys asked for, so each is rendered once.
    thumbnails_requested: HashSet<String>,
    /// A strip per engine palette, made in the first frame.
    palette_previews: Vec<(Palette, egui::TextureHandle)>,
}

impl Textures {
    /// Starts the thumbnail thread (without it, bookmarks show a spinner).
    pub(crate) fn new(ctx: &egui::Context) -> Self {
        Self {
            thumbs: ThumbnailMaker::spawn(ctx.clone()).ok(),
            thumbnails: HashMap::new(),
            thumbnails_requested: HashSet::new(),
            palette_previews: Vec::new(),
        }
    }

    /// Makes the palette strips once.
    pub(crate) fn init_palette_previews(&mut self, ctx: &egui::Context) {
        if !self.palette_previews.is_empty() {
            return;
        }
        for palette in Palette::ALL {
            let look = Look { colouring: Colouring { palette, ..Colouring::default() }, custom: None };
            let image = look.preview_strip(128, 8);
            let texture = ctx.load_texture(format!("palette-{palette}"), image, TextureOptions::LINEAR);
            self.palette_previews.push((palette, texture));
        }
    }

    /// Uploads finished thumbnails and asks for those of `bookmarks` not made yet.
    pub(crate) fn poll(&mut self, ctx: &egui::Context, bookmarks: &[Bookmark]) {
        while let Some((key, result)) = self.thumbs.as_ref().and_then(ThumbnailMaker::try_recv) {
            if let Ok(image) = result {
                let texture = ctx.load_texture(format!("thumb-{key}"), image, TextureOptions::LINEAR);
                self.thumbnails.insert(key, texture);
            }
        }
        for b in bookmarks {
            let key = b.thumbnail_key();
            if !self.thumbnails.contains_key(&key)
                && self.thumbnails_requested.insert(key.clone())
                && let Some(t) = &self.thumbs
            {
                let look = Look { colouring: b.colouring, custom: None };
                t.request(key, b.location.clone(), look);
            }
        }
    }

    pub(crate) fn thumbnails(&self) -> &HashMap<String, egui::TextureHandle> {
        &self.thumbnails
    }

    pub(crate) fn palette_previews(&self) -> &[(Palette, egui::TextureHandle)] {
        &self.palette_previews
    }
}
