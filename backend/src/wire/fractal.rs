//! The `fractal` row and its JSON forms.
//!
//! The original table (faafo-spec §2) has `uuid, checksum, url, duration, size, width,
//! height, iterations, xa, xb, ya, yb, image, generated_by`. Objects are every column but
//! `image`, keys sorted (Flask's `jsonify`). The additive columns — `status`, `error`,
//! `created_at`, `updated_at`, `kind`, `c_re`, `c_im`, `seed`, `palette` — make every
//! image reproducible and its state visible; old clients ignore them.
//!
//! A deep view's place cannot be said in doubles (below about 1e-13 of width neighbouring
//! pixels share a coordinate), so a fractal may also carry its exact location:
//! `center_re`, `center_im` (decimal strings, as many digits as the depth needs) and
//! `scale` (the x extent as text, e.g. `5.06722630e-433`). `xa..yb` are then still filled
//! with their nearest doubles, for old clients; a worker renders the location, with
//! perturbation when doubles cannot ([`Location::needs_perturbation`]).

use faafo_engine::deep;
use faafo_engine::location::{Center, Location, Scale};
use faafo_engine::{
    Colouring, Complex64, Fractal as EngineFractal, FractalKind, Limits, Palette, Params, Region, Window, classic,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::WireError;
use super::colouring::{self, ColouringFields};

/// What a column holds, for typing request values and search filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Text.
    Text,
    /// 64-bit integer.
    Integer,
    /// Double-precision float.
    Real,
}

/// One column of the `fractal` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Column name (also the JSON key).
    pub name: &'static str,
    /// Its type.
    pub ty: ColumnType,
    /// Whether clients may set it on create and update.
    pub writable: bool,
}

const fn col(name: &'static str, ty: ColumnType, writable: bool) -> Column {
    Column { name, ty, writable }
}

/// Every column except `image`, which is write-only (it never appears in objects).
pub const COLUMNS: [Column; 35] = [
    col("uuid", ColumnType::Text, true),
    col("checksum", ColumnType::Text, true),
    col("url", ColumnType::Text, true),
    col("duration", ColumnType::Real, true),
    col("size", ColumnType::Integer, true),
    col("width", ColumnType::Integer, true),
    col("height", ColumnType::Integer, true),
    col("iterations", ColumnType::Integer, true),
    col("xa", ColumnType::Real, true),
    col("xb", ColumnType::Real, true),
    col("ya", ColumnType::Real, true),
    col("yb", ColumnType::Real, true),
    col("generated_by", ColumnType::Text, true),
    col("status", ColumnType::Text, true),
    col("error", ColumnType::Text, true),
    col("created_at", ColumnType::Text, false),
    col("updated_at", ColumnType::Text, false),
    col("kind", ColumnType::Text, true),
    col("c_re", ColumnType::Real, true),
    col("c_im", ColumnType::Real, true),
    col("seed", ColumnType::Integer, true),
    col("palette", ColumnType::Text, true),
    col("tile_x", ColumnType::Integer, true),
    col("tile_y", ColumnType::Integer, true),
    col("tile_width", ColumnType::Integer, true),
    col("tile_height", ColumnType::Integer, true),
    col("center_re", ColumnType::Text, true),
    col("center_im", ColumnType::Text, true),
    col("scale", ColumnType::Text, true),
    col("colouring", ColumnType::Text, true),
    col("light_angle", ColumnType::Real, true),
    col("light_elevation", ColumnType::Real, true),
    col("light_strength", ColumnType::Real, true),
    col("boundary_width", ColumnType::Real, true),
    col("antialias", ColumnType::Integer, true),
];

/// The columns of an exact location, all set or none.
pub const LOCATION_COLUMNS: [&str; 3] = ["center_re", "center_im", "scale"];

/// Longest exact coordinate, in characters: about 5,000 digits, a view 1e-4990 wide. The
/// task message (the object) must fit the outbox's `VARCHAR(12000)` on MySQL with both
/// coordinates in it.
pub const MAX_COORDINATE_CHARS: usize = 5000;

/// The row mapper, both ways, driven by [`COLUMNS`]: the only place besides the struct
/// itself that knows the row's shape, so a new column is a new field and a new entry in
/// [`COLUMNS`], and nothing else.
impl Fractal {
    /// The row's values, in [`COLUMNS`] order, typed as the columns are.
    pub fn values(&self) -> Vec<FieldValue> {
        let object = self.to_object();
        COLUMNS
            .iter()
            .map(|c| object.get(c.name).map_or(FieldValue::Null, |v| typed_value(c, v).unwrap_or(FieldValue::Null)))
            .collect()
    }

    /// The row from its values in [`COLUMNS`] order (as a database returns them).
    pub fn from_values(values: Vec<FieldValue>) -> Result<Self, String> {
        let mut object = Map::new();
        for (c, v) in COLUMNS.iter().zip(values) {
            let json = match v {
                FieldValue::Null => Value::Null,
                FieldValue::Text(t) => Value::String(t),
                FieldValue::Integer(i) => Value::from(i),
                FieldValue::Real(f) => {
                    serde_json::Number::from_f64(f).map(Value::Number).ok_or_else(|| format!("{} is {f}", c.name))?
                }
            };
            object.insert(c.name.to_owned(), json);
        }
        serde_json::from_value(Value::Object(object)).map_err(|e| e.to_string())
    }
}

/// The columns of a tile task, all set or none.
pub const TILE_COLUMNS: [&str; 4] = ["tile_x", "tile_y", "tile_width", "tile_height"];

/// The column called `name`, if any.
pub fn column(name: &str) -> Option<&'static Column> {
    COLUMNS.iter().find(|c| c.name == name)
}

/// Where a fractal is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Created, waiting for a worker.
    #[default]
    Pending,
    /// A worker has taken it.
    Rendering,
    /// The image is stored.
    Done,
    /// Rendering failed; `error` says why.
    Failed,
}

impl Status {
    /// The lowercase name stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Rendering => "rendering",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    /// Parses a stored or sent status name.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Rendering, Self::Done, Self::Failed].into_iter().find(|s| s.as_str() == text)
    }
}

/// One row of the `fractal` table, without the image bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fractal {
    /// Primary key; client-supplied in the original, generated when absent.
    pub uuid: String,
    /// Lowercase hex SHA-256 of the PNG.
    pub checksum: Option<String>,
    /// Always null (left over from the original's glance_store days).
    pub url: Option<String>,
    /// Render time in seconds, as the worker measured it.
    pub duration: Option<f64>,
    /// PNG size in bytes.
    pub size: Option<i64>,
    /// Image width in pixels.
    pub width: i64,
    /// Image height in pixels.
    pub height: i64,
    /// Escape tests per pixel.
    pub iterations: i64,
    /// Real part at column 0.
    pub xa: f64,
    /// Real part at the last column.
    pub xb: f64,
    /// Smaller imaginary part: at row 0 for `classic`, at the last row for the other
    /// kinds (their imaginary axis points up; `faafo_engine::Orientation`).
    pub ya: f64,
    /// Larger imaginary part: at the last row for `classic`, at row 0 for the others.
    pub yb: f64,
    /// Host name of the worker that rendered it.
    pub generated_by: Option<String>,
    /// Life-cycle state.
    pub status: Status,
    /// Why rendering failed, when it did.
    pub error: Option<String>,
    /// Creation time, RFC 3339 UTC.
    pub created_at: String,
    /// Last change, RFC 3339 UTC.
    pub updated_at: String,
    /// Fractal kind (`classic` for the original's tasks).
    pub kind: String,
    /// Real part of the Julia constant actually used (classic, julia).
    pub c_re: Option<f64>,
    /// Imaginary part of the Julia constant actually used.
    pub c_im: Option<f64>,
    /// Seed of the classic kind's search for `c`.
    pub seed: Option<i64>,
    /// Palette name.
    pub palette: String,
    /// A poster's tile: left column of the tile in the whole `width` × `height` image.
    /// The PNG is then the tile's pixels only. Absent (and not sent) for whole images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tile_x: Option<i64>,
    /// Top row of the tile in the whole image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tile_y: Option<i64>,
    /// The tile's width in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tile_width: Option<i64>,
    /// The tile's height in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tile_height: Option<i64>,
    /// The exact real part of the centre, as decimal text; with `center_im` and `scale`
    /// the view's location at any depth. Absent (and not sent) when the fractal has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub center_re: Option<String>,
    /// The exact imaginary part of the centre.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub center_im: Option<String>,
    /// The view's x extent (xb − xa) as text with an exponent, exact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<String>,
    /// Colouring mode: `escape`, `distance`, `lighting` or `stripes` (see [`super::colouring`]).
    /// This and the five below are absent (and not sent) when not given: escape time,
    /// one sample per pixel, as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colouring: Option<String>,
    /// Lighting: the light's direction, degrees counter-clockwise from the real axis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub light_angle: Option<f64>,
    /// Lighting: the light's height (0 = grazing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub light_elevation: Option<f64>,
    /// Lighting: how much slopes facing away darken, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub light_strength: Option<f64>,
    /// Distance: pixels near the set that fade into the interior colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary_width: Option<f64>,
    /// Samples per side of each pixel (1 to 4), jittered and averaged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub antialias: Option<i64>,
}

impl Fractal {
    /// A pending row for a validated request, with the constant and seed to record and
    /// `now` as both timestamps.
    pub fn from_new(uuid: String, new: &NewFractal, c: Option<Complex64>, seed: Option<i64>, now: String) -> Self {
        Self {
            uuid,
            checksum: None,
            url: None,
            duration: None,
            size: None,
            width: i64::from(new.width),
            height: i64::from(new.height),
            iterations: i64::from(new.iterations),
            xa: new.region.xa,
            xb: new.region.xb,
            ya: new.region.ya,
            yb: new.region.yb,
            generated_by: None,
            status: Status::Pending,
            error: None,
            created_at: now.clone(),
            updated_at: now,
            kind: new.kind.name().to_owned(),
            c_re: c.map(|c| c.re),
            c_im: c.map(|c| c.im),
            seed,
            palette: new.palette.name().to_owned(),
            tile_x: new.window.map(|w| i64::from(w.x)),
            tile_y: new.window.map(|w| i64::from(w.y)),
            tile_width: new.window.map(|w| i64::from(w.width)),
            tile_height: new.window.map(|w| i64::from(w.height)),
            center_re: new.location.as_ref().map(|l| l.center.re().to_owned()),
            center_im: new.location.as_ref().map(|l| l.center.im().to_owned()),
            scale: new.location.as_ref().map(|l| l.scale.to_string()),
            colouring: new.colouring.colouring.clone(),
            light_angle: new.colouring.light_angle,
            light_elevation: new.colouring.light_elevation,
            light_strength: new.colouring.light_strength,
            boundary_width: new.colouring.boundary_width,
            antialias: new.colouring.antialias,
        }
    }

    /// The original API's example object (its §3.2): a pending classic 510 × 278 render
    /// of that region, seed 7, no image yet. One row written out once, for tests and
    /// examples to start from: `Fractal { width: 64, ..Fractal::example() }`.
    pub fn example() -> Self {
        Self {
            uuid: "212e8c23-e67f-4bd3-86e1-5a5e811ee2f4".into(),
            checksum: None,
            url: None,
            duration: None,
            size: None,
            width: 510,
            height: 278,
            iterations: 281,
            xa: -3.3528957195683087,
            xb: 1.1428457603077387,
            ya: -2.1341119130263717,
            yb: 2.478654026560605,
            generated_by: None,
            status: Status::Pending,
            error: None,
            created_at: "2026-11-27T04:00:00.000000Z".into(),
            updated_at: "2026-11-27T04:00:00.000000Z".into(),
            kind: "classic".into(),
            c_re: None,
            c_im: None,
            seed: Some(7),
            palette: "classic".into(),
            tile_x: None,
            tile_y: None,
            tile_width: None,
            tile_height: None,
            center_re: None,
            center_im: None,
            scale: None,
            colouring: None,
            light_angle: None,
            light_elevation: None,
            light_strength: None,
            boundary_width: None,
            antialias: None,
        }
    }

    /// The colouring columns as given (absent ones `None`).
    pub fn colouring_fields(&self) -> ColouringFields {
        ColouringFields {
            colouring: self.colouring.clone(),
            light_angle: self.light_angle,
            light_elevation: self.light_elevation,
            light_strength: self.light_strength,
            boundary_width: self.boundary_width,
            antialias: self.antialias,
        }
    }

    /// The exact location this fractal carries, if any.
    pub fn location(&self) -> Result<Option<Location>, WireError> {
        location_from([self.center_re.as_deref(), self.center_im.as_deref(), self.scale.as_deref()])
    }

    /// The exact location when it must be rendered with perturbation (doubles cannot tell
    /// this image's pixels apart, and the kind has a deep path); `None` renders
    /// [`Fractal::params`]'s region as always.
    pub fn deep_location(&self) -> Result<Option<Location>, WireError> {
        let (width, height) = (u32::try_from(self.width).unwrap_or(0), u32::try_from(self.height).unwrap_or(0));
        let kind: FractalKind = self.kind.parse().map_err(|e| WireError::invalid_field("kind", e))?;
        Ok(self.location()?.filter(|l| renders_deep(kind, l, width, height)))
    }

    /// Whether it will not change any more (done or failed).
    pub fn finished(&self) -> bool {
        matches!(self.status, Status::Done | Status::Failed)
    }

    /// The constant used (classic, julia), when recorded.
    pub fn c(&self) -> Option<Complex64> {
        Some(Complex64::new(self.c_re?, self.c_im?))
    }

    /// The tile of the whole image this task renders, when it is one.
    pub fn window(&self) -> Result<Option<Window>, WireError> {
        tile_window([self.tile_x, self.tile_y, self.tile_width, self.tile_height])
    }

    /// The JSON object the API sends: every column, keys sorted.
    pub fn to_object(&self) -> Value {
        // serde_json's map is ordered by key (no `preserve_order`), which is exactly
        // Flask's sorted `jsonify` output.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The engine parameters of this fractal, for rendering it.
    pub fn params(&self) -> Result<Params, WireError> {
        let kind: FractalKind = self.kind.parse().map_err(|e| WireError::invalid_field("kind", e))?;
        let c = match (self.c_re, self.c_im) {
            (Some(re), Some(im)) => Some(Complex64::new(re, im)),
            _ => None,
        };
        let region = Region::new(self.xa, self.xb, self.ya, self.yb);
        let iterations = u32::try_from(self.iterations).unwrap_or(0);
        let seed = self.seed.unwrap_or(0) as u64;
        let fractal =
            EngineFractal::from_kind(kind, c, MULTIBROT_POWER, || classic::find_c(&region, iterations, seed).c);
        let palette: Palette = self.palette.parse().map_err(|e| WireError::invalid_field("palette", e))?;
        Ok(Params {
            fractal,
            region,
            width: u32::try_from(self.width).unwrap_or(0),
            height: u32::try_from(self.height).unwrap_or(0),
            max_iterations: iterations,
            colouring: self.colouring_fields().apply(Colouring { palette, ..Colouring::default() })?,
        })
    }
}

/// Columns whose change alters the picture: an update that sets one is checked as a
/// create is.
pub const RENDER_COLUMNS: [&str; 25] = [
    "width",
    "height",
    "iterations",
    "xa",
    "xb",
    "ya",
    "yb",
    "kind",
    "c_re",
    "c_im",
    "seed",
    "palette",
    "tile_x",
    "tile_y",
    "tile_width",
    "tile_height",
    "center_re",
    "center_im",
    "scale",
    "colouring",
    "light_angle",
    "light_elevation",
    "light_strength",
    "boundary_width",
    "antialias",
];

impl Fractal {
    /// This row with `fields` set, checked as `POST` checks a new one: what a `PUT` may
    /// store is exactly what a worker can render.
    pub fn updated(&self, fields: &[(&'static Column, FieldValue)], limits: &Limits) -> Result<Self, WireError> {
        let mut row = self.clone();
        for (column, value) in fields {
            row.set(column.name, value)?;
        }
        let params = row.params()?;
        let probe = Params {
            fractal: match params.fractal {
                // The classic kind's constant search is the worker's job, not a check.
                EngineFractal::Classic { .. } => EngineFractal::Julia { c: Complex64::new(0.0, 0.0) },
                other => other,
            },
            ..params
        };
        check_render(&probe, row.location()?.as_ref(), row.window()?, limits)?;
        Ok(row)
    }

    /// Sets one render column from a typed value.
    fn set(&mut self, name: &str, value: &FieldValue) -> Result<(), WireError> {
        let required = || WireError::invalid_field(name, "is required and cannot be null");
        let int = || match value {
            FieldValue::Integer(i) => Ok(*i),
            _ => Err(required()),
        };
        let real = || match value {
            FieldValue::Real(f) => Ok(*f),
            FieldValue::Integer(i) => Ok(*i as f64),
            _ => Err(required()),
        };
        let optional_real = || match value {
            FieldValue::Null => Ok(None),
            _ => real().map(Some),
        };
        let text = || match value {
            FieldValue::Text(t) => Ok(t.clone()),
            _ => Err(required()),
        };
        match name {
            "width" => self.width = int()?,
            "height" => self.height = int()?,
            "iterations" => self.iterations = int()?,
            "xa" => self.xa = real()?,
            "xb" => self.xb = real()?,
            "ya" => self.ya = real()?,
            "yb" => self.yb = real()?,
            "kind" => self.kind = text()?,
            "palette" => self.palette = text()?,
            "c_re" => self.c_re = optional_real()?,
            "c_im" => self.c_im = optional_real()?,
            "center_re" | "center_im" | "scale" | "colouring" => {
                let v = match value {
                    FieldValue::Null => None,
                    _ => Some(text()?),
                };
                match name {
                    "center_re" => self.center_re = v,
                    "center_im" => self.center_im = v,
                    "colouring" => self.colouring = v,
                    _ => self.scale = v,
                }
            }
            "light_angle" => self.light_angle = optional_real()?,
            "light_elevation" => self.light_elevation = optional_real()?,
            "light_strength" => self.light_strength = optional_real()?,
            "boundary_width" => self.boundary_width = optional_real()?,
            "seed" | "tile_x" | "tile_y" | "tile_width" | "tile_height" | "antialias" => {
                let v = match value {
                    FieldValue::Null => None,
                    _ => Some(int()?),
                };
                match name {
                    "seed" => self.seed = v,
                    "tile_x" => self.tile_x = v,
                    "tile_y" => self.tile_y = v,
                    "tile_width" => self.tile_width = v,
                    "antialias" => self.antialias = v,
                    _ => self.tile_height = v,
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// The power of every `multibrot` task: the wire format has no column for it.
pub const MULTIBROT_POWER: u32 = 3;

/// A typed value for one column (what a request sets).
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// SQL NULL.
    Null,
    /// Text.
    Text(String),
    /// Integer.
    Integer(i64),
    /// Float.
    Real(f64),
}

/// Longest `error` text kept; longer reports are cut.
pub const MAX_ERROR_CHARS: usize = 4000;

/// Longest uuid: the MySQL/MariaDB key column is `VARCHAR(36)`, a UUID's length.
pub const MAX_UUID_CHARS: usize = 36;

/// Checks a client-supplied or path uuid: a UUID, or 1 to 36 of `A-Z a-z 0-9 _ -`. It
/// names a row, a URL path segment, an object in an image store and a queue message, so
/// nothing that needs escaping in any of them (`/`, `%`, spaces, `?`, `#`, NUL) is let in.
pub fn check_uuid(uuid: &str) -> Result<(), WireError> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    if (1..=MAX_UUID_CHARS).contains(&uuid.len()) && uuid.bytes().all(allowed) {
        Ok(())
    } else {
        let shown: String = uuid.chars().take(40).flat_map(char::escape_default).collect();
        Err(WireError::invalid_field(
            "uuid",
            format!("must be 1 to {MAX_UUID_CHARS} characters of A-Z, a-z, 0-9, '-' and '_' (a UUID); got \"{shown}\""),
        ))
    }
}

/// Converts a JSON value to the column's type, or says what was expected.
pub fn typed_value(column: &Column, value: &Value) -> Result<FieldValue, WireError> {
    let bad = |expected: &str| WireError::invalid_field(column.name, format!("expected {expected}, got {value}"));
    Ok(match (column.ty, value) {
        (_, Value::Null) => FieldValue::Null,
        // PostgreSQL refuses NUL in text (a 500 before); no column has a use for it.
        (ColumnType::Text, Value::String(s)) if s.contains('\0') => {
            return Err(WireError::invalid_field(column.name, "must not contain a NUL character"));
        }
        // A status outside the four would make the row unreadable afterwards.
        (ColumnType::Text, Value::String(s)) if column.name == "status" && Status::parse(s).is_none() => {
            return Err(WireError::invalid_field(
                "status",
                format!("must be one of pending, rendering, done, failed; got '{s}'"),
            ));
        }
        // Every database can hold this much (MySQL's column is VARCHAR(8000)).
        (ColumnType::Text, Value::String(s)) if column.name == "error" && s.chars().count() > MAX_ERROR_CHARS => {
            FieldValue::Text(s.chars().take(MAX_ERROR_CHARS).collect())
        }
        (ColumnType::Text, Value::String(s)) => FieldValue::Text(s.clone()),
        (ColumnType::Integer, Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => FieldValue::Integer(i),
            // Python clients may send 512.0 for an integer column; accept whole floats.
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => FieldValue::Integer(f as i64),
            _ => return Err(bad("an integer")),
        },
        (ColumnType::Real, Value::Number(n)) => FieldValue::Real(n.as_f64().ok_or_else(|| bad("a number"))?),
        (ColumnType::Text, _) => return Err(bad("a string")),
        (ColumnType::Integer, _) => return Err(bad("an integer")),
        (ColumnType::Real, _) => return Err(bad("a number")),
    })
}

/// The body of `POST /v1/fractal`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFractal {
    /// Client-supplied uuid, if any.
    pub uuid: Option<String>,
    /// The validated render parameters and reproducibility fields.
    pub width: u32,
    /// Image height.
    pub height: u32,
    /// Escape tests per pixel.
    pub iterations: u32,
    /// The region.
    pub region: Region,
    /// Kind name.
    pub kind: FractalKind,
    /// Julia constant, when given.
    pub c: Option<Complex64>,
    /// Seed for the classic search, when given.
    pub seed: Option<i64>,
    /// Palette.
    pub palette: Palette,
    /// The tile of the whole image to render, for a poster's tile.
    pub window: Option<Window>,
    /// The exact location, when the request gave one (`region` is then its nearest
    /// doubles unless the request gave `xa..yb` too).
    pub location: Option<Location>,
    /// The colouring mode, its light and antialiasing, as given (all `None`: as before).
    pub colouring: ColouringFields,
}

/// The exact location a create body gives, if any.
fn location_of(object: &Map<String, Value>) -> Result<Option<Location>, WireError> {
    let mut texts = [None; 3];
    for (text, name) in texts.iter_mut().zip(LOCATION_COLUMNS) {
        *text = match object.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(other) => {
                return Err(WireError::invalid_field(name, format!("expected a string (exact decimal), got {other}")));
            }
        };
    }
    location_from(texts)
}

/// A location from its three texts: all given, or none; each a number the engine reads
/// exactly, no longer than [`MAX_COORDINATE_CHARS`], the scale above zero.
fn location_from(texts: [Option<&str>; 3]) -> Result<Option<Location>, WireError> {
    let given = texts.iter().filter(|t| t.is_some()).count();
    if given == 0 {
        return Ok(None);
    }
    if given < 3 {
        return Err(WireError::invalid_field("center_re", "center_re, center_im and scale go together"));
    }
    for (text, name) in texts.iter().zip(LOCATION_COLUMNS) {
        let length = text.map_or(0, str::len);
        if length > MAX_COORDINATE_CHARS {
            return Err(WireError::invalid_field(
                name,
                format!("is {length} characters long; at most {MAX_COORDINATE_CHARS} are allowed"),
            ));
        }
    }
    let [re, im, scale] = texts.map(Option::unwrap_or_default);
    let center = Center::parse(re, im).map_err(|e| {
        let field = if e.field().contains("imaginary") { "center_im" } else { "center_re" };
        WireError::invalid_field(field, e)
    })?;
    let scale = Scale::parse(scale).map_err(|e| WireError::invalid_field("scale", e))?;
    Ok(Some(Location::new(center, scale)))
}

/// The tile a create body asks for, if any.
fn tile_of(object: &Map<String, Value>) -> Result<Option<Window>, WireError> {
    let mut values = [None; 4];
    for (value, name) in values.iter_mut().zip(TILE_COLUMNS) {
        let (Some(c), Some(v)) = (column(name), object.get(name)) else { continue };
        *value = match typed_value(c, v)? {
            FieldValue::Integer(i) => Some(i),
            _ => None,
        };
    }
    tile_window(values)
}

/// A window from the four tile values: all given, or none; each within `u32`.
fn tile_window(values: [Option<i64>; 4]) -> Result<Option<Window>, WireError> {
    let given = values.iter().filter(|v| v.is_some()).count();
    if given == 0 {
        return Ok(None);
    }
    if given < 4 {
        return Err(WireError::invalid_field("tile_x", "tile_x, tile_y, tile_width and tile_height go together"));
    }
    let mut parts = [0u32; 4];
    for ((part, value), name) in parts.iter_mut().zip(values).zip(TILE_COLUMNS) {
        let v = value.unwrap_or_default();
        *part = u32::try_from(v)
            .map_err(|_| WireError::invalid_field(name, format!("must be from 0 to {}, got {v}", u32::MAX)))?;
    }
    let [x, y, width, height] = parts;
    Ok(Some(Window { x, y, width, height }))
}

/// The engine's checks of an image with an exact location: a shallow one as
/// [`check_params`] checks its region, a deep one (see [`Location::needs_perturbation`])
/// with everything but the region (whose doubles cannot tell its pixels apart) checked
/// the same way, and the kind one the deep renderer can draw.
fn check_render(
    params: &Params,
    location: Option<&Location>,
    window: Option<Window>,
    limits: &Limits,
) -> Result<(), WireError> {
    let kind = params.fractal.kind();
    let (width, height) = (params.width, params.height);
    if !location.is_some_and(|l| renders_deep(kind, l, width, height)) {
        return check_params(params, window, limits).map_err(|e| match location {
            // Past doubles with a kind that has no deep path: say so, not "too deep".
            Some(l)
                if l.needs_perturbation(width, height)
                    && ["xa", "xb", "ya", "yb"].contains(&e.body["field"].as_str().unwrap_or_default()) =>
            {
                let what = match kind {
                    FractalKind::Multibrot => format!("multibrot (power {MULTIBROT_POWER})"),
                    other => other.name().to_owned(),
                };
                WireError::invalid_field(
                    "kind",
                    format!(
                        "{what} cannot be rendered {} wide (past double precision): deep views are for {}",
                        l.scale,
                        deep::DEEP_KINDS
                    ),
                )
            }
            _ => e,
        });
    }
    if !colouring::is_plain(&params.colouring) {
        return Err(WireError::invalid_field(
            if params.colouring.antialias > 1 { "antialias" } else { "colouring" },
            format!(
                "antialiasing and the distance and lighting colourings are not available for views past double \
                 precision ({} wide, rendered by perturbation) yet; leave antialias at 1 and colouring at escape",
                location.map_or_else(String::new, |l| l.scale.to_string())
            ),
        ));
    }
    // Any region that doubles can hold stands in for the checks of size, iterations,
    // kind and colours. A deep tile is rendered alone (`deep::render_deep_window`), so
    // the caps apply to the tile, as for a shallow poster's.
    let region = Region::from_center_scale(Complex64::new(0.0, 0.0), 4.0, params.width, params.height);
    check_params(&Params { region, ..*params }, window, limits)
}

/// Whether an image of `kind` at `location` is rendered by perturbation: past what
/// doubles resolve, for a kind with a deep path (the wire's multibrot has power
/// [`MULTIBROT_POWER`]).
fn renders_deep(kind: FractalKind, location: &Location, width: u32, height: u32) -> bool {
    let probe = EngineFractal::from_kind(kind, Some(Complex64::new(0.0, 0.0)), MULTIBROT_POWER, Complex64::default);
    deep::supports(&probe) && location.needs_perturbation(width, height)
}

/// The engine's checks of a whole image or of a tile of it, as the field names say.
fn check_params(params: &Params, window: Option<Window>, limits: &Limits) -> Result<(), WireError> {
    let checked = match window {
        Some(w) => params.validate_window(w, limits),
        None => params.validate(limits),
    };
    checked.map_err(|e| WireError::invalid_field(e.field(), e))
}

/// A create body's fields, read by their column's type: the accessors name the field
/// and what it must be when it is missing or mistyped.
struct Fields<'a> {
    object: &'a Map<String, Value>,
}

impl Fields<'_> {
    fn get(&self, name: &str) -> Result<FieldValue, WireError> {
        match (column(name), self.object.get(name)) {
            (Some(c), Some(v)) => typed_value(c, v),
            _ => Ok(FieldValue::Null),
        }
    }

    fn required_int(&self, name: &'static str) -> Result<i64, WireError> {
        match self.get(name)? {
            FieldValue::Integer(i) => Ok(i),
            _ => Err(WireError::invalid_field(name, "is required (an integer)")),
        }
    }

    fn required_real(&self, name: &'static str) -> Result<f64, WireError> {
        self.optional_real(name)?.ok_or_else(|| WireError::invalid_field(name, "is required (a number)"))
    }

    fn optional_real(&self, name: &'static str) -> Result<Option<f64>, WireError> {
        Ok(match self.get(name)? {
            FieldValue::Real(f) => Some(f),
            FieldValue::Integer(i) => Some(i as f64),
            _ => None,
        })
    }

    fn optional_int(&self, name: &'static str) -> Result<Option<i64>, WireError> {
        Ok(match self.get(name)? {
            FieldValue::Integer(i) => Some(i),
            _ => None,
        })
    }

    fn optional_text(&self, name: &'static str) -> Result<Option<String>, WireError> {
        Ok(match self.get(name)? {
            FieldValue::Text(t) => Some(t),
            _ => None,
        })
    }

    /// A width or height: an integer that fits a `u32` (the engine checks the range).
    fn side(&self, name: &'static str) -> Result<u32, WireError> {
        let v = self.required_int(name)?;
        u32::try_from(v)
            .map_err(|_| WireError::invalid_field(name, format!("must be between 2 and {}, got {v}", u32::MAX)))
    }

    fn uuid(&self) -> Result<Option<String>, WireError> {
        match self.get("uuid")? {
            FieldValue::Text(u) => {
                check_uuid(&u)?;
                Ok(Some(u))
            }
            FieldValue::Null => Ok(None),
            _ => Err(WireError::invalid_field("uuid", "must be a string of 1 to 36 characters")),
        }
    }

    /// `c_re` and `c_im`, both or neither.
    fn c(&self) -> Result<Option<Complex64>, WireError> {
        match (self.optional_real("c_re")?, self.optional_real("c_im")?) {
            (Some(re), Some(im)) => Ok(Some(Complex64::new(re, im))),
            (None, None) => Ok(None),
            _ => Err(WireError::invalid_field("c_re", "c_re and c_im must be given together")),
        }
    }

    fn colouring(&self) -> Result<ColouringFields, WireError> {
        Ok(ColouringFields {
            colouring: self.optional_text("colouring")?,
            light_angle: self.optional_real("light_angle")?,
            light_elevation: self.optional_real("light_elevation")?,
            light_strength: self.optional_real("light_strength")?,
            boundary_width: self.optional_real("boundary_width")?,
            antialias: self.optional_int("antialias")?,
        })
    }
}

/// Parses and validates a `POST /v1/fractal` body.
///
/// Keys that are not columns get the original's 400 `validation_errors` body. Missing
/// or mistyped required fields, and values the engine cannot render, get a 400 naming
/// the field and what is allowed (the original stored anything and crashed its workers).
pub fn parse_new(body: &Value, limits: &Limits) -> Result<NewFractal, WireError> {
    let object = body.as_object().ok_or_else(WireError::unable_to_decode)?;
    if object.keys().any(|k| k != "image" && column(k).is_none()) {
        return Err(WireError::validation_errors());
    }
    let fields = Fields { object };
    let kind = match fields.optional_text("kind")? {
        Some(k) => k.parse().map_err(|e| WireError::invalid_field("kind", e))?,
        None => FractalKind::Classic,
    };
    let palette = match fields.optional_text("palette")? {
        Some(p) => p.parse().map_err(|e| WireError::invalid_field("palette", e))?,
        None if kind == FractalKind::Classic => Palette::Classic,
        None => Palette::Ultra,
    };
    let iterations = fields.required_int("iterations")?;
    let new = NewFractal {
        uuid: fields.uuid()?,
        width: fields.side("width")?,
        height: fields.side("height")?,
        iterations: u32::try_from(iterations).map_err(|_| {
            WireError::invalid_field(
                "iterations",
                format!("must be between 1 and {}, got {iterations}", limits.max_iterations),
            )
        })?,
        region: Region::new(0.0, 0.0, 0.0, 0.0),
        kind,
        c: fields.c()?,
        seed: fields.optional_int("seed")?,
        palette,
        window: tile_of(object)?,
        location: location_of(object)?,
        colouring: fields.colouring()?,
    };
    let new = NewFractal { region: region_of(&new, object, |name| fields.required_real(name))?, ..new };
    // The engine's own checks, so the API accepts exactly what workers can render.
    // The classic search is not run here (it is the create's job); any constant checks
    // the same region and size.
    let probe = Params {
        fractal: EngineFractal::from_kind(kind, new.c, MULTIBROT_POWER, || Complex64::new(0.0, 0.0)),
        region: new.region,
        width: new.width,
        height: new.height,
        max_iterations: new.iterations,
        colouring: new.colouring.apply(Colouring::default())?,
    };
    check_render(&probe, new.location.as_ref(), new.window, limits)?;
    Ok(new)
}

/// The request's `xa..yb`: as given (the original's fields, rendered bit for bit), or,
/// when it gives an exact location instead, the location's nearest doubles.
fn region_of(
    new: &NewFractal,
    object: &Map<String, Value>,
    required_real: impl Fn(&'static str) -> Result<f64, WireError>,
) -> Result<Region, WireError> {
    let edges = ["xa", "xb", "ya", "yb"];
    match &new.location {
        Some(location) if edges.iter().all(|e| object.get(*e).is_none_or(Value::is_null)) => {
            Ok(location.region(new.width, new.height))
        }
        _ => Ok(Region::new(required_real("xa")?, required_real("xb")?, required_real("ya")?, required_real("yb")?)),
    }
}

/// Parses the body of `PUT /v1/fractal/<uuid>`: any subset of columns (and `image`).
/// An unknown key gets the original's `Model does not have field '<k>'`.
pub fn parse_update(body: &Value) -> Result<Vec<(&'static Column, FieldValue)>, WireError> {
    let object: &Map<String, Value> = body.as_object().ok_or_else(WireError::unable_to_decode)?;
    let mut fields = Vec::new();
    for (key, value) in object {
        if key == "image" {
            continue;
        }
        let c = column(key).ok_or_else(|| WireError::bad_request(format!("Model does not have field '{key}'")))?;
        if c.writable {
            fields.push((c, typed_value(c, value)?));
        }
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn object_has_the_original_fields_sorted_with_full_precision() {
        let text = serde_json::to_string_pretty(&Fractal::example().to_object()).unwrap();
        // §3.2's example object, field by field.
        for line in [
            "\"checksum\": null",
            "\"duration\": null",
            "\"generated_by\": null",
            "\"height\": 278",
            "\"iterations\": 281",
            "\"size\": null",
            "\"url\": null",
            "\"uuid\": \"212e8c23-e67f-4bd3-86e1-5a5e811ee2f4\"",
            "\"width\": 510",
            "\"xa\": -3.3528957195683087",
            "\"xb\": 1.1428457603077387",
            "\"ya\": -2.1341119130263717",
            "\"yb\": 2.478654026560605",
        ] {
            assert!(text.contains(line), "missing {line} in {text}");
        }
        assert!(!text.contains("image"));
        let keys: Vec<_> = Fractal::example().to_object().as_object().unwrap().keys().cloned().collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "keys are sorted like Flask's jsonify");
    }

    #[test]
    fn the_clis_create_body_is_accepted() {
        let body = json!({"uuid": "212e8c23-e67f-4bd3-86e1-5a5e811ee2f4", "width": 510, "height": 278,
            "iterations": 281, "xa": -3.3528957195683087, "xb": 1.1428457603077387,
            "ya": -2.1341119130263717, "yb": 2.478654026560605});
        let n = parse_new(&body, &Limits::default()).unwrap();
        assert_eq!(n.uuid.as_deref(), Some("212e8c23-e67f-4bd3-86e1-5a5e811ee2f4"));
        assert_eq!((n.width, n.height, n.iterations), (510, 278, 281));
        assert_eq!(n.kind, FractalKind::Classic);
        assert_eq!(n.palette, Palette::Classic);
        assert_eq!(n.region.xa, -3.3528957195683087);
    }

    #[test]
    fn rows_map_to_values_and_back() {
        let mut f = Fractal::example();
        f.tile_x = Some(3);
        f.tile_y = Some(0);
        f.tile_width = Some(64);
        f.tile_height = Some(32);
        f.duration = Some(0.25);
        let values = f.values();
        assert_eq!(values.len(), COLUMNS.len());
        assert_eq!(values[0], FieldValue::Text(f.uuid.clone()));
        assert_eq!(Fractal::from_values(values).unwrap(), f);
        assert_eq!(Fractal::from_values(Fractal::example().values()).unwrap(), Fractal::example());
        let mut bad = Fractal::example().values();
        bad[13] = FieldValue::Text("lost".into());
        assert!(Fractal::from_values(bad).is_err(), "a status outside the four");
    }

    #[test]
    fn coordinates_arrive_exactly_as_sent() {
        // The default serde_json float parser reads this one 1 ulp off; a poster's tiles
        // then differed from the local render.
        let ya = 0.10626666666666668_f64;
        let text = format!(
            r#"{{"width": 301, "height": 203, "iterations": 1000, "xa": -0.755, "xb": -0.735, "ya": {ya}, "yb": 0.11973333333333333}}"#
        );
        let n = parse_new(&serde_json::from_str(&text).unwrap(), &Limits::default()).unwrap();
        assert_eq!(n.region.ya.to_bits(), ya.to_bits());
    }

    #[test]
    fn create_errors_name_the_field() {
        let ok = json!({"width": 64, "height": 64, "iterations": 100, "xa": -2, "xb": 2, "ya": -1.5, "yb": 1.5});
        let with = |k: &str, v: Value| {
            let mut b = ok.clone();
            b[k] = v;
            parse_new(&b, &Limits::default()).unwrap_err()
        };
        assert_eq!(with("colour", json!(1)), WireError::validation_errors());
        let cases = [
            (with("width", json!(1)), "width"),
            (with("height", json!("tall")), "height"),
            (with("iterations", json!(0)), "iterations"),
            (with("xa", json!(3)), "xa"),
            (with("kind", json!("newton")), "kind"),
            (with("uuid", json!(12)), "uuid"),
            (with("width", json!(5_000_000)), "width"),
        ];
        for (err, field) in cases {
            assert_eq!(err.status, 400);
            assert_eq!(err.body["field"], field, "{err}");
        }
        let mut missing = ok.clone();
        missing.as_object_mut().unwrap().remove("xb");
        assert_eq!(parse_new(&missing, &Limits::default()).unwrap_err().body["field"], "xb");
        // The original's hang: iterations <= 11 is accepted and rendered with the
        // documented fallback constant, never a hang.
        assert!(
            parse_new(
                &json!({"width": 64, "height": 64, "iterations": 10, "xa": -2, "xb": 2, "ya": -1, "yb": 1}),
                &Limits::default()
            )
            .is_ok()
        );
    }

    #[test]
    fn update_accepts_the_workers_put_and_rejects_unknown_keys() {
        let put = json!({"uuid": "x", "duration": 0.8725259304046631, "image": "iVBORw0KGgo=",
            "checksum": "ab", "size": 10, "generated_by": "app-worker-1"});
        let fields = parse_update(&put).unwrap();
        let names: Vec<_> = fields.iter().map(|(c, _)| c.name).collect();
        assert_eq!(names, ["checksum", "duration", "generated_by", "size", "uuid"]);
        let err = parse_update(&json!({"colour": 1})).unwrap_err();
        assert_eq!(err.body, json!({"message": "Model does not have field 'colour'"}));
        assert_eq!(parse_update(&json!({"size": "big"})).unwrap_err().body["field"], "size");
    }

    #[test]
    fn params_reproduce_the_stored_constant() {
        let mut f = Fractal::example();
        f.c_re = Some(0.285);
        f.c_im = Some(0.01);
        let p = f.params().unwrap();
        assert_eq!(p.fractal, EngineFractal::Classic { c: Complex64::new(0.285, 0.01) });
        assert_eq!(p.colouring.palette, Palette::Classic);
    }

    #[test]
    fn an_exact_location_is_carried_as_text_and_fills_the_region() {
        let re = format!("-1.{}7", "2".repeat(60)); // already in the engine's normal form
        let body = json!({"kind": "mandelbrot", "width": 64, "height": 48, "iterations": 1000,
            "center_re": re, "center_im": "0.25", "scale": "2.5e-50"});
        let n = parse_new(&body, &Limits::default()).unwrap();
        let location = n.location.clone().unwrap();
        assert!(location.needs_perturbation(64, 48));
        // xa..yb are the location's nearest doubles, for old clients.
        assert_eq!(n.region, location.region(64, 48));
        let row = Fractal::from_new("u".into(), &n, None, None, "now".into());
        assert_eq!(row.center_re.as_deref(), Some(re.as_str()));
        assert_eq!(row.scale.as_deref(), Some("2.5e-50"));
        let object = row.to_object();
        assert_eq!(object["center_re"], json!(re));
        // Through the database's values and back, exactly.
        assert_eq!(Fractal::from_values(row.values()).unwrap(), row);
        assert_eq!(row.deep_location().unwrap().unwrap().center.re(), location.center.re());
        // Without a location the object is the one old clients know.
        assert!(Fractal::example().to_object().get("center_re").is_none());
        assert_eq!(Fractal::example().location().unwrap(), None);
    }

    #[test]
    fn a_shallow_location_keeps_the_given_edges() {
        let body = json!({"kind": "mandelbrot", "width": 64, "height": 48, "iterations": 100,
            "xa": -2, "xb": 1, "ya": -1.125, "yb": 1.125, "center_re": "-0.5", "center_im": "0", "scale": "3"});
        let n = parse_new(&body, &Limits::default()).unwrap();
        assert_eq!(n.region, Region::new(-2.0, 1.0, -1.125, 1.125));
        let row = Fractal::from_new("u".into(), &n, None, None, "now".into());
        assert_eq!(row.deep_location().unwrap(), None, "doubles render it as before");
    }

    #[test]
    fn colouring_fields_round_trip_and_reach_the_engine() {
        let body = json!({"kind": "mandelbrot", "width": 64, "height": 48, "iterations": 200,
            "xa": -2, "xb": 1, "ya": -1.125, "yb": 1.125, "colouring": "lighting", "light_angle": 120.0,
            "light_elevation": 0.75, "light_strength": 0.5, "boundary_width": 3.0, "antialias": 2});
        let n = parse_new(&body, &Limits::default()).unwrap();
        let row = Fractal::from_new("u".into(), &n, None, None, "now".into());
        let object = row.to_object();
        for key in colouring::COLOURING_COLUMNS {
            assert_eq!(object[key], body[key], "{key}");
        }
        assert_eq!(Fractal::from_values(row.values()).unwrap(), row);
        let c = row.params().unwrap().colouring;
        assert_eq!(c.mode, faafo_engine::ColouringMode::Lighting);
        assert_eq!((c.light.angle_degrees, c.light.elevation, c.light.strength), (120.0, 0.75, 0.5));
        assert_eq!((c.boundary_width_px, c.antialias, c.palette), (3.0, 2, Palette::Ultra));
        // Absent: not sent, and the colouring every task had before.
        let plain = Fractal::example();
        assert!(colouring::COLOURING_COLUMNS.iter().all(|k| plain.to_object().get(*k).is_none()));
        assert_eq!(plain.params().unwrap().colouring, Colouring::classic());
    }

    #[test]
    fn bad_colouring_fields_are_refused_naming_the_field() {
        let ok = json!({"kind": "mandelbrot", "width": 64, "height": 48, "iterations": 200,
            "xa": -2, "xb": 1, "ya": -1.125, "yb": 1.125});
        for (key, value, needle) in [
            ("colouring", json!("glow"), "escape, distance, lighting, stripes"),
            ("colouring", json!(3), "a string"),
            ("antialias", json!(5), "from 1 to 4"),
            ("antialias", json!(0), "from 1 to 4"),
            ("antialias", json!(1.5), "an integer"),
            ("light_strength", json!(2), "from 0 to 1"),
            ("light_elevation", json!(-0.5), ">= 0"),
            ("boundary_width", json!(0), "> 0"),
        ] {
            let mut b = ok.clone();
            b[key] = value;
            let e = parse_new(&b, &Limits::default()).unwrap_err();
            assert_eq!(e.body["field"], key, "{}", e.body);
            assert!(e.message().contains(needle), "{key}: {}", e.body);
        }
        // An update is checked as a create is.
        let row = Fractal::from_new("u".into(), &parse_new(&ok, &Limits::default()).unwrap(), None, None, "n".into());
        let antialias = column("antialias").unwrap();
        let e = row.updated(&[(antialias, FieldValue::Integer(9))], &Limits::default()).unwrap_err();
        assert_eq!(e.body["field"], "antialias");
        let updated = row.updated(&[(antialias, FieldValue::Integer(4))], &Limits::default()).unwrap();
        assert_eq!(updated.params().unwrap().colouring.antialias, 4);
    }

    #[test]
    fn deep_tasks_refuse_what_the_deep_renderer_cannot_draw() {
        let deep = json!({"kind": "mandelbrot", "width": 64, "height": 48, "iterations": 1000,
            "center_re": format!("-1.{}7", "2".repeat(60)), "center_im": "0.25", "scale": "2.5e-50"});
        assert!(parse_new(&deep, &Limits::default()).is_ok());
        let mut escape = deep.clone();
        escape["colouring"] = json!("escape");
        escape["antialias"] = json!(1);
        assert!(parse_new(&escape, &Limits::default()).is_ok(), "the defaults, said out loud");
        for (key, value) in [("antialias", json!(2)), ("colouring", json!("lighting"))] {
            let mut b = deep.clone();
            b[key] = value;
            let e = parse_new(&b, &Limits::default()).unwrap_err();
            assert_eq!(e.body["field"], key, "{}", e.body);
            assert!(e.message().contains("past double precision"), "{}", e.body);
        }
    }

    #[test]
    fn a_deep_posters_tiles_are_capped_like_shallow_ones() {
        // A poster past the pixel cap, deep: each tile is rendered alone, so only the
        // tile has to fit the cap.
        let limits = Limits { max_pixels: 10_000, ..Limits::default() };
        let tile = |w: u32, h: u32| {
            json!({"kind": "mandelbrot", "width": 400, "height": 300, "iterations": 1000,
                "center_re": format!("-1.{}7", "2".repeat(60)), "center_im": "0.25", "scale": "2.5e-50",
                "tile_x": 100, "tile_y": 50, "tile_width": w, "tile_height": h})
        };
        let n = parse_new(&tile(100, 100), &limits).unwrap();
        assert!(n.location.as_ref().unwrap().needs_perturbation(400, 300));
        assert_eq!(n.window, Some(Window { x: 100, y: 50, width: 100, height: 100 }));
        let e = parse_new(&tile(101, 100), &limits).unwrap_err();
        assert_eq!(e.body["field"], "width", "{}", e.body);
        assert!(e.body.to_string().contains("10000"), "{}", e.body);
    }
}
