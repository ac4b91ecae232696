//! `AdminService`: the system configuration and the admin audit log, for
//! admins (the access policy admits no other role).

use hms_kit::auth::{client_address, principal, role_name};
use hms_kit::error::{FieldViolations, invalid_field};
use hms_kit::proto::admin::admin_service_server::AdminService;
use hms_kit::proto::admin::*;
use hms_kit::proto::common::PageResponse;
use tonic::{Request, Response};

use super::convert::{self, configuration, from_proto_value};
use super::{AdminApi, Reply, check_token};
use crate::store::{AuditFilter, NewChange};

#[tonic::async_trait]
impl AdminService for AdminApi {
    async fn get_dashboard_summary(
        &self,
        _request: Request<GetDashboardSummaryRequest>,
    ) -> Reply<GetDashboardSummaryResponse> {
        Ok(Response::new(self.0.dashboard_summary().await?))
    }

    async fn list_system_configurations(
        &self,
        _request: Request<ListSystemConfigurationsRequest>,
    ) -> Reply<ListSystemConfigurationsResponse> {
        let stored = self.0.stored_values().await?;
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
        let stored = self.0.stored_value(key).await?;
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
        let (change, value) = self.0.change_configuration(&new).await?;
        Ok(Response::new(UpdateSystemConfigurationResponse {
            configuration: Some(configuration(spec, default, Some(&value))),
            change: Some(convert::change(&change)),
        }))
    }

    async fn list_system_configuration_changes(
        &self,
        request: Request<ListSystemConfigurationChangesRequest>,
    ) -> Reply<ListSystemConfigurationChangesResponse> {
        let body = request.get_ref();
        let (spec, _) = self.0.registry.require(&body.key)?;
        let (rows, next_page_token) = self.0.configuration_changes(spec, body.page.as_ref()).await?;
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
        let (rows, next_page_token) = self.0.audit_entries(&filter, body.page.as_ref()).await?;
        Ok(Response::new(ListAuditLogsResponse {
            entries: rows.into_iter().map(convert::audit_entry).collect(),
            page: Some(PageResponse { next_page_token }),
        }))
    }

    async fn verify_audit_log(&self, _request: Request<VerifyAuditLogRequest>) -> Reply<VerifyAuditLogResponse> {
        let (checked, broken) = self.0.verify_audit_log().await?;
        let (first_broken_sequence, problem) = broken.unwrap_or_default();
        Ok(Response::new(VerifyAuditLogResponse {
            intact: first_broken_sequence == 0,
            checked,
            first_broken_sequence,
            problem,
        }))
    }
}
