//! Running each test of a list on every backend, as a module per backend.

/// Runs each named test on SQLite and on MySQL/MariaDB.
///
/// `on_every_backend!(a, b)`: each test takes the `Relational` backend.
/// `on_every_backend!(start = path::to::start, threads = 2; a, b)`: each
/// test takes what `start(backend)` gives, and is skipped when it gives
/// none (the backend is not configured). `threads` defaults to 4.
#[macro_export]
macro_rules! on_every_backend {
    (start = $start:path, threads = $threads:literal; $($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
               async fn $name() { if let Some(h) = $start($crate::Relational::Sqlite).await { super::$name(h).await } } )*
        }
        mod mysql {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
               async fn $name() { if let Some(h) = $start($crate::Relational::MySql).await { super::$name(h).await } } )*
        }
    };
    (threads = $threads:literal; $($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
               async fn $name() { super::$name($crate::Relational::Sqlite).await } )*
        }
        mod mysql {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
               async fn $name() { super::$name($crate::Relational::MySql).await } )*
        }
    };
    ($($name:ident),* $(,)?) => {
        $crate::on_every_backend!(threads = 4; $($name),*);
    };
}

/// Runs each named test on SQLite and on the MongoDB-wire server: each
/// takes what `start(Docs)` gives, and is skipped when it gives none.
///
/// `on_every_store!(start = path::to::start, threads = 4; a, b)`.
#[macro_export]
macro_rules! on_every_store {
    (start = $start:path, threads = $threads:literal; $($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
               async fn $name() { if let Some(w) = $start($crate::Docs::Sqlite).await { super::$name(w).await } } )*
        }
        mod mongo {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
               async fn $name() { if let Some(w) = $start($crate::Docs::Mongo).await { super::$name(w).await } } )*
        }
    };
}
