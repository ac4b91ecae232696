// The patient's own medical record (EhrService.GetMedicalRecord) and visits
// (ListEncounters): allergies, chronic conditions, immunizations, each visit's diagnoses,
// treatment plans and notes, and the vital signs with a trend chart. A patient with no
// record yet (before their first visit) reads an explanation, not an error.
import { lazy, Suspense, useState } from "react";
import { Label, RadioButton, RadioField, RadioGroup } from "react-aria-components";
import { Code, ConnectError } from "@connectrpc/connect";
import { useInfiniteQuery, useQuery } from "@connectrpc/connect-query";
import { Button } from "react-aria-components";
import { EhrService, type Encounter } from "@hms/sdk/hms/ehr/v1/ehr_pb";
import { useI18n } from "../../i18n";
import { formatDateTime, formatDay } from "../../format";
import { useClinicZone } from "../../format/zone";
import { knownName } from "../../api/names";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { useMyId } from "./me";
import {
  bloodPressure,
  criticalityLabel,
  encounterStatusLabel,
  latestVitals,
  trendKinds,
  vitalsSeries,
  VITAL_KINDS,
  type VitalKind,
  type VitalPoint,
} from "./record";
import "./patient-billing.css";

const VitalsChart = lazy(() => import("./VitalsChart"));

function isNotFound(error: unknown): boolean {
  return !!error && ConnectError.from(error).code === Code.NotFound;
}

function VitalValue({ kind, value }: { kind: VitalKind; value: number }) {
  const { t, lang } = useI18n();
  const v = new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en-GB", {
    maximumFractionDigits: 1,
  }).format(value);
  return <>{t(`rec.unit.${kind}`, { v })}</>;
}

function Vitals({ points }: { points: VitalPoint[] }) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const kinds: VitalKind[] = trendKinds(points).filter((k) => k !== "diastolicBp");
  const [chosen, setChosen] = useState<VitalKind | undefined>();
  const kind = chosen && kinds.includes(chosen) ? chosen : kinds[0];
  const latest = latestVitals(points);
  const shown = VITAL_KINDS.filter((k) => k !== "diastolicBp" && latest[k]);
  if (points.length === 0) return <p className="meta">{t("rec.noVitals")}</p>;
  return (
    <>
      <h3>{t("rec.latest")}</h3>
      <dl className="vitals-latest">
        {shown.map((k) => {
          const p = latest[k];
          if (!p) return null;
          return (
            <div key={k}>
              <dt>{t(`rec.vital.${k}`)}</dt>
              <dd>
                {k === "systolicBp" && p.diastolicBp !== undefined ? (
                  t("rec.unit.systolicBp", { v: bloodPressure(p) })
                ) : (
                  <VitalValue kind={k} value={p[k] ?? 0} />
                )}
                <small>{formatDateTime(new Date(p.at), zone, lang)}</small>
              </dd>
            </div>
          );
        })}
      </dl>
      {kind && (
        <figure className="chart">
          <figcaption>{t("rec.trendOf", { kind: t(`rec.vital.${kind}`) })}</figcaption>
          <RadioGroup
            className="vital-chips"
            orientation="horizontal"
            value={kind}
            onChange={(v) => setChosen(v as VitalKind)}
          >
            <Label className="sr-only">{t("rec.trend")}</Label>
            {kinds.map((k) => (
              <RadioField key={k} value={k}>
                <RadioButton>{t(`rec.vital.${k}`)}</RadioButton>
              </RadioField>
            ))}
          </RadioGroup>
          <Suspense fallback={<Loading />}>
            <VitalsChart points={points} kind={kind} />
          </Suspense>
          <div className="table-wrap">
            <table className="table compact">
              <caption className="sr-only">
                {t("rec.trendOf", { kind: t(`rec.vital.${kind}`) })}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t("rec.measuredAt")}</th>
                  <th scope="col">{t(`rec.vital.${kind}`)}</th>
                </tr>
              </thead>
              <tbody>
                {points
                  .filter((p) => p[kind] !== undefined)
                  .map((p) => (
                    <tr key={p.at}>
                      <td>{formatDateTime(new Date(p.at), zone, lang)}</td>
                      <td>
                        {kind === "systolicBp" && p.diastolicBp !== undefined ? (
                          t("rec.unit.systolicBp", { v: bloodPressure(p) })
                        ) : (
                          <VitalValue kind={kind} value={p[kind] ?? 0} />
                        )}
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        </figure>
      )}
    </>
  );
}

function EncounterCard({ encounter: e }: { encounter: Encounter }) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const doctor = knownName(e.doctorId);
  const notes = e.notes;
  const narrative: [string, string | undefined][] = [
    [t("rec.complaint"), notes?.chiefComplaint],
    [t("rec.presentIllness"), notes?.historyOfPresentIllness],
    [t("rec.examination"), notes?.physicalExaminationFindings],
    [t("rec.clinicalNotes"), notes?.clinicalNotes],
  ];
  return (
    <li className="card encounter">
      <div className="appt-head">
        <h3>
          {e.encounterTime ? formatDateTime(e.encounterTime, zone, lang) : ""}
          {doctor && <span className="meta"> · {doctor}</span>}
        </h3>
        <span className="status">{t(encounterStatusLabel(e.status))}</span>
      </div>
      {narrative.some(([, v]) => v) && (
        <dl className="kv">
          {narrative
            .filter(([, v]) => v)
            .map(([label, v]) => (
              <div key={label}>
                <dt>{label}</dt>
                <dd className="prose">{v}</dd>
              </div>
            ))}
        </dl>
      )}
      {e.diagnoses.length > 0 && (
        <>
          <h4>{t("rec.diagnoses")}</h4>
          <ul className="plain">
            {e.diagnoses.map((d) => (
              <li key={d.diagnosisId}>
                <code>{d.icd10Code}</code> {d.description}
                {d.isPrimary && <span className="tag">{t("rec.primary")}</span>}
              </li>
            ))}
          </ul>
        </>
      )}
      {e.treatmentPlans.length > 0 && (
        <>
          <h4>{t("rec.plans")}</h4>
          <ul className="plain">
            {e.treatmentPlans.map((p) => (
              <li key={p.treatmentPlanId}>
                <span className="prose">{p.description}</span>
                {p.followUpInstructions && (
                  <p className="meta">{t("rec.followUp", { text: p.followUpInstructions })}</p>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      {e.vitalSigns.length > 0 && (
        <>
          <h4>{t("rec.vitals")}</h4>
          <ul className="plain">
            {e.vitalSigns.map((v) => (
              <li key={v.vitalId}>
                {VITAL_KINDS.filter((k) => k !== "diastolicBp" && v[k] !== undefined).map(
                  (k, i) => (
                    <span key={k}>
                      {i > 0 && " · "}
                      {t(`rec.vital.${k}`)}:{" "}
                      {k === "systolicBp" && v.diastolicBp !== undefined ? (
                        t("rec.unit.systolicBp", { v: bloodPressure(v) })
                      ) : (
                        <VitalValue kind={k} value={v[k] ?? 0} />
                      )}
                    </span>
                  ),
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </li>
  );
}

export default function MyRecord() {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const patientId = useMyId();
  const record = useQuery(
    EhrService.method.getMedicalRecord,
    { patientId },
    { enabled: !!patientId },
  );
  const encounters = useInfiniteQuery(
    EhrService.method.listEncounters,
    { patientId, page: { pageSize: 20, pageToken: "" } },
    {
      enabled: !!patientId,
      pageParamKey: "page",
      getNextPageParam: (last) =>
        last.page?.nextPageToken ? { pageSize: 20, pageToken: last.page.nextPageToken } : undefined,
    },
  );
  const noRecord = isNotFound(record.error);
  const visits = encounters.data?.pages.flatMap((p) => p.encounters) ?? [];
  const fields = record.data?.record?.fields;
  const points = vitalsSeries(visits);
  const prescriptions = record.data?.prescriptionReferences ?? [];
  const labs = record.data?.labResultReferences ?? [];

  return (
    <div className="record">
      <h1>{t("rec.title")}</h1>
      <ProblemMessage error={noRecord ? undefined : record.error} />
      <ProblemMessage error={isNotFound(encounters.error) ? undefined : encounters.error} />
      {(record.isPending || encounters.isPending) && <Loading />}
      {noRecord && visits.length === 0 && !encounters.isPending && (
        <p className="card empty">{t("rec.empty")}</p>
      )}
      {record.data?.record && (
        <section className="card" aria-labelledby="rec-summary">
          <h2 id="rec-summary" className="sr-only">
            {t("rec.summary")}
          </h2>
          <dl className="kv">
            <div>
              <dt>{t("rec.bloodType")}</dt>
              <dd>{fields?.bloodType || t("rec.unknown")}</dd>
            </div>
            {record.data.record.updateTime && (
              <div>
                <dt className="sr-only">{t("rec.updated", { time: "" })}</dt>
                <dd className="meta">
                  {t("rec.updated", {
                    time: formatDateTime(record.data.record.updateTime, zone, lang),
                  })}
                </dd>
              </div>
            )}
          </dl>
          <div className="record-grid">
            <div>
              <h3>{t("rec.allergies")}</h3>
              {fields?.allergies.length ? (
                <ul className="plain">
                  {fields.allergies.map((a) => (
                    <li key={a.substance}>
                      <strong>{a.substance}</strong>{" "}
                      <span className={`tag crit-${String(a.criticality)}`}>
                        {t(criticalityLabel(a.criticality))}
                      </span>
                      {a.reaction && (
                        <div className="meta">{t("rec.reaction", { reaction: a.reaction })}</div>
                      )}
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="meta">{t("rec.noAllergies")}</p>
              )}
            </div>
            <div>
              <h3>{t("rec.conditions")}</h3>
              {fields?.chronicConditions.length ? (
                <ul className="plain">
                  {fields.chronicConditions.map((c) => (
                    <li key={`${c.icd10Code}-${c.description}`}>
                      {c.icd10Code && <code>{c.icd10Code}</code>} {c.description}
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="meta">{t("rec.noConditions")}</p>
              )}
            </div>
            {!!fields?.immunizations.length && (
              <div>
                <h3>{t("rec.immunizations")}</h3>
                <ul className="plain">
                  {fields.immunizations.map((i) => (
                    <li key={`${i.vaccine}-${String(i.doseNumber)}`}>
                      {i.vaccine}
                      {i.doseNumber > 0 && <> ({t("rec.dose", { n: i.doseNumber })})</>}
                      {i.date && <span className="meta"> · {formatDay(i.date, lang, true)}</span>}
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </div>
          {fields?.medicalHistorySummary && (
            <>
              <h3>{t("rec.history")}</h3>
              <p className="prose">{fields.medicalHistorySummary}</p>
            </>
          )}
        </section>
      )}
      {(record.data?.record || visits.length > 0) && (
        <section aria-labelledby="rec-vitals">
          <h2 id="rec-vitals">{t("rec.vitals")}</h2>
          <Vitals points={points} />
        </section>
      )}
      {(prescriptions.length > 0 || labs.length > 0) && (
        <section className="record-grid">
          {prescriptions.length > 0 && (
            <div>
              <h2>{t("rec.prescriptions")}</h2>
              <ul className="plain">
                {prescriptions.map((p) => (
                  <li key={p.prescriptionId}>
                    {p.issueTime && (
                      <span className="meta">{formatDateTime(p.issueTime, zone, lang)} · </span>
                    )}
                    {p.medicationsSummary}
                  </li>
                ))}
              </ul>
            </div>
          )}
          {labs.length > 0 && (
            <div>
              <h2>{t("rec.labResults")}</h2>
              <ul className="plain">
                {labs.map((l) => (
                  <li key={l.labOrderItemId}>
                    {l.resultTime && (
                      <span className="meta">{formatDateTime(l.resultTime, zone, lang)} · </span>
                    )}
                    {l.testName} {l.summaryStatus && <span className="tag">{l.summaryStatus}</span>}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </section>
      )}
      {encounters.isSuccess && (!noRecord || visits.length > 0) && (
        <section aria-labelledby="rec-visits">
          <h2 id="rec-visits">{t("rec.encounters")}</h2>
          {visits.length === 0 ? (
            <p className="meta">{t("rec.noEncounters")}</p>
          ) : (
            <ul className="appts">
              {visits.map((e) => (
                <EncounterCard key={e.encounterId} encounter={e} />
              ))}
            </ul>
          )}
          {encounters.hasNextPage && (
            <Button
              className="button"
              isDisabled={encounters.isFetchingNextPage}
              onPress={() => void encounters.fetchNextPage()}
            >
              {t("rec.olderVisits")}
            </Button>
          )}
        </section>
      )}
    </div>
  );
}
