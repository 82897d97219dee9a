//! The `faafo-worker` service. All logic lives in `faafo_backend::worker`.

use faafo_backend::settings;
use faafo_backend::worker::{self, Config};

fn main() -> std::process::ExitCode {
    let config: Config = match settings::parse(std::env::args_os()) {
        Ok(c) => c,
        Err(e) => e.exit("faafo-worker"),
    };
    faafo_backend::logging::init("faafo-worker", config.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(worker::run(config, faafo_backend::shutdown::signal())) {
        Ok(_) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            std::process::ExitCode::FAILURE
        }
    }
}
