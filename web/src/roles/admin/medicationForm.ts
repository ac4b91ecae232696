// A catalog medication as the admin edits it: the drug classes and ingredients as
// comma-separated lists, the unit price in whole units of its currency (VND has no minor
// digits), the reorder level as a whole number; the form turned back into the request's
// Medication with the problems of what was typed, by the request's field path; and the
// service's violations (google.rpc.BadRequest paths such as "medication.ingredients[2]" or
// "medication.unit_price.amount_minor") brought to the input that shows them.
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  DosageForm,
  type Medication,
  type MedicationSchema,
} from "@hms/sdk/hms/pharmacy/v1/pharmacy_pb";
import { enumValues, parseEnum } from "./enums";
import { amountInput, parseAmount } from "./money";

export interface MedicationDraft {
  code: string;
  name: string;
  genericName: string;
  /** Comma-separated. */
  drugClasses: string;
  /** Comma-separated. */
  ingredients: string;
  manufacturer: string;
  /** A DosageForm's number, as a select gives it back. */
  dosageForm: string;
  strength: string;
  /** Whole units of the currency, as typed. */
  price: string;
  reorderLevel: string;
  active: boolean;
}

/** The form's inputs, named by the request's field paths. */
export const MEDICATION_INPUTS = [
  "medication.code",
  "medication.name",
  "medication.generic_name",
  "medication.drug_classes",
  "medication.ingredients",
  "medication.manufacturer",
  "medication.dosage_form",
  "medication.strength",
  "medication.unit_price",
  "medication.reorder_level",
] as const;

export type MedicationInput = (typeof MEDICATION_INPUTS)[number];

export type MedicationProblem = "price" | "reorderLevel";

/** The currency of a medication's price; VND for a new one. */
export function priceCurrency(m: Medication | undefined): string {
  return m?.unitPrice?.currency || "VND";
}

/** "penicillin, beta_lactam" → ["penicillin", "beta_lactam"]: trimmed, blanks dropped. */
export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
}

export function joinList(list: readonly string[]): string {
  return list.join(", ");
}

/** The dosage forms a medication may have (UNSPECIFIED is none). */
export const DOSAGE_FORMS: DosageForm[] = enumValues(DosageForm).filter(
  (f) => f !== DosageForm.UNSPECIFIED,
);

export function medicationDraft(m?: Medication): MedicationDraft {
  return {
    code: m?.code ?? "",
    name: m?.name ?? "",
    genericName: m?.genericName ?? "",
    drugClasses: joinList(m?.drugClasses ?? []),
    ingredients: joinList(m?.ingredients ?? []),
    manufacturer: m?.manufacturer ?? "",
    dosageForm: String(m?.dosageForm ?? DosageForm.UNSPECIFIED),
    strength: m?.strength ?? "",
    price: m?.unitPrice ? amountInput(m.unitPrice.amountMinor, priceCurrency(m)) : "",
    reorderLevel: String(m?.reorderLevel ?? 0),
    active: m?.active ?? true,
  };
}

const MAX_INT32 = 2 ** 31 - 1;

/** The medication a form describes, and its problems by the request's field path. */
export function medicationOf(
  d: MedicationDraft,
  currency: string,
): {
  medication: MessageInitShape<typeof MedicationSchema>;
  problems: Partial<Record<MedicationInput, MedicationProblem>>;
} {
  const problems: Partial<Record<MedicationInput, MedicationProblem>> = {};
  const amount = parseAmount(d.price, currency);
  if (!amount.ok) problems["medication.unit_price"] = "price";
  const level = d.reorderLevel.trim() === "" ? "0" : d.reorderLevel.trim();
  const reorderLevel = /^\d+$/.test(level) ? Number(level) : NaN;
  if (Number.isNaN(reorderLevel) || reorderLevel > MAX_INT32)
    problems["medication.reorder_level"] = "reorderLevel";
  return {
    medication: {
      code: d.code.trim(),
      name: d.name.trim(),
      genericName: d.genericName.trim(),
      drugClasses: splitList(d.drugClasses),
      ingredients: splitList(d.ingredients),
      manufacturer: d.manufacturer.trim(),
      dosageForm: parseEnum(DosageForm, d.dosageForm, DosageForm.UNSPECIFIED),
      strength: d.strength.trim(),
      unitPrice: { amountMinor: amount.ok ? amount.minor : 0n, currency },
      reorderLevel: Number.isNaN(reorderLevel) ? 0 : reorderLevel,
      active: d.active,
    },
    problems,
  };
}

/**
 * The input that shows a violation of `path`: an entry of a list ("medication.drug_classes[1]")
 * or a part of the price ("medication.unit_price.currency") belongs to the whole field's
 * input; undefined when no input shows it.
 */
export function inputOf(path: string): MedicationInput | undefined {
  const whole = path.replace(/\[\d+\]$/, "").replace(/^(medication\.unit_price)\..*$/, "$1");
  return MEDICATION_INPUTS.find((i) => i === whole);
}

/**
 * Violations by their path → by the input that shows them (several sentences of one input
 * joined), and the paths so shown (the rest are listed under the form).
 */
export function errorsByInput(errors: Record<string, string>): {
  errors: Record<string, string>;
  shown: string[];
} {
  const byInput: Record<string, string> = {};
  const shown: string[] = [];
  for (const [path, text] of Object.entries(errors)) {
    const input = inputOf(path);
    if (!input) continue;
    shown.push(path);
    byInput[input] = byInput[input] ? `${byInput[input]} ${text}` : text;
  }
  return { errors: byInput, shown };
}
