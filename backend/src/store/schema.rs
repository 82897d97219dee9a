//! The `fractal` table in each dialect, and the migrations that create it.
//!
//! Differences from the original: DOUBLE precision everywhere (MySQL's `FLOAT` lost
//! digits), raw PNG bytes instead of base64 text, no UNIQUE on `checksum` (identical
//! images from different tasks are legitimate; the constraint left them pending forever),
//! and the additive columns of [`crate::wire::fractal`].

use crate::wire::fractal::MAX_COORDINATE_CHARS;
use crate::wire::search::Dialect;

/// Statements of migration 1, for `dialect`.
pub fn migration_1(dialect: Dialect) -> Vec<String> {
    let (text_key, text, real, int, blob) = match dialect {
        Dialect::Sqlite => ("TEXT", "TEXT", "REAL", "INTEGER", "BLOB"),
        Dialect::Postgres => ("TEXT", "TEXT", "DOUBLE PRECISION", "BIGINT", "BYTEA"),
        Dialect::MySql => ("VARCHAR(36)", "VARCHAR(255)", "DOUBLE", "BIGINT", "LONGBLOB"),
    };
    // Not MySQL's TEXT: the protocol reports TEXT columns as BLOBs, which sqlx's `Any`
    // driver will not decode as strings.
    let long_text = if dialect == Dialect::MySql { "VARCHAR(8000)" } else { text };
    let table = format!(
        "CREATE TABLE IF NOT EXISTS fractal (
            uuid {text_key} NOT NULL PRIMARY KEY,
            checksum {text},
            url {text},
            duration {real},
            size {int},
            width {int} NOT NULL,
            height {int} NOT NULL,
            iterations {int} NOT NULL,
            xa {real} NOT NULL,
            xb {real} NOT NULL,
            ya {real} NOT NULL,
            yb {real} NOT NULL,
            image {blob},
            generated_by {text},
            status {text} NOT NULL,
            error {long_text},
            created_at {text} NOT NULL,
            updated_at {text} NOT NULL,
            kind {text} NOT NULL,
            c_re {real},
            c_im {real},
            seed {int},
            palette {text} NOT NULL
        ){}",
        if dialect == Dialect::MySql { " CHARACTER SET utf8mb4" } else { "" }
    );
    vec![
        table,
        "CREATE INDEX fractal_created_at ON fractal (created_at)".to_owned(),
        "CREATE INDEX fractal_status ON fractal (status)".to_owned(),
    ]
}

/// Statements of migration 2: the transactional outbox. A created fractal's task is
/// written here in the same transaction as its row, and deleted only after the queue
/// confirmed it, so a broker outage delays tasks instead of losing them.
pub fn migration_2(dialect: Dialect) -> Vec<String> {
    let id = match dialect {
        Dialect::Sqlite => "id INTEGER PRIMARY KEY AUTOINCREMENT",
        Dialect::Postgres => "id BIGSERIAL PRIMARY KEY",
        Dialect::MySql => "id BIGINT AUTO_INCREMENT PRIMARY KEY",
    };
    let (text, body) = match dialect {
        // VARCHAR, not TEXT (see migration 1); a task body is well under 1 KiB.
        Dialect::MySql => ("VARCHAR(255)", "VARCHAR(12000)"),
        _ => ("TEXT", "TEXT"),
    };
    vec![format!(
        "CREATE TABLE IF NOT EXISTS outbox ({id}, body {body} NOT NULL, created_at {text} NOT NULL){}",
        if dialect == Dialect::MySql { " CHARACTER SET utf8mb4" } else { "" }
    )]
}

/// Statements of migration 3: indexes for the listings clients ask for, so a page is
/// read in order from an index instead of sorting every matching row.
///
/// The store orders by the requested columns and then `uuid` ascending (the primary key:
/// the default order). Each index ends in `uuid`, so it holds the complete order and
/// PostgreSQL answers from the index alone where it can; the newest-first ones are
/// `created_at DESC, uuid` because the tiebreak stays ascending.
///
/// - `fractal_newest`: newest (or, read backwards, oldest) first: the gallery's and
///   `faafo list --newest`'s order; with `status` after the order, so that several
///   statuses newest first (`--status pending,rendering --newest`) are filtered in the
///   index (half the time of reading each row);
/// - `fractal_status_uuid`: one status in the default order (`faafo list --status`), and
///   counts per status from the smallest index;
/// - `fractal_status_newest`: one status, newest or oldest first (`faafo list --status
///   --newest`, the renderer's queue);
/// - `fractal_updated`: recently changed first, and the last change (`/health`);
/// - `fractal_kind`: one kind of fractal, newest first.
///
/// Writes pay for each index, so there are none for filters no client makes (ranges of
/// sizes or coordinates): those still scan.
pub fn migration_3(dialect: Dialect) -> Vec<String> {
    let drop = |name: &str| match dialect {
        Dialect::MySql => format!("DROP INDEX {name} ON fractal"),
        _ => format!("DROP INDEX {name}"),
    };
    vec![
        // Migration 1's single-column indexes are prefixes of these.
        drop("fractal_created_at"),
        drop("fractal_status"),
        "CREATE INDEX fractal_newest ON fractal (created_at DESC, uuid, status)".to_owned(),
        "CREATE INDEX fractal_status_uuid ON fractal (status, uuid)".to_owned(),
        "CREATE INDEX fractal_status_newest ON fractal (status, created_at DESC, uuid)".to_owned(),
        "CREATE INDEX fractal_updated ON fractal (updated_at DESC, uuid)".to_owned(),
        "CREATE INDEX fractal_kind ON fractal (kind, created_at DESC, uuid)".to_owned(),
    ]
}

/// Statements of migration 4: a poster's tile tasks. A tile is rendered as the window
/// `tile_x, tile_y, tile_width, tile_height` of the whole `width` × `height` image, so the
/// tiles put together are the whole image pixel for pixel. NULL for whole images.
pub fn migration_4(dialect: Dialect) -> Vec<String> {
    let int = if dialect == Dialect::Sqlite { "INTEGER" } else { "BIGINT" };
    ["tile_x", "tile_y", "tile_width", "tile_height"]
        .iter()
        .map(|c| format!("ALTER TABLE fractal ADD COLUMN {c} {int}"))
        .collect()
}

/// Statements of migration 5: a deep view's exact location, `center_re`, `center_im`
/// (decimal text, up to [`MAX_COORDINATE_CHARS`] characters) and `scale` (text with an
/// exponent). NULL for fractals that have only `xa..yb`. On MySQL the coordinates are
/// ASCII `VARCHAR`s: decimal digits need one byte each, and the row (65,535 bytes at most,
/// `error` already takes 32,000 of them in utf8mb4) has room for two of them that way.
pub fn migration_5(dialect: Dialect) -> Vec<String> {
    let (coordinate, scale) = match dialect {
        Dialect::MySql => (
            format!("VARCHAR({MAX_COORDINATE_CHARS}) CHARACTER SET ascii"),
            "VARCHAR(255) CHARACTER SET ascii".to_owned(),
        ),
        _ => ("TEXT".to_owned(), "TEXT".to_owned()),
    };
    vec![
        format!("ALTER TABLE fractal ADD COLUMN center_re {coordinate}"),
        format!("ALTER TABLE fractal ADD COLUMN center_im {coordinate}"),
        format!("ALTER TABLE fractal ADD COLUMN scale {scale}"),
    ]
}

/// Statements of migration 6: a task's colouring mode, light, boundary width and
/// antialiasing ([`crate::wire::colouring`]). NULL for fractals that do not give them:
/// escape time, one sample per pixel, as before. `colouring` is a short name (ASCII).
pub fn migration_6(dialect: Dialect) -> Vec<String> {
    let (text, real, int) = match dialect {
        Dialect::Sqlite => ("TEXT", "REAL", "INTEGER"),
        Dialect::Postgres => ("TEXT", "DOUBLE PRECISION", "BIGINT"),
        Dialect::MySql => ("VARCHAR(32) CHARACTER SET ascii", "DOUBLE", "BIGINT"),
    };
    vec![
        format!("ALTER TABLE fractal ADD COLUMN colouring {text}"),
        format!("ALTER TABLE fractal ADD COLUMN light_angle {real}"),
        format!("ALTER TABLE fractal ADD COLUMN light_elevation {real}"),
        format!("ALTER TABLE fractal ADD COLUMN light_strength {real}"),
        format!("ALTER TABLE fractal ADD COLUMN boundary_width {real}"),
        format!("ALTER TABLE fractal ADD COLUMN antialias {int}"),
    ]
}

/// Every migration, in order; `faafo_schema.version` records how many have run.
pub fn migrations(dialect: Dialect) -> Vec<Vec<String>> {
    vec![
        migration_1(dialect),
        migration_2(dialect),
        migration_3(dialect),
        migration_4(dialect),
        migration_5(dialect),
        migration_6(dialect),
    ]
}
