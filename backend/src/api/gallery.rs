//! The web gallery (faafo-spec §3.9): `/`, `/index` and `/index/<n>`, five fractals a
//! page, and the few static files it needs under `/static/`.
//!
//! What differs from the original, and why:
//! - **Self-contained.** The original loaded Bootstrap and jQuery from a CDN, so the
//!   gallery lost its layout offline and on cloud networks without egress. The stylesheet
//!   and icon here are compiled into the binary (`include_bytes!`, from `assets/web/`), and
//!   a `Content-Security-Policy` forbids fetching anything from elsewhere — so a stray
//!   external link would show up as broken in the browser test rather than pass unnoticed.
//! - **Every fractal, with its status.** The original listed only finished rows and had no
//!   status column; a fractal that never rendered was invisible. Here pending, rendering
//!   and failed ones are shown too (a placeholder instead of a broken image, and the error
//!   for a failed one), newest first, because "did my fractal arrive?" is the question
//!   people open the gallery with.
//! - **Bad page numbers** were a bare Werkzeug 404 (`/index/abc`) or undefined
//!   (`/index/0`); here they are a 404 page that says what a page number is. A page past
//!   the end is a 200 page that says how many pages there are, as the original rendered it
//!   empty (`error_out=False`).
//!
//! HTML is built with plain string formatting: the page is small and fixed, and one
//! [`escape`] applied at every interpolation is easier to audit than a template engine's
//! escaping rules, and adds no dependency.

use std::fmt::Write as _;
use std::sync::LazyLock;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;
use crate::wire::fractal::{Fractal, Status, column};
use crate::wire::paging::Paging;
use crate::wire::search::{Order, Search};

/// Fractals per page, as in the original.
pub const PER_PAGE: u64 = 5;

/// The page title, the original's.
pub const TITLE: &str = "First App Application for OpenStack";

/// Pages above this are certainly past the end (it would take 5·10¹² rows); they are not
/// sent to the database, whose `OFFSET` would overflow.
const MAX_QUERY_PAGE: u64 = 1_000_000_000_000;

/// Nothing but this server's own styles and images; no scripts at all.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; img-src 'self'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// A file served under `/static/`.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// Everything under `/static/`, compiled in so the binary stays one file.
const ASSETS: [Asset; 2] = [
    Asset {
        name: "gallery.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../../assets/web/gallery.css"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../../../assets/web/favicon.svg"),
    },
];

/// Each asset's content hash (12 hex digits), in [`ASSETS`] order. Pages link to
/// `/static/<name>?v=<hash>`, so a new build changes the URL and browsers may cache a
/// given URL for a year.
static VERSIONS: LazyLock<Vec<String>> =
    LazyLock::new(|| ASSETS.iter().map(|a| faafo_engine::sha256_hex(a.bytes)[..12].to_owned()).collect());

/// The gallery's routes, merged into [`super::routes::router`].
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(first_page))
        .route("/index", get(first_page))
        .route("/index/", get(first_page))
        .route("/index/{page}", get(numbered_page))
        .route("/static/{name}", get(static_file))
}

async fn first_page(State(state): State<AppState>) -> Response {
    gallery_page(&state, 1).await
}

async fn numbered_page(State(state): State<AppState>, Path(page): Path<String>) -> Response {
    match parse_page(&page) {
        Ok(n) => gallery_page(&state, n).await,
        Err(message) => error_page(StatusCode::NOT_FOUND, "No such page", &message),
    }
}

/// A page number from the URL: decimal digits only, 1 or more.
pub fn parse_page(text: &str) -> Result<u64, String> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    match text.parse::<u64>() {
        Ok(n) if digits && n >= 1 => Ok(n),
        // All digits but too large for u64: certainly past the end.
        Err(_) if digits => Ok(u64::MAX),
        _ => Err(format!("“{text}” is not a page number: pages are numbered 1, 2, 3, …")),
    }
}

/// Newest first; the store breaks ties by uuid, so the order is total.
fn newest_first() -> Search {
    Search {
        order_by: column("created_at").map(|column| Order { column, descending: true }).into_iter().collect(),
        ..Search::default()
    }
}

async fn gallery_page(state: &AppState, page: u64) -> Response {
    let paging = Paging { page: page.min(MAX_QUERY_PAGE), results_per_page: PER_PAGE };
    match state.store.search(&newest_first(), Some(paging)).await {
        Ok((total, rows)) => {
            // A page past the end is "not found", like a page number that is not one.
            let status = if page > total_pages(total).max(1) { StatusCode::NOT_FOUND } else { StatusCode::OK };
            html_response(status, render_gallery(&rows, page, total))
        }
        Err(e) => {
            tracing::error!("gallery: {e}");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The database is unavailable",
                "The gallery could not read the fractals; the server log has the details. Try again shortly.",
            )
        }
    }
}

fn html_response(status: StatusCode, html: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            // The list changes as fractals render; always ask again.
            (header::CACHE_CONTROL, "no-cache"),
        ],
        html,
    )
        .into_response()
}

/// A small HTML page for a request the gallery cannot answer.
fn error_page(status: StatusCode, heading: &str, message: &str) -> Response {
    let mut body = String::new();
    let _ = write!(
        body,
        "<section class=\"notice\" role=\"alert\"><h2>{}</h2><p>{}</p><p><a href=\"/\">Go to the first page</a></p>\
         </section>",
        escape(heading),
        escape(message)
    );
    let title = format!("{} {} — {TITLE}", status.as_u16(), escape(heading));
    html_response(status, document(&title, "", &body))
}

/// `/static/<name>`: an embedded file, cached for a year when asked for by its current
/// version, revalidated by `ETag` otherwise.
async fn static_file(Path(name): Path<String>, headers: HeaderMap, uri: axum::http::Uri) -> Response {
    let Some(i) = ASSETS.iter().position(|a| a.name == name) else {
        return (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "no such file\n")
            .into_response();
    };
    let (asset, version) = (&ASSETS[i], &VERSIONS[i]);
    let etag = format!("\"{version}\"");
    let versioned = uri.query().is_some_and(|q| q.split('&').any(|kv| kv == format!("v={version}")));
    let cache = if versioned { "public, max-age=31536000, immutable" } else { "no-cache" };
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag), (header::CACHE_CONTROL, cache.to_owned())])
            .into_response();
    }
    let mut response = (
        StatusCode::OK,
        [(header::ETAG, etag), (header::CACHE_CONTROL, cache.to_owned())],
        axum::body::Bytes::from_static(asset.bytes),
    )
        .into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    response.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// The versioned URL of an embedded file.
fn static_url(name: &str) -> String {
    match ASSETS.iter().position(|a| a.name == name) {
        Some(i) => format!("/static/{name}?v={}", VERSIONS[i]),
        None => format!("/static/{name}"),
    }
}

/// HTML-escapes text for element content and double- or single-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// Percent-encodes one URL path segment. Uuids are client-supplied and only limited to 36
/// characters of any kind, so `/`, `?`, `#` and spaces must not reach a link as they are.
pub fn encode_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A float as the original's template printed it: Python 2 `str()`, i.e. `%.12g` with
/// `.0` added to whole numbers (`-2.0`, `0.333333333333`, `1e+16`).
pub fn py_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }
    // 12 significant digits, rounded; the exponent is the rounded value's.
    let sci = format!("{x:.11e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |s: &str| -> String {
        if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s.to_owned() }
    };
    if (-4..12).contains(&exp) {
        let decimals = (11 - exp) as usize;
        let fixed = trim(&format!("{x:.decimals$}"));
        if fixed.contains('.') { fixed } else { format!("{fixed}.0") }
    } else {
        format!("{}e{}{:02}", trim(mantissa), if exp < 0 { '-' } else { '+' }, exp.unsigned_abs())
    }
}

/// A render time: the original's `<seconds> seconds`, except that below a millisecond
/// (common with the fast renderer) `2.4423e-05 seconds` reads worse than `24.4 µs`.
pub fn duration_text(seconds: f64) -> String {
    if seconds > 0.0 && seconds < 1e-3 {
        format!("{:.1} µs", seconds * 1e6)
    } else {
        format!("{} seconds", py_float(seconds))
    }
}

/// Number of pages for `total` fractals: 0 for an empty gallery, as the original.
pub fn total_pages(total: u64) -> u64 {
    total.div_ceil(PER_PAGE)
}

/// The page links to show, `None` for a gap (`…`): Flask-SQLAlchemy's `iter_pages`
/// with the original's defaults — the first 2 pages, 2 before the current one to 4 after
/// it, and the last 2.
pub fn page_numbers(page: u64, pages: u64) -> Vec<Option<u64>> {
    let mut numbers: Vec<u64> = (1..=pages.min(2))
        .chain(page.saturating_sub(2).max(1)..=page.saturating_add(4).min(pages))
        .chain(pages.saturating_sub(1).max(1)..=pages)
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    let mut out = Vec::with_capacity(numbers.len() + 2);
    let mut last = 0;
    for n in numbers {
        if n != last + 1 {
            out.push(None);
        }
        out.push(Some(n));
        last = n;
    }
    out
}

/// The previous and next page to link to, if any. From past the end, "previous" goes to
/// the last page, which is more use than the page before a page that does not exist.
pub fn neighbours(page: u64, pages: u64) -> (Option<u64>, Option<u64>) {
    let previous = (page > 1).then(|| (page - 1).min(pages.max(1)));
    let next = (page < pages).then(|| page + 1);
    (previous, next)
}

/// The `<nav>` shown above and below the list.
fn pagination(page: u64, pages: u64, position: &str) -> String {
    let mut out = String::new();
    let (previous, next) = neighbours(page, pages);
    let _ = write!(out, "<nav class=\"pagination {position}\" aria-label=\"Pages ({position} the list)\">");
    match previous {
        Some(p) => {
            let _ = write!(
                out,
                "<a class=\"pg\" rel=\"prev\" href=\"/index/{p}\" aria-label=\"Previous page\">«<span class=\"label\"> \
                 Previous</span></a>"
            );
        }
        None => out.push_str(
            "<span class=\"pg disabled\" aria-disabled=\"true\">«<span class=\"label\"> Previous</span></span>",
        ),
    }
    out.push_str("<ol>");
    for n in page_numbers(page, pages.max(1)) {
        match n {
            Some(n) if n == page => {
                let _ = write!(out, "<li><span class=\"pg\" aria-current=\"page\">{n}</span></li>");
            }
            Some(n) => {
                let _ = write!(out, "<li><a class=\"pg\" href=\"/index/{n}\">{n}</a></li>");
            }
            None => out.push_str("<li><span class=\"pg gap\" aria-hidden=\"true\">…</span></li>"),
        }
    }
    out.push_str("</ol>");
    match next {
        Some(n) => {
            let _ = write!(
                out,
                "<a class=\"pg\" rel=\"next\" href=\"/index/{n}\" aria-label=\"Next page\"><span class=\"label\">Next \
                 </span>»</a>"
            );
        }
        None => out
            .push_str("<span class=\"pg disabled\" aria-disabled=\"true\"><span class=\"label\">Next </span>»</span>"),
    }
    out.push_str("</nav>");
    out
}

/// A missing value.
const NONE: &str = "<span class=\"none\">—</span>";

fn or_none(value: Option<String>) -> String {
    value.unwrap_or_else(|| NONE.to_owned())
}

/// One fractal: its thumbnail (or a placeholder) and the original's fields plus status.
fn card(f: &Fractal) -> String {
    let uuid = escape(&f.uuid);
    let href = escape(&format!("/fractal/{}", encode_segment(&f.uuid)));
    let status = f.status.as_str();
    let mut out = String::new();
    let _ = write!(out, "<li class=\"card\" data-uuid=\"{uuid}\" data-status=\"{status}\">");
    if f.status == Status::Done && f.checksum.is_some() {
        let _ = write!(
            out,
            "<a class=\"thumb\" href=\"{href}\"><img src=\"{href}\" alt=\"Fractal {uuid}, {w} × {h} pixels\" \
             loading=\"lazy\" decoding=\"async\" width=\"{w}\" height=\"{h}\"></a>",
            w = f.width,
            h = f.height
        );
    } else {
        let label = match f.status {
            Status::Done => "no image",
            Status::Rendering => "rendering…",
            other => other.as_str(),
        };
        let _ =
            write!(out, "<div class=\"thumb placeholder {status}\" role=\"img\" aria-label=\"{label}\">{label}</div>");
    }
    out.push_str("<table class=\"fields\"><tbody>");
    let mut row = |name: &str, value: String| {
        let _ = write!(out, "<tr><th scope=\"row\">{name}</th><td>{value}</td></tr>");
    };
    row("UUID", format!("<code>{uuid}</code>"));
    row("Status", format!("<span class=\"status {status}\">{status}</span>"));
    row("Duration", or_none(f.duration.map(duration_text)));
    row("Dimensions", format!("{} × {} px", f.width, f.height));
    row("Iterations", f.iterations.to_string());
    row(
        "Parameters",
        format!(
            "<pre>xa = {}\nxb = {}\nya = {}\nyb = {}</pre>",
            py_float(f.xa),
            py_float(f.xb),
            py_float(f.ya),
            py_float(f.yb)
        ),
    );
    row("Filesize", or_none(f.size.map(|s| format!("{s} bytes"))));
    row("Checksum", or_none(f.checksum.as_deref().map(|c| format!("<code class=\"hash\">{}</code>", escape(c)))));
    row("Generated by", or_none(f.generated_by.as_deref().map(escape)));
    if f.status == Status::Failed {
        let error = f.error.as_deref().unwrap_or("(no error recorded)");
        let _ = write!(out, "<tr class=\"error\"><th scope=\"row\">Error</th><td>{}</td></tr>", escape(error));
    }
    out.push_str("</tbody></table></li>");
    out
}

/// The whole gallery page: `rows` are page `page`'s fractals out of `total`.
pub fn render_gallery(rows: &[Fractal], page: u64, total: u64) -> String {
    let pages = total_pages(total);
    let noun = if total == 1 { "fractal" } else { "fractals" };
    let summary = format!("{total} {noun}, newest first · page {page} of {}", pages.max(1));
    let mut main = pagination(page, pages, "above");
    if rows.is_empty() {
        let (heading, message) = if total == 0 {
            (
                "No fractals yet".to_owned(),
                "Create some with <code>faafo create</code> or <code>POST /v1/fractal</code>; they appear here \
                 as they are rendered."
                    .to_owned(),
            )
        } else {
            let (verb, plural) = if pages == 1 { ("is", "") } else { ("are", "s") };
            (
                format!("Page {page} is past the end"),
                format!(
                    "There {verb} {pages} page{plural} of fractals. <a href=\"/index/{pages}\">Go to the last page</a>."
                ),
            )
        };
        let _ = write!(main, "<section class=\"notice\"><h2>{heading}</h2><p>{message}</p></section>");
    } else {
        main.push_str("<ol class=\"gallery\">");
        for f in rows {
            main.push_str(&card(f));
        }
        main.push_str("</ol>");
    }
    main.push_str(&pagination(page, pages, "below"));
    document(TITLE, &summary, &main)
}

/// The page frame around `main`. Every argument is HTML already: callers escape.
fn document(title: &str, summary: &str, main: &str) -> String {
    let mut out = String::with_capacity(main.len() + 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title>\
         <link rel=\"icon\" href=\"{icon}\" type=\"image/svg+xml\">\
         <link rel=\"stylesheet\" href=\"{css}\">\
         </head><body><header class=\"top\"><div class=\"wrap\">\
         <a class=\"brand\" href=\"/\"><img src=\"{icon}\" alt=\"\" width=\"24\" height=\"24\">faafo</a>\
         <h1>{TITLE}</h1><p class=\"summary\">{summary}</p></div></header><main class=\"wrap\">{main}</main>\
         <footer class=\"bottom\"><div class=\"wrap\">The same fractals as JSON: \
         <a href=\"/v1/fractal\">/v1/fractal</a> · <a href=\"/health\">health</a></div></footer></body></html>\n",
        icon = static_url("favicon.svg"),
        css = static_url("gallery.css"),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fractal(uuid: &str, status: Status) -> Fractal {
        let done = status == Status::Done;
        Fractal {
            uuid: uuid.to_owned(),
            checksum: done.then(|| "ab".repeat(32)),
            duration: done.then_some(0.8725259304046631),
            size: done.then_some(1234),
            ya: -2.0,
            generated_by: done.then(|| "worker-1".to_owned()),
            status,
            created_at: "2026-01-01T00:00:00.000000Z".to_owned(),
            updated_at: "2026-01-01T00:00:00.000000Z".to_owned(),
            seed: None,
            ..Fractal::example()
        }
    }

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x" title='y'>&amp;</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;"
        );
        assert_eq!(escape("plain ünïcode — ok"), "plain ünïcode — ok");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(encode_segment("212e8c23-e67f-4bd3-86e1-5a5e811ee2f4"), "212e8c23-e67f-4bd3-86e1-5a5e811ee2f4");
        assert_eq!(encode_segment("a/b?c#d e\"é"), "a%2Fb%3Fc%23d%20e%22%C3%A9");
    }

    #[test]
    fn hostile_values_are_escaped_everywhere() {
        let mut f = fractal("\"><script>x</script>", Status::Failed);
        f.generated_by = Some("<img src=x onerror=alert(1)>".to_owned());
        f.error = Some("<b>boom</b> & 'quotes'".to_owned());
        let html = render_gallery(&[f], 1, 1);
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<img src=x"), "{html}");
        assert!(!html.contains("<b>boom"), "{html}");
        assert!(html.contains("&lt;b&gt;boom&lt;/b&gt; &amp; &#39;quotes&#39;"), "{html}");
        assert!(html.contains("data-uuid=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\""), "{html}");
        let mut done = fractal("a/b?c", Status::Done);
        done.checksum = Some("<c>".to_owned());
        let html = render_gallery(&[done], 1, 1);
        assert!(html.contains("src=\"/fractal/a%2Fb%3Fc\""), "{html}");
        assert!(html.contains("&lt;c&gt;"), "{html}");
    }

    #[test]
    fn parse_page_accepts_positive_integers_only() {
        assert_eq!(parse_page("1"), Ok(1));
        assert_eq!(parse_page("0042"), Ok(42));
        assert_eq!(parse_page("99999999999999999999999"), Ok(u64::MAX));
        for bad in ["0", "000", "abc", "", "-1", "+2", "1.5", " 3", "1e3"] {
            let e = parse_page(bad).unwrap_err();
            assert!(e.contains("is not a page number"), "{bad}: {e}");
        }
    }

    #[test]
    fn total_pages_is_a_ceiling() {
        assert_eq!(total_pages(0), 0);
        assert_eq!(total_pages(1), 1);
        assert_eq!(total_pages(5), 1);
        assert_eq!(total_pages(6), 2);
        assert_eq!(total_pages(12), 3);
        assert_eq!(total_pages(u64::MAX), u64::MAX / 5); // a multiple of 5
        assert_eq!(total_pages(u64::MAX - 1), u64::MAX / 5);
    }

    #[test]
    fn page_numbers_follow_iter_pages() {
        let show = |page, pages| {
            page_numbers(page, pages)
                .into_iter()
                .map(|n| n.map_or("…".to_owned(), |n| n.to_string()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(show(1, 0), "");
        assert_eq!(show(1, 1), "1");
        assert_eq!(show(2, 3), "1 2 3");
        assert_eq!(show(1, 10), "1 2 3 4 5 … 9 10");
        assert_eq!(show(6, 20), "1 2 … 4 5 6 7 8 9 10 … 19 20");
        assert_eq!(show(20, 20), "1 2 … 18 19 20");
        assert_eq!(show(4, 9), "1 2 3 4 5 6 7 8 9");
        // Past the end: the edges only.
        assert_eq!(show(50, 20), "1 2 … 19 20");
        assert_eq!(show(u64::MAX, u64::MAX / 5 + 1).split(' ').count(), 5);
    }

    #[test]
    fn neighbours_stay_in_range() {
        assert_eq!(neighbours(1, 3), (None, Some(2)));
        assert_eq!(neighbours(2, 3), (Some(1), Some(3)));
        assert_eq!(neighbours(3, 3), (Some(2), None));
        assert_eq!(neighbours(1, 0), (None, None));
        assert_eq!(neighbours(9, 3), (Some(3), None));
        assert_eq!(neighbours(9, 0), (Some(1), None));
    }

    #[test]
    fn floats_print_like_python2_str() {
        assert_eq!(py_float(-1.77488588389), "-1.77488588389");
        assert_eq!(py_float(-2.0), "-2.0");
        assert_eq!(py_float(1.0 / 3.0), "0.333333333333");
        assert_eq!(py_float(0.8725259304046631), "0.872525930405");
        assert_eq!(py_float(5.29589), "5.29589");
        assert_eq!(py_float(1e16), "1e+16");
        assert_eq!(py_float(1.5e-5), "1.5e-05");
        assert_eq!(py_float(0.0001), "0.0001");
        assert_eq!(py_float(123456789012.0), "123456789012.0");
        assert_eq!(py_float(1234567890123.0), "1.23456789012e+12");
        assert_eq!(py_float(999999999999.5), "1e+12");
        assert_eq!(py_float(0.0), "0.0");
        assert_eq!(py_float(f64::NAN), "nan");
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(duration_text(5.29589), "5.29589 seconds");
        assert_eq!(duration_text(0.0012), "0.0012 seconds");
        assert_eq!(duration_text(2.4423e-5), "24.4 µs");
        assert_eq!(duration_text(0.0), "0.0 seconds");
    }

    #[test]
    fn page_shows_fields_status_and_both_paginations() {
        let rows = [fractal("u-done", Status::Done), fractal("u-pending", Status::Pending)];
        let html = render_gallery(&rows, 2, 12);
        assert!(html.contains(&format!("<title>{TITLE}</title>")));
        assert!(html.contains("name=\"viewport\""));
        assert_eq!(html.matches("<nav class=\"pagination").count(), 2);
        assert_eq!(html.matches("rel=\"next\" href=\"/index/3\"").count(), 2);
        assert_eq!(html.matches("rel=\"prev\" href=\"/index/1\"").count(), 2);
        assert_eq!(html.matches("<li class=\"card\"").count(), 2);
        // The done one has its image; the pending one a placeholder, not a broken image.
        assert_eq!(html.matches("<img src=\"/fractal/").count(), 1);
        assert!(html.contains("loading=\"lazy\""));
        assert!(html.contains("class=\"thumb placeholder pending\""));
        for text in [
            "0.872525930405 seconds",
            "510 × 278 px",
            "<td>281</td>",
            "xa = -3.35289571957\nxb = 1.14284576031\nya = -2.0\nyb = 2.47865402656",
            "1234 bytes",
            &"ab".repeat(32),
            "worker-1",
            "<span class=\"status done\">done</span>",
            "<span class=\"status pending\">pending</span>",
        ] {
            assert!(html.contains(text), "missing {text:?}");
        }
        // Nothing from elsewhere.
        assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("//cdn"));
    }

    #[test]
    fn failed_shows_its_error() {
        let mut f = fractal("u", Status::Failed);
        f.error = Some("renderer crashed".to_owned());
        let html = render_gallery(&[f], 1, 1);
        assert!(html.contains("<tr class=\"error\"><th scope=\"row\">Error</th><td>renderer crashed</td></tr>"));
        assert!(html.contains("class=\"thumb placeholder failed\""));
    }

    #[test]
    fn empty_and_past_the_end_pages_say_so() {
        let html = render_gallery(&[], 1, 0);
        assert!(html.contains("No fractals yet"));
        let html = render_gallery(&[], 7, 12);
        assert!(html.contains("Page 7 is past the end"));
        assert!(html.contains("There are 3 pages"));
        assert!(html.contains("href=\"/index/3\""));
    }

    #[test]
    fn assets_are_embedded_and_versioned() {
        assert!(static_url("gallery.css").starts_with("/static/gallery.css?v="));
        assert_eq!(VERSIONS.len(), ASSETS.len());
        assert!(ASSETS.iter().all(|a| !a.bytes.is_empty()));
        let css = std::str::from_utf8(ASSETS[0].bytes).unwrap_or_default();
        assert!(!css.contains("url(") && !css.contains("@import"), "the stylesheet must not fetch anything");
    }
}
