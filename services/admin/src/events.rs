//! Admin actions as other services emit them: the payload and the relay sink
//! live in the kit ([`hms_kit::admin_audit`]), which every service depends on.
//! The admin service itself emits no events: its own configuration changes
//! are chained into the log in the change's transaction.

pub use hms_kit::admin_audit::{ADMIN_ACTION_TOPIC, AdminActionEvent, AdminActionSink};
