//! `InternalNotificationService`: the other services' `Send` and `SendBatch`
//! (queued, one delivery per channel) and the admin dashboard's failure
//! counts.

use hms_kit::auth::principal;
use hms_kit::error::{self, FieldViolations, invalid_field};
use hms_kit::proto::notification::internal_notification_service_server::InternalNotificationService;
use hms_kit::proto::notification::*;
use hms_kit::time::now_micros;
use tonic::{Request, Response, Status};

use super::convert::delivery_to_proto;
use super::{InternalApi, MAX_DATA_ENTRIES, MAX_DATA_VALUE, Reply};
use crate::app::Outgoing;
use crate::store::{DeliveryDoc, Versioned};

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
        let outgoing = outgoing(caller, request.into_inner())?;
        let (id, deliveries) = self.0.send(outgoing).await?;
        Ok(Response::new(sent(&id, &deliveries)))
    }

    async fn send_batch(&self, request: Request<SendBatchRequest>) -> Reply<SendBatchResponse> {
        let caller = principal(&request)?.subject.clone();
        let requests = request.into_inner().requests;
        if requests.len() > MAX_BATCH {
            return Err(invalid_field("requests", "at most 256 in one batch"));
        }
        // The valid ones are queued together; each keeps its place in the answer.
        let mut results: Vec<Option<send_batch_result::Result>> = Vec::with_capacity(requests.len());
        let mut valid = Vec::new();
        for r in requests {
            match outgoing(caller.clone(), r) {
                Ok(outgoing) => {
                    valid.push((results.len(), outgoing));
                    results.push(None);
                }
                Err(status) => results.push(Some(send_batch_result::Result::Error(error::to_rpc_status(&status)))),
            }
        }
        let (places, batch): (Vec<usize>, Vec<Outgoing>) = valid.into_iter().unzip();
        for (at, answer) in places.into_iter().zip(self.0.send_batch(batch).await) {
            results[at] = Some(match answer {
                Ok((id, deliveries)) => send_batch_result::Result::Sent(sent(&id, &deliveries)),
                Err(status) => send_batch_result::Result::Error(error::to_rpc_status(&status)),
            });
        }
        let results = results.into_iter().map(|result| SendBatchResult { result }).collect();
        Ok(Response::new(SendBatchResponse { results }))
    }
}

/// The most requests one `SendBatch` may carry (its refusal says 256).
const MAX_BATCH: usize = 256;

fn sent(id: &str, deliveries: &[Versioned<DeliveryDoc>]) -> SendResponse {
    SendResponse { request_id: id.to_owned(), deliveries: deliveries.iter().map(delivery_to_proto).collect() }
}

/// A `SendRequest` checked: every bad field named.
fn outgoing(caller: String, r: SendRequest) -> Result<Outgoing, Status> {
    let kind = NotificationType::try_from(r.r#type).unwrap_or_default();
    let mut v = FieldViolations::new();
    v.require(kind != NotificationType::Unspecified, "type", "must be a known notification type");
    v.require(!r.recipient_id.is_empty(), "recipient_id", "is required");
    v.require((1..=200).contains(&r.idempotency_key.len()), "idempotency_key", "is required, at most 200 characters");
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
    Ok(Outgoing {
        caller,
        kind,
        recipient_id: r.recipient_id,
        idempotency_key: r.idempotency_key,
        data: r.data.into_iter().collect(),
        channels,
    })
}
