//! The `faafo-api` service. All logic lives in `faafo_backend::api`.

use std::sync::Arc;

use anyhow::Context as _;
use faafo_backend::api::config::{Config, ImageStore};
use faafo_backend::api::image_cache::ImageCache;
use faafo_backend::api::{AppState, relay, renderer, routes, serve};
use faafo_backend::queue::amqp::AmqpQueue;
use faafo_backend::queue::{memory, redact};
use faafo_backend::store::Store;
use faafo_backend::store::blob::DirectoryBlobs;
use faafo_backend::store::swift::SwiftBlobs;

fn main() -> std::process::ExitCode {
    let args: Vec<_> = std::env::args_os().collect();
    let config = faafo_backend::settings::parse::<Config>(args.clone()).unwrap_or_else(|e| e.exit("faafo-api"));
    faafo_backend::logging::init("faafo-api", config.log_format);
    for flag in faafo_backend::api::config::tokens_on_command_line(&args) {
        tracing::warn!(
            "{flag} on the command line is visible to every user in `ps`; prefer {flag}-file or the FAAFO_{} variable",
            flag.trim_start_matches("--").replace('-', "_").to_uppercase()
        );
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One line, no backtrace: the chain of causes says what went wrong.
            tracing::error!("{e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    config.check_exposure().map_err(anyhow::Error::msg)?;
    let auth = config.auth().map_err(anyhow::Error::msg)?;
    let url = config.database_url().context("cannot create the data directory")?;
    let mut store = Store::connect(&url).await.context("cannot open the database")?;
    if let ImageStore::Directory(dir) = &config.image_store {
        let blobs = DirectoryBlobs::new(dir).context("cannot use the image directory")?;
        store = store.with_blobs(Arc::new(blobs));
    }
    if let ImageStore::Swift(container) = &config.image_store {
        let blobs = SwiftBlobs::from_env(container).await.context("cannot use the Swift image store")?;
        store = store.with_blobs(Arc::new(blobs));
    }
    let host = faafo_backend::host::hostname();
    // Built once, before the state: the embedded renderer holds a clone of the state and
    // must drop the same cache entries the routes fill.
    let images = Arc::new(ImageCache::new(config.image_cache_mib as usize * 1024 * 1024));
    let stall_after = std::time::Duration::from_secs(u64::from(config.stall_seconds));
    let (state, transport) = match &config.transport_url {
        Some(url) => {
            let queue = AmqpQueue::new(url)?;
            // A broker that is down at start only delays tasks (they wait in the
            // outbox), so say so and carry on.
            if let Err(e) = queue.connect().await {
                tracing::warn!("{e}; tasks will wait in the outbox until the broker is reachable");
            }
            (AppState { auth, images, stall_after, ..AppState::new(store, Arc::new(queue), &host) }, redact(url))
        }
        None => {
            let (queue, rx) = memory::channel();
            let state = AppState { auth, images, stall_after, ..AppState::new(store, Arc::new(queue.clone()), &host) };
            tokio::spawn(renderer::run(state.clone(), queue, rx));
            (state, "built-in renderer".to_owned())
        }
    };
    tokio::spawn(relay::run(state.store.clone(), state.relay.clone()));
    let addr = std::net::SocketAddr::new(config.listen_address, config.bind_port);
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!(
        "listening on http://{} (database {}, images {}, tasks to {transport})",
        listener.local_addr()?,
        url.split('@').next_back().unwrap_or(""),
        state.store.blobs_description()
    );
    let limits = config.serve_limits();
    serve::serve(listener, routes::router(state), limits, faafo_backend::shutdown::signal()).await?;
    Ok(())
}
