//! Invoices through the gRPC API, on every relational backend: one per
//! appointment, dispense or lab order (once per source), lists, and the
//! overdue job.

mod common;

use common::*;
use hms_kit::proto::billing::*;
use hms_kit::proto::common::PageRequest;
use hms_kit::testing::Relational;
use tonic::Code;

async fn an_invoice_for_each_source(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let (patient, token) = h.patient("sources.patient").await;
    let mut internal = h.internal().await;

    let created = internal
        .create_invoice_for_appointment(authed(appointment_request("appt-1", &patient, 150_000), h.service()))
        .await
        .unwrap()
        .into_inner();
    assert!(created.created);
    let invoice = created.invoice.unwrap();
    assert!(invoice.invoice_number.starts_with("INV-"), "{}", invoice.invoice_number);
    assert_eq!(invoice.status(), InvoiceStatus::PendingPatient);
    assert_eq!(invoice.source_type(), SourceType::Appointment);
    assert_eq!(invoice.total.as_ref().unwrap().amount_minor, 150_000);
    assert_eq!(invoice.items[0].r#type(), ItemType::Consultation);
    assert_eq!(invoice.items[0].description, "General check-up");
    let due = invoice.due_date.unwrap();
    assert_eq!(due, day(today().checked_add(jiff::Span::new().days(30)).unwrap()));

    // The same appointment again: the same invoice, not a second one.
    let again = internal
        .create_invoice_for_appointment(authed(appointment_request("appt-1", &patient, 150_000), h.service()))
        .await
        .unwrap()
        .into_inner();
    assert!(!again.created);
    assert_eq!(again.invoice.unwrap().id, invoice.id);
    // …and never for another patient.
    let status = assert_code(
        internal
            .create_invoice_for_appointment(authed(appointment_request("appt-1", "someone-else", 1), h.service()))
            .await,
        Code::AlreadyExists,
    );
    assert_eq!(reason(&status), "SOURCE_ALREADY_INVOICED");

    // A dispense: line totals and the subtotal are computed here.
    let medication = internal
        .create_invoice_for_medication(authed(
            CreateInvoiceForMedicationRequest {
                dispense_id: "disp-1".into(),
                patient_id: patient.clone(),
                items: vec![
                    MedicationLine {
                        medication_name: "Amoxicillin 500mg".into(),
                        quantity: 20,
                        unit_price: Some(vnd(2_500)),
                    },
                    MedicationLine {
                        medication_name: "Paracetamol".into(),
                        quantity: 10,
                        unit_price: Some(vnd(1_000)),
                    },
                ],
            },
            h.service(),
        ))
        .await
        .unwrap()
        .into_inner()
        .invoice
        .unwrap();
    assert_eq!(medication.items[0].total.as_ref().unwrap().amount_minor, 50_000);
    assert_eq!(medication.subtotal.as_ref().unwrap().amount_minor, 60_000);
    assert_eq!(medication.total.as_ref().unwrap().amount_minor, 60_000);
    assert_eq!(medication.source_type(), SourceType::Dispense);

    let lab = internal
        .create_invoice_for_lab_order(authed(
            CreateInvoiceForLabOrderRequest {
                lab_order_id: "lab-1".into(),
                patient_id: patient.clone(),
                items: vec![
                    LabTestLine { test_name: "CBC".into(), price: Some(vnd(120_000)) },
                    LabTestLine { test_name: "HbA1c".into(), price: Some(vnd(180_000)) },
                ],
            },
            h.service(),
        ))
        .await
        .unwrap()
        .into_inner()
        .invoice
        .unwrap();
    assert_eq!(lab.total.as_ref().unwrap().amount_minor, 300_000);
    assert_eq!(lab.items.len(), 2);
    assert_ne!(lab.invoice_number, medication.invoice_number);

    // Bad input names every field; mixed currencies are refused.
    let status = assert_code(
        internal
            .create_invoice_for_medication(authed(
                CreateInvoiceForMedicationRequest {
                    dispense_id: String::new(),
                    patient_id: "p 1".into(),
                    items: vec![
                        MedicationLine { medication_name: String::new(), quantity: 0, unit_price: Some(vnd(-1)) },
                        MedicationLine {
                            medication_name: "x".into(),
                            quantity: 1,
                            unit_price: Some(hms_kit::proto::common::Money { amount_minor: 1, currency: "USD".into() }),
                        },
                    ],
                },
                h.service(),
            ))
            .await,
        Code::InvalidArgument,
    );
    assert_eq!(
        violated_fields(&status),
        [
            "dispense_id",
            "items[0].name",
            "items[0].price.amount_minor",
            "items[0].quantity",
            "items[1].price.currency",
            "patient_id"
        ]
    );
    let status = assert_code(
        internal.create_invoice_for_appointment(authed(appointment_request("appt-2", &patient, -5), h.service())).await,
        Code::InvalidArgument,
    );
    assert_eq!(violated_fields(&status), ["price.amount_minor"]);

    // Internal calls are for services only.
    assert_code(
        internal.create_invoice_for_appointment(authed(appointment_request("appt-3", &patient, 1), &token)).await,
        Code::PermissionDenied,
    );

    // The patient lists all three, newest first, and pages through them.
    let mut billing = h.billing().await;
    let list = billing
        .list_patient_invoices(authed(
            ListPatientInvoicesRequest {
                patient_id: patient.clone(),
                page: Some(PageRequest { page_size: 2, page_token: String::new() }),
                statuses: vec![],
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        list.invoices.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        [lab.id.as_str(), medication.id.as_str()]
    );
    let rest = billing
        .list_patient_invoices(authed(
            ListPatientInvoicesRequest {
                patient_id: patient.clone(),
                page: Some(PageRequest { page_size: 2, page_token: list.page.unwrap().next_page_token }),
                statuses: vec![],
            },
            &token,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rest.invoices.len(), 1);
    assert_eq!(rest.invoices[0].id, invoice.id);
    assert!(rest.page.unwrap().next_page_token.is_empty());
}

async fn concurrent_creates_for_one_appointment_give_one_invoice(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let (patient, _) = h.patient("race.patient").await;
    let client = h.internal().await;
    let calls = (0..32).map(|_| {
        let mut client = client.clone();
        let request = authed(appointment_request("appt-race", &patient, 200_000), h.service());
        async move { client.create_invoice_for_appointment(request).await.map(|r| r.into_inner()) }
    });
    let results = futures::future::join_all(calls).await;
    let results: Vec<_> = results.into_iter().map(|r| r.expect("every call answers with the invoice")).collect();
    let ids: std::collections::BTreeSet<_> = results.iter().map(|r| r.invoice.as_ref().unwrap().id.clone()).collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(results.iter().filter(|r| r.created).count(), 1);
    assert_eq!(h.count("SELECT COUNT(*) FROM invoices WHERE source_id = 'appt-race'").await, 1);
    // One INVOICE_GENERATED notice, not 32.
    assert_eq!(h.count("SELECT COUNT(*) FROM hms_outbox").await, 1);
}

async fn the_overdue_job_marks_unpaid_invoices_past_due(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let (patient, token) = h.patient("overdue.patient").await;
    let unpaid = h.appointment_invoice("appt-unpaid", &patient, 100_000).await;
    let partial = h.appointment_invoice("appt-partial", &patient, 100_000).await;
    let paid = h.appointment_invoice("appt-paid", &patient, 100_000).await;
    h.pay(&token, &partial.id, "overdue-key-1", 40_000, "tok_ok_4242").await.unwrap();
    h.pay(&token, &paid.id, "overdue-key-2", 100_000, "tok_ok_4242").await.unwrap();

    // Due in 30 days: not overdue on its due date.
    let due = today().checked_add(jiff::Span::new().days(30)).unwrap();
    assert_eq!(h.overdue.run_once(due).await.unwrap(), 0);
    // The day after, two replicas' passes at once mark each invoice once.
    let after = due.checked_add(jiff::Span::new().days(1)).unwrap();
    let (a, b) = tokio::join!(h.overdue.run_once(after), h.overdue.run_once(after));
    assert_eq!(a.unwrap() + b.unwrap(), 2);
    assert_eq!(h.overdue.run_once(after).await.unwrap(), 0);
    let status = |id: String| {
        let h = &h;
        let token = token.clone();
        async move { h.get(&token, &id).await.unwrap().invoice.unwrap().status() }
    };
    assert_eq!(status(unpaid.id.clone()).await, InvoiceStatus::Overdue);
    assert_eq!(status(partial.id.clone()).await, InvoiceStatus::Overdue);
    assert_eq!(status(paid.id.clone()).await, InvoiceStatus::Paid);
    // An overdue invoice still takes its payment.
    let settled = h.pay(&token, &unpaid.id, "overdue-key-3", 100_000, "tok_ok_4242").await.unwrap();
    assert_eq!(settled.invoice.unwrap().status(), InvoiceStatus::Paid);
}

on_every_backend!(
    an_invoice_for_each_source,
    concurrent_creates_for_one_appointment_give_one_invoice,
    the_overdue_job_marks_unpaid_invoices_past_due,
);
