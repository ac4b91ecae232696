// Booking (seed 004 steps 1–4): the service catalog, then a week calendar whose each day
// lists the doctors with free slots, then confirmation. A slot taken meanwhile is refused
// with alternatives to pick from. With ?reschedule=<id> the same page moves an appointment.
import { useEffect, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import {
  Button,
  Dialog,
  Heading,
  Modal,
  ModalOverlay,
  ToggleButton,
  ToggleButtonGroup,
} from "react-aria-components";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import {
  AppointmentService,
  AppointmentStatus,
  ScheduleService,
  type Appointment,
  type MedicalService,
} from "@hms/sdk/hms/appointment/v1/appointment_pb";
import { useI18n, type MessageKey } from "../../i18n";
import {
  addDays,
  compareDays,
  dayInZone,
  dayKey,
  formatDateTime,
  formatDay,
  formatMoney,
  formatTime,
  weekStart,
  type Day,
} from "../../format";
import { learnZone, useClinicZone } from "../../format/zone";
import { knownName, learnName } from "../../api/names";
import { toProblem } from "../../api/errors";
import { Field } from "../../components/fields";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { alternativeChoices, groupWeek, type Period, type SlotChoice } from "./calendar";

const PERIOD_LABEL: Record<Period, MessageKey> = {
  morning: "book.morning",
  afternoon: "book.afternoon",
  evening: "book.evening",
};

function parseDay(value: string | null): Day | undefined {
  const m = value?.match(/^(\d{4})-(\d{2})-(\d{2})$/);
  return m ? { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) } : undefined;
}

function Catalog({ onChoose }: { onChoose: (service: MedicalService) => void }) {
  const { t, lang } = useI18n();
  const list = useQuery(ScheduleService.method.listMedicalServices, { page: { pageSize: 200 } });
  return (
    <section aria-labelledby="catalog">
      <h2 id="catalog">{t("book.catalog")}</h2>
      <ProblemMessage error={list.error} />
      {list.isPending && <Loading />}
      <ul className="catalog">
        {list.data?.services.map((s) => (
          <li key={s.id} className="card">
            <h3>{s.name}</h3>
            {s.description && <p>{s.description}</p>}
            <p className="meta">
              {t("book.duration", { minutes: s.durationMinutes })}
              {s.price && <> · {formatMoney(s.price, lang)}</>}
            </p>
            <Button
              className="button primary"
              aria-label={`${t("book.choose")}: ${s.name}`}
              onPress={() => onChoose(s)}
            >
              {t("book.choose")}
            </Button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function WeekCalendar({
  service,
  week,
  onWeek,
  onPick,
}: {
  service: MedicalService;
  week: Day;
  onWeek: (week: Day) => void;
  onPick: (choice: SlotChoice) => void;
}) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const thisWeek = weekStart(dayInZone(new Date(), zone));
  const calendar = useQuery(ScheduleService.method.getServiceCalendar, {
    serviceId: service.id,
    startDate: week,
    endDate: addDays(week, 6),
  });
  const data = calendar.data;
  useEffect(() => {
    if (!data) return;
    learnZone(data.timeZone);
    for (const day of data.days) for (const d of day.doctors) learnName(d.doctorId, d.doctorName);
  }, [data]);
  const days = useMemo(
    () => groupWeek(data?.days ?? [], week, zone, new Date(), data?.durationMinutes),
    [data, week, zone],
  );
  // Seed 004 step 2: the patient may keep to a preferred doctor.
  const [preferred, setPreferred] = useState("all");
  const doctors = useMemo(() => {
    const seen = new Map<string, string>();
    for (const day of days) for (const d of day.doctors) seen.set(d.doctorId, d.doctorName);
    return [...seen].map(([id, name]) => ({ id, name }));
  }, [days]);
  const shown = useMemo(
    () =>
      preferred === "all"
        ? days
        : days.map((d) => ({ ...d, doctors: d.doctors.filter((x) => x.doctorId === preferred) })),
    [days, preferred],
  );
  const empty = calendar.isSuccess && days.every((d) => d.doctors.length === 0);

  return (
    <section aria-labelledby="week">
      <div className="title-row">
        <h2 id="week">{t("book.week", { date: formatDay(week, lang, true) })}</h2>
        <div className="week-nav">
          <Button
            className="button"
            isDisabled={compareDays(week, thisWeek) <= 0}
            onPress={() => onWeek(addDays(week, -7))}
          >
            ← {t("book.prevWeek")}
          </Button>
          <Button className="button" onPress={() => onWeek(thisWeek)}>
            {t("book.thisWeek")}
          </Button>
          <Button className="button" onPress={() => onWeek(addDays(week, 7))}>
            {t("book.nextWeek")} →
          </Button>
        </div>
      </div>
      <p className="meta">{t("book.zone", { zone })}</p>
      <ProblemMessage error={calendar.error} />
      {calendar.isPending && <Loading />}
      {empty && <p className="note">{t("book.noDoctors")}</p>}
      {doctors.length > 1 && (
        <ToggleButtonGroup
          aria-label={t("book.preferred")}
          selectionMode="single"
          disallowEmptySelection
          selectedKeys={[preferred]}
          onSelectionChange={(keys) => {
            const [key] = [...keys];
            if (typeof key === "string") setPreferred(key);
          }}
          className="chips"
        >
          <ToggleButton id="all">{t("book.allDoctors")}</ToggleButton>
          {doctors.map((d) => (
            <ToggleButton key={d.id} id={d.id}>
              {d.name || t("book.doctorFallback")}
            </ToggleButton>
          ))}
        </ToggleButtonGroup>
      )}
      <ol className="week" aria-busy={calendar.isFetching}>
        {shown.map((day) => (
          <li key={day.key} className="day" aria-labelledby={`day-${day.key}`}>
            <h3 id={`day-${day.key}`}>{formatDay(day.day, lang)}</h3>
            {day.doctors.length === 0 && <p className="meta">{t("book.noSlots")}</p>}
            {day.doctors.map((doctor) => {
              const name = doctor.doctorName || t("book.doctorFallback");
              return (
                <div key={doctor.doctorId} className="doctor">
                  <h4>{name}</h4>
                  {doctor.location && <p className="meta">{doctor.location}</p>}
                  {doctor.periods.map((p) => (
                    <div
                      key={p.period}
                      role="group"
                      aria-label={`${t(PERIOD_LABEL[p.period])}, ${name}, ${formatDay(day.day, lang)}`}
                      className="slots"
                    >
                      <span className="period" aria-hidden="true">
                        {t(PERIOD_LABEL[p.period])}
                      </span>
                      {p.slots.map((slot) => (
                        <Button
                          key={String(slot.start.seconds)}
                          className="slot"
                          onPress={() => onPick(slot)}
                        >
                          {formatTime(slot.start, zone, lang)}
                        </Button>
                      ))}
                    </div>
                  ))}
                </div>
              );
            })}
          </li>
        ))}
      </ol>
    </section>
  );
}

function SlotList({
  title,
  choices,
  onPick,
}: {
  title: string;
  choices: SlotChoice[];
  onPick: (choice: SlotChoice) => void;
}) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  if (choices.length === 0) return null;
  return (
    <div role="group" aria-label={title} className="alternatives">
      <h3>{title}</h3>
      <div className="slots">
        {choices.map((c) => (
          <Button
            key={`${c.doctorId}-${String(c.start.seconds)}`}
            className="slot wide"
            onPress={() => onPick(c)}
          >
            {formatDateTime(c.start, zone, lang)}
            {" · "}
            {c.doctorName || t("book.doctorFallback")}
          </Button>
        ))}
      </div>
    </div>
  );
}

function ConfirmDialog({
  service,
  choice,
  reschedule,
  onPick,
  onClose,
}: {
  service: MedicalService;
  choice: SlotChoice;
  reschedule: string | null;
  onPick: (choice: SlotChoice) => void;
  onClose: () => void;
}) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const queries = useQueryClient();
  const [reason, setReason] = useState("");
  const [done, setDone] = useState<Appointment | undefined>();
  const invalidate = () => {
    void queries.invalidateQueries({
      queryKey: createConnectQueryKey({ schema: ScheduleService, cardinality: undefined }),
    });
    void queries.invalidateQueries({
      queryKey: createConnectQueryKey({ schema: AppointmentService, cardinality: undefined }),
    });
  };
  const book = useMutation(AppointmentService.method.bookAppointment);
  const move = useMutation(AppointmentService.method.rescheduleAppointment);
  const pending = book.isPending || move.isPending;
  const error = book.error ?? move.error;
  const problem = error ? toProblem(error) : undefined;
  const alternatives = alternativeChoices(
    problem?.alternatives,
    (id) => knownName(id) ?? "",
    () => "",
  );
  const doctor = choice.doctorName || t("book.doctorFallback");
  const when = formatDateTime(choice.start, zone, lang);

  const confirm = () => {
    const onSuccess = (r: { appointment?: Appointment }) => {
      setDone(r.appointment);
      invalidate();
    };
    if (reschedule) {
      move.mutate(
        { appointmentId: reschedule, startTime: choice.start, doctorId: choice.doctorId },
        { onSuccess },
      );
    } else {
      book.mutate(
        { serviceId: service.id, doctorId: choice.doctorId, startTime: choice.start, reason },
        { onSuccess },
      );
    }
  };

  const pick = (c: SlotChoice) => {
    book.reset();
    move.reset();
    onPick(c);
  };

  return (
    <ModalOverlay
      isOpen
      isDismissable
      onOpenChange={(open) => !open && onClose()}
      className="overlay"
    >
      <Modal className="modal">
        <Dialog className="dialog">
          <Heading slot="title">
            {reschedule ? t("appt.rescheduleTitle") : t("book.confirmTitle")}
          </Heading>
          {done ? (
            <>
              <p className="note" role="status">
                {reschedule
                  ? t("appt.rescheduled", { time: when })
                  : t("book.booked", { service: service.name, doctor, time: when })}
              </p>
              {done.status === AppointmentStatus.PENDING && <p>{t("book.pending")}</p>}
              <div className="actions">
                <Link className="button primary" to="/appointments">
                  {t("nav.appointments")}
                </Link>
                <Button className="button" onPress={onClose}>
                  {t("app.close")}
                </Button>
              </div>
            </>
          ) : (
            <>
              <dl className="facts">
                <dt>{t("appt.service")}</dt>
                <dd>{service.name}</dd>
                <dt>{t("book.doctorFallback")}</dt>
                <dd>{doctor}</dd>
                <dt>{t("appt.time")}</dt>
                <dd>{when}</dd>
                {choice.location && (
                  <>
                    <dt>{t("book.location")}</dt>
                    <dd>{choice.location}</dd>
                  </>
                )}
                {service.price && !reschedule && (
                  <>
                    <dt>{t("book.price")}</dt>
                    <dd>{formatMoney(service.price, lang)}</dd>
                  </>
                )}
              </dl>
              {!reschedule && (
                <Field
                  label={t("book.reason")}
                  value={reason}
                  onChange={setReason}
                  multiline
                  name="reason"
                />
              )}
              <ProblemMessage error={error} />
              {problem?.alternatives && (
                <div className="conflict">
                  <p>{t("book.conflict")}</p>
                  <SlotList
                    title={t("book.sameDoctor")}
                    choices={alternatives.sameDoctor}
                    onPick={pick}
                  />
                  <SlotList
                    title={t("book.otherDoctors")}
                    choices={alternatives.otherDoctors}
                    onPick={pick}
                  />
                  {alternatives.sameDoctor.length + alternatives.otherDoctors.length === 0 && (
                    <p>{t("book.noAlternatives")}</p>
                  )}
                </div>
              )}
              <div className="actions">
                {!problem?.alternatives && (
                  <Button className="button primary" onPress={confirm} isDisabled={pending}>
                    {reschedule ? t("appt.reschedule") : t("book.confirm")}
                  </Button>
                )}
                <Button className="button" onPress={onClose}>
                  {t("app.cancel")}
                </Button>
              </div>
            </>
          )}
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}

export default function Booking() {
  const { t } = useI18n();
  const zone = useClinicZone();
  const [params, setParams] = useSearchParams();
  const serviceId = params.get("service");
  const reschedule = params.get("reschedule");
  const week = parseDay(params.get("week")) ?? weekStart(dayInZone(new Date(), zone));
  const [choice, setChoice] = useState<SlotChoice | undefined>();
  const service = useQuery(
    ScheduleService.method.getMedicalService,
    { serviceId: serviceId ?? "" },
    { enabled: !!serviceId },
  );

  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    setParams(next);
  };

  return (
    <div className="booking">
      <div className="title-row">
        <h1>{reschedule ? t("appt.rescheduleTitle") : t("book.title")}</h1>
        {serviceId && !reschedule && (
          <Button className="button quiet" onPress={() => update({ service: null, week: null })}>
            {t("book.changeService")}
          </Button>
        )}
        {reschedule && (
          <Link className="button quiet" to="/appointments">
            {t("app.back")}
          </Link>
        )}
      </div>
      {!serviceId && <Catalog onChoose={(s) => update({ service: s.id })} />}
      {serviceId && <ProblemMessage error={service.error} />}
      {service.data?.service && (
        <>
          <p className="lead">
            <strong>{service.data.service.name}</strong>
          </p>
          <WeekCalendar
            service={service.data.service}
            week={week}
            onWeek={(w) => update({ week: dayKey(w) })}
            onPick={setChoice}
          />
          {choice && (
            <ConfirmDialog
              key={`${choice.doctorId}-${String(choice.start.seconds)}`}
              service={service.data.service}
              choice={choice}
              reschedule={reschedule}
              onPick={setChoice}
              onClose={() => setChoice(undefined)}
            />
          )}
        </>
      )}
    </div>
  );
}
