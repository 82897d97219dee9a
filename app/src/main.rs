//! Opens the explorer window, or runs the zoom benchmark (`--bench-zoom`). All behaviour
//! lives in the library so tests can drive it.

use std::sync::Arc;

use anyhow::{Context as _, anyhow, bail};
use faafo_explorer::{ExplorerApp, SCREENSHOT_ENV, ScreenshotOutcome, TITLE, bench};

/// The window icon, also installed for the desktop entry (`assets/icons`).
const ICON_PNG: &[u8] = include_bytes!("../../assets/icons/faafo-explorer-256.png");

const USAGE: &str = "usage: faafo-explorer                 open the explorer window
       faafo-explorer --bench-zoom [--repeat N] [--quiet] [--fly-only] [--deep-only]
                                       play a fixed zoom/pan/fly script at 1920x1080 without a
                                       window and print per-frame figures and a summary
       faafo-explorer --bench-cluster [--rows N] [--tiles N] [--poster-side PX] [--frames N] [--programs DIR]
                                       start a local cluster, list N fractals (10000) and stream
                                       an N x N-tile poster (8); print the Cluster window's frame times";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None => run_window(),
        Some("--bench-zoom") => bench::run(&bench::BenchOptions::parse(&args[1..])?),
        Some("--bench-cluster") => bench::cluster::run(&bench::cluster::ClusterBenchOptions::parse(&args[1..])?),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown argument '{other}'\n{USAGE}"),
    }
}

fn run_window() -> anyhow::Result<()> {
    // Before any other thread starts: a kill or Ctrl+C then closes the window as its
    // close button does, saving the last view.
    #[cfg(unix)]
    let signals = faafo_explorer::app::exit_signals::ExitSignals::install()
        .map_err(|e| eprintln!("faafo-explorer: signals will end the explorer without saving: {e}"))
        .ok();
    let screenshot = std::env::var_os(SCREENSHOT_ENV).map(std::path::PathBuf::from);
    let outcome = ScreenshotOutcome::default();

    let mut viewport = egui::ViewportBuilder::default()
        .with_title(TITLE)
        .with_app_id("faafo-explorer")
        .with_inner_size([1280.0, 800.0])
        .with_min_inner_size([480.0, 320.0]);
    match eframe::icon_data::from_png_bytes(ICON_PNG) {
        Ok(icon) => viewport = viewport.with_icon(Arc::new(icon)),
        Err(e) => eprintln!("faafo-explorer: window icon unusable: {e}"),
    }
    let options = eframe::NativeOptions { viewport, ..Default::default() };
    let app_outcome = outcome.clone();
    let app_screenshot = screenshot.clone();
    eframe::run_native(
        TITLE,
        options,
        Box::new(move |cc| {
            #[cfg(unix)]
            if let Some(s) = &signals {
                s.set_window(&cc.egui_ctx);
            }
            let app = match app_screenshot {
                // A screenshot shows the home view, whatever the user's settings say, and
                // leaves them alone.
                Some(path) => ExplorerApp::with_store(&cc.egui_ctx, None).screenshot_then_close(path, app_outcome),
                None => ExplorerApp::new(cc),
            };
            Ok(Box::new(app))
        }),
    )
    // eframe's error is not `Send + Sync` on every platform, so keep only its message.
    .map_err(|e| anyhow!("running the window: {e}"))?;

    if let Some(path) = screenshot {
        match outcome.get() {
            Some(Ok(saved)) => eprintln!("screenshot saved to {}", saved.display()),
            Some(Err(err)) => {
                return Err(anyhow!("{err}")).context(format!("screenshot {}", path.display()));
            }
            None => bail!("window closed before the screenshot {} was taken", path.display()),
        }
    }
    Ok(())
}
