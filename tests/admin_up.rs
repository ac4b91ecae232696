//! The admin service under `hms up`, over REST through the gateway: an
//! admin reads and changes a system configuration key, the change is in the
//! admin audit log and the chain verifies; a stale version is refused; the
//! internal methods are unreachable from outside; the store lives in the
//! data directory; a changed reschedule notice is in effect in the
//! appointment service, and a changed due period and login throttle in the
//! billing and user services, within 2 s.

mod up;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use up::{Rest, start};

const ADMIN_PASSWORD: &str = "admin-up-admin-password";

#[tokio::test]
async fn an_admin_changes_the_configuration_and_finds_it_in_the_audit_log() {
    let data = tempfile::tempdir().unwrap();
    let (_up, gateway) = start(data.path(), ADMIN_PASSWORD);
    let rest = Rest { http: reqwest::Client::new(), gateway };
    let admin = rest.login("admin", ADMIN_PASSWORD).await;
    let key = "/api/v1/admin/system-configurations/appointment.reschedule_notice_hours";

    let (status, body) = rest.get(key, &admin).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // int64 is a string in proto3 JSON.
    assert_eq!(body["configuration"]["value"], json!({"integer": "2"}));
    assert_eq!(body["configuration"]["type"], json!("CONFIGURATION_TYPE_INTEGER"));

    let change = json!({"value": {"integer": 4}, "expected_version": 0, "reason": "longer notice"});
    let (status, body) = rest.call(reqwest::Method::PUT, key, Some(&admin), None, change.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["configuration"]["value"], json!({"integer": "4"}));
    assert_eq!(body["configuration"]["version"], json!("1"));
    let (status, body) = rest.call(reqwest::Method::PUT, key, Some(&admin), None, change).await;
    assert_eq!(status, StatusCode::CONFLICT, "a stale version: {body}");

    // The README's duration list: stored longest first.
    let offsets = json!({"value": {"durations": {"values": ["2h", "48h"]}}, "expected_version": 0});
    let path = "/api/v1/admin/system-configurations/appointment.reminder_offsets";
    let (status, body) = rest.call(reqwest::Method::PUT, path, Some(&admin), None, offsets).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["configuration"]["value"], json!({"durations": {"values": ["48h", "2h"]}}));

    let (status, body) = rest.get("/api/v1/admin/system-configurations", &admin).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["configurations"].as_array().unwrap().len() >= 6);

    let (status, body) =
        rest.get("/api/v1/admin/audit-logs?target_id=appointment.reschedule_notice_hours", &admin).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let entries = body["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{body}");
    assert_eq!((entries[0]["before"].as_str(), entries[0]["after"].as_str()), (Some("2"), Some("4")));
    // The README's search: by action, over the last 24 hours.
    let from = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24);
    let path = format!(
        "/api/v1/admin/audit-logs?action=system_configuration.updated&start_time={}",
        from.strftime("%Y-%m-%dT%H:%M:%SZ")
    );
    let (status, body) = rest.get(&path, &admin).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["entries"].as_array().map(Vec::len), Some(2), "both changes: {body}");
    let (status, body) = rest.post("/api/v1/admin/audit-logs/verify", Some(&admin), None, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["intact"], json!(true));

    // Internal methods are for services, never through the gateway.
    let (status, _) =
        rest.post("/api/v1/admin/internal/record-admin-actions", Some(&admin), None, json!({"actions": []})).await;
    assert!(matches!(status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{status}");
    assert!(data.path().join("admin.db").exists());
}

/// Midnight of the day after today in the clinic's zone (UTC+7, the default).
fn tomorrow() -> i64 {
    let now = jiff::Timestamp::now().as_second();
    (now + 7 * 3600).div_euclid(86_400) * 86_400 - 7 * 3600 + 86_400
}

fn rfc3339(secs: i64) -> String {
    jiff::Timestamp::from_second(secs).unwrap().to_string()
}

/// Issue 24's acceptance: `hms up` has the appointment service follow the
/// admin service, so a longer reschedule notice refuses, within 2 s and
/// without a restart, a move the previous notice allowed.
#[tokio::test]
async fn a_changed_notice_is_in_effect_in_the_appointment_service_within_two_seconds() {
    let data = tempfile::tempdir().unwrap();
    let (_up, gateway) = start(data.path(), ADMIN_PASSWORD);
    let rest = Rest { http: reqwest::Client::new(), gateway };
    let admin = rest.login("admin", ADMIN_PASSWORD).await;

    let body = json!({"code": "CHECKUP", "service": {"name": "Check-up", "kind": "SERVICE_KIND_GENERAL_CHECKUP",
        "duration_minutes": 30, "price": {"amount_minor": "300000", "currency": "VND"}, "active": true}});
    let (status, service) = rest.post("/api/v1/appointments/services", Some(&admin), None, body).await;
    assert_eq!(status, StatusCode::OK, "{service}");
    let body = json!({"username": "dr.an", "password": "correct horse battery", "email": "dr.an@clinic.example",
        "role": "ROLE_DOCTOR", "first_name": "An", "last_name": "Nguyen"});
    let (status, doctor) = rest.post("/api/v1/admin/users", Some(&admin), None, body).await;
    assert_eq!(status, StatusCode::OK, "{doctor}");
    let doctor_id = doctor["user"]["id"].as_str().unwrap().to_owned();
    let doctor = rest.login("dr.an", "correct horse battery").await;
    let blocks: Vec<Value> = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
        .iter()
        .map(|d| json!({"day_of_week": d, "start_time": {"hours": 8}, "end_time": {"hours": 17}}))
        .collect();
    let body = json!({"specialty": "General", "location": "Room 7", "blocks": blocks});
    let path = format!("/api/v1/doctors/{doctor_id}/schedule");
    let (status, schedule) = rest.post(&path, Some(&doctor), None, body).await;
    assert_eq!(status, StatusCode::OK, "{schedule}");
    let body = json!({"username": "mai", "password": "correct horse battery", "email": "mai@example.com"});
    let (status, patient) = rest.post("/api/v1/users/register", None, None, body).await;
    assert_eq!(status, StatusCode::OK, "{patient}");
    let mai = rest.login("mai", "correct horse battery").await;
    let at = |hour: i64| rfc3339(tomorrow() + hour * 3600);
    let body = json!({"service_id": service["service"]["id"], "doctor_id": doctor_id, "start_time": at(9)});
    let (status, booked) = rest.post("/api/v1/appointments", Some(&mai), None, body).await;
    assert_eq!(status, StatusCode::OK, "{booked}");
    let path = format!("/api/v1/appointments/{}/reschedule", booked["appointment"]["id"].as_str().unwrap());

    // Tomorrow is more than the default 2 hours away: the patient may move.
    let (status, body) = rest.post(&path, Some(&mai), None, json!({"start_time": at(10)})).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // 30 days' notice: the next move is refused, once the change arrives.
    let key = "/api/v1/admin/system-configurations/appointment.reschedule_notice_hours";
    let change = json!({"value": {"integer": 720}, "expected_version": 0, "reason": "a month's notice"});
    let (status, body) = rest.call(reqwest::Method::PUT, key, Some(&admin), None, change).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let changed = std::time::Instant::now();
    for hour in [9, 10].into_iter().cycle() {
        let (status, body) = rest.post(&path, Some(&mai), None, json!({"start_time": at(hour)})).await;
        if status == StatusCode::OK {
            assert!(changed.elapsed() < Duration::from_secs(10), "the change never applied");
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.to_string().contains("NOTICE_TOO_SHORT"), "{body}");
        break;
    }
    assert!(changed.elapsed() < Duration::from_secs(2), "took {:?}", changed.elapsed());
}

/// A google.type.Date in JSON → a civil date.
fn civil(date: &Value) -> jiff::civil::Date {
    let part = |name: &str| i8::try_from(date[name].as_i64().unwrap()).unwrap();
    jiff::civil::date(i16::try_from(date["year"].as_i64().unwrap()).unwrap(), part("month"), part("day"))
}

/// `hms up` has the billing and user services follow the admin service: a
/// shorter due period applies to the next invoice, and a stricter login
/// throttle to the next login, within 2 s and without a restart.
#[tokio::test]
async fn changed_due_days_and_login_throttle_are_in_effect_within_two_seconds() {
    let data = tempfile::tempdir().unwrap();
    let (_up, gateway) = start(data.path(), ADMIN_PASSWORD);
    let rest = Rest { http: reqwest::Client::new(), gateway };
    let admin = rest.login("admin", ADMIN_PASSWORD).await;
    let body = json!({"username": "mai", "password": "correct horse battery", "email": "mai@example.com"});
    let (status, patient) = rest.post("/api/v1/users/register", None, None, body).await;
    assert_eq!(status, StatusCode::OK, "{patient}");
    let patient_id = patient["user"]["id"].as_str().unwrap().to_owned();
    // References, so the closures below share them.
    let (rest, admin) = (&rest, admin.as_str());
    let invoice = || {
        let body = json!({"patient_id": patient_id, "items": [{"type": "ITEM_TYPE_OTHER_SERVICE",
            "description": "Certificate", "quantity": "1", "unit_price_minor": "50000"}]});
        rest.post("/api/v1/admin/invoices", Some(admin), None, body)
    };
    let days = |invoice: &Value| {
        let invoice = &invoice["invoice"];
        civil(&invoice["issue_date"]).until(civil(&invoice["due_date"])).unwrap().get_days()
    };
    let (status, first) = invoice().await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(days(&first), 30, "billing.due_days");

    let put = |key: &str, value: i64| {
        let path = format!("/api/v1/admin/system-configurations/{key}");
        let change = json!({"value": {"integer": value}, "expected_version": 0, "reason": "policy"});
        async move { rest.call(reqwest::Method::PUT, &path, Some(admin), None, change).await }
    };
    let (status, body) = put("billing.invoice_due_days", 7).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let changed = std::time::Instant::now();
    loop {
        let (status, body) = invoice().await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if days(&body) == 7 {
            break;
        }
        assert!(changed.elapsed() < Duration::from_secs(10), "the change never applied");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(changed.elapsed() < Duration::from_secs(2), "took {:?}", changed.elapsed());

    // One failure per account, not the default five, refuses the next login.
    let (status, body) = put("user.login_throttle.max_failures_per_account", 1).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let changed = std::time::Instant::now();
    let login =
        |password: &str| rest.post("/api/v1/users/login", None, None, json!({"username": "mai", "password": password}));
    loop {
        let (status, body) = login("wrong password!").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        let (status, body) = login("correct horse battery").await;
        if status == StatusCode::OK {
            assert!(changed.elapsed() < Duration::from_secs(10), "the change never applied");
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert!(body.to_string().contains("LOGIN_THROTTLED"), "{body}");
        break;
    }
    assert!(changed.elapsed() < Duration::from_secs(2), "took {:?}", changed.elapsed());
}
