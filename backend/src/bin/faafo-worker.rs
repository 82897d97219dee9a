//! The `faafo-worker` service. All logic lives in `faafo_backend::worker`.

use faafo_backend::settings;
use faafo_backend::worker::{self, Config};

fn main() -> std::process::ExitCode {
    let config: Config = match settings::parse(std::env::args_os()) {
        Ok(c) => c,
        Err(e) => e.exit("faafo-worker"),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("faafo-worker: error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(worker::run(config, faafo_backend::shutdown::signal())) {
        Ok(_) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("faafo-worker: error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
