//! Holds the reads a service issues to its indexes, on the document store
//! its tests run on (see `docstore::DocumentStore::explain`).

use crate::docstore::{DocumentStore, Filter, IndexSpec, Query, Read};

/// The store a plan check runs on, and what its planner can be asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Planner {
    /// SQLite, or a MongoDB server: their plans are taken as they are.
    Faithful,
    /// SecantusDB, a MongoDB-wire server whose planner uses an index only
    /// when every filtered field lies in that index's leading fields, never
    /// under a top-level `$or` (the second page of any listing), and never
    /// for `$in` on one field with a range on the next.
    Secantus,
}

impl Planner {
    /// Asks the MongoDB-wire server at `uri` who it is (`buildInfo`).
    pub async fn of_mongodb(uri: &str) -> Planner {
        let client = mongodb::Client::with_uri_str(uri).await.expect("connect to MongoDB");
        let info = client.database("admin").run_command(bson::doc! {"buildInfo": 1}).await.expect("buildInfo");
        if info.contains_key("secantusVersion") { Planner::Secantus } else { Planner::Faithful }
    }
}

/// Fails unless every read of `reads` (collection, read) is answered from an
/// index, and so is the second page of every find that has one. On
/// [`Planner::Secantus`] a full scan that a MongoDB server would not make
/// (see [`mongod_would_index`]) is reported rather than failed. Returns the
/// number of reads checked.
pub async fn assert_reads_use_indexes(
    docs: &dyn DocumentStore,
    reads: &[(&str, Read)],
    indexes: &[(&str, IndexSpec)],
    planner: Planner,
) -> usize {
    let mut checked = 0;
    let mut failures = Vec::new();
    for (collection, read) in reads {
        let mut variants = vec![read.clone()];
        if let Read::Find(query) = read {
            let first = Query { limit: 1, ..query.clone() };
            let page = docs.find(collection, &first).await.expect("find");
            assert!(!page.items.is_empty(), "no test data for {collection} {query:?}");
            if let Some(next) = page.next {
                variants.push(Read::Find(Query { after: Some(next), ..query.clone() }));
            }
        }
        for read in variants {
            checked += 1;
            let plan = docs.explain(collection, &read).await.expect("explain");
            if !plan.full_scan {
                continue;
            }
            let declared: Vec<&IndexSpec> =
                indexes.iter().filter(|(c, _)| c == collection).map(|(_, spec)| spec).collect();
            match (planner, mongod_would_index(&read, &declared)) {
                (Planner::Secantus, Some(index)) => {
                    println!("SecantusDB scans where MongoDB would read index {index}: {collection} {read:?}");
                }
                _ => failures.push(format!("{collection} {read:?}\n    {}", plan.detail)),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} reads scan a whole collection:\n{}",
        failures.len(),
        failures.join("\n")
    );
    checked
}

/// The index a MongoDB server would answer `read` from without reading the
/// whole collection, by its planner's rules: an index is a candidate when a
/// top-level filter bounds its first field (the docstore sends filters as one
/// flat document); failing that, a find walks an index whose order is its
/// sort (the docstore ends every non-unique MongoDB index in the `_id`
/// tie-break; `_id_` gives the order of an unsorted find). A count has no
/// order to walk.
pub fn mongod_would_index(read: &Read, indexes: &[&IndexSpec]) -> Option<String> {
    let (filters, sort) = match read {
        Read::Find(query) => (query.filters.as_slice(), Some(query.sort.as_slice())),
        Read::Count(filters) => (filters.as_slice(), None),
    };
    let bounds = |path: &str| filters.iter().any(|(p, f)| p == path && !matches!(f, Filter::Exists(_)));
    if let Some(index) = indexes.iter().find(|ix| bounds(&ix.fields[0].0)) {
        return Some(index.name.clone());
    }
    match sort? {
        [] => Some("_id_".to_owned()),
        // The index's order is `fields, _id ascending`, the sort's `sort, _id
        // ascending`: only the same fields in the same directions match.
        sort => indexes.iter().find(|ix| !ix.unique && ix.fields == sort).map(|ix| ix.name.clone()),
    }
}
