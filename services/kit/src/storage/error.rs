//! The relational store's one error type: a sqlx failure sorted into what its
//! callers tell apart (a unique key refused the write, a row changed under an
//! optimistic check, a lock conflict worth running the transaction again, an
//! unreachable store, anything else), and how each is answered over gRPC.

use tonic::Status;

use super::transient::Transient;

/// A store failure as the service's use cases and the API tell them apart.
/// Built from a `sqlx::Error` by `?` ([`From`]); answered by `?` in a
/// handler ([`From<StoreError> for Status`]).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key refused the write. `constraint` names the key or index
    /// when the driver tells it (MariaDB's key name, SQLite's `table.column`).
    #[error("unique violation{}: {source}", constraint.as_deref().map(|c| format!(" on {c}")).unwrap_or_default())]
    UniqueViolation { constraint: Option<String>, source: sqlx::Error },
    /// The row changed since it was read (an optimistic concurrency check
    /// failed); the message says which.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A lock conflict (MariaDB deadlock 1213, lock wait timeout 1205,
    /// SQLite busy): the whole transaction, run again, may succeed. Write
    /// transactions run through [`super::retry_transient`], so one that
    /// reaches a caller survived its retries.
    #[error("retryable: {0}")]
    Retryable(sqlx::Error),
    /// The store cannot be reached: the pool timed out or is closed, or I/O failed.
    #[error("store unavailable: {0}")]
    Unavailable(sqlx::Error),
    #[error(transparent)]
    Other(sqlx::Error),
}

impl StoreError {
    /// The optimistic check of a write failed: `what` changed meanwhile.
    pub fn conflict(what: impl Into<String>) -> Self {
        Self::Conflict(what.into())
    }

    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Self::UniqueViolation { .. })
    }

    /// The key or index a unique violation names, when the driver told it.
    pub fn constraint(&self) -> Option<&str> {
        match self {
            Self::UniqueViolation { constraint, .. } => constraint.as_deref(),
            _ => None,
        }
    }

    /// The underlying sqlx error, when there is one.
    pub fn sqlx(&self) -> Option<&sqlx::Error> {
        match self {
            Self::UniqueViolation { source, .. } => Some(source),
            Self::Retryable(e) | Self::Unavailable(e) | Self::Other(e) => Some(e),
            Self::Conflict(_) => None,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if matches!(error, sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed) {
            return Self::Unavailable(error);
        }
        if error.is_transient() {
            return Self::Retryable(error);
        }
        if let Some(e) = error.as_database_error()
            && e.is_unique_violation()
        {
            let constraint = e.constraint().map(str::to_owned).or_else(|| constraint_in(e.message()));
            return Self::UniqueViolation { constraint, source: error };
        }
        Self::Other(error)
    }
}

/// The key a unique violation's message names: MariaDB's "Duplicate entry
/// 'x' for key 'users_email_key'", SQLite's "UNIQUE constraint failed:
/// users.email" (its columns, comma separated when several).
fn constraint_in(message: &str) -> Option<String> {
    if let Some((_, key)) = message.rsplit_once("for key '") {
        return key.strip_suffix('\'').map(str::to_owned);
    }
    message.split_once("UNIQUE constraint failed: ").map(|(_, columns)| columns.trim().to_owned())
}

impl Transient for StoreError {
    fn is_transient(&self) -> bool {
        matches!(self, Self::Retryable(_))
    }
}

impl From<StoreError> for Status {
    /// UNAVAILABLE when the store cannot be reached, ABORTED when a lock
    /// conflict outlasted its retries or a row changed meanwhile (the client
    /// may retry), INTERNAL (logged with an incident id) otherwise.
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(e) => {
                tracing::warn!(error = %e, "store unavailable");
                Status::unavailable("the store is unavailable, retry later")
            }
            StoreError::Retryable(e) => {
                tracing::warn!(error = %e, "store lock conflict outlasted its retries");
                Status::aborted("the store was busy with conflicting writes, retry")
            }
            StoreError::Conflict(what) => {
                tracing::info!(conflict = %what, "optimistic concurrency check failed");
                Status::aborted("the record was changed concurrently, retry")
            }
            error @ (StoreError::UniqueViolation { .. } | StoreError::Other(_)) => crate::error::internal(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;

    #[test]
    fn unreachable_stores_are_unavailable_and_the_rest_internal() {
        for e in [sqlx::Error::PoolTimedOut, sqlx::Error::PoolClosed, sqlx::Error::Io(std::io::ErrorKind::Other.into())]
        {
            let e = StoreError::from(e);
            assert!(matches!(e, StoreError::Unavailable(_)), "{e:?}");
            let status = Status::from(e);
            assert_eq!((status.code(), status.message()), (Code::Unavailable, "the store is unavailable, retry later"));
        }
        let other = StoreError::from(sqlx::Error::RowNotFound);
        assert!(matches!(other, StoreError::Other(_)));
        let status = Status::from(other);
        assert_eq!(status.code(), Code::Internal);
        assert!(status.message().starts_with("internal error (incident "), "{}", status.message());
        assert_eq!(Status::from(StoreError::conflict("invoice 1")).code(), Code::Aborted);
    }

    #[test]
    fn the_key_of_a_unique_violation_is_read_from_its_message() {
        let mysql = "Duplicate entry 'a@b.c' for key 'users_email_key'";
        assert_eq!(constraint_in(mysql).as_deref(), Some("users_email_key"));
        let sqlite = "UNIQUE constraint failed: users.email";
        assert_eq!(constraint_in(sqlite).as_deref(), Some("users.email"));
        assert_eq!(constraint_in("no such table: x"), None);
    }

    /// The errors each backend really answers are sorted: a duplicate key
    /// (with its key), a deadlock (ABORTED once it outlasts the retries).
    async fn sorted_as_the_backend_answers(kind: crate::testing::Relational) {
        use sqlx::Executor;
        let Some(db) = crate::testing::database(kind).await else { return };
        sqlx::any::install_default_drivers();
        let url = match kind {
            crate::testing::Relational::Sqlite => format!("{}?mode=rwc", db.url),
            crate::testing::Relational::MySql => db.url.clone(),
        };
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        pool.execute("CREATE TABLE people (id INT PRIMARY KEY, email VARCHAR(64) NOT NULL)").await.unwrap();
        pool.execute("CREATE UNIQUE INDEX people_email_key ON people (email)").await.unwrap();
        pool.execute("INSERT INTO people VALUES (1, 'a@b.c')").await.unwrap();
        let duplicate = StoreError::from(pool.execute("INSERT INTO people VALUES (2, 'a@b.c')").await.unwrap_err());
        assert!(duplicate.is_unique_violation(), "{duplicate:?}");
        let expected = match kind {
            crate::testing::Relational::MySql => "people_email_key",
            _ => "people.email",
        };
        assert_eq!(duplicate.constraint(), Some(expected), "{duplicate:?}");
        assert_eq!(Status::from(duplicate).code(), Code::Internal);
        let missing = StoreError::from(pool.execute("SELECT * FROM nowhere").await.unwrap_err());
        assert!(matches!(missing, StoreError::Other(_)), "{missing:?}");
    }

    #[tokio::test]
    async fn sqlite_errors_are_sorted() {
        sorted_as_the_backend_answers(crate::testing::Relational::Sqlite).await;
    }

    #[tokio::test]
    async fn mariadb_errors_are_sorted() {
        sorted_as_the_backend_answers(crate::testing::Relational::MySql).await;
    }

    #[test]
    fn retryable_errors_are_transient_and_answered_aborted() {
        // A real deadlock is sorted in `transient`'s MariaDB test; here, the mapping.
        let retryable = StoreError::Retryable(sqlx::Error::WorkerCrashed);
        assert!(retryable.is_transient());
        assert!(!StoreError::from(sqlx::Error::RowNotFound).is_transient());
        assert_eq!(Status::from(retryable).code(), Code::Aborted);
    }
}
