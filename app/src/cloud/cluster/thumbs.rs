//! The table's thumbnails, made lazily: only for rows on screen, rendered on this
//! machine from the row's parameters by the explorer's thumbnail thread (a 96×60 render
//! costs far less than downloading a cluster's image, which can be 16384² pixels), and
//! kept in memory for the [`CACHED`] most recent rows.

use std::collections::{HashMap, VecDeque};

use egui::{TextureHandle, TextureOptions, Ui, vec2};
use faafo_backend::client::Fractal;
use faafo_engine::Colouring;

use super::convert::location_of;
use crate::model::colour::Look;
use crate::render::thumbnails::ThumbnailMaker;

/// Thumbnails kept (about 23 kB each).
pub const CACHED: usize = 512;
/// Thumbnails asked for and not back yet: scrolling fast past rows does not queue
/// renders for all of them.
const IN_FLIGHT: usize = 16;

enum Thumb {
    Asked,
    Ready(TextureHandle),
    /// Its parameters cannot be shown (or the render failed): no picture.
    None,
}

/// Thumbnails by uuid.
#[derive(Default)]
pub struct Thumbs {
    maker: Option<ThumbnailMaker>,
    by_uuid: HashMap<String, Thumb>,
    /// Oldest first, to forget the oldest past [`CACHED`].
    order: VecDeque<String>,
    in_flight: usize,
}

impl std::fmt::Debug for Thumbs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Thumbs").field("kept", &self.by_uuid.len()).field("in_flight", &self.in_flight).finish()
    }
}

impl Thumbs {
    /// Thumbnails made so far and still kept.
    pub fn ready(&self) -> usize {
        self.by_uuid.values().filter(|t| matches!(t, Thumb::Ready(_))).count()
    }

    /// Takes in finished thumbnails.
    pub fn poll(&mut self, ctx: &egui::Context) {
        let Some(maker) = &self.maker else { return };
        while let Some((uuid, result)) = maker.try_recv() {
            self.in_flight = self.in_flight.saturating_sub(1);
            let thumb = match result {
                Ok(image) => {
                    Thumb::Ready(ctx.load_texture(format!("cluster-thumb-{uuid}"), image, TextureOptions::LINEAR))
                }
                Err(_) => Thumb::None,
            };
            if let Some(slot) = self.by_uuid.get_mut(&uuid) {
                *slot = thumb;
            }
        }
    }

    /// Draws `f`'s thumbnail, asking for it when it is not there yet.
    pub fn ui(&mut self, ui: &mut Ui, f: &Fractal) {
        let size = vec2(48.0, 30.0);
        match self.by_uuid.get(&f.uuid) {
            Some(Thumb::Ready(t)) => {
                ui.add(egui::Image::new((t.id(), size)));
            }
            Some(_) => {
                ui.allocate_space(size);
            }
            None => {
                self.ask(ui.ctx(), f);
                ui.allocate_space(size);
            }
        }
    }

    fn ask(&mut self, ctx: &egui::Context, f: &Fractal) {
        if self.in_flight >= IN_FLIGHT {
            return; // asked again next frame, if still on screen
        }
        if self.maker.is_none() {
            self.maker = ThumbnailMaker::spawn(ctx.clone()).ok();
        }
        let Some(maker) = &self.maker else { return };
        let thumb = match location_of(f) {
            Ok((location, palette)) => {
                let colouring = Colouring { palette: palette.unwrap_or_default(), ..Colouring::default() };
                maker.request(f.uuid.clone(), location, Look { colouring, custom: None });
                self.in_flight += 1;
                Thumb::Asked
            }
            Err(_) => Thumb::None,
        };
        self.by_uuid.insert(f.uuid.clone(), thumb);
        self.order.push_back(f.uuid.clone());
        while self.order.len() > CACHED {
            if let Some(old) = self.order.pop_front() {
                self.by_uuid.remove(&old);
            }
        }
    }
}
