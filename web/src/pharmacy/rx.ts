// What the prescription screens (the doctor's prescribing panel, the pharmacist's queue,
// prescription, stock and expiry pages, the patient's prescriptions) derive from the
// pharmacy service's answers: status, finding, severity and dosage form labels, findings in the order
// a prescriber reads them, what a dispense preview amounts to (earliest expiry first, and
// any shortfall), the quantities a pharmacist types, and expiry dates against the
// clinic's day.
import {
  AdjustmentReason,
  DosageForm,
  FindingKind,
  PrescriptionStatus,
  Severity,
  type DispenseLine,
  type Finding,
  type Medication,
  type Prescription,
  type PrescriptionItem,
} from "@hms/sdk/hms/pharmacy/v1/pharmacy_pb";
import type { MessageKey, Translate } from "../i18n";
import { dayKey, type Day } from "../format";

const statusKeys: Record<PrescriptionStatus, MessageKey> = {
  [PrescriptionStatus.UNSPECIFIED]: "rx.status.UNSPECIFIED",
  [PrescriptionStatus.PENDING_VERIFICATION]: "rx.status.PENDING_VERIFICATION",
  [PrescriptionStatus.VERIFIED]: "rx.status.VERIFIED",
  [PrescriptionStatus.DISPENSED_PARTIAL]: "rx.status.DISPENSED_PARTIAL",
  [PrescriptionStatus.DISPENSED_FULL]: "rx.status.DISPENSED_FULL",
  [PrescriptionStatus.CANCELLED]: "rx.status.CANCELLED",
};

export function rxStatusLabel(status: PrescriptionStatus): MessageKey {
  return statusKeys[status] ?? "rx.status.UNSPECIFIED";
}

const severityKeys: Record<Severity, MessageKey> = {
  [Severity.UNSPECIFIED]: "rx.severity.UNSPECIFIED",
  [Severity.MODERATE]: "rx.severity.MODERATE",
  [Severity.MAJOR]: "rx.severity.MAJOR",
  [Severity.CONTRAINDICATED]: "rx.severity.CONTRAINDICATED",
};

export function severityLabel(severity: Severity): MessageKey {
  return severityKeys[severity] ?? "rx.severity.UNSPECIFIED";
}

const kindKeys: Record<FindingKind, MessageKey> = {
  [FindingKind.UNSPECIFIED]: "rx.kind.UNSPECIFIED",
  [FindingKind.ALLERGY]: "rx.kind.ALLERGY",
  [FindingKind.INTERACTION]: "rx.kind.INTERACTION",
};

export function findingKindLabel(kind: FindingKind): MessageKey {
  return kindKeys[kind] ?? "rx.kind.UNSPECIFIED";
}

const dosageFormKeys: Record<DosageForm, MessageKey> = {
  [DosageForm.UNSPECIFIED]: "rx.form.UNSPECIFIED",
  [DosageForm.TABLET]: "rx.form.TABLET",
  [DosageForm.CAPSULE]: "rx.form.CAPSULE",
  [DosageForm.SYRUP]: "rx.form.SYRUP",
  [DosageForm.SUSPENSION]: "rx.form.SUSPENSION",
  [DosageForm.INJECTION]: "rx.form.INJECTION",
  [DosageForm.CREAM]: "rx.form.CREAM",
  [DosageForm.OINTMENT]: "rx.form.OINTMENT",
  [DosageForm.INHALER]: "rx.form.INHALER",
  [DosageForm.DROPS]: "rx.form.DROPS",
  [DosageForm.SOLUTION]: "rx.form.SOLUTION",
  [DosageForm.POWDER]: "rx.form.POWDER",
};

export function dosageFormLabel(form: DosageForm): MessageKey {
  return dosageFormKeys[form] ?? "rx.form.UNSPECIFIED";
}

const adjustmentKeys: Record<AdjustmentReason, MessageKey> = {
  [AdjustmentReason.UNSPECIFIED]: "rx.adjust.reason.UNSPECIFIED",
  [AdjustmentReason.DAMAGE]: "rx.adjust.reason.DAMAGE",
  [AdjustmentReason.COUNT_CORRECTION]: "rx.adjust.reason.COUNT_CORRECTION",
  [AdjustmentReason.EXPIRED_DISPOSAL]: "rx.adjust.reason.EXPIRED_DISPOSAL",
  [AdjustmentReason.RETURN_TO_SUPPLIER]: "rx.adjust.reason.RETURN_TO_SUPPLIER",
};

export function adjustmentReasonLabel(reason: AdjustmentReason): MessageKey {
  return adjustmentKeys[reason] ?? "rx.adjust.reason.UNSPECIFIED";
}

export const ADJUSTMENT_REASONS: readonly AdjustmentReason[] = [
  AdjustmentReason.DAMAGE,
  AdjustmentReason.COUNT_CORRECTION,
  AdjustmentReason.EXPIRED_DISPOSAL,
  AdjustmentReason.RETURN_TO_SUPPLIER,
];

/** The statuses the pharmacy's queue holds, in the order the filter offers them. */
export const QUEUE_STATUSES: readonly PrescriptionStatus[] = [
  PrescriptionStatus.PENDING_VERIFICATION,
  PrescriptionStatus.VERIFIED,
  PrescriptionStatus.DISPENSED_PARTIAL,
];

/** A pharmacist approves or rejects a prescription waiting for verification. */
export function canVerify(status: PrescriptionStatus): boolean {
  return status === PrescriptionStatus.PENDING_VERIFICATION;
}

/** A verified or partly dispensed prescription is dispensed from stock. */
export function canDispense(status: PrescriptionStatus): boolean {
  return status === PrescriptionStatus.VERIFIED || status === PrescriptionStatus.DISPENSED_PARTIAL;
}

/** Nothing has left the shelf yet: it may still be cancelled (with a reason). */
export function canCancel(status: PrescriptionStatus): boolean {
  return (
    status === PrescriptionStatus.PENDING_VERIFICATION || status === PrescriptionStatus.VERIFIED
  );
}

// ---- findings ----

const severityRank: Record<Severity, number> = {
  [Severity.UNSPECIFIED]: 0,
  [Severity.MODERATE]: 1,
  [Severity.MAJOR]: 2,
  [Severity.CONTRAINDICATED]: 3,
};

type FindingFacts = Pick<
  Finding,
  "kind" | "medicationName" | "other" | "otherPrescriptionId" | "severity"
>;

/**
 * Findings in the order a prescriber reads them: the most severe first, an allergy before
 * an interaction of the same severity, then by medication and the other side.
 */
export function sortFindings<F extends FindingFacts>(findings: readonly F[]): F[] {
  return [...findings].sort(
    (a, b) =>
      (severityRank[b.severity] ?? 0) - (severityRank[a.severity] ?? 0) ||
      (a.kind === FindingKind.ALLERGY ? 0 : 1) - (b.kind === FindingKind.ALLERGY ? 0 : 1) ||
      a.medicationName.localeCompare(b.medicationName) ||
      a.other.localeCompare(b.other),
  );
}

/**
 * One finding as a sentence in the reader's language: the allergy as the record states
 * its substance, or the interaction with the other medication (of this prescription or of
 * another the patient is taking).
 */
export function findingSentence(t: Translate, f: FindingFacts): string {
  const params = { medication: f.medicationName, other: f.other };
  if (f.kind === FindingKind.ALLERGY) return t("rx.finding.allergy", params);
  if (f.kind === FindingKind.INTERACTION) {
    return f.otherPrescriptionId
      ? t("rx.finding.interactionActive", params)
      : t("rx.finding.interaction", params);
  }
  return t("rx.finding.other", params);
}

/** The headline of a list of findings: how many of each kind there are. */
export function findingsHeadline(t: Translate, findings: readonly Pick<Finding, "kind">[]): string {
  const { allergies, interactions } = findingCounts(findings);
  if (allergies > 0 && interactions > 0) {
    return t("rx.findingsBoth", { allergies, interactions });
  }
  return interactions > 0
    ? t("rx.findingsInteractions", { count: interactions })
    : t("rx.findingsAllergies", { count: allergies });
}

/** How many findings of each kind there are. */
export function findingCounts(findings: readonly Pick<Finding, "kind">[]): {
  allergies: number;
  interactions: number;
} {
  return {
    allergies: findings.filter((f) => f.kind === FindingKind.ALLERGY).length,
    interactions: findings.filter((f) => f.kind === FindingKind.INTERACTION).length,
  };
}

// ---- dispensing ----

export interface PlannedPick {
  batchId: string;
  lot: string;
  expiry: Day | undefined;
  quantity: number;
}

export interface PlannedLine {
  itemId: string;
  medicationName: string;
  requested: number;
  /** Units the dispense would take (or took). */
  quantity: number;
  /** Requested but not on the shelf. */
  shortfall: number;
  picks: PlannedPick[];
}

export interface DispensePlan {
  lines: PlannedLine[];
  requested: number;
  quantity: number;
  shortfall: number;
  /** Everything requested would be taken. */
  complete: boolean;
  /** Nothing at all would be taken: the service refuses such a dispense (OUT_OF_STOCK). */
  empty: boolean;
}

/** What a dispense preview (or a dispense) amounts to, line by line and in all. */
export function planOf(
  lines: readonly Pick<
    DispenseLine,
    "itemId" | "medicationName" | "requestedQuantity" | "quantity" | "picks"
  >[],
): DispensePlan {
  const planned = lines.map((l) => ({
    itemId: l.itemId,
    medicationName: l.medicationName,
    requested: l.requestedQuantity,
    quantity: l.quantity,
    shortfall: Math.max(0, l.requestedQuantity - l.quantity),
    picks: l.picks.map((p) => ({
      batchId: p.batchId,
      lot: p.lot,
      expiry: dayOf(p.expiryDate),
      quantity: p.quantity,
    })),
  }));
  const sum = (f: (l: PlannedLine) => number) => planned.reduce((n, l) => n + f(l), 0);
  const requested = sum((l) => l.requested);
  const quantity = sum((l) => l.quantity);
  const shortfall = sum((l) => l.shortfall);
  return {
    lines: planned,
    requested,
    quantity,
    shortfall,
    complete: planned.length > 0 && shortfall === 0,
    empty: quantity === 0,
  };
}

/** Units of an item still to dispense. */
export function remaining(item: Pick<PrescriptionItem, "quantity" | "dispensedQuantity">): number {
  return Math.max(0, item.quantity - item.dispensedQuantity);
}

export type QuantityProblem = "format" | "tooMany";

export type QuantityCheck =
  | { ok: true; items: { itemId: string; quantity: number }[] }
  | { ok: false; problems: Record<string, QuantityProblem>; none: boolean };

/**
 * The per-item quantities a pharmacist typed (item id → text) as the dispense request's
 * items: a blank or 0 leaves the item out this time; more than is left of an item, or
 * anything but a whole number, is a problem of that item; choosing nothing at all is too.
 */
export function chosenQuantities(
  items: readonly Pick<PrescriptionItem, "itemId" | "quantity" | "dispensedQuantity">[],
  typed: Readonly<Record<string, string>>,
): QuantityCheck {
  const problems: Record<string, QuantityProblem> = {};
  const chosen: { itemId: string; quantity: number }[] = [];
  for (const item of items) {
    const text = (typed[item.itemId] ?? "").trim();
    if (text === "" || text === "0") continue;
    if (!/^\d+$/.test(text)) {
      problems[item.itemId] = "format";
      continue;
    }
    const quantity = Number(text);
    if (quantity > remaining(item)) {
      problems[item.itemId] = "tooMany";
      continue;
    }
    chosen.push({ itemId: item.itemId, quantity });
  }
  if (Object.keys(problems).length > 0 || chosen.length === 0) {
    return { ok: false, problems, none: chosen.length === 0 && Object.keys(problems).length === 0 };
  }
  return { ok: true, items: chosen };
}

// ---- numbers typed ----

/** A whole number from `min` to `max` as typed ("21", " 7 "); undefined otherwise. */
export function parseCount(text: string, min: number, max: number): number | undefined {
  const s = text.trim();
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n >= min && n <= max ? n : undefined;
}

/** A stock adjustment as typed: "+5", "5" or "-3" (the minus sign may be "−"), never 0. */
export function parseDelta(text: string, max = 10_000): number | undefined {
  const m = /^([+\-−]?)\s*(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[2]);
  if (n === 0 || n > max) return undefined;
  return m[1] === "-" || m[1] === "−" ? -n : n;
}

// ---- dates ----

/** A google.type.Date as a calendar day; undefined when unset. */
export function dayOf(
  d: { year: number; month: number; day: number } | undefined,
): Day | undefined {
  if (!d || d.year === 0) return undefined;
  return { year: d.year, month: d.month, day: d.day };
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: Day, to: Day): number {
  const ms =
    Date.UTC(to.year, to.month - 1, to.day) - Date.UTC(from.year, from.month - 1, from.day);
  return Math.round(ms / 86_400_000);
}

export type ExpiryState = "expired" | "soon" | "ok";

/**
 * A batch's expiry against the clinic's `today`: expired on its expiry day already (as
 * the service never dispenses it that day), soon within `soonDays`.
 */
export function expiryState(expiry: Day | undefined, today: Day, soonDays = 90): ExpiryState {
  if (!expiry) return "ok";
  const left = daysBetween(today, expiry);
  if (left <= 0) return "expired";
  return left <= soonDays ? "soon" : "ok";
}

/** "2027-06-30" as a date input shows a day. */
export function dateInput(d: Day): string {
  return dayKey(d);
}

// ---- lists ----

/** The prescriptions written in one encounter, newest first as listed. */
export function ofEncounter<P extends Pick<Prescription, "encounterId">>(
  prescriptions: readonly P[],
  encounterId: string,
): P[] {
  return prescriptions.filter((p) => p.encounterId === encounterId);
}

/** A catalog entry as a search result reads: name, then generic name when it differs. */
export function medicationLabel(m: Pick<Medication, "name" | "genericName" | "strength">): string {
  const generic = m.genericName.trim();
  return generic && !m.name.toLowerCase().startsWith(generic.toLowerCase())
    ? `${m.name} (${generic})`
    : m.name;
}

/** The medications of a prescription, for one line of a list. */
export function medicationsLine(
  items: readonly Pick<PrescriptionItem, "medicationName">[],
): string {
  return items.map((i) => i.medicationName).join(", ");
}
