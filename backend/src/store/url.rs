//! Database URLs: ours and the original's spellings, and which SQL dialect each means.

use crate::wire::search::Dialect;

/// A database URL that sqlx understands, and its dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    /// The URL to connect with.
    pub url: String,
    /// Its SQL dialect.
    pub dialect: Dialect,
}

/// Accepts `sqlite://PATH` (`sqlite:///abs/path.db`, `sqlite://relative.db`),
/// `postgres://…`/`postgresql://…`, `mysql://…`/`mariadb://…`, and the original's
/// SQLAlchemy spellings `sqlite:////tmp/sqlite.db` and `mysql+pymysql://…`. SQLite files
/// are created when missing.
pub fn parse(text: &str) -> Result<DatabaseUrl, String> {
    let text = text.trim();
    let (scheme, rest) = text.split_once(':').ok_or_else(|| bad(text))?;
    let scheme = scheme.to_ascii_lowercase();
    let scheme = scheme.split('+').next().unwrap_or_default();
    match scheme {
        "sqlite" => {
            // sqlite://PATH with PATH as the OS takes it (sqlite:///abs, sqlite://rel). The
            // original's sqlite:////tmp/sqlite.db gives //tmp/sqlite.db, the same file;
            // SQLAlchemy's three-slash *relative* form is not supported (the original
            // never used it).
            let path = rest.strip_prefix("//").unwrap_or(rest);
            let path = if path.starts_with("//") { &path[1..] } else { path };
            if path.is_empty() {
                return Err(bad(text));
            }
            let sep = if path.contains('?') { '&' } else { '?' };
            let url = if path.contains("mode=") {
                format!("sqlite://{path}")
            } else {
                format!("sqlite://{path}{sep}mode=rwc")
            };
            Ok(DatabaseUrl { url, dialect: Dialect::Sqlite })
        }
        "postgres" | "postgresql" => Ok(DatabaseUrl { url: format!("postgres:{rest}"), dialect: Dialect::Postgres }),
        "mysql" | "mariadb" => Ok(DatabaseUrl { url: format!("mysql:{rest}"), dialect: Dialect::MySql }),
        _ => Err(bad(text)),
    }
}

fn bad(text: &str) -> String {
    // Never echo a password: show the scheme only.
    let scheme = text.split(':').next().unwrap_or_default();
    format!(
        "unsupported database_url scheme '{scheme}'; allowed: sqlite://PATH, postgres://USER@HOST/DB, mysql://USER@HOST/DB (also the original's sqlite:////PATH and mysql+pymysql://…)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn original_and_new_spellings() {
        assert_eq!(parse("sqlite:////tmp/sqlite.db").unwrap().url, "sqlite:///tmp/sqlite.db?mode=rwc");
        assert_eq!(parse("sqlite:///tmp/x.db").unwrap().url, "sqlite:///tmp/x.db?mode=rwc");
        assert_eq!(parse("sqlite://data/faafo.db").unwrap().url, "sqlite://data/faafo.db?mode=rwc");
        let my = parse("mysql+pymysql://faafo:password@10.0.0.1:3306/faafo").unwrap();
        assert_eq!((my.url.as_str(), my.dialect), ("mysql://faafo:password@10.0.0.1:3306/faafo", Dialect::MySql));
        assert_eq!(parse("postgresql://u@h/db").unwrap().dialect, Dialect::Postgres);
        let e = parse("oracle://scott:tiger@h/db").unwrap_err();
        assert!(e.contains("'oracle'") && !e.contains("tiger"), "{e}");
    }
}
