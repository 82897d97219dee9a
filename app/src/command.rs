//! What the UI asks for. Panels and the canvas return commands instead of changing state
//! themselves; [`crate::ExplorerApp`] applies them in one place, which is where history,
//! persistence and re-rendering are taken care of.

use std::path::PathBuf;

use faafo_engine::{Colouring, Complex64, Fractal, FractalKind, Palette};

use crate::jobs::file_dialog::DialogPurpose;
use crate::model::location::{Iterations, Location};
use crate::model::view::View;

/// One change the UI asks for.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Move the view (wheel, drag, keys, box, double-click). `continuous_at` is the time
    /// of a continuous gesture (it groups history entries), `None` for a discrete change.
    SetView {
        view: View,
        /// egui time, in seconds.
        continuous_at: Option<f64>,
    },
    /// Go to a location (bookmark, pasted text, opened file), optionally with colours.
    GoTo {
        location: Location,
        /// Colours to switch to, if the source had any.
        colouring: Option<Colouring>,
    },
    /// Switch kind; the view goes to the kind's home.
    SetKind(FractalKind),
    /// Change the constants (c, power) of the current kind; the view stays.
    SetFractal(Fractal),
    /// Change the iteration limit.
    SetIterations(Iterations),
    /// Change offset, cycle length or interior colour (or the palette).
    SetColouring(Colouring),
    /// Use an engine palette (dropping a loaded palette file).
    SetPalette(Palette),
    /// Load a palette file.
    LoadPalette(PathBuf),
    /// Write the loaded gradient, with the colouring mode, light and band in use, as a
    /// palette file.
    SavePalette(PathBuf),
    /// Turn colour cycling on or off, at a speed in cycles per minute.
    SetCycling {
        on: bool,
        /// 0.5..=120, as the panel's slider offers.
        cycles_per_minute: f32,
    },
    /// Switch to the Julia set of `c` (Ctrl-click on a Mandelbrot view).
    PickJulia(Complex64),
    /// History back.
    Back,
    /// History forward.
    Forward,
    /// Back to the kind's home view.
    Reset,
    /// Bookmark the current location under a name.
    AddBookmark(String),
    /// Go to bookmark `i`.
    OpenBookmark(usize),
    /// Delete bookmark `i`.
    DeleteBookmark(usize),
    /// Put the location's text on the clipboard.
    CopyLocation,
    /// Go to the location in the text (one line, or a whole parameter file).
    PasteLocation(String),
    /// Open a parameter file.
    OpenParams(PathBuf),
    /// Save the location and colours as a parameter file.
    SaveParams(PathBuf),
    /// Open a native file dialog.
    Browse(DialogPurpose),
    /// Show or hide the "Save image" window.
    ShowSaveImage(bool),
    /// Start saving an image.
    StartSave {
        /// In pixels, 2..=16384 (checked when the save starts).
        width: u32,
        /// In pixels, 2..=16384.
        height: u32,
        /// `.png` is added when it has no extension; the extension picks the format
        /// (`.png`, `.jpg`/`.jpeg`; others are refused).
        path: PathBuf,
        /// Bits per channel of a PNG.
        depth: faafo_engine::BitDepth,
        /// Quality of a JPEG, 1..=100.
        jpeg_quality: u8,
    },
    /// Cancel the running save.
    CancelSave,
    /// Show or hide the "Deploy to OpenStack" window.
    ShowDeploy(bool),
    /// Show or hide the Cluster window.
    ShowCluster(bool),
    /// Tell the person something went wrong (bad typed input), in the status bar.
    Error(String),
    /// Show or hide the Messages window (the log of every notice and error).
    ShowMessages(bool),
    /// Set the hold-to-fly speed, magnification per second.
    SetFlySpeed(f64),
}
