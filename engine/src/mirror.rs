//! Rows copied from their mirror image across the real axis instead of computed.
//!
//! For z ← z² + c the orbit of c̄ is the conjugate of the orbit of c, and in floating
//! point exactly so: every operation of a step (products, sums, multiply-adds) rounds a
//! negated operand to the negated result, so `y → −y` flips the sign of every imaginary
//! part and changes nothing else — the escape index and |z|² are bit for bit the same.
//! The cardioid/bulb test and the periodicity test depend on y only through y² and
//! |Δy|. So a row whose imaginary coordinate is *exactly* the negation of another row's
//! holds the same values, pixel for pixel, and is copied.
//!
//! Only exact negations count. The grid's rows are `i·(yb − ya)/(h − 1) + ya`, so on a
//! view centred on the axis some pairs come out one ulp apart: those are computed (on the
//! `standard` view 630 of 1080 rows pair up exactly, so 315 are copied).
//!
//! Where it applies: the quadratic Mandelbrot set (its `Multibrot` of power 2 is the same
//! arithmetic), on the vector and scalar paths (the reference path, the yardstick,
//! computes every pixel), and not where the interior fill runs: the fill reads rows
//! next to each other as a closed border, and rows left out would open it.

/// The row each row is a copy of: `sources[j] = Some(i)` when `ys[i] == −ys[j]` exactly,
/// `i < j` and `ys[j] ≠ 0`. Empty when no row has a mirror. The rows must be monotonic
/// (as every render's are), so all sources come before all copies ([`first_copy`]).
pub(crate) fn sources(ys: &[f64]) -> Vec<Option<u32>> {
    let mut index = std::collections::HashMap::with_capacity(ys.len());
    for (i, y) in ys.iter().enumerate() {
        index.entry(y.to_bits()).or_insert(i);
    }
    let sources: Vec<Option<u32>> = ys
        .iter()
        .enumerate()
        .map(|(j, &y)| match index.get(&(-y).to_bits()) {
            Some(&i) if y != 0.0 && i < j => Some(i as u32),
            _ => None,
        })
        .collect();
    // Monotonic rows put every source before the first copy; anything else (never a
    // render's grid) is left to be computed.
    let split = first_copy(&sources);
    let ordered = sources.iter().flatten().all(|&i| (i as usize) < split);
    if split < sources.len() && ordered { sources } else { Vec::new() }
}

/// The first row that is a copy; every source lies before it.
fn first_copy(sources: &[Option<u32>]) -> usize {
    sources.iter().position(Option::is_some).unwrap_or(sources.len())
}

/// Copies every copy row of `plane` (rows of `width` values) from its source.
pub(crate) fn copy_rows<T: Copy + Send + Sync>(plane: &mut [T], width: usize, sources: &[Option<u32>]) {
    use rayon::prelude::*;
    const ROWS: usize = 64;
    let split = first_copy(sources);
    let (top, bottom) = plane.split_at_mut(split * width);
    bottom.par_chunks_mut(width * ROWS).zip(sources[split..].par_chunks(ROWS)).for_each(|(rows, sources)| {
        for (row, source) in rows.chunks_mut(width).zip(sources) {
            if let Some(i) = *source {
                let at = i as usize * width;
                row.copy_from_slice(&top[at..at + width]);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exact_negations_pair_up() {
        let ys = [0.75, 0.5, 0.25, 0.0, -0.25, -0.5000000000000001, -0.75];
        let s = sources(&ys);
        assert_eq!(s, [None, None, None, None, Some(2), None, Some(0)]);
        assert_eq!(first_copy(&s), 4);
        assert!(sources(&[0.1, 0.2, 0.3]).is_empty());
        assert!(sources(&[0.0, -0.0]).is_empty());
    }

    #[test]
    fn copies_land_on_their_rows() {
        let ys = [1.0, 0.5, -0.5, -1.0];
        let s = sources(&ys);
        let mut plane = vec![1, 2, 3, 4, 0, 0, 0, 0];
        copy_rows(&mut plane, 2, &s);
        assert_eq!(plane, [1, 2, 3, 4, 3, 4, 1, 2]);
    }
}
