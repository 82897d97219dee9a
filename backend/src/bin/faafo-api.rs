//! The `faafo-api` service. All logic lives in `faafo_backend::api`.

use std::sync::Arc;

use anyhow::Context as _;
use clap::Parser as _;
use faafo_backend::api::config::Config;
use faafo_backend::api::{AppState, renderer, routes};
use faafo_backend::store::Store;

fn main() -> std::process::ExitCode {
    let config = Config::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("faafo-api: error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One line, no backtrace: the chain of causes says what went wrong.
            eprintln!("faafo-api: error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    config.check_exposure().map_err(anyhow::Error::msg)?;
    let auth = config.auth().map_err(anyhow::Error::msg)?;
    let url = config.database_url().context("cannot create the data directory")?;
    let store = Store::connect(&url).await.context("cannot open the database")?;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let state =
        AppState { store, limits: faafo_engine::Limits::default(), queue: tx, hostname: Arc::from(hostname()), auth };
    tokio::spawn(renderer::run(state.clone(), rx));
    let addr = std::net::SocketAddr::new(config.listen_address, config.bind_port);
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    eprintln!(
        "faafo-api: listening on http://{} (database {})",
        listener.local_addr()?,
        url.split('@').next_back().unwrap_or("")
    );
    axum::serve(listener, routes::router(state)).with_graceful_shutdown(shutdown()).await?;
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}
