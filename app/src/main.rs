//! Opens the explorer window. All behaviour lives in the library so tests can drive it.

use anyhow::{Context as _, anyhow, bail};
use faafo_explorer::{ExplorerApp, SCREENSHOT_ENV, ScreenshotOutcome, TITLE};

fn main() -> anyhow::Result<()> {
    let screenshot = std::env::var_os(SCREENSHOT_ENV).map(std::path::PathBuf::from);
    let outcome = ScreenshotOutcome::default();

    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default().with_title(TITLE).with_inner_size([1280.0, 800.0]),
        ..Default::default()
    };
    let app_outcome = outcome.clone();
    let app_screenshot = screenshot.clone();
    eframe::run_native(
        TITLE,
        options,
        Box::new(move |cc| {
            let mut app = ExplorerApp::new(cc);
            if let Some(path) = app_screenshot {
                app = app.screenshot_then_close(path, app_outcome);
            }
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
