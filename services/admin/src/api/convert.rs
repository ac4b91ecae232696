//! Conversions between the proto messages and the store's rows: JSON values
//! both ways, timestamps, and the views of keys, changes and audit entries.

use hms_kit::error::FieldViolations;
use hms_kit::proto::admin::{AuditLogEntry, ConfigurationChange, ConfigurationType, SystemConfiguration};
use hms_kit::time::micros_to_timestamp;
use prost_types::value::Kind as ProtoKind;
use prost_types::{ListValue, Struct, Value as ProtoValue};
use serde_json::Value;

use crate::domain::audit::Entry;
use crate::domain::config::{Kind, Spec};
use crate::store::{ChangeRow, StoredValue};

/// JSON → protobuf `Value`.
pub fn to_proto_value(value: &Value) -> ProtoValue {
    let kind = match value {
        Value::Null => ProtoKind::NullValue(0),
        Value::Bool(b) => ProtoKind::BoolValue(*b),
        Value::Number(n) => ProtoKind::NumberValue(n.as_f64().unwrap_or_default()),
        Value::String(s) => ProtoKind::StringValue(s.clone()),
        Value::Array(items) => ProtoKind::ListValue(ListValue { values: items.iter().map(to_proto_value).collect() }),
        Value::Object(fields) => ProtoKind::StructValue(Struct {
            fields: fields.iter().map(|(k, v)| (k.clone(), to_proto_value(v))).collect(),
        }),
    };
    ProtoValue { kind: Some(kind) }
}

/// Protobuf `Value` → JSON; None for a value without a kind (unset).
/// Whole numbers become JSON integers, so `4` and `4.0` compare equal.
pub fn from_proto_value(value: &ProtoValue) -> Option<Value> {
    Some(match value.kind.as_ref()? {
        ProtoKind::NullValue(_) => Value::Null,
        ProtoKind::BoolValue(b) => Value::Bool(*b),
        ProtoKind::NumberValue(n) if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_992.0 => Value::from(*n as i64),
        ProtoKind::NumberValue(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
        ProtoKind::StringValue(s) => Value::String(s.clone()),
        ProtoKind::ListValue(list) => Value::Array(list.values.iter().map(from_proto_value).collect::<Option<_>>()?),
        ProtoKind::StructValue(s) => Value::Object(
            s.fields.iter().map(|(k, v)| from_proto_value(v).map(|v| (k.clone(), v))).collect::<Option<_>>()?,
        ),
    })
}

fn kind_to_proto(kind: Kind) -> ConfigurationType {
    match kind {
        Kind::Text => ConfigurationType::String,
        Kind::TimeZone => ConfigurationType::TimeZone,
        Kind::Integer => ConfigurationType::Integer,
        Kind::DurationList => ConfigurationType::DurationList,
    }
}

/// A key as clients see it: the stored value, or the default while none.
pub fn configuration(spec: &Spec, default: &Value, stored: Option<&StoredValue>) -> SystemConfiguration {
    SystemConfiguration {
        key: spec.key.to_owned(),
        description: spec.description.to_owned(),
        r#type: kind_to_proto(spec.kind).into(),
        value: Some(to_proto_value(stored.map_or(default, |s| &s.value))),
        default_value: Some(to_proto_value(default)),
        minimum: spec.minimum,
        maximum: spec.maximum,
        max_items: spec.max_items,
        unit: spec.unit.to_owned(),
        version: stored.map_or(0, |s| s.version),
        update_time: stored.map(|s| micros_to_timestamp(s.updated_at)),
        updated_by: stored.map(|s| s.updated_by.clone()).unwrap_or_default(),
    }
}

pub fn change(row: &ChangeRow) -> ConfigurationChange {
    ConfigurationChange {
        revision: row.revision,
        key: row.key.clone(),
        old_value: Some(to_proto_value(&row.old_value)),
        new_value: Some(to_proto_value(&row.new_value)),
        version: row.version,
        actor_id: row.actor_id.clone(),
        actor_role: row.actor_role.clone(),
        client_address: row.client_address.clone(),
        change_time: Some(micros_to_timestamp(row.changed_at)),
        reason: row.reason.clone(),
    }
}

/// The key's state right after `row`.
pub fn stored_after(row: &ChangeRow) -> StoredValue {
    StoredValue {
        key: row.key.clone(),
        value: row.new_value.clone(),
        version: row.version,
        updated_at: row.changed_at,
        updated_by: row.actor_id.clone(),
    }
}

pub fn audit_entry(e: Entry) -> AuditLogEntry {
    AuditLogEntry {
        sequence: e.seq,
        id: e.id,
        service: e.service,
        actor_id: e.actor_id,
        actor_role: e.actor_role,
        action: e.action,
        target_type: e.target_type,
        target_id: e.target_id,
        action_time: Some(micros_to_timestamp(e.action_at)),
        record_time: Some(micros_to_timestamp(e.recorded_at)),
        client_address: e.client_address,
        before: e.before,
        after: e.after,
        previous_hash: e.prev_hash,
        hash: e.hash,
    }
}

/// A timestamp as Unix microseconds; a violation when out of range.
pub fn micros(v: &mut FieldViolations, field: &str, ts: &prost_types::Timestamp) -> Option<i64> {
    let valid = (0..1_000_000_000).contains(&ts.nanos) && (0..=253_402_300_799).contains(&ts.seconds);
    if !valid {
        v.add(field, "is not a valid time between 1970 and 9999");
        return None;
    }
    Some(ts.seconds * 1_000_000 + i64::from(ts.nanos / 1000))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_survives_the_round_trip_and_whole_numbers_stay_integers() {
        let value = json!({"a": [1, 2.5, "x", null, true], "b": {"c": 4}});
        assert_eq!(from_proto_value(&to_proto_value(&value)), Some(value));
        assert_eq!(from_proto_value(&ProtoValue { kind: None }), None);
    }
}
