//! Posters: one view too big for one machine, cut into tiles that a faafo cluster renders
//! as separate tasks, then put back together into one PNG, streamed row by row so memory
//! stays small whatever the size.
//!
//! Every tile task carries the whole image's geometry and its window of it, so a worker
//! computes exactly the pixel coordinates the whole image would use: the poster is pixel
//! for pixel the image `faafo render` makes of the same view. Tile uuids are derived from
//! the poster's id, so a poster interrupted anywhere (the app closed, the API restarted)
//! resumes from the tiles already on the server, and no tile is ever created twice.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use faafo_engine::{FractalKind, Window};

use super::{Client, ClientError, NewFractalRequest, Status};

/// Largest tile, in pixels: small enough to spread a poster over many workers and to keep
/// each result upload modest, large enough that per-task overhead is noise.
pub const MAX_TILE_PIXELS: u64 = 2048 * 2048;
/// Largest poster side (the engine's [`faafo_engine::params::MAX_POSTER_SIDE`]).
pub const MAX_SIDE: u32 = faafo_engine::params::MAX_POSTER_SIDE;
/// Times a failed tile is created again before the poster gives up.
pub const MAX_TILE_RETRIES: u32 = 3;

/// Why a poster cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum PosterError {
    /// The request cannot be a poster (size, tiles, a kind the wire cannot carry).
    #[error("{0}")]
    Invalid(String),
    /// The API failed or refused.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// A tile kept failing.
    #[error("tile {uuid} failed {attempts} times; last error: {error}")]
    TileFailed {
        /// The tile's uuid.
        uuid: String,
        /// How often it was tried.
        attempts: u32,
        /// The worker's last error.
        error: String,
    },
    /// A tile's PNG is not what was asked for.
    #[error("tile {uuid}: {problem}")]
    BadTile {
        /// The tile's uuid.
        uuid: String,
        /// What was wrong.
        problem: String,
    },
    /// Writing the poster or a tile file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PosterError + '_ {
    move |source| PosterError::Io { path: path.to_owned(), source }
}

/// One tile: its task's uuid and its window of the whole image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tile {
    /// The tile task's uuid: `<poster id>-t<index>`.
    pub uuid: String,
    /// Which pixels of the poster it is.
    pub window: Window,
}

/// A planned poster: the whole image's request and its tiles.
#[derive(Debug, Clone, PartialEq)]
pub struct Poster {
    /// Names the poster's tasks; the same id resumes the same poster.
    pub id: String,
    /// The whole image: size, region, iterations, kind, constant, palette.
    pub whole: NewFractalRequest,
    /// Tiles across.
    pub columns: u32,
    /// Tiles down.
    pub rows: u32,
    /// Row by row.
    pub tiles: Vec<Tile>,
}

/// A fresh poster id: 12 hex digits, short enough for `<id>-t<index>` to be a valid uuid.
pub fn new_id() -> String {
    format!("poster-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

/// The fewest tiles across and down that keep each within [`MAX_TILE_PIXELS`], with sides
/// as equal as the image allows.
pub fn grid_for(width: u32, height: u32) -> (u32, u32) {
    let side = (MAX_TILE_PIXELS as f64).sqrt();
    let columns = (f64::from(width) / side).ceil().max(1.0) as u32;
    let rows = (f64::from(height) / side).ceil().max(1.0) as u32;
    (columns, rows)
}

impl Poster {
    /// Plans `whole` as `columns` × `rows` tiles under `id` (see [`new_id`]).
    pub fn plan(id: &str, whole: NewFractalRequest, columns: u32, rows: u32) -> Result<Self, PosterError> {
        let invalid = |m: String| Err(PosterError::Invalid(m));
        if !(2..=MAX_SIDE).contains(&whole.width) || !(2..=MAX_SIDE).contains(&whole.height) {
            return invalid(format!("a poster is 2 to {MAX_SIDE} pixels a side, not {}x{}", whole.width, whole.height));
        }
        if columns == 0 || rows == 0 || whole.width / columns < 2 || whole.height / rows < 2 {
            return invalid(format!(
                "{columns}x{rows} tiles do not fit a {}x{} image (tiles need 2 pixels a side)",
                whole.width, whole.height
            ));
        }
        let tiles: Vec<_> = Window::grid(whole.width, whole.height, columns, rows)
            .into_iter()
            .enumerate()
            .map(|(i, window)| Tile { uuid: format!("{id}-t{i}"), window })
            .collect();
        if let Some(t) = tiles.iter().find(|t| t.window.pixels() > MAX_TILE_PIXELS * 4) {
            return invalid(format!(
                "tiles of {}x{} are too large for a worker; use more tiles (at most {} pixels each)",
                t.window.width,
                t.window.height,
                MAX_TILE_PIXELS * 4
            ));
        }
        if tiles.iter().any(|t| t.uuid.len() > crate::wire::fractal::MAX_UUID_CHARS) {
            return invalid(format!("the poster id '{id}' is too long for its tiles' uuids"));
        }
        if whole.kind == Some(FractalKind::Classic) && whole.c.is_none() && whole.seed.is_none() {
            // Each tile would search its own constant: fix the seed so they share one.
            return invalid("a classic poster needs its constant (c) or a seed, so every tile uses the same".into());
        }
        Ok(Self { id: id.to_owned(), whole, columns, rows, tiles })
    }

    /// The create request of one tile.
    pub fn request(&self, tile: &Tile) -> NewFractalRequest {
        NewFractalRequest { uuid: Some(tile.uuid.clone()), window: Some(tile.window), ..self.whole.clone() }
    }

    /// The tiles' uuids, in order.
    pub fn uuids(&self) -> Vec<String> {
        self.tiles.iter().map(|t| t.uuid.clone()).collect()
    }

    /// Pixels times the iteration limit: the work, for estimates.
    pub fn work(&self) -> u64 {
        u64::from(self.whole.width) * u64::from(self.whole.height) * u64::from(self.whole.iterations)
    }
}

/// Where a poster's tiles are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PosterProgress {
    /// Tiles in the poster.
    pub total: usize,
    /// Rendered.
    pub done: usize,
    /// Failed and created again.
    pub retried: usize,
}

/// Creates the tiles that are not on the server yet; returns how many it created. Safe to
/// call again after any interruption: tiles already there are left alone.
pub async fn submit(client: &Client, poster: &Poster) -> Result<usize, PosterError> {
    let existing = client.get_many(&poster.uuids()).await?;
    let mut created = 0;
    for tile in &poster.tiles {
        if existing.iter().any(|f| f.uuid == tile.uuid) {
            continue;
        }
        client.create_once(&poster.request(tile)).await?;
        created += 1;
    }
    Ok(created)
}

/// What a poster in the making reports, as it happens.
#[derive(Debug)]
pub enum PosterEvent<'a> {
    /// The tiles' counts changed.
    Progress(PosterProgress),
    /// The API is unreachable or failing; the poster waits and tries again.
    Waiting(&'a PosterError),
    /// Tile `index` (of [`Poster::tiles`]) is on disk at `path`, checked against its
    /// stored checksum: what a live mosaic shows as the tiles arrive.
    TileReady {
        /// Its index in [`Poster::tiles`].
        index: usize,
        /// Its PNG.
        path: &'a Path,
    },
    /// Row `y` of tile `index`, as the poster writer decoded it (8-bit RGB, the tile's
    /// width): a live mosaic is built from these rather than decoding every tile again.
    /// A tile's rows come once its whole band of tiles is on disk, top to bottom.
    TileRow {
        /// Its index in [`Poster::tiles`].
        index: usize,
        /// The row within the tile, from 0 (the top) to its height − 1.
        y: u32,
        /// The row's pixels.
        rgb: &'a [u8],
    },
}

/// Waits until every tile is done, downloading each into `dir` as soon as it is (tiles
/// already there are kept) and giving each complete band of tiles to `assembler`, and
/// creating failed (or deleted) tiles again up to [`MAX_TILE_RETRIES`] times; reports
/// each change and each tile to `events`.
pub async fn wait<W: Write>(
    client: &Client,
    poster: &Poster,
    dir: &Path,
    mut events: impl FnMut(PosterEvent<'_>),
    assembler: &mut Assembler<'_, W>,
) -> Result<(), PosterError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let uuids = poster.uuids();
    let mut retries = vec![0u32; poster.tiles.len()];
    let mut fetched = vec![false; poster.tiles.len()];
    let mut last = None;
    let mut interval = Duration::from_millis(100);
    loop {
        let rows = client.get_many(&uuids).await?;
        let mut now =
            PosterProgress { total: uuids.len(), retried: retries.iter().map(|r| *r as usize).sum(), done: 0 };
        for (i, tile) in poster.tiles.iter().enumerate() {
            let row = rows.iter().find(|f| f.uuid == tile.uuid);
            match row.map(|f| f.status) {
                Some(Status::Done) => now.done += 1,
                Some(Status::Pending | Status::Rendering) => {}
                failed_or_gone => {
                    retries[i] += 1;
                    if retries[i] > MAX_TILE_RETRIES {
                        let error = row.and_then(|f| f.error.clone()).unwrap_or_else(|| "deleted".into());
                        return Err(PosterError::TileFailed { uuid: tile.uuid.clone(), attempts: retries[i], error });
                    }
                    if failed_or_gone.is_some() {
                        client.delete(&tile.uuid).await?;
                    }
                    client.create_once(&poster.request(tile)).await?;
                }
            }
        }
        if last != Some(now) {
            events(PosterEvent::Progress(now));
        }
        let mut arrived = false;
        for (i, tile) in poster.tiles.iter().enumerate() {
            let done = rows.iter().any(|f| f.uuid == tile.uuid && f.status == Status::Done);
            if done && !fetched[i] {
                let path = fetch_tile(client, dir, tile).await?;
                events(PosterEvent::TileReady { index: i, path: &path });
                fetched[i] = true;
                arrived = true;
            }
        }
        // Each band of tiles goes into the poster as soon as it is all here, while the
        // cluster renders the rest.
        assembler.catch_up(poster, dir, &fetched, &mut events)?;
        interval = if last != Some(now) || arrived {
            Duration::from_millis(100)
        } else {
            (interval * 2).min(Duration::from_secs(1))
        };
        last = Some(now);
        if fetched.iter().all(|f| *f) {
            return Ok(());
        }
        tokio::time::sleep(interval).await;
    }
}

/// The file a tile is downloaded to.
pub fn tile_path(dir: &Path, tile: &Tile) -> PathBuf {
    dir.join(format!("{}.png", tile.uuid))
}

/// Downloads `tile`'s PNG into `dir` (checked against its stored checksum), unless an
/// earlier attempt already did; answers its path.
async fn fetch_tile(client: &Client, dir: &Path, tile: &Tile) -> Result<PathBuf, PosterError> {
    let path = tile_path(dir, tile);
    if !path.exists() {
        let png = client.image(&tile.uuid).await?;
        let partial = path.with_extension("partial");
        std::fs::write(&partial, &png).map_err(io(&partial))?;
        std::fs::rename(&partial, &path).map_err(io(&path))?;
    }
    Ok(path)
}

/// The PNG writer of `poster` on `out` (the file at `path`, named in errors), its
/// header written: 8-bit RGB, compressed as `faafo render` writes (the engine's
/// encoder: fdeflate's fast mode, several times faster than the default level, which
/// would otherwise dominate a poster).
pub fn png_writer<W: Write>(poster: &Poster, out: W, path: &Path) -> Result<png::Writer<W>, PosterError> {
    let mut encoder = png::Encoder::new(out, poster.whole.width, poster.whole.height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    encoder.write_header().map_err(png_error(path))
}

fn png_error(path: &Path) -> impl Fn(png::EncodingError) -> PosterError + '_ {
    move |e| PosterError::Io { path: path.to_owned(), source: std::io::Error::other(e) }
}

/// Writes a poster's pixels a band of tiles at a time, in order, as soon as each band's
/// tiles are on disk: memory holds one row of the poster and the band's tile decoders,
/// and the writing overlaps the cluster's rendering of later bands.
pub struct Assembler<'a, W: Write> {
    stream: png::StreamWriter<'a, W>,
    line: Vec<u8>,
    /// Bands written so far.
    next_band: usize,
    /// The file written, for errors.
    path: PathBuf,
}

impl<W: Write> std::fmt::Debug for Assembler<'_, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Assembler")
            .field("next_band", &self.next_band)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl<'a, W: Write> Assembler<'a, W> {
    /// Starts writing `poster`'s pixels through `writer` (see [`png_writer`]).
    pub fn new(poster: &Poster, writer: &'a mut png::Writer<W>, path: &Path) -> Result<Self, PosterError> {
        let stream = writer.stream_writer().map_err(png_error(path))?;
        Ok(Self { stream, line: vec![0u8; poster.whole.width as usize * 3], next_band: 0, path: path.to_owned() })
    }

    /// Writes every band whose tiles are all on disk (`fetched`, by tile), in order,
    /// reporting each tile row it decodes to `events` ([`PosterEvent::TileRow`]).
    pub fn catch_up(
        &mut self,
        poster: &Poster,
        dir: &Path,
        fetched: &[bool],
        events: &mut impl FnMut(PosterEvent<'_>),
    ) -> Result<(), PosterError> {
        let columns = poster.columns as usize;
        while self.next_band < poster.rows as usize {
            let band = self.next_band * columns..(self.next_band + 1) * columns;
            if !fetched.get(band.clone()).is_some_and(|f| f.iter().all(|f| *f)) {
                break;
            }
            self.write_band(band.start, &poster.tiles[band], dir, events)?;
            self.next_band += 1;
        }
        Ok(())
    }

    /// Writes the band of tiles `band`, the first of which is tile `first`.
    fn write_band(
        &mut self,
        first: usize,
        band: &[Tile],
        dir: &Path,
        events: &mut impl FnMut(PosterEvent<'_>),
    ) -> Result<(), PosterError> {
        let mut readers = band.iter().map(|t| open_tile(dir, t)).collect::<Result<Vec<_>, _>>()?;
        for y in 0..band[0].window.height {
            for (i, (tile, reader)) in band.iter().zip(&mut readers).enumerate() {
                let row = reader
                    .next_row()
                    .map_err(|e| bad_tile(tile, format!("cannot decode: {e}")))?
                    .ok_or_else(|| bad_tile(tile, "ended early".into()))?;
                events(PosterEvent::TileRow { index: first + i, y, rgb: row.data() });
                let start = tile.window.x as usize * 3;
                self.line[start..start + row.data().len()].copy_from_slice(row.data());
            }
            self.stream.write_all(&self.line).map_err(io(&self.path))?;
        }
        Ok(())
    }

    /// Ends the pixels once every band is written (the writer's `finish` then ends the
    /// file).
    pub fn finish(self, poster: &Poster) -> Result<(), PosterError> {
        if self.next_band < poster.rows as usize {
            let missing = format!("only {} of {} bands of tiles were written", self.next_band, poster.rows);
            return Err(PosterError::Invalid(missing));
        }
        self.stream.finish().map_err(png_error(&self.path))
    }
}

/// Puts the downloaded tiles in `dir` together as one 8-bit RGB PNG written to `out`
/// (see [`Assembler`]).
pub fn assemble(poster: &Poster, dir: &Path, out: impl Write) -> Result<(), PosterError> {
    let path = dir.join("poster.png");
    let mut writer = png_writer(poster, out, &path)?;
    let mut assembler = Assembler::new(poster, &mut writer, &path)?;
    assembler.catch_up(poster, dir, &vec![true; poster.tiles.len()], &mut |_| {})?;
    assembler.finish(poster)?;
    writer.finish().map_err(png_error(&path))
}

fn bad_tile(tile: &Tile, problem: String) -> PosterError {
    PosterError::BadTile { uuid: tile.uuid.clone(), problem }
}

/// A decoder of a downloaded tile, checked to be the tile's size as 8-bit RGB.
fn open_tile(dir: &Path, tile: &Tile) -> Result<png::Reader<BufReader<File>>, PosterError> {
    let path = tile_path(dir, tile);
    let file = File::open(&path).map_err(io(&path))?;
    let reader =
        png::Decoder::new(BufReader::new(file)).read_info().map_err(|e| bad_tile(tile, format!("not a PNG: {e}")))?;
    let info = reader.info();
    let (w, h) = (info.width, info.height);
    if (w, h) != (tile.window.width, tile.window.height) {
        return Err(bad_tile(tile, format!("is {w}x{h}, expected {}x{}", tile.window.width, tile.window.height)));
    }
    if (info.color_type, info.bit_depth) != (png::ColorType::Rgb, png::BitDepth::Eight) {
        return Err(bad_tile(tile, "is not 8-bit RGB".into()));
    }
    Ok(reader)
}

/// Whether an error may pass if tried again: the API unreachable or failing (restarting,
/// overloaded), as opposed to refusing the request.
fn transient(e: &PosterError) -> bool {
    matches!(e, PosterError::Client(ClientError::Unreachable { .. } | ClientError::Server { .. }))
}

/// Submits, waits for, downloads and assembles a poster into `output`, each band of
/// tiles written as soon as it is all downloaded (through a partial file renamed at the
/// end and removed on failure, so a failure never leaves a truncated PNG). `dir`
/// keeps the downloaded tiles between attempts (and between runs: a resumed poster
/// reuses them); it is removed once the poster is written. While the API is unreachable
/// or failing, it tries again with backoff for up to `patience` at a stretch, resuming
/// where it was (every step is safe to repeat). Progress, outages and each tile as it
/// arrives go to `events`.
pub async fn make(
    client: &Client,
    poster: &Poster,
    dir: &Path,
    output: &Path,
    patience: Duration,
    mut events: impl FnMut(PosterEvent<'_>),
) -> Result<(), PosterError> {
    let partial = output.with_extension("png.partial");
    let file = File::create(&partial).map_err(io(&partial))?;
    let mut writer = png_writer(poster, BufWriter::new(file), &partial)?;
    let mut assembler = Assembler::new(poster, &mut writer, &partial)?;
    let mut outage: Option<std::time::Instant> = None;
    let mut backoff = Duration::from_millis(200);
    loop {
        let attempt = async {
            submit(client, poster).await?;
            wait(client, poster, dir, &mut events, &mut assembler).await
        };
        match attempt.await {
            Ok(()) => break,
            Err(e) if transient(&e) && outage.get_or_insert_with(std::time::Instant::now).elapsed() < patience => {
                events(PosterEvent::Waiting(&e));
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
            Err(e) => {
                // A poster never leaves a part behind: a resumed one writes it again.
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        }
    }
    assembler.finish(poster)?;
    // Writes the end and flushes the file, so a full disk is an error here.
    writer.finish().map_err(png_error(&partial))?;
    std::fs::rename(&partial, output).map_err(io(output))?;
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn whole(width: u32, height: u32) -> NewFractalRequest {
        NewFractalRequest {
            kind: Some(FractalKind::Mandelbrot),
            ..NewFractalRequest::new(width, height, 100, (-2.0, 1.0, -1.0, 1.0))
        }
    }

    #[test]
    fn plans_name_their_tiles_and_check_the_size() {
        let p = Poster::plan("poster-abc", whole(1000, 600), 3, 2).unwrap();
        assert_eq!(p.tiles.len(), 6);
        assert_eq!(p.tiles[4].uuid, "poster-abc-t4");
        assert_eq!(p.request(&p.tiles[4]).window, Some(p.tiles[4].window));
        assert_eq!(p.request(&p.tiles[4]).uuid.as_deref(), Some("poster-abc-t4"));
        for (w, h, c, r, needle) in [
            (70_000, 100, 1, 1, "2 to 65536"),
            (100, 100, 0, 1, "do not fit"),
            (10, 10, 6, 1, "do not fit"),
            (20_000, 20_000, 1, 1, "too large"),
        ] {
            let e = Poster::plan("p", whole(w, h), c, r).unwrap_err().to_string();
            assert!(e.contains(needle), "{w}x{h} {c}x{r}: {e}");
        }
        let classic = NewFractalRequest { kind: Some(FractalKind::Classic), ..whole(100, 100) };
        assert!(Poster::plan("p", classic, 2, 2).unwrap_err().to_string().contains("seed"));
    }

    #[test]
    fn grids_keep_tiles_small() {
        assert_eq!(grid_for(100, 100), (1, 1));
        assert_eq!(grid_for(16_384, 16_384), (8, 8));
        assert_eq!(grid_for(65_536, 100), (32, 1));
    }
}
