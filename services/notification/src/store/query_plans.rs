//! Every query of the store, against populated collections, is answered from
//! an index on SQLite and on the MongoDB-wire server: delivered history must
//! not slow the queue, the inboxes or the log.

use hms_kit::docstore::Read;
use hms_kit::testing::{self, Planner, XorShift};

use super::*;

const USERS: u64 = 40;
const KINDS: [&str; 4] = ["WELCOME", "APPOINTMENT_BOOKED", "APPOINTMENT_REMINDER", "INVOICE_ISSUED"];
const CHANNELS: [&str; 3] = ["EMAIL", "SMS", "IN_APP"];

/// Every read the store issues, with arguments that find something.
fn reads() -> Vec<(&'static str, Read)> {
    let find = |query| Read::Find(query);
    let mut reads = vec![
        (DELIVERIES, find(Store::request_query("r-7"))),
        (DELIVERIES, Read::Count(Store::backlog_filters())),
        (DELIVERIES, find(Store::oldest_query())),
        (DELIVERIES, find(Store::inbox_query("u-1", false, None, 20))),
        (DELIVERIES, find(Store::inbox_query("u-1", true, None, 20))),
        (DELIVERIES, find(Store::inbox_since_query("u-1", 0))),
        (DELIVERIES, Read::Count(Store::unread_filters("u-1"))),
        (DELIVERIES, Read::Count(Store::failed_filters(1_000))),
        (TEMPLATES, find(Store::template_channels_query("WELCOME"))),
        (TEMPLATES, find(Store::unaudited_templates_query(50))),
        (PUSH_SUBSCRIPTIONS, find(Store::endpoint_query("e-7"))),
        (PUSH_SUBSCRIPTIONS, find(Store::user_subscriptions_query("u-1"))),
        (PUSH_SUBSCRIPTIONS, find(Store::subscribed_query(&["u-1", "u-2", "u-3"]))),
    ];
    for query in Store::due_queries(5_000, 16) {
        reads.push((DELIVERIES, find(query)));
    }
    // The admin log, under every combination of its filters.
    for mask in 0..64_u32 {
        let on = |bit: u32| mask & (1 << bit) != 0;
        let filter = DeliveryFilter {
            recipient_id: on(0).then(|| "u-1".to_owned()),
            kind: on(1).then(|| "WELCOME".to_owned()),
            channel: on(2).then(|| "IN_APP".to_owned()),
            status: on(3).then(|| "DELIVERED".to_owned()),
            created_from: on(4).then_some(0),
            created_before: on(5).then_some(i64::MAX),
        };
        reads.push((DELIVERIES, find(Store::deliveries_query(&filter, None, 20))));
    }
    for mask in 0..8_u32 {
        let on = |bit: u32| mask & (1 << bit) != 0;
        let query = Store::templates_query(
            on(0).then_some("WELCOME"),
            on(1).then_some("EMAIL"),
            on(2).then_some("en"),
            None,
            20,
        );
        reads.push((TEMPLATES, find(query)));
    }
    reads
}

/// Mostly delivered history, a queue, and every user's inbox.
async fn populate(store: &Store) {
    let mut random = XorShift(7);
    for i in 0..1_500_i64 {
        let status = match i % 50 {
            0 => "QUEUED",
            1 => "SENDING",
            2 => "FAILED",
            _ => "DELIVERED",
        };
        let delivered = status == "DELIVERED";
        let doc = DeliveryDoc {
            request_id: format!("r-{}", i / 2),
            kind: random.pick(&KINDS).to_owned(),
            recipient_id: format!("u-{}", i as u64 % USERS),
            channel: CHANNELS[(i / 7) as usize % CHANNELS.len()].to_owned(),
            status: status.to_owned(),
            data: BTreeMap::new(),
            sealed: BTreeMap::new(),
            attempts: 1,
            next_attempt_at: i,
            created_at: i,
            language: "en".to_owned(),
            subject: String::new(),
            body: String::new(),
            recipient_contact: String::new(),
            error: String::new(),
            sent_at: delivered.then_some(i),
            read_at: (delivered && i % 3 == 0).then_some(i + 1),
            pushed: Vec::new(),
        };
        store.ensure_delivery(&format!("d-{i:05}"), &doc).await.unwrap();
    }
    for kind in KINDS {
        for channel in CHANNELS {
            for language in ["en", "vi"] {
                let doc = TemplateDoc {
                    kind: kind.to_owned(),
                    channel: channel.to_owned(),
                    language: language.to_owned(),
                    subject: String::new(),
                    body_text: String::new(),
                    body_html: String::new(),
                    ..TemplateDoc::default()
                };
                // One in twelve changed by an admin and not yet in the audit log.
                let doc = if channel == "SMS" && language == "vi" {
                    doc.with_action(hms_kit::admin_audit::AdminActionEvent::default())
                } else {
                    doc
                };
                store.insert_template(&format!("{kind}-{channel}-{language}"), &doc).await.unwrap();
            }
        }
    }
}

/// Two browsers per user.
async fn populate_push(store: &Store) {
    for i in 0..(USERS * 2) {
        let doc = PushSubscriptionDoc {
            user_id: format!("u-{}", i % USERS),
            endpoint_hash: format!("e-{i}"),
            sealed: SealedText { key_id: "k1".into(), sealed: String::new() },
            device_label: String::new(),
            created_at: i as i64,
            updated_at: i as i64,
        };
        store.insert_push_subscription(&format!("s-{i:03}"), &doc).await.unwrap();
    }
}

async fn every_query_reads_an_index(url: &str, planner: Planner) {
    let store = Store::open(url).await.unwrap();
    populate(&store).await;
    populate_push(&store).await;
    let checked = testing::assert_reads_use_indexes(store.docs.as_ref(), &reads(), &Store::indexes(), planner).await;
    println!("{checked} reads checked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_query_reads_an_index_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    every_query_reads_an_index(&format!("sqlite://{}", dir.path().join("n.db").display()), Planner::Faithful).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_query_reads_an_index_on_mongodb() {
    let Some(uri) = testing::mongodb_uri() else { return };
    let planner = Planner::of_mongodb(&uri).await;
    let url = format!("{}/hms_test_{}", uri.trim_end_matches('/'), uuid::Uuid::now_v7().simple());
    every_query_reads_an_index(&url, planner).await;
}
