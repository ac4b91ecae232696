// What the patient's record page derives from the EHR's answers: the vital signs of every
// encounter as time series for the trend chart and its table, and labels of the enums.
import { timestampMs } from "@bufbuild/protobuf/wkt";
import {
  Criticality,
  EncounterStatus,
  type Encounter,
  type VitalSigns,
} from "@hms/sdk/hms/ehr/v1/ehr_pb";
import type { MessageKey } from "../../i18n";

/** The measurements the trend chart can draw, each with its unit's text key. */
export const VITAL_KINDS = [
  "heartRate",
  "systolicBp",
  "diastolicBp",
  "temperatureCelsius",
  "respiratoryRate",
  "spo2Percent",
  "weightKg",
] as const;
export type VitalKind = (typeof VITAL_KINDS)[number];

/** One measurement set as a chart point: the time in ms and the values present. */
export interface VitalPoint extends Partial<Record<VitalKind, number>> {
  at: number;
}

/** Every encounter's vital signs, oldest first; sets without a time are left out. */
export function vitalsSeries(encounters: Pick<Encounter, "vitalSigns">[]): VitalPoint[] {
  const points: VitalPoint[] = [];
  for (const e of encounters) {
    for (const v of e.vitalSigns) {
      if (!v.measureTime) continue;
      const point: VitalPoint = { at: timestampMs(v.measureTime) };
      for (const kind of VITAL_KINDS) {
        const value = v[kind];
        if (typeof value === "number") point[kind] = value;
      }
      points.push(point);
    }
  }
  return points.sort((a, b) => a.at - b.at);
}

/** The kinds measured at least twice: a trend needs two points. */
export function trendKinds(points: VitalPoint[]): VitalKind[] {
  return VITAL_KINDS.filter((k) => points.filter((p) => p[k] !== undefined).length >= 2);
}

/** The newest value of each kind, with when it was measured. */
export function latestVitals(points: VitalPoint[]): Partial<Record<VitalKind, VitalPoint>> {
  const latest: Partial<Record<VitalKind, VitalPoint>> = {};
  for (const p of points) {
    for (const k of VITAL_KINDS) if (p[k] !== undefined) latest[k] = p;
  }
  return latest;
}

/** Blood pressure as people write it, "120/80", when both are there. */
export function bloodPressure(v: Pick<VitalSigns, "systolicBp" | "diastolicBp">): string {
  if (v.systolicBp === undefined || v.diastolicBp === undefined) return "";
  return `${String(v.systolicBp)}/${String(v.diastolicBp)}`;
}

export function criticalityLabel(c: Criticality): MessageKey {
  switch (c) {
    case Criticality.HIGH:
      return "rec.criticality.HIGH";
    case Criticality.LOW:
      return "rec.criticality.LOW";
    default:
      return "rec.criticality.UNSPECIFIED";
  }
}

export function encounterStatusLabel(s: EncounterStatus): MessageKey {
  switch (s) {
    case EncounterStatus.PLANNED:
      return "rec.enc.PLANNED";
    case EncounterStatus.IN_PROGRESS:
      return "rec.enc.IN_PROGRESS";
    case EncounterStatus.FINISHED:
      return "rec.enc.FINISHED";
    case EncounterStatus.CANCELLED:
      return "rec.enc.CANCELLED";
    default:
      return "rec.enc.UNSPECIFIED";
  }
}

/** An encounter is worth showing when something was recorded, or it is still to come. */
export function hasContent(e: Encounter): boolean {
  const n = e.notes;
  return (
    e.diagnoses.length > 0 ||
    e.treatmentPlans.length > 0 ||
    e.vitalSigns.length > 0 ||
    !!(n?.chiefComplaint || n?.clinicalNotes || n?.physicalExaminationFindings) ||
    e.status === EncounterStatus.PLANNED ||
    e.status === EncounterStatus.IN_PROGRESS
  );
}
