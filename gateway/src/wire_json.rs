//! Protobuf wire bytes written straight out as JSON, with the gateway's JSON
//! options (see [`crate::transcode`]), without building a dynamic message.
//!
//! Decoding a response into a prost-reflect `DynamicMessage` and serialising
//! that took half the CPU of the REST booking load (a week's calendar is
//! 30 KB of protobuf and a thousand timestamps). This writer walks the bytes
//! once, following [`Plans`] compiled from the descriptors at start-up. It
//! takes the shapes a protobuf encoder writes in practice: fields in number
//! order, each singular field once, a repeated field's entries together,
//! Timestamp as the only well-known type. For anything else it returns `None`
//! and the caller renders through prost-reflect, whose output this one
//! matches (tests compare both on every message of the contracts).

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use prost::encoding::decode_varint;
use prost_reflect::{DescriptorPool, EnumDescriptor, FieldDescriptor, Kind, MessageDescriptor};

/// Nested messages deeper than this go to prost-reflect (which refuses
/// them at 100, as prost does).
const MAX_DEPTH: usize = 64;

/// The range of timestamps the JSON mapping allows (years 1 to 9999).
const TIMESTAMP_SECONDS: std::ops::RangeInclusive<i64> = -62_135_596_800..=253_402_300_799;

/// Every message and enum of a descriptor pool as the writer needs them:
/// looking fields up in the descriptors (each look-up clones
/// reference-counted handles) cost more than writing them.
pub struct Plans {
    messages: Vec<MessagePlan>,
    enums: Vec<EnumPlan>,
    by_name: HashMap<String, usize>,
}

enum MessagePlan {
    Fields(Vec<FieldPlan>),
    Timestamp,
    /// Other well-known types (their JSON forms are special): prost-reflect's.
    Unsupported,
}

struct FieldPlan {
    number: u32,
    /// `"name":`
    key: Box<[u8]>,
    kind: KindPlan,
    shape: Shape,
    /// The oneof holding the field, by index in its message.
    oneof: Option<usize>,
}

enum Shape {
    Single { presence: bool },
    List,
    Map { key: KindPlan, value: KindPlan },
}

#[derive(Clone, Copy)]
enum KindPlan {
    Double,
    Float,
    Int32,
    Sint32,
    Sfixed32,
    Uint32,
    Fixed32,
    Int64,
    Sint64,
    Sfixed64,
    Uint64,
    Fixed64,
    Bool,
    String,
    Bytes,
    Enum(usize),
    Message(usize),
}

struct EnumPlan {
    /// Quoted JSON names by number.
    names: HashMap<i32, Box<[u8]>>,
    default: Box<[u8]>,
    /// google.protobuf.NullValue renders as `null`: prost-reflect's.
    null_value: bool,
}

impl Plans {
    pub fn new(pool: &DescriptorPool) -> Self {
        let messages: Vec<MessageDescriptor> = pool.all_messages().collect();
        let enums: Vec<EnumDescriptor> = pool.all_enums().collect();
        let by_name: HashMap<String, usize> =
            messages.iter().enumerate().map(|(i, m)| (m.full_name().to_owned(), i)).collect();
        let enum_index: HashMap<&str, usize> = enums.iter().enumerate().map(|(i, e)| (e.full_name(), i)).collect();
        let kind = |kind: Kind| match kind {
            Kind::Double => KindPlan::Double,
            Kind::Float => KindPlan::Float,
            Kind::Int32 => KindPlan::Int32,
            Kind::Sint32 => KindPlan::Sint32,
            Kind::Sfixed32 => KindPlan::Sfixed32,
            Kind::Uint32 => KindPlan::Uint32,
            Kind::Fixed32 => KindPlan::Fixed32,
            Kind::Int64 => KindPlan::Int64,
            Kind::Sint64 => KindPlan::Sint64,
            Kind::Sfixed64 => KindPlan::Sfixed64,
            Kind::Uint64 => KindPlan::Uint64,
            Kind::Fixed64 => KindPlan::Fixed64,
            Kind::Bool => KindPlan::Bool,
            Kind::String => KindPlan::String,
            Kind::Bytes => KindPlan::Bytes,
            Kind::Enum(e) => KindPlan::Enum(enum_index[e.full_name()]),
            Kind::Message(m) => KindPlan::Message(by_name[m.full_name()]),
        };
        let field_plan = |field: FieldDescriptor| {
            let shape = if field.is_map() {
                let Kind::Message(entry) = field.kind() else { unreachable!("a map field's kind is its entry") };
                Shape::Map {
                    key: kind(entry.map_entry_key_field().kind()),
                    value: kind(entry.map_entry_value_field().kind()),
                }
            } else if field.is_list() {
                Shape::List
            } else {
                Shape::Single { presence: field.supports_presence() }
            };
            FieldPlan {
                number: field.number(),
                key: format!("\"{}\":", field.name()).into_bytes().into(),
                kind: kind(field.kind()),
                shape,
                oneof: field
                    .containing_oneof()
                    .map(|o| o.parent_message().oneofs().position(|other| other == o).unwrap_or_default()),
            }
        };
        let message_plans = messages
            .iter()
            .map(|m| match m.full_name() {
                "google.protobuf.Timestamp" => MessagePlan::Timestamp,
                name if name.starts_with("google.protobuf.") => MessagePlan::Unsupported,
                // `fields()` yields them in number order.
                _ => MessagePlan::Fields(m.fields().map(field_plan).collect()),
            })
            .collect();
        let enum_plans = enums
            .iter()
            .map(|e| EnumPlan {
                // With aliases, the first name of a number (as prost-reflect picks).
                names: e.values().fold(HashMap::new(), |mut names, v| {
                    names.entry(v.number()).or_insert_with(|| quoted(v.name()));
                    names
                }),
                default: quoted(e.default_value().name()),
                null_value: e.full_name() == "google.protobuf.NullValue",
            })
            .collect();
        Self { messages: message_plans, enums: enum_plans, by_name }
    }

    /// `bytes`, a message of type `desc`, as JSON; `None` when the fast path
    /// does not take these bytes (see the module documentation).
    pub fn render(&self, desc: &MessageDescriptor, bytes: &[u8]) -> Option<Vec<u8>> {
        let index = *self.by_name.get(desc.full_name())?;
        let mut out = Vec::with_capacity(bytes.len() * 2 + 16);
        self.message(index, bytes, &mut out, 0)?;
        Some(out)
    }

    fn message(&self, index: usize, bytes: &[u8], out: &mut Vec<u8>, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        let fields = match &self.messages[index] {
            MessagePlan::Fields(fields) => fields,
            MessagePlan::Timestamp => return timestamp(bytes, out),
            MessagePlan::Unsupported => return None,
        };
        let known = |number: u32| fields.binary_search_by_key(&number, |f| f.number).is_ok();
        let mut wire = Wire { rest: bytes };
        let mut next = wire.next().ok()?;
        let mut oneofs_set: u64 = 0;
        out.push(b'{');
        let mut first = true;
        for field in fields {
            while let Some((seen, _)) = next
                && seen < field.number
            {
                // A known field here came out of order; unknown ones are left out.
                if known(seen) {
                    return None;
                }
                next = wire.next().ok()?;
            }
            let present = matches!(next, Some((seen, _)) if seen == field.number);
            if !present && matches!(field.shape, Shape::Single { presence: true }) {
                continue;
            }
            if present && let Some(oneof) = field.oneof {
                // Two members of one oneof: the decoder would keep the last.
                let bit = 1_u64.checked_shl(u32::try_from(oneof).ok()?)?;
                if oneofs_set & bit != 0 {
                    return None;
                }
                oneofs_set |= bit;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(&field.key);
            match &field.shape {
                Shape::List => {
                    out.push(b'[');
                    let mut count = 0;
                    while let Some((seen, raw)) = next
                        && seen == field.number
                    {
                        count += self.list_entry(field.kind, raw, out, depth, count == 0)?;
                        next = wire.next().ok()?;
                    }
                    out.push(b']');
                }
                Shape::Map { key, value } => {
                    out.push(b'{');
                    let mut keys = Vec::new();
                    while let Some((seen, raw)) = next
                        && seen == field.number
                    {
                        self.map_entry((*key, *value), raw, out, depth, &mut keys)?;
                        next = wire.next().ok()?;
                    }
                    out.push(b'}');
                }
                Shape::Single { .. } => match next.filter(|_| present) {
                    Some((_, raw)) => {
                        self.value(field.kind, raw, out, depth)?;
                        next = wire.next().ok()?;
                        // A singular field twice: the decoder would keep the last (or merge).
                        if matches!(next, Some((seen, _)) if seen == field.number) {
                            return None;
                        }
                    }
                    None => self.default_value(field.kind, out)?,
                },
            }
        }
        while let Some((seen, _)) = next {
            if known(seen) {
                return None;
            }
            next = wire.next().ok()?;
        }
        out.push(b'}');
        Some(())
    }

    /// One entry of a repeated field (several values if packed); how many
    /// values it wrote.
    fn list_entry(&self, kind: KindPlan, raw: Raw<'_>, out: &mut Vec<u8>, depth: usize, first: bool) -> Option<usize> {
        let packed_width = match kind {
            KindPlan::Double | KindPlan::Fixed64 | KindPlan::Sfixed64 => Some(8),
            KindPlan::Float | KindPlan::Fixed32 | KindPlan::Sfixed32 => Some(4),
            KindPlan::String | KindPlan::Bytes | KindPlan::Message(_) => None,
            // Varints, packed back to back.
            _ => Some(0),
        };
        let (Some(width), Raw::Bytes(mut packed)) = (packed_width, raw) else {
            if !first {
                out.push(b',');
            }
            self.value(kind, raw, out, depth)?;
            return Some(1);
        };
        let mut count = 0;
        while !packed.is_empty() {
            let raw = match width {
                8 => {
                    let (head, tail) = packed.split_at_checked(8)?;
                    packed = tail;
                    Raw::Fixed64(u64::from_le_bytes(head.try_into().ok()?))
                }
                4 => {
                    let (head, tail) = packed.split_at_checked(4)?;
                    packed = tail;
                    Raw::Fixed32(u32::from_le_bytes(head.try_into().ok()?))
                }
                _ => Raw::Varint(decode_varint(&mut packed).ok()?),
            };
            if !first || count > 0 {
                out.push(b',');
            }
            self.value(kind, raw, out, depth)?;
            count += 1;
        }
        Some(count)
    }

    /// One entry of a map field: `"key":value`.
    fn map_entry<'a>(
        &self,
        (key_kind, value_kind): (KindPlan, KindPlan),
        raw: Raw<'a>,
        out: &mut Vec<u8>,
        depth: usize,
        keys: &mut Vec<Raw<'a>>,
    ) -> Option<()> {
        let Raw::Bytes(bytes) = raw else { return None };
        let (mut key, mut val) = (None, None);
        let mut wire = Wire { rest: bytes };
        while let Some((number, raw)) = wire.next().ok()? {
            let slot = match number {
                1 => &mut key,
                2 => &mut val,
                _ => continue,
            };
            if slot.replace(raw).is_some() {
                return None;
            }
        }
        let key = key.unwrap_or(match key_kind {
            KindPlan::String => Raw::Bytes(&[]),
            _ => Raw::Varint(0),
        });
        // A key twice: the decoder would keep the last value.
        if keys.iter().any(|seen| same_raw(seen, &key)) {
            return None;
        }
        if !keys.is_empty() {
            out.push(b',');
        }
        keys.push(key);
        match (key_kind, key) {
            (KindPlan::String, _) => self.value(key_kind, key, out, depth)?,
            (KindPlan::Bool, Raw::Varint(v)) => out.extend_from_slice(if v != 0 { b"\"true\"" } else { b"\"false\"" }),
            _ => {
                // Integer keys are quoted whatever their width.
                let start = out.len();
                self.value(key_kind, key, out, depth)?;
                if out.get(start) != Some(&b'"') {
                    out.insert(start, b'"');
                    out.push(b'"');
                }
            }
        }
        out.push(b':');
        match (val, value_kind) {
            (Some(raw), _) => self.value(value_kind, raw, out, depth),
            (None, KindPlan::Message(index)) => self.message(index, &[], out, depth + 1),
            (None, other) => self.default_value(other, out),
        }
    }

    /// One value of `kind`; `None` when its wire type does not fit.
    fn value(&self, kind: KindPlan, raw: Raw<'_>, out: &mut Vec<u8>, depth: usize) -> Option<()> {
        match (kind, raw) {
            (KindPlan::Double, Raw::Fixed64(bits)) => float(f64::from_bits(bits), out),
            (KindPlan::Float, Raw::Fixed32(bits)) => float(f32::from_bits(bits), out),
            (KindPlan::Int32, Raw::Varint(v)) => number(v as i32, out),
            (KindPlan::Sint32, Raw::Varint(v)) => number(zigzag32(v as u32), out),
            (KindPlan::Sfixed32, Raw::Fixed32(v)) => number(v as i32, out),
            (KindPlan::Uint32, Raw::Varint(v)) => number(v as u32, out),
            (KindPlan::Fixed32, Raw::Fixed32(v)) => number(v, out),
            (KindPlan::Int64, Raw::Varint(v)) => quoted_number(v as i64, out),
            (KindPlan::Sint64, Raw::Varint(v)) => quoted_number(zigzag64(v), out),
            (KindPlan::Sfixed64, Raw::Fixed64(v)) => quoted_number(v as i64, out),
            (KindPlan::Uint64, Raw::Varint(v)) | (KindPlan::Fixed64, Raw::Fixed64(v)) => quoted_number(v, out),
            (KindPlan::Bool, Raw::Varint(v)) => out.extend_from_slice(if v != 0 { b"true" } else { b"false" }),
            (KindPlan::String, Raw::Bytes(bytes)) => {
                serde_json::to_writer(&mut *out, std::str::from_utf8(bytes).ok()?).ok()?
            }
            (KindPlan::Bytes, Raw::Bytes(bytes)) => {
                out.push(b'"');
                let start = out.len();
                out.resize(start + bytes.len().div_ceil(3) * 4, 0);
                let written = BASE64.encode_slice(bytes, &mut out[start..]).ok()?;
                out.truncate(start + written);
                out.push(b'"');
            }
            (KindPlan::Enum(index), Raw::Varint(v)) => {
                let plan = &self.enums[index];
                if plan.null_value {
                    return None;
                }
                match plan.names.get(&(v as i32)) {
                    Some(name) => out.extend_from_slice(name),
                    None => number(v as i32, out),
                }
            }
            (KindPlan::Message(index), Raw::Bytes(bytes)) => self.message(index, bytes, out, depth + 1)?,
            _ => return None,
        }
        Some(())
    }

    /// What an absent field without presence renders as.
    fn default_value(&self, kind: KindPlan, out: &mut Vec<u8>) -> Option<()> {
        match kind {
            KindPlan::Double | KindPlan::Float => float(0.0_f64, out),
            KindPlan::Int32 | KindPlan::Sint32 | KindPlan::Sfixed32 | KindPlan::Uint32 | KindPlan::Fixed32 => {
                out.push(b'0')
            }
            KindPlan::Int64 | KindPlan::Sint64 | KindPlan::Sfixed64 | KindPlan::Uint64 | KindPlan::Fixed64 => {
                out.extend_from_slice(b"\"0\"")
            }
            KindPlan::Bool => out.extend_from_slice(b"false"),
            KindPlan::String | KindPlan::Bytes => out.extend_from_slice(b"\"\""),
            KindPlan::Enum(index) => {
                let plan = &self.enums[index];
                if plan.null_value {
                    return None;
                }
                out.extend_from_slice(&plan.default);
            }
            // Message fields have presence: never rendered when absent.
            KindPlan::Message(_) => return None,
        }
        Some(())
    }
}

fn quoted(text: &str) -> Box<[u8]> {
    serde_json::to_vec(text).unwrap_or_default().into()
}

/// A field's value as it sits on the wire.
#[derive(Clone, Copy)]
enum Raw<'a> {
    Varint(u64),
    Fixed64(u64),
    Fixed32(u32),
    Bytes(&'a [u8]),
}

/// The fields of a message, in wire order.
struct Wire<'a> {
    rest: &'a [u8],
}

impl<'a> Wire<'a> {
    /// The next field; `Err` when the bytes are malformed or hold a group.
    fn next(&mut self) -> Result<Option<(u32, Raw<'a>)>, ()> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let key = decode_varint(&mut self.rest).map_err(|_| ())?;
        let number = u32::try_from(key >> 3).map_err(|_| ())?;
        if number == 0 {
            return Err(());
        }
        let raw = match key & 7 {
            0 => Raw::Varint(decode_varint(&mut self.rest).map_err(|_| ())?),
            1 => Raw::Fixed64(u64::from_le_bytes(self.take(8)?.try_into().map_err(|_| ())?)),
            5 => Raw::Fixed32(u32::from_le_bytes(self.take(4)?.try_into().map_err(|_| ())?)),
            2 => {
                let len = usize::try_from(decode_varint(&mut self.rest).map_err(|_| ())?).map_err(|_| ())?;
                Raw::Bytes(self.take(len)?)
            }
            _ => return Err(()),
        };
        Ok(Some((number, raw)))
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], ()> {
        if self.rest.len() < len {
            return Err(());
        }
        let (taken, rest) = self.rest.split_at(len);
        self.rest = rest;
        Ok(taken)
    }
}

fn same_raw(a: &Raw<'_>, b: &Raw<'_>) -> bool {
    match (a, b) {
        (Raw::Varint(a), Raw::Varint(b)) | (Raw::Fixed64(a), Raw::Fixed64(b)) => a == b,
        (Raw::Fixed32(a), Raw::Fixed32(b)) => a == b,
        (Raw::Bytes(a), Raw::Bytes(b)) => a == b,
        _ => false,
    }
}

fn number(v: impl itoa::Integer, out: &mut Vec<u8>) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

fn quoted_number(v: impl itoa::Integer, out: &mut Vec<u8>) {
    out.push(b'"');
    number(v, out);
    out.push(b'"');
}

/// A double or a float as serde_json writes it (so as prost-reflect does);
/// the JSON mapping's strings where JSON has no number.
fn float<F: Copy + Into<f64> + serde::Serialize>(v: F, out: &mut Vec<u8>) {
    let wide: f64 = v.into();
    if wide.is_finite() {
        let _ = serde_json::to_writer(&mut *out, &v);
    } else if wide.is_nan() {
        out.extend_from_slice(b"\"NaN\"");
    } else if wide > 0.0 {
        out.extend_from_slice(b"\"Infinity\"");
    } else {
        out.extend_from_slice(b"\"-Infinity\"");
    }
}

fn zigzag32(v: u32) -> i32 {
    ((v >> 1) as i32) ^ -((v & 1) as i32)
}

fn zigzag64(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// A Timestamp as RFC 3339 text, as prost-types prints it.
fn timestamp(bytes: &[u8], out: &mut Vec<u8>) -> Option<()> {
    let (mut seconds, mut nanos) = (None, None);
    let mut wire = Wire { rest: bytes };
    while let Some((number, raw)) = wire.next().ok()? {
        let (slot, Raw::Varint(v)) = (
            match number {
                1 => &mut seconds,
                2 => &mut nanos,
                _ => return None,
            },
            raw,
        ) else {
            return None;
        };
        if slot.replace(v).is_some() {
            return None;
        }
    }
    let seconds = seconds.unwrap_or(0) as i64;
    let nanos = nanos.unwrap_or(0) as i32;
    if !TIMESTAMP_SECONDS.contains(&seconds) || !(0..1_000_000_000).contains(&nanos) {
        return None;
    }
    out.push(b'"');
    rfc3339(seconds, nanos, out);
    out.push(b'"');
    Some(())
}

/// `seconds` (years 1 to 9999) and `nanos` (0 to 999,999,999) as
/// prost-types prints a Timestamp: `2026-11-30T08:00:00Z`, with a fraction
/// of 3, 6 or 9 digits when there is one. By hand: `fmt` took a third of the
/// time of a calendar's rendering.
fn rfc3339(seconds: i64, nanos: i32, out: &mut Vec<u8>) {
    let (days, second_of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = hms_kit::time::civil_from_days(days);
    digits(year, 4, out);
    out.push(b'-');
    digits(month, 2, out);
    out.push(b'-');
    digits(day, 2, out);
    out.push(b'T');
    digits(second_of_day / 3600, 2, out);
    out.push(b':');
    digits(second_of_day / 60 % 60, 2, out);
    out.push(b':');
    digits(second_of_day % 60, 2, out);
    let nanos = i64::from(nanos);
    if nanos % 1_000_000_000 != 0 {
        out.push(b'.');
        match (nanos % 1_000_000, nanos % 1_000) {
            (0, _) => digits(nanos / 1_000_000, 3, out),
            (_, 0) => digits(nanos / 1_000, 6, out),
            _ => digits(nanos, 9, out),
        }
    }
    out.push(b'Z');
}

/// `value` (not negative) in `width` digits, zero-padded.
fn digits(value: i64, width: usize, out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + width, b'0');
    let mut rest = value;
    for slot in out[start..].iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
}

#[cfg(test)]
#[path = "wire_json_tests.rs"]
mod tests;
