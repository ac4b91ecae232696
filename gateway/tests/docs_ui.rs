//! `/docs` in a real browser: Chromium (Debian's `chromium`, driven by
//! `playwright-core` from `tests/js`) logs in through the Swagger UI and
//! calls an authenticated route, offline and under the page's CSP (see
//! `tests/js/docs_ui.test.mjs`). Needs `apt-get install chromium` and
//! `npm ci --prefix gateway/tests/js`; skipped without them unless
//! `HMS_TEST_REQUIRE_BACKENDS=1`, where a missing one fails the test.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{PASSWORD, Stack};

/// `HMS_TEST_CHROMIUM`, or Debian's Chromium on the PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("HMS_TEST_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

fn skip_or_fail(reason: &str) {
    assert!(std::env::var("HMS_TEST_REQUIRE_BACKENDS").as_deref() != Ok("1"), "{reason}");
    eprintln!("skipped: {reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_logs_in_through_the_docs_page_and_calls_an_authenticated_route() {
    let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js");
    let Some(browser) = chromium() else {
        return skip_or_fail("Chromium is not installed (apt-get install chromium)");
    };
    if !js.join("node_modules/playwright-core").exists() {
        return skip_or_fail("run `npm ci --prefix gateway/tests/js` first");
    }
    let s = Stack::start().await;
    s.register("docs.reader").await;

    let gateway = s.gateway.url();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("docs_ui.test.mjs")
            .current_dir(&js)
            .env("GATEWAY_URL", gateway)
            .env("CHROMIUM", browser)
            .env("USERNAME", "docs.reader")
            .env("PASSWORD", PASSWORD)
            .output()
            .expect("run node")
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "the docs page in Chromium failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
