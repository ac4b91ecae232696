//! Unit tests of [`super`]: URLs, statements and scripts, pools and the
//! SQLite checkpoint, on SQLite and MariaDB.

use super::*;

#[test]
fn sqlite_urls_get_create_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/user.db");
    let url = prepare_sqlite_url(&format!("sqlite://{}", path.display())).unwrap();
    assert!(url.ends_with("?mode=rwc"), "{url}");
    assert!(path.parent().unwrap().exists());
    assert_eq!(prepare_sqlite_url("sqlite://x.db?mode=ro").unwrap(), "sqlite://x.db?mode=ro");
    assert!(!std::path::Path::new("x.db").exists(), "a read-only database is never created");
}

/// The database file, its write-ahead log and shared-memory index are
/// their owner's only, whatever the umask gave SQLite.
#[cfg(unix)]
#[tokio::test]
async fn sqlite_files_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/store.db");
    let migrations = Migrations { sqlite: &NO_MIGRATIONS, mysql: &NO_MIGRATIONS };
    let db = Db::connect(&format!("sqlite://{}", path.display()), &migrations).await.unwrap();
    sqlx::query("CREATE TABLE notes (id INTEGER PRIMARY KEY)").execute(&db.writer).await.unwrap();
    sqlx::query("INSERT INTO notes (id) VALUES (1)").execute(&db.writer).await.unwrap();
    let mode = |suffix: &str| {
        let file = format!("{}{suffix}", path.display());
        std::fs::metadata(&file).unwrap_or_else(|e| panic!("{file}: {e}")).permissions().mode() & 0o777
    };
    assert_eq!(mode(""), 0o600);
    assert_eq!(mode("-wal"), 0o600);
    assert_eq!(mode("-shm"), 0o600);
    assert_eq!(std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
}

static NO_MIGRATIONS: Migrator = Migrator::DEFAULT;

/// A fresh store of `kind` with `tables` created (CREATE TABLE
/// statements); None when the backend is not configured. The test
/// database lives as long as the first value.
async fn store_with(kind: crate::testing::Relational, tables: &[&str]) -> Option<(crate::testing::TestDb, Db)> {
    let test_db = crate::testing::database(kind).await?;
    let migrations = Migrations { sqlite: &NO_MIGRATIONS, mysql: &NO_MIGRATIONS };
    let db = Db::connect(&test_db.url, &migrations).await.unwrap();
    for table in tables {
        sqlx::query(table).execute(&db.writer).await.unwrap();
    }
    Some((test_db, db))
}

/// Commits never checkpoint (so none waits for one); the background task
/// moves the log into the database file instead.
#[tokio::test]
async fn sqlite_log_reaches_the_database_file_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wal.db");
    let migrations = Migrations { sqlite: &NO_MIGRATIONS, mysql: &NO_MIGRATIONS };
    let db = Db::connect(&format!("sqlite://{}", path.display()), &migrations).await.unwrap();
    sqlx::query("CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB NOT NULL)").execute(&db.writer).await.unwrap();
    for i in 0..64_i64 {
        let mut tx = db.begin_write().await.unwrap();
        sqlx::query("INSERT INTO filler (id, body) VALUES (?, zeroblob(65536))")
            .bind(i)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    for pool in [&db.writer, &db.pool] {
        let (pages,): (i64,) = sqlx::query_as("PRAGMA wal_autocheckpoint").fetch_one(pool).await.unwrap();
        assert_eq!(pages, 0, "commits on this connection would checkpoint");
    }
    // 4 MiB went through the log; only the checkpointer copies it back.
    wait_for_checkpoint(&path, 4 << 20).await;
}

/// A script runs its statements in order with their own arguments and
/// counts their rows; one that fails says where and leaves nothing once
/// the transaction rolls back.
async fn a_script_runs_in_order_and_fails_whole(kind: crate::testing::Relational) {
    let tables = ["first_table", "second_table"]
        .map(|table| format!("CREATE TABLE {table} (id VARCHAR(40) PRIMARY KEY, n BIGINT NOT NULL, body BLOB)"));
    let Some((_test_db, db)) = store_with(kind, &tables.each_ref().map(String::as_str)).await else { return };
    let insert = |table: &str, rows: &[(&'static str, i64)]| {
        let values = vec!["(?, ?, ?)"; rows.len()].join(", ");
        let args = rows.iter().flat_map(|(id, n)| [Value::from(*id), Value::from(*n), Value::from(vec![1_u8, 2])]);
        Statement::new(format!("INSERT INTO {table} (id, n, body) VALUES {values}"), args.collect())
    };
    let sum = |table: &'static str| {
        let db = db.clone();
        async move {
            let sql = format!("SELECT CAST(COALESCE(SUM(n), 0) AS SIGNED) FROM {table}");
            let sql = if db.backend == Backend::Sqlite { sql.replace("SIGNED", "INTEGER") } else { sql };
            sqlx::query_as::<_, (i64,)>(&sql).fetch_one(&db.pool).await.unwrap().0
        }
    };

    let mut tx = db.begin_write().await.unwrap();
    let script = [insert("first_table", &[("Nguyễn 😀", 1), ("b", 2)]), insert("second_table", &[("a", 10)])];
    assert_eq!(execute_script(&mut tx, db.backend, &script).await.unwrap(), 3);
    tx.commit().await.unwrap();
    assert_eq!((sum("first_table").await, sum("second_table").await), (3, 10));
    let (body,): (Vec<u8>,) = sqlx::query_as("SELECT body FROM first_table WHERE id = ?")
        .bind("Nguyễn 😀")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(body, [1, 2], "text and bytes arrive as they were");

    let mut tx = db.begin_write().await.unwrap();
    let script = [insert("first_table", &[("c", 100)]), insert("second_table", &[("a", 1000)])];
    let failed = execute_script(&mut tx, db.backend, &script).await.unwrap_err();
    tx.rollback().await.unwrap();
    assert!(crate::error::is_unique_violation(&failed.error), "{:?}", failed.error);
    assert_eq!(failed.at, Some(1));
    assert_eq!((sum("first_table").await, sum("second_table").await), (3, 10));
}

#[tokio::test]
async fn sqlite_script_runs_in_order_and_fails_whole() {
    a_script_runs_in_order_and_fails_whole(crate::testing::Relational::Sqlite).await;
}

#[tokio::test]
async fn mysql_script_runs_in_order_and_fails_whole() {
    a_script_runs_in_order_and_fails_whole(crate::testing::Relational::MySql).await;
}

/// Scripts written together keep their own fates: on SQLite those queued
/// behind a busy writer share one commit, yet one refused by a
/// constraint, one whose row count differs and one that cannot run at
/// all leave nothing behind and take no other script down with them.
async fn written_scripts_stand_or_fall_alone(kind: crate::testing::Relational) {
    let tables = ["first_table", "second_table"]
        .map(|table| format!("CREATE TABLE {table} (id VARCHAR(40) PRIMARY KEY, n BIGINT NOT NULL)"));
    let Some((_test_db, db)) = store_with(kind, &tables.each_ref().map(String::as_str)).await else { return };
    let insert = |table: &str, id: String, n: i64| {
        Statement::new(format!("INSERT INTO {table} (id, n) VALUES (?, ?)"), vec![id.into(), n.into()])
    };
    let both = |id: &str, second_id: &str, n: i64| -> Arc<[Statement<'static>]> {
        Arc::new([insert("first_table", id.to_owned(), n), insert("second_table", second_id.to_owned(), n)])
    };
    let mut scripts = Vec::new();
    for i in 0..8 {
        scripts.push(("good", both(&format!("good-{i}"), &format!("good-{i}"), 1)));
    }
    // Two scripts want the same second row: one of them is refused.
    scripts.push(("rival", both("rival-a", "taken", 10)));
    scripts.push(("rival", both("rival-b", "taken", 10)));
    // Its second statement inserts nothing where it expects a row.
    let nothing_to_copy = Statement::new(
        "INSERT INTO second_table (id, n) SELECT id, n FROM first_table WHERE id = ?".to_owned(),
        vec!["nobody".into()],
    );
    scripts.push((
        "miscounted",
        Arc::new([insert("first_table", "miscounted".to_owned(), 1000), nothing_to_copy.expecting(1)]),
    ));
    let broken = Statement::new("INSERT INTO missing_table (id) VALUES (?)".to_owned(), vec!["x".into()]);
    scripts.push(("broken", Arc::new([insert("first_table", "broken".to_owned(), 1000), broken])));

    // While the writer is held, every script queues for the same commit.
    let held = db.begin_write().await.unwrap();
    let runs: Vec<_> = scripts
        .into_iter()
        .map(|(kind, script)| {
            let db = db.clone();
            tokio::spawn(async move { (kind, db.write_script(script).await) })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    held.rollback().await.unwrap();

    let mut rivals_refused = 0;
    for run in runs {
        match run.await.unwrap() {
            ("good", outcome) => assert!(outcome.unwrap()),
            ("miscounted", outcome) => assert!(!outcome.unwrap()),
            ("rival", Ok(committed)) => assert!(committed),
            ("rival", Err(refused)) => {
                assert!(crate::error::is_unique_violation(&refused.error), "{:?}", refused.error);
                assert_eq!(refused.at, Some(1), "the refused statement is known on both backends");
                rivals_refused += 1;
            }
            ("broken", outcome) => assert!(outcome.is_err()),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(rivals_refused, 1);
    for (table, expected) in [("first_table", 18), ("second_table", 18)] {
        let rows: Vec<(String, i64)> =
            sqlx::query_as(&format!("SELECT id, n FROM {table}")).fetch_all(&db.pool).await.unwrap();
        let ids: Vec<&str> = rows.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(rows.iter().map(|(_, n)| n).sum::<i64>(), expected, "{table}: {ids:?}");
        assert_eq!(rows.len(), 9, "{table}: {ids:?}");
    }
}

/// A caller that gives up while its script waits for the writer leaves
/// the writer working: the script still runs, and later ones too.
#[tokio::test]
async fn the_sqlite_writer_outlives_callers_that_give_up() {
    let notes = "CREATE TABLE notes (id VARCHAR(40) PRIMARY KEY)";
    let Some((_test_db, db)) = store_with(crate::testing::Relational::Sqlite, &[notes]).await else { return };
    let note = |id: &str| -> Arc<[Statement<'static>]> {
        Arc::new([Statement::new("INSERT INTO notes (id) VALUES (?)".to_owned(), vec![id.to_owned().into()])])
    };
    let held = db.begin_write().await.unwrap();
    let impatient = tokio::spawn({
        let db = db.clone();
        let script = note("abandoned");
        async move { db.write_script(script).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    impatient.abort();
    held.rollback().await.unwrap();
    assert!(db.write_script(note("later")).await.unwrap());
    let ids: Vec<(String,)> = sqlx::query_as("SELECT id FROM notes ORDER BY id").fetch_all(&db.pool).await.unwrap();
    assert_eq!(ids, [("abandoned".to_owned(),), ("later".to_owned(),)]);
}

#[tokio::test]
async fn sqlite_written_scripts_stand_or_fall_alone() {
    written_scripts_stand_or_fall_alone(crate::testing::Relational::Sqlite).await;
}

#[tokio::test]
async fn mysql_written_scripts_stand_or_fall_alone() {
    written_scripts_stand_or_fall_alone(crate::testing::Relational::MySql).await;
}

/// MySQL scripts keep their connection between uses, with no ping after
/// each (the pool's would count one per script) and no BEGIN before
/// each, and a kept connection the server dropped while idle is
/// replaced. MariaDB's per-session counters tell; COM_ADMIN_COMMANDS
/// counts pings.
#[tokio::test]
async fn mysql_scripts_keep_their_connection_unpinged() {
    let uses = "CREATE TABLE uses (n BIGINT NOT NULL, connection BIGINT NOT NULL, pings BIGINT NOT NULL, \
                begins BIGINT NOT NULL)";
    let Some((_test_db, db)) = store_with(crate::testing::Relational::MySql, &[uses]).await else { return };
    let record = |n: i64| -> Arc<[Statement<'static>]> {
        let sql = "INSERT INTO uses SELECT ?, CONNECTION_ID(), \
                   SUM(IF(VARIABLE_NAME = 'COM_ADMIN_COMMANDS', VARIABLE_VALUE, 0)), \
                   SUM(IF(VARIABLE_NAME = 'COM_BEGIN', VARIABLE_VALUE, 0)) \
                   FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME IN ('COM_ADMIN_COMMANDS', 'COM_BEGIN')";
        Arc::new([Statement::new(sql.to_owned(), vec![n.into()]).expecting(1)])
    };
    for n in 0..10 {
        assert!(db.write_script(record(n)).await.unwrap());
    }
    let seen = "SELECT COUNT(DISTINCT connection), COUNT(DISTINCT pings), MAX(begins), MAX(connection) FROM uses";
    let (connections, pings, begins, kept): (i64, i64, i64, i64) =
        sqlx::query_as(seen).fetch_one(&db.pool).await.unwrap();
    assert_eq!((connections, pings), (1, 1), "one connection, never pinged between scripts");
    assert_eq!(begins, 0, "autocommit is off there: the first statement opens each transaction");
    let Scripts::Kept(kept_here) = &db.scripts else { panic!("MySQL scripts run on kept connections") };
    assert_eq!(kept_here.usage(), (1, 0, 16), "idle, in use, at most");
    let stats = crate::server::StoreProbe::stats(&db).await.pool.unwrap();
    assert_eq!(stats.max, 32, "the metrics count the pool's 16 and as many kept for scripts");

    sqlx::query(&format!("KILL {kept}")).execute(&db.pool).await.unwrap();
    tokio::time::sleep(PING_AFTER_IDLE + Duration::from_millis(300)).await;
    assert!(db.write_script(record(10)).await.unwrap(), "a fresh connection replaces the dropped one");
    let (connections, _, _, _): (i64, i64, i64, i64) = sqlx::query_as(seen).fetch_one(&db.pool).await.unwrap();
    assert_eq!(connections, 2);
}

#[test]
fn the_pool_size_is_taken_out_of_the_url() {
    let take = |url: &str| take_max_connections(url).unwrap();
    assert_eq!(take("mysql://u:p@db:3306/hms"), ("mysql://u:p@db:3306/hms".to_owned(), None));
    assert_eq!(take("mysql://db/hms?max_connections=6"), ("mysql://db/hms".to_owned(), Some(6)));
    assert_eq!(
        take("mysql://db/hms?ssl-mode=required&max_connections=8&charset=utf8mb4"),
        ("mysql://db/hms?ssl-mode=required&charset=utf8mb4".to_owned(), Some(8))
    );
    for bad in ["mysql://db/hms?max_connections=0", "mysql://db/hms?max_connections=many"] {
        let error = take_max_connections(bad).unwrap_err().to_string();
        assert!(error.contains("max_connections"), "{error}");
    }
}

#[tokio::test]
async fn a_pool_is_sized_by_its_url() {
    for kind in [crate::testing::Relational::Sqlite, crate::testing::Relational::MySql] {
        let Some(test_db) = crate::testing::database(kind).await else { continue };
        let migrations = Migrations { sqlite: &NO_MIGRATIONS, mysql: &NO_MIGRATIONS };
        let db = Db::connect(&format!("{}?max_connections=3", test_db.url), &migrations).await.unwrap();
        assert_eq!(db.pool.options().get_max_connections(), 3);
        let (one,): (i64,) = sqlx::query_as("SELECT 1").fetch_one(&db.pool).await.unwrap();
        assert_eq!(one, 1);
    }
}

/// A connection the server dropped while it sat in the pool is pinged,
/// found dead and replaced: the next query does not fail.
#[tokio::test]
async fn a_mysql_connection_dropped_by_the_server_is_replaced() {
    let Some((_test_db, db)) = store_with(crate::testing::Relational::MySql, &[]).await else { return };
    let connection_id = "SELECT CAST(CONNECTION_ID() AS SIGNED)";
    let mut victim = db.pool.acquire().await.unwrap();
    let (victim_id,): (i64,) = sqlx::query_as(connection_id).fetch_one(&mut *victim).await.unwrap();
    let mut killer = db.pool.acquire().await.unwrap();
    drop(victim);
    // The pool now holds one idle connection; the server drops it.
    sqlx::query(&format!("KILL {victim_id}")).execute(&mut *killer).await.unwrap();
    killer.close().await.unwrap();
    tokio::time::sleep(PING_AFTER_IDLE + Duration::from_millis(300)).await;
    for _ in 0..4 {
        let (one,): (i64,) = sqlx::query_as("SELECT 1").fetch_one(&db.pool).await.unwrap();
        assert_eq!(one, 1);
    }
}
