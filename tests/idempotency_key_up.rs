//! The `Idempotency-Key` header over REST, under `hms up` through the
//! gateway: an admin records a cash payment with the key in the header only
//! (a replay answers the same payment), the same key in header and body is
//! accepted, different keys are refused with 400 and change nothing; the
//! patient pays the rest by card with the header.

mod up;

use reqwest::StatusCode;
use serde_json::{Value, json};
use up::{Rest, start};

const ADMIN_PASSWORD: &str = "idempotency-up-admin-password";
const PASSWORD: &str = "correct horse battery";

fn violated_fields(body: &Value) -> Vec<&str> {
    body["details"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|d| d["field_violations"].as_array().into_iter().flatten())
        .filter_map(|v| v["field"].as_str())
        .collect()
}

#[tokio::test]
async fn the_idempotency_key_header_sets_the_requests_key_and_a_different_body_key_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let (_up, gateway) = start(data.path(), ADMIN_PASSWORD);
    let rest = Rest { http: reqwest::Client::new(), gateway };
    let admin = rest.login("admin", ADMIN_PASSWORD).await;
    let registration =
        json!({"username": "mai.tran", "password": PASSWORD, "email": "mai@example.com", "first_name": "Mai"});
    let (status, registered) = rest.post("/api/v1/users/register", None, None, registration).await;
    assert_eq!(status, StatusCode::OK, "{registered}");
    let patient_id = registered["user"]["id"].as_str().unwrap().to_owned();
    let patient = rest.login("mai.tran", PASSWORD).await;

    let items = json!([{"type": "ITEM_TYPE_OTHER_SERVICE", "description": "Dressing", "quantity": "2", "unit_price_minor": "50000"}]);
    let (status, created) = rest
        .post("/api/v1/admin/invoices", Some(&admin), None, json!({"patient_id": patient_id, "items": items}))
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let invoice_id = created["invoice"]["id"].as_str().unwrap().to_owned();
    let payments = format!("/api/v1/admin/invoices/{invoice_id}/payments");
    let cash = json!({"amount": {"amount_minor": "30000"}, "method": "PAYMENT_METHOD_CASH"});

    // Without a key anywhere the service refuses: the header below is what sets it.
    let (status, refused) = rest.post(&payments, Some(&admin), None, cash.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");

    let (status, first) = rest.post(&payments, Some(&admin), Some("cash-0001-desk"), cash.clone()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let payment_id = first["payment"]["id"].as_str().unwrap().to_owned();
    let (status, replay) = rest.post(&payments, Some(&admin), Some("cash-0001-desk"), cash.clone()).await;
    assert_eq!(status, StatusCode::OK, "{replay}");
    assert_eq!(replay["payment"]["id"], payment_id.as_str(), "a replay under the header's key, not a second payment");
    let mut same_in_body = cash.clone();
    same_in_body["idempotency_key"] = json!("cash-0001-desk");
    let (status, both) = rest.post(&payments, Some(&admin), Some("cash-0001-desk"), same_in_body).await;
    assert_eq!(status, StatusCode::OK, "{both}");
    assert_eq!(both["payment"]["id"], payment_id.as_str());

    let mut other_in_body = cash.clone();
    other_in_body["idempotencyKey"] = json!("cash-0003-desk");
    let (status, differ) = rest.post(&payments, Some(&admin), Some("cash-0002-desk"), other_in_body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{differ}");
    assert_eq!(violated_fields(&differ), ["idempotency_key"], "{differ}");
    assert!(differ["message"].as_str().unwrap().contains("Idempotency-Key"), "{differ}");

    let (status, invoice) = rest
        .call(reqwest::Method::GET, &format!("/api/v1/invoices/{invoice_id}"), Some(&admin), None, Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK, "{invoice}");
    assert_eq!(invoice["payments"].as_array().unwrap().len(), 1, "one payment: {invoice}");

    // The patient pays the rest by card, the key in the header.
    let card = json!({"amount": {"amount_minor": "70000", "currency": "VND"}, "card_token": "tok_ok_4242"});
    let pay = format!("/api/v1/invoices/{invoice_id}/pay");
    let (status, paid) = rest.post(&pay, Some(&patient), Some("card-0001-mai"), card.clone()).await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    assert_eq!(paid["invoice"]["status"], "INVOICE_STATUS_PAID", "{paid}");
    let (status, again) = rest.post(&pay, Some(&patient), Some("card-0001-mai"), card).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["payment"]["id"], paid["payment"]["id"], "the card is charged once");
}
