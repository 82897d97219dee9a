//! What the service verbs print: PrettyTable-style tables (the original's look), JSON,
//! and the small formatting rules they share.

use std::fmt::Write as _;
use std::io::Write as _;

use clap::ValueEnum;
use serde::Serialize;

use crate::client::Fractal;

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Tables as the original printed them.
    Table,
    /// JSON on stdout, for scripts.
    Json,
}

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Flush left.
    Left,
    /// Centred (PrettyTable's default).
    Centre,
}

/// A table drawn as PrettyTable 0.7 draws it: `+---+` rules, `| a | b |` rows.
#[derive(Debug, Clone)]
pub struct Table {
    headers: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers, all aligned `align`.
    pub fn new(headers: &[&str], align: Align) -> Self {
        Self {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            align: vec![align; headers.len()],
            rows: vec![],
        }
    }

    /// Adds a row (missing cells are empty, extra ones dropped).
    pub fn row(&mut self, cells: Vec<String>) {
        let mut cells = cells;
        cells.resize(self.headers.len(), String::new());
        self.rows.push(cells);
    }

    /// The table as text, ending in a newline.
    pub fn render(&self) -> String {
        let chars = |s: &str| s.chars().count();
        let widths: Vec<usize> = (0..self.headers.len())
            .map(|i| self.rows.iter().map(|r| chars(&r[i])).chain([chars(&self.headers[i])]).max().unwrap_or(0))
            .collect();
        let rule = {
            let mut s = String::from("+");
            for w in &widths {
                s.push_str(&"-".repeat(w + 2));
                s.push('+');
            }
            s
        };
        let line = |cells: &[String], header: bool| {
            let mut s = String::from("|");
            for (i, cell) in cells.iter().enumerate() {
                let pad = widths[i] - chars(cell);
                // PrettyTable centres headers unless the column is left-aligned.
                let (left, right) = match self.align[i] {
                    Align::Left => (0, pad),
                    Align::Centre if header || pad > 0 => (pad / 2, pad - pad / 2),
                    Align::Centre => (0, 0),
                };
                let _ = write!(s, " {}{cell}{} |", " ".repeat(left), " ".repeat(right));
            }
            s
        };
        let mut out = String::new();
        let _ = writeln!(out, "{rule}");
        let _ = writeln!(out, "{}", line(&self.headers, true));
        let _ = writeln!(out, "{rule}");
        for r in &self.rows {
            let _ = writeln!(out, "{}", line(r, false));
        }
        let _ = writeln!(out, "{rule}");
        out
    }
}

/// Writes `text` to stdout, flushed (so uuids appear as fractals are created). A closed
/// pipe (`faafo list | head`) is not an error worth a message.
pub fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Pretty JSON on stdout.
pub fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    print(&text);
    Ok(())
}

/// `952 x 382 pixels`, the original's dimensions.
pub fn dimensions(f: &Fractal) -> String {
    format!("{} x {} pixels", f.width, f.height)
}

/// `34239 bytes`, or `-` before there is an image.
pub fn filesize(f: &Fractal) -> String {
    f.size.map_or_else(|| "-".to_owned(), |s| format!("{s} bytes"))
}

/// A complex constant as `faafo render --c` takes it.
pub fn complex(re: f64, im: f64) -> String {
    format!("{re},{im}")
}

/// Seconds since the Unix epoch of an RFC 3339 UTC time as the API writes it
/// (`2026-11-27T04:39:21.123456Z`; an offset other than `Z`/`+00:00` is not expected).
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Now, in seconds since the Unix epoch.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// How long ago `created_at` was, roughly: `12s`, `5m`, `3h`, `2d`; `-` when unknown.
pub fn age(created_at: Option<&str>, now: i64) -> String {
    let Some(then) = created_at.and_then(parse_rfc3339) else {
        return "-".to_owned();
    };
    let s = (now - then).max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// A duration in seconds for people: `850ms`, `12.3s`, `4m05s`, `2h10m`.
pub fn human_seconds(s: f64) -> String {
    if !s.is_finite() || s < 0.0 {
        return "?".to_owned();
    }
    if s < 1.0 {
        return format!("{}ms", (s * 1000.0).round() as u64);
    }
    if s < 60.0 {
        return format!("{s:.1}s");
    }
    let whole = s.round() as u64;
    if whole < 3600 {
        format!("{}m{:02}s", whole / 60, whole % 60)
    } else {
        format!("{}h{:02}m", whole / 3600, whole % 3600 / 60)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn tables_look_like_prettytable() {
        let mut t = Table::new(&["Parameter", "Value"], Align::Left);
        t.row(vec!["uuid".into(), "d123e9c1-3934-4ffd-8b09-0032ca2b6564".into()]);
        t.row(vec!["size".into(), "34239 bytes".into()]);
        assert_eq!(
            t.render(),
            "\
+-----------+--------------------------------------+
| Parameter | Value                                |
+-----------+--------------------------------------+
| uuid      | d123e9c1-3934-4ffd-8b09-0032ca2b6564 |
| size      | 34239 bytes                          |
+-----------+--------------------------------------+
"
        );
        let mut c = Table::new(&["UUID", "Dimensions"], Align::Centre);
        c.row(vec!["ab".into(), "952 x 382 pixels".into()]);
        assert_eq!(c.render().lines().nth(3).unwrap(), "|  ab  | 952 x 382 pixels |");
        assert_eq!(c.render().lines().nth(1).unwrap(), "| UUID |    Dimensions    |");
    }

    #[test]
    fn timestamps_and_ages() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2026-11-27T04:39:21.123456Z"), Some(1_795_754_361));
        assert_eq!(parse_rfc3339("2000-02-29T12:00:00Z"), Some(951_825_600));
        assert_eq!(parse_rfc3339("yesterday"), None);
        let t = parse_rfc3339("2026-11-27T04:39:21Z").unwrap();
        assert_eq!(age(Some("2026-11-27T04:39:21Z"), t + 5), "5s");
        assert_eq!(age(Some("2026-11-27T04:39:21Z"), t + 300), "5m");
        assert_eq!(age(Some("2026-11-27T04:39:21Z"), t + 3 * 3600), "3h");
        assert_eq!(age(Some("2026-11-27T04:39:21Z"), t + 2 * 86_400 + 7), "2d");
        assert_eq!(age(None, t), "-");
        assert_eq!(
            (human_seconds(0.25), human_seconds(12.34), human_seconds(245.0)),
            ("250ms".into(), "12.3s".into(), "4m05s".into())
        );
    }
}
