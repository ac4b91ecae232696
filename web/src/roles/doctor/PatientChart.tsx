// The doctor's chart of one patient (/patients/:patientId): the medical record (allergies,
// chronic conditions, blood type, history, editable), the encounters, vital sign trends and
// the clinical references. Without a care relationship the EHR refuses: the refusal is
// shown with break-glass; while a grant lasts the red emergency banner stays on.
import { lazy, Suspense, useState } from "react";
import { Link, useParams } from "react-router";
import { Button, Form } from "react-aria-components";
import { Code } from "@connectrpc/connect";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import {
  Criticality,
  EhrService,
  type MedicalRecord,
  type RecordFields,
} from "@hms/sdk/hms/ehr/v1/ehr_pb";
import { useI18n } from "../../i18n";
import { formatDateTime } from "../../format";
import { useClinicZone } from "../../format/zone";
import { toProblem } from "../../api/errors";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { VitalsTable } from "../../staff/VitalsTable";
import { AuditNotice, BreakGlassOffer, EmergencyBanner, isNoCare } from "./BreakGlass";
import { encounterStatusLabel } from "./Encounter";
import { latestReadings, trendPoints } from "./trends";
import "./clinical.css";

const VitalsChart = lazy(() => import("./VitalsChart"));

const BLOOD_TYPES = ["", "A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"];

interface AllergyRow {
  substance: string;
  reaction: string;
  criticality: Criticality;
}
interface ConditionRow {
  description: string;
  icd10Code: string;
}

function criticalityLabel(c: Criticality) {
  return c === Criticality.HIGH
    ? "chart.criticality.HIGH"
    : c === Criticality.LOW
      ? "chart.criticality.LOW"
      : "chart.criticality.UNSPECIFIED";
}

function RecordView({ fields }: { fields?: RecordFields }) {
  const { t } = useI18n();
  return (
    <div className="record-view">
      <dl className="facts">
        <dt>{t("chart.bloodType")}</dt>
        <dd>{fields?.bloodType || t("chart.unknown")}</dd>
      </dl>
      <h3>{t("chart.allergies")}</h3>
      {fields?.allergies.length ? (
        <ul className="plain-list allergies">
          {fields.allergies.map((a, i) => (
            <li key={`${a.substance}-${String(i)}`}>
              <strong>{a.substance}</strong>
              {a.reaction ? ` — ${a.reaction}` : ""}{" "}
              <span className={a.criticality === Criticality.HIGH ? "badge high" : "badge"}>
                {t(criticalityLabel(a.criticality))}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p>{t("chart.noAllergies")}</p>
      )}
      <h3>{t("chart.conditions")}</h3>
      {fields?.chronicConditions.length ? (
        <ul className="plain-list">
          {fields.chronicConditions.map((c, i) => (
            <li key={`${c.description}-${String(i)}`}>
              {c.icd10Code && <code>{c.icd10Code}</code>} {c.description}
            </li>
          ))}
        </ul>
      ) : (
        <p>{t("chart.noConditions")}</p>
      )}
      <h3>{t("chart.history")}</h3>
      <p className="prewrap">{fields?.medicalHistorySummary || "—"}</p>
      {fields && fields.immunizations.length > 0 && (
        <>
          <h3>{t("chart.immunizations")}</h3>
          <ul className="plain-list">
            {fields.immunizations.map((im, i) => (
              <li key={`${im.vaccine}-${String(i)}`}>
                {im.vaccine}
                {im.date
                  ? ` (${String(im.date.year)}-${String(im.date.month).padStart(2, "0")}-${String(im.date.day).padStart(2, "0")})`
                  : ""}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function RecordEditor({ record, onDone }: { record: MedicalRecord; onDone: () => void }) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const update = useMutation(EhrService.method.updateMedicalRecord);
  const f = record.fields;
  const [bloodType, setBloodType] = useState(f?.bloodType ?? "");
  const [history, setHistory] = useState(f?.medicalHistorySummary ?? "");
  const [allergies, setAllergies] = useState<AllergyRow[]>(
    (f?.allergies ?? []).map((a) => ({
      substance: a.substance,
      reaction: a.reaction,
      criticality: a.criticality,
    })),
  );
  const [conditions, setConditions] = useState<ConditionRow[]>(
    (f?.chronicConditions ?? []).map((c) => ({
      description: c.description,
      icd10Code: c.icd10Code,
    })),
  );
  const problem = update.error ? toProblem(update.error) : undefined;
  const fieldError = (field: string) => problem?.fields.find((p) => p.field === field)?.description;

  const save = () => {
    update.mutate(
      {
        patientId: record.patientId,
        version: record.version,
        fields: {
          bloodType,
          medicalHistorySummary: history,
          allergies: allergies.filter((a) => a.substance.trim()),
          chronicConditions: conditions.filter((c) => c.description.trim()),
          immunizations: f?.immunizations ?? [],
        },
      },
      {
        onSuccess: () => {
          void queries.invalidateQueries({
            queryKey: createConnectQueryKey({ schema: EhrService, cardinality: undefined }),
          });
          onDone();
        },
      },
    );
  };

  return (
    <Form
      className="stack record-editor"
      aria-label={t("chart.editRecord")}
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
    >
      <div className="field">
        <label htmlFor="blood-type">{t("chart.bloodType")}</label>
        <select id="blood-type" value={bloodType} onChange={(e) => setBloodType(e.target.value)}>
          {BLOOD_TYPES.map((b) => (
            <option key={b} value={b}>
              {b || t("chart.unknown")}
            </option>
          ))}
        </select>
      </div>

      <fieldset>
        <legend>{t("chart.allergies")}</legend>
        {allergies.map((a, i) => {
          const n = i + 1;
          const set = (change: Partial<AllergyRow>) =>
            setAllergies((old) => old.map((x, j) => (j === i ? { ...x, ...change } : x)));
          const error = fieldError(`fields.allergies[${String(i)}].substance`);
          return (
            <div className="row editor-row" key={i}>
              <div className="field">
                <label htmlFor={`allergy-${String(i)}`}>{t("chart.substance", { n })}</label>
                <input
                  id={`allergy-${String(i)}`}
                  value={a.substance}
                  onChange={(e) => set({ substance: e.target.value })}
                  aria-invalid={error ? true : undefined}
                />
                {error && <span className="field-error">{error}</span>}
              </div>
              <div className="field">
                <label htmlFor={`reaction-${String(i)}`}>{t("chart.reaction", { n })}</label>
                <input
                  id={`reaction-${String(i)}`}
                  value={a.reaction}
                  onChange={(e) => set({ reaction: e.target.value })}
                />
              </div>
              <div className="field">
                <label htmlFor={`criticality-${String(i)}`}>{t("chart.criticality", { n })}</label>
                <select
                  id={`criticality-${String(i)}`}
                  value={a.criticality}
                  onChange={(e) =>
                    set({
                      criticality:
                        e.target.value === String(Criticality.HIGH)
                          ? Criticality.HIGH
                          : Criticality.LOW,
                    })
                  }
                >
                  <option value={Criticality.LOW}>{t("chart.criticality.LOW")}</option>
                  <option value={Criticality.HIGH}>{t("chart.criticality.HIGH")}</option>
                </select>
              </div>
              <Button
                className="button quiet small"
                onPress={() => setAllergies((old) => old.filter((_, j) => j !== i))}
                aria-label={t("chart.removeAllergy", { n })}
              >
                {t("chart.remove")}
              </Button>
            </div>
          );
        })}
        <Button
          className="button small"
          onPress={() =>
            setAllergies((old) => [
              ...old,
              { substance: "", reaction: "", criticality: Criticality.LOW },
            ])
          }
        >
          {t("chart.addAllergy")}
        </Button>
      </fieldset>

      <fieldset>
        <legend>{t("chart.conditions")}</legend>
        {conditions.map((c, i) => {
          const n = i + 1;
          const set = (change: Partial<ConditionRow>) =>
            setConditions((old) => old.map((x, j) => (j === i ? { ...x, ...change } : x)));
          const codeError = fieldError(`fields.chronic_conditions[${String(i)}].icd10_code`);
          return (
            <div className="row editor-row" key={i}>
              <div className="field">
                <label htmlFor={`condition-${String(i)}`}>{t("chart.condition", { n })}</label>
                <input
                  id={`condition-${String(i)}`}
                  value={c.description}
                  onChange={(e) => set({ description: e.target.value })}
                />
              </div>
              <div className="field">
                <label htmlFor={`condition-code-${String(i)}`}>
                  {t("chart.conditionCode", { n })}
                </label>
                <input
                  id={`condition-code-${String(i)}`}
                  value={c.icd10Code}
                  onChange={(e) => set({ icd10Code: e.target.value })}
                  aria-invalid={codeError ? true : undefined}
                />
                {codeError && <span className="field-error">{codeError}</span>}
              </div>
              <Button
                className="button quiet small"
                onPress={() => setConditions((old) => old.filter((_, j) => j !== i))}
                aria-label={t("chart.removeCondition", { n })}
              >
                {t("chart.remove")}
              </Button>
            </div>
          );
        })}
        <Button
          className="button small"
          onPress={() => setConditions((old) => [...old, { description: "", icd10Code: "" }])}
        >
          {t("chart.addCondition")}
        </Button>
      </fieldset>

      <div className="field">
        <label htmlFor="history">{t("chart.history")}</label>
        <textarea
          id="history"
          rows={4}
          value={history}
          onChange={(e) => setHistory(e.target.value)}
        />
      </div>
      <ProblemMessage error={update.error} />
      <div className="actions">
        <Button type="submit" className="button primary" isDisabled={update.isPending}>
          {t("app.save")}
        </Button>
        <Button className="button quiet" onPress={onDone}>
          {t("app.cancel")}
        </Button>
      </div>
    </Form>
  );
}

export default function PatientChart() {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const { patientId = "" } = useParams();
  const queries = useQueryClient();
  const record = useQuery(EhrService.method.getMedicalRecord, { patientId });
  const encounters = useQuery(EhrService.method.listEncounters, {
    patientId,
    page: { pageSize: 100 },
  });
  const create = useMutation(EhrService.method.createMedicalRecord);
  const [editing, setEditing] = useState(false);

  if (isNoCare(record.error) || isNoCare(encounters.error)) {
    return (
      <section>
        <h1>{t("chart.title")}</h1>
        <p className="lead">
          {t("chart.patient")} <code title={patientId}>{patientId.slice(-8)}</code>
        </p>
        <BreakGlassOffer patientId={patientId} />
        <AuditNotice />
      </section>
    );
  }
  const missing = record.error && toProblem(record.error).code === Code.NotFound;
  const r = record.data?.record;
  const list = encounters.data?.encounters ?? [];
  const points = trendPoints(list);
  const readings = latestReadings(list);

  return (
    <section className="chart-page">
      <EmergencyBanner patientId={patientId} />
      <h1>{t("chart.title")}</h1>
      <p className="lead">
        {t("chart.patient")} <code title={patientId}>{patientId.slice(-8)}</code>
      </p>
      <AuditNotice />
      {!missing && <ProblemMessage error={record.error} />}
      {record.isPending && <Loading />}

      <section className="card clinical-section" aria-labelledby="record-heading">
        <h2 id="record-heading">{t("chart.record")}</h2>
        {missing && (
          <>
            <p>{t("chart.noRecord")}</p>
            <Button
              className="button primary"
              isDisabled={create.isPending}
              onPress={() =>
                create.mutate(
                  { patientId },
                  {
                    onSuccess: () =>
                      void queries.invalidateQueries({
                        queryKey: createConnectQueryKey({
                          schema: EhrService,
                          cardinality: undefined,
                        }),
                      }),
                  },
                )
              }
            >
              {t("chart.createRecord")}
            </Button>
            <ProblemMessage error={create.error} />
          </>
        )}
        {r && !editing && (
          <>
            <RecordView fields={r.fields} />
            <p className="muted">
              {r.updateTime &&
                t("chart.updated", { time: formatDateTime(r.updateTime, zone, lang) })}
            </p>
            <Button className="button" onPress={() => setEditing(true)}>
              {t("chart.editRecord")}
            </Button>
          </>
        )}
        {r && editing && <RecordEditor record={r} onDone={() => setEditing(false)} />}
      </section>

      <section className="card clinical-section" aria-labelledby="trends-heading">
        <h2 id="trends-heading">{t("chart.trends")}</h2>
        {readings.length === 0 ? (
          <p>{t("enc.noVitals")}</p>
        ) : (
          <>
            {points.length > 1 && (
              <Suspense fallback={<Loading />}>
                <VitalsChart points={points} />
              </Suspense>
            )}
            <VitalsTable readings={readings} caption={t("chart.latestReadings")} />
          </>
        )}
      </section>

      <section className="card clinical-section" aria-labelledby="encounters-heading">
        <h2 id="encounters-heading">{t("chart.encounters")}</h2>
        <ProblemMessage error={encounters.error} />
        {encounters.isSuccess && list.length === 0 && <p>{t("chart.noEncounters")}</p>}
        {list.length > 0 && (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t("appt.time")}</th>
                  <th scope="col">{t("appt.status")}</th>
                  <th scope="col">{t("enc.chiefComplaint")}</th>
                  <th scope="col">{t("enc.diagnoses")}</th>
                  <th scope="col">{t("appt.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((e) => (
                  <tr key={e.encounterId}>
                    <td>{e.encounterTime ? formatDateTime(e.encounterTime, zone, lang) : ""}</td>
                    <td>{t(encounterStatusLabel(e.status))}</td>
                    <td>{e.notes?.chiefComplaint ?? ""}</td>
                    <td>{e.diagnoses.map((d) => d.icd10Code).join(", ")}</td>
                    <td>
                      <Link
                        className="button small"
                        to={`/patients/${patientId}/encounters/${e.encounterId}${
                          e.appointmentId ? `?appointment=${e.appointmentId}` : ""
                        }`}
                      >
                        {t("chart.openEncounter")}
                      </Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {record.data &&
        (record.data.prescriptionReferences.length > 0 ||
          record.data.labResultReferences.length > 0) && (
          <section className="card clinical-section" aria-labelledby="refs-heading">
            <h2 id="refs-heading">{t("chart.references")}</h2>
            <ul className="plain-list">
              {record.data.prescriptionReferences.map((p) => (
                <li key={p.prescriptionId}>
                  {t("chart.prescription")}: {p.medicationsSummary}
                  {p.issueTime ? ` (${formatDateTime(p.issueTime, zone, lang)})` : ""}
                </li>
              ))}
              {record.data.labResultReferences.map((l) => (
                <li key={l.labOrderItemId}>
                  {t("chart.lab")}: {l.testName} — {l.summaryStatus}
                </li>
              ))}
            </ul>
          </section>
        )}
    </section>
  );
}
