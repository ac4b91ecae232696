//! `grpc.health.v1` Check against an address: what `hms-healthcheck` runs so
//! containers can be probed without a shell.

use std::time::Duration;

use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// Asks the server at `address` (`host:port` or `http://host:port`) for the
/// status of `service` ("" = the whole server), within `timeout`.
pub async fn check(address: &str, service: &str, timeout: Duration) -> anyhow::Result<ServingStatus> {
    let url = if address.contains("://") { address.to_owned() } else { format!("http://{address}") };
    let endpoint = tonic::transport::Endpoint::from_shared(url)?.connect_timeout(timeout).timeout(timeout);
    let work = async {
        let channel = endpoint.connect().await?;
        let response = HealthClient::new(channel).check(HealthCheckRequest { service: service.to_owned() }).await?;
        anyhow::Ok(response.into_inner().status())
    };
    tokio::time::timeout(timeout, work).await.map_err(|_| anyhow::anyhow!("no answer within {timeout:?}"))?
}

/// Command line of `hms-healthcheck`: `[ADDRESS] [--service NAME] [--timeout-ms N]`.
#[derive(Debug, PartialEq, Eq)]
pub struct Args {
    pub address: String,
    pub service: String,
    pub timeout: Duration,
}

pub const USAGE: &str = "usage: hms-healthcheck [ADDRESS] [--service NAME] [--timeout-ms N]\n\n  \
    grpc.health.v1 Check against ADDRESS (default $HMS_HEALTH_ADDRESS, else 127.0.0.1:50051);\n  \
    exits 0 when SERVING, 1 otherwise.";

impl Args {
    /// Parses the arguments; `default_address` is used when none is given.
    pub fn parse(args: impl IntoIterator<Item = String>, default_address: Option<String>) -> Result<Self, String> {
        let mut parsed = Args {
            address: default_address.unwrap_or_else(|| "127.0.0.1:50051".into()),
            service: String::new(),
            timeout: Duration::from_secs(3),
        };
        let mut args = args.into_iter();
        let mut address = None;
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--service" => parsed.service = args.next().ok_or("--service needs a value")?,
                "--timeout-ms" => {
                    let value = args.next().ok_or("--timeout-ms needs a value")?;
                    parsed.timeout =
                        Duration::from_millis(value.parse().map_err(|_| format!("bad --timeout-ms {value}"))?);
                }
                flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
                _ if address.is_none() => address = Some(arg),
                _ => return Err(format!("unexpected argument {arg}")),
            }
        }
        if let Some(address) = address {
            parsed.address = address;
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_parse() {
        let args = |list: &[&str]| Args::parse(list.iter().map(|s| (*s).to_owned()), None);
        assert_eq!(args(&[]).unwrap().address, "127.0.0.1:50051");
        assert_eq!(Args::parse(Vec::new(), Some("gateway:8080".into())).unwrap().address, "gateway:8080");
        let parsed = args(&["user:50051", "--service", "hms.user.v1.UserService", "--timeout-ms", "500"]).unwrap();
        assert_eq!(
            parsed,
            Args {
                address: "user:50051".into(),
                service: "hms.user.v1.UserService".into(),
                timeout: Duration::from_millis(500)
            }
        );
        assert!(args(&["--bogus"]).is_err());
        assert!(args(&["a", "b"]).is_err());
        assert!(args(&["--timeout-ms", "x"]).is_err());
    }
}
