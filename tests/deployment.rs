//! The dev cluster's databases admit every service that stores data in
//! them: a service whose Deployment reads a `*-database-url` reaches MySQL, a
//! `*-store-url` MongoDB, through the overlay's NetworkPolicies.

use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Services of `k8s/base` whose Deployment takes a secret key ending in `suffix`.
fn services_using(suffix: &str) -> Vec<String> {
    let mut services = Vec::new();
    for entry in std::fs::read_dir(repo().join("k8s/base")).unwrap() {
        let dir = entry.unwrap().path();
        let Ok(deployment) = std::fs::read_to_string(dir.join("deployment.yaml")) else { continue };
        if deployment.contains(&format!("{suffix}}}")) {
            services.push(dir.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    services.sort();
    services
}

/// The NetworkPolicy document of a dev-overlay file.
fn network_policy(file: &str) -> String {
    let text = std::fs::read_to_string(repo().join("k8s/overlays/dev").join(file)).unwrap();
    text.split("\n---").find(|doc| doc.contains("kind: NetworkPolicy")).expect("a NetworkPolicy").to_owned()
}

fn check(suffix: &str, file: &str, expected_some: &[&str]) {
    let services = services_using(suffix);
    for service in expected_some {
        assert!(services.iter().any(|s| s == service), "{service} no longer reads a {suffix}? found {services:?}");
    }
    let policy = network_policy(file);
    let refused: Vec<&String> =
        services.iter().filter(|s| !policy.contains(&format!("app.kubernetes.io/name: {s}}}"))).collect();
    assert!(refused.is_empty(), "k8s/overlays/dev/{file}: its NetworkPolicy does not admit {refused:?}");
}

#[test]
fn dev_mysql_admits_every_service_with_a_database_url() {
    check("-database-url", "mysql.yaml", &["user", "appointment", "billing"]);
}

#[test]
fn dev_mongodb_admits_every_service_with_a_store_url() {
    check("-store-url", "mongodb.yaml", &["ehr", "notification", "pharmacy", "laboratory"]);
}

/// Every service a Deployment calls by URL (`value: http://<service>:<port>`,
/// or `NAME: http://…` in the shared ConfigMap its `envFrom` takes, such as
/// the user service every process asks for the token keys) admits the
/// caller on that port in its NetworkPolicy: a call the policy drops would
/// only show as timeouts in the cluster.
#[test]
fn every_called_service_admits_its_callers() {
    let base = repo().join("k8s/base");
    let shared = std::fs::read_to_string(base.join("config.yaml")).unwrap();
    let shared_urls: Vec<&str> =
        shared.lines().filter_map(|line| line.split_once(": http://").map(|(_, url)| url)).collect();
    let mut refused = Vec::new();
    for entry in std::fs::read_dir(&base).unwrap() {
        let dir = entry.unwrap().path();
        let Ok(deployment) = std::fs::read_to_string(dir.join("deployment.yaml")) else { continue };
        let caller = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut urls: Vec<&str> =
            deployment.lines().filter_map(|line| line.trim().strip_prefix("value: http://")).collect();
        if deployment.contains("configMapRef: {name: hms-config}") {
            urls.extend(&shared_urls);
        }
        for url in urls {
            let (callee, port) = url.split_once(':').unwrap_or((url, ""));
            if callee == caller {
                continue;
            }
            let Ok(policy) = std::fs::read_to_string(base.join(callee).join("networkpolicy.yaml")) else { continue };
            let admitted = policy.contains(&format!("app.kubernetes.io/name: {caller}\n"))
                && policy.contains(&format!("{{port: {port}, protocol: TCP}}"));
            if !admitted {
                refused.push(format!("{caller} -> {callee}:{port}"));
            }
        }
    }
    assert!(refused.is_empty(), "NetworkPolicies in k8s/base refuse these calls: {refused:?}");
}
