//! Fractal storage on SQLite, PostgreSQL or MySQL/MariaDB, chosen by URL.
//!
//! One code path for all three through sqlx's `Any` driver: the SQL that differs
//! (placeholders, identifier quoting, column types, `ILIKE`) comes from the dialect.
//! Images go to a [`blob::BlobStore`]: the `image` column (default) or a directory.

pub mod adopt;
pub mod blob;
mod clock;
mod count_cache;
mod schema;
pub mod swift;
pub mod url;

use sqlx::any::{AnyArguments, AnyPoolOptions, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyPool, Executor as _, Row as _};

pub use clock::{format_unix, now_rfc3339, seconds_since};

/// Runs a unit of database work on a task of its own and waits for it. Dropping the
/// returned future does not stop the work: it always ends with a commit or a rollback,
/// never half-way with a connection back in the pool mid-transaction.
async fn run_to_completion<T: Send + 'static>(
    unit: impl std::future::Future<Output = Result<T, StoreError>> + Send + 'static,
) -> Result<T, StoreError> {
    match tokio::spawn(unit).await {
        Ok(result) => result,
        Err(e) => Err(StoreError::Interrupted(e.to_string())),
    }
}

use crate::wire::fractal::{COLUMNS, Column, ColumnType, FieldValue, Fractal};
use crate::wire::paging::Paging;
use crate::wire::search::{Dialect, Search, Sql};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL is not one we support.
    #[error("{0}")]
    Url(String),
    /// The database refused or failed.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// A row with this uuid exists already.
    #[error("a fractal with uuid '{0}' already exists")]
    Duplicate(String),
    /// The image store failed.
    #[error(transparent)]
    Blob(#[from] blob::BlobError),
    /// A unit of work's task panicked or the runtime is shutting down.
    #[error("database work interrupted: {0}")]
    Interrupted(String),
    /// A stored row could not be read back (a value outside the schema).
    #[error("stored fractal is malformed: {0}")]
    Malformed(String),
}

/// Render durations of finished fractals (see [`Store::duration_histogram`]).
#[derive(Debug, Clone, PartialEq)]
pub struct DurationHistogram {
    /// Finished fractals with a duration.
    pub count: u64,
    /// Sum of their durations.
    pub sum_seconds: f64,
    /// For each bound, how many took at most that long.
    pub cumulative: Vec<u64>,
}

/// A connected, migrated database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
    blobs: std::sync::Arc<dyn blob::BlobStore>,
    /// Counts writes to `fractal` through this store (and its clones), so caches of
    /// query results know when they are stale.
    writes: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Totals of searches, so that paging does not count every page.
    counts: std::sync::Arc<count_cache::CountCache>,
}

type AnyQuery<'q> = Query<'q, Any, AnyArguments<'q>>;

fn select_list() -> String {
    COLUMNS.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
}

/// Binds `value` as the type of a column of type `ty` (typed NULLs matter to PostgreSQL).
fn bind<'q>(q: AnyQuery<'q>, value: &FieldValue, ty: ColumnType) -> AnyQuery<'q> {
    match (value, ty) {
        (FieldValue::Null, ColumnType::Text) => q.bind(None::<String>),
        (FieldValue::Null, ColumnType::Integer) => q.bind(None::<i64>),
        (FieldValue::Null, ColumnType::Real) => q.bind(None::<f64>),
        (FieldValue::Text(s), _) => q.bind(s.clone()),
        (FieldValue::Integer(i), ColumnType::Real) => q.bind(*i as f64),
        (FieldValue::Integer(i), _) => q.bind(*i),
        (FieldValue::Real(f), _) => q.bind(*f),
    }
}

/// Binds search parameters, each as its own type.
fn bind_params<'q>(mut q: AnyQuery<'q>, params: &[FieldValue]) -> AnyQuery<'q> {
    for v in params {
        q = bind(q, v, value_type(v));
    }
    q
}

/// The type to bind a search value with: its own.
fn value_type(value: &FieldValue) -> ColumnType {
    match value {
        FieldValue::Integer(_) => ColumnType::Integer,
        FieldValue::Real(_) => ColumnType::Real,
        FieldValue::Text(_) | FieldValue::Null => ColumnType::Text,
    }
}

/// A row read by its columns' types, then mapped by the wire's one row mapper.
fn row_to_fractal(row: &AnyRow) -> Result<Fractal, StoreError> {
    let values = COLUMNS
        .iter()
        .map(|c| {
            Ok(match c.ty {
                ColumnType::Text => row.try_get::<Option<String>, _>(c.name)?.map(FieldValue::Text),
                ColumnType::Integer => row.try_get::<Option<i64>, _>(c.name)?.map(FieldValue::Integer),
                ColumnType::Real => row.try_get::<Option<f64>, _>(c.name)?.map(FieldValue::Real),
            }
            .unwrap_or(FieldValue::Null))
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Fractal::from_values(values).map_err(StoreError::Malformed)
}

impl Store {
    /// Connects to `database_url` (see [`url::parse`] for the spellings) and runs the
    /// migrations that have not run yet.
    pub async fn connect(database_url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let parsed = url::parse(database_url).map_err(StoreError::Url)?;
        let sqlite = parsed.dialect == Dialect::Sqlite;
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 4 } else { 16 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        // WAL lets readers run beside the writer; the timeout makes a
                        // busy writer wait instead of failing.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                        // In WAL mode NORMAL syncs at checkpoints, not at every commit: a
                        // crash of the process loses nothing; a power cut may lose the
                        // last commits but never corrupts the database (SQLite's advice
                        // for WAL).
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect(&parsed.url)
            .await?;
        let blobs = std::sync::Arc::new(blob::DatabaseBlobs::new(pool.clone(), parsed.dialect));
        let writes = std::sync::Arc::<std::sync::atomic::AtomicU64>::default();
        let counts = std::sync::Arc::new(count_cache::CountCache::new(writes.clone()));
        let store = Self { pool, dialect: parsed.dialect, blobs, writes, counts };
        store.migrate().await?;
        Ok(store)
    }

    /// This store with images kept in `blobs` instead of the database.
    pub fn with_blobs(self, blobs: std::sync::Arc<dyn blob::BlobStore>) -> Self {
        Self { blobs, ..self }
    }

    /// Where images are kept, for logs.
    pub fn blobs_description(&self) -> String {
        self.blobs.describe()
    }

    /// How many writes to fractals this process has made; a cached read taken at an
    /// older count may be stale.
    pub fn write_generation(&self) -> u64 {
        self.writes.load(std::sync::atomic::Ordering::Acquire)
    }

    fn wrote(&self) {
        self.writes.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// The SQL dialect of this database.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    fn mark(&self, n: usize) -> String {
        match self.dialect {
            Dialect::Postgres => format!("${n}"),
            _ => "?".to_owned(),
        }
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        self.pool.execute("CREATE TABLE IF NOT EXISTS faafo_schema (version INTEGER NOT NULL)").await?;
        let version: Option<i64> =
            match sqlx::query("SELECT version FROM faafo_schema").fetch_optional(&self.pool).await? {
                Some(row) => Some(row.try_get::<i64, _>(0).or_else(|_| row.try_get::<i32, _>(0).map(i64::from))?),
                None => None,
            };
        if version.is_none() {
            self.pool.execute("INSERT INTO faafo_schema (version) VALUES (0)").await?;
        }
        let done = version.unwrap_or(0) as usize;
        // A database the original faafo created: move its table aside first.
        if done == 0 && adopt::is_original(self).await {
            adopt::set_aside(self).await?;
        }
        for (i, statements) in schema::migrations(self.dialect).into_iter().enumerate().skip(done) {
            for statement in statements {
                self.pool.execute(statement.as_str()).await?;
            }
            let set = format!("UPDATE faafo_schema SET version = {}", i + 1);
            self.pool.execute(set.as_str()).await?;
        }
        // Copied once; a copy interrupted half-way is completed on the next start.
        if adopt::copy_pending(self).await {
            let n = adopt::copy_rows(self).await?;
            adopt::mark_copied(self, n).await?;
            tracing::info!(
                "took over {n} fractals from the original faafo's table (kept as {})",
                adopt::ORIGINAL_TABLE
            );
        }
        Ok(())
    }

    /// Inserts a new row. A uuid that exists already is [`StoreError::Duplicate`].
    pub async fn insert(&self, f: &Fractal) -> Result<(), StoreError> {
        self.insert_with_task(f, None).await
    }

    /// Inserts a new row and, in the same transaction, its task into the outbox (see
    /// [`Store::outbox_batch`]): either both exist afterwards or neither does.
    ///
    /// Cancel-safe: the transaction runs to its end on a task of its own, so a caller
    /// dropped half-way (a client that disconnects) cannot leave a pooled connection
    /// inside a transaction nobody ends. sqlx's `Pool::begin` is not cancel-safe on
    /// PostgreSQL (launchbadge/sqlx#2054, transact-rs/sqlx#4385 and #4393): a cancelled
    /// `BEGIN` left the session in a transaction that swallowed later writes.
    pub async fn insert_with_task(&self, f: &Fractal, task: Option<&str>) -> Result<(), StoreError> {
        let marks: Vec<_> = (1..=COLUMNS.len()).map(|n| self.mark(n)).collect();
        let insert = format!("INSERT INTO fractal ({}) VALUES ({})", select_list(), marks.join(", "));
        let outbox = format!("INSERT INTO outbox (body, created_at) VALUES ({}, {})", self.mark(1), self.mark(2));
        let (pool, row, task) = (self.pool.clone(), f.clone(), task.map(str::to_owned));
        let unit = async move {
            let mut q = sqlx::query(&insert);
            for (value, c) in row.values().iter().zip(COLUMNS.iter()) {
                q = bind(q, value, c.ty);
            }
            let mut tx = pool.begin().await?;
            match q.execute(&mut *tx).await {
                Ok(_) => {}
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                    return Err(StoreError::Duplicate(row.uuid.clone()));
                }
                Err(e) => return Err(e.into()),
            }
            if let Some(body) = task {
                sqlx::query(&outbox).bind(body).bind(row.created_at.clone()).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        };
        run_to_completion(unit).await?;
        self.wrote();
        Ok(())
    }

    /// The oldest `limit` outbox entries: (id, task body).
    pub async fn outbox_batch(&self, limit: u32) -> Result<Vec<(i64, String)>, StoreError> {
        let sql = format!("SELECT id, body FROM outbox ORDER BY id LIMIT {limit}");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?))).collect()
    }

    /// Removes outbox entries once the queue has confirmed them.
    pub async fn outbox_delete(&self, ids: &[i64]) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        // The ids are integers we read ourselves: no injection is possible.
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        self.pool.execute(format!("DELETE FROM outbox WHERE id IN ({list})").as_str()).await?;
        Ok(())
    }

    /// Tasks written but not yet confirmed by the queue.
    pub async fn outbox_len(&self) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM outbox").fetch_one(&self.pool).await?.try_get(0)?;
        Ok(n.max(0) as u64)
    }

    /// When the oldest task still waiting in the outbox was written (RFC 3339), if any:
    /// how far the relay is behind.
    pub async fn outbox_oldest(&self) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT created_at FROM outbox ORDER BY id LIMIT 1").fetch_optional(&self.pool).await?;
        Ok(row.map(|r| r.try_get::<String, _>(0)).transpose()?)
    }

    /// Whether any fractal waits for a renderer, and when a fractal row last changed
    /// (RFC 3339; `None` for an empty table): together they tell a pipeline that stopped
    /// committing results while work waits.
    pub async fn pending_and_last_change(&self) -> Result<(bool, Option<String>), StoreError> {
        let pending = sqlx::query("SELECT uuid FROM fractal WHERE status = 'pending' LIMIT 1")
            .fetch_optional(&self.pool)
            .await?
            .is_some();
        let last: Option<String> =
            sqlx::query("SELECT MAX(updated_at) FROM fractal").fetch_one(&self.pool).await?.try_get(0)?;
        Ok((pending, last))
    }

    /// Finished since `since` (RFC 3339): how many, and their work in pixel-iterations
    /// (pixels of the image or tile times the iteration limit), for throughput estimates.
    pub async fn done_since(&self, since: &str) -> Result<(u64, f64), StoreError> {
        let real = match self.dialect {
            Dialect::Postgres => "DOUBLE PRECISION",
            Dialect::MySql => "DOUBLE",
            Dialect::Sqlite => "REAL",
        };
        // In floating point: a day of big renders overflows 64-bit integers.
        let sql = format!(
            "SELECT COUNT(*), CAST(SUM(CAST(COALESCE(tile_width * tile_height, width * height) AS {real}) * iterations) \
             AS {real}) FROM fractal WHERE status = 'done' AND updated_at >= {}",
            self.mark(1)
        );
        let row = sqlx::query(&sql).bind(since.to_owned()).fetch_one(&self.pool).await?;
        let n = row.try_get::<i64, _>(0)?.max(0) as u64;
        Ok((n, row.try_get::<Option<f64>, _>(1)?.unwrap_or(0.0)))
    }

    /// How many fractals are in each status.
    pub async fn status_counts(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let rows = sqlx::query("SELECT status, COUNT(*) FROM fractal GROUP BY status").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?.max(0) as u64))).collect()
    }

    /// Render durations of finished fractals as a cumulative histogram over
    /// `bounds_seconds` (ascending), computed by the database in one scan.
    pub async fn duration_histogram(&self, bounds_seconds: &[f64]) -> Result<DurationHistogram, StoreError> {
        let buckets: String =
            bounds_seconds.iter().map(|b| format!(", COUNT(CASE WHEN duration <= {b:?} THEN 1 END)")).collect();
        let sql = format!(
            "SELECT COUNT(*), SUM(duration){buckets} FROM fractal WHERE status = 'done' AND duration IS NOT NULL"
        );
        let row = sqlx::query(&sql).fetch_one(&self.pool).await?;
        let count = row.try_get::<i64, _>(0)?.max(0) as u64;
        let sum_seconds = row.try_get::<Option<f64>, _>(1)?.unwrap_or(0.0);
        let cumulative = (0..bounds_seconds.len())
            .map(|i| Ok(row.try_get::<i64, _>(i + 2)?.max(0) as u64))
            .collect::<Result<_, StoreError>>()?;
        Ok(DurationHistogram { count, sum_seconds, cumulative })
    }

    /// The row with `uuid`, if any.
    pub async fn get(&self, uuid: &str) -> Result<Option<Fractal>, StoreError> {
        let sql = format!("SELECT {} FROM fractal WHERE uuid = {}", select_list(), self.mark(1));
        let row = sqlx::query(&sql).bind(uuid.to_owned()).fetch_optional(&self.pool).await?;
        row.as_ref().map(row_to_fractal).transpose()
    }

    /// Deletes the row; false when there was none.
    pub async fn delete(&self, uuid: &str) -> Result<bool, StoreError> {
        let sql = format!("DELETE FROM fractal WHERE uuid = {}", self.mark(1));
        let deleted = sqlx::query(&sql).bind(uuid.to_owned()).execute(&self.pool).await?.rows_affected() > 0;
        self.wrote();
        if deleted {
            self.blobs.delete(uuid).await?;
        }
        Ok(deleted)
    }

    /// Sets `fields` (and the image, when given) and `updated_at`; returns the row after
    /// the change, or `None` when there is no such row.
    pub async fn update(
        &self,
        uuid: &str,
        fields: &[(&'static Column, FieldValue)],
        image: Option<&[u8]>,
    ) -> Result<Option<Fractal>, StoreError> {
        // Bytes in the row go in the same statement as the fields (one write); bytes
        // elsewhere go first, so a row marked done always has its image (a crash between
        // the two leaves the task unfinished, and it is rendered again).
        let image_in_row = image.filter(|_| self.blobs.in_row());
        if let Some(bytes) = image.filter(|_| !self.blobs.in_row()) {
            let Some(row) = self.get(uuid).await? else { return Ok(None) };
            self.blobs.put_fractal(&row, bytes).await?;
        }
        let mut sets: Vec<String> = Vec::new();
        let mut n = 0;
        let mut next = || {
            n += 1;
            self.mark(n)
        };
        for (c, _) in fields {
            sets.push(format!("{} = {}", c.name, next()));
        }
        if image_in_row.is_some() {
            sets.push(format!("image = {}", next()));
        }
        sets.push(format!("updated_at = {}", next()));
        let sql = format!("UPDATE fractal SET {} WHERE uuid = {}", sets.join(", "), next());
        let mut q = sqlx::query(&sql);
        for (c, v) in fields {
            q = bind(q, v, c.ty);
        }
        if let Some(bytes) = image_in_row {
            q = q.bind(bytes.to_vec());
        }
        let affected = q.bind(now_rfc3339()).bind(uuid.to_owned()).execute(&self.pool).await?.rows_affected();
        self.wrote();
        // MySQL counts only rows that changed; look the row up rather than trust 0.
        if affected == 0 && self.dialect != Dialect::MySql {
            return Ok(None);
        }
        self.get(uuid).await
    }

    /// The stored PNG, if there is one (no row, or no image yet: `None`; callers that
    /// need to tell the two apart have read the row already).
    pub async fn image(&self, uuid: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.blobs.get(uuid).await?)
    }

    /// Runs a search: the number of matching rows (after the search's own
    /// `limit`/`offset`) and the rows of the requested page (all rows when `paging` is
    /// `None`).
    ///
    /// The page is one `LIMIT`/`OFFSET` query the indexes of migration 3 serve in order;
    /// the total comes from the page itself when the page is the last one, else from
    /// [`count_cache`], so listing page after page does not count every time.
    pub async fn search(&self, search: &Search, paging: Option<Paging>) -> Result<(u64, Vec<Fractal>), StoreError> {
        let sql = search.to_sql(self.dialect, 0);
        let window = Window::of(search, paging);
        let rows = self.page_rows(&sql, window).await?;
        let Some(paging) = paging else {
            // Every row the search matches is here.
            return Ok((rows.len() as u64, rows));
        };
        let page_offset = paging.offset();
        let returned = rows.len() as u64;
        // A short page ends the results, so it tells their number (a page past the end,
        // empty, does not: it may lie anywhere past it).
        if returned < paging.results_per_page && (returned > 0 || page_offset == 0) {
            return Ok((page_offset + returned, rows));
        }
        let matched = self.count(&sql).await?;
        let after_offset = matched.saturating_sub(search.offset.unwrap_or(0));
        Ok((search.limit.map_or(after_offset, |l| after_offset.min(l)), rows))
    }

    /// The rows of `window` in the search's order.
    ///
    /// A page's `LIMIT` and `OFFSET` are bound parameters, so every page of one search
    /// is the same statement, prepared once per connection (literal numbers made each
    /// page a new statement: parsed, described and planned again, a round trip more).
    ///
    /// Rows skipped by an offset are read as uuids only (a "deferred join"): an index
    /// ending in `uuid` (migration 3) holds them in order, so the database walks the
    /// index alone and fetches just the page's rows, instead of reading every skipped
    /// row from the table (one random read each, in uuid order).
    async fn page_rows(&self, sql: &Sql, window: Window) -> Result<Vec<Fractal>, StoreError> {
        let (cols, filter, order) = (select_list(), &sql.where_clause, &sql.order_clause);
        let Some(len) = window.len else {
            return self
                .fetch(&format!("SELECT {cols} FROM fractal {filter} {order} {}", self.from(window.start)), sql)
                .await;
        };
        if len == 0 {
            return Ok(Vec::new());
        }
        let as_i64 = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let n = sql.params.len();
        let (limit, offset) = (self.mark(n + 1), self.mark(n + 2));
        let rows_sql = if window.start == 0 {
            format!("SELECT {cols} FROM fractal {filter} {order} LIMIT {limit}")
        } else {
            // `page_uuid`, not `uuid`: the outer ORDER BY's "uuid" must name one column.
            format!(
                "SELECT {cols} FROM fractal JOIN (SELECT uuid AS page_uuid FROM fractal {filter} {order} \
                 LIMIT {limit} OFFSET {offset}) AS page ON fractal.uuid = page.page_uuid {order}"
            )
        };
        let q = bind_params(sqlx::query(&rows_sql), &sql.params).bind(as_i64(len));
        let q = if window.start == 0 { q } else { q.bind(as_i64(window.start)) };
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(row_to_fractal).collect()
    }

    /// `OFFSET start` with no limit, as each dialect needs it spelt (an unpaged search:
    /// `single`, the renderer's requeue at start).
    fn from(&self, start: u64) -> String {
        if start == 0 {
            return String::new();
        }
        let no_limit = match self.dialect {
            Dialect::Sqlite => "LIMIT -1",
            Dialect::MySql => "LIMIT 18446744073709551615",
            Dialect::Postgres => "LIMIT ALL",
        };
        format!("{no_limit} OFFSET {start}")
    }

    /// The rows `rows_sql` selects, with the search's parameters bound.
    async fn fetch(&self, rows_sql: &str, sql: &Sql) -> Result<Vec<Fractal>, StoreError> {
        let rows = bind_params(sqlx::query(rows_sql), &sql.params).fetch_all(&self.pool).await?;
        rows.iter().map(row_to_fractal).collect()
    }

    /// How many rows the search's filters match, from the cache when it is exact.
    async fn count(&self, sql: &Sql) -> Result<u64, StoreError> {
        let key = format!("{}\n{:?}", sql.where_clause, sql.params);
        self.counts
            .get_or_count(&key, || async {
                let count_sql = format!("SELECT COUNT(*) FROM fractal {}", sql.where_clause);
                let row = bind_params(sqlx::query(&count_sql), &sql.params).fetch_one(&self.pool).await?;
                Ok::<_, StoreError>(row.try_get::<i64, _>(0)?.max(0) as u64)
            })
            .await
    }
}

/// Which of the search's ordered matches to read: `len` rows (all, when `None`) from
/// the `start`th, the search's own `offset`/`limit` and the page combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    start: u64,
    len: Option<u64>,
}

impl Window {
    fn of(search: &Search, paging: Option<Paging>) -> Self {
        let (page_offset, page_len) = paging.map_or((0, None), |p| (p.offset(), Some(p.results_per_page)));
        // Rows of the limited results left from the page's first one on.
        let left = search.limit.map(|l| l.saturating_sub(page_offset));
        let len = match (left, page_len) {
            (Some(l), Some(p)) => Some(l.min(p)),
            (l, p) => l.or(p),
        };
        // Past i64::MAX rows nothing is found; the databases refuse larger offsets.
        let start = search.offset.unwrap_or(0).saturating_add(page_offset).min(i64::MAX as u64);
        Self { start, len }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn window(q: &str, page: Option<(u64, u64)>) -> Window {
        let paging = page.map(|(page, results_per_page)| Paging { page, results_per_page });
        Window::of(&crate::wire::search::parse(q).unwrap(), paging)
    }

    #[test]
    fn a_window_combines_the_searchs_limit_and_offset_with_the_page() {
        assert_eq!(window("{}", None), Window { start: 0, len: None });
        assert_eq!(window("{}", Some((3, 10))), Window { start: 20, len: Some(10) });
        assert_eq!(window(r#"{"offset": 5}"#, Some((2, 10))), Window { start: 15, len: Some(10) });
        assert_eq!(window(r#"{"limit": 25, "offset": 5}"#, Some((3, 10))), Window { start: 25, len: Some(5) });
        assert_eq!(window(r#"{"limit": 25}"#, Some((4, 10))), Window { start: 30, len: Some(0) });
        assert_eq!(window(r#"{"limit": 4, "offset": 20}"#, None), Window { start: 20, len: Some(4) });
    }
}
