//! Prescribing (screened against allergies and active prescriptions),
//! reading, the pharmacy's queue, verification and cancellation.

use hms_kit::auth::Caller;
use hms_kit::docstore::outbox::Outbox;
use hms_kit::error::{FieldViolations, refusal, refusal_with_detail};
use hms_kit::ids::new_id;
use hms_kit::proto::pharmacy as pb;
use hms_kit::time::now_micros;
use tonic::{Code, Status};

use super::{ATTEMPTS, State, contended};
use crate::domain::screening::{self, Active, Drug, Finding, Kind};
use crate::domain::status::{Status as Rx, Step};
use crate::events::PrescriptionReference;
use crate::store::{FindingDoc, ItemDoc, MedicationDoc, PageOf, PrescriptionDoc, StoreError, Versioned};

/// Active prescriptions screened against, newest first.
const ACTIVE_SCREENED: usize = 100;
const DAY_MICROS: i64 = 86_400_000_000;

pub struct NewItem {
    pub medication_id: String,
    pub dosage: String,
    pub frequency: String,
    pub duration_days: i64,
    pub quantity: i64,
    pub instructions: String,
}

pub struct NewPrescription {
    pub patient_id: String,
    pub encounter_id: String,
    pub items: Vec<NewItem>,
    pub notes: String,
    pub override_reason: String,
}

fn drug(m: &Versioned<MedicationDoc>) -> Drug<'_> {
    Drug {
        id: &m.id,
        name: &m.doc.name,
        generic_name: &m.doc.generic_name,
        classes: &m.doc.classes,
        ingredients: &m.doc.ingredients,
    }
}

fn item_drug(i: &ItemDoc) -> Drug<'_> {
    Drug {
        id: &i.medication_id,
        name: &i.medication_name,
        generic_name: &i.generic_name,
        classes: &i.classes,
        ingredients: &i.ingredients,
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Allergy => "ALLERGY",
        Kind::Interaction => "INTERACTION",
    }
}

fn finding_doc(f: &Finding) -> FindingDoc {
    FindingDoc {
        kind: kind_name(f.kind).into(),
        medication_id: f.medication_id.clone(),
        medication_name: f.medication_name.clone(),
        other: f.other.clone(),
        other_prescription_id: f.other_prescription_id.clone(),
        severity: f.severity.name().into(),
        description: f.description.clone(),
        source: f.source.clone(),
    }
}

/// A stored finding as the API shows it.
pub fn finding_to_proto(f: &FindingDoc) -> pb::Finding {
    pb::Finding {
        kind: pb::FindingKind::from_str_name(&format!("FINDING_KIND_{}", f.kind)).unwrap_or_default().into(),
        medication_id: f.medication_id.clone(),
        medication_name: f.medication_name.clone(),
        other: f.other.clone(),
        other_prescription_id: f.other_prescription_id.clone(),
        severity: pb::Severity::from_str_name(&format!("SEVERITY_{}", f.severity)).unwrap_or_default().into(),
        description: f.description.clone(),
        source: f.source.clone(),
    }
}

fn findings_refusal(findings: &[FindingDoc]) -> Status {
    let detail = pb::PrescriptionFindings { findings: findings.iter().map(finding_to_proto).collect() };
    refusal_with_detail(
        Code::FailedPrecondition,
        "PRESCRIPTION_FINDINGS",
        format!(
            "{} allergy or interaction finding(s); change the prescription or override with a reason",
            findings.len()
        ),
        [],
        "hms.pharmacy.v1.PrescriptionFindings",
        &detail,
    )
}

fn not_found() -> Status {
    Status::not_found("no such prescription")
}

impl State {
    /// Writes a prescription after the EHR confirms the care relationship
    /// and the encounter, and screening finds nothing (or the doctor
    /// overrides what it found, with a reason). Audited either way.
    pub async fn prescribe(&self, c: &Caller, new: NewPrescription) -> Result<Versioned<PrescriptionDoc>, Status> {
        let id = new_id();
        let (patient, reason) = (new.patient_id.clone(), new.override_reason.clone());
        let result = self.write_prescription(c, &id, new).await;
        self.audited(c, "CreatePrescription", &patient, &id, &reason, result).await
    }

    async fn write_prescription(
        &self,
        c: &Caller,
        id: &str,
        new: NewPrescription,
    ) -> Result<Versioned<PrescriptionDoc>, Status> {
        let doctor = c.principal.subject.as_str();
        let context = self.context(doctor, &new.patient_id, &new.encounter_id).await?;
        if !context.care {
            return Err(refusal(
                Code::PermissionDenied,
                "NO_CARE_RELATIONSHIP",
                "you have no care relationship with this patient",
            ));
        }
        if !context.encounter_found {
            return Err(refusal(
                Code::FailedPrecondition,
                "ENCOUNTER_NOT_FOUND",
                "the encounter is not this patient's",
            ));
        }
        let ids: Vec<&str> = new.items.iter().map(|i| i.medication_id.as_str()).collect();
        let meds = self.store.medications(&ids).await?;
        let mut v = FieldViolations::new();
        let mut chosen = Vec::with_capacity(new.items.len());
        for (n, item) in new.items.iter().enumerate() {
            match meds.iter().find(|m| m.id == item.medication_id) {
                Some(m) if m.doc.active => chosen.push(m),
                Some(_) => v.add(format!("items[{n}].medication_id"), "is no longer in the catalog"),
                None => v.add(format!("items[{n}].medication_id"), "is not in the catalog"),
            }
        }
        v.into_result()?;
        let now = now_micros();
        let (recent, _) = self.store.patient_prescriptions(&new.patient_id, None, ACTIVE_SCREENED).await?;
        let still_active =
            |rx: &Versioned<PrescriptionDoc>| rx.doc.status != Rx::Cancelled.name() && rx.doc.active_until > now;
        let active: Vec<Active<'_>> = recent
            .iter()
            .filter(|rx| still_active(rx))
            .flat_map(|rx| rx.doc.items.iter().map(|i| Active { prescription_id: &rx.id, drug: item_drug(i) }))
            .collect();
        let drugs: Vec<Drug<'_>> = chosen.iter().map(|m| drug(m)).collect();
        let allergies: Vec<&str> = context.allergies.iter().map(String::as_str).collect();
        let findings: Vec<FindingDoc> =
            screening::screen(&drugs, &active, &allergies, screening::interactions()).iter().map(finding_doc).collect();
        if !findings.is_empty() && new.override_reason.is_empty() {
            return Err(findings_refusal(&findings));
        }
        let items: Vec<ItemDoc> = new
            .items
            .into_iter()
            .zip(&chosen)
            .map(|(i, m)| ItemDoc {
                id: new_id(),
                medication_id: m.id.clone(),
                medication_name: m.doc.name.clone(),
                generic_name: m.doc.generic_name.clone(),
                classes: m.doc.classes.clone(),
                ingredients: m.doc.ingredients.clone(),
                dosage: i.dosage,
                frequency: i.frequency,
                duration_days: i.duration_days,
                quantity: i.quantity,
                dispensed: 0,
                instructions: i.instructions,
                unit_price: m.doc.unit_price,
                currency: m.doc.currency.clone(),
            })
            .collect();
        let longest = items.iter().map(|i| i.duration_days).max().unwrap_or(0);
        let summary = items.iter().map(|i| i.medication_name.as_str()).collect::<Vec<_>>().join("; ");
        if !findings.is_empty() {
            tracing::warn!(prescription = id, findings = findings.len(), "prescription findings overridden");
        }
        let mut doc = PrescriptionDoc {
            patient_id: new.patient_id,
            doctor_id: doctor.to_owned(),
            encounter_id: new.encounter_id,
            status: Rx::PendingVerification.name().into(),
            items,
            notes: new.notes,
            created_at: now,
            active_until: now.saturating_add(longest.saturating_mul(DAY_MICROS)),
            override_reason: if findings.is_empty() { String::new() } else { new.override_reason },
            overridden: findings,
            verified_by: String::new(),
            verified_at: None,
            dispenses: Vec::new(),
            cancel_reason: String::new(),
            queue: Some(now),
            dispensing: None,
            dispensing_since: None,
            revision: 1,
            outbox: Outbox::default(),
        };
        let reference = PrescriptionReference {
            patient_id: doc.patient_id.clone(),
            prescription_id: id.to_owned(),
            encounter_id: doc.encounter_id.clone(),
            issued_at: now,
            summary,
        };
        doc.outbox.push(reference.event().map_err(hms_kit::error::internal)?).map_err(hms_kit::error::internal)?;
        Ok(self.store.insert_prescription(id, &doc).await?)
    }

    /// One prescription, if the caller may see it; audited.
    pub async fn prescription(&self, c: &Caller, id: &str) -> Result<Versioned<PrescriptionDoc>, Status> {
        let rx = self.store.prescription(id).await?.ok_or_else(not_found)?;
        let allowed = self.may_see(c, &rx.doc).await;
        let patient = rx.doc.patient_id.clone();
        self.audited(c, "GetPrescription", &patient, id, "", allowed.map(|()| rx)).await
    }

    /// A patient's prescriptions, newest first, if the caller may see them;
    /// audited.
    pub async fn patient_prescriptions(
        &self,
        c: &Caller,
        patient_id: &str,
        after: Option<String>,
        limit: usize,
    ) -> Result<PageOf<PrescriptionDoc>, Status> {
        let result = match self.may_list(c, patient_id).await {
            Ok(()) => self.store.patient_prescriptions(patient_id, after, limit).await.map_err(Status::from),
            Err(e) => Err(e),
        };
        let outcome = super::access::outcome(&result);
        self.audit(c, "ListPatientPrescriptions", patient_id, "prescriptions", outcome, "").await?;
        result
    }

    /// The pharmacy's queue, oldest first; audited as one read.
    pub async fn queue(
        &self,
        c: &Caller,
        status: Option<Rx>,
        after: Option<String>,
        limit: usize,
    ) -> Result<PageOf<PrescriptionDoc>, Status> {
        let page = self.store.queue(status.map(Rx::name), after, limit).await?;
        self.audit(c, "ListPendingPrescriptions", "", "prescriptions/pending", "ALLOWED", "").await?;
        Ok(page)
    }

    /// A pharmacist approves (VERIFIED) or rejects (CANCELLED, with the
    /// reason) a prescription read at `version`.
    pub async fn verify(
        &self,
        c: &Caller,
        id: &str,
        approve: bool,
        reason: &str,
        version: i64,
    ) -> Result<Versioned<PrescriptionDoc>, Status> {
        let step = if approve { Step::Approve } else { Step::Reject };
        let rx = self.store.prescription(id).await?.ok_or_else(not_found)?;
        let patient = rx.doc.patient_id.clone();
        let result = self.verify_at(c, rx, step, reason, version).await;
        self.audited(c, "VerifyPrescription", &patient, id, reason, result).await
    }

    async fn verify_at(
        &self,
        c: &Caller,
        mut rx: Versioned<PrescriptionDoc>,
        step: Step,
        reason: &str,
        version: i64,
    ) -> Result<Versioned<PrescriptionDoc>, Status> {
        // The relay also writes the document (delivering its events), so a
        // conflict is retried as long as the revision is the one read.
        for attempt in 0..ATTEMPTS {
            if rx.doc.revision != version {
                return Err(StoreError::Conflict.into());
            }
            let mut doc = rx.doc.clone();
            doc.status = moved(&doc, step)?.name().into();
            if step == Step::Approve {
                doc.verified_by = c.principal.subject.clone();
                doc.verified_at = Some(now_micros());
            } else {
                doc.cancel_reason = reason.to_owned();
                doc.queue = None;
            }
            match self.store.save_prescription(&rx.id, &doc, rx.version).await {
                Err(StoreError::Conflict) => {
                    contended(attempt).await;
                    rx = self.store.prescription(&rx.id).await?.ok_or_else(not_found)?;
                }
                result => return Ok(result?),
            }
        }
        Err(StoreError::Conflict.into())
    }

    /// Cancels a prescription nothing was dispensed from: its doctor or a
    /// pharmacist.
    pub async fn cancel(&self, c: &Caller, id: &str, reason: &str) -> Result<Versioned<PrescriptionDoc>, Status> {
        let mut last = None;
        for attempt in 0..ATTEMPTS {
            let rx = self.store.prescription(id).await?.ok_or_else(not_found)?;
            let patient = rx.doc.patient_id.clone();
            let result = async {
                if c.principal.role == hms_kit::proto::common::Role::Doctor && rx.doc.doctor_id != c.principal.subject {
                    return Err(refusal(
                        Code::PermissionDenied,
                        "NOT_YOUR_PRESCRIPTION",
                        "only the prescribing doctor or a pharmacist may cancel it",
                    ));
                }
                if rx.doc.dispensing.is_some() {
                    return Err(refusal(Code::FailedPrecondition, "DISPENSE_UNDER_WAY", "it is being dispensed"));
                }
                let mut doc = rx.doc.clone();
                doc.status = moved(&doc, Step::Cancel)?.name().into();
                doc.cancel_reason = reason.to_owned();
                doc.queue = None;
                Ok(self.store.save_prescription(id, &doc, rx.version).await?)
            }
            .await;
            match result {
                Err(s) if s.code() == Code::Aborted => {
                    last = Some((patient, s));
                    contended(attempt).await;
                }
                result => return self.audited(c, "CancelPrescription", &patient, id, reason, result).await,
            }
        }
        let (patient, status) = last.unwrap_or_else(|| (String::new(), Status::aborted("changed concurrently")));
        self.audited(c, "CancelPrescription", &patient, id, reason, Err(status)).await
    }
}

/// Where `step` leads from the prescription's status, or the refusal.
pub(super) fn moved(doc: &PrescriptionDoc, step: Step) -> Result<Rx, Status> {
    let from = Rx::parse(&doc.status).ok_or_else(|| Status::internal("unreadable prescription status"))?;
    from.after(step).ok_or_else(|| {
        refusal(Code::FailedPrecondition, "INVALID_TRANSITION", format!("not possible while {}", from.name()))
    })
}
