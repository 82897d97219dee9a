//! Deep passes: frames past what doubles resolve are rendered by perturbation around a
//! reference orbit (`faafo_engine::deep`) instead of through a region of doubles.
//!
//! The orbit is the expensive, sequential part (arbitrary precision, one iteration at a
//! time), so it is computed here on the render thread, never on the UI's, and kept: the
//! next pass reuses it while it still covers the view (close enough to the centre,
//! precise enough for the depth, long enough for the limit), so pans and zooms at the
//! same depth, previews and full passes alike, pay only for the per-pixel work.

use std::sync::Arc;
use std::time::Instant;

use faafo_engine::deep::{ReferenceOrbit, render_deep};
use faafo_engine::location::Location;
use faafo_engine::{Control, EscapeBuffer, KernelPath, RenderError, RenderOptions, RenderStats, render_into};

use super::RenderKey;
use crate::model::view::Grid;

/// An orbit is computed precise enough for views this much narrower than the one asked
/// for (ten more bits: zooms up to a thousandfold reuse it).
const PRECISION_HEADROOM: f64 = 1e-3;

/// The orbit the last deep pass used, with what it was computed for.
#[derive(Debug, Default)]
pub(super) struct OrbitCache {
    orbit: Option<Arc<ReferenceOrbit>>,
    /// Orbits computed so far (reuse shows in tests).
    computed: u64,
}

impl OrbitCache {
    /// An orbit that covers `location` at `width` × `height` for `key`'s fractal and
    /// limit: the kept one when it does, else a new one (cancellable through `control`).
    fn orbit_for(
        &mut self,
        key: &RenderKey,
        location: &Location,
        (width, height): (u32, u32),
        control: &Control,
    ) -> Result<Arc<ReferenceOrbit>, RenderError> {
        if let Some(orbit) = &self.orbit
            && *orbit.fractal() == key.fractal
            && orbit.covers(location, width, height, key.max_iterations)
        {
            return Ok(Arc::clone(orbit));
        }
        // Headroom, so that zooming on does not outgrow it at once: precision for views
        // a thousand times deeper, and half as many iterations again.
        let limit = key.max_iterations.saturating_add(key.max_iterations / 2);
        let orbit = Arc::new(ReferenceOrbit::compute_with_headroom(
            &key.fractal,
            location,
            PRECISION_HEADROOM,
            limit,
            control,
        )?);
        self.computed += 1;
        self.orbit = Some(Arc::clone(&orbit));
        Ok(orbit)
    }
}

/// Escape values of `key` on `grid` (the full frame or a preview of it) into `buffer`:
/// by perturbation around `orbits`' orbit when the frame is past doubles and the kind has
/// a deep path, else the direct path as always.
pub(super) fn compute(
    orbits: &mut OrbitCache,
    options: &RenderOptions,
    key: &RenderKey,
    grid: &Grid,
    control: &Control,
    buffer: &mut EscapeBuffer,
) -> Result<RenderStats, RenderError> {
    if !key.frame.renders_deep(&key.fractal) {
        return render_into(&key.params(grid), options, control, buffer);
    }
    let started = Instant::now();
    let location = key.frame.view.location();
    // Coverage is judged at the full frame's size: a preview of the same view is covered
    // whenever the full pass is, so both use one orbit.
    let full = (key.frame.width, key.frame.height);
    let orbit = orbits.orbit_for(key, &location, full, control)?;
    *buffer = render_deep(&orbit, &location, grid.width, grid.height, key.max_iterations, control)?;
    Ok(RenderStats { iterations: 0, kernel: KernelPath::detect(), wall: started.elapsed() })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use faafo_engine::Fractal;
    use faafo_engine::location::{Center, Scale};

    use super::*;
    use crate::model::view::{Frame, View};

    fn key(frame: Frame) -> RenderKey {
        RenderKey { fractal: Fractal::Mandelbrot, frame, max_iterations: 3000 }
    }

    #[test]
    fn pans_zooms_and_previews_at_one_depth_reuse_the_orbit() {
        let center = Center::parse(&format!("0.{}7", "0".repeat(299)), "1").unwrap();
        let frame = Frame::new(View { center, scale: Scale::parse("3.5e-300").unwrap() }, 320, 240);
        let mut cache = OrbitCache::default();
        let control = Control::new();
        let size = (frame.width, frame.height);
        let first = cache.orbit_for(&key(frame.clone()), &frame.view.location(), size, &control).unwrap();
        assert_eq!(cache.computed, 1);
        let mut moved = frame.clone();
        for step in 0..12 {
            let view = if step % 2 == 0 { moved.panned(25.0, -10.0) } else { moved.zoom_at([200.5, 60.5], 1.25) };
            moved = Frame { view, ..moved };
            let again = cache.orbit_for(&key(moved.clone()), &moved.view.location(), size, &control).unwrap();
            assert!(Arc::ptr_eq(&first, &again), "step {step} recomputed the orbit");
        }
        // A preview of the same view is covered by the full frame's orbit.
        let preview = cache.orbit_for(&key(moved.clone()), &moved.view.location(), (80, 60), &control).unwrap();
        assert!(Arc::ptr_eq(&first, &preview));
        assert_eq!(cache.computed, 1);
        // Somewhere else (many widths away) needs its own.
        let far = Frame { view: moved.panned(-5000.0, 0.0), ..moved.clone() };
        cache.orbit_for(&key(far.clone()), &far.view.location(), size, &control).unwrap();
        assert_eq!(cache.computed, 2);
    }
}
