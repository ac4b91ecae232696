//! The medical service catalog through the gRPC API, on every relational
//! backend: admin-managed, publicly listed.

mod common;

use common::*;
use hms_kit::proto::appointment::*;
use hms_kit::proto::common::Role;
use hms_kit::testing::Relational;
use tonic::Code;

async fn catalog_is_admin_managed_and_publicly_listed(kind: Relational) {
    let Some(h) = Harness::start(kind).await else { return };
    let mut schedules = h.schedules().await;
    let checkup = h.service("GEN-CHECKUP", 30, &[]).await;
    assert!(checkup.active && !checkup.id.is_empty());
    assert_eq!(checkup.price.as_ref().unwrap().currency, "VND");

    let mut hidden = service_input("Old service", 30, &[]);
    hidden.active = false;
    schedules
        .create_medical_service(authed(
            CreateMedicalServiceRequest { code: "OLD".into(), service: Some(hidden) },
            h.admin(),
        ))
        .await
        .unwrap();

    // The public list needs no token and shows active services only.
    let public = schedules.list_medical_services(ListMedicalServicesRequest::default()).await.unwrap().into_inner();
    assert_eq!(public.services.iter().map(|s| s.code.as_str()).collect::<Vec<_>>(), ["GEN-CHECKUP"]);
    let all = schedules
        .list_medical_services(authed(
            ListMedicalServicesRequest { include_inactive: true, ..Default::default() },
            h.admin(),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all.services.len(), 2);

    // Only admins manage it; codes are unique; bad input names every field.
    let (_, patient) = h.patient("catalog.patient").await;
    let request = CreateMedicalServiceRequest { code: "X-RAY".into(), service: Some(service_input("X", 30, &[])) };
    assert_code(schedules.create_medical_service(authed(request, &patient)).await, Code::PermissionDenied);
    let duplicate =
        CreateMedicalServiceRequest { code: "GEN-CHECKUP".into(), service: Some(service_input("Again", 30, &[])) };
    let status = assert_code(schedules.create_medical_service(authed(duplicate, h.admin())).await, Code::AlreadyExists);
    assert_eq!(reason(&status), "CODE_TAKEN");
    let mut bad = service_input("", 7, &[""]);
    bad.price.as_mut().unwrap().amount_minor = -1;
    bad.kind = 0;
    let status = assert_code(
        schedules
            .create_medical_service(authed(
                CreateMedicalServiceRequest { code: "bad code".into(), service: Some(bad) },
                h.admin(),
            ))
            .await,
        Code::InvalidArgument,
    );
    let mut fields = violated_fields(&status);
    fields.sort();
    assert_eq!(
        fields,
        [
            "code",
            "service.duration_minutes",
            "service.kind",
            "service.name",
            "service.price.amount_minor",
            "service.specialties[0]"
        ]
    );

    // Update, get, delete.
    let mut input = service_input("General check-up", 45, &["General"]);
    input.auto_confirm = true;
    let updated = schedules
        .update_medical_service(authed(
            UpdateMedicalServiceRequest { service_id: checkup.id.clone(), service: Some(input) },
            h.admin(),
        ))
        .await
        .unwrap()
        .into_inner()
        .service
        .unwrap();
    assert_eq!((updated.duration_minutes, updated.auto_confirm, updated.code.as_str()), (45, true, "GEN-CHECKUP"));
    let fetched = schedules
        .get_medical_service(GetMedicalServiceRequest { service_id: checkup.id.clone() })
        .await
        .unwrap()
        .into_inner()
        .service
        .unwrap();
    assert_eq!(fetched, updated);

    // A booked service cannot be deleted, only deactivated.
    let (doctor, _) = h.staff("catalog.doctor", Role::Doctor).await;
    h.every_day(&doctor, "General", "Room 1").await;
    h.book(&patient, &checkup.id, &doctor, at(clinic_date(3), 9, 0)).await.unwrap();
    let status = assert_code(
        schedules
            .delete_medical_service(authed(DeleteMedicalServiceRequest { service_id: checkup.id.clone() }, h.admin()))
            .await,
        Code::FailedPrecondition,
    );
    assert_eq!(reason(&status), "SERVICE_IN_USE");
    let unused = all.services.iter().find(|s| s.code == "OLD").unwrap();
    schedules
        .delete_medical_service(authed(DeleteMedicalServiceRequest { service_id: unused.id.clone() }, h.admin()))
        .await
        .unwrap();
    assert_code(
        schedules.get_medical_service(GetMedicalServiceRequest { service_id: unused.id.clone() }).await,
        Code::NotFound,
    );
}

on_every_backend!(catalog_is_admin_managed_and_publicly_listed,);
