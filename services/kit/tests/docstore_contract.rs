//! One behavioural contract, run against every `DocumentStore` backend.
//!
//! MongoDB: set `HMS_TEST_MONGODB_URI` (e.g. `mongodb://127.0.0.1:27017`); without it
//! the MongoDB suite is skipped, unless `HMS_TEST_REQUIRE_BACKENDS=1` makes that a failure.

use futures::TryStreamExt;
use hms_kit::docstore;

use std::collections::HashSet;
use std::sync::Arc;

use docstore::{DocError, DocumentStore, Filter, ID_INDEX, IndexSpec, Order, Query, Read, Stored, Write};
use serde_json::{Value, json};

/// A store plus whatever must outlive it (the SQLite temp dir).
pub struct Backend {
    pub store: Arc<dyn DocumentStore>,
    _guard: Option<tempfile::TempDir>,
}

pub async fn sqlite_file_backend() -> Option<Backend> {
    let dir = tempfile::tempdir().expect("create temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("docs.db").display());
    let store = docstore::connect(&url).await.expect("open SQLite store");
    Some(Backend { store, _guard: Some(dir) })
}

pub async fn sqlite_memory_backend() -> Option<Backend> {
    let store = docstore::connect("sqlite::memory:").await.expect("open in-memory SQLite store");
    Some(Backend { store, _guard: None })
}

pub async fn mongo_backend() -> Option<Backend> {
    let uri = std::env::var("HMS_TEST_MONGODB_URI").unwrap_or_default();
    if uri.is_empty() {
        if std::env::var("HMS_TEST_REQUIRE_BACKENDS").as_deref() == Ok("1") {
            panic!(
                "HMS_TEST_REQUIRE_BACKENDS=1 but HMS_TEST_MONGODB_URI is not set: \
                 start a MongoDB-compatible server and set HMS_TEST_MONGODB_URI=mongodb://host:port"
            );
        }
        println!("skipping MongoDB docstore contract test: HMS_TEST_MONGODB_URI is not set");
        return None;
    }
    let store = docstore::connect(&uri).await.expect("open MongoDB store");
    store.ping().await.expect("ping MongoDB at HMS_TEST_MONGODB_URI");
    Some(Backend { store, _guard: None })
}

/// Unique per test, so suites can share one server and run in parallel.
pub fn fresh_collection() -> String {
    format!("t_{}", uuid::Uuid::now_v7().simple())
}

/// Expands to one `#[tokio::test]` per contract case, each on a fresh backend from
/// `$backend` (an async expression yielding `Option<Backend>`; `None` skips).
macro_rules! docstore_contract_suite {
    ($suite:ident, $backend:expr) => {
        docstore_contract_suite!(@cases $suite, $backend;
            ping_succeeds,
            insert_get_round_trip,
            duplicate_id_is_rejected,
            unique_index_rejects_duplicates,
            non_unique_index_allows_duplicates,
            ensure_index_is_idempotent_and_detects_redefinition,
            find_filters_on_nested_paths,
            filters_follow_type_brackets,
            sort_with_id_tie_break,
            keyset_paging_returns_each_document_once,
            malformed_cursor_is_rejected,
            count_with_filters,
            replace_bumps_version,
            stale_replace_conflicts_and_keeps_body,
            replace_missing_is_not_found,
            delete_then_delete_again,
            concurrent_replaces_exactly_one_wins,
            invalid_documents_are_rejected,
            invalid_names_are_rejected_without_touching_data,
            invalid_queries_are_rejected,
            explain_tells_index_reads_from_full_scans,
            drop_index_retires_an_index,
            write_many_answers_each_write_as_alone,
            insert_in_order_stops_at_the_first_failure,
            get_many_finds_each_existing_document_once,
        );
    };
    (@cases $suite:ident, $backend:expr; $($case:ident),* $(,)?) => {
        mod $suite {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(backend) = $backend.await else { return };
                    contract::$case(backend.store.clone(), fresh_collection()).await;
                }
            )*
        }
    };
}

docstore_contract_suite!(sqlite_file, sqlite_file_backend());
docstore_contract_suite!(sqlite_memory, sqlite_memory_backend());
docstore_contract_suite!(mongo, mongo_backend());

type Filters = Vec<(String, Filter)>;

fn f(path: &str, filter: Filter) -> (String, Filter) {
    (path.to_string(), filter)
}

fn s(path: &str, order: Order) -> (String, Order) {
    (path.to_string(), order)
}

fn ids(items: &[Stored]) -> Vec<&str> {
    items.iter().map(|d| d.id.as_str()).collect()
}

fn index(name: &str, fields: &[(&str, Order)], unique: bool) -> IndexSpec {
    IndexSpec { name: name.to_string(), fields: fields.iter().map(|(p, o)| (p.to_string(), *o)).collect(), unique }
}

async fn find_ids(store: &dyn DocumentStore, coll: &str, query: Query) -> Vec<String> {
    let page = store.find(coll, &query).await.expect("find");
    assert!(page.next.is_none(), "test queries are expected to fit one page");
    page.items.into_iter().map(|d| d.id).collect()
}

async fn matching(store: &dyn DocumentStore, coll: &str, filters: Filters) -> Vec<String> {
    let n = store.count(coll, &filters).await.expect("count");
    let found = find_ids(store, coll, Query { filters, ..Query::default() }).await;
    assert_eq!(n, found.len() as u64, "count disagrees with find");
    found
}

mod contract {
    use super::*;

    pub async fn ping_succeeds(store: Arc<dyn DocumentStore>, _coll: String) {
        store.ping().await.expect("ping");
    }

    pub async fn insert_get_round_trip(store: Arc<dyn DocumentStore>, coll: String) {
        let body = json!({
            "name": {"given": "Ada", "family": "Lovelace"},
            "age": 36,
            "big": i64::MAX,
            "small": i64::MIN,
            "weight": 61.5,
            "zero": 0.0,
            "active": true,
            "notes": null,
            "tags": ["a", 1, {"deep": {"_x": [1, 2]}}],
            "unicode": "Zoë 🩺",
        });
        let stored = store.insert(&coll, "p1", &body).await.expect("insert");
        assert_eq!(stored, Stored { id: "p1".into(), version: 1, body: body.clone() });

        let got = store.get(&coll, "p1").await.expect("get").expect("present");
        assert_eq!(got, stored);
        // Integers must come back as integers, not floats.
        assert!(got.body["age"].is_i64() && got.body["big"].is_i64() && got.body["small"].is_i64());
        assert!(got.body["weight"].is_f64() && got.body["zero"].is_f64());

        assert_eq!(store.get(&coll, "missing").await.expect("get"), None);
    }

    pub async fn get_many_finds_each_existing_document_once(store: Arc<dyn DocumentStore>, coll: String) {
        // More ids than one SQL statement binds, so the chunks meet.
        let names: Vec<String> = (0..620).map(|i| format!("d{i:04}")).collect();
        let bodies: Vec<Value> = (0..620).map(|i| json!({"n": i})).collect();
        let writes: Vec<Write> =
            names.iter().zip(&bodies).map(|(id, body)| Write::Insert { id: id.as_str(), body }).collect();
        assert!(store.write_many(&coll, &writes).await.iter().all(Result::is_ok));

        let mut wanted: Vec<&str> = names.iter().step_by(2).map(String::as_str).collect();
        wanted.extend(["missing", "d0000", "d0618"]);
        let mut found = store.get_many(&coll, &wanted).await.expect("get_many");
        found.sort_by(|a, b| a.id.cmp(&b.id));
        let expected: Vec<&str> = names.iter().step_by(2).map(String::as_str).collect();
        assert_eq!(ids(&found), expected, "each existing document once, the missing one left out");
        assert!(found.iter().all(|d| d.version == 1 && d.body["n"] == json!(d.id[1..].parse::<i64>().unwrap())));

        assert!(store.get_many(&coll, &[]).await.expect("no ids").is_empty());
        assert!(store.get_many(&fresh_collection(), &["d0001"]).await.expect("no collection").is_empty());
    }

    pub async fn write_many_answers_each_write_as_alone(store: Arc<dyn DocumentStore>, coll: String) {
        store.insert(&coll, "old", &json!({"v": 1})).await.expect("insert");
        let by_mrn = index("by_mrn", &[("mrn", Order::Asc)], true);
        store.ensure_index(&coll, &by_mrn).await.expect("ensure unique index");
        let (a, b, dup, taken, old2, stale) = (
            json!({"v": "a"}),
            json!({"v": "b"}),
            json!({"v": "dup"}),
            json!({"mrn": 7}),
            json!({"v": 2}),
            json!({"v": 3}),
        );
        let results = store
            .write_many(
                &coll,
                &[
                    Write::Insert { id: "a", body: &a },
                    Write::Insert { id: "old", body: &dup },
                    Write::Insert { id: "m1", body: &taken },
                    Write::Insert { id: "m2", body: &taken },
                    Write::Replace { id: "old", body: &old2, expected_version: 1 },
                    Write::Replace { id: "old", body: &stale, expected_version: 1 },
                    Write::Replace { id: "gone", body: &b, expected_version: 1 },
                    Write::Insert { id: "", body: &b },
                    Write::Insert { id: "b", body: &b },
                ],
            )
            .await;
        assert_eq!(results.len(), 9, "one answer per write");
        assert_eq!(results[0].as_ref().unwrap().version, 1);
        assert!(matches!(&results[1], Err(DocError::AlreadyExists { index }) if index == ID_INDEX), "{:?}", results[1]);
        assert!(results[2].is_ok());
        assert!(matches!(&results[3], Err(DocError::AlreadyExists { index }) if index == "by_mrn"), "{:?}", results[3]);
        assert_eq!(results[4].as_ref().unwrap().version, 2);
        assert!(matches!(results[5], Err(DocError::VersionConflict { expected: 1, actual: 2 })), "{:?}", results[5]);
        assert!(matches!(results[6], Err(DocError::NotFound)), "{:?}", results[6]);
        assert!(matches!(results[7], Err(DocError::InvalidDocument(_))), "{:?}", results[7]);
        assert!(results[8].is_ok(), "a failed write fails none after it");
        let got = |id: &'static str| {
            let store = store.clone();
            let coll = coll.clone();
            async move { store.get(&coll, id).await.unwrap().map(|s| (s.version, s.body)) }
        };
        assert_eq!(got("old").await, Some((2, json!({"v": 2}))));
        assert_eq!(got("a").await, Some((1, json!({"v": "a"}))));
        assert_eq!(got("b").await, Some((1, json!({"v": "b"}))));
        assert_eq!(got("m2").await, None);
        assert!(store.write_many(&coll, &[]).await.is_empty());
    }

    pub async fn insert_in_order_stops_at_the_first_failure(store: Arc<dyn DocumentStore>, coll: String) {
        store.insert(&coll, "3", &json!({"n": 0})).await.expect("insert");
        let bodies: Vec<Value> = (1..=4).map(|n| json!({"n": n})).collect();
        let docs: Vec<(&str, &Value)> = ["1", "2", "3", "4"].into_iter().zip(&bodies).collect();
        let results = store.insert_in_order(&coll, &docs).await;
        assert_eq!(results.len(), 3, "nothing is tried after the failure: {results:?}");
        assert_eq!(results[1].as_ref().unwrap().body, json!({"n": 2}));
        assert!(matches!(&results[2], Err(DocError::AlreadyExists { index }) if index == ID_INDEX), "{:?}", results[2]);
        let stored = |id: &'static str| {
            let store = store.clone();
            let coll = coll.clone();
            async move { store.get(&coll, id).await.unwrap().map(|s| s.body) }
        };
        assert_eq!(stored("2").await, Some(json!({"n": 2})));
        assert_eq!(stored("3").await, Some(json!({"n": 0})), "the taken one is untouched");
        assert_eq!(stored("4").await, None, "no document after a failed one is stored");
        let bad = json!({"_reserved": 1});
        let results = store.insert_in_order(&coll, &[("5", &bodies[0]), ("6", &bad), ("7", &bodies[1])]).await;
        assert_eq!(results.len(), 2);
        assert!(matches!(results[1], Err(DocError::InvalidDocument(_))), "{:?}", results[1]);
        assert_eq!((stored("5").await.is_some(), stored("7").await), (true, None));
        assert!(store.insert_in_order(&coll, &[]).await.is_empty());
    }

    pub async fn duplicate_id_is_rejected(store: Arc<dyn DocumentStore>, coll: String) {
        store.insert(&coll, "a", &json!({"v": 1})).await.expect("insert");
        let err = store.insert(&coll, "a", &json!({"v": 2})).await.unwrap_err();
        assert!(matches!(&err, DocError::AlreadyExists { index } if index == ID_INDEX), "{err:?}");
        let got = store.get(&coll, "a").await.unwrap().unwrap();
        assert_eq!((got.version, got.body), (1, json!({"v": 1})));
    }

    pub async fn unique_index_rejects_duplicates(store: Arc<dyn DocumentStore>, coll: String) {
        let by_mrn = index("by_mrn", &[("ids.mrn", Order::Asc)], true);
        store.ensure_index(&coll, &by_mrn).await.expect("ensure unique index");
        store.insert(&coll, "a", &json!({"ids": {"mrn": "M1"}})).await.unwrap();

        let err = store.insert(&coll, "b", &json!({"ids": {"mrn": "M1"}})).await.unwrap_err();
        assert!(matches!(&err, DocError::AlreadyExists { index } if index == "by_mrn"), "{err:?}");
        assert_eq!(store.get(&coll, "b").await.unwrap(), None);

        // Documents without the indexed field never collide.
        store.insert(&coll, "c", &json!({"other": 1})).await.expect("missing field 1");
        store.insert(&coll, "d", &json!({"other": 2})).await.expect("missing field 2");

        // A replace into a taken key is rejected as well, leaving the document as it was.
        let err = store.replace(&coll, "c", &json!({"ids": {"mrn": "M1"}}), 1).await.unwrap_err();
        assert!(matches!(&err, DocError::AlreadyExists { index } if index == "by_mrn"), "{err:?}");
        let c = store.get(&coll, "c").await.unwrap().unwrap();
        assert_eq!((c.version, c.body), (1, json!({"other": 1})));

        // Compound: only the full combination must be unique.
        let by_bed = index("by_bed", &[("ward", Order::Asc), ("bed", Order::Desc)], true);
        store.ensure_index(&coll, &by_bed).await.expect("ensure compound index");
        store.insert(&coll, "w1", &json!({"ward": "A", "bed": 1})).await.unwrap();
        store.insert(&coll, "w2", &json!({"ward": "A", "bed": 2})).await.unwrap();
        store.insert(&coll, "w3", &json!({"ward": "B", "bed": 1})).await.unwrap();
        let err = store.insert(&coll, "w4", &json!({"ward": "A", "bed": 2})).await.unwrap_err();
        assert!(matches!(&err, DocError::AlreadyExists { index } if index == "by_bed"), "{err:?}");

        // Creating a unique index over existing duplicates fails.
        store.insert(&coll, "x1", &json!({"dup": 7})).await.unwrap();
        store.insert(&coll, "x2", &json!({"dup": 7})).await.unwrap();
        let by_dup = index("by_dup", &[("dup", Order::Asc)], true);
        let err = store.ensure_index(&coll, &by_dup).await.unwrap_err();
        assert!(matches!(err, DocError::AlreadyExists { .. }), "{err:?}");
    }

    pub async fn non_unique_index_allows_duplicates(store: Arc<dyn DocumentStore>, coll: String) {
        let by_ward = index("by_ward", &[("ward", Order::Asc), ("since", Order::Desc)], false);
        store.ensure_index(&coll, &by_ward).await.expect("ensure index");
        for id in ["a", "b", "c"] {
            store.insert(&coll, id, &json!({"ward": "A", "since": 1})).await.expect("insert");
        }
        let found = matching(store.as_ref(), &coll, vec![f("ward", Filter::Eq(json!("A")))]).await;
        assert_eq!(found, ["a", "b", "c"]);
    }

    pub async fn ensure_index_is_idempotent_and_detects_redefinition(store: Arc<dyn DocumentStore>, coll: String) {
        let spec = index("by_x", &[("x", Order::Asc)], true);
        store.ensure_index(&coll, &spec).await.expect("first");
        store.ensure_index(&coll, &spec).await.expect("second, identical");
        let other = index("by_x", &[("x", Order::Desc)], false);
        assert!(store.ensure_index(&coll, &other).await.is_err(), "redefinition accepted");
        // The original definition still holds.
        store.insert(&coll, "a", &json!({"x": 1})).await.unwrap();
        assert!(store.insert(&coll, "b", &json!({"x": 1})).await.is_err());
    }

    async fn seed_patients(store: &dyn DocumentStore, coll: &str) {
        let docs = [
            ("p1", json!({"name": {"family": "Adams"}, "vitals": {"hr": 9, "temp": 36.6}, "ward": "A"})),
            ("p2", json!({"name": {"family": "Baker"}, "vitals": {"hr": 10, "temp": 38.1}, "ward": "B"})),
            ("p3", json!({"name": {"family": "adams"}, "vitals": {"hr": 70}, "ward": "A"})),
            ("p4", json!({"name": {"family": "Clark"}, "vitals": {"hr": 70.0, "temp": null}})),
            ("p5", json!({"name": {"family": "Baker"}, "vitals": {}, "ward": null})),
        ];
        for (id, body) in docs {
            store.insert(coll, id, &body).await.expect("seed");
        }
    }

    pub async fn find_filters_on_nested_paths(store: Arc<dyn DocumentStore>, coll: String) {
        let store = store.as_ref();
        seed_patients(store, &coll).await;
        let cases: Vec<(Filters, Vec<&str>)> = vec![
            (vec![f("name.family", Filter::Eq(json!("Baker")))], vec!["p2", "p5"]),
            // Integers and floats compare numerically.
            (vec![f("vitals.hr", Filter::Eq(json!(70)))], vec!["p3", "p4"]),
            (vec![f("vitals.hr", Filter::Eq(json!(70.0)))], vec!["p3", "p4"]),
            (vec![f("vitals.hr", Filter::In(vec![json!(9), json!(70)]))], vec!["p1", "p3", "p4"]),
            (vec![f("vitals.hr", Filter::In(vec![]))], vec![]),
            // Numeric, not lexicographic: 9 < 10.
            (vec![f("vitals.hr", Filter::Gt(json!(9)))], vec!["p2", "p3", "p4"]),
            (vec![f("vitals.hr", Filter::Gte(json!(9)))], vec!["p1", "p2", "p3", "p4"]),
            (vec![f("vitals.hr", Filter::Lt(json!(10)))], vec!["p1"]),
            (vec![f("vitals.hr", Filter::Lte(json!(10.0)))], vec!["p1", "p2"]),
            (vec![f("vitals.temp", Filter::Gt(json!(37)))], vec!["p2"]),
            // Several conditions on one path all apply.
            (vec![f("vitals.hr", Filter::Gt(json!(9))), f("vitals.hr", Filter::Lt(json!(70)))], vec!["p2"]),
            // Strings compare by bytes: uppercase sorts before lowercase.
            (vec![f("name.family", Filter::Lt(json!("B")))], vec!["p1"]),
            (vec![f("name.family", Filter::Gte(json!("Baker")))], vec!["p2", "p3", "p4", "p5"]),
            // An explicit null exists; a missing field does not.
            (vec![f("vitals.temp", Filter::Exists(true))], vec!["p1", "p2", "p4"]),
            (vec![f("vitals.temp", Filter::Exists(false))], vec!["p3", "p5"]),
            (vec![f("ward", Filter::Exists(false))], vec!["p4"]),
            // Eq(null) matches both explicit null and missing.
            (vec![f("ward", Filter::Eq(Value::Null))], vec!["p4", "p5"]),
            (vec![f("ward", Filter::In(vec![Value::Null, json!("B")]))], vec!["p2", "p4", "p5"]),
            (vec![f("ward", Filter::Eq(json!("A"))), f("vitals.hr", Filter::Gte(json!(10)))], vec!["p3"]),
            (vec![f("name.family.deeper", Filter::Exists(true))], vec![]),
            (vec![], vec!["p1", "p2", "p3", "p4", "p5"]),
        ];
        for (filters, expected) in cases {
            let label = format!("{filters:?}");
            assert_eq!(matching(store, &coll, filters).await, expected, "{label}");
        }
    }

    pub async fn filters_follow_type_brackets(store: Arc<dyn DocumentStore>, coll: String) {
        let store = store.as_ref();
        for (id, v) in [("n", json!(7)), ("s", json!("7")), ("t", json!(true)), ("f", json!(false)), ("one", json!(1))]
        {
            store.insert(&coll, id, &json!({"v": v})).await.unwrap();
        }
        let cases: Vec<(Filter, Vec<&str>)> = vec![
            (Filter::Gt(json!(0)), vec!["n", "one"]),
            (Filter::Gte(json!("")), vec!["s"]),
            (Filter::Eq(json!(true)), vec!["t"]),
            (Filter::Eq(json!(1)), vec!["one"]),
            (Filter::Gt(json!(false)), vec!["t"]),
            (Filter::In(vec![json!("7"), json!(false)]), vec!["f", "s"]),
        ];
        for (filter, expected) in cases {
            let label = format!("{filter:?}");
            assert_eq!(matching(store, &coll, vec![f("v", filter)]).await, expected, "{label}");
        }
    }

    pub async fn sort_with_id_tie_break(store: Arc<dyn DocumentStore>, coll: String) {
        let store = store.as_ref();
        let docs = [
            ("e", json!({"p": {"rank": 2}, "name": "x"})),
            ("b", json!({"p": {"rank": 1}, "name": "y"})),
            ("d", json!({"p": {"rank": 2}, "name": "y"})),
            ("a", json!({"p": {"rank": 2.5}, "name": "x"})),
            ("c", json!({"p": {"rank": 1}, "name": "x"})),
            ("f", json!({"name": "z"})),
            ("g", json!({"p": {"rank": null}, "name": "x"})),
        ];
        for (id, body) in docs {
            store.insert(&coll, id, &body).await.unwrap();
        }
        let sorted = |sort| Query { sort, ..Query::default() };
        // Missing and null sort first ascending, last descending; id breaks ties ascending.
        assert_eq!(
            find_ids(store, &coll, sorted(vec![s("p.rank", Order::Asc)])).await,
            ["f", "g", "b", "c", "d", "e", "a"]
        );
        assert_eq!(
            find_ids(store, &coll, sorted(vec![s("p.rank", Order::Desc)])).await,
            ["a", "d", "e", "b", "c", "f", "g"]
        );
        assert_eq!(
            find_ids(store, &coll, sorted(vec![s("name", Order::Desc), s("p.rank", Order::Asc)])).await,
            ["f", "b", "d", "g", "c", "e", "a"]
        );
        assert_eq!(find_ids(store, &coll, sorted(vec![])).await, ["a", "b", "c", "d", "e", "f", "g"]);
    }

    pub async fn keyset_paging_returns_each_document_once(store: Arc<dyn DocumentStore>, coll: String) {
        let store = store.as_ref();
        for i in 0..25 {
            let mut body = json!({"label": format!("item-{:02}", 24 - i), "even": i % 2 == 0});
            // Gaps (missing keys) around page boundaries exercise the null handling.
            if i % 6 != 5 {
                body["n"] = json!(i % 7);
            }
            if i % 5 == 0 {
                body["group"] = json!({"g": (i % 3) as f64 * 1.5});
            }
            store.insert(&coll, &format!("doc-{i:02}"), &body).await.unwrap();
        }
        let sorts = vec![
            vec![],
            vec![s("n", Order::Asc)],
            vec![s("n", Order::Desc)],
            vec![s("group.g", Order::Asc), s("n", Order::Desc)],
            vec![s("group.g", Order::Desc), s("label", Order::Asc)],
            vec![s("even", Order::Desc), s("n", Order::Asc)],
        ];
        for sort in sorts {
            let full = store.find(&coll, &Query { sort: sort.clone(), ..Query::default() }).await.unwrap();
            assert_eq!(full.items.len(), 25);
            assert!(full.next.is_none());

            let mut seen = Vec::new();
            let mut sizes = Vec::new();
            let mut after = None;
            loop {
                let page = store
                    .find(&coll, &Query { sort: sort.clone(), limit: 10, after, ..Query::default() })
                    .await
                    .unwrap();
                sizes.push(page.items.len());
                seen.extend(page.items.into_iter().map(|d| d.id));
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
                assert!(sizes.len() < 10, "paging does not terminate for {sort:?}");
            }
            assert_eq!(sizes, [10, 10, 5], "{sort:?}");
            assert_eq!(seen, ids(&full.items), "{sort:?}");
        }

        // Paging composes with filters.
        let filters = vec![f("n", Filter::Gte(json!(3)))];
        let expected = store.count(&coll, &filters).await.unwrap() as usize;
        let mut seen = HashSet::new();
        let mut after = None;
        loop {
            let query = Query { filters: filters.clone(), sort: vec![s("label", Order::Desc)], limit: 4, after };
            let page = store.find(&coll, &query).await.unwrap();
            for d in page.items {
                assert!(d.body["n"].as_i64().unwrap() >= 3);
                assert!(seen.insert(d.id), "duplicate across pages");
            }
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(seen.len(), expected);
    }

    pub async fn malformed_cursor_is_rejected(store: Arc<dyn DocumentStore>, coll: String) {
        store.insert(&coll, "a", &json!({"n": 1})).await.unwrap();
        store.insert(&coll, "b", &json!({"n": 2})).await.unwrap();
        let page =
            store.find(&coll, &Query { sort: vec![s("n", Order::Asc)], limit: 1, ..Query::default() }).await.unwrap();
        let cursor = page.next.expect("a second page");
        let bad_cursors = [
            "!!not base64!!".to_string(),
            String::new(),
            // A cursor from a query with a different number of sort keys.
            cursor.clone(),
        ];
        for (i, after) in bad_cursors.into_iter().enumerate() {
            let sort = if i == 2 { vec![] } else { vec![s("n", Order::Asc)] };
            let err = store.find(&coll, &Query { sort, after: Some(after), ..Query::default() }).await.unwrap_err();
            assert!(matches!(err, DocError::InvalidDocument(_)), "{err:?}");
        }
    }

    pub async fn count_with_filters(store: Arc<dyn DocumentStore>, coll: String) {
        assert_eq!(store.count(&coll, &[]).await.unwrap(), 0);
        for i in 0..12 {
            store.insert(&coll, &format!("d{i}"), &json!({"m": {"k": i}})).await.unwrap();
        }
        assert_eq!(store.count(&coll, &[]).await.unwrap(), 12);
        assert_eq!(store.count(&coll, &[f("m.k", Filter::Lt(json!(5)))]).await.unwrap(), 5);
        assert_eq!(
            store.count(&coll, &[f("m.k", Filter::Gte(json!(5))), f("m.k", Filter::Lte(json!(6.5)))]).await.unwrap(),
            2
        );
        assert_eq!(store.count(&coll, &[f("m.x", Filter::Exists(true))]).await.unwrap(), 0);
    }

    pub async fn replace_bumps_version(store: Arc<dyn DocumentStore>, coll: String) {
        store.insert(&coll, "a", &json!({"v": 1, "keep": "no"})).await.unwrap();
        let r = store.replace(&coll, "a", &json!({"v": 2}), 1).await.expect("replace");
        assert_eq!((r.version, &r.body), (2, &json!({"v": 2})));
        let got = store.get(&coll, "a").await.unwrap().unwrap();
        assert_eq!(got, r, "replace swaps the whole body");
        let r = store.replace(&coll, "a", &json!({"v": 3}), 2).await.expect("replace again");
        assert_eq!(r.version, 3);
        assert_eq!(store.get(&coll, "a").await.unwrap().unwrap().version, 3);
    }

    pub async fn stale_replace_conflicts_and_keeps_body(store: Arc<dyn DocumentStore>, coll: String) {
        store.insert(&coll, "a", &json!({"v": 1})).await.unwrap();
        store.replace(&coll, "a", &json!({"v": 2}), 1).await.unwrap();
        let err = store.replace(&coll, "a", &json!({"v": "stale"}), 1).await.unwrap_err();
        assert!(matches!(err, DocError::VersionConflict { expected: 1, actual: 2 }), "{err:?}");
        let err = store.replace(&coll, "a", &json!({"v": "future"}), 7).await.unwrap_err();
        assert!(matches!(err, DocError::VersionConflict { expected: 7, actual: 2 }), "{err:?}");
        let got = store.get(&coll, "a").await.unwrap().unwrap();
        assert_eq!((got.version, got.body), (2, json!({"v": 2})));
    }

    pub async fn replace_missing_is_not_found(store: Arc<dyn DocumentStore>, coll: String) {
        let err = store.replace(&coll, "ghost", &json!({"v": 1}), 1).await.unwrap_err();
        assert!(matches!(err, DocError::NotFound), "{err:?}");
        assert_eq!(store.get(&coll, "ghost").await.unwrap(), None, "replace must not upsert");
    }

    pub async fn delete_then_delete_again(store: Arc<dyn DocumentStore>, coll: String) {
        store.insert(&coll, "a", &json!({"v": 1})).await.unwrap();
        store.insert(&coll, "b", &json!({"v": 1})).await.unwrap();
        assert!(store.delete(&coll, "a").await.unwrap());
        assert!(!store.delete(&coll, "a").await.unwrap());
        assert_eq!(store.get(&coll, "a").await.unwrap(), None);
        assert!(store.get(&coll, "b").await.unwrap().is_some(), "delete touched another document");
        assert!(matches!(store.replace(&coll, "a", &json!({}), 1).await, Err(DocError::NotFound)));
        // The id is free again and starts over at version 1.
        assert_eq!(store.insert(&coll, "a", &json!({"v": 9})).await.unwrap().version, 1);
    }

    pub async fn concurrent_replaces_exactly_one_wins(store: Arc<dyn DocumentStore>, coll: String) {
        store.insert(&coll, "a", &json!({"writer": -1})).await.unwrap();
        let barrier = Arc::new(tokio::sync::Barrier::new(10));
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let (store, coll, barrier) = (store.clone(), coll.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.replace(&coll, "a", &json!({"writer": i}), 1).await
                })
            })
            .collect();
        let mut winners = Vec::new();
        for task in tasks {
            match task.await.expect("task panicked") {
                Ok(stored) => winners.push(stored),
                Err(DocError::VersionConflict { expected: 1, actual: 2 }) => {}
                Err(other) => panic!("unexpected error: {other:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "exactly one writer must win");
        let got = store.get(&coll, "a").await.unwrap().unwrap();
        assert_eq!(got, winners[0]);
        assert_eq!(got.version, 2);
    }

    pub async fn invalid_documents_are_rejected(store: Arc<dyn DocumentStore>, coll: String) {
        store.insert(&coll, "ok", &json!({"v": 1})).await.unwrap();
        let bad_bodies = [
            json!(null),
            json!([1, 2]),
            json!("text"),
            json!(42),
            json!({"_id": "x"}),
            json!({"_v": 3}),
            json!({"_private": true}),
            json!({"a": {"b.c": 1}}),
            json!({"a": [{"$set": 1}]}),
            json!({"huge": u64::MAX}),
        ];
        for body in &bad_bodies {
            let err = store.insert(&coll, "new", body).await.unwrap_err();
            assert!(matches!(err, DocError::InvalidDocument(_)), "insert {body}: {err:?}");
            let err = store.replace(&coll, "ok", body, 1).await.unwrap_err();
            assert!(matches!(err, DocError::InvalidDocument(_)), "replace {body}: {err:?}");
        }
        let err = store.insert(&coll, "", &json!({})).await.unwrap_err();
        assert!(matches!(err, DocError::InvalidDocument(_)), "empty id: {err:?}");
        assert_eq!(store.get(&coll, "new").await.unwrap(), None);
        let ok = store.get(&coll, "ok").await.unwrap().unwrap();
        assert_eq!((ok.version, ok.body), (1, json!({"v": 1})));
        assert_eq!(store.count(&coll, &[]).await.unwrap(), 1);
    }

    pub async fn invalid_names_are_rejected_without_touching_data(store: Arc<dyn DocumentStore>, coll: String) {
        let store = store.as_ref();
        store.insert(&coll, "a", &json!({"v": 1})).await.unwrap();
        let bad_collections = [
            String::new(),
            "Upper".to_string(),
            "1abc".to_string(),
            "has-dash".to_string(),
            "_under".to_string(),
            format!("{coll}; DROP TABLE doc_{coll}"),
            format!("{coll} --"),
            "x".repeat(65),
        ];
        let spec = index("ix", &[("v", Order::Asc)], false);
        for bad in &bad_collections {
            let invalid = |r: Result<(), DocError>| matches!(r, Err(DocError::InvalidDocument(_)));
            assert!(invalid(store.insert(bad, "a", &json!({})).await.map(drop)), "insert {bad:?}");
            assert!(invalid(store.get(bad, "a").await.map(drop)), "get {bad:?}");
            assert!(invalid(store.find(bad, &Query::default()).await.map(drop)), "find {bad:?}");
            assert!(invalid(store.count(bad, &[]).await.map(drop)), "count {bad:?}");
            assert!(invalid(store.replace(bad, "a", &json!({}), 1).await.map(drop)), "replace {bad:?}");
            assert!(invalid(store.delete(bad, "a").await.map(drop)), "delete {bad:?}");
            assert!(invalid(store.ensure_index(bad, &spec).await), "ensure_index {bad:?}");
        }

        let bad_paths = ["", "v') OR 1=1 --", "v' || '", "a..b", "a.", "_id", "_v", "$where", "a b", "a.0", "a[0]"];
        for path in bad_paths {
            let invalid = |r: Result<(), DocError>| matches!(r, Err(DocError::InvalidDocument(_)));
            let filters = vec![f(path, Filter::Exists(true))];
            assert!(invalid(store.count(&coll, &filters).await.map(drop)), "count {path:?}");
            let query = Query { filters, ..Query::default() };
            assert!(invalid(store.find(&coll, &query).await.map(drop)), "filter {path:?}");
            let query = Query { sort: vec![s(path, Order::Asc)], ..Query::default() };
            assert!(invalid(store.find(&coll, &query).await.map(drop)), "sort {path:?}");
            let spec = index("ix", &[(path, Order::Asc)], true);
            assert!(invalid(store.ensure_index(&coll, &spec).await), "index {path:?}");
        }
        for name in ["", "bad name", "x'y", "_x", "a.b"] {
            let spec = index(name, &[("v", Order::Asc)], true);
            let err = store.ensure_index(&coll, &spec).await.unwrap_err();
            assert!(matches!(err, DocError::InvalidDocument(_)), "index name {name:?}: {err:?}");
        }
        let err = store.ensure_index(&coll, &index("empty", &[], false)).await.unwrap_err();
        assert!(matches!(err, DocError::InvalidDocument(_)), "{err:?}");

        // Nothing was dropped, altered or constrained along the way.
        let a = store.get(&coll, "a").await.unwrap().unwrap();
        assert_eq!((a.version, a.body), (1, json!({"v": 1})));
        store.insert(&coll, "b", &json!({"v": 1})).await.expect("no unique index was created");
        assert_eq!(store.count(&coll, &[]).await.unwrap(), 2);
    }

    pub async fn invalid_queries_are_rejected(store: Arc<dyn DocumentStore>, coll: String) {
        store.insert(&coll, "a", &json!({"v": 1})).await.unwrap();
        let bad_filters = [
            Filter::Gt(Value::Null),
            Filter::Lte(Value::Null),
            Filter::Eq(json!({"a": 1})),
            Filter::Eq(json!([1])),
            Filter::In(vec![json!(1), json!({"$gt": 0})]),
            Filter::Gte(json!(u64::MAX)),
        ];
        for filter in bad_filters {
            let label = format!("{filter:?}");
            let filters = vec![f("v", filter)];
            let err = store.count(&coll, &filters).await.unwrap_err();
            assert!(matches!(err, DocError::InvalidDocument(_)), "{label}: {err:?}");
            let err = store.find(&coll, &Query { filters, ..Query::default() }).await.unwrap_err();
            assert!(matches!(err, DocError::InvalidDocument(_)), "{label}: {err:?}");
        }
        let zero = Query { limit: 0, ..Query::default() };
        assert!(matches!(store.find(&coll, &zero).await, Err(DocError::InvalidDocument(_))));
        let twice = Query { sort: vec![s("v", Order::Asc), s("v", Order::Desc)], ..Query::default() };
        assert!(matches!(store.find(&coll, &twice).await, Err(DocError::InvalidDocument(_))));
    }

    pub async fn explain_tells_index_reads_from_full_scans(store: Arc<dyn DocumentStore>, coll: String) {
        let by_ward = index("by_ward", &[("ward", Order::Asc), ("since", Order::Desc)], false);
        store.ensure_index(&coll, &by_ward).await.unwrap();
        store.ensure_index(&coll, &index("by_since", &[("since", Order::Desc)], false)).await.unwrap();
        for i in 0..40 {
            let ward = ["A", "B", "C", "D"][i % 4];
            let body = json!({"ward": ward, "since": i, "other": i});
            store.insert(&coll, &format!("d{i:02}"), &body).await.unwrap();
        }
        let find = |filters: Filters, sort| Read::Find(Query { filters, sort, limit: 10, after: None });
        let indexed = [
            find(vec![f("ward", Filter::Eq(json!("A")))], vec![s("since", Order::Desc)]),
            find(vec![f("ward", Filter::Eq(json!("A"))), f("since", Filter::Gte(json!(10)))], vec![]),
            Read::Count(vec![f("ward", Filter::In(vec![json!("A"), json!("B")]))]),
            Read::Count(vec![f("ward", Filter::Eq(json!("A"))), f("since", Filter::Lt(json!(5)))]),
        ];
        for read in indexed {
            let plan = store.explain(&coll, &read).await.expect("explain");
            assert!(!plan.full_scan && plan.indexes.contains(&"by_ward".to_string()), "{read:?}: {plan:?}");
        }
        // A plain listing reads its page off the index in order (MongoDB: the
        // index ends in the `_id` tie-break), rather than sorting everything.
        let listing = find(vec![], vec![s("since", Order::Desc)]);
        let plan = store.explain(&coll, &listing).await.expect("explain");
        assert!(!plan.full_scan && plan.indexes == ["by_since"], "{plan:?}");
        // No index on `other`: a count reads everything, and so does a find
        // sorted on it (the page is known only once every row is sorted).
        let scans = [
            find(vec![f("other", Filter::Eq(json!(3)))], vec![s("other", Order::Asc)]),
            Read::Count(vec![f("other", Filter::Gt(json!(3)))]),
        ];
        for read in scans {
            let plan = store.explain(&coll, &read).await.expect("explain");
            assert!(plan.full_scan, "{read:?}: {plan:?}");
        }
        let err = store.explain("Bad", &Read::Count(vec![])).await.unwrap_err();
        assert!(matches!(err, DocError::InvalidDocument(_)), "{err:?}");
        let err = store.explain(&coll, &Read::Count(vec![f("v", Filter::Gt(Value::Null))])).await.unwrap_err();
        assert!(matches!(err, DocError::InvalidDocument(_)), "{err:?}");
    }

    pub async fn drop_index_retires_an_index(store: Arc<dyn DocumentStore>, coll: String) {
        store.ensure_index(&coll, &index("by_x", &[("x", Order::Asc)], true)).await.unwrap();
        store.insert(&coll, "a", &json!({"x": 1})).await.unwrap();
        assert!(store.drop_index(&coll, "by_x").await.expect("drop"));
        store.insert(&coll, "b", &json!({"x": 1})).await.expect("the constraint went with the index");
        assert!(!store.drop_index(&coll, "by_x").await.expect("drop again"));
        assert!(!store.drop_index(&fresh_collection(), "by_x").await.expect("no such collection"));
        // The name is free for a new definition.
        store.ensure_index(&coll, &index("by_x", &[("x", Order::Desc)], false)).await.expect("redefine");
        let err = store.drop_index(&coll, "x'; DROP TABLE t").await.unwrap_err();
        assert!(matches!(err, DocError::InvalidDocument(_)), "{err:?}");
        assert_eq!(store.count(&coll, &[]).await.unwrap(), 2);
    }
}

/// MongoDB indexes made before they ended in the `_id` tie-break are rebuilt
/// by `ensure_index`; another definition under the name is still refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongo_indexes_of_the_previous_version_are_rebuilt() {
    let Some(backend) = mongo_backend().await else { return };
    let uri = std::env::var("HMS_TEST_MONGODB_URI").unwrap();
    let db = mongodb::Client::with_uri_str(&uri).await.unwrap().database("hms");
    let coll = fresh_collection();
    let raw = db.collection::<bson::Document>(&coll);
    let old = |keys| {
        mongodb::IndexModel::builder()
            .keys(keys)
            .options(mongodb::options::IndexOptions::builder().name("by_ward".to_string()).build())
    };
    raw.create_index(old(bson::doc! {"ward": 1, "since": -1}).build()).await.unwrap();
    raw.insert_one(bson::doc! {"_id": "a", "_v": 1_i64, "ward": "A", "since": 3}).await.unwrap();

    let by_ward = index("by_ward", &[("ward", Order::Asc), ("since", Order::Desc)], false);
    backend.store.ensure_index(&coll, &by_ward).await.expect("rebuilt");
    backend.store.ensure_index(&coll, &by_ward).await.expect("and then left alone");
    let keys: Vec<bson::Document> = raw
        .list_indexes()
        .await
        .unwrap()
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .into_iter()
        .filter(|ix| ix.options.as_ref().and_then(|o| o.name.as_deref()) == Some("by_ward"))
        .map(|ix| ix.keys)
        .collect();
    assert_eq!(keys, [bson::doc! {"ward": 1, "since": -1, "_id": 1}]);
    let query = Query { filters: vec![f("ward", Filter::Eq(json!("A")))], ..Query::default() };
    assert_eq!(ids(&backend.store.find(&coll, &query).await.unwrap().items), ["a"]);

    let other = index("by_ward", &[("ward", Order::Desc)], false);
    assert!(backend.store.ensure_index(&coll, &other).await.is_err(), "a different definition replaced it");
}
