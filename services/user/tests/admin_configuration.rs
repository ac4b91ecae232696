//! The login throttle follows the admin service's system configuration
//! (issue 24): stored limits and window are in effect within 2 s without a
//! restart; the file/env values apply while the admin service stores none
//! (its own defaults do not override them).

mod common;

use std::time::{Duration, Instant};

use common::*;
use hms_kit::testing::Relational;
use tonic::{Code, Status};
use tonic_types::StatusExt;

const PER_ACCOUNT: &str = "user.login_throttle.max_failures_per_account";
const WINDOW: &str = "user.login_throttle.window_minutes";

fn retry_delay(status: &Status) -> Option<Duration> {
    status.get_error_details().retry_info().and_then(|info| info.retry_delay)
}

async fn stored_throttle_limits_apply_within_two_seconds_without_a_restart(kind: Relational) {
    let Some(h) = Harness::start_with_admin(kind).await else { return };
    h.register("khanh").await;
    // Let the watch deliver the admin service's defaults (5 failures, 15
    // minutes) first: they must not replace the configured 3 and 900 s.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for _ in 0..3 {
        assert_code(h.login("khanh", "wrong password!").await, Code::Unauthenticated);
    }
    let status = assert_code(h.login("khanh", PASSWORD).await, Code::ResourceExhausted);
    assert_eq!(reason(&status), "LOGIN_THROTTLED");
    assert_eq!(retry_delay(&status), Some(Duration::from_secs(h.config.login_window_secs)));

    // A one-minute window: the refusal says so once the change arrives.
    h.configure(WINDOW, 1, 0).await;
    let changed = Instant::now();
    loop {
        let status = assert_code(h.login("khanh", PASSWORD).await, Code::ResourceExhausted);
        if retry_delay(&status) == Some(Duration::from_secs(60)) {
            break;
        }
        assert!(changed.elapsed() < Duration::from_secs(10), "the change never applied");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(changed.elapsed() < Duration::from_secs(2), "took {:?}", changed.elapsed());

    // A higher limit: the account may log in again without waiting.
    h.configure(PER_ACCOUNT, 6, 0).await;
    let changed = Instant::now();
    while let Err(status) = h.login("khanh", PASSWORD).await {
        assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
        assert!(changed.elapsed() < Duration::from_secs(10), "the change never applied");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(changed.elapsed() < Duration::from_secs(2), "took {:?}", changed.elapsed());

    // Six failures now, not three, before the account is refused.
    for _ in 0..6 {
        assert_code(h.login("khanh", "wrong password!").await, Code::Unauthenticated);
    }
    assert_code(h.login("khanh", PASSWORD).await, Code::ResourceExhausted);
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn stored_throttle_limits_apply_within_two_seconds_without_a_restart() {
        super::stored_throttle_limits_apply_within_two_seconds_without_a_restart(super::Relational::Sqlite).await
    }
}

mod mysql {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn stored_throttle_limits_apply_within_two_seconds_without_a_restart() {
        super::stored_throttle_limits_apply_within_two_seconds_without_a_restart(super::Relational::MySql).await
    }
}
