//! Billing administration through the gRPC API, on every relational
//! backend: manual invoices, discounts, manual payments, cancellation and
//! write-off.

mod common;

use common::*;
use hms_kit::proto::billing::*;
use hms_kit::testing::Relational;
use tonic::Code;

/// A manual invoice created with an idempotency key exists once, however
/// many concurrent retries carry the key; the key with another invoice is
/// refused.
async fn concurrent_manual_invoices_with_one_key_give_one_invoice(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let (patient, token) = h.patient("keyed.patient").await;
    let request = |price: i64| CreateManualInvoiceRequest {
        patient_id: patient.clone(),
        items: vec![InvoiceItemInput {
            r#type: ItemType::OtherService.into(),
            description: "Dressing".into(),
            quantity: 1,
            unit_price_minor: price,
        }],
        idempotency_key: "manual-invoice-0001".into(),
        ..Default::default()
    };
    let mut calls = Vec::new();
    for _ in 0..8 {
        let mut billing = h.billing().await;
        let request = authed(request(120_000), h.admin());
        calls.push(tokio::spawn(async move { billing.create_manual_invoice(request).await }));
    }
    let mut ids = Vec::new();
    for call in calls {
        ids.push(call.await.unwrap().unwrap().into_inner().invoice.unwrap().id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one invoice for one key: {ids:?}");

    let mut billing = h.billing().await;
    let status =
        assert_code(billing.create_manual_invoice(authed(request(99_000), h.admin())).await, Code::AlreadyExists);
    assert_eq!(
        tonic_types::StatusExt::get_error_details(&status).error_info().unwrap().reason,
        "IDEMPOTENCY_KEY_REUSED"
    );
    let mut bad = request(1);
    bad.idempotency_key = "short".into();
    let status = assert_code(billing.create_manual_invoice(authed(bad, h.admin())).await, Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["idempotency_key"]);

    let list = billing
        .list_patient_invoices(authed(ListPatientInvoicesRequest { patient_id: patient, ..Default::default() }, &token))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(list.invoices.len(), 1);
}

async fn admins_manage_invoices(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let (patient, token) = h.patient("admin.patient").await;
    let mut billing = h.billing().await;
    let item = |description: &str, quantity: i64, price: i64| InvoiceItemInput {
        r#type: ItemType::OtherService.into(),
        description: description.into(),
        quantity,
        unit_price_minor: price,
    };
    let manual = billing
        .create_manual_invoice(authed(
            CreateManualInvoiceRequest {
                patient_id: patient.clone(),
                items: vec![item("Bandage", 3, 20_000), item("Room", 1, 500_000)],
                currency: String::new(),
                discount_minor: 60_000,
                due_in_days: 7,
                ..Default::default()
            },
            h.admin(),
        ))
        .await
        .unwrap()
        .into_inner()
        .invoice
        .unwrap();
    assert_eq!(manual.subtotal.as_ref().unwrap().amount_minor, 560_000);
    assert_eq!(manual.total.as_ref().unwrap().amount_minor, 500_000);
    assert_eq!(manual.source_type(), SourceType::Manual);
    let bad = CreateManualInvoiceRequest {
        patient_id: patient.clone(),
        items: vec![item("", 0, 1)],
        currency: "dong".into(),
        discount_minor: -1,
        due_in_days: 400,
        ..Default::default()
    };
    let status = assert_code(billing.create_manual_invoice(authed(bad, h.admin())).await, Code::InvalidArgument);
    assert_eq!(
        violated_fields(&status),
        ["currency", "discount_minor", "due_in_days", "items[0].description", "items[0].quantity"]
    );

    // Discount: recomputed, never below what was paid.
    h.pay(&token, &manual.id, "admin-key-01", 300_000, "tok_ok_4242").await.unwrap();
    let discounted = billing
        .apply_discount(authed(
            ApplyDiscountRequest { invoice_id: manual.id.clone(), discount_minor: 100_000 },
            h.admin(),
        ))
        .await
        .unwrap()
        .into_inner()
        .invoice
        .unwrap();
    assert_eq!(discounted.total.unwrap().amount_minor, 460_000);
    assert_eq!(discounted.balance.unwrap().amount_minor, 160_000);
    let status = assert_code(
        billing
            .apply_discount(authed(
                ApplyDiscountRequest { invoice_id: manual.id.clone(), discount_minor: 300_000 },
                h.admin(),
            ))
            .await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&status), "DISCOUNT_BELOW_PAID");
    // A discount that settles the balance pays the invoice.
    let settled = billing
        .apply_discount(authed(
            ApplyDiscountRequest { invoice_id: manual.id.clone(), discount_minor: 260_000 },
            h.admin(),
        ))
        .await
        .unwrap()
        .into_inner()
        .invoice
        .unwrap();
    assert_eq!(settled.status(), InvoiceStatus::Paid);

    // Cancel needs nothing paid; write-off takes the rest; both need a reason.
    let a = h.appointment_invoice("appt-cancel", &patient, 10_000).await;
    let b = h.appointment_invoice("appt-writeoff", &patient, 10_000).await;
    let status = assert_code(
        billing
            .cancel_invoice(authed(CancelInvoiceRequest { invoice_id: a.id.clone(), reason: " ".into() }, h.admin()))
            .await,
        Code::InvalidArgument,
    );
    assert_eq!(violated_fields(&status), ["reason"]);
    let cancelled = billing
        .cancel_invoice(authed(
            CancelInvoiceRequest { invoice_id: a.id.clone(), reason: "duplicate".into() },
            h.admin(),
        ))
        .await
        .unwrap()
        .into_inner()
        .invoice
        .unwrap();
    assert_eq!(cancelled.status(), InvoiceStatus::Cancelled);
    assert_eq!(cancelled.status_reason, "duplicate");
    let status =
        assert_code(h.pay(&token, &a.id, "admin-key-02", 1_000, "tok_ok_4242").await, Code::FailedPrecondition);
    assert_eq!(reason(&status), "INVOICE_NOT_PAYABLE");
    h.pay(&token, &b.id, "admin-key-03", 4_000, "tok_ok_4242").await.unwrap();
    let status = assert_code(
        billing
            .cancel_invoice(authed(CancelInvoiceRequest { invoice_id: b.id.clone(), reason: "x".into() }, h.admin()))
            .await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&status), "INVOICE_NOT_CANCELLABLE");
    let written = billing
        .write_off_invoice(authed(
            WriteOffInvoiceRequest { invoice_id: b.id.clone(), reason: "hardship".into() },
            h.admin(),
        ))
        .await
        .unwrap()
        .into_inner()
        .invoice
        .unwrap();
    assert_eq!(written.status(), InvoiceStatus::WrittenOff);

    // Search: by status, patient, source type and number prefix.
    let search = |request: SearchInvoicesRequest| {
        let mut billing = billing.clone();
        let admin = h.admin().to_owned();
        async move { billing.search_invoices(authed(request, &admin)).await.unwrap().into_inner().invoices }
    };
    let all = search(SearchInvoicesRequest { patient_id: patient.clone(), ..Default::default() }).await;
    assert_eq!(all.len(), 3);
    let cancelled_only =
        search(SearchInvoicesRequest { statuses: vec![InvoiceStatus::Cancelled.into()], ..Default::default() }).await;
    assert_eq!(cancelled_only.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), [a.id.as_str()]);
    let manual_only =
        search(SearchInvoicesRequest { source_type: SourceType::Manual.into(), ..Default::default() }).await;
    assert_eq!(manual_only.len(), 1);
    let by_number =
        search(SearchInvoicesRequest { number_prefix: manual.invoice_number.clone(), ..Default::default() }).await;
    assert_eq!(by_number.len(), 1);
    let status = assert_code(
        billing
            .search_invoices(authed(
                SearchInvoicesRequest { number_prefix: "inv%".into(), ..Default::default() },
                h.admin(),
            ))
            .await,
        Code::InvalidArgument,
    );
    assert_eq!(violated_fields(&status), ["number_prefix"]);
}

on_every_backend!(concurrent_manual_invoices_with_one_key_give_one_invoice, admins_manage_invoices,);
