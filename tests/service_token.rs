//! `hms service-token NAME`: the token an operator uses for the internal
//! grpcurl examples, signed with the secret `hms up` keeps in
//! data/secrets.toml (or the one the environment sets).

use std::process::{Command, Output};
use std::sync::Arc;

use hms_kit::auth::TokenVerifier;
use hms_kit::client::GrpcKeySource;
use hms_kit::proto::common::Role;
use secrecy::SecretString;

fn hms(data_dir: &std::path::Path, args: &[&str], env_secret: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hms"));
    command
        .args(args)
        .env("HMS_DATA_DIR", data_dir)
        .env_remove("HMS_CONFIG")
        .env_remove("HMS_AUTH__SERVICE_TOKEN_SECRET");
    if let Some(secret) = env_secret {
        command.env("HMS_AUTH__SERVICE_TOKEN_SECRET", secret);
    }
    command.output().expect("run hms")
}

/// A verifier as every service builds it, trusting service tokens signed
/// with `secret` (access-token keys are never fetched for them).
fn verifier(secret: &str) -> TokenVerifier {
    let keys = Arc::new(GrpcKeySource::new("http://127.0.0.1:9").unwrap());
    TokenVerifier::new(keys, "hms-user", "hms", Some(&SecretString::from(secret.to_owned())))
}

fn token(output: &Output) -> String {
    assert!(output.status.success(), "hms service-token failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).unwrap().trim().to_owned()
}

#[tokio::test]
async fn prints_a_token_signed_with_the_secret_of_hms_up() {
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("secrets.toml"), "[auth]\nservice_token_secret = \"secret-of-hms-up\"\n").unwrap();

    let token = token(&hms(data.path(), &["service-token", "operator"], None));
    let caller = verifier("secret-of-hms-up").verify(&token).await.expect("the services accept it");
    assert_eq!((caller.subject.as_str(), caller.role), ("operator", Role::Service));
    assert!(verifier("another-secret").verify(&token).await.is_err());
}

#[tokio::test]
async fn the_environment_secret_wins_over_the_file() {
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("secrets.toml"), "[auth]\nservice_token_secret = \"from-file\"\n").unwrap();

    let token = token(&hms(data.path(), &["service-token", "billing"], Some("from-environment")));
    let caller = verifier("from-environment").verify(&token).await.expect("signed with the environment's secret");
    assert_eq!(caller.subject, "billing");
}

#[test]
fn without_a_secret_it_says_where_one_comes_from_and_creates_nothing() {
    let data = tempfile::tempdir().unwrap();
    let output = hms(data.path(), &["service-token", "operator"], None);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("HMS_AUTH__SERVICE_TOKEN_SECRET"), "{stderr}");
    assert!(!data.path().join("secrets.toml").exists());

    let output = hms(data.path(), &["service-token"], None);
    assert_eq!(output.status.code(), Some(2), "a name is required");
}
