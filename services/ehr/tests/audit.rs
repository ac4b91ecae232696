//! The audit chain through the gRPC API on SQLite and on the MongoDB-wire
//! server: a modified or removed entry is detected; only admins read it.

mod common;

use common::*;
use hms_kit::proto::ehr::*;
use serde_json::json;
use tonic::Code;

async fn a_modified_audit_entry_is_detected(w: World) {
    let c = care(&w, "tamper").await;
    let mut ehr = w.ehr().await;
    for _ in 0..3 {
        ehr.get_medical_record(authed(get_record(&c.patient.0), &c.doctor.1)).await.unwrap();
    }
    let before = w.verify().await;
    assert!(before.intact, "{before:?}");
    // The care the link started, the link, three reads.
    assert_eq!(before.checked, 5);

    // Someone with store access rewrites who read the record in entry 3.
    let raw = w.raw_store().await;
    let key = format!("{:020}", 3);
    let stored = raw.get("ehr_audit", &key).await.unwrap().unwrap();
    let mut body = stored.body.clone();
    body["actor_id"] = json!("someone-else");
    raw.replace("ehr_audit", &key, &body, stored.version).await.unwrap();

    let after = w.verify().await;
    assert!(!after.intact);
    assert_eq!(after.first_broken_sequence, 3);
    assert!(after.problem.contains("hash"), "{}", after.problem);

    // Removing an entry is found too.
    body["actor_id"] = stored.body["actor_id"].clone();
    let restored = raw.get("ehr_audit", &key).await.unwrap().unwrap();
    raw.replace("ehr_audit", &key, &body, restored.version).await.unwrap();
    assert!(w.verify().await.intact, "restoring the entry restores the chain");
    raw.delete("ehr_audit", &format!("{:020}", 2)).await.unwrap();
    let gap = w.verify().await;
    assert_eq!((gap.intact, gap.first_broken_sequence), (false, 3));

    // Only admins verify or read the trail.
    assert_code(ehr.verify_audit_chain(authed(VerifyAuditChainRequest {}, &c.doctor.1)).await, Code::PermissionDenied);
    assert_code(
        ehr.list_audit_events(authed(ListAuditEventsRequest::default(), &c.patient.1)).await,
        Code::PermissionDenied,
    );
}

on_every_store!(a_modified_audit_entry_is_detected,);
