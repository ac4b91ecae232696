// Reference ranges as the admin edits them: ages typed as "18y" or "30d" (a bare number is
// days) and shown the same way, limits as decimals (blank: no such limit), and a range row
// turned back into a ReferenceRange with the problems of what was typed. A year is 365.25
// days, rounded down, as the shipped catalog counts them (18y = 6574 days, 120y = 43830).
import { Sex, type ReferenceRange } from "@hms/sdk/hms/laboratory/v1/laboratory_pb";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { parseEnum } from "./enums";
import type { ReferenceRangeSchema } from "@hms/sdk/hms/laboratory/v1/laboratory_pb";

export interface RangeDraft {
  sex: string;
  from: string;
  to: string;
  low: string;
  high: string;
  criticalLow: string;
  criticalHigh: string;
  source: string;
}

export type RangeProblem = "age" | "number" | "order";

const DAYS_A_YEAR = 365.25;

/** Days of an age typed as "18y", "30d" or "30"; undefined when it is not one. */
export function parseAge(text: string): number | undefined {
  const m = /^(\d+)\s*([dy]?)$/i.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return (m[2] ?? "").toLowerCase() === "y" ? Math.floor(n * DAYS_A_YEAR) : n;
}

/** An age in days as the admin reads it: whole years as "18y", anything else as "30d". */
export function ageText(days: number): string {
  const years = Math.round(days / DAYS_A_YEAR);
  return years > 0 && Math.floor(years * DAYS_A_YEAR) === days
    ? `${String(years)}y`
    : `${String(days)}d`;
}

function limitText(v: number | undefined): string {
  return v === undefined ? "" : String(v);
}

export function rangeDraft(r: ReferenceRange): RangeDraft {
  return {
    sex: String(r.sex),
    from: ageText(r.ageMinDays),
    to: ageText(r.ageMaxDays),
    low: limitText(r.low),
    high: limitText(r.high),
    criticalLow: limitText(r.criticalLow),
    criticalHigh: limitText(r.criticalHigh),
    source: r.source,
  };
}

export function emptyRange(): RangeDraft {
  return {
    sex: String(Sex.UNSPECIFIED),
    from: "18y",
    to: "120y",
    low: "",
    high: "",
    criticalLow: "",
    criticalHigh: "",
    source: "",
  };
}

/** A limit as typed ("5.4", "5,4"): undefined when blank, NaN when not a number. */
function limit(text: string): number | undefined {
  const s = text.trim().replace(",", ".");
  if (s === "") return undefined;
  return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : NaN;
}

type Field = "age_min_days" | "age_max_days" | "low" | "high" | "critical_low" | "critical_high";

/** The range a row describes, and its problems by the request's field name. */
export function rangeOf(d: RangeDraft): {
  range: MessageInitShape<typeof ReferenceRangeSchema>;
  problems: Partial<Record<Field, RangeProblem>>;
} {
  const problems: Partial<Record<Field, RangeProblem>> = {};
  const from = parseAge(d.from);
  const to = parseAge(d.to);
  if (from === undefined) problems.age_min_days = "age";
  if (to === undefined) problems.age_max_days = "age";
  else if (from !== undefined && to <= from) problems.age_max_days = "order";
  const limits = {
    low: limit(d.low),
    high: limit(d.high),
    critical_low: limit(d.criticalLow),
    critical_high: limit(d.criticalHigh),
  };
  for (const [field, v] of Object.entries(limits)) {
    if (Number.isNaN(v)) problems[field as Field] = "number";
  }
  const ok = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? undefined : v);
  const [low, high] = [ok(limits.low), ok(limits.high)];
  if (low !== undefined && high !== undefined && high < low) problems.high = "order";
  return {
    range: {
      sex: parseEnum(Sex, d.sex, Sex.UNSPECIFIED),
      ageMinDays: from ?? 0,
      ageMaxDays: to ?? 0,
      low,
      high,
      criticalLow: ok(limits.critical_low),
      criticalHigh: ok(limits.critical_high),
      source: d.source.trim(),
    },
    problems,
  };
}
