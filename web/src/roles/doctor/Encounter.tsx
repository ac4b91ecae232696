// One encounter, as the doctor works it: the visit's notes, vital signs, diagnoses (with
// the ICD-10 lookup), treatment plans, prescriptions (./Prescribe: screened by the
// pharmacy, findings overridden with a reason), and its end: the encounter FINISHED, then
// the appointment COMPLETED. Reached from the worklist (the appointment's encounter, which the
// appointment service planned at confirmation) or from the chart.
import { useEffect, useState, type ReactNode } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { Button, Form } from "react-aria-components";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import {
  AppointmentService,
  AppointmentStatus,
  type Appointment,
} from "@hms/sdk/hms/appointment/v1/appointment_pb";
import {
  EhrService,
  EncounterStatus,
  type Encounter,
  type EncounterNotes,
} from "@hms/sdk/hms/ehr/v1/ehr_pb";
import { useI18n, type MessageKey } from "../../i18n";
import { formatDateTime } from "../../format";
import { useClinicZone } from "../../format/zone";
import { Field, type FormSubmit } from "../../components/fields";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { VitalsForm } from "../../staff/VitalsForm";
import { VitalsTable } from "../../staff/VitalsTable";
import { statusLabel } from "../patient/appointments";
import { AuditNotice, BreakGlassOffer, EmergencyBanner, isNoCare } from "./BreakGlass";
import { DiagnosisForm } from "./DiagnosisForm";
import { PrescribePanel } from "./Prescribe";
import { LabPanel } from "./LabOrders";
import "./clinical.css";

/** How long to look for the encounter the appointment's confirmation plans. */
const LINK_WAIT_MS = 6000;

export function encounterStatusLabel(status: EncounterStatus): MessageKey {
  switch (status) {
    case EncounterStatus.PLANNED:
      return "enc.status.PLANNED";
    case EncounterStatus.IN_PROGRESS:
      return "enc.status.IN_PROGRESS";
    case EncounterStatus.FINISHED:
      return "enc.status.FINISHED";
    case EncounterStatus.CANCELLED:
      return "enc.status.CANCELLED";
    default:
      return "enc.status.UNSPECIFIED";
  }
}

function isOpen(e: Encounter): boolean {
  return e.status === EncounterStatus.PLANNED || e.status === EncounterStatus.IN_PROGRESS;
}

/** Every EHR and appointment query again, after a change. */
function useRefresh() {
  const queries = useQueryClient();
  return () =>
    Promise.all([
      queries.invalidateQueries({
        queryKey: createConnectQueryKey({ schema: EhrService, cardinality: undefined }),
      }),
      queries.invalidateQueries({
        queryKey: createConnectQueryKey({ schema: AppointmentService, cardinality: undefined }),
      }),
    ]);
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  const id = `sec-${title.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <section className="card clinical-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

type NoteKey = keyof Pick<
  EncounterNotes,
  "chiefComplaint" | "historyOfPresentIllness" | "physicalExaminationFindings" | "clinicalNotes"
>;

const NOTE_FIELDS: { key: NoteKey; label: MessageKey; field: string }[] = [
  { key: "chiefComplaint", label: "enc.chiefComplaint", field: "notes.chief_complaint" },
  {
    key: "historyOfPresentIllness",
    label: "enc.history",
    field: "notes.history_of_present_illness",
  },
  {
    key: "physicalExaminationFindings",
    label: "enc.examination",
    field: "notes.physical_examination_findings",
  },
  { key: "clinicalNotes", label: "enc.clinicalNotes", field: "notes.clinical_notes" },
];

function NotesForm({ encounter: e, open }: { encounter: Encounter; open: boolean }) {
  const { t } = useI18n();
  const refresh = useRefresh();
  const update = useMutation(EhrService.method.updateEncounter);
  const [saved, setSaved] = useState(false);
  const initial = Object.fromEntries(
    NOTE_FIELDS.map((f) => [f.key, e.notes?.[f.key] ?? ""]),
  ) as Record<string, string>;
  const [notes, setNotes] = useState(initial);
  const submit = (ev: FormSubmit) => {
    ev.preventDefault();
    setSaved(false);
    update.mutate(
      {
        patientId: e.patientId,
        encounterId: e.encounterId,
        version: e.version,
        notes: {
          chiefComplaint: notes.chiefComplaint ?? "",
          historyOfPresentIllness: notes.historyOfPresentIllness ?? "",
          physicalExaminationFindings: notes.physicalExaminationFindings ?? "",
          clinicalNotes: notes.clinicalNotes ?? "",
        },
      },
      {
        onSuccess: () => {
          setSaved(true);
          void refresh();
        },
      },
    );
  };
  if (!open) {
    return (
      <dl className="facts">
        {NOTE_FIELDS.map((f) => (
          <div key={f.key}>
            <dt>{t(f.label)}</dt>
            <dd className="prewrap">{e.notes?.[f.key] || "—"}</dd>
          </div>
        ))}
      </dl>
    );
  }
  return (
    <Form className="stack" onSubmit={submit} aria-label={t("enc.notes")}>
      {NOTE_FIELDS.map((f) => (
        <Field
          key={f.key}
          name={f.field}
          label={t(f.label)}
          value={notes[f.key] ?? ""}
          onChange={(v) => {
            setNotes((old) => ({ ...old, [f.key]: v }));
            setSaved(false);
          }}
          multiline
        />
      ))}
      <ProblemMessage error={update.error} />
      {saved && (
        <p className="note" role="status">
          {t("enc.notesSaved")}
        </p>
      )}
      <Button type="submit" className="button" isDisabled={update.isPending}>
        {t("enc.saveNotes")}
      </Button>
    </Form>
  );
}

function PlanForm({ encounter: e }: { encounter: Encounter }) {
  const { t } = useI18n();
  const refresh = useRefresh();
  const add = useMutation(EhrService.method.addTreatmentPlan);
  const [description, setDescription] = useState("");
  const [followUp, setFollowUp] = useState("");
  const submit = (ev: FormSubmit) => {
    ev.preventDefault();
    add.mutate(
      {
        patientId: e.patientId,
        encounterId: e.encounterId,
        treatmentPlan: { description, followUpInstructions: followUp },
      },
      {
        onSuccess: () => {
          setDescription("");
          setFollowUp("");
          void refresh();
        },
      },
    );
  };
  return (
    <Form className="stack" onSubmit={submit} aria-label={t("enc.addPlan")}>
      <Field
        name="treatment_plan.description"
        label={t("enc.planDescription")}
        value={description}
        onChange={setDescription}
        isRequired
        multiline
      />
      <Field
        name="treatment_plan.follow_up_instructions"
        label={t("enc.followUp")}
        value={followUp}
        onChange={setFollowUp}
        multiline
      />
      <ProblemMessage error={add.error} />
      <Button
        type="submit"
        className="button primary"
        isDisabled={add.isPending || !description.trim()}
      >
        {t("enc.addPlan")}
      </Button>
    </Form>
  );
}

/** Ends the visit: the encounter FINISHED, then its appointment COMPLETED. */
function Finish({
  encounter: e,
  appointment,
}: {
  encounter: Encounter;
  appointment?: Appointment;
}) {
  const { t } = useI18n();
  const refresh = useRefresh();
  const status = useMutation(EhrService.method.updateEncounterStatus);
  const complete = useMutation(AppointmentService.method.completeAppointment);
  const [done, setDone] = useState(false);
  const open = isOpen(e);
  const checkedIn = appointment?.status === AppointmentStatus.CHECKED_IN;
  const waiting = appointment && appointment.status === AppointmentStatus.CONFIRMED;
  const run = async () => {
    setDone(false);
    if (open) {
      await status.mutateAsync({
        patientId: e.patientId,
        encounterId: e.encounterId,
        status: EncounterStatus.FINISHED,
        version: e.version,
      });
    }
    if (appointment && checkedIn) {
      await complete.mutateAsync({ appointmentId: appointment.id });
    }
    setDone(true);
    await refresh();
  };
  if (!open && !checkedIn) {
    if (done) {
      return (
        <p className="note" role="status">
          {t("enc.finished")}
        </p>
      );
    }
    return appointment?.status === AppointmentStatus.COMPLETED ? (
      <p className="note">{t("enc.visitCompleted")}</p>
    ) : null;
  }
  return (
    <div className="finish">
      {waiting && <p className="note">{t("enc.notCheckedIn")}</p>}
      {open && e.diagnoses.length === 0 && <p className="note">{t("enc.noDiagnosisYet")}</p>}
      <Button
        className="button primary"
        isDisabled={status.isPending || complete.isPending || !!waiting}
        onPress={() => void run().catch(() => undefined)}
      >
        {open
          ? appointment
            ? t("enc.finishAndComplete")
            : t("enc.finish")
          : t("enc.completeAppointment")}
      </Button>
      <ProblemMessage error={status.error ?? complete.error} />
      {done && (
        <p className="note" role="status">
          {t("enc.finished")}
        </p>
      )}
    </div>
  );
}

function Start({ encounter: e }: { encounter: Encounter }) {
  const { t } = useI18n();
  const refresh = useRefresh();
  const status = useMutation(EhrService.method.updateEncounterStatus);
  return (
    <div className="actions">
      <Button
        className="button primary"
        isDisabled={status.isPending}
        onPress={() =>
          status.mutate(
            {
              patientId: e.patientId,
              encounterId: e.encounterId,
              status: EncounterStatus.IN_PROGRESS,
              version: e.version,
            },
            { onSuccess: () => void refresh() },
          )
        }
      >
        {t("enc.start")}
      </Button>
      <ProblemMessage error={status.error} />
    </div>
  );
}

export function EncounterView({
  patientId,
  encounterId,
  appointmentId,
}: {
  patientId: string;
  encounterId: string;
  appointmentId?: string;
}) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const refresh = useRefresh();
  const got = useQuery(EhrService.method.getEncounter, { patientId, encounterId });
  const e = got.data?.encounter;
  const linked = appointmentId || e?.appointmentId || "";
  const appointment = useQuery(
    AppointmentService.method.getAppointment,
    { appointmentId: linked },
    { enabled: !!linked },
  );
  const addDiagnosis = useMutation(EhrService.method.addDiagnosis);
  const addVitals = useMutation(EhrService.method.addVitalSigns);

  if (isNoCare(got.error)) {
    return (
      <>
        <BreakGlassOffer patientId={patientId} />
        <AuditNotice />
      </>
    );
  }
  const a = appointment.data?.appointment;
  const open = !!e && isOpen(e);
  return (
    <div className="encounter">
      <EmergencyBanner patientId={patientId} />
      <ProblemMessage error={got.error} />
      {got.isPending && <Loading />}
      {e && (
        <>
          <header className="encounter-head">
            <h1>{t("enc.title")}</h1>
            <p className="lead">
              {e.encounterTime ? formatDateTime(e.encounterTime, zone, lang) : ""} ·{" "}
              <span className={`badge enc-${EncounterStatus[e.status] ?? ""}`}>
                {t(encounterStatusLabel(e.status))}
              </span>
              {a && (
                <>
                  {" "}
                  · {t("enc.appointment")}: {t(statusLabel(a.status))}
                  {a.reason ? ` · ${t("appt.reason")}: ${a.reason}` : ""}
                </>
              )}
            </p>
            <p>
              <Link to={`/patients/${patientId}`}>{t("enc.toChart")}</Link>
            </p>
          </header>
          <AuditNotice />
          {e.status === EncounterStatus.PLANNED && (
            <>
              <p className="note">{t("enc.planned")}</p>
              <Start encounter={e} />
            </>
          )}
          {!open && <p className="note">{t("enc.closed")}</p>}

          <Section title={t("enc.notes")}>
            <NotesForm key={e.encounterId} encounter={e} open={open} />
          </Section>

          <Section title={t("vitals.title")}>
            {e.vitalSigns.length > 0 ? (
              <VitalsTable
                readings={[...e.vitalSigns].reverse()}
                caption={t("enc.vitalsRecorded")}
              />
            ) : (
              <p>{t("enc.noVitals")}</p>
            )}
            {open && (
              <details>
                <summary>{t("enc.addVitals")}</summary>
                <VitalsForm
                  idPrefix="enc-vitals"
                  pending={addVitals.isPending}
                  error={addVitals.error}
                  onSave={(measured) =>
                    addVitals
                      .mutateAsync({ patientId, encounterId, vitalSigns: measured })
                      .then(() => refresh())
                  }
                />
              </details>
            )}
          </Section>

          <Section title={t("enc.diagnoses")}>
            {e.diagnoses.length > 0 ? (
              <ul className="plain-list">
                {e.diagnoses.map((d) => (
                  <li key={d.diagnosisId}>
                    <code>{d.icd10Code}</code> {d.description}
                    {d.isPrimary && <span className="badge">{t("enc.primaryBadge")}</span>}
                  </li>
                ))}
              </ul>
            ) : (
              <p>{t("enc.noDiagnoses")}</p>
            )}
            {open && (
              <DiagnosisForm
                hasPrimary={e.diagnoses.some((d) => d.isPrimary)}
                pending={addDiagnosis.isPending}
                error={addDiagnosis.error}
                onAdd={(d) =>
                  addDiagnosis
                    .mutateAsync({ patientId, encounterId, diagnosis: d })
                    .then(() => refresh())
                }
              />
            )}
          </Section>

          <Section title={t("enc.plans")}>
            {e.treatmentPlans.length > 0 ? (
              <ul className="plain-list">
                {e.treatmentPlans.map((p) => (
                  <li key={p.treatmentPlanId}>
                    <p className="prewrap">{p.description}</p>
                    {p.followUpInstructions && (
                      <p className="prewrap">
                        {t("enc.followUp")}: {p.followUpInstructions}
                      </p>
                    )}
                  </li>
                ))}
              </ul>
            ) : (
              <p>{t("enc.noPlans")}</p>
            )}
            {open && <PlanForm encounter={e} />}
          </Section>

          <Section title={t("rx.title")}>
            <PrescribePanel patientId={patientId} encounterId={e.encounterId} />
          </Section>

          <Section title={t("lab.title")}>
            <LabPanel patientId={patientId} encounterId={e.encounterId} />
          </Section>

          {(e.prescriptionReferences.length > 0 || e.labResultReferences.length > 0) && (
            <Section title={t("chart.references")}>
              <ul className="plain-list">
                {e.prescriptionReferences.map((r) => (
                  <li key={r.prescriptionId}>
                    {t("chart.prescription")}: {r.medicationsSummary}
                  </li>
                ))}
                {e.labResultReferences.map((r) => (
                  <li key={r.labOrderItemId}>
                    {t("chart.lab")}: {r.testName} ({r.summaryStatus})
                  </li>
                ))}
              </ul>
            </Section>
          )}

          <Section title={t("enc.end")}>
            <Finish encounter={e} appointment={a} />
          </Section>
        </>
      )}
    </div>
  );
}

/** /patients/:patientId/encounters/:encounterId[?appointment=…] */
export function EncounterPage() {
  const { patientId = "", encounterId = "" } = useParams();
  const [params] = useSearchParams();
  return (
    <EncounterView
      patientId={patientId}
      encounterId={encounterId}
      appointmentId={params.get("appointment") ?? undefined}
    />
  );
}

/**
 * /appointments/:appointmentId/encounter: the appointment's encounter, continued if the
 * EHR has one (planned at confirmation), else opened now.
 */
export function AppointmentEncounter() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const refresh = useRefresh();
  const { appointmentId = "" } = useParams();
  const appointment = useQuery(AppointmentService.method.getAppointment, { appointmentId });
  const a = appointment.data?.appointment;
  const patientId = a?.patientId ?? "";
  // The appointment service links a confirmation to the EHR through its outbox, moments
  // later: look again for a few seconds before offering a new encounter.
  const [waited, setWaited] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setWaited(true), LINK_WAIT_MS);
    return () => clearTimeout(timer);
  }, [appointmentId]);
  const list = useQuery(
    EhrService.method.listEncounters,
    { patientId, page: { pageSize: 100 } },
    {
      enabled: !!patientId,
      refetchInterval: (q) =>
        waited || q.state.data?.encounters.some((e) => e.appointmentId === appointmentId)
          ? false
          : 1000,
    },
  );
  const create = useMutation(EhrService.method.createEncounter);
  const found = list.data?.encounters.find((e) => e.appointmentId === appointmentId);

  if (isNoCare(list.error)) {
    return (
      <>
        <BreakGlassOffer patientId={patientId} />
        <AuditNotice />
      </>
    );
  }
  if (found) {
    return (
      <EncounterView
        patientId={patientId}
        encounterId={found.encounterId}
        appointmentId={appointmentId}
      />
    );
  }
  return (
    <section>
      <h1>{t("enc.title")}</h1>
      <ProblemMessage error={appointment.error ?? list.error} />
      {(appointment.isPending || (!!patientId && list.isPending)) && <Loading />}
      {a && list.isSuccess && !waited && <Loading />}
      {a && list.isSuccess && waited && (
        <>
          <p>{t("enc.noneLinked")}</p>
          <Button
            className="button primary"
            isDisabled={create.isPending}
            onPress={() =>
              create.mutate(
                {
                  patientId,
                  status: EncounterStatus.IN_PROGRESS,
                  notes: { chiefComplaint: a.reason },
                },
                {
                  onSuccess: (r) => {
                    void refresh();
                    const id = r.encounter?.encounterId ?? "";
                    void navigate(`/patients/${patientId}/encounters/${id}?appointment=${a.id}`, {
                      replace: true,
                    });
                  },
                },
              )
            }
          >
            {t("enc.open")}
          </Button>
          <ProblemMessage error={create.error} />
        </>
      )}
    </section>
  );
}
