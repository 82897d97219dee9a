//! The table's thumbnails, made lazily: only for rows on screen. A finished fractal's
//! image of at most [`DOWNLOAD_PIXELS`] is downloaded from the cluster and shrunk (its
//! real picture); the others, and any whose download fails, are rendered on this machine
//! from the row's parameters by the explorer's thumbnail thread (a 96×60 render costs far
//! less than downloading a cluster's image, which can be 16384² pixels). They are kept
//! in memory for the [`CACHED`] most recent rows. A finished fractal's thumbnail
//! is also kept on disk ([`ThumbCache`], by the image's checksum), so after a restart
//! it is read back rather than made again.

use std::collections::{HashMap, VecDeque};

use egui::{ColorImage, TextureHandle, TextureOptions, Ui, vec2};
use faafo_backend::client::{Fractal, Status};
use faafo_engine::Colouring;

use super::convert::location_of;
use super::tasks;
use super::thumb_cache::ThumbCache;
use super::window::ClusterPanel;
use crate::model::colour::Look;
use crate::render::thumbnails::{THUMBNAIL_PX, ThumbnailMaker};

/// Thumbnails kept (about 23 kB each).
pub const CACHED: usize = 512;
/// Largest image (in pixels) downloaded for its thumbnail rather than rendered here
/// (a PNG of a few MB at most).
pub const DOWNLOAD_PIXELS: i64 = 1024 * 1024;
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
    /// The disk cache, opened at the first thumbnail (`None` inside: no home).
    cache: Option<Option<ThumbCache>>,
    /// The checksums of finished fractals whose thumbnails are being made, by uuid, to
    /// keep them on disk when they come.
    to_keep: HashMap<String, String>,
    /// Downloads wanted, for the window to start ([`Thumbs::take_wanted`]).
    wanted: Vec<String>,
    /// Rows whose image is downloading, to render instead if it fails.
    downloading: HashMap<String, Fractal>,
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
        let finished: Vec<_> = std::iter::from_fn(|| maker.try_recv()).collect();
        for (uuid, result) in finished {
            self.finish(ctx, &uuid, result.ok());
        }
    }

    /// The downloads asked for since the last call.
    pub fn take_wanted(&mut self) -> Vec<String> {
        std::mem::take(&mut self.wanted)
    }

    /// Takes in a downloaded thumbnail; renders it here instead when there is none.
    pub fn take_download(&mut self, ctx: &egui::Context, uuid: &str, image: Option<ColorImage>) {
        let Some(f) = self.downloading.remove(uuid) else { return };
        match image {
            Some(image) => self.finish(ctx, uuid, Some(image)),
            None => {
                self.in_flight = self.in_flight.saturating_sub(1);
                self.render(ctx, &f);
            }
        }
    }

    /// Shows (and keeps on disk, when finished) `uuid`'s thumbnail; no picture if `None`.
    fn finish(&mut self, ctx: &egui::Context, uuid: &str, image: Option<ColorImage>) {
        self.in_flight = self.in_flight.saturating_sub(1);
        let keep = self.to_keep.remove(uuid);
        let thumb = match image {
            Some(image) => {
                if let (Some(Some(cache)), Some(checksum)) = (&self.cache, keep) {
                    // Only a cost next run (made again) if it cannot be kept.
                    let _ = cache.store(&checksum, &image);
                }
                Thumb::Ready(ctx.load_texture(format!("cluster-thumb-{uuid}"), image, TextureOptions::LINEAR))
            }
            None => Thumb::None,
        };
        if let Some(slot) = self.by_uuid.get_mut(uuid) {
            *slot = thumb;
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

    /// `f`'s checksum when it is done (its image final).
    fn checksum_of(f: &Fractal) -> Option<&str> {
        (f.status == Status::Done).then_some(f.checksum.as_deref()).flatten()
    }

    fn ask(&mut self, ctx: &egui::Context, f: &Fractal) {
        let cache = self.cache.get_or_insert_with(ThumbCache::in_user_cache);
        if let (Some(cache), Some(checksum)) = (cache.as_ref(), Self::checksum_of(f))
            && let Some(image) = cache.load(checksum)
        {
            let texture = ctx.load_texture(format!("cluster-thumb-{}", f.uuid), image, TextureOptions::LINEAR);
            self.remember(f, Thumb::Ready(texture));
            return;
        }
        if self.in_flight >= IN_FLIGHT {
            return; // asked again next frame, if still on screen
        }
        if let Some(checksum) = Self::checksum_of(f) {
            self.to_keep.insert(f.uuid.clone(), checksum.to_owned());
            if f.width.saturating_mul(f.height) <= DOWNLOAD_PIXELS {
                self.in_flight += 1;
                self.wanted.push(f.uuid.clone());
                self.downloading.insert(f.uuid.clone(), f.clone());
                self.remember(f, Thumb::Asked);
                return;
            }
        }
        self.render(ctx, f);
    }

    /// Asks the thumbnail thread to render `f`'s thumbnail here.
    fn render(&mut self, ctx: &egui::Context, f: &Fractal) {
        if self.maker.is_none() {
            self.maker = ThumbnailMaker::spawn(ctx.clone()).ok();
        }
        let thumb = match (&self.maker, location_of(f)) {
            (Some(maker), Ok((location, palette))) => {
                let colouring = Colouring { palette: palette.unwrap_or_default(), ..Colouring::default() };
                maker.request(f.uuid.clone(), location, Look { colouring, custom: None });
                self.in_flight += 1;
                Thumb::Asked
            }
            _ => Thumb::None,
        };
        self.remember(f, thumb);
    }

    /// Keeps `thumb` as `f`'s, forgetting the oldest past [`CACHED`].
    fn remember(&mut self, f: &Fractal, thumb: Thumb) {
        if self.by_uuid.insert(f.uuid.clone(), thumb).is_none() {
            self.order.push_back(f.uuid.clone());
        }
        while self.order.len() > CACHED {
            if let Some(old) = self.order.pop_front() {
                self.by_uuid.remove(&old);
            }
        }
    }
}

impl ClusterPanel {
    /// Starts the thumbnail downloads the table asked for (each rendered here instead
    /// when it cannot start).
    pub(super) fn download_thumbnails(&mut self) {
        for uuid in self.browse.thumbs.take_wanted() {
            let started = match &self.connection {
                Some(c) => self.net.spawn(tasks::thumbnail(c.client.clone(), uuid.clone(), THUMBNAIL_PX)).is_ok(),
                None => false,
            };
            if !started {
                self.browse.thumbs.take_download(self.net.ctx(), &uuid, None);
            }
        }
    }
}
