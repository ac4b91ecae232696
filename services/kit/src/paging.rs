//! AIP-158 paging: page size limits and opaque page tokens bound to the filters
//! that produced them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tonic::Status;

use crate::error::invalid_field;
use crate::proto::common::PageRequest;

pub const DEFAULT_PAGE_SIZE: usize = 50;
pub const MAX_PAGE_SIZE: usize = 500;

/// A validated page request: the size to return and the decoded position.
#[derive(Debug, Clone)]
pub struct Page<C> {
    pub size: usize,
    pub after: Option<C>,
}

#[derive(Serialize, serde::Deserialize)]
struct Token<C> {
    /// A fingerprint of the filters, so a token cannot be replayed with others.
    f: u64,
    c: C,
}

/// Validates `page` and decodes its token; `filters` is anything that
/// identifies the request's filters.
pub fn parse<C: DeserializeOwned>(page: Option<&PageRequest>, filters: &impl Serialize) -> Result<Page<C>, Status> {
    let (size, token) = page.map_or((0, ""), |p| (p.page_size, p.page_token.as_str()));
    let size = match usize::try_from(size) {
        Ok(0) => DEFAULT_PAGE_SIZE,
        Ok(n) => n.min(MAX_PAGE_SIZE),
        Err(_) => return Err(invalid_field("page.page_size", "must not be negative")),
    };
    if token.is_empty() {
        return Ok(Page { size, after: None });
    }
    let bad_token = || invalid_field("page.page_token", "is not a token returned by this list with these filters");
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad_token())?;
    let token: Token<C> = serde_json::from_slice(&bytes).map_err(|_| bad_token())?;
    if token.f != fingerprint(filters) {
        return Err(bad_token());
    }
    Ok(Page { size, after: Some(token.c) })
}

/// Encodes the position after the last returned item.
pub fn token<C: Serialize>(cursor: &C, filters: &impl Serialize) -> String {
    let token = Token { f: fingerprint(filters), c: cursor };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&token).unwrap_or_default())
}

/// Rows were read one past the page (`size + 1`): drops the extra one and
/// returns the token that continues after the last kept row (empty on the
/// last page).
pub fn next_token<T, C: Serialize>(
    rows: &mut Vec<T>,
    size: usize,
    cursor: impl Fn(&T) -> C,
    filters: &impl Serialize,
) -> String {
    if rows.len() <= size {
        return String::new();
    }
    rows.truncate(size);
    rows.last().map(|row| token(&cursor(row), filters)).unwrap_or_default()
}

fn fingerprint(filters: &impl Serialize) -> u64 {
    // FNV-1a: stable across processes and releases, unlike `DefaultHasher`.
    let bytes = serde_json::to_vec(filters).unwrap_or_default();
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, b| (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_default_clamp_and_refuse_negatives() {
        let req = |size| PageRequest { page_size: size, page_token: String::new() };
        assert_eq!(parse::<i64>(None, &()).unwrap().size, DEFAULT_PAGE_SIZE);
        assert_eq!(parse::<i64>(Some(&req(10_000)), &()).unwrap().size, MAX_PAGE_SIZE);
        assert_eq!(parse::<i64>(Some(&req(-1)), &()).unwrap_err().code(), tonic::Code::InvalidArgument);
    }

    #[test]
    fn tokens_are_bound_to_their_filters() {
        let token = token(&(42_i64, "id".to_string()), &("PATIENT", "ann"));
        let req = PageRequest { page_size: 5, page_token: token };
        let page: Page<(i64, String)> = parse(Some(&req), &("PATIENT", "ann")).unwrap();
        assert_eq!(page.after, Some((42, "id".into())));
        assert!(parse::<(i64, String)>(Some(&req), &("DOCTOR", "ann")).is_err());
        let garbage = PageRequest { page_size: 5, page_token: "%%%".into() };
        assert!(parse::<(i64, String)>(Some(&garbage), &()).is_err());
    }

    #[test]
    fn next_token_drops_the_probe_row_and_continues_after_the_last_kept_one() {
        let mut last_page = vec![1_i64, 2];
        assert_eq!(next_token(&mut last_page, 2, |row| *row, &()), "");
        assert_eq!(last_page, [1, 2]);

        let mut rows = vec![1_i64, 2, 3];
        let token = next_token(&mut rows, 2, |row| *row, &"filter");
        assert_eq!(rows, [1, 2]);
        let req = PageRequest { page_size: 2, page_token: token };
        assert_eq!(parse::<i64>(Some(&req), &"filter").unwrap().after, Some(2));
    }
}
