//! The colouring flags `faafo render`, `faafo poster` and `faafo create` share (issue 16):
//! one set of names, checks and help, so a poster or a cluster task asks for exactly what
//! `faafo render` draws.
//!
//! Each flag is optional: an absent one is the engine's default locally and is not sent
//! to a cluster (where absent also means the default), so a request without them is the
//! original's. The values go through the wire's [`ColouringFields`] both ways, so the
//! local picture and the cluster's read the same numbers (f64 flags, f32 in the engine).

use clap::Args;
use faafo_engine::antialias::MAX_ANTIALIAS;
use faafo_engine::{Colouring, ColouringMode};

use super::CliError;
use crate::wire::colouring::ColouringFields;

/// Colouring beyond the palette, and antialiasing.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Colouring")]
pub struct ColouringArgs {
    /// Colouring: escape (escape time, the default), distance (fades into the interior
    /// colour near the set, by the distance estimate), lighting (the escape colours lit
    /// as a relief, from --light-*) or stripes (stripe average colouring: the palette
    /// along the orbit's average of ½ + ½ sin(5 arg z)). Not for views deeper than doubles.
    #[arg(long)]
    colouring: Option<ColouringMode>,
    /// Lighting: direction the light comes from, degrees counter-clockwise from the real
    /// axis (default 45).
    #[arg(long, allow_hyphen_values = true)]
    light_angle: Option<f64>,
    /// Lighting: height of the light, >= 0 (0 = grazing, larger = flatter; default 1.5).
    #[arg(long, allow_hyphen_values = true)]
    light_elevation: Option<f64>,
    /// Lighting: how dark slopes facing away get, 0 to 1 (default 0.8).
    #[arg(long, allow_hyphen_values = true)]
    light_strength: Option<f64>,
    /// Distance: width in pixels of the band along the set that fades into the interior
    /// colour, > 0 (default 2).
    #[arg(long, allow_hyphen_values = true)]
    boundary_width: Option<f64>,
    /// Supersampling: N × N jittered samples per pixel, averaged (1 = off, the default;
    /// up to 4). Not for views deeper than doubles.
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..=i64::from(MAX_ANTIALIAS)))]
    antialias: Option<i64>,
}

impl ColouringArgs {
    /// The flags as a task's optional fields: only those given.
    pub fn fields(&self) -> ColouringFields {
        ColouringFields {
            colouring: self.colouring.map(|m| m.name().to_owned()),
            light_angle: self.light_angle,
            light_elevation: self.light_elevation,
            light_strength: self.light_strength,
            boundary_width: self.boundary_width,
            antialias: self.antialias,
        }
    }

    /// `base` with the flags applied, checked as a cluster checks them (the error names
    /// the flag and what it allows), so a bad value is refused before anything is done.
    pub fn apply(&self, base: Colouring) -> Result<Colouring, CliError> {
        self.fields().apply(base).map_err(|e| {
            let message = e.message();
            // The wire names the field (`light_strength: …`); here it is a flag.
            CliError::Usage(match e.body["field"].as_str() {
                Some(field) => message.replacen(field, &format!("--{}", field.replace('_', "-")), 1),
                None => message,
            })
        })
    }
}

/// Refuses what perturbation cannot draw yet, before any work: antialiasing and the
/// colourings beyond escape time on a view deeper than doubles.
pub fn refuse_if_deep(deep: bool, colouring: &Colouring) -> Result<(), CliError> {
    if deep && !crate::wire::colouring::is_plain(colouring) {
        return Err(CliError::Usage(
            "--antialias and --colouring distance|lighting are not available for views deeper than doubles \
             (perturbation) yet"
                .to_owned(),
        ));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Flags {
        #[command(flatten)]
        colouring: ColouringArgs,
    }

    fn parse(args: &[&str]) -> Result<ColouringArgs, clap::Error> {
        Flags::try_parse_from(std::iter::once("faafo").chain(args.iter().copied())).map(|f| f.colouring)
    }

    #[test]
    fn absent_flags_are_the_defaults_and_send_nothing() {
        let none = parse(&[]).unwrap();
        assert_eq!(none.fields(), ColouringFields::default());
        assert_eq!(none.apply(Colouring::default()).unwrap(), Colouring::default());
    }

    #[test]
    fn given_flags_reach_the_colouring_and_the_fields() {
        let lit = parse(&["--colouring", "lighting", "--light-angle", "-30", "--antialias", "3"]).unwrap();
        let c = lit.apply(Colouring::default()).unwrap();
        assert_eq!((c.mode, c.light.angle_degrees, c.antialias), (ColouringMode::Lighting, -30.0, 3));
        assert_eq!(lit.fields().colouring.as_deref(), Some("lighting"));
        assert_eq!(lit.fields().light_strength, None);
        assert!(refuse_if_deep(true, &c).is_err() && refuse_if_deep(false, &c).is_ok());
    }

    #[test]
    fn bad_values_are_refused_naming_the_field() {
        assert!(parse(&["--antialias", "5"]).is_err());
        assert!(parse(&["--colouring", "glow"]).is_err());
        let striped = parse(&["--colouring", "stripes"]).unwrap();
        assert_eq!(striped.fields().colouring.as_deref(), Some("stripes"), "a task carries the new mode by name");
        let e = parse(&["--light-strength", "2"]).unwrap().apply(Colouring::default()).unwrap_err().to_string();
        assert!(e.starts_with("--light-strength: ") && e.contains("from 0 to 1"), "{e}");
    }
}
