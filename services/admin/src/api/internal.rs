//! `InternalAdminService`: what other services call with their service
//! tokens (the access policy admits nothing else): recording their admin
//! actions, and following the configuration.

use hms_kit::auth::principal;
use hms_kit::error::FieldViolations;
use hms_kit::proto::admin::internal_admin_service_server::InternalAdminService;
use hms_kit::proto::admin::*;
use tonic::{Request, Response};

use super::{InternalApi, Reply, check_token, convert};
use crate::domain::audit::Entry;

/// Most actions per call.
const MAX_ACTIONS: usize = hms_kit::admin_audit::MAX_ACTIONS_PER_CALL;
/// Longest before/after summary, in characters.
const MAX_SUMMARY: usize = 4000;

fn entry(v: &mut FieldViolations, index: usize, service: &str, action: &AdminAction) -> Entry {
    let field = |name: &str| format!("actions[{index}].{name}");
    check_token(v, &field("id"), &action.id, 64, true);
    check_token(v, &field("actor_id"), &action.actor_id, 64, true);
    check_token(v, &field("actor_role"), &action.actor_role, 32, false);
    check_token(v, &field("action"), &action.action, 100, true);
    check_token(v, &field("target_type"), &action.target_type, 64, true);
    check_token(v, &field("target_id"), &action.target_id, 128, false);
    // IPv4 and IPv6 addresses fit the alphabet (hex digits, '.' and ':').
    check_token(v, &field("client_address"), &action.client_address, 64, false);
    v.text(&field("before"), &action.before, MAX_SUMMARY, false);
    v.text(&field("after"), &action.after, MAX_SUMMARY, false);
    let action_at = match &action.action_time {
        None => {
            v.add(field("action_time"), "is required");
            0
        }
        Some(ts) => convert::micros(v, &field("action_time"), ts).unwrap_or(0),
    };
    Entry {
        id: action.id.clone(),
        service: service.to_owned(),
        actor_id: action.actor_id.clone(),
        actor_role: action.actor_role.clone(),
        action: action.action.clone(),
        target_type: action.target_type.clone(),
        target_id: action.target_id.clone(),
        action_at,
        client_address: action.client_address.clone(),
        before: action.before.clone(),
        after: action.after.clone(),
        ..Entry::default()
    }
}

#[tonic::async_trait]
impl InternalAdminService for InternalApi {
    async fn record_admin_actions(
        &self,
        request: Request<RecordAdminActionsRequest>,
    ) -> Reply<RecordAdminActionsResponse> {
        // The reporting service is who its token says, never a field.
        let service = principal(&request)?.subject.clone();
        let actions = &request.get_ref().actions;
        let mut v = FieldViolations::new();
        if actions.is_empty() || actions.len() > MAX_ACTIONS {
            v.add("actions", format!("must hold 1 to {MAX_ACTIONS} actions"));
        }
        let entries: Vec<Entry> =
            actions.iter().enumerate().map(|(index, action)| entry(&mut v, index, &service, action)).collect();
        v.into_result()?;
        let (recorded, duplicates) = self.0.record_actions(&entries).await?;
        Ok(Response::new(RecordAdminActionsResponse { recorded, duplicates }))
    }

    type WatchConfigurationStream =
        std::pin::Pin<Box<dyn futures::Stream<Item = Result<WatchConfigurationResponse, tonic::Status>> + Send>>;

    async fn watch_configuration(
        &self,
        request: Request<WatchConfigurationRequest>,
    ) -> Reply<Self::WatchConfigurationStream> {
        let body = request.into_inner();
        let mut v = FieldViolations::new();
        for (index, key) in body.keys.iter().enumerate() {
            if self.0.registry.get(key).is_none() {
                v.add(format!("keys[{index}]"), format!("{key:?} is not a configuration key"));
            }
        }
        v.require(body.after_revision >= 0, "after_revision", "must not be negative");
        v.into_result()?;
        let updates = self.0.watch_configuration(body.keys, body.after_revision).await?;
        Ok(Response::new(Box::pin(futures::StreamExt::map(updates, |update| {
            update.map(|u| WatchConfigurationResponse {
                configurations: u.configurations.iter().map(convert::current).collect(),
                revision: u.revision,
                snapshot: u.snapshot,
            })
        }))))
    }
}
