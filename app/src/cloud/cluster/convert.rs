//! Between the explorer's places and the wire: the request for the current view at a
//! size, the location a cluster's fractal stands for, what the wire cannot carry, and the
//! work and time a request is.

use faafo_backend::client::status::ClusterStatus;
use faafo_backend::client::{Fractal as WireFractal, NewFractalRequest};
use faafo_backend::wire::fractal::MULTIBROT_POWER;
use faafo_engine::{Colouring, Fractal, FractalKind, Palette, Region};

use super::errors::InputError;
use crate::model::colour::Look;
use crate::model::location::{Iterations, Location};
use crate::model::view::{Frame, View};

/// Largest side of one task (the engine's pixel cap for one image is 16384²).
pub const MAX_TASK_SIDE: u32 = 16_384;

/// A whole number typed in a field, within `min..=max`.
pub fn parse_number(what: &'static str, text: &str, min: u32, max: u32) -> Result<u32, InputError> {
    let bad = || InputError::Number { what, min: min.into(), max: max.into(), got: text.trim().to_owned() };
    let n = text.trim().replace('_', "").parse::<u64>().map_err(|_| bad())?;
    if (u64::from(min)..=u64::from(max)).contains(&n) { Ok(n as u32) } else { Err(bad()) }
}

/// The request for `location` at `width` × `height` (same centre and width of view as
/// the window), with its kind, constant, iterations and palette.
pub fn view_request(
    location: &Location,
    look: &Look,
    width: u32,
    height: u32,
) -> Result<NewFractalRequest, InputError> {
    if let Fractal::Multibrot { power } = location.fractal
        && power != MULTIBROT_POWER
    {
        return Err(InputError::View(format!(
            "the cluster renders Multibrot with power {MULTIBROT_POWER} only (the wire has no power); this view has power {power}"
        )));
    }
    let region = Region::from_center_scale(location.view.center_f64(), location.view.scale_f64(), width, height);
    let mut request =
        NewFractalRequest::new(width, height, location.max_iterations(), (region.xa, region.xb, region.ya, region.yb));
    // Past doubles the exact location goes too: the worker renders it by perturbation, to
    // the pixels a local save makes.
    if Frame::new(location.view.clone(), width, height).is_deep() {
        request.location = Some(location.view.location());
    }
    request.kind = Some(location.fractal.kind());
    request.c = location.fractal.c();
    request.palette = Some(look.colouring.palette);
    request.uuid = Some(uuid::Uuid::new_v4().to_string());
    Ok(request)
}

/// What the cluster's picture will lack: the wire carries the palette only, with its
/// default offset, cycle length and interior colour.
pub fn colour_note(look: &Look) -> Option<String> {
    if look.custom.is_some() {
        return Some("The cluster colours with an engine palette only: the loaded palette file is not sent.".into());
    }
    let sent = Colouring { palette: look.colouring.palette, ..Colouring::default() };
    (look.colouring != sent).then(|| {
        "The wire carries only the palette: the cluster uses its default offset, cycle length and interior \
         colour, so the colours will differ from this view."
            .to_owned()
    })
}

/// Pixels times the iteration limit of `requests`: the work, for estimates.
pub fn work(requests: &[NewFractalRequest]) -> u64 {
    requests.iter().map(|r| u64::from(r.width) * u64::from(r.height) * u64::from(r.iterations)).sum()
}

/// The preview line: the work and how long it should take at the cluster's recent rate.
pub fn preview(work: u64, status: Option<&ClusterStatus>) -> String {
    let estimate = match status.and_then(|s| s.estimate_seconds(work)) {
        Some(secs) => format!("about {} at the cluster's recent rate", human_seconds(secs)),
        None => "no estimate yet (the cluster has finished nothing recently)".to_owned(),
    };
    format!("Work: {} pixel-iterations; {estimate}", human_count(work))
}

/// `12.3 G` style.
pub fn human_count(n: u64) -> String {
    let n = n as f64;
    for (unit, size) in [("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)] {
        if n >= size {
            return format!("{:.1} {unit}", n / size);
        }
    }
    format!("{n}")
}

/// `45 s`, `3 min 20 s`, `2 h 5 min`.
pub fn human_seconds(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// Where a cluster's fractal is, as an explorer location and its palette.
pub fn location_of(f: &WireFractal) -> Result<(Location, Option<Palette>), InputError> {
    let kind: FractalKind = f
        .kind
        .parse()
        .map_err(|e| InputError::View(format!("fractal {} has a kind the explorer does not know: {e}", f.uuid)))?;
    let fractal = Fractal::from_kind(kind, f.c(), MULTIBROT_POWER, || faafo_engine::classic::FALLBACK_C);
    let view = match f.location().ok().flatten() {
        Some(exact) => View::exact(exact),
        None => View::new((f.xa + f.xb) / 2.0, (f.ya + f.yb) / 2.0, (f.xb - f.xa).abs()),
    };
    let iterations = Iterations::checked(i128::from(f.iterations)).unwrap_or_default();
    let location = Location { fractal, view, iterations };
    location.validate().map_err(|e| InputError::View(format!("fractal {} cannot be shown: {e}", f.uuid)))?;
    let palette = f.palette.parse().ok();
    Ok((location, palette))
}

/// How long ago an RFC 3339 UTC time was (`2025-01-02T03:04:05Z`, fractions and a `Z`
/// or `+00:00` allowed), as `5 min`.
pub fn age(rfc3339: &str, now_unix: i64) -> Option<String> {
    let t = rfc3339.get(..19)?;
    let num = |r: std::ops::Range<usize>| t.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let then = days * 86_400 + hh * 3600 + mm * 60 + ss;
    let secs = (now_unix - then).max(0);
    Some(if secs < 86_400 { human_seconds(secs as f64) } else { format!("{} d", secs / 86_400) })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ages_read_rfc3339() {
        // 2024-03-01T00:00:00Z is 1709251200.
        assert_eq!(age("2024-03-01T00:00:00Z", 1_709_251_200 + 125).as_deref(), Some("2 min 5 s"));
        assert_eq!(age("2024-03-01T00:00:00.123456+00:00", 1_709_251_200 + 3 * 86_400).as_deref(), Some("3 d"));
        assert_eq!(age("yesterday", 0), None);
    }

    use faafo_engine::Complex64;

    #[test]
    fn the_view_goes_over_the_wire_and_comes_back() {
        let location = Location {
            fractal: Fractal::Julia { c: Complex64::new(-0.8, 0.156) },
            view: View::new(0.1, -0.2, 0.5),
            iterations: Iterations::Fixed(700),
        };
        let look = Look::default();
        let r = view_request(&location, &look, 3840, 2160).unwrap();
        assert_eq!((r.kind, r.c, r.iterations), (Some(FractalKind::Julia), location.fractal.c(), 700));
        assert!((r.xb - r.xa - 0.5).abs() < 1e-12);
        let wire = faafo_backend::client::fractal_from(serde_json::json!({
            "uuid": "u", "width": 3840, "height": 2160, "iterations": 700, "xa": r.xa, "xb": r.xb,
            "ya": r.ya, "yb": r.yb, "kind": "julia", "c_re": -0.8, "c_im": 0.156, "palette": "fire"
        }))
        .unwrap();
        let (back, palette) = location_of(&wire).unwrap();
        assert_eq!(back.fractal, location.fractal);
        assert!((back.view.center_f64() - location.view.center_f64()).norm() < 1e-12);
        assert!((back.view.scale_f64() - 0.5).abs() < 1e-12);
        assert_eq!(r.location, None, "a shallow view goes as xa..yb only");
        assert_eq!((back.iterations, palette), (Iterations::Fixed(700), Some(Palette::Fire)));
    }

    #[test]
    fn a_deep_view_goes_as_its_exact_location_and_comes_back() {
        let center = faafo_engine::location::Center::parse(&format!("-1.{}", "25".repeat(160)), "0.01").unwrap();
        let scale = faafo_engine::location::Scale::parse("2e-300").unwrap();
        let location = Location { view: View { center, scale }, ..Location::default() };
        let r = view_request(&location, &Look::default(), 7680, 4320).unwrap();
        assert_eq!(r.location, Some(location.view.location()));
        let mut body = r.body("u");
        body["kind"] = serde_json::json!("mandelbrot");
        let wire = faafo_backend::client::fractal_from(body).unwrap();
        let (back, _) = location_of(&wire).unwrap();
        assert_eq!(back.view, location.view);
    }

    #[test]
    fn what_the_wire_cannot_carry_is_said() {
        let power5 = Location { fractal: Fractal::Multibrot { power: 5 }, ..Location::default() };
        assert!(view_request(&power5, &Look::default(), 100, 100).unwrap_err().to_string().contains("power 3"));
        assert_eq!(colour_note(&Look::default()), None);
        let mut look = Look::default();
        look.colouring.offset = 0.3;
        assert!(colour_note(&look).unwrap().contains("only the palette"));
        assert_eq!(parse_number("width", " 3840 ", 2, 16384), Ok(3840));
        assert!(parse_number("width", "1000000", 2, 16384).unwrap_err().to_string().contains("from 2 to 16384"));
        assert!(parse_number("width", "0", 2, 16384).is_err());
        assert_eq!(human_seconds(200.0), "3 min 20 s");
    }
}
