// The person's own account (UserService.GetMe/UpdateMe), a patient's details, the
// notification preferences with the language messages come in, and notifications on the
// person's devices (Web Push).
import { useState } from "react";
import {
  Button,
  Form,
  Label,
  RadioButton,
  RadioField,
  RadioGroup,
  SwitchButton,
  SwitchField,
} from "react-aria-components";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { create } from "@bufbuild/protobuf";
import { UserService, Gender, type User } from "@hms/sdk/hms/user/v1/user_pb";
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import {
  Channel,
  NotificationService,
  NotificationType,
  PreferencesSchema,
  type Preferences,
} from "@hms/sdk/hms/notification/v1/notification_pb";
import { isLang, useI18n, type MessageKey } from "../i18n";
import { toProblem } from "../api/errors";
import { Field, formText, type FormSubmit } from "../components/fields";
import { Loading } from "../components/Loading";
import { ProblemMessage, fieldErrors } from "../components/Problem";
import { PushDevices } from "./PushDevices";

const CHANNELS: { channel: Channel; label: MessageKey }[] = [
  { channel: Channel.EMAIL, label: "profile.channel.EMAIL" },
  { channel: Channel.SMS, label: "profile.channel.SMS" },
  { channel: Channel.IN_APP, label: "profile.channel.IN_APP" },
];

/** The kinds of notice that go to the person's devices unless turned off (the service's defaults). */
export const PUSH_TYPES: { types: NotificationType[]; label: MessageKey }[] = [
  {
    types: [
      NotificationType.APPOINTMENT_REMINDER_PATIENT,
      NotificationType.APPOINTMENT_REMINDER_DOCTOR,
    ],
    label: "profile.pushType.reminders",
  },
  {
    types: [
      NotificationType.APPOINTMENT_REQUESTED_PATIENT,
      NotificationType.APPOINTMENT_CONFIRMED_PATIENT,
    ],
    label: "profile.pushType.confirmations",
  },
  {
    types: [NotificationType.LAB_RESULT_READY_PATIENT, NotificationType.LAB_RESULT_READY_DOCTOR],
    label: "profile.pushType.results",
  },
];

/** Whether pushes of a kind are on: the rule for its first type, else on. */
export function pushEnabled(prefs: Preferences | undefined, types: NotificationType[]): boolean {
  const rule = prefs?.rules.find((r) => r.channel === Channel.PUSH && r.type === types[0]);
  return rule ? rule.enabled : true;
}

/** The rules of `prefs` for single types, with the push kinds' rules set as chosen. */
export function typeRules(
  prefs: Preferences | undefined,
  pushOn: boolean[],
): { type: NotificationType; channel: Channel; enabled: boolean }[] {
  const pushTypes = new Set(PUSH_TYPES.flatMap((k) => k.types));
  const kept = (prefs?.rules ?? []).filter(
    (r) =>
      r.type !== NotificationType.UNSPECIFIED &&
      !(r.channel === Channel.PUSH && pushTypes.has(r.type)),
  );
  const push = PUSH_TYPES.flatMap(({ types }, i) =>
    types.map((type) => ({ type, channel: Channel.PUSH, enabled: pushOn[i] ?? true })),
  );
  return [...kept, ...push];
}

const GENDERS: { value: Gender; label: MessageKey }[] = [
  { value: Gender.UNSPECIFIED, label: "profile.gender.UNSPECIFIED" },
  { value: Gender.FEMALE, label: "profile.gender.FEMALE" },
  { value: Gender.MALE, label: "profile.gender.MALE" },
  { value: Gender.OTHER, label: "profile.gender.OTHER" },
];

/** Whether a channel is on for every type: its general rule, else on (SMS: off). */
export function channelEnabled(prefs: Preferences | undefined, channel: Channel): boolean {
  const rule = prefs?.rules.find(
    (r) => r.channel === channel && r.type === NotificationType.UNSPECIFIED,
  );
  return rule ? rule.enabled : channel !== Channel.SMS;
}

function pad(n: number, width = 2) {
  return String(n).padStart(width, "0");
}

function AccountForm({ user }: { user: User }) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const update = useMutation(UserService.method.updateMe, {
    onSuccess: () =>
      queries.invalidateQueries({
        queryKey: createConnectQueryKey({
          schema: UserService.method.getMe,
          cardinality: undefined,
        }),
      }),
  });
  const patient =
    user.role === Role.PATIENT && user.profile?.kind.case === "patient"
      ? user.profile.kind.value
      : undefined;
  const dob = patient?.dateOfBirth;
  const [gender, setGender] = useState<string>(String(patient?.gender ?? Gender.UNSPECIFIED));

  const submit = (e: FormSubmit) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const value = (name: string) => formText(form, name).trim();
    const [year, month, day] = value("patient.date_of_birth").split("-").map(Number);
    setError(undefined);
    setSaved(false);
    update.mutate(
      {
        email: value("email"),
        phoneNumber: value("phone_number"),
        firstName: value("first_name"),
        lastName: value("last_name"),
        ...(user.role === Role.PATIENT
          ? {
              profile: {
                kind: {
                  case: "patient" as const,
                  value: {
                    dateOfBirth: year && month && day ? { year, month, day } : undefined,
                    gender:
                      GENDERS.find((g) => String(g.value) === gender)?.value ?? Gender.UNSPECIFIED,
                    address: value("patient.address"),
                    bloodType: value("patient.blood_type"),
                    nationalId: value("patient.national_id"),
                    insuranceNumber: value("patient.insurance_number"),
                    emergencyContact: {
                      name: value("patient.emergency_contact.name"),
                      phoneNumber: value("patient.emergency_contact.phone_number"),
                      relationship: value("patient.emergency_contact.relationship"),
                    },
                  },
                },
              },
            }
          : {}),
      },
      { onSuccess: () => setSaved(true), onError: setError },
    );
  };

  const errors = fieldErrors(t, error ? toProblem(error) : undefined);
  // UpdateMe names profile fields `profile.patient.x`; the inputs are named `patient.x`.
  for (const [field, text] of Object.entries(errors)) {
    if (field.startsWith("profile.")) errors[field.slice("profile.".length)] = text;
  }

  return (
    <Form validationBehavior="aria" validationErrors={errors} onSubmit={submit} className="stack">
      <h2>{t("profile.account")}</h2>
      <dl className="facts">
        <dt>{t("profile.username")}</dt>
        <dd>{user.username}</dd>
      </dl>
      <div className="row">
        <Field name="first_name" label={t("auth.firstName")} defaultValue={user.firstName} />
        <Field name="last_name" label={t("auth.lastName")} defaultValue={user.lastName} />
      </div>
      <Field name="email" type="email" label={t("auth.email")} defaultValue={user.email} />
      <Field
        name="phone_number"
        type="tel"
        label={t("auth.phone")}
        defaultValue={user.phoneNumber}
      />
      {user.role === Role.PATIENT && (
        <>
          <h2>{t("profile.patient")}</h2>
          <div className="row">
            <Field
              name="patient.date_of_birth"
              type="date"
              label={t("profile.dateOfBirth")}
              defaultValue={dob ? `${pad(dob.year, 4)}-${pad(dob.month)}-${pad(dob.day)}` : ""}
            />
            <Field
              name="patient.blood_type"
              label={t("profile.bloodType")}
              defaultValue={patient?.bloodType ?? ""}
            />
          </div>
          <RadioGroup
            value={gender}
            onChange={setGender}
            orientation="horizontal"
            className="radios"
          >
            <Label>{t("profile.gender")}</Label>
            {GENDERS.map((g) => (
              <RadioField key={g.value} value={String(g.value)}>
                <RadioButton>{t(g.label)}</RadioButton>
              </RadioField>
            ))}
          </RadioGroup>
          <Field
            name="patient.address"
            label={t("profile.address")}
            defaultValue={patient?.address ?? ""}
          />
          <div className="row">
            <Field
              name="patient.emergency_contact.name"
              label={t("profile.emergencyName")}
              defaultValue={patient?.emergencyContact?.name ?? ""}
            />
            <Field
              name="patient.emergency_contact.phone_number"
              type="tel"
              label={t("profile.emergencyPhone")}
              defaultValue={patient?.emergencyContact?.phoneNumber ?? ""}
            />
            <Field
              name="patient.emergency_contact.relationship"
              label={t("profile.emergencyRelation")}
              defaultValue={patient?.emergencyContact?.relationship ?? ""}
            />
          </div>
          <div className="row">
            <Field
              name="patient.national_id"
              label={t("profile.nationalId")}
              defaultValue={patient?.nationalId ?? ""}
            />
            <Field
              name="patient.insurance_number"
              label={t("profile.insuranceNumber")}
              defaultValue={patient?.insuranceNumber ?? ""}
            />
          </div>
        </>
      )}
      <ProblemMessage error={error} shownFields={Object.keys(errors)} />
      {saved && (
        <p className="note" role="status">
          {t("app.saved")}
        </p>
      )}
      <Button type="submit" className="button primary" isDisabled={update.isPending}>
        {t("app.save")}
      </Button>
    </Form>
  );
}

function PreferencesForm({ prefs }: { prefs: Preferences | undefined }) {
  const { t, setLang } = useI18n();
  const queries = useQueryClient();
  const [enabled, setEnabled] = useState(
    () => new Map(CHANNELS.map(({ channel }) => [channel, channelEnabled(prefs, channel)])),
  );
  const [pushOn, setPushOn] = useState(() =>
    PUSH_TYPES.map(({ types }) => pushEnabled(prefs, types)),
  );
  const [language, setLanguage] = useState(prefs?.language ?? "");
  const [saved, setSaved] = useState(false);
  const update = useMutation(NotificationService.method.updatePreferences, {
    onSuccess: () =>
      queries.invalidateQueries({
        queryKey: createConnectQueryKey({
          schema: NotificationService.method.getPreferences,
          cardinality: undefined,
        }),
      }),
  });

  const save = () => {
    // Rules for single types stay as they are but the push kinds' chosen here; the general
    // rule of each channel is replaced.
    const specific = typeRules(prefs, pushOn);
    const general = CHANNELS.map(({ channel }) => ({
      type: NotificationType.UNSPECIFIED,
      channel,
      enabled: enabled.get(channel) ?? true,
    }));
    setSaved(false);
    update.mutate(
      { preferences: create(PreferencesSchema, { rules: [...specific, ...general], language }) },
      {
        onSuccess: () => {
          setSaved(true);
          if (isLang(language)) setLang(language);
        },
      },
    );
  };

  return (
    <div className="stack">
      <h2>{t("profile.prefs")}</h2>
      <p>{t("profile.prefsHelp")}</p>
      {CHANNELS.map(({ channel, label }) => (
        <SwitchField
          key={channel}
          isSelected={enabled.get(channel) ?? false}
          onChange={(on) => setEnabled(new Map(enabled).set(channel, on))}
        >
          <SwitchButton className="switch">
            <span className="switch-track" aria-hidden="true" />
            {t(label)}
          </SwitchButton>
        </SwitchField>
      ))}
      <fieldset className="stack plain-fieldset">
        <legend>{t("profile.pushTypes")}</legend>
        {PUSH_TYPES.map(({ label }, i) => (
          <SwitchField
            key={label}
            isSelected={pushOn[i] ?? true}
            onChange={(on) => setPushOn(pushOn.map((was, j) => (j === i ? on : was)))}
          >
            <SwitchButton className="switch">
              <span className="switch-track" aria-hidden="true" />
              {t(label)}
            </SwitchButton>
          </SwitchField>
        ))}
      </fieldset>
      <RadioGroup
        value={language}
        onChange={setLanguage}
        orientation="horizontal"
        className="radios"
      >
        <Label>{t("profile.language")}</Label>
        <RadioField value="">
          <RadioButton>{t("profile.languageDefault")}</RadioButton>
        </RadioField>
        <RadioField value="vi">
          <RadioButton>Tiếng Việt</RadioButton>
        </RadioField>
        <RadioField value="en">
          <RadioButton>English</RadioButton>
        </RadioField>
      </RadioGroup>
      <ProblemMessage error={update.error} />
      {saved && (
        <p className="note" role="status">
          {t("app.saved")}
        </p>
      )}
      <Button className="button primary" onPress={save} isDisabled={update.isPending}>
        {t("app.save")}
      </Button>
    </div>
  );
}

export default function Profile() {
  const { t } = useI18n();
  const me = useQuery(UserService.method.getMe, {});
  const prefs = useQuery(NotificationService.method.getPreferences, {});
  return (
    <section className="profile">
      <h1>{t("profile.title")}</h1>
      <ProblemMessage error={me.error ?? prefs.error} />
      {(me.isPending || prefs.isPending) && <Loading />}
      <div className="columns">
        {me.data?.user && <AccountForm user={me.data.user} />}
        {prefs.isSuccess && <PreferencesForm prefs={prefs.data.preferences} />}
        <PushDevices />
      </div>
    </section>
  );
}
