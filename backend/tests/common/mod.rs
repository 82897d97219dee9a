//! Fresh databases on the real servers for the service-backed suites.
//!
//! PostgreSQL (127.0.0.1:5432, trust) and MariaDB (127.0.0.1:3306, root without password)
//! must be running; `scripts/test.sh` starts them. Override with `FAAFO_TEST_POSTGRES` /
//! `FAAFO_TEST_MYSQL` (admin URLs). An unreachable server fails the test: these suites
//! are never skipped.
#![allow(dead_code, clippy::unwrap_used)]

pub mod procs;

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Executor as _;

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A fresh, empty database of each kind; `drop_all` removes them.
pub struct Databases {
    pg_admin: String,
    my_admin: String,
    name: String,
}

impl Databases {
    pub fn new() -> Self {
        let name = format!("faafo_t{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        Self {
            pg_admin: std::env::var("FAAFO_TEST_POSTGRES")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
            my_admin: std::env::var("FAAFO_TEST_MYSQL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/mysql".into()),
            name,
        }
    }

    async fn admin(url: &str, sql: &str) {
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(url)
            .await
            .unwrap_or_else(|e| panic!("cannot reach {url}: {e} (is the server running? .ci/run starts it)"));
        conn.execute(sql).await.unwrap();
    }

    pub async fn urls(&self) -> Vec<String> {
        Self::admin(&self.pg_admin, &format!("CREATE DATABASE {}", self.name)).await;
        Self::admin(&self.my_admin, &format!("CREATE DATABASE {}", self.name)).await;
        let base = |admin: &str| admin.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap();
        let dir = std::env::temp_dir().join(&self.name);
        std::fs::create_dir_all(&dir).unwrap();
        vec![
            format!("sqlite://{}", dir.join("faafo.db").display()),
            format!("{}/{}", base(&self.pg_admin), self.name),
            format!("{}/{}", base(&self.my_admin), self.name),
        ]
    }

    pub async fn drop_all(&self) {
        Self::admin(&self.pg_admin, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).await;
        Self::admin(&self.my_admin, &format!("DROP DATABASE IF EXISTS {}", self.name)).await;
        let _ = std::fs::remove_dir_all(std::env::temp_dir().join(&self.name));
    }
}

/// Runs `scenario` on a fresh SQLite, PostgreSQL and MariaDB database each, then drops
/// them; fails with every database's failure.
pub async fn on_all_databases<F, Fut>(scenario: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dbs = Databases::new();
    let urls = dbs.urls().await;
    let mut failures = Vec::new();
    for url in &urls {
        if let Err(e) = tokio::spawn(scenario(url.clone())).await {
            failures.push(format!("{url}: {e}"));
        }
    }
    dbs.drop_all().await;
    assert!(failures.is_empty(), "{failures:#?}");
}
