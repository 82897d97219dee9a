//! faafo's desktop explorer.
//!
//! For now this is a placeholder for the full explorer: one window that shows one engine
//! render of the Mandelbrot set, sized to the window. It exists so that the windowing,
//! threading and texture plumbing (and the CI that screenshots it) are in place before
//! the interactive features arrive.

mod screenshot;

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};

use faafo_engine::{Complex64, Control, Fractal, Params, RenderOptions, RenderStats, render};

use screenshot::ScreenshotJob;
pub use screenshot::ScreenshotOutcome;

/// Window title (and eframe app name, which keys its persisted state).
pub const TITLE: &str = "faafo explorer";

/// Environment variable naming a PNG path: when set, the app screenshots itself once the
/// first full render is on screen and then closes. CI uses this to check real rendering.
pub const SCREENSHOT_ENV: &str = "FAAFO_EXPLORER_SCREENSHOT";

/// The view: the whole Mandelbrot set with a little margin.
const CENTER: Complex64 = Complex64::new(-0.75, 0.0);
/// Width of the view in the complex plane.
const SCALE: f64 = 3.5;
/// Enough for a crisp boundary at this zoom while staying well under a second.
const MAX_ITERATIONS: u32 = 500;

/// What the render thread sends back.
#[derive(Debug)]
struct RenderResult {
    /// The request this answers; older ones than the newest request are dropped.
    generation: u64,
    size: [u32; 2],
    outcome: Result<(Vec<u8>, RenderStats), String>,
}

/// What the status line reports about the picture on screen.
#[derive(Debug, Clone)]
enum Status {
    Rendering,
    Done { size: [u32; 2], stats: RenderStats },
    Failed(String),
}

/// The explorer window: a status line and one render filling the rest.
///
/// Rendering runs on a background thread so the UI thread never waits for the engine:
/// results come back over a channel, and the thread wakes the UI with `request_repaint`.
pub struct ExplorerApp {
    tx: Sender<RenderResult>,
    rx: Receiver<RenderResult>,
    /// Bumped for every new size requested; results carry the value they were started with.
    generation: u64,
    /// Size (in physical pixels) of the newest request; what the view should show.
    requested: Option<[u32; 2]>,
    /// Generation of the last result shown (picture or error); equal to `generation`
    /// when the view is up to date.
    answered: u64,
    /// Generation and cancel handle of the render on the thread, if any. At most one runs,
    /// which debounces resizing: sizes seen meanwhile collapse into the newest request.
    in_flight: Option<(u64, Arc<Control>)>,
    /// The last picture, uploaded once per result and reused every frame.
    texture: Option<egui::TextureHandle>,
    /// Size of the image area at the last frame, in physical pixels.
    view_px: Option<[u32; 2]>,
    status: Status,
    screenshot: Option<ScreenshotJob>,
}

impl ExplorerApp {
    /// Called by eframe once the window exists.
    pub fn new(_cc: &eframe::CreationContext<'_>) -> Self {
        Self::default_headless()
    }

    /// An app that needs no window or GPU context: rendering starts on the first frame,
    /// from whichever `egui::Context` runs it. Used by tests via `build_ui_state`.
    pub fn default_headless() -> Self {
        let (tx, rx) = mpsc::channel();
        Self {
            tx,
            rx,
            generation: 0,
            requested: None,
            answered: 0,
            in_flight: None,
            texture: None,
            view_px: None,
            status: Status::Rendering,
            screenshot: None,
        }
    }

    /// Once the first full render is on screen, save a screenshot of the window to `path`
    /// and close it; `outcome` is filled in either way so the caller can report failure.
    #[must_use]
    pub fn screenshot_then_close(mut self, path: impl Into<std::path::PathBuf>, outcome: ScreenshotOutcome) -> Self {
        self.screenshot = Some(ScreenshotJob::new(path.into(), outcome));
        self
    }

    /// Size in pixels of the picture currently uploaded, if any.
    pub fn texture_size(&self) -> Option<[usize; 2]> {
        self.texture.as_ref().map(egui::TextureHandle::size)
    }

    /// Size in pixels of the area the picture fills, as laid out in the last frame.
    pub fn view_size(&self) -> Option<[u32; 2]> {
        self.view_px
    }

    /// Whether a render is running on the background thread.
    pub fn is_rendering(&self) -> bool {
        self.in_flight.is_some()
    }

    /// The status line's text.
    pub fn status_text(&self) -> String {
        match &self.status {
            Status::Rendering => "rendering…".to_owned(),
            Status::Done { size, stats } => format!(
                "{}×{} · {} iterations · {} ms · kernel {}",
                size[0],
                size[1],
                stats.iterations,
                stats.wall.as_millis(),
                stats.kernel
            ),
            Status::Failed(err) => format!("render failed: {err}"),
        }
    }

    /// Draws the whole window into `ui` (what [`eframe::App::ui`] calls).
    pub fn contents(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.receive(&ctx);

        egui::Panel::bottom("status").show(ui, |ui| {
            ui.label(self.status_text());
        });
        egui::CentralPanel::default().frame(egui::Frame::NONE).show(ui, |ui| {
            let rect = ui.max_rect();
            ui.allocate_rect(rect, egui::Sense::hover());
            self.view_changed(&ctx, rect.size() * ctx.pixels_per_point());
            if let Some(texture) = &self.texture {
                let uv = egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
                ui.painter().image(texture.id(), rect, uv, egui::Color32::WHITE);
            }
        });

        if let Some(job) = &mut self.screenshot {
            let picture_on_screen = self.texture.is_some() && self.in_flight.is_none();
            job.drive(&ctx, picture_on_screen);
        }
    }

    /// Takes finished renders off the channel, keeping only an answer to the newest request.
    fn receive(&mut self, ctx: &egui::Context) {
        while let Ok(result) = self.rx.try_recv() {
            if self.in_flight.as_ref().is_some_and(|(g, _)| *g == result.generation) {
                self.in_flight = None;
            }
            if result.generation != self.generation {
                continue; // the view changed size while this ran; a newer render follows
            }
            self.answered = result.generation;
            match result.outcome {
                Ok((rgba, stats)) => {
                    let [w, h] = result.size.map(|s| s as usize);
                    let image = egui::ColorImage::from_rgba_unmultiplied([w, h], &rgba);
                    let options = egui::TextureOptions::LINEAR;
                    match &mut self.texture {
                        Some(texture) => texture.set(image, options),
                        None => self.texture = Some(ctx.load_texture("fractal", image, options)),
                    }
                    self.status = Status::Done { size: result.size, stats };
                }
                Err(err) => self.status = Status::Failed(err),
            }
        }
    }

    /// Records the view size and starts a render when it differs from the last request and
    /// nothing is running.
    fn view_changed(&mut self, ctx: &egui::Context, size: egui::Vec2) {
        let max_side = ctx.input(|i| i.max_texture_side) as f32;
        let px = [size.x, size.y].map(|s| s.round().clamp(0.0, max_side) as u32);
        self.view_px = Some(px);
        if px.contains(&0) {
            return; // minimised or not laid out yet: nothing to draw into
        }
        if self.requested != Some(px) {
            self.requested = Some(px);
            self.generation += 1;
        }
        if self.in_flight.is_none() && self.answered != self.generation {
            self.spawn(ctx, px);
        }
    }

    /// Starts a render of `size` on a new named thread.
    fn spawn(&mut self, ctx: &egui::Context, size: [u32; 2]) {
        let generation = self.generation;
        let control = Arc::new(Control::new());
        let thread_control = Arc::clone(&control);
        let tx = self.tx.clone();
        let ctx = ctx.clone();
        let spawned = std::thread::Builder::new().name("faafo-render".to_owned()).spawn(move || {
            let outcome = render_rgba(size, &thread_control);
            // The app may be gone (window closed); then nobody wants the picture.
            let _ = tx.send(RenderResult { generation, size, outcome });
            ctx.request_repaint();
        });
        match spawned {
            Ok(_) => {
                self.in_flight = Some((generation, control));
                self.status = Status::Rendering;
            }
            Err(err) => self.status = Status::Failed(format!("cannot start render thread: {err}")),
        }
    }
}

// By hand because `egui::TextureHandle` has no `Debug`; its size is what matters.
impl std::fmt::Debug for ExplorerApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExplorerApp")
            .field("generation", &self.generation)
            .field("requested", &self.requested)
            .field("answered", &self.answered)
            .field("in_flight", &self.in_flight.as_ref().map(|(g, _)| g))
            .field("texture_size", &self.texture_size())
            .field("view_px", &self.view_px)
            .field("status", &self.status)
            .field("screenshot", &self.screenshot)
            .finish_non_exhaustive()
    }
}

impl Default for ExplorerApp {
    fn default() -> Self {
        Self::default_headless()
    }
}

impl Drop for ExplorerApp {
    /// Stops a render nobody will look at, so closing the window doesn't leave the CPU busy.
    fn drop(&mut self) {
        if let Some((_, control)) = &self.in_flight {
            control.cancel();
        }
    }
}

impl eframe::App for ExplorerApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.contents(ui);
    }
}

/// Renders the fixed view at `size` and colours it as RGBA bytes, on the calling thread.
fn render_rgba(size: [u32; 2], control: &Control) -> Result<(Vec<u8>, RenderStats), String> {
    let params = Params::from_center_scale(Fractal::Mandelbrot, CENTER, SCALE, size[0], size[1], MAX_ITERATIONS);
    let r = render(&params, &RenderOptions::default(), control).map_err(|e| e.to_string())?;
    Ok((r.buffer.to_rgba8(&params.colouring), r.stats))
}
