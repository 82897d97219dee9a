//! Iterations that follow the picture: a limit too low for the view is detected by its
//! false interior, and the deeper pass over only the limit's pixels gives exactly the
//! picture a full render at the deeper limit gives.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use faafo_engine::refine::{LimitReport, deepen_limit_hits, probe_limit_hits};
use faafo_engine::{
    ColouringMode, Complex64, Control, EscapeBuffer, Fractal, Params, RenderOptions, SmoothScale, render,
    render_values_into,
};

/// Seahorse Valley at scale 1e-6, where 2,761 iterations (the explorer's automatic
/// choice there) leave false black blobs.
fn seahorse(limit: u32) -> Params {
    let c = Complex64::new(-0.743643887037151, 0.13182590420533);
    Params::from_center_scale(Fractal::Mandelbrot, c, 1e-6, 160, 120, limit)
}

#[test]
fn a_low_limit_is_deepened_to_exactly_the_full_render() {
    let opts = RenderOptions::default();
    let mut buffer = render(&seahorse(2761), &opts, &Control::new()).unwrap().buffer;
    let report = LimitReport::of(&buffer, 2761);
    assert!(report.worth_deepening(), "{report:?}");
    let next = report.next_limit(10_000_000).unwrap();
    assert_eq!(next, 4 * 2761);

    let deeper = seahorse(next);
    let before = buffer.clone();
    let d = deepen_limit_hits(&deeper, &opts, &Control::new(), &buffer).unwrap();
    assert_eq!(buffer, before, "nothing is written before apply");
    assert_eq!(d.pixels, report.hits, "only the pixels at the limit are computed again");
    assert!(d.is_meaningful(report.pixels), "{} of {} escaped", d.escaped, d.pixels);
    d.apply(&mut buffer);
    let fresh = render(&deeper, &opts, &Control::new()).unwrap().buffer;
    assert_eq!(buffer, fresh, "deepening = rendering at the deeper limit");
    assert_eq!(report.hits - LimitReport::of(&buffer, next).hits, d.escaped);
}

#[test]
fn the_raise_stops_where_the_picture_stops_changing() {
    // Deepening by 4x from the automatic 2,761 until too little escapes: it settles a
    // few tens of thousands, as the true picture needs (100,000 shows no more).
    let opts = RenderOptions::default();
    let mut limit = 2761;
    let mut buffer = render(&seahorse(limit), &opts, &Control::new()).unwrap().buffer;
    let mut raises = Vec::new();
    loop {
        let report = LimitReport::of(&buffer, limit);
        if !report.worth_deepening() {
            break;
        }
        let next = report.next_limit(10_000_000).unwrap();
        // The cheap probe first, as the explorer does; the whole pass decides.
        let probe = probe_limit_hits(&seahorse(next), &opts, &Control::new(), &buffer).unwrap();
        assert!(
            probe.pixels * 7 <= report.hits && probe.pixels * 9 >= report.hits,
            "{} of {}",
            probe.pixels,
            report.hits
        );
        let d = deepen_limit_hits(&seahorse(next), &opts, &Control::new(), &buffer).unwrap();
        assert_eq!(
            probe.promises(report.pixels),
            d.is_meaningful(report.pixels),
            "at {next}: the probe foretells the pass"
        );
        if !d.is_meaningful(report.pixels) {
            break;
        }
        d.apply(&mut buffer);
        raises.push(next);
        limit = next;
    }
    assert_eq!(raises, [11_044, 44_176]);
}

#[test]
fn a_limit_that_suffices_is_kept() {
    let opts = RenderOptions::default();
    for (center, scale, limit) in [((-0.75, 0.0), 3.5, 250), ((-0.1, 0.05), 0.05, 250), ((-0.745, 0.11), 0.02, 8000)] {
        let c = Complex64::new(center.0, center.1);
        let p = Params::from_center_scale(Fractal::Mandelbrot, c, scale, 320, 240, limit);
        let buffer = render(&p, &opts, &Control::new()).unwrap().buffer;
        let report = LimitReport::of(&buffer, limit);
        if report.worth_deepening() {
            let next = Params { max_iterations: report.next_limit(10_000_000).unwrap(), ..p };
            let d = deepen_limit_hits(&next, &opts, &Control::new(), &buffer).unwrap();
            assert!(!d.is_meaningful(report.pixels), "{center:?} {scale}: {} of {} escaped", d.escaped, d.pixels);
        }
    }
}

#[test]
fn a_picture_with_the_derivative_keeps_it_through_a_raise() {
    let opts = RenderOptions::default();
    let values = |limit: u32| {
        let mut p = seahorse(limit);
        p.colouring.mode = ColouringMode::Lighting;
        let mut b = EscapeBuffer::new(0, 0, SmoothScale::default());
        render_values_into(&p, &opts, &Control::new(), &mut b).unwrap();
        (p, b)
    };
    let (_, mut buffer) = values(2761);
    let (deeper, fresh) = values(4 * 2761);
    let d = deepen_limit_hits(&deeper, &opts, &Control::new(), &buffer).unwrap();
    assert!(d.escaped > 0);
    d.apply(&mut buffer);
    assert!(buffer.derivatives().is_some());
    assert_eq!(buffer, fresh, "deepened with the derivative = rendered with it at the deeper limit");
}
