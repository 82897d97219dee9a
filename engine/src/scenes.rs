//! Fixed scenes for benchmarking (`faafo bench`) and for sizing worker machines.

use num_complex::Complex64;

use crate::fractal::Fractal;
use crate::palette::Colouring;
use crate::params::Params;
use crate::region::Region;

/// A named, fixed render.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scene {
    /// Name used on the command line.
    pub name: &'static str,
    /// What it shows and why it is in the set.
    pub description: &'static str,
    /// The parameters.
    pub params: Params,
    /// Whether the cardioid/periodicity shortcuts may be used.
    pub shortcuts: bool,
}

/// All scenes, in the order `faafo bench` runs them.
pub fn all() -> Vec<Scene> {
    let full_hd = |fractal, center: Complex64, scale, iterations| Params {
        colouring: Colouring::default(),
        ..Params::from_center_scale(fractal, center, scale, 1920, 1080, iterations)
    };
    vec![
        Scene {
            name: "standard",
            description: "the whole Mandelbrot set at 1920x1080, x from -2.5 to 1.0, 1000 iterations",
            params: full_hd(Fractal::Mandelbrot, Complex64::new(-0.75, 0.0), 3.5, 1000),
            shortcuts: true,
        },
        Scene {
            name: "seahorse",
            description: "deep in Seahorse Valley, view width 1e-6, 10000 iterations",
            params: full_hd(Fractal::Mandelbrot, Complex64::new(-0.743643887037151, 0.131825904205330), 1e-6, 10_000),
            shortcuts: true,
        },
        Scene {
            name: "classic",
            description: "the original faafo task of the tutorial (649x869, 362 iterations, c = 0.285+0.01i)",
            params: Params {
                fractal: Fractal::Classic { c: Complex64::new(0.285, 0.01) },
                region: Region::new(-1.77488588389, 3.08249829401, -1.31213919301, 1.95281690897),
                width: 649,
                height: 869,
                max_iterations: 362,
                colouring: Colouring::classic(),
            },
            shortcuts: true,
        },
        Scene {
            name: "dense",
            description: "Mandelbrot 4000x4000 over [-1.5,0.5]x[-1,1], 50 iterations, no shortcuts: raw kernel throughput",
            params: Params {
                fractal: Fractal::Mandelbrot,
                region: Region::new(-1.5, 0.5, -1.0, 1.0),
                width: 4000,
                height: 4000,
                max_iterations: 50,
                colouring: Colouring::default(),
            },
            shortcuts: false,
        },
    ]
}

/// The scene called `name`.
pub fn find(name: &str) -> Option<Scene> {
    all().into_iter().find(|s| s.name == name)
}
