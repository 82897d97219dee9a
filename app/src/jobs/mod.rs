//! Background jobs besides rendering, each on a thread of its own and polled from the
//! frame loop: [`save_image`], the native [`file_dialog`], and the CI `screenshot`.
//! `Jobs` is the app's area for them.

pub mod file_dialog;
pub mod save_image;
pub(crate) mod screenshot;

use std::path::PathBuf;

use file_dialog::DialogError;
use file_dialog::{DialogPurpose, FileDialogs};
use save_image::{SaveError, SaveJob, SaveRequest, SaveSummary};
use screenshot::ScreenshotJob;

/// What finished since the last frame.
#[derive(Debug, Default)]
pub(crate) struct Finished {
    /// An image save, and how it went.
    pub(crate) save: Option<Result<SaveSummary, SaveError>>,
    /// A file dialog's answer: `None` when cancelled or when there is no dialog.
    pub(crate) dialog: Option<(DialogPurpose, Option<PathBuf>)>,
}

/// The app's running jobs: at most one image save, one file dialog and one screenshot.
#[derive(Debug, Default)]
pub(crate) struct Jobs {
    save: Option<SaveJob>,
    dialogs: FileDialogs,
    screenshot: Option<ScreenshotJob>,
}

impl Jobs {
    /// Takes the screenshot `job` once the picture is on screen.
    pub(crate) fn set_screenshot(&mut self, job: ScreenshotJob) {
        self.screenshot = Some(job);
    }

    /// The image save running, if any.
    pub(crate) fn save_job(&self) -> Option<&SaveJob> {
        self.save.as_ref()
    }

    /// Starts saving an image; returns where it goes.
    pub(crate) fn start_save(&mut self, request: SaveRequest, ctx: &egui::Context) -> Result<PathBuf, SaveError> {
        if self.save.is_some() {
            return Err(SaveError::Busy);
        }
        let job = SaveJob::start(request, ctx.clone())?;
        let path = job.path().to_path_buf();
        self.save = Some(job);
        Ok(path)
    }

    /// Stops the image save, if one runs.
    pub(crate) fn cancel_save(&self) {
        if let Some(job) = &self.save {
            job.cancel();
        }
    }

    /// Opens a file dialog for `purpose` starting at `current` (a typed path).
    pub(crate) fn browse(
        &mut self,
        purpose: DialogPurpose,
        current: &str,
        ctx: &egui::Context,
    ) -> Result<(), DialogError> {
        self.dialogs.open(purpose, current, ctx)
    }

    /// What finished since the last call.
    pub(crate) fn poll(&mut self) -> Finished {
        let mut finished = Finished::default();
        if let Some(job) = &self.save
            && let Some(result) = job.poll()
        {
            self.save = None;
            finished.save = Some(result);
        }
        finished.dialog = self.dialogs.poll();
        finished
    }

    /// Advances the screenshot, if one is pending; `picture_on_screen` says whether the
    /// newest request's full picture shows.
    pub(crate) fn drive_screenshot(&mut self, ctx: &egui::Context, picture_on_screen: bool) {
        if let Some(job) = &mut self.screenshot {
            job.drive(ctx, picture_on_screen);
        }
    }
}

impl Drop for Jobs {
    /// Stops a save nobody will see finish.
    fn drop(&mut self) {
        self.cancel_save();
    }
}
