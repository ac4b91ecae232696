// The laboratory's pure logic, shared by the doctor's, the technician's, the patient's and
// the admin's screens: the labels of statuses, priorities and flags, which flags are
// critical (shown with a word and a symbol, never by colour alone), the units a value may
// be entered in (the parameter's own, then its conversions), the results typed into one
// item's form turned into ResultInputs with their problems, the size check of a result
// file, and which field of the form a service violation (results[i].unit) belongs to.
import {
  Flag,
  LabOrderStatus,
  ParameterKind,
  Priority,
  type AppliedRange,
  type LabOrder,
  type LabOrderItem,
  type LabParameter,
} from "@hms/sdk/hms/laboratory/v1/laboratory_pb";
import type { MessageKey } from "../i18n";

export function labStatusLabel(status: LabOrderStatus): MessageKey {
  switch (status) {
    case LabOrderStatus.REQUESTED:
      return "lab.status.REQUESTED";
    case LabOrderStatus.SAMPLE_COLLECTED:
      return "lab.status.SAMPLE_COLLECTED";
    case LabOrderStatus.PROCESSING:
      return "lab.status.PROCESSING";
    case LabOrderStatus.RESULTS_PENDING_REVIEW:
      return "lab.status.RESULTS_PENDING_REVIEW";
    case LabOrderStatus.COMPLETED:
      return "lab.status.COMPLETED";
    case LabOrderStatus.CANCELLED:
      return "lab.status.CANCELLED";
    default:
      return "lab.status.UNSPECIFIED";
  }
}

export function priorityLabel(priority: Priority): MessageKey {
  return priority === Priority.URGENT ? "lab.priority.URGENT" : "lab.priority.ROUTINE";
}

/** FHIR's interpretation codes, as printed next to a value. */
export function flagCode(flag: Flag): string {
  switch (flag) {
    case Flag.NORMAL:
      return "N";
    case Flag.LOW:
      return "L";
    case Flag.HIGH:
      return "H";
    case Flag.CRITICAL_LOW:
      return "LL";
    case Flag.CRITICAL_HIGH:
      return "HH";
    case Flag.ABNORMAL:
      return "A";
    default:
      return "";
  }
}

export function flagLabel(flag: Flag): MessageKey {
  switch (flag) {
    case Flag.NORMAL:
      return "lab.flag.NORMAL";
    case Flag.LOW:
      return "lab.flag.LOW";
    case Flag.HIGH:
      return "lab.flag.HIGH";
    case Flag.CRITICAL_LOW:
      return "lab.flag.CRITICAL_LOW";
    case Flag.CRITICAL_HIGH:
      return "lab.flag.CRITICAL_HIGH";
    case Flag.ABNORMAL:
      return "lab.flag.ABNORMAL";
    default:
      return "lab.flag.UNSPECIFIED";
  }
}

export function isCritical(flag: Flag): boolean {
  return flag === Flag.CRITICAL_LOW || flag === Flag.CRITICAL_HIGH;
}

/** How a flag is shown: its class ("flag-LL"), a symbol for the eye, and its words. */
export function flagDisplay(flag: Flag): { className: string; symbol: string; code: string } {
  const code = flagCode(flag);
  const symbol =
    flag === Flag.CRITICAL_LOW || flag === Flag.CRITICAL_HIGH
      ? "⚠"
      : flag === Flag.LOW
        ? "↓"
        : flag === Flag.HIGH
          ? "↑"
          : flag === Flag.ABNORMAL
            ? "!"
            : "";
  return { className: `flag flag-${code || "none"}`, symbol, code };
}

/** The units a value may be entered in: the catalog's own first, then its conversions. */
export function unitChoices(p: Pick<LabParameter, "unit" | "conversions">): string[] {
  const units = [p.unit, ...p.conversions.map((c) => c.unit)].filter((u) => u !== "");
  return [...new Set(units)];
}

/** Orders newest first (the service already sends them so; kept for merged lists). */
export function ofEncounter(orders: readonly LabOrder[], encounterId: string): LabOrder[] {
  return orders.filter((o) => o.encounterId === encounterId);
}

/** The worklist: urgent first, then oldest first (as the service sorts it). */
export function worklistOrder(orders: readonly LabOrder[]): LabOrder[] {
  const seconds = (o: LabOrder) => Number(o.createTime?.seconds ?? 0n);
  return [...orders].sort((a, b) => {
    const urgent = Number(b.priority === Priority.URGENT) - Number(a.priority === Priority.URGENT);
    return urgent !== 0 ? urgent : seconds(a) - seconds(b);
  });
}

/** Statuses in which a technician may enter results of an item. */
export function canEnter(status: LabOrderStatus): boolean {
  return (
    status === LabOrderStatus.SAMPLE_COLLECTED ||
    status === LabOrderStatus.PROCESSING ||
    status === LabOrderStatus.RESULTS_PENDING_REVIEW ||
    status === LabOrderStatus.COMPLETED
  );
}

/** An item without results yet may be cancelled. */
export function canCancelItem(item: Pick<LabOrderItem, "status" | "results">): boolean {
  return (
    (item.status === LabOrderStatus.REQUESTED ||
      item.status === LabOrderStatus.SAMPLE_COLLECTED ||
      item.status === LabOrderStatus.PROCESSING) &&
    !item.results.some((r) => r.value !== undefined || r.scaleValue !== "")
  );
}

/** What was typed for one parameter. `unit` "" means the catalog's unit. */
export interface Typed {
  value: string;
  unit: string;
  scale: string;
}

export type EntryProblem = "number" | "scale" | "unit";

export interface BuiltEntry {
  inputs: { parameterCode: string; value?: number; unit: string; scaleValue: string }[];
  /** Problems by parameter code. */
  problems: Record<string, EntryProblem>;
}

/** A decimal as people type it: "5.4", "5,4", "-0.3". */
export function parseDecimal(text: string): number | undefined {
  const s = text.trim().replace(",", ".");
  if (!/^-?\d+(\.\d+)?$/.test(s)) return undefined;
  return Number(s);
}

/** The parameters filled in, as the request's results; the blank ones are left out. */
export function buildEntry(
  parameters: readonly Pick<LabParameter, "code" | "kind" | "unit" | "scale">[],
  typed: Record<string, Typed | undefined>,
): BuiltEntry {
  const inputs: BuiltEntry["inputs"] = [];
  const problems: Record<string, EntryProblem> = {};
  for (const p of parameters) {
    const t = typed[p.code];
    if (!t) continue;
    if (p.kind === ParameterKind.ORDINAL) {
      if (t.scale === "") continue;
      if (!p.scale.includes(t.scale)) problems[p.code] = "scale";
      inputs.push({ parameterCode: p.code, unit: "", scaleValue: t.scale });
      continue;
    }
    if (t.value.trim() === "") continue;
    const value = parseDecimal(t.value);
    if (value === undefined) {
      problems[p.code] = "number";
      continue;
    }
    const unit = (t.unit || p.unit).trim();
    if (unit === "") problems[p.code] = "unit";
    inputs.push({ parameterCode: p.code, value, unit, scaleValue: "" });
  }
  return { inputs, problems };
}

/**
 * A violation of the request (`results[1].unit`) as the form's field name
 * (`<code>.unit`), through the parameter codes in the order they were sent.
 */
export function violationField(field: string, sent: readonly string[]): string | undefined {
  const m = /^results\[(\d+)\]\.(\w+)$/.exec(field);
  if (!m) return undefined;
  const code = sent[Number(m[1])];
  if (code === undefined) return undefined;
  const part = m[2] === "scale_value" ? "scale" : m[2] === "unit" ? "unit" : "value";
  return `${code}.${part}`;
}

export const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** A result file the client may send: at most 4 MiB and not empty (the type the service checks). */
export function fileProblem(size: number): "empty" | "large" | undefined {
  if (size <= 0) return "empty";
  if (size > MAX_FILE_BYTES) return "large";
  return undefined;
}

/** A quantitative value rounded as the catalog shows it, in the reader's language. */
export function formatValue(value: number, decimals: number, locale: string): string {
  return new Intl.NumberFormat(locale, {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
    useGrouping: false,
  }).format(value);
}

/**
 * The flag a typed value will get, before it is sent: the value brought to the catalog's
 * unit (the same conversions the service applies), then judged by the range that applies to
 * this patient, critical limits first; a value on a limit is inside it. Undefined while the
 * value or unit is not usable yet or no range applies (the service's flag is the one kept).
 */
export function previewFlag(
  p: Pick<LabParameter, "unit" | "conversions">,
  range: Pick<AppliedRange, "low" | "high" | "criticalLow" | "criticalHigh"> | undefined,
  typed: Pick<Typed, "value" | "unit">,
): Flag | undefined {
  if (!range) return undefined;
  const entered = parseDecimal(typed.value);
  if (entered === undefined) return undefined;
  const unit = typed.unit || p.unit;
  const conversion = p.conversions.find((c) => c.unit === unit);
  const value =
    unit === p.unit ? entered : conversion ? entered * conversion.factor + conversion.offset : NaN;
  if (Number.isNaN(value)) return undefined;
  const below = (limit?: number) => limit !== undefined && value < limit;
  const above = (limit?: number) => limit !== undefined && value > limit;
  if (below(range.criticalLow)) return Flag.CRITICAL_LOW;
  if (above(range.criticalHigh)) return Flag.CRITICAL_HIGH;
  if (below(range.low)) return Flag.LOW;
  if (above(range.high)) return Flag.HIGH;
  if (range.low !== undefined || range.high !== undefined) return Flag.NORMAL;
  return undefined;
}

/**
 * Where a value sits on a bar drawn around its reference range: the range takes the middle
 * half of the bar (a range open on one side takes that side's half), and the value is
 * clamped to the bar's ends. Positions are fractions of the bar's width; undefined when
 * there is nothing to draw.
 */
export function rangeBar(
  value: number | undefined,
  low: number | undefined,
  high: number | undefined,
): { from: number; to: number; at: number; outside: boolean } | undefined {
  if (value === undefined || (low === undefined && high === undefined)) return undefined;
  let from: number, to: number, lo: number, hi: number;
  if (low !== undefined && high !== undefined && high > low) {
    [from, to] = [0.25, 0.75];
    const half = (high - low) / 2;
    [lo, hi] = [low - half, high + half];
  } else if (high !== undefined) {
    // "≤ high": the range from zero (or below) to the high limit.
    const span = Math.abs(high) || 1;
    [from, to] = [0, 0.5];
    [lo, hi] = [Math.min(0, high - span), high + (high - Math.min(0, high - span))];
  } else if (low !== undefined) {
    const span = Math.abs(low) || 1;
    [from, to] = [0.5, 1];
    [lo, hi] = [low - span, low + span];
  } else {
    return undefined;
  }
  const at = Math.min(1, Math.max(0, (value - lo) / (hi - lo)));
  const outside = (low !== undefined && value < low) || (high !== undefined && value > high);
  return { from, to, at, outside };
}
