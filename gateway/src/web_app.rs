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

/// Scripts, styles, fonts and data only from this origin, and scripts,
/// frames and calls of the card payment provider's origins (`extra`); no
/// inline script or style element, no plugins, no framing, no base or form
/// redirection.
pub fn content_security_policy(payment_origins: &[String]) -> anyhow::Result<HeaderValue> {
    for origin in payment_origins {
        if !is_origin(origin) {
            anyhow::bail!(
                "gateway.payment_origins: {origin:?} is not an origin such as https://js.stripe.com \
                 (scheme, host, optional port; a leading *. for subdomains)"
            );
        }
    }
    let extra: String = payment_origins.iter().map(|o| format!(" {o}")).collect();
    let policy = format!(
        "default-src 'self'; script-src 'self'{extra}; style-src 'self'; img-src 'self' data:; font-src 'self'; \
         connect-src 'self'{extra}; frame-src 'self'{extra}; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'"
    );
    Ok(HeaderValue::from_str(&policy)?)
}

/// `scheme://host[:port]` with nothing a policy could be bent by.
fn is_origin(origin: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else { return false };
    let (host, port) = rest.rsplit_once(':').unwrap_or((rest, ""));
    let host = host.strip_prefix("*.").unwrap_or(host);
    matches!(scheme, "https" | "http")
        && !host.is_empty()
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && port.bytes().all(|b| b.is_ascii_digit())
}

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

pub fn respond(method: &Method, path: &str, headers: &HeaderMap, policy: &HeaderValue) -> Response {
    let relative = path.trim_start_matches('/');
    let (name, file) = match FILES.get_key_value(relative) {
        Some((name, file)) if !relative.is_empty() => (name.as_str(), file),
        // A path of the app's own router (no file extension) gets the app.
        _ if relative.is_empty() || !last_segment(relative).contains('.') => match FILES.get_key_value(INDEX) {
            Some((name, file)) => (name.as_str(), file),
            None => return not_found(policy),
        },
        _ => return not_found(policy),
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
    .unwrap_or_else(|_| not_found(policy));

    let out = response.headers_mut();
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static(file.content_type));
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    out.insert(header::ETAG, file.etag.clone());
    out.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if gzip.is_some() && !not_modified {
        out.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    security_headers(out, policy);
    response
}

fn security_headers(out: &mut HeaderMap, policy: &HeaderValue) {
    out.insert(header::CONTENT_SECURITY_POLICY, policy.clone());
    out.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    out.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Reset links carry their token in the URL: never pass it on.
    out.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    out.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    out.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
}

fn not_found(policy: &HeaderValue) -> Response {
    let mut response = Response::new(Body::from("not found"));
    *response.status_mut() = StatusCode::NOT_FOUND;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    security_headers(response.headers_mut(), policy);
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
    fn payment_origins_join_scripts_frames_and_calls_and_nothing_else_gets_in() {
        let strict = content_security_policy(&[]).unwrap();
        assert!(strict.to_str().unwrap().contains("script-src 'self'; "));
        let stripe = ["https://js.stripe.com".to_owned(), "https://*.js.stripe.com".to_owned()];
        let policy = content_security_policy(&stripe).unwrap();
        let policy = policy.to_str().unwrap();
        for directive in ["script-src", "connect-src", "frame-src"] {
            assert!(
                policy.contains(&format!("{directive} 'self' https://js.stripe.com https://*.js.stripe.com;")),
                "{policy}"
            );
        }
        assert!(policy.contains("style-src 'self';") && policy.contains("frame-ancestors 'none'"), "{policy}");
        assert!(content_security_policy(&["http://127.0.0.1:8420".to_owned()]).is_ok());
        for bad in ["https://x.com; script-src *", "'unsafe-inline'", "js.stripe.com", "https://x.com/path", "*", ""] {
            assert!(content_security_policy(&[bad.to_owned()]).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn types_by_extension() {
        assert_eq!(content_type("assets/index-abc.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
    }
}
