//! `InternalNotificationService`: the other services' `Send` (queued, one
//! delivery per channel) and the admin dashboard's failure counts.

use hms_kit::auth::principal;
use hms_kit::error::FieldViolations;
use hms_kit::proto::notification::internal_notification_service_server::InternalNotificationService;
use hms_kit::proto::notification::*;
use hms_kit::time::now_micros;
use tonic::{Request, Response};

use super::convert::delivery_to_proto;
use super::{InternalApi, MAX_DATA_ENTRIES, MAX_DATA_VALUE, Reply};
use crate::app::Outgoing;

#[tonic::async_trait]
impl InternalNotificationService for InternalApi {
    async fn get_notification_stats(
        &self,
        _request: Request<GetNotificationStatsRequest>,
    ) -> Reply<GetNotificationStatsResponse> {
        let (day, week) = self.0.failed_counts(now_micros()).await?;
        Ok(Response::new(GetNotificationStatsResponse {
            stats: Some(NotificationStats {
                failed_last_day: i64::try_from(day).unwrap_or(i64::MAX),
                failed_last_week: i64::try_from(week).unwrap_or(i64::MAX),
            }),
        }))
    }

    async fn send(&self, request: Request<SendRequest>) -> Reply<SendResponse> {
        let caller = principal(&request)?.subject.clone();
        let r = request.into_inner();
        let kind = NotificationType::try_from(r.r#type).unwrap_or_default();
        let mut v = FieldViolations::new();
        v.require(kind != NotificationType::Unspecified, "type", "must be a known notification type");
        v.require(!r.recipient_id.is_empty(), "recipient_id", "is required");
        v.require(
            (1..=200).contains(&r.idempotency_key.len()),
            "idempotency_key",
            "is required, at most 200 characters",
        );
        v.require(r.data.len() <= MAX_DATA_ENTRIES, "data", "at most 50 entries");
        if r.data.iter().any(|(k, val)| k.len() > 100 || val.len() > MAX_DATA_VALUE) {
            v.add("data", "keys of at most 100 and values of at most 2000 characters");
        }
        let mut channels = Vec::new();
        for (i, value) in r.channel_preferences.iter().enumerate() {
            match Channel::try_from(*value) {
                Ok(c) if c != Channel::Unspecified => {
                    if !channels.contains(&c) {
                        channels.push(c);
                    }
                }
                _ => v.add(format!("channel_preferences[{i}]"), "must be EMAIL, SMS or IN_APP"),
            }
        }
        v.into_result()?;

        let outgoing = Outgoing {
            caller,
            kind,
            recipient_id: r.recipient_id,
            idempotency_key: r.idempotency_key,
            data: r.data.into_iter().collect(),
            channels,
        };
        let (id, deliveries) = self.0.send(outgoing).await?;
        let deliveries = deliveries.iter().map(delivery_to_proto).collect();
        Ok(Response::new(SendResponse { request_id: id, deliveries }))
    }
}
