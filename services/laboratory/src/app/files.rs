//! The instrument's result files attached to an item (PDF, PNG or JPEG told
//! by their first bytes, sealed in the object store with the laboratory's
//! key) and the printed report of an order's released results.

use hms_kit::auth::Caller;
use hms_kit::error::{internal, invalid_field, refusal};
use hms_kit::ids::new_id;
use hms_kit::objects::{FileKind, ObjectError};
use hms_kit::proto::common::Role;
use hms_kit::proto::user::BatchGetDisplayNamesRequest;
use hms_kit::time::now_micros;
use tonic::{Code, Status};

use super::judging::flag_of_code;
use super::orders::status_of;
use super::{State, order_not_found};
use crate::domain::report::{self, Language, Report, Row};
use crate::domain::status::Status as Lab;
use crate::store::{FileDoc, OrderDoc, Versioned};

/// The largest result file accepted.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

/// A file as read back: its record and its bytes.
pub struct AttachedFile {
    pub file: FileDoc,
    pub content: Vec<u8>,
}

fn object_name(order_id: &str, item_id: &str, file_id: &str) -> String {
    format!("orders/{order_id}/{item_id}/{file_id}")
}

fn file_store_error(e: ObjectError) -> Status {
    tracing::warn!(error = %e, "the laboratory's file store failed");
    match e {
        ObjectError::NotFound(_) => Status::not_found("the file is gone from the file store"),
        _ => Status::unavailable("the file store is unavailable, retry later"),
    }
}

fn when(zone: &jiff::tz::TimeZone, micros: Option<i64>) -> String {
    micros
        .and_then(|m| jiff::Timestamp::from_microsecond(m).ok())
        .map(|t| t.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

impl State {
    /// Attaches a file to an item whose sample was collected: stored first,
    /// then recorded in the order (a file whose record failed is removed).
    pub async fn attach_file(
        &self,
        c: &Caller,
        order_id: &str,
        item_id: &str,
        name: &str,
        content: &[u8],
    ) -> Result<FileDoc, Status> {
        let order = self.store.order(order_id).await?.ok_or_else(order_not_found)?;
        let patient = order.doc.patient_id.clone();
        let result = self.attach_at(c, &order, item_id, name, content).await;
        self.audited(c, "AttachResultFile", &patient, order_id, "", result).await
    }

    async fn attach_at(
        &self,
        c: &Caller,
        order: &Versioned<OrderDoc>,
        item_id: &str,
        name: &str,
        content: &[u8],
    ) -> Result<FileDoc, Status> {
        let kind =
            FileKind::sniff(content).ok_or_else(|| invalid_field("content", "is not a PDF, PNG or JPEG file"))?;
        let item = order.doc.items.iter().find(|i| i.id == item_id).ok_or_else(|| Status::not_found("no such item"))?;
        if !status_of(item)?.takes_results() {
            return Err(refusal(Code::FailedPrecondition, "INVALID_TRANSITION", "no sample was collected for it"));
        }
        let file = FileDoc {
            id: new_id(),
            name: name.to_owned(),
            content_type: kind.media_type().to_owned(),
            size: i64::try_from(content.len()).map_err(internal)?,
            by: c.principal.subject.clone(),
            at: now_micros(),
        };
        let object = object_name(&order.id, item_id, &file.id);
        self.files.put(&object, content).await.map_err(file_store_error)?;
        let recorded = self
            .change_order(&order.id, None, |doc| {
                let item =
                    doc.items.iter_mut().find(|i| i.id == item_id).ok_or_else(|| Status::not_found("no such item"))?;
                item.files.push(file.clone());
                Ok(())
            })
            .await;
        if let Err(e) = recorded {
            if let Err(removal) = self.files.delete(&object).await {
                tracing::warn!(error = %removal, object, "an unrecorded result file could not be removed");
            }
            return Err(e);
        }
        Ok(file)
    }

    /// A file of an item, under the order's access rules: a patient only
    /// once the item is released. Audited.
    pub async fn result_file(
        &self,
        c: &Caller,
        order_id: &str,
        item_id: &str,
        file_id: &str,
    ) -> Result<AttachedFile, Status> {
        let order = self.order(c, order_id, "GetResultFile").await?;
        let item = order.doc.items.iter().find(|i| i.id == item_id).ok_or_else(|| Status::not_found("no such item"))?;
        if c.principal.role == Role::Patient && item.status != Lab::Completed.name() {
            return Err(refusal(Code::FailedPrecondition, "RESULTS_PENDING", "these results are not released yet"));
        }
        let file = item.files.iter().find(|f| f.id == file_id).ok_or_else(|| Status::not_found("no such file"))?;
        let content = self.files.get(&object_name(order_id, item_id, file_id)).await.map_err(file_store_error)?;
        Ok(AttachedFile { file: file.clone(), content })
    }

    /// The printed report of the order's released results; audited.
    pub async fn report(&self, c: &Caller, order_id: &str, language: Language) -> Result<Vec<u8>, Status> {
        let order = self.order(c, order_id, "GetLabReport").await?;
        let released: Vec<_> = order.doc.items.iter().filter(|i| i.status == Lab::Completed.name()).collect();
        if released.is_empty() {
            return Err(refusal(Code::FailedPrecondition, "NOTHING_RELEASED", "no results of this order are released"));
        }
        let mut rows = Vec::new();
        for item in &released {
            for parameter in &item.parameters {
                let Some(r) = item.results.iter().find(|r| r.parameter_code == parameter.code) else { continue };
                let decimals = usize::try_from(parameter.decimals.clamp(0, 6)).unwrap_or(0);
                let value = match r.value {
                    Some(v) => format!("{v:.decimals$}"),
                    None => r.scale_value.clone(),
                };
                let amended = matches!(r.status.as_str(), "AMENDED" | "CORRECTED");
                rows.push(Row {
                    test: item.test_name.clone(),
                    parameter: parameter.name.clone(),
                    value,
                    unit: parameter.unit.clone(),
                    range: r.range.clone(),
                    flag: flag_of_code(&r.flag),
                    amended_from: amended.then(|| r.previous.clone()),
                });
            }
        }
        let doctor = self.display_name(&order.doc.doctor_id).await;
        let p = &order.doc.patient;
        let labels = language.labels();
        let sex = match p.sex.as_str() {
            "M" => labels.male,
            "F" => labels.female,
            _ => labels.sex_unknown,
        };
        let born = if p.birth_date.is_empty() {
            labels.birth_unknown.to_owned()
        } else {
            format!("{} {}", labels.born, p.birth_date)
        };
        let last_release = released.iter().filter_map(|i| i.released_at).max();
        let pdf = Report {
            language,
            clinic: self.clinic.name.clone(),
            clinic_address: self.clinic.address.clone(),
            patient: p.name.clone(),
            patient_details: format!("{sex} · {born}"),
            accession: order.doc.accession.clone(),
            ordered_by: doctor,
            collected_at: when(&self.zone, order.doc.collected_at),
            released_at: when(&self.zone, last_release),
            rows,
        };
        report::render(&pdf).map_err(internal)
    }

    /// A user's display name, or their id when the user service cannot say.
    async fn display_name(&self, user_id: &str) -> String {
        let Some(users) = &self.users else { return user_id.to_owned() };
        let request = BatchGetDisplayNamesRequest { user_ids: vec![user_id.to_owned()] };
        match users.clone().batch_get_display_names(request).await {
            Ok(reply) => reply.into_inner().display_names.remove(user_id).unwrap_or_else(|| user_id.to_owned()),
            Err(_) => user_id.to_owned(),
        }
    }
}
