//! Fresh databases for tests: a temporary SQLite file, or — when `TEST_DATABASE_URL` names a
//! PostgreSQL server — a new database on it that is dropped again when the guard goes away.

use sea_orm::{ConnectionTrait, Database as SeaDatabase};

/// A database created for one test. Dropping it removes the database.
pub struct TestDatabase {
    /// The URL to connect to.
    pub url: String,
    /// Whether this is PostgreSQL.
    pub postgres: bool,
    admin_url: Option<String>,
    name: String,
    _dir: Option<tempfile_dir::TempDir>,
}

mod tempfile_dir {
    /// A temporary directory removed on drop.
    pub struct TempDir(pub std::path::PathBuf);
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl std::fmt::Debug for TestDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDatabase").field("name", &self.name).field("postgres", &self.postgres).finish()
    }
}

impl TestDatabase {
    /// Creates an empty database (no migrations applied yet).
    pub async fn create() -> Result<TestDatabase, String> {
        let name = format!("skillcert_test_{}", uuid::Uuid::new_v4().simple());
        match std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            Some(admin_url) if admin_url.starts_with("postgres") => {
                let admin = SeaDatabase::connect(admin_url.as_str()).await.map_err(|e| e.to_string())?;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .map_err(|e| e.to_string())?;
                admin.close().await.map_err(|e| e.to_string())?;
                let url = replace_database(&admin_url, &name);
                Ok(TestDatabase { url, postgres: true, admin_url: Some(admin_url), name, _dir: None })
            }
            Some(other) => Err(format!("TEST_DATABASE_URL must be a postgres:// URL, not {other}")),
            None => {
                let dir = std::env::temp_dir().join(&name);
                std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
                let url = format!("sqlite://{}/test.db?mode=rwc", dir.display());
                Ok(TestDatabase {
                    url,
                    postgres: false,
                    admin_url: None,
                    name,
                    _dir: Some(tempfile_dir::TempDir(dir)),
                })
            }
        }
    }
}

/// `postgres://u@h:5432/db?x` with the database part replaced.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(admin_url) = self.admin_url.clone() else { return };
        let name = self.name.clone();
        // Drop runs outside any async context guarantee: use a private runtime on a thread.
        let handle = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async move {
                if let Ok(admin) = SeaDatabase::connect(admin_url.as_str()).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            });
        });
        let _ = handle.join();
    }
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            replace_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            replace_database("postgres://u:p@h/db?sslmode=disable", "t2"),
            "postgres://u:p@h/t2?sslmode=disable"
        );
        assert_eq!(replace_database("postgres://h:5432", "t3"), "postgres://h:5432/t3");
    }
}
