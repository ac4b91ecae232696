//! The `Idempotency-Key` HTTP header, the convention REST clients expect for
//! retrying a POST safely. HMS requests that are idempotent carry the key in
//! their own `idempotency_key` field (payments today); the gateway maps the
//! header to that field when it builds the request message.
//!
//! - Header alone: the field takes its value.
//! - Header and the same value in the body: accepted.
//! - Header and a different value in the body: 400 (INVALID_ARGUMENT on
//!   `idempotency_key`). Guessing which one the client meant could charge a
//!   card twice or refuse a legitimate retry, so neither wins silently.
//! - A request message without the field ignores the header, as HTTP
//!   clients that send a key on every POST expect.

use prost_reflect::{Kind, MessageDescriptor};
use serde_json::{Map, Value as Json};
use tonic::Status;

use crate::errors::invalid_argument;

/// The HTTP header.
pub const HEADER: &str = "idempotency-key";
/// The request field it maps to.
pub const FIELD: &str = "idempotency_key";

/// Whether requests of `input` take the header (a top-level string field).
pub fn takes_key(input: &MessageDescriptor) -> bool {
    input.get_field_by_name(FIELD).is_some_and(|f| matches!(f.kind(), Kind::String) && !f.is_list())
}

/// The header's value, if sent and not empty. A value that is not visible ASCII is refused
/// (keys are opaque tokens; the services check their length).
pub fn header_value(headers: &http::HeaderMap) -> Result<Option<String>, Status> {
    let Some(value) = headers.get(HEADER) else { return Ok(None) };
    let text =
        value.to_str().map_err(|_| invalid_argument(FIELD, "the Idempotency-Key header must be visible ASCII"))?.trim();
    // An empty header sets nothing, as an empty field would.
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// Puts the header's key into the JSON object that becomes the request
/// message (`root`), refusing a different key in the body.
pub fn apply(input: &MessageDescriptor, root: &mut Map<String, Json>, key: Option<&str>) -> Result<(), Status> {
    let Some(key) = key else { return Ok(()) };
    let Some(field) = input.get_field_by_name(FIELD).filter(|_| takes_key(input)) else { return Ok(()) };
    // The body may spell the field either way; proto3 reads "" as unset.
    for spelling in [field.name(), field.json_name()] {
        match root.remove(spelling) {
            None => {}
            Some(Json::String(body)) if body.is_empty() || body == key => {}
            Some(_) => {
                return Err(invalid_argument(
                    FIELD,
                    "the Idempotency-Key header and the body's idempotency_key differ: send the key once, \
                     or the same key in both",
                ));
            }
        }
    }
    root.insert(field.name().to_owned(), Json::String(key.to_owned()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pay() -> MessageDescriptor {
        let pool = prost_reflect::DescriptorPool::decode(hms_proto::FILE_DESCRIPTOR_SET).unwrap();
        pool.get_message_by_name("hms.billing.v1.PayInvoiceRequest").unwrap()
    }

    fn applied(body: Json, key: Option<&str>) -> Result<Json, Status> {
        let Json::Object(mut root) = body else { unreachable!() };
        apply(&pay(), &mut root, key)?;
        Ok(Json::Object(root))
    }

    #[test]
    fn the_header_fills_the_field_and_a_different_body_key_is_refused() {
        assert_eq!(applied(json!({}), Some("key-0001")).unwrap(), json!({"idempotency_key": "key-0001"}));
        assert_eq!(
            applied(json!({"idempotencyKey": "key-0001"}), Some("key-0001")).unwrap(),
            json!({"idempotency_key": "key-0001"}),
            "the same key in the body, in either spelling"
        );
        assert_eq!(applied(json!({"idempotency_key": ""}), Some("key-0001")).unwrap()["idempotency_key"], "key-0001");
        assert_eq!(applied(json!({"idempotency_key": "body-key"}), None).unwrap()["idempotency_key"], "body-key");
        for body in [json!({"idempotency_key": "other-key"}), json!({"idempotencyKey": 5})] {
            let status = applied(body, Some("key-0001")).unwrap_err();
            assert_eq!(status.code(), tonic::Code::InvalidArgument);
        }
    }

    #[test]
    fn messages_without_the_field_ignore_the_header() {
        let pool = prost_reflect::DescriptorPool::decode(hms_proto::FILE_DESCRIPTOR_SET).unwrap();
        let login = pool.get_message_by_name("hms.user.v1.LoginRequest").unwrap();
        assert!(!takes_key(&login) && takes_key(&pay()));
        let mut root = Map::new();
        apply(&login, &mut root, Some("key-0001")).unwrap();
        assert!(root.is_empty());
    }

    #[test]
    fn header_values_must_be_visible_ascii() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(header_value(&headers).unwrap(), None);
        headers.insert(HEADER, http::HeaderValue::from_static(" key-0001 "));
        assert_eq!(header_value(&headers).unwrap().as_deref(), Some("key-0001"));
        headers.insert(HEADER, http::HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap());
        assert_eq!(header_value(&headers).unwrap_err().code(), tonic::Code::InvalidArgument);
    }
}
