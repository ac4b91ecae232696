//! Ordering (a doctor, within a care relationship, for an encounter),
//! reading (results hidden from the patient until released), the lab's
//! worklist and the doctor's review list, and the steps of the samples:
//! collection (an accession number, the invoice), processing, cancellation.

use hms_kit::auth::Caller;
use hms_kit::error::{internal, refusal};
use hms_kit::ids::new_id;
use hms_kit::proto::common::Role;
use hms_kit::time::now_micros;
use tonic::{Code, Status};

use super::{State, order_not_found};
use crate::domain::accession::Accession;
use crate::domain::status::{Status as Lab, Step, order_status};
use crate::events::{InvoiceLine, LabInvoice};
use crate::store::{ItemDoc, OrderDoc, PageOf, Versioned};

pub struct NewOrder {
    pub patient_id: String,
    pub encounter_id: String,
    /// ROUTINE or URGENT.
    pub priority: String,
    pub notes: String,
    pub test_ids: Vec<String>,
}

/// What a step applies to: every item of the order that can take it, or one.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    Order,
    Item(&'a str),
}

pub(super) fn status_of(item: &ItemDoc) -> Result<Lab, Status> {
    Lab::parse(&item.status).ok_or_else(|| Status::internal("unreadable lab item status"))
}

fn transition_refused(from: Lab) -> Status {
    refusal(Code::FailedPrecondition, "INVALID_TRANSITION", format!("not possible while {}", from.name()))
}

/// The order's own status, its place on the lab's worklist and on the
/// ordering doctor's review list, from its items.
pub(super) fn settle(doc: &mut OrderDoc) {
    let statuses: Vec<Lab> = doc.items.iter().filter_map(|i| Lab::parse(&i.status)).collect();
    doc.status = order_status(&statuses).name().to_owned();
    let lab_work = statuses.iter().any(|s| matches!(s, Lab::Requested | Lab::SampleCollected | Lab::Processing));
    doc.work_rank = lab_work.then_some(if doc.priority == "URGENT" { 0 } else { 1 });
    let to_review = statuses.contains(&Lab::ResultsPendingReview);
    doc.review_doctor = to_review.then(|| doc.doctor_id.clone());
}

impl State {
    /// Places an order after the EHR confirms the care relationship and the
    /// encounter; each test must be active. Audited either way.
    pub async fn place_order(&self, c: &Caller, new: NewOrder) -> Result<Versioned<OrderDoc>, Status> {
        let id = new_id();
        let patient = new.patient_id.clone();
        let result = self.write_order(c, &id, new).await;
        self.audited(c, "CreateLabOrder", &patient, &id, "", result).await
    }

    async fn write_order(&self, c: &Caller, id: &str, new: NewOrder) -> Result<Versioned<OrderDoc>, Status> {
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
        let patient = self.demographics(&new.patient_id).await?;
        let tests = self.use_tests(&new.test_ids).await?;
        let items = tests
            .into_iter()
            .map(|t| ItemDoc {
                id: new_id(),
                test_id: t.id,
                test_code: t.doc.code,
                test_name: t.doc.name,
                sample_type: t.doc.sample_type,
                status: Lab::Requested.name().into(),
                price: t.doc.price,
                currency: t.doc.currency,
                parameters: t.doc.parameters,
                results: Vec::new(),
                files: Vec::new(),
                cancel_reason: String::new(),
                released_by: String::new(),
                released_at: None,
            })
            .collect();
        let mut doc = OrderDoc {
            patient_id: new.patient_id,
            doctor_id: doctor.to_owned(),
            encounter_id: new.encounter_id,
            priority: new.priority,
            notes: new.notes,
            status: String::new(),
            items,
            patient,
            created_at: now_micros(),
            accession: String::new(),
            collected_by: String::new(),
            collected_at: None,
            invoiced: false,
            work_rank: None,
            review_doctor: None,
            revision: 1,
            outbox: Default::default(),
        };
        settle(&mut doc);
        Ok(self.store.insert_order(id, &doc).await?)
    }

    /// One order, if the caller may see it; audited as `action`.
    pub async fn order(&self, c: &Caller, id: &str, action: &str) -> Result<Versioned<OrderDoc>, Status> {
        let order = self.store.order(id).await?.ok_or_else(order_not_found)?;
        let allowed = self.may_see(c, &order.doc).await;
        let patient = order.doc.patient_id.clone();
        self.audited(c, action, &patient, id, "", allowed.map(|()| order)).await
    }

    /// A patient's orders, newest first, if the caller may see them; audited.
    pub async fn patient_orders(
        &self,
        c: &Caller,
        patient_id: &str,
        after: Option<String>,
        limit: usize,
    ) -> Result<PageOf<OrderDoc>, Status> {
        let result = match self.may_list(c, patient_id).await {
            Ok(()) => self.store.patient_orders(patient_id, after, limit).await.map_err(Status::from),
            Err(e) => Err(e),
        };
        let outcome = super::access::outcome(&result);
        self.audit(c, "ListPatientLabResults", patient_id, "lab-orders", outcome, "").await?;
        result
    }

    /// The lab's worklist, urgent first; audited as one read.
    pub async fn worklist(
        &self,
        c: &Caller,
        status: Option<Lab>,
        after: Option<String>,
        limit: usize,
    ) -> Result<PageOf<OrderDoc>, Status> {
        let (mut orders, next) = self.store.worklist(after, limit).await?;
        if let Some(status) = status {
            orders.retain(|o| o.doc.items.iter().any(|i| i.status == status.name()));
        }
        self.audit(c, "ListPendingLabOrders", "", "lab-orders/pending", "ALLOWED", "").await?;
        Ok((orders, next))
    }

    /// The calling doctor's orders with results to review; audited.
    pub async fn to_review(&self, c: &Caller, after: Option<String>, limit: usize) -> Result<PageOf<OrderDoc>, Status> {
        let page = self.store.to_review(&c.principal.subject, after, limit).await?;
        self.audit(c, "ListLabOrdersToReview", "", "lab-orders/to-review", "ALLOWED", "").await?;
        Ok(page)
    }

    /// A step of the samples, for the whole order or one item, on the order
    /// the caller read at `version`. Audited with the reason given.
    pub async fn step(
        &self,
        c: &Caller,
        id: &str,
        scope: Scope<'_>,
        step: Step,
        reason: &str,
        version: i64,
    ) -> Result<Versioned<OrderDoc>, Status> {
        let action = match scope {
            Scope::Order => "UpdateLabOrderStatus",
            Scope::Item(_) => "UpdateLabOrderItemStatus",
        };
        let order = self.store.order(id).await?.ok_or_else(order_not_found)?;
        let patient = order.doc.patient_id.clone();
        let result = self.step_at(c, order, scope, step, reason, version).await;
        self.audited(c, action, &patient, id, reason, result).await
    }

    async fn step_at(
        &self,
        c: &Caller,
        order: Versioned<OrderDoc>,
        scope: Scope<'_>,
        step: Step,
        reason: &str,
        version: i64,
    ) -> Result<Versioned<OrderDoc>, Status> {
        let me = c.principal.subject.clone();
        match (c.principal.role, step) {
            (Role::LabTechnician, _) => {}
            (Role::Doctor, Step::Cancel) if order.doc.doctor_id == me => {}
            (Role::Doctor, Step::Cancel) => {
                return Err(refusal(
                    Code::PermissionDenied,
                    "NOT_YOUR_ORDER",
                    "only the ordering doctor or the lab may cancel it",
                ));
            }
            _ => return Err(refusal(Code::PermissionDenied, "LAB_ONLY", "only the lab handles samples")),
        }
        // A number is given before the write, once per order; one a
        // concurrent collection made unnecessary is left unused (numbers
        // may have gaps, never repeats).
        let accession = match step {
            Step::CollectSample if order.doc.accession.is_empty() => {
                let now = jiff::Timestamp::now().to_zoned(self.zone.clone());
                let date = now.date();
                let day = format!("L{:02}{:02}{:02}", date.year() % 100, date.month(), date.day());
                let number = self
                    .store
                    .next_accession(&day, &order.id, |sequence| {
                        Accession::new(
                            u16::try_from(date.year()).unwrap_or(0),
                            u8::try_from(date.month()).unwrap_or(0),
                            u8::try_from(date.day()).unwrap_or(0),
                            u32::try_from(sequence).unwrap_or(u32::MAX),
                        )
                        .map(|a| a.to_string())
                        .unwrap_or_else(|| format!("{day}-{sequence}"))
                    })
                    .await?;
                Some(number)
            }
            _ => None,
        };
        let now = now_micros();
        let (saved, ()) = self
            .change_order(&order.id, Some(version), |doc| {
                let mut moved = 0;
                for item in doc.items.iter_mut() {
                    if let Scope::Item(id) = scope
                        && item.id != id
                    {
                        continue;
                    }
                    let from = status_of(item)?;
                    // An item with results is no longer cancelled: they were measured.
                    let has_results = !item.results.is_empty();
                    match from.after(step).filter(|_| !(step == Step::Cancel && has_results)) {
                        Some(to) => {
                            item.status = to.name().to_owned();
                            if step == Step::Cancel {
                                item.cancel_reason = reason.to_owned();
                            }
                            moved += 1;
                        }
                        None if matches!(scope, Scope::Item(_)) => return Err(transition_refused(from)),
                        None => {}
                    }
                }
                if moved == 0 {
                    return Err(match scope {
                        Scope::Item(_) => Status::not_found("no such item in this order"),
                        Scope::Order => transition_refused(Lab::parse(&doc.status).unwrap_or(Lab::Requested)),
                    });
                }
                if step == Step::CollectSample {
                    if doc.accession.is_empty() {
                        doc.accession = accession.clone().ok_or_else(|| internal("no accession number"))?;
                        doc.collected_by = me.clone();
                        doc.collected_at = Some(now);
                    }
                    if !doc.invoiced {
                        let invoice = LabInvoice {
                            order_id: order.id.clone(),
                            patient_id: doc.patient_id.clone(),
                            lines: doc
                                .items
                                .iter()
                                .filter(|i| i.status != Lab::Cancelled.name())
                                .map(|i| InvoiceLine {
                                    test_name: i.test_name.clone(),
                                    price: i.price,
                                    currency: i.currency.clone(),
                                })
                                .collect(),
                        };
                        doc.outbox.push(invoice.event().map_err(internal)?).map_err(internal)?;
                        doc.invoiced = true;
                    }
                }
                settle(doc);
                Ok(())
            })
            .await?;
        Ok(saved)
    }
}
