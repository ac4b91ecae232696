//! Group commit for SQLite's single writer.
//!
//! Each write transaction on SQLite takes the one writer connection for its
//! BEGIN, its statements and its COMMIT, and between those trips it waits for
//! its task to be polled again; under load the connection, not the CPU, was
//! what bookings queued for. Here one task owns the writing: the scripts that
//! arrive while it is busy run together in one transaction, each inside a
//! savepoint of its own so that a refused one is undone alone, and share one
//! commit (one write of the log's pages instead of one per script).

use std::sync::Arc;

use sqlx::{AnyPool, Executor};
use tokio::sync::{mpsc, oneshot};

use super::{ScriptError, Statement};

/// The most scripts one commit takes; the rest wait for the next.
const GROUP_LIMIT: usize = 64;

/// Scripts waiting for the writer task beyond this make their callers wait.
const QUEUE_LIMIT: usize = 1024;

pub(super) struct Job {
    statements: Arc<[Statement<'static>]>,
    done: oneshot::Sender<Result<bool, ScriptError>>,
}

/// Starts the task that writes through `writer`; it stops when the last
/// sender is dropped.
pub(super) fn start(writer: AnyPool) -> mpsc::Sender<Job> {
    let (jobs, queue) = mpsc::channel(QUEUE_LIMIT);
    tokio::spawn(commit_groups(writer, queue));
    jobs
}

/// Hands a script to the writer task and waits for its outcome.
pub(super) async fn submit(
    jobs: &mpsc::Sender<Job>,
    statements: Arc<[Statement<'static>]>,
) -> Result<bool, ScriptError> {
    let (done, outcome) = oneshot::channel();
    let stopped = || ScriptError { at: None, error: sqlx::Error::PoolClosed };
    jobs.send(Job { statements, done }).await.map_err(|_| stopped())?;
    outcome.await.map_err(|_| stopped())?
}

async fn commit_groups(writer: AnyPool, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut conn = match writer.acquire().await {
            Ok(conn) => conn,
            Err(error) => {
                let _ = first.done.send(Err(ScriptError { at: None, error }));
                continue;
            }
        };
        // Whatever queued while the connection was busy joins this commit.
        let mut group = vec![first];
        while group.len() < GROUP_LIMIT
            && let Ok(job) = queue.try_recv()
        {
            group.push(job);
        }
        let outcomes = match run_group(&mut conn, &group).await {
            Ok(outcomes) => outcomes,
            Err(error) if group.len() == 1 => vec![Err(error)],
            // Something other than one script's refusal undid the whole
            // group: each runs again alone, so that only a culprit fails.
            Err(_) => {
                let mut outcomes = Vec::with_capacity(group.len());
                for job in &group {
                    match run_group(&mut conn, std::slice::from_ref(job)).await {
                        Ok(alone) => outcomes.extend(alone),
                        Err(error) => outcomes.push(Err(error)),
                    }
                }
                outcomes
            }
        };
        for (job, outcome) in group.into_iter().zip(outcomes) {
            // A caller that gave up no longer listens; what was written stays.
            let _ = job.done.send(outcome);
        }
    }
}

/// Runs `group` in one transaction and commits it. Each job's outcome is
/// whether its script stands; an error that may have undone more than one
/// script rolls the whole group back and is returned instead.
async fn run_group(
    conn: &mut sqlx::AnyConnection,
    group: &[Job],
) -> Result<Vec<Result<bool, ScriptError>>, ScriptError> {
    let mut outcomes = Vec::with_capacity(group.len());
    for (i, job) in group.iter().enumerate() {
        let head = if i == 0 { OPEN_GROUP } else { NEXT_SCRIPT };
        match run_in_savepoint(conn, job, head).await {
            Ok(outcome) => outcomes.push(outcome),
            Err(error) => {
                rollback(conn).await;
                return Err(error);
            }
        }
    }
    if let Err(error) = conn.execute("COMMIT").await {
        rollback(conn).await;
        return Err(ScriptError { at: None, error });
    }
    Ok(outcomes)
}

/// The first script's trip opens the group's transaction.
const OPEN_GROUP: &str = "BEGIN IMMEDIATE;\nSAVEPOINT script";

/// Every later trip releases the previous script's savepoint (kept or
/// undone): SQLite copies each page a script changes once for every
/// savepoint still open.
const NEXT_SCRIPT: &str = "RELEASE script;\nSAVEPOINT script";

/// The statements of either head, before the script's own.
const HEAD_STATEMENTS: usize = 2;

/// One trip to the connection's thread: the head, a savepoint, the script.
/// The result is the job's outcome, or an error that the savepoint cannot be
/// trusted to undo alone.
async fn run_in_savepoint(
    conn: &mut sqlx::AnyConnection,
    job: &Job,
    head: &str,
) -> Result<Result<bool, ScriptError>, ScriptError> {
    // Checked statement by statement, which also tells which one failed.
    let (rows, failure) = super::run_in_one_trip(conn, Some(head), &job.statements).await;
    let as_expected =
        rows.iter().skip(HEAD_STATEMENTS).zip(job.statements.iter()).all(|(n, s)| s.affected_as_expected(*n));
    let at = rows.len().checked_sub(HEAD_STATEMENTS);
    let outcome = match failure {
        None if as_expected => return Ok(Ok(true)),
        None => Ok(false),
        // A violated constraint undoes only its own statement in SQLite.
        Some(error) if at.is_some() && is_refusal(&error) => Err(ScriptError { at, error }),
        Some(error) => return Err(ScriptError { at, error }),
    };
    // Left open, undone: the next script's head releases it.
    conn.execute("ROLLBACK TO script").await.map_err(|error| ScriptError { at: None, error })?;
    Ok(outcome)
}

fn is_refusal(error: &sqlx::Error) -> bool {
    use sqlx::error::ErrorKind;
    error.as_database_error().is_some_and(|db| {
        matches!(
            db.kind(),
            ErrorKind::UniqueViolation
                | ErrorKind::ForeignKeyViolation
                | ErrorKind::NotNullViolation
                | ErrorKind::CheckViolation
        )
    })
}

/// Ends whatever transaction is open; there may be none (a failed BEGIN, or
/// SQLite's own rollback after an I/O error).
async fn rollback(conn: &mut sqlx::AnyConnection) {
    let _ = conn.execute("ROLLBACK").await;
}
