//! `hms-notification`: the notification service on its own.

use hms_kit::config::Sources;
use hms_kit::server::shutdown_signal;

#[global_allocator]
static ALLOCATOR: hms_kit::Allocator = hms_kit::Allocator;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sources = Sources::load()?;
    let _telemetry = hms_kit::telemetry::init("hms-notification", &sources.section("telemetry")?)?;
    let config: hms_notification::NotificationConfig = sources.section("notification")?;
    let listener = tokio::net::TcpListener::bind(config.server.listen).await?;
    hms_notification::run(config, sources.section("auth")?, listener, shutdown_signal()).await
}
