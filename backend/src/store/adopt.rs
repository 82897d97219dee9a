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
use crate::wire::fractal::{COLUMNS, ColumnType, Status};
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
    let (real, int, text) = match store.dialect {
        Dialect::MySql => ("DOUBLE", "SIGNED", "CHAR"),
        Dialect::Postgres => ("DOUBLE PRECISION", "BIGINT", "TEXT"),
        Dialect::Sqlite => ("REAL", "INTEGER", "TEXT"),
    };
    // The new table's columns, with the additive ones filled in as the original's rows
    // imply (a classic fractal, created now), so the one row mapper reads them.
    let now = now_rfc3339();
    // Every column after `palette` (tiles, exact locations, colouring, and any added
    // later) is NULL for the original's rows.
    let later: String = COLUMNS
        .iter()
        .skip_while(|c| c.name != "palette")
        .skip(1)
        .map(|c| {
            let ty = match c.ty {
                ColumnType::Text => text,
                ColumnType::Integer => int,
                ColumnType::Real => real,
            };
            format!(", CAST(NULL AS {ty}) AS {}", c.name)
        })
        .collect();
    let sql = format!(
        "SELECT uuid, checksum, url, CAST(duration AS {real}) AS duration, CAST(size AS {int}) AS size, \
         CAST(width AS {int}) AS width, CAST(height AS {int}) AS height, CAST(iterations AS {int}) AS iterations, \
         CAST(xa AS {real}) AS xa, CAST(xb AS {real}) AS xb, CAST(ya AS {real}) AS ya, CAST(yb AS {real}) AS yb, \
         image, generated_by, 'pending' AS status, CAST(NULL AS {text}) AS error, '{now}' AS created_at, \
         '{now}' AS updated_at, 'classic' AS kind, CAST(NULL AS {real}) AS c_re, CAST(NULL AS {real}) AS c_im, \
         CAST(NULL AS {int}) AS seed, 'classic' AS palette{later} \
         FROM {ORIGINAL_TABLE}"
    );
    let rows = sqlx::query(&sql).fetch_all(&store.pool).await?;
    let mut copied = 0;
    for row in &rows {
        let image: Option<Vec<u8>> = row.try_get("image")?;
        let png = image.and_then(|stored| decode_image(&stored));
        let mut f = super::row_to_fractal(row)?;
        // Done only with an image that decodes and its checksum; otherwise rendered again.
        if png.is_some() && f.checksum.is_some() {
            f.status = Status::Done;
        } else {
            f.checksum = None;
        }
        f.size = png.as_ref().map(|p| p.len() as i64);
        // A pending row gets its task again: the original may have lost it.
        let task = (f.status == Status::Pending).then(|| f.to_object().to_string());
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
