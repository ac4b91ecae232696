//! Proto <-> store conversions of the notification API: deliveries,
//! templates, preferences and the delivery log's filter.

use std::collections::HashSet;

use hms_kit::error::FieldViolations;
use hms_kit::proto::notification::*;
use hms_kit::time::micros_to_timestamp;
use tonic::Status;

use crate::app::NewPushSubscription;
use crate::domain::templates::{self, Texts};
use crate::domain::{self, channel_from_name, channel_name, status_from_name, status_name, type_from_name, type_name};
use crate::store::{DeliveryDoc, DeliveryFilter, PreferencesDoc, PushSubscriptionDoc, RuleDoc, TemplateDoc, Versioned};

fn timestamp(micros: Option<i64>) -> Option<prost_types::Timestamp> {
    micros.map(micros_to_timestamp)
}

pub(super) fn delivery_to_proto(v: &Versioned<DeliveryDoc>) -> Delivery {
    let d = &v.doc;
    Delivery {
        id: v.id.clone(),
        request_id: d.request_id.clone(),
        r#type: type_from_name(&d.kind).unwrap_or_default().into(),
        recipient_id: d.recipient_id.clone(),
        channel: channel_from_name(&d.channel).unwrap_or_default().into(),
        status: status_from_name(&d.status).into(),
        language: d.language.clone(),
        subject: d.subject.clone(),
        body: d.body.clone(),
        recipient_contact: d.recipient_contact.clone(),
        attempts: i32::try_from(d.attempts).unwrap_or(i32::MAX),
        error: d.error.clone(),
        create_time: timestamp(Some(d.created_at)),
        sent_time: timestamp(d.sent_at),
        read_time: timestamp(d.read_at),
    }
}

pub(super) fn template_to_proto(v: &Versioned<TemplateDoc>) -> Template {
    let t = &v.doc;
    Template {
        id: v.id.clone(),
        r#type: type_from_name(&t.kind).unwrap_or_default().into(),
        channel: channel_from_name(&t.channel).unwrap_or_default().into(),
        language: t.language.clone(),
        subject: t.subject.clone(),
        body_text: t.body_text.clone(),
        body_html: t.body_html.clone(),
        version: v.version,
        built_in: templates::shipped_by_id(&v.id).is_some(),
    }
}

pub(super) fn check_texts(v: &mut FieldViolations, channel: Channel, texts: &Texts) {
    for (field, problem) in templates::check(channel, texts) {
        v.add(format!("template.{field}"), problem);
    }
}

/// Someone's preferences as stored, or the field violations of the request.
pub(super) fn preferences_from_proto(preferences: &Preferences) -> Result<PreferencesDoc, Status> {
    let mut v = FieldViolations::new();
    v.require(preferences.rules.len() <= 100, "preferences.rules", "at most 100 rules");
    let mut keys = HashSet::new();
    let mut rules = Vec::new();
    for (i, rule) in preferences.rules.iter().enumerate() {
        let channel = rule.channel();
        if channel == Channel::Unspecified {
            v.add(format!("preferences.rules[{i}].channel"), "is required");
            continue;
        }
        if !keys.insert((rule.r#type, rule.channel)) {
            v.add(format!("preferences.rules[{i}]"), "repeats an earlier rule for the same type and channel");
        }
        let kind = rule.r#type();
        rules.push(RuleDoc {
            kind: if kind == NotificationType::Unspecified { String::new() } else { type_name(kind).to_owned() },
            channel: channel_name(channel).to_owned(),
            enabled: rule.enabled,
        });
    }
    if !preferences.language.is_empty() && !domain::LANGUAGES.contains(&preferences.language.as_str()) {
        v.add("preferences.language", "must be \"vi\" or \"en\"");
    }
    v.into_result()?;
    Ok(PreferencesDoc { rules, language: preferences.language.clone() })
}

/// The delivery log's filter of a `ListDeliveries`.
pub(super) fn delivery_filter(r: &ListDeliveriesRequest) -> DeliveryFilter {
    let micros =
        |t: &Option<prost_types::Timestamp>| t.as_ref().map(|t| t.seconds * 1_000_000 + i64::from(t.nanos) / 1000);
    DeliveryFilter {
        recipient_id: (!r.recipient_id.is_empty()).then(|| r.recipient_id.clone()),
        kind: (r.r#type() != NotificationType::Unspecified).then(|| type_name(r.r#type()).to_owned()),
        channel: (r.channel() != Channel::Unspecified).then(|| channel_name(r.channel()).to_owned()),
        status: (r.status() != DeliveryStatus::Unspecified).then(|| status_name(r.status()).to_owned()),
        created_from: micros(&r.start_time),
        created_before: micros(&r.end_time),
    }
}

/// A browser's subscription as `RegisterPushSubscription` gives it, or the
/// field violations: an https endpoint (http only on a loopback host: tests
/// and a push server on the same machine), a P-256 point and a 16-byte
/// secret, both base64url (RFC 8291 §2).
pub(super) fn push_subscription_from_proto(r: RegisterPushSubscriptionRequest) -> Result<NewPushSubscription, Status> {
    use base64::Engine;
    let decode =
        |text: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.trim().trim_end_matches('=')).ok();
    let mut v = FieldViolations::new();
    match reqwest::Url::parse(&r.endpoint) {
        _ if r.endpoint.is_empty() => v.add("endpoint", "is required"),
        _ if r.endpoint.len() > 2048 => v.add("endpoint", "at most 2048 characters"),
        Err(_) => v.add("endpoint", "is not a URL"),
        Ok(url) => {
            let host = url.host_str().unwrap_or_default();
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
            let secure = url.scheme() == "https" || (url.scheme() == "http" && loopback);
            v.require(secure && url.host().is_some(), "endpoint", "must be an https URL");
            v.require(url.username().is_empty() && url.password().is_none(), "endpoint", "may not carry credentials");
        }
    }
    match decode(&r.p256dh) {
        _ if r.p256dh.is_empty() => v.add("p256dh", "is required"),
        Some(key) if crate::push::is_p256_point(&key) => {}
        Some(_) | None => v.add("p256dh", "must be base64url of a 65-byte uncompressed P-256 public key"),
    }
    match decode(&r.auth) {
        _ if r.auth.is_empty() => v.add("auth", "is required"),
        Some(secret) if secret.len() == 16 => {}
        Some(_) | None => v.add("auth", "must be base64url of 16 bytes"),
    }
    v.require(r.device_label.chars().count() <= 100, "device_label", "at most 100 characters");
    v.into_result()?;
    Ok(NewPushSubscription {
        endpoint: r.endpoint,
        p256dh: r.p256dh.trim().trim_end_matches('=').to_owned(),
        auth: r.auth.trim().trim_end_matches('=').to_owned(),
        device_label: r.device_label.trim().to_owned(),
    })
}

pub(super) fn push_subscription_to_proto(v: &Versioned<PushSubscriptionDoc>, host: String) -> PushSubscription {
    PushSubscription {
        id: v.id.clone(),
        device_label: v.doc.device_label.clone(),
        endpoint_host: host,
        create_time: timestamp(Some(v.doc.created_at)),
    }
}
