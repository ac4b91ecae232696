//! The file store on the filesystem and on an S3-compatible server (moto's
//! S3 when `HMS_TEST_S3_URL` is set, e.g. `http://127.0.0.1:5055`; with
//! `HMS_TEST_REQUIRE_BACKENDS=1` it must be).

use hms_kit::crypto::Sealer;
use hms_kit::objects::{ObjectError, Objects, ObjectsConfig};
use hms_kit::testing::require_backends;

const REPORT: &[u8] = b"%PDF-1.7\n1 0 obj << /Title (Potassium 6.9 mmol/L) >> endobj\n%%EOF\n";

fn sealer(keys: &[(&str, u8)], current: &str) -> Sealer {
    use base64::Engine;
    let keys: Vec<(String, String)> = keys
        .iter()
        .map(|(id, byte)| (id.to_string(), base64::engine::general_purpose::STANDARD.encode([*byte; 32])))
        .collect();
    Sealer::new(current, &keys).unwrap()
}

/// What every backend must do.
async fn contract(objects: &Objects, prefix: &str) {
    let name = format!("{prefix}/orders/o-1/items/i-1/report.pdf");
    objects.put(&name, REPORT).await.unwrap();
    assert_eq!(objects.get(&name).await.unwrap(), REPORT);

    // Replacing keeps only the new bytes.
    objects.put(&name, b"%PDF-1.7 corrected").await.unwrap();
    assert_eq!(objects.get(&name).await.unwrap(), b"%PDF-1.7 corrected");

    let missing = format!("{prefix}/orders/o-1/items/i-2/report.pdf");
    assert!(matches!(objects.get(&missing).await, Err(ObjectError::NotFound(_))));
    assert!(matches!(objects.get("../etc/passwd").await, Err(ObjectError::InvalidName(_))));
    assert!(matches!(objects.put("a/../b", REPORT).await, Err(ObjectError::InvalidName(_))));

    assert!(objects.delete(&name).await.unwrap());
    assert!(!objects.delete(&name).await.unwrap());
    assert!(matches!(objects.get(&name).await, Err(ObjectError::NotFound(_))));
    objects.ping().await.unwrap();
}

#[tokio::test]
async fn filesystem_files_are_sealed_and_private() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("files");
    let objects = Objects::open(&ObjectsConfig::default(), &root, sealer(&[("k1", 1)], "k1")).unwrap();
    contract(&objects, "t").await;

    let name = "orders/o-9/report.pdf";
    objects.put(name, REPORT).await.unwrap();
    let on_disk = std::fs::read(root.join(name)).unwrap();
    assert!(!on_disk.windows(9).any(|w| w == b"Potassium"), "the file is readable at rest");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&root.join(name)), 0o600);
        assert_eq!(mode(&root), 0o700);
    }

    // A sealed file moved under another name does not open there.
    std::fs::create_dir_all(root.join("orders/o-10")).unwrap();
    std::fs::copy(root.join(name), root.join("orders/o-10/report.pdf")).unwrap();
    assert!(matches!(objects.get("orders/o-10/report.pdf").await, Err(ObjectError::Unreadable { .. })));

    // A changed byte is caught.
    let mut tampered = on_disk.clone();
    *tampered.last_mut().unwrap() ^= 1;
    std::fs::write(root.join(name), &tampered).unwrap();
    assert!(matches!(objects.get(name).await, Err(ObjectError::Unreadable { .. })));

    // After a key rotation, files sealed under the old key still open and new ones use the new key.
    std::fs::write(root.join(name), &on_disk).unwrap();
    let rotated = Objects::open(&ObjectsConfig::default(), &root, sealer(&[("k1", 1), ("k2", 2)], "k2")).unwrap();
    assert_eq!(rotated.get(name).await.unwrap(), REPORT);
    rotated.put("orders/o-11/report.pdf", REPORT).await.unwrap();
    let without_k2 = Objects::open(&ObjectsConfig::default(), &root, sealer(&[("k1", 1)], "k1")).unwrap();
    assert!(matches!(without_k2.get("orders/o-11/report.pdf").await, Err(ObjectError::Unreadable { .. })));
}

#[tokio::test]
async fn s3_compatible_store_keeps_sealed_files() {
    let Ok(endpoint) = std::env::var("HMS_TEST_S3_URL") else {
        assert!(!require_backends(), "HMS_TEST_REQUIRE_BACKENDS=1 but HMS_TEST_S3_URL is not set");
        eprintln!("skipped: HMS_TEST_S3_URL is not set");
        return;
    };
    let bucket = format!("hms-test-{}", uuid::Uuid::new_v4().simple());
    // moto accepts an unsigned CreateBucket.
    let created = reqwest::Client::new().put(format!("{endpoint}/{bucket}")).send().await.unwrap();
    assert!(created.status().is_success(), "{created:?}");
    let config = ObjectsConfig {
        url: format!("s3://{bucket}/lab"),
        endpoint: endpoint.clone(),
        region: "us-east-1".into(),
        access_key_id: "test".into(),
        secret_access_key: "test".to_string().into(),
        allow_http: true,
    };
    let objects = Objects::open(&config, std::path::Path::new("unused"), sealer(&[("k1", 1)], "k1")).unwrap();
    contract(&objects, "t").await;

    // What the bucket holds under the prefix is sealed.
    objects.put("orders/o-9/report.pdf", REPORT).await.unwrap();
    let bucket_itself = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(&bucket)
        .with_endpoint(&endpoint)
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_access_key_id("test")
        .with_secret_access_key("test")
        .build()
        .unwrap();
    let path = object_store::path::Path::from("lab/orders/o-9/report.pdf");
    let raw = object_store::ObjectStore::get(&bucket_itself, &path).await.unwrap().bytes().await.unwrap();
    assert!(raw.starts_with(b"HMS1"));
    assert!(!raw.windows(9).any(|w| w == b"Potassium"), "the object is readable at rest");

    // A missing bucket is an error, not a silent loss.
    let wrong = Objects::open(
        &ObjectsConfig { url: "s3://no-such-bucket-hms".into(), ..config },
        std::path::Path::new("unused"),
        sealer(&[("k1", 1)], "k1"),
    )
    .unwrap();
    assert!(wrong.put("x", REPORT).await.is_err());
}
