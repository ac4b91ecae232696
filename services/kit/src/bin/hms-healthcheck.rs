//! `hms-healthcheck [ADDRESS] [--service NAME] [--timeout-ms N]`: a
//! grpc.health.v1 Check (ADDRESS defaults to `$HMS_HEALTH_ADDRESS`); exits 0 when SERVING, 1 otherwise (2 on bad usage).
//! Container images use it as their health probe, without a shell.

use hms_kit::healthcheck::{Args, USAGE, check};
use tonic_health::pb::health_check_response::ServingStatus;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = match Args::parse(std::env::args().skip(1), std::env::var("HMS_HEALTH_ADDRESS").ok()) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("{e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    match check(&args.address, &args.service, args.timeout).await {
        Ok(ServingStatus::Serving) => println!("{} SERVING", args.address),
        Ok(status) => {
            eprintln!("{} {}", args.address, status.as_str_name());
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("{}: {e:#}", args.address);
            std::process::exit(1);
        }
    }
}
