//! `LaboratoryService`: catalog, orders, samples, results, release, files.

use hms_kit::auth::Caller;
use hms_kit::error::{FieldViolations, invalid_field};
use hms_kit::ids::check_id;
use hms_kit::paging;
use hms_kit::proto::common::PageResponse;
use hms_kit::proto::google::api::HttpBody;
use hms_kit::proto::laboratory::laboratory_service_server::LaboratoryService;
use hms_kit::proto::laboratory::*;
use tonic::{Request, Response};

use super::convert::{
    audit_to_proto, file_to_proto, order_to_proto, order_with_terms, status_from_proto, test_from_proto, test_to_proto,
    trend_to_proto,
};
use super::{LaboratoryApi, Reply};
use crate::app::{Entry, MAX_FILE_BYTES, NewOrder, Scope, may_see_results};
use crate::domain::report::Language;
use crate::domain::status::{Status as Lab, Step};

const MAX_NOTES: usize = 2000;
const MAX_REASON: usize = 2000;
const MAX_TESTS_PER_ORDER: usize = 30;
const TEN_YEARS_MICROS: i64 = 10 * 366 * 86_400_000_000;

fn page_response<T: serde::Serialize>(next: Option<String>, filters: &T) -> Option<PageResponse> {
    Some(PageResponse { next_page_token: next.map(|n| paging::token(&n, filters)).unwrap_or_default() })
}

fn check_version(v: &mut FieldViolations, version: i64) {
    if version < 1 {
        v.add("version", "is required: the version last read");
    }
}

/// The step asked for, and the reason a cancellation needs.
fn step_of(v: &mut FieldViolations, step: i32, reason: &str) -> Option<Step> {
    let step = match LabStep::try_from(step) {
        Ok(LabStep::CollectSample) => Some(Step::CollectSample),
        Ok(LabStep::StartProcessing) => Some(Step::StartProcessing),
        Ok(LabStep::Cancel) => Some(Step::Cancel),
        _ => {
            v.add("step", "is required: COLLECT_SAMPLE, START_PROCESSING or CANCEL");
            None
        }
    };
    v.text("reason", reason, MAX_REASON, step == Some(Step::Cancel));
    step
}

#[tonic::async_trait]
impl LaboratoryService for LaboratoryApi {
    async fn create_lab_order(&self, request: Request<CreateLabOrderRequest>) -> Reply<CreateLabOrderResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        check_id(&mut v, "encounter_id", &r.encounter_id);
        v.text("notes", &r.notes, MAX_NOTES, false);
        let priority = match Priority::try_from(r.priority) {
            Ok(Priority::Urgent) => "URGENT",
            Ok(Priority::Routine | Priority::Unspecified) => "ROUTINE",
            Err(_) => {
                v.add("priority", "must be ROUTINE or URGENT");
                "ROUTINE"
            }
        };
        if r.test_ids.is_empty() || r.test_ids.len() > MAX_TESTS_PER_ORDER {
            v.add("test_ids", format!("1 to {MAX_TESTS_PER_ORDER} tests"));
        }
        for (n, id) in r.test_ids.iter().enumerate() {
            check_id(&mut v, &format!("test_ids[{n}]"), id);
            if r.test_ids[..n].contains(id) {
                v.add(format!("test_ids[{n}]"), "is ordered twice");
            }
        }
        v.into_result()?;
        let new = NewOrder {
            patient_id: r.patient_id,
            encounter_id: r.encounter_id,
            priority: priority.to_owned(),
            notes: r.notes.trim().to_owned(),
            test_ids: r.test_ids,
        };
        let order = self.0.place_order(&c, new).await?;
        Ok(Response::new(CreateLabOrderResponse { order: Some(order_to_proto(&order, true)) }))
    }

    async fn get_lab_order(&self, request: Request<GetLabOrderRequest>) -> Reply<GetLabOrderResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "order_id", &r.order_id);
        v.into_result()?;
        let order = self.0.order(&c, &r.order_id, "GetLabOrder").await?;
        Ok(Response::new(GetLabOrderResponse {
            order: Some(order_with_terms(&order, may_see_results(&c), &self.0.zone)),
        }))
    }

    async fn get_lab_order_results(
        &self,
        request: Request<GetLabOrderResultsRequest>,
    ) -> Reply<GetLabOrderResultsResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "order_id", &r.order_id);
        v.into_result()?;
        let order = self.0.order(&c, &r.order_id, "GetLabOrderResults").await?;
        Ok(Response::new(GetLabOrderResultsResponse {
            order: Some(order_with_terms(&order, may_see_results(&c), &self.0.zone)),
        }))
    }

    async fn list_patient_lab_results(
        &self,
        request: Request<ListPatientLabResultsRequest>,
    ) -> Reply<ListPatientLabResultsResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        v.into_result()?;
        let filters = ("patient", &r.patient_id);
        let page = paging::parse::<String>(r.page.as_ref(), &filters)?;
        let (items, next) = self.0.patient_orders(&c, &r.patient_id, page.after, page.size).await?;
        let sees = may_see_results(&c);
        Ok(Response::new(ListPatientLabResultsResponse {
            orders: items.iter().map(|o| order_to_proto(o, sees)).collect(),
            page: page_response(next, &filters),
        }))
    }

    async fn list_parameter_trend(
        &self,
        request: Request<ListParameterTrendRequest>,
    ) -> Reply<ListParameterTrendResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "patient_id", &r.patient_id);
        v.text("parameter_code", &r.parameter_code, 20, true);
        let since = match &r.since {
            Some(t) => hms_kit::time::required_micros(&mut v, "since", Some(t)),
            None => Some(hms_kit::time::now_micros() - TEN_YEARS_MICROS),
        };
        v.into_result()?;
        let trend = self.0.trend(&c, &r.patient_id, r.parameter_code.trim(), since.unwrap_or(0)).await?;
        Ok(Response::new(trend_to_proto(r.parameter_code.trim(), &trend)))
    }

    async fn list_pending_lab_orders(
        &self,
        request: Request<ListPendingLabOrdersRequest>,
    ) -> Reply<ListPendingLabOrdersResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let status = match r.status {
            0 => None,
            s => match status_from_proto(s)
                .filter(|s| matches!(s, Lab::Requested | Lab::SampleCollected | Lab::Processing))
            {
                Some(s) => Some(s),
                None => return Err(invalid_field("status", "must be REQUESTED, SAMPLE_COLLECTED or PROCESSING")),
            },
        };
        let filters = ("worklist", r.status);
        let page = paging::parse::<String>(r.page.as_ref(), &filters)?;
        let (items, next) = self.0.worklist(&c, status, page.after, page.size).await?;
        Ok(Response::new(ListPendingLabOrdersResponse {
            orders: items.iter().map(|o| order_to_proto(o, true)).collect(),
            page: page_response(next, &filters),
        }))
    }

    async fn list_lab_orders_to_review(
        &self,
        request: Request<ListLabOrdersToReviewRequest>,
    ) -> Reply<ListLabOrdersToReviewResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let filters = "to-review";
        let page = paging::parse::<String>(r.page.as_ref(), &filters)?;
        let (items, next) = self.0.to_review(&c, page.after, page.size).await?;
        Ok(Response::new(ListLabOrdersToReviewResponse {
            orders: items.iter().map(|o| order_to_proto(o, true)).collect(),
            page: page_response(next, &filters),
        }))
    }

    async fn update_lab_order_status(
        &self,
        request: Request<UpdateLabOrderStatusRequest>,
    ) -> Reply<UpdateLabOrderStatusResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "order_id", &r.order_id);
        let step = step_of(&mut v, r.step, &r.reason);
        check_version(&mut v, r.version);
        v.into_result()?;
        let Some(step) = step else { return Err(invalid_field("step", "is required")) };
        let order = self.0.step(&c, &r.order_id, Scope::Order, step, r.reason.trim(), r.version).await?;
        Ok(Response::new(UpdateLabOrderStatusResponse { order: Some(order_to_proto(&order, true)) }))
    }

    async fn update_lab_order_item_status(
        &self,
        request: Request<UpdateLabOrderItemStatusRequest>,
    ) -> Reply<UpdateLabOrderItemStatusResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "order_id", &r.order_id);
        check_id(&mut v, "item_id", &r.item_id);
        let step = step_of(&mut v, r.step, &r.reason);
        check_version(&mut v, r.version);
        v.into_result()?;
        let Some(step) = step else { return Err(invalid_field("step", "is required")) };
        let scope = Scope::Item(&r.item_id);
        let order = self.0.step(&c, &r.order_id, scope, step, r.reason.trim(), r.version).await?;
        Ok(Response::new(UpdateLabOrderItemStatusResponse { order: Some(order_to_proto(&order, true)) }))
    }

    async fn enter_lab_results(&self, request: Request<EnterLabResultsRequest>) -> Reply<EnterLabResultsResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "order_id", &r.order_id);
        check_id(&mut v, "item_id", &r.item_id);
        check_version(&mut v, r.version);
        v.text("amend_reason", &r.amend_reason, MAX_REASON, false);
        if r.results.is_empty() || r.results.len() > 100 {
            v.add("results", "1 to 100 values");
        }
        let mut entries = Vec::with_capacity(r.results.len());
        for (n, input) in r.results.iter().enumerate() {
            let code = input.parameter_code.trim();
            if code.is_empty() {
                v.add(format!("results[{n}].parameter_code"), "is required");
            }
            if r.results[..n].iter().any(|other| other.parameter_code.trim() == code) {
                v.add(format!("results[{n}].parameter_code"), "is entered twice");
            }
            match (input.value, input.scale_value.trim()) {
                (Some(value), "") if value.is_finite() => {}
                (Some(_), "") => v.add(format!("results[{n}].value"), "must be a finite number"),
                (None, "") => v.add(format!("results[{n}].value"), "a value or a scale_value is required"),
                (None, _) => {}
                (Some(_), _) => v.add(format!("results[{n}].scale_value"), "give a value or a scale_value, not both"),
            }
            v.text(&format!("results[{n}].unit"), &input.unit, 20, false);
            v.text(&format!("results[{n}].scale_value"), &input.scale_value, 40, false);
            entries.push(Entry {
                parameter_code: code.to_owned(),
                value: input.value,
                unit: input.unit.trim().to_owned(),
                scale_value: input.scale_value.trim().to_owned(),
            });
        }
        v.into_result()?;
        let (order, critical) =
            self.0.enter_results(&c, &r.order_id, &r.item_id, &entries, r.amend_reason.trim(), r.version).await?;
        Ok(Response::new(EnterLabResultsResponse {
            order: Some(order_to_proto(&order, true)),
            critical_parameter_codes: critical,
        }))
    }

    async fn release_lab_results(
        &self,
        request: Request<ReleaseLabResultsRequest>,
    ) -> Reply<ReleaseLabResultsResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "order_id", &r.order_id);
        for (n, id) in r.item_ids.iter().enumerate() {
            check_id(&mut v, &format!("item_ids[{n}]"), id);
        }
        check_version(&mut v, r.version);
        v.into_result()?;
        let order = self.0.release(&c, &r.order_id, &r.item_ids, r.version).await?;
        Ok(Response::new(ReleaseLabResultsResponse { order: Some(order_to_proto(&order, true)) }))
    }

    async fn attach_result_file(&self, request: Request<AttachResultFileRequest>) -> Reply<AttachResultFileResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "order_id", &r.order_id);
        check_id(&mut v, "item_id", &r.item_id);
        v.text("file_name", &r.file_name, 200, true);
        if r.content.is_empty() {
            v.add("content", "is required");
        } else if r.content.len() > MAX_FILE_BYTES {
            v.add("content", format!("is larger than {} MiB", MAX_FILE_BYTES / (1024 * 1024)));
        }
        v.into_result()?;
        let file = self.0.attach_file(&c, &r.order_id, &r.item_id, r.file_name.trim(), &r.content).await?;
        Ok(Response::new(AttachResultFileResponse { file: Some(file_to_proto(&file)) }))
    }

    async fn get_result_file(&self, request: Request<GetResultFileRequest>) -> Reply<GetResultFileResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "order_id", &r.order_id);
        check_id(&mut v, "item_id", &r.item_id);
        check_id(&mut v, "file_id", &r.file_id);
        v.into_result()?;
        let found = self.0.result_file(&c, &r.order_id, &r.item_id, &r.file_id).await?;
        Ok(Response::new(GetResultFileResponse { file: Some(file_to_proto(&found.file)), content: found.content }))
    }

    async fn get_lab_report(&self, request: Request<GetLabReportRequest>) -> Reply<HttpBody> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "order_id", &r.order_id);
        let language = Language::parse(r.language.trim());
        if language.is_none() {
            v.add("language", "the report is printed in en or vi");
        }
        v.into_result()?;
        let content = self.0.report(&c, &r.order_id, language.unwrap_or(Language::English)).await?;
        Ok(Response::new(HttpBody { content_type: "application/pdf".into(), data: content, extensions: Vec::new() }))
    }

    async fn list_lab_tests(&self, request: Request<ListLabTestsRequest>) -> Reply<ListLabTestsResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        v.text("query", &r.query, 100, false);
        v.into_result()?;
        // Inactive tests are the admins' business.
        let include_inactive = r.include_inactive && c.principal.role == hms_kit::proto::common::Role::Admin;
        let filters = ("catalog", r.query.trim().to_lowercase(), include_inactive);
        let page = paging::parse::<String>(r.page.as_ref(), &filters)?;
        let (items, next) = self.0.find_tests(&r.query, include_inactive, page.after, page.size).await?;
        Ok(Response::new(ListLabTestsResponse {
            tests: items.iter().map(test_to_proto).collect(),
            page: page_response(next, &filters),
        }))
    }

    async fn get_lab_test(&self, request: Request<GetLabTestRequest>) -> Reply<GetLabTestResponse> {
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "test_id", &r.test_id);
        v.into_result()?;
        let test = self.0.test(&r.test_id).await?;
        Ok(Response::new(GetLabTestResponse { test: Some(test_to_proto(&test)) }))
    }

    async fn create_lab_test(&self, request: Request<CreateLabTestRequest>) -> Reply<CreateLabTestResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        let new = test_from_proto(&mut v, r.test.as_ref());
        v.into_result()?;
        let Some(new) = new else { return Err(invalid_field("test", "is required")) };
        let saved = self.0.add_test(&c, new).await?;
        Ok(Response::new(CreateLabTestResponse { test: Some(test_to_proto(&saved)) }))
    }

    async fn update_lab_test(&self, request: Request<UpdateLabTestRequest>) -> Reply<UpdateLabTestResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "test_id", &r.test_id);
        let new = test_from_proto(&mut v, r.test.as_ref());
        check_version(&mut v, r.version);
        v.into_result()?;
        let Some(new) = new else { return Err(invalid_field("test", "is required")) };
        let saved = self.0.update_test(&c, &r.test_id, new, r.version).await?;
        Ok(Response::new(UpdateLabTestResponse { test: Some(test_to_proto(&saved)) }))
    }

    async fn delete_lab_test(&self, request: Request<DeleteLabTestRequest>) -> Reply<DeleteLabTestResponse> {
        let c = Caller::of(&request)?;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        check_id(&mut v, "test_id", &r.test_id);
        check_version(&mut v, r.version);
        v.into_result()?;
        self.0.delete_test(&c, &r.test_id, r.version).await?;
        Ok(Response::new(DeleteLabTestResponse {}))
    }

    async fn list_audit_events(&self, request: Request<ListAuditEventsRequest>) -> Reply<ListAuditEventsResponse> {
        let r = request.into_inner();
        let filter = match (r.patient_id.as_str(), r.actor_id.as_str()) {
            ("", "") => None,
            (patient, "") => Some(("patient_id", patient)),
            ("", actor) => Some(("actor_id", actor)),
            _ => return Err(invalid_field("actor_id", "filter by patient_id or by actor_id, not both")),
        };
        let page = paging::parse::<String>(r.page.as_ref(), &filter)?;
        let (items, next) = self.0.audit_events(filter, page.after, page.size).await?;
        Ok(Response::new(ListAuditEventsResponse {
            events: items.iter().map(|e| audit_to_proto(&e.doc)).collect(),
            page: page_response(next, &filter),
        }))
    }

    async fn verify_audit_chain(&self, _request: Request<VerifyAuditChainRequest>) -> Reply<VerifyAuditChainResponse> {
        let (checked, broken) = self.0.verify_audit().await?;
        let (first_broken_sequence, problem) = broken.unwrap_or_default();
        Ok(Response::new(VerifyAuditChainResponse {
            intact: first_broken_sequence == 0,
            checked,
            first_broken_sequence,
            problem,
        }))
    }
}
