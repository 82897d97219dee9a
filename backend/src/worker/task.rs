//! What a task message asks for, checked before any work is done.
//!
//! The body is the original's: the created fractal's JSON object. The original worker
//! read only `uuid`, `width`, `height`, `iterations` and the region; our API adds `kind`,
//! `c_re`/`c_im`, `seed` and `palette` so the image is the one the API recorded.

use faafo_engine::location::Location;
use faafo_engine::{BitDepth, Control, Limits, Params, PngSummary, RenderError, RenderOptions, Window};
use serde_json::Value;

use super::deep;
use crate::wire::fractal::{self, Fractal};

/// Why a message cannot be rendered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TaskError {
    /// Not JSON, not an object, or no usable uuid: nothing can be reported, so the
    /// message is dead-lettered.
    #[error("unparseable task: {0}")]
    Unparseable(String),
    /// A task for `uuid` whose parameters cannot be rendered: reported as failed.
    #[error("task {uuid} cannot be rendered: {reason}")]
    Invalid {
        /// The fractal.
        uuid: String,
        /// What was wrong and what is allowed.
        reason: String,
    },
}

/// A task ready to render.
#[derive(Debug, Clone)]
pub struct Task {
    /// The fractal.
    pub uuid: String,
    /// What to render: the whole image.
    pub params: Params,
    /// The tile of it to render, for a poster's tile.
    pub window: Option<Window>,
    /// The exact location, when the image is too deep for `params.region`'s doubles: it
    /// is then rendered with perturbation (see [`crate::wire::fractal::Fractal::deep_location`]).
    pub deep: Option<Location>,
}

impl Task {
    /// The task of a stored fractal (the embedded renderer's), checked as a message is.
    pub fn from_row(row: &Fractal) -> Result<Self, String> {
        let params = row.params().map_err(|e| e.message())?;
        let window = row.window().map_err(|e| e.message())?;
        let deep = row.deep_location().map_err(|e| e.message())?;
        Ok(Self { uuid: row.uuid.clone(), params, window, deep })
    }

    /// Renders the task as an 8-bit PNG into `out`: the whole image, or the tile.
    pub fn write_png(&self, out: &mut Vec<u8>) -> Result<PngSummary, RenderError> {
        let (options, control) = (RenderOptions::default(), Control::new());
        if let Some(location) = &self.deep {
            return deep::write_png(&self.params, location, self.window, BitDepth::Eight, &control, out);
        }
        match self.window {
            Some(w) => faafo_engine::write_png_window(&self.params, w, &options, &control, BitDepth::Eight, out),
            None => faafo_engine::write_png(&self.params, &options, &control, BitDepth::Eight, out),
        }
    }
}

/// Parses and validates a message body against `limits`.
pub fn parse(body: &[u8], limits: &Limits) -> Result<Task, TaskError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| TaskError::Unparseable(format!("not JSON: {e}")))?;
    let uuid = match value.get("uuid") {
        Some(Value::String(u)) if !u.is_empty() && u.len() <= 36 && !u.contains(['/', '?', '#']) => u.clone(),
        _ => return Err(TaskError::Unparseable("no \"uuid\" string of 1 to 36 URL-safe characters".into())),
    };
    let invalid = |reason: String| TaskError::Invalid { uuid: uuid.clone(), reason };
    // The API's own validation, so a worker renders exactly what the API accepts.
    let new = fractal::parse_new(&value, limits).map_err(|e| invalid(e.message()))?;
    let row = Fractal::from_new(uuid.clone(), &new, new.c, new.seed, String::new());
    let params = row.params().map_err(|e| invalid(e.message()))?;
    let deep = row.deep_location().map_err(|e| invalid(e.message()))?;
    Ok(Task { uuid, params, window: new.window, deep })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    fn body(v: Value) -> Vec<u8> {
        serde_json::to_vec(&v).unwrap()
    }

    fn original_task() -> Value {
        // The original API's message: every column, nulls for what is not set yet.
        json!({"uuid": "3a0c4b41-3d5e-4f5a-9a1e-0c7cbbd1b0f1", "width": 64, "height": 48, "iterations": 100,
               "xa": -2.0, "xb": 1.0, "ya": -1.5, "yb": 1.5, "checksum": null, "duration": null,
               "generated_by": null, "size": null, "url": null})
    }

    #[test]
    fn the_originals_message_is_accepted() {
        let t = parse(&body(original_task()), &Limits::default()).unwrap();
        assert_eq!(t.uuid, "3a0c4b41-3d5e-4f5a-9a1e-0c7cbbd1b0f1");
        assert_eq!((t.params.width, t.params.height, t.params.max_iterations), (64, 48, 100));
    }

    #[test]
    fn poison_is_classified() {
        let limits = Limits::default();
        assert!(matches!(parse(b"{nope", &limits), Err(TaskError::Unparseable(_))));
        assert!(matches!(parse(b"[1]", &limits), Err(TaskError::Unparseable(_))));
        assert!(matches!(parse(&body(json!({"width": 3})), &limits), Err(TaskError::Unparseable(_))));
        for (field, value) in [("width", json!(1)), ("iterations", json!(0)), ("xa", json!("NaN")), ("xb", json!(-9.0))]
        {
            let mut t = original_task();
            t[field] = value;
            match parse(&body(t), &limits) {
                Err(TaskError::Invalid { uuid, reason }) => {
                    assert_eq!(uuid, "3a0c4b41-3d5e-4f5a-9a1e-0c7cbbd1b0f1");
                    assert!(!reason.is_empty());
                }
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_lit_antialiased_task_is_the_engines_image() {
        let mut t = original_task();
        t["kind"] = json!("mandelbrot");
        t["colouring"] = json!("lighting");
        t["light_angle"] = json!(200);
        t["antialias"] = json!(2);
        let task = parse(&body(t), &Limits::default()).unwrap();
        let mut png = Vec::new();
        task.write_png(&mut png).unwrap();
        let colouring = faafo_engine::Colouring {
            mode: faafo_engine::ColouringMode::Lighting,
            light: faafo_engine::Light { angle_degrees: 200.0, ..Default::default() },
            antialias: 2,
            ..Default::default()
        };
        let params = Params {
            fractal: faafo_engine::Fractal::Mandelbrot,
            region: faafo_engine::Region::new(-2.0, 1.0, -1.5, 1.5),
            width: 64,
            height: 48,
            max_iterations: 100,
            colouring,
        };
        let mut expected = Vec::new();
        faafo_engine::write_png(&params, &RenderOptions::default(), &Control::new(), BitDepth::Eight, &mut expected)
            .unwrap();
        assert_eq!(png, expected);
        // Not the plain image: the fields changed the picture.
        let plain = Params { colouring: faafo_engine::Colouring::default(), ..params };
        let mut escape = Vec::new();
        faafo_engine::write_png(&plain, &RenderOptions::default(), &Control::new(), BitDepth::Eight, &mut escape)
            .unwrap();
        assert_ne!(png, escape);
    }

    fn deep_body(scale: &str) -> Value {
        json!({"uuid": "deep-task", "kind": "mandelbrot", "width": 40, "height": 30, "iterations": 2000,
               "center_re": format!("0.{}123", "0".repeat(100)), "center_im": "1.0", "scale": scale})
    }

    #[test]
    fn a_deep_task_renders_the_engines_pixels() {
        use faafo_engine::deep::{ReferenceOrbit, render_deep};
        let task = parse(&body(deep_body("3.25e-100")), &Limits::default()).unwrap();
        let location = task.deep.clone().expect("1e-100 over 40 pixels is past doubles");
        let mut png = Vec::new();
        task.write_png(&mut png).unwrap();
        // The engine's deep renderer on the same location, called directly.
        let control = Control::new();
        let orbit = ReferenceOrbit::compute(&faafo_engine::Fractal::Mandelbrot, &location, 2000, &control).unwrap();
        let buffer = render_deep(&orbit, &location, 40, 30, 2000, &control).unwrap();
        let colouring = faafo_engine::Colouring { palette: faafo_engine::Palette::Ultra, ..Default::default() };
        assert_eq!(png, faafo_engine::encode_png(&buffer, &colouring, BitDepth::Eight).unwrap());
        // A picture, not a flat field.
        let distinct: std::collections::BTreeSet<u32> = buffer.counts().iter().copied().collect();
        assert!(distinct.len() > 10, "{distinct:?}");
        // A task is deterministic: the same message, the same bytes.
        let mut again = Vec::new();
        parse(&body(deep_body("3.25e-100")), &Limits::default()).unwrap().write_png(&mut again).unwrap();
        assert_eq!(png, again);
    }

    #[test]
    fn a_shallow_location_renders_its_nearest_doubles_as_before() {
        let mut b = deep_body("0.5");
        b["center_re"] = json!("-0.75");
        b["center_im"] = json!("0.1");
        let task = parse(&body(b), &Limits::default()).unwrap();
        assert!(task.deep.is_none(), "0.5 wide is within doubles");
        let r = task.params.region;
        assert!((r.xb - r.xa - 0.5).abs() < 1e-15 && (r.xa + r.xb + 1.5).abs() < 1e-15, "{r:?}");
    }
}
