//! The gRPC API, one file per proto service: authorise, validate, convert,
//! and call a use case of `app`.

mod convert;
mod internal;
mod notification;

use std::sync::Arc;

use hms_kit::admin_audit::AdminActionEvent;
use hms_kit::auth::{client_address, principal};
use tonic::{Request, Response, Status};

use crate::app::State;

type Reply<T> = Result<Response<T>, Status>;

/// `hms.notification.v1.NotificationService`: the inbox and its live stream,
/// preferences, and for admins the templates and the delivery log.
pub struct NotificationApi(pub Arc<State>);
/// `hms.notification.v1.InternalNotificationService`: `Send` and the
/// dashboard's figures, for the other services.
pub struct InternalApi(pub Arc<State>);

const MAX_DATA_ENTRIES: usize = 50;
const MAX_DATA_VALUE: usize = 2000;

/// An admin's action on the template with the given id, for the admin audit
/// log; the summaries are set by the caller.
fn admin_action<T>(request: &Request<T>, action: &'static str) -> impl Fn(&str) -> AdminActionEvent + use<T> {
    let address = client_address(request);
    let caller = principal(request).ok().cloned();
    move |id| match &caller {
        Some(caller) => AdminActionEvent::by(caller, &address, action, "notification_template", id),
        // The policy layer lets only authenticated admins in; kept total all the same.
        None => AdminActionEvent { action: action.to_owned(), target_id: id.to_owned(), ..Default::default() },
    }
}
