//! `AdminService`: the system configuration and the admin audit log, for
//! admins (the access policy admits no other role).

use hms_kit::auth::{client_address, principal, role_name};
use hms_kit::error::{self, FieldViolations, invalid_field, refusal_with};
use hms_kit::paging;
use hms_kit::proto::admin::admin_service_server::AdminService;
use hms_kit::proto::admin::*;
use hms_kit::proto::common::PageResponse;
use tonic::{Code, Request, Response};

use super::convert::{self, configuration, from_proto_value};
use super::{AdminApi, Reply, check_token};
use crate::store::{self, AuditFilter, ChangeOutcome, NewChange};

#[tonic::async_trait]
impl AdminService for AdminApi {
    async fn get_dashboard_summary(
        &self,
        _request: Request<GetDashboardSummaryRequest>,
    ) -> Reply<GetDashboardSummaryResponse> {
        // The days are the clinic's: its zone as an admin set it, or the default.
        let stored = store::stored_values(&self.0.db).await.map_err(error::store)?;
        let zone_name = stored
            .iter()
            .find(|s| s.key == "clinic.time_zone")
            .map(|s| &s.value)
            .or_else(|| self.0.registry.get("clinic.time_zone").map(|(_, default)| default))
            .and_then(|value| value.as_str())
            .unwrap_or("UTC")
            .to_owned();
        // Stored and default zones were checked when set; UTC is the last resort.
        let zone = jiff::tz::TimeZone::get(&zone_name).unwrap_or(jiff::tz::TimeZone::UTC);
        Ok(Response::new(self.0.dashboard.summary(&zone, &zone_name, jiff::Timestamp::now()).await))
    }

    async fn list_system_configurations(
        &self,
        _request: Request<ListSystemConfigurationsRequest>,
    ) -> Reply<ListSystemConfigurationsResponse> {
        let stored = store::stored_values(&self.0.db).await.map_err(error::store)?;
        let configurations = self
            .0
            .registry
            .iter()
            .map(|(spec, default)| configuration(spec, default, stored.iter().find(|s| s.key == spec.key)))
            .collect();
        Ok(Response::new(ListSystemConfigurationsResponse { configurations }))
    }

    async fn get_system_configuration(
        &self,
        request: Request<GetSystemConfigurationRequest>,
    ) -> Reply<GetSystemConfigurationResponse> {
        let key = &request.get_ref().key;
        let (spec, default) = self.0.registry.require(key)?;
        let stored = store::stored(&self.0.db, key).await.map_err(error::store)?;
        Ok(Response::new(GetSystemConfigurationResponse {
            configuration: Some(configuration(spec, default, stored.as_ref())),
        }))
    }

    async fn update_system_configuration(
        &self,
        request: Request<UpdateSystemConfigurationRequest>,
    ) -> Reply<UpdateSystemConfigurationResponse> {
        let caller = principal(&request)?.clone();
        let address = client_address(&request);
        let body = request.into_inner();
        let (spec, default) = self.0.registry.require(&body.key)?;
        let mut v = FieldViolations::new();
        let value = match body.value.as_ref().and_then(from_proto_value) {
            None => {
                v.add("value", "is required");
                None
            }
            Some(value) => spec.check(&value).map_err(|problem| v.add("value", problem)).ok(),
        };
        v.require(body.expected_version >= 0, "expected_version", "must not be negative");
        v.text("reason", &body.reason, 500, false);
        v.into_result()?;
        let Some(value) = value else { return Err(invalid_field("value", "is required")) };
        let new = NewChange {
            key: spec.key.to_owned(),
            default_value: default.clone(),
            new_value: value,
            expected_version: body.expected_version,
            actor_id: caller.subject.clone(),
            actor_role: role_name(caller.role).to_owned(),
            client_address: address,
            reason: body.reason,
        };
        match store::change(&self.0.db, &new).await.map_err(error::store)? {
            ChangeOutcome::VersionMismatch { current } => Err(refusal_with(
                Code::Aborted,
                "CONCURRENT_UPDATE",
                format!("the key is at version {current}, not {}; read it again and retry", body.expected_version),
                [("current_version", current.to_string())],
            )),
            ChangeOutcome::Changed { change, value } => {
                self.0.feed.changed();
                Ok(Response::new(UpdateSystemConfigurationResponse {
                    configuration: Some(configuration(spec, default, Some(&value))),
                    change: Some(convert::change(&change)),
                }))
            }
        }
    }

    async fn list_system_configuration_changes(
        &self,
        request: Request<ListSystemConfigurationChangesRequest>,
    ) -> Reply<ListSystemConfigurationChangesResponse> {
        let body = request.get_ref();
        let (spec, _) = self.0.registry.require(&body.key)?;
        let page = paging::parse::<i64>(body.page.as_ref(), &spec.key)?;
        let limit = i64::try_from(page.size).unwrap_or(50);
        let mut rows = store::key_changes(&self.0.db, spec.key, page.after, limit + 1).await.map_err(error::store)?;
        let next_page_token = next_token(&mut rows, page.size, |r| r.revision, &spec.key);
        Ok(Response::new(ListSystemConfigurationChangesResponse {
            changes: rows.iter().map(convert::change).collect(),
            page: Some(PageResponse { next_page_token }),
        }))
    }

    async fn list_audit_logs(&self, request: Request<ListAuditLogsRequest>) -> Reply<ListAuditLogsResponse> {
        let body = request.get_ref();
        let mut v = FieldViolations::new();
        check_token(&mut v, "actor_id", &body.actor_id, 64, false);
        check_token(&mut v, "action", &body.action, 100, false);
        check_token(&mut v, "target_type", &body.target_type, 64, false);
        check_token(&mut v, "target_id", &body.target_id, 128, false);
        check_token(&mut v, "service", &body.service, 64, false);
        let from = body.start_time.as_ref().and_then(|t| convert::micros(&mut v, "start_time", t));
        let until = body.end_time.as_ref().and_then(|t| convert::micros(&mut v, "end_time", t));
        if let (Some(from), Some(until)) = (from, until) {
            v.require(from < until, "end_time", "must be after start_time");
        }
        v.into_result()?;
        let filter = AuditFilter {
            actor_id: body.actor_id.clone(),
            action: body.action.clone(),
            target_type: body.target_type.clone(),
            target_id: body.target_id.clone(),
            service: body.service.clone(),
            from,
            until,
        };
        let page = paging::parse::<i64>(body.page.as_ref(), &filter)?;
        let limit = i64::try_from(page.size).unwrap_or(50);
        let mut rows = store::audit_entries(&self.0.db, &filter, page.after, limit + 1).await.map_err(error::store)?;
        let next_page_token = next_token(&mut rows, page.size, |e| e.seq, &filter);
        Ok(Response::new(ListAuditLogsResponse {
            entries: rows.into_iter().map(convert::audit_entry).collect(),
            page: Some(PageResponse { next_page_token }),
        }))
    }

    async fn verify_audit_log(&self, _request: Request<VerifyAuditLogRequest>) -> Reply<VerifyAuditLogResponse> {
        let (checked, broken) = store::verify(&self.0.db).await.map_err(error::store)?;
        let (first_broken_sequence, problem) = broken.unwrap_or_default();
        Ok(Response::new(VerifyAuditLogResponse {
            intact: first_broken_sequence == 0,
            checked,
            first_broken_sequence,
            problem,
        }))
    }
}

/// Rows were read one past the page: drop the extra one and return the
/// token that continues after the last kept row (empty on the last page).
fn next_token<T>(
    rows: &mut Vec<T>,
    size: usize,
    cursor: impl Fn(&T) -> i64,
    filters: &impl serde::Serialize,
) -> String {
    if rows.len() <= size {
        return String::new();
    }
    rows.truncate(size);
    rows.last().map(|row| paging::token(&cursor(row), filters)).unwrap_or_default()
}
