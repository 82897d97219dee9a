//! Two neighbouring pixels in lockstep: while they are at the same place of the same
//! reference orbit and take the same decisions (skip the same length, or step), one
//! pass of the stretch loop advances both — one set of branches for two pixels, and two
//! independent chains of arithmetic for the core to overlap. Where their decisions part,
//! each goes on alone from there.
//!
//! Why: a pixel's op (a skip or a step, then its tests) is bound by its chain of
//! dependent multiplies and adds and by mispredicted branches, not by the arithmetic
//! units. Neighbours deep in a view follow the same path for most of their iterations
//! (measured: 91 % of the ops of the 1e-300 bench view, 90 % of the 1e-100 one and 57 %
//! of the minibrot one are in the common start of horizontal pairs). Interleaving two
//! pixels that take their own decisions was slower: their branches no longer predict.
//!
//! Each pixel's arithmetic and decisions are exactly those it takes alone (the same
//! operations in the same order; the pair only shares the control flow), so its count
//! and |z|² do not depend on its neighbour.

use super::super::floatexp::ComplexExp;
use super::super::newton::Rebases;
use super::{Context, Lane, Op, Outcome, W_LOW};

mod p2;
use p2::P2;

impl Context<'_> {
    /// Two pixels at `a` and `b` from the reference point.
    #[inline(always)]
    pub(super) fn pixel_pair(&self, a: ComplexExp, b: ComplexExp) -> (Outcome, Outcome) {
        match (self.start(a), self.start(b)) {
            (Ok(la), Ok(lb)) if la.scaled == lb.scaled && la.st == lb.st => {
                if la.scaled {
                    self.finish_pair::<true>(la, lb)
                } else {
                    self.finish_pair::<false>(la, lb)
                }
            }
            (a, b) => (a.map_or_else(|o| o, |l| self.finish(l)), b.map_or_else(|o| o, |l| self.finish(l))),
        }
    }

    /// Runs two lanes at the same state to their ends, together while they agree.
    #[inline(always)]
    fn finish_pair<const SCALED: bool>(&self, mut a: Lane, mut b: Lane) -> (Outcome, Outcome) {
        let (mut ra, mut rb) = (Rebases::default(), Rebases::default());
        loop {
            let (ha, hb) = (self.head::<SCALED>(&mut a), self.head::<SCALED>(&mut b));
            let (oa, ob) = if ha.is_none() && hb.is_none() {
                match self.stretch_pair::<SCALED>(&mut a, &mut b) {
                    Some(ops) => ops,
                    // Their decisions part here: each goes on alone.
                    None => break,
                }
            } else {
                (ha, hb)
            };
            let ea = oa.map_or(Ok(()), |op| self.settle::<SCALED>(&mut a, op, &mut ra));
            let eb = ob.map_or(Ok(()), |op| self.settle::<SCALED>(&mut b, op, &mut rb));
            match (ea, eb) {
                (Ok(()), Ok(())) if a.st == b.st => {}
                (Ok(()), Ok(())) => break,
                (Err(x), Err(y)) => return (x, y),
                (Err(x), Ok(())) => return (x, self.finish_alone::<SCALED>(b, rb)),
                (Ok(()), Err(y)) => return (self.finish_alone::<SCALED>(a, ra), y),
            }
        }
        (self.finish_alone::<SCALED>(a, ra), self.finish_alone::<SCALED>(b, rb))
    }

    /// A lane's run to its end alone, with its rebases so far.
    #[inline(always)]
    fn finish_alone<const SCALED: bool>(&self, lane: Lane, rebases: Rebases) -> Outcome {
        if SCALED { self.finish_scaled(lane) } else { self.finish64(lane, rebases) }
    }

    #[inline(always)]
    fn head<const SCALED: bool>(&self, lane: &mut Lane) -> Option<Op> {
        if SCALED { self.head_scaled(lane) } else { self.head64(lane) }
    }

    /// The stretch loop ([`Context::op64`], [`Context::op_scaled`]) of two lanes at the
    /// same state, one pass for both, until either has an event (escape, rebase,
    /// rescaling) or they reach the stretch's end: then each lane's op, `None` for a
    /// lane without one. `None` when their decisions part first; both lanes are then at
    /// the state where they do, as each would be alone.
    ///
    /// The two lanes' values are packed ([`P2`]: lane a in the first element, b in the
    /// second), so each operation of the loop is one vector instruction for both. Each
    /// element computes exactly what its lane computes alone. The tests are done packed
    /// too, for the common case that nothing happens; where something does, the lanes'
    /// own tests decide.
    #[inline(always)]
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    fn stretch_pair<const SCALED: bool>(&self, a: &mut Lane, b: &mut Lane) -> Option<(Option<Op>, Option<Op>)> {
        let (m0, n0, which) = (a.st.m, a.st.n, a.st.which);
        let orbit = self.orbits[which];
        let bla = self.blas[which];
        let last = (orbit.len() - 1).min(m0 + (self.n_max - n0) as usize);
        let pack = P2::new;
        let scale = pack(a.scale, b.scale);
        let (dc_re, dc_im) = (pack(a.dc[0], b.dc[0]), pack(a.dc[1], b.dc[1]));
        let (step_re, step_im) = (pack(a.dc_step[0], b.dc_step[0]), pack(a.dc_step[1], b.dc_step[1]));
        // w (δ = w·2^s when rescaled), as each lane holds it.
        let (mut re, mut im) = (pack(a.w[0], b.w[0]), pack(a.w[1], b.w[1]));
        // What each lane multiplies w by: 2^s when rescaled; nothing on plain doubles.
        let scaled = |v: P2| if SCALED { scale * v } else { v };
        let mut m = m0;
        let mut node = *bla.node(m);
        let events = loop {
            // |w|₁ (times 2^s) as each lane compares it with the radii.
            let d1 = if SCALED { (re.abs() + im.abs()) * scale } else { re.abs() + im.abs() };
            let skip = d1.lt(P2::splat(node.r0));
            if skip == 0b01 || skip == 0b10 {
                break false;
            }
            if skip != 0 {
                let Some((s, l)) = bla.skip64_pair(m, d1.to_array(), (last - m) as u32) else { break false };
                let (a0, a1, b0, b1) = (P2::splat(s.a[0]), P2::splat(s.a[1]), P2::splat(s.b[0]), P2::splat(s.b[1]));
                (re, im) =
                    (a0 * re - a1 * im + (b0 * dc_re - b1 * dc_im), a0 * im + a1 * re + (b0 * dc_im + b1 * dc_re));
                m += l as usize;
            } else {
                // δ ← (2Z + δ)·δ + δc
                let z = node.z;
                let (tr, ti) = (P2::splat(2.0 * z[0]) + scaled(re), P2::splat(2.0 * z[1]) + scaled(im));
                (re, im) = (tr * re - ti * im + step_re, tr * im + ti * re + step_im);
                m += 1;
            }
            node = *bla.node(m);
            // The escape, rebase and rescaling tests of `test64` / `test_scaled`.
            let (x, y) = (P2::splat(node.z[0]) + scaled(re), P2::splat(node.z[1]) + scaled(im));
            let norm = x * x + y * y;
            let w_inf = P2::norm_inf(re, im);
            let escaped = norm.not_le(P2::splat(self.r2));
            let rebase = P2::norm_inf(x, y).lt(scaled(w_inf));
            let low = if SCALED { w_inf.not_ge(P2::splat(W_LOW)) } else { 0 };
            if escaped | rebase | low != 0 {
                break true;
            }
            if m >= last {
                break false;
            }
        };
        let n = n0 + (m - m0) as u32;
        let (re, im) = (re.to_array(), im.to_array());
        for (lane, l) in [(&mut *a, 0), (&mut *b, 1)] {
            lane.st.m = m;
            lane.st.n = n;
            lane.w = [re[l], im[l]];
        }
        if events {
            // The lanes' own tests, on the same values: at least one has its event.
            let z = node.z;
            let test = |lane: &mut Lane| {
                if SCALED {
                    self.test_scaled(lane, orbit, bla)
                } else {
                    let mut w = lane.w;
                    let op = self.test64(&mut lane.st, &mut w, z);
                    lane.w = w;
                    op
                }
            };
            return Some((test(a), test(b)));
        }
        (m >= last).then_some((Some(Op::Continue), Some(Op::Continue)))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::super::super::{ReferenceOrbit, Variant, render_window};
    use super::super::Isa;
    use crate::control::Control;
    use crate::fractal::Fractal;
    use crate::location::{Center, Location, Scale};
    use crate::render::Window;

    /// A window one column in from the left pairs every pixel with its other neighbour:
    /// each pixel must come out the same bit for bit, on plain doubles (near the minibrot
    /// of scripts/bench-deep.sh's view b, with rebases, cycles and Newton's method) and
    /// rescaled (its view c at 1e-300), on every instruction set this CPU has.
    #[test]
    fn a_pixel_is_the_same_whichever_neighbour_it_is_paired_with() {
        let views = [
            (
                "-1.9072475829123560219806014933444037282313",
                "7.54605431570315771754553123674989535657416e-16",
                "3.660343578223062e-32",
                1_000_000,
            ),
            (
                "-1.99996619445037030418434688506350579675531241540724851511761922944801584242342684381376129778868913812287046406560949864353810575744772166485672496092803920097080659646469789724703438027566251577471979564669673587379831280453964895268111522545617924293510683774588487880585490216939383687209739405059004605769908796701019623976540655194251135324893587067691238195420658358947366377265010463778541939294987275505889553073808974007998577633645473104815538142444336800914783229854543906087454331432834731861034475333154404093649823119814972710",
                "3.001382436790938324072497303977592498734683119077333527017425728012047497561482358118564729928841407551922418650497818162547584808406226419681319987510966551024915920858367060072851094384239104512934585936736294083320495556911255641034741860247735534144716575799510702390797404223208558592193988956228128312647425358021104123150623316403610610181133505002078608735365638116235012859863602970282687765675758728641685358330772131661136113532338021950485899263595349420350880557330865130440135716258565997502285180701052571648187007997490077027e-34",
                "1e-300",
                100_000,
            ),
        ];
        let control = Control::new();
        let (w, h) = (33, 9);
        for (re, im, scale, limit) in views {
            let location = Location::new(Center::parse(re, im).unwrap(), Scale::parse(scale).unwrap());
            let orbit = ReferenceOrbit::compute(&Fractal::Mandelbrot, &location, limit, &control).unwrap();
            for isa in Isa::available() {
                let proven = AtomicU64::new(0);
                let variant = Variant { cycles: true, newton: true, isa, proven: Some(&proven) };
                let render =
                    |window| render_window(&orbit, &location, (w, h), window, limit, &control, variant).unwrap();
                let whole = render(Window::full(w, h));
                let shifted = render(Window { x: 1, y: 0, width: w - 1, height: h });
                for y in 0..h as usize {
                    let (i, j) = (y * w as usize + 1, y * (w as usize - 1));
                    let n = w as usize - 1;
                    assert_eq!(&whole.counts()[i..i + n], &shifted.counts()[j..j + n], "{scale} {isa:?} row {y}");
                    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(
                        bits(&whole.norms()[i..i + n]),
                        bits(&shifted.norms()[j..j + n]),
                        "{scale} {isa:?} row {y}"
                    );
                }
                let escaped = whole.norms().iter().filter(|n| **n >= 0.0).count();
                assert!(escaped > 0, "{scale}: no pixel escaped");
                eprintln!("{scale} {isa:?}: {escaped} escaped, {} proven by Newton", proven.load(Ordering::Relaxed));
            }
        }
    }
}
