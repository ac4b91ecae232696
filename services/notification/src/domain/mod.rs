//! Pure rules of notifications: names, preferences, retry timing, templates.

pub mod templates;

use std::time::Duration;

use hms_kit::proto::notification::{Channel, DeliveryStatus, NotificationType, PreferenceRule, Preferences};

pub const LANGUAGES: [&str; 2] = ["vi", "en"];
pub const DEFAULT_LANGUAGE: &str = "vi";

/// `USER_REGISTERED` for `NOTIFICATION_TYPE_USER_REGISTERED`: the name used
/// in stored documents, template ids and by callers of `Send` over JSON.
pub fn type_name(kind: NotificationType) -> &'static str {
    kind.as_str_name().trim_start_matches("NOTIFICATION_TYPE_")
}

pub fn type_from_name(name: &str) -> Option<NotificationType> {
    NotificationType::from_str_name(&format!("NOTIFICATION_TYPE_{name}"))
        .filter(|t| *t != NotificationType::Unspecified)
}

pub fn channel_name(channel: Channel) -> &'static str {
    channel.as_str_name().trim_start_matches("CHANNEL_")
}

pub fn channel_from_name(name: &str) -> Option<Channel> {
    Channel::from_str_name(&format!("CHANNEL_{name}")).filter(|c| *c != Channel::Unspecified)
}

pub fn status_name(status: DeliveryStatus) -> &'static str {
    status.as_str_name().trim_start_matches("DELIVERY_STATUS_")
}

pub fn status_from_name(name: &str) -> DeliveryStatus {
    DeliveryStatus::from_str_name(&format!("DELIVERY_STATUS_{name}")).unwrap_or_default()
}

pub fn template_id(kind: NotificationType, channel: Channel, language: &str) -> String {
    format!("{}.{}.{language}", type_name(kind), channel_name(channel))
}

/// Data entries that carry a secret (a link with a token). They are sealed
/// at rest, shown redacted in the delivery log, and dropped once the
/// delivery is final.
pub fn is_secret(name: &str) -> bool {
    name == "reset_link"
}

/// What the delivery log keeps of a secret: a link's address, not its query.
pub fn redacted(value: &str) -> String {
    match value.split_once('?') {
        Some((address, _)) => format!("{address}?[redacted]"),
        None => "[redacted]".to_owned(),
    }
}

/// Security messages go out whatever the preferences say.
pub fn always_sent(kind: NotificationType, channel: Channel) -> bool {
    kind == NotificationType::PasswordResetRequested && channel == Channel::Email
}

/// Channels a person must turn on before anything is sent on them: an SMS
/// reaches a phone (and costs money) on the clinic's initiative, so it needs
/// consent; email and in-app go out unless turned off.
pub fn opt_in(channel: Channel) -> bool {
    channel == Channel::Sms
}

/// The types a browser push is on for without a rule: appointment
/// reminders, confirmations (and requests received) and lab results ready.
/// Other types reach a browser only when a rule turns push on for them.
pub fn push_by_default(kind: NotificationType) -> bool {
    use NotificationType as T;
    matches!(
        kind,
        T::AppointmentReminderPatient
            | T::AppointmentReminderDoctor
            | T::AppointmentConfirmedPatient
            | T::AppointmentRequestedPatient
            | T::LabResultReadyPatient
            | T::LabResultReadyDoctor
    )
}

/// Whether `channel` carries `kind` for someone without a rule for it.
pub fn on_by_default(kind: NotificationType, channel: Channel) -> bool {
    match channel {
        Channel::Push => push_by_default(kind),
        other => !opt_in(other),
    }
}

/// Channels that the recipient's choices add to a `Send`, whatever its
/// caller names: SMS (opt-in) and push (only to someone with a subscribed
/// browser). Callers name the channels they always use.
pub fn follows_recipient(channel: Channel) -> bool {
    opt_in(channel) || channel == Channel::Push
}

/// Whether `channel` may carry `kind` for someone with `preferences`: the
/// rule for the type wins over the rule for every type; no rule means the
/// channel's default for the type (`on_by_default`).
pub fn allowed(preferences: &Preferences, kind: NotificationType, channel: Channel) -> bool {
    if always_sent(kind, channel) {
        return true;
    }
    let rule = |for_type: NotificationType| {
        preferences.rules.iter().find(|r: &&PreferenceRule| r.r#type() == for_type && r.channel() == channel)
    };
    rule(kind).or_else(|| rule(NotificationType::Unspecified)).map_or(on_by_default(kind, channel), |r| r.enabled)
}

/// The channels a `Send` queues: those the caller asked for (all channels
/// with a template but SMS and push, when it asked for none), plus SMS and
/// push when the type has a template on them and the recipient allows them
/// for `kind`: push only for someone with a subscribed browser
/// (`push_subscribed`), so nobody without one gets a delivery to suppress.
/// Callers name the channels they always use (email, in-app); SMS and push
/// follow the recipient's choice without each caller knowing it.
pub fn send_channels(
    preferences: &Preferences,
    kind: NotificationType,
    requested: &[Channel],
    available: &[Channel],
    push_subscribed: bool,
) -> Vec<Channel> {
    let mut channels: Vec<Channel> = if requested.is_empty() {
        available.iter().copied().filter(|c| !follows_recipient(*c)).collect()
    } else {
        requested.to_vec()
    };
    for channel in available {
        let reachable = *channel != Channel::Push || push_subscribed;
        if follows_recipient(*channel)
            && reachable
            && !channels.contains(channel)
            && allowed(preferences, kind, *channel)
        {
            channels.push(*channel);
        }
    }
    channels
}

/// Where a push about `kind` leads in the web app: a path its service worker
/// opens on the app's own origin. The page lists the person's own items
/// (the notification carries no id, nothing to guess from); anything else
/// opens the inbox.
pub fn push_link(kind: NotificationType) -> &'static str {
    use NotificationType as T;
    match kind {
        T::AppointmentRequestedPatient
        | T::AppointmentConfirmedPatient
        | T::AppointmentRescheduledPatient
        | T::AppointmentCancelledPatient
        | T::AppointmentReminderPatient => "/appointments",
        T::AppointmentRequestedDoctor
        | T::AppointmentRescheduledDoctor
        | T::AppointmentCancelledDoctor
        | T::AppointmentReminderDoctor => "/worklist",
        T::LabResultReadyDoctor | T::LabCriticalValue => "/lab/review",
        T::LabResultReadyPatient => "/lab-results",
        T::InvoiceGenerated | T::PaymentSuccessful => "/invoices",
        _ => "/notifications",
    }
}

/// RFC 8030 §5.3 `Urgency`: reminders and critical values are worth waking
/// a phone for; the rest can wait for the device's next moment.
pub fn push_urgency(kind: NotificationType) -> &'static str {
    use NotificationType as T;
    match kind {
        T::AppointmentReminderPatient | T::AppointmentReminderDoctor | T::LabCriticalValue => "high",
        _ => "normal",
    }
}

/// The language to render in: the person's notification preference, else
/// their account's, else Vietnamese.
pub fn language<'a>(preferences: &'a Preferences, account: &'a str) -> &'a str {
    [preferences.language.as_str(), account].into_iter().find(|l| LANGUAGES.contains(l)).unwrap_or(DEFAULT_LANGUAGE)
}

/// Exponential backoff: base × 2^(attempt−1), capped.
pub fn retry_delay(base: Duration, max: Duration, attempt: u32) -> Duration {
    base.saturating_mul(2_u32.saturating_pow(attempt.saturating_sub(1).min(20))).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(kind: NotificationType, channel: Channel, enabled: bool) -> PreferenceRule {
        PreferenceRule { r#type: kind.into(), channel: channel.into(), enabled }
    }

    #[test]
    fn the_most_specific_rule_wins() {
        let prefs = Preferences {
            rules: vec![
                rule(NotificationType::Unspecified, Channel::Sms, false),
                rule(NotificationType::AppointmentReminderPatient, Channel::Sms, true),
            ],
            language: String::new(),
        };
        assert!(!allowed(&prefs, NotificationType::InvoiceGenerated, Channel::Sms));
        assert!(allowed(&prefs, NotificationType::AppointmentReminderPatient, Channel::Sms));
        assert!(allowed(&prefs, NotificationType::InvoiceGenerated, Channel::Email), "no rule: allowed");
    }

    #[test]
    fn sms_is_opt_in_for_one_type_or_for_all() {
        let reminder = NotificationType::AppointmentReminderPatient;
        let mut prefs = Preferences::default();
        assert!(!allowed(&prefs, reminder, Channel::Sms), "no rule: no SMS");
        assert!(allowed(&prefs, reminder, Channel::Email) && allowed(&prefs, reminder, Channel::InApp));
        prefs.rules = vec![rule(reminder, Channel::Sms, true)];
        assert!(allowed(&prefs, reminder, Channel::Sms));
        assert!(!allowed(&prefs, NotificationType::InvoiceGenerated, Channel::Sms));
        prefs.rules = vec![rule(NotificationType::Unspecified, Channel::Sms, true)];
        assert!(allowed(&prefs, NotificationType::InvoiceGenerated, Channel::Sms));
    }

    #[test]
    fn send_adds_the_sms_a_recipient_turned_on() {
        let reminder = NotificationType::AppointmentReminderPatient;
        let all = [Channel::Email, Channel::Sms, Channel::InApp];
        let asked = [Channel::Email, Channel::InApp];
        let none = Preferences::default();
        assert_eq!(send_channels(&none, reminder, &asked, &all, false), asked);
        assert_eq!(send_channels(&none, reminder, &[], &all, false), asked, "nothing asked: all but SMS");
        let sms = Preferences { rules: vec![rule(reminder, Channel::Sms, true)], language: String::new() };
        let with_sms = [Channel::Email, Channel::InApp, Channel::Sms];
        assert_eq!(send_channels(&sms, reminder, &asked, &all, false), with_sms);
        assert_eq!(send_channels(&sms, reminder, &[], &all, false), with_sms);
        assert_eq!(send_channels(&sms, reminder, &asked, &asked, false), asked, "no SMS template: no SMS");
        assert_eq!(
            send_channels(&none, reminder, &[Channel::Sms], &all, false),
            [Channel::Sms],
            "asked: queued (and suppressed)"
        );
    }

    #[test]
    fn push_is_on_for_reminders_confirmations_and_results_for_subscribed_recipients() {
        let (reminder, invoice) = (NotificationType::AppointmentReminderPatient, NotificationType::InvoiceGenerated);
        let none = Preferences::default();
        for kind in [
            reminder,
            NotificationType::AppointmentConfirmedPatient,
            NotificationType::LabResultReadyPatient,
            NotificationType::LabResultReadyDoctor,
        ] {
            assert!(allowed(&none, kind, Channel::Push), "{kind:?}");
        }
        assert!(!allowed(&none, invoice, Channel::Push), "other types: off without a rule");
        let all = [Channel::Email, Channel::InApp, Channel::Push];
        let asked = [Channel::Email, Channel::InApp];
        let with_push = [Channel::Email, Channel::InApp, Channel::Push];
        assert_eq!(send_channels(&none, reminder, &asked, &all, true), with_push);
        assert_eq!(send_channels(&none, reminder, &[], &all, true), with_push);
        assert_eq!(send_channels(&none, reminder, &asked, &all, false), asked, "no subscription: no push");
        assert_eq!(send_channels(&none, invoice, &asked, &all, true), asked);
        let off = Preferences { rules: vec![rule(reminder, Channel::Push, false)], language: String::new() };
        assert_eq!(send_channels(&off, reminder, &asked, &all, true), asked, "turned off");
        let on = Preferences { rules: vec![rule(invoice, Channel::Push, true)], language: String::new() };
        assert_eq!(send_channels(&on, invoice, &asked, &all, true), with_push, "turned on");
    }

    #[test]
    fn password_resets_ignore_opt_outs() {
        let prefs = Preferences {
            rules: vec![rule(NotificationType::Unspecified, Channel::Email, false)],
            language: String::new(),
        };
        assert!(allowed(&prefs, NotificationType::PasswordResetRequested, Channel::Email));
        assert!(!allowed(&prefs, NotificationType::UserRegistered, Channel::Email));
    }

    #[test]
    fn languages_fall_back_in_order() {
        let mut prefs = Preferences::default();
        assert_eq!(language(&prefs, "en"), "en");
        assert_eq!(language(&prefs, "fr"), "vi");
        prefs.language = "vi".into();
        assert_eq!(language(&prefs, "en"), "vi");
    }

    #[test]
    fn names_round_trip() {
        assert_eq!(type_name(NotificationType::LabCriticalValue), "LAB_CRITICAL_VALUE");
        assert_eq!(type_from_name("LAB_CRITICAL_VALUE"), Some(NotificationType::LabCriticalValue));
        assert_eq!(type_from_name("UNSPECIFIED"), None);
        assert_eq!(channel_from_name("IN_APP"), Some(Channel::InApp));
        assert_eq!(template_id(NotificationType::UserRegistered, Channel::Email, "en"), "USER_REGISTERED.EMAIL.en");
    }

    #[test]
    fn secrets_are_redacted_to_their_address() {
        assert!(is_secret("reset_link") && !is_secret("feedback_link"));
        assert_eq!(redacted("https://hms/reset-password?token=abc"), "https://hms/reset-password?[redacted]");
        assert_eq!(redacted("abc"), "[redacted]");
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let d = |n| retry_delay(Duration::from_secs(1), Duration::from_secs(10), n);
        assert_eq!(
            (d(1), d(2), d(3), d(5)),
            (Duration::from_secs(1), Duration::from_secs(2), Duration::from_secs(4), Duration::from_secs(10))
        );
    }
}
