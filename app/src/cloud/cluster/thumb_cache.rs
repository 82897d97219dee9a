//! The Fractals table's thumbnails kept on disk between runs, so a restarted explorer
//! shows them without rendering or downloading again: one small PNG per finished
//! fractal in `$XDG_CACHE_HOME/faafo/thumbnails/` (else `~/.cache/…`), named by the
//! image's checksum (the SHA-256 the cluster stores, so a thumbnail can never stand for
//! another picture), the oldest removed past [`MAX_BYTES`].

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use egui::{Color32, ColorImage};

/// Bytes of thumbnails kept at most (about 3000 thumbnails of 96×60).
pub const MAX_BYTES: u64 = 32 * 1024 * 1024;

/// A directory of thumbnails.
#[derive(Debug, Clone)]
pub struct ThumbCache {
    dir: PathBuf,
    max_bytes: u64,
}

impl ThumbCache {
    /// The user's thumbnail cache (see the module docs), if a home can be found.
    pub fn in_user_cache() -> Option<Self> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
        Some(Self::at(base.join("faafo").join("thumbnails"), MAX_BYTES))
    }

    /// Thumbnails in `dir`, at most `max_bytes` of them.
    pub fn at(dir: impl Into<PathBuf>, max_bytes: u64) -> Self {
        Self { dir: dir.into(), max_bytes }
    }

    /// The file of the thumbnail of the image whose checksum is `checksum`; `None` for
    /// anything but a hex digest (it names a file).
    fn path(&self, checksum: &str) -> Option<PathBuf> {
        let hex = !checksum.is_empty() && checksum.len() <= 128 && checksum.bytes().all(|b| b.is_ascii_hexdigit());
        hex.then(|| self.dir.join(format!("{}.png", checksum.to_ascii_lowercase())))
    }

    /// The thumbnail kept for `checksum`, if there is one that reads as 8-bit RGBA.
    pub fn load(&self, checksum: &str) -> Option<ColorImage> {
        let file = File::open(self.path(checksum)?).ok()?;
        let mut reader = png::Decoder::new(BufReader::new(file)).read_info().ok()?;
        let info = reader.info();
        if (info.color_type, info.bit_depth) != (png::ColorType::Rgba, png::BitDepth::Eight) {
            return None;
        }
        let (w, h) = (info.width as usize, info.height as usize);
        let mut rgba = vec![0u8; reader.output_buffer_size()?];
        reader.next_frame(&mut rgba).ok()?;
        rgba.truncate(w * h * 4);
        Some(ColorImage::from_rgba_premultiplied([w, h], &rgba))
    }

    /// Keeps `image` as the thumbnail of `checksum` (written whole or not at all), then
    /// removes the oldest thumbnails past the size limit.
    pub fn store(&self, checksum: &str, image: &ColorImage) -> std::io::Result<()> {
        let path =
            self.path(checksum).ok_or_else(|| std::io::Error::other(format!("'{checksum}' is not a checksum")))?;
        std::fs::create_dir_all(&self.dir)?;
        let partial = path.with_extension("png.partial");
        let [w, h] = image.size;
        let rgba: Vec<u8> = image.pixels.iter().flat_map(Color32::to_array).collect();
        let mut encoder = png::Encoder::new(BufWriter::new(File::create(&partial)?), w as u32, h as u32);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let written = encoder.write_header().and_then(|mut writer| {
            writer.write_image_data(&rgba)?;
            writer.finish()
        });
        if let Err(e) = written {
            let _ = std::fs::remove_file(&partial);
            return Err(std::io::Error::other(e));
        }
        std::fs::rename(&partial, &path)?;
        self.trim()
    }

    /// Removes the least recently written thumbnails until they fit in the limit.
    fn trim(&self) -> std::io::Result<()> {
        let mut files: Vec<(std::time::SystemTime, u64, PathBuf)> = std::fs::read_dir(&self.dir)?
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "png"))
            .filter_map(|e| {
                let meta = e.metadata().ok()?;
                Some((meta.modified().ok()?, meta.len(), e.path()))
            })
            .collect();
        let mut total: u64 = files.iter().map(|f| f.1).sum();
        files.sort();
        for (_, len, path) in files {
            if total <= self.max_bytes {
                break;
            }
            std::fs::remove_file(&path)?;
            total = total.saturating_sub(len);
        }
        Ok(())
    }

    /// The directory, for tests and messages.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("faafo-thumb-cache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn picture(seed: u8) -> ColorImage {
        let pixels = (0..96 * 60).map(|i| Color32::from_rgb(seed, (i % 256) as u8, (i / 256) as u8)).collect();
        ColorImage::new([96, 60], pixels)
    }

    #[test]
    fn a_stored_thumbnail_is_there_after_a_restart() {
        let dir = temp_dir("restart");
        let sum = "ab12".repeat(16);
        ThumbCache::at(&dir, MAX_BYTES).store(&sum, &picture(7)).unwrap();
        // A new cache on the same directory: what the next run of the explorer opens.
        let again = ThumbCache::at(&dir, MAX_BYTES);
        assert_eq!(again.load(&sum), Some(picture(7)));
        assert_eq!(again.load(&"cd34".repeat(16)), None, "another checksum has no thumbnail");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn only_checksums_name_files_and_the_oldest_go_past_the_limit() {
        let dir = temp_dir("limit");
        let probe = ThumbCache::at(&dir, MAX_BYTES);
        probe.store("00", &picture(1)).unwrap();
        let one = std::fs::metadata(dir.join("00.png")).unwrap().len();
        assert!(probe.store("../evil", &picture(1)).is_err());
        // Room for two: the third written pushes out the first.
        let cache = ThumbCache::at(&dir, one * 2 + one / 2);
        std::thread::sleep(std::time::Duration::from_millis(20));
        cache.store("01", &picture(2)).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        cache.store("02", &picture(3)).unwrap();
        assert_eq!(cache.load("00"), None);
        assert_eq!(cache.load("01"), Some(picture(2)));
        assert_eq!(cache.load("02"), Some(picture(3)));
        std::fs::remove_dir_all(&dir).ok();
    }
}
