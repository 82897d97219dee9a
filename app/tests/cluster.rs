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
use egui_kittest::kittest::Queryable as _;
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
    shown(&h, "Page 1 of 1 (3 fractals)");

    // Open: the explorer goes to the fractal's region.
    let row = h.state().cluster_panel().browse().rows[0].clone();
    click_row(&mut h, &format!("Open {}", row.uuid));
    let location = h.state().location();
    assert_eq!(location.fractal.kind(), faafo_engine::FractalKind::Classic, "{:?}", h.state().cluster_panel());
    assert!((location.view.center.re - (row.xa + row.xb) / 2.0).abs() < 1e-9, "{location:?} {row:?}");
    assert!((location.view.scale - (row.xb - row.xa)).abs() < 1e-9, "{location:?} {row:?}");

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
