//! The SQL of reads: filters, sort and keyset paging over `json_extract`
//! expressions, with every value bound as a parameter, and what SQLite's
//! query plan says about them.

use rusqlite::ToSql;
use rusqlite::types::ToSqlOutput;
use serde_json::Value;

use crate::docstore::{Cursor, Filter, ID_INDEX, Order, Plan, Query, Read, fetch_limit};

pub(super) fn find_sql(table: &str, query: &Query, cursor: Option<&Cursor>) -> Sql {
    let mut sql = Sql::new(&format!("SELECT id, version, body FROM {table} WHERE "));
    push_filters(&mut sql, &query.filters);
    if let Some(cursor) = cursor {
        sql.push(" AND ");
        push_after(&mut sql, &query.sort, cursor);
    }
    sql.push(" ORDER BY ");
    for (path, order) in &query.sort {
        sql.push(&format!("{} {}, ", extract(path), direction(*order)));
    }
    sql.push("id ASC LIMIT ").bind(Arg::Int(fetch_limit(query)));
    sql
}

pub(super) fn count_sql(table: &str, filters: &[(String, Filter)]) -> Sql {
    let mut sql = Sql::new(&format!("SELECT COUNT(*) FROM {table} WHERE "));
    push_filters(&mut sql, filters);
    sql
}

/// Reads `EXPLAIN QUERY PLAN` steps: "SEARCH t USING INDEX i (...)" reads a
/// range of index `i`, "SCAN t USING INDEX i" all of it (in its order), and
/// "SCAN t" alone the whole table.
pub(super) fn plan_of(table: &str, steps: Vec<String>, read: &Read) -> Plan {
    let scan = format!("SCAN {table}");
    let steps: Vec<String> = steps.iter().map(|step| step.trim().to_string()).collect();
    let walk = steps.iter().any(|step| step.strip_prefix(&scan).is_some_and(|rest| rest.starts_with(' ')));
    let sorted_afterwards = steps.iter().any(|step| step == "USE TEMP B-TREE FOR ORDER BY");
    let full_scan = steps.contains(&scan) || (walk && read.walks_to_the_end(sorted_afterwards));
    let mut indexes = Vec::new();
    for step in &steps {
        let Some((_, rest)) = step.split_once(" INDEX ") else {
            continue;
        };
        let name = rest.split_whitespace().next().unwrap_or_default().trim_matches('"');
        let name = match name.strip_prefix(table).and_then(|n| n.strip_prefix('.')) {
            Some(spec) => spec.to_string(),
            // SQLite's own index behind `id TEXT PRIMARY KEY`.
            None if name.starts_with("sqlite_autoindex_") => ID_INDEX.to_string(),
            None => name.to_string(),
        };
        if !indexes.contains(&name) {
            indexes.push(name);
        }
    }
    Plan { full_scan, indexes, detail: steps.join("; ") }
}

pub(super) fn direction(order: Order) -> &'static str {
    match order {
        Order::Asc => "ASC",
        Order::Desc => "DESC",
    }
}

pub(super) fn extract(path: &str) -> String {
    format!("json_extract(body, '$.{path}')")
}

fn json_type(path: &str) -> String {
    format!("json_type(body, '$.{path}')")
}

/// A bound parameter; JSON booleans become 0/1 because that is what `json_extract` yields.
pub(super) enum Arg {
    Int(i64),
    Real(f64),
    Text(String),
}

impl ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Arg::Int(v) => ToSqlOutput::from(*v),
            Arg::Real(v) => ToSqlOutput::from(*v),
            Arg::Text(v) => ToSqlOutput::from(v.as_str()),
        })
    }
}

/// SQL text with its positional arguments, built in step.
pub(super) struct Sql {
    pub(super) text: String,
    pub(super) args: Vec<Arg>,
}

impl Sql {
    fn new(text: &str) -> Self {
        Sql { text: text.to_string(), args: Vec::new() }
    }

    fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    fn bind(&mut self, arg: Arg) -> &mut Self {
        self.text.push('?');
        self.args.push(arg);
        self
    }
}

/// Conditions joined with AND; an empty list is "true".
///
/// Every condition keeps `json_extract(body, '$.path')` as a top-level term of
/// the AND, compared with `=`, `IN` or a range, so that SQLite can search an
/// expression index on it; the type guards ride along as further AND terms,
/// which the planner checks on the rows the index yields. An OR anywhere in
/// that chain would make SQLite scan the table (`IN` over OR-ed equalities).
fn push_filters(sql: &mut Sql, filters: &[(String, Filter)]) {
    if filters.is_empty() {
        sql.push("1");
    }
    for (i, (path, filter)) in filters.iter().enumerate() {
        if i > 0 {
            sql.push(" AND ");
        }
        match filter {
            Filter::Eq(v) => push_compare(sql, path, "=", v),
            Filter::In(vs) => push_in(sql, path, vs),
            Filter::Gt(v) => push_compare(sql, path, ">", v),
            Filter::Gte(v) => push_compare(sql, path, ">=", v),
            Filter::Lt(v) => push_compare(sql, path, "<", v),
            Filter::Lte(v) => push_compare(sql, path, "<=", v),
            // json_type distinguishes an explicit null ('null') from a missing field (NULL).
            Filter::Exists(true) => {
                sql.push(&format!("{} IS NOT NULL", json_type(path)));
            }
            Filter::Exists(false) => {
                sql.push(&format!("{} IS NULL", json_type(path)));
            }
        }
    }
}

/// The JSON types a scalar operand matches (MongoDB's type brackets) and its
/// bound form; `None` for null, which matches null and missing values instead.
fn bracket(value: &Value) -> Option<(&'static str, Arg)> {
    match value {
        Value::Bool(b) => Some(("'true', 'false'", Arg::Int(i64::from(*b)))),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Some(("'integer', 'real'", Arg::Int(i))),
            None => Some(("'integer', 'real'", Arg::Real(n.as_f64().unwrap_or(f64::NAN)))),
        },
        Value::String(s) => Some(("'text'", Arg::Text(s.clone()))),
        // Null, and arrays/objects (rejected by validation).
        _ => None,
    }
}

/// `path <op> value`, true only when the stored value is of the operand's type class,
/// mirroring MongoDB's type bracketing (SQLite would otherwise rank every string above
/// every number, and read booleans as the integers 0/1). A null operand (only reachable
/// through `=`) matches null and missing values.
fn push_compare(sql: &mut Sql, path: &str, op: &str, value: &Value) {
    match (value, bracket(value)) {
        (Value::Null, _) => {
            sql.push(&format!("{} IS NULL", extract(path)));
        }
        (_, Some((types, arg))) => {
            sql.push(&format!("({} {op} ", extract(path)))
                .bind(arg)
                .push(&format!(" AND {} IN ({types}))", json_type(path)));
        }
        // Rejected by validation; matching nothing is the safe reading.
        (_, None) => {
            sql.push("0");
        }
    }
}

/// `path IN (values)`: one `IN` list per type class, so that the common case
/// (all operands of one type) is a single indexable `IN`.
fn push_in(sql: &mut Sql, path: &str, values: &[Value]) {
    let mut classes: Vec<(&'static str, Vec<Arg>)> = Vec::new();
    let mut null = false;
    for value in values {
        match bracket(value) {
            Some((types, arg)) => match classes.iter_mut().find(|(t, _)| *t == types) {
                Some((_, args)) => args.push(arg),
                None => classes.push((types, vec![arg])),
            },
            None => null |= value.is_null(),
        }
    }
    let branches = classes.len() + usize::from(null);
    if branches == 0 {
        sql.push("0");
        return;
    }
    if branches > 1 {
        sql.push("(");
    }
    for (i, (types, args)) in classes.into_iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        sql.push(&format!("({} IN (", extract(path)));
        for (j, arg) in args.into_iter().enumerate() {
            if j > 0 {
                sql.push(", ");
            }
            sql.bind(arg);
        }
        sql.push(&format!(") AND {} IN ({types}))", json_type(path)));
    }
    if null {
        if branches > 1 {
            sql.push(" OR ");
        }
        sql.push(&format!("{} IS NULL", extract(path)));
    }
    if branches > 1 {
        sql.push(")");
    }
}

/// Keyset condition "sorts strictly after the cursor" (see the MongoDB twin): NULL sorts
/// first ascending and last descending, in SQLite as in MongoDB.
fn push_after(sql: &mut Sql, sort: &[(String, Order)], cursor: &Cursor) {
    sql.push("(");
    for (i, ((path, order), value)) in sort.iter().zip(&cursor.values).enumerate() {
        if *order == Order::Desc && value.is_null() {
            continue; // nothing sorts after null descending
        }
        push_equal_prefix(sql, sort, cursor, i);
        match order {
            Order::Asc if value.is_null() => {
                sql.push(&format!("{} IS NOT NULL", extract(path)));
            }
            Order::Asc => push_compare(sql, path, ">", value),
            Order::Desc => {
                sql.push("(");
                push_compare(sql, path, "<", value);
                sql.push(&format!(" OR {} IS NULL)", extract(path)));
            }
        }
        sql.push(") OR ");
    }
    push_equal_prefix(sql, sort, cursor, sort.len());
    sql.push("id > ").bind(Arg::Text(cursor.id.clone())).push("))");
}

/// Opens a branch "(k0 = v0 AND ... AND k(n-1) = v(n-1) AND " for the first `n` sort keys.
fn push_equal_prefix(sql: &mut Sql, sort: &[(String, Order)], cursor: &Cursor, n: usize) {
    sql.push("(");
    for ((path, _), value) in sort.iter().zip(&cursor.values).take(n) {
        push_compare(sql, path, "=", value);
        sql.push(" AND ");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keyset_sql_shape() {
        let mut sql = Sql::new("");
        let sort = vec![("a".to_string(), Order::Asc), ("b".to_string(), Order::Desc)];
        let cursor = Cursor { values: vec![json!(1), json!(null)], id: "x".into() };
        push_after(&mut sql, &sort, &cursor);
        assert_eq!(
            sql.text,
            "(((json_extract(body, '$.a') > ? AND json_type(body, '$.a') IN ('integer', 'real'))) OR \
             ((json_extract(body, '$.a') = ? AND json_type(body, '$.a') IN ('integer', 'real')) AND \
             json_extract(body, '$.b') IS NULL AND id > ?))"
        );
        assert_eq!(sql.args.len(), 3);
    }
}
