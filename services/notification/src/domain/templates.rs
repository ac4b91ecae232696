//! Templates: minijinja (Jinja2 syntax) with strict undefined variables, so a
//! notification never goes out with a hole in it; HTML bodies auto-escaped.

use std::collections::BTreeMap;
#[cfg(test)]
use std::collections::HashSet;

use hms_kit::proto::notification::Channel;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};

/// Variables that name clinical detail. Email, SMS and push leave the
/// clinic's systems (push crosses the browser vendor's push service and shows
/// on a lock screen), so their templates may not use them.
const CLINICAL_VARIABLES: [&str; 22] = [
    "diagnosis",
    "diagnoses",
    "icd10",
    "condition",
    "conditions",
    "result",
    "results",
    "result_value",
    "value",
    "test_name",
    "test_results",
    "medication",
    "medications",
    "prescription_items",
    "dosage",
    "allergies",
    "notes",
    "doctor_notes",
    "reason_for_visit",
    "chief_complaint",
    "symptoms",
    "vital_signs",
];

/// The texts of one template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Texts {
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
}

/// What a template rendered to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|name| if name.ends_with(".html") { AutoEscape::Html } else { AutoEscape::None });
    env
}

/// Problems with a template's texts, by field, for INVALID_ARGUMENT.
pub fn check(channel: Channel, texts: &Texts) -> Vec<(&'static str, String)> {
    let env = environment();
    let mut problems = Vec::new();
    if texts.body_text.trim().is_empty() {
        problems.push(("body_text", "is required".to_owned()));
    }
    if matches!(channel, Channel::Sms | Channel::Push) && !texts.body_html.is_empty() {
        problems.push(("body_html", "SMS and push templates have no HTML body".to_owned()));
    }
    for (field, name, source) in [
        ("subject", "s.txt", &texts.subject),
        ("body_text", "t.txt", &texts.body_text),
        ("body_html", "h.html", &texts.body_html),
    ] {
        match env.template_from_named_str(name, source) {
            Err(e) => problems.push((field, format!("is not a valid template: {e}"))),
            Ok(template) if matches!(channel, Channel::Email | Channel::Sms | Channel::Push) => {
                let variables = template.undeclared_variables(true);
                let mut clinical: Vec<_> =
                    variables.iter().filter(|v| CLINICAL_VARIABLES.contains(&v.as_str())).collect();
                clinical.sort();
                if !clinical.is_empty() {
                    problems.push((field, format!("email, SMS and push may not carry clinical detail ({clinical:?})")));
                }
            }
            Ok(_) => {}
        }
    }
    problems
}

/// Renders every text; any variable missing from `data` is an error.
pub fn render(texts: &Texts, data: &BTreeMap<String, String>) -> Result<Rendered, String> {
    let env = environment();
    let one = |name: &str, source: &str| -> Result<String, String> {
        env.template_from_named_str(name, source).and_then(|t| t.render(data)).map_err(|e| format!("{name}: {e}"))
    };
    let text = one("body.txt", &texts.body_text)?;
    let html = if texts.body_html.is_empty() { None } else { Some(one("body.html", &texts.body_html)?) };
    Ok(Rendered { subject: one("subject.txt", &texts.subject)?.trim().to_owned(), text, html })
}

/// A plain-text body as simple HTML (escaped), for emails without an HTML template.
pub fn text_to_html(text: &str) -> String {
    let escaped = text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let paragraphs: Vec<String> =
        escaped.split("\n\n").map(|p| format!("<p>{}</p>", p.trim().replace('\n', "<br>"))).collect();
    format!("<!doctype html><html><body>{}</body></html>", paragraphs.join(""))
}

/// A shipped template: (type, channel, language, texts).
pub type Shipped = (hms_kit::proto::notification::NotificationType, Channel, &'static str, Texts);

/// The templates shipped with HMS (`templates/*.toml`), seeded at start-up
/// where an admin has not already written their own.
pub fn shipped() -> Result<Vec<Shipped>, String> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Entry {
        #[serde(default)]
        subject: String,
        text: String,
        #[serde(default)]
        html: String,
    }
    let mut out = Vec::new();
    for (language, source) in
        [("en", include_str!("../../templates/en.toml")), ("vi", include_str!("../../templates/vi.toml"))]
    {
        let file: BTreeMap<String, BTreeMap<String, Entry>> =
            toml::from_str(source).map_err(|e| format!("templates/{language}.toml: {e}"))?;
        for (type_name, channels) in file {
            let kind = super::type_from_name(&type_name).ok_or_else(|| format!("unknown type {type_name}"))?;
            for (channel_name, entry) in channels {
                let channel =
                    super::channel_from_name(&channel_name).ok_or_else(|| format!("unknown channel {channel_name}"))?;
                out.push((
                    kind,
                    channel,
                    language,
                    Texts { subject: entry.subject, body_text: entry.text, body_html: entry.html },
                ));
            }
        }
    }
    Ok(out)
}

/// The shipped template with this id (`TYPE.CHANNEL.language`), if it is one.
pub fn shipped_by_id(id: &str) -> Option<&'static Texts> {
    static BY_ID: std::sync::LazyLock<BTreeMap<String, Texts>> = std::sync::LazyLock::new(|| {
        // A broken shipped file fails start-up in `seed_templates` already.
        shipped()
            .unwrap_or_default()
            .into_iter()
            .map(|(kind, channel, language, texts)| (super::template_id(kind, channel, language), texts))
            .collect()
    });
    BY_ID.get(id)
}

/// Variables a set of texts uses.
#[cfg(test)]
pub fn variables(texts: &Texts) -> HashSet<String> {
    let env = environment();
    [&texts.subject, &texts.body_text, &texts.body_html]
        .into_iter()
        .filter_map(|source| env.template_from_str(source).ok().map(|t| t.undeclared_variables(true)))
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(subject: &str, text: &str, html: &str) -> Texts {
        Texts { subject: subject.into(), body_text: text.into(), body_html: html.into() }
    }

    #[test]
    fn renders_and_escapes_html_only() {
        let data = BTreeMap::from([("name".to_owned(), "<b>An</b> & co".to_owned())]);
        let out = render(&texts("Hi {{ name }}", "Hello {{ name }}", "<p>Hello {{ name }}</p>"), &data).unwrap();
        assert_eq!(out.subject, "Hi <b>An</b> & co");
        assert_eq!(out.text, "Hello <b>An</b> & co");
        assert_eq!(out.html.unwrap(), "<p>Hello &lt;b&gt;An&lt;&#x2f;b&gt; &amp; co</p>");
    }

    #[test]
    fn missing_data_is_an_error_not_a_hole() {
        let err =
            render(&texts("Hi", "Dear {{ name }}, at {{ time }}", ""), &BTreeMap::from([("name".into(), "An".into())]))
                .unwrap_err();
        assert!(err.contains("undefined"), "{err}");
    }

    #[test]
    fn checks_syntax_and_clinical_detail() {
        let problems = check(Channel::Email, &texts("{{ oops", "Your diagnosis: {{ diagnosis }}", ""));
        let fields: Vec<_> = problems.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["subject", "body_text"]);
        assert!(check(Channel::InApp, &texts("t", "{{ diagnosis }}", "")).is_empty(), "in-app stays inside HMS");
        assert_eq!(check(Channel::Sms, &texts("", "", "<p>x</p>")).len(), 2);
    }

    #[test]
    fn every_type_ships_valid_email_and_in_app_templates_in_both_languages() {
        use hms_kit::proto::notification::NotificationType;
        let shipped = shipped().unwrap();
        for value in 1..=20 {
            let kind = NotificationType::try_from(value).unwrap();
            for language in ["vi", "en"] {
                for channel in [Channel::Email, Channel::InApp] {
                    let found = shipped.iter().any(|(k, c, l, _)| *k == kind && *c == channel && *l == language);
                    assert!(
                        found || (kind == NotificationType::PasswordResetRequested && channel == Channel::InApp),
                        "{kind:?} {channel:?} {language} missing"
                    );
                }
            }
        }
        for (kind, channel, language, texts) in &shipped {
            assert!(check(*channel, texts).is_empty(), "{kind:?} {channel:?} {language}: {:?}", check(*channel, texts));
            // Both languages need the same data.
            let twin = shipped.iter().find(|(k, c, l, _)| k == kind && c == channel && l != language);
            let twin = twin.unwrap_or_else(|| panic!("{kind:?} {channel:?} has no translation of {language}"));
            assert_eq!(variables(texts), variables(&twin.3), "{kind:?} {channel:?}");
        }
    }

    #[test]
    fn appointment_and_billing_messages_ship_short_sms_in_both_languages() {
        use hms_kit::proto::notification::NotificationType as T;
        let shipped = shipped().unwrap();
        for kind in [
            T::AppointmentRequestedPatient,
            T::AppointmentConfirmedPatient,
            T::AppointmentRescheduledPatient,
            T::AppointmentCancelledPatient,
            T::AppointmentReminderPatient,
            T::AppointmentReminderDoctor,
            T::InvoiceGenerated,
            T::PaymentSuccessful,
        ] {
            for language in ["vi", "en"] {
                let found = shipped.iter().any(|(k, c, l, _)| *k == kind && *c == Channel::Sms && *l == language);
                assert!(found, "{kind:?} SMS {language} missing");
            }
        }
        for (kind, _, language, texts) in shipped.iter().filter(|(_, c, _, _)| *c == Channel::Sms) {
            // One or two SMS segments once the placeholders are filled in.
            assert!(texts.body_text.chars().count() <= 140, "{kind:?} {language}: too long for an SMS");
            assert!(texts.subject.is_empty() && !texts.body_text.contains('\n'), "{kind:?} {language}: one line");
        }
    }

    #[test]
    fn reminders_confirmations_and_results_ship_short_push_texts_in_both_languages() {
        use hms_kit::proto::notification::NotificationType as T;
        let shipped = shipped().unwrap();
        for kind in [
            T::AppointmentRequestedPatient,
            T::AppointmentConfirmedPatient,
            T::AppointmentReminderPatient,
            T::AppointmentReminderDoctor,
            T::LabResultReadyPatient,
            T::LabResultReadyDoctor,
        ] {
            for language in ["vi", "en"] {
                let found = shipped.iter().any(|(k, c, l, _)| *k == kind && *c == Channel::Push && *l == language);
                assert!(found, "{kind:?} PUSH {language} missing");
            }
        }
        for (kind, _, language, texts) in shipped.iter().filter(|(_, c, _, _)| *c == Channel::Push) {
            assert!(!texts.subject.is_empty() && texts.body_html.is_empty(), "{kind:?} {language}: a title, no HTML");
            assert!(texts.body_text.chars().count() <= 120 && !texts.body_text.contains('\n'), "{kind:?} {language}");
            // Names too stay out of a lock screen's line.
            let names: Vec<_> = variables(texts).into_iter().filter(|v| v.ends_with("_name")).collect();
            assert!(names.is_empty(), "{kind:?} {language}: {names:?}");
        }
        let clinical = texts("Result", "{{ result_value }}", "");
        assert_eq!(check(Channel::Push, &clinical).len(), 1, "push may not carry clinical detail");
    }

    #[test]
    fn text_becomes_escaped_paragraphs() {
        assert_eq!(
            text_to_html("a <b>\nc\n\nd"),
            "<!doctype html><html><body><p>a &lt;b&gt;<br>c</p><p>d</p></body></html>"
        );
    }
}
