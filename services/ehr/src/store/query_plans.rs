//! Every query of the EHR store, against populated collections, is answered
//! from an index on SQLite and on the MongoDB-wire server; and a store of the
//! previous version (a unique `by_seq` on the audit) opens and reads.

use hms_kit::docstore::audit::{self, AuditChain, GENESIS};
use hms_kit::docstore::{Read, SqlStore};
use hms_kit::testing::{self, Planner};

use super::*;

const PATIENTS: usize = 30;

/// Every read the store issues, with arguments that find something.
fn reads() -> Vec<(&'static str, Read)> {
    let find = |query| Read::Find(query);
    let mut reads = vec![
        (ENCOUNTERS, find(Store::appointment_query("a-3"))),
        (ENCOUNTERS, find(Store::encounters_query("p-1", None, 5))),
        (REFERENCES, find(Store::references_query("patient_id", "p-1", 5))),
        (REFERENCES, find(Store::references_query("encounter_id", "e-001", 5))),
        (GRANTS, find(Store::active_grant_query("d-1", "p-1", 0))),
        (CARE, find(Store::care_query("d-1", "p-1", 0))),
        (AUDIT, find(AuditChain::last_query())),
        (AUDIT, find(AuditChain::chain_query(None))),
    ];
    for (doctor, patient) in [(None, None), (Some("d-1"), None), (None, Some("p-1")), (Some("d-1"), Some("p-1"))] {
        reads.push((GRANTS, find(Store::grants_query(doctor, patient, None, 5))));
    }
    for filter in [None, Some(("patient_id", "p-1")), Some(("actor_id", "d-1"))] {
        reads.push((AUDIT, find(AuditChain::events_query(filter, None, 5))));
    }
    reads
}

/// Every index the store declares, the audit chain's included.
fn indexes() -> Vec<(&'static str, IndexSpec)> {
    let mut indexes = Store::indexes();
    indexes.extend(AuditChain::indexes().into_iter().map(|spec| (AUDIT, spec)));
    indexes
}

fn entry(seq: usize) -> Entry {
    Entry {
        seq: 0,
        actor_id: format!("d-{}", seq % 10),
        actor_role: "DOCTOR".into(),
        action: "GetMedicalRecord".into(),
        patient_id: format!("p-{}", seq % PATIENTS),
        resource: "record".into(),
        at: seq as i64,
        client_address: "127.0.0.1".into(),
        outcome: "ALLOWED".into(),
        break_glass_reason: String::new(),
        prev_hash: String::new(),
        hash: String::new(),
    }
}

async fn populate(store: &Store) {
    for i in 0..300_usize {
        let patient_id = format!("p-{}", i % PATIENTS);
        let encounter = EncounterDoc {
            patient_id: patient_id.clone(),
            doctor_id: format!("d-{}", i % 10),
            appointment_id: (i % 2 == 1).then(|| format!("a-{i}")),
            encounter_at: i as i64,
            status: "COMPLETED".into(),
            notes: None,
            diagnoses: vec![],
            treatment_plans: vec![],
            vital_signs: vec![],
            created_at: i as i64,
            updated_at: i as i64,
        };
        store.insert_encounter(&format!("e-{i:03}"), &encounter).await.unwrap();
        let reference = ReferenceDoc {
            kind: "LAB_RESULT".into(),
            source_id: format!("l-{i}"),
            patient_id: patient_id.clone(),
            encounter_id: Some(format!("e-{:03}", i % 50)),
            at: i as i64,
            title: "CBC".into(),
            status: "Normal".into(),
            created_at: i as i64,
        };
        store.ensure_reference(&format!("r-{i}"), &reference).await.unwrap();
        let grant = GrantDoc {
            doctor_id: format!("d-{}", i % 10),
            patient_id,
            reason: "emergency".into(),
            granted_at: i as i64,
            expires_at: i as i64 + 3600,
        };
        store.insert_grant(&format!("g-{i}"), &grant).await.unwrap();
        let care = CareDoc {
            doctor_id: grant.doctor_id.clone(),
            patient_id: grant.patient_id.clone(),
            source: "APPOINTMENT".into(),
            source_id: format!("a-{i}"),
            stage: "CONFIRMED".into(),
            until: i as i64 + 3600,
            created_at: i as i64,
            updated_at: i as i64,
        };
        store.insert_care(&format!("APPOINTMENT:a-{i}"), &care).await.unwrap();
        store.append_audit(entry(i)).await.unwrap();
    }
}

async fn every_query_reads_an_index(url: &str, planner: Planner) {
    let store = Store::open(url).await.unwrap();
    populate(&store).await;
    let checked = testing::assert_reads_use_indexes(store.docs.as_ref(), &reads(), &indexes(), planner).await;
    println!("{checked} reads checked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_query_reads_an_index_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    every_query_reads_an_index(&format!("sqlite://{}", dir.path().join("ehr.db").display()), Planner::Faithful).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_query_reads_an_index_on_mongodb() {
    let Some(uri) = testing::mongodb_uri() else { return };
    let planner = Planner::of_mongodb(&uri).await;
    let url = format!("{}/hms_test_{}", uri.trim_end_matches('/'), uuid::Uuid::now_v7().simple());
    every_query_reads_an_index(&url, planner).await;
}

/// The audit of the previous version, with its unique `by_seq` index, opens:
/// the index gives way to `chain`, and the chain still reads and verifies.
async fn the_previous_audit_index_gives_way(docs: Arc<dyn DocumentStore>) {
    let by_seq = IndexSpec { name: "by_seq".into(), fields: vec![("seq".into(), Order::Desc)], unique: true };
    docs.ensure_index(AUDIT, &by_seq).await.unwrap();
    // The previous version stored entries as the chain does now.
    let mut prev = GENESIS.to_owned();
    for i in 0..3 {
        let sealed = entry(i).chained(i as i64 + 1, &prev);
        docs.insert(AUDIT, &audit::document_key(sealed.seq), &to_value(&sealed).unwrap()).await.unwrap();
        prev = sealed.hash;
    }
    let store = Store::with(docs.clone()).await.expect("opens over the old index");
    assert!(!docs.drop_index(AUDIT, "by_seq").await.unwrap(), "by_seq is gone");
    store.append_audit(entry(3)).await.unwrap();
    assert_eq!(store.verify_audit().await.unwrap(), (4, None));
    let (newest, _) = store.audit_events(None, None, 2).await.unwrap();
    assert_eq!(newest.iter().map(|v| v.doc.seq).collect::<Vec<_>>(), [4, 3]);
    let plan = docs.explain(AUDIT, &Read::Find(AuditChain::last_query())).await.unwrap();
    assert!(!plan.full_scan && plan.indexes.contains(&"chain".to_string()), "{plan:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_previous_audit_index_gives_way_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("ehr.db").display());
    the_previous_audit_index_gives_way(Arc::new(SqlStore::connect(&url).await.unwrap())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_previous_audit_index_gives_way_on_mongodb() {
    let Some(uri) = testing::mongodb_uri() else { return };
    let url = format!("{}/hms_test_{}", uri.trim_end_matches('/'), uuid::Uuid::now_v7().simple());
    the_previous_audit_index_gives_way(docstore::connect(&url).await.unwrap()).await;
}
