//! The storage contract, run against real SQLite, PostgreSQL and MariaDB servers.
//!
//! PostgreSQL (127.0.0.1:5432, trust) and MariaDB (127.0.0.1:3306, root without password)
//! must be running; `.ci/run` starts them. Each test creates its own database and drops
//! it afterwards, so runs never see each other's rows. An unreachable server fails the
//! test: these suites are never skipped.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use faafo_backend::store::{Store, StoreError, now_rfc3339};
use faafo_backend::wire::fractal::{FieldValue, Fractal, Status, column};
use faafo_backend::wire::paging::Paging;
use faafo_backend::wire::search;

mod common;

fn fractal(uuid: &str, width: i64) -> Fractal {
    let now = now_rfc3339();
    Fractal {
        uuid: uuid.into(),
        width,
        created_at: now.clone(),
        updated_at: now,
        c_re: Some(0.285),
        c_im: Some(0.01),
        seed: Some(42),
        ..Fractal::example()
    }
}

async fn contract(url: &str) {
    let store = Store::connect(url).await.unwrap_or_else(|e| panic!("{url}: {e}"));
    // Migrations are idempotent: a second start on the same database works.
    let store2 = Store::connect(url).await.unwrap();

    // Insert and read back with full f64 precision.
    let f = fractal("212e8c23-e67f-4bd3-86e1-5a5e811ee2f4", 510);
    store.insert(&f).await.unwrap();
    assert_eq!(store2.get(&f.uuid).await.unwrap().as_ref(), Some(&f), "{url}");
    assert!(matches!(store.insert(&f).await, Err(StoreError::Duplicate(_))), "{url}");

    // Pending: a row without an image; unknown: no row.
    assert_eq!(store.image(&f.uuid).await.unwrap(), None, "{url}");
    assert_eq!(store.image("nope").await.unwrap(), None, "{url}");

    // The worker's result.
    let png = vec![0x89u8, b'P', b'N', b'G', 0, 1, 2, 255];
    let fields = vec![
        (column("checksum").unwrap(), FieldValue::Text("ab".repeat(32))),
        (column("size").unwrap(), FieldValue::Integer(png.len() as i64)),
        (column("duration").unwrap(), FieldValue::Real(0.8725259304046631)),
        (column("generated_by").unwrap(), FieldValue::Text("app-worker-1".into())),
        (column("status").unwrap(), FieldValue::Text("done".into())),
        (column("error").unwrap(), FieldValue::Null),
    ];
    let done = store.update(&f.uuid, &fields, Some(&png)).await.unwrap().unwrap();
    assert_eq!(done.status, Status::Done);
    assert_eq!(done.duration, Some(0.8725259304046631));
    assert_eq!(done.generated_by.as_deref(), Some("app-worker-1"));
    assert!(done.updated_at >= f.updated_at);
    assert_eq!(store.image(&f.uuid).await.unwrap(), Some(png.clone()), "{url}");
    assert_eq!(store.update("nope", &fields, None).await.unwrap(), None, "{url}");

    // 23 rows in all: pages of 10 in uuid order.
    for i in 0..22 {
        store.insert(&fractal(&format!("row-{i:02}"), 256 + i)).await.unwrap();
    }
    let everything = search::parse("{}").unwrap();
    let (n, page2) = store.search(&everything, Some(Paging::parse(Some("2"), None).unwrap())).await.unwrap();
    assert_eq!(n, 23, "{url}");
    let uuids: Vec<_> = page2.iter().map(|f| f.uuid.as_str()).collect();
    // "212e…" sorts before "row-…", so page 2 holds row-09 to row-18.
    assert_eq!(uuids, (9..19).map(|i| format!("row-{i:02}")).collect::<Vec<_>>(), "{url}");
    let (_, page3) = store.search(&everything, Some(Paging::parse(Some("3"), None).unwrap())).await.unwrap();
    assert_eq!(page3.iter().map(|f| f.uuid.as_str()).collect::<Vec<_>>(), ["row-19", "row-20", "row-21"], "{url}");

    // Filters, operators, ordering, limit/offset, as Flask-Restless ran them.
    let q = |text: &str| search::parse(text).unwrap();
    let count = |s: search::Search| {
        let store = store.clone();
        async move { store.search(&s, None).await.unwrap() }
    };
    let (n, rows) = count(q(r#"{"filters": [{"name": "width", "op": ">=", "val": 270}], "order_by": [{"field": "width", "direction": "desc"}]}"#)).await;
    assert_eq!(n, 9, "{url}: widths 270..277 and 510");
    assert_eq!(rows[0].width, 510);
    assert_eq!(rows[1].width, 277);
    let (n, _) = count(q(r#"{"filters": [{"name": "generated_by", "op": "ilike", "val": "APP-%"}]}"#)).await;
    assert_eq!(n, 1, "{url}: ilike is case-insensitive");
    let (n, _) = count(q(r#"{"filters": [{"or": [{"name": "uuid", "op": "in", "val": ["row-01", "row-02"]}, {"name": "checksum", "op": "is_not_null"}]}]}"#)).await;
    assert_eq!(n, 3, "{url}");
    let (n, rows) =
        count(q(r#"{"filters": [{"name": "xa", "op": "lt", "field": "xb"}], "limit": 4, "offset": 20}"#)).await;
    assert_eq!((n, rows.len()), (3, 3), "{url}: 23 rows, offset 20");
    let (n, _) = count(q(r#"{"filters": [{"name": "xa", "op": "==", "val": -3.3528957195683087}]}"#)).await;
    assert_eq!(n, 23, "{url}: doubles compare exactly");
    let (n, _) = count(q(r#"{"filters": [{"name": "status", "op": "!=", "val": "done"}]}"#)).await;
    assert_eq!(n, 22, "{url}");
    // Newest first is available through created_at.
    let (_, newest) = count(q(r#"{"order_by": [{"field": "created_at", "direction": "desc"}], "limit": 1}"#)).await;
    assert_eq!(newest[0].uuid, "row-21", "{url}");

    // Delete.
    assert!(store.delete("row-00").await.unwrap());
    assert!(!store.delete("row-00").await.unwrap());
    assert_eq!(store.get("row-00").await.unwrap(), None);
}

#[tokio::test]
async fn store_contract_on_sqlite_postgres_and_mariadb() {
    common::on_all_databases(|url| async move { contract(&url).await }).await;
}

#[tokio::test]
async fn original_sqlite_spelling_and_bad_urls() {
    let dir = std::env::temp_dir().join(format!("faafo-url-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let original = format!("sqlite:///{}", dir.join("sqlite.db").display());
    assert!(original.starts_with("sqlite:////"));
    let store = Store::connect(&original).await.unwrap();
    store.insert(&fractal("a", 300)).await.unwrap();
    assert!(dir.join("sqlite.db").exists());
    let err = Store::connect("oracle://scott:tiger@db/x").await.unwrap_err().to_string();
    assert!(err.contains("unsupported database_url") && !err.contains("tiger"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

async fn images_in_a_directory_on(url: &str) {
    use faafo_backend::store::blob::DirectoryBlobs;
    let dir = std::env::temp_dir().join(format!("faafo-blobs-{}-{}", std::process::id(), url.len()));
    let blobs = std::sync::Arc::new(DirectoryBlobs::new(&dir).unwrap());
    let store = Store::connect(url).await.unwrap().with_blobs(blobs);
    let database_only = Store::connect(url).await.unwrap();
    let f = fractal("1d7a3c57-0f5a-4c2e-9d1b-6a8f2e4b9c01", 64);
    store.insert(&f).await.unwrap();
    let png = vec![0x89u8, b'P', b'N', b'G', 9, 8, 7];
    let done = [(column("status").unwrap(), FieldValue::Text("done".into()))];
    store.update(&f.uuid, &done, Some(&png)).await.unwrap().unwrap();
    let file = dir.join(format!("{}.png", f.uuid));
    assert_eq!(std::fs::read(&file).unwrap(), png, "{url}: the bytes are in the directory, as uploaded");
    assert_eq!(store.image(&f.uuid).await.unwrap(), Some(png.clone()));
    assert_eq!(database_only.image(&f.uuid).await.unwrap(), None, "{url}: and not in the database");
    // No row, no file: a result for a deleted fractal writes nothing.
    assert_eq!(store.update("gone", &done, Some(&png)).await.unwrap(), None);
    assert!(!dir.join("gone.png").exists());
    assert!(store.delete(&f.uuid).await.unwrap());
    assert!(!file.exists(), "{url}: delete removes the file");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn images_can_live_in_a_directory() {
    common::on_all_databases(|url| async move { images_in_a_directory_on(&url).await }).await;
}

/// The table as the original faafo's SQLAlchemy model created it (faafo-spec §2).
fn original_table(url: &str) -> String {
    let (float, blob) = if url.starts_with("postgres") {
        ("FLOAT", "BYTEA")
    } else if url.starts_with("mysql") {
        ("FLOAT", "MEDIUMBLOB")
    } else {
        ("FLOAT", "BLOB")
    };
    format!(
        "CREATE TABLE fractal (uuid VARCHAR(36) NOT NULL, checksum VARCHAR(256), url VARCHAR(256), duration {float}, \
         size INTEGER, width INTEGER NOT NULL, height INTEGER NOT NULL, iterations INTEGER NOT NULL, \
         xa {float} NOT NULL, xb {float} NOT NULL, ya {float} NOT NULL, yb {float} NOT NULL, image {blob}, \
         generated_by VARCHAR(256), PRIMARY KEY (uuid), UNIQUE (checksum))"
    )
}

async fn adopts_the_originals_table_on(url: &str) {
    use base64::Engine as _;
    use sqlx::Executor as _;
    sqlx::any::install_default_drivers();
    // The original created the SQLite file itself.
    let admin_url = if url.starts_with("sqlite") { format!("{url}?mode=rwc") } else { url.to_owned() };
    let admin = sqlx::AnyPool::connect(&admin_url).await.unwrap();
    admin.execute(original_table(url).as_str()).await.unwrap();
    let png = {
        let p = faafo_engine::scenes::find("classic").unwrap().params.with_size(24, 16);
        let r = faafo_engine::render(&p, &Default::default(), &faafo_engine::Control::new()).unwrap();
        faafo_engine::encode_png(&r.buffer, &p.colouring, faafo_engine::BitDepth::Eight).unwrap()
    };
    let b64 = base64::engine::general_purpose::STANDARD.encode(&png);
    let mark = |n: usize| if url.starts_with("postgres") { format!("${n}") } else { "?".to_owned() };
    let insert = format!(
        "INSERT INTO fractal (uuid, checksum, duration, size, width, height, iterations, xa, xb, ya, yb, image, generated_by) \
         VALUES ({}, {}, 2.5, {}, 24, 16, 300, -2.5, 1.0, -1.5, 1.5, {}, 'app-worker-1')",
        mark(1),
        mark(2),
        mark(3),
        mark(4)
    );
    sqlx::query(&insert)
        .bind("done-original")
        .bind(faafo_engine::sha256_hex(&png))
        .bind(b64.len() as i64)
        .bind(b64.into_bytes())
        .execute(&admin)
        .await
        .unwrap();
    admin
        .execute("INSERT INTO fractal (uuid, width, height, iterations, xa, xb, ya, yb) VALUES ('pending-original', 30, 20, 100, -2.5, 1.0, -1.5, 1.5)")
        .await
        .unwrap();

    let store = Store::connect(url).await.unwrap_or_else(|e| panic!("{url}: {e}"));
    let done = store.get("done-original").await.unwrap().unwrap();
    assert_eq!(done.status, Status::Done, "{url}");
    assert_eq!(done.checksum.as_deref(), Some(faafo_engine::sha256_hex(&png).as_str()));
    assert_eq!((done.width, done.xa, done.duration), (24, -2.5, Some(2.5)), "{url}");
    assert_eq!(store.image("done-original").await.unwrap(), Some(png.clone()), "{url}: base64 decoded to the PNG");
    assert_eq!(done.size, Some(png.len() as i64));
    let pending = store.get("pending-original").await.unwrap().unwrap();
    assert_eq!(pending.status, Status::Pending);
    let outbox = store.outbox_batch(10).await.unwrap();
    assert_eq!(outbox.len(), 1, "{url}: the pending fractal is queued again");
    assert!(outbox[0].1.contains("pending-original"));
    // The original table is kept; a second start copies nothing again.
    let kept: i64 =
        sqlx::Row::get(&sqlx::query("SELECT COUNT(*) FROM fractal_original").fetch_one(&admin).await.unwrap(), 0);
    assert_eq!(kept, 2);
    let again = Store::connect(url).await.unwrap();
    let (n, _) = again.search(&search::Search::default(), None).await.unwrap();
    assert_eq!(n, 2, "{url}");
    assert_eq!(again.outbox_batch(10).await.unwrap().len(), 1);
    admin.close().await;
}

#[tokio::test]
async fn a_database_created_by_the_original_is_taken_over() {
    common::on_all_databases(|url| async move { adopts_the_originals_table_on(&url).await }).await;
}

/// The uuids of every page of `q`, `per_page` at a time, and the total each page reported.
async fn pages_of(store: &Store, q: &str, per_page: u64) -> (Vec<u64>, Vec<String>) {
    let s = search::parse(q).unwrap();
    let (mut totals, mut uuids) = (Vec::new(), Vec::new());
    for page in 1.. {
        let paging = Paging { page, results_per_page: per_page };
        let (total, rows) = store.search(&s, Some(paging)).await.unwrap();
        totals.push(total);
        if rows.is_empty() {
            break;
        }
        uuids.extend(rows.into_iter().map(|f| f.uuid));
    }
    (totals, uuids)
}

async fn totals_stay_exact_on(url: &str) {
    let store = Store::connect(url).await.unwrap_or_else(|e| panic!("{url}: {e}"));
    for i in 0..25 {
        let mut f = fractal(&format!("t-{i:02}"), 256 + i);
        f.status = if i % 5 == 0 { Status::Failed } else { Status::Done };
        store.insert(&f).await.unwrap();
    }
    let all = "{}";
    let failed = r#"{"filters": [{"name": "status", "op": "in", "val": ["failed"]}], "order_by": [{"field": "created_at", "direction": "desc"}]}"#;
    // Every page, the one past the end included, reports the same exact total, and the
    // pages together hold every row once, in order.
    let (totals, uuids) = pages_of(&store, all, 10).await;
    assert_eq!(totals, [25, 25, 25, 25], "{url}");
    assert_eq!(uuids, (0..25).map(|i| format!("t-{i:02}")).collect::<Vec<_>>(), "{url}");
    let (totals, uuids) = pages_of(&store, failed, 2).await;
    assert_eq!(totals, [5, 5, 5, 5], "{url}");
    assert_eq!(uuids, ["t-20", "t-15", "t-10", "t-05", "t-00"], "{url}: newest first");

    // This store's writes show at once: an insert, a delete, a change of status.
    store.insert(&fractal("t-99", 300)).await.unwrap();
    assert_eq!(pages_of(&store, all, 10).await.0, [26, 26, 26, 26], "{url}: after an insert");
    assert!(store.delete("t-03").await.unwrap());
    assert!(store.delete("t-04").await.unwrap());
    assert_eq!(pages_of(&store, all, 8).await.0, [24, 24, 24, 24], "{url}: after deletes");
    let failed_now = [(column("status").unwrap(), FieldValue::Text("failed".into()))];
    store.update("t-01", &failed_now, None).await.unwrap().unwrap();
    let (totals, uuids) = pages_of(&store, failed, 2).await;
    assert_eq!(totals, [6, 6, 6, 6], "{url}: after an update");
    assert_eq!(uuids, ["t-20", "t-15", "t-10", "t-05", "t-01", "t-00"], "{url}");
    assert!(store.delete("t-00").await.unwrap());
    assert_eq!(pages_of(&store, failed, 5).await.0, [5, 5], "{url}: a full last page, then an empty one");

    // The search's own limit and offset bound the total, on every page.
    let (totals, uuids) = pages_of(&store, r#"{"limit": 7, "offset": 20}"#, 3).await;
    assert_eq!((totals, uuids.len()), (vec![3, 3], 3), "{url}: 23 rows, offset 20");
    let (totals, uuids) = pages_of(&store, r#"{"limit": 7, "offset": 2}"#, 3).await;
    assert_eq!((totals, uuids.len()), (vec![7, 7, 7, 7], 7), "{url}");

    // Writes by another process (here, another store) show once the cached total expires.
    let other = Store::connect(url).await.unwrap();
    other.insert(&fractal("t-98", 300)).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(pages_of(&store, all, 10).await.0, [24, 24, 24, 24], "{url}: another writer");
}

#[tokio::test]
async fn totals_stay_exact_across_pages_and_writes() {
    common::on_all_databases(|url| async move { totals_stay_exact_on(&url).await }).await;
}
