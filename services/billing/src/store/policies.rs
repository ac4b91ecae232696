//! Insurance policies; their numbers are stored sealed (the caller seals and
//! opens them).

use hms_kit::storage::{Db, StoreError};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct PolicyRow {
    pub id: String,
    pub patient_id: String,
    pub provider_name: String,
    pub company_key: String,
    pub policy_number_key_id: String,
    pub policy_number_sealed: Vec<u8>,
    pub member_id: String,
    pub valid_from: String,
    pub valid_to: String,
    pub coverage_details: String,
    pub active: bool,
    pub created_at: i64,
}

const POLICY_COLUMNS: &str = "id, patient_id, provider_name, company_key, policy_number_key_id, \
                              policy_number_sealed, member_id, valid_from, valid_to, coverage_details, active, \
                              created_at";

fn policy_row(row: &AnyRow) -> Result<PolicyRow, sqlx::Error> {
    Ok(PolicyRow {
        id: row.try_get("id")?,
        patient_id: row.try_get("patient_id")?,
        provider_name: row.try_get("provider_name")?,
        company_key: row.try_get("company_key")?,
        policy_number_key_id: row.try_get("policy_number_key_id")?,
        policy_number_sealed: row.try_get("policy_number_sealed")?,
        member_id: row.try_get("member_id")?,
        valid_from: row.try_get("valid_from")?,
        valid_to: row.try_get("valid_to")?,
        coverage_details: row.try_get("coverage_details")?,
        active: row.try_get::<i64, _>("active")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

pub async fn insert_policy(db: &Db, p: &PolicyRow) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO insurance_policies ({POLICY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ))
    .bind(&p.id)
    .bind(&p.patient_id)
    .bind(&p.provider_name)
    .bind(&p.company_key)
    .bind(&p.policy_number_key_id)
    .bind(&p.policy_number_sealed)
    .bind(&p.member_id)
    .bind(&p.valid_from)
    .bind(&p.valid_to)
    .bind(&p.coverage_details)
    .bind(i64::from(p.active))
    .bind(p.created_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn get_policy(db: &Db, id: &str) -> Result<Option<PolicyRow>, StoreError> {
    let row = sqlx::query(&format!("SELECT {POLICY_COLUMNS} FROM insurance_policies WHERE id = ?"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(policy_row).transpose()?)
}

/// Several policies in one query, in no particular order.
pub async fn policies_by_ids(db: &Db, ids: &[String]) -> Result<Vec<PolicyRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {POLICY_COLUMNS} FROM insurance_policies WHERE id IN ({})",
        hms_kit::storage::placeholders(ids.len())
    );
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(id);
    }
    let rows = query.fetch_all(&db.pool).await?;
    Ok(rows.iter().map(policy_row).collect::<sqlx::Result<_>>()?)
}

pub async fn policies_of(db: &Db, patient_id: &str) -> Result<Vec<PolicyRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {POLICY_COLUMNS} FROM insurance_policies WHERE patient_id = ? ORDER BY created_at, id"
    ))
    .bind(patient_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(policy_row).collect::<sqlx::Result<_>>()?)
}

pub async fn deactivate_policy(db: &Db, id: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE insurance_policies SET active = 0 WHERE id = ?").bind(id).execute(&db.pool).await?;
    Ok(())
}
