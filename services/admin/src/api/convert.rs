//! Conversions between the proto messages and the store's rows: JSON values
//! both ways, timestamps, and the views of keys, changes and audit entries.

use hms_kit::error::FieldViolations;
use hms_kit::proto::admin::configuration_value::Kind as ValueKind;
use hms_kit::proto::admin::{
    AuditLogEntry, ConfigurationChange, ConfigurationType, ConfigurationValue, DurationList, SystemConfiguration,
};
use hms_kit::time::micros_to_timestamp;
use serde_json::Value;

use crate::domain::audit::Entry;
use crate::domain::config::{Kind, Spec};
use crate::store::{ChangeRow, StoredValue};

/// A canonical JSON value (as stored) → the API's value. Canonical values
/// are strings, whole numbers or lists of strings; anything else has no
/// field to go in and is sent without one.
pub fn to_proto_value(value: &Value) -> ConfigurationValue {
    let kind = match value {
        Value::String(text) => Some(ValueKind::Text(text.clone())),
        Value::Number(n) => n.as_i64().map(ValueKind::Integer),
        Value::Array(items) => Some(ValueKind::Durations(DurationList {
            values: items.iter().filter_map(|item| item.as_str().map(str::to_owned)).collect(),
        })),
        _ => None,
    };
    ConfigurationValue { kind }
}

/// The API's value → the canonical JSON value; services following the
/// configuration convert the same way, so it lives in the kit.
pub use hms_kit::settings::from_proto_value;

fn kind_to_proto(kind: Kind) -> ConfigurationType {
    match kind {
        Kind::Text => ConfigurationType::String,
        Kind::TimeZone => ConfigurationType::TimeZone,
        Kind::Integer => ConfigurationType::Integer,
        Kind::DurationList => ConfigurationType::DurationList,
    }
}

/// A key as clients see it: the stored value, or the default while none.
/// A key of a watch update, as sent.
pub fn current(c: &crate::app::watch::Current) -> SystemConfiguration {
    configuration(c.spec, &c.default, c.stored.as_ref())
}

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
    fn canonical_values_survive_the_round_trip() {
        for value in [json!("Europe/Paris"), json!(4), json!(["48h", "1h 30m"])] {
            assert_eq!(from_proto_value(&to_proto_value(&value)), Some(value));
        }
        assert_eq!(from_proto_value(&ConfigurationValue { kind: None }), None);
    }
}
