// Vital signs as a form takes them: each measurement's plausible range (the EHR's own, so
// the form refuses exactly what the service would), parsing of what was typed (a decimal
// comma as in Vietnamese, blanks for what was not measured), and the service's field
// violations read back as sentences of the app.
import type { MessageKey, Params } from "../i18n";

/** The measurements of hms.ehr.v1.VitalSigns that a form sets. */
export interface Measured {
  temperatureCelsius?: number;
  heartRate?: number;
  systolicBp?: number;
  diastolicBp?: number;
  respiratoryRate?: number;
  spo2Percent?: number;
  weightKg?: number;
  heightCm?: number;
}

export type VitalKey = keyof Measured;

export interface VitalSpec {
  key: VitalKey;
  /** The request field the service names in its violations. */
  field: string;
  label: MessageKey;
  unit: string;
  min: number;
  max: number;
  /** Whole numbers only. */
  integer: boolean;
}

/** The physiological ranges of services/ehr/src/domain/validate.rs. */
export const VITALS: VitalSpec[] = [
  {
    key: "temperatureCelsius",
    field: "vital_signs.temperature_celsius",
    label: "vitals.temperature",
    unit: "°C",
    min: 30,
    max: 45,
    integer: false,
  },
  {
    key: "heartRate",
    field: "vital_signs.heart_rate",
    label: "vitals.heartRate",
    unit: "/min",
    min: 20,
    max: 250,
    integer: true,
  },
  {
    key: "systolicBp",
    field: "vital_signs.systolic_bp",
    label: "vitals.systolic",
    unit: "mmHg",
    min: 50,
    max: 260,
    integer: true,
  },
  {
    key: "diastolicBp",
    field: "vital_signs.diastolic_bp",
    label: "vitals.diastolic",
    unit: "mmHg",
    min: 20,
    max: 160,
    integer: true,
  },
  {
    key: "respiratoryRate",
    field: "vital_signs.respiratory_rate",
    label: "vitals.respiratoryRate",
    unit: "/min",
    min: 4,
    max: 60,
    integer: true,
  },
  {
    key: "spo2Percent",
    field: "vital_signs.spo2_percent",
    label: "vitals.spo2",
    unit: "%",
    min: 50,
    max: 100,
    integer: true,
  },
  {
    key: "weightKg",
    field: "vital_signs.weight_kg",
    label: "vitals.weight",
    unit: "kg",
    min: 0.3,
    max: 500,
    integer: false,
  },
  {
    key: "heightCm",
    field: "vital_signs.height_cm",
    label: "vitals.height",
    unit: "cm",
    min: 20,
    max: 260,
    integer: false,
  },
];

/** A problem of one field, as a message of the app. */
export interface VitalProblem {
  key: MessageKey;
  params?: Params;
}

export interface ParsedVitals {
  measured: Measured;
  /** By request field (vital_signs.heart_rate); "vital_signs" when nothing was measured. */
  problems: Record<string, VitalProblem>;
}

/** Reads a typed number: blank is "not measured", a decimal comma counts as a point. */
export function parseNumber(text: string): number | undefined | null {
  const s = text.trim().replace(",", ".");
  if (s === "") return undefined;
  if (!/^-?\d+(\.\d+)?$/.test(s)) return null;
  return Number(s);
}

/** Checks what was typed, by VitalKey; returns the measurements and the problems. */
export function parseVitals(values: Partial<Record<VitalKey, string>>): ParsedVitals {
  const measured: Measured = {};
  const problems: Record<string, VitalProblem> = {};
  for (const spec of VITALS) {
    const value = parseNumber(values[spec.key] ?? "");
    if (value === undefined) continue;
    if (value === null || (spec.integer && !Number.isInteger(value))) {
      problems[spec.field] = {
        key: spec.integer ? "vitals.error.integer" : "vitals.error.number",
      };
      continue;
    }
    if (value < spec.min || value > spec.max) {
      problems[spec.field] = {
        key: "vitals.error.range",
        params: { min: spec.min, max: spec.max, unit: spec.unit },
      };
      continue;
    }
    measured[spec.key] = value;
  }
  const systolicTyped = parseNumber(values.systolicBp ?? "") !== undefined;
  const diastolicTyped = parseNumber(values.diastolicBp ?? "") !== undefined;
  const { systolicBp: s, diastolicBp: d } = measured;
  if (s !== undefined && d !== undefined && s <= d) {
    problems["vital_signs.systolic_bp"] = { key: "vitals.error.order" };
  } else if (systolicTyped !== diastolicTyped) {
    problems[systolicTyped ? "vital_signs.diastolic_bp" : "vital_signs.systolic_bp"] = {
      key: "vitals.error.pair",
    };
  }
  const typedAny = VITALS.some((spec) => parseNumber(values[spec.key] ?? "") !== undefined);
  if (!typedAny) problems.vital_signs = { key: "vitals.error.none" };
  return { measured, problems };
}

/** One of the service's descriptions of a vital sign as a message of the app, if known. */
export function serverProblem(description: string): VitalProblem | undefined {
  const range = /^must be between (\S+) and (\S+) (.+)$/.exec(description);
  if (range) {
    const unit =
      range[3] === "beats per minute" || range[3] === "breaths per minute"
        ? "/min"
        : range[3] === "percent"
          ? "%"
          : range[3];
    return {
      key: "vitals.error.range",
      params: { min: range[1] ?? "", max: range[2] ?? "", unit: unit ?? "" },
    };
  }
  if (description === "must be above diastolic_bp") return { key: "vitals.error.order" };
  if (description === "systolic and diastolic pressure go together")
    return { key: "vitals.error.pair" };
  if (description === "needs at least one measurement") return { key: "vitals.error.none" };
  return undefined;
}

/** Body mass index from kilograms and centimetres, one decimal; undefined without both. */
export function bmi(weightKg?: number, heightCm?: number): number | undefined {
  if (!weightKg || !heightCm) return undefined;
  const m = heightCm / 100;
  return Math.round((weightKg / (m * m)) * 10) / 10;
}
