//! `hms-laboratory`: the laboratory service on its own, for separate deployment.

use hms_kit::config::Sources;
use hms_kit::server::shutdown_signal;

#[global_allocator]
static ALLOCATOR: hms_kit::Allocator = hms_kit::Allocator;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sources = Sources::load()?;
    let _telemetry = hms_kit::telemetry::init("hms-laboratory", &sources.section("telemetry")?)?;
    let config: hms_laboratory::LaboratoryConfig = sources.section("laboratory")?;
    let listener = tokio::net::TcpListener::bind(config.server.listen).await?;
    hms_laboratory::run(config, sources.section("auth")?, listener, shutdown_signal()).await
}
