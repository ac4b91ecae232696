//! The walk itself, one function per service, in an order where each route
//! finds what it needs (an appointment before its confirmation, a care
//! relationship before the doctor writes the record).

use super::*;

/// The users routes; leaves tokens for admin, patient, doctor, nurse and insurer.
pub async fn users(w: &mut Walk) {
    let admin = w.login("admin", ADMIN_PASSWORD).await;
    w.tokens.insert("admin", admin["tokens"]["access_token"].as_str().unwrap().into());

    let body = json!({"username": "seed.patient", "password": PASSWORD, "email": "seed.patient@example.com",
        "first_name": "Seed", "last_name": "Patient", "phone_number": "+84901234567"});
    let user = w.seed("POST", "/api/v1/users/register/", Some(body)).await;
    assert_eq!(user["user"]["role"], "ROLE_PATIENT", "{user}");
    w.ids.insert("patient_id", user["user"]["id"].as_str().unwrap().into());

    let body = json!({"username": "seed.patient", "password": PASSWORD});
    let login = w.seed("POST", "/api/v1/users/login/", Some(body)).await;
    let refresh = login["tokens"]["refresh_token"].as_str().unwrap().to_owned();
    let body = json!({"refresh_token": refresh});
    let refreshed = w.seed("POST", "/api/v1/users/token/refresh/", Some(body)).await;
    w.tokens.insert("patient", refreshed["tokens"]["access_token"].as_str().unwrap().into());

    let me = w.seed("GET", "/api/v1/users/me/", None).await;
    assert_eq!(me["user"]["id"].as_str(), w.ids.get("patient_id").map(String::as_str), "{me}");
    let me = w.seed("PUT", "/api/v1/users/me/", Some(json!({"first_name": "Seeded"}))).await;
    assert_eq!(me["user"]["first_name"], "Seeded", "{me}");

    // Password change and logout on a second patient, so the first keeps
    // its session for the rest of the walk.
    let body = json!({"username": "seed.other", "password": PASSWORD, "email": "seed.other@example.com"});
    let (status, other) = w.call(Method::POST, "/api/v1/users/register", None, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{other}");
    w.ids.insert("other_patient_id", other["user"]["id"].as_str().unwrap().into());
    let main = w.tokens.insert("patient", w.access("seed.other").await).unwrap();
    let body = json!({"current_password": PASSWORD, "new_password": "another long password"});
    w.seed("POST", "/api/v1/users/password/change/", Some(body)).await;
    let other = w.login("seed.other", "another long password").await;
    w.tokens.insert("patient", other["tokens"]["access_token"].as_str().unwrap().into());
    w.seed("POST", "/api/v1/users/logout/", Some(json!({}))).await;
    let (status, _) = w.call(Method::GET, "/api/v1/users/me/", w.token("patient").as_deref(), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the logged-out session is closed");
    w.tokens.insert("patient", main);
    w.tokens.insert(
        "other_patient",
        w.login("seed.other", "another long password").await["tokens"]["access_token"].as_str().unwrap().into(),
    );

    // A reset is requested for a known address (the answer is the same for
    // an unknown one); a made-up token is refused on the confirm field.
    w.seed("POST", "/api/v1/users/password/reset/", Some(json!({"email": "seed.patient@example.com"}))).await;
    let body = json!({"token": "not-a-token-that-was-mailed", "new_password": "a third long password"});
    let refused =
        w.seed_as("POST", "/api/v1/users/password/reset/confirm/", "", Some(body), StatusCode::BAD_REQUEST).await;
    assert!(refused.to_string().contains("token"), "{refused}");

    let doctor = w.create_user("seed.doctor", "ROLE_DOCTOR", json!(null)).await;
    w.ids.insert("doctor_id", doctor);
    w.tokens.insert("doctor", w.access("seed.doctor").await);
    let other_doctor = w.create_user("seed.doctor2", "ROLE_DOCTOR", json!(null)).await;
    w.ids.insert("other_doctor_id", other_doctor);
    w.tokens.insert("other_doctor", w.access("seed.doctor2").await);
    w.create_user("seed.nurse", "ROLE_NURSE", json!(null)).await;
    w.tokens.insert("nurse", w.access("seed.nurse").await);
    let company = json!({"insurance_provider": {"company_name": "Bao Viet"}});
    w.create_user("seed.insurer", "ROLE_INSURANCE_PROVIDER", company).await;
    w.tokens.insert("insurer", w.access("seed.insurer").await);
    w.create_user("seed.pharmacist", "ROLE_PHARMACIST", json!(null)).await;
    w.tokens.insert("pharmacist", w.access("seed.pharmacist").await);
    w.create_user("seed.labtech", "ROLE_LAB_TECHNICIAN", json!(null)).await;
    w.tokens.insert("lab", w.access("seed.labtech").await);
}

/// Books two appointments (one completed, one cancelled) at the seed paths.
pub async fn appointments(w: &mut Walk) {
    let admin = w.token("admin");
    let body = json!({"code": "SEED-CHECKUP", "service": {"name": "Check-up", "description": "A check-up",
        "kind": "SERVICE_KIND_GENERAL_CHECKUP", "duration_minutes": 30,
        "price": {"amount_minor": "300000", "currency": "VND"}, "active": true}});
    let (status, service) = w.call(Method::POST, "/api/v1/appointments/services", admin.as_deref(), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{service}");
    let service_id = service["service"]["id"].as_str().unwrap().to_owned();

    let blocks: Vec<Value> = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
        .iter()
        .map(|d| json!({"day_of_week": d, "start_time": {"hours": 8}, "end_time": {"hours": 17}}))
        .collect();
    let body = json!({"specialty": "General", "location": "Room 7", "blocks": blocks});
    let set = w.seed("POST", "/api/v1/doctors/{doctor_id}/schedule/", Some(body)).await;
    assert_eq!(set["schedule"]["blocks"].as_array().unwrap().len(), 7, "{set}");
    let got = w.seed("GET", "/api/v1/doctors/{doctor_id}/schedule/", None).await;
    assert_eq!(got["schedule"]["location"], "Room 7", "{got}");

    let query = format!("?service_id={service_id}&{}&{}", date_query("start_date", 1), date_query("end_date", 1));
    let free = w.seed_as("GET", "/api/v1/doctors/{doctor_id}/availability/", &query, None, StatusCode::OK).await;
    let (_, _, _, tomorrow) = clinic_date(1);
    let nine = rfc3339(tomorrow + 9 * 3600);
    assert!(free["slots"].as_array().unwrap().iter().any(|s| s["start_time"] == nine.as_str()), "{nine}: {free}");

    let doctor_id = w.ids["doctor_id"].clone();
    let book = |hour: i64| {
        json!({"service_id": service_id, "doctor_id": doctor_id, "start_time": rfc3339(tomorrow + hour * 3600),
            "reason": "Headache for a week"})
    };
    let booked = w.seed("POST", "/api/v1/appointments/", Some(book(9))).await;
    w.ids.insert("appointment_id", booked["appointment"]["id"].as_str().unwrap().into());
    let (status, second) =
        w.call(Method::POST, "/api/v1/appointments", w.token("patient").as_deref(), Some(book(10))).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let second = second["appointment"]["id"].as_str().unwrap().to_owned();

    // The patient's list, filtered by status and date; the doctor's list.
    let query =
        format!("?statuses=APPOINTMENT_STATUS_PENDING&{}&{}", date_query("from_date", 1), date_query("to_date", 1));
    let mine = w.seed_as("GET", "/api/v1/patients/{patient_id}/appointments/", &query, None, StatusCode::OK).await;
    assert_eq!(mine["appointments"].as_array().unwrap().len(), 2, "{mine}");
    let query = format!("?{}", date_query("from_date", 2));
    let theirs = w.seed_as("GET", "/api/v1/doctors/{doctor_id}/appointments/", &query, None, StatusCode::OK).await;
    assert_eq!(theirs["appointments"], json!([]), "nothing from the day after tomorrow on: {theirs}");
    lists_keep_to_their_owners(w).await;

    w.seed("PUT", "/api/v1/appointments/{appointment_id}/confirm/", Some(json!({}))).await;
    let noted = w.seed("PUT", "/api/v1/appointments/{appointment_id}/", Some(json!({"doctor_notes": "BP fine"}))).await;
    assert_eq!(noted["appointment"]["doctor_notes"], "BP fine", "{noted}");
    assert_eq!(noted["appointment"]["status"], "APPOINTMENT_STATUS_CONFIRMED", "{noted}");
    notes_are_the_doctors_own(w).await;

    let path = format!("/api/v1/appointments/{}/check-in", w.ids["appointment_id"]);
    let (status, body) = w.call(Method::POST, &path, w.token("doctor").as_deref(), Some(json!({}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let done =
        w.seed("PUT", "/api/v1/appointments/{appointment_id}/complete/", Some(json!({"doctor_notes": "Rest"}))).await;
    assert_eq!(done["appointment"]["status"], "APPOINTMENT_STATUS_COMPLETED", "{done}");

    w.ids.insert("appointment_id", second);
    let cancelled =
        w.seed("PUT", "/api/v1/appointments/{appointment_id}/cancel/", Some(json!({"reason": "Better"}))).await;
    assert_eq!(cancelled["appointment"]["status"], "APPOINTMENT_STATUS_CANCELLED_PATIENT", "{cancelled}");
    let path = format!("/api/v1/appointments/{}", w.ids["appointment_id"]);
    let (status, body) =
        w.call(Method::PUT, &path, w.token("doctor").as_deref(), Some(json!({"doctor_notes": "late"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a cancelled appointment takes no notes: {body}");
    assert!(body.to_string().contains("APPOINTMENT_CANCELLED"), "{body}");
}

/// A patient lists only their own appointments, a doctor only theirs;
/// nurses and admins anyone's.
async fn lists_keep_to_their_owners(w: &Walk) {
    let patient_list = format!("/api/v1/patients/{}/appointments/", w.ids["patient_id"]);
    let doctor_list = format!("/api/v1/doctors/{}/appointments/", w.ids["doctor_id"]);
    for (path, role, expect) in [
        (&patient_list, "other_patient", StatusCode::FORBIDDEN),
        (&patient_list, "doctor", StatusCode::FORBIDDEN),
        (&patient_list, "nurse", StatusCode::OK),
        (&patient_list, "admin", StatusCode::OK),
        (&doctor_list, "other_doctor", StatusCode::FORBIDDEN),
        (&doctor_list, "patient", StatusCode::FORBIDDEN),
        (&doctor_list, "nurse", StatusCode::OK),
        (&doctor_list, "admin", StatusCode::OK),
    ] {
        let (status, body) = w.call(Method::GET, path, w.token(role).as_deref(), None).await;
        assert_eq!(status, expect, "{path} as {role}: {body}");
        if status == StatusCode::OK {
            assert_eq!(body["appointments"].as_array().unwrap().len(), 2, "{path} as {role}: {body}");
        }
    }
    let bad = format!("{patient_list}?from_date.year=2026&from_date.month=13&from_date.day=1");
    let (status, body) = w.call(Method::GET, &bad, w.token("patient").as_deref(), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("from_date"), "{body}");
}

/// Only the appointment's doctor writes its notes.
async fn notes_are_the_doctors_own(w: &Walk) {
    let path = format!("/api/v1/appointments/{}/", w.ids["appointment_id"]);
    let body = json!({"doctor_notes": "not mine"});
    let (status, _) = w.call(Method::PUT, &path, w.token("other_doctor").as_deref(), Some(body.clone())).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another doctor's appointment is not found");
    for role in ["patient", "nurse", "admin"] {
        let (status, _) = w.call(Method::PUT, &path, w.token(role).as_deref(), Some(body.clone())).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role} may not write notes");
    }
    let long = json!({"doctor_notes": "x".repeat(5001)});
    let (status, answer) = w.call(Method::PUT, &path, w.token("doctor").as_deref(), Some(long)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let (_, kept) = w.call(Method::GET, &path, w.token("patient").as_deref(), None).await;
    assert_eq!(kept["appointment"]["doctor_notes"], "BP fine", "{kept}");
}

/// The EHR routes, once the confirmed appointment gave the doctor a care
/// relationship (the EHR learns of it through the appointment outbox).
pub async fn ehr(w: &mut Walk) {
    let path = format!("/api/v1/ehr/patients/{}/", w.ids["patient_id"]);
    let mut created = None;
    for _ in 0..200 {
        let (status, body) = w.call(Method::POST, &path, w.token("doctor").as_deref(), Some(json!({}))).await;
        if status != StatusCode::FORBIDDEN {
            created = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        let _ = body;
    }
    assert_eq!(created, Some(StatusCode::OK), "the doctor never got a care relationship");
    // The same call at the seed route: the record exists now, so not created again.
    let again = w.seed("POST", "/api/v1/ehr/patients/{patient_id}/", Some(json!({}))).await;
    assert_eq!(again["created"], false, "{again}");
    let record = w.seed("GET", "/api/v1/ehr/patients/{patient_id}/", None).await;
    assert_eq!(record["record"]["patient_id"].as_str(), Some(w.ids["patient_id"].as_str()), "{record}");

    let body = json!({"notes": {"chief_complaint": "Headache"}});
    let encounter = w.seed("POST", "/api/v1/ehr/patients/{patient_id}/encounters/", Some(body)).await;
    w.ids.insert("encounter_id", encounter["encounter"]["encounter_id"].as_str().unwrap().into());
    let list = w.seed("GET", "/api/v1/ehr/patients/{patient_id}/encounters/", None).await;
    assert!(!list["encounters"].as_array().unwrap().is_empty(), "{list}");
    let got = w.seed("GET", "/api/v1/ehr/patients/{patient_id}/encounters/{encounter_id}/", None).await;
    let version = got["encounter"]["version"].clone();
    let body = json!({"notes": {"chief_complaint": "Headache", "clinical_notes": "Tension type"}, "version": version});
    let updated = w.seed("PUT", "/api/v1/ehr/patients/{patient_id}/encounters/{encounter_id}/", Some(body)).await;
    assert_eq!(updated["encounter"]["notes"]["clinical_notes"], "Tension type", "{updated}");
    let body = json!({"diagnosis": {"icd10_code": "R51", "description": "Headache", "is_primary": true}});
    let diagnosed =
        w.seed("POST", "/api/v1/ehr/patients/{patient_id}/encounters/{encounter_id}/diagnoses/", Some(body)).await;
    let diagnosis = &diagnosed["encounter"]["diagnoses"][0];
    w.ids.insert("diagnosis_id", diagnosis["diagnosis_id"].as_str().unwrap().into());
    let body = json!({"diagnosis": {"icd10_code": "G44.2", "description": "Tension-type headache", "is_primary": true},
        "version": diagnosed["encounter"]["version"]});
    let template = "/api/v1/ehr/patients/{patient_id}/encounters/{encounter_id}/diagnoses/{diagnosis_id}/";
    let changed = w.seed("PUT", template, Some(body)).await;
    assert_eq!(changed["encounter"]["diagnoses"][0]["icd10_code"], "G44.2", "{changed}");
    let body = json!({"vital_signs": {"heart_rate": 72, "systolic_bp": 120, "diastolic_bp": 80}});
    let vitals =
        w.seed("POST", "/api/v1/ehr/patients/{patient_id}/encounters/{encounter_id}/vitals/", Some(body)).await;
    assert_eq!(vitals["vital_signs"]["heart_rate"], 72, "{vitals}");
}

/// The pharmacy: a catalog entry, stock received, a prescription from the
/// encounter of the EHR walk, verified and dispensed earliest expiry first.
pub async fn pharmacy(w: &mut Walk) {
    let medication = json!({"medication": {
        "code": "SEEDAMOX", "name": "Seedamox 500 mg capsule", "generic_name": "amoxicillin",
        "drug_classes": ["penicillin", "beta_lactam"], "ingredients": ["amoxicillin"],
        "dosage_form": "DOSAGE_FORM_CAPSULE", "strength": "500 mg",
        "unit_price": {"amount_minor": 2500, "currency": "VND"}, "reorder_level": 20, "active": true}});
    let created = w.seed("POST", "/api/v1/admin/medications/catalog/", Some(medication)).await;
    w.ids.insert("medication_id", created["medication"]["medication_id"].as_str().unwrap().into());
    let catalog = w.seed_as("GET", "/api/v1/admin/medications/catalog/", "?query=seedam", None, StatusCode::OK).await;
    assert_eq!(catalog["medications"][0]["code"], "SEEDAMOX", "{catalog}");

    let receive = |lot: &str, days: i64, quantity: i64| {
        let (year, month, day, _) = clinic_date(days);
        json!({"receive": {"lot": lot, "expiry_date": {"year": year, "month": month, "day": day}, "quantity": quantity}})
    };
    let path = format!("/api/v1/pharmacy/stock/{}/", w.ids["medication_id"]);
    let (status, late) =
        w.call(Method::PUT, &path, w.token("pharmacist").as_deref(), Some(receive("LATE", 300, 40))).await;
    assert_eq!(status, StatusCode::OK, "{late}");
    w.seed("PUT", "/api/v1/pharmacy/stock/{medication_id}/", Some(receive("SOON", 60, 10))).await;
    let stock = w.seed_as("GET", "/api/v1/pharmacy/stock/", "?page.page_size=500", None, StatusCode::OK).await;
    let ours =
        stock["stock"].as_array().unwrap().iter().find(|s| s["medication_id"] == w.ids["medication_id"].as_str());
    assert_eq!(ours.map(|s| s["on_hand"].clone()), Some(json!(50)), "{stock}");

    let body = json!({"patient_id": w.ids["patient_id"], "encounter_id": w.ids["encounter_id"],
        "items": [{"medication_id": w.ids["medication_id"], "dosage": "1 capsule", "frequency": "3 times a day",
            "duration_days": 5, "quantity": 15}]});
    let written = w.seed("POST", "/api/v1/prescriptions/", Some(body)).await;
    let prescription = &written["prescription"];
    w.ids.insert("prescription_id", prescription["prescription_id"].as_str().unwrap().into());
    assert_eq!(prescription["status"], "PRESCRIPTION_STATUS_PENDING_VERIFICATION", "{written}");
    let mine = w.seed("GET", "/api/v1/patients/{patient_id}/prescriptions/", None).await;
    assert_eq!(mine["prescriptions"].as_array().map(Vec::len), Some(1), "{mine}");
    let one = w.seed("GET", "/api/v1/prescriptions/{prescription_id}/", None).await;
    let version = one["prescription"]["version"].clone();

    let queue = w.seed("GET", "/api/v1/pharmacy/prescriptions/pending/", None).await;
    assert!(
        queue["prescriptions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["prescription_id"] == one["prescription"]["prescription_id"])
    );
    let body = json!({"approve": true, "version": version});
    let verified = w.seed("PUT", "/api/v1/pharmacy/prescriptions/{prescription_id}/verify/", Some(body)).await;
    assert_eq!(verified["prescription"]["status"], "PRESCRIPTION_STATUS_VERIFIED", "{verified}");
    let dispensed = w.seed("POST", "/api/v1/pharmacy/prescriptions/{prescription_id}/dispense/", Some(json!({}))).await;
    assert_eq!(dispensed["prescription"]["status"], "PRESCRIPTION_STATUS_DISPENSED_FULL", "{dispensed}");
    let lots: Vec<(&str, i64)> = dispensed["dispense"]["lines"][0]["picks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["lot"].as_str().unwrap(), p["quantity"].as_i64().unwrap()))
        .collect();
    assert_eq!(lots, [("SOON", 10), ("LATE", 5)], "earliest expiry first: {dispensed}");
}

/// The admin's catalog (a test created, read, changed and deleted), then a
/// fasting glucose ordered by the doctor, collected, processed and entered
/// by the lab in mg/dL, and read by the doctor and the patient (who sees it
/// pending until the doctor releases it).
pub async fn laboratory(w: &mut Walk) {
    let catalog = w.seed_as("GET", "/api/v1/admin/lab-tests/catalog/", "?query=glucose", None, StatusCode::OK).await;
    let glucose =
        catalog["tests"].as_array().unwrap().iter().find(|t| t["code"] == "14771-0").expect("fasting glucose");
    let glucose_id = glucose["test_id"].as_str().unwrap().to_owned();

    let test = json!({"test": {"code": "SEED-1", "name": "Seed test", "sample_type": "SERUM", "turnaround_hours": 4,
        "price": {"amount_minor": 10000, "currency": "VND"}, "active": true, "parameters": [{"code": "SEED-1P",
        "name": "Seed analyte", "kind": "PARAMETER_KIND_QUANTITATIVE", "unit": "mmol/L", "decimals": 1,
        "ranges": [{"age_min_days": 0, "age_max_days": 43830, "low": 1.0, "high": 2.0, "source": "seed walk"}]}]}});
    let created = w.seed("POST", "/api/v1/admin/lab-tests/catalog/", Some(test.clone())).await;
    w.ids.insert("test_id", created["test"]["test_id"].as_str().unwrap().into());
    let one = w.seed("GET", "/api/v1/admin/lab-tests/catalog/{test_id}/", None).await;
    assert_eq!(one["test"]["parameters"][0]["ranges"][0]["high"], 2.0, "{one}");
    let mut changed = test;
    changed["test"]["name"] = json!("Seed test, renamed");
    changed["version"] = one["test"]["version"].clone();
    let updated = w.seed("PUT", "/api/v1/admin/lab-tests/catalog/{test_id}/", Some(changed)).await;
    assert_eq!(updated["test"]["name"], "Seed test, renamed", "{updated}");
    // An int64 is a JSON string ("2"); in the query it goes bare.
    let version = format!("?version={}", updated["test"]["version"].as_str().unwrap());
    w.seed_as("DELETE", "/api/v1/admin/lab-tests/catalog/{test_id}/", &version, None, StatusCode::OK).await;

    let body = json!({"patient_id": w.ids["patient_id"], "encounter_id": w.ids["encounter_id"],
        "priority": "PRIORITY_URGENT", "test_ids": [glucose_id]});
    let ordered = w.seed("POST", "/api/v1/lab/orders/", Some(body)).await;
    let order = &ordered["order"];
    assert_eq!(order["status"], "LAB_ORDER_STATUS_REQUESTED", "{ordered}");
    w.ids.insert("order_id", order["order_id"].as_str().unwrap().into());
    w.ids.insert("item_id", order["items"][0]["item_id"].as_str().unwrap().into());

    let pending = w.seed("GET", "/api/v1/lab/orders/pending/", None).await;
    assert!(pending["orders"].as_array().unwrap().iter().any(|o| o["order_id"] == order["order_id"]), "{pending}");
    let body = json!({"step": "LAB_STEP_COLLECT_SAMPLE", "version": order["version"]});
    let collected = w.seed("PUT", "/api/v1/lab/orders/{order_id}/status/", Some(body)).await;
    assert!(collected["order"]["accession_number"].as_str().unwrap().starts_with('L'), "{collected}");
    let body = json!({"step": "LAB_STEP_START_PROCESSING", "version": collected["order"]["version"]});
    let processing = w.seed("PUT", "/api/v1/lab/orders/{order_id}/items/{item_id}/status/", Some(body)).await;
    let body = json!({"results": [{"parameter_code": "14771-0", "value": 126, "unit": "mg/dL"}],
        "version": processing["order"]["version"]});
    let entered = w.seed("POST", "/api/v1/lab/orders/{order_id}/items/{item_id}/results/", Some(body)).await;
    let result = &entered["order"]["items"][0]["results"][0];
    assert_eq!((result["flag"].as_str(), result["unit"].as_str()), (Some("FLAG_HIGH"), Some("mmol/L")), "{entered}");

    let doctors = w.seed("GET", "/api/v1/patients/{patient_id}/lab-results/", None).await;
    assert_eq!(doctors["orders"][0]["items"][0]["results"][0]["flag"], "FLAG_HIGH", "{doctors}");
    let results = w.seed("GET", "/api/v1/lab/orders/{order_id}/results/", None).await;
    assert_eq!(results["order"]["status"], "LAB_ORDER_STATUS_RESULTS_PENDING_REVIEW", "{results}");
    // The patient sees the order, its results pending until the doctor releases them.
    let theirs = w.seed("GET", "/api/v1/patients/{patient_id}/lab-results/", None).await;
    let item = &theirs["orders"][0]["items"][0];
    assert!(item["results"].as_array().is_none_or(Vec::is_empty) && item["results_pending"] == true, "{theirs}");

    // Released, the patient gets the printed report through REST as the PDF itself.
    let path = format!("/api/v1/lab/orders/{}/release", w.ids["order_id"]);
    let body = json!({"version": results["order"]["version"]});
    let (status, released) = w.call(Method::POST, &path, w.token("doctor").as_deref(), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{released}");
    let path = format!("/api/v1/lab/orders/{}/report", w.ids["order_id"]);
    let (status, pdf) = w.call(Method::GET, &path, w.token("patient").as_deref(), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(pdf.as_str().is_some_and(|text| text.starts_with("%PDF-")), "not a PDF: {:.80}", pdf.to_string());
}

/// A manual invoice through its whole seed life: listed, updated by the
/// admin, paid, claimed and processed.
pub async fn billing(w: &mut Walk) {
    let body = json!({"patient_id": w.ids["patient_id"], "currency": "VND", "items": [{"type": "ITEM_TYPE_CONSULTATION",
        "description": "Consultation", "quantity": "1", "unit_price_minor": "500000"}]});
    let invoice = w.seed("POST", "/api/v1/admin/invoices/", Some(body)).await;
    w.ids.insert("invoice_id", invoice["invoice"]["id"].as_str().unwrap().into());
    let query = format!("?patient_id={}", w.ids["patient_id"]);
    let all = w.seed_as("GET", "/api/v1/admin/invoices/", &query, None, StatusCode::OK).await;
    assert!(!all["invoices"].as_array().unwrap().is_empty(), "{all}");
    let mine = w.seed("GET", "/api/v1/patients/{patient_id}/invoices/", None).await;
    assert!(mine["invoices"].as_array().unwrap().iter().any(|i| i["id"] == w.ids["invoice_id"].as_str()), "{mine}");
    let one = w.seed("GET", "/api/v1/invoices/{invoice_id}/", None).await;
    assert_eq!(one["invoice"]["id"].as_str(), Some(w.ids["invoice_id"].as_str()), "{one}");

    invoice_update_keeps_its_invariants(w).await;
    let body = json!({"discount_minor": "50000", "payment": {"idempotency_key": "seed-cash-0001",
        "amount": {"amount_minor": "100000", "currency": "VND"}, "method": "PAYMENT_METHOD_CASH", "reference": "R-1"}});
    let updated = w.seed("PUT", "/api/v1/admin/invoices/{invoice_id}/", Some(body.clone())).await;
    // The same request again (a client retrying): the discount is set again, no second payment.
    let path = format!("/api/v1/admin/invoices/{}/", w.ids["invoice_id"]);
    let (status, again) = w.call(Method::PUT, &path, w.token("admin").as_deref(), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["payment"]["id"], updated["payment"]["id"], "{again}");
    assert_eq!(again["invoice"]["paid_by_patient"], updated["invoice"]["paid_by_patient"], "{again}");
    assert_eq!(updated["invoice"]["discount"]["amount_minor"], "50000", "{updated}");
    assert_eq!(updated["payment"]["amount"]["amount_minor"], "100000", "{updated}");
    assert_eq!(updated["invoice"]["status"], "INVOICE_STATUS_PARTIALLY_PAID", "{updated}");

    let body = json!({"idempotency_key": "seed-card-0001", "amount": {"amount_minor": "100000", "currency": "VND"},
        "card_token": "tok_ok_4242"});
    let paid = w.seed("POST", "/api/v1/invoices/{invoice_id}/pay/", Some(body)).await;
    assert_eq!(paid["payment"]["amount"]["amount_minor"], "100000", "{paid}");

    let body = json!({"policy": {"provider_name": "Bao Viet", "policy_number": "BV-0001",
        "valid_from": {"year": 2020, "month": 1, "day": 1}, "valid_to": {"year": 2099, "month": 12, "day": 31}}});
    let policy = w.seed("POST", "/api/v1/patients/{patient_id}/insurance-policies/", Some(body)).await;
    let policy_id = policy["policy"]["id"].as_str().unwrap().to_owned();
    let policies = w.seed("GET", "/api/v1/patients/{patient_id}/insurance-policies/", None).await;
    assert_eq!(policies["policies"][0]["id"].as_str(), Some(policy_id.as_str()), "{policies}");
    let body = json!({"policy_id": policy_id, "claim_amount": {"amount_minor": "100000", "currency": "VND"}});
    let claim = w.seed("POST", "/api/v1/invoices/{invoice_id}/claims/", Some(body)).await;
    w.ids.insert("claim_id", claim["claim"]["id"].as_str().unwrap().into());
    let claims = w.seed("GET", "/api/v1/admin/claims/", None).await;
    assert!(!claims["claims"].as_array().unwrap().is_empty(), "{claims}");
    let pending = w.seed("GET", "/api/v1/insurance-provider/claims/pending/", None).await;
    assert!(!pending["claims"].as_array().unwrap().is_empty(), "{pending}");
    let body = json!({"status": "CLAIM_STATUS_PROCESSING"});
    let processing = w.seed("PUT", "/api/v1/insurance-provider/claims/{claim_id}/process/", Some(body)).await;
    assert_eq!(processing["claim"]["status"], "CLAIM_STATUS_PROCESSING", "{processing}");
    let body = json!({"status": "CLAIM_STATUS_AWAITING_DOCUMENTS", "notes": "Send the receipt"});
    let waiting = w.seed("PUT", "/api/v1/admin/claims/{claim_id}/", Some(body)).await;
    assert_eq!(waiting["claim"]["status"], "CLAIM_STATUS_AWAITING_DOCUMENTS", "{waiting}");
}

/// The admin's single invoice update checks everything before it changes
/// anything, and keeps the rules of the operations it is made of.
async fn invoice_update_keeps_its_invariants(w: &Walk) {
    let path = format!("/api/v1/admin/invoices/{}/", w.ids["invoice_id"]);
    let admin = w.token("admin");
    let (status, body) = w.call(Method::PUT, &path, admin.as_deref(), Some(json!({}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "nothing to update: {body}");
    // A bad payment leaves the (valid) discount unapplied.
    let bad = json!({"discount_minor": "70000", "payment": {"idempotency_key": "seed-cash-0002",
        "amount": {"amount_minor": "1000", "currency": "VND"}, "method": "PAYMENT_METHOD_CREDIT_CARD"}});
    let (status, body) = w.call(Method::PUT, &path, admin.as_deref(), Some(bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("payment.method"), "{body}");
    let (status, body) = w.call(Method::PUT, &path, admin.as_deref(), Some(json!({"discount_minor": "900000"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a discount above the subtotal: {body}");
    let (_, invoice) = w.call(Method::GET, &path.replace("/admin", ""), w.token("patient").as_deref(), None).await;
    assert_eq!(invoice["invoice"]["discount"]["amount_minor"], "0", "{invoice}");
    let (status, _) =
        w.call(Method::PUT, &path, w.token("patient").as_deref(), Some(json!({"discount_minor": "1"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "admins only");
}

/// Template administration and the delivery log.
pub async fn notifications(w: &mut Walk) {
    // The built-in templates, listed at the seed route; a new one takes a
    // (type, channel) the English ones do not have yet.
    let query = "?language=en&page.page_size=500";
    let list = w.seed_as("GET", "/api/v1/admin/notification-templates/", query, None, StatusCode::OK).await;
    let taken: Vec<String> = list["templates"].as_array().unwrap().iter().map(|t| t["id"].to_string()).collect();
    let types = ["PHARMACY_STOCK_LOW", "LAB_CRITICAL_VALUE", "INSURANCE_CLAIM_STATUS_UPDATED", "FEEDBACK_REQUESTED"];
    let (kind, channel) = types
        .iter()
        .flat_map(|t| ["SMS", "IN_APP", "EMAIL"].map(|c| (*t, c)))
        .find(|(t, c)| !taken.contains(&format!("\"{t}.{c}.en\"")))
        .expect("a (type, channel) without an English template");
    // The body is the template itself (`body: "template"`), not wrapped.
    let body = json!({"type": format!("NOTIFICATION_TYPE_{kind}"), "channel": format!("CHANNEL_{channel}"),
        "language": "en", "subject": "Notice", "body_text": "Something changed."});
    let created = w.seed("POST", "/api/v1/admin/notification-templates/", Some(body)).await;
    w.ids.insert("template_id", created["template"]["id"].as_str().unwrap().into());
    let got = w.seed("GET", "/api/v1/admin/notification-templates/{template_id}/", None).await;
    let body = json!({"subject": "Reminder", "body_text": "See you soon.", "version": got["template"]["version"]});
    let updated = w.seed("PUT", "/api/v1/admin/notification-templates/{template_id}/", Some(body)).await;
    assert_eq!(updated["template"]["body_text"], "See you soon.", "{updated}");
    w.seed("DELETE", "/api/v1/admin/notification-templates/{template_id}/", None).await;
    let path = format!("/api/v1/admin/notification-templates/{}/", w.ids["template_id"]);
    let (status, _) = w.call(Method::GET, &path, w.token("admin").as_deref(), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "deleted");
    let logs = w.seed("GET", "/api/v1/admin/notification-logs/", None).await;
    assert!(logs["deliveries"].is_array(), "{logs}");
}

pub async fn admin(w: &mut Walk) {
    // The dashboard: under `hms up` every tile has figures and their time.
    let summary = w.seed("GET", "/api/v1/admin/dashboard/summary/", None).await;
    for tile in ["appointments", "billing", "notifications", "patients"] {
        assert!(summary[tile]["status"]["as_of_time"].is_string(), "{tile}: {summary}");
        assert!(summary[tile]["stats"].is_object(), "{tile}: {summary}");
    }
    w.ids.insert("key", "billing.invoice_due_days".into());
    let got = w.seed("GET", "/api/v1/admin/system-configurations/{key}/", None).await;
    assert_eq!(got["configuration"]["key"], "billing.invoice_due_days", "{got}");
    let version = got["configuration"]["version"].as_str().unwrap_or("0").to_owned();
    let body = json!({"value": {"integer": "21"}, "expected_version": version, "reason": "seed walk"});
    let updated = w.seed("PUT", "/api/v1/admin/system-configurations/{key}/", Some(body)).await;
    assert_eq!(updated["configuration"]["value"], json!({"integer": "21"}), "{updated}");
    // The change is in the admin audit log.
    let log = w
        .seed_as("GET", "/api/v1/admin/audit-logs/", "?target_id=billing.invoice_due_days", None, StatusCode::OK)
        .await;
    assert!(!log["entries"].as_array().unwrap().is_empty(), "{log}");
}

/// Every internal seed route is unreachable from outside: no route at the
/// gateway with or without its trailing slash, with an admin's token too.
/// Their count.
pub async fn internal_routes_are_unreachable(w: &Walk) -> usize {
    let mut count = 0;
    for row in w.rows.iter().filter(|r| r.who == "internal") {
        let path = row.path.replace("{patient_id}", &w.ids["patient_id"]);
        for path in [path.clone(), path.trim_end_matches('/').to_owned()] {
            for token in [None, w.token("admin")] {
                let method = Method::from_bytes(row.verb.as_bytes()).unwrap();
                let (status, body) = w.call(method, &path, token.as_deref(), Some(json!({}))).await;
                assert_eq!(status, StatusCode::NOT_FOUND, "internal {} {path}: {body}", row.verb);
            }
        }
        count += 1;
    }
    count
}
