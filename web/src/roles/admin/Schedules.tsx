// Doctors' schedules (ScheduleService): pick a doctor, edit the weekly blocks (checked here
// for times on the 5-minute grid, end after start and overlaps before SetDoctorSchedule
// replaces them) with the specialty and room, and add or remove exceptions.
import { useEffect, useId, useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import { Button, Form } from "react-aria-components";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  DoctorScheduleSchema,
  ExceptionKind,
  ScheduleService,
  type DoctorSchedule,
  type ScheduleException,
} from "@hms/sdk/hms/appointment/v1/appointment_pb";
import { DayOfWeek } from "@hms/sdk/google/type/dayofweek_pb";
import { UserService, type User } from "@hms/sdk/hms/user/v1/user_pb";
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import { useI18n, type MessageKey } from "../../i18n";
import { toProblem } from "../../api/errors";
import { formatDay } from "../../format";
import { learnZone } from "../../format/zone";
import { Field, formText, type FormSubmit } from "../../components/fields";
import { Loading } from "../../components/Loading";
import { ProblemMessage, fieldErrors } from "../../components/Problem";
import { SelectField, parseDateInput, parseTimeInput, timeInput } from "./common";
import { displayName } from "./Users";
import {
  WEEK,
  addDays,
  blockFieldKey,
  draftsFrom,
  newKey,
  sortDrafts,
  toBlocks,
  validateBlocks,
  type BlockDraft,
  type BlockField,
  type BlockIssue,
  type BlockProblem,
} from "./schedule";
import { parseEnum } from "./enums";
import "./admin.css";

export const DAY_LABELS: Record<DayOfWeek, MessageKey> = {
  [DayOfWeek.DAY_OF_WEEK_UNSPECIFIED]: "admin.day.UNSPECIFIED",
  [DayOfWeek.MONDAY]: "admin.day.MONDAY",
  [DayOfWeek.TUESDAY]: "admin.day.TUESDAY",
  [DayOfWeek.WEDNESDAY]: "admin.day.WEDNESDAY",
  [DayOfWeek.THURSDAY]: "admin.day.THURSDAY",
  [DayOfWeek.FRIDAY]: "admin.day.FRIDAY",
  [DayOfWeek.SATURDAY]: "admin.day.SATURDAY",
  [DayOfWeek.SUNDAY]: "admin.day.SUNDAY",
};

const PROBLEMS: Record<BlockProblem, MessageKey> = {
  required: "admin.sched.problem.required",
  fiveMinutes: "admin.sched.problem.fiveMinutes",
  endBeforeStart: "admin.sched.problem.endBeforeStart",
  toBeforeFrom: "admin.sched.problem.toBeforeFrom",
  overlap: "admin.sched.problem.overlap",
};

/** The doctors, searched by name, for the pickers of the schedule and report screens. */
export function DoctorPicker({
  value,
  onChange,
  allowNone,
}: {
  value: string;
  onChange: (doctorId: string, doctor: User | undefined) => void;
  allowNone?: string;
}) {
  const { t } = useI18n();
  const doctors = useQuery(UserService.method.listUsers, {
    role: Role.DOCTOR,
    page: { pageSize: 500 },
  });
  const list = doctors.data?.users ?? [];
  useEffect(() => {
    if (value) {
      const d = list.find((u) => u.id === value);
      if (d) onChange(value, d);
    }
    // Only once the list arrives: the parent learns the chosen doctor's profile.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [doctors.data]);
  return (
    <>
      <SelectField
        label={t("admin.sched.doctor")}
        value={value}
        onChange={(id) =>
          onChange(
            id,
            list.find((u) => u.id === id),
          )
        }
        options={[
          { value: "", label: allowNone ?? t("admin.sched.chooseDoctor") },
          ...list.map((u) => ({
            value: u.id,
            label: `${displayName(u)}${u.isActive ? "" : ` (${t("admin.users.inactive")})`}`,
          })),
        ]}
      />
      <ProblemMessage error={doctors.error} />
    </>
  );
}

function useInvalidateSchedule() {
  const queries = useQueryClient();
  return () =>
    queries.invalidateQueries({
      queryKey: createConnectQueryKey({
        schema: ScheduleService.method.getDoctorSchedule,
        cardinality: undefined,
      }),
    });
}

function BlockRow({
  draft,
  index,
  issues,
  serverError,
  onChange,
  onRemove,
}: {
  draft: BlockDraft;
  index: number;
  issues: BlockIssue[];
  serverError: string | undefined;
  onChange: (d: BlockDraft) => void;
  onRemove: () => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const day = t(DAY_LABELS[draft.day]);
  const n = index + 1;
  const messages = issues.map((i) =>
    t(PROBLEMS[i.problem], { other: i.other === undefined ? "" : String(i.other + 1) }),
  );
  if (serverError) messages.push(serverError);
  const invalid = (field: BlockField) => issues.some((i) => i.field === field) || undefined;
  const errorId = `${id}-error`;
  const described = messages.length ? errorId : undefined;
  return (
    <tr data-invalid={messages.length > 0 || undefined}>
      <td>
        <select
          aria-label={t("admin.sched.dayOf", { n })}
          value={String(draft.day)}
          onChange={(e) =>
            onChange({
              ...draft,
              day: parseEnum(DayOfWeek, e.target.value, DayOfWeek.DAY_OF_WEEK_UNSPECIFIED),
            })
          }
          aria-invalid={invalid("day")}
          aria-describedby={described}
        >
          {WEEK.map((d) => (
            <option key={d} value={String(d)}>
              {t(DAY_LABELS[d])}
            </option>
          ))}
        </select>
      </td>
      <td>
        <input
          type="time"
          step={300}
          aria-label={t("admin.sched.startOf", { n, day })}
          value={draft.start}
          onChange={(e) => onChange({ ...draft, start: e.target.value })}
          aria-invalid={invalid("start")}
          aria-describedby={described}
        />
      </td>
      <td>
        <input
          type="time"
          step={300}
          aria-label={t("admin.sched.endOf", { n, day })}
          value={draft.end}
          onChange={(e) => onChange({ ...draft, end: e.target.value })}
          aria-invalid={invalid("end")}
          aria-describedby={described}
        />
      </td>
      <td>
        <input
          type="date"
          aria-label={t("admin.sched.fromOf", { n, day })}
          value={draft.validFrom}
          onChange={(e) => onChange({ ...draft, validFrom: e.target.value })}
          aria-invalid={invalid("validFrom")}
          aria-describedby={described}
        />
      </td>
      <td>
        <input
          type="date"
          aria-label={t("admin.sched.toOf", { n, day })}
          value={draft.validTo}
          onChange={(e) => onChange({ ...draft, validTo: e.target.value })}
          aria-invalid={invalid("validTo")}
          aria-describedby={described}
        />
      </td>
      <td>
        <Button
          className="button small danger"
          onPress={onRemove}
          aria-label={t("admin.sched.removeOf", { n, day })}
        >
          {t("admin.sched.remove")}
        </Button>
        {messages.length > 0 && (
          <span id={errorId} className="field-error block-error">
            {messages.join(" ")}
          </span>
        )}
      </td>
    </tr>
  );
}

function WeeklyEditor({
  doctor,
  schedule,
  saved,
  onSaved,
}: {
  doctor: User | undefined;
  schedule: DoctorSchedule | undefined;
  /** Whether the last thing done was saving (the editor starts again after a save). */
  saved: boolean;
  onSaved: (saved: boolean) => void;
}) {
  const { t } = useI18n();
  const invalidate = useInvalidateSchedule();
  // Saving changes the stored blocks, so the editor starts again from them: what is said
  // after the save lives with the page, and is said here where the editor's end does not
  // silence it.
  const set = useMutation(ScheduleService.method.setDoctorSchedule, {
    onSuccess: () => {
      onSaved(true);
      return invalidate();
    },
  });
  const profile = doctor?.profile?.kind.case === "doctor" ? doctor.profile.kind.value : undefined;
  const [drafts, setDrafts] = useState<BlockDraft[]>(() => draftsFrom(schedule?.blocks ?? []));
  // What the admin typed, else what is stored, else the doctor's profile (which may arrive
  // after the editor opened: it fills the fields, it does not start the editor again).
  const [typedSpecialty, setSpecialty] = useState<string>();
  const [typedLocation, setLocation] = useState<string>();
  const specialty = typedSpecialty ?? (schedule?.specialty || profile?.specialty || "");
  const location = typedLocation ?? (schedule?.location || profile?.consultationRoom || "");
  const [presetStart, setPresetStart] = useState("08:00");
  const [presetEnd, setPresetEnd] = useState("17:00");
  const [tried, setTried] = useState(false);
  const issues = validateBlocks(drafts);
  const shownIssues = tried ? issues : issues.filter((i) => i.problem !== "required");
  const problem = set.error ? toProblem(set.error) : undefined;
  const serverErrors = fieldErrors(t, problem);
  const serverByKey = new Map<string, string>();
  for (const [path, text] of Object.entries(serverErrors)) {
    const key = blockFieldKey(drafts, path);
    if (key) serverByKey.set(key, [serverByKey.get(key), text].filter(Boolean).join(" "));
  }
  const shownFields = Object.keys(serverErrors).filter(
    (f) => f === "specialty" || f === "location" || blockFieldKey(drafts, f),
  );

  const update = (next: BlockDraft[]) => {
    onSaved(false);
    setDrafts(next);
  };
  const save = () => {
    setTried(true);
    if (issues.length > 0 || !schedule) return;
    set.mutate({ doctorId: schedule.doctorId, specialty, location, blocks: toBlocks(drafts) });
  };

  return (
    <section className="card stack" aria-labelledby="weekly-title">
      <h2 id="weekly-title">{t("admin.sched.weekly")}</h2>
      <p className="meta">{t("admin.sched.weeklyHelp", { zone: schedule?.timeZone ?? "" })}</p>
      <div className="row">
        <div className="field">
          <label htmlFor="sched-specialty">{t("admin.sched.specialty")}</label>
          <input
            id="sched-specialty"
            value={specialty}
            onChange={(e) => setSpecialty(e.target.value)}
            aria-invalid={serverErrors.specialty ? true : undefined}
            aria-describedby={serverErrors.specialty ? "sched-specialty-error" : undefined}
          />
          {serverErrors.specialty && (
            <span id="sched-specialty-error" className="field-error">
              {serverErrors.specialty}
            </span>
          )}
        </div>
        <div className="field">
          <label htmlFor="sched-location">{t("admin.sched.location")}</label>
          <input
            id="sched-location"
            value={location}
            onChange={(e) => setLocation(e.target.value)}
            aria-invalid={serverErrors.location ? true : undefined}
            aria-describedby={serverErrors.location ? "sched-location-error" : undefined}
          />
          {serverErrors.location && (
            <span id="sched-location-error" className="field-error">
              {serverErrors.location}
            </span>
          )}
        </div>
      </div>
      {drafts.length === 0 ? (
        <p>{t("admin.sched.noBlocks")}</p>
      ) : (
        <div className="table-wrap">
          <table className="table blocks">
            <caption className="sr-only">{t("admin.sched.weekly")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("admin.sched.day")}</th>
                <th scope="col">{t("admin.sched.start")}</th>
                <th scope="col">{t("admin.sched.end")}</th>
                <th scope="col">{t("admin.sched.validFrom")}</th>
                <th scope="col">{t("admin.sched.validTo")}</th>
                <th scope="col">{t("admin.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {drafts.map((d, index) => (
                <BlockRow
                  key={d.key}
                  draft={d}
                  index={index}
                  issues={shownIssues.filter((i) => i.index === index)}
                  serverError={serverByKey.get(d.key)}
                  onChange={(next) => update(drafts.map((x) => (x.key === d.key ? next : x)))}
                  onRemove={() => update(drafts.filter((x) => x.key !== d.key))}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="actions">
        <Button
          className="button"
          onPress={() =>
            update([
              ...drafts,
              {
                key: newKey(),
                day: DayOfWeek.MONDAY,
                start: "08:00",
                end: "12:00",
                validFrom: "",
                validTo: "",
              },
            ])
          }
        >
          {t("admin.sched.addBlock")}
        </Button>
        <Button className="button" onPress={() => update(sortDrafts(drafts))}>
          {t("admin.sched.sort")}
        </Button>
      </div>
      <fieldset className="preset">
        <legend>{t("admin.sched.preset")}</legend>
        <div className="row">
          <div className="field">
            <label htmlFor="preset-start">{t("admin.sched.start")}</label>
            <input
              id="preset-start"
              type="time"
              step={300}
              value={presetStart}
              onChange={(e) => setPresetStart(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="preset-end">{t("admin.sched.end")}</label>
            <input
              id="preset-end"
              type="time"
              step={300}
              value={presetEnd}
              onChange={(e) => setPresetEnd(e.target.value)}
            />
          </div>
        </div>
        <div className="actions">
          <Button
            className="button"
            onPress={() => update(addDays(drafts, WEEK.slice(0, 5), presetStart, presetEnd))}
          >
            {t("admin.sched.addWeekdays")}
          </Button>
          <Button
            className="button"
            onPress={() => update(addDays(drafts, WEEK, presetStart, presetEnd))}
          >
            {t("admin.sched.addEveryDay")}
          </Button>
        </div>
      </fieldset>
      {tried && issues.length > 0 && (
        <p className="problem" role="alert">
          {t("admin.sched.fixBlocks", { count: issues.length })}
        </p>
      )}
      <ProblemMessage error={set.error} shownFields={shownFields} />
      {saved && (
        <p className="note" role="status">
          {t("admin.sched.saved")}
        </p>
      )}
      <div className="actions">
        <Button className="button primary" isDisabled={set.isPending} onPress={save}>
          {t("admin.sched.save")}
        </Button>
      </div>
    </section>
  );
}

function ExceptionList({
  doctorId,
  exceptions,
}: {
  doctorId: string;
  exceptions: ScheduleException[];
}) {
  const { t, lang } = useI18n();
  const invalidate = useInvalidateSchedule();
  const remove = useMutation(ScheduleService.method.deleteScheduleException, {
    onSuccess: invalidate,
  });
  if (exceptions.length === 0) return <p>{t("admin.sched.noExceptions")}</p>;
  const when = (e: ScheduleException) => {
    const start = e.startDate ? formatDay(e.startDate, lang, true) : "";
    const end = e.endDate ? formatDay(e.endDate, lang, true) : "";
    const days = start === end ? start : `${start} – ${end}`;
    const hours =
      e.startTime || e.endTime
        ? `${timeInput(e.startTime)}–${timeInput(e.endTime)}`
        : t("admin.sched.wholeDay");
    return { days, hours };
  };
  return (
    <>
      <div className="table-wrap">
        <table className="table">
          <caption className="sr-only">{t("admin.sched.exceptions")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("admin.sched.exceptionKind")}</th>
              <th scope="col">{t("admin.sched.days")}</th>
              <th scope="col">{t("admin.sched.hours")}</th>
              <th scope="col">{t("admin.sched.note")}</th>
              <th scope="col">{t("admin.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {exceptions.map((e) => {
              const w = when(e);
              return (
                <tr key={e.id}>
                  <td>
                    {t(
                      e.kind === ExceptionKind.EXTRA_HOURS
                        ? "admin.sched.extraHours"
                        : "admin.sched.unavailable",
                    )}
                  </td>
                  <th scope="row">{w.days}</th>
                  <td>{w.hours}</td>
                  <td>{e.note}</td>
                  <td>
                    <Button
                      className="button small danger"
                      isDisabled={remove.isPending}
                      onPress={() => remove.mutate({ doctorId, exceptionId: e.id })}
                      aria-label={t("admin.sched.deleteException", { days: w.days })}
                    >
                      {t("admin.delete")}
                    </Button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <ProblemMessage error={remove.error} />
    </>
  );
}

function AddException({ doctorId }: { doctorId: string }) {
  const { t } = useI18n();
  const invalidate = useInvalidateSchedule();
  const add = useMutation(ScheduleService.method.addScheduleException, { onSuccess: invalidate });
  const [kind, setKind] = useState(String(ExceptionKind.UNAVAILABLE));
  const [error, setError] = useState<unknown>();
  const [added, setAdded] = useState(false);
  const submit = (e: FormSubmit) => {
    e.preventDefault();
    const formElement = e.currentTarget;
    const form = new FormData(formElement);
    const value = (name: string) => formText(form, name).trim();
    const start = parseDateInput(value("exception.start_date"));
    const end = parseDateInput(value("exception.end_date")) ?? start;
    setError(undefined);
    setAdded(false);
    add.mutate(
      {
        doctorId,
        exception: {
          kind: parseEnum(ExceptionKind, kind, ExceptionKind.UNSPECIFIED),
          startDate: start,
          endDate: end,
          startTime: parseTimeInput(value("exception.start_time")),
          endTime: parseTimeInput(value("exception.end_time")),
          note: value("exception.note"),
        },
      },
      {
        onSuccess: () => {
          formElement.reset();
          setAdded(true);
        },
        onError: setError,
      },
    );
  };
  const errors = fieldErrors(t, error ? toProblem(error) : undefined);
  return (
    <Form
      validationBehavior="aria"
      validationErrors={errors}
      onSubmit={submit}
      className="stack"
      aria-label={t("admin.sched.addException")}
    >
      <h3>{t("admin.sched.addException")}</h3>
      <div className="row">
        <SelectField
          label={t("admin.sched.exceptionKind")}
          value={kind}
          onChange={setKind}
          options={[
            { value: String(ExceptionKind.UNAVAILABLE), label: t("admin.sched.unavailable") },
            { value: String(ExceptionKind.EXTRA_HOURS), label: t("admin.sched.extraHours") },
          ]}
          error={errors["exception.kind"]}
        />
        <Field
          name="exception.start_date"
          type="date"
          label={t("admin.sched.firstDay")}
          isRequired
        />
        <Field
          name="exception.end_date"
          type="date"
          label={t("admin.sched.lastDay")}
          hint={t("admin.sched.lastDayHint")}
        />
      </div>
      <div className="row">
        <Field
          name="exception.start_time"
          type="time"
          label={t("admin.sched.fromTime")}
          hint={t("admin.sched.hoursHint")}
        />
        <Field name="exception.end_time" type="time" label={t("admin.sched.toTime")} />
        <Field name="exception.note" label={t("admin.sched.note")} />
      </div>
      <ProblemMessage error={error} shownFields={Object.keys(errors)} />
      {added && (
        <p className="note" role="status">
          {t("admin.sched.exceptionAdded")}
        </p>
      )}
      <div className="actions">
        <Button type="submit" className="button primary" isDisabled={add.isPending}>
          {t("admin.sched.addException")}
        </Button>
      </div>
    </Form>
  );
}

export default function Schedules() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const doctorId = params.get("doctor") ?? "";
  const [doctor, setDoctor] = useState<User | undefined>();
  const [savedFor, setSavedFor] = useState("");
  const schedule = useQuery(
    ScheduleService.method.getDoctorSchedule,
    { doctorId },
    { enabled: !!doctorId },
  );
  // A doctor without a schedule yet is NOT_FOUND: the editor starts empty.
  const isNew = !!schedule.error && ConnectError.from(schedule.error).code === Code.NotFound;
  const stored = schedule.data?.schedule;
  const data = stored ?? (isNew ? create(DoctorScheduleSchema, { doctorId }) : undefined);
  useEffect(() => learnZone(stored?.timeZone), [stored]);
  // The editor starts again from what is stored whenever another doctor is chosen or the
  // stored blocks change (not when an exception does, nor when the doctor's profile
  // arrives: starting again then dropped a week being typed, and a save could store it
  // empty).
  const editorKey = useMemo(
    () =>
      [
        doctorId,
        stored?.specialty,
        stored?.location,
        JSON.stringify(toBlocks(draftsFrom(stored?.blocks ?? []))),
      ].join("|"),
    [doctorId, stored],
  );

  return (
    <section className="admin">
      <h1>{t("admin.sched.title")}</h1>
      <div className="filters">
        <DoctorPicker
          value={doctorId}
          onChange={(id, d) => {
            setDoctor(d);
            if (id !== doctorId) setParams(id ? { doctor: id } : {});
          }}
        />
      </div>
      {!doctorId && <p>{t("admin.sched.pick")}</p>}
      {!isNew && <ProblemMessage error={schedule.error} />}
      {doctorId && schedule.isPending && <Loading />}
      {doctorId && data && (
        <div className="stack">
          <WeeklyEditor
            key={editorKey}
            doctor={doctor}
            schedule={data}
            saved={savedFor === doctorId}
            onSaved={(saved) => setSavedFor(saved ? doctorId : "")}
          />
          {isNew ? (
            <p className="meta">{t("admin.sched.exceptionsAfter")}</p>
          ) : (
            <section className="card stack" aria-labelledby="exceptions-title">
              <h2 id="exceptions-title">{t("admin.sched.exceptions")}</h2>
              <ExceptionList doctorId={doctorId} exceptions={data.exceptions} />
              <AddException doctorId={doctorId} />
            </section>
          )}
        </div>
      )}
    </section>
  );
}
