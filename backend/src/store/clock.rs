//! Timestamps as RFC 3339 UTC text with microseconds: sortable as text, the same in every
//! database, and readable in `faafo show`.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, e.g. `2026-11-27T04:39:21.123456Z`.
pub fn now_rfc3339() -> String {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    format_unix(since.as_secs() as i64, since.subsec_micros())
}

/// Formats seconds since the Unix epoch (UTC) plus microseconds.
pub fn format_unix(secs: i64, micros: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Seconds from `rfc3339` (as [`format_unix`] writes it) until now; `None` when the text
/// is not in that form.
pub fn seconds_since(rfc3339: &str) -> Option<f64> {
    let then = parse_unix(rfc3339)?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64();
    Some(now - then)
}

/// Seconds since the Unix epoch of `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`.
fn parse_unix(text: &str) -> Option<f64> {
    let text = text.strip_suffix('Z')?;
    let (date, time) = text.split_once('T')?;
    let mut ymd = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (ymd.next()??, ymd.next()??, ymd.next()??);
    let (hms, fraction) = time.split_once('.').unwrap_or((time, "0"));
    let mut parts = hms.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (h, min, s) = (parts.next()??, parts.next()??, parts.next()??);
    let fraction: f64 = format!("0.{fraction}").parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, m as u32, d as u32);
    Some((days * 86_400 + h * 3600 + min * 60 + s) as f64 + fraction)
}

/// Howard Hinnant's `days_from_civil`: the day count of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's `civil_from_days`: proleptic Gregorian date of a day count.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(format_unix(0, 0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(format_unix(951_782_400, 5), "2000-02-29T00:00:00.000005Z");
        assert_eq!(format_unix(1_795_750_761, 123_456), "2026-11-27T03:39:21.123456Z");
        assert!(now_rfc3339().as_str() > "2026-01-01");
        for (secs, micros) in [(0, 0), (951_782_400, 5), (1_795_750_761, 123_456), (4_107_542_400, 999_999)] {
            let parsed = parse_unix(&format_unix(secs, micros)).unwrap();
            assert!((parsed - (secs as f64 + f64::from(micros) * 1e-6)).abs() < 1e-5, "{secs}");
        }
        assert!(parse_unix("yesterday").is_none());
        let age = seconds_since(&now_rfc3339()).unwrap();
        assert!((0.0..5.0).contains(&age), "{age}");
    }
}
