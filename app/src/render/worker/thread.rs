//! The loop on the render thread: takes requests and colour changes off the channel,
//! runs each request's passes (as [`super::schedule`] plans them), keeps the last
//! pictures' escape values for pans and recolouring, and sends pictures back.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, Sender};
use std::time::Instant;

use faafo_engine::{Control, EscapeBuffer, Params, RenderError, RenderOptions, SmoothScale, render_values_into};

use super::schedule::{Schedule, pass_pixels};
use super::{InFlight, Msg, Pass, PassStats, Picture, RenderKey, Shared, WorkerConfig, WorkerEvent};
use crate::model::colour::Look;
use crate::model::view::Grid;

/// A picture the worker keeps for pans (pixel reuse) and recolouring.
pub(super) struct Retained {
    pub(super) generation: u64,
    pub(super) key: RenderKey,
    pub(super) grid: Grid,
    pub(super) pass: Pass,
    pub(super) stats: PassStats,
    pub(super) buffer: EscapeBuffer,
    pub(super) smooth: Vec<f32>,
    pub(super) image: Arc<egui::ColorImage>,
}

impl Retained {
    pub(super) fn picture(&self, recoloured: bool) -> Picture {
        Picture {
            generation: self.generation,
            key: self.key.clone(),
            grid: self.grid.clone(),
            pass: self.pass,
            image: Arc::clone(&self.image),
            stats: self.stats,
            recoloured,
            raised: None,
            samples: 1,
        }
    }
}

pub(super) struct WorkerThread {
    rx: Receiver<Msg>,
    tx: Sender<WorkerEvent>,
    ctx: egui::Context,
    pub(super) shared: Arc<Shared>,
    schedule: Schedule,
    pub(super) options: RenderOptions,
    pub(super) look: Look,
    /// The look changed since the retained pictures were coloured.
    pub(super) look_dirty: bool,
    pending: Option<(u64, RenderKey)>,
    pub(super) full: Option<Retained>,
    pub(super) preview: Option<Retained>,
    /// Buffers kept between passes so each frame does not pay fresh page faults.
    pub(super) spare: Option<(EscapeBuffer, Vec<f32>)>,
    preview_spare: Option<(EscapeBuffer, Vec<f32>)>,
    pub(super) strip: EscapeBuffer,
    /// Column and row of the grid where `strip` starts.
    pub(super) strip_origin: (usize, usize),
    /// The reference orbit of deep frames, kept while it covers the view.
    pub(super) orbits: super::deep::OrbitCache,
    /// Cap of automatic iteration raises; `None` while the limit is fixed.
    auto_cap: Option<u32>,
    /// The newest request the hand stopped on: it and older ones run no preview.
    still: u64,
}

impl WorkerThread {
    pub(super) fn new(
        rx: Receiver<Msg>,
        tx: Sender<WorkerEvent>,
        ctx: egui::Context,
        shared: Arc<Shared>,
        config: WorkerConfig,
    ) -> Self {
        Self {
            rx,
            tx,
            ctx,
            shared,
            schedule: Schedule::new(config),
            options: RenderOptions::default(),
            look: Look::default(),
            look_dirty: false,
            pending: None,
            full: None,
            preview: None,
            spare: None,
            preview_spare: None,
            strip: EscapeBuffer::new(0, 0, SmoothScale::default()),
            strip_origin: (0, 0),
            orbits: super::deep::OrbitCache::default(),
            auto_cap: None,
            still: 0,
        }
    }

    pub(super) fn run(&mut self) {
        loop {
            let next = match self.pending.take() {
                Some(p) => Some(p),
                None => match self.rx.recv() {
                    Ok(msg) => self.accept(msg),
                    Err(_) => return, // the UI handle is gone
                },
            };
            if self.shared.stopped.load(Ordering::Relaxed) {
                return;
            }
            if let Some((generation, key)) = next {
                self.render(generation, key);
            }
            self.absorb();
            if self.look_dirty && self.pending.is_none() {
                self.recolour_retained();
            }
        }
    }

    /// Takes a message in; returns a render request if it is one.
    fn accept(&mut self, msg: Msg) -> Option<(u64, RenderKey)> {
        match msg {
            Msg::Render { generation, key, look } => {
                if look != self.look {
                    self.look = look;
                    self.look_dirty = true;
                }
                Some((generation, key))
            }
            Msg::Look(look) => {
                if look != self.look {
                    self.look = look;
                    self.look_dirty = true;
                }
                None
            }
            Msg::AutoIterations(cap) => {
                self.auto_cap = cap;
                None
            }
            Msg::Still(generation) => {
                self.still = self.still.max(generation);
                None
            }
        }
    }

    /// Reads everything queued without blocking; returns whether a newer render waits.
    pub(super) fn absorb(&mut self) -> bool {
        while let Ok(msg) = self.rx.try_recv() {
            if let Some(req) = self.accept(msg) {
                self.pending = Some(req);
            }
        }
        self.pending.is_some() || self.shared.stopped.load(Ordering::Relaxed)
    }

    pub(super) fn send(&self, event: WorkerEvent) {
        // The UI may have gone away (window closed); nobody wants the picture then.
        if self.tx.send(event).is_ok() {
            self.ctx.request_repaint();
        }
    }

    fn render(&mut self, generation: u64, key: RenderKey) {
        if let Err(e) = key.frame.validate(&key.fractal) {
            self.send(WorkerEvent::Failed { generation, error: e.into() });
            return;
        }
        // Shifted pictures keep no derivative: distance and lighting render afresh.
        let reusable = self.full.as_ref().filter(|_| !self.look.needs_derivative()).map(|f| &f.key);
        for pass in self.schedule.plan(&key, reusable) {
            if self.absorb() {
                return; // superseded: the newer request is in `pending`
            }
            if self.skips(generation, pass) {
                continue;
            }
            let control = Arc::new(Control::new());
            let started = Instant::now();
            self.shared.set_in_flight(Some(InFlight {
                generation,
                cancel_after: self.schedule.cancel_after(&key, pass),
                started,
                full_resolution: pass.is_full_resolution(),
                control: Arc::clone(&control),
            }));
            let result = self.run_pass(generation, &key, pass, &control);
            self.shared.set_in_flight(None);
            match result {
                Ok(picture) => {
                    let measured = (picture.stats.total, pass_pixels(&key, pass));
                    self.schedule.finished(&key, pass, false, Some(measured));
                    self.send(WorkerEvent::Picture(picture));
                }
                Err(RenderError::Cancelled) => {
                    let measured = (started.elapsed(), control.done_pixels());
                    self.schedule.finished(&key, pass, true, Some(measured));
                    // A preview cancelled because the hand stopped: on to the full pass.
                    if self.absorb() || !self.skips(generation, pass) {
                        return;
                    }
                }
                Err(error) => {
                    self.schedule.finished(&key, pass, false, None);
                    self.send(WorkerEvent::Failed { generation, error });
                    return;
                }
            }
        }
        if let Some(cap) = self.auto_cap {
            self.deepen(generation, cap);
        }
        self.supersample(generation);
    }

    /// Whether `pass` of `generation` is left out: a preview of a view the hand
    /// stopped on.
    fn skips(&self, generation: u64, pass: Pass) -> bool {
        matches!(pass, Pass::Preview { .. }) && generation <= self.still
    }

    fn run_pass(
        &mut self,
        generation: u64,
        key: &RenderKey,
        pass: Pass,
        control: &Control,
    ) -> Result<Picture, RenderError> {
        let full_grid = key.frame.grid();
        let grid = match pass {
            Pass::Shift { dx, dy } => return self.shift(generation, key, dx, dy, control),
            Pass::Preview { divisor } => {
                let w = (key.frame.width / divisor).max(2);
                let h = (key.frame.height / divisor).max(2);
                Grid { width: w, height: h, ..full_grid }
            }
            Pass::Full => full_grid,
        };
        let slot = if pass == Pass::Full { &mut self.spare } else { &mut self.preview_spare };
        let (mut buffer, mut smooth) =
            slot.take().unwrap_or_else(|| (EscapeBuffer::new(0, 0, SmoothScale::default()), Vec::new()));
        let started = Instant::now();
        let result = if self.look.needs_derivative() && !key.frame.renders_deep(&key.fractal) {
            // Distance and lighting: the escape values with the derivative next to them.
            let params = Params { colouring: self.look.colouring, ..key.params(&grid) };
            render_values_into(&params, &self.options, control, &mut buffer)
        } else {
            super::deep::compute(&mut self.orbits, &self.options, key, &grid, control, &mut buffer)
        };
        let stats = match result {
            Ok(stats) => stats,
            Err(e) => {
                *slot = Some((buffer, smooth));
                return Err(e);
            }
        };
        let compute = started.elapsed();
        let image = smooth_and_colour(&buffer, &self.look, &mut smooth);
        let stats = PassStats {
            iterations: stats.iterations,
            pixels_computed: u64::from(grid.width) * u64::from(grid.height),
            compute,
            total: started.elapsed(),
            kernel: stats.kernel,
        };
        let retained = Retained { generation, key: key.clone(), grid, pass, stats, buffer, smooth, image };
        let picture = retained.picture(false);
        if pass == Pass::Full {
            if let Some(old) = self.full.replace(retained) {
                self.spare = Some((old.buffer, old.smooth));
            }
        } else if let Some(old) = self.preview.replace(retained) {
            self.preview_spare = Some((old.buffer, old.smooth));
        }
        Ok(picture)
    }

    /// Recolours the retained pictures in the current look and sends them again.
    fn recolour_retained(&mut self) {
        self.look_dirty = false;
        let full_generation = self.full.as_ref().map_or(0, |f| f.generation);
        let mut out = Vec::new();
        for r in [&mut self.full, &mut self.preview].into_iter().flatten() {
            let mut pixels = vec![egui::Color32::BLACK; r.smooth.len()];
            self.look.paint_buffer(&r.buffer, &r.smooth, &mut pixels);
            r.image = Arc::new(egui::ColorImage::new([r.grid.width as usize, r.grid.height as usize], pixels));
            out.push(r.picture(true));
        }
        for picture in out {
            // A preview older than the full picture is hidden anyway.
            if picture.pass.is_full_resolution() || picture.generation > full_generation {
                self.send(WorkerEvent::Picture(picture));
            }
        }
    }
}

/// Smooth escape values and colours of a whole buffer (see [`Look::smooth_and_paint`]).
pub(super) fn smooth_and_colour(buffer: &EscapeBuffer, look: &Look, smooth: &mut Vec<f32>) -> Arc<egui::ColorImage> {
    let pixels = look.smooth_and_paint(buffer, smooth);
    let (w, h) = (buffer.width() as usize, buffer.height() as usize);
    Arc::new(egui::ColorImage::new([w, h], pixels))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use std::sync::mpsc;

    use faafo_engine::Fractal;

    use super::*;
    use crate::model::view::{Frame, View};

    /// The passes that answer `requests` (generation, key), with `still` sent after the
    /// last one, before the thread starts (so the order is fixed, not a race).
    fn passes(requests: &[RenderKey], still: bool) -> Vec<(u64, Pass)> {
        let (tx, thread_rx) = mpsc::channel();
        let (thread_tx, rx) = mpsc::channel();
        let shared = Arc::new(Shared::default());
        let ctx = egui::Context::default();
        let mut state = WorkerThread::new(thread_rx, thread_tx, ctx, shared, WorkerConfig::default());
        for (i, key) in requests.iter().enumerate() {
            tx.send(Msg::Render { generation: i as u64 + 1, key: key.clone(), look: Look::default() }).unwrap();
        }
        if still {
            tx.send(Msg::Still(requests.len() as u64)).unwrap();
        }
        drop(tx);
        state.run();
        rx.try_iter()
            .map(|e| match e {
                WorkerEvent::Picture(p) => (p.generation, p.pass),
                WorkerEvent::Failed { error, .. } => panic!("{error}"),
            })
            .collect()
    }

    #[test]
    fn letting_go_skips_the_preview_of_the_view_stopped_on() {
        let key = |scale: f64| RenderKey {
            fractal: Fractal::Mandelbrot,
            frame: Frame::new(View::new(-0.7436, 0.1318, scale), 240, 160),
            max_iterations: 500,
        };
        // A moving view: the newest request's preview first, then its full picture.
        let moving = passes(&[key(1e-2)], false);
        assert_eq!(moving, vec![(1, Pass::Preview { divisor: 4 }), (1, Pass::Full)]);
        // The hand stopped on it: straight to the full picture (older requests dropped).
        let stopped = passes(&[key(2e-2), key(1e-2)], true);
        assert_eq!(stopped, vec![(2, Pass::Full)]);
    }
}
