//! Neighbouring pixels in lockstep: while they are at the same place of the same
//! reference orbit and take the same decisions (skip the same length, or step), one
//! pass of the stretch loop advances all of them — one set of branches, and each
//! operation one vector instruction for all lanes. Where their decisions part, the
//! group splits: a run of four goes on as two pairs where each pair still agrees, and a
//! pair's pixels go on alone.
//!
//! Why: a pixel's op (a skip or a step, then its tests) costs a dozen dependent
//! multiplies and adds, a climb through the table's levels and a few branches; spread
//! over the lanes of a vector, the same instructions and branches serve two or four
//! pixels. Neighbours deep in a view follow the same path for most of their iterations
//! (measured with an instrumented build: of the ops of scripts/bench-deep.sh's views, 91 %
//! (c), 90 % (a) and 57 % (b) lie in the common start of horizontal pairs, 85 %, 77 % and
//! 49 % in that of runs of four). Interleaving two pixels that take their own decisions
//! was slower: their branches no longer predict.
//!
//! Each pixel's arithmetic and decisions are exactly those it takes alone (the same
//! operations in the same order, each lane in its own vector element, no fused
//! multiply-add; the lanes only share the control flow), so its count and |z|² do not
//! depend on its neighbours.

use super::super::floatexp::ComplexExp;
use super::super::newton::Rebases;
use super::{Context, Lane, Op, Outcome, W_LOW};

mod pack;
use pack::{P2, P4, Pack};

impl Context<'_> {
    /// Two neighbouring pixels at `dcs` from the reference point.
    #[inline(always)]
    pub(super) fn pixels2(&self, dcs: [ComplexExp; 2]) -> [Outcome; 2] {
        self.finish2(dcs.map(|dc| self.start(dc)), [Rebases::default(); 2])
    }

    /// Four neighbouring pixels: together while all agree, then as two pairs.
    ///
    /// Only for the per-pixel loop's variants with AVX ([`P4`] is a 256-bit vector).
    #[inline(always)]
    pub(super) fn pixels4(&self, dcs: [ComplexExp; 4]) -> [Outcome; 4] {
        let mut started = dcs.map(|dc| self.start(dc));
        let mut rebases = [Rebases::default(); 4];
        if let [Ok(a), Ok(b), Ok(c), Ok(d)] = started {
            let mut lanes = [a, b, c, d];
            let done = self.together::<4, P4>(&mut lanes, &mut rebases);
            started = std::array::from_fn(|l| done[l].map_or(Ok(lanes[l]), Err));
        }
        let [a, b, c, d] = started;
        let [ra, rb, rc, rd] = rebases;
        let [x, y] = self.finish2([a, b], [ra, rb]);
        let [z, w] = self.finish2([c, d], [rc, rd]);
        [x, y, z, w]
    }

    /// Two lanes (or their outcomes, where they ended) with their rebases so far, to
    /// their ends: together while they agree, then alone.
    #[inline(always)]
    fn finish2(&self, started: [Result<Lane, Outcome>; 2], mut rebases: [Rebases; 2]) -> [Outcome; 2] {
        match started {
            [Ok(a), Ok(b)] => {
                let mut lanes = [a, b];
                let done = self.together::<2, P2>(&mut lanes, &mut rebases);
                std::array::from_fn(|l| done[l].unwrap_or_else(|| self.finish(lanes[l], rebases[l])))
            }
            [a, b] => {
                let alone = |r: Result<Lane, Outcome>, rebases| r.map_or_else(|o| o, |l| self.finish(l, rebases));
                [alone(a, rebases[0]), alone(b, rebases[1])]
            }
        }
    }

    /// Runs `lanes` together while they are at the same state and agree. Returns the
    /// outcomes of lanes that ended; the others are left where the group parted (each
    /// goes on from there as it would alone).
    #[inline(always)]
    fn together<const N: usize, V: Pack<N>>(
        &self,
        lanes: &mut [Lane; N],
        rebases: &mut [Rebases; N],
    ) -> [Option<Outcome>; N] {
        let mut done = [None; N];
        let first = lanes[0];
        if lanes.iter().all(|l| l.scaled == first.scaled && l.st == first.st) {
            if first.scaled {
                self.together_on::<true, N, V>(lanes, rebases, &mut done);
            } else {
                self.together_on::<false, N, V>(lanes, rebases, &mut done);
            }
        }
        done
    }

    /// [`Context::together`] on plain doubles or rescaled.
    #[inline(always)]
    fn together_on<const SCALED: bool, const N: usize, V: Pack<N>>(
        &self,
        lanes: &mut [Lane; N],
        rebases: &mut [Rebases; N],
        done: &mut [Option<Outcome>; N],
    ) {
        loop {
            let heads: [Option<Op>; N] = std::array::from_fn(|l| self.head::<SCALED>(&mut lanes[l]));
            let ops = if heads.iter().all(Option::is_none) {
                match self.stretch::<SCALED, N, V>(lanes) {
                    Some(ops) => ops,
                    // Their decisions part here.
                    None => return,
                }
            } else {
                heads
            };
            for (l, op) in ops.into_iter().enumerate() {
                if let Some(op) = op
                    && let Err(o) = self.settle::<SCALED>(&mut lanes[l], op, &mut rebases[l])
                {
                    done[l] = Some(o);
                }
            }
            if done.iter().any(Option::is_some) || lanes.iter().any(|l| l.st != lanes[0].st) {
                return;
            }
        }
    }

    #[inline(always)]
    fn head<const SCALED: bool>(&self, lane: &mut Lane) -> Option<Op> {
        if SCALED { self.head_scaled(lane) } else { self.head64(lane) }
    }

    /// The stretch loop ([`Context::op64`], [`Context::op_scaled`]) of lanes at the same
    /// state, one pass for all, until one has an event (escape, rebase, rescaling) or
    /// they reach the stretch's end: then each lane's op, `None` for a lane without one.
    /// `None` when their decisions part first; the lanes are then at the state where
    /// they do, as each would be alone.
    ///
    /// The lanes' values are packed ([`Pack`]: lane l in element l), so each operation of
    /// the loop is one vector instruction for all. The tests are done packed too, for the
    /// common case that nothing happens; where something does, the lanes' own tests
    /// decide.
    #[inline(always)]
    fn stretch<const SCALED: bool, const N: usize, V: Pack<N>>(
        &self,
        lanes: &mut [Lane; N],
    ) -> Option<[Option<Op>; N]> {
        let all = (1u32 << N) - 1;
        let (m0, n0, which) = (lanes[0].st.m, lanes[0].st.n, lanes[0].st.which);
        let orbit = self.orbits[which];
        let bla = self.blas[which];
        let last = (orbit.len() - 1).min(m0 + (self.n_max - n0) as usize);
        let pack = |f: fn(&Lane) -> f64| V::from_fn(|l| f(&lanes[l]));
        let scale = pack(|l| l.scale);
        let (dc_re, dc_im) = (pack(|l| l.dc[0]), pack(|l| l.dc[1]));
        let (step_re, step_im) = (pack(|l| l.dc_step[0]), pack(|l| l.dc_step[1]));
        // w (δ = w·2^s when rescaled), as each lane holds it.
        let (mut re, mut im) = (pack(|l| l.w[0]), pack(|l| l.w[1]));
        // What each lane multiplies w by: 2^s when rescaled; nothing on plain doubles.
        let scaled = |v: V| if SCALED { scale * v } else { v };
        let mut m = m0;
        let mut node = *bla.node(m);
        let events = loop {
            // |w|₁ (times 2^s) as each lane compares it with the radii.
            let d1 = if SCALED { (re.abs() + im.abs()) * scale } else { re.abs() + im.abs() };
            let skip = d1.lt(V::splat(node.r0));
            if skip != 0 && skip != all {
                break false;
            }
            if skip != 0 {
                let Some((s, l)) = bla.skip64_group(m, d1.to_array(), (last - m) as u32) else { break false };
                let (a0, a1, b0, b1) = (V::splat(s.a[0]), V::splat(s.a[1]), V::splat(s.b[0]), V::splat(s.b[1]));
                (re, im) =
                    (a0 * re - a1 * im + (b0 * dc_re - b1 * dc_im), a0 * im + a1 * re + (b0 * dc_im + b1 * dc_re));
                m += l as usize;
            } else {
                // δ ← (2Z + δ)·δ + δc
                let z = node.z;
                let (tr, ti) = (V::splat(2.0 * z[0]) + scaled(re), V::splat(2.0 * z[1]) + scaled(im));
                (re, im) = (tr * re - ti * im + step_re, tr * im + ti * re + step_im);
                m += 1;
            }
            node = *bla.node(m);
            // The escape, rebase and rescaling tests of `test64` / `test_scaled`.
            let (x, y) = (V::splat(node.z[0]) + scaled(re), V::splat(node.z[1]) + scaled(im));
            let norm = x * x + y * y;
            let w_inf = V::norm_inf(re, im);
            let escaped = norm.not_le(V::splat(self.r2));
            let rebase = V::norm_inf(x, y).lt(scaled(w_inf));
            let low = if SCALED { w_inf.not_ge(V::splat(W_LOW)) } else { 0 };
            if escaped | rebase | low != 0 {
                break true;
            }
            if m >= last {
                break false;
            }
        };
        let n = n0 + (m - m0) as u32;
        let (re, im) = (re.to_array(), im.to_array());
        for (l, lane) in lanes.iter_mut().enumerate() {
            lane.st.m = m;
            lane.st.n = n;
            lane.w = [re[l], im[l]];
        }
        if events {
            // The lanes' own tests, on the same values: at least one has its event.
            let z = node.z;
            return Some(std::array::from_fn(|l| {
                let lane = &mut lanes[l];
                if SCALED {
                    self.test_scaled(lane, orbit, bla)
                } else {
                    let mut w = lane.w;
                    let op = self.test64(&mut lane.st, &mut w, z);
                    lane.w = w;
                    op
                }
            }));
        }
        (m >= last).then(|| std::array::from_fn(|_| Some(Op::Continue)))
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

    /// Windows one and two columns in from the left group every pixel with other
    /// neighbours: each pixel must come out the same bit for bit, on plain doubles (near
    /// the minibrot of scripts/bench-deep.sh's view b, with rebases, cycles and Newton's
    /// method) and rescaled (its view c at 1e-300), on every instruction set this CPU has
    /// (pairs on the baseline, runs of four with AVX).
    #[test]
    fn a_pixel_is_the_same_whichever_neighbours_it_runs_with() {
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
                // One column in pairs every pixel with its other neighbour; two shift the
                // runs of four by half.
                for x in [1, 2] {
                    let shifted = render(Window { x, y: 0, width: w - x, height: h });
                    let n = (w - x) as usize;
                    for y in 0..h as usize {
                        let (i, j) = (y * w as usize + x as usize, y * n);
                        assert_eq!(
                            &whole.counts()[i..i + n],
                            &shifted.counts()[j..j + n],
                            "{scale} {isa:?} x {x} row {y}"
                        );
                        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                        let (a, b) = (bits(&whole.norms()[i..i + n]), bits(&shifted.norms()[j..j + n]));
                        assert_eq!(a, b, "{scale} {isa:?} x {x} row {y}");
                    }
                }
                let escaped = whole.norms().iter().filter(|n| **n >= 0.0).count();
                assert!(escaped > 0, "{scale}: no pixel escaped");
                eprintln!("{scale} {isa:?}: {escaped} escaped, {} proven by Newton", proven.load(Ordering::Relaxed));
            }
        }
    }
}
