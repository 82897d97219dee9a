//! Antialiasing the view while the hand is still: after a request's full picture (and
//! any raise of its limit), render the look's n × n jittered samples one at a time
//! ([`faafo_engine::antialias::sample_offsets`]), colour each in the look, and send the
//! running average after each, so the picture sharpens progressively. A newer request
//! cancels the running sample at once and drops the rest.

use std::sync::Arc;
use std::time::{Duration, Instant};

use faafo_engine::antialias::sample_offsets;
use faafo_engine::{Control, EscapeBuffer, Params, SmoothScale, render_sample_into};

use super::thread::WorkerThread;
use super::{InFlight, WorkerEvent};

impl WorkerThread {
    /// Supersamples the retained full picture of `generation` with the look's
    /// `antialias`² samples, sending the average after each sample.
    pub(super) fn supersample(&mut self, generation: u64) {
        let n = self.look.colouring.antialias;
        let Some(full) = self.full.as_ref().filter(|f| f.generation == generation) else { return };
        if n < 2 || full.key.frame.renders_deep(&full.key.fractal) {
            return;
        }
        let params = Params { colouring: self.look.colouring, ..full.key.params(&full.grid) };
        let pixels = full.buffer.counts().len();
        let mut sums = vec![[0f32; 3]; pixels];
        let mut sample = EscapeBuffer::new(0, 0, SmoothScale::default());
        let mut smooth = Vec::new();
        let offsets = sample_offsets(n);
        for (k, offset) in offsets.iter().enumerate() {
            if self.absorb() {
                return;
            }
            let control = Arc::new(Control::new());
            self.shared.set_in_flight(Some(InFlight {
                generation,
                cancel_after: Some(Duration::ZERO),
                started: Instant::now(),
                full_resolution: true,
                control: Arc::clone(&control),
            }));
            let result = render_sample_into(&params, *offset, &self.options, &control, &mut sample);
            self.shared.set_in_flight(None);
            if result.is_err() || sample.counts().len() != pixels {
                return;
            }
            let colours = self.look.smooth_and_paint(&sample, &mut smooth);
            for (s, c) in sums.iter_mut().zip(&colours) {
                s[0] += f32::from(c.r());
                s[1] += f32::from(c.g());
                s[2] += f32::from(c.b());
            }
            let done = (k + 1) as f32;
            let average: Vec<egui::Color32> = sums
                .iter()
                .map(|s| {
                    let [r, g, b] = s.map(|v| (v / done + 0.5) as u8);
                    egui::Color32::from_rgb(r, g, b)
                })
                .collect();
            let Some(full) = self.full.as_mut().filter(|f| f.generation == generation) else { return };
            let size = [full.grid.width as usize, full.grid.height as usize];
            full.image = Arc::new(egui::ColorImage::new(size, average));
            let mut picture = full.picture(false);
            picture.samples = (k + 1) as u32;
            self.send(WorkerEvent::Picture(picture));
        }
    }
}
