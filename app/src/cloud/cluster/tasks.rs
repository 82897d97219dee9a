//! The cluster calls, as async tasks run on [`super::runtime::Net`]: each ends in one
//! [`Reply`]. Every call has a time limit; the keyring is used on a blocking thread.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use faafo_backend::client::poster::{self, Poster, PosterEvent, PosterProgress};
use faafo_backend::client::status::ClusterStatus;
use faafo_backend::client::{Client, ClientError, Fractal, ListQuery, NewFractalRequest};

use super::errors::ClusterError;
use super::runtime::{Replier, timed};
use super::settings::keyring_account;
use crate::cloud::credentials::SecretStore;

/// Limit of a short call (status, list, create, delete).
pub const CALL_LIMIT: Duration = Duration::from_secs(15);
/// Limit of listing every row (10,000 rows are 100 pages).
pub const LIST_LIMIT: Duration = Duration::from_secs(60);
/// Limit of an image download.
pub const DOWNLOAD_LIMIT: Duration = Duration::from_secs(120);
/// How long a poster rides out an API that is away before it gives up.
pub const POSTER_PATIENCE: Duration = Duration::from_secs(600);

/// What the status route says: ours, or the original API, which has none.
#[derive(Debug, Clone, PartialEq)]
pub enum StatusView {
    /// Our API's `/v1/status`.
    Ours(ClusterStatus),
    /// The original Python API: no status, no extensions.
    Original,
}

/// A connection that worked.
#[derive(Debug)]
pub struct Connected {
    pub client: Client,
    pub status: StatusView,
    /// What happened with the keyring, to tell the person.
    pub keyring_note: Option<String>,
    /// The typed token is in the keyring now: the field can be emptied.
    pub token_kept: bool,
}

/// One refresh: the status, and the table's rows and tracked batch when asked for.
#[derive(Debug)]
pub struct Refreshed {
    pub status: Result<StatusView, ClusterError>,
    pub rows: Option<Result<Vec<Fractal>, ClusterError>>,
    pub tracked: Option<Result<Vec<Fractal>, ClusterError>>,
}

/// How a submission went: the uuids created, and the error that stopped it, if any.
#[derive(Debug)]
pub struct Submitted {
    pub created: Vec<String>,
    pub error: Option<ClusterError>,
}

/// What a task answers. `generation` tells answers of an older connection apart.
#[derive(Debug)]
pub enum Reply {
    Connected {
        generation: u64,
        outcome: Result<Connected, ClusterError>,
    },
    Refreshed {
        generation: u64,
        refreshed: Refreshed,
    },
    Submitted(Submitted),
    Downloaded(Result<PathBuf, ClusterError>),
    Deleted(Result<String, ClusterError>),
    /// A finished fractal's image downloaded and shrunk to a thumbnail (`None`: it could
    /// not be, and the thumbnail is rendered here instead).
    Thumbnail {
        uuid: String,
        image: Option<egui::ColorImage>,
    },
    /// News of the poster `id` (news of an older poster is dropped).
    Poster {
        id: String,
        news: PosterNews,
    },
}

/// What a poster in the making says.
#[derive(Debug)]
pub enum PosterNews {
    Progress(PosterProgress),
    /// The API is away: the error, while the poster waits for it.
    Waiting(String),
    /// Tile `index` arrived, shrunk for the mosaic.
    Tile(usize, egui::ColorImage),
    /// The local preview under the mosaic (none if the engine refused the view).
    Preview(Option<egui::ColorImage>),
    Done(Result<PathBuf, ClusterError>),
}

/// The token to use: the typed one, else the one kept for `endpoint` (with a note).
async fn token_for(
    endpoint: &str,
    typed: Option<String>,
    store: &Arc<dyn SecretStore>,
) -> (Option<String>, Option<String>) {
    if typed.is_some() {
        return (typed, None);
    }
    let (store, account) = (Arc::clone(store), keyring_account(endpoint));
    match tokio::task::spawn_blocking(move || store.get(&account)).await {
        Ok(Ok(Some(token))) => (Some(token), Some("using the client token kept in the OS keyring".into())),
        Ok(Ok(None)) => (None, None),
        Ok(Err(e)) => (None, Some(format!("{e}; connecting without a token"))),
        Err(_) => (None, None),
    }
}

/// Connects: the token (typed or kept), the first status, and the typed token kept in
/// the keyring once the cluster took it (when `remember`).
pub async fn connect(
    endpoint: String,
    typed: Option<String>,
    remember: bool,
    store: Arc<dyn SecretStore>,
) -> Result<Connected, ClusterError> {
    let (token, mut keyring_note) = token_for(&endpoint, typed.clone(), &store).await;
    let client = Client::new(&endpoint, token)?;
    let status = status(&client).await?;
    let mut token_kept = false;
    if let (Some(typed), true) = (typed, remember) {
        let account = keyring_account(&endpoint);
        let kept = tokio::task::spawn_blocking(move || store.set(&account, &typed)).await;
        keyring_note = Some(match kept {
            Ok(Ok(())) => {
                token_kept = true;
                "the client token is kept in the OS keyring".into()
            }
            Ok(Err(e)) => format!("{e}; the token was not kept"),
            Err(_) => "the keyring thread stopped; the token was not kept".into(),
        });
    }
    Ok(Connected { client, status, keyring_note, token_kept })
}

/// The cluster's status, or [`StatusView::Original`] for the original API.
pub async fn status(client: &Client) -> Result<StatusView, ClusterError> {
    match timed("the status", CALL_LIMIT, client.status()).await {
        Ok(s) => Ok(StatusView::Ours(s)),
        Err(ClusterError::Client(ClientError::Unsupported { .. })) => Ok(StatusView::Original),
        Err(e) => Err(e),
    }
}

/// The newest `limit` fractals (by uuid against the original API, which records no
/// creation time).
pub async fn list_rows(client: &Client, limit: usize) -> Result<Vec<Fractal>, ClusterError> {
    let extended = timed("the server's capabilities", CALL_LIMIT, client.capabilities()).await?.extended;
    let query = ListQuery { newest_first: extended, ..ListQuery::default() };
    timed("the listing", LIST_LIMIT, client.list_filtered(&query, Some(limit))).await
}

/// The status, and the rows (at most `rows`) and batch when asked for.
pub async fn refresh(client: Client, rows: Option<usize>, tracked: Vec<String>) -> Refreshed {
    let status = status(&client).await;
    let up = status.is_ok();
    let rows = match rows {
        Some(limit) if up => Some(list_rows(&client, limit).await),
        _ => None,
    };
    let tracked = if up && !tracked.is_empty() {
        Some(timed("the batch's state", CALL_LIMIT, client.get_many(&tracked)).await)
    } else {
        None
    };
    Refreshed { status, rows, tracked }
}

/// Creates `requests` one by one, each at most once (they carry their uuids).
pub async fn submit(client: Client, requests: Vec<NewFractalRequest>) -> Submitted {
    let mut created = Vec::with_capacity(requests.len());
    for request in &requests {
        match timed("creating a fractal", CALL_LIMIT, client.create_once(request)).await {
            Ok(f) => created.push(f.uuid),
            Err(error) => return Submitted { created, error: Some(error) },
        }
    }
    Submitted { created, error: None }
}

/// Downloads `uuid`'s PNG (checked against its checksum) to `dir/<uuid>.png`.
pub async fn download(client: Client, uuid: String, dir: PathBuf) -> Result<PathBuf, ClusterError> {
    let png = timed("the download", DOWNLOAD_LIMIT, client.image(&uuid)).await?;
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| ClusterError::Io { path, source }
    };
    tokio::fs::create_dir_all(&dir).await.map_err(io(&dir))?;
    let path = dir.join(format!("{uuid}.png"));
    let partial = path.with_extension("png.partial");
    tokio::fs::write(&partial, &png).await.map_err(io(&partial))?;
    tokio::fs::rename(&partial, &path).await.map_err(io(&path))?;
    Ok(path)
}

/// Downloads `uuid`'s PNG (checked against its checksum) and shrinks it, on a blocking
/// thread, to fit `[width, height]` (its proportions kept).
pub async fn thumbnail(client: Client, uuid: String, [width, height]: [u32; 2]) -> Reply {
    let png = timed("the thumbnail's download", DOWNLOAD_LIMIT, client.image(&uuid)).await.ok();
    let shrink = move || {
        let picture = image::load_from_memory_with_format(&png?, image::ImageFormat::Png).ok()?;
        let small = picture.thumbnail(width, height).to_rgba8();
        let size = [small.width() as usize, small.height() as usize];
        Some(egui::ColorImage::from_rgba_unmultiplied(size, small.as_raw()))
    };
    let image = tokio::task::spawn_blocking(shrink).await.ok().flatten();
    Reply::Thumbnail { uuid, image }
}

/// Deletes `uuid`; answers its uuid.
pub async fn delete(client: Client, uuid: String) -> Result<String, ClusterError> {
    timed("deleting", CALL_LIMIT, client.delete(&uuid)).await?;
    Ok(uuid)
}

/// Makes `poster` into `output`, sending progress, outages and each tile (shrunk for
/// the mosaic, once its band of tiles is written) as they come. The tiles wait in `<output>.tiles/`, which is
/// what a resumed poster picks up again.
pub async fn make_poster(client: Client, poster: Poster, output: PathBuf, replier: Replier<Reply>) -> Reply {
    let tiles = output.with_extension("tiles");
    let id = poster.id.clone();
    let mut shrinker = super::mosaic::TileShrinker::new(&poster);
    let send = |news: PosterNews| replier.send(Reply::Poster { id: id.clone(), news });
    let events = |event: PosterEvent<'_>| match event {
        PosterEvent::Progress(p) => send(PosterNews::Progress(p)),
        PosterEvent::Waiting(e) => send(PosterNews::Waiting(e.to_string())),
        PosterEvent::TileReady { .. } => {}
        // The mosaic is shrunk from the rows the poster writer decodes anyway.
        PosterEvent::TileRow { index, y, rgb } => {
            if let Some(image) = shrinker.take_row(index, y, rgb) {
                send(PosterNews::Tile(index, image));
            }
        }
    };
    let made = poster::make(&client, &poster, &tiles, &output, POSTER_PATIENCE, events).await;
    Reply::Poster { id, news: PosterNews::Done(made.map(|()| output).map_err(ClusterError::from)) }
}

/// The local preview of `poster`, rendered on a blocking thread.
pub async fn poster_preview(poster: Poster) -> Reply {
    let id = poster.id.clone();
    let image = tokio::task::spawn_blocking(move || super::mosaic::preview(&poster.whole)).await.ok().flatten();
    Reply::Poster { id, news: PosterNews::Preview(image) }
}
