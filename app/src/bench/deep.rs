//! The deep phase of `--bench-zoom`: wheel steps at a 1e-100 view (the centre of
//! Fractalshades' `test_M2_E213`, as `scripts/bench-deep.sh` (a) uses it), automatic
//! iterations, each step timed on its own: the frame carrying the wheel (the old picture
//! reprojected), the first computed picture (the quick pass), and the full picture. The
//! issue's target: the quick pass within 100 ms of the step.

use anyhow::Context as _;

use super::driver::Driver;
use crate::model::location::Location;

/// The view the steps start from.
const DEEP_VIEW: &str = "mandelbrot \
    center=0.3457038944654144866833131210461589365345969127365583349605956350254682999604514724727132714356570564538690262564,\
    -0.6458140479592750190183389181286286597972793149378090740398286460693614106550001619785992809936955641620645925337 \
    scale=1e-100";
/// Wheel steps taken, one notch each, each waited out.
const STEPS: usize = 8;

/// What the deep phase measured, one entry per wheel step.
#[derive(Debug, Default, Clone)]
pub(super) struct DeepSummary {
    /// The frame carrying the wheel (the reprojected picture on screen).
    pub(super) input_frame_ms: Vec<f64>,
    /// Wheel → first computed picture of the new view.
    pub(super) first_picture_ms: Vec<f64>,
    /// Wheel → full picture of the new view.
    pub(super) full_picture_ms: Vec<f64>,
    /// Scale after the last step.
    pub(super) scale: f64,
}

/// Runs the deep phase into `sum`.
pub(super) fn deep(d: &mut Driver, sum: &mut DeepSummary) -> anyhow::Result<()> {
    let location = Location::parse_text(DEEP_VIEW).context("the deep benchmark view")?;
    d.app.go_to(location);
    d.settle()?;
    let rect = d.app.canvas_rect().context("no canvas")?;
    d.pointer = rect.center() + egui::vec2(rect.width() / 8.0, rect.height() / 10.0);
    d.begin("deep");
    for _ in 0..STEPS {
        let start = d.records.len();
        let input = d.frame(d.wheel(1.0));
        let generation = d.app.generation();
        let full = d.settle()?;
        sum.input_frame_ms.push(input.ui.as_secs_f64() * 1e3);
        sum.full_picture_ms.push(full.as_secs_f64() * 1e3);
        let first = d.records[start..]
            .iter()
            .flat_map(|r| &r.arrivals)
            .find(|(a, _)| a.generation == generation)
            .map(|(_, latency)| latency.as_secs_f64() * 1e3);
        sum.first_picture_ms.extend(first);
    }
    sum.scale = d.app.location().view.scale_f64();
    Ok(())
}
