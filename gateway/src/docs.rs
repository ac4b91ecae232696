//! `/docs`: Swagger UI (vendored from npm's `swagger-ui-dist`, see
//! `assets/swagger-ui/README.md`) over `/openapi.json`, embedded in the
//! binary so the page works offline and loads nothing from elsewhere.
//!
//! Every file is served with a strict Content-Security-Policy: scripts and
//! styles only from the gateway itself (no inline script: the start-up code
//! is its own file), requests only to the gateway ("try it out"), no frames.

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderValue, header};

/// The page and the files it loads: (path, content type, bytes).
pub const FILES: &[(&str, &str, &[u8])] = &[
    ("/docs", "text/html; charset=utf-8", include_bytes!("../assets/swagger-ui/index.html")),
    ("/docs/", "text/html; charset=utf-8", include_bytes!("../assets/swagger-ui/index.html")),
    (
        "/docs/swagger-ui-bundle.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/swagger-ui/swagger-ui-bundle.js"),
    ),
    ("/docs/swagger-ui.css", "text/css; charset=utf-8", include_bytes!("../assets/swagger-ui/swagger-ui.css")),
    ("/docs/hms-docs.js", "text/javascript; charset=utf-8", include_bytes!("../assets/swagger-ui/hms-docs.js")),
    ("/docs/hms-docs.css", "text/css; charset=utf-8", include_bytes!("../assets/swagger-ui/hms-docs.css")),
];

/// `img-src data:`: Swagger UI's stylesheet draws its icons as data: SVGs.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// Adds the page and its files to `router`.
pub fn routes<S: Clone + Send + Sync + 'static>(mut router: Router<S>) -> Router<S> {
    for &(path, content_type, bytes) in FILES {
        router = router.route(path, get(move || async move { file(content_type, bytes) }));
    }
    router
}

fn file(content_type: &'static str, bytes: &'static [u8]) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    // The files change only with the binary; an hour spares reloading 1.7 MB.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

/// Whether `path` is one of the page's files (a fixed set, for metric labels).
pub fn is_docs_path(path: &str) -> bool {
    FILES.iter().any(|(p, _, _)| *p == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_only_its_own_files_and_no_inline_script() {
        let html = std::str::from_utf8(FILES[0].2).unwrap();
        for src in html.split("src=\"").skip(1).chain(html.split("href=\"").skip(1)) {
            let target = src.split('"').next().unwrap();
            assert!(is_docs_path(target) || target == "/openapi.json", "{target} is not served by the gateway");
        }
        assert_eq!(html.matches("<script").count(), html.matches("<script src=").count(), "no inline script");
        assert!(!html.contains("style="), "no inline style");
        let init = std::str::from_utf8(FILES.iter().find(|f| f.0 == "/docs/hms-docs.js").unwrap().2).unwrap();
        assert!(init.contains("url: \"/openapi.json\""));
    }
}
