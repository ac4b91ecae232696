//! Result files: the type told by content, a size cap, sealed at rest,
//! and served under the order's rules (a patient only once released).

mod common;

use common::*;
use hms_kit::proto::common::Role;
use hms_kit::proto::laboratory::*;
use tonic::Code;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

async fn files_are_checked_sealed_and_shown_after_release(w: World) {
    let care = w.care("files").await;
    let (_, tech) = w.staff("tech.files", Role::LabTechnician).await;
    let glucose = w.test("14771-0").await;
    let order = w.order(&care, &[&glucose], Priority::Routine).await.unwrap();
    let mut lab = w.lab().await;
    let attach = |order: &LabOrder, name: &str, content: Vec<u8>| AttachResultFileRequest {
        order_id: order.order_id.clone(),
        item_id: order.items[0].item_id.clone(),
        file_name: name.into(),
        content,
    };
    // Before a sample: refused.
    let early = lab.attach_result_file(authed(attach(&order, "run.pdf", PDF.to_vec()), &tech)).await;
    assert_code(early, Code::FailedPrecondition);
    let order = w.step(&tech, &order, LabStep::CollectSample, "").await.unwrap();

    // A text file named .pdf, and one too large: refused on `content`.
    let text = lab.attach_result_file(authed(attach(&order, "run.pdf", b"just text".to_vec()), &tech)).await;
    assert_eq!(violated_fields(&assert_code(text, Code::InvalidArgument)), ["content"]);
    let mut huge = PDF.to_vec();
    huge.resize(4 * 1024 * 1024 + 1, b' ');
    let large = lab.attach_result_file(authed(attach(&order, "big.pdf", huge), &tech)).await;
    assert_eq!(violated_fields(&assert_code(large, Code::InvalidArgument)), ["content"]);

    let file = lab
        .attach_result_file(authed(attach(&order, "analyser-run.pdf", PDF.to_vec()), &tech))
        .await
        .unwrap()
        .into_inner()
        .file
        .unwrap();
    assert_eq!((file.content_type.as_str(), file.size_bytes), ("application/pdf", PDF.len() as i64));

    // Sealed at rest, readable by its owner only.
    let mut stored = Vec::new();
    for entry in walk(&w.config.files_dir) {
        stored.push(entry);
    }
    assert_eq!(stored.len(), 1, "{stored:?}");
    let bytes = std::fs::read(&stored[0]).unwrap();
    assert!(!bytes.windows(5).any(|w| w == b"%PDF-"), "the file is stored in the clear");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&stored[0]).unwrap().permissions().mode() & 0o777, 0o600);

    let get = |token: &str| {
        authed(
            GetResultFileRequest {
                order_id: order.order_id.clone(),
                item_id: order.items[0].item_id.clone(),
                file_id: file.file_id.clone(),
            },
            token,
        )
    };
    let read = lab.get_result_file(get(&care.doctor.1)).await.unwrap().into_inner();
    assert_eq!(read.content, PDF);
    let pending = lab.get_result_file(get(&care.patient.1)).await;
    assert_eq!(reason(&assert_code(pending, Code::FailedPrecondition)), "RESULTS_PENDING");
    let stranger = w.staff("doc.files.stranger", Role::Doctor).await;
    assert_code(lab.get_result_file(get(&stranger.1)).await, Code::PermissionDenied);

    let order = w.get(&tech, &order.order_id).await;
    let order = w.enter(&tech, &order, 0, vec![number("14771-0", 5.0, "mmol/L")], "").await.unwrap().order.unwrap();
    w.release(&care.doctor.1, &order).await.unwrap();
    let theirs = lab.get_result_file(get(&care.patient.1)).await.unwrap().into_inner();
    assert_eq!(theirs.content, PDF);
}

/// The same on an S3-compatible server (moto's, `HMS_TEST_S3_URL`): stored
/// in the bucket, read back through the API.
async fn files_on_an_s3_compatible_store() {
    let Ok(endpoint) = std::env::var("HMS_TEST_S3_URL") else {
        let required = std::env::var("HMS_TEST_REQUIRE_BACKENDS").is_ok_and(|v| v == "1");
        assert!(!required, "HMS_TEST_REQUIRE_BACKENDS=1 but HMS_TEST_S3_URL is not set");
        eprintln!("skipped: HMS_TEST_S3_URL is not set");
        return;
    };
    let bucket = format!("hms-lab-{}", hms_kit::ids::new_id().replace('-', ""));
    // moto accepts an unsigned CreateBucket.
    let http = reqwest::Client::new();
    let created = http.put(format!("{endpoint}/{bucket}")).send().await.unwrap();
    assert!(created.status().is_success(), "{created:?}");
    let files = hms_kit::objects::ObjectsConfig {
        url: format!("s3://{bucket}/lab"),
        endpoint: endpoint.clone(),
        region: "us-east-1".into(),
        access_key_id: "test".into(),
        secret_access_key: "test".to_string().into(),
        allow_http: true,
    };
    let w = World::with_files(Docs::Sqlite, files).await.unwrap();
    let care = w.care("s3").await;
    let (_, tech) = w.staff("tech.s3", Role::LabTechnician).await;
    let glucose = w.test("14771-0").await;
    let order = w.order(&care, &[&glucose], Priority::Routine).await.unwrap();
    let order = w.step(&tech, &order, LabStep::CollectSample, "").await.unwrap();
    let item_id = order.items[0].item_id.clone();
    let mut lab = w.lab().await;
    let request = AttachResultFileRequest {
        order_id: order.order_id.clone(),
        item_id: item_id.clone(),
        file_name: "run.pdf".into(),
        content: PDF.to_vec(),
    };
    let file = lab.attach_result_file(authed(request, &tech)).await.unwrap().into_inner().file.unwrap();
    // In the bucket, not on the disk (kit's objects tests show the bucket's copy is sealed).
    assert!(walk(&w.config.files_dir).is_empty(), "a file was written to the disk");
    let request = GetResultFileRequest { order_id: order.order_id.clone(), item_id, file_id: file.file_id };
    let read = lab.get_result_file(authed(request, &care.doctor.1)).await.unwrap().into_inner();
    assert_eq!(read.content, PDF);
}

#[test]
fn files_on_an_s3_compatible_store_run() {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
        .block_on(files_on_an_s3_compatible_store());
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

on_every_store!(files_are_checked_sealed_and_shown_after_release);
