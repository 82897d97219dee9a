//! Bookmark thumbnails, rendered on a thread of their own, one at a time, in request
//! order.

use std::sync::mpsc::{self, Receiver, Sender};

use faafo_engine::{Colouring, Control, Params, RenderError, RenderOptions, render};

use crate::model::colour::Look;
use crate::model::location::Location;
use crate::model::view::Frame;

/// Thumbnail size in pixels (16:10, like the default window).
pub const THUMBNAIL_PX: [u32; 2] = [96, 60];

/// Renders thumbnails on its own thread, one at a time, in request order.
#[derive(Debug)]
pub struct ThumbnailMaker {
    tx: Sender<(String, Location, Look)>,
    rx: Receiver<(String, Result<egui::ColorImage, RenderError>)>,
}

impl ThumbnailMaker {
    /// Starts the thread; `ctx` is woken when a thumbnail is ready.
    pub fn spawn(ctx: egui::Context) -> std::io::Result<Self> {
        let (tx, job_rx) = mpsc::channel::<(String, Location, Look)>();
        let (done_tx, rx) = mpsc::channel();
        std::thread::Builder::new().name("faafo-thumbnails".to_owned()).spawn(move || {
            for (key, location, look) in job_rx {
                let result = thumbnail(&location, &look);
                if done_tx.send((key, result)).is_err() {
                    return;
                }
                ctx.request_repaint();
            }
        })?;
        Ok(Self { tx, rx })
    }

    /// Queues a thumbnail for `key`.
    pub fn request(&self, key: String, location: Location, look: Look) {
        // Only fails if the thread died; the bookmark then just shows no picture.
        self.tx.send((key, location, look)).ok();
    }

    /// A finished thumbnail, if any.
    pub fn try_recv(&self) -> Option<(String, Result<egui::ColorImage, RenderError>)> {
        self.rx.try_recv().ok()
    }
}

/// Renders one thumbnail on the calling thread.
pub fn thumbnail(location: &Location, look: &Look) -> Result<egui::ColorImage, RenderError> {
    let [w, h] = THUMBNAIL_PX;
    let frame = Frame::new(location.view.clone(), w, h);
    let params = Params {
        fractal: location.fractal,
        region: frame.region(),
        width: w,
        height: h,
        max_iterations: location.max_iterations(),
        colouring: Colouring::default(),
    };
    // Past doubles (a deep bookmark), by perturbation like the main view.
    let buffer = if frame.renders_deep(&location.fractal) {
        let control = Control::new();
        faafo_engine::deep::render_location(
            &location.fractal,
            &frame.view.location(),
            w,
            h,
            params.max_iterations,
            &control,
        )?
    } else {
        render(&params, &RenderOptions::default(), &Control::new())?.buffer
    };
    let smooth: Vec<f32> = (0..buffer.counts().len()).map(|i| buffer.smooth_at(i)).collect();
    let mut pixels = vec![egui::Color32::BLACK; smooth.len()];
    look.paint(buffer.counts(), &smooth, &mut pixels);
    Ok(egui::ColorImage::new([w as usize, h as usize], pixels))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;

    #[test]
    fn a_deep_bookmark_has_a_thumbnail() {
        let text = format!("mandelbrot center=0.{}123,1 scale=3e-300 iterations=3000", "0".repeat(300));
        let img = thumbnail(&Location::parse_text(&text).unwrap(), &Look::default()).unwrap();
        assert!(img.pixels.iter().any(|p| *p != img.pixels[0]), "not a flat picture");
    }

    #[test]
    fn thumbnails_render() {
        let img = thumbnail(&Location::default(), &Look::default()).unwrap();
        assert_eq!(img.size, [96, 60]);
        assert!(img.pixels.iter().any(|p| *p != img.pixels[0]), "not a flat picture");
    }
}
