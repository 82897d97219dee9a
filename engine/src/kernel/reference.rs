//! The reference path: one pixel at a time, an escape test before every update, no
//! shortcuts. Slow and obviously correct; every fast path is tested against it.

use super::feed::{Band, Feed};
use super::formula::{Formula, Setup};
use super::simd::{Scalar, Simd};

/// Computes `band` one pixel at a time; returns the number of updates performed.
pub(crate) fn run<F: Formula>(f: F, setup: &Setup, band: &mut Band<'_>) -> u64 {
    let s = Scalar;
    let mut feed = Feed::new(band);
    let mut iterations = 0u64;
    while let Some(p) = feed.next(setup, band) {
        let (mut x, mut y) = (p.x, p.y);
        let mut outcome = setup.interior();
        let mut updates = u64::from(setup.limit - 1);
        // State 0 was tested by the feed; test states 1..limit.
        for j in 1..setup.limit {
            (x, y) = f.step(s, x, y, p.cx, p.cy);
            let norm = s.mul_add(x, x, s.mul(y, y));
            if setup.escaped(x, y, norm) {
                outcome = setup.escaped_at(j, norm);
                updates = u64::from(j);
                break;
            }
        }
        iterations += updates;
        band.write(p.index as usize, outcome);
    }
    iterations
}
