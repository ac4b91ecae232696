//! `hms-gateway`: the gateway alone. Configuration: `[gateway]` and `[auth]`
//! sections of `$HMS_CONFIG`, `HMS_GATEWAY__*` and `HMS_AUTH__*` variables.

use hms_kit::config::Sources;
use tokio::net::TcpListener;

#[global_allocator]
static ALLOCATOR: hms_kit::Allocator = hms_kit::Allocator;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sources = Sources::load()?;
    let _telemetry = hms_kit::telemetry::init("hms-gateway", &sources.section("telemetry")?)?;
    let config: hms_gateway::GatewayConfig = sources.section("gateway")?;
    let listener = TcpListener::bind(config.listen).await?;
    hms_gateway::run(config, sources.section("auth")?, listener, hms_kit::server::shutdown_signal()).await
}
