//! Why an image was not saved, with messages that name the file and what to change, and
//! the mapping of the engine's and encoders' errors onto them (a cancelled render is a
//! cancelled save, an I/O error a write error on the destination).

use std::path::{Path, PathBuf};

use faafo_engine::{ImageError, RenderError};

use super::MAX_SIDE;

/// Why an image was not saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// A side outside 2..=[`MAX_SIDE`].
    #[error("image {name} must be between 2 and {MAX_SIDE} pixels, got {value}")]
    Size {
        /// "width" or "height".
        name: &'static str,
        value: u32,
    },
    /// Another image is being saved.
    #[error("an image is already being saved")]
    Busy,
    /// No file name typed.
    #[error("type a file name to save the image to")]
    NoPath,
    /// The path names a folder.
    #[error("{} is a folder; add a file name", .0.display())]
    IsFolder(PathBuf),
    /// The file's folder is missing.
    #[error("folder {} does not exist", .0.display())]
    NoFolder(PathBuf),
    /// The view cannot be rendered at this size (too deep for its pixels).
    #[error(transparent)]
    Frame(#[from] faafo_engine::ParamError),
    /// The save's thread could not start.
    #[error("cannot start the save thread: {0}")]
    Thread(std::io::Error),
    /// Cancelled; no file is left.
    #[error("save cancelled")]
    Cancelled,
    /// The file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    /// The PNG encoder failed.
    #[error("cannot write {}: {source}", path.display())]
    Encode { path: PathBuf, source: png::EncodingError },
    /// The engine could not render the image.
    #[error("cannot save {}: {source}", path.display())]
    Render { path: PathBuf, source: RenderError },
    /// An extension with no encoder, a bad JPEG quality, or the JPEG encoder failed.
    #[error(transparent)]
    Image(ImageError),
}

impl SaveError {
    pub(super) fn write(path: &Path) -> impl Fn(std::io::Error) -> Self + Copy + '_ {
        |source| Self::Write { path: path.to_path_buf(), source }
    }

    pub(super) fn encode(path: &Path) -> impl Fn(png::EncodingError) -> Self + Copy + '_ {
        |source| Self::Encode { path: path.to_path_buf(), source }
    }

    pub(super) fn render(path: &Path) -> impl Fn(RenderError) -> Self + Copy + '_ {
        |e| match e {
            RenderError::Cancelled => Self::Cancelled,
            RenderError::Io(source) => Self::Write { path: path.to_path_buf(), source },
            source => Self::Render { path: path.to_path_buf(), source },
        }
    }

    pub(super) fn image(path: &Path) -> impl Fn(ImageError) -> Self + Copy + '_ {
        |e| match e {
            ImageError::Render(e) => Self::render(path)(e),
            ImageError::Jpeg(image::ImageError::IoError(source)) => Self::Write { path: path.to_path_buf(), source },
            e => Self::Image(e),
        }
    }
}
