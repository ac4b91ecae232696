//! Unit tests of [`super`]: every message of the contracts written by the
//! wire writer and by prost-reflect compares equal.

use std::collections::HashMap;

use prost::Message as _;
use prost_reflect::{DescriptorPool, DynamicMessage, MapKey, Value};
use serde_json::Value as Json;

use super::*;

fn pool() -> DescriptorPool {
    DescriptorPool::decode(hms_proto::FILE_DESCRIPTOR_SET).unwrap()
}

fn render(desc: &MessageDescriptor, bytes: &[u8]) -> Option<Vec<u8>> {
    static PLANS: std::sync::LazyLock<Plans> = std::sync::LazyLock::new(|| Plans::new(&pool()));
    PLANS.render(desc, bytes)
}

/// What prost-reflect writes for `bytes`, with the gateway's options.
fn reference(desc: &MessageDescriptor, bytes: &[u8]) -> Json {
    let message = DynamicMessage::decode(desc.clone(), bytes).unwrap();
    message.serialize_with_options(serde_json::value::Serializer, &crate::transcode::json_options()).unwrap()
}

fn fast(desc: &MessageDescriptor, bytes: &[u8]) -> Option<Json> {
    render(desc, bytes).map(|json| serde_json::from_slice(&json).expect("valid JSON"))
}

use hms_kit::testing::XorShift as Random;

const TEXTS: &[&str] = &["", "a", "Nguyễn Thị Mai", "quote \" and \\ slash", "line\nbreak\u{1}\t", "😀 </script>"];

fn random_message(desc: &MessageDescriptor, rng: &mut Random, depth: usize) -> DynamicMessage {
    let mut message = DynamicMessage::new(desc.clone());
    if desc.full_name() == "google.protobuf.Timestamp" {
        let seconds = rng.pick(&[0, 1, -1, 1_764_000_000, -62_135_596_800, 253_402_300_799]);
        let nanos = rng.pick(&[0, 1, 1_000, 500_000_000, 123_456_789, 999_999_999]);
        message.set_field_by_name("seconds", Value::I64(seconds));
        message.set_field_by_name("nanos", Value::I32(nanos));
        return message;
    }
    for field in desc.fields() {
        if rng.below(4) == 0 {
            continue;
        }
        let value = if field.is_map() {
            let Kind::Message(entry) = field.kind() else { unreachable!() };
            let (key_kind, value_kind) = (entry.map_entry_key_field().kind(), entry.map_entry_value_field().kind());
            let entries =
                (0..rng.below(4)).map(|_| (random_key(&key_kind, rng), random_value(&value_kind, rng, depth)));
            Value::Map(entries.collect::<HashMap<_, _>>())
        } else if field.is_list() {
            Value::List((0..rng.below(4)).map(|_| random_value(&field.kind(), rng, depth)).collect())
        } else {
            random_value(&field.kind(), rng, depth)
        };
        message.set_field(&field, value);
    }
    message
}

fn random_key(kind: &Kind, rng: &mut Random) -> MapKey {
    match kind {
        Kind::String => MapKey::String(rng.pick(TEXTS).to_owned()),
        Kind::Bool => MapKey::Bool(rng.below(2) == 0),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => MapKey::I32(rng.pick(&[0, -7, i32::MAX])),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => MapKey::I64(rng.pick(&[0, -7, i64::MIN])),
        Kind::Uint32 | Kind::Fixed32 => MapKey::U32(rng.pick(&[0, 7, u32::MAX])),
        _ => MapKey::U64(rng.pick(&[0, 7, u64::MAX])),
    }
}

fn random_value(kind: &Kind, rng: &mut Random, depth: usize) -> Value {
    match kind {
        Kind::Double => Value::F64(rng.pick(&[0.0, -1.5, 0.1, 1e300, f64::NAN, f64::INFINITY, f64::NEG_INFINITY])),
        Kind::Float => Value::F32(rng.pick(&[0.0, -1.5, 0.1, 3.4e38, f32::NAN, f32::NEG_INFINITY])),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => Value::I32(rng.pick(&[0, 1, -1, i32::MIN, i32::MAX])),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => Value::I64(rng.pick(&[0, 1, -1, i64::MIN, i64::MAX])),
        Kind::Uint32 | Kind::Fixed32 => Value::U32(rng.pick(&[0, 1, u32::MAX])),
        Kind::Uint64 | Kind::Fixed64 => Value::U64(rng.pick(&[0, 1, u64::MAX])),
        Kind::Bool => Value::Bool(rng.below(2) == 0),
        Kind::String => Value::String(rng.pick(TEXTS).to_owned()),
        Kind::Bytes => Value::Bytes(rng.pick(TEXTS).as_bytes().to_vec().into()),
        Kind::Enum(desc) => {
            let mut numbers: Vec<i32> = desc.values().map(|v| v.number()).collect();
            numbers.push(4242);
            Value::EnumNumber(rng.pick(&numbers))
        }
        Kind::Message(desc) if depth < 4 => Value::Message(random_message(desc, rng, depth + 1)),
        Kind::Message(desc) => Value::Message(DynamicMessage::new(desc.clone())),
    }
}

/// Whether a message holds, at any depth, a `google.protobuf.Any`: its JSON
/// form names its type, which only prost-reflect's registry resolves, so
/// such a message (an internal batch answer carrying a `google.rpc.Status`)
/// is left to the slow path by design.
fn holds_any(desc: &MessageDescriptor, depth: usize) -> bool {
    desc.full_name() == "google.protobuf.Any"
        || (depth < 6 && desc.fields().any(|f| matches!(f.kind(), Kind::Message(m) if holds_any(&m, depth + 1))))
}

/// Every message of the HMS contracts, filled at random many times and
/// encoded, is written exactly as prost-reflect writes it, and never
/// left to the slow path unless it holds an `Any`.
#[test]
fn every_hms_message_renders_as_prost_reflect_does() {
    let pool = pool();
    let mut rng = Random(0x9E37_79B9_7F4A_7C15);
    let mut checked = 0;
    let hms = pool.all_messages().filter(|m| m.full_name().starts_with("hms.") && !m.is_map_entry());
    for desc in hms.filter(|m| !holds_any(m, 0)) {
        for _ in 0..40 {
            let bytes = random_message(&desc, &mut rng, 0).encode_to_vec();
            let rendered = fast(&desc, &bytes).unwrap_or_else(|| panic!("{} fell back", desc.full_name()));
            assert_eq!(rendered, reference(&desc, &bytes), "{}", desc.full_name());
            checked += 1;
        }
    }
    assert!(checked > 1000, "only {checked} messages checked");
}

/// google.type.Date: year = 1, month = 2, day = 3 (all varints).
fn date() -> MessageDescriptor {
    pool().get_message_by_name("google.type.Date").unwrap()
}

#[test]
fn absent_fields_render_as_their_defaults_and_unknown_ones_are_left_out() {
    let desc = date();
    // year 2026, month 11, then an unknown field 9; day absent.
    let bytes = [0x08, 0xEA, 0x0F, 0x10, 0x0B, 0x48, 0x01];
    assert_eq!(fast(&desc, &bytes), Some(serde_json::json!({"year": 2026, "month": 11, "day": 0})));
    assert_eq!(fast(&desc, &bytes), Some(reference(&desc, &bytes)));
}

/// Timestamps read as prost-types prints them, across the whole range.
#[test]
fn timestamps_match_prost_types() {
    let mut rng = Random(0x2545_F491_4F6C_DD1D);
    let span = (TIMESTAMP_SECONDS.end() - TIMESTAMP_SECONDS.start()) as u64;
    let mut seconds = vec![*TIMESTAMP_SECONDS.start(), *TIMESTAMP_SECONDS.end(), -1, 0, 1, 951_782_400, 4_107_542_399];
    seconds.extend((0..20_000).map(|_| TIMESTAMP_SECONDS.start() + rng.below(span) as i64));
    for (i, seconds) in seconds.into_iter().enumerate() {
        let nanos = [0, 1, 1_000, 1_000_000, 120_000_000, 123_456_000, 999_999_999][i % 7];
        let mut out = Vec::new();
        rfc3339(seconds, nanos, &mut out);
        let expected = prost_types::Timestamp { seconds, nanos }.to_string();
        assert_eq!(String::from_utf8(out).unwrap(), expected, "{seconds} s {nanos} ns");
    }
}

#[test]
fn shapes_an_encoder_does_not_write_go_to_the_slow_path() {
    let desc = date();
    // Out of number order: month before year.
    assert_eq!(render(&desc, &[0x10, 0x0B, 0x08, 0xEA, 0x0F]), None);
    // A singular field twice.
    assert_eq!(render(&desc, &[0x08, 0x01, 0x08, 0x02]), None);
    // Truncated, and a group.
    assert_eq!(render(&desc, &[0x08]), None);
    assert_eq!(render(&desc, &[0x0B, 0x0C]), None);
    // A timestamp out of the JSON range.
    let timestamp = pool().get_message_by_name("google.protobuf.Timestamp").unwrap();
    let too_late = prost_types::Timestamp { seconds: 253_402_300_800, nanos: 0 }.encode_to_vec();
    assert_eq!(render(&timestamp, &too_late), None);
}
