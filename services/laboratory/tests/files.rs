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
