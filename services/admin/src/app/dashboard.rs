//! The dashboard summary: one tile per upstream service, each asked over
//! gRPC in parallel with a service token and a deadline, for the clinic's
//! day and week. A tile whose service fails, is slow or is not configured
//! carries the error; the other tiles and the call itself still succeed.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hms_kit::auth::ServiceTokens;
use hms_kit::client::{OutboundChannel, OutboundInterceptor, channel};
use hms_kit::config::AuthConfig;
use hms_kit::proto::admin::{
    AppointmentsTile, BillingTile, GetDashboardSummaryResponse, NotificationsTile, PatientsTile, TileStatus,
};
use hms_kit::proto::appointment::GetAppointmentStatsRequest;
use hms_kit::proto::appointment::internal_appointment_service_client::InternalAppointmentServiceClient;
use hms_kit::proto::billing::GetBillingStatsRequest;
use hms_kit::proto::billing::internal_billing_service_client::InternalBillingServiceClient;
use hms_kit::proto::notification::GetNotificationStatsRequest;
use hms_kit::proto::notification::internal_notification_service_client::InternalNotificationServiceClient;
use hms_kit::proto::user::GetUserStatsRequest;
use hms_kit::proto::user::internal_user_service_client::InternalUserServiceClient;
use hms_kit::time::{date_to_proto, jiff_to_timestamp};
use jiff::ToSpan;
use jiff::tz::TimeZone;
use tonic::Status;

use super::State;
use crate::AdminConfig;
use crate::store;

impl State {
    /// The summary for the clinic's days: its zone as an admin set it, or
    /// the default.
    pub async fn dashboard_summary(&self) -> Result<GetDashboardSummaryResponse, Status> {
        let stored = store::stored_values(&self.db).await?;
        let zone_name = stored
            .iter()
            .find(|s| s.key == "clinic.time_zone")
            .map(|s| &s.value)
            .or_else(|| self.registry.get("clinic.time_zone").map(|(_, default)| default))
            .and_then(|value| value.as_str())
            .unwrap_or("UTC")
            .to_owned();
        // Stored and default zones were checked when set; UTC is the last resort.
        let zone = jiff::tz::TimeZone::get(&zone_name).unwrap_or(jiff::tz::TimeZone::UTC);
        Ok(self.dashboard.summary(&zone, &zone_name, jiff::Timestamp::now()).await)
    }
}

/// The upstream clients; None for a service the admin has no address of.
pub struct Dashboard {
    appointment: Option<InternalAppointmentServiceClient<OutboundChannel>>,
    billing: Option<InternalBillingServiceClient<OutboundChannel>>,
    notification: Option<InternalNotificationServiceClient<OutboundChannel>>,
    user: Option<InternalUserServiceClient<OutboundChannel>>,
    deadline: Duration,
}

impl Dashboard {
    /// Clients of the configured services (lazily connected, so the admin
    /// service starts while they are down). The user service defaults to the
    /// one that issues tokens.
    pub fn new(config: &AdminConfig, auth: &AuthConfig) -> anyhow::Result<Self> {
        let deadline = config.dashboard_timeout.max(Duration::from_millis(1));
        let user_url = config.user_url.clone().unwrap_or_else(|| auth.user_service_url.clone());
        let configured = [&config.appointment_url, &config.billing_url, &config.notification_url];
        let outbound = match auth.service_token_secret.as_ref() {
            Some(secret) => OutboundInterceptor::new(Some(Arc::new(ServiceTokens::new("admin", secret))), deadline),
            None if configured.iter().any(|url| url.is_some()) => {
                anyhow::bail!("auth.service_token_secret is required to call the services the dashboard reads")
            }
            // No token, no internal calls: every tile says so.
            None => {
                return Ok(Self { appointment: None, billing: None, notification: None, user: None, deadline });
            }
        };
        let connect = |url: &str| -> anyhow::Result<OutboundChannel> { Ok(outbound.wrap(channel(url)?)) };
        Ok(Self {
            appointment: config
                .appointment_url
                .as_deref()
                .map(connect)
                .transpose()?
                .map(InternalAppointmentServiceClient::new),
            billing: config.billing_url.as_deref().map(connect).transpose()?.map(InternalBillingServiceClient::new),
            notification: config
                .notification_url
                .as_deref()
                .map(connect)
                .transpose()?
                .map(InternalNotificationServiceClient::new),
            user: Some(InternalUserServiceClient::new(connect(&user_url)?)),
            deadline,
        })
    }

    /// The tiles for `now`'s day and week (from Monday) in `zone`.
    pub async fn summary(&self, zone: &TimeZone, zone_name: &str, now: jiff::Timestamp) -> GetDashboardSummaryResponse {
        let local = now.to_zoned(zone.clone());
        let today = local.date();
        let day_start = local.start_of_day().map_or(now, |z| z.timestamp());
        let monday = today.checked_sub(i64::from(today.weekday().to_monday_zero_offset()).days()).unwrap_or(today);
        let week_start = monday.to_zoned(zone.clone()).map_or(day_start, |z| z.timestamp());
        let (day_start, week_start) = (Some(jiff_to_timestamp(day_start)), Some(jiff_to_timestamp(week_start)));
        let date = date_to_proto(today);

        let appointments = self.appointment.clone().map(|mut client| {
            let request = GetAppointmentStatsRequest { date: Some(date) };
            async move { client.get_appointment_stats(request).await.map(|r| r.into_inner().stats) }
        });
        let billing = self.billing.clone().map(|mut client| {
            let request = GetBillingStatsRequest { day_start_time: day_start, week_start_time: week_start };
            async move { client.get_billing_stats(request).await.map(|r| r.into_inner().stats) }
        });
        let notifications = self.notification.clone().map(|mut client| async move {
            client.get_notification_stats(GetNotificationStatsRequest {}).await.map(|r| r.into_inner().stats)
        });
        let patients = self.user.clone().map(|mut client| {
            let request = GetUserStatsRequest { day_start_time: day_start, week_start_time: week_start };
            async move { client.get_user_stats(request).await.map(|r| r.into_inner().stats) }
        });
        let (appointments, billing, notifications, patients) =
            tokio::join!(self.tile(appointments), self.tile(billing), self.tile(notifications), self.tile(patients));
        GetDashboardSummaryResponse {
            date: Some(date),
            time_zone: zone_name.to_owned(),
            appointments: Some(AppointmentsTile { status: Some(appointments.0), stats: appointments.1 }),
            billing: Some(BillingTile { status: Some(billing.0), stats: billing.1 }),
            notifications: Some(NotificationsTile { status: Some(notifications.0), stats: notifications.1 }),
            patients: Some(PatientsTile { status: Some(patients.0), stats: patients.1 }),
        }
    }

    /// One tile: its figures with their time, or the error. The deadline is
    /// also enforced here, so a server that accepts the call and never
    /// answers cannot hold the page.
    async fn tile<T>(&self, call: Option<impl Future<Output = Result<Option<T>, Status>>>) -> (TileStatus, Option<T>) {
        let Some(call) = call else {
            return (failed("NOT_CONFIGURED", "the admin service has no address for this service"), None);
        };
        let started = tokio::time::Instant::now();
        match tokio::time::timeout(self.deadline, call).await {
            Ok(Ok(stats)) => (
                TileStatus { as_of_time: Some(jiff_to_timestamp(jiff::Timestamp::now())), ..TileStatus::default() },
                stats,
            ),
            // The channel enforces the request's deadline itself, and reports
            // it as CANCELLED ("Timeout expired"): call it what it is.
            Ok(Err(_)) if started.elapsed() >= self.deadline => {
                (failed("DEADLINE_EXCEEDED", "the service did not answer in time"), None)
            }
            Ok(Err(status)) => {
                tracing::warn!(code = ?status.code(), message = status.message(), "a dashboard tile failed");
                (failed(&code_name(status.code()), status.message()), None)
            }
            Err(_) => (failed("DEADLINE_EXCEEDED", "the service did not answer in time"), None),
        }
    }
}

fn failed(code: &str, message: &str) -> TileStatus {
    TileStatus { as_of_time: None, error_code: code.to_owned(), error_message: message.to_owned() }
}

/// The canonical upper-case name of a gRPC code, as in `google.rpc.Code`.
fn code_name(code: tonic::Code) -> String {
    let mut name = String::new();
    for (i, c) in format!("{code:?}").chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            name.push('_');
        }
        name.push(c.to_ascii_uppercase());
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_named_as_grpc_names_them() {
        assert_eq!(code_name(tonic::Code::Unavailable), "UNAVAILABLE");
        assert_eq!(code_name(tonic::Code::DeadlineExceeded), "DEADLINE_EXCEEDED");
        assert_eq!(code_name(tonic::Code::PermissionDenied), "PERMISSION_DENIED");
    }
}
