#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! The web gallery in a real browser: the `faafo-api` binary on a fresh SQLite database,
//! twelve small fractals rendered by its embedded renderer, and headless Chromium driven
//! through chromedriver (WebDriver). It checks what only a browser can tell — the
//! thumbnails really decode, the stylesheet really applies (the page's CSP would block
//! anything external), the pagination links really lead to the next five — and saves
//! screenshots to `artifacts/`: `gallery.png` (desktop), `gallery-last.png` (the last page,
//! with a failed fractal) and `gallery-phone.png` (390 px wide).
//!
//! Chromium and chromedriver are required, not optional: without them this test fails.
//! `.ci/run` installs them (Debian packages `chromium` and `chromium-driver`).

use std::io::{BufRead as _, BufReader};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use fantoccini::{Client, ClientBuilder, Locator};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

const TITLE: &str = "First App Application for OpenStack";
const FRACTALS: usize = 12;
const PER_PAGE: usize = 5;
const DESKTOP_WIDTH: u32 = 1280;
const PHONE_WIDTH: u32 = 390;

/// The browser and its driver: Debian's packages, or `FAAFO_CHROMIUM` / `FAAFO_CHROMEDRIVER`.
fn browser_paths() -> (PathBuf, PathBuf) {
    let path = |var: &str, default: &str| PathBuf::from(std::env::var_os(var).unwrap_or_else(|| default.into()));
    let (chromium, driver) =
        (path("FAAFO_CHROMIUM", "/usr/bin/chromium"), path("FAAFO_CHROMEDRIVER", "/usr/bin/chromedriver"));
    for p in [&chromium, &driver] {
        assert!(
            p.is_file(),
            "{} not found: the gallery test needs Chromium and chromedriver. .ci/run installs them \
             (apt-get install chromium chromium-driver); or set FAAFO_CHROMIUM / FAAFO_CHROMEDRIVER.",
            p.display()
        );
    }
    (chromium, driver)
}

/// Everything the test started; dropping it (also on a panic) ends them and removes the
/// temporary directory.
struct Harness {
    dir: PathBuf,
    server: Option<Child>,
    driver: Option<Child>,
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(mut driver) = self.driver.take() {
            // chromedriver leads its own process group, which holds the Chromium processes.
            // SAFETY: kill(2) with a negative pid signals that group; no memory is involved.
            unsafe { libc::kill(-(driver.id() as libc::pid_t), libc::SIGKILL) };
            let _ = driver.wait();
        }
        if let Some(mut server) = self.server.take() {
            let _ = server.kill();
            let _ = server.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Harness {
    fn new() -> Self {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        let dir = std::env::temp_dir().join(format!("faafo-gallery-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self { dir, server: None, driver: None }
    }

    /// Starts `faafo-api` on a free port; returns its base URL.
    fn start_server(&mut self) -> String {
        let db = format!("sqlite://{}/g.db", self.dir.display());
        // Hermetic: no settings from this machine's /etc/faafo/faafo.conf or FAAFO_* variables
        // (a transport_url there would send the tasks to RabbitMQ instead of the built-in
        // renderer, and a client token would refuse the test's fractals).
        let config = self.dir.join("faafo.conf");
        std::fs::write(&config, "[DEFAULT]\n").unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_faafo-api"));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("FAAFO_") {
                command.env_remove(key);
            }
        }
        let mut child = command
            .args(["--database-url", &db, "--bind-port", "0", "--listen-address", "127.0.0.1"])
            .arg("--config-file")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        self.server = Some(child);
        let (tx, rx) = std::sync::mpsc::channel();
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("[faafo-api] {line}");
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap_or_default().to_owned();
                    let _ = tx.send(addr);
                }
            }
        });
        let addr = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| {
            panic!("faafo-api did not print 'listening on http://…' within 60 s (see its stderr above)")
        });
        format!("http://{addr}")
    }

    /// Starts chromedriver on a free port, in its own process group; returns its URL once
    /// it answers `/status`.
    async fn start_driver(&mut self, driver: &Path, http: &Http) -> String {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = self.dir.join("chromedriver.log");
        let child = Command::new(driver)
            .args([format!("--port={port}"), format!("--log-path={}", log.display())])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver.display()));
        self.driver = Some(child);
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok((StatusCode::OK, _, _)) = http.try_get(&format!("{url}/status")).await {
                return url;
            }
            let log_text = std::fs::read_to_string(&log).unwrap_or_default();
            assert!(Instant::now() < deadline, "chromedriver did not come up within 30 s; its log:\n{log_text}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A minimal HTTP/1 client for the API calls.
struct Http(HttpClient<HttpConnector, Full<Bytes>>);

impl Http {
    fn new() -> Self {
        Self(HttpClient::builder(TokioExecutor::new()).build_http())
    }

    async fn try_request(
        &self,
        method: Method,
        url: &str,
        json_body: Option<&Value>,
    ) -> Result<(StatusCode, HeaderMap, Vec<u8>), String> {
        let mut request = Request::builder().method(method).uri(url);
        let body = match json_body {
            Some(v) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Bytes::from(serde_json::to_vec(v).unwrap())
            }
            None => Bytes::new(),
        };
        let response = self.0.request(request.body(Full::new(body)).unwrap()).await.map_err(|e| e.to_string())?;
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.map_err(|e| e.to_string())?.to_bytes().to_vec();
        Ok((parts.status, parts.headers, bytes))
    }

    async fn try_get(&self, url: &str) -> Result<(StatusCode, HeaderMap, Vec<u8>), String> {
        self.try_request(Method::GET, url, None).await
    }

    async fn get(&self, url: &str) -> (StatusCode, HeaderMap, String) {
        let (status, headers, body) = self.try_get(url).await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    async fn json(&self, method: Method, url: &str, body: Option<&Value>) -> (StatusCode, Value) {
        let (status, _, bytes) =
            self.try_request(method.clone(), url, body).await.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{method} {url}: {e}: {}", String::from_utf8_lossy(&bytes)));
        (status, value)
    }
}

fn header_of(headers: &HeaderMap, name: header::HeaderName) -> String {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// Creates the fractals (oldest first) and waits until the embedded renderer has done them.
async fn create_fractals(http: &Http, base: &str) -> Vec<String> {
    let mut uuids = Vec::new();
    for i in 0..FRACTALS {
        let body = json!({"width": 64, "height": 48, "iterations": 100 + i, "xa": -2, "xb": 1, "ya": -1.5, "yb": 1.5});
        let (status, created) = http.json(Method::POST, &format!("{base}/v1/fractal"), Some(&body)).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        uuids.push(created["uuid"].as_str().unwrap().to_owned());
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    for uuid in &uuids {
        loop {
            let (status, f) = http.json(Method::GET, &format!("{base}/v1/fractal/{uuid}"), None).await;
            assert_eq!(status, StatusCode::OK, "{f}");
            match f["status"].as_str() {
                Some("done") => break,
                Some("failed") => panic!("fractal {uuid} failed to render: {f}"),
                _ => {}
            }
            assert!(Instant::now() < deadline, "fractal {uuid} not done within 120 s: {f}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    uuids
}

/// The uuids of the cards on the browser's current page, top to bottom.
async fn card_uuids(client: &Client) -> Vec<String> {
    let mut out = Vec::new();
    for card in client.find_all(Locator::Css("ol.gallery > li.card")).await.unwrap() {
        out.push(card.attr("data-uuid").await.unwrap().unwrap_or_default());
    }
    out
}

/// Waits until every thumbnail on the page has loaded and decoded (`complete` and a
/// non-zero `naturalWidth`; a broken image is `complete` with width 0). Thumbnails are
/// `loading="lazy"`, so the ones still missing are scrolled into view each round.
async fn assert_thumbnails_load(client: &Client, expected: usize) {
    let script = r#"
        const imgs = [...document.querySelectorAll('li.card .thumb img')];
        const bad = imgs.filter(i => !(i.complete && i.naturalWidth > 0));
        bad.forEach(i => i.scrollIntoView({block: 'center'}));
        return {count: imgs.length, bad: bad.map(i => [i.getAttribute('src'), i.complete, i.naturalWidth])};
    "#;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let state = client.execute(script, vec![]).await.unwrap();
        assert_eq!(state["count"], json!(expected), "thumbnails on {}", client.current_url().await.unwrap());
        if state["bad"].as_array().is_some_and(Vec::is_empty) {
            break;
        }
        assert!(Instant::now() < deadline, "thumbnails did not load within 20 s: {}", state["bad"]);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    client.execute("window.scrollTo(0, 0); return null;", vec![]).await.unwrap();
}

/// Both `nav.pagination`s exist, one before the list and one after it.
async fn assert_pagination_around_list(client: &Client) {
    let script = r#"
        const navs = [...document.querySelectorAll('nav.pagination')];
        const list = document.querySelector('ol.gallery');
        return {
            navs: navs.length,
            before: navs.length > 0 && !!(navs[0].compareDocumentPosition(list) & Node.DOCUMENT_POSITION_FOLLOWING),
            after: navs.length > 1 && !!(navs[1].compareDocumentPosition(list) & Node.DOCUMENT_POSITION_PRECEDING),
        };
    "#;
    let state = client.execute(script, vec![]).await.unwrap();
    assert_eq!(state, json!({"navs": 2, "before": true, "after": true}));
}

/// Clicks the top "next" link and waits for page `page`.
async fn click_next(client: &Client, page: usize) {
    client.find(Locator::Css("nav.pagination.above a[rel=next]")).await.unwrap().click().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !client.current_url().await.unwrap().path().ends_with(&format!("/index/{page}")) {
        assert!(Instant::now() < deadline, "clicking next did not reach page {page}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    client.wait().for_element(Locator::Css("nav.pagination.below")).await.unwrap();
}

/// Resizes the window so the whole page fits, and saves a screenshot. Returns the layout
/// facts the assertions need: viewport width, grid columns, horizontal overflow.
async fn screenshot_whole_page(client: &Client, width: u32, path: &Path) -> Value {
    client.set_window_size(width, 900).await.unwrap();
    let measure = r#"
        const g = document.querySelector('ol.gallery');
        return {
            chrome: window.outerHeight - window.innerHeight,
            height: document.documentElement.scrollHeight,
            inner: window.innerWidth,
            overflow: document.documentElement.scrollWidth > window.innerWidth,
            columns: g ? getComputedStyle(g).gridTemplateColumns.split(' ').length : 0,
        };
    "#;
    let m = client.execute(measure, vec![]).await.unwrap();
    let height = m["height"].as_u64().unwrap() + m["chrome"].as_u64().unwrap_or(0);
    client.set_window_size(width, height.clamp(400, 6000) as u32).await.unwrap();
    client.execute("window.scrollTo(0, 0); return null;", vec![]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let png = client.screenshot().await.unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, png).unwrap();
    client.execute(measure, vec![]).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gallery_in_headless_chromium() {
    let started = Instant::now();
    let (chromium, driver_path) = browser_paths();
    let mut harness = Harness::new();
    let http = Http::new();
    let base = harness.start_server();
    let uuids = create_fractals(&http, &base).await;
    // Newest first: page 1 is the last five created.
    let newest: Vec<String> = uuids.iter().rev().cloned().collect();
    let pages: Vec<&[String]> = newest.chunks(PER_PAGE).collect();
    assert_eq!(pages.len(), 3);
    // The oldest one, alone on the last page with one other, is marked failed: its card
    // must show the error (as text, escaped) and a placeholder, not a broken image.
    let error = "<script>document.title='pwned'</script> renderer out of memory";
    let (status, f) = http
        .json(
            Method::PUT,
            &format!("{base}/v1/fractal/{}", uuids[0]),
            Some(&json!({"status": "failed", "error": error})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{f}");

    // --- Plain HTTP: status codes and headers a browser does not expose. ----------------
    for path in ["/", "/index", "/index/1"] {
        let (status, headers, html) = http.get(&format!("{base}{path}")).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(header_of(&headers, header::CONTENT_TYPE), "text/html; charset=utf-8", "{path}");
        assert!(header_of(&headers, header::CONTENT_SECURITY_POLICY).contains("default-src 'none'"), "{path}");
        assert!(html.contains(&format!("data-uuid=\"{}\"", newest[0])), "{path}");
    }
    for bad in ["/index/abc", "/index/0", "/index/-1"] {
        let (status, _, html) = http.get(&format!("{base}{bad}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
        assert!(html.contains("is not a page number"), "{bad}: {html}");
    }
    // Past the end, however far: a 404 page that links to the last page.
    for far in ["99", "18446744073709551615", "99999999999999999999999999"] {
        let (status, _, html) = http.get(&format!("{base}/index/{far}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{far}");
        assert!(html.contains("is past the end") && html.contains("There are 3 pages"), "{far}: {html}");
    }
    let (_, _, html) = http.get(&format!("{base}/")).await;
    let css = html.split("rel=\"stylesheet\" href=\"").nth(1).and_then(|s| s.split('"').next()).unwrap().to_owned();
    let (status, headers, body) = http.get(&format!("{base}{css}")).await;
    assert_eq!(status, StatusCode::OK, "{css}");
    assert_eq!(header_of(&headers, header::CONTENT_TYPE), "text/css; charset=utf-8");
    assert!(header_of(&headers, header::CACHE_CONTROL).contains("immutable"));
    assert!(body.contains(".gallery"));
    let (status, _, _) = http.get(&format!("{base}/static/nope.js")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // --- The browser. --------------------------------------------------------------------
    let driver_url = harness.start_driver(&driver_path, &http).await;
    let profile = harness.dir.join("chrome-profile");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--hide-scrollbars", format!("--window-size={DESKTOP_WIDTH},900"),
                     format!("--user-data-dir={}", profile.display())],
        }),
    );
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&driver_url)
        .await
        .unwrap_or_else(|e| panic!("cannot start a Chromium session through chromedriver: {e}"));

    client.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(client.title().await.unwrap(), TITLE);
    assert_eq!(card_uuids(&client).await, pages[0], "page 1");
    assert_thumbnails_load(&client, PER_PAGE).await;
    assert_pagination_around_list(&client).await;
    // The stylesheet applied (served by the API, allowed by the CSP), and nothing was
    // fetched from another origin.
    let origin = client.execute("return location.origin;", vec![]).await.unwrap();
    let resources =
        client.execute("return performance.getEntriesByType('resource').map(r => r.name);", vec![]).await.unwrap();
    let origin = origin.as_str().unwrap();
    for r in resources.as_array().unwrap() {
        assert!(r.as_str().unwrap().starts_with(origin), "fetched from elsewhere: {r}");
    }
    let display = client.execute("return getComputedStyle(document.querySelector('ol.gallery')).display;", vec![]);
    assert_eq!(display.await.unwrap(), json!("grid"), "the stylesheet did not apply");
    // No previous page on page 1.
    assert!(client.find_all(Locator::Css("nav.pagination a[rel=prev]")).await.unwrap().is_empty());

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().join("artifacts");
    let desktop = screenshot_whole_page(&client, DESKTOP_WIDTH, &root.join("gallery.png")).await;
    assert!(desktop["columns"].as_u64().unwrap() >= 2, "cards should form a grid on a desktop: {desktop}");
    assert_eq!(desktop["overflow"], json!(false), "{desktop}");

    // --- Page 2 and the last page, by clicking "next". --------------------------------
    click_next(&client, 2).await;
    assert_eq!(card_uuids(&client).await, pages[1], "page 2");
    assert_thumbnails_load(&client, PER_PAGE).await;
    assert_pagination_around_list(&client).await;
    assert_eq!(client.find_all(Locator::Css("nav.pagination a[rel=prev]")).await.unwrap().len(), 2);

    click_next(&client, 3).await;
    assert_eq!(card_uuids(&client).await, pages[2], "last page");
    assert_eq!(pages[2].len(), FRACTALS - 2 * PER_PAGE);
    assert_thumbnails_load(&client, pages[2].len() - 1).await;
    assert_pagination_around_list(&client).await;
    assert!(client.find_all(Locator::Css("nav.pagination a[rel=next]")).await.unwrap().is_empty());
    let failed = client.find(Locator::Css(&format!("li.card[data-uuid=\"{}\"]", uuids[0]))).await.unwrap();
    assert_eq!(failed.attr("data-status").await.unwrap().as_deref(), Some("failed"));
    assert!(failed.find_all(Locator::Css("img")).await.unwrap().is_empty(), "a failed fractal has no image");
    let error_cell = failed.find(Locator::Css("tr.error td")).await.unwrap();
    assert_eq!(error_cell.text().await.unwrap(), error, "the error is shown as text");
    assert_eq!(client.title().await.unwrap(), TITLE, "markup in the error must not run");
    screenshot_whole_page(&client, DESKTOP_WIDTH, &root.join("gallery-last.png")).await;

    // --- A phone-width view of page 1. ---------------------------------------------------
    client.goto(&format!("{base}/")).await.unwrap();
    client.set_window_size(PHONE_WIDTH, 900).await.unwrap();
    assert_thumbnails_load(&client, PER_PAGE).await;
    let phone = screenshot_whole_page(&client, PHONE_WIDTH, &root.join("gallery-phone.png")).await;
    assert_eq!(phone["columns"], json!(1), "one column on a phone: {phone}");
    assert_eq!(phone["overflow"], json!(false), "nothing wider than a phone: {phone}");

    client.close().await.unwrap();
    drop(harness);
    eprintln!("gallery test took {:.1} s; screenshots in {}", started.elapsed().as_secs_f64(), root.display());
}
