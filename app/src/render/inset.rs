//! The live Julia preview: while Ctrl is held over a Mandelbrot view, a small picture of
//! the Julia set of the point under the pointer, from a render worker of its own.

use egui::{Color32, Pos2, Rect};
use faafo_engine::{Complex64, Fractal, FractalKind};

use crate::model::colour::Look;
use crate::model::view::{Frame, View};
use crate::render::layer::{Layer, set_layer};
use crate::render::worker::{RenderKey, RenderWorker, WorkerConfig, WorkerEvent};

/// Size of the inset, in points.
const INSET_PT: [f32; 2] = [240.0, 150.0];
/// Iterations for the inset: enough for the shape, cheap enough to follow the mouse.
const INSET_ITERATIONS: u32 = 300;

/// The inset's state.
pub(crate) struct JuliaInset {
    worker: Option<RenderWorker>,
    layer: Option<Layer>,
    /// The constant of the newest request.
    requested: Option<Complex64>,
    /// The constant under the pointer and where the pointer is, while Ctrl is held.
    hover: Option<(Complex64, Pos2)>,
}

impl JuliaInset {
    /// Starts the inset's render thread (without it, no inset shows).
    pub(crate) fn new(ctx: &egui::Context) -> Self {
        let config = WorkerConfig { previews: false, ..WorkerConfig::default() };
        let worker = RenderWorker::spawn("faafo-julia-inset", ctx.clone(), config).ok();
        Self { worker, layer: None, requested: None, hover: None }
    }

    /// What the canvas saw under the pointer this frame (`None`: no inset).
    pub(crate) fn set_hover(&mut self, hover: Option<(Complex64, Pos2)>) {
        self.hover = hover;
    }

    /// The constant under the pointer, and whether its picture is in.
    pub(crate) fn shown(&self) -> Option<(Complex64, bool)> {
        self.hover.map(|(c, _)| (c, self.layer.is_some()))
    }

    /// Takes in the pictures the worker finished.
    pub(crate) fn poll(&mut self, ctx: &egui::Context) {
        if let Some(w) = &self.worker {
            while let Some(e) = w.try_recv() {
                if let WorkerEvent::Picture(p) = e {
                    set_layer(&mut self.layer, ctx, "julia-inset", &p);
                }
            }
        }
    }

    /// Asks for the hovered constant's picture if it is new, and draws the inset in the
    /// top right corner of `rect`.
    pub(crate) fn ui(&mut self, ui: &egui::Ui, rect: Rect, look: &Look) {
        let Some((c, _)) = self.hover else {
            return;
        };
        let ppp = ui.ctx().pixels_per_point();
        if self.requested != Some(c)
            && let Some(worker) = &mut self.worker
        {
            let size = INSET_PT.map(|s| (s * ppp).round() as u32);
            let key = RenderKey {
                fractal: Fractal::Julia { c },
                frame: Frame::new(View::home(FractalKind::Julia), size[0], size[1]),
                max_iterations: INSET_ITERATIONS,
            };
            worker.submit(key, look.clone());
            self.requested = Some(c);
        }
        let inset_rect = Rect::from_min_size(
            Pos2::new(rect.max.x - INSET_PT[0] - 10.0, rect.min.y + 10.0),
            egui::vec2(INSET_PT[0], INSET_PT[1]),
        );
        let painter = ui.painter_at(rect);
        painter.rect_filled(inset_rect.expand(2.0), 2.0, Color32::from_gray(30));
        if let Some(layer) = &self.layer {
            let uv = Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0));
            painter.image(layer.texture.id(), inset_rect, uv, Color32::WHITE);
        }
        painter.text(
            inset_rect.left_bottom() + egui::vec2(4.0, -4.0),
            egui::Align2::LEFT_BOTTOM,
            format!("Julia c = {:.6}{:+.6}i · Ctrl-click to open", c.re, c.im),
            egui::FontId::proportional(11.0),
            Color32::WHITE,
        );
    }
}
