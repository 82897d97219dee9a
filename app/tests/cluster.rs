#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! The Cluster window, driven through the real app with egui_kittest against a real
//! `faafo-api` (embedded renderer, SQLite, a client token) started here as a child
//! process: connect (a refused token, then the right one, kept in the real OS keyring),
//! submit a random batch and see it finish, open one, download one (checksum verified),
//! delete one; bad and unreachable URLs are said clearly.
//!
//! The API binary is `target/debug/faafo-api` (`FAAFO_API_BIN` names another); `cargo
//! test --workspace` builds it (the backend's own tests need it).

mod common;

use std::io::Read as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{click, enter_text};
use egui::vec2;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use faafo_explorer::ExplorerApp;
use faafo_explorer::cloud::cluster::settings::keyring_account;
use faafo_explorer::cloud::credentials::{OsKeyring, SecretStore};
use faafo_explorer::model::persist::Store;

const TIMEOUT: Duration = Duration::from_secs(90);
const TOKEN: &str = "0123456789abcdef0123456789abcdef";

fn api_binary() -> PathBuf {
    let path = std::env::var_os("FAAFO_API_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug/faafo-api"), PathBuf::from);
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build -p faafo-backend --bins` first (scripts/test.sh's cargo test --workspace builds it)",
        path.display()
    );
    path
}

/// A `faafo-api` on a free loopback port, killed on drop.
struct Api {
    child: Child,
    base: String,
}

impl Api {
    /// On `port` (0: any free one), with its database in `dir`.
    fn start(dir: &std::path::Path, port: u16) -> Self {
        static STARTS: AtomicUsize = AtomicUsize::new(0);
        let log = dir.join(format!("api-{}.log", STARTS.fetch_add(1, Ordering::Relaxed)));
        let child = Command::new(api_binary())
            .args(["--database-url", &format!("sqlite://{}", dir.join("api.db").display())])
            .args(["--bind-port", &port.to_string()])
            .env("FAAFO_CONFIG_FILE", "/dev/null")
            .env("FAAFO_CLIENT_TOKEN", TOKEN)
            .env_remove("FAAFO_DATABASE_URL")
            .env_remove("FAAFO_TRANSPORT_URL")
            .env_remove("FAAFO_WORKER_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        // Killed by `Drop` whatever happens next.
        let mut api = Self { child, base: String::new() };
        let started = Instant::now();
        loop {
            let mut text = String::new();
            std::fs::File::open(&log).unwrap().read_to_string(&mut text).unwrap();
            if let Some(rest) = text.split("listening on http://").nth(1) {
                api.base = format!("http://{}", rest.split_whitespace().next().unwrap());
                return api;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "faafo-api did not start: {text}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

struct Fixture {
    dir: PathBuf,
    keyring: Arc<OsKeyring>,
}

impl Fixture {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("faafo-explorer-cluster-{name}-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap();
        let keyring = Arc::new(OsKeyring::new(format!("faafo-explorer-test-cluster-{name}-{}", std::process::id())));
        Self { dir, keyring }
    }

    fn harness(&self) -> Harness<'static, ExplorerApp> {
        let settings = self.dir.join("explorer.toml");
        let keyring = Arc::clone(&self.keyring) as Arc<dyn SecretStore>;
        Harness::builder().with_size(vec2(1400.0, 1200.0)).with_step_dt(1.0 / 60.0).build_eframe(move |cc| {
            ExplorerApp::with_store(&cc.egui_ctx, Some(Store::at(settings))).with_cluster_secrets(keyring)
        })
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

/// Runs frames until `done` holds (real time: the answers come from another process).
fn run_until(h: &mut Harness<'_, ExplorerApp>, what: &str, done: impl Fn(&ExplorerApp) -> bool) {
    let started = Instant::now();
    loop {
        h.step();
        if done(h.state()) {
            h.run_steps(2);
            return;
        }
        assert!(started.elapsed() < TIMEOUT, "{what}: not within {TIMEOUT:?}; {:?}", h.state().cluster_panel());
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn shown(h: &Harness<'_, ExplorerApp>, text: &str) {
    assert!(
        h.query_all_by_label_contains(text).next().is_some(),
        "'{text}' is not shown; {:?}",
        h.state().cluster_panel()
    );
}

/// Clicks a row's button: scrolled into the window's view first (the window scrolls
/// inside itself, which the shared `reveal` does not look at).
fn click_row(h: &mut Harness<'_, ExplorerApp>, label: &str) {
    h.get_by_label(label).scroll_to_me();
    h.run_steps(60);
    h.get_by_label(label).click();
    h.run_steps(2);
}

fn connect(h: &mut Harness<'_, ExplorerApp>, endpoint: &str, token: &str) {
    enter_text(h, "Endpoint", endpoint);
    if !token.is_empty() {
        enter_text(h, "Client token", token);
    }
    click(h, "Connect");
    run_until(h, "connected or refused", |app| !app.cluster_panel().is_busy());
}

fn open_window(h: &mut Harness<'_, ExplorerApp>) {
    h.run_steps(2);
    click(h, "Cluster…");
    assert!(h.state().cluster_panel().is_open());
}

#[test]
fn connect_submit_open_download_and_delete_against_a_real_api() {
    let f = Fixture::new("full");
    let api = Api::start(&f.dir, 0);
    let mut h = f.harness();
    open_window(&mut h);

    // A wrong token is refused, and the fields stay as typed.
    connect(&mut h, &api.base, "not-the-token-at-all");
    shown(&h, "refused the client token");
    assert!(h.state().cluster_panel().connection().is_none());

    connect(&mut h, &api.base, TOKEN);
    let conn = h.state().cluster_panel().connection().expect("connected");
    assert!(conn.is_up() && conn.is_ours(), "{:?}", conn.link);
    shown(&h, "is reachable: faafo-api");
    shown(&h, "Auth: on for clients");
    // The token went to the OS keyring, not the settings file.
    assert_eq!(f.keyring.get(&keyring_account(&api.base)).unwrap().as_deref(), Some(TOKEN));
    h.state_mut().save_settings().unwrap();
    let settings = std::fs::read_to_string(f.dir.join("explorer.toml")).unwrap();
    assert!(!settings.contains(TOKEN) && settings.contains(&api.base), "{settings}");

    // A random batch of 3, followed until done.
    enter_text(&mut h, "Random fractals", "3");
    click(&mut h, "Submit random batch");
    run_until(&mut h, "the batch done", |app| app.cluster_panel().tracked_counts() == Some((3, 0, 0)));
    shown(&h, "Last batch: 3 of 3 done");
    click(&mut h, "Fractals");
    run_until(&mut h, "three done rows", |app| {
        let rows = &app.cluster_panel().browse().rows;
        rows.len() == 3 && rows.iter().all(|r| r.status == faafo_backend::client::Status::Done)
    });
    shown(&h, "3 of 3 fractals shown");

    // Open: the explorer goes to the fractal's region.
    let row = h.state().cluster_panel().browse().rows[0].clone();
    click_row(&mut h, &format!("Open {}", row.uuid));
    let location = h.state().location();
    assert_eq!(location.fractal.kind(), faafo_engine::FractalKind::Classic, "{:?}", h.state().cluster_panel());
    assert!((location.view.center_f64().re - (row.xa + row.xb) / 2.0).abs() < 1e-9, "{location:?} {row:?}");
    assert!((location.view.scale_f64() - (row.xb - row.xa)).abs() < 1e-9, "{location:?} {row:?}");

    // Download: checked against the stored checksum, saved as <uuid>.png.
    let downloads = f.dir.join("downloads");
    enter_text(&mut h, "Download folder", &downloads.display().to_string());
    click_row(&mut h, &format!("Download {}", row.uuid));
    run_until(&mut h, "downloaded", |app| app.cluster_panel().browse().last_download.is_some());
    let path = downloads.join(format!("{}.png", row.uuid));
    let png = std::fs::read(&path).unwrap();
    assert_eq!(Some(faafo_engine::sha256_hex(&png)), row.checksum);
    shown(&h, "checksum verified");

    // Delete: gone from the cluster and the table.
    click_row(&mut h, &format!("Delete {}", row.uuid));
    run_until(&mut h, "deleted", |app| {
        let rows = &app.cluster_panel().browse().rows;
        rows.len() == 2 && rows.iter().all(|r| r.uuid != row.uuid)
    });
    shown(&h, &format!("Deleted {}", row.uuid));

    // The window keeps the status fresh: the cluster says 2 done.
    run_until(&mut h, "status shows 2 done", |app| {
        matches!(&app.cluster_panel().connection().unwrap().link,
            faafo_explorer::cloud::cluster::connection::Link::Up(s) if s.fractals.done == 2)
    });
    f.keyring.delete(&keyring_account(&api.base)).ok();
}

#[test]
fn bad_and_unreachable_urls_are_said_clearly() {
    let f = Fixture::new("bad-url");
    let mut h = f.harness();
    open_window(&mut h);
    connect(&mut h, "localhost:8080", "");
    shown(&h, "must start with http:// or https://");
    // A port nothing listens on (bound, then closed).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    connect(&mut h, &format!("http://127.0.0.1:{port}"), "");
    shown(&h, "cannot reach the faafo API");
    assert!(h.state().cluster_panel().connection().is_none());
    // The fields are kept as typed.
    assert!(h.query_all_by_value(&format!("http://127.0.0.1:{port}")).next().is_some());
}

fn png_size(path: &std::path::Path) -> (u32, u32) {
    let reader = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap())).read_info().unwrap();
    (reader.info().width, reader.info().height)
}

#[test]
fn this_view_a_poster_and_an_api_that_goes_away_and_comes_back() {
    let f = Fixture::new("view-poster");
    let api = Api::start(&f.dir, 0);
    let port: u16 = api.base.rsplit(':').next().unwrap().parse().unwrap();
    let mut h = f.harness();
    open_window(&mut h);
    connect(&mut h, &api.base, TOKEN);
    assert!(h.state().cluster_panel().connection().is_some_and(|c| c.is_up()));

    // This view at a custom size; bad input first, said in the window.
    click(&mut h, "Custom");
    enter_text(&mut h, "Width", "0");
    shown(&h, "width must be a whole number from 2 to 16384, got '0'");
    click(&mut h, "Submit this view");
    shown(&h, "width must be a whole number from 2 to 16384, got '0'");
    enter_text(&mut h, "Width", "320");
    enter_text(&mut h, "Height", "200");
    shown(&h, "pixel-iterations");
    click(&mut h, "Submit this view");
    run_until(&mut h, "the view rendered", |app| app.cluster_panel().tracked_counts() == Some((1, 0, 0)));

    // A poster of two tiles (a tile is at most 2048x2048), put together on disk.
    click(&mut h, "Poster");
    let poster = f.dir.join("poster.png");
    enter_text(&mut h, "Poster width", "2100");
    enter_text(&mut h, "Poster height", "64");
    enter_text(&mut h, "Poster file", &poster.display().to_string());
    shown(&h, "2×1 tiles");
    click(&mut h, "Make poster");
    run_until(&mut h, "the poster made", |app| {
        app.cluster_panel().feedback().poster.as_ref().is_some_and(|n| n.text.starts_with("Poster saved"))
    });
    assert_eq!(png_size(&poster), (2100, 64));

    // The API goes away: the window says so, and resumes when it is back.
    drop(api);
    run_until(&mut h, "the outage seen", |app| app.cluster_panel().connection().is_some_and(|c| !c.is_up()));
    shown(&h, "is not answering");
    let _api = Api::start(&f.dir, port);
    run_until(&mut h, "back up", |app| app.cluster_panel().connection().is_some_and(|c| c.is_up()));
    shown(&h, "is reachable: faafo-api");
    f.keyring.delete(&keyring_account(&format!("http://127.0.0.1:{port}"))).ok();
}

#[test]
fn a_local_cluster_starts_connects_and_stops_with_the_window() {
    let fx = Fixture::new("local");
    let programs = api_binary().parent().unwrap().to_path_buf();
    let alive = |pid: u32| std::path::Path::new(&format!("/proc/{pid}")).exists();
    let mut h = fx.harness();
    open_window(&mut h);
    h.state_mut().cluster_panel_mut().start_local_with(&programs, &fx.dir.join("local"));
    let pids = h.state().cluster_panel().local_pids();
    assert!(!pids.is_empty() && pids.iter().all(|p| alive(*p)), "{pids:?}");
    run_until(&mut h, "connected to the local cluster", |app| {
        app.cluster_panel().connection().is_some_and(|c| c.is_up())
    });
    shown(&h, "Local cluster running at http://127.0.0.1:");
    assert!(fx.dir.join("local/faafo.db").is_file(), "its database is in its own folder");
    // The fresh token is never kept.
    let endpoint = h.state().cluster_panel().connection().unwrap().endpoint();
    assert!(fx.keyring.get(&keyring_account(&endpoint)).unwrap().is_none());
    click(&mut h, "Stop local cluster");
    assert!(h.state().cluster_panel().local_pids().is_empty());
    assert!(pids.iter().all(|p| !alive(*p)), "stopped: {pids:?}");
    shown(&h, "Local cluster stopped");
    // Closing the explorer stops a running one too.
    h.state_mut().cluster_panel_mut().start_local_with(&programs, &fx.dir.join("local"));
    let pids = h.state().cluster_panel().local_pids();
    drop(h);
    assert!(pids.iter().all(|p| !alive(*p)), "the explorer closed: {pids:?}");
}

/// Goes to `location` and bookmarks it as `name`.
fn bookmark(h: &mut Harness<'_, ExplorerApp>, name: &str, location: faafo_explorer::model::location::Location) {
    use faafo_explorer::command::Command;
    h.state_mut().apply(Command::GoTo { location, colouring: None });
    h.state_mut().apply(Command::AddBookmark(name.to_owned()));
    h.run_steps(2);
}

#[test]
fn ticked_bookmarks_are_submitted_one_task_each_and_the_table_sorts_and_filters() {
    use faafo_backend::client::Status;
    use faafo_engine::{Complex64, Fractal};
    use faafo_explorer::cloud::cluster::convert::view_request;
    use faafo_explorer::model::colour::Look;
    use faafo_explorer::model::location::{Iterations, Location};
    use faafo_explorer::model::view::View;

    let f = Fixture::new("bookmarks");
    let api = Api::start(&f.dir, 0);
    let mut h = f.harness();
    let julia = Location {
        fractal: Fractal::Julia { c: Complex64::new(-0.8, 0.156) },
        view: View::new(0.1, -0.2, 1.5),
        iterations: Iterations::Fixed(300),
    };
    let mandelbrot =
        Location { fractal: Fractal::Mandelbrot, view: View::new(-0.75, 0.1, 0.5), iterations: Iterations::Fixed(120) };
    let unticked = Location { iterations: Iterations::Fixed(50), ..Location::default() };
    bookmark(&mut h, "Dragon", julia.to_owned());
    bookmark(&mut h, "Valley", mandelbrot.to_owned());
    bookmark(&mut h, "Home", unticked);
    open_window(&mut h);
    connect(&mut h, &api.base, TOKEN);
    click(&mut h, "Custom");
    enter_text(&mut h, "Width", "64");
    enter_text(&mut h, "Height", "40");
    // Nothing ticked: nothing to send.
    assert!(h.get_by_label("Submit 0 selected bookmarks").accesskit_node().is_disabled());
    click(&mut h, "Tick bookmark Dragon");
    click(&mut h, "Tick bookmark Valley");
    shown(&h, "pixel-iterations");
    click(&mut h, "Submit 2 selected bookmarks");
    run_until(&mut h, "both bookmarks rendered", |app| app.cluster_panel().tracked_counts() == Some((2, 0, 0)));

    click(&mut h, "Fractals");
    run_until(&mut h, "two rows listed", |app| {
        let rows = &app.cluster_panel().browse().rows;
        rows.len() == 2 && rows.iter().all(|r| r.status == Status::Done)
    });
    // One task per ticked bookmark, each with the bookmark's kind, place and iterations.
    let rows = h.state().cluster_panel().browse().rows.clone();
    for (location, kind) in [(julia, "julia"), (mandelbrot, "mandelbrot")] {
        let r = rows.iter().find(|r| r.kind == kind).expect(kind);
        let sent = view_request(&location, &Look::default(), 64, 40).unwrap();
        assert_eq!((r.width, r.height, r.iterations), (64, 40, i64::from(sent.iterations)), "{r:?}");
        assert_eq!((r.xa, r.xb, r.ya, r.yb), (sent.xa, sent.xb, sent.ya, sent.yb), "{r:?}");
        assert_eq!(r.c(), sent.c, "{r:?}");
    }
    let shown_kinds = |h: &mut Harness<'_, ExplorerApp>| -> Vec<String> {
        h.state_mut().cluster_panel_mut().browse_mut().shown().map(|r| r.kind.clone()).collect()
    };
    // Sort by iterations, then the other way round.
    click(&mut h, "Sort by Iterations");
    assert_eq!(shown_kinds(&mut h), ["mandelbrot", "julia"]);
    click(&mut h, "Sort by Iterations");
    assert_eq!(shown_kinds(&mut h), ["julia", "mandelbrot"]);
    // Filters: a kind, a status nothing has, then all again.
    click(&mut h, "Kind filter: julia");
    assert_eq!(shown_kinds(&mut h), ["julia"]);
    shown(&h, "1 of 2 fractals shown");
    click(&mut h, "Kind filter: all");
    click(&mut h, "Status filter: failed");
    assert!(shown_kinds(&mut h).is_empty());
    shown(&h, "No fractals to show.");
    click(&mut h, "Status filter: done");
    assert_eq!(shown_kinds(&mut h).len(), 2);
    // Thumbnails are made for the rows on screen, and kept on disk under each finished
    // image's checksum for the next run.
    run_until(&mut h, "thumbnails made", |app| app.cluster_panel().browse().thumbnails_ready() == 2);
    let cache = faafo_explorer::cloud::cluster::thumb_cache::ThumbCache::in_user_cache().expect("a home");
    for r in &rows {
        let checksum = r.checksum.as_deref().expect("done rows have a checksum");
        assert!(cache.load(checksum).is_some(), "no thumbnail of {} in {}", r.uuid, cache.dir().display());
    }
    f.keyring.delete(&keyring_account(&api.base)).ok();
}

/// The RGB pixels of a PNG, with its size.
fn png_rgb(path: &std::path::Path) -> (u32, u32, Vec<u8>) {
    let mut reader =
        png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap())).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

#[test]
fn a_poster_fills_its_mosaic_and_resumes_after_a_restart() {
    use faafo_explorer::model::location::{Iterations, Location};

    let f = Fixture::new("resume");
    let api = Api::start(&f.dir, 0);
    let poster = f.dir.join("resumed.png");
    // Seahorse Valley at 1e-6 with a million iterations: pixels near the boundary escape
    // late everywhere (the cardioid test and periodicity cannot skip them), so each tile
    // takes a while and the restart comes after the first row of tiles is in the mosaic
    // and before the second is rendered.
    let location = Location {
        view: faafo_explorer::model::view::View::new(-0.743643887037151, 0.13182590420533, 1e-6),
        iterations: Iterations::Fixed(1_000_000),
        ..Location::default()
    };
    let id = {
        let mut h = f.harness();
        h.state_mut().apply(faafo_explorer::command::Command::GoTo { location: location.to_owned(), colouring: None });
        open_window(&mut h);
        connect(&mut h, &api.base, TOKEN);
        click(&mut h, "Poster");
        enter_text(&mut h, "Poster width", "1200");
        enter_text(&mut h, "Poster height", "800");
        enter_text(&mut h, "Tiles across", "2");
        enter_text(&mut h, "Poster file", &poster.display().to_string());
        shown(&h, "2×2 tiles of 600×400 pixels");
        click(&mut h, "Make poster");
        run_until(&mut h, "a first tile in the mosaic", |app| app.cluster_panel().mosaic().unwrap().arrived() >= 1);
        let pending = h.state().cluster_panel().pending_poster().cloned().unwrap_or_else(|| {
            panic!(
                "kept for resuming: {:?} {:?}",
                h.state().cluster_panel().feedback().poster,
                h.state().cluster_panel().mosaic().map(|m| (m.arrived(), m.total()))
            )
        });
        assert!(!poster.exists(), "the restart must come before the poster is done");
        h.state_mut().save_settings().unwrap();
        pending.id
        // The explorer closes here, mid-poster.
    };

    // The cluster restarts too, on another port over the same database (as a local
    // cluster does each time it starts).
    drop(api);
    let api = Api::start(&f.dir, 0);
    let mut h = f.harness();
    open_window(&mut h);
    connect(&mut h, &api.base, TOKEN);
    click(&mut h, "Poster");
    shown(&h, &format!("Unfinished poster {id}: 1200×800 in 2×2 tiles"));
    click(&mut h, "Resume poster");
    shown(&h, &format!("resuming it on {}", api.base));
    run_until(&mut h, "the resumed poster saved", |app| {
        app.cluster_panel().feedback().poster.as_ref().is_some_and(|n| n.text.starts_with("Poster saved"))
    });
    assert!(h.state().cluster_panel().pending_poster().is_none(), "done: nothing left to resume");
    // The same poster, not a new one: its four tiles, each created once (uuids are the
    // poster's; a second create of one would have been refused, not added).
    click(&mut h, "Fractals");
    run_until(&mut h, "the tiles listed", |app| app.cluster_panel().browse().rows.len() == 4);
    let rows = h.state().cluster_panel().browse().rows.clone();
    assert!(rows.iter().all(|r| r.uuid.starts_with(&format!("{id}-t"))), "{rows:?}");

    // The mosaic shows every tile: each of its pixels is the poster's pixel it was
    // shrunk from (one in `step` across and down).
    let (w, hgt, rgb) = png_rgb(&poster);
    assert_eq!((w, hgt), (1200, 800));
    let mosaic = h.state().cluster_panel().mosaic().unwrap();
    let step = mosaic.step as usize;
    assert_eq!((mosaic.arrived(), mosaic.total()), (4, 4));
    let (tw, th) = (600usize.div_ceil(step), 400usize.div_ceil(step));
    for (i, (x0, y0)) in [(0, 0), (600, 0), (0, 400), (600, 400)].into_iter().enumerate() {
        let tile = mosaic.tile(i).unwrap();
        assert_eq!(tile.size, [tw, th]);
        for (y, x) in [(0, 0), (th - 1, tw - 1), (th / 2, tw / 2), (th / 5, tw * 2 / 3)] {
            let p = ((y0 + y * step) * 1200 + x0 + x * step) * 3;
            let c = tile.pixels[y * tw + x];
            assert_eq!([c.r(), c.g(), c.b()], rgb[p..p + 3], "tile {i} at {x},{y}");
        }
    }
    // The local preview under the tiles is rendered beside the poster and may come last.
    run_until(&mut h, "the local preview under the tiles", |app| {
        app.cluster_panel().mosaic().is_some_and(|m| m.has_preview())
    });
    assert!(!f.dir.join("resumed.tiles").exists(), "the tiles' folder is removed once the poster is written");
    f.keyring.delete(&keyring_account(&api.base)).ok();
}

/// The README's picture of the Cluster window (`assets/cluster-window.png`): a poster
/// filling in tile by tile over its preview. Run with `--ignored` to take it again.
#[test]
#[ignore = "writes assets/cluster-window.png; run by hand to refresh the README's screenshot"]
fn readme_screenshot_of_the_cluster_window() {
    use faafo_explorer::model::location::{Iterations, Location};

    let f = Fixture::new("screenshot");
    let api = Api::start(&f.dir, 0);
    let mut h = f.harness();
    let location = Location { iterations: Iterations::Fixed(60_000), ..Location::default() };
    h.state_mut().apply(faafo_explorer::command::Command::GoTo { location, colouring: None });
    open_window(&mut h);
    connect(&mut h, &api.base, TOKEN);
    click(&mut h, "Poster");
    enter_text(&mut h, "Poster width", "1600");
    enter_text(&mut h, "Poster height", "1000");
    enter_text(&mut h, "Tiles across", "4");
    enter_text(&mut h, "Poster file", &f.dir.join("seahorse-poster.png").display().to_string());
    click(&mut h, "Make poster");
    run_until(&mut h, "half the mosaic", |app| {
        app.cluster_panel().mosaic().is_some_and(|m| m.has_preview() && m.arrived() >= 5)
    });
    // The mosaic at the bottom of the window, in view.
    h.get_by_label_contains("Tiles arrived").scroll_to_me();
    h.run_steps(30);
    let image = h.render().unwrap();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../assets/cluster-window.png");
    image.save(&path).unwrap();
    assert!(png_size(&path).0 > 0);
    f.keyring.delete(&keyring_account(&api.base)).ok();
}
