//! Taking over a database the original faafo created.
//!
//! The original's `fractal` table (faafo-spec §2) has no status, timestamps or kind, a
//! UNIQUE checksum (its lost-result bug), single-precision FLOAT on MySQL, and keeps the
//! worker's *base64 text* in `image`. Pointing `faafo-api` at such a database must not
//! fail and must not lose anything, so the first start:
//! 1. renames the table to `fractal_original` (kept untouched, as a backup);
//! 2. creates the new schema;
//! 3. copies every row: images decoded to PNG bytes, `done` where the original had a
//!    result and `pending` (with a task in the outbox, so it gets rendered) otherwise.

use base64::Engine as _;
use sqlx::{Executor as _, Row as _};

use super::{Store, StoreError, now_rfc3339};
use crate::wire::fractal::{Fractal, Status};
use crate::wire::search::Dialect;

/// The kept copy of the original table.
pub const ORIGINAL_TABLE: &str = "fractal_original";

/// Whether `fractal` exists and is the original's (it has no `status` column).
pub(super) async fn is_original(store: &Store) -> bool {
    let exists = sqlx::query("SELECT COUNT(*) FROM fractal").fetch_one(&store.pool).await.is_ok();
    exists && sqlx::query("SELECT status FROM fractal WHERE 1 = 0").fetch_all(&store.pool).await.is_err()
}

async fn table_exists(store: &Store, table: &str) -> bool {
    sqlx::query(&format!("SELECT 1 FROM {table} WHERE 1 = 0")).fetch_all(&store.pool).await.is_ok()
}

/// Whether original rows wait to be copied (set aside, and no record of the copy).
pub(super) async fn copy_pending(store: &Store) -> bool {
    table_exists(store, ORIGINAL_TABLE).await && !table_exists(store, "faafo_adopted").await
}

/// Records that the copy finished.
pub(super) async fn mark_copied(store: &Store, rows: u64) -> Result<(), StoreError> {
    store.pool.execute("CREATE TABLE faafo_adopted (copied_rows BIGINT NOT NULL)").await?;
    store.pool.execute(format!("INSERT INTO faafo_adopted (copied_rows) VALUES ({rows})").as_str()).await?;
    Ok(())
}

/// Step 1: moves the original table aside (before the migrations create the new one).
pub(super) async fn set_aside(store: &Store) -> Result<(), StoreError> {
    store.pool.execute(format!("ALTER TABLE fractal RENAME TO {ORIGINAL_TABLE}").as_str()).await?;
    if store.dialect == Dialect::Postgres {
        // PostgreSQL keeps index names across a rename; the new table needs its own
        // `fractal_pkey`.
        store
            .pool
            .execute(format!("ALTER INDEX IF EXISTS fractal_pkey RENAME TO {ORIGINAL_TABLE}_pkey").as_str())
            .await?;
    }
    Ok(())
}

/// Step 3: copies the original rows into the new table; returns how many.
pub(super) async fn copy_rows(store: &Store) -> Result<u64, StoreError> {
    // Casts, because the original's column types differ by dialect (MySQL FLOAT is
    // single precision, INTEGER is 32-bit) and sqlx's `Any` decodes exact types only.
    let (real, int) = match store.dialect {
        Dialect::MySql => ("DOUBLE", "SIGNED"),
        Dialect::Postgres => ("DOUBLE PRECISION", "BIGINT"),
        Dialect::Sqlite => ("REAL", "INTEGER"),
    };
    let sql = format!(
        "SELECT uuid, checksum, url, CAST(duration AS {real}) AS duration, CAST(size AS {int}) AS size, \
         CAST(width AS {int}) AS width, CAST(height AS {int}) AS height, CAST(iterations AS {int}) AS iterations, \
         CAST(xa AS {real}) AS xa, CAST(xb AS {real}) AS xb, CAST(ya AS {real}) AS ya, CAST(yb AS {real}) AS yb, \
         image, generated_by FROM {ORIGINAL_TABLE}"
    );
    let rows = sqlx::query(&sql).fetch_all(&store.pool).await?;
    let now = now_rfc3339();
    let mut copied = 0;
    for row in &rows {
        let image: Option<Vec<u8>> = row.try_get("image")?;
        let png = image.and_then(|stored| decode_image(&stored));
        let checksum: Option<String> = row.try_get("checksum")?;
        let status = if png.is_some() && checksum.is_some() { Status::Done } else { Status::Pending };
        let f = Fractal {
            uuid: row.try_get("uuid")?,
            checksum: checksum.filter(|_| status == Status::Done),
            url: row.try_get("url")?,
            duration: row.try_get("duration")?,
            size: png.as_ref().map(|p| p.len() as i64),
            width: row.try_get("width")?,
            height: row.try_get("height")?,
            iterations: row.try_get("iterations")?,
            xa: row.try_get("xa")?,
            xb: row.try_get("xb")?,
            ya: row.try_get("ya")?,
            yb: row.try_get("yb")?,
            generated_by: row.try_get("generated_by")?,
            status,
            error: None,
            created_at: now.clone(),
            updated_at: now.clone(),
            kind: "classic".into(),
            c_re: None,
            c_im: None,
            seed: None,
            palette: "classic".into(),
        };
        // A pending row gets its task again: the original may have lost it.
        let task = (status == Status::Pending).then(|| f.to_object().to_string());
        match store.insert_with_task(&f, task.as_deref()).await {
            // Copied by an earlier, interrupted start.
            Ok(()) | Err(StoreError::Duplicate(_)) => {}
            Err(e) => return Err(e),
        }
        if let Some(png) = png {
            store.blobs.put(&f.uuid, &png).await?;
        }
        copied += 1;
    }
    Ok(copied)
}

/// The PNG in an original `image` value: base64 text as the worker sent it (or, from
/// some client, raw PNG bytes already).
fn decode_image(stored: &[u8]) -> Option<Vec<u8>> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if stored.starts_with(SIGNATURE) {
        return Some(stored.to_vec());
    }
    let text: Vec<u8> = stored.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(text).ok().filter(|png| png.starts_with(SIGNATURE))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn images_are_decoded_from_base64_or_kept() {
        let png = b"\x89PNG\r\n\x1a\nrest".to_vec();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&png);
        assert_eq!(decode_image(b64.as_bytes()), Some(png.clone()));
        assert_eq!(decode_image(format!("{b64}\n").as_bytes()), Some(png.clone()));
        assert_eq!(decode_image(&png), Some(png));
        assert_eq!(decode_image(b"not an image"), None);
    }
}
