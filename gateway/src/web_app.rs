//! The web app (`web/dist`, built by Vite and embedded in the binary, so
//! `hms up` needs no Node): files by path, every other page path answered
//! with `index.html` for the app's router, hashed assets cached for a year,
//! everything under a strict Content-Security-Policy.

use std::collections::HashMap;
use std::io::Write;
use std::sync::LazyLock;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};

#[derive(rust_embed::RustEmbed)]
#[folder = "../web/dist"]
struct Dist;

/// Scripts, styles, fonts and data only from this origin; no inline script
/// or style element, no plugins, no framing, no base or form redirection.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    frame-ancestors 'none'; form-action 'self'";

/// Vite names what it builds under `assets/` by content hash.
const HASHED_PREFIX: &str = "assets/";
const INDEX: &str = "index.html";

struct WebFile {
    body: Bytes,
    /// Gzipped, when that is smaller.
    gzip: Option<Bytes>,
    etag: HeaderValue,
    content_type: &'static str,
}

static FILES: LazyLock<HashMap<String, WebFile>> = LazyLock::new(|| {
    Dist::iter().filter_map(|path| Dist::get(&path).map(|file| (path.to_string(), web_file(&path, &file)))).collect()
});

fn web_file(path: &str, file: &rust_embed::EmbeddedFile) -> WebFile {
    let body = Bytes::from(file.data.to_vec());
    let hash = file.metadata.sha256_hash();
    let etag = HeaderValue::from_str(&format!("\"{}\"", hex(&hash[..16]))).unwrap_or(HeaderValue::from_static("\"\""));
    let content_type = content_type(path);
    let gzip = compressible(content_type).then(|| gzip(&body)).flatten().filter(|z| z.len() < body.len());
    WebFile { body, gzip, etag, content_type }
}

/// Compresses every file now rather than on the first page view.
pub fn load() -> usize {
    FILES.len()
}

/// Whether a request is the web app's to answer: a page or file fetched by
/// a browser, not the REST API, the API documentation or a gRPC call.
pub fn serves(method: &Method, path: &str) -> bool {
    (method == Method::GET || method == Method::HEAD)
        && !path.starts_with("/api/")
        && path != "/api"
        && !FILES.is_empty()
}

pub fn respond(method: &Method, path: &str, headers: &HeaderMap) -> Response {
    let relative = path.trim_start_matches('/');
    let (name, file) = match FILES.get_key_value(relative) {
        Some((name, file)) if !relative.is_empty() => (name.as_str(), file),
        // A path of the app's own router (no file extension) gets the app.
        _ if relative.is_empty() || !last_segment(relative).contains('.') => match FILES.get_key_value(INDEX) {
            Some((name, file)) => (name.as_str(), file),
            None => return not_found(),
        },
        _ => return not_found(),
    };

    let cache = if name.starts_with(HASHED_PREFIX) { "public, max-age=31536000, immutable" } else { "no-cache" };
    let not_modified = headers.get(header::IF_NONE_MATCH).is_some_and(|tag| tag.as_bytes() == file.etag.as_bytes());
    let gzip = file.gzip.as_ref().filter(|_| accepts_gzip(headers));
    let mut response = if not_modified {
        Response::builder().status(StatusCode::NOT_MODIFIED).body(Body::empty())
    } else {
        let body = gzip.unwrap_or(&file.body).clone();
        let body = if method == Method::HEAD { Body::empty() } else { Body::from(body) };
        Response::builder().status(StatusCode::OK).body(body)
    }
    .unwrap_or_else(|_| not_found());

    let out = response.headers_mut();
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static(file.content_type));
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    out.insert(header::ETAG, file.etag.clone());
    out.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if gzip.is_some() && !not_modified {
        out.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    security_headers(out);
    response
}

fn security_headers(out: &mut HeaderMap) {
    out.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    out.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    out.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Reset links carry their token in the URL: never pass it on.
    out.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    out.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    out.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
}

fn not_found() -> Response {
    let mut response = Response::new(Body::from("not found"));
    *response.status_mut() = StatusCode::NOT_FOUND;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    security_headers(response.headers_mut());
    response
}

fn last_segment(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            name.eq_ignore_ascii_case("gzip") && !refused
        },
    )
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("webmanifest") => "application/manifest+json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("webp") => "image/webp",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn compressible(content_type: &str) -> bool {
    content_type.starts_with("text/") || content_type.starts_with("application/") || content_type == "image/svg+xml"
}

fn gzip(bytes: &[u8]) -> Option<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_taken_unless_refused() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
            accepts_gzip(&headers)
        };
        assert!(with("gzip, deflate, br"));
        assert!(with("br;q=1.0, GZIP;q=0.5"));
        assert!(!with("gzip;q=0, br"));
        assert!(!with("br"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn the_api_and_other_methods_are_not_the_apps() {
        assert!(!serves(&Method::GET, "/api/v1/services"));
        assert!(!serves(&Method::POST, "/"));
    }

    #[test]
    fn types_by_extension() {
        assert_eq!(content_type("assets/index-abc.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
    }
}
