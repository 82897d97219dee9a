//! Errors for bad parameters and failed renders.
//!
//! Every message names the parameter that was wrong and what is allowed, because these
//! strings reach people directly (CLI, API 400 bodies, the explorer's status line).

use thiserror::Error;

/// A parameter outside what the engine accepts.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum ParamError {
    /// An integer parameter (width, height, iterations, power) out of its range.
    #[error("{name} must be between {min} and {max}, got {value}")]
    OutOfRange {
        /// Parameter name as the user spells it (`width`, `iterations`, …).
        name: &'static str,
        /// The value given.
        value: u64,
        /// Smallest allowed value.
        min: u64,
        /// Largest allowed value.
        max: u64,
    },
    /// A coordinate or constant that is NaN or infinite.
    #[error("{name} must be a finite number, got {value}")]
    NotFinite {
        /// Parameter name (`xa`, `c.re`, `scale`, …).
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// A bound pair in the wrong order, e.g. `xa >= xb`.
    #[error("{low_name} must be less than {high_name}, got {low_name} = {low} and {high_name} = {high}")]
    BadBounds {
        /// Name of the lower bound (`xa` or `ya`).
        low_name: &'static str,
        /// Name of the upper bound (`xb` or `yb`).
        high_name: &'static str,
        /// The lower bound given.
        low: f64,
        /// The upper bound given.
        high: f64,
    },
    /// The region is so small that neighbouring pixels map to the same coordinate.
    #[error(
        "the view is too deep for 64-bit floats: {axis} spans {span:e} over {pixels} pixels (the smallest usable pixel step is about {min_step:e})"
    )]
    TooDeep {
        /// `x` or `y`.
        axis: &'static str,
        /// Extent of the region on that axis.
        span: f64,
        /// Pixels along that axis.
        pixels: u32,
        /// Smallest step that still separates pixels at this centre.
        min_step: f64,
    },
    /// width × height above the configured pixel cap.
    #[error("image of {width} x {height} = {pixels} pixels is over the cap of {cap} pixels")]
    TooManyPixels {
        /// Requested width.
        width: u32,
        /// Requested height.
        height: u32,
        /// width × height.
        pixels: u64,
        /// The configured cap.
        cap: u64,
    },
    /// An unknown name for an enumerated parameter (kind, palette, kernel).
    #[error("unknown {what} '{given}'; allowed: {allowed}")]
    UnknownName {
        /// What was being named (`kind`, `palette`, `kernel path`).
        what: &'static str,
        /// The name given.
        given: String,
        /// Comma-separated list of allowed names.
        allowed: String,
    },
    /// A kind without a deep-zoom path, asked for a view deeper than doubles resolve.
    #[error(
        "{kind} cannot be rendered this deep (view width {width}): 64-bit floats stop resolving its pixels; deep zoom supports {supported}"
    )]
    DeepUnsupported {
        /// The kind asked for.
        kind: &'static str,
        /// The view width asked for, as text (it may be far below any double).
        width: String,
        /// The kinds that do render at any depth.
        supported: &'static str,
    },
    /// A value that could not be parsed at all.
    #[error("cannot parse {what} from '{given}': expected {expected}")]
    Unparsable {
        /// What was being parsed.
        what: &'static str,
        /// The text given.
        given: String,
        /// What the text should look like.
        expected: &'static str,
    },
}

impl ParamError {
    /// The parameter the error is about, as the user spells it (`width`, `xa`, `kind`, …).
    pub fn field(&self) -> &'static str {
        match self {
            Self::OutOfRange { name, .. } | Self::NotFinite { name, .. } => name,
            Self::BadBounds { low_name, .. } => low_name,
            Self::TooDeep { axis, .. } => {
                if *axis == "x" {
                    "xb"
                } else {
                    "yb"
                }
            }
            Self::TooManyPixels { .. } => "width",
            Self::DeepUnsupported { .. } => "kind",
            Self::UnknownName { what, .. } | Self::Unparsable { what, .. } => what,
        }
    }
}

/// A render that did not complete.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The parameters were rejected before any work was done.
    #[error(transparent)]
    Params(#[from] ParamError),
    /// The caller cancelled the render through its [`crate::Control`].
    #[error("render cancelled")]
    Cancelled,
    /// A kernel path was requested that this CPU cannot run.
    #[error("kernel path '{0}' is not supported on this CPU")]
    UnsupportedKernel(&'static str),
    /// Writing the PNG failed.
    #[error("writing PNG: {0}")]
    Png(#[from] png::EncodingError),
    /// An I/O error from the output writer.
    #[error("writing output: {0}")]
    Io(#[from] std::io::Error),
}

/// Looks up `given` among `all` by name, case-insensitively, after mapping `aliases`
/// (`(alias, name)` pairs); the error lists every allowed name.
pub(crate) fn parse_name<T: Copy>(
    what: &'static str,
    given: &str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
    aliases: &[(&str, &str)],
) -> Result<T, ParamError> {
    let lower = given.trim().to_ascii_lowercase();
    let wanted = aliases.iter().find(|(alias, _)| *alias == lower).map_or(lower.as_str(), |(_, n)| *n);
    all.iter().copied().find(|t| name(*t) == wanted).ok_or_else(|| ParamError::UnknownName {
        what,
        given: given.to_owned(),
        allowed: all.iter().map(|t| name(*t)).collect::<Vec<_>>().join(", "),
    })
}
